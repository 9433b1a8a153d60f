// SPDX-License-Identifier: GPL-2.0
/* IPv4 options scan and address scope; pure, shared with userspace tests. */
#include "ipv4.h"

#define OPT_END		0
#define OPT_NOOP	1
#define OPT_LSRR	131
#define OPT_SSRR	137

enum siitdc_v4opt siitdc_v4_options_check(const u8 *opt, unsigned int len)
{
	unsigned int i = 0;

	while (i < len) {
		unsigned int olen;

		if (opt[i] == OPT_END)
			break;
		if (opt[i] == OPT_NOOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return SIITDC_V4OPT_MALFORMED;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return SIITDC_V4OPT_MALFORMED;
		if (opt[i] == OPT_LSRR || opt[i] == OPT_SSRR) {
			/* Pointer (1-based, >= 4) past the route: expired. */
			if (olen < 3 || opt[i + 2] < 4)
				return SIITDC_V4OPT_MALFORMED;
			if (opt[i + 2] <= olen)
				return SIITDC_V4OPT_SOURCE_ROUTE;
		}
		i += olen;
	}
	return SIITDC_V4OPT_OK;
}

struct v4_range {
	u32 addr;
	u8 len;
};

/* RFC 6890 and its updates: blocks whose "Globally Reachable" is False. */
static const struct v4_range non_global[] = {
	{ 0x00000000, 8 },	/* "this network" */
	{ 0x0a000000, 8 },	/* private */
	{ 0x64400000, 10 },	/* shared address space (RFC 6598) */
	{ 0x7f000000, 8 },	/* loopback */
	{ 0xa9fe0000, 16 },	/* link local */
	{ 0xac100000, 12 },	/* private */
	{ 0xc0000000, 24 },	/* IETF protocol assignments */
	{ 0xc0000200, 24 },	/* TEST-NET-1 */
	{ 0xc0a80000, 16 },	/* private */
	{ 0xc6120000, 15 },	/* benchmarking */
	{ 0xc6336400, 24 },	/* TEST-NET-2 */
	{ 0xcb007100, 24 },	/* TEST-NET-3 */
	{ 0xe0000000, 4 },	/* multicast */
	{ 0xf0000000, 4 },	/* reserved, limited broadcast */
};

bool siitdc_v4_is_global(__be32 addr)
{
	u32 a = ntohl(addr);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(non_global); i++) {
		u32 mask = ~0U << (32 - non_global[i].len);

		if ((a & mask) == non_global[i].addr)
			return false;
	}
	return true;
}
