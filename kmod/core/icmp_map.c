// SPDX-License-Identifier: GPL-2.0
/*
 * ICMPv4 <-> ICMPv6 type, code and pointer mapping (RFC 7915 4.2, 5.2).
 * Each case is labelled with its checklist row.
 */
#include "icmp_map.h"

static void set_err(struct siitdc_icmp_xlat *x, u8 type, u8 code)
{
	x->kind = SIITDC_ICMP_ERROR;
	x->type = type;
	x->code = code;
}

/* ICMPv4 Destination Unreachable codes (rows 40-51). */
static void map4to6_unreach(u8 code, struct siitdc_icmp_xlat *x)
{
	switch (code) {
	case 0: case 1:		/* row 40: net, host */
	case 5:			/* row 44: source route failed */
	case 6: case 7: case 8:	/* row 45 */
	case 11: case 12:	/* row 47: TOS unreachable */
		set_err(x, SIITDC_ICMP6_DEST_UNREACH, 0);
		break;
	case 2:			/* row 41: protocol -> param problem */
		set_err(x, SIITDC_ICMP6_PARAMPROB, 1);
		x->ptr = SIITDC_PTR_FIXED;
		x->ptr_fixed = 6;	/* the IPv6 Next Header field */
		break;
	case 3:			/* row 42: port */
		set_err(x, SIITDC_ICMP6_DEST_UNREACH, 4);
		break;
	case 4:			/* row 43: fragmentation needed -> PTB */
		set_err(x, SIITDC_ICMP6_PKT_TOOBIG, 0);
		x->mtu = true;
		break;
	case 9: case 10:	/* row 46: admin prohibited */
	case 13:		/* row 48 */
	case 15:		/* row 50: precedence cutoff */
		set_err(x, SIITDC_ICMP6_DEST_UNREACH, 1);
		break;
	default:		/* row 49 (14), row 51 (others) */
		break;
	}
}

void siitdc_icmp_map4to6(u8 type, u8 code, struct siitdc_icmp_xlat *x)
{
	memset(x, 0, sizeof(*x));
	x->old_len = siitdc_icmp4_has_len(type);

	switch (type) {
	case SIITDC_ICMP4_ECHO:		/* row 33 */
	case SIITDC_ICMP4_ECHOREPLY:
		x->kind = SIITDC_ICMP_INFO;
		x->type = (u8)siitdc_icmp4to6_info(type);
		x->code = code;
		break;
	case SIITDC_ICMP4_DEST_UNREACH:
		map4to6_unreach(code, x);
		break;
	case SIITDC_ICMP4_TIME_EXCEEDED:	/* row 55 */
		set_err(x, SIITDC_ICMP6_TIME_EXCEED, code);
		break;
	case SIITDC_ICMP4_PARAMETERPROB:
		/* rows 56, 58: 12/0 and 12/2; rows 57, 59: drop the rest */
		if (code == 0 || code == 2) {
			set_err(x, SIITDC_ICMP6_PARAMPROB, 0);
			x->ptr = SIITDC_PTR_MAP;
		}
		break;
	default:
		/* rows 34-37, 39, 52: everything else is dropped */
		break;
	}
	if (x->kind == SIITDC_ICMP_ERROR)
		x->new_len = siitdc_icmp6_has_len(x->type);
}

