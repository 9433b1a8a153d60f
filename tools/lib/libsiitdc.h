/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsiitdc: a small typed C API over the siitdc generic netlink family
 * (see include/uapi/linux/siitdc.h for the wire contract).
 *
 * Conventions:
 *  - Every function that can fail returns 0 (or a non-negative count) on
 *    success and a negative errno on failure.
 *  - When the kernel refused a request and attached an extended ack message,
 *    siitdc_kernel_msg() returns it until the next request on the handle.
 *    siitdc_local_msg() describes failures detected in userspace (malformed
 *    replies, socket errors); both return NULL when there is nothing to say.
 *  - Addresses are in network byte order (struct in_addr / in6_addr).
 *  - A handle is not thread safe; use one per thread.
 */
#ifndef LIBSIITDC_H
#define LIBSIITDC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <netinet/in.h>

#include <linux/siitdc.h>

/*
 * siitdc_open() returns -SIITDC_ENOFAMILY when the kernel does not know the
 * "siitdc" generic netlink family, i.e. the module is not loaded.
 */
#define SIITDC_ENOFAMILY	ENOPKG

/*
 * siitdc_eam_dump() returns -SIITDC_EDUMPINTR when the kernel flagged the dump
 * as interrupted (NLM_F_DUMP_INTR): the table changed while it was being
 * read, so the entries passed to the callback may be inconsistent. The dump
 * was still read to its end; retrying is the usual remedy.
 */
#define SIITDC_EDUMPINTR	EINTR

struct siitdc;

/*
 * One Explicit Address Mapping: v4/v4_len <-> v6/v6_len, with its lifetime,
 * owner, source and (in replies) traffic counters.
 *
 * Requests (siitdc_eam_add, siitdc_batch_add): ttl 0 means "no lifetime" and
 * is not sent; an empty owner is not sent; source is sent only when
 * has_source is set. The counters are ignored. Zero the struct first.
 * Replies and events: what the kernel reported; the has_* flags say which
 * optional attributes were present (an older module reports none of them).
 */
struct siitdc_eam {
	struct in_addr v4;
	uint8_t v4_len;			/* 0..32 */
	struct in6_addr v6;
	uint8_t v6_len;			/* 0..128 */

	uint32_t ttl;			/* seconds (left, in replies); 0: none */
	char owner[SIITDC_OWNER_MAX];	/* NUL-terminated; "": none */
	bool has_source;
	uint8_t source;			/* enum siitdc_eam_source */
	/*
	 * Idle grace in seconds (SIITDC_EAM_A_GRACE): with a TTL, the entry
	 * outlives it while packets used it less than this long ago. Requests:
	 * sent when non-zero. Replies and events: what the kernel reported, 0
	 * when it reported none.
	 */
	uint32_t grace;

	bool has_counters;		/* replies: any counter reported */
	uint64_t pkts_4to6;
	uint64_t bytes_4to6;
	uint64_t pkts_6to4;
	uint64_t bytes_6to4;
	bool has_idle;			/* false: no packet since it was added */
	uint64_t idle_ms;		/* since the last packet */
};

/* Either an IPv4 or an IPv6 prefix (or address, with a full length). */
struct siitdc_prefix {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint8_t len;
};

/* One IPv4 prefix (an entry of the denylist). */
struct siitdc_prefix4 {
	struct in_addr addr;
	uint8_t len;			/* 0..32 */
};

/*
 * Bits of siitdc_config.present, one per setting. After siitdc_config_get()
 * a bit says the kernel reported the setting (an older kernel may not know
 * it); for siitdc_config_set() it says "send this one", and settings whose
 * bit is clear are left as they are.
 */
enum {
	SIITDC_CFG_POOL6		= 1u << 0,
	SIITDC_CFG_POOL6791V4		= 1u << 1,
	SIITDC_CFG_POOL6791V6		= 1u << 2,
	SIITDC_CFG_LOWEST_IPV6_MTU	= 1u << 3,
	SIITDC_CFG_MTU_PLATEAUS		= 1u << 4,
	SIITDC_CFG_ZEROIZE_TC		= 1u << 5,
	SIITDC_CFG_OVERRIDE_TOS		= 1u << 6,
	SIITDC_CFG_TOS			= 1u << 7,
	SIITDC_CFG_UDP_ZERO_CSUM	= 1u << 8,
	SIITDC_CFG_HAIRPIN		= 1u << 9,
	SIITDC_CFG_RANDOM_6791		= 1u << 10,
	SIITDC_CFG_ICMP_ERRORS		= 1u << 11,
	SIITDC_CFG_ICMP_RATELIMIT	= 1u << 12,
	SIITDC_CFG_DENYLIST4		= 1u << 13,
	SIITDC_CFG_EAM_COUNT		= 1u << 14,	/* get only */
};

