// SPDX-License-Identifier: GPL-2.0
/*
 * Publication: the one place where claims are taken and dropped, so that
 * the pool, the kernel's EAM table and the state file stay in step.
 *
 * A binding's kernel entry follows its claims: any container or static
 * claim makes it permanent; DNS claims alone give it the TTL left until
 * dns_until, with the configured idle grace. The entry is installed before
 * sd_publish() returns (a DNS answer may only name an address that
 * translates), and a claim whose entry could not be installed is undone.
 */
#include "siitdcd-internal.h"
#include "state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/siitdc.h>

uint64_t sd_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *v6str(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static const char *v4str(uint32_t a, char *buf)
{
	struct in_addr x = { .s_addr = htonl(a) };

	return inet_ntop(AF_INET, &x, buf, INET_ADDRSTRLEN);
}

static const char *src_name(enum sd_source s)
{
	switch (s) {
	case SD_SRC_STATIC:
		return "static";
	case SD_SRC_DNS:
		return "dns";
	case SD_SRC_CONTAINER:
		return "container";
	}
	return "?";
}

/* ---- what the kernel entry must be ---- */

bool sd_binding_wanted(const struct siitdcd *d, const struct sd_binding *b,
		       uint64_t now, uint8_t *source, uint32_t *ttl,
		       uint32_t *grace)
{
	*grace = 0;
	*ttl = 0;
	if (!b->claims)
		return false;
	if (b->claims & SD_CLAIM(SD_SRC_CONTAINER)) {
		*source = SIITDC_SOURCE_CONTAINER;
		return true;
	}
	if (b->claims & SD_CLAIM(SD_SRC_STATIC)) {
		*source = SIITDC_SOURCE_STATIC;
		return true;
	}
	*source = SIITDC_SOURCE_DNS;
	if (!b->dns_until)
		return true;
	if (b->dns_until <= now)
		return false;
	/* Rounded up: the entry never goes before the answer's TTL. */
	*ttl = (uint32_t)((b->dns_until - now + 999) / 1000);
	*grace = d->conf->idle_grace;
	return true;
}

void sd_binding_release(struct siitdcd *d, struct sd_binding *b,
			const char *why)
{
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	bool sync = b->claims & ~SD_CLAIM(SD_SRC_DNS);

	if (!b->claims)
		return;
	if (sd_log_on(SD_LOG_INFO))
		sd_log(SD_LOG_INFO, "%s -> %s released (%s)", v6str(&b->v6, a6),
		       v4str(b->v4, a4), why);
	sd_pool_release(d->pool, b, sd_wall_ms());
	sd_metric_inc(SD_M_RELEASES);
	sd_state_changed(d, sync);
}

/* ---- sd_publish / sd_unpublish ---- */

static uint64_t refresh_slack_ms(uint32_t ttl)
{
	uint64_t slack = (uint64_t)ttl * 1000u / 8;

	return slack > 1000 ? slack : 1000;
}

int sd_publish(struct siitdcd *d, const struct in6_addr *v6,
	       const char *owner, enum sd_source src, uint32_t ttl,
	       struct in_addr *v4, uint32_t *ttl_left)
{
	static uint64_t last_full, last_quota, last_kernel;
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	uint64_t now = sd_wall_ms(), old_until = 0;
	struct sd_binding *b = sd_pool_find6(d->pool, v6);
	bool had_claim = b && (b->claims & SD_CLAIM(src)), created;
	uint32_t kttl, grace;
	uint8_t source;
	int err;

	if (b)
		old_until = b->dns_until;
	sd_pool_expire(d->pool, now);
	err = sd_pool_claim(d->pool, v6, owner, src, now, &b, &created);
	if (err == -ENOSPC) {
		sd_metric_inc(SD_M_POOL_EXHAUSTED);
		if (sd_log_allowed(&last_full))
			sd_log(SD_LOG_WARN, "pool exhausted: no IPv4 for %s",
			       v6str(v6, a6));
		return err;
	}
	if (err == -EDQUOT) {
		sd_metric_inc(SD_M_QUOTA_EXCEEDED);
		if (sd_log_allowed(&last_quota))
			sd_log(SD_LOG_WARN, "owner %s is at its quota: no IPv4 for %s",
			       owner, v6str(v6, a6));
		return err;
	}
	if (err) {
		sd_log(SD_LOG_ERR, "cannot allocate for %s: %s", v6str(v6, a6),
		       strerror(-err));
		return err;
	}

	if (src == SD_SRC_DNS) {
		uint64_t until = ttl ? now + (uint64_t)ttl * 1000u : 0;

		/*
		 * A refresh that would add less than an eighth of the TTL
		 * (at least a second) to the entry's life leaves the kernel
		 * and the state file alone: the caller answers with the life
		 * the entry has left, which is at least 7/8 of the TTL. A
		 * name asked many times a second costs no kernel write then.
		 */
		if (had_claim && !created && old_until && until &&
		    old_until >= now + 1000 &&
		    until < old_until + refresh_slack_ms(ttl)) {
			sd_metric_inc(SD_M_REFRESHES);
			v4->s_addr = htonl(b->v4);
			*ttl_left = (uint32_t)((old_until - now) / 1000);
			return 0;
		}
		/* Never shorter than before, never limited if it was not. */
		if (had_claim && (!old_until || !until))
			b->dns_until = 0;
		else if (had_claim && old_until > until)
			b->dns_until = old_until;
		else
			b->dns_until = until;
	}
	if (!sd_binding_wanted(d, b, now, &source, &kttl, &grace)) {
		/* Only with a zero-length lifetime, which callers never ask. */
		source = SIITDC_SOURCE_DNS;
		kttl = 1;
	}
	err = sd_kernel_install(d->k, b, source, kttl, grace);
	if (err) {
		sd_metric_inc(SD_M_KERNEL_ERRORS);
		if (sd_log_allowed(&last_kernel))
			sd_log(SD_LOG_ERR, "cannot install %s -> %s: %s%s%s",
			       v6str(v6, a6), v4str(b->v4, a4), strerror(-err),
			       sd_kernel_errmsg(d->k) ? ": " : "",
			       sd_kernel_errmsg(d->k) ? sd_kernel_errmsg(d->k) : "");
		if (created) {
			sd_pool_undo(d->pool, b, now);
		} else if (!had_claim) {
			b->claims &= (uint8_t)~SD_CLAIM(src);
			b->dns_until = old_until;
		} else {
			b->dns_until = old_until;
		}
		return err;
	}
	if (created) {
		sd_metric_inc(SD_M_ALLOCATIONS);
		if (sd_log_on(SD_LOG_INFO))
			sd_log(SD_LOG_INFO, "%s -> %s for %s (%s, owner %s)",
			       v6str(v6, a6), v4str(b->v4, a4), src_name(src),
			       kttl ? "ttl" : "no ttl", b->owner);
	} else {
		sd_metric_inc(SD_M_REFRESHES);
	}
	/* Claims nothing else brings back are written at once. */
	if (created || !had_claim || src == SD_SRC_DNS)
		sd_state_changed(d, src != SD_SRC_DNS);
	v4->s_addr = htonl(b->v4);
	*ttl_left = kttl;
	return 0;
}

int sd_unpublish(struct siitdcd *d, const struct in6_addr *v6,
		 enum sd_source src)
{
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	struct sd_binding *b = sd_pool_find6(d->pool, v6);
	uint64_t now = sd_wall_ms();
	uint32_t ttl, grace;
	uint8_t source;
	int err;

	if (!b || !(b->claims & SD_CLAIM(src)))
		return -ENOENT;
	if (b->claims == SD_CLAIM(src)) {
		uint32_t v4 = b->v4;

		sd_log(SD_LOG_INFO, "%s -> %s released (%s gone)",
		       v6str(v6, a6), v4str(v4, a4), src_name(src));
		sd_pool_unclaim(d->pool, b, src, now);
		sd_metric_inc(SD_M_RELEASES);
		err = sd_kernel_remove(d->k, v4);
		if (err && err != -ENOENT)
			sd_metric_inc(SD_M_KERNEL_ERRORS);
		sd_state_changed(d, src != SD_SRC_DNS);
		return 0;
	}
	sd_pool_unclaim(d->pool, b, src, now);
	/* Others hold it still: the entry becomes what they want. */
	if (!sd_binding_wanted(d, b, now, &source, &ttl, &grace)) {
		sd_binding_release(d, b, "its DNS lifetime is over");
		err = sd_kernel_remove(d->k, b->v4);
		if (err && err != -ENOENT)
			sd_metric_inc(SD_M_KERNEL_ERRORS);
		return 0;
	}
	err = sd_kernel_install(d->k, b, source, ttl, grace);
	if (err)
		sd_metric_inc(SD_M_KERNEL_ERRORS);
	sd_state_changed(d, src != SD_SRC_DNS);
	return 0;
}

struct claims_walk {
	uint8_t bit;
	void (*fn)(const struct in6_addr *v6, void *arg);
	void *arg;
};

static void claims_cb(const struct sd_binding *b, void *arg)
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

	sd_pool_foreach(d->pool, claims_cb, &w);
}

