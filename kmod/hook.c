// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter glue, per network namespace:
 * - PRE_ROUTING hands each received packet to the translator; a translated
 *   packet then takes the other family's own route lookup and input path
 *   (forwarding, so its FORWARD and POSTROUTING hooks, hop-limit and MTU
 *   handling; or local delivery).
 * - LOCAL_OUT does the same for packets this host sends to a translated
 *   address: above all the ICMP errors the kernel's forwarding generates
 *   for translated traffic (Time Exceeded, Packet Too Big, Unreachable),
 *   which must reach their sender in its own family. These leave through
 *   the other family's route lookup and output path (POSTROUTING).
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
#include "core/icmp_map.h"
#include "fragment.h"
#include "route_cache.h"
#include "table.h"
#include "xlat.h"

/*
 * Before connection tracking's defragmentation (-400): a stateless translator
 * sees fragments as they come (RFC 7915), and conntrack of the original
 * family never sees packets it could not follow anyway.
 */
#define SIITDC_HOOK_PRIORITY	(-450)

static void input6(struct sk_buff *skb, struct siitdc_eam *e)
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

	dst = e ? siitdc_route6_get(e, skb) : NULL;
	if (dst) {
		/* Like an IPv4 input route: no reference, RCU keeps it. */
		skb_dst_set_noref(skb, dst);
		dst_input(skb);
		return;
	}
	dst = ip6_route_input_lookup(net, skb->dev, &fl6, skb,
				     RT6_LOOKUP_F_HAS_SADDR);
	if (e)
		siitdc_route6_set(e, skb, dst);
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

static void output6(struct siitdc_net *sn, struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_mark = skb->mark,
		.flowi6_proto = ip6h->nexthdr,
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
	};
	struct dst_entry *dst;

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	dst = ip6_route_output(sn->net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		siitdc_count(sn, SIITDC_STAT_DROP_NO_ROUTE);
		kfree_skb(skb);
		return;
	}
	skb_dst_set(skb, dst);
	skb->dev = dst->dev;
	dst_output(sn->net, skb->sk, skb);
}

static void output4(struct siitdc_net *sn, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl4 = {
		.flowi4_mark = skb->mark,
		.flowi4_proto = iph->protocol,
		.flowi4_tos = RT_TOS(iph->tos),
		.daddr = iph->daddr,
		.saddr = iph->saddr,
	};
	struct rtable *rt;

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	rt = ip_route_output_key(sn->net, &fl4);
	if (IS_ERR(rt)) {
		siitdc_count(sn, SIITDC_STAT_DROP_NO_ROUTE);
		kfree_skb(skb);
		return;
	}
	skb_dst_set(skb, &rt->dst);
	skb->dev = rt->dst.dev;
	dst_output(sn->net, skb->sk, skb);
}

/* The packet's conntrack entry, if any, was its old family's. */
static void forget_old_family(struct sk_buff *skb)
{
	nf_reset_ct(skb);
	skb_dst_drop(skb);
}

static void deliver6(struct siitdc_net *sn, struct sk_buff *skb,
		     const struct siitdc_xlat_state *st)
{
	forget_old_family(skb);
	if (st->local)
		output6(sn, skb);
	else
		input6(skb, st->route_eam);
}

static void deliver4(struct siitdc_net *sn, struct sk_buff *skb,
		     const struct siitdc_xlat_state *st)
{
	forget_old_family(skb);
	if (st->local) {
		output4(sn, skb);
	} else if (!input4(skb)) {
		siitdc_count(sn, SIITDC_STAT_DROP_NO_ROUTE);
		kfree_skb(skb);
	}
}

/* icmp-errors and icmp-ratelimit apply to every error the BR generates. */
static bool may_reply(struct siitdc_net *sn, const struct siitdc_xlat_state *st)
{
	if (!st->reply.type || st->local)
		return false;
	if (!rcu_dereference(sn->config)->icmp_errors)
		return false;
	if (!__ratelimit(&sn->icmp_rs)) {
		siitdc_count(sn, SIITDC_STAT_ICMP_ERR_RATELIMITED);
		return false;
	}
	siitdc_count(sn, SIITDC_STAT_ICMP_ERR_SENT);
	return true;
}

