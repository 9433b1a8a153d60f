// SPDX-License-Identifier: GPL-2.0
/*
 * Control plane: the "siitdc" generic netlink family. Each handler validates
 * (strict policies, extack on every refusal), then calls the table or
 * changes the configuration under the instance lock.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "siitdc.h"
#include "table.h"

static const struct nla_policy eam_policy[SIITDC_EAM_A_MAX + 1] = {
	[SIITDC_EAM_A_V4_ADDR] = NLA_POLICY_EXACT_LEN(4),
	[SIITDC_EAM_A_V4_LEN] = NLA_POLICY_MAX(NLA_U8, 32),
	[SIITDC_EAM_A_V6_ADDR] = NLA_POLICY_EXACT_LEN(16),
	[SIITDC_EAM_A_V6_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
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
	[SIITDC_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SIITDC_F_FORCE),
	[SIITDC_A_COUNT] = { .type = NLA_REJECT },
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

static int put_eam(struct sk_buff *skb, const struct siitdc_eam *e)
{
	struct nlattr *nest = nla_nest_start(skb, SIITDC_A_EAM);

	if (!nest ||
	    nla_put_in_addr(skb, SIITDC_EAM_A_V4_ADDR, e->key4.addr) ||
	    nla_put_u8(skb, SIITDC_EAM_A_V4_LEN, e->key4.len) ||
	    nla_put_in6_addr(skb, SIITDC_EAM_A_V6_ADDR, &e->key6.addr) ||
	    nla_put_u8(skb, SIITDC_EAM_A_V6_LEN, e->key6.len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int eam_add(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;
	const char *why;
	bool force;
	int err;

	err = parse_eam(info, tb);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[SIITDC_A_EAM], tb,
			      SIITDC_EAM_A_V4_ADDR) ||
	    NL_REQ_ATTR_CHECK(info->extack, info->attrs[SIITDC_A_EAM], tb,
			      SIITDC_EAM_A_V6_ADDR))
		return -EINVAL;
	get_prefix4(tb, &p4);
	get_prefix6(tb, &p6);
	why = siitdc_eam_check(&p4, &p6);
	if (why) {
		set_err(info->extack, info->attrs[SIITDC_A_EAM], why);
		return -EINVAL;
	}
	force = info->attrs[SIITDC_A_FLAGS] &&
		(nla_get_u32(info->attrs[SIITDC_A_FLAGS]) & SIITDC_F_FORCE);

	mutex_lock(&sn->lock);
	err = siitdc_hooks_enable(sn);
	if (err)
		NL_SET_ERR_MSG(info->extack, "could not register netfilter hooks");
	else
		err = siitdc_table_add(siitdc_table_locked(sn), &p4, &p6,
				       force, info->extack);
	mutex_unlock(&sn->lock);
	return err;
}

static int eam_del(struct sk_buff *skb, struct genl_info *info)
{
	struct siitdc_net *sn = info_net(info);
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	struct siitdc_table *t;
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;
	struct siitdc_eam *e;
	const char *why;
	bool by4;
	int err;

	err = parse_eam(info, tb);
	if (err)
		return err;
	by4 = tb[SIITDC_EAM_A_V4_ADDR];
	if (by4 == !!tb[SIITDC_EAM_A_V6_ADDR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SIITDC_A_EAM],
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
		set_err(info->extack, info->attrs[SIITDC_A_EAM], why);
		return -EINVAL;
	}

	mutex_lock(&sn->lock);
	t = siitdc_table_locked(sn);
	e = by4 ? siitdc_table_find4(t, &p4) : siitdc_table_find6(t, &p6);
	if (e) {
		siitdc_table_del(t, e);
	} else {
		NL_SET_ERR_MSG(info->extack, "no entry with this prefix");
		err = -ENOENT;
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
 */
enum { DUMP_STARTED, DUMP_SEQ, DUMP_ADDR4, DUMP_LEN4 };

static struct siitdc_eam *next_entry(struct siitdc_table *t,
				     struct siitdc_eam *e)
{
	return list_next_or_null_rcu(&t->entries, &e->list, struct siitdc_eam,
				     list);
}

static int eam_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct siitdc_net *sn = siitdc_pernet(sock_net(skb->sk));
	struct siitdc_table *t;
	struct siitdc_eam *e;
	int err = 0;

	rcu_read_lock();
	t = rcu_dereference(sn->table);
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
		void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, &siitdc_family,
					NLM_F_MULTI, SIITDC_CMD_EAM_GET);

		if (!hdr || put_eam(skb, e)) {
			if (hdr)
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
	return err ? err : skb->len;
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
	void *hdr;
	u32 n;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &siitdc_family, 0, info->genlhdr->cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&sn->lock);
	n = siitdc_table_flush(siitdc_table_locked(sn));
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
	/* Every command validates strictly. */
	.resv_start_op = SIITDC_CMD_UNSPEC + 1,
};

int __init siitdc_genl_register(void)
{
	return genl_register_family(&siitdc_family);
}

void siitdc_genl_unregister(void)
{
	genl_unregister_family(&siitdc_family);
}
