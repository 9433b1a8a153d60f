/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siitdc internals: the per-network-namespace instance and the interfaces
 * between the module's parts (table, translation, hooks, netlink).
 */
#ifndef _SIITDC_H
#define _SIITDC_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/siitdc.h>

#include "core/addr.h"

struct siitdc_table;

/*
 * Settings, replaced as a whole under RCU (readers never see half). See
 * config.c for defaults and the rules each value obeys.
 */
struct siitdc_config {
	bool pool6_set;
	bool pool6791v4_set;
	bool pool6791v6_set;
	bool zeroize_tc;
	bool override_tos;
	bool random_6791;
	bool icmp_errors;
	u8 tos;
	u8 udp_zero_csum;	/* enum siitdc_udp_zero_csum */
	u8 hairpin;		/* enum siitdc_hairpin */
	u8 nplateaus;
	u8 ndeny4;
	struct siitdc_prefix6 pool6;
	struct siitdc_prefix4 pool6791v4;
	struct siitdc_prefix6 pool6791v6;
	u32 lowest_ipv6_mtu;
	u32 icmp_ratelimit;	/* errors per second, 0: unlimited */
	u16 plateaus[SIITDC_PLATEAUS_MAX];
	struct siitdc_prefix4 deny4[SIITDC_DENYLIST4_MAX];
	struct rcu_head rcu;
};

struct siitdc_stats {
	u64 cnt[__SIITDC_STAT_MAX];
};

/* One instance per network namespace. */
struct siitdc_net {
	struct net *net;
	struct siitdc_table __rcu *table;
	/* A table being built for an atomic replacement, and its builder. */
	struct siitdc_table *staging;
	u32 staging_portid;
	/* Removes expired entries once a second while any have a TTL. */
	struct delayed_work expiry;
	struct siitdc_config __rcu *config;
	struct siitdc_stats __percpu *stats;
	/* Serializes writers of table and config, and hook registration. */
	struct mutex lock;
	bool hooks_registered;
	/* This namespace's hooks: their priv is this instance. */
	struct nf_hook_ops hook_ops[4];
	/* Budget of ICMP errors the BR may generate (icmp-ratelimit). */
	struct ratelimit_state icmp_rs;
};

extern unsigned int siitdc_net_id;

static inline struct siitdc_net *siitdc_pernet(const struct net *net)
{
	return net_generic(net, siitdc_net_id);
}

/* The table, for a writer holding sn->lock. */
static inline struct siitdc_table *siitdc_table_locked(struct siitdc_net *sn)
{
	return rcu_dereference_protected(sn->table, lockdep_is_held(&sn->lock));
}

static inline void siitdc_count(struct siitdc_net *sn, enum siitdc_stat s)
{
	this_cpu_inc(sn->stats->cnt[s]);
}

/* config.c */
struct nlattr;
struct netlink_ext_ack;
void siitdc_config_defaults(struct siitdc_config *cfg);
int siitdc_config_apply(struct siitdc_config *cfg, struct nlattr **tb,
			struct nlattr *nest, struct netlink_ext_ack *extack);
int siitdc_config_fill(struct sk_buff *msg, const struct siitdc_config *cfg);
void siitdc_icmp_ratelimit_set(struct siitdc_net *sn, u32 per_second);

/* expiry.c */
void siitdc_expiry_init(struct siitdc_net *sn);
void siitdc_expiry_kick(struct siitdc_net *sn);
void siitdc_expiry_stop(struct siitdc_net *sn);

/* hook.c */
int siitdc_hooks_enable(struct siitdc_net *sn);
void siitdc_hooks_disable(struct siitdc_net *sn);

/* stats.c */
void siitdc_stats_sum(struct siitdc_net *sn, u64 *out);

/* netlink.c */
struct siitdc_eam;
int siitdc_genl_register(void);
void siitdc_genl_unregister(void);
/* Table events for the "events" multicast group (SIITDC_CMD_EVENT_*). */
void siitdc_notify_eam(struct siitdc_net *sn, u8 cmd,
		       const struct siitdc_eam *e);
void siitdc_notify_count(struct siitdc_net *sn, u8 cmd, u32 count);

#endif /* _SIITDC_H */
