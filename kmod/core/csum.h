/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One's complement checksum deltas (RFC 1071, RFC 1624) for the header and
 * pseudo-header changes a translation makes. A "sum" is a 32-bit partial sum
 * of the bytes as loaded in host order, the same convention as the kernel's
 * __wsum, so a delta computed here can be handed to the kernel's incremental
 * checksum helpers. Header only: these are a handful of instructions each.
 */
#ifndef _SIITDC_CORE_CSUM_H
#define _SIITDC_CORE_CSUM_H

#include "types.h"

static inline u32 siitdc_csum_add(u32 a, u32 b)
{
	a += b;
	return a + (a < b);
}

static inline u32 siitdc_csum_sub(u32 a, u32 b)
{
	return siitdc_csum_add(a, ~b);
}

/* Sum of @n 32-bit words, loaded without alignment assumptions. */
static inline u32 siitdc_csum_words(const void *p, unsigned int n)
{
	const u8 *b = p;
	u32 sum = 0, w;

	while (n--) {
		memcpy(&w, b, 4);
		sum = siitdc_csum_add(sum, w);
		b += 4;
	}
	return sum;
}

/* Folds a sum to the 16-bit checksum field value (complemented). */
static inline u16 siitdc_csum_fold(u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

/*
 * Applies @delta (what was added to the covered data) to a checksum field
 * value @check, as RFC 1624 eqn. 3: HC' = ~(~HC + m' - m).
 */
static inline u16 siitdc_csum_apply(u16 check, u32 delta)
{
	return siitdc_csum_fold(siitdc_csum_add((u16)~check, delta));
}

/* IPv4 -> IPv6: what the pseudo-header addresses add to an L4 checksum. */
static inline u32 siitdc_csum_delta_4to6(__be32 saddr4, __be32 daddr4,
					 const struct in6_addr *saddr6,
					 const struct in6_addr *daddr6)
{
	u32 new = siitdc_csum_add(siitdc_csum_words(saddr6, 4),
				  siitdc_csum_words(daddr6, 4));

	return siitdc_csum_sub(siitdc_csum_sub(new, (__force u32)saddr4),
			       (__force u32)daddr4);
}

/*
 * The sum of an IPv6 pseudo-header (RFC 8200 8.1): the ICMPv4 <-> ICMPv6
 * translation adds it to or removes it from the ICMP checksum.
 */
static inline u32 siitdc_csum_pseudo6(const struct in6_addr *saddr,
				      const struct in6_addr *daddr,
				      u32 len, u8 nexthdr)
{
	u32 sum = siitdc_csum_add(siitdc_csum_words(saddr, 4),
				  siitdc_csum_words(daddr, 4));

	sum = siitdc_csum_add(sum, (__force u32)htonl(len));
	return siitdc_csum_add(sum, (__force u32)htonl(nexthdr));
}

/* What replacing the 16-bit word @old by @new (both as in memory) adds. */
static inline u32 siitdc_csum_delta16(const u8 old[2], const u8 new[2])
{
	u16 o, n;

	memcpy(&o, old, 2);
	memcpy(&n, new, 2);
	return siitdc_csum_sub(n, o);
}

#endif /* _SIITDC_CORE_CSUM_H */
