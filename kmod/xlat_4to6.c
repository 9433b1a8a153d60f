// SPDX-License-Identifier: GPL-2.0
/*
 * IPv4 -> IPv6 (RFC 7915 section 4): the destination is a service address in
 * the EAM table; the source is the client, embedded in pool6 unless it has
 * an EAM entry of its own.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "core/csum.h"
#include "core/icmp.h"
#include "table.h"
#include "compat.h"
#include "xlat.h"

/* What the decision step learnt, for the rewrite step. */
struct xlat4 {
	struct in6_addr saddr;
	struct in6_addr daddr;
	unsigned int ihl;
	u16 payload_len;
	u8 proto;		/* next header of the IPv6 packet */
	int icmp_type;		/* new ICMPv6 type, for ICMP echo */
};

static bool map_src(struct siitdc_net *sn, struct siitdc_table *t,
		    __be32 saddr, struct in6_addr *out)
{
	const struct siitdc_config *cfg = rcu_dereference(sn->config);
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;
	struct siitdc_eam *e;

	e = siitdc_table_lookup4(t, saddr);
	if (e) {
		siitdc_eam_prefix4(e, &p4);
		siitdc_eam_prefix6(e, &p6);
		siitdc_eam_4to6(&p4, &p6, saddr, out);
		return true;
	}
	if (!cfg->pool6_set)
		return false;
	siitdc_rfc6052_embed(&cfg->pool6, saddr, out);
	return true;
}

/* Bytes of the transport header the rewrite touches. */
static unsigned int l4_write_len(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return offsetofend(struct tcphdr, check);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case IPPROTO_ICMP:
		return offsetofend(struct icmphdr, checksum);
	}
	return 0;
}

static enum siitdc_verdict decide(struct siitdc_net *sn, struct sk_buff *skb,
				  struct xlat4 *x)
{
	struct siitdc_table *t = rcu_dereference(sn->table);
	const struct iphdr *iph = ip_hdr(skb);
	struct siitdc_prefix4 p4;
	struct siitdc_prefix6 p6;
	struct siitdc_eam *e;
	unsigned int need;

	e = siitdc_table_lookup4(t, iph->daddr);
	if (!e) {
		siitdc_count(sn, SIITDC_STAT_PASS_4);
		return SIITDC_PASS;
	}

	if (!siitdc_v4_addr_unicast(iph->saddr)) {
		siitdc_count(sn, SIITDC_STAT_DROP_SRC_ILLEGAL);
		return SIITDC_DROP;
	}
	siitdc_eam_prefix4(e, &p4);
	siitdc_eam_prefix6(e, &p6);
	siitdc_eam_4to6(&p4, &p6, iph->daddr, &x->daddr);
	if (!map_src(sn, t, iph->saddr, &x->saddr)) {
		siitdc_count(sn, SIITDC_STAT_DROP_SRC_UNMAPPED);
		return SIITDC_DROP;
	}

	if (ip_is_fragment(iph)) {
		siitdc_count(sn, SIITDC_STAT_DROP_FRAGMENT);
		return SIITDC_DROP;
	}
	if (iph->ttl <= 1) {
		siitdc_count(sn, SIITDC_STAT_DROP_TTL_EXPIRED);
		return SIITDC_TTL_EXPIRED;
	}

	/* ip_rcv() checked the header and trimmed the skb to tot_len. */
	x->ihl = iph->ihl * 4;
	x->payload_len = ntohs(iph->tot_len) - x->ihl;
	x->proto = iph->protocol;

	need = x->ihl + l4_write_len(x->proto);
	if (!pskb_may_pull(skb, need)) {
		siitdc_count(sn, SIITDC_STAT_DROP_MALFORMED);
		return SIITDC_DROP;
	}
	iph = ip_hdr(skb);