/* ---- [static] ---- */

struct stale {
	struct in6_addr *v6;
	size_t n, cap;
	const struct sd_conf *c;
};

static bool listed(const struct sd_conf *c, const struct in6_addr *v6)
{
	unsigned int i;

	for (i = 0; i < c->n_statics; i++)
		if (!memcmp(&c->statics[i].v6, v6, sizeof(*v6)))
			return true;
	return false;
}

static void stale_cb(const struct in6_addr *v6, void *arg)
{
	struct stale *s = arg;

	if (listed(s->c, v6))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct in6_addr *n = realloc(s->v6, cap * sizeof(*n));

		if (!n)
			return;
		s->v6 = n;
		s->cap = cap;
	}
	s->v6[s->n++] = *v6;
}

void sd_statics_apply(struct siitdcd *d)
{
	const struct sd_conf *c = d->conf;
	struct stale s = { .c = c };
	char a6[INET6_ADDRSTRLEN];
	struct in_addr v4;
	uint32_t ttl;
	unsigned int i;
	size_t k;

	/* Claims no longer listed go first, making room for new ones. */
	sd_claims_foreach(d, SD_SRC_STATIC, stale_cb, &s);
	for (k = 0; k < s.n; k++)
		sd_unpublish(d, &s.v6[k], SD_SRC_STATIC);
	free(s.v6);
	if (!sd_kernel_up(d->k))
		return;		/* applied once the module is there */
	for (i = 0; i < c->n_statics; i++) {
		struct sd_binding *b = sd_pool_find6(d->pool, &c->statics[i].v6);

		if (b && (b->claims & SD_CLAIM(SD_SRC_STATIC)))
			continue;
		if (sd_publish(d, &c->statics[i].v6, c->statics[i].owner,
			       SD_SRC_STATIC, 0, &v4, &ttl))
			sd_log(SD_LOG_WARN, "static %s: not published",
			       v6str(&c->statics[i].v6, a6));
	}
}
