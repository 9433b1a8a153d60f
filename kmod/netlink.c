// SPDX-License-Identifier: GPL-2.0
/*
 * Control plane: the "siitdc" generic netlink family. Each handler validates
 * (strict policies, extack on every refusal), then calls the table or
 * changes the configuration under the instance lock.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "siitdc.h"
#include "table.h"

static const struct nla_policy eam_policy[SIITDC_EAM_A_MAX + 1] = {
	[SIITDC_EAM_A_V4_ADDR] = NLA_POLICY_EXACT_LEN(4),
	[SIITDC_EAM_A_V4_LEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[SIITDC_EAM_A_V6_ADDR] = NLA_POLICY_EXACT_LEN(16),
	[SIITDC_EAM_A_V6_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[SIITDC_EAM_A_TTL] = { .type = NLA_U32 },
	[SIITDC_EAM_A_GRACE] = { .type = NLA_U32 },
	[SIITDC_EAM_A_OWNER] = { .type = NLA_NUL_STRING,
				 .len = SIITDC_OWNER_MAX - 1 },
	[SIITDC_EAM_A_SOURCE] = NLA_POLICY_MAX(NLA_U8, SIITDC_SOURCE_CONTAINER),
	[SIITDC_EAM_A_OP] = NLA_POLICY_MAX(NLA_U8, SIITDC_OP_REFRESH),
	[SIITDC_EAM_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SIITDC_F_FORCE),
	[SIITDC_EAM_A_PKTS_4TO6] = { .type = NLA_REJECT },
	[SIITDC_EAM_A_BYTES_4TO6] = { .type = NLA_REJECT },
	[SIITDC_EAM_A_PKTS_6TO4] = { .type = NLA_REJECT },
	[SIITDC_EAM_A_BYTES_6TO4] = { .type = NLA_REJECT },
	[SIITDC_EAM_A_IDLE_MS] = { .type = NLA_REJECT },
	[SIITDC_EAM_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy cfg_policy[SIITDC_CFG_A_MAX + 1] = {
	[SIITDC_CFG_A_POOL6_ADDR] = NLA_POLICY_EXACT_LEN(16),
	[SIITDC_CFG_A_POOL6_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[SIITDC_CFG_A_POOL6_CLEAR] = { .type = NLA_FLAG },
	[SIITDC_CFG_A_EAM_COUNT] = { .type = NLA_REJECT },
	[SIITDC_CFG_A_POOL6791V4_ADDR] = NLA_POLICY_EXACT_LEN(4),
	[SIITDC_CFG_A_POOL6791V4_LEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[SIITDC_CFG_A_POOL6791V4_CLEAR] = { .type = NLA_FLAG },
	[SIITDC_CFG_A_POOL6791V6_ADDR] = NLA_POLICY_EXACT_LEN(16),
	[SIITDC_CFG_A_POOL6791V6_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[SIITDC_CFG_A_POOL6791V6_CLEAR] = { .type = NLA_FLAG },
	[SIITDC_CFG_A_LOWEST_IPV6_MTU] = NLA_POLICY_MIN(NLA_U32, 1280),
	[SIITDC_CFG_A_MTU_PLATEAUS] = { .type = NLA_BINARY,
					.len = SIITDC_PLATEAUS_MAX * sizeof(u16) },
	[SIITDC_CFG_A_ZEROIZE_TC] = NLA_POLICY_MAX(NLA_U8, 1),
	[SIITDC_CFG_A_OVERRIDE_TOS] = NLA_POLICY_MAX(NLA_U8, 1),
	[SIITDC_CFG_A_TOS] = { .type = NLA_U8 },
	[SIITDC_CFG_A_UDP_ZERO_CSUM] =
		NLA_POLICY_MAX(NLA_U8, SIITDC_UDP_ZERO_CSUM_COMPUTE),
	[SIITDC_CFG_A_HAIRPIN] = NLA_POLICY_MAX(NLA_U8, SIITDC_HAIRPIN_INTRINSIC),
	[SIITDC_CFG_A_RANDOM_6791] = NLA_POLICY_MAX(NLA_U8, 1),
	[SIITDC_CFG_A_ICMP_ERRORS] = NLA_POLICY_MAX(NLA_U8, 1),
	[SIITDC_CFG_A_ICMP_RATELIMIT] = { .type = NLA_U32 },
	[SIITDC_CFG_A_DENYLIST4] = {
		.type = NLA_BINARY,
		.len = SIITDC_DENYLIST4_MAX * sizeof(struct siitdc_prefix4_wire),
	},
};

static const struct nla_policy siitdc_policy[SIITDC_A_MAX + 1] = {
	[SIITDC_A_EAM] = NLA_POLICY_NESTED(eam_policy),
	[SIITDC_A_CONFIG] = NLA_POLICY_NESTED(cfg_policy),
	[SIITDC_A_STATS] = { .type = NLA_REJECT },
	[SIITDC_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SIITDC_F_FORCE | SIITDC_F_STAGED),
	[SIITDC_A_COUNT] = { .type = NLA_REJECT },
	[SIITDC_A_RESULTS] = { .type = NLA_REJECT },
	[SIITDC_A_PAD] = { .type = NLA_REJECT },
};

static struct genl_family siitdc_family;

/* The core's reasons are static strings, as extack messages must be. */
static void set_err(struct netlink_ext_ack *extack, const struct nlattr *attr,
		    const char *msg)
{
	if (!extack)
		return;
	extack->_msg = msg;
	extack->bad_attr = attr;
}

