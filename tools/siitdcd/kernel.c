// SPDX-License-Identifier: GPL-2.0
/*
 * The module's side: two libsiitdc handles (requests on one, table events
 * on the other, which the event loop watches), a generic netlink control
 * socket that says when the module goes or comes back, and the reconcile
 * that makes the kernel's table match the pool.
 *
 * Events only speed things up: every decision they lead to is re-checked
 * against the kernel (an event may be stale by the time it is read), and
 * the periodic reconcile repairs whatever an event missed, so lost events,
 * a module reload or a table flush all heal the same way.
 */
#include "siitdcd-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <linux/genetlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include <libsiitdc.h>

#define RETRY_MIN_MS	250
#define RETRY_MAX_MS	10000
#define SOON_MS		100
#define DUMP_TRIES	3
/*
 * Datagrams of the periodic reconcile's dump read per turn of the event
 * loop: each holds a hundred entries or more, so a turn stays near a
 * millisecond and DNS queries are answered between turns.
 */
#define DUMP_READS	4

struct kent {
	uint32_t v4;			/* host order */
	struct in6_addr v6;
	uint32_t ttl;
	uint32_t grace;
	bool has_idle;
	uint64_t idle_ms;
	uint8_t source;
	bool has_source;
	bool removed;
	char owner[SIITDC_OWNER_MAX];
};

struct kdump {
	struct kent *e;
	size_t n, cap;
	bool nomem;
};

/* IPv4 addresses (host order) siitdcd wrote while a dump was being read. */
struct written {
	uint32_t *a;
	size_t n, cap;
	bool nomem;
};

struct sd_kernel {
	struct siitdcd *d;
	struct siitdc *h;		/* requests */
	struct siitdc *ev;		/* events, in the loop */
	struct siitdc *dh;		/* the periodic reconcile's dump */
	struct nl_sock *ctrl;		/* nlctrl notifications */
	bool up;
	struct sd_timer *timer;		/* next reconcile or reopen */
	uint64_t timer_at;		/* sd_now_ms() it fires at */
	uint32_t backoff_ms;
	bool warned_down;
	char msg[256];
	/*
	 * The periodic reconcile reads the table over many loop turns while
	 * DNS and container events go on writing to it; what they wrote
	 * meanwhile is newer than the dump and is left out of the comparison.
	 */
	bool dumping;
	bool again;			/* asked for while dumping */
	uint32_t gen;			/* reconciles applied, for kseen_gen */
	unsigned int dump_tries;
	struct kdump kd;
	struct written w;
};

static void kernel_timer_fn(void *arg);

static void schedule(struct sd_kernel *k, uint64_t ms)
{
	uint64_t at = sd_now_ms() + ms;

	if (k->timer) {
		if (k->timer_at <= at)
			return;		/* one sooner is already set */
		sd_timer_cancel(k->d->loop, k->timer);
	}
	k->timer = sd_timer_add(k->d->loop, ms, kernel_timer_fn, k);
	k->timer_at = at;
}

static void reschedule(struct sd_kernel *k, uint64_t ms)
{
	if (k->timer)
		sd_timer_cancel(k->d->loop, k->timer);
	k->timer = NULL;
	schedule(k, ms);
}

static void set_msg(struct sd_kernel *k, struct siitdc *h)
{
	const char *m = h ? siitdc_kernel_msg(h) : NULL;

	if (!m && h)
		m = siitdc_local_msg(h);
	snprintf(k->msg, sizeof(k->msg), "%s", m ? m : "");
}

const char *sd_kernel_errmsg(const struct sd_kernel *k)
{
	return k->msg[0] ? k->msg : NULL;
}

bool sd_kernel_up(const struct sd_kernel *k)
{
	return k && k->up;
}

/* ---- handles ---- */

static void dump_end(struct sd_kernel *k)
{
	k->dumping = false;
	free(k->kd.e);
	memset(&k->kd, 0, sizeof(k->kd));
	k->w.n = 0;
	k->w.nomem = false;
}

static void close_handles(struct sd_kernel *k)
{
	if (k->ev) {
		sd_loop_del(k->d->loop, siitdc_fd(k->ev));
		siitdc_close(k->ev);
	}
	if (k->dh) {
		sd_loop_del(k->d->loop, siitdc_fd(k->dh));
		siitdc_close(k->dh);
	}
	siitdc_close(k->h);
	k->ev = k->h = k->dh = NULL;
	k->up = false;
	dump_end(k);
	k->again = false;
}

