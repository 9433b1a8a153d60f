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

#include "compat.h"
#include "core/csum.h"
#include "core/icmp.h"
#include "core/hdr.h"
#include "xlat_icmp_err.h"
#include "table.h"
#include "xlat.h"

/* Extension headers skipped before giving up on a packet. */
#define SIITDC_MAX_EXTHDRS	8

struct xlat6 {
	struct siitdc_eam *eam;	/* the source's entry, charged; or NULL */
	__be32 saddr;
	__be32 daddr;
	unsigned int l4off;	/* IPv6 header plus extension headers */
	u16 l4len;		/* transport header and payload */
	u8 proto;		/* protocol of the IPv4 packet */
	u8 tos;
	bool frag;		/* had a Fragment Header (maybe atomic) */
	bool first;		/* holds the transport header */
	__be16 frag_off;	/* IPv4 flags and offset, when frag */
	__be16 id;		/* IPv4 ID, when frag */
	int icmp_type;		/* new ICMPv4 type, for ICMP echo */
};

/*
 * Finds the transport header: hop-by-hop, destination options and routing
 * headers whose segments are all consumed are skipped (RFC 7915 5.1); a
 * Fragment Header is remembered, and must be followed by the transport.
 */
static enum siitdc_verdict walk_exthdrs(struct siitdc_net *sn,
					struct sk_buff *skb,
					struct siitdc_xlat_state *st,
					struct xlat6 *x)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	unsigned int pos = sizeof(struct ipv6hdr);
	int i;

	for (i = 0; i < SIITDC_MAX_EXTHDRS; i++) {
		const struct frag_hdr *fh;
		struct ipv6_rt_hdr _rt;
		const struct ipv6_rt_hdr *rt;
		struct frag_hdr _fh;

		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
		case NEXTHDR_ROUTING:
			if (x->frag)
				goto after_frag;
			break;
		case NEXTHDR_FRAGMENT:
			if (x->frag)
				goto after_frag;
			fh = skb_header_pointer(skb, pos, sizeof(_fh), &_fh);
			if (!fh)
				goto malformed;
			x->frag = true;
			x->first = !(fh->frag_off & htons(IP6_OFFSET));
			x->frag_off = htons(ntohs(fh->frag_off) >> 3 |
					    (fh->frag_off & htons(IP6_MF) ?
					     IP_MF : 0));
			x->id = htons(ntohl(fh->identification) & 0xffff);
			nexthdr = fh->nexthdr;
			pos += sizeof(*fh);
			continue;
		case NEXTHDR_AUTH:
		case NEXTHDR_MOBILITY:
		case SIITDC_IPPROTO_HIP:
		case SIITDC_IPPROTO_SHIM6:
			/* Extension headers too (RFC 7045), never after a fragment's. */
			if (x->frag)
				goto after_frag;
			fallthrough;
		default:
			x->proto = nexthdr;
			x->l4off = pos;
			return SIITDC_XLATED;
		}
		rt = skb_header_pointer(skb, pos, sizeof(_rt), &_rt);
		if (!rt)
			goto malformed;
		if (nexthdr == NEXTHDR_ROUTING && rt->segments_left) {
			/* RFC 7915 5.1: Parameter Problem at Segments Left. */
			siitdc_reply(st, ICMPV6_PARAMPROB, ICMPV6_HDR_FIELD,
				     pos + offsetof(struct ipv6_rt_hdr,
						    segments_left));
			siitdc_count(sn, SIITDC_STAT_DROP_EXTHDR);
			return SIITDC_DROP;
		}
		nexthdr = rt->nexthdr;
		pos += ipv6_optlen(rt);
	}
	siitdc_count(sn, SIITDC_STAT_DROP_EXTHDR);
	return SIITDC_DROP;

after_frag:
	/* RFC 7915 5.1.1: no extension header after the Fragment Header. */
	siitdc_reply(st, ICMPV6_DEST_UNREACH, ICMPV6_ADM_PROHIBITED, 0);
	siitdc_count(sn, SIITDC_STAT_DROP_EXTHDR);
	return SIITDC_DROP;
malformed:
	siitdc_count(sn, SIITDC_STAT_DROP_MALFORMED);
	return SIITDC_DROP;
}

static bool map_src(struct siitdc_table *t, const struct siitdc_config *cfg,
		    const struct in6_addr *saddr, __be32 *out,
		    struct siitdc_eam **eam)
{
	struct siitdc_eam *e;

	e = siitdc_table_lookup6(t, saddr);
	*eam = e;
	if (e) {
		*out = siitdc_eam_map6to4(e, saddr);
		return true;
	}
	if (!siitdc_v6_in_prefix(saddr, &cfg->pool6))
		return false;
	*out = siitdc_rfc6052_extract(&cfg->pool6, saddr);
	return true;
}

/* An address that came out of pool6: the RFC 6052 3.1 rule applies. */
static bool src_from_wkp_nonglobal(const struct siitdc_config *cfg,
				   const struct xlat6 *x)
{
	return !x->eam && siitdc_wkp_nonglobal(cfg, x->saddr);
}

