// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP error translation with the packet in error (RFC 7915 4.2, 4.3, 5.2,
 * 5.3) and RFC 4884 multi-part messages. Checklist rows are cited inline.
 *
 * RFC 4884 layout: the length attribute (ICMPv4 octet 5, 32-bit words;
 * ICMPv6 octet 4, 64-bit words) gives the size of the "original datagram"
 * field when an extension structure follows it. That field is then at
 * least 128 octets and zero padded to a word boundary. A message with a
 * zero length attribute has no extension: all of it is original datagram.
 */
#include "icmp_err.h"
#include "icmp_map.h"
#include "hdr.h"
#include "mtu.h"
#include "csum.h"

#define ICMP_HLEN	8
#define RFC4884_MIN	128		/* original datagram with an extension */
#define LEN6_UNIT	8		/* ICMPv6 length attribute unit */
#define LEN4_UNIT	4		/* ICMPv4 length attribute unit */

static u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static void put32(u8 *p, u32 v)
{
	put16(p, (u16)(v >> 16));
	put16(p + 2, (u16)v);
}

/* Adds @n bytes at @p to @sum, RFC 1071, host-order loads like csum.h. */
static u32 sum_bytes(u32 sum, const u8 *p, unsigned int n)
{
	u8 last[2];
	u16 w;

	for (; n >= 2; p += 2, n -= 2) {
		memcpy(&w, p, 2);
		sum = siitdc_csum_add(sum, w);
	}
	if (n) {
		last[0] = *p;
		last[1] = 0;
		memcpy(&w, last, 2);
		sum = siitdc_csum_add(sum, w);
	}
	return sum;
}

/*
 * Row 66: applies the pseudo-header @delta to the transport checksum at
 * @off of @l4 (@len bytes present) if the field is there. A UDP checksum
 * of 0 means "none" and stays 0; one that becomes 0 is written as 0xffff.
 */
static void l4_fix(u8 *l4, unsigned int len, unsigned int off, u32 delta,
		   bool udp)
{
	u16 check;

	if (len < off + 2)
		return;
	memcpy(&check, l4 + off, 2);
	if (udp && !check)
		return;
	check = siitdc_csum_apply(check, delta);
	if (udp && !check)
		check = 0xffff;
	memcpy(l4 + off, &check, 2);
}

/*
 * Inner ICMP echo: rewrites the type at @l4 (@len bytes present) and, if
 * present, adjusts the checksum by the type change plus @pseudo (the IPv6
 * pseudo-header sum, added 4to6, removed 6to4).
 */
static void icmp_echo_fix(u8 *l4, unsigned int len, u8 type, u32 pseudo,
			  bool add)
{
	u8 old[2], new[2];
	u32 delta;

	if (!len)
		return;
	old[0] = l4[0];
	old[1] = len > 1 ? l4[1] : 0;
	new[0] = type;
	new[1] = old[1];
	l4[0] = type;
	delta = siitdc_csum_delta16(old, new);
	delta = add ? siitdc_csum_add(delta, pseudo) :
		      siitdc_csum_sub(delta, pseudo);
	l4_fix(l4, len, 2, delta, false);
}

/*
 * An inner ICMPv4 echo whose message is all there gets its checksum
 * computed whole: an incremental update cannot tell 0x0000 from 0xffff,
 * and only 0xffff is right for a message summing to zero (found by
 * tests/fuzz). ICMPv6 needs no such care: its pseudo-header never sums to
 * zero.
 */
static void icmp4_echo_csum(u8 *l4, unsigned int len)
{
	u16 check;

	l4[2] = 0;
	l4[3] = 0;
	check = siitdc_csum_fold(sum_bytes(0, l4, len));
	memcpy(l4 + 2, &check, 2);
}

/*
 * Where the original datagram ends and the extension starts, for a
 * received message (rows 68, 73). @attr is the length attribute in bytes,
 * @avail what follows the ICMP header. Returns the original datagram size
 * and sets *@trim if a valid attribute delimits it (then the original
 * datagram may carry padding past the inner packet's own length). Like
 * Linux's ip_icmp_error_rfc4884(), an attribute below 128 octets or past
 * the message is not RFC 4884 and is ignored.
 */