	switch (x->proto) {
	case IPPROTO_UDP:
		/* No checksum to update; computing one is a later policy. */
		if (!udp_hdr(skb)->check) {
			siitdc_count(sn, SIITDC_STAT_DROP_UDP_ZERO_CSUM);
			return SIITDC_DROP;
		}
		break;
	case IPPROTO_ICMP:
		x->icmp_type = siitdc_icmp4to6_info(icmp_hdr(skb)->type);
		if (x->icmp_type < 0) {
			siitdc_count(sn, SIITDC_STAT_DROP_ICMP_TYPE);
			return SIITDC_DROP;
		}
		x->proto = NEXTHDR_ICMP;
		break;
	case IPPROTO_IGMP:
		/* Single-hop by nature (RFC 7915 4.2). */
		siitdc_count(sn, SIITDC_STAT_DROP_PROTO);
		return SIITDC_DROP;
	}

	if (skb_is_gso(skb) &&
	    (skb_shinfo(skb)->gso_type & ~(SKB_GSO_TCPV4 | SKB_GSO_TCP_ECN |
					   SKB_GSO_TCP_FIXEDID | SKB_GSO_DODGY |
					   SKB_GSO_UDP_L4))) {
		siitdc_count(sn, SIITDC_STAT_DROP_GSO);
		return SIITDC_DROP;
	}

	if (skb_ensure_writable(skb, need) ||
	    skb_cow_head(skb, sizeof(struct ipv6hdr) - sizeof(struct iphdr)) ||
	    (x->proto == NEXTHDR_ICMP && skb->ip_summed == CHECKSUM_PARTIAL &&
	     skb_checksum_help(skb))) {
		siitdc_count(sn, SIITDC_STAT_DROP_NOMEM);
		return SIITDC_DROP;
	}
	return SIITDC_XLATED;
}

/* ICMPv4 echo -> ICMPv6 echo: new type, and the checksum gains a pseudo-header. */
static void rewrite_icmp(struct sk_buff *skb, const struct xlat4 *x)
{
	struct icmp6hdr *ic = (struct icmp6hdr *)skb_transport_header(skb);
	u8 old[2] = { ic->icmp6_type, ic->icmp6_code };
	u8 new[2] = { x->icmp_type, ic->icmp6_code };
	u32 delta;

	delta = siitdc_csum_add(siitdc_csum_delta16(old, new),
				siitdc_csum_pseudo6(&x->saddr, &x->daddr,
						    x->payload_len,
						    NEXTHDR_ICMP));
	ic->icmp6_type = x->icmp_type;
	siitdc_csum_by_diff(&ic->icmp6_cksum, skb, (__force __wsum)delta);
}

enum siitdc_verdict siitdc_xlat_4to6(struct siitdc_net *sn,
				     struct sk_buff *skb)
{
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	enum siitdc_verdict v;
	struct xlat4 x;
	u8 tos, ttl;
	u32 delta;

	v = decide(sn, skb, &x);
	if (v != SIITDC_XLATED)
		return v;

	/* Decided: from here on nothing fails. */
	iph = ip_hdr(skb);
	tos = iph->tos;
	ttl = iph->ttl;
	delta = siitdc_csum_delta_4to6(iph->saddr, iph->daddr,
				       &x.saddr, &x.daddr);

	skb_postpull_rcsum(skb, iph, x.ihl);
	__skb_pull(skb, x.ihl);
	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*ip6h));

	ip6_flow_hdr(ip6h, tos, 0);
	ip6h->payload_len = htons(x.payload_len);
	ip6h->nexthdr = x.proto;
	/* Decremented once, by the IPv6 forwarding that follows. */
	ip6h->hop_limit = ttl;
	ip6h->saddr = x.saddr;
	ip6h->daddr = x.daddr;
	skb_postpush_rcsum(skb, ip6h, sizeof(*ip6h));
	skb->protocol = htons(ETH_P_IPV6);

	if (x.proto == NEXTHDR_ICMP)
		rewrite_icmp(skb, &x);
	else
		siitdc_l4_csum_update(skb, x.proto, sizeof(*ip6h), delta);

	if (skb_is_gso(skb)) {
		struct skb_shared_info *si = skb_shinfo(skb);

		if (si->gso_type & SKB_GSO_TCPV4) {
			si->gso_type &= ~(SKB_GSO_TCPV4 | SKB_GSO_TCP_FIXEDID);
			si->gso_type |= SKB_GSO_TCPV6;
		}
	}

	siitdc_count(sn, SIITDC_STAT_XLAT_4TO6);
	return SIITDC_XLATED;
}