void siitdc_icmp_map6to4(u8 type, u8 code, struct siitdc_icmp_xlat *x)
{
	memset(x, 0, sizeof(*x));
	x->old_len = siitdc_icmp6_has_len(type);

	switch (type) {
	case SIITDC_ICMP6_ECHO_REQUEST:	/* row 101 */
	case SIITDC_ICMP6_ECHO_REPLY:
		x->kind = SIITDC_ICMP_INFO;
		x->type = (u8)siitdc_icmp6to4_info(type);
		x->code = code;
		break;
	case SIITDC_ICMP6_DEST_UNREACH:
		switch (code) {
		case 0:	/* row 104 */
		case 2:	/* row 106 */
		case 3:	/* row 107 */
			set_err(x, SIITDC_ICMP4_DEST_UNREACH, 1);
			break;
		case 1:	/* row 105 */
			set_err(x, SIITDC_ICMP4_DEST_UNREACH, 10);
			break;
		case 4:	/* row 108 */
			set_err(x, SIITDC_ICMP4_DEST_UNREACH, 3);
			break;
		default: /* row 109 */
			break;
		}
		break;
	case SIITDC_ICMP6_PKT_TOOBIG:	/* row 110, whatever the code */
		set_err(x, SIITDC_ICMP4_DEST_UNREACH, SIITDC_ICMP4_FRAG_NEEDED);
		x->mtu = true;
		break;
	case SIITDC_ICMP6_TIME_EXCEED:	/* row 111 */
		set_err(x, SIITDC_ICMP4_TIME_EXCEEDED, code);
		break;
	case SIITDC_ICMP6_PARAMPROB:
		if (code == 0) {	/* row 112 */
			set_err(x, SIITDC_ICMP4_PARAMETERPROB, 0);
			x->ptr = SIITDC_PTR_MAP;
		} else if (code == 1) {	/* row 113 */
			set_err(x, SIITDC_ICMP4_DEST_UNREACH, 2);
		}
		/* row 114 (code 2) and other codes: drop */
		break;
	default:
		/* rows 102, 103, 115 */
		break;
	}
	if (x->kind == SIITDC_ICMP_ERROR)
		x->new_len = siitdc_icmp4_has_len(x->type);
}

/* RFC 7915 figure 3: IPv4 header field offsets to IPv6 ones (row 56). */
int siitdc_icmp_ptr4to6(u32 ptr)
{
	if (ptr <= 1)		/* version/IHL, TOS */
		return ptr;
	if (ptr <= 3)		/* total length -> payload length */
		return 4;
	if (ptr <= 7)		/* identification, flags, offset: n/a */
		return -1;
	if (ptr == 8)		/* TTL -> hop limit */
		return 7;
	if (ptr == 9)		/* protocol -> next header */
		return 6;
	if (ptr <= 11)		/* header checksum: n/a */
		return -1;
	if (ptr <= 15)		/* source address */
		return 8;
	if (ptr <= 19)		/* destination address */
		return 24;
	return -1;		/* options and beyond */
}

/* RFC 7915 figure 6: IPv6 header field offsets to IPv4 ones (row 112). */
int siitdc_icmp_ptr6to4(u32 ptr)
{
	if (ptr <= 1)		/* version/TC, TC/flow label */
		return ptr;
	if (ptr <= 3)		/* flow label: n/a */
		return -1;
	if (ptr <= 5)		/* payload length -> total length */
		return 2;
	if (ptr == 6)		/* next header -> protocol */
		return 9;
	if (ptr == 7)		/* hop limit -> TTL */
		return 8;
	if (ptr <= 23)		/* source address */
		return 12;
	if (ptr <= 39)		/* destination address */
		return 16;
	return -1;
}

bool siitdc_icmp4_has_len(u8 type)
{
	return type == SIITDC_ICMP4_DEST_UNREACH ||
	       type == SIITDC_ICMP4_TIME_EXCEEDED ||
	       type == SIITDC_ICMP4_PARAMETERPROB;
}

bool siitdc_icmp6_has_len(u8 type)
{
	return type == SIITDC_ICMP6_DEST_UNREACH ||
	       type == SIITDC_ICMP6_TIME_EXCEED;
}

bool siitdc_icmp4_is_error(u8 type)
{
	switch (type) {
	case SIITDC_ICMP4_DEST_UNREACH:
	case SIITDC_ICMP4_SOURCE_QUENCH:
	case SIITDC_ICMP4_REDIRECT:
	case SIITDC_ICMP4_TIME_EXCEEDED:
	case SIITDC_ICMP4_PARAMETERPROB:
		return true;
	}
	return false;
}

bool siitdc_icmp6_is_error(u8 type)
{
	return type < 128;
}
