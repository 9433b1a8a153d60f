/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siitdc internals: the per-network-namespace instance and the interfaces
 * between the module's parts (table, translation, hooks, netlink).
 */
#ifndef _SIITDC_H
#define _SIITDC_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/siitdc.h>

#include "core/addr.h"

struct siitdc_table;

/* Settings, replaced as a whole under RCU (readers never see half). */
struct siitdc_config {
	bool pool6_set;
	struct siitdc_prefix6 pool6;
	struct rcu_head rcu;
};

struct siitdc_stats {
	u64 cnt[__SIITDC_STAT_MAX];
};

/* One instance per network namespace. */
struct siitdc_net {
	struct net *net;
	struct siitdc_table __rcu *table;
	struct siitdc_config __rcu *config;
	struct siitdc_stats __percpu *stats;
	/* Serializes writers of table and config, and hook registration. */
	struct mutex lock;
	bool hooks_registered;
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

/* hook.c */
int siitdc_hooks_enable(struct siitdc_net *sn);
void siitdc_hooks_disable(struct siitdc_net *sn);

/* stats.c */
void siitdc_stats_sum(struct siitdc_net *sn, u64 *out);

/* netlink.c */
int siitdc_genl_register(void);
void siitdc_genl_unregister(void);

#endif /* _SIITDC_H */
