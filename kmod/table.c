// SPDX-License-Identifier: GPL-2.0
/*
 * EAM table: RCU-read, mutex-written. A lookup costs one hash probe per
 * distinct prefix length in use, whatever the number of entries, so the
 * common table of single addresses (/32 <-> /128) costs one probe a packet.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "route_cache.h"
#include "table.h"

static struct kmem_cache *eam_cache __read_mostly;
static atomic64_t table_ids = ATOMIC64_INIT(0);

int siitdc_table_cache_init(void)
{
	eam_cache = KMEM_CACHE(siitdc_eam, 0);
	return eam_cache ? 0 : -ENOMEM;
}

/* Every entry freed with call_rcu() is gone: rcu_barrier() came first. */
void siitdc_table_cache_exit(void)
{
	kmem_cache_destroy(eam_cache);
}

static void eam_free_rcu(struct rcu_head *head)
{
	struct siitdc_eam *e = container_of(head, struct siitdc_eam, rcu);

	/* A packet may have cached a route after the entry was unlinked. */
	siitdc_route6_forget(e);
	kmem_cache_free(eam_cache, e);
}

/*
 * Multiply-xorshift hashes (a full avalanche of every input bit in a dozen
 * instructions, where jhash takes dozens), on every packet. Keys are the
 * operator's entries, never chosen by the senders of packets, and the
 * per-table seed still changes on a rehash.
 */
static inline u32 mix32(u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	return h ^ (h >> 16);
}

static u32 key4_hash(const void *data, u32 len, u32 seed)
{
	const struct siitdc_key4 *k = data;

	return mix32((__force u32)k->addr ^ seed ^ k->len);
}

static inline u32 mix64(u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return (u32)(h ^ (h >> 32));
}

/*
 * An IPv6 key as two 64-bit halves: the first, multiplied by an odd
 * constant (a bijection), takes in the second, and one mix64 spreads the
 * lot into the low bits that pick a bucket. Keys that differ in one half
 * only never collide before the final truncation.
 */
static u32 key6_hash(const void *data, u32 len, u32 seed)
{
	const struct siitdc_key6 *k = data;
	u64 hi, lo;

	memcpy(&hi, &k->addr.s6_addr32[0], sizeof(hi));
	memcpy(&lo, &k->addr.s6_addr32[2], sizeof(lo));
	hi ^= seed | (u64)k->len << 32;
	return mix64(hi * 0x9e3779b97f4a7c15ULL ^ lo);
}

static int key4_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct siitdc_key4 *k = arg->key;
	const struct siitdc_eam *e = obj;

	return k->addr != e->key4.addr || k->len != e->key4.len;
}

static int key6_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct siitdc_key6 *k = arg->key;
	const struct siitdc_eam *e = obj;

	return !ipv6_addr_equal(&k->addr, &e->key6.addr) ||
	       k->len != e->key6.len;
}

static const struct rhashtable_params ht4_params = {
	.head_offset = offsetof(struct siitdc_eam, node4),
	.key_offset = offsetof(struct siitdc_eam, key4),
	.key_len = sizeof(struct siitdc_key4),
	.hashfn = key4_hash,
	.obj_cmpfn = key4_cmp,
	.automatic_shrinking = true,
};

static const struct rhashtable_params ht6_params = {
	.head_offset = offsetof(struct siitdc_eam, node6),
	.key_offset = offsetof(struct siitdc_eam, key6),
	.key_len = sizeof(struct siitdc_key6),
	.hashfn = key6_hash,
	.obj_cmpfn = key6_cmp,
	.automatic_shrinking = true,
};

static void key4_init(struct siitdc_key4 *k, __be32 addr, u8 len)
{
	memset(k, 0, sizeof(*k));
	k->addr = addr & siitdc_v4_mask(len);
	k->len = len;
}

