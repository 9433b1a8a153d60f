/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Translation of one IP header, given as bytes (RFC 7915 4.1, 5.1, 5.1.1).
 * Used on the packet inside ICMP errors; written so the fast path can use
 * it too. Addresses are mapped by the caller. Every read is bounds-checked
 * against the length given: truncated or garbage input yields an error,
 * never a read past it. Pure, no state.
 *
 * Failures are negative SIITDC_ERR_* codes, defined in icmp_err.h.
 */
#ifndef _SIITDC_CORE_HDR_H
#define _SIITDC_CORE_HDR_H

#include "types.h"
#include "icmp_err.h"

#define SIITDC_IPPROTO_HOPOPTS	0
#define SIITDC_IPPROTO_ICMP	1
#define SIITDC_IPPROTO_TCP	6
#define SIITDC_IPPROTO_UDP	17
#define SIITDC_IPPROTO_ROUTING	43
#define SIITDC_IPPROTO_FRAGMENT	44
#define SIITDC_IPPROTO_AH	51
#define SIITDC_IPPROTO_ICMPV6	58
#define SIITDC_IPPROTO_DSTOPTS	60
#define SIITDC_IPPROTO_MH	135
#define SIITDC_IPPROTO_HIP	139
#define SIITDC_IPPROTO_SHIM6	140

#define SIITDC_IPV4_HLEN	20
#define SIITDC_IPV6_HLEN	40
#define SIITDC_FRAG_HLEN	8
/* The most siitdc_hdr4to6() writes: IPv6 header + Fragment Header. */
#define SIITDC_HDR6_MAX		(SIITDC_IPV6_HLEN + SIITDC_FRAG_HLEN)

/* Row 84: DF is set on an unfragmented IPv4 packet above this size. */
#define SIITDC_DF_THRESHOLD	1260

struct siitdc_hdr_info {
	unsigned int in_hlen;	/* header bytes read (options, ext. headers) */
	unsigned int out_hlen;	/* header bytes written */
	unsigned int l4_len;	/* declared length of what follows them */
	u8 proto;		/* transport protocol, input numbering */
	bool fraghdr;		/* 4to6: one written; 6to4: one was read */
	bool frag;		/* a real fragment: MF or offset != 0 */
	u16 frag_off;		/* fragment offset, 8-octet units */
};

/*
 * Walk of an IPv6 header chain (rows 2, 87, 91, 92, 95, 98): skips
 * Hop-by-Hop (first only), Destination Options, Routing with Segments
 * Left 0 and one Fragment Header, and stops at the first other header.
 */
struct siitdc_v6_chain {
	unsigned int hlen;	/* IPv6 header + extension headers walked */
	u8 proto;		/* the first Next Header not walked */
	bool fraghdr;		/* a Fragment Header was walked */
	bool mf;		/* its M flag */
	u16 frag_off;		/* its offset, 8-octet units */
	u32 frag_id;		/* its Identification, host order */
};

/*
 * Returns 0, or -SIITDC_ERR_MALFORMED (not IPv6, truncated chain),
 * -SIITDC_ERR_ROUTING (Routing header with Segments Left != 0, row 91),
 * -SIITDC_ERR_EXTHDR (Hop-by-Hop not first, two Fragment Headers, or an
 * extension header after the Fragment Header, rows 92, 98).
 */
int siitdc_v6_chain(const u8 *in, unsigned int inlen,
		    struct siitdc_v6_chain *c);

/*
 * IPv4 -> IPv6 (RFC 7915 4.1). Reads the IPv4 header at @in (options
 * included, @inlen bytes present) and writes at @out, which must have room
 * for SIITDC_HDR6_MAX bytes:
 *  - traffic class = TOS, or 0 if @zero_tc (rows 11, 12); flow label 0;
 *  - payload length = Total Length - IHL * 4 from the header fields, not
 *    from @inlen (rows 14, 65), + 8 with a Fragment Header;
 *  - next header: 1 becomes 58, others copied (row 15);
 *  - hop limit = TTL unchanged: the caller decrements (row 16), or not for
 *    the packet inside an ICMP error (row 61);
 *  - a Fragment Header when MF or offset != 0, never for DF alone (rows
 *    22, 23, 27, 28): ID in the low 16 bits, M = MF, offset copied.
 * Returns the bytes written (40 or 48) or -SIITDC_ERR_MALFORMED.
 */
int siitdc_hdr4to6(const u8 *in, unsigned int inlen,
		   const struct in6_addr *saddr, const struct in6_addr *daddr,
		   bool zero_tc, u8 *out, struct siitdc_hdr_info *info);

/*
 * IPv6 -> IPv4 (RFC 7915 5.1, 5.1.1). Reads the IPv6 header chain at @in
 * and writes a 20-byte IPv4 header at @out:
 *  - TOS = traffic class, or @tos when it is 0..255 (row 82); pass -1 to
 *    copy the traffic class;
 *  - total length = payload length - skipped extension headers + 20
 *    (rows 83, 93);
 *  - with a Fragment Header: ID = its low 16 bits, MF = M, offset copied,
 *    DF = 0 (row 94, atomic fragments too, row 97); without one: DF = 1
 *    iff the total length > 1260 (rows 84, 130), ID 0 for the caller to
 *    fill (row 85; refresh the checksum with siitdc_ip4_set_csum());
 *  - TTL = hop limit unchanged (see siitdc_hdr4to6()); protocol: 58
 *    becomes 1, others copied (rows 87, 95); header checksum computed.
 * Returns the bytes written (20) or a negative code of siitdc_v6_chain(),
 * or -SIITDC_ERR_MALFORMED if the lengths are inconsistent (payload length
 * 0, i.e. a jumbogram, or smaller than the skipped headers, or a total
 * length above 65535).
 */
int siitdc_hdr6to4(const u8 *in, unsigned int inlen, __be32 saddr,
		   __be32 daddr, int tos, u8 *out, struct siitdc_hdr_info *info);

/* (Re)computes the header checksum of the IPv4 header at @iph (its IHL). */
void siitdc_ip4_set_csum(u8 *iph);

#endif /* _SIITDC_CORE_HDR_H */