/* Size of the IPv4 packet, or of each segment the GSO packet becomes. */
static unsigned int xlat_size(const struct sk_buff *skb, const struct xlat6 *x)
{
	if (!skb_is_gso(skb))
		return sizeof(struct iphdr) + x->l4len;
	return sizeof(struct iphdr) + siitdc_gso_l4_seglen(skb);
}

/* RFC 7915 5.4: a discarded packet may be answered with 1/1 by default. */
static enum siitdc_verdict drop_prohibited(struct siitdc_net *sn,
					   struct siitdc_xlat_state *st,
					   enum siitdc_stat why)
{
	siitdc_reply(st, ICMPV6_DEST_UNREACH, ICMPV6_ADM_PROHIBITED, 0);
	return siitdc_drop(sn, why);
}

static enum siitdc_verdict decide(struct siitdc_net *sn, struct sk_buff *skb,
				  struct siitdc_xlat_state *st, struct xlat6 *x)
{
	const struct siitdc_config *cfg = rcu_dereference(sn->config);
	struct siitdc_table *t = rcu_dereference(sn->table);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	enum siitdc_verdict v;
	unsigned int need, plen;

	if (!cfg->pool6_set || !siitdc_v6_in_prefix(&ip6h->daddr, &cfg->pool6)) {
		siitdc_count(sn, SIITDC_STAT_PASS_6);
		return SIITDC_PASS;
	}

	x->first = true;
	v = walk_exthdrs(sn, skb, st, x);
	if (v != SIITDC_XLATED)
		return v;

	/* ICMP errors carry a packet of their own: rebuilt elsewhere. */
	if (x->proto == NEXTHDR_ICMP && x->first) {
		const struct icmp6hdr *ic;
		struct icmp6hdr _ic;

		ic = skb_header_pointer(skb, x->l4off, sizeof(_ic), &_ic);
		if (!ic)
			return siitdc_drop(sn, SIITDC_STAT_DROP_MALFORMED);
		if (siitdc_icmp6_is_error(ic->icmp6_type)) {
			if (x->frag && x->frag_off != 0)
				return siitdc_drop(sn, SIITDC_STAT_DROP_ICMP_FRAGMENT);
			return SIITDC_SLOW_ICMP_ERR;
		}
	}

	ip6h = ipv6_hdr(skb);
	x->daddr = siitdc_rfc6052_extract(&cfg->pool6, &ip6h->daddr);
	if (!siitdc_v4_addr_unicast(x->daddr))
		return siitdc_drop(sn, SIITDC_STAT_DROP_DST_ILLEGAL);
	if (siitdc_wkp_nonglobal(cfg, x->daddr))
		return siitdc_drop(sn, SIITDC_STAT_DROP_WKP_NONGLOBAL);
	if (!map_src(t, cfg, &ip6h->saddr, &x->saddr, &x->eam)) {
		/* RFC 7915 5.1: source failed ingress/egress policy. */
		siitdc_reply(st, ICMPV6_DEST_UNREACH, ICMPV6_POLICY_FAIL, 0);
		return siitdc_drop(sn, SIITDC_STAT_DROP_SRC_UNMAPPED);
	}
	if (src_from_wkp_nonglobal(cfg, x))
		return siitdc_drop(sn, SIITDC_STAT_DROP_WKP_NONGLOBAL);
	if (siitdc_v4_denied(cfg, x->daddr) || siitdc_v4_denied(cfg, x->saddr))
		return drop_prohibited(sn, st, SIITDC_STAT_DROP_DENYLIST);

	if (ip6h->hop_limit <= 1 && !st->local) {
		siitdc_reply(st, ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0);
		return siitdc_drop(sn, SIITDC_STAT_DROP_TTL_EXPIRED);
	}

	/* ipv6_rcv() trimmed the skb to the payload length; 0 is a jumbogram. */
	plen = ntohs(ip6h->payload_len);
	if (!plen || plen + sizeof(*ip6h) < x->l4off)
		return siitdc_drop(sn, SIITDC_STAT_DROP_MALFORMED);
	x->l4len = plen + sizeof(*ip6h) - x->l4off;
	if (x->l4len > 0xffff - sizeof(struct iphdr))
		return siitdc_drop(sn, SIITDC_STAT_DROP_TOO_BIG);
	x->tos = cfg->override_tos ? cfg->tos : ipv6_get_dsfield(ip6h);

	need = x->l4off + (x->first ? siitdc_l4_write_len(x->proto) : 0);
	if (!pskb_may_pull(skb, need))
		return siitdc_drop(sn, SIITDC_STAT_DROP_MALFORMED);
	skb_set_transport_header(skb, x->l4off);

