// SPDX-License-Identifier: GPL-2.0
/*
 * TTL expiry: a delayed work per instance sweeps the table's expiry wheel
 * once a second, while entries with a TTL exist, and announces every entry
 * it removes (SIITDC_CMD_EVENT_EXPIRE) so that siitdcd learns of it.
 */
#include "siitdc.h"
#include "table.h"

static void announce(struct siitdc_eam *e, void *arg)
{
	siitdc_notify_eam(arg, SIITDC_CMD_EVENT_EXPIRE, e);
}

static void expiry_work(struct work_struct *work)
{
	struct siitdc_net *sn = container_of(to_delayed_work(work),
					     struct siitdc_net, expiry);
	struct siitdc_table *t;

	mutex_lock(&sn->lock);
	t = siitdc_table_locked(sn);
	siitdc_table_expire(t, announce, sn);
	if (t->nexpiring)
		schedule_delayed_work(&sn->expiry, HZ);
	mutex_unlock(&sn->lock);
}

void siitdc_expiry_init(struct siitdc_net *sn)
{
	INIT_DELAYED_WORK(&sn->expiry, expiry_work);
}

/* After a change that may have given entries a TTL. Caller holds sn->lock. */
void siitdc_expiry_kick(struct siitdc_net *sn)
{
	if (siitdc_table_locked(sn)->nexpiring)
		schedule_delayed_work(&sn->expiry, HZ);
}

void siitdc_expiry_stop(struct siitdc_net *sn)
{
	cancel_delayed_work_sync(&sn->expiry);
}
