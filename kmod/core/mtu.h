/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MTU written into translated Packet Too Big / Fragmentation Needed
 * messages (RFC 7915 4.2, 5.2, 7). Pure, no state.
 */
#ifndef _SIITDC_CORE_MTU_H
#define _SIITDC_CORE_MTU_H

#include "types.h"

#define SIITDC_IPV6_MIN_MTU	1280

/* RFC 1191 section 7 plateaus, descending (row 60). */
#define SIITDC_RFC1191_NPLATEAUS	11
extern const u16 siitdc_rfc1191_plateaus[SIITDC_RFC1191_NPLATEAUS];

/*
 * The plateau to assume when a pre-RFC 1191 router sent MTU 0 (row 54):
 * the greatest of @plateaus (descending, @n entries) strictly below
 * @tot_len, the inner packet's IPv4 Total Length. 0 if there is none.
 */
u32 siitdc_mtu_plateau(u32 tot_len, const u16 *plateaus, unsigned int n);

/*
 * ICMPv4 Fragmentation Needed -> ICMPv6 Packet Too Big (rows 53, 54, 129):
 *   max(1280, min(MTU_in + 20, mtu6, mtu4 + 20))
 * where MTU_in is the advertised MTU or, when it is 0, the plateau of
 * siitdc_mtu_plateau(). @mtu6 and @mtu4 are the next-hop MTUs of the
 * translator's IPv6 and IPv4 sides; 0 means unknown, i.e. no limit.
 * @plateaus NULL selects the RFC 1191 list.
 */
u32 siitdc_mtu_4to6(u32 mtu_in, u32 tot_len, u32 mtu6, u32 mtu4,
		    const u16 *plateaus, unsigned int n);

/*
 * ICMPv6 Packet Too Big -> ICMPv4 Fragmentation Needed (rows 110, 116):
 *   min(MTU_in - 20, mtu4, mtu6 - 20), clamped to 0..65535.
 * The subtractions saturate at 0, never wrap. 0 for @mtu4 or @mtu6 means
 * unknown, i.e. no limit. An advertised MTU below 20 gives 0, which an
 * IPv4 host reads as "pre-RFC 1191 router" and falls back to plateaus.
 */
u16 siitdc_mtu_6to4(u32 mtu_in, u32 mtu4, u32 mtu6);

#endif /* _SIITDC_CORE_MTU_H */
