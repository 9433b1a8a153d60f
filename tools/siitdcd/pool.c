// SPDX-License-Identifier: GPL-2.0
/*
 * The public IPv4 pool (see pool.h for the rules it keeps).
 *
 * The usable addresses are a sorted array of disjoint ranges with running
 * counts, so "the i-th usable address" is a binary search. Bindings are in
 * two chained hash tables (by IPv6, by IPv4); quarantined ones are also on
 * a list ordered by the end of their quarantine. Free addresses are either
 * ahead of the "fresh" cursor (never handed out since the ranges were set)
 * or in a FIFO of addresses whose quarantine ended. FIFO entries are
 * checked when taken (still usable, still free), so the ranges can change
 * under it.
 */
#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct range {
	uint32_t lo, hi;		/* inclusive, host order */
	uint64_t before;		/* usable addresses in earlier ranges */
};

struct sd_owner {
	struct sd_owner *next;
	char name[SD_OWNER_MAX];
	uint64_t held;
	uint64_t addr_ms;		/* accounted up to @since */
	uint64_t since;
	uint32_t quota;			/* 0: none */
};

#define OWNER_BUCKETS	256

struct table {
	struct sd_binding **b;
	size_t mask;			/* buckets - 1 */
};

struct sd_pool {
	uint64_t seed;
	struct range *ranges;
	unsigned int n_ranges;
	uint64_t size;

	uint64_t cursor;		/* next never-used index */
	uint32_t *fifo;			/* addresses out of quarantine */
	size_t fifo_cap, fifo_head, fifo_len;

	struct table t6, t4;
	size_t n_bindings;
	uint64_t in_ranges;		/* bindings on usable addresses */
	uint64_t held, quarantined;

	struct sd_binding *qhead, *qtail;	/* quarantine, by quar_until */
	uint32_t quarantine_ms;

	struct sd_owner *owners[OWNER_BUCKETS];
};

/* ---- hashing ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash6(const struct sd_pool *p, const struct in6_addr *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a->s6_addr, 8);
	memcpy(&lo, a->s6_addr + 8, 8);
	return mix64(hi ^ p->seed) ^ mix64(lo + 0x9e3779b97f4a7c15ULL);
}

static uint64_t hash4(const struct sd_pool *p, uint32_t a)
{
	return mix64((uint64_t)a ^ p->seed);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int table_init(struct table *t, size_t buckets)
{
	t->b = calloc(buckets, sizeof(*t->b));
	if (!t->b)
		return -ENOMEM;
	t->mask = buckets - 1;
	return 0;
}

/* Doubles both tables when the load passes 1; a failure only costs speed. */
static void maybe_grow(struct sd_pool *p)
{
	size_t nb, i;
	struct table n6, n4;
	struct sd_binding *b, *next;

	if (p->n_bindings <= p->t6.mask + 1)
		return;
	nb = (p->t6.mask + 1) * 2;
	if (table_init(&n6, nb))
		return;
	if (table_init(&n4, nb)) {
		free(n6.b);
		return;
	}
	for (i = 0; i <= p->t6.mask; i++) {
		for (b = p->t6.b[i]; b; b = next) {
			size_t k = hash6(p, &b->v6) & n6.mask;

			next = b->next6;
			b->next6 = n6.b[k];
			n6.b[k] = b;
		}
		for (b = p->t4.b[i]; b; b = next) {
			size_t k = hash4(p, b->v4) & n4.mask;

			next = b->next4;
			b->next4 = n4.b[k];
			n4.b[k] = b;
		}
	}
	free(p->t6.b);
	free(p->t4.b);
	p->t6 = n6;
	p->t4 = n4;
}

struct sd_binding *sd_pool_find6(const struct sd_pool *p,
				 const struct in6_addr *v6)
{
	struct sd_binding *b = p->t6.b[hash6(p, v6) & p->t6.mask];

	while (b && memcmp(&b->v6, v6, sizeof(*v6)))
		b = b->next6;
	return b;
}

struct sd_binding *sd_pool_find4(const struct sd_pool *p, uint32_t v4)
{
	struct sd_binding *b = p->t4.b[hash4(p, v4) & p->t4.mask];

	while (b && b->v4 != v4)
		b = b->next4;
	return b;
}

