// SPDX-License-Identifier: GPL-2.0
/*
 * siitdcd: the DNS front end. Answers the public zones over UDP and TCP;
 * an A query for NAME.<zone> becomes an AAAA lookup of NAME.<internal> at
 * the upstream servers (dns_upstream.c) and, when there is an AAAA, an
 * entry published (sd_publish) before the A answer goes out.
 *
 * What is answered, and why:
 *  - NAME.<zone> A: upstream AAAA NAME.<internal> (a CNAME chain inside
 *    the upstream answer is followed). With several AAAA records the
 *    numerically lowest address is published, so repeated queries keep
 *    choosing the same one whatever order the upstream returns them in.
 *    The entry's TTL is the AAAA RRset's TTL bounded to [ttl-min,
 *    ttl-max]; the A record's TTL is that, or the entry's remaining life
 *    when that is shorter (an entry lives at least as long as any answer
 *    that names it). Every A query publishes again, so a query
 *    refreshes the entry's TTL (sd_publish skips refreshes that would
 *    add less than an eighth of it); the AAAA it publishes comes from
 *    upstream, or from the short cache below.
 *  - NAME.<zone> AAAA: the upstream AAAA records under the public name,
 *    with their upstream TTL. Other types: NODATA, or NXDOMAIN when the
 *    upstream has no such name (asked with AAAA).
 *  - The apex: a synthesized SOA (MNAME = the zone, RNAME = hostmaster.
 *    <zone>, serial 1, refresh 3600, retry 600, expire 86400, minimum and
 *    TTL = ttl-min capped at 300 s, so a negative answer is not cached for
 *    long when a container appears) and NS (= the zone itself); every
 *    other apex type is NODATA. Negative answers carry this SOA.
 *  - Names outside every zone, classes other than IN, AXFR/IXFR: REFUSED.
 *  - Malformed: fewer than 12 bytes, or QR set (answering answers invites
 *    loops between servers): dropped and counted as FORMERR. Unparseable,
 *    QDCOUNT != 1 or several OPT records: FORMERR. Opcodes other than QUERY:
 *    NOTIMP (counted as FORMERR). EDNS version > 0: BADVERS.
 *  - Upstream NXDOMAIN / NODATA come back as such; no reply, or any other
 *    upstream RCODE: SERVFAIL (EDE 22 "No Reachable Authority" or 0).
 *    sd_publish failing (pool exhausted, quota, kernel): SERVFAIL with an
 *    EDE saying which.
 *  - EDNS: the client's UDP size, at least 512 and at most SD_DNS_UDP_MAX,
 *    bounds the UDP answer; larger answers are sent with TC and no records.
 *    Without EDNS the bound is 512. An OPT record is echoed (DO copied).
 *
 * Coalescing: queries for the same public name and kind of lookup (A,
 * which publishes, or the others, which do not) share one upstream lookup
 * and one sd_publish; they wait on a hash table entry keyed by the name.
 * A positive upstream answer is then reused for up to [dns] upstream-cache
 * seconds, never past its TTL (the cache is in dns_upstream.c); each A
 * query answered from it still publishes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "dns.h"

#define UDP_BATCH	64		/* datagrams read per wakeup */
#define TCP_QUERY_MAX	4096		/* longest query taken over TCP */
#define TCP_WBUF_MAX	(256 * 1024)	/* unsent answers before we give up */
#define TCP_INFLIGHT	32		/* queries per connection at once */
#define LK_BUCKETS	4096		/* power of two */
#define REQ_FREE_MAX	1024		/* kept for reuse */
#define SOA_TTL_MAX	300

enum lk_kind { LK_A, LK_OTHER };

struct zone {
	uint8_t wire[LDNS_MAX_DOMAINLEN + 1];	/* lower case, with root */
	size_t wlen;
	uint8_t iwire[LDNS_MAX_DOMAINLEN + 1];
	size_t ilen;
	char owner[SD_OWNER_MAX];
	ldns_rr *soa, *ns;
};

/* The zones and bounds of one configuration; lookups hold a reference. */
struct zoneset {
	unsigned int refs;
	unsigned int n;
	uint32_t ttl_min, ttl_max;
	uint64_t cache_ms;	/* upstream answers reused this long at most */
	struct zone z[];
};

struct listener {
	struct sd_dns *dns;
	int fd;
	bool tcp;
	bool closed;		/* by a reload; freed when refs drop to 0 */
	unsigned int refs;	/* UDP queries waiting to answer through it */
	struct sd_sockaddr addr;
};

struct tcp_conn {
	struct sd_dns *dns;
	struct tcp_conn *prev, *next;
	int fd;
	bool dead;		/* closed; freed when refs drop to 0 */
	bool reading;		/* EPOLLIN wanted */
	bool eof;		/* the client sent all it will send */
	unsigned int inflight;	/* queries not answered yet */
	unsigned int refs;	/* inflight, and callers on the stack */
	uint64_t last_ms;
	size_t rlen;
	uint8_t *wbuf;
	size_t wlen, woff, wcap;
	uint8_t rbuf[2 + TCP_QUERY_MAX];
};

/* One client query, from arrival to answer. */
struct req {
	struct req *next;
	ldns_pkt *q;
	struct tcp_conn *conn;		/* NULL: UDP */
	struct listener *li;		/* UDP */
	socklen_t plen;
	struct sockaddr_storage peer;
	int pi_level;			/* 0: no destination address known */
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} pi;
	size_t max_udp;
	uint64_t t0_us;
};

struct lookup {
	struct lookup *hnext;
	struct sd_dns *dns;
	uint32_t hash;
	enum lk_kind kind;
	size_t nlen;
	uint8_t name[LDNS_MAX_DOMAINLEN + 1];	/* public, lower case */
	struct zoneset *zs;
	const struct zone *zone;
	struct req *waiters, **wtail;
};

struct sd_dns {
	struct siitdcd *d;
	struct sd_loop *l;
	struct listener **ls;
	unsigned int n_ls;
	struct zoneset *zs;
	struct sd_upstream *up;
	struct sd_dns_cache *dc;
	struct lookup *buckets[LK_BUCKETS];
	struct tcp_conn *conns;
	unsigned int n_conns;
	struct sd_timer *tcp_timer;
	ldns_buffer *wbuf;
	struct req *free_reqs;
	unsigned int n_free_reqs;
	bool stopping;
	uint8_t rbuf[65536];
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- requests ---- */

static struct req *req_get(struct sd_dns *dns)
{
	struct req *r = dns->free_reqs;

