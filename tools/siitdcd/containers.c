// SPDX-License-Identifier: GPL-2.0
/*
 * The container source: follows the Docker Engine API (Docker itself, or
 * Podman's "podman system service") over its unix socket and keeps one
 * container claim (sd_publish, SD_SRC_CONTAINER, no TTL) on the global IPv6
 * address of every running container labelled siitdc.public=true.
 *
 * Two connections, both non-blocking in the event loop:
 *  - the event stream, GET /events (one endless chunked body of JSON
 *    objects): start -> inspect and publish; die/stop/destroy/remove ->
 *    unpublish;
 *  - a request connection (HTTP/1.1 keep-alive, one request at a time):
 *    the list of running labelled containers and one inspect per
 *    container.
 * Every time the event stream is (re)established, a reconcile runs: the
 * stream is subscribed first, so nothing that happens during the listing
 * is missed. The reconcile publishes every running labelled container and
 * then drops every container claim that no such container holds (claims
 * left by containers that went away while siitdcd was down or
 * disconnected). Any protocol or connection error tears both connections
 * down and retries with exponential backoff; claims stay meanwhile, so a
 * restart of the container engine does not flap the entries.
 *
 * siitdc.public=on-demand and every other value are left alone here: such
 * containers become public only through the DNS path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "siitdcd.h"
#include "containers_http.h"

#define CT_BODY_MAX		(64u << 20)	/* a list or inspect response */
#define CT_EVENT_MAX		(1u << 20)	/* one event object */
#define CT_JSON_DEPTH		64
#define CT_BACKOFF_MIN_MS	250
#define CT_BACKOFF_MAX_MS	10000
#define CT_REQ_TIMEOUT_MS	30000
#define CT_RESYNC_MIN_MS	2000		/* after a failed publication */
#define CT_RESYNC_MAX_MS	300000
#define CT_ID_MAX		128
#define CT_V6_MAX		8		/* addresses per container */
#define CT_LABEL_PUBLIC		"siitdc.public"
#define CT_LABEL_OWNER		"siitdc.owner"

/* A running labelled container and the addresses we claimed for it. */
struct ct_ctr {
	struct ct_ctr *next;
	char id[CT_ID_MAX + 1];
	uint32_t gen;			/* reconcile that last saw it */
	unsigned int n6;
	struct in6_addr v6[CT_V6_MAX];
};

enum ct_req_kind { CT_REQ_LIST, CT_REQ_INSPECT };

struct ct_req {
	struct ct_req *next;
	enum ct_req_kind kind;
	bool recon;			/* counted in recon_pending */
	bool cancelled;			/* the container went away: ignore */
	bool retried;
	char id[CT_ID_MAX + 1];
};

struct sd_containers;
struct ct_conn;
/* What one read brought (n == 0: the peer closed); false: read no more now. */
typedef bool (*ct_chunk_fn)(struct sd_containers *ct, struct ct_conn *k,
			    const char *buf, size_t n);

struct ct_conn {
	struct sd_containers *ct;
	ct_chunk_fn chunk;
	int fd;				/* -1: closed */
	bool reused;			/* carried a response already */
	bool got_bytes;			/* of the current response */
	struct ct_http http;
	char out[1024];
	size_t out_len, out_off;
};

/*
 * A multiset of IPv6 addresses (each with a count): open addressing,
 * linear probing, deletion by shifting back, so lookups stay O(1) with a
 * million containers.
 */
struct ct_v6set {
	struct in6_addr *a;
	uint32_t *cnt;			/* 0: empty slot */
	size_t cap, n;			/* n: distinct addresses */
};

struct sd_containers {
	struct siitdcd *d;
	struct sd_loop *l;
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char ndp[16];
	char owner[SD_OWNER_MAX];

	struct ct_conn ev;
	json_tokener *ev_tok;
	size_t ev_bytes;		/* of the event object being parsed */
	bool ev_streaming;		/* 200 received on /events */

	struct ct_conn rq;
	struct ct_req *q_head, *q_tail;	/* q_head is in flight if rq_busy */
	bool rq_busy;
	char *body;
	size_t body_len, body_cap;
	struct sd_timer *rq_timer;

	struct sd_timer *retry;
	uint32_t backoff_ms;
	bool ever_connected;
	bool warned;			/* about the current outage */
	uint32_t epoch;			/* bumped by every teardown */

	/*
	 * A publication failed (pool exhausted, quota, module absent): the
	 * container gets another chance at a reconcile after resync_ms,
	 * doubling while they keep failing.
	 */
	bool publish_failed;
	struct sd_timer *resync;
	uint32_t resync_ms;

	struct ct_ctr **tab;
	size_t tab_size, n_ctr;
	uint32_t gen;

	bool reconciling, list_done;
	unsigned int recon_pending;
	unsigned int recon_added, recon_removed;
	struct ct_v6set before;		/* container claims at its start */
	struct ct_v6set held;		/* every tracked container's v6 */
};

static void ct_fail(struct sd_containers *ct, const char *why);
static void rq_kick(struct sd_containers *ct);

