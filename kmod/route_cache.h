/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPv6 route of packets translated towards a single-address EAM entry,
 * kept in the entry (see route_cache.c).
 */
#ifndef _SIITDC_ROUTE_CACHE_H
#define _SIITDC_ROUTE_CACHE_H

#include <linux/skbuff.h>
#include <net/dst.h>

struct siitdc_eam;

struct siitdc_route6 {
	struct dst_entry *dst;		/* the cache's own reference */
	u32 cookie;			/* FIB serial number it was valid for */
	struct rcu_head rcu;
};

/* Under rcu_read_lock(): the entry's route, still valid, or NULL. */
struct dst_entry *siitdc_route6_get(struct siitdc_eam *e,
				    const struct sk_buff *skb);
/* After a route lookup for @skb: keeps @dst if it may be reused. */
void siitdc_route6_set(struct siitdc_eam *e, const struct sk_buff *skb,
		       struct dst_entry *dst);
/* Drops the entry's route (entry removed, or route replaced). */
void siitdc_route6_forget(struct siitdc_eam *e);

#endif /* _SIITDC_ROUTE_CACHE_H */
