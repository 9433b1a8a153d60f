// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters: incremented locklessly in the data path, summed on read. */
#include "siitdc.h"

void siitdc_stats_sum(struct siitdc_net *sn, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __SIITDC_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct siitdc_stats *s = per_cpu_ptr(sn->stats, cpu);

		for (i = 0; i < __SIITDC_STAT_MAX; i++)
			out[i] += READ_ONCE(s->cnt[i]);
	}
}
