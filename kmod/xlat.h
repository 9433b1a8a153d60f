/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet translation, RFC 7915. Each direction decides everything (mapping,
 * limits, drop reasons) before its first write to the packet, then rewrites
 * the skb in place: the old network header is pulled, the new one pushed into
 * the headroom, and the transport checksum patched by the address delta.
 */
#ifndef _SIITDC_XLAT_H
#define _SIITDC_XLAT_H

#include <linux/skbuff.h>

#include "siitdc.h"

enum siitdc_verdict {
	SIITDC_PASS,		/* not for translation: leave it to the stack */
	SIITDC_XLATED,		/* the skb now holds the other family's packet */
	SIITDC_DROP,		/* drop; the reason has been counted */
	SIITDC_TTL_EXPIRED,	/* drop and answer Time Exceeded */
};

/* Both run under rcu_read_lock() with skb->data at the network header. */
enum siitdc_verdict siitdc_xlat_4to6(struct siitdc_net *sn,
				     struct sk_buff *skb);
enum siitdc_verdict siitdc_xlat_6to4(struct siitdc_net *sn,
				     struct sk_buff *skb);

/* xlat_common.c */
bool siitdc_v4_addr_unicast(__be32 addr);
void siitdc_l4_csum_update(struct sk_buff *skb, u8 proto, unsigned int l4off,
			   u32 delta);

#endif /* _SIITDC_XLAT_H */