static struct siitdc_net *info_net(struct genl_info *info)
{
	return siitdc_pernet(genl_info_net(info));
}

/* The nested EAM attribute, parsed; NULL (and extack set) if absent. */
static int parse_eam(struct genl_info *info, struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, SIITDC_A_EAM))
		return -EINVAL;
	return nla_parse_nested(tb, SIITDC_EAM_A_MAX, info->attrs[SIITDC_A_EAM],
				eam_policy, info->extack);
}

static void get_prefix4(struct nlattr **tb, struct siitdc_prefix4 *p)
{
	p->addr = nla_get_in_addr(tb[SIITDC_EAM_A_V4_ADDR]);
	p->len = tb[SIITDC_EAM_A_V4_LEN] ?
		 nla_get_u8(tb[SIITDC_EAM_A_V4_LEN]) : 32;
}

static void get_prefix6(struct nlattr **tb, struct siitdc_prefix6 *p)
{
	p->addr = nla_get_in6_addr(tb[SIITDC_EAM_A_V6_ADDR]);
	p->len = tb[SIITDC_EAM_A_V6_LEN] ?
		 nla_get_u8(tb[SIITDC_EAM_A_V6_LEN]) : 128;
}

static int put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, SIITDC_EAM_A_PAD);
}

static int put_eam(struct sk_buff *skb, const struct siitdc_eam *e)
{
	struct nlattr *nest = nla_nest_start(skb, SIITDC_A_EAM);
	unsigned long used = READ_ONCE(e->last_used);

	if (!nest ||
	    nla_put_in_addr(skb, SIITDC_EAM_A_V4_ADDR, e->key4.addr) ||
	    nla_put_u8(skb, SIITDC_EAM_A_V4_LEN, e->key4.len) ||
	    nla_put_in6_addr(skb, SIITDC_EAM_A_V6_ADDR, &e->key6.addr) ||
	    nla_put_u8(skb, SIITDC_EAM_A_V6_LEN, e->key6.len) ||
	    (e->expires &&
	     nla_put_u32(skb, SIITDC_EAM_A_TTL, siitdc_eam_ttl_left(e))) ||
	    (e->grace && nla_put_u32(skb, SIITDC_EAM_A_GRACE, e->grace)) ||
	    (e->owner[0] && nla_put_string(skb, SIITDC_EAM_A_OWNER, e->owner)) ||
	    nla_put_u8(skb, SIITDC_EAM_A_SOURCE, e->source) ||
	    put_u64(skb, SIITDC_EAM_A_PKTS_4TO6,
		    atomic64_read(&e->pkts[SIITDC_DIR_4TO6])) ||
	    put_u64(skb, SIITDC_EAM_A_BYTES_4TO6,
		    atomic64_read(&e->bytes[SIITDC_DIR_4TO6])) ||
	    put_u64(skb, SIITDC_EAM_A_PKTS_6TO4,
		    atomic64_read(&e->pkts[SIITDC_DIR_6TO4])) ||
	    put_u64(skb, SIITDC_EAM_A_BYTES_6TO4,
		    atomic64_read(&e->bytes[SIITDC_DIR_6TO4])) ||
	    (used && put_u64(skb, SIITDC_EAM_A_IDLE_MS,
			     jiffies_to_msecs(jiffies - used)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The entry parameters of an add (or a batch add): both prefixes needed. */
static int get_params(struct nlattr *nest, struct nlattr **tb,
		      struct siitdc_eam_params *p, struct netlink_ext_ack *extack)
{
	const char *why;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, SIITDC_EAM_A_V4_ADDR) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, SIITDC_EAM_A_V6_ADDR))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	get_prefix4(tb, &p->p4);
	get_prefix6(tb, &p->p6);
	why = siitdc_eam_check(&p->p4, &p->p6);
	if (why) {
		set_err(extack, nest, why);
		return -EINVAL;
	}
	if (tb[SIITDC_EAM_A_TTL])
		p->ttl = nla_get_u32(tb[SIITDC_EAM_A_TTL]);
	if (tb[SIITDC_EAM_A_GRACE])
		p->grace = nla_get_u32(tb[SIITDC_EAM_A_GRACE]);
	if (tb[SIITDC_EAM_A_OWNER])
		p->owner = nla_data(tb[SIITDC_EAM_A_OWNER]);
	if (tb[SIITDC_EAM_A_SOURCE])
		p->source = nla_get_u8(tb[SIITDC_EAM_A_SOURCE]);
	if (tb[SIITDC_EAM_A_FLAGS])
		p->force = nla_get_u32(tb[SIITDC_EAM_A_FLAGS]) & SIITDC_F_FORCE;
	return 0;
}

/* The one entry a delete or refresh names, by its IPv4 or its IPv6 prefix. */
static int find_named(struct siitdc_table *t, struct nlattr *nest,
		      struct nlattr **tb, struct siitdc_eam **out,
		      struct netlink_ext_ack *extack)
{
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;
	const char *why;
	bool by4;

	by4 = tb[SIITDC_EAM_A_V4_ADDR];
	if (by4 == !!tb[SIITDC_EAM_A_V6_ADDR]) {
		set_err(extack, nest,
			"give either the IPv4 or the IPv6 prefix of the entry");
		return -EINVAL;
	}
	if (by4) {
		get_prefix4(tb, &p4);
		why = siitdc_prefix4_check(&p4);
	} else {
		get_prefix6(tb, &p6);
		why = siitdc_prefix6_check(&p6);
	}
	if (why) {
		set_err(extack, nest, why);
		return -EINVAL;
	}
	*out = by4 ? siitdc_table_find4(t, &p4) : siitdc_table_find6(t, &p6);
	if (!*out) {
		NL_SET_ERR_MSG(extack, "no entry with this prefix");
		return -ENOENT;
	}
	return 0;
}

static int eam_add(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	struct siitdc_eam_params p;
	struct siitdc_eam *e;
	bool refreshed;
	int err;

	err = parse_eam(info, tb);
	if (err)
		return err;
	err = get_params(info->attrs[SIITDC_A_EAM], tb, &p, info->extack);
	if (err)
		return err;
	if (info->attrs[SIITDC_A_FLAGS] &&
	    (nla_get_u32(info->attrs[SIITDC_A_FLAGS]) & SIITDC_F_FORCE))
		p.force = true;

	mutex_lock(&sn->lock);
	err = siitdc_hooks_enable(sn);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "could not register netfilter hooks");
		goto unlock;
	}
	err = siitdc_table_add(siitdc_table_locked(sn), &p, &e, &refreshed,
			       info->extack);
	if (err)
		goto unlock;
	siitdc_notify_eam(sn, refreshed ? SIITDC_CMD_EVENT_REFRESH :
					  SIITDC_CMD_EVENT_ADD, e);
	siitdc_expiry_kick(sn);
