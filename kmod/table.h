/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Explicit Address Mapping table (RFC 7757): exact-match hash tables, one
 * per family, probed once per prefix length in use, longest first. Readers
 * hold only rcu_read_lock(); writers hold siitdc_net.lock.
 */
#ifndef _SIITDC_TABLE_H
#define _SIITDC_TABLE_H

#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <uapi/linux/siitdc.h>

#include "core/addr.h"

/* Hash keys: fixed size, no uninitialized padding. */
struct siitdc_key4 {
	__be32 addr;
	u8 len;
	u8 pad[3];
};

struct siitdc_key6 {
	struct in6_addr addr;
	u8 len;
	u8 pad[3];
};

/* Traffic directions of the per-entry counters. */
enum { SIITDC_DIR_4TO6, SIITDC_DIR_6TO4 };

/*
 * One mapping. Readers use the keys and the counters; everything below
 * @list belongs to writers (under the instance lock). The counters are
 * shared atomics rather than per-CPU, so an entry costs the same memory on
 * 2 CPUs as on 128 (sizeof(struct siitdc_eam), about 200 bytes, plus its
 * share of the two hash tables' buckets).
 */
struct siitdc_eam {
	struct rhash_head node4;
	struct rhash_head node6;
	struct siitdc_key4 key4;
	struct siitdc_key6 key6;
	atomic64_t pkts[2];
	atomic64_t bytes[2];
	unsigned long last_used;	/* jiffies of the last packet, 0: none */
	/* The IPv6 route of translated packets (route_cache.c), or NULL. */
	struct siitdc_route6 __rcu *route6;
	/* Insertion order, for dumps; @seq grows along the list. */
	struct list_head list;
	u64 seq;
	/* On the expiry wheel when @expires (jiffies) is set. */
	struct hlist_node wheel;
	unsigned long expires;
	/* Seconds an entry whose TTL ran out lives on after its last packet. */
	u32 grace;
	u8 source;			/* enum siitdc_eam_source */
	char owner[SIITDC_OWNER_MAX];
	struct rcu_head rcu;
};

#define SIITDC_LEN6_WORDS BITS_TO_LONGS(129)
/*
 * IPv4 space in /16 blocks: a block's bit is set while some entry covers
 * part of it, so a lookup for an address in an empty block (untranslated
 * traffic, clients without an entry of their own) ends before any hashing.
 */
#define SIITDC_MAP4_SHIFT 16
#define SIITDC_MAP4_BLOCKS (1U << (32 - SIITDC_MAP4_SHIFT))
/* Seconds the expiry wheel covers in one turn; later expiries wait a turn. */
#define SIITDC_WHEEL_SLOTS 256

struct siitdc_table {
	struct rhashtable ht4;
	struct rhashtable ht6;
	/* Bit N set: some entry has a prefix of length N. Read locklessly. */
	unsigned long lens4[BITS_TO_LONGS(33)];
	unsigned long lens6[SIITDC_LEN6_WORDS];
	/* Writer-side bookkeeping. */
	u32 nlens4[33];
	u32 nlens6[129];
	/* Allocated with the first entry (idle namespaces pay nothing). */
	unsigned long *map4;		/* SIITDC_MAP4_BLOCKS bits */
	u32 *nmap4;			/* entries covering each block */
	struct list_head entries;
	u32 count;
	u32 nexpiring;			/* entries on the wheel */
	u64 next_seq;
	u64 id;				/* tells tables apart, for dumps */
	unsigned long wheel_done;	/* last second the wheel swept */
	struct hlist_head wheel[SIITDC_WHEEL_SLOTS];
};

/* What an add or refresh asks for. */
struct siitdc_eam_params {
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;
	u32 ttl;			/* seconds, 0: forever */
	u32 grace;			/* seconds of idle grace after the TTL */
	u8 source;
	bool force;
	const char *owner;		/* NULL: none */
};

static inline void siitdc_eam_account(struct siitdc_eam *e, int dir,
				      const struct sk_buff *skb)
{
	unsigned int segs = skb_is_gso(skb) ?
			    max_t(unsigned int, skb_shinfo(skb)->gso_segs, 1) : 1;
	unsigned long now = jiffies;

	atomic64_add(segs, &e->pkts[dir]);
	atomic64_add(skb->len, &e->bytes[dir]);
	/* One store a jiffy at most: keep the cache line shared otherwise. */
	if (READ_ONCE(e->last_used) != now)
		WRITE_ONCE(e->last_used, now);
}

