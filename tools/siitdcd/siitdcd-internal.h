/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's core, shared by main.c, publish.c, kernel.c and metrics.c
 * (the event sources only see struct siitdcd through siitdcd.h).
 */
#ifndef SIITDCD_INTERNAL_H
#define SIITDCD_INTERNAL_H

#include "siitdcd.h"
#include "pool.h"

struct sd_kernel;
struct sd_metrics;

struct siitdcd {
	struct sd_loop *loop;
	const char *conf_path;
	struct sd_conf *conf;		/* the one in force; replaced on SIGHUP */
	struct sd_pool *pool;		/* runs on the wall clock, in ms */
	struct sd_kernel *k;
	struct sd_dns *dns;
	struct sd_containers *ct;
	struct sd_metrics *metrics;

	/* The state file: written at once or within a second (state_writer.c). */
	bool state_dirty;
	struct sd_timer *state_timer;
	pid_t state_child;		/* the child writing it, or 0 */
	int state_pidfd;		/* its pidfd, in the loop */
	char state_path[4096];
};

/* CLOCK_REALTIME in milliseconds: the pool's and the state file's clock. */
uint64_t sd_wall_ms(void);

/* ---- state_writer.c ---- */

/*
 * The state changed: @now writes it at once (container and static claims,
 * which nothing else would bring back), otherwise within a second, by a
 * child process, so a burst of DNS allocations costs one write and the
 * event loop does not pause for it.
 */
void sd_state_changed(struct siitdcd *d, bool now);
/* Writes the state if it changed, after any running child (at exit). */
void sd_state_flush(struct siitdcd *d);

/* ---- publish.c ---- */

/*
 * What the kernel entry of a held binding must be: false when it must not
 * exist any more (a DNS-only binding whose lifetime ran out at @now).
 * Otherwise fills its source, ttl (0: permanent) and idle grace.
 */
bool sd_binding_wanted(const struct siitdcd *d, const struct sd_binding *b,
		       uint64_t now, uint8_t *source, uint32_t *ttl,
		       uint32_t *grace);
/* Drops every claim of @b (its entry is gone): quarantine, state, count. */
void sd_binding_release(struct siitdcd *d, struct sd_binding *b,
			const char *why);
/* Brings the [static] claims in line with the configuration. */
void sd_statics_apply(struct siitdcd *d);

/* ---- kernel.c ---- */

/*
 * Opens the module's handles (retrying with backoff while it is absent),
 * follows its events and reconciles its table with the pool every
 * conf->reconcile_interval seconds, after events were lost and whenever
 * the module comes back.
 */
struct sd_kernel *sd_kernel_new(struct siitdcd *d);
void sd_kernel_free(struct sd_kernel *k);
bool sd_kernel_up(const struct sd_kernel *k);
/* Installs or refreshes the entry b->v4/32 <-> b->v6/128. */
int sd_kernel_install(struct sd_kernel *k, const struct sd_binding *b,
		      uint8_t source, uint32_t ttl, uint32_t grace);
/* Deletes the entry of IPv4 @v4 (host order); a missing one is fine. */
int sd_kernel_remove(struct sd_kernel *k, uint32_t v4);
/* The kernel's (or libsiitdc's) word on the last failure. */
const char *sd_kernel_errmsg(const struct sd_kernel *k);
/* Reconciles soon (a reload changed the pool or the interval). */
void sd_kernel_reconcile_soon(struct sd_kernel *k);

/* ---- metrics.c ---- */

struct sd_metrics *sd_metrics_start(struct siitdcd *d,
				    const struct sd_sockaddr *addr, char *err,
				    size_t errlen);
void sd_metrics_stop(struct sd_metrics *m);

/* ---- main.c ---- */

/* "ADDR" or "[ADDR]:PORT" of @sa, for messages. */
const char *sd_sockaddr_str(const struct sd_sockaddr *sa, char *buf,
			    size_t n);

#endif /* SIITDCD_INTERNAL_H */