/* ---- small containers of our own ---- */

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;

	while (n--)
		h = (h ^ *b++) * 1099511628211ull;
	return h;
}

static size_t v6set_home(const struct ct_v6set *s, const struct in6_addr *a)
{
	return fnv(a, sizeof(*a)) & (s->cap - 1);
}

/* The slot of @a, or SIZE_MAX. */
static size_t v6set_find(const struct ct_v6set *s, const struct in6_addr *a)
{
	size_t i;

	if (!s->cap)
		return SIZE_MAX;
	for (i = v6set_home(s, a); s->cnt[i]; i = (i + 1) & (s->cap - 1))
		if (!memcmp(&s->a[i], a, sizeof(*a)))
			return i;
	return SIZE_MAX;
}

static uint32_t v6set_count(const struct ct_v6set *s, const struct in6_addr *a)
{
	size_t i = v6set_find(s, a);

	return i == SIZE_MAX ? 0 : s->cnt[i];
}

static bool v6set_has(const struct ct_v6set *s, const struct in6_addr *a)
{
	return v6set_count(s, a) > 0;
}

/* Counts @a once more; @n times for a rehash. */
static int v6set_addn(struct ct_v6set *s, const struct in6_addr *a,
		      uint32_t n)
{
	size_t i = v6set_find(s, a);

	if (i != SIZE_MAX) {
		s->cnt[i] += n;
		return 0;
	}
	if ((s->n + 1) * 2 > s->cap) {
		struct ct_v6set g = { .cap = s->cap ? s->cap * 2 : 64 };

		g.a = calloc(g.cap, sizeof(*g.a));
		g.cnt = calloc(g.cap, sizeof(*g.cnt));
		if (!g.a || !g.cnt) {
			free(g.a);
			free(g.cnt);
			return -ENOMEM;
		}
		for (i = 0; i < s->cap; i++)
			if (s->cnt[i])
				v6set_addn(&g, &s->a[i], s->cnt[i]);
		free(s->a);
		free(s->cnt);
		*s = g;
	}
	for (i = v6set_home(s, a); s->cnt[i]; i = (i + 1) & (s->cap - 1))
		;
	s->a[i] = *a;
	s->cnt[i] = n;
	s->n++;
	return 0;
}

static int v6set_add(struct ct_v6set *s, const struct in6_addr *a)
{
	return v6set_addn(s, a, 1);
}

/* Counts @a once less; at zero its slot is freed and later ones shifted. */
static void v6set_del(struct ct_v6set *s, const struct in6_addr *a)
{
	size_t i = v6set_find(s, a), j, h;

	if (i == SIZE_MAX || --s->cnt[i])
		return;
	s->n--;
	for (j = (i + 1) & (s->cap - 1); s->cnt[j]; j = (j + 1) & (s->cap - 1)) {
		h = v6set_home(s, &s->a[j]);
		/* Move j back into the hole unless its home lies after it. */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			s->a[i] = s->a[j];
			s->cnt[i] = s->cnt[j];
			s->cnt[j] = 0;
			i = j;
		}
	}
}

static void v6set_free(struct ct_v6set *s)
{
	free(s->a);
	free(s->cnt);
	memset(s, 0, sizeof(*s));
}

static struct ct_ctr **ctr_slot(struct sd_containers *ct, const char *id)
{
	struct ct_ctr **pp;

	if (!ct->tab_size)
		return NULL;
	pp = &ct->tab[fnv(id, strlen(id)) & (ct->tab_size - 1)];
	while (*pp && strcmp((*pp)->id, id))
		pp = &(*pp)->next;
	return pp;
}

static struct ct_ctr *ctr_find(struct sd_containers *ct, const char *id)
{
	struct ct_ctr **pp = ctr_slot(ct, id);

	return pp ? *pp : NULL;
}

static struct ct_ctr *ctr_add(struct sd_containers *ct, const char *id)
{
	struct ct_ctr *c;
	size_t i;

	if (ct->n_ctr + 1 > ct->tab_size) {
		size_t nsize = ct->tab_size ? ct->tab_size * 2 : 64;
		struct ct_ctr **nt = calloc(nsize, sizeof(*nt));

		if (!nt)
			return NULL;
		for (i = 0; i < ct->tab_size; i++) {
			while (ct->tab[i]) {
				struct ct_ctr *e = ct->tab[i];
				size_t b = fnv(e->id, strlen(e->id)) & (nsize - 1);

				ct->tab[i] = e->next;
				e->next = nt[b];
				nt[b] = e;
			}
		}
		free(ct->tab);
		ct->tab = nt;
		ct->tab_size = nsize;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->id, sizeof(c->id), "%s", id);
	i = fnv(id, strlen(id)) & (ct->tab_size - 1);
	c->next = ct->tab[i];
	ct->tab[i] = c;
	ct->n_ctr++;
	return c;
}

/* Replaces @c's addresses, keeping ct->held in step. */
static void ctr_set_v6(struct sd_containers *ct, struct ct_ctr *c,
		       const struct in6_addr *v6, unsigned int n)
{
	unsigned int k, kept = 0;

	for (k = 0; k < c->n6; k++)
		v6set_del(&ct->held, &c->v6[k]);
	for (k = 0; k < n; k++)
		if (!v6set_add(&ct->held, &v6[k]))
			c->v6[kept++] = v6[k];
	c->n6 = kept;
}