static unsigned int rfc4884_split(unsigned int attr, unsigned int avail,
				  bool *trim)
{
	*trim = attr >= RFC4884_MIN && attr <= avail;
	return *trim ? attr : avail;
}

/*
 * Sizes the new message (rows 64, 69, 71, 72, 119). @iout is the
 * translated original datagram, @hout its headers, @ext_len the extension
 * to carry (0: none), @room what @outcap leaves after the outer and ICMP
 * headers, @unit the new length attribute unit. Returns the padded size
 * of the original datagram field when the extension is kept, else 0 (no
 * extension, length attribute 0); trims *@iout to what fits either way.
 */
static unsigned int rfc4884_size(unsigned int *iout, unsigned int hout,
				 unsigned int ext_len, unsigned int room,
				 unsigned int unit)
{
	unsigned int pad = 0, max = 255 * unit;

	if (ext_len) {
		pad = (*iout + unit - 1) / unit * unit;
		if (pad < RFC4884_MIN)
			pad = RFC4884_MIN;
		if (pad > max)
			pad = max;
		if (pad + ext_len > room) {
			/* shrink the original datagram to make room */
			pad = room > ext_len ? (room - ext_len) / unit * unit : 0;
			if (pad > max)
				pad = max;
			/* too little left: drop the extension whole (row 69) */
			if (pad < RFC4884_MIN || pad < hout)
				pad = 0;
		}
	}
	if (pad) {
		if (*iout > pad)
			*iout = pad;
	} else if (*iout > room) {
		*iout = room;
	}
	return pad;
}

