// SPDX-License-Identifier: GPL-2.0
/*
 * IPv4 -> IPv6 (RFC 7915 section 4): the destination is a service address in
 * the EAM table; the source is the client, embedded in pool6 unless it has
 * an EAM entry of its own (and hairpinning rules allow using it).
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "compat.h"
#include "core/csum.h"
#include "core/icmp.h"
#include "core/ipv4.h"
#include "xlat_icmp_err.h"
#include "table.h"
#include "xlat.h"

/* What the decision step learnt, for the rewrite step. */
struct xlat4 {
	struct siitdc_eam *eam;	/* the destination's entry, charged */
	struct in6_addr saddr;
	struct in6_addr daddr;
	unsigned int ihl;
	u16 payload_len;	/* of the IPv4 packet, options excluded */
	u8 proto;		/* next header of the IPv6 packet */
	u8 tclass;
	bool frag;		/* an IPv4 fragment: add a Fragment Header */
	bool first;		/* holds the transport header */
	bool udp_compute;	/* UDP without checksum: compute one */
	int icmp_type;		/* new ICMPv6 type, for ICMP echo */
};

/* Returns false, or a reason to drop in *why. */
static bool map_src(const struct siitdc_config *cfg, struct siitdc_table *t,
		    __be32 saddr, bool eam_ok, struct in6_addr *out,
		    enum siitdc_stat *why)
{
	struct siitdc_eam *e;

	e = eam_ok ? siitdc_table_lookup4(t, saddr) : NULL;
	if (e) {
		siitdc_eam_map4to6(e, saddr, out);
		return true;
	}
	*why = SIITDC_STAT_DROP_SRC_UNMAPPED;
	if (!cfg->pool6_set)
		return false;
	/* RFC 6052 3.1: only through pool6 is the well-known prefix used. */
	*why = SIITDC_STAT_DROP_WKP_NONGLOBAL;
	if (siitdc_wkp_nonglobal(cfg, saddr))
		return false;
	siitdc_rfc6052_embed(&cfg->pool6, saddr, out);
	return true;
}

/*
 * RFC 7757 section 4: whether the source may map through the EAM table.
 * "Simple" never lets it; "intrinsic" only stops it for packets we are
 * hairpinning, so that B answers A through the translator.
 */
static bool src_eam_ok(const struct siitdc_config *cfg,
		       const struct siitdc_xlat_state *st)
{
	switch (cfg->hairpin) {
	case SIITDC_HAIRPIN_SIMPLE:
		return false;
	case SIITDC_HAIRPIN_INTRINSIC:
		return !st->hairpinned;
	}
	return true;
}

/* RFC 7915 4.4: a discarded packet may be answered with 3/13 by default. */
static enum siitdc_verdict drop_prohibited(struct siitdc_net *sn,
					   struct siitdc_xlat_state *st,
					   enum siitdc_stat why)
{
	siitdc_reply(st, ICMP_DEST_UNREACH, ICMP_PKT_FILTERED, 0);
	return siitdc_drop(sn, why);
}

static enum siitdc_verdict decide(struct siitdc_net *sn, struct sk_buff *skb,
				  struct siitdc_xlat_state *st, struct xlat4 *x)
{
	const struct siitdc_config *cfg = rcu_dereference(sn->config);
	struct siitdc_table *t = rcu_dereference(sn->table);
	const struct iphdr *iph = ip_hdr(skb);
	struct siitdc_eam *e;
	unsigned int need, size;
	enum siitdc_stat why;

	e = siitdc_table_lookup4(t, iph->daddr);
	if (!e) {
		siitdc_count(sn, SIITDC_STAT_PASS_4);
		return SIITDC_PASS;
	}
	/*
	 * RFC 7915 4.6: a denylisted destination is not translated but left
	 * to native IPv4 forwarding (so a more specific native route can win
	 * over an EAM entry); a denylisted source is refused.
	 */
	if (siitdc_v4_denied(cfg, iph->daddr)) {
		siitdc_count(sn, SIITDC_STAT_PASS_4);
		return SIITDC_PASS;
	}
	if (siitdc_v4_denied(cfg, iph->saddr))
		return drop_prohibited(sn, st, SIITDC_STAT_DROP_DENYLIST);

	/* ip_rcv() checked the header and trimmed the skb to tot_len. */
	x->ihl = iph->ihl * 4;
	x->payload_len = ntohs(iph->tot_len) - x->ihl;
	x->proto = iph->protocol;
	x->frag = ip_is_fragment(iph);
	x->first = !(iph->frag_off & htons(IP_OFFSET));
	x->tclass = cfg->zeroize_tc ? 0 : iph->tos;

	/* ICMP errors carry a packet of their own: rebuilt elsewhere. */
	if (x->proto == IPPROTO_ICMP && x->first) {
		const struct icmphdr *ic;

		if (!pskb_may_pull(skb, x->ihl + sizeof(*ic)))
			return siitdc_drop(sn, SIITDC_STAT_DROP_MALFORMED);
		iph = ip_hdr(skb);
		ic = (const struct icmphdr *)(skb->data + x->ihl);
		if (siitdc_icmp4_is_error(ic->type)) {
			if (x->frag)
				return siitdc_drop(sn, SIITDC_STAT_DROP_ICMP_FRAGMENT);
			return SIITDC_SLOW_ICMP_ERR;
		}
	}