static void ctr_del(struct sd_containers *ct, struct ct_ctr *c)
{
	struct ct_ctr **pp = ctr_slot(ct, c->id);

	ctr_set_v6(ct, c, NULL, 0);
	if (pp && *pp == c) {
		*pp = c->next;
		ct->n_ctr--;
	}
	free(c);
}

/* Whether another tracked container still has @v6 (then its claim stays). */
static bool v6_held_elsewhere(struct sd_containers *ct,
			      const struct ct_ctr *self,
			      const struct in6_addr *v6)
{
	uint32_t n = v6set_count(&ct->held, v6);
	unsigned int k;

	for (k = 0; k < self->n6; k++)
		if (!memcmp(&self->v6[k], v6, sizeof(*v6)))
			return n > 1;
	return n > 0;
}

/* Container IDs go into URL paths: only plain characters. */
static bool valid_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (n >= CT_ID_MAX ||
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return n > 0;
}

/* Owners end up in the kernel table, the state file and metrics labels. */
static bool valid_owner(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (n >= SD_OWNER_MAX - 1 ||
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return n > 0;
}

/* ---- publishing ---- */

static void ndp_update(struct sd_containers *ct, const struct in6_addr *v6,
		       bool add)
{
	char a[INET6_ADDRSTRLEN];
	int err;

	if (!ct->ndp[0])
		return;
	err = sd_ndp_proxy(ct->ndp, v6, add);
	/* A reconcile removes what may never have been added. */
	if (!err || (!add && err == -ENOENT))
		return;
	sd_metric_inc(SD_M_NDP_ERRORS);
	inet_ntop(AF_INET6, v6, a, sizeof(a));
	sd_log(SD_LOG_WARN, "containers: %s the NDP proxy entry of %s on %s: %s",
	       add ? "cannot add" : "cannot remove", a, ct->ndp,
	       strerror(-err));
}

static void unpublish_v6(struct sd_containers *ct, const struct in6_addr *v6,
			 const char *why)
{
	char a[INET6_ADDRSTRLEN];
	int err;

	err = sd_unpublish(ct->d, v6, SD_SRC_CONTAINER);
	ndp_update(ct, v6, false);
	inet_ntop(AF_INET6, v6, a, sizeof(a));
	if (!err)
		sd_log(SD_LOG_INFO, "containers: %s unpublished (%s)", a, why);
	else if (err != -ENOENT)
		sd_log(SD_LOG_WARN, "containers: unpublishing %s: %s", a,
		       strerror(-err));
}

/* Forgets @c and drops its claims; returns how many it dropped. */
static unsigned int ctr_drop(struct sd_containers *ct, struct ct_ctr *c,
			     const char *why)
{
	unsigned int k, n = 0;

	for (k = 0; k < c->n6; k++) {
		if (v6_held_elsewhere(ct, c, &c->v6[k]))
			continue;
		unpublish_v6(ct, &c->v6[k], why);
		n++;
	}
	ctr_del(ct, c);
	return n;
}

/* Claims @v6s for container @id (replacing what it held before). */
static void ctr_publish(struct sd_containers *ct, const char *id,
			const char *name, const char *owner,
			const struct in6_addr *v6s, unsigned int n)
{
	struct ct_ctr *c = ctr_find(ct, id);
	struct in6_addr done[CT_V6_MAX];
	unsigned int nd = 0, k, j;

	if (!c) {
		c = ctr_add(ct, id);
		if (!c) {
			sd_log(SD_LOG_ERR, "containers: out of memory");
			return;
		}
	}
	c->gen = ct->gen;
	for (k = 0; k < n; k++) {
		char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN];
		struct in_addr v4;
		uint32_t left;
		bool had = false;

		for (j = 0; j < c->n6; j++)
			had |= !memcmp(&c->v6[j], &v6s[k], sizeof(v6s[k]));
		if (sd_publish(ct->d, &v6s[k], owner, SD_SRC_CONTAINER, 0, &v4,
			       &left)) {
			/* Logged and counted by the core. */
			ct->publish_failed = true;
			continue;
		}
		done[nd++] = v6s[k];
		ndp_update(ct, &v6s[k], true);
		if (ct->reconciling && !v6set_has(&ct->before, &v6s[k])) {
			ct->recon_added++;
			sd_metric_inc(SD_M_RECONCILE_ADDED);
		}
		if (!had) {
			inet_ntop(AF_INET6, &v6s[k], a, sizeof(a));
			inet_ntop(AF_INET, &v4, b, sizeof(b));
			sd_log(SD_LOG_INFO,
			       "containers: %s (%.12s) %s published as %s, owner %s",
			       name, id, a, b, owner);
		}
	}
	/* Addresses it no longer has (reconnected to other networks). */
	for (j = 0; j < c->n6; j++) {
		bool keep = false;

		for (k = 0; k < nd; k++)
			keep |= !memcmp(&c->v6[j], &done[k], sizeof(done[k]));
		if (!keep && !v6_held_elsewhere(ct, c, &c->v6[j]))
			unpublish_v6(ct, &c->v6[j], "container address gone");
	}
	ctr_set_v6(ct, c, done, nd);
	if (!c->n6)
		ctr_del(ct, c);
}

