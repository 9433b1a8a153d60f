/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version differences, absorbed here so the rest reads like mainline
 * code. Supported: Linux 6.1 and later.
 */
#ifndef _SIITDC_COMPAT_H
#define _SIITDC_COMPAT_H

#include <net/checksum.h>
#include <net/genetlink.h>
#include <net/route.h>
#ifdef SIITDC_HAVE_NET_GSO_H
#include <net/gso.h>	/* Linux 6.5 moved the GSO helpers here */
#endif

/*
 * Distribution kernels backport API changes, so kmod/Kbuild probes the
 * headers for each difference rather than trusting version numbers.
 */

/* Linux 6.13 takes the route input TOS as a dscp_t, returns a drop reason. */
static inline int siitdc_ip_route_input(struct sk_buff *skb, __be32 daddr,
					__be32 saddr, u8 tos,
					struct net_device *dev)
{
#ifdef SIITDC_ROUTE_INPUT_DSCP
	return ip_route_input_noref(skb, daddr, saddr,
				    inet_dsfield_to_dscp(tos), dev) ? -EINVAL : 0;
#else
	return ip_route_input_noref(skb, daddr, saddr, tos, dev);
#endif
}

/*
 * Linux 6.15 (and stable backports) added an "ipv6"
 * argument that skips the skb->csum update of CHECKSUM_COMPLETE packets. We
 * account for header bytes ourselves (skb_postpull_rcsum/postpush), so the
 * transport checksum change must always reach skb->csum.
 */
static inline void siitdc_csum_by_diff(__sum16 *sum, struct sk_buff *skb,
				       __wsum diff)
{
#ifdef SIITDC_CSUM_BY_DIFF_IPV6
	inet_proto_csum_replace_by_diff(sum, skb, diff, true, false);
#else
	inet_proto_csum_replace_by_diff(sum, skb, diff, true);
#endif
}

/* Linux 6.6 keeps a dump's request attributes in a struct genl_info. */
static inline struct nlattr **siitdc_dump_attrs(struct netlink_callback *cb)
{
#ifdef SIITDC_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _SIITDC_COMPAT_H */