	if (!siitdc_v4_addr_unicast(iph->saddr))
		return siitdc_drop(sn, SIITDC_STAT_DROP_SRC_ILLEGAL);
	x->eam = e;
	siitdc_eam_map4to6(e, iph->daddr, &x->daddr);
	/* Row 170: never to multicast, loopback or the like, either side. */
	if (!siitdc_v4_addr_unicast(iph->daddr) ||
	    !siitdc_v6_addr_unicast(&x->daddr))
		return siitdc_drop(sn, SIITDC_STAT_DROP_DST_ILLEGAL);
	if (!map_src(cfg, t, iph->saddr, src_eam_ok(cfg, st), &x->saddr, &why)) {
		if (why == SIITDC_STAT_DROP_WKP_NONGLOBAL)
			return siitdc_drop(sn, why);
		return drop_prohibited(sn, st, why);
	}

	if (x->ihl > sizeof(*iph)) {
		if (!pskb_may_pull(skb, x->ihl))
			return siitdc_drop(sn, SIITDC_STAT_DROP_MALFORMED);
		iph = ip_hdr(skb);
		switch (siitdc_v4_options_check((const u8 *)(iph + 1),
						x->ihl - sizeof(*iph))) {
		case SIITDC_V4OPT_OK:
			break;
		case SIITDC_V4OPT_SOURCE_ROUTE:
			siitdc_reply(st, ICMP_DEST_UNREACH, ICMP_SR_FAILED, 0);
			return siitdc_drop(sn, SIITDC_STAT_DROP_SOURCE_ROUTE);
		default:
			return siitdc_drop(sn, SIITDC_STAT_DROP_MALFORMED);
		}
	}

