// SPDX-License-Identifier: GPL-2.0
/* ICMP error translation: glue between skbs and the pure core. */
#include <linux/icmp.h>

#include "icmp_err.h"

enum siitdc_verdict siitdc_icmp_err_4to6(struct siitdc_net *sn,
					 struct sk_buff **pskb,
					 struct siitdc_xlat_state *st)
{
	siitdc_count(sn, SIITDC_STAT_DROP_ICMP_TYPE);
	return SIITDC_DROP;
}

enum siitdc_verdict siitdc_icmp_err_6to4(struct siitdc_net *sn,
					 struct sk_buff **pskb,
					 struct siitdc_xlat_state *st)
{
	siitdc_count(sn, SIITDC_STAT_DROP_ICMP_TYPE);
	return SIITDC_DROP;
}
