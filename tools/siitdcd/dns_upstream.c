// SPDX-License-Identifier: GPL-2.0
/*
 * siitdcd: AAAA lookups at the upstream (internal, authoritative) servers.
 *
 * UDP first. Each query gets a random 16-bit ID (from getrandom, fetched
 * 256 at a time: a system call per query showed in the profile) and goes out
 * on a connected UDP socket whose source port the kernel chose at random;
 * a socket carries at most UP_SOCK_USES queries before it is replaced, so
 * ports keep changing without a socket()/connect()/close() per query (that
 * cost would eat much of the refresh path's budget). A reply is accepted
 * only on the socket its query went out on (the kernel already filters the
 * peer address of a connected socket), with the query's ID, QR set and the
 * same question. A reply with TC set is retried over TCP at the same
 * server. A try that gets no reply within the timeout goes to the next
 * server, in the listed order (the first is the primary); every server is
 * tried once, and a lone server twice.
 *
 * Timeouts: the timeout is the same for every try, so queries enter the
 * deadline list in deadline order and one timer, armed for the list head,
 * serves all of them.
 *
 * At the end of this file: the short-lived cache of positive answers
 * (dns.h, before sd_dc_new, says why it exists and what it keeps). A FIFO
 * list evicts the oldest entries, and those whose time is up while they
 * are at its head; a lookup checks the entry's own expiry, since a short
 * TTL can end an entry before older ones. A hash table on the public name
 * gives lookups.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"

#define UP_POOL		8	/* UDP sockets per server */
#define UP_SOCK_USES	128	/* queries per UDP socket before replacement */
#define UP_TCP_MAX	65535	/* a DNS message */
#define UP_EDNS_SIZE	SD_DNS_UDP_MAX

struct up_sock {
	struct sd_upstream *u;
	int fd;
	unsigned int server;	/* index in u->servers when it was made */
	unsigned int uses;
	unsigned int outstanding;
	bool retired;		/* out of the pool; closed once idle */
};

struct sd_up_query {
	struct sd_upstream *u;
	uint16_t id;
	uint8_t tries, max_tries;
	unsigned int server;
	struct up_sock *sock;		/* UDP try in progress */
	int tcp_fd;			/* TCP try in progress, else -1 */
	bool tcp_sent;
	uint8_t *tcp_buf;
	size_t tcp_len, tcp_want;
	uint64_t deadline;
	struct sd_up_query *tprev, *tnext;
	ldns_rdf *qname;
	ldns_rr_type qtype;
	sd_up_done_fn done;
	void *arg;
	size_t qlen;
	uint8_t qwire[2 + 512];		/* 2-byte TCP length, then the query */
};

struct sd_upstream {
	struct sd_loop *l;
	struct sd_sockaddr *servers;
	unsigned int n_servers;
	uint32_t timeout_ms;
	struct up_sock **pools;			/* UP_POOL per server */
	unsigned int rr;
	struct sd_up_query *by_id[65536];
	unsigned int n_inflight;
	struct sd_up_query *thead, *ttail;
	struct sd_timer *timer;
	ldns_buffer *buf;
	uint16_t ids[256];			/* random IDs not yet used */
	unsigned int n_ids;
	uint8_t rbuf[UP_TCP_MAX];
};

static uint16_t up_random_id(struct sd_upstream *u)
{
	if (!u->n_ids) {
		if (getrandom(u->ids, sizeof(u->ids), 0) != sizeof(u->ids))
			return (uint16_t)arc4random();
		u->n_ids = sizeof(u->ids) / sizeof(u->ids[0]);
	}
	return u->ids[--u->n_ids];
}

static void up_arm_timer(struct sd_upstream *u);
static void up_try(struct sd_up_query *q);

struct sd_upstream *sd_up_new(struct sd_loop *l)
{
	struct sd_upstream *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->l = l;
	u->buf = ldns_buffer_new(1024);
	if (!u->buf) {
		free(u);
		return NULL;
	}
	return u;
}

static void up_sock_close(struct up_sock *s)
{
	sd_loop_del(s->u->l, s->fd);
	close(s->fd);
	free(s);
}

/* Takes @s out of its pool; it closes when its last query is done. */
static void up_sock_retire(struct up_sock *s)
{
	struct sd_upstream *u = s->u;

	if (!s->retired) {
		s->retired = true;
		for (unsigned int i = 0; i < u->n_servers * UP_POOL; i++)
			if (u->pools[i] == s)
				u->pools[i] = NULL;
	}
	if (!s->outstanding)
		up_sock_close(s);
}