static void went_down(struct sd_kernel *k, const char *why)
{
	if (k->up)
		sd_log(SD_LOG_WARN, "siitdc module: %s; entries are restored "
		       "once it is back", why);
	close_handles(k);
	k->backoff_ms = RETRY_MIN_MS;
	reschedule(k, RETRY_MIN_MS);
}

static void entry_gone(struct sd_kernel *k, const struct siitdc_eam *e,
		       bool expired)
{
	struct siitdcd *d = k->d;
	struct sd_binding *b = sd_pool_find4(d->pool, ntohl(e->v4.s_addr));
	struct siitdc_prefix p = { .family = AF_INET, .v4 = e->v4, .len = 32 };
	struct siitdc_eam now;
	uint32_t ttl, grace;
	uint8_t source;

	if (!k->h || e->v4_len != 32 || e->v6_len != 128 || !b ||
	    !b->claims || memcmp(&b->v6, &e->v6, sizeof(e->v6)))
		return;
	/*
	 * Stale event? (Our own re-add after a release, or a refresh that
	 * came just after the expiry.) The table has the last word.
	 */
	if (siitdc_eam_get(k->h, &p, &now) == 0 && now.v4_len == 32 &&
	    now.v4.s_addr == e->v4.s_addr &&
	    !memcmp(&now.v6, &b->v6, sizeof(b->v6)))
		return;
	if (expired && (b->claims & ~SD_CLAIM(SD_SRC_DNS)) &&
	    sd_binding_wanted(d, b, sd_wall_ms(), &source, &ttl, &grace)) {
		/* A permanent claim never expires: put it back. */
		if (sd_kernel_install(k, b, source, ttl, grace) == 0)
			sd_metric_inc(SD_M_RECONCILE_ADDED);
		return;
	}
	sd_binding_release(d, b, expired ? "expired" :
			   "deleted from the kernel's table");
}

static int event_cb(const struct siitdc_event *ev, void *arg)
{
	struct sd_kernel *k = arg;

	switch (ev->type) {
	case SIITDC_CMD_EVENT_EXPIRE:
	case SIITDC_CMD_EVENT_DEL:
		if (ev->has_eam)
			entry_gone(k, &ev->eam,
				   ev->type == SIITDC_CMD_EVENT_EXPIRE);
		break;
	case SIITDC_CMD_EVENT_FLUSH:
	case SIITDC_CMD_EVENT_REPLACE:
		sd_log(SD_LOG_INFO, "the kernel's table was %s: reconciling",
		       ev->type == SIITDC_CMD_EVENT_FLUSH ? "flushed" :
		       "replaced");
		schedule(k, SOON_MS);
		break;
	case SIITDC_EVENT_LOST:
		sd_log(SD_LOG_WARN, "kernel events were lost: reconciling");
		schedule(k, SOON_MS);
		break;
	default:
		break;
	}
	return 0;
}

static void events_io(void *arg, uint32_t events)
{
	struct sd_kernel *k = arg;
	int err;

	(void)events;
	if (!k->ev)
		return;
	err = siitdc_events_drain(k->ev, event_cb, k);
	if (err < 0 && k->ev) {
		sd_log(SD_LOG_WARN, "kernel events: %s",
		       siitdc_local_msg(k->ev) ? siitdc_local_msg(k->ev) :
		       strerror(-err));
		schedule(k, SOON_MS);
	}
}

static void dump_io(void *arg, uint32_t events);

static int open_handles(struct sd_kernel *k)
{
	int err;

	err = siitdc_open(&k->h);
	if (!err)
		err = siitdc_open(&k->dh);
	if (!err)
		err = sd_loop_add(k->d->loop, siitdc_fd(k->dh), EPOLLIN,
				  dump_io, k);
	if (!err)
		err = siitdc_open(&k->ev);
	if (!err) {
		err = siitdc_events_subscribe(k->ev);
		if (err)
			set_msg(k, k->ev);
	}
	if (!err)
		err = sd_loop_add(k->d->loop, siitdc_fd(k->ev), EPOLLIN,
				  events_io, k);
	if (err) {
		close_handles(k);
		return err;
	}
	k->up = true;
	return 0;
}

/* ---- nlctrl: the module going and coming ---- */

