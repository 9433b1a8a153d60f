// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus metrics (text exposition format 0.0.4) over a minimal
 * HTTP/1.0 server in the event loop: GET /metrics, 404 for other paths.
 *
 * A scraper is trusted no further than any client: requests are read into
 * a bounded buffer, a connection that has not sent its request within
 * REQ_TIMEOUT_MS or not taken its answer within RESP_TIMEOUT_MS is closed,
 * and at most MAX_CONNS are open at once.
 */
#include "siitdcd-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQ_MAX		2048
#define REQ_TIMEOUT_MS	5000
#define RESP_TIMEOUT_MS	10000
#define LINGER_MS	2000
#define MAX_CONNS	16

/* ---- the counters the parts bump ---- */

static uint64_t counters[SD_M__COUNT];

/* DNS latency histogram, upper bounds in microseconds. */
static const uint64_t lat_bounds[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000,
};
#define N_BOUNDS (sizeof(lat_bounds) / sizeof(lat_bounds[0]))
static uint64_t lat_buckets[N_BOUNDS];	/* not cumulative here */
static uint64_t lat_count, lat_sum_us;

void sd_metric_inc(enum sd_metric m)
{
	if ((unsigned int)m < SD_M__COUNT)
		counters[m]++;
}

void sd_metric_dns_latency(uint64_t usec)
{
	size_t i;

	for (i = 0; i < N_BOUNDS; i++)
		if (usec <= lat_bounds[i]) {
			lat_buckets[i]++;
			break;
		}
	lat_count++;
	lat_sum_us += usec;
}

/*
 * Name, labels and help of each counter. Counters sharing a name are one
 * metric family with different labels (listed next to each other).
 */
static const struct {
	const char *name, *labels, *help;
} mdesc[SD_M__COUNT] = {
	[SD_M_DNS_QUERIES_UDP] = { "siitdcd_dns_queries_total",
		"transport=\"udp\"", "DNS queries received" },
	[SD_M_DNS_QUERIES_TCP] = { "siitdcd_dns_queries_total",
		"transport=\"tcp\"", NULL },
	[SD_M_DNS_NOERROR] = { "siitdcd_dns_answers_total",
		"result=\"noerror\"", "DNS answers sent, by result" },
	[SD_M_DNS_NXDOMAIN] = { "siitdcd_dns_answers_total",
		"result=\"nxdomain\"", NULL },
	[SD_M_DNS_NODATA] = { "siitdcd_dns_answers_total",
		"result=\"nodata\"", NULL },
	[SD_M_DNS_SERVFAIL] = { "siitdcd_dns_answers_total",
		"result=\"servfail\"", NULL },
	[SD_M_DNS_REFUSED] = { "siitdcd_dns_answers_total",
		"result=\"refused\"", NULL },
	[SD_M_DNS_FORMERR] = { "siitdcd_dns_answers_total",
		"result=\"formerr\"", NULL },
	[SD_M_DNS_UPSTREAM_QUERIES] = { "siitdcd_dns_upstream_queries_total",
		NULL, "Queries sent to the upstream servers" },
	[SD_M_DNS_UPSTREAM_TIMEOUTS] = { "siitdcd_dns_upstream_timeouts_total",
		NULL, "Upstream queries that timed out" },
	[SD_M_DNS_COALESCED] = { "siitdcd_dns_coalesced_queries_total", NULL,
		"Queries that joined a lookup already in flight" },
	[SD_M_ALLOCATIONS] = { "siitdcd_allocations_total", NULL,
		"IPv4 addresses given to an IPv6 address" },
	[SD_M_REFRESHES] = { "siitdcd_refreshes_total", NULL,
		"Publications that refreshed an existing entry" },
	[SD_M_RELEASES] = { "siitdcd_releases_total", NULL,
		"IPv4 addresses released into quarantine" },
	[SD_M_POOL_EXHAUSTED] = { "siitdcd_pool_exhausted_total", NULL,
		"Allocations refused: no free address in the pool" },
	[SD_M_QUOTA_EXCEEDED] = { "siitdcd_quota_exceeded_total", NULL,
		"Allocations refused: the owner's quota is used up" },
	[SD_M_KERNEL_ERRORS] = { "siitdcd_kernel_errors_total", NULL,
		"Requests the siitdc module refused or could not take" },
	[SD_M_CONTAINER_EVENTS] = { "siitdcd_container_events_total", NULL,
		"Container engine events handled" },
	[SD_M_CONTAINER_RECONNECTS] = { "siitdcd_container_reconnects_total",
		NULL, "Connections made to the container engine after a loss" },
	[SD_M_RECONCILES] = { "siitdcd_reconciles_total", NULL,
		"Comparisons of the kernel's table with the pool completed" },
	[SD_M_RECONCILE_DUMP_STEPS] = { "siitdcd_reconcile_dump_steps_total",
		NULL, "Event loop turns spent reading the periodic reconcile's "
		"table dump" },
	[SD_M_RECONCILE_ADDED] = { "siitdcd_reconcile_added_total", NULL,
		"Kernel entries restored by a reconcile" },
	[SD_M_RECONCILE_REMOVED] = { "siitdcd_reconcile_removed_total", NULL,
		"Stale kernel entries removed by a reconcile" },
	[SD_M_NDP_ERRORS] = { "siitdcd_ndp_errors_total", NULL,
		"Proxy neighbour changes that failed" },
	[SD_M_STATE_WRITES] = { "siitdcd_state_writes_total", NULL,
		"State file writes" },
	[SD_M_STATE_ERRORS] = { "siitdcd_state_errors_total", NULL,
		"State file writes that failed" },
};