static void up_sock_release(struct up_sock *s)
{
	s->outstanding--;
	if (s->retired && !s->outstanding)
		up_sock_close(s);
}

int sd_up_config(struct sd_upstream *u, const struct sd_sockaddr *servers,
		 unsigned int n, uint32_t timeout_ms)
{
	struct sd_sockaddr *ns = NULL;
	struct up_sock **np = NULL;

	if (n) {
		ns = calloc(n, sizeof(*ns));
		np = calloc((size_t)n * UP_POOL, sizeof(*np));
		if (!ns || !np) {
			free(ns);
			free(np);
			return -ENOMEM;
		}
		memcpy(ns, servers, n * sizeof(*ns));
	}
	/* Old sockets still carry queries: they close once those are done. */
	for (unsigned int i = 0; i < u->n_servers * UP_POOL; i++) {
		struct up_sock *s = u->pools[i];

		if (s) {
			s->retired = true;
			u->pools[i] = NULL;
			if (!s->outstanding)
				up_sock_close(s);
		}
	}
	free(u->servers);
	free(u->pools);
	u->servers = ns;
	u->pools = np;
	u->n_servers = n;
	u->timeout_ms = timeout_ms ? timeout_ms : 1000;
	return 0;
}

/* ---- the deadline list ---- */

static void up_tlist_del(struct sd_upstream *u, struct sd_up_query *q)
{
	if (q->tprev)
		q->tprev->tnext = q->tnext;
	else if (u->thead == q)
		u->thead = q->tnext;
	else
		return;		/* not listed */
	if (q->tnext)
		q->tnext->tprev = q->tprev;
	else
		u->ttail = q->tprev;
	q->tprev = q->tnext = NULL;
}

static void up_tlist_add(struct sd_upstream *u, struct sd_up_query *q)
{
	q->deadline = sd_now_ms() + u->timeout_ms;
	q->tnext = NULL;
	q->tprev = u->ttail;
	if (u->ttail)
		u->ttail->tnext = q;
	else
		u->thead = q;
	u->ttail = q;
	up_arm_timer(u);
}

/* ---- one try ---- */

static void up_tcp_close(struct sd_up_query *q)
{
	if (q->tcp_fd >= 0) {
		sd_loop_del(q->u->l, q->tcp_fd);
		close(q->tcp_fd);
		q->tcp_fd = -1;
	}
	free(q->tcp_buf);
	q->tcp_buf = NULL;
	q->tcp_len = q->tcp_want = 0;
	q->tcp_sent = false;
}

/* Ends the current try (the reply came, it failed, or it timed out). */
static void up_try_end(struct sd_up_query *q)
{
	up_tlist_del(q->u, q);
	if (q->sock) {
		up_sock_release(q->sock);
		q->sock = NULL;
	}
	up_tcp_close(q);
}

static void up_finish(struct sd_up_query *q, const ldns_pkt *resp)
{
	struct sd_upstream *u = q->u;

	up_try_end(q);
	u->by_id[q->id] = NULL;
	u->n_inflight--;
	q->done(q->arg, resp);
	ldns_rdf_deep_free(q->qname);
	free(q);
}

/* The try failed at once or timed out: next server, or give up. */
static void up_next(struct sd_up_query *q)
{
	up_try_end(q);
	if (++q->tries >= q->max_tries || !q->u->n_servers) {
		up_finish(q, NULL);
		return;
	}
	q->server = (q->server + 1) % q->u->n_servers;
	up_try(q);
}

static void up_udp_readable(void *arg, uint32_t events);

static struct up_sock *up_sock_get(struct sd_upstream *u, unsigned int server)
{
	unsigned int slot = server * UP_POOL + (u->rr++ % UP_POOL);
	const struct sd_sockaddr *sa = &u->servers[server];
	struct up_sock *s = u->pools[slot];
	int fd;