static int ctrl_valid(struct nl_msg *msg, void *arg)
{
	struct sd_kernel *k = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *g;

	if (!genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	g = nlmsg_data(nlh);
	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), SIITDC_GENL_NAME))
		return NL_SKIP;
	if (g->cmd == CTRL_CMD_DELFAMILY) {
		went_down(k, "unloaded");
	} else if (g->cmd == CTRL_CMD_NEWFAMILY) {
		sd_log(SD_LOG_INFO, "siitdc module loaded");
		/* Its family exists before its per-namespace setup ends. */
		reschedule(k, 200);
	}
	return NL_OK;
}

static void ctrl_io(void *arg, uint32_t events)
{
	struct sd_kernel *k = arg;
	int i;

	(void)events;
	/* Bounded: the socket is non-blocking, -NLE_AGAIN ends it. */
	for (i = 0; i < 64; i++)
		if (nl_recvmsgs_default(k->ctrl) < 0)
			break;
}

static void ctrl_open(struct sd_kernel *k)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp;

	if (!sk)
		goto fail;
	if (genl_connect(sk) < 0)
		goto fail;
	grp = genl_ctrl_resolve_grp(sk, "nlctrl", "notify");
	if (grp < 0 || nl_socket_add_membership(sk, grp) < 0)
		goto fail;
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, ctrl_valid, k);
	if (nl_socket_set_nonblocking(sk) < 0 ||
	    sd_loop_add(k->d->loop, nl_socket_get_fd(sk), EPOLLIN, ctrl_io, k))
		goto fail;
	k->ctrl = sk;
	return;
fail:
	/* The periodic reconcile still notices; only slower. */
	sd_log(SD_LOG_WARN, "cannot follow generic netlink families; module "
	       "reloads are noticed at the next reconcile");
	if (sk)
		nl_socket_free(sk);
}

/* ---- install, remove ---- */

/* While a dump is read, remembers that v4's entry was written. */
static void note_write(struct sd_kernel *k, uint32_t v4)
{
	struct written *w = &k->w;

	if (!k->dumping || w->nomem)
		return;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		uint32_t *n = realloc(w->a, cap * sizeof(*n));

		if (!n) {
			w->nomem = true;	/* this reconcile is void */
			return;
		}
		w->a = n;
		w->cap = cap;
	}
	w->a[w->n++] = v4;
}

int sd_kernel_install(struct sd_kernel *k, const struct sd_binding *b,
		      uint8_t source, uint32_t ttl, uint32_t grace)
{
	struct siitdc_eam e;
	int err;

	k->msg[0] = '\0';
	if (!k->up) {
		snprintf(k->msg, sizeof(k->msg), "the siitdc module is not loaded");
		return -SIITDC_ENOFAMILY;
	}
	memset(&e, 0, sizeof(e));
	e.v4.s_addr = htonl(b->v4);
	e.v4_len = 32;
	e.v6 = b->v6;
	e.v6_len = 128;
	e.ttl = ttl;
	e.grace = ttl ? grace : 0;
	snprintf(e.owner, sizeof(e.owner), "%s", b->owner);
	e.has_source = true;
	e.source = source;
	note_write(k, b->v4);
	err = siitdc_eam_add(k->h, &e, 0);
	if (err) {
		set_msg(k, k->h);
		/* The module may be going away: check soon. */
		if (err != -EEXIST && err != -EINVAL && err != -EPERM)
			schedule(k, SOON_MS);
	}
	return err;
}

int sd_kernel_remove(struct sd_kernel *k, uint32_t v4)
{
	struct siitdc_prefix p = { .family = AF_INET, .len = 32 };
	int err;

	if (!k->up)
		return 0;	/* the table went with the module */
	p.v4.s_addr = htonl(v4);
	note_write(k, v4);
	err = siitdc_eam_del(k->h, &p);
	if (err && err != -ENOENT)
		set_msg(k, k->h);
	return err;
}

/* ---- reconcile ---- */

static int dump_cb(const struct siitdc_eam *e, void *arg)
{
	struct kdump *kd = arg;
	struct kent *x;

	if (e->v4_len != 32 || e->v6_len != 128)
		return 0;	/* prefix entries are the operator's */
	if (kd->n == kd->cap) {
		size_t cap = kd->cap ? kd->cap * 2 : 256;
		struct kent *n = realloc(kd->e, cap * sizeof(*n));

		if (!n) {
			kd->nomem = true;
			return 1;
		}
		kd->e = n;
		kd->cap = cap;
	}
	x = &kd->e[kd->n++];
	memset(x, 0, sizeof(*x));
	x->v4 = ntohl(e->v4.s_addr);
	x->v6 = e->v6;
	x->ttl = e->ttl;
	x->grace = e->grace;
	x->has_idle = e->has_idle;
	x->idle_ms = e->idle_ms;
	x->has_source = e->has_source;
	x->source = e->source;
	memcpy(x->owner, e->owner, sizeof(x->owner));
	return 0;
}

