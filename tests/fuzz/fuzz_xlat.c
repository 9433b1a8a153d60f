// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the pure translation core of siitdc (kmod/core).
 *
 * Input: one knob byte, then a packet.
 *
 *   bit 0      0: the packet is IPv4 (ICMPv4 error -> ICMPv6),
 *              1: the packet is IPv6 (ICMPv6 error -> ICMPv4)
 *   bit 1      ctx.zero_tc
 *   bits 2-3   ctx.tos: -1, 0, 0xb8, 256 (out of range: copy)
 *   bits 4-5   mtu4/mtu6/plateaus: 0/0/RFC 1191, 1500/1500/RFC 1191,
 *              576/1280/custom unsorted list, ~0/0x10000/empty list
 *   bits 6-7   address mapping: 0, 1: the deterministic rules below,
 *              2: every address maps, 3: NULL callbacks
 *
 * Mapping rules: map4to6 embeds into 2001:db8:46::/96 unless the last
 * byte of the IPv4 address is 0xff; map6to4 takes the last 4 bytes unless
 * the first byte of the IPv6 address is 0xff.
 *
 * Every input is translated as given and, when that differs, once more
 * after a "fixup" (total/payload length made consistent with the bytes
 * present, inner transport and outer ICMP checksums recomputed) so that
 * mutations are not all stopped by the checksum check. A successful
 * translation is also fed back through the other direction. Each call is
 * made twice with differently prefilled output buffers, with poisoned
 * canary bytes past @outcap, with SIITDC_ICMP*_ERR_MAX and with a smaller
 * outcap derived from the input.
 *
 * Every invariant is checked with code independent of the core (byte-wise
 * RFC 1071 sums, own header parsing); a violation is __builtin_trap().
 */
#include <stdio.h>
#include <stdlib.h>

#include "types.h"
#include "icmp_map.h"
#include "mtu.h"
#include "hdr.h"
#include "icmp_err.h"
#include "ipv4.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef POISON
#define POISON(p, n)	((void)(p), (void)(n))
#define UNPOISON(p, n)	((void)(p), (void)(n))
#endif

static int verbose;

/*
 * Known core bugs to tolerate while fuzzing for others, from the
 * FUZZ_XLAT_ALLOW environment variable (comma separated); strict when
 * unset. Each has a reproducer in crashes/.
 *
 *   zero-csum  corpus/crash-6to4-inner-echo-zero-csum*: an inner ICMPv6
 *              Echo Reply that becomes an all-zero ICMPv4 Echo Reply got
 *              the checksum 0x0000 instead of 0xffff (an incremental
 *              update, RFC 1624 eqn. 3, cannot produce 0xffff). Fixed in
 *              core/icmp_err.c; the switch stays for older cores.
 */
static bool allow_zero_csum;

/*
 * A failed invariant. The message goes to stderr before the trap so a
 * crash report names the check; the trap is what libFuzzer catches.
 */
#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz_xlat: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);                \
			__builtin_trap();                                  \
		}                                                          \
	} while (0)

#define CANARY		64
#define CANARY_BYTE	0xcc

/* ------------------------------------------------------------------------
 * Independent helpers: big-endian fields, RFC 1071 over bytes.
 */