	if (s)
		return s;
	fd = socket(sa->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return NULL;
	/* connect() binds a random ephemeral port and filters the peer. */
	if (connect(fd, (const struct sockaddr *)&sa->ss, sa->len) < 0) {
		close(fd);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return NULL;
	}
	s->u = u;
	s->fd = fd;
	s->server = server;
	if (sd_loop_add(u->l, fd, EPOLLIN, up_udp_readable, s) < 0) {
		close(fd);
		free(s);
		return NULL;
	}
	u->pools[slot] = s;
	return s;
}

static void up_tcp_io(void *arg, uint32_t events);

static int up_tcp_start(struct sd_up_query *q)
{
	struct sd_upstream *u = q->u;
	const struct sd_sockaddr *sa;
	int fd;

	if (q->server >= u->n_servers)	/* the list shrank on reload */
		return -1;
	sa = &u->servers[q->server];
	fd = socket(sa->ss.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sa->ss, sa->len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	if (sd_loop_add(u->l, fd, EPOLLOUT, up_tcp_io, q) < 0) {
		close(fd);
		return -1;
	}
	q->tcp_fd = fd;
	sd_metric_inc(SD_M_DNS_UPSTREAM_QUERIES);
	up_tlist_add(u, q);
	return 0;
}

/* Sends the query to q->server over UDP: 0, or -1 when that failed. */
static int up_send(struct sd_up_query *q)
{
	struct sd_upstream *u = q->u;
	struct up_sock *s = up_sock_get(u, q->server);

	if (s && send(s->fd, q->qwire + 2, q->qlen, 0) == (ssize_t)q->qlen) {
		q->sock = s;
		s->outstanding++;
		if (++s->uses >= UP_SOCK_USES)
			up_sock_retire(s);
		sd_metric_inc(SD_M_DNS_UPSTREAM_QUERIES);
		up_tlist_add(u, q);
		return 0;
	}
	if (s)	/* a broken socket: replace it */
		up_sock_retire(s);
	return -1;
}

/* Starts a try at q->server, moving on while sending fails. */
static void up_try(struct sd_up_query *q)
{
	while (up_send(q) < 0) {
		if (++q->tries >= q->max_tries) {
			up_finish(q, NULL);
			return;
		}
		q->server = (q->server + 1) % q->u->n_servers;
	}
}

/* Is @resp the answer to @q? */
static bool up_matches(const struct sd_up_query *q, const ldns_pkt *resp)
{
	const ldns_rr_list *ql = ldns_pkt_question(resp);
	const ldns_rr *qr;

	if (!ldns_pkt_qr(resp) || ldns_pkt_get_opcode(resp) != LDNS_PACKET_QUERY ||
	    ldns_pkt_id(resp) != q->id || ldns_pkt_qdcount(resp) != 1 ||
	    !ql || ldns_rr_list_rr_count(ql) != 1)
		return false;
	qr = ldns_rr_list_rr(ql, 0);
	return ldns_rr_get_type(qr) == q->qtype &&
	       ldns_rr_get_class(qr) == LDNS_RR_CLASS_IN &&
	       ldns_dname_compare(ldns_rr_owner(qr), q->qname) == 0;
}

/* A parsed reply for @q: done, or TCP retry when truncated. */
static void up_reply(struct sd_up_query *q, ldns_pkt *resp, bool over_tcp)
{
	if (ldns_pkt_tc(resp) && !over_tcp) {
		up_try_end(q);
		if (up_tcp_start(q) < 0)
			up_next(q);
		return;
	}
	up_finish(q, resp);
}

static void up_udp_readable(void *arg, uint32_t events)
{
	struct up_sock *s = arg;
	struct sd_upstream *u = s->u;
	uint8_t *buf = u->rbuf;

	(void)events;
	/* A bounded batch; a socket retired meanwhile is freed under us. */
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(s->fd, buf, UP_TCP_MAX, MSG_DONTWAIT);
		struct sd_up_query *q;
		ldns_pkt *resp = NULL;
		bool last;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue;	/* ICMP errors: let the timeout act */
		}
		if (n < LDNS_HEADER_SIZE)
			continue;
		q = u->by_id[LDNS_ID_WIRE(buf)];
		if (!q || q->sock != s)
			continue;	/* late, stray or forged */
		if (ldns_wire2pkt(&resp, buf, (size_t)n) != LDNS_STATUS_OK)
			continue;
		if (!up_matches(q, resp)) {
			ldns_pkt_free(resp);
			continue;
		}
		/* The reply may free this socket (retired, last query). */
		last = s->retired && s->outstanding == 1;
		up_reply(q, resp, false);
		ldns_pkt_free(resp);
		if (last)
			return;
	}
}