/* The bits siitdc_config_set() accepts. */
#define SIITDC_CFG_SETTABLE	(SIITDC_CFG_EAM_COUNT - 1)

/*
 * Every configuration knob. A pool whose present bit is set but whose has_*
 * is false is "not configured": config_get reports it so, and config_set
 * removes it (the *_CLEAR flag on the wire).
 *
 * config_get: the pools are always marked present on a kernel that knows
 * them (pool6: always; the pool6791 pools: when the kernel reports any of
 * the settings added with them), since the kernel omits unset pools.
 */
struct siitdc_config {
	uint32_t present;		/* SIITDC_CFG_* bits */

	bool has_pool6;			/* false: no pool6 configured */
	struct in6_addr pool6;
	uint8_t pool6_len;

	bool has_pool6791v4;		/* RFC 6791 pool for ICMPv6 errors */
	struct in_addr pool6791v4;
	uint8_t pool6791v4_len;		/* 0..32 */

	bool has_pool6791v6;		/* RFC 6791 pool for ICMPv4 errors */
	struct in6_addr pool6791v6;
	uint8_t pool6791v6_len;		/* 0..128 */

	uint32_t lowest_ipv6_mtu;	/* >= 1280 */
	unsigned int n_plateaus;	/* 1..SIITDC_PLATEAUS_MAX */
	uint16_t plateaus[SIITDC_PLATEAUS_MAX];		/* strictly descending, >= 68 */
	bool zeroize_tc;
	bool override_tos;
	uint8_t tos;
	uint8_t udp_zero_csum;		/* enum siitdc_udp_zero_csum */
	uint8_t hairpin;		/* enum siitdc_hairpin */
	bool random_6791;
	bool icmp_errors;
	uint32_t icmp_ratelimit;	/* errors per second, 0 = unlimited */
	unsigned int n_denylist4;	/* 0..SIITDC_DENYLIST4_MAX */
	struct siitdc_prefix4 denylist4[SIITDC_DENYLIST4_MAX];

	bool has_eam_count;		/* false: kernel did not say */
	uint32_t eam_count;
};

/* Counters are indexed by enum siitdc_stat; numbers >= this are dropped. */
#define SIITDC_STATS_CAP	512

struct siitdc_stats {
	uint64_t val[SIITDC_STATS_CAP];
	bool present[SIITDC_STATS_CAP];	/* the kernel reported this counter */
	unsigned int n;			/* 1 + highest present index */
	unsigned int dropped;		/* counters with numbers >= the cap */
};

/*
 * Opens a generic netlink socket and resolves the siitdc family.
 * Returns 0 and a handle in *out, -SIITDC_ENOFAMILY if the module is not
 * loaded, or another negative errno.
 */
int siitdc_open(struct siitdc **out);
void siitdc_close(struct siitdc *h);

/* Message from the kernel's extended ack for the last failed request. */
const char *siitdc_kernel_msg(const struct siitdc *h);
/* Description of the last failure detected in userspace. */
const char *siitdc_local_msg(const struct siitdc *h);
/* Extended ack message the kernel attached to a successful request. */
const char *siitdc_kernel_warning(const struct siitdc *h);

/*
 * Adds an entry (SIITDC_CMD_EAM_ADD), with its ttl, owner and source when
 * set. flags: SIITDC_F_* (e.g. SIITDC_F_FORCE). Adding an entry identical to
 * an existing one (same IPv4 and IPv6 prefix) refreshes its TTL and owner.
 */
int siitdc_eam_add(struct siitdc *h, const struct siitdc_eam *e,
		   uint32_t flags);

/*
 * Gives the entry whose IPv4 (or IPv6) prefix is exactly p a new lifetime
 * of ttl seconds (0: none). Sent as an EAM_BATCH of one operation.
 */
int siitdc_eam_refresh(struct siitdc *h, const struct siitdc_prefix *p,
		       uint32_t ttl);
/* The same with an idle grace (seconds, sent when non-zero). */
int siitdc_eam_refresh_grace(struct siitdc *h, const struct siitdc_prefix *p,
			     uint32_t ttl, uint32_t grace);

/* Removes the entry whose IPv4 (or IPv6) prefix is exactly p. */
int siitdc_eam_del(struct siitdc *h, const struct siitdc_prefix *p);

/*
 * Looks up the entry that translates address addr (longest prefix match);
 * addr->len is ignored. Fills *out.
 */