static void link_binding(struct sd_pool *p, struct sd_binding *b)
{
	size_t k6 = hash6(p, &b->v6) & p->t6.mask;
	size_t k4 = hash4(p, b->v4) & p->t4.mask;

	b->next6 = p->t6.b[k6];
	p->t6.b[k6] = b;
	b->next4 = p->t4.b[k4];
	p->t4.b[k4] = b;
	p->n_bindings++;
	p->in_ranges += sd_pool_contains(p, b->v4);
	maybe_grow(p);
}

static void unlink_binding(struct sd_pool *p, struct sd_binding *b)
{
	struct sd_binding **pp;

	pp = &p->t6.b[hash6(p, &b->v6) & p->t6.mask];
	while (*pp != b)
		pp = &(*pp)->next6;
	*pp = b->next6;
	pp = &p->t4.b[hash4(p, b->v4) & p->t4.mask];
	while (*pp != b)
		pp = &(*pp)->next4;
	*pp = b->next4;
	p->n_bindings--;
	p->in_ranges -= sd_pool_contains(p, b->v4);
}

/* ---- owners and accounting ---- */

static void owner_account(struct sd_owner *o, uint64_t now)
{
	/* A clock stepping back costs no one anything. */
	if (now > o->since)
		o->addr_ms += o->held * (now - o->since);
	o->since = now;
}

static struct sd_owner *owner_get(struct sd_pool *p, const char *name,
				  bool create, uint64_t now)
{
	size_t k = hash_str(name) % OWNER_BUCKETS;
	struct sd_owner *o;

	for (o = p->owners[k]; o; o = o->next)
		if (!strcmp(o->name, name))
			return o;
	if (!create)
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->since = now;
	o->next = p->owners[k];
	p->owners[k] = o;
	return o;
}

static void owner_hold(struct sd_owner *o, int delta, uint64_t now)
{
	owner_account(o, now);
	if (delta < 0 && o->held)
		o->held--;
	else if (delta > 0)
		o->held++;
}