/* ---- JSON ---- */

static json_object *jget(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

/* Parses a whole response body; NULL when it is not one JSON value. */
static json_object *parse_body(const char *buf, size_t len)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	if (len > INT32_MAX)
		return NULL;
	tok = json_tokener_new_ex(CT_JSON_DEPTH);
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	} else {
		for (end = json_tokener_get_parse_end(tok); end < len; end++)
			if (!strchr(" \t\r\n", buf[end])) {
				json_object_put(o);
				o = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return o;
}

/* A global unicast address a container can be reached on. */
static bool usable_v6(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	       !IN6_IS_ADDR_V4MAPPED(a) && !IN6_IS_ADDR_V4COMPAT(a);
}

static void add_v6(const char *s, struct in6_addr *out, unsigned int *n)
{
	struct in6_addr a;
	unsigned int k;

	if (!s || !*s || inet_pton(AF_INET6, s, &a) != 1 || !usable_v6(&a))
		return;
	for (k = 0; k < *n; k++)
		if (!memcmp(&out[k], &a, sizeof(a)))
			return;
	if (*n < CT_V6_MAX)
		out[(*n)++] = a;
}

/* GET /containers/ID/json answered. */
static void on_inspect(struct sd_containers *ct, const char *id,
		       json_object *o)
{
	json_object *labels, *state, *running, *ns, *nets;
	struct in6_addr v6[CT_V6_MAX];
	unsigned int n = 0;
	const char *pub, *owner, *name;
	struct ct_ctr *c = ctr_find(ct, id);

	state = jget(o, "State");
	running = jget(state, "Running");
	if (!running || !json_object_is_type(running, json_type_boolean) ||
	    !json_object_get_boolean(running)) {
		if (c)
			ctr_drop(ct, c, "container not running");
		return;
	}
	labels = jget(jget(o, "Config"), "Labels");
	pub = jstr(labels, CT_LABEL_PUBLIC);
	if (!pub || strcmp(pub, "true")) {
		if (c)
			ctr_drop(ct, c, "container not labelled public");
		return;
	}
	name = jstr(o, "Name");
	if (!name || !*name)
		name = "/?";
	if (*name == '/')
		name++;
	owner = jstr(labels, CT_LABEL_OWNER);
	if (!owner)
		owner = ct->owner;
	if (!valid_owner(owner)) {
		sd_log(SD_LOG_WARN,
		       "containers: %s (%.12s): bad owner \"%.40s\" (1-%d of A-Z a-z 0-9 . _ -), not published",
		       name, id, owner, SD_OWNER_MAX - 1);
		return;
	}

	ns = jget(o, "NetworkSettings");
	add_v6(jstr(ns, "GlobalIPv6Address"), v6, &n);
	nets = jget(ns, "Networks");
	if (nets && json_object_is_type(nets, json_type_object)) {
		json_object_object_foreach(nets, key, net) {
			(void)key;
			add_v6(jstr(net, "GlobalIPv6Address"), v6, &n);
		}
	}
	if (!n) {
		sd_log(SD_LOG_WARN,
		       "containers: %s (%.12s) is labelled public but has no global IPv6 address",
		       name, id);
		if (c)
			ctr_drop(ct, c, "container has no global IPv6");
		return;
	}
	ctr_publish(ct, id, name, owner, v6, n);
}

/* ---- reconcile ---- */

static void collect_claim(const struct in6_addr *v6, void *arg)
{
	v6set_add(arg, v6);
}

static void resync_fire(void *arg);

/* Arms a later reconcile when a publication failed. */
static void resync_arm(struct sd_containers *ct)
{
	if (!ct->publish_failed || ct->resync || ct->reconciling)
		return;
	ct->publish_failed = false;
	ct->resync = sd_timer_add(ct->l, ct->resync_ms, resync_fire, ct);
	sd_log(SD_LOG_INFO,
	       "containers: a publication failed; reconciling again in %u ms",
	       ct->resync_ms);
	ct->resync_ms = ct->resync_ms * 2 > CT_RESYNC_MAX_MS ?
			CT_RESYNC_MAX_MS : ct->resync_ms * 2;
}

static void reconcile_begin(struct sd_containers *ct)
{
	v6set_free(&ct->before);
	sd_claims_foreach(ct->d, SD_SRC_CONTAINER, collect_claim, &ct->before);
	ct->gen++;
	ct->reconciling = true;
	ct->publish_failed = false;
	ct->list_done = false;
	ct->recon_pending = 0;
	ct->recon_added = ct->recon_removed = 0;
}

static void reconcile_end(struct sd_containers *ct)
{
	struct ct_v6set stale = { 0 };
	size_t i;

	/* Containers that went away while we were not listening. */
	for (i = 0; i < ct->tab_size; i++) {
		struct ct_ctr *c = ct->tab[i], *next;

		for (; c; c = next) {
			next = c->next;
			if (c->gen != ct->gen) {
				unsigned int n = ctr_drop(ct, c,
							  "container gone");

				ct->recon_removed += n;
				while (n--)
					sd_metric_inc(SD_M_RECONCILE_REMOVED);
			}
		}
	}
	/* Claims that no running labelled container holds. */
	sd_claims_foreach(ct->d, SD_SRC_CONTAINER, collect_claim, &stale);
	for (i = 0; i < stale.cap; i++) {
		if (!stale.cnt[i] || v6set_has(&ct->held, &stale.a[i]))
			continue;
		unpublish_v6(ct, &stale.a[i], "no running container has it");
		ct->recon_removed++;
		sd_metric_inc(SD_M_RECONCILE_REMOVED);
	}
	sd_log(SD_LOG_INFO,
	       "containers: reconciled: %zu public containers, %u added, %u removed",
	       ct->n_ctr, ct->recon_added, ct->recon_removed);
	v6set_free(&stale);
	v6set_free(&ct->before);
	ct->reconciling = false;
	if (!ct->publish_failed)
		ct->resync_ms = CT_RESYNC_MIN_MS;
	resync_arm(ct);
}

static void recon_step_done(struct sd_containers *ct)
{
	if (ct->reconciling && ct->list_done && !ct->recon_pending)
		reconcile_end(ct);
}

/* ---- the request queue ---- */

static struct ct_req *req_push(struct sd_containers *ct, enum ct_req_kind k,
			       const char *id, bool recon)
{
	struct ct_req *r = calloc(1, sizeof(*r));

	if (!r) {
		sd_log(SD_LOG_ERR, "containers: out of memory");
		return NULL;
	}
	r->kind = k;
	r->recon = recon;
	if (id)
		snprintf(r->id, sizeof(r->id), "%s", id);
	if (ct->q_tail)
		ct->q_tail->next = r;
	else
		ct->q_head = r;
	ct->q_tail = r;
	return r;
}

static void req_pop(struct sd_containers *ct)
{
	struct ct_req *r = ct->q_head;

	ct->q_head = r->next;
	if (!ct->q_head)
		ct->q_tail = NULL;
	free(r);
}

static void queue_free(struct sd_containers *ct)
{
	while (ct->q_head)
		req_pop(ct);
	ct->rq_busy = false;
}

/* GET /containers/json answered: inspect each container listed. */
static void on_list(struct sd_containers *ct, json_object *o)
{
	size_t i, n;

	if (!json_object_is_type(o, json_type_array)) {
		ct_fail(ct, "container list is not a JSON array");
		return;
	}
	n = json_object_array_length(o);
	for (i = 0; i < n; i++) {
		const char *id = jstr(json_object_array_get_idx(o, i), "Id");

		if (!id || !valid_id(id)) {
			sd_log(SD_LOG_WARN, "containers: list entry without a valid Id");
			continue;
		}
		if (req_push(ct, CT_REQ_INSPECT, id, true))
			ct->recon_pending++;
	}
	ct->list_done = true;
}

/* One whole response to the request at the head of the queue. */
static void on_response(struct sd_containers *ct)
{
	struct ct_req *r = ct->q_head;
	int status = ct->rq.http.status;
	uint32_t epoch = ct->epoch;
	json_object *o = NULL;

	if (!r->cancelled && status == 200) {
		o = parse_body(ct->body, ct->body_len);
		if (!o) {
			ct_fail(ct, "response body is not JSON");
			return;
		}
	}
	if (r->kind == CT_REQ_LIST) {
		if (status != 200) {
			json_object_put(o);
			ct_fail(ct, "listing containers failed");
			return;
		}
		on_list(ct, o);
		json_object_put(o);
		if (epoch != ct->epoch)	/* torn down */
			return;
		req_pop(ct);
		recon_step_done(ct);
		return;
	}
	if (!r->cancelled) {
		if (status == 200) {
			on_inspect(ct, r->id, o);
		} else if (status == 404) {
			struct ct_ctr *c = ctr_find(ct, r->id);

			if (c)
				ctr_drop(ct, c, "container gone");
		} else {
			sd_log(SD_LOG_WARN, "containers: inspect %.12s: HTTP %d",
			       r->id, status);
		}
	}
	json_object_put(o);
	if (r->recon)
		ct->recon_pending--;
	req_pop(ct);
	recon_step_done(ct);
	resync_arm(ct);
}

/* ---- connections ---- */

static void conn_close(struct sd_containers *ct, struct ct_conn *k)
{
	if (k->fd >= 0) {
		sd_loop_del(ct->l, k->fd);
		close(k->fd);
	}
	k->fd = -1;
	k->reused = k->got_bytes = false;
	k->out_len = k->out_off = 0;
	ct_http_init(&k->http);
}

static void conn_io(void *arg, uint32_t events);

static int conn_open(struct sd_containers *ct, struct ct_conn *k,
		     ct_chunk_fn chunk)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, ct->sock, sizeof(sa.sun_path));
	/* A unix socket connects at once or not at all (EAGAIN: backlog). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	k->ct = ct;
	k->chunk = chunk;
	err = sd_loop_add(ct->l, fd, EPOLLIN, conn_io, k);
	if (err) {
		close(fd);
		return err < 0 ? err : -EIO;
	}
	k->fd = fd;
	ct_http_init(&k->http);
	return 0;
}

/* Writes what is pending; waits for EPOLLOUT when the socket is full. */
static int conn_flush(struct sd_containers *ct, struct ct_conn *k)
{
	while (k->out_off < k->out_len) {
		ssize_t n = send(k->fd, k->out + k->out_off,
				 k->out_len - k->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return sd_loop_mod(ct->l, k->fd,
						   EPOLLIN | EPOLLOUT);
			return -errno;
		}
		k->out_off += (size_t)n;
	}
	return sd_loop_mod(ct->l, k->fd, EPOLLIN);
}

