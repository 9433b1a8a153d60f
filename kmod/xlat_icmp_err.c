// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP error translation: the kernel side. Chooses the outer addresses
 * (EAM, pool6, RFC 6791), looks up the next-hop MTUs, maps the inner
 * addresses through the same tables with mirrored roles, and lets the pure
 * core rebuild the message into a fresh skb. Errors are rare; this path may
 * allocate and copy.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "core/hdr.h"
#include "core/icmp_err.h"
#include "table.h"
#include "xlat_icmp_err.h"

/* RFC 7335: the IPv4 dummy address, when nothing better exists. */
#define SIITDC_DUMMY_V4		htonl(0xc0000008)

struct mapper {
	struct siitdc_net *sn;
	const struct siitdc_config *cfg;
	struct siitdc_table *t;
	bool src_eam_ok;
};

/*
 * The rules of the fast path: 4->6 sources through EAM (if hairpinning
 * allows) or pool6, 4->6 destinations through EAM only; 6->4 sources
 * through EAM or pool6, 6->4 destinations through pool6 only.
 */
static bool map4to6(void *priv, __be32 addr, bool as_source,
		    struct in6_addr *out)
{
	const struct mapper *m = priv;
	struct siitdc_eam *e = NULL;

	/* denylist4 holds for errors and their inner packets too. */
	if (siitdc_v4_denied(m->cfg, addr))
		return false;
	if (!as_source || m->src_eam_ok)
		e = siitdc_table_lookup4(m->t, addr);
	if (e) {
		siitdc_eam_map4to6(e, addr, out);
		return true;
	}
	if (!as_source || !m->cfg->pool6_set ||
	    siitdc_wkp_nonglobal(m->cfg, addr))
		return false;
	siitdc_rfc6052_embed(&m->cfg->pool6, addr, out);
	return true;
}

static bool map6to4(void *priv, const struct in6_addr *addr, bool as_source,
		    __be32 *out)
{
	const struct mapper *m = priv;
	struct siitdc_eam *e;

	if (as_source) {
		e = siitdc_table_lookup6(m->t, addr);
		if (e) {
			*out = siitdc_eam_map6to4(e, addr);
			return !siitdc_v4_denied(m->cfg, *out);
		}
	}
	if (!m->cfg->pool6_set || !siitdc_v6_in_prefix(addr, &m->cfg->pool6))
		return false;
	*out = siitdc_rfc6052_extract(&m->cfg->pool6, addr);
	return !siitdc_wkp_nonglobal(m->cfg, *out) &&
	       !siitdc_v4_denied(m->cfg, *out);
}

static enum siitdc_verdict drop_reason(struct siitdc_net *sn, int err)
{
	enum siitdc_stat s;

	switch (-err) {
	case SIITDC_ERR_NESTED:
		s = SIITDC_STAT_DROP_ICMP_ERR_NESTED;
		break;
	case SIITDC_ERR_INNER:
	case SIITDC_ERR_ROUTING:
	case SIITDC_ERR_EXTHDR:
		s = SIITDC_STAT_DROP_ICMP_ERR_INNER;
		break;
	case SIITDC_ERR_TYPE:
	case SIITDC_ERR_POINTER:
		s = SIITDC_STAT_DROP_ICMP_TYPE;
		break;
	case SIITDC_ERR_FRAGMENT:
		s = SIITDC_STAT_DROP_ICMP_FRAGMENT;
		break;
	case SIITDC_ERR_NOSPACE:
		s = SIITDC_STAT_DROP_TOO_BIG;
		break;
	default:
		s = SIITDC_STAT_DROP_MALFORMED;
	}
	siitdc_count(sn, s);
	return SIITDC_DROP;
}

/* The settings and callbacks both directions hand the pure core. */
static void ctx_common(struct siitdc_icmp_err_ctx *ctx,
		       const struct siitdc_config *cfg, struct mapper *m)
{
	ctx->plateaus = cfg->plateaus;
	ctx->nplateaus = cfg->nplateaus;
	ctx->map4to6 = map4to6;
	ctx->map6to4 = map6to4;
	ctx->priv = m;
}

typedef int (*rebuild_fn)(const u8 *in, unsigned int inlen, u8 *out,
			  unsigned int outcap,
			  const struct siitdc_icmp_err_ctx *ctx);

/*
 * Rebuilds the (linear) error in *@pskb into a new skb of at most @cap
 * bytes with @fn, and replaces *@pskb with it. On failure *@pskb is
 * untouched and the reason counted.
 */
