// SPDX-License-Identifier: GPL-2.0
/*
 * siitdc: a stateless IPv4/IPv6 translator (RFC 7915) for SIIT-DC Border
 * Relays (RFC 7755), with Explicit Address Mappings (RFC 7757).
 *
 * This file ties the parts together: one instance per network namespace,
 * created with the namespace and destroyed with it.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "siitdc.h"
#include "table.h"

unsigned int siitdc_net_id __read_mostly;

static int __net_init siitdc_net_init(struct net *net)
{
	struct siitdc_net *sn = siitdc_pernet(net);
	struct siitdc_config *cfg;
	struct siitdc_table *t;

	sn->net = net;
	mutex_init(&sn->lock);
	siitdc_expiry_init(sn);
	sn->stats = alloc_percpu(struct siitdc_stats);
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	t = siitdc_table_new();
	if (!sn->stats || !cfg || !t)
		goto fail;
	siitdc_config_defaults(cfg);
	siitdc_icmp_ratelimit_set(sn, cfg->icmp_ratelimit);
	RCU_INIT_POINTER(sn->config, cfg);
	RCU_INIT_POINTER(sn->table, t);
	return 0;

fail:
	if (t)
		siitdc_table_free(t);
	kfree(cfg);
	free_percpu(sn->stats);
	return -ENOMEM;
}

static void __net_exit siitdc_net_exit(struct net *net)
{
	struct siitdc_net *sn = siitdc_pernet(net);

	/* Unregistering waits for packets in flight in our hooks. */
	mutex_lock(&sn->lock);
	siitdc_hooks_disable(sn);
	mutex_unlock(&sn->lock);
	siitdc_expiry_stop(sn);

	if (sn->staging) {
		siitdc_table_free(sn->staging);
		sn->staging = NULL;
	}
	siitdc_table_free(rcu_dereference_protected(sn->table, true));
	kfree(rcu_dereference_protected(sn->config, true));
	free_percpu(sn->stats);
}

static struct pernet_operations siitdc_net_ops = {
	.init = siitdc_net_init,
	.exit = siitdc_net_exit,
	.id = &siitdc_net_id,
	.size = sizeof(struct siitdc_net),
};

static int __init siitdc_init(void)
{
	int err;

	err = siitdc_table_cache_init();
	if (err)
		return err;
	err = register_pernet_subsys(&siitdc_net_ops);
	if (err)
		goto cache;
	err = siitdc_genl_register();
	if (err)
		goto pernet;
	return 0;

pernet:
	unregister_pernet_subsys(&siitdc_net_ops);
cache:
	rcu_barrier();
	siitdc_table_cache_exit();
	return err;
}

static void __exit siitdc_exit(void)
{
	siitdc_genl_unregister();
	unregister_pernet_subsys(&siitdc_net_ops);
	/* Entries are freed by RCU callbacks in this module: wait for them. */
	rcu_barrier();
	siitdc_table_cache_exit();
}

module_init(siitdc_init);
module_exit(siitdc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SIIT-DC Border Relay: stateless IPv4/IPv6 translation (RFC 7915, 7757, 7755)");
MODULE_AUTHOR("The siitdc developers");
MODULE_VERSION("0.1.0");
MODULE_ALIAS_GENL_FAMILY(SIITDC_GENL_NAME);