static int conn_send_get(struct sd_containers *ct, struct ct_conn *k,
			 const char *path)
{
	int n = ct_http_get(k->out, sizeof(k->out), path);

	if (n < 0)
		return -ENAMETOOLONG;
	k->out_len = (size_t)n;
	k->out_off = 0;
	k->got_bytes = false;
	ct_http_init(&k->http);
	return conn_flush(ct, k);
}

static void retry_fire(void *arg);

static void ct_fail(struct sd_containers *ct, const char *why)
{
	ct->epoch++;
	/* The reconnect reconciles anyway. */
	if (ct->resync) {
		sd_timer_cancel(ct->l, ct->resync);
		ct->resync = NULL;
	}
	conn_close(ct, &ct->ev);
	conn_close(ct, &ct->rq);
	if (ct->rq_timer) {
		sd_timer_cancel(ct->l, ct->rq_timer);
		ct->rq_timer = NULL;
	}
	queue_free(ct);
	ct->body_len = 0;
	ct->ev_streaming = false;
	ct->reconciling = false;
	v6set_free(&ct->before);
	if (ct->ev_tok)
		json_tokener_reset(ct->ev_tok);
	ct->ev_bytes = 0;

	/* One warning per outage; the retries after it are debug noise. */
	sd_log(ct->warned ? SD_LOG_DEBUG : SD_LOG_WARN,
	       "containers: %s: %s; retrying in %u ms", ct->sock, why,
	       ct->backoff_ms);
	ct->warned = true;
	if (!ct->retry)
		ct->retry = sd_timer_add(ct->l, ct->backoff_ms, retry_fire, ct);
	if (!ct->retry)
		sd_log(SD_LOG_ERR, "containers: cannot arm the retry timer");
	ct->backoff_ms = ct->backoff_ms * 2 > CT_BACKOFF_MAX_MS ?
			 CT_BACKOFF_MAX_MS : ct->backoff_ms * 2;
}