static enum siitdc_verdict rebuild(struct siitdc_net *sn, struct sk_buff **pskb,
				   rebuild_fn fn, unsigned int cap,
				   const struct siitdc_icmp_err_ctx *ctx,
				   __be16 proto, unsigned int hlen)
{
	struct sk_buff *skb = *pskb, *nskb;
	int len;

	nskb = alloc_skb(LL_MAX_HEADER + cap, GFP_ATOMIC);
	if (!nskb)
		return drop_reason(sn, -SIITDC_ERR_NOSPACE);
	skb_reserve(nskb, LL_MAX_HEADER);
	len = fn(skb->data, skb->len, nskb->data, cap, ctx);
	if (len < 0) {
		kfree_skb(nskb);
		return drop_reason(sn, len);
	}
	skb_put(nskb, len);
	skb_reset_network_header(nskb);
	skb_set_transport_header(nskb, hlen);
	nskb->protocol = proto;
	nskb->ip_summed = CHECKSUM_NONE;
	nskb->dev = skb->dev;
	nskb->mark = skb->mark;
	nskb->skb_iif = skb->skb_iif;
	nskb->pkt_type = skb->pkt_type;
	if (skb->sk)
		skb_set_owner_w(nskb, skb->sk);
	consume_skb(skb);
	*pskb = nskb;
	return SIITDC_XLATED;
}

static u32 route6_mtu(struct net *net, const struct in6_addr *daddr)
{
	struct flowi6 fl6 = { .daddr = *daddr };
	struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);
	u32 mtu = dst->error ? 0 : dst_mtu(dst);

	dst_release(dst);
	return mtu;
}

static u32 route4_mtu(struct net *net, __be32 daddr)
{
	struct flowi4 fl4 = { .daddr = daddr };
	struct rtable *rt = ip_route_output_key(net, &fl4);
	u32 mtu;

	if (IS_ERR(rt))
		return 0;
	mtu = dst_mtu(&rt->dst);
	ip_rt_put(rt);
	return mtu;
}

enum siitdc_verdict siitdc_xlat_icmp_err_4to6(struct siitdc_net *sn,
					      struct sk_buff **pskb,
					      struct siitdc_xlat_state *st)
{
	const struct siitdc_config *cfg = rcu_dereference(sn->config);
	struct sk_buff *skb = *pskb;
	struct siitdc_icmp_err_ctx ctx = {};
	struct mapper m = {
		.sn = sn,
		.cfg = cfg,
		.t = rcu_dereference(sn->table),
		.src_eam_ok = cfg->hairpin == SIITDC_HAIRPIN_OFF ||
			      (cfg->hairpin == SIITDC_HAIRPIN_INTRINSIC &&
			       !st->hairpinned),
	};
	const struct iphdr *iph;

	if (skb_linearize(skb))
		return drop_reason(sn, -SIITDC_ERR_NOSPACE);
	iph = ip_hdr(skb);
	if (siitdc_v4_denied(cfg, iph->daddr) || siitdc_v4_denied(cfg, iph->saddr)) {
		siitdc_count(sn, SIITDC_STAT_DROP_DENYLIST);
		return SIITDC_DROP;
	}
	if (iph->ttl <= 1 && !st->local) {
		/* Never an error about an error: just drop it. */
		siitdc_count(sn, SIITDC_STAT_DROP_TTL_EXPIRED);
		return SIITDC_DROP;
	}

	/*
	 * Outer addresses: the destination is the service (EAM); the source,
	 * a router on the IPv4 side, maps like any IPv4 source, even when
	 * RFC 1812 calls it illegal (RFC 7915 4.1, for troubleshooting), or
	 * else comes from the IPv6 RFC 6791 pool.
	 */
	if (!map4to6(&m, iph->daddr, false, &ctx.daddr6))
		return drop_reason(sn, -SIITDC_ERR_INNER);
	if (!map4to6(&m, iph->saddr, true, &ctx.saddr6)) {
		if (!cfg->pool6791v6_set) {
			siitdc_count(sn, SIITDC_STAT_DROP_SRC_UNMAPPED);
			return SIITDC_DROP;
		}
		ctx.saddr6 = cfg->pool6791v6.addr;
	}

	ctx.hop_limit = iph->ttl;	/* the IPv6 forwarding decrements it */
	ctx.zero_tc = cfg->zeroize_tc;
	ctx.tos = -1;
	ctx.mtu4 = st->local || !skb->dev ? 0 : skb->dev->mtu;
	ctx.mtu6 = route6_mtu(sn->net, &ctx.daddr6);
	ctx_common(&ctx, cfg, &m);

