// SPDX-License-Identifier: GPL-2.0
/*
 * Route cache for 4->6 translated packets.
 *
 * Routing the translated packet (ip6_route_input: a lookup in the local and
 * then the main FIB table) costs more than the translation itself. For an
 * entry that maps one IPv4 address to one IPv6 address every translated
 * packet has the same IPv6 destination, so its route is kept in the entry,
 * the way a connected socket keeps its route, and checked against the FIB's
 * serial number (the cookie) on every use: any route change anywhere under
 * that FIB node makes the next packet look the route up again.
 *
 * A route is reused only when it depends on the destination alone: no
 * custom FIB rules (marks, interfaces, sources), no source-specific routes,
 * no VRF, and no multipath route (its flows are spread by hash). Otherwise
 * every packet gets a full lookup, as before.
 *
 * Concurrency: readers (any CPU) use the cached dst without a reference,
 * under RCU, like an IPv4 input route. Writers swap the holder with xchg();
 * the old holder is freed after a grace period and its dst reference
 * dropped at once (dst_release() itself defers the free past RCU readers).
 * Allocation happens only when a route is (re)learnt, never per packet.
 */
#include <linux/slab.h>
#include <net/ip6_fib.h>
#include <net/ip6_route.h>

#include "route_cache.h"
#include "table.h"

/* Whether routes in the packet's namespace depend on the destination only. */
static bool route6_by_daddr_only(const struct sk_buff *skb)
{
	const struct net *net = dev_net(skb->dev);

	if (netif_is_l3_slave(skb->dev))
		return false;
#ifdef CONFIG_IPV6_MULTIPLE_TABLES
	if (READ_ONCE(net->ipv6.fib6_has_custom_rules))
		return false;
#endif
#ifdef CONFIG_IPV6_SUBTREES
	if (READ_ONCE(net->ipv6.fib6_routes_require_src))
		return false;
#endif
	return true;
}

static bool route6_valid(struct dst_entry *dst, u32 cookie)
{
	return !READ_ONCE(dst->obsolete) || dst->ops->check(dst, cookie);
}

struct dst_entry *siitdc_route6_get(struct siitdc_eam *e,
				    const struct sk_buff *skb)
{
	struct siitdc_route6 *r = rcu_dereference(e->route6);

	if (!r || !route6_by_daddr_only(skb) || !route6_valid(r->dst, r->cookie))
		return NULL;
	return r->dst;
}

static void route6_put(struct siitdc_route6 *r)
{
	if (!r)
		return;
	dst_release(r->dst);
	kfree_rcu(r, rcu);
}

void siitdc_route6_set(struct siitdc_eam *e, const struct sk_buff *skb,
		       struct dst_entry *dst)
{
	struct rt6_info *rt = container_of(dst, struct rt6_info, dst);
	struct siitdc_route6 *r;
	struct fib6_info *from;

	if (dst->error || !route6_by_daddr_only(skb))
		return;
	from = rcu_dereference(rt->from);
	if (!from || READ_ONCE(from->fib6_nsiblings))
		return;
	r = kmalloc(sizeof(*r), GFP_ATOMIC | __GFP_NOWARN);
	if (!r)
		return;
	r->cookie = rt6_get_cookie(rt);
	/* A route that never passes its own check would cost a kmalloc a packet. */
	if (!route6_valid(dst, r->cookie)) {
		kfree(r);
		return;
	}
	dst_hold(dst);
	r->dst = dst;
	route6_put(unrcu_pointer(xchg(&e->route6, RCU_INITIALIZER(r))));
}

void siitdc_route6_forget(struct siitdc_eam *e)
{
	route6_put(unrcu_pointer(xchg(&e->route6, NULL)));
}