/*
 * False when no entry covers @addr's /16 block, so that a lookup (or the
 * hook, for untranslated traffic) ends before any hashing.
 */
static inline bool siitdc_table_may_have4(const struct siitdc_table *t,
					  __be32 addr)
{
	const unsigned long *map = READ_ONCE(t->map4);

	return map && test_bit(ntohl(addr) >> SIITDC_MAP4_SHIFT, map);
}

static inline void siitdc_eam_prefix4(const struct siitdc_eam *e,
				      struct siitdc_prefix4 *p)
{
	p->addr = e->key4.addr;
	p->len = e->key4.len;
}

static inline void siitdc_eam_prefix6(const struct siitdc_eam *e,
				      struct siitdc_prefix6 *p)
{
	p->addr = e->key6.addr;
	p->len = e->key6.len;
}

/*
 * Where an entry maps an address (RFC 7757). The usual single-address entry
 * (/32 <-> /128) maps to its other side as it is: no suffix to move.
 */
static inline void siitdc_eam_map4to6(const struct siitdc_eam *e, __be32 v4,
				      struct in6_addr *out)
{
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;

	if (e->key4.len == 32) {
		*out = e->key6.addr;
		return;
	}
	siitdc_eam_prefix4(e, &p4);
	siitdc_eam_prefix6(e, &p6);
	siitdc_eam_4to6(&p4, &p6, v4, out);
}

static inline __be32 siitdc_eam_map6to4(const struct siitdc_eam *e,
					const struct in6_addr *v6)
{
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;

	if (e->key4.len == 32)
		return e->key4.addr;
	siitdc_eam_prefix4(e, &p4);
	siitdc_eam_prefix6(e, &p6);
	return siitdc_eam_6to4(&p4, &p6, v6);
}

int siitdc_table_cache_init(void);
void siitdc_table_cache_exit(void);
struct siitdc_table *siitdc_table_new(void);
void siitdc_table_free(struct siitdc_table *t);

/* Longest prefix match. Caller holds rcu_read_lock(). */
struct siitdc_eam *siitdc_table_lookup4(struct siitdc_table *t, __be32 addr);
struct siitdc_eam *siitdc_table_lookup6(struct siitdc_table *t,
					const struct in6_addr *addr);
/* Exact prefix. Caller holds rcu_read_lock() or the writer lock. */
struct siitdc_eam *siitdc_table_find4(struct siitdc_table *t,
				      const struct siitdc_prefix4 *p);
struct siitdc_eam *siitdc_table_find6(struct siitdc_table *t,
				      const struct siitdc_prefix6 *p);

/*
 * Writers: caller holds the instance lock. siitdc_table_add() of an entry
 * identical to an existing one (both prefixes) refreshes that one instead:
 * *@refreshed tells which happened, *@out which entry it was.
 */
int siitdc_table_add(struct siitdc_table *t, const struct siitdc_eam_params *p,
		     struct siitdc_eam **out, bool *refreshed,
		     struct netlink_ext_ack *extack);
void siitdc_table_set_ttl(struct siitdc_table *t, struct siitdc_eam *e,
			  u32 ttl);
void siitdc_table_set_expires(struct siitdc_table *t, struct siitdc_eam *e,
			      unsigned long expires);
/* Unlinked entries are invisible to new readers but not freed yet... */
void siitdc_table_unlink(struct siitdc_table *t, struct siitdc_eam *e);
/* ... until freed (after a grace period), or linked back in. */
void siitdc_table_release(struct siitdc_eam *e);
int siitdc_table_relink(struct siitdc_table *t, struct siitdc_eam *e);
void siitdc_table_del(struct siitdc_table *t, struct siitdc_eam *e);
/*
 * @owner NULL: every entry. @fn, if set, sees each entry unlinked but not
 * yet freed: an event it sends never meets a table still holding the entry.
 */
u32 siitdc_table_flush(struct siitdc_table *t, const char *owner,
		       void (*fn)(struct siitdc_eam *e, void *arg), void *arg);
/* Removes expired entries, calling @fn for each as in flush. */
void siitdc_table_expire(struct siitdc_table *t,
			 void (*fn)(struct siitdc_eam *e, void *arg), void *arg);
/* Seconds left (rounded up), or 0 for an entry that never expires. */
u32 siitdc_eam_ttl_left(const struct siitdc_eam *e);

#endif /* _SIITDC_TABLE_H */
