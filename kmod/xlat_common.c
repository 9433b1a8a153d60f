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
 * Addresses that may appear as a unicast source or destination on the
 * Internet side (RFC 1812 5.3.7): not "this network" (0/8), loopback,
 * multicast, class E or the limited broadcast.
 */
bool siitdc_v4_addr_unicast(__be32 addr)
{
	u32 a = ntohl(addr);

	return !((a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 0xe);
}

/* Bytes of the transport header a rewrite touches (its checksum field). */
unsigned int siitdc_l4_write_len(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return offsetofend(struct tcphdr, check);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Type, code and checksum: the same place in both. */
		return 4;
	}
	return 0;
}

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

/* denylist4: IPv4 prefixes never translated, in either direction. */
bool siitdc_v4_denied(const struct siitdc_config *cfg, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < cfg->ndeny4; i++)
		if (siitdc_v4_in_prefix(addr, &cfg->deny4[i]))
			return true;
	return false;
}

/*
 * RFC 6052 3.1: the well-known prefix 64:ff9b::/96 must not represent
 * non-global IPv4 addresses; packets that would need it are dropped.
 */
bool siitdc_wkp_nonglobal(const struct siitdc_config *cfg, __be32 addr)
{
	static const struct in6_addr wkp = {
		.s6_addr = { 0, 0x64, 0xff, 0x9b },
	};

	return cfg->pool6.len == 96 && ipv6_addr_equal(&cfg->pool6.addr, &wkp) &&
	       !siitdc_v4_is_global(addr);
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