int siitdc_icmp_err_4to6(const u8 *in, unsigned int inlen, u8 *out,
			 unsigned int outcap,
			 const struct siitdc_icmp_err_ctx *ctx)
{
	const unsigned int base = SIITDC_IPV6_HLEN + ICMP_HLEN;
	unsigned int ihl, tot, msglen, orig, ext_len, iihl, itot, ifo;
	unsigned int data, hout, iout, pad, olen, room, copy;
	struct siitdc_hdr_info hi;
	struct siitdc_icmp_xlat x;
	struct in6_addr is6, id6;
	const u8 *icmp, *inner;
	__be32 is4, id4;
	u32 word = 0, sum;
	u8 tos, *l4;
	bool trim;
	int ret;
	u16 check;

	/* Outer IPv4 header and ICMPv4 message. */
	if (inlen < SIITDC_IPV4_HLEN || (in[0] >> 4) != 4)
		return -SIITDC_ERR_MALFORMED;
	ihl = (in[0] & 0xfU) * 4;
	tot = get16(in + 2);
	if (ihl < SIITDC_IPV4_HLEN || tot < ihl + ICMP_HLEN || tot > inlen ||
	    in[9] != SIITDC_IPPROTO_ICMP)
		return -SIITDC_ERR_MALFORMED;
	if (get16(in + 6) & 0x3fff)			/* row 3 */
		return -SIITDC_ERR_FRAGMENT;
	icmp = in + ihl;
	msglen = tot - ihl;
	if (siitdc_csum_fold(sum_bytes(0, icmp, msglen)))	/* row 121 */
		return -SIITDC_ERR_MALFORMED;

	/* Type, code, pointer (rows 31, 40-59). */
	siitdc_icmp_map4to6(icmp[0], icmp[1], &x);
	if (x.kind != SIITDC_ICMP_ERROR)
		return -SIITDC_ERR_TYPE;
	if (x.ptr == SIITDC_PTR_MAP) {
		ret = siitdc_icmp_ptr4to6(icmp[4]);	/* row 56 */
		if (ret < 0)
			return -SIITDC_ERR_POINTER;
		word = (u32)ret;
	} else if (x.ptr == SIITDC_PTR_FIXED) {		/* row 41 */
		word = x.ptr_fixed;
	}

	/* RFC 4884 (rows 68, 72, 73). */
	orig = rfc4884_split(x.old_len ? icmp[5] * LEN4_UNIT : 0,
			     msglen - ICMP_HLEN, &trim);
	ext_len = msglen - ICMP_HLEN - orig;
	if (!x.new_len)					/* row 72 */
		ext_len = 0;

	/* The packet in error (rows 32, 61-67). */
	inner = icmp + ICMP_HLEN;
	if (orig < SIITDC_IPV4_HLEN || (inner[0] >> 4) != 4)
		return -SIITDC_ERR_MALFORMED;
	iihl = (inner[0] & 0xfU) * 4;
	itot = get16(inner + 2);
	ifo = get16(inner + 6);
	if (iihl < SIITDC_IPV4_HLEN || iihl > orig || itot < iihl)
		return -SIITDC_ERR_MALFORMED;
	if (inner[9] == SIITDC_IPPROTO_ICMP && !(ifo & 0x1fff) &&
	    orig > iihl) {
		if (siitdc_icmp4_is_error(inner[iihl]))	/* row 63 */
			return -SIITDC_ERR_NESTED;
		if (siitdc_icmp4to6_info(inner[iihl]) < 0)
			return -SIITDC_ERR_INNER;
	}
	/*
	 * Row 67: the inner packet travelled the other way (IPv6 -> IPv4),
	 * so its source is an address the translator normally meets as a
	 * destination, and its destination one it meets as a source.
	 */
	memcpy(&is4, inner + 12, 4);
	memcpy(&id4, inner + 16, 4);
	if (!ctx->map4to6 ||
	    !ctx->map4to6(ctx->priv, is4, false, &is6) ||	/* as dest */
	    !ctx->map4to6(ctx->priv, id4, true, &id6))		/* as source */
		return -SIITDC_ERR_INNER;

	/* Sizes (rows 64, 69, 71). */
	data = orig - iihl;
	if (trim && data > itot - iihl)		/* drop the old padding */
		data = itot - iihl;
	hout = (ifo & 0x3fff) ? SIITDC_HDR6_MAX : SIITDC_IPV6_HLEN;
	if (outcap < base + hout)
		return -SIITDC_ERR_NOSPACE;
	room = outcap - base;
	iout = hout + data;
	pad = rfc4884_size(&iout, hout, ext_len, room, LEN6_UNIT);
	olen = base + (pad ? pad + ext_len : iout);

	/* Inner header, data, transport checksum (rows 61, 65, 66). */
	ret = siitdc_hdr4to6(inner, orig, &is6, &id6, ctx->zero_tc,
			     out + base, &hi);
	if (ret < 0)
		return ret;
	copy = iout - hout;
	l4 = out + base + hout;
	memcpy(l4, inner + iihl, copy);
	if (!hi.frag_off) {
		u32 delta = siitdc_csum_delta_4to6(is4, id4, &is6, &id6);

		if (hi.proto == SIITDC_IPPROTO_TCP)
			l4_fix(l4, copy, 16, delta, false);
		else if (hi.proto == SIITDC_IPPROTO_UDP)
			l4_fix(l4, copy, 6, delta, true);
		else if (hi.proto == SIITDC_IPPROTO_ICMP && copy)
			icmp_echo_fix(l4, copy,
				      (u8)siitdc_icmp4to6_info(l4[0]),
				      siitdc_csum_pseudo6(&is6, &id6,
							  hi.l4_len,
							  SIITDC_IPPROTO_ICMPV6),
				      true);
	}
	if (pad) {					/* rows 68-71 */
		memset(out + base + iout, 0, pad - iout);
		memcpy(out + base + pad, inner + orig, ext_len);
		word = (pad / LEN6_UNIT) << 24;		/* octet 4 */
	}
	if (x.mtu)					/* rows 53, 54 */
		word = siitdc_mtu_4to6(get16(icmp + 6), itot, ctx->mtu6,
				       ctx->mtu4, ctx->plateaus,
				       ctx->nplateaus);

	/* Outer IPv6 header (rows 10-15, 62). */
	tos = ctx->zero_tc ? 0 : in[1];
	out[0] = 0x60 | tos >> 4;
	out[1] = (u8)(tos << 4);
	out[2] = 0;
	out[3] = 0;
	put16(out + 4, (u16)(olen - SIITDC_IPV6_HLEN));
	out[6] = SIITDC_IPPROTO_ICMPV6;
	out[7] = ctx->hop_limit;
	memcpy(out + 8, &ctx->saddr6, 16);
	memcpy(out + 24, &ctx->daddr6, 16);

	/* ICMPv6 header and checksum with the pseudo-header (row 31). */
	out[40] = x.type;
	out[41] = x.code;
	out[42] = 0;
	out[43] = 0;
	put32(out + 44, word);
	sum = siitdc_csum_pseudo6(&ctx->saddr6, &ctx->daddr6,
				  olen - SIITDC_IPV6_HLEN,
				  SIITDC_IPPROTO_ICMPV6);
	check = siitdc_csum_fold(sum_bytes(sum, out + SIITDC_IPV6_HLEN,
					   olen - SIITDC_IPV6_HLEN));
	memcpy(out + 42, &check, 2);
	return olen;
}

