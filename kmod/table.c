// SPDX-License-Identifier: GPL-2.0
/*
 * EAM table: RCU-read, mutex-written. A lookup costs one hash probe per
 * distinct prefix length in use, whatever the number of entries, so the
 * common table of single addresses (/32 <-> /128) costs one probe a packet.
 */
#include <linux/slab.h>

#include "table.h"

static const struct rhashtable_params ht4_params = {
	.head_offset = offsetof(struct siitdc_eam, node4),
	.key_offset = offsetof(struct siitdc_eam, key4),
	.key_len = sizeof(struct siitdc_key4),
	.automatic_shrinking = true,
};

static const struct rhashtable_params ht6_params = {
	.head_offset = offsetof(struct siitdc_eam, node6),
	.key_offset = offsetof(struct siitdc_eam, key6),
	.key_len = sizeof(struct siitdc_key6),
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

int siitdc_table_add(struct siitdc_table *t, const struct siitdc_prefix4 *p4,
		     const struct siitdc_prefix6 *p6, bool force,
		     struct netlink_ext_ack *extack)
{
	struct siitdc_eam *e;
	int err;

	err = check_overlap(t, p4, p6, force, extack);
	if (err)
		return err;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	key4_init(&e->key4, p4->addr, p4->len);
	key6_init(&e->key6, &p6->addr, p6->len);
	e->seq = t->next_seq++;

	err = rhashtable_insert_fast(&t->ht4, &e->node4, ht4_params);
	if (err)
		goto free;
	err = rhashtable_insert_fast(&t->ht6, &e->node6, ht6_params);
	if (err)
		goto unhash4;
	list_add_tail_rcu(&e->list, &t->entries);
	lens_get(t->lens4, t->nlens4, p4->len);
	lens_get(t->lens6, t->nlens6, p6->len);
	t->count++;
	return 0;

unhash4:
	rhashtable_remove_fast(&t->ht4, &e->node4, ht4_params);
free:
	/* Never published to readers? ht4 was: wait for them. */
	kfree_rcu(e, rcu);
	NL_SET_ERR_MSG(extack, "could not insert the entry");
	return err;
}

void siitdc_table_del(struct siitdc_table *t, struct siitdc_eam *e)
{
	rhashtable_remove_fast(&t->ht4, &e->node4, ht4_params);
	rhashtable_remove_fast(&t->ht6, &e->node6, ht6_params);
	list_del_rcu(&e->list);
	lens_put(t->lens4, t->nlens4, e->key4.len);
	lens_put(t->lens6, t->nlens6, e->key6.len);
	t->count--;
	kfree_rcu(e, rcu);
}

u32 siitdc_table_flush(struct siitdc_table *t)
{
	struct siitdc_eam *e, *tmp;
	u32 n = 0;

	list_for_each_entry_safe(e, tmp, &t->entries, list) {
		siitdc_table_del(t, e);
		n++;
		cond_resched();
	}
	return n;
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
	siitdc_table_flush(t);
	rhashtable_destroy(&t->ht4);
	rhashtable_destroy(&t->ht6);
	kfree(t);
}
