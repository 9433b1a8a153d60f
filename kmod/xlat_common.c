// SPDX-License-Identifier: GPL-2.0
/* Helpers both translation directions share. */
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "compat.h"
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
