// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter glue: PRE_ROUTING hooks per network namespace hand each packet
 * to the translator; a translated packet then takes the other family's own
 * route lookup and input path (forwarding, so its FORWARD and POSTROUTING
 * hooks, hop-limit and MTU handling; or local delivery).
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/dst.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>

#include "compat.h"
#include "xlat.h"

/*
 * Before connection tracking's defragmentation (-400): a stateless translator
 * sees fragments as they come (RFC 7915), and conntrack of the original
 * family never sees packets it could not follow anyway.
 */
#define SIITDC_HOOK_PRIORITY	(-450)

static void input6(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct net *net = dev_net(skb->dev);
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.flowi6_mark = skb->mark,
		.flowi6_proto = ip6h->nexthdr,
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowlabel = ip6_flowinfo(ip6h),
	};
	struct dst_entry *dst;

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	IP6CB(skb)->iif = skb->dev->ifindex;
	IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);

	dst = ip6_route_input_lookup(net, skb->dev, &fl6, skb,
				     RT6_LOOKUP_F_HAS_SADDR);
	skb_dst_set(skb, dst);
	dst_input(skb);
}

static bool input4(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	IPCB(skb)->iif = skb->skb_iif;
	if (siitdc_ip_route_input(skb, iph->daddr, iph->saddr, iph->tos,
				  skb->dev))
		return false;
	dst_input(skb);
	return true;
}

/* The packet's conntrack entry, if any, was its old family's. */
static void forget_old_family(struct sk_buff *skb)
{
	nf_reset_ct(skb);
	skb_dst_drop(skb);
}

static unsigned int hook4(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	struct siitdc_net *sn = siitdc_pernet(state->net);

	switch (siitdc_xlat_4to6(sn, skb)) {
	case SIITDC_PASS:
		return NF_ACCEPT;
	case SIITDC_DROP:
		return NF_DROP;
	case SIITDC_TTL_EXPIRED:
		/* icmp_send() wants the packet routed, as ip_forward() has it. */
		if (!siitdc_ip_route_input(skb, ip_hdr(skb)->daddr,
					   ip_hdr(skb)->saddr, ip_hdr(skb)->tos,
					   skb->dev))
			icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		return NF_DROP;
	case SIITDC_XLATED:
		break;
	}
	forget_old_family(skb);
	input6(skb);
	return NF_STOLEN;
}

static unsigned int hook6(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	struct siitdc_net *sn = siitdc_pernet(state->net);

	switch (siitdc_xlat_6to4(sn, skb)) {
	case SIITDC_PASS:
		return NF_ACCEPT;
	case SIITDC_DROP:
		return NF_DROP;
	case SIITDC_TTL_EXPIRED:
		icmpv6_send(skb, ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0);
		return NF_DROP;
	case SIITDC_XLATED:
		break;
	}
	forget_old_family(skb);
	if (!input4(skb)) {
		siitdc_count(sn, SIITDC_STAT_DROP_NO_ROUTE);
		kfree_skb(skb);
	}
	return NF_STOLEN;
}

static const struct nf_hook_ops siitdc_hook_ops[] = {
	{
		.hook = hook4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = SIITDC_HOOK_PRIORITY,
	},
	{
		.hook = hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = SIITDC_HOOK_PRIORITY,
	},
};

/*
 * Hooks are registered when a namespace's instance is first configured, so
 * namespaces that never use siitdc pay nothing per packet.
 */
int siitdc_hooks_enable(struct siitdc_net *sn)
{
	int err;

	lockdep_assert_held(&sn->lock);
	if (sn->hooks_registered)
		return 0;
	err = nf_register_net_hooks(sn->net, siitdc_hook_ops,
				    ARRAY_SIZE(siitdc_hook_ops));
	if (!err)
		sn->hooks_registered = true;
	return err;
}

void siitdc_hooks_disable(struct siitdc_net *sn)
{
	if (!sn->hooks_registered)
		return;
	nf_unregister_net_hooks(sn->net, siitdc_hook_ops,
				ARRAY_SIZE(siitdc_hook_ops));
	sn->hooks_registered = false;
}
