/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the container source (containers.c) needs from the core beyond
 * siitdcd.h. To be moved into siitdcd.h by its owner.
 */
#ifndef SIITDCD_CONTAINERS_H
#define SIITDCD_CONTAINERS_H

#include "siitdcd.h"

/*
 * Calls @fn for every IPv6 address on which @src holds a claim (held
 * bindings only, not quarantined ones), so that a reconcile can drop the
 * claims of containers that went away while siitdcd was down or
 * disconnected. @fn must not publish or unpublish.
 */
void sd_claims_foreach(struct siitdcd *d, enum sd_source src,
		       void (*fn)(const struct in6_addr *v6, void *arg),
		       void *arg);

#endif /* SIITDCD_CONTAINERS_H */