static void up_tcp_io(void *arg, uint32_t events)
{
	struct sd_up_query *q = arg;
	ssize_t n;

	if (!q->tcp_sent) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (getsockopt(q->tcp_fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 ||
		    err || (events & (EPOLLERR | EPOLLHUP)))
			goto fail;
		/* A query under 514 bytes fits an empty socket buffer. */
		n = send(q->tcp_fd, q->qwire, q->qlen + 2, MSG_NOSIGNAL);
		if (n != (ssize_t)(q->qlen + 2))
			goto fail;
		q->tcp_sent = true;
		if (sd_loop_mod(q->u->l, q->tcp_fd, EPOLLIN) < 0)
			goto fail;
		return;
	}
	if (!q->tcp_buf) {
		q->tcp_buf = malloc(2 + UP_TCP_MAX);
		if (!q->tcp_buf)
			goto fail;
	}
	for (;;) {
		size_t want = q->tcp_len < 2 ? 2 : 2 + q->tcp_want;

		n = recv(q->tcp_fd, q->tcp_buf + q->tcp_len, want - q->tcp_len,
			 MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			goto fail;
		q->tcp_len += (size_t)n;
		if (q->tcp_len == 2) {
			q->tcp_want = ldns_read_uint16(q->tcp_buf);
			if (q->tcp_want < LDNS_HEADER_SIZE)
				goto fail;
		} else if (q->tcp_len == 2 + q->tcp_want) {
			ldns_pkt *resp = NULL;

			if (ldns_wire2pkt(&resp, q->tcp_buf + 2, q->tcp_want) !=
			    LDNS_STATUS_OK)
				goto fail;
			if (!up_matches(q, resp)) {
				ldns_pkt_free(resp);
				goto fail;
			}
			up_reply(q, resp, true);
			ldns_pkt_free(resp);
			return;
		}
	}
fail:
	up_next(q);
}

/* ---- timeouts ---- */

static void up_timer_fired(void *arg)
{
	struct sd_upstream *u = arg;
	uint64_t now = sd_now_ms();

	u->timer = NULL;
	while (u->thead && u->thead->deadline <= now) {
		sd_metric_inc(SD_M_DNS_UPSTREAM_TIMEOUTS);
		up_next(u->thead);
	}
	up_arm_timer(u);
}

static void up_arm_timer(struct sd_upstream *u)
{
	uint64_t now;

	if (u->timer || !u->thead)
		return;
	now = sd_now_ms();
	u->timer = sd_timer_add(u->l, u->thead->deadline > now ?
				u->thead->deadline - now : 1, up_timer_fired, u);
	/* On ENOMEM the next query's arming retries; nothing else to do. */
}

/* ---- starting a lookup ---- */

static int up_encode(struct sd_upstream *u, struct sd_up_query *q)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_rdf_clone(q->qname), q->qtype,
					 LDNS_RR_CLASS_IN, LDNS_RD);
	int ret = -1;

	if (!p)
		return -1;
	ldns_pkt_set_id(p, q->id);
	/* A bigger UDP answer than 512 avoids most TCP fallbacks. */
	ldns_pkt_set_edns_udp_size(p, UP_EDNS_SIZE);
	ldns_buffer_clear(u->buf);
	/* One name: nothing to compress (and ldns's compression is dear). */
	if (ldns_pkt2buffer_wire_compress(u->buf, p, NULL) == LDNS_STATUS_OK &&
	    ldns_buffer_position(u->buf) <= sizeof(q->qwire) - 2) {
		q->qlen = ldns_buffer_position(u->buf);
		memcpy(q->qwire + 2, ldns_buffer_begin(u->buf), q->qlen);
		ldns_write_uint16(q->qwire, (uint16_t)q->qlen);
		ret = 0;
	}
	ldns_pkt_free(p);
	return ret;
}

struct sd_up_query *sd_up_query(struct sd_upstream *u, const ldns_rdf *qname,
				ldns_rr_type qtype, sd_up_done_fn done,
				void *arg)
{
	struct sd_up_query *q;
	uint16_t id;

	if (!u->n_servers || u->n_inflight >= SD_DNS_UPSTREAM_MAX)
		return NULL;
	/* At most 1/8 of the IDs are in use: a free one comes quickly. */
	do
		id = up_random_id(u);
	while (u->by_id[id]);
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->u = u;
	q->id = id;
	q->tcp_fd = -1;
	q->qtype = qtype;
	q->done = done;
	q->arg = arg;
	q->max_tries = u->n_servers < 2 ? 2 : (uint8_t)(u->n_servers > 255 ?
							255 : u->n_servers);
	q->server = 0;	/* servers in their listed order */
	q->qname = ldns_rdf_clone(qname);
	if (!q->qname || up_encode(u, q) < 0) {
		ldns_rdf_deep_free(q->qname);
		free(q);
		return NULL;
	}
	u->by_id[id] = q;
	u->n_inflight++;
	/* Like up_try(), but a total failure is reported, not called back. */
	while (up_send(q) < 0) {
		if (++q->tries >= q->max_tries) {
			u->by_id[id] = NULL;
			u->n_inflight--;
			ldns_rdf_deep_free(q->qname);
			free(q);
			return NULL;
		}
		q->server = (q->server + 1) % u->n_servers;
	}
	return q;
}