	if (r) {
		dns->free_reqs = r->next;
		dns->n_free_reqs--;
	} else {
		r = malloc(sizeof(*r));
		if (!r)
			return NULL;
	}
	r->next = NULL;
	r->q = NULL;
	r->conn = NULL;
	r->li = NULL;
	r->plen = 0;
	r->pi_level = 0;
	r->max_udp = 512;
	return r;
}

static void tcp_conn_done_one(struct tcp_conn *c);
static void listener_put(struct listener *li);

static void req_put(struct sd_dns *dns, struct req *r)
{
	ldns_pkt_free(r->q);
	if (r->conn)
		tcp_conn_done_one(r->conn);
	if (r->li)
		listener_put(r->li);
	if (dns->n_free_reqs < REQ_FREE_MAX) {
		r->next = dns->free_reqs;
		dns->free_reqs = r;
		dns->n_free_reqs++;
	} else {
		free(r);
	}
}

/* ---- zones ---- */

static void zoneset_put(struct zoneset *zs)
{
	if (!zs || --zs->refs)
		return;
	for (unsigned int i = 0; i < zs->n; i++) {
		ldns_rr_free(zs->z[i].soa);
		ldns_rr_free(zs->z[i].ns);
	}
	free(zs);
}

/* @text (no trailing dot) to lower-case wire form; its length, or 0. */
static size_t name_wire(const char *text, uint8_t *out)
{
	ldns_rdf *rdf = ldns_dname_new_frm_str(text);
	size_t n = 0;

	if (!rdf)
		return 0;
	ldns_dname2canonical(rdf);
	if (ldns_rdf_size(rdf) <= LDNS_MAX_DOMAINLEN + 1) {
		n = ldns_rdf_size(rdf);
		memcpy(out, ldns_rdf_data(rdf), n);
	}
	ldns_rdf_deep_free(rdf);
	return n;
}

static struct zoneset *zoneset_new(const struct sd_conf *c, char *err,
				   size_t errlen)
{
	struct zoneset *zs = calloc(1, sizeof(*zs) +
				    c->n_zones * sizeof(struct zone));
	uint32_t neg;

	if (!zs) {
		snprintf(err, errlen, "dns: out of memory");
		return NULL;
	}
	zs->refs = 1;
	zs->n = c->n_zones;
	zs->ttl_min = c->ttl_min;
	zs->ttl_max = c->ttl_max < c->ttl_min ? c->ttl_min : c->ttl_max;
	zs->cache_ms = (uint64_t)c->upstream_cache * 1000u;
	neg = c->ttl_min < SOA_TTL_MAX ? c->ttl_min : SOA_TTL_MAX;
	for (unsigned int i = 0; i < c->n_zones; i++) {
		struct zone *z = &zs->z[i];
		const struct sd_zone *cz = &c->zones[i];
		char text[4 * SD_NAME_MAX];

		z->wlen = name_wire(cz->zone, z->wire);
		z->ilen = name_wire(cz->internal, z->iwire);
		if (!z->wlen || !z->ilen) {
			snprintf(err, errlen, "dns: zone %s: bad name",
				 cz->zone);
			goto fail;
		}
		snprintf(z->owner, sizeof(z->owner), "%s", cz->owner);
		snprintf(text, sizeof(text),
			 "%s. %u IN SOA %s. hostmaster.%s. 1 3600 600 86400 %u",
			 cz->zone, neg, cz->zone, cz->zone, neg);
		if (ldns_rr_new_frm_str(&z->soa, text, 0, NULL, NULL) !=
		    LDNS_STATUS_OK) {
			snprintf(err, errlen, "dns: zone %s: cannot make SOA",
				 cz->zone);
			goto fail;
		}
		snprintf(text, sizeof(text), "%s. %u IN NS %s.", cz->zone,
			 neg, cz->zone);
		if (ldns_rr_new_frm_str(&z->ns, text, 0, NULL, NULL) !=
		    LDNS_STATUS_OK) {
			snprintf(err, errlen, "dns: zone %s: cannot make NS",
				 cz->zone);
			goto fail;
		}
	}
	return zs;
fail:
	zoneset_put(zs);
	return NULL;
}

/*
 * The zone @name (lower-case wire, @len bytes) is in, or NULL; the
 * longest zone wins when zones nest. *@off is where the zone's labels
 * start in @name (0: the apex).
 */
static const struct zone *zone_find(const struct zoneset *zs,
				    const uint8_t *name, size_t len,
				    size_t *off)
{
	for (size_t o = 0; o < len && name[o]; o += name[o] + 1u) {
		for (unsigned int i = 0; i < zs->n; i++) {
			const struct zone *z = &zs->z[i];

			if (z->wlen == len - o &&
			    !memcmp(z->wire, name + o, z->wlen)) {
				*off = o;
				return z;
			}
		}
	}
	return NULL;
}

/* ---- answers ---- */

static void tcp_send(struct tcp_conn *c, const uint8_t *msg, size_t len);

/* A response skeleton for @r: header, question (if any), OPT. */
static ldns_pkt *resp_new(const struct req *r, uint16_t rcode, bool aa)
{
	ldns_pkt *p = ldns_pkt_new();
	const ldns_pkt *q = r->q;

	if (!p)
		return NULL;
	ldns_pkt_set_id(p, ldns_pkt_id(q));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_opcode(p, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(p, ldns_pkt_rd(q));
	ldns_pkt_set_cd(p, ldns_pkt_cd(q));
	ldns_pkt_set_aa(p, aa);
	ldns_pkt_set_rcode(p, rcode & 0xf);
	if (ldns_pkt_qdcount(q) == 1 &&
	    ldns_rr_list_rr_count(ldns_pkt_question(q)) == 1) {
		ldns_rr *qr = ldns_rr_clone(
			ldns_rr_list_rr(ldns_pkt_question(q), 0));

		if (!qr || !ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, qr)) {
			ldns_rr_free(qr);
			ldns_pkt_free(p);
			return NULL;
		}
	}
	if (ldns_pkt_edns(q)) {
		ldns_pkt_set_edns_udp_size(p, SD_DNS_UDP_MAX);
		ldns_pkt_set_edns_extended_rcode(p, (uint8_t)(rcode >> 4));
		ldns_pkt_set_edns_do(p, ldns_pkt_edns_do(q));
	}
	return p;
}

/* An Extended DNS Error (RFC 8914) on @p, when the client speaks EDNS. */
static void resp_ede(const struct req *r, ldns_pkt *p, uint16_t code,
		     const char *text)
{
	uint8_t data[2 + 64];
	size_t tl = strnlen(text, 64);
	ldns_edns_option_list *ol;
	ldns_edns_option *o;

	if (!ldns_pkt_edns(r->q))
		return;
	ldns_write_uint16(data, code);
	memcpy(data + 2, text, tl);
	ol = ldns_edns_option_list_new();
	o = ldns_edns_new_from_data(LDNS_EDNS_EDE, 2 + tl, data);
	if (!ol || !o || !ldns_edns_option_list_push(ol, o)) {
		if (o)
			ldns_edns_deep_free(o);
		if (ol)
			ldns_edns_option_list_deep_free(ol);
		return;
	}
	ldns_pkt_set_edns_option_list(p, ol);
}

static bool resp_push_clone(ldns_pkt *p, ldns_pkt_section s, const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);

