/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP type mapping between ICMPv4 and ICMPv6 (RFC 7915 sections 4.2, 5.2).
 * Pure, header only.
 */
#ifndef _SIITDC_CORE_ICMP_H
#define _SIITDC_CORE_ICMP_H

#include "types.h"

#define SIITDC_ICMP4_ECHOREPLY		0
#define SIITDC_ICMP4_ECHO		8
#define SIITDC_ICMP6_ECHO_REQUEST	128
#define SIITDC_ICMP6_ECHO_REPLY		129

/*
 * Informational messages: echo request and reply keep their code and body.
 * Returns the other family's type, or -1 if the message is not translated
 * (RFC 7915: every other informational type is silently dropped).
 */
static inline int siitdc_icmp4to6_info(u8 type)
{
	switch (type) {
	case SIITDC_ICMP4_ECHO:
		return SIITDC_ICMP6_ECHO_REQUEST;
	case SIITDC_ICMP4_ECHOREPLY:
		return SIITDC_ICMP6_ECHO_REPLY;
	}
	return -1;
}

static inline int siitdc_icmp6to4_info(u8 type)
{
	switch (type) {
	case SIITDC_ICMP6_ECHO_REQUEST:
		return SIITDC_ICMP4_ECHO;
	case SIITDC_ICMP6_ECHO_REPLY:
		return SIITDC_ICMP4_ECHOREPLY;
	}
	return -1;
}

#endif /* _SIITDC_CORE_ICMP_H */
