/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffer-to-buffer translation of a whole ICMP error message, its inner
 * packet included (RFC 7915 4.2, 4.3, 5.2, 5.3; RFC 4884). Pure, no state:
 * the caller supplies the outer addresses, the next-hop MTUs and a callback
 * that maps the inner addresses.
 */
#ifndef _SIITDC_CORE_ICMP_ERR_H
#define _SIITDC_CORE_ICMP_ERR_H

#include "types.h"

/*
 * Why a translation failed; functions return the negated value. Shared by
 * hdr.h and icmp_err.h.
 */
enum siitdc_err {
	/* truncated or inconsistent headers, bad outer ICMP checksum */
	SIITDC_ERR_MALFORMED = 1,
	/* not an error message, or one RFC 7915 silently drops */
	SIITDC_ERR_TYPE,
	/* the inner packet is itself an ICMP error (rows 63, 118) */
	SIITDC_ERR_NESTED,
	/* inner packet untranslatable: inner address not mappable, inner
	 * ICMP type neither echo nor error, inner extension headers
	 * rejected by siitdc_v6_chain() (row 122)
	 */
	SIITDC_ERR_INNER,
	/* Parameter Problem pointer with no mapping (rows 56, 112) */
	SIITDC_ERR_POINTER,
	/* the outer packet is a fragment (row 3) */
	SIITDC_ERR_FRAGMENT,
	/* Routing header with Segments Left != 0 (row 91) */
	SIITDC_ERR_ROUTING,
	/* extension header not allowed where found (rows 92, 98) */
	SIITDC_ERR_EXTHDR,
	/* @outcap cannot hold even the headers */
	SIITDC_ERR_NOSPACE,
};

/* Largest outputs: RFC 4443 2.4(c) (row 64), RFC 1812 4.3.2.3 (row 119). */
#define SIITDC_ICMP6_ERR_MAX	1280
#define SIITDC_ICMP4_ERR_MAX	576

struct siitdc_icmp_err_ctx {
	/* Outer addresses of the new packet, decided by the caller. */
	struct in6_addr saddr6, daddr6;	/* used by 4to6 */
	__be32 saddr4, daddr4;		/* used by 6to4 */
	/* Outer hop limit / TTL to write: the caller has decremented it. */
	u8 hop_limit;
	/* 4to6: traffic class 0 instead of the TOS (row 12). */
	bool zero_tc;
	/* 6to4: TOS to write, -1 to copy the traffic class (row 82). */
	int tos;
	/* Next-hop MTUs of the IPv4 and IPv6 sides, 0 if unknown. */
	u32 mtu4, mtu6;
	/* Descending plateau list for MTU 0 (row 54); NULL: RFC 1191. */
	const u16 *plateaus;
	unsigned int nplateaus;
	/*
	 * Inner address mapping (EAM, then pool6). @as_source tells which
	 * role the address plays *for the mapping*: the caller may treat
	 * sources and destinations differently (e.g. RFC 6791 only for
	 * sources, which must never be applied to inner addresses, row 122).
	 * Returns false if the address cannot be translated.
	 */
	bool (*map4to6)(void *priv, __be32 addr, bool as_source,
			struct in6_addr *out);
	bool (*map6to4)(void *priv, const struct in6_addr *addr,
			bool as_source, __be32 *out);
	void *priv;
};

/*
 * ICMPv4 error -> ICMPv6 error. @in starts at the outer IPv4 header and
 * holds the whole packet (@inlen bytes; bytes past its Total Length are
 * ignored); the inner packet may be shorter than its header says. @out
 * receives the complete IPv6 packet, at most @outcap bytes (pass
 * SIITDC_ICMP6_ERR_MAX). @in and @out must not overlap.
 * Returns the output length or a negative SIITDC_ERR_*.
 */
int siitdc_icmp_err_4to6(const u8 *in, unsigned int inlen, u8 *out,
			 unsigned int outcap,
			 const struct siitdc_icmp_err_ctx *ctx);

/*
 * ICMPv6 error -> ICMPv4 error, symmetric; @outcap should be
 * SIITDC_ICMP4_ERR_MAX. The outer IPv4 header has IHL 5, DF 0, ID 0 (the
 * caller may write an ID and refresh the checksum with
 * siitdc_ip4_set_csum()) and a valid header checksum.
 */
int siitdc_icmp_err_6to4(const u8 *in, unsigned int inlen, u8 *out,
			 unsigned int outcap,
			 const struct siitdc_icmp_err_ctx *ctx);

#endif /* _SIITDC_CORE_ICMP_ERR_H */
