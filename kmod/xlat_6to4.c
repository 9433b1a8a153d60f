// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 -> IPv4 (RFC 7915 section 5): the destination is an IPv4 client
 * embedded in pool6; the source is a service address with an EAM entry.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "core/csum.h"
#include "core/icmp.h"
#include "table.h"
#include "compat.h"
#include "xlat.h"

/* RFC 7915 5.1: DF is set only on packets too big for an IPv6 minimum MTU. */
#define SIITDC_DF_THRESHOLD	1260
/* Extension headers skipped before giving up on a packet. */
#define SIITDC_MAX_EXTHDRS	8

struct xlat6 {
	__be32 saddr;
	__be32 daddr;
	unsigned int l4off;	/* IPv6 header plus skipped extension headers */
	u16 l4len;		/* transport header and payload */
	u8 proto;		/* protocol of the IPv4 packet */
	int icmp_type;		/* new ICMPv4 type, for ICMP echo */
};

/*
 * Finds the transport header: hop-by-hop, destination options and routing
 * headers whose segments are all consumed are skipped (RFC 7915 5.1).
 */
static int skip_exthdrs(struct sk_buff *skb, u8 *proto, unsigned int *off)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	unsigned int pos = sizeof(struct ipv6hdr);
	int i;

	for (i = 0; i < SIITDC_MAX_EXTHDRS; i++) {
		struct ipv6_rt_hdr _rt;
		const struct ipv6_rt_hdr *rt;

		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
		case NEXTHDR_ROUTING:
			break;
		case NEXTHDR_FRAGMENT:
			return -SIITDC_STAT_DROP_FRAGMENT;
		default:
			*proto = nexthdr;
			*off = pos;
			return 0;
		}
		rt = skb_header_pointer(skb, pos, sizeof(_rt), &_rt);
		if (!rt)
			return -SIITDC_STAT_DROP_MALFORMED;
		if (nexthdr == NEXTHDR_ROUTING && rt->segments_left)
			return -SIITDC_STAT_DROP_EXTHDR;
		nexthdr = rt->nexthdr;
		pos += ipv6_optlen(rt);
	}
	return -SIITDC_STAT_DROP_EXTHDR;
}

static bool map_src(struct siitdc_table *t, const struct siitdc_config *cfg,
		    const struct in6_addr *saddr, __be32 *out)
{
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;
	struct siitdc_eam *e;

	e = siitdc_table_lookup6(t, saddr);
	if (e) {
		siitdc_eam_prefix4(e, &p4);
		siitdc_eam_prefix6(e, &p6);
		*out = siitdc_eam_6to4(&p4, &p6, saddr);
		return true;
	}
	if (!siitdc_v6_in_prefix(saddr, &cfg->pool6))
		return false;
	*out = siitdc_rfc6052_extract(&cfg->pool6, saddr);
	return true;
}

static unsigned int l4_write_len(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return offsetofend(struct tcphdr, check);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case NEXTHDR_ICMP:
		return offsetofend(struct icmp6hdr, icmp6_cksum);
	}
	return 0;
}

/* Size of the IPv4 packet, or of each segment the GSO packet becomes. */
static unsigned int xlat_size(const struct sk_buff *skb, const struct xlat6 *x)
{
	unsigned int hdrs;

	if (!skb_is_gso(skb))
		return sizeof(struct iphdr) + x->l4len;
	hdrs = x->proto == IPPROTO_TCP ? tcp_hdrlen(skb) : sizeof(struct udphdr);
	return sizeof(struct iphdr) + hdrs + skb_shinfo(skb)->gso_size;
}

static enum siitdc_verdict decide(struct siitdc_net *sn, struct sk_buff *skb,
				  struct xlat6 *x)
{
	const struct siitdc_config *cfg = rcu_dereference(sn->config);
	struct siitdc_table *t = rcu_dereference(sn->table);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	unsigned int need, plen;
	int err;

	if (!cfg->pool6_set || !siitdc_v6_in_prefix(&ip6h->daddr, &cfg->pool6)) {
		siitdc_count(sn, SIITDC_STAT_PASS_6);
		return SIITDC_PASS;
	}
	x->daddr = siitdc_rfc6052_extract(&cfg->pool6, &ip6h->daddr);
	if (!siitdc_v4_addr_unicast(x->daddr)) {
		siitdc_count(sn, SIITDC_STAT_DROP_DST_ILLEGAL);
		return SIITDC_DROP;
	}
	if (!map_src(t, cfg, &ip6h->saddr, &x->saddr)) {
		siitdc_count(sn, SIITDC_STAT_DROP_SRC_UNMAPPED);
		return SIITDC_DROP;
	}

	err = skip_exthdrs(skb, &x->proto, &x->l4off);
	if (err) {
		siitdc_count(sn, -err);
		return SIITDC_DROP;
	}
	ip6h = ipv6_hdr(skb);
	if (ip6h->hop_limit <= 1) {
		siitdc_count(sn, SIITDC_STAT_DROP_TTL_EXPIRED);
		return SIITDC_TTL_EXPIRED;
	}

