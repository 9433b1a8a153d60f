// SPDX-License-Identifier: GPL-2.0
/* Helpers both translation directions share. */
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "compat.h"
#include "core/ipv4.h"
#include "xlat.h"

/*
 * The transport header and payload of each segment a GSO packet becomes:
 * MTU and DF decisions are taken on that, not on skb->len (row 30).
 */
unsigned int siitdc_gso_l4_seglen(const struct sk_buff *skb)
{
	unsigned int hdr = skb_shinfo(skb)->gso_type & SKB_GSO_UDP_L4 ?
			   sizeof(struct udphdr) : tcp_hdrlen(skb);

	return hdr + skb_shinfo(skb)->gso_size;
}

/* Global or unique-local unicast: no multicast, loopback, link-local. */
bool siitdc_v6_addr_unicast(const struct in6_addr *addr)
{
	int type = ipv6_addr_type(addr);

	return !(type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
			 IPV6_ADDR_LINKLOCAL | IPV6_ADDR_ANY));
}

/*
 * Adds @delta, the change of the pseudo-header sum, to a TCP or UDP checksum
 * in whatever offload state the skb is in. The caller made the header
 * writable; a UDP checksum of zero ("none") is the caller's to handle.
 */
void siitdc_l4_csum_update(struct sk_buff *skb, u8 proto, unsigned int l4off,
			   u32 delta)
{
	__wsum diff = (__force __wsum)delta;
	struct udphdr *uh;
	struct tcphdr *th;

	switch (proto) {
	case IPPROTO_TCP:
		th = (struct tcphdr *)(skb->data + l4off);
		siitdc_csum_by_diff(&th->check, skb, diff);
		break;
	case IPPROTO_UDP:
		uh = (struct udphdr *)(skb->data + l4off);
		siitdc_csum_by_diff(&uh->check, skb, diff);
		if (!uh->check && skb->ip_summed != CHECKSUM_PARTIAL)
			uh->check = CSUM_MANGLED_0;
		break;
	}
}