static void key6_init(struct siitdc_key6 *k, const struct in6_addr *addr,
		      u8 len)
{
	memset(k, 0, sizeof(*k));
	siitdc_v6_mask(addr, len, &k->addr);
	k->len = len;
}

/* Highest set bit of @bits below @limit, or -1. */
static int lens_prev(const unsigned long *bits, unsigned int nwords, int limit)
{
	int w;

	for (w = min_t(int, (limit - 1) / BITS_PER_LONG, nwords - 1); w >= 0; w--) {
		unsigned long word = READ_ONCE(bits[w]);
		int top = limit - w * BITS_PER_LONG;

		if (top < BITS_PER_LONG)
			word &= (1UL << top) - 1;
		if (word)
			return w * BITS_PER_LONG + __fls(word);
	}
	return -1;
}

struct siitdc_eam *siitdc_table_lookup4(struct siitdc_table *t, __be32 addr)
{
	struct siitdc_key4 k;
	struct siitdc_eam *e;
	int len = 33;

	if (!siitdc_table_may_have4(t, addr))
		return NULL;
	while ((len = lens_prev(t->lens4, ARRAY_SIZE(t->lens4), len)) >= 0) {
		key4_init(&k, addr, len);
		e = rhashtable_lookup(&t->ht4, &k, ht4_params);
		if (e)
			return e;
	}
	return NULL;
}

struct siitdc_eam *siitdc_table_lookup6(struct siitdc_table *t,
					const struct in6_addr *addr)
{
	struct siitdc_key6 k;
	struct siitdc_eam *e;
	int len = 129;

	while ((len = lens_prev(t->lens6, SIITDC_LEN6_WORDS, len)) >= 0) {
		key6_init(&k, addr, len);
		e = rhashtable_lookup(&t->ht6, &k, ht6_params);
		if (e)
			return e;
	}
	return NULL;
}

struct siitdc_eam *siitdc_table_find4(struct siitdc_table *t,
				      const struct siitdc_prefix4 *p)
{
	struct siitdc_key4 k;

	key4_init(&k, p->addr, p->len);
	return rhashtable_lookup(&t->ht4, &k, ht4_params);
}

struct siitdc_eam *siitdc_table_find6(struct siitdc_table *t,
				      const struct siitdc_prefix6 *p)
{
	struct siitdc_key6 k;

	key6_init(&k, &p->addr, p->len);
	return rhashtable_lookup(&t->ht6, &k, ht6_params);
}

/*
 * RFC 7757 allows overlapping entries (longest prefix wins), but they make
 * the mapping asymmetric, so they are refused unless the request insists.
 * An identical prefix is always refused: it could never be looked up.
 */
static int check_overlap(struct siitdc_table *t,
			 const struct siitdc_prefix4 *p4,
			 const struct siitdc_prefix6 *p6, bool force,
			 struct netlink_ext_ack *extack)
{
	struct siitdc_prefix4 q4 = *p4;
	struct siitdc_prefix6 q6 = *p6;
	struct siitdc_eam *e;
	bool longer4, longer6;

	if (siitdc_table_find4(t, p4)) {
		NL_SET_ERR_MSG(extack, "an entry with this IPv4 prefix exists");
		return -EEXIST;
	}
	if (siitdc_table_find6(t, p6)) {
		NL_SET_ERR_MSG(extack, "an entry with this IPv6 prefix exists");
		return -EEXIST;
	}
	if (force)
		return 0;

	/* A shorter entry containing the new prefix? */
	for (q4.len = 0; q4.len < p4->len; q4.len++) {
		if (test_bit(q4.len, t->lens4) && siitdc_table_find4(t, &q4))
			goto overlap4;
	}
	for (q6.len = 0; q6.len < p6->len; q6.len++) {
		if (test_bit(q6.len, t->lens6) && siitdc_table_find6(t, &q6))
			goto overlap6;
	}