	if (c && ldns_pkt_push_rr(p, s, c))
		return true;
	ldns_rr_free(c);
	return false;
}

static void count_rcode(const ldns_pkt *p, uint16_t rcode)
{
	switch (rcode) {
	case LDNS_RCODE_NOERROR:
		sd_metric_inc(ldns_pkt_ancount(p) ? SD_M_DNS_NOERROR :
			      SD_M_DNS_NODATA);
		break;
	case LDNS_RCODE_NXDOMAIN:
		sd_metric_inc(SD_M_DNS_NXDOMAIN);
		break;
	case LDNS_RCODE_SERVFAIL:
		sd_metric_inc(SD_M_DNS_SERVFAIL);
		break;
	case LDNS_RCODE_REFUSED:
		sd_metric_inc(SD_M_DNS_REFUSED);
		break;
	default:		/* FORMERR, NOTIMP, BADVERS */
		sd_metric_inc(SD_M_DNS_FORMERR);
		break;
	}
}

static void udp_send(const struct req *r, const uint8_t *msg, size_t len)
{
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cb;
	struct msghdr mh = {
		.msg_name = (void *)&r->peer,
		.msg_namelen = r->plen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	/* Answer from the address the query went to (wildcard listeners). */
	if (r->pi_level) {
		struct cmsghdr *cm;
		size_t sz = r->pi_level == IPPROTO_IP ?
			    sizeof(r->pi.v4) : sizeof(r->pi.v6);

		memset(&cb, 0, sizeof(cb));
		mh.msg_control = cb.buf;
		mh.msg_controllen = CMSG_SPACE(sz);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = r->pi_level;
		cm->cmsg_type = r->pi_level == IPPROTO_IP ? IP_PKTINFO :
				IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sz);
		memcpy(CMSG_DATA(cm), &r->pi, sz);
	}
	if (r->li->closed)	/* a reload closed it: the answer is lost */
		return;
	/* UDP: a full socket buffer loses the answer, as the network may. */
	(void)sendmsg(r->li->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Renders @p (consumed), sends it to @r's client, counts, frees @r. */
static void resp_send(struct sd_dns *dns, struct req *r, ldns_pkt *p,
		      uint16_t rcode)
{
	ldns_buffer *b = dns->wbuf;
	size_t limit;

	if (!p) {
		req_put(dns, r);
		return;
	}
	count_rcode(p, rcode);
	limit = r->conn ? 0xffff : r->max_udp;
	/*
	 * Names uncompressed first: ldns's compression costs more than the
	 * rest of the query's handling, and most answers fit without it.
	 * Only an answer that does not fit is compressed, so the same
	 * answers are truncated as with compression throughout.
	 */
	ldns_buffer_clear(b);
	if (ldns_pkt2buffer_wire_compress(b, p, NULL) != LDNS_STATUS_OK)
		goto out;
	if (ldns_buffer_position(b) > limit) {
		ldns_buffer_clear(b);
		if (ldns_pkt2buffer_wire(b, p) != LDNS_STATUS_OK)
			goto out;
	}
	if (!r->conn && ldns_buffer_position(b) > r->max_udp) {
		/* Too big for UDP: TC and no records; the client uses TCP. */
		ldns_rr_list_deep_free(ldns_pkt_answer(p));
		ldns_rr_list_deep_free(ldns_pkt_authority(p));
		ldns_rr_list_deep_free(ldns_pkt_additional(p));
		ldns_pkt_set_answer(p, ldns_rr_list_new());
		ldns_pkt_set_authority(p, ldns_rr_list_new());
		ldns_pkt_set_additional(p, ldns_rr_list_new());
		ldns_pkt_set_ancount(p, 0);
		ldns_pkt_set_nscount(p, 0);
		ldns_pkt_set_arcount(p, 0);
		ldns_pkt_set_tc(p, true);
		ldns_buffer_clear(b);
		if (ldns_pkt2buffer_wire(b, p) != LDNS_STATUS_OK ||
		    ldns_buffer_position(b) > r->max_udp)
			goto out;
	}
	if (r->conn)
		tcp_send(r->conn, ldns_buffer_begin(b), ldns_buffer_position(b));
	else
		udp_send(r, ldns_buffer_begin(b), ldns_buffer_position(b));
	sd_metric_dns_latency(now_us() - r->t0_us);
out:
	ldns_pkt_free(p);
	req_put(dns, r);
}

/* rcode and, for negative answers, the zone's SOA in authority. */
static void answer_simple(struct sd_dns *dns, struct req *r, uint16_t rcode,
			  bool aa, const struct zone *soa_of)
{
	ldns_pkt *p = resp_new(r, rcode, aa);

	if (p && soa_of && !resp_push_clone(p, LDNS_SECTION_AUTHORITY,
					    soa_of->soa)) {
		ldns_pkt_free(p);
		p = NULL;
	}
	resp_send(dns, r, p, rcode);
}

/*
 * FORMERR (or NOTIMP) for a query ldns could not parse: the header's ID,
 * opcode and RD echoed, nothing else.
 */
static void answer_unparsed(struct sd_dns *dns, struct req *r,
			    const uint8_t *wire)
{
	ldns_pkt *p = ldns_pkt_new();
	uint8_t op = LDNS_OPCODE_WIRE(wire);
	uint8_t rcode = op == LDNS_PACKET_QUERY ? LDNS_RCODE_FORMERR :
			LDNS_RCODE_NOTIMPL;

	if (p) {
		ldns_pkt_set_id(p, LDNS_ID_WIRE(wire));
		ldns_pkt_set_qr(p, true);
		ldns_pkt_set_opcode(p, op);
		ldns_pkt_set_rd(p, LDNS_RD_WIRE(wire));
		ldns_pkt_set_rcode(p, rcode);
	}
	resp_send(dns, r, p, rcode);
}

/* ---- lookups ---- */

static uint32_t name_hash(const uint8_t *name, size_t len, enum lk_kind k)
{
	uint32_t h = 2166136261u ^ (uint32_t)k;

	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

static struct lookup **lk_slot(struct sd_dns *dns, uint32_t hash)
{
	return &dns->buckets[hash & (LK_BUCKETS - 1)];
}

static void lk_unlink(struct sd_dns *dns, struct lookup *lk)
{
	for (struct lookup **pp = lk_slot(dns, lk->hash); *pp;
	     pp = &(*pp)->hnext) {
		if (*pp == lk) {
			*pp = lk->hnext;
			return;
		}
	}
}

/* The AAAA records for @qname in @resp (CNAMEs followed), in @out. */
static void collect_aaaa(const ldns_pkt *resp, const ldns_rdf *qname,
			 ldns_rr_list *out)
{
	const ldns_rr_list *an = ldns_pkt_answer(resp);
	const ldns_rdf *cur = qname;
	size_t n = ldns_rr_list_rr_count(an);

	for (int hops = 0; hops < 8; hops++) {
		const ldns_rdf *next = NULL;

		for (size_t i = 0; i < n; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_rd_count(rr) == 1 &&
			    !ldns_dname_compare(ldns_rr_owner(rr), cur)) {
				next = ldns_rr_rdf(rr, 0);
				break;
			}
		}
		if (!next)
			break;
		cur = next;
	}
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA &&
		    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
		    ldns_rr_rd_count(rr) == 1 &&
		    ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 16 &&
		    !ldns_dname_compare(ldns_rr_owner(rr), cur))
			ldns_rr_list_push_rr(out, rr);
	}
}

