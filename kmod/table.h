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

struct siitdc_eam {
	struct rhash_head node4;
	struct rhash_head node6;
	struct siitdc_key4 key4;
	struct siitdc_key6 key6;
	/* Insertion order, for dumps; @seq grows along the list. */
	struct list_head list;
	u64 seq;
	struct rcu_head rcu;
};

#define SIITDC_LEN6_WORDS BITS_TO_LONGS(129)

struct siitdc_table {
	struct rhashtable ht4;
	struct rhashtable ht6;
	/* Bit N set: some entry has a prefix of length N. Read locklessly. */
	unsigned long lens4[BITS_TO_LONGS(33)];
	unsigned long lens6[SIITDC_LEN6_WORDS];
	/* Writer-side bookkeeping. */
	u32 nlens4[33];
	u32 nlens6[129];
	struct list_head entries;
	u32 count;
	u64 next_seq;
};

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

/* Writers: caller holds the instance lock. */
int siitdc_table_add(struct siitdc_table *t, const struct siitdc_prefix4 *p4,
		     const struct siitdc_prefix6 *p6, bool force,
		     struct netlink_ext_ack *extack);
void siitdc_table_del(struct siitdc_table *t, struct siitdc_eam *e);
u32 siitdc_table_flush(struct siitdc_table *t);

#endif /* _SIITDC_TABLE_H */