int siitdc_icmp_err_6to4(const u8 *in, unsigned int inlen, u8 *out,
			 unsigned int outcap,
			 const struct siitdc_icmp_err_ctx *ctx)
{
	const unsigned int base = SIITDC_IPV4_HLEN + ICMP_HLEN;
	unsigned int end, msglen, orig, ext_len, data, iout, pad, olen;
	unsigned int room, copy, ifirst;
	struct siitdc_v6_chain oc, ic;
	struct siitdc_hdr_info hi;
	struct siitdc_icmp_xlat x;
	struct in6_addr s6, d6;
	const u8 *icmp, *inner;
	__be32 is4, id4;
	u32 sum;
	u8 *l4;
	bool trim;
	int ret;
	u16 check;

	/* Outer IPv6 header chain and ICMPv6 message. */
	if (inlen < SIITDC_IPV6_HLEN || (in[0] >> 4) != 6)
		return -SIITDC_ERR_MALFORMED;
	end = SIITDC_IPV6_HLEN + get16(in + 4);
	if (end == SIITDC_IPV6_HLEN || end > inlen)
		return -SIITDC_ERR_MALFORMED;
	ret = siitdc_v6_chain(in, end, &oc);
	if (ret)
		return ret;
	if (oc.fraghdr && (oc.mf || oc.frag_off))	/* row 3 */
		return -SIITDC_ERR_FRAGMENT;
	if (oc.proto != SIITDC_IPPROTO_ICMPV6 || end - oc.hlen < ICMP_HLEN)
		return -SIITDC_ERR_MALFORMED;
	icmp = in + oc.hlen;
	msglen = end - oc.hlen;
	memcpy(&s6, in + 8, 16);
	memcpy(&d6, in + 24, 16);
	sum = siitdc_csum_pseudo6(&s6, &d6, msglen, SIITDC_IPPROTO_ICMPV6);
	if (siitdc_csum_fold(sum_bytes(sum, icmp, msglen)))	/* row 121 */
		return -SIITDC_ERR_MALFORMED;

	/* Type, code, pointer (rows 99, 101-115). */
	siitdc_icmp_map6to4(icmp[0], icmp[1], &x);
	if (x.kind != SIITDC_ICMP_ERROR)
		return -SIITDC_ERR_TYPE;
	if (x.ptr == SIITDC_PTR_MAP) {
		ret = siitdc_icmp_ptr6to4(get32(icmp + 4));	/* row 112 */
		if (ret < 0)
			return -SIITDC_ERR_POINTER;
	}

	/* RFC 4884 (rows 120, 73). */
	orig = rfc4884_split(x.old_len ? icmp[4] * LEN6_UNIT : 0,
			     msglen - ICMP_HLEN, &trim);
	ext_len = msglen - ICMP_HLEN - orig;
	if (!x.new_len)
		ext_len = 0;

	/* The packet in error (rows 100, 117, 118, 122). */
	inner = icmp + ICMP_HLEN;
	ret = siitdc_v6_chain(inner, orig, &ic);
	if (ret)
		return ret == -SIITDC_ERR_MALFORMED ? ret : -SIITDC_ERR_INNER;
	ifirst = !(ic.fraghdr && ic.frag_off);
	if (ic.proto == SIITDC_IPPROTO_ICMPV6 && ifirst && orig > ic.hlen) {
		if (siitdc_icmp6_is_error(inner[ic.hlen]))	/* row 118 */
			return -SIITDC_ERR_NESTED;
		if (siitdc_icmp6to4_info(inner[ic.hlen]) < 0)
			return -SIITDC_ERR_INNER;
	}
	/*
	 * Row 67: the inner packet travelled IPv4 -> IPv6, so its source is
	 * mapped as a destination and its destination as a source.
	 */
	memcpy(&s6, inner + 8, 16);
	memcpy(&d6, inner + 24, 16);
	if (!ctx->map6to4 ||
	    !ctx->map6to4(ctx->priv, &s6, false, &is4) ||	/* as dest */
	    !ctx->map6to4(ctx->priv, &d6, true, &id4))		/* as source */
		return -SIITDC_ERR_INNER;
	if (outcap < base + SIITDC_IPV4_HLEN)
		return -SIITDC_ERR_NOSPACE;
	ret = siitdc_hdr6to4(inner, orig, is4, id4, ctx->tos, out + base, &hi);
	if (ret < 0)
		return ret;

	/* Sizes (rows 119, 69, 71). */
	data = orig - hi.in_hlen;
	if (trim && data > hi.l4_len)		/* drop the old padding */
		data = hi.l4_len;
	room = outcap - base;
	iout = SIITDC_IPV4_HLEN + data;
	pad = rfc4884_size(&iout, SIITDC_IPV4_HLEN, ext_len, room, LEN4_UNIT);
	olen = base + (pad ? pad + ext_len : iout);

	/* Inner data and transport checksum (rows 117, 66). */
	copy = iout - SIITDC_IPV4_HLEN;
	l4 = out + base + SIITDC_IPV4_HLEN;
	memcpy(l4, inner + hi.in_hlen, copy);
	if (ifirst) {
		u32 delta = ~siitdc_csum_delta_4to6(is4, id4, &s6, &d6);

		if (hi.proto == SIITDC_IPPROTO_TCP)
			l4_fix(l4, copy, 16, delta, false);
		else if (hi.proto == SIITDC_IPPROTO_UDP)
			l4_fix(l4, copy, 6, delta, true);
		else if (hi.proto == SIITDC_IPPROTO_ICMPV6 && copy)
			icmp_echo_fix(l4, copy,
				      (u8)siitdc_icmp6to4_info(l4[0]),
				      siitdc_csum_pseudo6(&s6, &d6, hi.l4_len,
							  SIITDC_IPPROTO_ICMPV6),
				      false);
		if (hi.proto == SIITDC_IPPROTO_ICMPV6 && hi.l4_len >= 4 &&
		    copy >= hi.l4_len)
			icmp4_echo_csum(l4, hi.l4_len);
	}

	/* ICMPv4 header (rows 110, 112, 113, 120). */
	out[20] = x.type;
	out[21] = x.code;
	memset(out + 22, 0, 6);
	if (x.ptr == SIITDC_PTR_MAP)
		out[24] = (u8)siitdc_icmp_ptr6to4(get32(icmp + 4));
	if (x.mtu)
		put16(out + 26, siitdc_mtu_6to4(get32(icmp + 4), ctx->mtu4,
						ctx->mtu6));
	if (pad) {
		memset(out + base + iout, 0, pad - iout);
		memcpy(out + base + pad, inner + orig, ext_len);
		out[25] = (u8)(pad / LEN4_UNIT);		/* octet 5 */
	}
	check = siitdc_csum_fold(sum_bytes(0, out + SIITDC_IPV4_HLEN,
					   olen - SIITDC_IPV4_HLEN));
	memcpy(out + 22, &check, 2);

	/* Outer IPv4 header (rows 81-88, 117): DF 0, ID 0. */
	out[0] = 0x45;
	if (ctx->tos >= 0 && ctx->tos <= 0xff)
		out[1] = (u8)ctx->tos;
	else
		out[1] = (u8)((in[0] & 0xf) << 4 | in[1] >> 4);
	put16(out + 2, (u16)olen);
	memset(out + 4, 0, 4);
	out[8] = ctx->hop_limit;
	out[9] = SIITDC_IPPROTO_ICMP;
	memcpy(out + 12, &ctx->saddr4, 4);
	memcpy(out + 16, &ctx->daddr4, 4);
	siitdc_ip4_set_csum(out);
	return olen;
}
