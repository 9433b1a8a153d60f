// SPDX-License-Identifier: GPL-2.0
/*
 * Address mapping math (RFC 6052, RFC 7757). Compiled into siitdc.ko and into
 * the userspace unit tests; see types.h.
 */
#include "addr.h"

/* A 128-bit address as two host-order halves, for bit-level suffix moves. */
struct u128 {
	u64 hi;
	u64 lo;
};

static struct u128 in6_to_u128(const struct in6_addr *a)
{
	struct u128 x;

	x.hi = (u64)ntohl(a->s6_addr32[0]) << 32 | ntohl(a->s6_addr32[1]);
	x.lo = (u64)ntohl(a->s6_addr32[2]) << 32 | ntohl(a->s6_addr32[3]);
	return x;
}

static void u128_to_in6(struct u128 x, struct in6_addr *a)
{
	a->s6_addr32[0] = htonl((u32)(x.hi >> 32));
	a->s6_addr32[1] = htonl((u32)x.hi);
	a->s6_addr32[2] = htonl((u32)(x.lo >> 32));
	a->s6_addr32[3] = htonl((u32)x.lo);
}

/* Bits [128 - shift - 32, 128 - shift) of @x, i.e. (x >> shift) & 0xffffffff. */
static u32 u128_get32(struct u128 x, unsigned int shift)
{
	if (shift >= 64)
		return (u32)(x.hi >> (shift - 64));
	if (shift == 0)
		return (u32)x.lo;
	return (u32)(x.lo >> shift | x.hi << (64 - shift));
}

/* x |= (u128)v << shift, for a v whose bits stay within 128 bits. */
static void u128_or32(struct u128 *x, u32 v, unsigned int shift)
{
	if (shift >= 64) {
		x->hi |= (u64)v << (shift - 64);
		return;
	}
	x->lo |= (u64)v << shift;
	if (shift > 32)
		x->hi |= (u64)v >> (64 - shift);
}

/*
 * Both run per packet (table keys, pool6): whole words are copied or compared
 * as they are, so a /128 or /96 costs a few instructions, and only the one
 * word a prefix ends in is masked.
 */
void siitdc_v6_mask(const struct in6_addr *addr, u8 len, struct in6_addr *out)
{
	unsigned int w = len / 32, i;

	if (w >= 4) {
		*out = *addr;
		return;
	}
	for (i = 0; i < w; i++)
		out->s6_addr32[i] = addr->s6_addr32[i];
	out->s6_addr32[w] = addr->s6_addr32[w] & siitdc_v4_mask(len % 32);
	for (i = w + 1; i < 4; i++)
		out->s6_addr32[i] = 0;
}

bool siitdc_v4_in_prefix(__be32 addr, const struct siitdc_prefix4 *p)
{
	return ((addr ^ p->addr) & siitdc_v4_mask(p->len)) == 0;
}

bool siitdc_v6_in_prefix_any(const struct in6_addr *addr,
			     const struct siitdc_prefix6 *p)
{
	unsigned int w = p->len / 32, i;

	for (i = 0; i < w && i < 4; i++)
		if (addr->s6_addr32[i] != p->addr.s6_addr32[i])
			return false;
	return w >= 4 || !((addr->s6_addr32[w] ^ p->addr.s6_addr32[w]) &
			   siitdc_v4_mask(p->len % 32));
}

const char *siitdc_prefix4_check(const struct siitdc_prefix4 *p)
{
	if (p->len > 32)
		return "IPv4 prefix length must be 0..32";
	if (p->addr & ~siitdc_v4_mask(p->len))
		return "IPv4 prefix has bits set beyond its length";
	return NULL;
}

const char *siitdc_prefix6_check(const struct siitdc_prefix6 *p)
{
	struct in6_addr m;

	if (p->len > 128)
		return "IPv6 prefix length must be 0..128";
	siitdc_v6_mask(&p->addr, p->len, &m);
	if (memcmp(&m, &p->addr, sizeof(m)))
		return "IPv6 prefix has bits set beyond its length";
	return NULL;
}

const char *siitdc_pool6_check(const struct siitdc_prefix6 *p)
{
	switch (p->len) {
	case 32: case 40: case 48: case 56: case 64: case 96:
		break;
	default:
		return "pool6 length must be 32, 40, 48, 56, 64 or 96 (RFC 6052)";
	}
	/* Bits 64..71 (the "u" octet) must be zero in every composed address. */
	if (p->addr.s6_addr[8])
		return "pool6 prefix must have bits 64-71 (the u octet) zero";
	return siitdc_prefix6_check(p);
}