int siitdc_eam_get(struct siitdc *h, const struct siitdc_prefix *addr,
		   struct siitdc_eam *out);

/*
 * Streams the table: cb is called once per entry, as replies arrive; the
 * table is never held in memory. If cb returns non-zero, it is not called
 * again and, once the rest of the dump has been drained, siitdc_eam_dump()
 * returns that value. Returns 0, the callback's value, -SIITDC_EDUMPINTR
 * (see above) or another negative errno.
 */
typedef int (*siitdc_eam_cb)(const struct siitdc_eam *e, void *arg);
int siitdc_eam_dump(struct siitdc *h, siitdc_eam_cb cb, void *arg);

/*
 * The same, only the entries whose owner is owner (NULL: every entry). The
 * kernel filters (the request carries SIITDC_A_EAM with only
 * SIITDC_EAM_A_OWNER); entries of another owner that still arrive are not
 * passed to cb.
 */
int siitdc_eam_dump_owner(struct siitdc *h, const char *owner,
			  siitdc_eam_cb cb, void *arg);

/*
 * The same dump, read a bounded amount at a time, for event loops: a large
 * table is read over many turns of the loop instead of stalling it.
 * siitdc_eam_dump_begin() sends the request. Then, each time siitdc_fd(h)
 * is readable, siitdc_eam_dump_step() reads at most max_reads datagrams
 * (each holds many entries) and passes their entries to cb; it returns 1
 * while more are to come, 0 once the dump is complete, or what
 * siitdc_eam_dump() would return for an error. A cb returning non-zero
 * gets no more entries; the dump is still read to its end, and the last
 * step returns cb's value if negative, -ECANCELED if positive. No other
 * request may use the handle while a dump is in progress (-EBUSY).
 */
int siitdc_eam_dump_begin(struct siitdc *h);
int siitdc_eam_dump_step(struct siitdc *h, siitdc_eam_cb cb, void *arg,
			 unsigned int max_reads);

/* Removes every entry; returns how many were removed (or -errno). */
long siitdc_eam_flush(struct siitdc *h);

/* The same, only the entries whose owner is owner (NULL: every entry). */
long siitdc_eam_flush_owner(struct siitdc *h, const char *owner);

/*
 * Batches (SIITDC_CMD_EAM_BATCH): many operations, streamed.
 *
 *   siitdc_batch_begin(h, flags);
 *   siitdc_batch_add(h, &e, 0); siitdc_batch_del(h, &p); ...
 *   siitdc_batch_end(h);
 *
 * Operations are queued into one request message; when it holds
 * SIITDC_BATCH_OPS operations, or the next one could take it past
 * SIITDC_BATCH_BYTES bytes, it is sent and its reply awaited before the
 * queueing goes on, so memory stays constant whatever the batch size.
 * siitdc_batch_end() sends what is left. The kernel applies each message
 * as a whole or not at all: a batch spanning several messages is atomic
 * per message only (use the replace API for an atomic whole).
 *
 * Every function returns 0 or a negative errno. After a failure the batch
 * is over (nothing more is sent; a new siitdc_batch_begin() is needed);
 * siitdc_batch_status() says which operation failed and how many earlier
 * ones the kernel applied, siitdc_kernel_msg() gives the kernel's message.
 * Operations are numbered from 0, the first of the batch.
 *
 * flags: SIITDC_F_STAGED to fill the table of a replacement (see below).
 */
#define SIITDC_BATCH_OPS	512		/* operations per message */
#define SIITDC_BATCH_BYTES	(56 * 1024)	/* bytes per message, at most */

int siitdc_batch_begin(struct siitdc *h, uint32_t flags);
/* flags: SIITDC_F_FORCE (allow overlapping prefixes). */
int siitdc_batch_add(struct siitdc *h, const struct siitdc_eam *e,
		     uint32_t flags);
/* Removes the entry whose IPv4 (or IPv6) prefix is exactly p. */
int siitdc_batch_del(struct siitdc *h, const struct siitdc_prefix *p);
/* New lifetime (0: none) for the entry whose prefix is exactly p. */
int siitdc_batch_refresh(struct siitdc *h, const struct siitdc_prefix *p,
			 uint32_t ttl);
/* The same with an idle grace (seconds, sent when non-zero). */
int siitdc_batch_refresh_grace(struct siitdc *h, const struct siitdc_prefix *p,
			       uint32_t ttl, uint32_t grace);
/* Sends the operations still queued and ends the batch. */
int siitdc_batch_end(struct siitdc *h);
/* Ends the batch without sending what is queued (nothing is undone). */
void siitdc_batch_cancel(struct siitdc *h);