/* RFC 7915 4.4 / RFC 1812: an ICMPv4 error is never answered. */
static bool is_icmp4_error(const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct icmphdr *ic;
	struct icmphdr _ic;

	if (iph->protocol != IPPROTO_ICMP || (iph->frag_off & htons(IP_OFFSET)))
		return false;
	ic = skb_header_pointer(skb, iph->ihl * 4, sizeof(_ic), &_ic);
	return ic && siitdc_icmp4_is_error(ic->type);
}

/* icmp_send() wants the packet routed, as ip_forward() has it. */
static void reply4(struct siitdc_net *sn, struct sk_buff *skb,
		   const struct siitdc_xlat_state *st)
{
	const struct iphdr *iph = ip_hdr(skb);
	u32 info = st->reply.info;

	if (is_icmp4_error(skb) || !may_reply(sn, st))
		return;
	if (!skb_dst(skb) &&
	    siitdc_ip_route_input(skb, iph->daddr, iph->saddr, iph->tos,
				  skb->dev))
		return;
	if (st->reply.type == ICMP_PARAMETERPROB)
		info <<= 24;
	icmp_send(skb, st->reply.type, st->reply.code, htonl(info));
}

/*
 * RFC 7915 5.4: a packet the translator cannot translate is never answered
 * if it is an ICMPv6 message, of any type. Hop limit expiry is the router's
 * duty instead (5.1), answered like any router would (RFC 4443 3.3).
 */
static void reply6(struct siitdc_net *sn, struct sk_buff *skb,
		   const struct siitdc_xlat_state *st)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	__be16 frag_off;

	if (st->reply.type != ICMPV6_TIME_EXCEED &&
	    (ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr,
			      &frag_off) < 0 || nexthdr == NEXTHDR_ICMP))
		return;
	if (may_reply(sn, st))
		icmpv6_send(skb, st->reply.type, st->reply.code, st->reply.info);
}

/* Consumes @skb, an IPv4 packet bound for translation. */
static void xlat4_consume(struct siitdc_net *sn, struct sk_buff *skb,
			  struct siitdc_xlat_state *st);

static void split4(struct siitdc_net *sn, struct sk_buff *skb,
		   struct siitdc_xlat_state *st)
{
	struct sk_buff *frags, *next;
	u32 mtu = rcu_dereference(sn->config)->lowest_ipv6_mtu;

	frags = siitdc_fragment4(sn, skb, mtu);
	consume_skb(skb);
	siitdc_count(sn, SIITDC_STAT_FRAGMENTED_4TO6);
	skb_list_walk_safe(frags, frags, next) {
		skb_mark_not_on_list(frags);
		xlat4_consume(sn, frags, st);
	}
}

static void segment(struct siitdc_net *sn, struct sk_buff *skb,
		    const struct siitdc_xlat_state *st,
		    void (*consume)(struct siitdc_net *sn, struct sk_buff *skb,
				    struct siitdc_xlat_state *st));

static void xlat4_consume(struct siitdc_net *sn, struct sk_buff *skb,
			  struct siitdc_xlat_state *st)
{
	switch (siitdc_xlat_4to6(sn, &skb, st)) {
	case SIITDC_XLATED:
		deliver6(sn, skb, st);
		return;
	case SIITDC_SPLIT:
		split4(sn, skb, st);
		return;
	case SIITDC_SEGMENT:
		segment(sn, skb, st, xlat4_consume);
		return;
	default:
		kfree_skb(skb);
	}
}

static void xlat6_consume(struct siitdc_net *sn, struct sk_buff *skb,
			  struct siitdc_xlat_state *st)
{
	switch (siitdc_xlat_6to4(sn, &skb, st)) {
	case SIITDC_XLATED:
		deliver4(sn, skb, st);
		return;
	case SIITDC_HAIRPIN:
		st->hairpinned = true;
		xlat4_consume(sn, skb, st);
		return;
	default:
		kfree_skb(skb);
	}
}

/*
 * A GSO packet of a kind that is not translated whole (fraglist GRO, tunnel
 * encapsulations): software segmentation, as netfilter's queueing does,
 * then each segment is translated on its own. Each starts from the hook's
 * state: one segment's verdict must not leak into the next.
 */