enum outcome { OUT_DATA, OUT_NODATA, OUT_NXDOMAIN, OUT_SERVFAIL };

/* What a lookup found, shared by all its waiters. */
struct result {
	enum outcome out;
	ldns_rr_list *aaaa;		/* borrowed records */
	struct in_addr v4;
	uint32_t a_ttl;
	uint16_t ede;
	const char *ede_text;
};

static void answer_waiter(struct sd_dns *dns, const struct zone *z,
			  struct req *r, const struct result *res)
{
	const ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(r->q), 0);
	ldns_rr_type qt = ldns_rr_get_type(qr);
	ldns_pkt *p;

	switch (res->out) {
	case OUT_SERVFAIL:
		p = resp_new(r, LDNS_RCODE_SERVFAIL, false);
		if (p)
			resp_ede(r, p, res->ede, res->ede_text);
		resp_send(dns, r, p, LDNS_RCODE_SERVFAIL);
		return;
	case OUT_NXDOMAIN:
		answer_simple(dns, r, LDNS_RCODE_NXDOMAIN, true, z);
		return;
	case OUT_NODATA:
		answer_simple(dns, r, LDNS_RCODE_NOERROR, true, z);
		return;
	case OUT_DATA:
		break;
	}
	if (qt != LDNS_RR_TYPE_A && qt != LDNS_RR_TYPE_AAAA) {
		answer_simple(dns, r, LDNS_RCODE_NOERROR, true, z);
		return;
	}
	p = resp_new(r, LDNS_RCODE_NOERROR, true);
	if (!p)
		goto fail;
	if (qt == LDNS_RR_TYPE_A) {
		ldns_rr *a = ldns_rr_new_frm_type(LDNS_RR_TYPE_A);
		ldns_rdf *owner = ldns_rdf_clone(ldns_rr_owner(qr));
		ldns_rdf *addr = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4,
						       &res->v4);

		if (!a || !owner || !addr) {
			ldns_rr_free(a);
			ldns_rdf_deep_free(owner);
			ldns_rdf_deep_free(addr);
			goto fail;
		}
		ldns_rr_set_owner(a, owner);
		ldns_rr_set_ttl(a, res->a_ttl);
		ldns_rr_set_class(a, LDNS_RR_CLASS_IN);
		ldns_rr_set_rdf(a, addr, 0);
		if (!ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, a)) {
			ldns_rr_free(a);
			goto fail;
		}
	} else {
		for (size_t i = 0; i < ldns_rr_list_rr_count(res->aaaa); i++) {
			ldns_rr *c = ldns_rr_clone(ldns_rr_list_rr(res->aaaa,
								   i));
			ldns_rdf *owner = ldns_rdf_clone(ldns_rr_owner(qr));

			if (!c || !owner) {
				ldns_rr_free(c);
				ldns_rdf_deep_free(owner);
				goto fail;
			}
			ldns_rdf_deep_free(ldns_rr_owner(c));
			ldns_rr_set_owner(c, owner);
			if (!ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, c)) {
				ldns_rr_free(c);
				goto fail;
			}
		}
	}
	resp_send(dns, r, p, LDNS_RCODE_NOERROR);
	return;
fail:
	ldns_pkt_free(p);
	p = resp_new(r, LDNS_RCODE_SERVFAIL, false);
	resp_send(dns, r, p, LDNS_RCODE_SERVFAIL);
}