unlock:
	mutex_unlock(&sn->lock);
	return err;
}

static int eam_del(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	struct siitdc_table *t;
	struct siitdc_eam *e;
	int err;

	err = parse_eam(info, tb);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	t = siitdc_table_locked(sn);
	err = find_named(t, info->attrs[SIITDC_A_EAM], tb, &e, info->extack);
	if (!err) {
		/* Announced once gone: a lookup the event prompts misses it. */
		siitdc_table_unlink(t, e);
		siitdc_notify_eam(sn, SIITDC_CMD_EVENT_DEL, e);
		siitdc_table_release(e);
	}
	mutex_unlock(&sn->lock);
	return err;
}

static int eam_get(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	struct siitdc_table *t;
	struct siitdc_eam *e;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = parse_eam(info, tb);
	if (err)
		return err;
	if (!!tb[SIITDC_EAM_A_V4_ADDR] == !!tb[SIITDC_EAM_A_V6_ADDR] ||
	    tb[SIITDC_EAM_A_V4_LEN] || tb[SIITDC_EAM_A_V6_LEN]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SIITDC_A_EAM],
				    "give one IPv4 or IPv6 address, without a length");
		return -EINVAL;
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &siitdc_family, 0, info->genlhdr->cmd);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}

	rcu_read_lock();
	t = rcu_dereference(sn->table);
	if (tb[SIITDC_EAM_A_V4_ADDR])
		e = siitdc_table_lookup4(t, nla_get_in_addr(tb[SIITDC_EAM_A_V4_ADDR]));
	else
		e = siitdc_table_lookup6(t, nla_data(tb[SIITDC_EAM_A_V6_ADDR]));
	err = e ? put_eam(msg, e) : -ENOENT;
	rcu_read_unlock();
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no entry translates this address");
		goto free;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