	if (rebuild(sn, pskb, siitdc_icmp_err_4to6, SIITDC_ICMP6_ERR_MAX, &ctx,
		    htons(ETH_P_IPV6), sizeof(struct ipv6hdr)) != SIITDC_XLATED)
		return SIITDC_DROP;
	siitdc_count(sn, SIITDC_STAT_XLAT_ICMP_ERR_4TO6);
	return SIITDC_XLATED;
}

/*
 * RFC 6791: an IPv4 source for an error from an IPv6 router that has no
 * mapping. From pool6791v4, at random (RFC 6791 4) or by hop limit; else
 * the BR's own address toward the receiver; else the dummy 192.0.0.8.
 */
static __be32 rfc6791_source(struct siitdc_net *sn,
			     const struct siitdc_config *cfg, __be32 daddr,
			     u8 hop_limit, bool *own)
{
	struct flowi4 fl4 = { .daddr = daddr };
	struct rtable *rt;
	__be32 src = 0;

	if (cfg->pool6791v4_set) {
		u8 len = cfg->pool6791v4.len;
		u32 hosts = len >= 32 ? 0 : ~0U >> len;
		u32 pick = cfg->random_6791 ? get_random_u32() : hop_limit;

		return cfg->pool6791v4.addr | htonl(pick & hosts);
	}
	rt = ip_route_output_key(sn->net, &fl4);
	if (!IS_ERR(rt)) {
		src = inet_select_addr(rt->dst.dev, daddr, RT_SCOPE_UNIVERSE);
		ip_rt_put(rt);
	}
	*own = !!src;
	return src ?: SIITDC_DUMMY_V4;
}

enum siitdc_verdict siitdc_xlat_icmp_err_6to4(struct siitdc_net *sn,
					      struct sk_buff **pskb,
					      struct siitdc_xlat_state *st)
{
	const struct siitdc_config *cfg = rcu_dereference(sn->config);
	struct sk_buff *skb = *pskb;
	struct siitdc_icmp_err_ctx ctx = {};
	struct mapper m = {
		.sn = sn,
		.cfg = cfg,
		.t = rcu_dereference(sn->table),
	};
	bool local_origin = st->local;
	const struct ipv6hdr *ip6h;
	struct iphdr *iph;

	if (skb_linearize(skb))
		return drop_reason(sn, -SIITDC_ERR_NOSPACE);
	ip6h = ipv6_hdr(skb);
	if (ip6h->hop_limit <= 1 && !st->local) {
		siitdc_count(sn, SIITDC_STAT_DROP_TTL_EXPIRED);
		return SIITDC_DROP;
	}

	if (cfg->pool6_set && siitdc_v6_in_prefix(&ip6h->daddr, &cfg->pool6) &&
	    siitdc_v4_denied(cfg, siitdc_rfc6052_extract(&cfg->pool6,
							 &ip6h->daddr))) {
		siitdc_count(sn, SIITDC_STAT_DROP_DENYLIST);
		return SIITDC_DROP;
	}
	if (!map6to4(&m, &ip6h->daddr, false, &ctx.daddr4) ||
	    !siitdc_v4_addr_unicast(ctx.daddr4))
		return drop_reason(sn, -SIITDC_ERR_INNER);
	if (!map6to4(&m, &ip6h->saddr, true, &ctx.saddr4)) {
		bool own = false;

		ctx.saddr4 = rfc6791_source(sn, cfg, ctx.daddr4,
					    ip6h->hop_limit, &own);
		/*
		 * From one of our addresses: it leaves as our own packet,
		 * through no forwarding, so the decrement is done here.
		 */
		if (own)
			st->local = true;
	}

	/* IPv4 forwarding decrements, or we do for our own packet. */
	ctx.hop_limit = ip6h->hop_limit - (st->local && !local_origin ? 1 : 0);
	ctx.tos = cfg->override_tos ? cfg->tos : -1;
	ctx.mtu6 = st->local || !skb->dev ? 0 : skb->dev->mtu;
	ctx.mtu4 = route4_mtu(sn->net, ctx.daddr4);
	ctx_common(&ctx, cfg, &m);

	if (rebuild(sn, pskb, siitdc_icmp_err_6to4, SIITDC_ICMP4_ERR_MAX, &ctx,
		    htons(ETH_P_IP), sizeof(struct iphdr)) != SIITDC_XLATED)
		return SIITDC_DROP;
	/* The core leaves the outer ID to us: the kernel's generator. */
	iph = ip_hdr(*pskb);
	__ip_select_ident(sn->net, iph, 1);
	ip_send_check(iph);
	siitdc_count(sn, SIITDC_STAT_XLAT_ICMP_ERR_6TO4);
	return SIITDC_XLATED;
}