/* The binding's kernel entry, as the current dump has it (or NULL). */
static struct kent *kseen(const struct sd_kernel *k, const struct sd_binding *b)
{
	return b->kseen_gen == k->gen ? &k->kd.e[b->kseen_idx] : NULL;
}

static void mark_seen(const struct sd_kernel *k, struct sd_binding *b,
		      size_t i)
{
	if (b) {
		b->kseen_gen = k->gen;
		b->kseen_idx = (uint32_t)i;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Written while the dump was read: the dump's view of it is older. */
static bool written(const struct sd_kernel *k, uint32_t v4)
{
	return k->w.n &&
		bsearch(&v4, k->w.a, k->w.n, sizeof(v4), cmp_u32) != NULL;
}

struct held {
	struct sd_binding **b;
	size_t n, cap;
	bool nomem;
};

static void held_cb(const struct sd_binding *b, void *arg)
{
	struct held *h = arg;

	if (!b->claims || h->nomem)
		return;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct sd_binding **n = realloc(h->b, cap * sizeof(*n));

		if (!n) {
			h->nomem = true;
			return;
		}
		h->b = n;
		h->cap = cap;
	}
	/* The pool hands out const views; reconcile owns the changes. */
	h->b[h->n++] = (struct sd_binding *)b;
}

static const char *v6s(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static const char *v4s(uint32_t a, char *buf)
{
	struct in_addr x = { .s_addr = htonl(a) };

	return inet_ntop(AF_INET, &x, buf, INET_ADDRSTRLEN);
}

/* Step 1: kernel entries of siitdcd's sources that the pool does not hold. */
static void reconcile_foreign(struct sd_kernel *k, struct kdump *kd,
			      uint64_t now, unsigned int *removed,
			      unsigned int *adopted)
{
	struct siitdcd *d = k->d;
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < kd->n; i++) {
		struct kent *e = &kd->e[i];
		struct sd_binding *b;

		if (written(k, e->v4))
			continue;
		b = sd_pool_find4(d->pool, e->v4);
		mark_seen(k, b, i);
		if (b && b->claims && !memcmp(&b->v6, &e->v6, sizeof(e->v6)))
			continue;
		if (!e->has_source || e->source == SIITDC_SOURCE_STATIC) {
			if (sd_pool_contains(d->pool, e->v4))
				sd_log(SD_LOG_WARN, "operator entry %s -> %s is in "
				       "the pool: exclude it there",
				       v4s(e->v4, a4), v6s(&e->v6, a6));
			continue;
		}
		/*
		 * A DNS entry whose record was lost (a crash within the
		 * state file's one-second window) keeps its address when
		 * nothing else holds either side; it still expires.
		 */
		if (e->source == SIITDC_SOURCE_DNS && e->ttl && !b &&
		    sd_pool_contains(d->pool, e->v4) &&
		    !sd_pool_find6(d->pool, &e->v6) &&
		    sd_pool_restore(d->pool, &e->v6, e->v4, e->owner,
				    SD_CLAIM(SD_SRC_DNS),
				    now + (uint64_t)e->ttl * 1000u, 0, now) == 0) {
			sd_log(SD_LOG_INFO, "adopted %s -> %s (dns, owner %s, "
			       "%u s left)", v6s(&e->v6, a6), v4s(e->v4, a4),
			       e->owner, e->ttl);
			mark_seen(k, sd_pool_find4(d->pool, e->v4), i);
			(*adopted)++;
			continue;
		}
		sd_log(SD_LOG_INFO, "removing %s -> %s: not ours (any more)",
		       v4s(e->v4, a4), v6s(&e->v6, a6));
		if (sd_kernel_remove(k, e->v4) == 0) {
			e->removed = true;
			(*removed)++;
			sd_metric_inc(SD_M_RECONCILE_REMOVED);
		}
	}
}

/*
 * A DNS entry past its lifetime that the kernel still has: fine while its
 * idle grace keeps it (packets used it lately), overdue once it has been
 * idle longer than that too. OVERDUE_MS covers the kernel's once-a-second
 * expiry sweep; the kernel should have removed such an entry itself.
 */
#define OVERDUE_MS	3000

static bool overdue(const struct kent *e, const struct sd_binding *b,
		    uint64_t now)
{
	if (!b->dns_until || now < b->dns_until + OVERDUE_MS)
		return false;
	/* Used within its grace (and the sweep's slack): the grace holds. */
	if (e->has_idle &&
	    e->idle_ms < (uint64_t)e->grace * 1000u + OVERDUE_MS)
		return false;
	return true;
}

/* Step 2: held bindings whose entry is missing or not what it should be. */
static void reconcile_held(struct sd_kernel *k, uint64_t now,
			   unsigned int *added, unsigned int *released)
{
	struct siitdcd *d = k->d;
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	struct held h = { 0 };
	uint32_t ttl, grace;
	uint8_t source;
	size_t i;

	sd_pool_foreach(d->pool, held_cb, &h);
	for (i = 0; i < h.n; i++) {
		struct sd_binding *b = h.b[i];
		struct kent *e = kseen(k, b);
		bool present = e && !e->removed &&
			!memcmp(&e->v6, &b->v6, sizeof(b->v6));

		if (written(k, b->v4))
			continue;
		if (!sd_binding_wanted(d, b, now, &source, &ttl, &grace)) {
			/* In its idle grace the entry lives on: let it. */
			if (present && !overdue(e, b, now))
				continue;
			if (present && sd_kernel_remove(k, b->v4) == 0) {
				sd_log(SD_LOG_WARN, "%s -> %s outlived its TTL "
				       "unused: removed", v6s(&b->v6, a6),
				       v4s(b->v4, a4));
				sd_metric_inc(SD_M_RECONCILE_REMOVED);
			}
			sd_binding_release(d, b, "expired");
			(*released)++;
			continue;
		}
		/*
		 * A TTL the entry must not have (a DNS entry that gained a
		 * container claim while events were lost) or another source
		 * is corrected. The other way round is left alone: the
		 * kernel reports 0 for "no TTL" and for "under a second left"
		 * (or in its idle grace), and a refresh then would prolong
		 * an entry that is about to expire.
		 */
		if (present && e->has_source && e->source == source &&
		    (ttl || !e->ttl))
			continue;
		if (e && !e->removed && !present) {
			sd_log(SD_LOG_ERR, "%s is taken by %s in the kernel: "
			       "cannot restore %s", v4s(b->v4, a4),
			       v6s(&e->v6, a6), v6s(&b->v6, a6));
			continue;
		}
		if (sd_kernel_install(k, b, source, ttl, grace)) {
			sd_log(SD_LOG_ERR, "cannot restore %s -> %s: %s",
			       v6s(&b->v6, a6), v4s(b->v4, a4),
			       k->msg[0] ? k->msg : "error");
			continue;
		}
		if (!present) {
			sd_log(SD_LOG_INFO, "restored %s -> %s", v6s(&b->v6, a6),
			       v4s(b->v4, a4));
			(*added)++;
			sd_metric_inc(SD_M_RECONCILE_ADDED);
		}
	}
	free(h.b);
}

/* Compares what was read with the pool and repairs; frees the dump. */
static void reconcile_apply(struct sd_kernel *k)
{
	struct siitdcd *d = k->d;
	struct kdump *kd = &k->kd;
	unsigned int removed = 0, adopted = 0, added = 0, released = 0;
	uint64_t now;

	/* Never 0: a binding's kseen_gen starts there. */
	k->gen = k->gen + 1 ? k->gen + 1 : 1;
	if (k->w.n)
		qsort(k->w.a, k->w.n, sizeof(*k->w.a), cmp_u32);
	k->dumping = false;	/* what follows writes for itself */
	now = sd_wall_ms();
	sd_pool_expire(d->pool, now);
	reconcile_foreign(k, kd, now, &removed, &adopted);
	reconcile_held(k, now, &added, &released);
	dump_end(k);
	sd_metric_inc(SD_M_RECONCILES);
	if (adopted || released || added || removed) {
		sd_log(SD_LOG_INFO, "reconcile: %u restored, %u removed, "
		       "%u adopted, %u released", added, removed, adopted,
		       released);
		sd_state_changed(d, adopted > 0);
	}
}

/* On (re)connecting: the whole table at once, before anything else runs. */
static int reconcile_now(struct sd_kernel *k)
{
	int err = 0, tries;

	dump_end(k);
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		k->kd.n = 0;
		k->kd.nomem = false;
		err = siitdc_eam_dump(k->h, dump_cb, &k->kd);
		if (err != -SIITDC_EDUMPINTR)
			break;
	}
	if (k->kd.nomem)
		err = -ENOMEM;
	if (err) {
		set_msg(k, k->h);
		dump_end(k);
		return err;
	}
	reconcile_apply(k);
	return 0;
}

