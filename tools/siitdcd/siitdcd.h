/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siitdcd: the interfaces between the daemon's parts.
 *
 *   main.c       event loop (epoll, timerfd, signalfd), SIGTERM/SIGHUP
 *   conf.c       /etc/siitdc/siitdcd.conf (inih) -> struct sd_conf
 *   pool.c       public IPv4 pool: exclusions, one IPv4 per IPv6, quarantine
 *                (pure: no I/O, unit tested)
 *   state.c      the restart-safe state file (atomic rename)
 *   state_writer.c  when it is written: delayed writes by a forked child
 *   publish.c    sd_publish/sd_unpublish: pool + kernel EAM table + state
 *   kernel.c     libsiitdc calls, expiry events, reconcile with the table
 *   dns.c        the DNS front end (ldns): public zones, upstream AAAA
 *   containers.c Docker Engine API (Docker, Podman) events and reconcile
 *   ndp.c        proxy neighbour entries over rtnetlink
 *   metrics.c    Prometheus text metrics over HTTP
 *
 * Single-threaded: every part runs from the one event loop (only the state
 * file's delayed writes are made by a short-lived child) and never blocks
 * for long (sockets are non-blocking; netlink requests to the module are
 * answered synchronously by the kernel and are quick).
 */
#ifndef SIITDCD_H
#define SIITDCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define SD_OWNER_MAX	32	/* = SIITDC_OWNER_MAX, NUL included */
#define SD_NAME_MAX	256	/* a domain name in text form */

/* ---- event loop (main.c) ---- */

struct sd_loop;
typedef void (*sd_io_fn)(void *arg, uint32_t epoll_events);
typedef void (*sd_timer_fn)(void *arg);
struct sd_timer;

int sd_loop_add(struct sd_loop *l, int fd, uint32_t events, sd_io_fn fn,
		void *arg);
int sd_loop_mod(struct sd_loop *l, int fd, uint32_t events);
void sd_loop_del(struct sd_loop *l, int fd);
/* One-shot timer @ms from now; returns NULL on ENOMEM. */
struct sd_timer *sd_timer_add(struct sd_loop *l, uint64_t ms, sd_timer_fn fn,
			      void *arg);
void sd_timer_cancel(struct sd_loop *l, struct sd_timer *t);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t sd_now_ms(void);

/* ---- logging (main.c) ---- */

enum sd_log_level { SD_LOG_ERR, SD_LOG_WARN, SD_LOG_INFO, SD_LOG_DEBUG };
void sd_log(enum sd_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether @lvl is logged: spares formatting arguments that would not be. */
bool sd_log_on(enum sd_log_level lvl);
/*
 * At most one message a second per kind (*last is the kind's memory): a
 * flood must not become a flood of log lines; counters count every one.
 */
bool sd_log_allowed(uint64_t *last);

/* ---- configuration (conf.c) ---- */

struct sd_prefix4 {
	struct in_addr addr;
	uint8_t len;
};

struct sd_sockaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* One public zone: NAME.<zone> is answered from AAAA NAME.<internal>. */
struct sd_zone {
	char zone[SD_NAME_MAX];		/* lower case, no trailing dot */
	char internal[SD_NAME_MAX];	/* lower case, no trailing dot */
	char owner[SD_OWNER_MAX];	/* owner of the entries it creates */
};

struct sd_quota {
	char owner[SD_OWNER_MAX];
	uint32_t max;			/* IPv4 addresses held at once */
};

/* [static] address = V6 [OWNER]: an entry held for as long as it is listed. */
struct sd_static {
	struct in6_addr v6;
	char owner[SD_OWNER_MAX];
};

struct sd_conf {
	/* [daemon] */
	char state_file[4096];
	bool has_metrics;
	struct sd_sockaddr metrics;	/* HTTP listen address */
	enum sd_log_level log_level;

	/* [pool] */
	unsigned int n_prefixes;
	struct sd_prefix4 *prefixes;
	unsigned int n_excludes;
	struct sd_prefix4 *excludes;
	uint32_t quarantine;		/* seconds */

	/* [dns] */
	unsigned int n_listen;
	struct sd_sockaddr *listen;	/* UDP and TCP on each */
	unsigned int n_upstreams;
	struct sd_sockaddr *upstreams;
	unsigned int n_zones;
	struct sd_zone *zones;
	uint32_t ttl_min, ttl_max;	/* bounds on the entry's TTL */
	uint32_t idle_grace;		/* seconds; 0: expire exactly at TTL */
	uint32_t upstream_timeout_ms;
	uint32_t upstream_cache;	/* seconds an AAAA answer is reused */

	/* [containers] */
	char docker_socket[108];	/* "": no container source */
	char ndp_proxy[16];		/* interface name; "": off */
	char default_owner[SD_OWNER_MAX];

	/* [quota] owner = max */
	unsigned int n_quotas;
	struct sd_quota *quotas;

	/* [daemon] reconcile-interval: seconds between kernel reconciles */
	uint32_t reconcile_interval;
	/* [static] */
	unsigned int n_statics;
	struct sd_static *statics;
};

/*
 * Parses @path. On error returns -1 and writes "FILE:LINE: message" to
 * @err. The result owns its arrays; free with sd_conf_free().
 */
int sd_conf_load(const char *path, struct sd_conf *out, char *err,
		 size_t errlen);
void sd_conf_free(struct sd_conf *c);

/* ---- publication (publish.c): the one place entries are made ---- */

enum sd_source {
	SD_SRC_STATIC,		/* = SIITDC_SOURCE_STATIC */
	SD_SRC_DNS,		/* = SIITDC_SOURCE_DNS */
	SD_SRC_CONTAINER,	/* = SIITDC_SOURCE_CONTAINER */
};

struct siitdcd;

/*
 * Makes @v6 reachable from IPv4: takes (or reuses) its IPv4 from the pool
 * and installs (or refreshes) the kernel EAM entry before returning.
 * @ttl 0: no lifetime (a container flagged public); otherwise the entry's
 * lifetime in seconds, already bounded by the caller; a refresh never
 * shortens a longer-lived entry and never gives a permanent one a TTL;
 * a DNS refresh that would lengthen the entry's life by less than @ttl/8
 * (at least a second) changes nothing, and *ttl_left says what it has left.
 * On success fills *v4 and *ttl_left (seconds the entry lives from now;
 * 0: no limit) and returns 0. Errors: -ENOSPC pool exhausted, -EDQUOT the
 * owner's quota is used up, or another negative errno (module refused,
 * not loaded); each is logged once and counted.
 */
int sd_publish(struct siitdcd *d, const struct in6_addr *v6,
	       const char *owner, enum sd_source src, uint32_t ttl,
	       struct in_addr *v4, uint32_t *ttl_left);

/*
 * Drops @src's claim on @v6 (a container died). When no claim remains the
 * kernel entry is deleted and the IPv4 enters quarantine. Returns 0, or
 * -ENOENT when @src held no claim.
 */
int sd_unpublish(struct siitdcd *d, const struct in6_addr *v6,
		 enum sd_source src);

/*
 * Calls @fn for every IPv6 address on which @src holds a claim (held
 * bindings only, not quarantined ones), so that a reconcile can drop the
 * claims of containers that went away while siitdcd was down or
 * disconnected. @fn must not publish or unpublish.
 */
void sd_claims_foreach(struct siitdcd *d, enum sd_source src,
		       void (*fn)(const struct in6_addr *v6, void *arg),
		       void *arg);

/* ---- the event sources (started and stopped by main.c) ---- */

struct sd_dns;
/* Opens the UDP and TCP listeners of c->listen; NULL with @err on failure. */
struct sd_dns *sd_dns_start(struct siitdcd *d, struct sd_loop *l,
			    const struct sd_conf *c, char *err, size_t errlen);
/* SIGHUP: new zones, upstreams, bounds; listeners reopened if changed. */
int sd_dns_reload(struct sd_dns *dns, const struct sd_conf *c, char *err,
		  size_t errlen);
void sd_dns_stop(struct sd_dns *dns);

struct sd_containers;
/* Connects to c->docker_socket (reconnecting with backoff) and reconciles. */
struct sd_containers *sd_containers_start(struct siitdcd *d,
					  struct sd_loop *l,
					  const struct sd_conf *c);
void sd_containers_stop(struct sd_containers *ct);

/* ndp.c: adds or removes the proxy neighbour entry of @v6 on @ifname. */
int sd_ndp_proxy(const char *ifname, const struct in6_addr *v6, bool add);

/* ---- metrics (metrics.c): counters the parts bump ---- */

enum sd_metric {
	SD_M_DNS_QUERIES_UDP,
	SD_M_DNS_QUERIES_TCP,
	SD_M_DNS_NOERROR,
	SD_M_DNS_NXDOMAIN,
	SD_M_DNS_NODATA,
	SD_M_DNS_SERVFAIL,
	SD_M_DNS_REFUSED,
	SD_M_DNS_FORMERR,
	SD_M_DNS_UPSTREAM_QUERIES,
	SD_M_DNS_UPSTREAM_TIMEOUTS,
	SD_M_DNS_COALESCED,		/* queries that joined a pending lookup */
	SD_M_ALLOCATIONS,
	SD_M_REFRESHES,
	SD_M_RELEASES,
	SD_M_POOL_EXHAUSTED,
	SD_M_QUOTA_EXCEEDED,
	SD_M_KERNEL_ERRORS,
	SD_M_CONTAINER_EVENTS,
	SD_M_CONTAINER_RECONNECTS,
	SD_M_RECONCILES,
	SD_M_RECONCILE_DUMP_STEPS,	/* loop turns reading the table */
	SD_M_RECONCILE_ADDED,
	SD_M_RECONCILE_REMOVED,
	SD_M_NDP_ERRORS,
	SD_M_STATE_WRITES,
	SD_M_STATE_ERRORS,
	SD_M__COUNT
};

void sd_metric_inc(enum sd_metric m);
/* DNS answer latency, query received -> answer sent, in microseconds. */
void sd_metric_dns_latency(uint64_t usec);

#endif /* SIITDCD_H */
