// SPDX-License-Identifier: GPL-2.0
/*
 * One IP header, IPv4 <-> IPv6, as bytes (RFC 7915 4.1, 5.1, 5.1.1).
 */
#include "hdr.h"
#include "csum.h"

static u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* Headers that may not follow a Fragment Header (rows 92, 98). */
static bool v6_exthdr(u8 nh)
{
	switch (nh) {
	case SIITDC_IPPROTO_HOPOPTS:
	case SIITDC_IPPROTO_ROUTING:
	case SIITDC_IPPROTO_FRAGMENT:
	case SIITDC_IPPROTO_AH:
	case SIITDC_IPPROTO_DSTOPTS:
	case SIITDC_IPPROTO_MH:
	case SIITDC_IPPROTO_HIP:
	case SIITDC_IPPROTO_SHIM6:
		return true;
	}
	return false;
}

int siitdc_v6_chain(const u8 *in, unsigned int inlen,
		    struct siitdc_v6_chain *c)
{
	unsigned int off = SIITDC_IPV6_HLEN, len;
	u8 nh;

	memset(c, 0, sizeof(*c));
	if (inlen < SIITDC_IPV6_HLEN || (in[0] >> 4) != 6)
		return -SIITDC_ERR_MALFORMED;
	for (nh = in[6]; ; nh = in[off - len]) {
		if (nh == SIITDC_IPPROTO_HOPOPTS && off != SIITDC_IPV6_HLEN)
			return -SIITDC_ERR_EXTHDR;
		if (c->fraghdr && v6_exthdr(nh))
			return -SIITDC_ERR_EXTHDR;
		if (nh == SIITDC_IPPROTO_FRAGMENT) {
			if (inlen - off < SIITDC_FRAG_HLEN)
				return -SIITDC_ERR_MALFORMED;
			c->fraghdr = true;
			c->frag_off = get16(in + off + 2) >> 3;
			c->mf = in[off + 3] & 1;
			c->frag_id = get32(in + off + 4);
			len = SIITDC_FRAG_HLEN;
		} else if (nh == SIITDC_IPPROTO_HOPOPTS ||
			   nh == SIITDC_IPPROTO_ROUTING ||
			   nh == SIITDC_IPPROTO_DSTOPTS) {
			if (inlen - off < 8)
				return -SIITDC_ERR_MALFORMED;
			len = (in[off + 1] + 1U) * 8;
			if (inlen - off < len)
				return -SIITDC_ERR_MALFORMED;
			/* row 91: Segments Left is octet 3 */
			if (nh == SIITDC_IPPROTO_ROUTING && in[off + 3])
				return -SIITDC_ERR_ROUTING;
		} else {
			break;
		}
		off += len;
	}
	c->hlen = off;
	c->proto = nh;
	return 0;
}