/* ---- the request connection ---- */

static int rq_body(void *arg, const char *data, size_t len)
{
	struct sd_containers *ct = arg;

	if (ct->q_head && ct->q_head->cancelled)
		return 0;		/* the answer is thrown away anyway */
	if (len > CT_BODY_MAX - ct->body_len)
		return -1;
	if (ct->body_len + len > ct->body_cap) {
		size_t cap = ct->body_cap ? ct->body_cap : 16384;
		char *nb;

		while (cap < ct->body_len + len)
			cap *= 2;
		nb = realloc(ct->body, cap);
		if (!nb)
			return -1;
		ct->body = nb;
		ct->body_cap = cap;
	}
	memcpy(ct->body + ct->body_len, data, len);
	ct->body_len += len;
	return 0;
}

static void rq_timeout(void *arg)
{
	struct sd_containers *ct = arg;

	ct->rq_timer = NULL;
	ct_fail(ct, "request timed out");
}

/* The response at the head of the queue is complete. */
static void rq_complete(struct sd_containers *ct)
{
	bool close_after = ct->rq.http.close;
	uint32_t epoch = ct->epoch;

	if (ct->rq_timer) {
		sd_timer_cancel(ct->l, ct->rq_timer);
		ct->rq_timer = NULL;
	}
	ct->rq_busy = false;
	ct->rq.reused = true;
	on_response(ct);
	if (epoch != ct->epoch)
		return;			/* torn down */
	ct->body_len = 0;
	if (close_after)
		conn_close(ct, &ct->rq);
	else
		ct_http_init(&ct->rq.http);
	rq_kick(ct);
}

/*
 * One readiness event on a connection: pending output is flushed, then each
 * chunk read goes to k->chunk until the socket is drained or it returns
 * false (done with it for now, or torn down).
 */
static void conn_io(void *arg, uint32_t events)
{
	struct ct_conn *k = arg;
	struct sd_containers *ct = k->ct;
	char buf[16384];

	if (k->fd < 0)
		return;
	if (events & EPOLLOUT) {
		int err = conn_flush(ct, k);

		if (err) {
			ct_fail(ct, strerror(-err));
			return;
		}
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		ssize_t n = recv(k->fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ct_fail(ct, strerror(errno));
			return;
		}
		if (!k->chunk(ct, k, buf, (size_t)n))
			return;
	}
}