free:
	nlmsg_free(msg);
	return err;
}

/*
 * Dump cursor: the insertion sequence number and IPv4 key of the last entry
 * sent. If that entry is still there we go on from it; if it was deleted,
 * the entries after it are found by sequence number (the list is ordered by
 * it). Either way no entry present for the whole dump is lost or repeated.
 * A table replaced meanwhile marks the dump interrupted (NLM_F_DUMP_INTR).
 */
enum { DUMP_STARTED, DUMP_SEQ, DUMP_ADDR4, DUMP_LEN4 };

static struct siitdc_eam *next_entry(struct siitdc_table *t,
				     struct siitdc_eam *e)
{
	return list_next_or_null_rcu(&t->entries, &e->list, struct siitdc_eam,
				     list);
}

/* The owner a dump or flush is limited to, or NULL. */
static const char *owner_filter(struct nlattr **attrs,
				struct netlink_ext_ack *extack, int *err)
{
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];

	*err = 0;
	if (!attrs || !attrs[SIITDC_A_EAM])
		return NULL;
	*err = nla_parse_nested(tb, SIITDC_EAM_A_MAX, attrs[SIITDC_A_EAM],
				eam_policy, extack);
	if (*err)
		return NULL;
	return tb[SIITDC_EAM_A_OWNER] ? nla_data(tb[SIITDC_EAM_A_OWNER]) : NULL;
}

