// SPDX-License-Identifier: GPL-2.0
/*
 * sd_claims_foreach (containers.h): which IPv6 addresses a source holds
 * claims on, read from the pool, so the container source can drop claims
 * whose containers went away while it was not listening.
 */
#include "containers.h"
#include "siitdcd-internal.h"

struct claims_walk {
	uint8_t bit;
	void (*fn)(const struct in6_addr *v6, void *arg);
	void *arg;
};

static void claims_one(const struct sd_binding *b, void *arg)
{
	struct claims_walk *w = arg;

	if (b->claims & w->bit)
		w->fn(&b->v6, w->arg);
}

void sd_claims_foreach(struct siitdcd *d, enum sd_source src,
		       void (*fn)(const struct in6_addr *v6, void *arg),
		       void *arg)
{
	struct claims_walk w = { .bit = SD_CLAIM(src), .fn = fn, .arg = arg };

	sd_pool_foreach(d->pool, claims_one, &w);
}