/* The request connection closed: by the peer's choice, or under us. */
static void rq_eof(struct sd_containers *ct, struct ct_conn *k)
{
	struct ct_req *r = ct->q_head;

	if (!ct->rq_busy) {	/* an idle keep-alive closed */
		conn_close(ct, k);
		return;
	}
	if (!k->got_bytes && k->reused && !r->retried) {
		/* Closed as we reused it: send it again. */
		r->retried = true;
		ct->rq_busy = false;
		conn_close(ct, k);
		if (ct->rq_timer) {
			sd_timer_cancel(ct->l, ct->rq_timer);
			ct->rq_timer = NULL;
		}
		rq_kick(ct);
		return;
	}
	if (ct_http_eof(&k->http)) {
		ct_fail(ct, k->http.error);
		return;
	}
	k->http.close = true;
	rq_complete(ct);
}

static bool rq_chunk(struct sd_containers *ct, struct ct_conn *k,
		     const char *buf, size_t n)
{
	ssize_t used;

	if (n == 0) {
		rq_eof(ct, k);
		return false;
	}
	if (!ct->rq_busy) {
		ct_fail(ct, "data with no request pending");
		return false;
	}
	k->got_bytes = true;
	used = ct_http_feed(&k->http, buf, n, rq_body, ct);
	if (used < 0) {
		ct_fail(ct, k->http.error);
		return false;
	}
	if (k->http.state != CT_HTTP_DONE)
		return true;
	if ((size_t)used != n)
		ct_fail(ct, "data after the response");
	else
		rq_complete(ct);
	return false;
}

static void rq_kick(struct sd_containers *ct)
{
	struct ct_req *r = ct->q_head;
	char path[CT_ID_MAX + 64];
	int err;

	if (ct->rq_busy || !r || !ct->ev_streaming)
		return;
	if (r->kind == CT_REQ_LIST) {
		char q[128];

		/* Running containers only (all=false), labelled public. */
		if (ct_http_query_escape(q, sizeof(q),
			"{\"label\":[\"" CT_LABEL_PUBLIC "=true\"]}") < 0)
			return;
		snprintf(path, sizeof(path), "/containers/json?filters=%s", q);
	} else {
		snprintf(path, sizeof(path), "/containers/%s/json", r->id);
	}
	if (ct->rq.fd < 0) {
		err = conn_open(ct, &ct->rq, rq_chunk);
		if (err) {
			ct_fail(ct, strerror(-err));
			return;
		}
	}
	ct->body_len = 0;
	ct->rq_busy = true;
	err = conn_send_get(ct, &ct->rq, path);
	if (err) {
		ct_fail(ct, strerror(-err));
		return;
	}
	ct->rq_timer = sd_timer_add(ct->l, CT_REQ_TIMEOUT_MS, rq_timeout, ct);
}

/* ---- the event stream ---- */

static void cancel_inspects(struct sd_containers *ct, const char *id)
{
	for (struct ct_req *r = ct->q_head; r; r = r->next)
		if (r->kind == CT_REQ_INSPECT && !strcmp(r->id, id))
			r->cancelled = true;
}

static void on_event(struct sd_containers *ct, json_object *o)
{
	const char *type = jstr(o, "Type"), *action, *id;
	struct ct_ctr *c;

	if (!type)
		type = jstr(o, "type");
	if (!type || strcmp(type, "container"))
		return;
	sd_metric_inc(SD_M_CONTAINER_EVENTS);
	action = jstr(o, "Action");
	if (!action)
		action = jstr(o, "status");
	id = jstr(jget(o, "Actor"), "ID");
	if (!id)
		id = jstr(o, "id");
	if (!action || !id || !valid_id(id)) {
		sd_log(SD_LOG_DEBUG, "containers: event without action or id");
		return;
	}
	sd_log(SD_LOG_DEBUG, "containers: event %s %.12s", action, id);
	if (!strcmp(action, "start")) {
		if (req_push(ct, CT_REQ_INSPECT, id, false))
			rq_kick(ct);
		return;
	}
	if (strcmp(action, "die") && strcmp(action, "stop") &&
	    strcmp(action, "destroy") && strcmp(action, "remove"))
		return;
	/* An inspect still queued or under way would resurrect it. */
	cancel_inspects(ct, id);
	c = ctr_find(ct, id);
	if (c)
		ctr_drop(ct, c, action);
}

static int ev_body(void *arg, const char *data, size_t len)
{
	struct sd_containers *ct = arg;
	uint32_t epoch = ct->epoch;

	/* An error's body: ev_io() reports the status instead. */
	if (ct->ev.http.status != 200)
		return 0;

	while (len) {
		json_object *o;
		enum json_tokener_error e;
		size_t used, chunk = len > INT32_MAX ? INT32_MAX : len;

		o = json_tokener_parse_ex(ct->ev_tok, data, (int)chunk);
		e = json_tokener_get_error(ct->ev_tok);
		if (e == json_tokener_continue) {
			ct->ev_bytes += chunk;
			if (ct->ev_bytes > CT_EVENT_MAX)
				return -1;
			data += chunk;
			len -= chunk;
			continue;
		}
		if (e != json_tokener_success)
			return -1;
		used = json_tokener_get_parse_end(ct->ev_tok);
		json_tokener_reset(ct->ev_tok);
		ct->ev_bytes = 0;
		data += used;
		len -= used;
		on_event(ct, o);
		json_object_put(o);
		if (epoch != ct->epoch)
			return -1;	/* torn down meanwhile */
	}
	return 0;
}