	/*
	 * A longer entry inside the new prefix? Hashes cannot answer range
	 * questions, so walk the entries; this happens only when adding a
	 * prefix while longer prefixes exist, never for single addresses.
	 */
	longer4 = lens_prev(t->lens4, ARRAY_SIZE(t->lens4), 33) > p4->len;
	longer6 = lens_prev(t->lens6, SIITDC_LEN6_WORDS, 129) > p6->len;
	if (!longer4 && !longer6)
		return 0;
	list_for_each_entry(e, &t->entries, list) {
		if (longer4 && e->key4.len > p4->len &&
		    siitdc_v4_in_prefix(e->key4.addr, p4))
			goto overlap4;
		if (longer6 && e->key6.len > p6->len &&
		    siitdc_v6_in_prefix(&e->key6.addr, p6))
			goto overlap6;
	}
	return 0;

overlap4:
	NL_SET_ERR_MSG(extack,
		       "IPv4 prefix overlaps an existing entry (use force to allow)");
	return -EEXIST;
overlap6:
	NL_SET_ERR_MSG(extack,
		       "IPv6 prefix overlaps an existing entry (use force to allow)");
	return -EEXIST;
}

static unsigned int wheel_slot(unsigned long expires)
{
	return (expires / HZ) % SIITDC_WHEEL_SLOTS;
}

void siitdc_table_set_expires(struct siitdc_table *t, struct siitdc_eam *e,
			      unsigned long expires)
{
	if (e->expires) {
		hlist_del(&e->wheel);
		t->nexpiring--;
	}
	e->expires = expires;
	if (!expires)
		return;
	hlist_add_head(&e->wheel, &t->wheel[wheel_slot(expires)]);
	t->nexpiring++;
}

void siitdc_table_set_ttl(struct siitdc_table *t, struct siitdc_eam *e,
			  u32 ttl)
{
	/* Never 0, which means "no expiry". */
	siitdc_table_set_expires(t, e, ttl ?
				 (jiffies + (unsigned long)ttl * HZ) ?: 1 : 0);
}

u32 siitdc_eam_ttl_left(const struct siitdc_eam *e)
{
	long left;

	if (!e->expires)
		return 0;
	left = (long)(e->expires - jiffies);
	return left <= 0 ? 1 : DIV_ROUND_UP(left, HZ);
}

static void set_owner(struct siitdc_eam *e, const struct siitdc_eam_params *p)
{
	memset(e->owner, 0, sizeof(e->owner));
	if (p->owner)
		strscpy(e->owner, p->owner, sizeof(e->owner));
	e->source = p->source;
	e->grace = p->grace;
}

static void lens_get(unsigned long *bits, u32 *counts, u8 len)
{
	if (counts[len]++ == 0)
		set_bit(len, bits);
}

static void lens_put(unsigned long *bits, u32 *counts, u8 len)
{
	if (--counts[len] == 0)
		clear_bit(len, bits);
}

/* The /16 blocks an IPv4 prefix covers: [*first, *first + *n). */
static void map4_span(const struct siitdc_key4 *k, u32 *first, u32 *n)
{
	*first = ntohl(k->addr) >> SIITDC_MAP4_SHIFT;
	*n = k->len >= 32 - SIITDC_MAP4_SHIFT ? 1 :
	     1U << (32 - SIITDC_MAP4_SHIFT - k->len);
}

static int map4_alloc(struct siitdc_table *t)
{
	unsigned long *map;

	if (t->map4)
		return 0;
	t->nmap4 = kvcalloc(SIITDC_MAP4_BLOCKS, sizeof(*t->nmap4), GFP_KERNEL);
	map = bitmap_zalloc(SIITDC_MAP4_BLOCKS, GFP_KERNEL);
	if (!t->nmap4 || !map) {
		kvfree(t->nmap4);
		t->nmap4 = NULL;
		bitmap_free(map);
		return -ENOMEM;
	}
	/* Readers see a zeroed map or none. */
	smp_store_release(&t->map4, map);
	return 0;
}

