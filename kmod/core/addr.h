/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address mapping math: RFC 6052 IPv4-embedded IPv6 addresses and RFC 7757
 * Explicit Address Mapping suffix placement. Pure functions, no state.
 */
#ifndef _SIITDC_CORE_ADDR_H
#define _SIITDC_CORE_ADDR_H

#include "types.h"

/* A prefix of either family, host bits always zero. */
struct siitdc_prefix4 {
	__be32 addr;
	u8 len;
};

struct siitdc_prefix6 {
	struct in6_addr addr;
	u8 len;
};

static inline __be32 siitdc_v4_mask(u8 len)
{
	return len ? htonl(~0U << (32 - len)) : 0;
}

/* @p must be a valid prefix: no bits set past its length. */
bool siitdc_v4_in_prefix(__be32 addr, const struct siitdc_prefix4 *p);
bool siitdc_v6_in_prefix_any(const struct in6_addr *addr,
			     const struct siitdc_prefix6 *p);

/*
 * Per packet (pool6 membership, both directions): the usual /96 pool6 is
 * three whole words, compared here without a call.
 */
static inline bool siitdc_v6_in_prefix(const struct in6_addr *addr,
				       const struct siitdc_prefix6 *p)
{
	if (p->len == 96)
		return !((addr->s6_addr32[0] ^ p->addr.s6_addr32[0]) |
			 (addr->s6_addr32[1] ^ p->addr.s6_addr32[1]) |
			 (addr->s6_addr32[2] ^ p->addr.s6_addr32[2]));
	return siitdc_v6_in_prefix_any(addr, p);
}

/* Copies @addr with every bit past @len cleared. */
void siitdc_v6_mask(const struct in6_addr *addr, u8 len, struct in6_addr *out);

/*
 * Validation. Each returns NULL when the prefix is acceptable, otherwise a
 * short reason fit for an extack message or a CLI error.
 */
const char *siitdc_prefix4_check(const struct siitdc_prefix4 *p);
const char *siitdc_prefix6_check(const struct siitdc_prefix6 *p);
const char *siitdc_pool6_check(const struct siitdc_prefix6 *p);
const char *siitdc_eam_check(const struct siitdc_prefix4 *p4,
			     const struct siitdc_prefix6 *p6);

/* RFC 6052 section 2.2: compose and extract IPv4-embedded IPv6 addresses. */
void siitdc_rfc6052_embed(const struct siitdc_prefix6 *pool6, __be32 v4,
			  struct in6_addr *out);
__be32 siitdc_rfc6052_extract(const struct siitdc_prefix6 *pool6,
			      const struct in6_addr *addr);

/*
 * RFC 7757 section 3.2: the (32 - p4) suffix bits of the IPv4 address sit
 * immediately after the IPv6 prefix; the remaining IPv6 bits are zero.
 * The caller has already matched the address against the entry's prefix.
 */
void siitdc_eam_4to6(const struct siitdc_prefix4 *p4,
		     const struct siitdc_prefix6 *p6, __be32 v4,
		     struct in6_addr *out);
__be32 siitdc_eam_6to4(const struct siitdc_prefix4 *p4,
		       const struct siitdc_prefix6 *p6,
		       const struct in6_addr *v6);

#endif /* _SIITDC_CORE_ADDR_H */