	if (iph->ttl <= 1 && !st->local) {
		siitdc_reply(st, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		return siitdc_drop(sn, SIITDC_STAT_DROP_TTL_EXPIRED);
	}

	/* RFC 7915 1.2: fragmented ICMP cannot be translated, any fragment. */
	if (x->proto == IPPROTO_ICMP && x->frag)
		return siitdc_drop(sn, SIITDC_STAT_DROP_ICMP_FRAGMENT);

	need = x->ihl + (x->first ? siitdc_l4_write_len(x->proto) : 0);
	if (!pskb_may_pull(skb, need))
		return siitdc_drop(sn, SIITDC_STAT_DROP_MALFORMED);
	iph = ip_hdr(skb);

	switch (x->first ? x->proto : IPPROTO_RAW) {
	case IPPROTO_UDP:
		if (udp_hdr(skb)->check || skb->ip_summed == CHECKSUM_PARTIAL)
			break;
		/* RFC 7915 4.5: a fragment's checksum cannot be computed. */
		if (x->frag || cfg->udp_zero_csum != SIITDC_UDP_ZERO_CSUM_COMPUTE)
			return drop_prohibited(sn, st,
					       SIITDC_STAT_DROP_UDP_ZERO_CSUM);
		x->udp_compute = true;
		break;
	case IPPROTO_ICMP:
		if (x->frag)
			return siitdc_drop(sn, SIITDC_STAT_DROP_ICMP_FRAGMENT);
		x->icmp_type = siitdc_icmp4to6_info(icmp_hdr(skb)->type);
		if (x->icmp_type < 0)
			return siitdc_drop(sn, SIITDC_STAT_DROP_ICMP_TYPE);
		break;
	case IPPROTO_IGMP:
		/* Single-hop by nature (RFC 7915 4.2). */
		return siitdc_drop(sn, SIITDC_STAT_DROP_PROTO);
	}
	if (x->proto == IPPROTO_ICMP)
		x->proto = NEXTHDR_ICMP;

	/*
	 * RFC 7915 1.4 / 4: a DF=0 packet must fit lowest-ipv6-mtu once
	 * translated, as fragments if need be; DF=1 packets are left to the
	 * IPv6 forwarding, whose Packet Too Big comes back translated.
	 */
	size = sizeof(struct ipv6hdr) + x->payload_len +
	       (x->frag ? sizeof(struct frag_hdr) : 0);
	if (skb_is_gso(skb))
		size = sizeof(struct ipv6hdr) + siitdc_gso_l4_seglen(skb);
	if (!(iph->frag_off & htons(IP_DF)) && size > cfg->lowest_ipv6_mtu)
		return SIITDC_SPLIT;

	/* Fraglist GRO, tunnel GSO...: translated as their segments. */
	if (skb_is_gso(skb) &&
	    (skb_shinfo(skb)->gso_type & ~(SKB_GSO_TCPV4 | SKB_GSO_TCP_ECN |
					   SKB_GSO_TCP_FIXEDID | SKB_GSO_DODGY |
					   SKB_GSO_UDP_L4)))
		return SIITDC_SEGMENT;

	if (skb_ensure_writable(skb, need) ||
	    skb_cow_head(skb, sizeof(struct ipv6hdr) + sizeof(struct frag_hdr) -
			 sizeof(struct iphdr)) ||
	    (x->proto == NEXTHDR_ICMP && skb->ip_summed == CHECKSUM_PARTIAL &&
	     skb_checksum_help(skb)))
		return siitdc_drop(sn, SIITDC_STAT_DROP_NOMEM);
	return SIITDC_XLATED;
}

/* ICMPv4 echo -> ICMPv6 echo: new type, and the checksum gains a pseudo-header. */
static void rewrite_icmp(struct sk_buff *skb, unsigned int l4off,
			 const struct xlat4 *x)
{
	struct icmp6hdr *ic = (struct icmp6hdr *)(skb->data + l4off);
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

/* RFC 7915 4.5 option: a UDP checksum for a datagram that had none. */
static void udp_compute(struct sk_buff *skb, unsigned int l4off,
			const struct xlat4 *x)
{
	struct udphdr *uh = (struct udphdr *)(skb->data + l4off);
	__wsum csum;

	uh->check = 0;
	csum = skb_checksum(skb, l4off, x->payload_len, 0);
	uh->check = csum_ipv6_magic(&x->saddr, &x->daddr, x->payload_len,
				    IPPROTO_UDP, csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
}

static void rewrite(struct siitdc_net *sn, struct sk_buff *skb,
		    const struct xlat4 *x)
{
	unsigned int hlen = sizeof(struct ipv6hdr) +
			    (x->frag ? sizeof(struct frag_hdr) : 0);
	struct iphdr *iph = ip_hdr(skb);
	__be16 frag_off = iph->frag_off;
	__be16 id = iph->id;
	struct ipv6hdr *ip6h;
	u8 ttl = iph->ttl;
	u32 delta;

	delta = siitdc_csum_delta_4to6(iph->saddr, iph->daddr,
				       &x->saddr, &x->daddr);

	skb_postpull_rcsum(skb, iph, x->ihl);
	__skb_pull(skb, x->ihl);
	ip6h = skb_push(skb, hlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, hlen);

	ip6_flow_hdr(ip6h, x->tclass, 0);
	ip6h->payload_len = htons(x->payload_len + hlen - sizeof(*ip6h));
	ip6h->nexthdr = x->frag ? NEXTHDR_FRAGMENT : x->proto;
	/* Decremented once, by the IPv6 forwarding that follows. */
	ip6h->hop_limit = ttl;
	ip6h->saddr = x->saddr;
	ip6h->daddr = x->daddr;
	if (x->frag) {
		/* RFC 7915 4.1: the IPv4 ID, offset and MF, carried over. */
		struct frag_hdr *fh = (struct frag_hdr *)(ip6h + 1);
		u16 off = ntohs(frag_off);

		fh->nexthdr = x->proto;
		fh->reserved = 0;
		fh->frag_off = htons((off & IP_OFFSET) << 3 |
				     (off & IP_MF ? IP6_MF : 0));
		fh->identification = htonl(ntohs(id));
	}
	skb_postpush_rcsum(skb, ip6h, hlen);
	skb->protocol = htons(ETH_P_IPV6);

	if (!x->first)
		goto gso;
	if (x->proto == NEXTHDR_ICMP)
		rewrite_icmp(skb, hlen, x);
	else if (x->udp_compute)
		udp_compute(skb, hlen, x);
	else
		siitdc_l4_csum_update(skb, x->proto, hlen, delta);
	if (x->udp_compute)
		siitdc_count(sn, SIITDC_STAT_UDP_CSUM_COMPUTED);

gso:
	if (skb_is_gso(skb)) {
		struct skb_shared_info *si = skb_shinfo(skb);

		if (si->gso_type & SKB_GSO_TCPV4) {
			si->gso_type &= ~(SKB_GSO_TCPV4 | SKB_GSO_TCP_FIXEDID);
			si->gso_type |= SKB_GSO_TCPV6;
		}
	}
}

enum siitdc_verdict siitdc_xlat_4to6(struct siitdc_net *sn,
				     struct sk_buff **pskb,
				     struct siitdc_xlat_state *st)
{
	enum siitdc_verdict v;
	struct xlat4 x = {};

	v = decide(sn, *pskb, st, &x);
	if (v == SIITDC_SLOW_ICMP_ERR)
		return siitdc_xlat_icmp_err_4to6(sn, pskb, st);
	if (v != SIITDC_XLATED)
		return v;

	/* Decided: from here on nothing fails. */
	siitdc_eam_account(x.eam, SIITDC_DIR_4TO6, *pskb);
	/* One IPv6 destination for all its packets: a route worth keeping. */
	st->route_eam = x.eam->key4.len == 32 ? x.eam : NULL;
	rewrite(sn, *pskb, &x);
	siitdc_count(sn, SIITDC_STAT_XLAT_4TO6);
	return SIITDC_XLATED;
}