void sd_up_free(struct sd_upstream *u)
{
	if (!u)
		return;
	while (u->thead) {
		struct sd_up_query *q = u->thead;

		up_try_end(q);
		u->by_id[q->id] = NULL;
		ldns_rdf_deep_free(q->qname);
		free(q);
	}
	if (u->timer)
		sd_timer_cancel(u->l, u->timer);
	sd_up_config(u, NULL, 0, 0);
	ldns_buffer_free(u->buf);
	free(u);
}

/* ---- the short-lived cache of upstream AAAA answers ---- */

#define DC_BUCKETS	4096	/* power of two */

struct dc_ent {
	struct dc_ent *hnext;
	struct dc_ent *fnext;	/* FIFO, oldest first */
	uint32_t hash;
	size_t nlen;
	uint64_t expires_ms;
	ldns_rr_list *aaaa;
	uint8_t name[LDNS_MAX_DOMAINLEN + 1];
};

struct sd_dns_cache {
	struct dc_ent *buckets[DC_BUCKETS];
	struct dc_ent *fhead, *ftail;
	unsigned int n;
};

struct sd_dns_cache *sd_dc_new(void)
{
	return calloc(1, sizeof(struct sd_dns_cache));
}

/* Takes @e out of the hash table (it stays on the FIFO list). */
static void dc_unhash(struct sd_dns_cache *dc, struct dc_ent *e)
{
	for (struct dc_ent **pp = &dc->buckets[e->hash & (DC_BUCKETS - 1)];
	     *pp; pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	}
	ldns_rr_list_deep_free(e->aaaa);
	e->aaaa = NULL;
}

/* Drops expired entries from the head (all, with @all). */
static void dc_trim(struct sd_dns_cache *dc, bool all)
{
	uint64_t now = sd_now_ms();
	struct dc_ent *e;

	while ((e = dc->fhead) &&
	       (all || e->expires_ms <= now || dc->n > SD_DNS_CACHE_MAX)) {
		dc->fhead = e->fnext;
		if (!dc->fhead)
			dc->ftail = NULL;
		if (e->aaaa)
			dc_unhash(dc, e);
		dc->n--;
		free(e);
	}
}

static struct dc_ent *dc_find(struct sd_dns_cache *dc, const uint8_t *name,
			      size_t len, uint32_t hash)
{
	for (struct dc_ent *e = dc->buckets[hash & (DC_BUCKETS - 1)]; e;
	     e = e->hnext)
		if (e->hash == hash && e->nlen == len &&
		    !memcmp(e->name, name, len))
			return e;
	return NULL;
}

const ldns_rr_list *sd_dc_get(struct sd_dns_cache *dc, const uint8_t *name,
			      size_t len, uint32_t hash)
{
	struct dc_ent *e;

	if (!dc)
		return NULL;
	dc_trim(dc, false);
	e = dc_find(dc, name, len, hash);
	return e && e->expires_ms > sd_now_ms() ? e->aaaa : NULL;
}

void sd_dc_put(struct sd_dns_cache *dc, const uint8_t *name, size_t len,
	       uint32_t hash, const ldns_rr_list *aaaa, uint64_t life_ms)
{
	uint64_t life = life_ms;
	struct dc_ent *e;

	if (!dc || !life || len > sizeof(e->name))
		return;
	for (size_t i = 0; i < ldns_rr_list_rr_count(aaaa); i++) {
		uint64_t ttl_ms = ldns_rr_ttl(ldns_rr_list_rr(aaaa, i)) * 1000ull;

		if (ttl_ms < life)
			life = ttl_ms;
	}
	if (!life)
		return;
	e = dc_find(dc, name, len, hash);
	if (e)		/* the newer answer replaces it */
		dc_unhash(dc, e);
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->aaaa = ldns_rr_list_clone(aaaa);
	if (!e->aaaa) {
		free(e);
		return;
	}
	e->hash = hash;
	e->nlen = len;
	memcpy(e->name, name, len);
	e->expires_ms = sd_now_ms() + life;
	e->hnext = dc->buckets[hash & (DC_BUCKETS - 1)];
	dc->buckets[hash & (DC_BUCKETS - 1)] = e;
	if (dc->ftail)
		dc->ftail->fnext = e;
	else
		dc->fhead = e;
	dc->ftail = e;
	dc->n++;
	dc_trim(dc, false);
}

void sd_dc_flush(struct sd_dns_cache *dc)
{
	if (dc)
		dc_trim(dc, true);
}

void sd_dc_free(struct sd_dns_cache *dc)
{
	sd_dc_flush(dc);
	free(dc);
}