/* Publishes the lowest AAAA of res->aaaa; fills v4 and a_ttl, or fails. */
static void publish(struct sd_dns *dns, const struct zoneset *zs,
		    const struct zone *z, struct result *res)
{
	const ldns_rr *best = NULL;
	uint32_t ttl = UINT32_MAX, left = 0;
	struct in6_addr v6;
	int rc;

	for (size_t i = 0; i < ldns_rr_list_rr_count(res->aaaa); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(res->aaaa, i);

		if (ldns_rr_ttl(rr) < ttl)
			ttl = ldns_rr_ttl(rr);	/* the RRset's TTL */
		if (!best || memcmp(ldns_rdf_data(ldns_rr_rdf(rr, 0)),
				    ldns_rdf_data(ldns_rr_rdf(best, 0)),
				    16) < 0)
			best = rr;
	}
	if (ttl < zs->ttl_min)
		ttl = zs->ttl_min;
	if (ttl > zs->ttl_max)
		ttl = zs->ttl_max;
	memcpy(&v6, ldns_rdf_data(ldns_rr_rdf(best, 0)), 16);
	rc = sd_publish(dns->d, &v6, z->owner, SD_SRC_DNS, ttl,
			&res->v4, &left);
	if (rc < 0) {
		res->out = OUT_SERVFAIL;
		res->ede = 0;	/* Other: the text says what */
		res->ede_text = rc == -ENOSPC ? "IPv4 pool exhausted" :
				rc == -EDQUOT ? "owner quota exceeded" :
				"entry not installed";
		return;
	}
	res->a_ttl = left && left < ttl ? left : ttl;
}

static void lookup_done(void *arg, const ldns_pkt *resp)
{
	struct lookup *lk = arg;
	struct sd_dns *dns = lk->dns;
	struct result res = { .out = OUT_SERVFAIL, .ede = 22,
			      .ede_text = "no reply from upstream" };
	struct req *r;

	lk_unlink(dns, lk);
	res.aaaa = ldns_rr_list_new();
	if (resp && res.aaaa) {
		ldns_pkt_rcode rc = ldns_pkt_get_rcode(resp);

		if (rc == LDNS_RCODE_NXDOMAIN) {
			res.out = OUT_NXDOMAIN;
		} else if (rc == LDNS_RCODE_NOERROR) {
			const ldns_rr *qr =
				ldns_rr_list_rr(ldns_pkt_question(resp), 0);

			collect_aaaa(resp, ldns_rr_owner(qr), res.aaaa);
			res.out = ldns_rr_list_rr_count(res.aaaa) ? OUT_DATA :
				  OUT_NODATA;
		} else {
			res.ede = 0;
			res.ede_text = "upstream answered with an error";
		}
	}
	/* Kept only while the configuration it was made under holds. */
	if (res.out == OUT_DATA && lk->zs == dns->zs)
		sd_dc_put(dns->dc, lk->name, lk->nlen,
			  name_hash(lk->name, lk->nlen, LK_A), res.aaaa,
			  lk->zs->cache_ms);
	/* The entry exists before any client hears of it. */
	if (res.out == OUT_DATA && lk->kind == LK_A)
		publish(dns, lk->zs, lk->zone, &res);
	while ((r = lk->waiters)) {
		lk->waiters = r->next;
		r->next = NULL;
		answer_waiter(dns, lk->zone, r, &res);
	}
	ldns_rr_list_free(res.aaaa);	/* the records are resp's */
	zoneset_put(lk->zs);
	free(lk);
}

/* Joins or starts the lookup for @r's name. */
static void lookup_start(struct sd_dns *dns, struct req *r,
			 const struct zone *z, const uint8_t *name, size_t len,
			 size_t zoff, enum lk_kind kind)
{
	uint32_t hash = name_hash(name, len, kind);
	uint8_t iname[LDNS_MAX_DOMAINLEN + 1 + LDNS_MAX_DOMAINLEN];
	const ldns_rr_list *cached;
	struct lookup *lk;
	ldns_rdf *qname;

	cached = sd_dc_get(dns->dc, name, len, name_hash(name, len, LK_A));
	if (cached) {
		struct result res = { .out = OUT_DATA,
				      .aaaa = (ldns_rr_list *)cached };

		if (kind == LK_A)
			publish(dns, dns->zs, z, &res);
		answer_waiter(dns, z, r, &res);
		return;
	}
	for (lk = *lk_slot(dns, hash); lk; lk = lk->hnext) {
		if (lk->hash == hash && lk->kind == kind && lk->nlen == len &&
		    !memcmp(lk->name, name, len)) {
			*lk->wtail = r;
			lk->wtail = &r->next;
			sd_metric_inc(SD_M_DNS_COALESCED);
			return;
		}
	}
	/* NAME.<internal> longer than a name can be: no such name. */
	if (zoff + z->ilen > LDNS_MAX_DOMAINLEN + 1) {
		answer_simple(dns, r, LDNS_RCODE_NXDOMAIN, true, z);
		return;
	}
	lk = malloc(sizeof(*lk));
	if (!lk)
		goto fail;
	lk->dns = dns;
	lk->hash = hash;
	lk->kind = kind;
	lk->nlen = len;
	memcpy(lk->name, name, len);
	lk->zs = dns->zs;
	lk->zone = z;
	lk->waiters = r;
	lk->wtail = &r->next;
	memcpy(iname, name, zoff);
	memcpy(iname + zoff, z->iwire, z->ilen);
	qname = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, zoff + z->ilen,
				      iname);
	if (!qname ||
	    !sd_up_query(dns->up, qname, LDNS_RR_TYPE_AAAA, lookup_done, lk)) {
		ldns_rdf_deep_free(qname);
		free(lk);
		goto fail;
	}
	ldns_rdf_deep_free(qname);
	dns->zs->refs++;
	lk->hnext = *lk_slot(dns, hash);
	*lk_slot(dns, hash) = lk;
	return;
fail:
	{
		ldns_pkt *p = resp_new(r, LDNS_RCODE_SERVFAIL, false);

		if (p)
			resp_ede(r, p, 22, "no upstream available");
		resp_send(dns, r, p, LDNS_RCODE_SERVFAIL);
	}
}