int siitdc_hdr4to6(const u8 *in, unsigned int inlen,
		   const struct in6_addr *saddr, const struct in6_addr *daddr,
		   bool zero_tc, u8 *out, struct siitdc_hdr_info *info)
{
	unsigned int ihl, tot, fo, pl;
	u8 tos, proto;
	bool mf;

	memset(info, 0, sizeof(*info));
	if (inlen < SIITDC_IPV4_HLEN || (in[0] >> 4) != 4)
		return -SIITDC_ERR_MALFORMED;
	ihl = (in[0] & 0xfU) * 4;
	tot = get16(in + 2);
	if (ihl < SIITDC_IPV4_HLEN || ihl > inlen || tot < ihl)
		return -SIITDC_ERR_MALFORMED;

	tos = zero_tc ? 0 : in[1];			/* rows 11, 12 */
	fo = get16(in + 6);
	mf = fo & 0x2000;
	fo &= 0x1fff;
	proto = in[9];
	info->proto = proto;
	info->in_hlen = ihl;
	info->l4_len = tot - ihl;			/* rows 14, 65 */
	info->frag = mf || fo;
	info->fraghdr = info->frag;			/* rows 22, 23 */
	info->frag_off = (u16)fo;
	if (proto == SIITDC_IPPROTO_ICMP)		/* row 15 */
		proto = SIITDC_IPPROTO_ICMPV6;

	pl = info->l4_len;
	out[0] = 0x60 | tos >> 4;
	out[1] = (u8)(tos << 4);			/* flow label 0, row 13 */
	out[2] = 0;
	out[3] = 0;
	out[6] = info->fraghdr ? SIITDC_IPPROTO_FRAGMENT : proto;
	out[7] = in[8];					/* rows 16, 61 */
	memcpy(out + 8, saddr, 16);
	memcpy(out + 24, daddr, 16);
	info->out_hlen = SIITDC_IPV6_HLEN;
	if (info->fraghdr) {				/* rows 27, 28 */
		u8 *fh = out + SIITDC_IPV6_HLEN;

		pl += SIITDC_FRAG_HLEN;
		fh[0] = proto;
		fh[1] = 0;
		put16(fh + 2, (u16)(fo << 3 | mf));
		fh[4] = 0;
		fh[5] = 0;
		fh[6] = in[4];
		fh[7] = in[5];
		info->out_hlen += SIITDC_FRAG_HLEN;
	}
	put16(out + 4, (u16)pl);
	return info->out_hlen;
}

void siitdc_ip4_set_csum(u8 *iph)
{
	unsigned int words = iph[0] & 0xf;
	u16 check;

	iph[10] = 0;
	iph[11] = 0;
	check = siitdc_csum_fold(siitdc_csum_words(iph, words));
	memcpy(iph + 10, &check, 2);
}

int siitdc_hdr6to4(const u8 *in, unsigned int inlen, __be32 saddr,
		   __be32 daddr, int tos, u8 *out, struct siitdc_hdr_info *info)
{
	struct siitdc_v6_chain c;
	unsigned int pl, skipped, tot;
	u16 fo;
	int err;

	memset(info, 0, sizeof(*info));
	err = siitdc_v6_chain(in, inlen, &c);
	if (err)
		return err;
	pl = get16(in + 4);
	skipped = c.hlen - SIITDC_IPV6_HLEN;
	if (!pl || pl < skipped)
		return -SIITDC_ERR_MALFORMED;
	tot = pl - skipped + SIITDC_IPV4_HLEN;		/* rows 83, 93 */
	if (tot > 0xffff)
		return -SIITDC_ERR_MALFORMED;

	info->in_hlen = c.hlen;
	info->out_hlen = SIITDC_IPV4_HLEN;
	info->l4_len = tot - SIITDC_IPV4_HLEN;
	info->proto = c.proto;
	info->fraghdr = c.fraghdr;
	info->frag = c.fraghdr && (c.mf || c.frag_off);
	info->frag_off = c.frag_off;

	out[0] = 0x45;					/* row 81 */
	if (tos >= 0 && tos <= 0xff)			/* row 82 */
		out[1] = (u8)tos;
	else
		out[1] = (u8)((in[0] & 0xf) << 4 | in[1] >> 4);
	put16(out + 2, (u16)tot);
	if (c.fraghdr) {			/* rows 94, 97: DF = 0 */
		put16(out + 4, (u16)c.frag_id);
		fo = c.frag_off | (c.mf ? 0x2000 : 0);
	} else {				/* rows 84, 85: ID by caller */
		out[4] = 0;
		out[5] = 0;
		fo = tot > SIITDC_DF_THRESHOLD ? 0x4000 : 0;
	}
	put16(out + 6, fo);
	out[8] = in[7];					/* rows 86, 117 */
	out[9] = c.proto == SIITDC_IPPROTO_ICMPV6 ?	/* rows 87, 95 */
		 SIITDC_IPPROTO_ICMP : c.proto;
	memcpy(out + 12, &saddr, 4);
	memcpy(out + 16, &daddr, 4);
	siitdc_ip4_set_csum(out);			/* row 88 */
	return SIITDC_IPV4_HLEN;
}