static unsigned int rd16(const u8 *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static u32 rd32(const u8 *p)
{
	return (u32)rd16(p) << 16 | rd16(p + 2);
}

static void wr16(u8 *p, unsigned int v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static u32 rsum(u32 s, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? b[i] : (u32)b[i] << 8;
	return s;
}

static unsigned int rfold(u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static u32 rpseudo6(const u8 *s, const u8 *d, u32 len, u8 nh)
{
	return rsum(rsum(0, s, 16), d, 16) + (len >> 16) + (len & 0xffff) + nh;
}

static u32 rpseudo4(const u8 *s, const u8 *d, unsigned int len, u8 proto)
{
	return rsum(rsum(0, s, 4), d, 4) + len + proto;
}

/* ------------------------------------------------------------------------
 * Knobs and the translation context
 */

struct knobs {
	bool v6;
	int mapmode;	/* 0 rules, 1 always, 2 NULL */
	struct siitdc_icmp_err_ctx ctx;
};

/* Deliberately unsorted: siitdc_mtu_plateau() must search it whole. */
static const u16 custom_plateaus[] = { 1000, 68, 5000, 1400, 296 };
static const u16 empty_plateaus[1] = { 0 };

static const u8 pfx46[12] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x46 };

static bool map4to6_rule(u32 mode, __be32 a, struct in6_addr *out)
{
	u8 b[4];

	memcpy(b, &a, 4);
	if (mode == 0 && b[3] == 0xff)
		return false;
	memcpy(out->s6_addr, pfx46, 12);
	memcpy(out->s6_addr + 12, b, 4);
	return true;
}

static bool map6to4_rule(u32 mode, const struct in6_addr *a, __be32 *out)
{
	if (mode == 0 && a->s6_addr[0] == 0xff)
		return false;
	memcpy(out, a->s6_addr + 12, 4);
	return true;
}

static bool cb_map4to6(void *priv, __be32 addr, bool as_source,
		       struct in6_addr *out)
{
	(void)as_source;
	return map4to6_rule(*(u32 *)priv, addr, out);
}

static bool cb_map6to4(void *priv, const struct in6_addr *addr,
		       bool as_source, __be32 *out)
{
	(void)as_source;
	return map6to4_rule(*(u32 *)priv, addr, out);
}

static u32 mapmode_store[3] = { 0, 1, 2 };

static void knobs_init(struct knobs *k, u8 b)
{
	static const int tos[4] = { -1, 0, 0xb8, 256 };
	struct siitdc_icmp_err_ctx *c = &k->ctx;

	memset(k, 0, sizeof(*k));
	k->v6 = b & 1;
	c->zero_tc = b & 2;
	c->tos = tos[(b >> 2) & 3];
	switch ((b >> 4) & 3) {
	case 0:
		break;
	case 1:
		c->mtu4 = 1500;
		c->mtu6 = 1500;
		break;
	case 2:
		c->mtu4 = 576;
		c->mtu6 = 1280;
		c->plateaus = custom_plateaus;
		c->nplateaus = ARRAY_SIZE(custom_plateaus);
		break;
	case 3:
		c->mtu4 = 0xffffffff;
		c->mtu6 = 0x10000;
		c->plateaus = empty_plateaus;
		c->nplateaus = 0;
		break;
	}
	switch (b >> 6) {
	case 0:
	case 1:
		k->mapmode = 0;
		break;
	case 2:
		k->mapmode = 1;
		break;
	default:
		k->mapmode = 2;
		break;
	}
	if (k->mapmode != 2) {
		c->map4to6 = cb_map4to6;
		c->map6to4 = cb_map6to4;
		c->priv = &mapmode_store[k->mapmode];
	}
	c->hop_limit = 61;
	inet_pton(AF_INET6, "2001:db8:46::c000:201", &c->saddr6);
	inet_pton(AF_INET6, "2001:db8:1::5", &c->daddr6);
	inet_pton(AF_INET, "198.51.100.7", &c->saddr4);
	inet_pton(AF_INET, "203.0.113.9", &c->daddr4);
}

/* ------------------------------------------------------------------------
 * Independent parsing of the inputs (the oracle)
 */

/* Where RFC 4884 ends the original datagram: attribute @attr bytes. */
static unsigned int oracle_orig(unsigned int attr, unsigned int avail)
{
	return (attr >= 128 && attr <= avail) ? attr : avail;
}

struct l4ref {
	bool ok;		/* transport complete, checksum valid */
	u8 proto;		/* as in the input */
	unsigned int len;	/* transport length */
};

/*
 * Independent IPv6 chain walk: HBH (first only), DSTOPTS, ROUTING, one
 * FRAGMENT. Returns the header length, or 0 if it is not a clean chain.
 */
static unsigned int walk6(const u8 *p, unsigned int len, u8 *proto,
			  bool *frag)
{
	unsigned int off = 40, n;
	u8 nh;

	*frag = false;
	if (len < 40 || p[0] >> 4 != 6)
		return 0;
	nh = p[6];
	for (;;) {
		if (nh == 44) {
			if (len - off < 8)
				return 0;
			if (rd16(p + off + 2) & 0xfff9)
				*frag = true;
			nh = p[off];
			off += 8;
		} else if (nh == 0 || nh == 43 || nh == 60) {
			if (len - off < 8)
				return 0;
			n = (p[off + 1] + 1U) * 8;
			if (len - off < n)
				return 0;
			nh = p[off];
			off += n;
		} else {
			break;
		}
	}
	*proto = nh;
	return off;
}

/* Offset of the transport checksum for @proto, -1 if not checked. */
static int l4_csum_off(u8 proto, unsigned int len)
{
	if (proto == 6 && len >= 18)
		return 16;
	if (proto == 17 && len >= 8)
		return 6;
	if ((proto == 1 || proto == 58) && len >= 4)
		return 2;
	return -1;
}

/* The checksum sum for transport @l4 with the given pseudo-header sum. */
static bool l4_valid(u32 pseudo, const u8 *l4, unsigned int len)
{
	return rfold(rsum(pseudo, l4, len)) == 0;
}

/*
 * The inner packet of an ICMPv4 error at @in (already accepted by the
 * core, so the outer fields are sane): its transport, if complete, not a
 * fragment and its checksum valid.
 */
static void oracle_inner4(const u8 *in, struct l4ref *r, const u8 **innerp,
			  unsigned int *origp)
{
	unsigned int ihl = (in[0] & 15) * 4, tot = rd16(in + 2);
	const u8 *icmp = in + ihl, *inner = icmp + 8;
	unsigned int attr = 0, orig, iihl, itot, len;
	u8 type = icmp[0], proto;
	int off;

	memset(r, 0, sizeof(*r));
	if (type == 3 || type == 11 || type == 12)
		attr = icmp[5] * 4U;
	orig = oracle_orig(attr, tot - ihl - 8);
	*innerp = inner;
	*origp = orig;
	iihl = (inner[0] & 15) * 4;
	itot = rd16(inner + 2);
	if (rd16(inner + 6) & 0x3fff || itot > orig)
		return;
	proto = inner[9];
	len = itot - iihl;
	off = l4_csum_off(proto, len);
	if (off < 0 || proto == 58)	/* 58 over IPv4: not adjusted */
		return;
	if (proto == 17 && !rd16(inner + iihl + 6))
		return;
	if (proto == 1) {
		if (inner[iihl] != 0 && inner[iihl] != 8)
			return;
		if (!l4_valid(0, inner + iihl, len))
			return;
	} else if (!l4_valid(rpseudo4(inner + 12, inner + 16, len, proto),
			     inner + iihl, len)) {
		return;
	}
	r->ok = true;
	r->proto = proto;
	r->len = len;
}

static void oracle_inner6(const u8 *in, struct l4ref *r, const u8 **innerp,
			  unsigned int *origp, const u8 **icmpp)
{
	unsigned int end = 40 + rd16(in + 4), hlen, ihlen, orig, attr = 0;
	unsigned int msglen, len, pl;
	const u8 *icmp, *inner;
	bool frag;
	u8 proto;
	int off;

	memset(r, 0, sizeof(*r));
	*innerp = NULL;
	*icmpp = NULL;
	*origp = 0;
	hlen = walk6(in, end, &proto, &frag);
	if (!hlen || proto != 58 || end - hlen < 8)
		return;
	icmp = in + hlen;
	*icmpp = icmp;
	msglen = end - hlen;
	if (icmp[0] == 1 || icmp[0] == 3)
		attr = icmp[4] * 8U;
	orig = oracle_orig(attr, msglen - 8);
	inner = icmp + 8;
	*innerp = inner;
	*origp = orig;
	ihlen = walk6(inner, orig, &proto, &frag);
	if (!ihlen || frag)
		return;
	pl = rd16(inner + 4);
	if (!pl || 40 + pl > orig || 40 + pl < ihlen)
		return;
	len = 40 + pl - ihlen;
	off = l4_csum_off(proto, len);
	if (off < 0 || proto == 1)
		return;
	if (proto == 58 && inner[ihlen] != 128 && inner[ihlen] != 129)
		return;
	if (!l4_valid(rpseudo6(inner + 8, inner + 24, len, proto),
		      inner + ihlen, len))
		return;
	r->ok = true;
	r->proto = proto;
	r->len = len;
}

/* ------------------------------------------------------------------------
 * Fixups: make a mutated packet pass the length and checksum checks.
 */

static void fix_l4(u8 *l4, unsigned int len, u8 proto, u32 pseudo)
{
	int off = l4_csum_off(proto, len);
	unsigned int c;

	if (off < 0)
		return;
	wr16(l4 + off, 0);
	c = rfold(rsum(pseudo, l4, len));
	if (proto == 17 && !c)
		c = 0xffff;
	wr16(l4 + off, c);
}

static void fixup4(u8 *p, unsigned int len)
{
	unsigned int ihl, tot, orig, attr = 0, iihl, itot;
	u8 *icmp, *inner;

	if (len < 20 || p[0] >> 4 != 4)
		return;
	ihl = (p[0] & 15) * 4;
	if (ihl < 20 || ihl + 8 > len)
		return;
	tot = rd16(p + 2);
	if (tot > len || tot < ihl + 8) {
		tot = len > 0xffff ? 0xffff : len;
		wr16(p + 2, tot);
	}
	icmp = p + ihl;
	if (icmp[0] == 3 || icmp[0] == 11 || icmp[0] == 12)
		attr = icmp[5] * 4U;
	orig = oracle_orig(attr, tot - ihl - 8);
	inner = icmp + 8;
	if (orig >= 20 && inner[0] >> 4 == 4) {
		iihl = (inner[0] & 15) * 4;
		itot = rd16(inner + 2);
		if (iihl >= 20 && itot >= iihl && itot <= orig &&
		    !(rd16(inner + 6) & 0x3fff)) {
			u8 pr = inner[9];
			u32 ps = pr == 1 ? 0 :
				 rpseudo4(inner + 12, inner + 16, itot - iihl,
					  pr);

			fix_l4(inner + iihl, itot - iihl, pr, ps);
		}
	}
	wr16(icmp + 2, 0);
	wr16(icmp + 2, rfold(rsum(0, icmp, tot - ihl)));
}

static void fixup6(u8 *p, unsigned int len)
{
	unsigned int end, hlen, orig, attr = 0, ihlen, pl;
	u8 *icmp, *inner, proto;
	bool frag;

	if (len < 48 || p[0] >> 4 != 6)
		return;
	end = 40 + rd16(p + 4);
	if (end == 40 || end > len) {
		end = len > 0xffff + 40 ? 0xffff + 40 : len;
		wr16(p + 4, end - 40);
	}
	hlen = walk6(p, end, &proto, &frag);
	if (!hlen || proto != 58 || end - hlen < 8)
		return;
	icmp = p + hlen;
	if (icmp[0] == 1 || icmp[0] == 3)
		attr = icmp[4] * 8U;
	orig = oracle_orig(attr, end - hlen - 8);
	inner = icmp + 8;
	ihlen = walk6(inner, orig, &proto, &frag);
	if (ihlen && !frag) {
		pl = rd16(inner + 4);
		if (pl && 40 + pl <= orig && 40 + pl >= ihlen)
			fix_l4(inner + ihlen, 40 + pl - ihlen, proto,
			       rpseudo6(inner + 8, inner + 24,
					40 + pl - ihlen, proto));
	}
	wr16(icmp + 2, 0);
	wr16(icmp + 2, rfold(rsum(rpseudo6(p + 8, p + 24, end - hlen, 58),
				  icmp, end - hlen)));
}

/* ------------------------------------------------------------------------
 * Reference MTU arithmetic (mtu.h), in 64 bits
 */

static const u16 ref_rfc1191[] = {
	65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
};

static u32 ref_plateau(u32 tot_len, const u16 *pl, unsigned int n)
{
	u32 best = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (pl[i] < tot_len && pl[i] > best)
			best = pl[i];
	return best;
}

static u64 min_nz64(u64 a, u64 lim)
{
	return (lim && lim < a) ? lim : a;
}

/* max(1280, min(MTU_in + 20, mtu6, mtu4 + 20)); MTU_in capped at 65535 */
static u64 ref_mtu_4to6(u32 mtu_in, u32 tot_len,
			const struct siitdc_icmp_err_ctx *c)
{
	u64 m = mtu_in;

	if (!m)
		m = c->plateaus ?
		    ref_plateau(tot_len, c->plateaus, c->nplateaus) :
		    ref_plateau(tot_len, ref_rfc1191, ARRAY_SIZE(ref_rfc1191));
	if (m > 0xffff)
		m = 0xffff;
	m = min_nz64(m + 20, c->mtu6);
	if (c->mtu4)
		m = min_nz64(m, c->mtu4 + 20ULL);
	return m < 1280 ? 1280 : m;
}

/* min(MTU_in - 20, mtu4, mtu6 - 20), saturating, clamped to 65535 */
static u64 ref_mtu_6to4(u32 mtu_in, const struct siitdc_icmp_err_ctx *c)
{
	u64 m = mtu_in > 20 ? mtu_in - 20ULL : 0;

	m = min_nz64(m, c->mtu4);
	if (c->mtu6) {
		u64 l6 = c->mtu6 > 20 ? c->mtu6 - 20ULL : 0;

		if (l6 < m)
			m = l6;
	}
	return m > 0xffff ? 0xffff : m;
}

/* ------------------------------------------------------------------------
 * Output checks
 */

static void check_tos6(const u8 *out, const struct siitdc_icmp_err_ctx *c,
		       u8 tos)
{
	unsigned int tc = (out[0] & 15) << 4 | out[1] >> 4;

	CHECK(tc == (c->zero_tc ? 0 : tos));
	CHECK((out[1] & 15) == 0 && out[2] == 0 && out[3] == 0);
}

/* ICMPv4 error at @in -> ICMPv6 error at @out, @ret bytes. */
static void check_4to6(const u8 *in, const u8 *out, unsigned int ret,
		       unsigned int outcap, const struct knobs *k)
{
	const struct siitdc_icmp_err_ctx *c = &k->ctx;
	unsigned int pl, attr, iihl, orig, present, hout, ipl;
	const u8 *icmp6 = out + 40, *i6 = out + 48, *inner;
	u8 type = icmp6[0], itype;
	struct in6_addr e;
	struct l4ref r;
	u32 word;
	int p;

	CHECK(ret <= outcap && ret <= SIITDC_ICMP6_ERR_MAX);
	CHECK(ret >= 48 + 40);
	CHECK(out[0] >> 4 == 6);
	pl = rd16(out + 4);
	CHECK(pl + 40 == ret);
	CHECK(out[6] == 58 && out[7] == c->hop_limit);
	check_tos6(out, c, in[1]);
	CHECK(!memcmp(out + 8, &c->saddr6, 16));
	CHECK(!memcmp(out + 24, &c->daddr6, 16));
	CHECK(rfold(rsum(rpseudo6(out + 8, out + 24, pl, 58), icmp6, pl)) ==
	      0);

	/* Type, code and the 32-bit word. */
	CHECK(type >= 1 && type <= 4);
	word = rd32(icmp6 + 4);
	attr = 0;
	switch (type) {
	case 1:
		CHECK(icmp6[1] == 0 || icmp6[1] == 1 || icmp6[1] == 4);
		/* fall through */
	case 3:
		attr = icmp6[4] * 8U;
		CHECK((word & 0xffffff) == 0);
		break;
	case 2:
		CHECK(icmp6[1] == 0);
		CHECK(word >= 1280 && word <= 0xffff + 20);
		CHECK(word == ref_mtu_4to6(rd16(in + (in[0] & 15) * 4 + 6),
					   rd16(in + (in[0] & 15) * 4 + 8 + 2),
					   c));
		break;
	case 4:
		CHECK(icmp6[1] == 0 || icmp6[1] == 1);
		if (icmp6[1] == 1)
			CHECK(word == 6);
		else
			CHECK(word == 0 || word == 1 || word == 4 ||
			      word == 6 || word == 7 || word == 8 ||
			      word == 24);
		break;
	}
	if (attr) {
		CHECK(attr >= 128);
		CHECK(48 + attr < ret);		/* an extension follows */
	}
	present = (attr ? attr : ret - 48);

	/* The inner header. */
	oracle_inner4(in, &r, &inner, &orig);
	iihl = (inner[0] & 15) * 4;
	hout = (rd16(inner + 6) & 0x3fff) ? 48 : 40;
	CHECK(present >= hout);
	CHECK(i6[0] >> 4 == 6);
	check_tos6(i6, c, inner[1]);
	CHECK(i6[7] == inner[8]);
	ipl = rd16(inner + 2) - iihl + (hout - 40);
	CHECK(rd16(i6 + 4) == ipl);
	itype = inner[9] == 1 ? 58 : inner[9];
	if (hout == 48) {
		CHECK(i6[6] == 44 && i6[40] == itype && i6[41] == 0);
		CHECK(i6[44] == 0 && i6[45] == 0);
		CHECK(i6[46] == inner[4] && i6[47] == inner[5]);
		CHECK(rd16(i6 + 42) >> 3 == (rd16(inner + 6) & 0x1fff));
		CHECK(!!(i6[43] & 1) == !!(inner[6] & 0x20));
	} else {
		CHECK(i6[6] == itype);
	}
	if (k->mapmode != 2) {
		__be32 a;

		memcpy(&a, inner + 12, 4);
		CHECK(map4to6_rule((u32)k->mapmode, a, &e));
		CHECK(!memcmp(i6 + 8, &e, 16));
		memcpy(&a, inner + 16, 4);
		CHECK(map4to6_rule((u32)k->mapmode, a, &e));
		CHECK(!memcmp(i6 + 24, &e, 16));
	}

	/* Inner transport: a valid checksum stays valid (row 66). */
	if (r.ok && present - 40 >= r.len) {
		const u8 *l4 = i6 + 40;
		u8 nh = r.proto == 1 ? 58 : r.proto;

		if (verbose)
			fprintf(stderr, "fuzz_xlat: 4to6 inner proto %u checksum checked\n",
				r.proto);

		CHECK(l4_valid(rpseudo6(i6 + 8, i6 + 24, r.len, nh), l4,
			       r.len));
		if (r.proto == 17)
			CHECK(rd16(l4 + 6) != 0);
		if (r.proto == 1) {
			CHECK(l4[0] == (inner[iihl] == 8 ? 128 : 129));
			CHECK(l4[1] == inner[iihl + 1]);
		}
		/* the transport bytes besides the checksum are copied */
		p = l4_csum_off(r.proto, r.len);
		CHECK(!memcmp(l4 + p + 2, inner + iihl + p + 2,
			      r.len - p - 2));
	}
}

/* ICMPv6 error at @in -> ICMPv4 error at @out, @ret bytes. */
static void check_6to4(const u8 *in, const u8 *out, unsigned int ret,
		       unsigned int outcap, const struct knobs *k)
{
	const struct siitdc_icmp_err_ctx *c = &k->ctx;
	const u8 *icmp4 = out + 20, *i4 = out + 28, *inner, *icmp6;
	unsigned int attr = 0, present, orig, ihlen, itot;
	u8 type = icmp4[0], tos, proto;
	struct l4ref r;
	bool frag;
	__be32 a;
	int p;

	CHECK(ret <= outcap && ret <= SIITDC_ICMP4_ERR_MAX);
	CHECK(ret >= 28 + 20);
	CHECK(out[0] == 0x45);
	CHECK(rd16(out + 2) == ret);
	CHECK(rfold(rsum(0, out, 20)) == 0);
	CHECK(rd16(out + 4) == 0 && rd16(out + 6) == 0);
	CHECK(out[8] == c->hop_limit && out[9] == 1);
	tos = (c->tos >= 0 && c->tos <= 255) ? (u8)c->tos :
	      (u8)((in[0] & 15) << 4 | in[1] >> 4);
	CHECK(out[1] == tos);
	CHECK(!memcmp(out + 12, &c->saddr4, 4));
	CHECK(!memcmp(out + 16, &c->daddr4, 4));
	CHECK(rfold(rsum(0, icmp4, ret - 20)) == 0);
	oracle_inner6(in, &r, &inner, &orig, &icmp6);
	CHECK(inner && icmp6);

	switch (type) {
	case 3:
		CHECK((icmp4[1] >= 1 && icmp4[1] <= 4) || icmp4[1] == 10);
		attr = icmp4[5] * 4U;
		CHECK(icmp4[4] == 0);
		if (icmp4[1] == 4) {
			unsigned int m = rd16(icmp4 + 6);

			CHECK(m == ref_mtu_6to4(rd32(icmp6 + 4), c));
		} else {
			CHECK(rd16(icmp4 + 6) == 0);
		}
		break;
	case 11:
		attr = icmp4[5] * 4U;
		CHECK(icmp4[4] == 0 && rd16(icmp4 + 6) == 0);
		break;
	case 12:
		CHECK(icmp4[1] == 0);
		attr = icmp4[5] * 4U;
		p = icmp4[4];
		CHECK(p == 0 || p == 1 || p == 2 || p == 8 || p == 9 ||
		      p == 12 || p == 16);
		CHECK(rd16(icmp4 + 6) == 0);
		break;
	default:
		CHECK(0);
	}
	if (attr) {
		CHECK(attr >= 128);
		CHECK(28 + attr < ret);
	}
	present = attr ? attr : ret - 28;

	/* The inner header. */
	CHECK(present >= 20);
	CHECK(i4[0] == 0x45);
	CHECK(rfold(rsum(0, i4, 20)) == 0);
	ihlen = walk6(inner, orig, &proto, &frag);
	CHECK(ihlen);
	itot = rd16(inner + 4) - (ihlen - 40) + 20;
	CHECK(rd16(i4 + 2) == itot);
	CHECK(i4[8] == inner[7]);
	CHECK(i4[9] == (proto == 58 ? 1 : proto));
	if (k->mapmode != 2) {
		struct in6_addr s;

		memcpy(&s, inner + 8, 16);
		CHECK(map6to4_rule((u32)k->mapmode, &s, &a));
		CHECK(!memcmp(i4 + 12, &a, 4));
		memcpy(&s, inner + 24, 16);
		CHECK(map6to4_rule((u32)k->mapmode, &s, &a));
		CHECK(!memcmp(i4 + 16, &a, 4));
	}

	if (r.ok && present - 20 >= r.len) {
		const u8 *l4 = i4 + 20;
		u32 ps = r.proto == 58 ? 0 :
			 rpseudo4(i4 + 12, i4 + 16, r.len, r.proto);

		if (verbose)
			fprintf(stderr, "fuzz_xlat: 6to4 inner proto %u checksum checked\n",
				r.proto);

		if (allow_zero_csum && r.proto == 58 && !rsum(0, l4, r.len))
			;	/* known: 0x0000 for all-zero data */
		else if (!(r.proto == 17 && !rd16(l4 + 6)))
			CHECK(l4_valid(ps, l4, r.len));
		if (r.proto == 58) {
			CHECK(l4[0] == (inner[ihlen] == 128 ? 8 : 0));
			CHECK(l4[1] == inner[ihlen + 1]);
		}
		p = l4_csum_off(r.proto, r.len);
		CHECK(!memcmp(l4 + p + 2, inner + ihlen + p + 2,
			      r.len - p - 2));
	}
}

/* ------------------------------------------------------------------------
 * Calling the translators
 */

typedef int (*xlat_fn)(const u8 *, unsigned int, u8 *, unsigned int,
		       const struct siitdc_icmp_err_ctx *);

/*
 * Runs @fn twice with differently prefilled buffers and poisoned canaries;
 * the result must be the same and fully written. Returns the result;
 * *@outp (malloc'd, caller frees) holds the output if it is >= 0.
 */
static int run_xlat(xlat_fn fn, const u8 *in, unsigned int inlen,
		    unsigned int outcap, const struct knobs *k, u8 **outp)
{
	u8 *in_copy, *buf[2];
	unsigned int i, j;
	int ret[2];

	in_copy = malloc(inlen ? inlen : 1);
	CHECK(in_copy);
	memcpy(in_copy, in, inlen);
	for (i = 0; i < 2; i++) {
		buf[i] = malloc(outcap + CANARY);
		CHECK(buf[i]);
		memset(buf[i], i ? 0x5a : 0xa5, outcap);
		memset(buf[i] + outcap, CANARY_BYTE, CANARY);
		POISON(buf[i] + outcap, CANARY);
		ret[i] = fn(in, inlen, buf[i], outcap, &k->ctx);
		UNPOISON(buf[i] + outcap, CANARY);
		for (j = 0; j < CANARY; j++)
			CHECK(buf[i][outcap + j] == CANARY_BYTE);
		CHECK(!memcmp(in, in_copy, inlen));	/* const input */
	}
	CHECK(ret[0] == ret[1]);
	if (ret[0] >= 0) {
		CHECK((unsigned int)ret[0] <= outcap);
		/* every byte of the packet written, none past it */
		CHECK(!memcmp(buf[0], buf[1], (unsigned int)ret[0]));
		for (j = (unsigned int)ret[0]; j < outcap; j++)
			CHECK(buf[0][j] == 0xa5 && buf[1][j] == 0x5a);
	} else {
		CHECK(ret[0] >= -SIITDC_ERR_NOSPACE);
	}
	free(in_copy);
	free(buf[1]);
	if (ret[0] >= 0)
		*outp = buf[0];
	else
		free(buf[0]);
	return ret[0];
}

static unsigned int small_outcap(const u8 *in, unsigned int inlen,
				 unsigned int max)
{
	u32 h = 2166136261u;
	unsigned int i;

	for (i = 0; i < inlen; i++)
		h = (h ^ in[i]) * 16777619u;
	return h % (max + 1);
}

static void xlat_4to6(const u8 *in, unsigned int inlen,
		      const struct knobs *k, int depth);
static void xlat_6to4(const u8 *in, unsigned int inlen,
		      const struct knobs *k, int depth);

static void xlat_4to6(const u8 *in, unsigned int inlen,
		      const struct knobs *k, int depth)
{
	unsigned int cap2 = small_outcap(in, inlen, SIITDC_ICMP6_ERR_MAX);
	u8 *out = NULL;
	int ret;

	ret = run_xlat(siitdc_icmp_err_4to6, in, inlen, SIITDC_ICMP6_ERR_MAX,
		       k, &out);
	if (verbose)
		fprintf(stderr, "fuzz_xlat: 4to6 depth %d len %u -> %d\n",
			depth, inlen, ret);
	if (ret >= 0) {
		check_4to6(in, out, (unsigned int)ret, SIITDC_ICMP6_ERR_MAX,
			   k);
		if (!depth)
			xlat_6to4(out, (unsigned int)ret, k, depth + 1);
		free(out);
		out = NULL;
	}
	ret = run_xlat(siitdc_icmp_err_4to6, in, inlen, cap2, k, &out);
	if (ret >= 0) {
		check_4to6(in, out, (unsigned int)ret, cap2, k);
		free(out);
	}
}

static void xlat_6to4(const u8 *in, unsigned int inlen,
		      const struct knobs *k, int depth)
{
	unsigned int cap2 = small_outcap(in, inlen, SIITDC_ICMP4_ERR_MAX);
	u8 *out = NULL;
	int ret;

	ret = run_xlat(siitdc_icmp_err_6to4, in, inlen, SIITDC_ICMP4_ERR_MAX,
		       k, &out);
	if (verbose)
		fprintf(stderr, "fuzz_xlat: 6to4 depth %d len %u -> %d\n",
			depth, inlen, ret);
	if (ret >= 0) {
		check_6to4(in, out, (unsigned int)ret, SIITDC_ICMP4_ERR_MAX,
			   k);
		if (!depth)
			xlat_4to6(out, (unsigned int)ret, k, depth + 1);
		free(out);
		out = NULL;
	}
	ret = run_xlat(siitdc_icmp_err_6to4, in, inlen, cap2, k, &out);
	if (ret >= 0) {
		check_6to4(in, out, (unsigned int)ret, cap2, k);
		free(out);
	}
}

/* ------------------------------------------------------------------------
 * The single-purpose functions
 */

static void fuzz_hdr4to6(const u8 *in, unsigned int inlen, bool zero_tc)
{
	u8 out[SIITDC_HDR6_MAX + CANARY];
	struct siitdc_hdr_info hi;
	struct in6_addr s, d;
	unsigned int ihl, tot, i;
	int ret;

	memset(&s, 0x11, sizeof(s));
	memset(&d, 0x22, sizeof(d));
	memset(out, CANARY_BYTE, sizeof(out));
	ret = siitdc_hdr4to6(in, inlen, &s, &d, zero_tc, out, &hi);
	for (i = ret < 0 ? 0 : (unsigned int)ret; i < sizeof(out); i++)
		CHECK(out[i] == CANARY_BYTE);
	if (ret < 0) {
		CHECK(ret == -SIITDC_ERR_MALFORMED);
		return;
	}
	CHECK(ret == 40 || ret == 48);
	CHECK(inlen >= 20 && in[0] >> 4 == 4);
	ihl = (in[0] & 15) * 4;
	tot = rd16(in + 2);
	CHECK(ihl >= 20 && ihl <= inlen && tot >= ihl);
	CHECK(hi.in_hlen == ihl && hi.out_hlen == (unsigned int)ret);
	CHECK(hi.l4_len == tot - ihl && hi.proto == in[9]);
	CHECK(hi.fraghdr == !!(rd16(in + 6) & 0x3fff));
	CHECK(hi.frag == hi.fraghdr);
	CHECK(hi.frag_off == (rd16(in + 6) & 0x1fff));
	CHECK((ret == 48) == hi.fraghdr);
	CHECK(out[0] >> 4 == 6 && out[7] == in[8]);
	CHECK(rd16(out + 4) == hi.l4_len + (unsigned int)ret - 40);
	CHECK(!memcmp(out + 8, &s, 16) && !memcmp(out + 24, &d, 16));
	check_tos6(out, &(struct siitdc_icmp_err_ctx){ .zero_tc = zero_tc },
		   in[1]);
}

static void fuzz_hdr6to4(const u8 *in, unsigned int inlen, int tos)
{
	struct siitdc_v6_chain c;
	u8 out[20 + CANARY];
	struct siitdc_hdr_info hi;
	unsigned int i, hlen, tot;
	bool frag;
	u8 proto;
	int ret, cret;

	cret = siitdc_v6_chain(in, inlen, &c);
	hlen = walk6(in, inlen, &proto, &frag);
	if (!cret) {
		CHECK(c.hlen >= 40 && c.hlen <= inlen);
		CHECK((c.hlen - 40) % 8 == 0);
		CHECK(c.proto != 0 && c.proto != 43 && c.proto != 44 &&
		      c.proto != 60);
		CHECK(hlen == c.hlen && proto == c.proto);
		CHECK(frag == (c.fraghdr && (c.mf || c.frag_off)));
	} else {
		CHECK(cret == -SIITDC_ERR_MALFORMED ||
		      cret == -SIITDC_ERR_ROUTING ||
		      cret == -SIITDC_ERR_EXTHDR);
	}

	memset(out, CANARY_BYTE, sizeof(out));
	ret = siitdc_hdr6to4(in, inlen, 0x01020304, 0x05060708, tos, out, &hi);
	for (i = ret < 0 ? 0 : 20; i < sizeof(out); i++)
		CHECK(out[i] == CANARY_BYTE);
	if (ret < 0) {
		CHECK(cret ? ret == cret : ret == -SIITDC_ERR_MALFORMED);
		return;
	}
	CHECK(!cret && ret == 20);
	CHECK(out[0] == 0x45 && rfold(rsum(0, out, 20)) == 0);
	tot = rd16(out + 2);
	CHECK(tot == hi.l4_len + 20);
	CHECK(rd16(in + 4) == tot - 20 + c.hlen - 40);
	CHECK(out[8] == in[7]);
	CHECK(out[9] == (c.proto == 58 ? 1 : c.proto));
	CHECK(hi.in_hlen == c.hlen && hi.out_hlen == 20);
	if (!c.fraghdr)
		CHECK(rd16(out + 6) == (tot > SIITDC_DF_THRESHOLD ? 0x4000 : 0));
	else
		CHECK(!(out[6] & 0x40) && rd16(out + 4) == (c.frag_id & 0xffff) &&
		      (rd16(out + 6) & 0x1fff) == c.frag_off &&
		      !!(out[6] & 0x20) == c.mf);
	if (tos >= 0 && tos <= 255)
		CHECK(out[1] == tos);
}

static void fuzz_options(const u8 *opt, unsigned int len)
{
	enum siitdc_v4opt r;
	u8 *copy = malloc(len ? len : 1);	/* exact size for ASan */

	CHECK(copy);
	memcpy(copy, opt, len);
	r = siitdc_v4_options_check(copy, len);
	CHECK(r == SIITDC_V4OPT_OK || r == SIITDC_V4OPT_SOURCE_ROUTE ||
	      r == SIITDC_V4OPT_MALFORMED);
	if (!len || copy[0] == 0)
		CHECK(r == SIITDC_V4OPT_OK);
	free(copy);
}

/* Scope: a few blocks that are never global (RFC 6890). */
static void fuzz_scope(const u8 *a)
{
	__be32 addr;
	bool g;

	memcpy(&addr, a, 4);
	g = siitdc_v4_is_global(addr);
	if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
	    (a[0] == 192 && a[1] == 168))
		CHECK(!g);
	if (a[0] == 8 || a[0] == 9)
		CHECK(g);
}

static bool is4err(u8 t)
{
	return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}

static void fuzz_map(u8 type, u8 code, u32 ptr)
{
	struct siitdc_icmp_xlat x, y;
	int p, q;

	siitdc_icmp_map4to6(type, code, &x);
	CHECK(x.kind <= SIITDC_ICMP_ERROR && x.ptr <= SIITDC_PTR_FIXED);
	CHECK(x.old_len == siitdc_icmp4_has_len(type));
	CHECK(siitdc_icmp4_is_error(type) == is4err(type));
	if (x.kind == SIITDC_ICMP_ERROR) {
		CHECK(type == 3 || type == 11 || type == 12);
		CHECK(x.type >= 1 && x.type <= 4);
		CHECK(x.new_len == siitdc_icmp6_has_len(x.type));
		CHECK(x.mtu == (x.type == 2));
		CHECK((x.ptr != SIITDC_PTR_NONE) == (x.type == 4));
		siitdc_icmp_map6to4(x.type, x.code, &y);
		CHECK(y.kind == SIITDC_ICMP_ERROR);
	} else if (x.kind == SIITDC_ICMP_INFO) {
		CHECK(type == 0 || type == 8);
		CHECK(x.type == (type ? 128 : 129) && x.code == code);
	} else {
		CHECK(!x.mtu && x.ptr == SIITDC_PTR_NONE);
	}

	siitdc_icmp_map6to4(type, code, &x);
	CHECK(x.kind <= SIITDC_ICMP_ERROR && x.ptr <= SIITDC_PTR_FIXED);
	CHECK(x.old_len == siitdc_icmp6_has_len(type));
	CHECK(siitdc_icmp6_is_error(type) == (type < 128));
	if (x.kind == SIITDC_ICMP_ERROR) {
		CHECK(type >= 1 && type <= 4);
		CHECK(x.type == 3 || x.type == 11 || x.type == 12);
		CHECK(x.new_len == siitdc_icmp4_has_len(x.type));
		CHECK(x.mtu == (x.type == 3 && x.code == 4));
		CHECK((x.ptr == SIITDC_PTR_MAP) == (x.type == 12));
		CHECK(x.ptr != SIITDC_PTR_FIXED);
		siitdc_icmp_map4to6(x.type, x.code, &y);
		CHECK(y.kind == SIITDC_ICMP_ERROR);
	} else if (x.kind == SIITDC_ICMP_INFO) {
		CHECK(type == 128 || type == 129);
		CHECK(x.type == (type == 128 ? 8 : 0) && x.code == code);
	}

	p = siitdc_icmp_ptr4to6(ptr);
	if (p >= 0) {
		CHECK(ptr < 20 && p < 40);
		q = siitdc_icmp_ptr6to4((u32)p);
		CHECK(q >= 0 && q < 20 && q <= (int)ptr);
	}
	p = siitdc_icmp_ptr6to4(ptr);
	if (p >= 0) {
		CHECK(ptr < 40 && p < 20);
		q = siitdc_icmp_ptr4to6((u32)p);
		CHECK(q >= 0 && q < 40 && q <= (int)ptr);
	}
}

static void fuzz_mtu(u32 mtu_in, u32 tot_len, const struct knobs *k,
		     const u8 *list, unsigned int listlen)
{
	const struct siitdc_icmp_err_ctx *c = &k->ctx;
	u16 own[16];
	unsigned int i, m;
	u32 r;

	CHECK(siitdc_mtu_plateau(tot_len, ref_rfc1191,
				 ARRAY_SIZE(ref_rfc1191)) ==
	      ref_plateau(tot_len, ref_rfc1191, ARRAY_SIZE(ref_rfc1191)));
	if (c->plateaus)
		CHECK(siitdc_mtu_plateau(tot_len, c->plateaus, c->nplateaus) ==
		      ref_plateau(tot_len, c->plateaus, c->nplateaus));
	m = listlen / 2 > 16 ? 16 : listlen / 2;
	for (i = 0; i < m; i++)
		own[i] = (u16)rd16(list + 2 * i);
	CHECK(siitdc_mtu_plateau(tot_len, own, m) ==
	      ref_plateau(tot_len, own, m));

	r = siitdc_mtu_4to6(mtu_in, tot_len, c->mtu6, c->mtu4, c->plateaus,
			    c->nplateaus);
	CHECK(r == ref_mtu_4to6(mtu_in, tot_len, c));
	CHECK(r >= 1280 && r <= 0xffff + 20);
	CHECK(siitdc_mtu_6to4(mtu_in, c->mtu4, c->mtu6) ==
	      ref_mtu_6to4(mtu_in, c));
}

/* ------------------------------------------------------------------------
 * Entry points
 */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *allow = getenv("FUZZ_XLAT_ALLOW");

	verbose = getenv("FUZZ_XLAT_VERBOSE") != NULL;
	allow_zero_csum = allow && strstr(allow, "zero-csum");
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	unsigned int len, ihl, off;
	struct knobs k;
	const u8 *pkt;
	u8 *fixed;

	if (size < 1 || size > 0xffff + 1)
		return 0;
	knobs_init(&k, data[0]);
	pkt = data + 1;
	len = (unsigned int)(size - 1);

	/* The single-purpose functions, over whatever the bytes are. */
	fuzz_map(len >= 2 ? pkt[0] : 0, len >= 2 ? pkt[1] : 0,
		 len >= 6 ? rd32(pkt + 2) : len);
	fuzz_mtu(len >= 4 ? rd32(pkt) : 0, len >= 6 ? rd16(pkt + 4) : 0, &k,
		 pkt, len);
	if (k.v6) {
		fuzz_hdr6to4(pkt, len, k.ctx.tos);
		if (len >= 48) {
			fuzz_map(pkt[40], pkt[41], rd32(pkt + 44));
			fuzz_hdr6to4(pkt + 48, len - 48, k.ctx.tos);
		}
	} else {
		fuzz_hdr4to6(pkt, len, k.ctx.zero_tc);
		fuzz_options(pkt, len);
		if (len >= 20) {
			fuzz_scope(pkt + 12);
			fuzz_scope(pkt + 16);
		}
		if (len >= 20) {
			ihl = (pkt[0] & 15) * 4;
			if (ihl > 20 && ihl <= len)
				fuzz_options(pkt + 20, ihl - 20);
			if (ihl >= 20 && len >= ihl + 8) {
				off = ihl + 8;
				fuzz_map(pkt[ihl], pkt[ihl + 1],
					 pkt[ihl + 4]);
				fuzz_mtu(rd16(pkt + ihl + 6),
					 len >= off + 4 ?
					 rd16(pkt + off + 2) : 0,
					 &k, pkt + off, len - off);
				fuzz_hdr4to6(pkt + off, len - off,
					     k.ctx.zero_tc);
				if (len >= off + 20) {
					unsigned int iihl =
						(pkt[off] & 15) * 4;

					if (iihl > 20 && off + iihl <= len)
						fuzz_options(pkt + off + 20,
							     iihl - 20);
				}
			}
		}
	}

	/* The whole ICMP error translation, as given and fixed up. */
	if (k.v6)
		xlat_6to4(pkt, len, &k, 0);
	else
		xlat_4to6(pkt, len, &k, 0);
	fixed = malloc(len ? len : 1);
	CHECK(fixed);
	memcpy(fixed, pkt, len);
	if (k.v6)
		fixup6(fixed, len);
	else
		fixup4(fixed, len);
	if (memcmp(fixed, pkt, len)) {
		if (k.v6)
			xlat_6to4(fixed, len, &k, 0);
		else
			xlat_4to6(fixed, len, &k, 0);
	}
	free(fixed);
	return 0;
}