	if (x->proto == NEXTHDR_ICMP) {
		/* RFC 7915 1.2; an atomic fragment is not a fragment. */
		if (x->frag && x->frag_off != 0)
			return siitdc_drop(sn, SIITDC_STAT_DROP_ICMP_FRAGMENT);
		x->icmp_type = siitdc_icmp6to4_info(icmp6_hdr(skb)->icmp6_type);
		if (x->icmp_type < 0)
			return siitdc_drop(sn, SIITDC_STAT_DROP_ICMP_TYPE);
		x->proto = IPPROTO_ICMP;
	}

	/* Fraglist GRO, tunnel GSO...: translated as their segments. */
	if (skb_is_gso(skb) &&
	    (skb_shinfo(skb)->gso_type & ~(SKB_GSO_TCPV6 | SKB_GSO_TCP_ECN |
					   SKB_GSO_DODGY | SKB_GSO_UDP_L4)))
		return SIITDC_SEGMENT;

	if (skb_ensure_writable(skb, need) ||
	    (x->proto == IPPROTO_ICMP && skb->ip_summed == CHECKSUM_PARTIAL &&
	     skb_checksum_help(skb)))
		return siitdc_drop(sn, SIITDC_STAT_DROP_NOMEM);

	/* RFC 7757 App. B: an EAM'd IPv4 destination goes back into IPv6. */
	if (siitdc_table_lookup4(t, x->daddr)) {
		if (st->hairpinned)
			return siitdc_drop(sn, SIITDC_STAT_DROP_HAIRPIN_LOOP);
		return SIITDC_HAIRPIN;
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

static void rewrite(struct siitdc_net *sn, struct sk_buff *skb,
		    const struct xlat6 *x)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u32 delta = 0, pseudo = 0;
	unsigned int size;
	struct iphdr *iph;
	u8 hops;

	hops = ip6h->hop_limit;
	if (x->proto == IPPROTO_ICMP)
		pseudo = siitdc_csum_pseudo6(&ip6h->saddr, &ip6h->daddr,
					     x->l4len, NEXTHDR_ICMP);
	else	/* The 4 -> 6 delta, negated. */
		delta = ~siitdc_csum_delta_4to6(x->saddr, x->daddr,
						&ip6h->saddr, &ip6h->daddr);
	size = xlat_size(skb, x);

	skb_postpull_rcsum(skb, ip6h, x->l4off);
	__skb_pull(skb, x->l4off);
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*iph));

	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = x->tos;
	iph->tot_len = htons(sizeof(*iph) + x->l4len);
	/* Decremented once, by the IPv4 forwarding that follows. */
	iph->ttl = hops;
	iph->protocol = x->proto;
	iph->saddr = x->saddr;
	iph->daddr = x->daddr;
	if (x->frag) {
		/* RFC 7915 5.1.1: ID, MF and offset from the Fragment Header. */
		iph->frag_off = x->frag_off;
		iph->id = x->id;
	} else if (size > SIITDC_DF_THRESHOLD) {
		iph->frag_off = htons(IP_DF);
		iph->id = 0;
	} else {
		/* It may be fragmented on the way: a real ID (RFC 6864). */
		iph->frag_off = 0;
		__ip_select_ident(sn->net, iph,
				  skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1);
	}
	ip_send_check(iph);
	skb_postpush_rcsum(skb, iph, sizeof(*iph));
	skb->protocol = htons(ETH_P_IP);

	if (!x->first)
		goto gso;
	if (x->proto == IPPROTO_ICMP)
		rewrite_icmp(skb, x, pseudo);
	else if (x->proto != IPPROTO_UDP || udp_hdr(skb)->check ||
		 skb->ip_summed == CHECKSUM_PARTIAL)
		/* A zero IPv6 UDP checksum (RFC 6936) stays zero: valid in IPv4. */
		siitdc_l4_csum_update(skb, x->proto, sizeof(*iph), delta);

gso:
	if (skb_is_gso(skb)) {
		struct skb_shared_info *si = skb_shinfo(skb);

		if (si->gso_type & SKB_GSO_TCPV6) {
			si->gso_type &= ~SKB_GSO_TCPV6;
			si->gso_type |= SKB_GSO_TCPV4;
			if (iph->frag_off)
				si->gso_type |= SKB_GSO_TCP_FIXEDID;
		}
	}
}

enum siitdc_verdict siitdc_xlat_6to4(struct siitdc_net *sn,
				     struct sk_buff **pskb,
				     struct siitdc_xlat_state *st)
{
	enum siitdc_verdict v;
	struct xlat6 x = {};

	v = decide(sn, *pskb, st, &x);
	if (v == SIITDC_SLOW_ICMP_ERR)
		return siitdc_xlat_icmp_err_6to4(sn, pskb, st);
	if (v != SIITDC_XLATED && v != SIITDC_HAIRPIN)
		return v;

	/* Decided: from here on nothing fails. */
	if (x.eam)
		siitdc_eam_account(x.eam, SIITDC_DIR_6TO4, *pskb);
	rewrite(sn, *pskb, &x);
	siitdc_count(sn, SIITDC_STAT_XLAT_6TO4);
	return v;
}