static int eam_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct siitdc_net *sn = siitdc_pernet(sock_net(skb->sk));
	struct siitdc_table *t;
	struct siitdc_eam *e;
	const char *owner;
	int err;

	owner = owner_filter(siitdc_dump_attrs(cb), cb->extack, &err);
	if (err)
		return err;

	rcu_read_lock();
	t = rcu_dereference(sn->table);
	cb->seq = t->id;
	e = list_first_or_null_rcu(&t->entries, struct siitdc_eam, list);
	if (cb->args[DUMP_STARTED]) {
		struct siitdc_prefix4 last = {
			.addr = (__force __be32)(u32)cb->args[DUMP_ADDR4],
			.len = cb->args[DUMP_LEN4],
		};
		struct siitdc_eam *prev = siitdc_table_find4(t, &last);

		if (prev && prev->seq == cb->args[DUMP_SEQ]) {
			e = next_entry(t, prev);
		} else {
			while (e && e->seq <= cb->args[DUMP_SEQ])
				e = next_entry(t, e);
		}
	}

	for (; e; e = next_entry(t, e)) {
		void *hdr;

		if (owner && strcmp(owner, e->owner))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &siitdc_family,
				  NLM_F_MULTI, SIITDC_CMD_EAM_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (put_eam(skb, e)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[DUMP_STARTED] = 1;
		cb->args[DUMP_SEQ] = e->seq;
		cb->args[DUMP_ADDR4] = (__force u32)e->key4.addr;
		cb->args[DUMP_LEN4] = e->key4.len;
	}
	rcu_read_unlock();
	return skb->len;
}

/*
 * EAM_BATCH: operations applied in order, all or nothing. Each applied one
 * leaves an undo record; if one fails, the earlier ones are undone in
 * reverse order. Deleted entries stay unlinked (invisible, not freed) until
 * the batch has succeeded, so undoing a delete cannot fail for memory.
 */
struct undo {
	struct siitdc_eam *e;
	enum { UNDO_ADDED, UNDO_REFRESHED, UNDO_UNLINKED } what;
	u8 cmd;				/* event to announce on success */
	u8 source;
	unsigned long expires;
	u32 grace;
	char owner[SIITDC_OWNER_MAX];
};

static void save_state(struct undo *u, struct siitdc_eam *e)
{
	u->e = e;
	u->expires = e->expires;
	u->grace = e->grace;
	u->source = e->source;
	memcpy(u->owner, e->owner, sizeof(u->owner));
}

static int batch_op(struct siitdc_table *t, struct nlattr *nest,
		    struct undo *u, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	struct siitdc_eam_params p;
	struct siitdc_eam *e, *same;
	bool refreshed;
	int err;

	err = nla_parse_nested(tb, SIITDC_EAM_A_MAX, nest, eam_policy, extack);
	if (err)
		return err;
	switch (tb[SIITDC_EAM_A_OP] ? nla_get_u8(tb[SIITDC_EAM_A_OP]) :
				      SIITDC_OP_ADD) {
	case SIITDC_OP_ADD:
		err = get_params(nest, tb, &p, extack);
		if (err)
			return err;
		same = siitdc_table_find4(t, &p.p4);
		if (same)
			save_state(u, same);
		err = siitdc_table_add(t, &p, &e, &refreshed, extack);
		if (err)
			return err;
		u->e = e;
		u->what = refreshed ? UNDO_REFRESHED : UNDO_ADDED;
		u->cmd = refreshed ? SIITDC_CMD_EVENT_REFRESH :
				     SIITDC_CMD_EVENT_ADD;
		return 0;
	case SIITDC_OP_DEL:
		err = find_named(t, nest, tb, &e, extack);
		if (err)
			return err;
		siitdc_table_unlink(t, e);
		u->e = e;
		u->what = UNDO_UNLINKED;
		u->cmd = SIITDC_CMD_EVENT_DEL;
		return 0;
	default:	/* SIITDC_OP_REFRESH */
		if (NL_REQ_ATTR_CHECK(extack, nest, tb, SIITDC_EAM_A_TTL))
			return -EINVAL;
		err = find_named(t, nest, tb, &e, extack);
		if (err)
			return err;
		save_state(u, e);
		siitdc_table_set_ttl(t, e, nla_get_u32(tb[SIITDC_EAM_A_TTL]));
		if (tb[SIITDC_EAM_A_GRACE])
			e->grace = nla_get_u32(tb[SIITDC_EAM_A_GRACE]);
		u->what = UNDO_REFRESHED;
		u->cmd = SIITDC_CMD_EVENT_REFRESH;
		return 0;
	}
}