static void ev_streaming(struct sd_containers *ct)
{
	ct->ev_streaming = true;
	ct->backoff_ms = CT_BACKOFF_MIN_MS;
	if (ct->ever_connected)
		sd_metric_inc(SD_M_CONTAINER_RECONNECTS);
	sd_log(ct->warned || !ct->ever_connected ? SD_LOG_INFO : SD_LOG_DEBUG,
	       "containers: following %s", ct->sock);
	ct->ever_connected = true;
	ct->warned = false;
	reconcile_begin(ct);
	if (req_push(ct, CT_REQ_LIST, NULL, false))
		rq_kick(ct);
	else
		ct_fail(ct, "out of memory");
}

static bool ev_chunk(struct sd_containers *ct, struct ct_conn *k,
		     const char *buf, size_t n)
{
	uint32_t epoch = ct->epoch;
	ssize_t used;

	if (n == 0) {
		ct_fail(ct, "the event stream ended");
		return false;
	}
	used = ct_http_feed(&k->http, buf, n, ev_body, ct);
	if (epoch != ct->epoch)
		return false;	/* torn down by an event */
	if (used < 0) {
		ct_fail(ct, k->http.error);
		return false;
	}
	if (!ct->ev_streaming && ct_http_headers_done(&k->http)) {
		if (k->http.status != 200) {
			char why[64];

			snprintf(why, sizeof(why),
				 "GET /events answered HTTP %d",
				 k->http.status);
			ct_fail(ct, why);
			return false;
		}
		ev_streaming(ct);
		if (epoch != ct->epoch)
			return false;
	}
	if (k->http.state == CT_HTTP_DONE) {
		ct_fail(ct, "the event stream ended");
		return false;
	}
	return true;
}

static void ct_connect(struct sd_containers *ct)
{
	char q[128], path[192];
	int err;

	if (ct_http_query_escape(q, sizeof(q),
				 "{\"type\":[\"container\"]}") < 0)
		return;
	snprintf(path, sizeof(path), "/events?filters=%s", q);
	err = conn_open(ct, &ct->ev, ev_chunk);
	if (!err)
		err = conn_send_get(ct, &ct->ev, path);
	if (err)
		ct_fail(ct, strerror(-err));
}

static void resync_fire(void *arg)
{
	struct sd_containers *ct = arg;

	ct->resync = NULL;
	if (!ct->ev_streaming || ct->reconciling)
		return;
	reconcile_begin(ct);
	if (req_push(ct, CT_REQ_LIST, NULL, false))
		rq_kick(ct);
	else
		ct_fail(ct, "out of memory");
}

static void retry_fire(void *arg)
{
	struct sd_containers *ct = arg;

	ct->retry = NULL;
	ct_connect(ct);
}

struct sd_containers *sd_containers_start(struct siitdcd *d,
					  struct sd_loop *l,
					  const struct sd_conf *c)
{
	struct sd_containers *ct;

	if (!c->docker_socket[0])
		return NULL;
	ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	ct->d = d;
	ct->l = l;
	snprintf(ct->sock, sizeof(ct->sock), "%s", c->docker_socket);
	snprintf(ct->ndp, sizeof(ct->ndp), "%s", c->ndp_proxy);
	snprintf(ct->owner, sizeof(ct->owner), "%s", c->default_owner);
	ct->ev.fd = ct->rq.fd = -1;
	ct->backoff_ms = CT_BACKOFF_MIN_MS;
	ct->resync_ms = CT_RESYNC_MIN_MS;
	ct->ev_tok = json_tokener_new_ex(CT_JSON_DEPTH);
	if (!ct->ev_tok) {
		free(ct);
		return NULL;
	}
	ct_connect(ct);
	return ct;
}

void sd_containers_stop(struct sd_containers *ct)
{
	size_t i;

	if (!ct)
		return;
	/* The claims stay: a restarted siitdcd reconciles them. */
	conn_close(ct, &ct->ev);
	conn_close(ct, &ct->rq);
	if (ct->rq_timer)
		sd_timer_cancel(ct->l, ct->rq_timer);
	if (ct->retry)
		sd_timer_cancel(ct->l, ct->retry);
	if (ct->resync)
		sd_timer_cancel(ct->l, ct->resync);
	queue_free(ct);
	for (i = 0; i < ct->tab_size; i++)
		while (ct->tab[i]) {
			struct ct_ctr *c = ct->tab[i];

			ct->tab[i] = c->next;
			free(c);
		}
	free(ct->tab);
	free(ct->body);
	v6set_free(&ct->before);
	v6set_free(&ct->held);
	json_tokener_free(ct->ev_tok);
	free(ct);
}