/* ---- queries ---- */

/* One query from a client; @r is consumed (answered, waiting or freed). */
static void handle_query(struct sd_dns *dns, struct req *r,
			 const uint8_t *wire, size_t len)
{
	uint8_t name[LDNS_MAX_DOMAINLEN + 1];
	const struct zone *z;
	const ldns_rr *qr;
	const ldns_rdf *owner;
	ldns_rr_type qt;
	size_t nlen, zoff;
	ldns_pkt *q = NULL;

	sd_metric_inc(r->conn ? SD_M_DNS_QUERIES_TCP : SD_M_DNS_QUERIES_UDP);
	r->t0_us = now_us();
	if (len < LDNS_HEADER_SIZE || LDNS_QR_WIRE(wire)) {
		sd_metric_inc(SD_M_DNS_FORMERR);
		req_put(dns, r);
		return;
	}
	if (ldns_wire2pkt(&q, wire, len) != LDNS_STATUS_OK) {
		answer_unparsed(dns, r, wire);
		return;
	}
	r->q = q;
	if (ldns_pkt_edns(q)) {
		size_t sz = ldns_pkt_edns_udp_size(q);

		r->max_udp = sz < 512 ? 512 : sz > SD_DNS_UDP_MAX ?
			     SD_DNS_UDP_MAX : sz;
	}
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY) {
		answer_simple(dns, r, LDNS_RCODE_NOTIMPL, false, NULL);
		return;
	}
	if (ldns_pkt_qdcount(q) != 1 ||
	    ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1 ||
	    q->_edns_present > 1) {
		answer_simple(dns, r, LDNS_RCODE_FORMERR, false, NULL);
		return;
	}
	if (ldns_pkt_edns(q) && ldns_pkt_edns_version(q) > 0) {
		answer_simple(dns, r, 16 /* BADVERS */, false, NULL);
		return;
	}
	qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	qt = ldns_rr_get_type(qr);
	owner = ldns_rr_owner(qr);
	nlen = ldns_rdf_size(owner);
	if (ldns_rr_get_class(qr) != LDNS_RR_CLASS_IN ||
	    qt == LDNS_RR_TYPE_AXFR || qt == LDNS_RR_TYPE_IXFR ||
	    nlen > sizeof(name)) {
		answer_simple(dns, r, LDNS_RCODE_REFUSED, false, NULL);
		return;
	}
	memcpy(name, ldns_rdf_data(owner), nlen);
	/* Length bytes are at most 63, below 'A': left alone. */
	for (size_t i = 0; i < nlen; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] |= 0x20;
	z = zone_find(dns->zs, name, nlen, &zoff);
	if (!z) {
		answer_simple(dns, r, LDNS_RCODE_REFUSED, false, NULL);
		return;
	}
	if (zoff == 0) {	/* the apex */
		const ldns_rr *rr = qt == LDNS_RR_TYPE_SOA ? z->soa :
				    qt == LDNS_RR_TYPE_NS ? z->ns : NULL;
		ldns_pkt *p;

		if (!rr) {
			answer_simple(dns, r, LDNS_RCODE_NOERROR, true, z);
			return;
		}
		p = resp_new(r, LDNS_RCODE_NOERROR, true);
		if (p && !resp_push_clone(p, LDNS_SECTION_ANSWER, rr)) {
			ldns_pkt_free(p);
			p = NULL;
		}
		resp_send(dns, r, p, LDNS_RCODE_NOERROR);
		return;
	}
	lookup_start(dns, r, z, name, nlen, zoff,
		     qt == LDNS_RR_TYPE_A ? LK_A : LK_OTHER);
}

/* ---- UDP ---- */

static void udp_readable(void *arg, uint32_t events)
{
	struct listener *li = arg;
	struct sd_dns *dns = li->dns;

	(void)events;
	for (int i = 0; i < UDP_BATCH; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				 CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} cb;
		struct iovec iov = { dns->rbuf, sizeof(dns->rbuf) };
		struct req *r = req_get(dns);
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cb.buf,
			.msg_controllen = sizeof(cb.buf),
		};
		ssize_t n;

		if (!r)
			return;
		mh.msg_name = &r->peer;
		mh.msg_namelen = sizeof(r->peer);
		n = recvmsg(li->fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			req_put(dns, r);
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue;
		}
		r->plen = mh.msg_namelen;
		r->li = li;
		li->refs++;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO) {
				memcpy(&r->pi.v4, CMSG_DATA(cm),
				       sizeof(r->pi.v4));
				/* Reply from the query's destination. */
				r->pi.v4.ipi_spec_dst = r->pi.v4.ipi_addr;
				r->pi.v4.ipi_ifindex = 0;
				r->pi_level = IPPROTO_IP;
			} else if (cm->cmsg_level == IPPROTO_IPV6 &&
				   cm->cmsg_type == IPV6_PKTINFO) {
				memcpy(&r->pi.v6, CMSG_DATA(cm),
				       sizeof(r->pi.v6));
				r->pi_level = IPPROTO_IPV6;
			}
		}
		handle_query(dns, r, dns->rbuf, (size_t)n);
	}
}

/* ---- TCP ---- */

static void tcp_get(struct tcp_conn *c)
{
	c->refs++;
}

/* Drops a reference; false when @c is gone or closed. */
static bool tcp_put(struct tcp_conn *c)
{
	if (--c->refs == 0 && c->dead) {
		free(c->wbuf);
		free(c);
		return false;
	}
	return !c->dead;
}