/* Before the entry is visible: a reader that finds it finds its bit. */
static void map4_get(struct siitdc_table *t, const struct siitdc_key4 *k)
{
	u32 i, first, n;

	map4_span(k, &first, &n);
	for (i = first; i < first + n; i++)
		if (t->nmap4[i]++ == 0)
			set_bit(i, t->map4);
}

static void map4_put(struct siitdc_table *t, const struct siitdc_key4 *k)
{
	u32 i, first, n;

	map4_span(k, &first, &n);
	for (i = first; i < first + n; i++)
		if (--t->nmap4[i] == 0)
			clear_bit(i, t->map4);
}

/* Makes a (new or unlinked) entry visible to readers. */
int siitdc_table_relink(struct siitdc_table *t, struct siitdc_eam *e)
{
	int err;

	err = map4_alloc(t);
	if (err)
		return err;
	map4_get(t, &e->key4);
	err = rhashtable_insert_fast(&t->ht4, &e->node4, ht4_params);
	if (err)
		goto unmap;
	err = rhashtable_insert_fast(&t->ht6, &e->node6, ht6_params);
	if (err) {
		rhashtable_remove_fast(&t->ht4, &e->node4, ht4_params);
		goto unmap;
	}
	e->seq = t->next_seq++;
	list_add_tail_rcu(&e->list, &t->entries);
	lens_get(t->lens4, t->nlens4, e->key4.len);
	lens_get(t->lens6, t->nlens6, e->key6.len);
	if (e->expires) {
		hlist_add_head(&e->wheel, &t->wheel[wheel_slot(e->expires)]);
		t->nexpiring++;
	}
	t->count++;
	return 0;

unmap:
	map4_put(t, &e->key4);
	return err;
}

int siitdc_table_add(struct siitdc_table *t, const struct siitdc_eam_params *p,
		     struct siitdc_eam **out, bool *refreshed,
		     struct netlink_ext_ack *extack)
{
	struct siitdc_key6 k6;
	struct siitdc_eam *e;
	int err;

	/* The same mapping again: a refresh (siitdcd re-adds on each query). */
	e = siitdc_table_find4(t, &p->p4);
	key6_init(&k6, &p->p6.addr, p->p6.len);
	if (e && !memcmp(&e->key6, &k6, sizeof(k6))) {
		siitdc_table_set_ttl(t, e, p->ttl);
		set_owner(e, p);
		*out = e;
		*refreshed = true;
		return 0;
	}
	*refreshed = false;

	err = check_overlap(t, &p->p4, &p->p6, p->force, extack);
	if (err)
		return err;

