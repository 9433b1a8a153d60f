// SPDX-License-Identifier: GPL-2.0
/*
 * PTB / Fragmentation Needed MTU arithmetic (RFC 7915 4.2, 5.2, 7;
 * RFC 1191 section 7).
 */
#include "mtu.h"

/* Row 60: RFC 1191 table 7-1, descending. */
const u16 siitdc_rfc1191_plateaus[SIITDC_RFC1191_NPLATEAUS] = {
	65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
};

/* Row 54. The list is searched whole, so its order does not matter. */
u32 siitdc_mtu_plateau(u32 tot_len, const u16 *plateaus, unsigned int n)
{
	u32 best = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (plateaus[i] < tot_len && plateaus[i] > best)
			best = plateaus[i];
	return best;
}

static u32 min_nz(u32 a, u32 limit)
{
	return (limit && limit < a) ? limit : a;
}

/* Rows 53, 54, 129. */
u32 siitdc_mtu_4to6(u32 mtu_in, u32 tot_len, u32 mtu6, u32 mtu4,
		    const u16 *plateaus, unsigned int n)
{
	u32 mtu;

	if (!plateaus) {
		plateaus = siitdc_rfc1191_plateaus;
		n = SIITDC_RFC1191_NPLATEAUS;
	}
	if (!mtu_in)				/* row 54 */
		mtu_in = siitdc_mtu_plateau(tot_len, plateaus, n);
	/* min(MTU_in + 20, mtu6, mtu4 + 20), row 53; no 32-bit overflow */
	mtu = mtu_in > 0xffff ? 0xffff + 20 : mtu_in + 20;
	mtu = min_nz(mtu, mtu6);
	if (mtu4)
		mtu = min_nz(mtu, mtu4 > 0xffff ? 0xffff + 20 : mtu4 + 20);
	/* the IPv6 minimum MTU floor, rows 53, 129 */
	return mtu < SIITDC_IPV6_MIN_MTU ? SIITDC_IPV6_MIN_MTU : mtu;
}

/* Rows 110, 116. */
u16 siitdc_mtu_6to4(u32 mtu_in, u32 mtu4, u32 mtu6)
{
	u32 mtu = mtu_in > 20 ? mtu_in - 20 : 0;
	u32 lim6;

	mtu = min_nz(mtu, mtu4);
	if (mtu6) {
		lim6 = mtu6 > 20 ? mtu6 - 20 : 0;
		if (lim6 < mtu)
			mtu = lim6;
	}
	return mtu > 0xffff ? 0xffff : (u16)mtu;
}