/* ---- rendering ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool nomem;
};

__attribute__((format(printf, 2, 3)))
static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = b->nomem ? -1 :
			vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->nomem = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = (b->cap + (size_t)n + 1) * 2;
			char *p = realloc(b->p, cap);

			if (!p) {
				b->nomem = true;
				return;
			}
			b->p = p;
			b->cap = cap;
		}
	}
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(const char *s, char *out, size_t n)
{
	size_t k = 0;

	for (; *s && k + 3 < n; s++) {
		if (*s == '\\' || *s == '"') {
			out[k++] = '\\';
			out[k++] = *s;
		} else if (*s == '\n') {
			out[k++] = '\\';
			out[k++] = 'n';
		} else {
			out[k++] = *s;
		}
	}
	out[k] = '\0';
}

struct owner_walk {
	struct buf *b;
	int pass;
};

static void owner_line(const struct sd_owner_acct *a, void *arg)
{
	struct owner_walk *w = arg;
	char o[2 * SD_OWNER_MAX + 1];

	label_value(a->owner, o, sizeof(o));
	if (w->pass == 0)
		bprintf(w->b, "siitdcd_owner_held_addresses{owner=\"%s\"} %" PRIu64
			"\n", o, a->held);
	else if (w->pass == 1)
		bprintf(w->b, "siitdcd_owner_address_seconds_total{owner=\"%s\"} "
			"%" PRIu64 ".%03" PRIu64 "\n", o, a->addr_ms / 1000,
			a->addr_ms % 1000);
	else if (a->quota)
		bprintf(w->b, "siitdcd_owner_quota_addresses{owner=\"%s\"} %u\n",
			o, a->quota);
}

static void render(struct siitdcd *d, struct buf *b)
{
	struct sd_pool_stats st;
	struct owner_walk w = { .b = b };
	const char *last = "";
	uint64_t cum = 0, now = sd_wall_ms();
	size_t i;

	for (i = 0; i < SD_M__COUNT; i++) {
		if (strcmp(last, mdesc[i].name)) {
			bprintf(b, "# HELP %s %s.\n# TYPE %s counter\n",
				mdesc[i].name, mdesc[i].help, mdesc[i].name);
			last = mdesc[i].name;
		}
		if (mdesc[i].labels)
			bprintf(b, "%s{%s} %" PRIu64 "\n", mdesc[i].name,
				mdesc[i].labels, counters[i]);
		else
			bprintf(b, "%s %" PRIu64 "\n", mdesc[i].name, counters[i]);
	}

	bprintf(b, "# HELP siitdcd_dns_latency_seconds DNS answer latency, "
		"query received to answer sent.\n"
		"# TYPE siitdcd_dns_latency_seconds histogram\n");
	for (i = 0; i < N_BOUNDS; i++) {
		cum += lat_buckets[i];
		bprintf(b, "siitdcd_dns_latency_seconds_bucket{le=\"%g\"} %"
			PRIu64 "\n", (double)lat_bounds[i] / 1e6, cum);
	}
	bprintf(b, "siitdcd_dns_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64
		"\n", lat_count);
	bprintf(b, "siitdcd_dns_latency_seconds_sum %.6f\n",
		(double)lat_sum_us / 1e6);
	bprintf(b, "siitdcd_dns_latency_seconds_count %" PRIu64 "\n", lat_count);

	sd_pool_expire(d->pool, now);
	sd_pool_stats(d->pool, &st);
	bprintf(b, "# HELP siitdcd_pool_addresses Usable addresses in the pool.\n"
		"# TYPE siitdcd_pool_addresses gauge\n"
		"siitdcd_pool_addresses %" PRIu64 "\n", st.size);
	bprintf(b, "# HELP siitdcd_pool_held_addresses Addresses held by an "
		"IPv6 address.\n# TYPE siitdcd_pool_held_addresses gauge\n"
		"siitdcd_pool_held_addresses %" PRIu64 "\n", st.held);
	bprintf(b, "# HELP siitdcd_pool_quarantined_addresses Released "
		"addresses in quarantine.\n"
		"# TYPE siitdcd_pool_quarantined_addresses gauge\n"
		"siitdcd_pool_quarantined_addresses %" PRIu64 "\n",
		st.quarantined);
	bprintf(b, "# HELP siitdcd_pool_free_addresses Addresses free to "
		"allocate.\n# TYPE siitdcd_pool_free_addresses gauge\n"
		"siitdcd_pool_free_addresses %" PRIu64 "\n", st.free);
	bprintf(b, "# HELP siitdcd_kernel_up Whether the siitdc module is "
		"connected.\n# TYPE siitdcd_kernel_up gauge\n"
		"siitdcd_kernel_up %d\n", sd_kernel_up(d->k) ? 1 : 0);

	bprintf(b, "# HELP siitdcd_owner_held_addresses Addresses each owner "
		"holds.\n# TYPE siitdcd_owner_held_addresses gauge\n");
	w.pass = 0;
	sd_pool_owners(d->pool, now, owner_line, &w);
	bprintf(b, "# HELP siitdcd_owner_address_seconds_total Address-seconds "
		"each owner held (what it is charged for).\n"
		"# TYPE siitdcd_owner_address_seconds_total counter\n");
	w.pass = 1;
	sd_pool_owners(d->pool, now, owner_line, &w);
	bprintf(b, "# HELP siitdcd_owner_quota_addresses Each owner's quota.\n"
		"# TYPE siitdcd_owner_quota_addresses gauge\n");
	w.pass = 2;
	sd_pool_owners(d->pool, now, owner_line, &w);
}

/* ---- the server ---- */