static void batch_undo(struct siitdc_table *t, struct undo *u)
{
	switch (u->what) {
	case UNDO_ADDED:
		siitdc_table_del(t, u->e);
		break;
	case UNDO_REFRESHED:
		siitdc_table_set_expires(t, u->e, u->expires);
		u->e->grace = u->grace;
		u->e->source = u->source;
		memcpy(u->e->owner, u->owner, sizeof(u->owner));
		break;
	case UNDO_UNLINKED:
		/* Its hash buckets' memory was never given back. */
		WARN_ON_ONCE(siitdc_table_relink(t, u->e));
		break;
	}
}

static int batch_reply(struct genl_info *info, const s32 *results,
		       unsigned int n, u32 applied)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(n * sizeof(s32)) + 64, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &siitdc_family, 0, info->genlhdr->cmd);
	if (!hdr ||
	    nla_put(msg, SIITDC_A_RESULTS, n * sizeof(s32), results) ||
	    nla_put_u32(msg, SIITDC_A_COUNT, applied)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* The table a batch works on: the live one, or the one being built. */
static struct siitdc_table *batch_table(struct siitdc_net *sn,
					struct genl_info *info, bool staged)
{
	if (!staged)
		return siitdc_table_locked(sn);
	if (!sn->staging || sn->staging_portid != info->snd_portid) {
		NL_SET_ERR_MSG(info->extack,
			       "no table replacement begun by this socket");
		return NULL;
	}
	return sn->staging;
}

static int eam_batch(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	bool staged = info->attrs[SIITDC_A_FLAGS] &&
		      (nla_get_u32(info->attrs[SIITDC_A_FLAGS]) & SIITDC_F_STAGED);
	unsigned int n = 0, i = 0, j;
	struct siitdc_table *t;
	struct undo *undo;
	bool ran = false;
	struct nlattr *a;
	s32 *results;
	int rem, err = 0;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(a) == SIITDC_A_EAM;
	if (!n || n > SIITDC_BATCH_MAX) {
		NL_SET_ERR_MSG(info->extack, "a batch holds 1 to 4096 operations");
		return -EINVAL;
	}
	undo = kvcalloc(n, sizeof(*undo), GFP_KERNEL);
	results = kvcalloc(n, sizeof(*results), GFP_KERNEL);
	if (!undo || !results) {
		err = -ENOMEM;
		goto free;
	}

	mutex_lock(&sn->lock);
	t = batch_table(sn, info, staged);
	if (!t) {
		err = -EBUSY;
		goto unlock;
	}
	err = staged ? 0 : siitdc_hooks_enable(sn);
	if (err)
		goto unlock;
	ran = true;
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != SIITDC_A_EAM)
			continue;
		err = batch_op(t, a, &undo[i], info->extack);
		if (err)
			break;
		i++;
	}
	if (err) {
		for (j = 0; j < n; j++)
			results[j] = -ECANCELED;
		results[i] = err;
		while (i--)
			batch_undo(t, &undo[i]);
		goto unlock;
	}
	for (j = 0; j < n; j++) {
		if (!staged)
			siitdc_notify_eam(sn, undo[j].cmd, undo[j].e);
		if (undo[j].what == UNDO_UNLINKED)
			siitdc_table_release(undo[j].e);
	}
	if (!staged)
		siitdc_expiry_kick(sn);
unlock:
	mutex_unlock(&sn->lock);
	/* Per-operation results, then the error (with extack) if any. */
	if (ran)
		batch_reply(info, results, n, err ? 0 : n);
free:
	kvfree(undo);
	kvfree(results);
	return err;
}