static int dump_begin(struct sd_kernel *k)
{
	int err;

	dump_end(k);
	err = siitdc_eam_dump_begin(k->dh);
	if (err) {
		set_msg(k, k->dh);
		return err;
	}
	k->dumping = true;
	return 0;
}

static void reconcile_done(struct sd_kernel *k)
{
	struct siitdcd *d = k->d;

	sd_statics_apply(d);
	if (k->again) {
		k->again = false;
		schedule(k, SOON_MS);
	} else {
		schedule(k, (uint64_t)d->conf->reconcile_interval * 1000u);
	}
}

/* The periodic reconcile's dump is readable: one bounded step of it. */
static void dump_io(void *arg, uint32_t events)
{
	struct sd_kernel *k = arg;
	int err;

	(void)events;
	if (!k->dh || !k->dumping)
		return;
	err = siitdc_eam_dump_step(k->dh, dump_cb, &k->kd, DUMP_READS);
	sd_metric_inc(SD_M_RECONCILE_DUMP_STEPS);
	if (err == 1)
		return;
	if (k->kd.nomem)
		err = -ENOMEM;
	else if (err)
		set_msg(k, k->dh);
	/*
	 * Interrupted (the table was replaced), or what was written meanwhile
	 * could not all be noted: read it again, a few times at most.
	 */
	if ((err == -SIITDC_EDUMPINTR || (!err && k->w.nomem)) &&
	    ++k->dump_tries < DUMP_TRIES) {
		err = dump_begin(k);
		if (!err)
			return;
	}
	if (err) {
		went_down(k, k->msg[0] ? k->msg : strerror(-err));
		return;
	}
	if (k->w.nomem)
		dump_end(k);	/* void: the next one will do */
	else
		reconcile_apply(k);
	reconcile_done(k);
}

