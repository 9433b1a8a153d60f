/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The restart-safe state file: every binding of the pool (held and
 * quarantined) and each owner's accounting, so that a restarted siitdcd
 * gives every IPv6 the IPv4 it had.
 *
 * Text, one record a line, ending with a count so that a truncated file
 * is recognised:
 *
 *   siitdcd-state 1
 *   b IPV6 IPV4 OWNER CLAIMS DNS_UNTIL     a held binding
 *   q IPV6 IPV4 OWNER QUAR_UNTIL           a quarantined one
 *   a OWNER ADDR_MS                        an owner's address-milliseconds
 *   end N                                  N records above
 *
 * Times are wall-clock milliseconds (CLOCK_REALTIME), the clock the pool
 * runs on in the daemon, so they stay meaningful across a restart. CLAIMS
 * is the SD_CLAIM() bit set in hex. OWNER is percent-encoded (bytes that are
 * not printable, and '%'); "-" is the empty owner.
 *
 * Written to FILE.tmp, fsync()ed, renamed over FILE, and the directory
 * fsync()ed: a crash leaves the old file or the new one, never a mix.
 */
#ifndef SIITDCD_STATE_H
#define SIITDCD_STATE_H

#include "pool.h"

/* Returns 0, or -1 with "FILE: why" in @err (the old file is untouched). */
int sd_state_save(const char *path, struct sd_pool *p, uint64_t now,
		  char *err, size_t errlen);

/*
 * Restores the bindings of @path into the empty pool @p. Returns 0, 1 when
 * there is no file (a first start), or -1 when it is unreadable or corrupt:
 * then @err says "FILE:LINE: why", the file has been renamed to FILE.bad
 * (kept for a post-mortem) and @p must be discarded.
 */
int sd_state_load(const char *path, struct sd_pool *p, uint64_t now,
		  char *err, size_t errlen);

#endif /* SIITDCD_STATE_H */
