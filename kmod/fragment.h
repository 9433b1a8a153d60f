/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SIITDC_FRAGMENT_H
#define _SIITDC_FRAGMENT_H

#include <linux/skbuff.h>

#include "siitdc.h"

/*
 * RFC 7915 1.4 and 4: an IPv4 packet without DF whose translation would not
 * fit lowest-ipv6-mtu is split into IPv4 fragments that will (Fragment
 * Header included), each then translated on its own. Returns a list of new
 * skbs (skb->next), or NULL; @skb is left to the caller.
 */
struct sk_buff *siitdc_fragment4(struct siitdc_net *sn, struct sk_buff *skb,
				 u32 mtu6);

#endif /* _SIITDC_FRAGMENT_H */
