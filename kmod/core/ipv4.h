/* SPDX-License-Identifier: GPL-2.0 */
/* IPv4 header facts the translator needs: options and address scope. */
#ifndef _SIITDC_CORE_IPV4_H
#define _SIITDC_CORE_IPV4_H

#include "types.h"

enum siitdc_v4opt {
	SIITDC_V4OPT_OK,		/* nothing that stops translation */
	SIITDC_V4OPT_SOURCE_ROUTE,	/* unexpired LSRR or SSRR (RFC 7915 4.1) */
	SIITDC_V4OPT_MALFORMED,		/* option encoding is broken */
};

/*
 * Scans the @len option bytes after the fixed IPv4 header. Options are
 * otherwise ignored: the IPv6 packet carries none (RFC 7915 1.2).
 */
enum siitdc_v4opt siitdc_v4_options_check(const u8 *opt, unsigned int len);

/*
 * False for addresses of the IANA special-purpose registry (RFC 6890) that
 * are not globally reachable; the well-known prefix 64:ff9b::/96 must not
 * represent them (RFC 6052 3.1).
 */
bool siitdc_v4_is_global(__be32 addr);

#endif /* _SIITDC_CORE_IPV4_H */