static int replace_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct siitdc_table *t = siitdc_table_new();

	if (!t)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	if (sn->staging)
		siitdc_table_free(sn->staging);
	sn->staging = t;
	sn->staging_portid = info->snd_portid;
	mutex_unlock(&sn->lock);
	return 0;
}

static int replace_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct siitdc_table *old, *new;
	int err;

	mutex_lock(&sn->lock);
	new = batch_table(sn, info, true);
	if (!new) {
		mutex_unlock(&sn->lock);
		return -ENOENT;
	}
	err = siitdc_hooks_enable(sn);
	if (err) {
		mutex_unlock(&sn->lock);
		return err;
	}
	old = siitdc_table_locked(sn);
	rcu_assign_pointer(sn->table, new);
	sn->staging = NULL;
	siitdc_notify_count(sn, SIITDC_CMD_EVENT_REPLACE, new->count);
	siitdc_expiry_kick(sn);
	mutex_unlock(&sn->lock);

	/* One grace period for the whole table, not one per entry. */
	synchronize_rcu();
	siitdc_table_free(old);
	return 0;
}

static int replace_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct siitdc_table *t;

	mutex_lock(&sn->lock);
	t = batch_table(sn, info, true);
	if (t) {
		siitdc_table_free(t);
		sn->staging = NULL;
	}
	mutex_unlock(&sn->lock);
	return t ? 0 : -ENOENT;
}

static const struct genl_multicast_group siitdc_mcgrps[] = {
	{ .name = SIITDC_MCGRP_EVENTS },
};

void siitdc_notify_eam(struct siitdc_net *sn, u8 cmd,
		       const struct siitdc_eam *e)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&siitdc_family, sn->net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &siitdc_family, 0, cmd);
	if (!hdr || put_eam(msg, e)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&siitdc_family, sn->net, msg, 0, 0, GFP_KERNEL);
}

void siitdc_notify_count(struct siitdc_net *sn, u8 cmd, u32 count)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&siitdc_family, sn->net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &siitdc_family, 0, cmd);
	if (!hdr || nla_put_u32(msg, SIITDC_A_COUNT, count)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&siitdc_family, sn->net, msg, 0, 0, GFP_KERNEL);
}

static int reply_simple(struct genl_info *info,
			int (*fill)(struct sk_buff *, struct siitdc_net *))
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &siitdc_family, 0, info->genlhdr->cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = fill(msg, info_net(info));
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int eam_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct sk_buff *msg;
	const char *owner;
	void *hdr;
	int err;
	u32 n;

	owner = owner_filter(info->attrs, info->extack, &err);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &siitdc_family, 0, info->genlhdr->cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&sn->lock);
	n = siitdc_table_flush(siitdc_table_locked(sn), owner, NULL, NULL);
	siitdc_notify_count(sn, SIITDC_CMD_EVENT_FLUSH, n);
	mutex_unlock(&sn->lock);
	if (nla_put_u32(msg, SIITDC_A_COUNT, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int fill_config(struct sk_buff *msg, struct siitdc_net *sn)
{
	struct nlattr *nest;
	int err;

	nest = nla_nest_start(msg, SIITDC_A_CONFIG);
	if (!nest)
		return -EMSGSIZE;
	rcu_read_lock();
	err = siitdc_config_fill(msg, rcu_dereference(sn->config));
	if (!err && nla_put_u32(msg, SIITDC_CFG_A_EAM_COUNT,
				READ_ONCE(rcu_dereference(sn->table)->count)))
		err = -EMSGSIZE;
	rcu_read_unlock();
	if (err)
		nla_nest_cancel(msg, nest);
	else
		nla_nest_end(msg, nest);
	return err;
}

static int config_get(struct sk_buff *skb, struct genl_info *info)
{
	return reply_simple(info, fill_config);
}

static int config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct nlattr *tb[SIITDC_CFG_A_MAX + 1];
	struct siitdc_config *new, *old;
	struct nlattr *nest;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, SIITDC_A_CONFIG))
		return -EINVAL;
	nest = info->attrs[SIITDC_A_CONFIG];
	err = nla_parse_nested(tb, SIITDC_CFG_A_MAX, nest, cfg_policy,
			       info->extack);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	old = rcu_dereference_protected(sn->config, lockdep_is_held(&sn->lock));
	new = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (!new) {
		err = -ENOMEM;
		goto unlock;
	}
	err = siitdc_config_apply(new, tb, nest, info->extack);
	if (err)
		goto free;
	err = siitdc_hooks_enable(sn);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "could not register netfilter hooks");
		goto free;
	}
	if (new->icmp_ratelimit != old->icmp_ratelimit)
		siitdc_icmp_ratelimit_set(sn, new->icmp_ratelimit);
	rcu_assign_pointer(sn->config, new);
	kfree_rcu(old, rcu);
	goto unlock;