	e = kmem_cache_zalloc(eam_cache, GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	key4_init(&e->key4, p->p4.addr, p->p4.len);
	key6_init(&e->key6, &p->p6.addr, p->p6.len);
	set_owner(e, p);
	err = siitdc_table_relink(t, e);
	if (err) {
		kmem_cache_free(eam_cache, e);
		NL_SET_ERR_MSG(extack, "could not insert the entry");
		return err;
	}
	siitdc_table_set_ttl(t, e, p->ttl);
	*out = e;
	return 0;
}

void siitdc_table_unlink(struct siitdc_table *t, struct siitdc_eam *e)
{
	rhashtable_remove_fast(&t->ht4, &e->node4, ht4_params);
	rhashtable_remove_fast(&t->ht6, &e->node6, ht6_params);
	list_del_rcu(&e->list);
	lens_put(t->lens4, t->nlens4, e->key4.len);
	lens_put(t->lens6, t->nlens6, e->key6.len);
	map4_put(t, &e->key4);
	if (e->expires) {
		hlist_del(&e->wheel);
		t->nexpiring--;
	}
	t->count--;
	/* A route held for a gone entry would pin its device. */
	siitdc_route6_forget(e);
}

/* Readers may still hold @e: it goes after a grace period. */
void siitdc_table_release(struct siitdc_eam *e)
{
	call_rcu(&e->rcu, eam_free_rcu);
}

void siitdc_table_del(struct siitdc_table *t, struct siitdc_eam *e)
{
	siitdc_table_unlink(t, e);
	siitdc_table_release(e);
}

/* Unlinks @e, shows it to @fn unlinked (see table.h), frees it later. */
static void del_shown(struct siitdc_table *t, struct siitdc_eam *e,
		      void (*fn)(struct siitdc_eam *e, void *arg), void *arg)
{
	siitdc_table_unlink(t, e);
	if (fn)
		fn(e, arg);
	siitdc_table_release(e);
}

u32 siitdc_table_flush(struct siitdc_table *t, const char *owner,
		       void (*fn)(struct siitdc_eam *e, void *arg), void *arg)
{
	struct siitdc_eam *e, *tmp;
	u32 n = 0;

	list_for_each_entry_safe(e, tmp, &t->entries, list) {
		if (owner && strcmp(owner, e->owner))
			continue;
		del_shown(t, e, fn, arg);
		n++;
		if (!(n % 1024))
			cond_resched();
	}
	return n;
}

/*
 * An entry whose TTL ran out while a packet used it less than @grace
 * seconds ago lives on until it has been idle that long: a DNS TTL lapsing
 * must not cut a connection that is still running. The entry moves to the
 * slot of its new expiry (adding at a list head is safe while the sweep
 * walks that list).
 */
static bool grace_extends(struct siitdc_table *t, struct siitdc_eam *e,
			  unsigned long now)
{
	unsigned long used = READ_ONCE(e->last_used), until;

	if (!e->grace || !used)
		return false;
	until = used + (unsigned long)e->grace * HZ;
	if (!time_before(now, until))
		return false;
	siitdc_table_set_expires(t, e, until ?: 1);
	return true;
}

/*
 * Sweeps the wheel slots of every second since the last sweep (a whole
 * turn at most). An entry in a swept slot that is not due yet belongs to a
 * later turn and stays.
 */
void siitdc_table_expire(struct siitdc_table *t,
			 void (*fn)(struct siitdc_eam *e, void *arg), void *arg)
{
	unsigned long now = jiffies, sec = now / HZ, s;
	struct siitdc_eam *e;
	struct hlist_node *tmp;
	unsigned int turns = 0;

	/*
	 * From the last second swept, again: an entry due later in that
	 * second than the sweep ran was skipped then, and must not wait a
	 * whole turn.
	 */
	for (s = t->wheel_done; s <= sec && turns < SIITDC_WHEEL_SLOTS;
	     s++, turns++) {
		hlist_for_each_entry_safe(e, tmp, &t->wheel[s % SIITDC_WHEEL_SLOTS],
					  wheel) {
			if (time_before(now, e->expires))
				continue;
			if (grace_extends(t, e, now))
				continue;
			del_shown(t, e, fn, arg);
		}
	}
	t->wheel_done = sec;
}

struct siitdc_table *siitdc_table_new(void)
{
	struct siitdc_table *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	if (rhashtable_init(&t->ht4, &ht4_params))
		goto free;
	if (rhashtable_init(&t->ht6, &ht6_params))
		goto destroy4;
	INIT_LIST_HEAD(&t->entries);
	t->id = atomic64_inc_return(&table_ids);
	t->wheel_done = jiffies / HZ;
	return t;

destroy4:
	rhashtable_destroy(&t->ht4);
free:
	kfree(t);
	return NULL;
}

/* No reader may hold @t any more. */
void siitdc_table_free(struct siitdc_table *t)
{
	siitdc_table_flush(t, NULL, NULL, NULL);
	rhashtable_destroy(&t->ht4);
	rhashtable_destroy(&t->ht6);
	bitmap_free(t->map4);
	kvfree(t->nmap4);
	kfree(t);
}