static void segment(struct siitdc_net *sn, struct sk_buff *skb,
		    const struct siitdc_xlat_state *st,
		    void (*consume)(struct siitdc_net *sn, struct sk_buff *skb,
				    struct siitdc_xlat_state *st))
{
	struct sk_buff *segs, *next;
	struct siitdc_xlat_state seg_st;

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		siitdc_count(sn, SIITDC_STAT_DROP_GSO);
		kfree_skb(skb);
		return;
	}
	consume_skb(skb);
	siitdc_count(sn, SIITDC_STAT_GSO_SEGMENTED);
	skb_list_walk_safe(segs, segs, next) {
		skb_mark_not_on_list(segs);
		seg_st = *st;
		consume(sn, segs, &seg_st);
	}
}

/*
 * The IPv4 hook sees every IPv4 packet, also the BR's own and its routed
 * traffic: it tests for a translated destination first and leaves, in a
 * function small enough to need no stack frame (about 15 instructions);
 * translation goes on in translate4(), out of line.
 */
static noinline unsigned int translate4(struct siitdc_net *sn,
					struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	struct siitdc_xlat_state st = {
		.local = state->hook == NF_INET_LOCAL_OUT,
	};

	switch (siitdc_xlat_4to6(sn, &skb, &st)) {
	case SIITDC_PASS:
		return NF_ACCEPT;
	case SIITDC_XLATED:
		deliver6(sn, skb, &st);
		return NF_STOLEN;
	case SIITDC_SPLIT:
		split4(sn, skb, &st);
		return NF_STOLEN;
	case SIITDC_SEGMENT:
		segment(sn, skb, &st, xlat4_consume);
		return NF_STOLEN;
	default:
		reply4(sn, skb, &st);
		return NF_DROP;
	}
}

static unsigned int hook4(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	struct siitdc_net *sn = priv;

	/* Not a translated destination: the BR's own or routed traffic. */
	if (!siitdc_table_may_have4(rcu_dereference(sn->table),
				    ip_hdr(skb)->daddr)) {
		siitdc_count(sn, SIITDC_STAT_PASS_4);
		return NF_ACCEPT;
	}
	return translate4(sn, skb, state);
}

/*
 * Most IPv6 packets a BR receives are for pool6: siitdc_xlat_6to4() tests
 * that first, and an early test here only cost the translated ones more.
 */
static unsigned int hook6(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	struct siitdc_net *sn = priv;
	struct siitdc_xlat_state st = {
		.local = state->hook == NF_INET_LOCAL_OUT,
	};

	switch (siitdc_xlat_6to4(sn, &skb, &st)) {
	case SIITDC_PASS:
		return NF_ACCEPT;
	case SIITDC_XLATED:
		deliver4(sn, skb, &st);
		return NF_STOLEN;
	case SIITDC_HAIRPIN:
		/* RFC 7757 App. B: once more, IPv4 -> IPv6 (row 146). */
		st.hairpinned = true;
		xlat4_consume(sn, skb, &st);
		return NF_STOLEN;
	case SIITDC_SEGMENT:
		segment(sn, skb, &st, xlat6_consume);
		return NF_STOLEN;
	default:
		reply6(sn, skb, &st);
		return NF_DROP;
	}
}

/* Copied per namespace with priv set: no net_generic() per packet. */
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
	{
		.hook = hook4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = SIITDC_HOOK_PRIORITY,
	},
	{
		.hook = hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = SIITDC_HOOK_PRIORITY,
	},
};

/*
 * Hooks are registered when a namespace's instance is first configured, so
 * namespaces that never use siitdc pay nothing per packet.
 */
int siitdc_hooks_enable(struct siitdc_net *sn)
{
	unsigned int i;
	int err;

	BUILD_BUG_ON(ARRAY_SIZE(sn->hook_ops) != ARRAY_SIZE(siitdc_hook_ops));
	lockdep_assert_held(&sn->lock);
	if (sn->hooks_registered)
		return 0;
	for (i = 0; i < ARRAY_SIZE(siitdc_hook_ops); i++) {
		sn->hook_ops[i] = siitdc_hook_ops[i];
		sn->hook_ops[i].priv = sn;
	}
	err = nf_register_net_hooks(sn->net, sn->hook_ops,
				    ARRAY_SIZE(sn->hook_ops));
	if (!err)
		sn->hooks_registered = true;
	return err;
}

void siitdc_hooks_disable(struct siitdc_net *sn)
{
	if (!sn->hooks_registered)
		return;
	nf_unregister_net_hooks(sn->net, sn->hook_ops,
				ARRAY_SIZE(sn->hook_ops));
	sn->hooks_registered = false;
}