free:
	kfree(new);
unlock:
	mutex_unlock(&sn->lock);
	return err;
}

static int fill_stats(struct sk_buff *msg, struct siitdc_net *sn)
{
	u64 sum[__SIITDC_STAT_MAX];
	struct nlattr *nest;
	int i;

	siitdc_stats_sum(sn, sum);
	nest = nla_nest_start(msg, SIITDC_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = SIITDC_STAT_UNSPEC + 1; i < __SIITDC_STAT_MAX; i++) {
		if (nla_put_u64_64bit(msg, i, sum[i], SIITDC_STAT_UNSPEC)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return reply_simple(info, fill_stats);
}

static const struct genl_small_ops siitdc_ops[] = {
	{
		.cmd = SIITDC_CMD_EAM_ADD,
		.doit = eam_add,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIITDC_CMD_EAM_DEL,
		.doit = eam_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIITDC_CMD_EAM_GET,
		.doit = eam_get,
		.dumpit = eam_dump,
	},
	{
		.cmd = SIITDC_CMD_EAM_FLUSH,
		.doit = eam_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIITDC_CMD_CONFIG_GET,
		.doit = config_get,
	},
	{
		.cmd = SIITDC_CMD_CONFIG_SET,
		.doit = config_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIITDC_CMD_STATS_GET,
		.doit = stats_get,
	},
	{
		.cmd = SIITDC_CMD_EAM_BATCH,
		.doit = eam_batch,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIITDC_CMD_REPLACE_BEGIN,
		.doit = replace_begin,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIITDC_CMD_REPLACE_COMMIT,
		.doit = replace_commit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIITDC_CMD_REPLACE_ABORT,
		.doit = replace_abort,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family siitdc_family __ro_after_init = {
	.name = SIITDC_GENL_NAME,
	.version = SIITDC_GENL_VERSION,
	.maxattr = SIITDC_A_MAX,
	.policy = siitdc_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = siitdc_ops,
	.n_small_ops = ARRAY_SIZE(siitdc_ops),
	.mcgrps = siitdc_mcgrps,
	.n_mcgrps = ARRAY_SIZE(siitdc_mcgrps),
	/* Every command validates strictly. */
	.resv_start_op = SIITDC_CMD_UNSPEC + 1,
};

/* A socket that began a table replacement and went away abandons it. */
static int release_notify(struct notifier_block *nb, unsigned long event,
			  void *ptr)
{
	struct netlink_notify *n = ptr;
	struct siitdc_net *sn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	sn = siitdc_pernet(n->net);
	mutex_lock(&sn->lock);
	if (sn->staging && sn->staging_portid == n->portid) {
		siitdc_table_free(sn->staging);
		sn->staging = NULL;
	}
	mutex_unlock(&sn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block release_nb = {
	.notifier_call = release_notify,
};

int __init siitdc_genl_register(void)
{
	int err = netlink_register_notifier(&release_nb);

	if (err)
		return err;
	err = genl_register_family(&siitdc_family);
	if (err)
		netlink_unregister_notifier(&release_nb);
	return err;
}

void siitdc_genl_unregister(void)
{
	genl_unregister_family(&siitdc_family);
	netlink_unregister_notifier(&release_nb);
}