static void kernel_timer_fn(void *arg)
{
	struct sd_kernel *k = arg;
	int err;

	k->timer = NULL;
	if (k->up) {
		if (k->dumping) {
			k->again = true;	/* after the one being read */
			return;
		}
		k->dump_tries = 0;
		err = dump_begin(k);
		if (err)
			went_down(k, k->msg[0] ? k->msg : strerror(-err));
		return;
	}
	err = open_handles(k);
	if (err) {
		if (!k->warned_down)
			sd_log(SD_LOG_WARN, "siitdc module: %s; retrying",
			       err == -SIITDC_ENOFAMILY ? "not loaded" :
			       strerror(-err));
		k->warned_down = true;
		schedule(k, k->backoff_ms);
		k->backoff_ms = k->backoff_ms * 2 > RETRY_MAX_MS ?
			RETRY_MAX_MS : k->backoff_ms * 2;
		return;
	}
	sd_log(SD_LOG_INFO, "siitdc module: connected");
	k->warned_down = false;
	k->backoff_ms = RETRY_MIN_MS;
	err = reconcile_now(k);
	if (err) {
		went_down(k, k->msg[0] ? k->msg : strerror(-err));
		return;
	}
	reconcile_done(k);
}

void sd_kernel_reconcile_soon(struct sd_kernel *k)
{
	reschedule(k, SOON_MS);
}

struct sd_kernel *sd_kernel_new(struct siitdcd *d)
{
	struct sd_kernel *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->d = d;
	k->backoff_ms = RETRY_MIN_MS;
	ctrl_open(k);
	d->k = k;
	/* Connected and reconciled before any source starts publishing. */
	kernel_timer_fn(k);
	return k;
}

void sd_kernel_free(struct sd_kernel *k)
{
	if (!k)
		return;
	if (k->timer)
		sd_timer_cancel(k->d->loop, k->timer);
	close_handles(k);
	free(k->w.a);
	if (k->ctrl) {
		sd_loop_del(k->d->loop, nl_socket_get_fd(k->ctrl));
		nl_socket_free(k->ctrl);
	}
	free(k);
}
