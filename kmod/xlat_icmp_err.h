/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors: the slow path. An error carries the packet that caused it,
 * which must be translated too, so the whole message is rebuilt (RFC 7915
 * 4.2-4.3, 5.2-5.3) into a new skb by the pure core (core/icmp_err.c).
 */
#ifndef _SIITDC_XLAT_ICMP_ERR_H
#define _SIITDC_XLAT_ICMP_ERR_H

#include "core/icmp_map.h"
#include "xlat.h"

enum siitdc_verdict siitdc_xlat_icmp_err_4to6(struct siitdc_net *sn,
					      struct sk_buff **pskb,
					      struct siitdc_xlat_state *st);
enum siitdc_verdict siitdc_xlat_icmp_err_6to4(struct siitdc_net *sn,
					      struct sk_buff **pskb,
					      struct siitdc_xlat_state *st);

#endif /* _SIITDC_XLAT_ICMP_ERR_H */
