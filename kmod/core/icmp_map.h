/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMPv4 <-> ICMPv6 type, code and pointer mapping: the tables of RFC 7915
 * sections 4.2 and 5.2 (checklist rows 33-59 and 101-115) and its figures 3
 * and 6 (the Parameter Problem pointer tables). Pure, no state.
 */
#ifndef _SIITDC_CORE_ICMP_MAP_H
#define _SIITDC_CORE_ICMP_MAP_H

#include "types.h"
#include "icmp.h"

/* ICMPv4 types (RFC 792) used by the tables. */
#define SIITDC_ICMP4_DEST_UNREACH	3
#define SIITDC_ICMP4_SOURCE_QUENCH	4
#define SIITDC_ICMP4_REDIRECT		5
#define SIITDC_ICMP4_TIME_EXCEEDED	11
#define SIITDC_ICMP4_PARAMETERPROB	12
#define SIITDC_ICMP4_FRAG_NEEDED	4	/* code of type 3 */

/* ICMPv6 types (RFC 4443). */
#define SIITDC_ICMP6_DEST_UNREACH	1
#define SIITDC_ICMP6_PKT_TOOBIG		2
#define SIITDC_ICMP6_TIME_EXCEED	3
#define SIITDC_ICMP6_PARAMPROB		4

/* What the translator does with a message. */
enum siitdc_icmp_kind {
	SIITDC_ICMP_DROP,	/* silently dropped */
	SIITDC_ICMP_INFO,	/* echo: type changes, body copied */
	SIITDC_ICMP_ERROR,	/* error: header and inner packet translated */
};

/* What goes in the pointer field of a new Parameter Problem. */
enum siitdc_icmp_ptr {
	SIITDC_PTR_NONE,	/* the new message has no pointer */
	SIITDC_PTR_MAP,		/* map the old pointer: siitdc_icmp_ptr*() */
	SIITDC_PTR_FIXED,	/* write ptr_fixed (3/2 -> 4/1: pointer 6) */
};

struct siitdc_icmp_xlat {
	u8 kind;		/* enum siitdc_icmp_kind */
	u8 type;		/* new type (meaningless when dropped) */
	u8 code;		/* new code */
	u8 ptr;			/* enum siitdc_icmp_ptr */
	u8 ptr_fixed;		/* value for SIITDC_PTR_FIXED */
	bool mtu;		/* the new message carries a computed MTU */
	bool old_len;		/* the old type has an RFC 4884 length field */
	bool new_len;		/* the new type has an RFC 4884 length field */
};

/* RFC 7915 4.2 (rows 33-59): ICMPv4 type/code to ICMPv6. */
void siitdc_icmp_map4to6(u8 type, u8 code, struct siitdc_icmp_xlat *x);
/* RFC 7915 5.2 (rows 101-115): ICMPv6 type/code to ICMPv4. */
void siitdc_icmp_map6to4(u8 type, u8 code, struct siitdc_icmp_xlat *x);

/*
 * Parameter Problem pointers. RFC 7915 figure 3 (IPv4 -> IPv6, row 56) and
 * figure 6 (IPv6 -> IPv4, row 112). Return the new pointer, or -1 when the
 * table says n/a or has no entry: the message is then dropped.
 */
int siitdc_icmp_ptr4to6(u32 ptr);
int siitdc_icmp_ptr6to4(u32 ptr);

/*
 * Types with an RFC 4884 length attribute: ICMPv4 3, 11, 12 (in octet 5,
 * 32-bit words), ICMPv6 1, 3 (in octet 4, 64-bit words). ICMPv6 Packet Too
 * Big and Parameter Problem have none.
 */
bool siitdc_icmp4_has_len(u8 type);
bool siitdc_icmp6_has_len(u8 type);

/*
 * Error messages, for the error-in-error rule (rows 63, 118): ICMPv4 3, 4,
 * 5, 11, 12 (RFC 1122 3.2.2); every ICMPv6 type below 128 (RFC 4443 2.1).
 */
bool siitdc_icmp4_is_error(u8 type);
bool siitdc_icmp6_is_error(u8 type);

#endif /* _SIITDC_CORE_ICMP_MAP_H */
