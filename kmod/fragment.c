// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-fragmentation of IPv4 packets for the IPv6 side. This is the slow
 * path (DF=0 packets larger than lowest-ipv6-mtu), so it copies: each
 * fragment is a fresh skb with its own IPv4 header.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "compat.h"
#include "fragment.h"

/* Headroom for the IPv6 header, a Fragment Header and the link layer. */
#define SIITDC_FRAG_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
				 sizeof(struct frag_hdr))

/* The payload bytes per fragment: what fits, in 8-byte units. */
static unsigned int chunk_size(u32 mtu6)
{
	return (mtu6 - sizeof(struct ipv6hdr) - sizeof(struct frag_hdr)) & ~7U;
}

static struct sk_buff *one_fragment(struct sk_buff *skb, unsigned int off,
				    unsigned int len, bool more)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int ihl = iph->ihl * 4;
	struct sk_buff *frag;
	struct iphdr *fiph;
	u16 frag_off;

	frag = alloc_skb(SIITDC_FRAG_HEADROOM + sizeof(*fiph) + len, GFP_ATOMIC);
	if (!frag)
		return NULL;
	skb_reserve(frag, SIITDC_FRAG_HEADROOM);
	skb_reset_network_header(frag);
	fiph = skb_put(frag, sizeof(*fiph));
	/* Options are never translated, so the fragments carry none. */
	memcpy(fiph, iph, sizeof(*fiph));
	if (skb_copy_bits(skb, ihl + off, skb_put(frag, len), len)) {
		kfree_skb(frag);
		return NULL;
	}
	skb_set_transport_header(frag, sizeof(*fiph));

	frag_off = ntohs(iph->frag_off);
	fiph->ihl = sizeof(*fiph) / 4;
	fiph->tot_len = htons(sizeof(*fiph) + len);
	fiph->frag_off = htons(((frag_off & IP_OFFSET) + off / 8) |
			       (more || (frag_off & IP_MF) ? IP_MF : 0));
	ip_send_check(fiph);

	frag->dev = skb->dev;
	frag->protocol = skb->protocol;
	frag->mark = skb->mark;
	frag->skb_iif = skb->skb_iif;
	frag->pkt_type = skb->pkt_type;
	if (skb->sk)
		skb_set_owner_w(frag, skb->sk);
	return frag;
}

/* A UDP checksum may have to be computed before the datagram is split. */
static int finish_udp_csum(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int ihl = iph->ihl * 4, len = ntohs(iph->tot_len) - ihl;
	struct udphdr *uh;
	__wsum csum;

	if (iph->protocol != IPPROTO_UDP || ip_is_fragment(iph))
		return 0;
	if (skb_ensure_writable(skb, ihl + sizeof(*uh)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	uh = (struct udphdr *)(skb->data + ihl);
	if (uh->check)
		return 0;
	csum = skb_checksum(skb, ihl, len, 0);
	uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, len, IPPROTO_UDP,
				      csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	return 0;
}

static struct sk_buff *fragment_one(struct siitdc_net *sn, struct sk_buff *skb,
				    u32 mtu6)
{
	unsigned int payload, chunk, off, len;
	struct sk_buff *head = NULL, **tail = &head, *frag;

	if ((skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) ||
	    finish_udp_csum(skb))
		goto nomem;

	payload = ntohs(ip_hdr(skb)->tot_len) - ip_hdr(skb)->ihl * 4;
	chunk = chunk_size(mtu6);
	for (off = 0; off < payload; off += len) {
		len = min(chunk, payload - off);
		frag = one_fragment(skb, off, len, off + len < payload);
		if (!frag)
			goto nomem;
		*tail = frag;
		tail = &frag->next;
	}
	return head;

nomem:
	kfree_skb_list(head);
	siitdc_count(sn, SIITDC_STAT_DROP_NOMEM);
	return NULL;
}

struct sk_buff *siitdc_fragment4(struct siitdc_net *sn, struct sk_buff *skb,
				 u32 mtu6)
{
	struct sk_buff *segs, *seg, *next, *head = NULL, **tail = &head;

	if (!skb_is_gso(skb))
		return fragment_one(sn, skb, mtu6);

	/* A GSO packet without DF: its segments, each split as needed. */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		siitdc_count(sn, SIITDC_STAT_DROP_GSO);
		return NULL;
	}
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		*tail = fragment_one(sn, seg, mtu6);
		consume_skb(seg);
		while (*tail)
			tail = &(*tail)->next;
	}
	return head;
}