/* ---- ranges ---- */

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static uint32_t mask_of(uint8_t len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

/* Sorts and merges @r[*n] in place. */
static void merge_ranges(struct range *r, unsigned int *n)
{
	unsigned int i, k = 0;

	if (!*n)
		return;
	qsort(r, *n, sizeof(*r), cmp_range);
	for (i = 1; i < *n; i++) {
		if ((uint64_t)r[i].lo <= (uint64_t)r[k].hi + 1) {
			if (r[i].hi > r[k].hi)
				r[k].hi = r[i].hi;
		} else {
			r[++k] = r[i];
		}
	}
	*n = k + 1;
}

int sd_pool_set_ranges(struct sd_pool *p, const struct sd_prefix4 *pfx,
		       unsigned int n, const struct sd_prefix4 *exc,
		       unsigned int nexc)
{
	struct range *inc, *ex, *out;
	unsigned int ni = 0, ne = 0, no = 0, i, j;
	uint64_t total = 0;

	inc = calloc(n + 1, sizeof(*inc));
	ex = calloc(nexc + 1, sizeof(*ex));
	/* Each exclusion splits at most one range in two. */
	out = calloc((size_t)n + nexc + 1, sizeof(*out));
	if (!inc || !ex || !out) {
		free(inc);
		free(ex);
		free(out);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uint32_t a = ntohl(pfx[i].addr.s_addr), m = mask_of(pfx[i].len);

		if (pfx[i].len > 32 || (a & ~m))
			goto inval;
		inc[ni].lo = a;
		inc[ni].hi = a | ~m;
		if (pfx[i].len < 31) {
			inc[ni].lo++;
			inc[ni].hi--;
		}
		ni++;
	}
	for (i = 0; i < nexc; i++) {
		uint32_t a = ntohl(exc[i].addr.s_addr), m = mask_of(exc[i].len);

		if (exc[i].len > 32 || (a & ~m))
			goto inval;
		ex[ne].lo = a;
		ex[ne].hi = a | ~m;
		ne++;
	}
	merge_ranges(inc, &ni);
	merge_ranges(ex, &ne);

	/* Subtract: both lists are sorted and disjoint. */
	for (i = 0, j = 0; i < ni; i++) {
		uint64_t lo = inc[i].lo, hi = inc[i].hi;

		while (j < ne && ex[j].hi < lo)
			j++;
		for (unsigned int k = j; k < ne && ex[k].lo <= hi; k++) {
			if (ex[k].lo > lo) {
				out[no].lo = (uint32_t)lo;
				out[no].hi = ex[k].lo - 1;
				no++;
			}
			lo = (uint64_t)ex[k].hi + 1;
			if (lo > hi)
				break;
		}
		if (lo <= hi) {
			out[no].lo = (uint32_t)lo;
			out[no].hi = (uint32_t)hi;
			no++;
		}
	}
	for (i = 0; i < no; i++) {
		out[i].before = total;
		total += (uint64_t)out[i].hi - out[i].lo + 1;
	}
	free(inc);
	free(ex);
	if (!total) {
		free(out);
		return -EINVAL;
	}
	free(p->ranges);
	p->ranges = out;
	p->n_ranges = no;
	p->size = total;
	/* Start over: the cursor skips addresses in use, the FIFO is moot. */
	p->cursor = 0;
	p->fifo_head = p->fifo_len = 0;
	p->in_ranges = 0;
	for (size_t bi = 0; bi <= p->t6.mask; bi++)
		for (struct sd_binding *b = p->t6.b[bi]; b; b = b->next6)
			p->in_ranges += sd_pool_contains(p, b->v4);
	return 0;
inval:
	free(inc);
	free(ex);
	free(out);
	return -EINVAL;
}

bool sd_pool_contains(const struct sd_pool *p, uint32_t v4)
{
	unsigned int lo = 0, hi = p->n_ranges;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (v4 < p->ranges[mid].lo)
			hi = mid;
		else if (v4 > p->ranges[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static uint32_t index_addr(const struct sd_pool *p, uint64_t idx)
{
	unsigned int lo = 0, hi = p->n_ranges - 1;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo + 1) / 2;

		if (p->ranges[mid].before <= idx)
			lo = mid;
		else
			hi = mid - 1;
	}
	return p->ranges[lo].lo + (uint32_t)(idx - p->ranges[lo].before);
}

static int fifo_push(struct sd_pool *p, uint32_t a)
{
	if (p->fifo_len == p->fifo_cap) {
		size_t cap = p->fifo_cap ? p->fifo_cap * 2 : 64, i;
		uint32_t *n = malloc(cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < p->fifo_len; i++)
			n[i] = p->fifo[(p->fifo_head + i) % p->fifo_cap];
		free(p->fifo);
		p->fifo = n;
		p->fifo_cap = cap;
		p->fifo_head = 0;
	}
	p->fifo[(p->fifo_head + p->fifo_len) % p->fifo_cap] = a;
	p->fifo_len++;
	return 0;
}

/* A usable address no binding has, or -ENOSPC. */
static int take_free(struct sd_pool *p, uint32_t *out)
{
	while (p->cursor < p->size) {
		uint32_t a = index_addr(p, p->cursor++);

		if (!sd_pool_find4(p, a)) {
			*out = a;
			return 0;
		}
	}
	while (p->fifo_len) {
		uint32_t a = p->fifo[p->fifo_head];

		p->fifo_head = (p->fifo_head + 1) % p->fifo_cap;
		p->fifo_len--;
		if (sd_pool_contains(p, a) && !sd_pool_find4(p, a)) {
			*out = a;
			return 0;
		}
	}
	return -ENOSPC;
}

/* ---- quarantine ---- */

static void q_insert(struct sd_pool *p, struct sd_binding *b)
{
	struct sd_binding *at = p->qtail;

	/* Usually the latest: the quarantine is one length for all. */
	while (at && at->quar_until > b->quar_until)
		at = at->qprev;
	b->qprev = at;
	b->qnext = at ? at->qnext : p->qhead;
	if (b->qnext)
		b->qnext->qprev = b;
	else
		p->qtail = b;
	if (at)
		at->qnext = b;
	else
		p->qhead = b;
	p->quarantined++;
}

static void q_remove(struct sd_pool *p, struct sd_binding *b)
{
	if (b->qprev)
		b->qprev->qnext = b->qnext;
	else
		p->qhead = b->qnext;
	if (b->qnext)
		b->qnext->qprev = b->qprev;
	else
		p->qtail = b->qprev;
	b->qprev = b->qnext = NULL;
	p->quarantined--;
}

/* Forgets @b altogether; its address is free again. */
static void forget(struct sd_pool *p, struct sd_binding *b)
{
	unlink_binding(p, b);
	/* On ENOMEM the address is only lost until the ranges are reset. */
	if (sd_pool_contains(p, b->v4))
		(void)fifo_push(p, b->v4);
	free(b);
}

unsigned int sd_pool_expire(struct sd_pool *p, uint64_t now)
{
	unsigned int n = 0;

	while (p->qhead && p->qhead->quar_until <= now) {
		struct sd_binding *b = p->qhead;

		q_remove(p, b);
		forget(p, b);
		n++;
	}
	return n;
}

uint64_t sd_pool_next_expiry(const struct sd_pool *p)
{
	return p->qhead ? p->qhead->quar_until : 0;
}

/* ---- claims ---- */

static void set_owner(struct sd_binding *b, struct sd_owner *o)
{
	b->o = o;
	snprintf(b->owner, sizeof(b->owner), "%s", o->name);
}

int sd_pool_claim(struct sd_pool *p, const struct in6_addr *v6,
		  const char *owner, enum sd_source src, uint64_t now,
		  struct sd_binding **out, bool *created)
{
	struct sd_binding *b = sd_pool_find6(p, v6);
	struct sd_owner *o;
	uint32_t v4;
	int err;

	*created = false;
	if (b && b->claims) {
		b->claims |= SD_CLAIM(src);
		*out = b;
		return 0;
	}
	o = owner_get(p, owner ? owner : "", true, now);
	if (!o)
		return -ENOMEM;
	if (o->quota && o->held >= o->quota)
		return -EDQUOT;
	if (b) {
		/* The same IPv6 back during quarantine: its old IPv4. */
		q_remove(p, b);
		b->fresh = false;
	} else {
		err = take_free(p, &v4);
		if (err)
			return err;
		b = calloc(1, sizeof(*b));
		if (!b) {
			(void)fifo_push(p, v4);
			return -ENOMEM;
		}
		b->v6 = *v6;
		b->v4 = v4;
		b->fresh = true;
		link_binding(p, b);
	}
	set_owner(b, o);
	b->claims = SD_CLAIM(src);
	b->dns_until = 0;
	b->quar_until = 0;
	owner_hold(o, +1, now);
	p->held++;
	*created = true;
	*out = b;
	return 0;
}

void sd_pool_release(struct sd_pool *p, struct sd_binding *b, uint64_t now)
{
	if (!b->claims)
		return;
	b->claims = 0;
	b->dns_until = 0;
	owner_hold(b->o, -1, now);
	p->held--;
	b->quar_until = now + p->quarantine_ms;
	q_insert(p, b);
}

int sd_pool_unclaim(struct sd_pool *p, struct sd_binding *b,
		    enum sd_source src, uint64_t now)
{
	if (!(b->claims & SD_CLAIM(src)))
		return -ENOENT;
	b->claims &= (uint8_t)~SD_CLAIM(src);
	if (src == SD_SRC_DNS)
		b->dns_until = 0;
	if (b->claims)
		return 0;
	b->claims = SD_CLAIM(src);	/* so that release does the rest */
	sd_pool_release(p, b, now);
	return 1;
}

void sd_pool_undo(struct sd_pool *p, struct sd_binding *b, uint64_t now)
{
	bool fresh = b->fresh;

	/* A revived binding goes back to quarantine (from now). */
	if (!b->claims)
		return;
	owner_hold(b->o, -1, now);
	p->held--;
	b->claims = 0;
	b->dns_until = 0;
	if (fresh) {
		unlink_binding(p, b);
		/* Never seen outside: first in line again. */
		if (p->cursor && index_addr(p, p->cursor - 1) == b->v4)
			p->cursor--;
		else if (sd_pool_contains(p, b->v4))
			(void)fifo_push(p, b->v4);
		free(b);
		return;
	}
	b->quar_until = now + p->quarantine_ms;
	q_insert(p, b);
}

/* ---- settings, restore, iteration ---- */

struct sd_pool *sd_pool_new(uint64_t hash_seed)
{
	struct sd_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->seed = hash_seed;
	if (table_init(&p->t6, 1024) || table_init(&p->t4, 1024)) {
		free(p->t6.b);
		free(p);
		return NULL;
	}
	return p;
}

void sd_pool_free(struct sd_pool *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i <= p->t6.mask; i++) {
		struct sd_binding *b = p->t6.b[i], *next;

		for (; b; b = next) {
			next = b->next6;
			free(b);
		}
	}
	for (i = 0; i < OWNER_BUCKETS; i++) {
		struct sd_owner *o = p->owners[i], *next;

		for (; o; o = next) {
			next = o->next;
			free(o);
		}
	}
	free(p->t6.b);
	free(p->t4.b);
	free(p->ranges);
	free(p->fifo);
	free(p);
}

void sd_pool_set_quarantine(struct sd_pool *p, uint32_t seconds)
{
	p->quarantine_ms = seconds * 1000u;
	if ((uint64_t)seconds * 1000u > UINT32_MAX)
		p->quarantine_ms = UINT32_MAX;
}

int sd_pool_set_quotas(struct sd_pool *p, const struct sd_quota *q,
		       unsigned int n)
{
	unsigned int i;
	struct sd_owner *o;

	for (i = 0; i < OWNER_BUCKETS; i++)
		for (o = p->owners[i]; o; o = o->next)
			o->quota = 0;
	for (i = 0; i < n; i++) {
		o = owner_get(p, q[i].owner, true, 0);
		if (!o)
			return -ENOMEM;
		o->quota = q[i].max;
	}
	return 0;
}

int sd_pool_restore(struct sd_pool *p, const struct in6_addr *v6,
		    uint32_t v4, const char *owner, uint8_t claims,
		    uint64_t dns_until, uint64_t quar_until, uint64_t now)
{
	struct sd_binding *b;
	struct sd_owner *o;

	if (sd_pool_find6(p, v6) || sd_pool_find4(p, v4))
		return -EEXIST;
	o = owner_get(p, owner ? owner : "", true, now);
	b = calloc(1, sizeof(*b));
	if (!o || !b) {
		free(b);
		return -ENOMEM;
	}
	b->v6 = *v6;
	b->v4 = v4;
	set_owner(b, o);
	link_binding(p, b);
	if (claims) {
		b->claims = claims;
		b->dns_until = (claims & SD_CLAIM(SD_SRC_DNS)) ? dns_until : 0;
		owner_hold(o, +1, now);
		p->held++;
	} else {
		b->quar_until = quar_until;
		q_insert(p, b);
	}
	return 0;
}

int sd_pool_restore_acct(struct sd_pool *p, const char *owner,
			 uint64_t addr_ms)
{
	struct sd_owner *o = owner_get(p, owner, true, 0);

	if (!o)
		return -ENOMEM;
	o->addr_ms += addr_ms;
	return 0;
}

void sd_pool_foreach(const struct sd_pool *p,
		     void (*fn)(const struct sd_binding *b, void *arg),
		     void *arg)
{
	size_t i;
	const struct sd_binding *b;

	for (i = 0; i <= p->t6.mask; i++)
		for (b = p->t6.b[i]; b; b = b->next6)
			fn(b, arg);
}

void sd_pool_stats(const struct sd_pool *p, struct sd_pool_stats *st)
{
	st->size = p->size;
	st->held = p->held;
	st->quarantined = p->quarantined;
	/* Bindings outside the ranges (after a reload) use none of them. */
	st->free = p->size - p->in_ranges;
}

void sd_pool_owners(struct sd_pool *p, uint64_t now,
		    void (*fn)(const struct sd_owner_acct *a, void *arg),
		    void *arg)
{
	struct sd_owner_acct a;
	struct sd_owner *o;
	size_t i;

	for (i = 0; i < OWNER_BUCKETS; i++) {
		for (o = p->owners[i]; o; o = o->next) {
			owner_account(o, now);
			a.owner = o->name;
			a.held = o->held;
			a.addr_ms = o->addr_ms;
			a.quota = o->quota;
			fn(&a, arg);
		}
	}
}