static void tcp_conn_close(struct tcp_conn *c)
{
	struct sd_dns *dns = c->dns;

	if (c->dead)
		return;
	c->dead = true;
	sd_loop_del(dns->l, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		dns->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	dns->n_conns--;
	tcp_get(c);
	tcp_put(c);	/* frees it when nothing else holds it */
}

static void tcp_set_events(struct tcp_conn *c)
{
	uint32_t ev = 0;

	if (c->reading)
		ev |= EPOLLIN;
	if (c->wlen > c->woff)
		ev |= EPOLLOUT;
	if (sd_loop_mod(c->dns->l, c->fd, ev) < 0)
		tcp_conn_close(c);
}

/* After the client's EOF: close once every answer is out. */
static void tcp_maybe_finish(struct tcp_conn *c)
{
	if (c->eof && !c->dead && !c->inflight && c->wlen == c->woff)
		tcp_conn_close(c);
}

static void tcp_process(struct tcp_conn *c);

/* A query of @c answered (or dropped). */
static void tcp_conn_done_one(struct tcp_conn *c)
{
	c->inflight--;
	if (!c->dead) {
		c->last_ms = sd_now_ms();
		if (!c->reading && !c->eof && c->inflight < TCP_INFLIGHT &&
		    !c->dns->stopping) {
			c->reading = true;
			tcp_set_events(c);
			/* Frames already buffered: epoll will not tell. */
			if (!c->dead)
				tcp_process(c);
		}
		tcp_maybe_finish(c);
	}
	tcp_put(c);
}

static bool tcp_flush(struct tcp_conn *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			return false;
		}
		c->woff += (size_t)n;
	}
	c->woff = c->wlen = 0;
	return true;
}

static void tcp_send(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	bool idle = c->wlen == c->woff;

	if (c->dead)
		return;
	if (c->wlen + 2 + len > c->wcap) {
		size_t cap;
		uint8_t *nb;

		/* Compact first: what is sent need not be kept. */
		if (c->woff) {
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
		}
		cap = c->wcap ? c->wcap : 4096;
		while (cap < c->wlen + 2 + len)
			cap *= 2;
		if (cap > TCP_WBUF_MAX) {	/* the client does not read */
			tcp_conn_close(c);
			return;
		}
		if (cap > c->wcap) {
			nb = realloc(c->wbuf, cap);
			if (!nb) {
				tcp_conn_close(c);
				return;
			}
			c->wbuf = nb;
			c->wcap = cap;
		}
	}
	ldns_write_uint16(c->wbuf + c->wlen, (uint16_t)len);
	memcpy(c->wbuf + c->wlen + 2, msg, len);
	c->wlen += 2 + len;
	if (!tcp_flush(c)) {
		tcp_conn_close(c);
		return;
	}
	if (idle != (c->wlen == c->woff))
		tcp_set_events(c);
}

/* Takes the complete frames out of c->rbuf, while the limit allows. */
static void tcp_process(struct tcp_conn *c)
{
	struct sd_dns *dns = c->dns;
	size_t off = 0;

	tcp_get(c);	/* answers sent from here may close it */
	while (!c->dead && c->rlen - off >= 2) {
		size_t flen = ldns_read_uint16(c->rbuf + off);
		struct req *r;

		if (flen > TCP_QUERY_MAX) {	/* not a query we take */
			tcp_conn_close(c);
			break;
		}
		if (c->rlen - off < 2 + flen)
			break;
		if (c->inflight >= TCP_INFLIGHT) {
			c->reading = false;
			tcp_set_events(c);
			break;
		}
		r = req_get(dns);
		if (!r) {
			tcp_conn_close(c);
			break;
		}
		r->conn = c;
		c->inflight++;
		tcp_get(c);
		/* handle_query() copies what it keeps of the frame. */
		handle_query(dns, r, c->rbuf + off + 2, flen);
		off += 2 + flen;
	}
	if (!c->dead) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	tcp_put(c);
}

static void tcp_io(void *arg, uint32_t events)
{
	struct tcp_conn *c = arg;

	c->last_ms = sd_now_ms();
	if (events & (EPOLLHUP | EPOLLERR)) {	/* nowhere to answer to */
		tcp_conn_close(c);
		return;
	}
	tcp_get(c);
	if (events & EPOLLOUT) {
		if (!tcp_flush(c))
			tcp_conn_close(c);
		else if (c->wlen == c->woff)
			tcp_set_events(c);
		tcp_maybe_finish(c);
	}
	while (!c->dead && c->reading && (events & EPOLLIN)) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen,
				 sizeof(c->rbuf) - c->rlen, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			tcp_conn_close(c);
			break;
		}
		if (n == 0) {	/* EOF: answer what was asked, then close */
			c->eof = true;
			c->reading = false;
			tcp_set_events(c);
			if (!c->dead)
				tcp_maybe_finish(c);
			break;
		}
		c->rlen += (size_t)n;
		tcp_process(c);
	}
	tcp_put(c);
}

static void tcp_sweep(void *arg)
{
	struct sd_dns *dns = arg;
	uint64_t now = sd_now_ms();
	struct tcp_conn *c, *next;

	dns->tcp_timer = NULL;
	for (c = dns->conns; c; c = next) {
		next = c->next;
		if (!c->inflight && now - c->last_ms >= SD_DNS_TCP_IDLE_MS)
			tcp_conn_close(c);
	}
	if (dns->conns)
		dns->tcp_timer = sd_timer_add(dns->l, SD_DNS_TCP_IDLE_MS / 4 + 1,
					      tcp_sweep, dns);
}

