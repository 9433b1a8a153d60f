/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The public IPv4 pool: which IPv4 each IPv6 service address holds.
 *
 * Pure: no I/O, no clock of its own (every call that needs the time takes
 * "now" in milliseconds), so that the unit tests drive it with a fake clock.
 *
 * Invariants:
 *  - one binding per IPv6 and one per IPv4: never two IPv6 on one IPv4;
 *  - a binding is held while it has at least one claim (a source that
 *    wants it: static, dns, container); without claims it is quarantined
 *    until quar_until, during which no other IPv6 may take its IPv4 but the
 *    same IPv6 gets it back;
 *  - the usable addresses are the prefixes minus the exclusions; in
 *    prefixes shorter than /31 the first (network) and last (broadcast)
 *    address are never handed out, since some IPv4 hosts and middleboxes
 *    refuse them as destinations.
 *
 * Allocation takes never-used addresses first (in address order), then
 * addresses whose quarantine ended, oldest release first, so a released
 * address is reused as late as possible. Lookups and allocations are O(1)
 * on average (hash tables and a FIFO), whatever the number of bindings.
 */
#ifndef SIITDCD_POOL_H
#define SIITDCD_POOL_H

#include "siitdcd.h"

#define SD_CLAIM(src)	(1u << (src))	/* enum sd_source -> claim bit */

struct sd_owner;

struct sd_binding {
	struct in6_addr v6;
	uint32_t v4;			/* host byte order */
	char owner[SD_OWNER_MAX];
	uint8_t claims;			/* SD_CLAIM() bits; 0: quarantined */
	/* With SD_CLAIM(SD_SRC_DNS): when that claim ends (ms); 0: never. */
	uint64_t dns_until;
	uint64_t quar_until;		/* claims == 0: quarantine ends (ms) */
	/* kernel.c's reconcile: its entry is kseen_idx in dump kseen_gen. */
	uint32_t kseen_gen, kseen_idx;

	/* Private to pool.c. */
	struct sd_binding *next6, *next4, *qprev, *qnext;
	struct sd_owner *o;
	bool fresh;			/* made by the last claim */
};

struct sd_pool;

struct sd_pool *sd_pool_new(uint64_t hash_seed);
void sd_pool_free(struct sd_pool *p);

/*
 * The usable addresses: @pfx minus @exc. May be called again (SIGHUP):
 * bindings stay, even on addresses no longer in the pool (they are not
 * reused once released). Returns 0, -EINVAL (a prefix with host bits set,
 * or an empty pool) or -ENOMEM.
 */
int sd_pool_set_ranges(struct sd_pool *p, const struct sd_prefix4 *pfx,
		       unsigned int n, const struct sd_prefix4 *exc,
		       unsigned int nexc);
void sd_pool_set_quarantine(struct sd_pool *p, uint32_t seconds);
/* Replaces every quota: @max addresses held at once by each owner. */
int sd_pool_set_quotas(struct sd_pool *p, const struct sd_quota *q,
		       unsigned int n);

/* @v4 in host byte order. */
bool sd_pool_contains(const struct sd_pool *p, uint32_t v4);
struct sd_binding *sd_pool_find6(const struct sd_pool *p,
				 const struct in6_addr *v6);
struct sd_binding *sd_pool_find4(const struct sd_pool *p, uint32_t v4);

/*
 * Adds @src's claim on @v6, taking an IPv4 if it holds none: its old one
 * when it is in quarantine, a free one otherwise (owner @owner). *created
 * says whether the binding had no claim before (the caller installs the
 * entry and may undo with sd_pool_undo()). Returns 0, -ENOSPC (no free
 * address), -EDQUOT (the owner's quota is used up) or -ENOMEM.
 */
int sd_pool_claim(struct sd_pool *p, const struct in6_addr *v6,
		  const char *owner, enum sd_source src, uint64_t now,
		  struct sd_binding **out, bool *created);

/*
 * Drops @src's claim. Returns 1 when it was the last one (the binding is
 * now quarantined), 0 when others remain, -ENOENT when @src held none.
 */
int sd_pool_unclaim(struct sd_pool *p, struct sd_binding *b,
		    enum sd_source src, uint64_t now);
/* Drops every claim: the binding goes to quarantine. */
void sd_pool_release(struct sd_pool *p, struct sd_binding *b, uint64_t now);
/*
 * Undoes a claim that created the binding (sd_pool_claim set *created) when
 * its entry could not be installed: no other IPv6 has seen the address, so
 * it goes back without quarantine (a revived binding returns to
 * quarantine).
 */
void sd_pool_undo(struct sd_pool *p, struct sd_binding *b, uint64_t now);

/* Ends the quarantines due by @now; returns how many ended. */
unsigned int sd_pool_expire(struct sd_pool *p, uint64_t now);
/* When the next quarantine ends (ms), or 0 when none is running. */
uint64_t sd_pool_next_expiry(const struct sd_pool *p);

/*
 * Restores a binding from the state file: @claims 0 makes it quarantined
 * until @quar_until. Returns 0, -EEXIST (its IPv6 or IPv4 is taken) or
 * -ENOMEM. Quotas are not checked: the addresses are already out there.
 */
int sd_pool_restore(struct sd_pool *p, const struct in6_addr *v6,
		    uint32_t v4, const char *owner, uint8_t claims,
		    uint64_t dns_until, uint64_t quar_until, uint64_t now);

/* Calls @fn for every binding, held and quarantined; @fn must not change
 * the pool. */
void sd_pool_foreach(const struct sd_pool *p,
		     void (*fn)(const struct sd_binding *b, void *arg),
		     void *arg);

struct sd_pool_stats {
	uint64_t size;			/* usable addresses */
	uint64_t held;			/* bindings with claims */
	uint64_t quarantined;
	uint64_t free;			/* usable, neither held nor quarantined */
};
void sd_pool_stats(const struct sd_pool *p, struct sd_pool_stats *st);

/*
 * Accounting per owner: addresses held now, and address-milliseconds held
 * in total (what an owner is charged for), brought up to @now.
 */
struct sd_owner_acct {
	const char *owner;
	uint64_t held;
	uint64_t addr_ms;
	uint32_t quota;			/* 0: none */
};
void sd_pool_owners(struct sd_pool *p, uint64_t now,
		    void (*fn)(const struct sd_owner_acct *a, void *arg),
		    void *arg);
/* Adds address-milliseconds from the state file to @owner's total. */
int sd_pool_restore_acct(struct sd_pool *p, const char *owner,
			 uint64_t addr_ms);

#endif /* SIITDCD_POOL_H */