/*
 * Lowers the per-message limits of later batches (0: keep the default;
 * larger values than the defaults, or SIITDC_BATCH_MAX, are clamped).
 */
void siitdc_batch_set_limits(struct siitdc *h, unsigned int ops,
			     unsigned int bytes);

struct siitdc_batch_status {
	unsigned long queued;		/* operations given so far */
	unsigned long sent;		/* operations sent to the kernel */
	unsigned long applied;		/* operations the kernel applied */
	unsigned long messages;		/* request messages answered */
	bool failed;			/* the kernel refused a message */
	/*
	 * Index of the operation that failed, -1 when the kernel did not say
	 * (then it is one of first_in_msg .. first_in_msg + n_in_msg - 1).
	 */
	long failed_op;
	int failed_err;			/* its errno, negative */
	unsigned long first_in_msg;	/* first operation of the failed message */
	unsigned int n_in_msg;		/* operations in it */
};

/* The state of the current (or last) batch. */
const struct siitdc_batch_status *siitdc_batch_status(const struct siitdc *h);

/*
 * Atomic replacement of the whole table: begin, fill with a batch started
 * with SIITDC_F_STAGED, commit (or abort). Readers see the old table or the
 * new one, never a mix. Only this handle can fill, commit or abort it; the
 * kernel discards an uncommitted staging table when the handle is closed.
 */
int siitdc_replace_begin(struct siitdc *h);
int siitdc_replace_commit(struct siitdc *h);
int siitdc_replace_abort(struct siitdc *h);

/*
 * Table events (multicast group SIITDC_MCGRP_EVENTS).
 *
 * type is the event's command (SIITDC_CMD_EVENT_ADD, _DEL, _EXPIRE,
 * _REFRESH: has_eam is set; _REPLACE, _FLUSH: has_count is set), or
 * SIITDC_EVENT_LOST when events were lost because the socket's receive
 * buffer overflowed. Commands this build does not know are passed on as
 * they are, with whatever of the two attributes they carry.
 */
#define SIITDC_EVENT_LOST	(-1)

struct siitdc_event {
	int type;
	bool has_eam;
	struct siitdc_eam eam;
	bool has_count;
	uint32_t count;
};

/*
 * Joins the events group. Returns 0, -EOPNOTSUPP when the module has no
 * such group (an older module), or another negative errno. Replies to
 * requests made on a subscribed handle still work; events that arrive while
 * a request is in flight are dropped.
 */
int siitdc_events_subscribe(struct siitdc *h);

/*
 * Waits for events and calls cb once per event, in order, until cb returns
 * non-zero (returned) or an error (negative errno). Events the library
 * cannot parse are skipped. When sigmask is not NULL, it is the signal mask
 * while waiting (as with ppoll()): block the signals that should stop the
 * loop, pass a mask without them, and the loop returns -EINTR once one of
 * them was caught (race-free). With a NULL sigmask any caught signal that
 * interrupts the wait returns -EINTR too.
 */
typedef int (*siitdc_event_cb)(const struct siitdc_event *ev, void *arg);
int siitdc_events_run(struct siitdc *h, siitdc_event_cb cb, void *arg,
		      const sigset_t *sigmask);

/*
 * For an event loop: the handle's socket, to wait on (readable) with epoll
 * or poll. Do not read from it or change its flags.
 */
int siitdc_fd(const struct siitdc *h);

/*
 * Handles every event already waiting on a subscribed handle without
 * blocking: calls cb once per event, in order (SIITDC_EVENT_LOST when the
 * receive buffer overflowed). Returns 0 once none is left, the callback's
 * non-zero value (the events after it stay queued) or a negative errno.
 */
int siitdc_events_drain(struct siitdc *h, siitdc_event_cb cb, void *arg);

/* Reads every setting the kernel reports (see struct siitdc_config). */
int siitdc_config_get(struct siitdc *h, struct siitdc_config *out);

/*
 * Changes the settings whose bit is set in c->present, all in one request:
 * the kernel applies all of them or none. Lengths and counts are checked
 * here (-EINVAL with a local message); the values' meaning is the kernel's
 * to check.
 */
int siitdc_config_set(struct siitdc *h, const struct siitdc_config *c);

/* Sets pool6 to pool6/len, or removes it when pool6 is NULL. */
int siitdc_config_set_pool6(struct siitdc *h, const struct in6_addr *pool6,
			    uint8_t len);

int siitdc_stats_get(struct siitdc *h, struct siitdc_stats *out);

#endif /* LIBSIITDC_H */