static void tcp_acceptable(void *arg, uint32_t events)
{
	struct listener *li = arg;
	struct sd_dns *dns = li->dns;

	(void)events;
	for (;;) {
		int fd = accept4(li->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tcp_conn *c;

		if (fd < 0)
			return;	/* EAGAIN, or out of descriptors: later */
		if (dns->n_conns >= SD_DNS_TCP_MAX) {
			close(fd);	/* over the limit: refuse */
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->dns = dns;
		c->fd = fd;
		c->reading = true;
		c->last_ms = sd_now_ms();
		if (sd_loop_add(dns->l, fd, EPOLLIN, tcp_io, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = dns->conns;
		if (c->next)
			c->next->prev = c;
		dns->conns = c;
		dns->n_conns++;
		if (!dns->tcp_timer)
			dns->tcp_timer = sd_timer_add(dns->l,
						      SD_DNS_TCP_IDLE_MS / 4 + 1,
						      tcp_sweep, dns);
	}
}

/* ---- listeners ---- */

static void addr_text(const struct sd_sockaddr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&a->ss;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *s = (const void *)&a->ss;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	}
}

static void listener_put(struct listener *li)
{
	if (--li->refs == 0 && li->closed)
		free(li);
}

static void listener_close(struct sd_dns *dns, struct listener *li)
{
	sd_loop_del(dns->l, li->fd);
	close(li->fd);
	li->closed = true;
	li->refs++;
	listener_put(li);
}

static struct listener *listener_open(struct sd_dns *dns,
				      const struct sd_sockaddr *a, bool tcp,
				      char *err, size_t errlen)
{
	struct listener *li;
	int one = 1, fd;
	char at[80];
	int fam = a->ss.ss_family;

	fd = socket(fam, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (tcp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == AF_INET6) {
		/* [::] and 0.0.0.0 may both be listed. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (!tcp && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO,
				       &one, sizeof(one)) < 0)
			goto fail;
	} else if (!tcp && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
				      sizeof(one)) < 0) {
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		goto fail;
	if (tcp && listen(fd, 128) < 0)
		goto fail;
	li = calloc(1, sizeof(*li));
	if (!li)
		goto fail;
	li->dns = dns;
	li->fd = fd;
	li->tcp = tcp;
	li->addr = *a;
	if (sd_loop_add(dns->l, fd, EPOLLIN, tcp ? tcp_acceptable :
			udp_readable, li) < 0) {
		free(li);
		goto fail;
	}
	return li;
fail:
	addr_text(a, at, sizeof(at));
	snprintf(err, errlen, "dns: listen on %s/%s: %s", at,
		 tcp ? "tcp" : "udp", strerror(errno));
	if (fd >= 0)
		close(fd);
	return NULL;
}

static bool addr_eq(const struct sd_sockaddr *a, const struct sd_sockaddr *b)
{
	return a->len == b->len && !memcmp(&a->ss, &b->ss, a->len);
}

/*
 * Makes the listeners those of @c: keeps the ones still listed, opens the
 * new ones first (so a failure leaves the old set), then closes the rest.
 */
static int listeners_set(struct sd_dns *dns, const struct sd_conf *c,
			 char *err, size_t errlen)
{
	unsigned int n = c->n_listen * 2;
	struct listener **nl = calloc(n ? n : 1, sizeof(*nl));
	int *from = calloc(n ? n : 1, sizeof(*from));

	if (!nl || !from) {
		free(nl);
		free(from);
		snprintf(err, errlen, "dns: out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct sd_sockaddr *a = &c->listen[i / 2];
		bool tcp = i & 1;

		from[i] = -1;
		for (unsigned int j = 0; j < dns->n_ls; j++) {
			struct listener *li = dns->ls[j];

			if (li && li->tcp == tcp && addr_eq(&li->addr, a)) {
				nl[i] = li;
				from[i] = (int)j;
				dns->ls[j] = NULL;
				break;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		if (nl[i])
			continue;
		nl[i] = listener_open(dns, &c->listen[i / 2], i & 1, err,
				      errlen);
		if (nl[i])
			continue;
		/* Give the kept ones back, close the new ones. */
		for (unsigned int k = 0; k < n; k++) {
			if (!nl[k])
				continue;
			if (from[k] >= 0)
				dns->ls[from[k]] = nl[k];
			else
				listener_close(dns, nl[k]);
		}
		free(nl);
		free(from);
		return -1;
	}
	for (unsigned int j = 0; j < dns->n_ls; j++)
		if (dns->ls[j])
			listener_close(dns, dns->ls[j]);
	free(dns->ls);
	free(from);
	dns->ls = nl;
	dns->n_ls = n;
	return 0;
}

/* ---- the interface of siitdcd.h ---- */

struct sd_dns *sd_dns_start(struct siitdcd *d, struct sd_loop *l,
			    const struct sd_conf *c, char *err, size_t errlen)
{
	struct sd_dns *dns = calloc(1, sizeof(*dns));

	if (!dns) {
		snprintf(err, errlen, "dns: out of memory");
		return NULL;
	}
	dns->d = d;
	dns->l = l;
	dns->wbuf = ldns_buffer_new(4096);
	dns->up = sd_up_new(l);
	dns->dc = sd_dc_new();
	if (!dns->wbuf || !dns->up || !dns->dc) {
		snprintf(err, errlen, "dns: out of memory");
		goto fail;
	}
	if (sd_dns_reload(dns, c, err, errlen) < 0)
		goto fail;
	return dns;
fail:
	sd_dns_stop(dns);
	return NULL;
}

int sd_dns_reload(struct sd_dns *dns, const struct sd_conf *c, char *err,
		  size_t errlen)
{
	struct zoneset *zs = zoneset_new(c, err, errlen);

	if (!zs)
		return -1;
	if (listeners_set(dns, c, err, errlen) < 0) {
		zoneset_put(zs);
		return -1;
	}
	if (sd_up_config(dns->up, c->upstreams, c->n_upstreams,
			 c->upstream_timeout_ms) < 0) {
		snprintf(err, errlen, "dns: out of memory");
		zoneset_put(zs);
		return -1;
	}
	/* Lookups in flight finish with the zones they started with. */
	sd_dc_flush(dns->dc);
	zoneset_put(dns->zs);
	dns->zs = zs;
	return 0;
}

void sd_dns_stop(struct sd_dns *dns)
{
	struct req *r;

	if (!dns)
		return;
	dns->stopping = true;
	/* Lookups first: their waiters hold connections and listeners. */
	for (unsigned int i = 0; i < LK_BUCKETS; i++) {
		struct lookup *lk;

		while ((lk = dns->buckets[i])) {
			dns->buckets[i] = lk->hnext;
			while ((r = lk->waiters)) {
				lk->waiters = r->next;
				req_put(dns, r);
			}
			zoneset_put(lk->zs);
			free(lk);
		}
	}
	sd_up_free(dns->up);
	sd_dc_free(dns->dc);
	while (dns->conns)
		tcp_conn_close(dns->conns);
	if (dns->tcp_timer)
		sd_timer_cancel(dns->l, dns->tcp_timer);
	for (unsigned int j = 0; j < dns->n_ls; j++)
		if (dns->ls[j])
			listener_close(dns, dns->ls[j]);
	free(dns->ls);
	zoneset_put(dns->zs);
	while ((r = dns->free_reqs)) {
		dns->free_reqs = r->next;
		free(r);
	}
	ldns_buffer_free(dns->wbuf);
	free(dns);
}
