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
