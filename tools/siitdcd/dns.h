/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siitdcd DNS front end, internal interface between dns.c (the server side:
 * listeners, queries, answers) and dns_upstream.c (the client side: AAAA
 * lookups at the configured upstream servers).
 */
#ifndef SIITDCD_DNS_H
#define SIITDCD_DNS_H

#include <ldns/ldns.h>

#include "siitdcd.h"

/* Largest UDP answer we send, whatever the client offers (DNS flag day 2020). */
#ifndef SD_DNS_UDP_MAX
#define SD_DNS_UDP_MAX		1232
#endif
/* TCP clients: at most this many connections; idle ones are closed. */
#ifndef SD_DNS_TCP_MAX
#define SD_DNS_TCP_MAX		256
#endif
#ifndef SD_DNS_TCP_IDLE_MS
#define SD_DNS_TCP_IDLE_MS	10000
#endif
/* Upstream lookups in flight at once; beyond this queries get SERVFAIL. */
#define SD_DNS_UPSTREAM_MAX	8192

/*
 * Upstream AAAA answers are reused for at most [dns] upstream-cache
 * seconds, and never past their TTL (TTL 0 is not kept), as any caching
 * resolver would: a name asked again within that time costs no upstream
 * lookup. Every A query still publishes (and so refreshes the entry).
 * Negative answers are not kept: a new name is seen at once. Beyond
 * SD_DNS_CACHE_MAX names the oldest go first.
 */
#define SD_DNS_CACHE_MAX	65536	/* names kept at once */

struct sd_dns_cache;

struct sd_dns_cache *sd_dc_new(void);
/* The AAAA records kept for @name (lower-case wire), or NULL. */
const ldns_rr_list *sd_dc_get(struct sd_dns_cache *dc, const uint8_t *name,
			      size_t len, uint32_t hash);
/* Keeps a copy of @aaaa (not empty) for @name, at most @life_ms. */
void sd_dc_put(struct sd_dns_cache *dc, const uint8_t *name, size_t len,
	       uint32_t hash, const ldns_rr_list *aaaa, uint64_t life_ms);
void sd_dc_flush(struct sd_dns_cache *dc);
void sd_dc_free(struct sd_dns_cache *dc);

struct sd_upstream;
struct sd_up_query;

/*
 * Completion of one lookup, called exactly once and never from inside
 * sd_up_query(). @resp is the upstream's parsed answer (its question
 * matches the lookup's), owned by the caller of @done and freed after it
 * returns; NULL when every try failed or timed out.
 */
typedef void (*sd_up_done_fn)(void *arg, const ldns_pkt *resp);

struct sd_upstream *sd_up_new(struct sd_loop *l);
/* Replaces the server list and the per-try timeout; lookups continue. */
int sd_up_config(struct sd_upstream *u, const struct sd_sockaddr *servers,
		 unsigned int n, uint32_t timeout_ms);
/*
 * Starts a lookup of @qname (wire form, lower case) and @qtype. Returns
 * NULL when it cannot start (no servers, too many in flight, no socket);
 * the caller then answers at once.
 */
struct sd_up_query *sd_up_query(struct sd_upstream *u, const ldns_rdf *qname,
				ldns_rr_type qtype, sd_up_done_fn done,
				void *arg);
/* Drops every lookup without calling back, closes all sockets. */
void sd_up_free(struct sd_upstream *u);

#endif /* SIITDCD_DNS_H */