/* Blocks an EAM side may not lie in: no unicast host is ever there. */
static const struct {
	u32 addr;	/* host order: constant in userspace builds too */
	u8 len;
} v4_nonunicast[] = {
	{ 0x00000000, 8 },	/* "this network" */
	{ 0x7f000000, 8 },	/* loopback */
	{ 0xe0000000, 3 },	/* multicast, class E */
};

static const struct siitdc_prefix6 v6_nonunicast[] = {
	{ .addr = { .s6_addr = { 0xff } }, .len = 8 },		/* multicast */
	{ .addr = { .s6_addr = { 0xfe, 0x80 } }, .len = 10 },	/* link local */
	{ .addr = { .s6_addr = { [15] = 1 } }, .len = 128 },	/* loopback */
	{ .addr = { .s6_addr = { 0 } }, .len = 128 },		/* unspecified */
};

const char *siitdc_eam_check(const struct siitdc_prefix4 *p4,
			     const struct siitdc_prefix6 *p6)
{
	const char *why = siitdc_prefix4_check(p4);
	unsigned int i;

	if (why)
		return why;
	why = siitdc_prefix6_check(p6);
	if (why)
		return why;
	if (128 - p6->len < 32 - p4->len)
		return "IPv6 suffix must be at least as long as the IPv4 suffix (RFC 7757)";
	for (i = 0; i < ARRAY_SIZE(v4_nonunicast); i++)
		if (p4->len >= v4_nonunicast[i].len &&
		    !((ntohl(p4->addr) ^ v4_nonunicast[i].addr) &
		      ntohl(siitdc_v4_mask(v4_nonunicast[i].len))))
			return "IPv4 prefix is not unicast (multicast, loopback, 0/8 or class E)";
	for (i = 0; i < ARRAY_SIZE(v6_nonunicast); i++)
		if (p6->len >= v6_nonunicast[i].len &&
		    siitdc_v6_in_prefix(&p6->addr, &v6_nonunicast[i]))
			return "IPv6 prefix is not unicast (multicast, link-local or loopback)";
	return NULL;
}

/*
 * Where the i-th IPv4 octet lands in an IPv4-embedded IPv6 address: right
 * after the prefix, skipping octet 8 (bits 64..71, the u octet).
 */
static unsigned int rfc6052_octet(u8 plen, unsigned int i)
{
	unsigned int pos = plen / 8 + i;

	return (plen <= 64 && pos >= 8) ? pos + 1 : pos;
}

void siitdc_rfc6052_embed(const struct siitdc_prefix6 *pool6, __be32 v4,
			  struct in6_addr *out)
{
	const u8 *b = (const u8 *)&v4;
	unsigned int i;

	*out = pool6->addr;
	/* The usual /96 (RFC 7755): the last word, no octets to place. */
	if (pool6->len == 96) {
		out->s6_addr32[3] = v4;
		return;
	}
	for (i = 0; i < 4; i++)
		out->s6_addr[rfc6052_octet(pool6->len, i)] = b[i];
}

__be32 siitdc_rfc6052_extract(const struct siitdc_prefix6 *pool6,
			      const struct in6_addr *addr)
{
	__be32 v4;
	u8 *b = (u8 *)&v4;
	unsigned int i;

	if (pool6->len == 96)
		return addr->s6_addr32[3];
	/* Suffix bits and a non-zero u octet are ignored (RFC 6052 2.2). */
	for (i = 0; i < 4; i++)
		b[i] = addr->s6_addr[rfc6052_octet(pool6->len, i)];
	return v4;
}

void siitdc_eam_4to6(const struct siitdc_prefix4 *p4,
		     const struct siitdc_prefix6 *p6, __be32 v4,
		     struct in6_addr *out)
{
	unsigned int s4 = 32 - p4->len;
	struct u128 x;
	u32 suffix;

	*out = p6->addr;
	if (!s4)
		return;
	suffix = ntohl(v4) & (u32)(~0ULL >> (64 - s4));
	x = in6_to_u128(out);
	u128_or32(&x, suffix, 128 - p6->len - s4);
	u128_to_in6(x, out);
}

__be32 siitdc_eam_6to4(const struct siitdc_prefix4 *p4,
		       const struct siitdc_prefix6 *p6,
		       const struct in6_addr *v6)
{
	unsigned int s4 = 32 - p4->len;
	u32 suffix;

	if (!s4)
		return p4->addr;
	suffix = u128_get32(in6_to_u128(v6), 128 - p6->len - s4) &
		 (u32)(~0ULL >> (64 - s4));
	return p4->addr | htonl(suffix);
}