	/* ipv6_rcv() trimmed the skb to the payload length; 0 is a jumbogram. */
	plen = ntohs(ip6h->payload_len);
	if (!plen || plen + sizeof(*ip6h) < x->l4off) {
		siitdc_count(sn, SIITDC_STAT_DROP_MALFORMED);
		return SIITDC_DROP;
	}
	x->l4len = plen + sizeof(*ip6h) - x->l4off;
	if (x->l4len > 0xffff - sizeof(struct iphdr)) {
		siitdc_count(sn, SIITDC_STAT_DROP_TOO_BIG);
		return SIITDC_DROP;
	}

	need = x->l4off + l4_write_len(x->proto);
	if (!pskb_may_pull(skb, need)) {
		siitdc_count(sn, SIITDC_STAT_DROP_MALFORMED);
		return SIITDC_DROP;
	}
	skb_set_transport_header(skb, x->l4off);

	if (x->proto == NEXTHDR_ICMP) {
		x->icmp_type = siitdc_icmp6to4_info(icmp6_hdr(skb)->icmp6_type);
		if (x->icmp_type < 0) {
			siitdc_count(sn, SIITDC_STAT_DROP_ICMP_TYPE);
			return SIITDC_DROP;
		}
		x->proto = IPPROTO_ICMP;
	}

	if (skb_is_gso(skb) &&
	    (skb_shinfo(skb)->gso_type & ~(SKB_GSO_TCPV6 | SKB_GSO_TCP_ECN |
					   SKB_GSO_DODGY | SKB_GSO_UDP_L4))) {
		siitdc_count(sn, SIITDC_STAT_DROP_GSO);
		return SIITDC_DROP;
	}

	if (skb_ensure_writable(skb, need) ||
	    (x->proto == IPPROTO_ICMP && skb->ip_summed == CHECKSUM_PARTIAL &&
	     skb_checksum_help(skb))) {
		siitdc_count(sn, SIITDC_STAT_DROP_NOMEM);
		return SIITDC_DROP;
	}
	return SIITDC_XLATED;
}

/* ICMPv6 echo -> ICMPv4 echo: new type, and the pseudo-header leaves the sum. */
static void rewrite_icmp(struct sk_buff *skb, const struct xlat6 *x,
			 u32 pseudo)
{
	struct icmphdr *ic = icmp_hdr(skb);
	u8 old[2] = { ic->type, ic->code };
	u8 new[2] = { x->icmp_type, ic->code };
	u32 delta;

	delta = siitdc_csum_sub(siitdc_csum_delta16(old, new), pseudo);
	ic->type = x->icmp_type;
	siitdc_csum_by_diff(&ic->checksum, skb, (__force __wsum)delta);
}

enum siitdc_verdict siitdc_xlat_6to4(struct siitdc_net *sn,
				     struct sk_buff *skb)
{
	struct xlat6 x;
	enum siitdc_verdict v;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	u32 delta, pseudo = 0;
	unsigned int size;
	u8 tclass, hops;

	v = decide(sn, skb, &x);
	if (v != SIITDC_XLATED)
		return v;

	/* Decided: from here on nothing fails. */
	ip6h = ipv6_hdr(skb);
	tclass = ipv6_get_dsfield(ip6h);
	hops = ip6h->hop_limit;
	if (x.proto == IPPROTO_ICMP) {
		pseudo = siitdc_csum_pseudo6(&ip6h->saddr, &ip6h->daddr,
					     x.l4len, NEXTHDR_ICMP);
		delta = 0;
	} else {
		/* The 4 -> 6 delta, negated. */
		delta = ~siitdc_csum_delta_4to6(x.saddr, x.daddr,
						&ip6h->saddr, &ip6h->daddr);
	}
	size = xlat_size(skb, &x);

	skb_postpull_rcsum(skb, ip6h, x.l4off);
	__skb_pull(skb, x.l4off);
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*iph));

	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = tclass;
	iph->tot_len = htons(sizeof(*iph) + x.l4len);
	iph->frag_off = size > SIITDC_DF_THRESHOLD ? htons(IP_DF) : 0;
	/* Decremented once, by the IPv4 forwarding that follows. */
	iph->ttl = hops;
	iph->protocol = x.proto;
	iph->saddr = x.saddr;
	iph->daddr = x.daddr;
	iph->id = 0;
	/* A packet that may be fragmented on the way needs a real ID (RFC 6864). */
	if (!iph->frag_off)
		__ip_select_ident(dev_net(skb->dev), iph,
				  skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1);
	ip_send_check(iph);
	skb_postpush_rcsum(skb, iph, sizeof(*iph));
	skb->protocol = htons(ETH_P_IP);

	if (x.proto == IPPROTO_ICMP)
		rewrite_icmp(skb, &x, pseudo);
	else if (x.proto != IPPROTO_UDP || udp_hdr(skb)->check ||
		 skb->ip_summed == CHECKSUM_PARTIAL)
		/* A zero IPv6 UDP checksum (RFC 6936) stays zero: valid in IPv4. */
		siitdc_l4_csum_update(skb, x.proto, sizeof(*iph), delta);

	if (skb_is_gso(skb)) {
		struct skb_shared_info *si = skb_shinfo(skb);

		if (si->gso_type & SKB_GSO_TCPV6) {
			si->gso_type &= ~SKB_GSO_TCPV6;
			si->gso_type |= SKB_GSO_TCPV4;
			if (iph->frag_off)
				si->gso_type |= SKB_GSO_TCP_FIXEDID;
		}
	}

	siitdc_count(sn, SIITDC_STAT_XLAT_6TO4);
	return SIITDC_XLATED;
}