struct sd_metrics;

struct conn {
	struct sd_metrics *m;
	struct conn *next;
	int fd;
	char req[REQ_MAX];
	size_t len;
	char *out;
	size_t out_len, out_off;
	bool lingering;			/* answer sent, reading to EOF */
	struct sd_timer *timer;
};

struct sd_metrics {
	struct siitdcd *d;
	int fd;
	struct conn *conns;
	unsigned int n_conns;
};

static void conn_close(struct conn *c)
{
	struct sd_metrics *m = c->m;
	struct conn **pp;

	for (pp = &m->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	m->n_conns--;
	if (c->timer)
		sd_timer_cancel(m->d->loop, c->timer);
	sd_loop_del(m->d->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void conn_timeout(void *arg)
{
	struct conn *c = arg;

	c->timer = NULL;
	conn_close(c);
}

static void conn_io(void *arg, uint32_t events);

static void conn_send(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	/*
	 * Closing with unread input would reset the connection and could
	 * destroy the answer on its way: half-close, read what the client
	 * still sends until it closes (or LINGER_MS), then close.
	 */
	shutdown(c->fd, SHUT_WR);
	c->lingering = true;
	if (c->timer)
		sd_timer_cancel(c->m->d->loop, c->timer);
	c->timer = sd_timer_add(c->m->d->loop, LINGER_MS, conn_timeout, c);
	sd_loop_mod(c->m->d->loop, c->fd, EPOLLIN);
}

static void respond(struct conn *c, const char *status, const char *ctype,
		    const char *body, size_t body_len)
{
	struct buf b = { 0 };

	bprintf(&b, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n", status, ctype, body_len);
	if (!b.nomem && body_len) {
		char *p = realloc(b.p, b.len + body_len);

		if (p) {
			memcpy(p + b.len, body, body_len);
			b.p = p;
			b.len += body_len;
		} else {
			b.nomem = true;
		}
	}
	if (b.nomem) {
		free(b.p);
		conn_close(c);
		return;
	}
	c->out = b.p;
	c->out_len = b.len;
	if (c->timer)
		sd_timer_cancel(c->m->d->loop, c->timer);
	c->timer = sd_timer_add(c->m->d->loop, RESP_TIMEOUT_MS, conn_timeout, c);
	sd_loop_mod(c->m->d->loop, c->fd, EPOLLOUT);
	conn_send(c);
}

static void handle_request(struct conn *c)
{
	static const char text[] = "text/plain; charset=utf-8";
	char method[8], path[256], version[16];
	struct buf b = { 0 };

	if (sscanf(c->req, "%7s %255s %15s", method, path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7)) {
		respond(c, "400 Bad Request", text, "bad request\n", 12);
		return;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		respond(c, "405 Method Not Allowed", text, "GET only\n", 9);
		return;
	}
	if (strcmp(path, "/metrics") && strncmp(path, "/metrics?", 9)) {
		respond(c, "404 Not Found", text, "not found; try /metrics\n", 24);
		return;
	}
	render(c->m->d, &b);
	if (b.nomem) {
		free(b.p);
		respond(c, "500 Internal Server Error", text, "out of memory\n",
			14);
		return;
	}
	respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", b.p,
		strcmp(method, "HEAD") ? b.len : 0);
	free(b.p);
}

static void conn_io(void *arg, uint32_t events)
{
	struct conn *c = arg;
	char sink[512];
	ssize_t n;

	if (c->lingering) {
		n = recv(c->fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	if (c->out) {
		if (events & (EPOLLERR | EPOLLHUP))
			conn_close(c);
		else
			conn_send(c);
		return;
	}
	n = recv(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
		handle_request(c);
		return;
	}
	if (c->len >= sizeof(c->req) - 1)
		respond(c, "431 Request Header Fields Too Large",
			"text/plain; charset=utf-8", "request too large\n", 18);
}

static void listen_io(void *arg, uint32_t events)
{
	struct sd_metrics *m = arg;
	struct conn *c;
	int fd;

	(void)events;
	for (;;) {
		fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;		/* EAGAIN, or a transient error */
		if (m->n_conns >= MAX_CONNS) {
			/* The oldest (last on the list) makes room. */
			struct conn *old = m->conns;

			while (old->next)
				old = old->next;
			conn_close(old);
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->m = m;
		c->fd = fd;
		if (sd_loop_add(m->d->loop, fd, EPOLLIN, conn_io, c)) {
			close(fd);
			free(c);
			continue;
		}
		c->timer = sd_timer_add(m->d->loop, REQ_TIMEOUT_MS, conn_timeout,
					c);
		c->next = m->conns;
		m->conns = c;
		m->n_conns++;
	}
}

struct sd_metrics *sd_metrics_start(struct siitdcd *d,
				    const struct sd_sockaddr *addr, char *err,
				    size_t errlen)
{
	struct sd_metrics *m = calloc(1, sizeof(*m));
	char a[80];
	int one = 1;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->d = d;
	m->fd = socket(addr->ss.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		goto fail;
	setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss.ss_family == AF_INET6)
		setsockopt(m->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(m->fd, (const struct sockaddr *)&addr->ss, addr->len) ||
	    listen(m->fd, 16))
		goto fail;
	if (sd_loop_add(d->loop, m->fd, EPOLLIN, listen_io, m))
		goto fail;
	return m;
fail:
	snprintf(err, errlen, "metrics on %s: %s",
		 sd_sockaddr_str(addr, a, sizeof(a)), strerror(errno));
	if (m->fd >= 0)
		close(m->fd);
	free(m);
	return NULL;
}

void sd_metrics_stop(struct sd_metrics *m)
{
	if (!m)
		return;
	while (m->conns)
		conn_close(m->conns);
	sd_loop_del(m->d->loop, m->fd);
	close(m->fd);
	free(m);
}
