// SPDX-License-Identifier: GPL-2.0
/*
 * siitdcd: public IPv4 on demand for an IPv6-only data center (siitdcd.8).
 *
 * This file holds the event loop (epoll; one timerfd for every timer, kept
 * in a binary heap; a signalfd for SIGTERM, SIGINT and SIGHUP), logging,
 * start-up, SIGHUP reload and shutdown. The kernel's entries are left in
 * place at exit, so translation goes on while siitdcd restarts; the state
 * file and the reconcile at the next start pick up from there.
 */
#include "siitdcd-internal.h"
#include "state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SIITDCD_VERSION	"1.0"
#define DEFAULT_CONF	"/etc/siitdc/siitdcd.conf"
#define MAX_EVENTS	64

/* ---- logging ---- */

static enum sd_log_level log_level = SD_LOG_INFO;
static bool log_journal;	/* stderr goes to the journal: <N> prefixes */

bool sd_log_on(enum sd_log_level lvl)
{
	return lvl <= log_level;
}

bool sd_log_allowed(uint64_t *last)
{
	uint64_t now = sd_now_ms();

	if (*last && now - *last < 1000)
		return false;
	*last = now;
	return true;
}

void sd_log(enum sd_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };
	static const int prio[] = { 3, 4, 6, 7 };
	char msg[1024];
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", prio[lvl], msg);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld siitdcd: %s: %s\n",
			tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
			names[lvl], msg);
	}
}

const char *sd_sockaddr_str(const struct sd_sockaddr *sa, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&sa->ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s:%u", a, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)&sa->ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "[%s]:%u", a, ntohs(s->sin6_port));
	}
	return buf;
}

/* ---- the event loop ---- */

struct io {
	int fd;
	sd_io_fn fn;			/* NULL: removed, freed after the batch */
	void *arg;
	struct io *next_dead;
};

struct sd_timer {
	uint64_t when;			/* sd_now_ms() */
	uint64_t seq;			/* ties fire in the order they were set */
	sd_timer_fn fn;
	void *arg;
	size_t idx;			/* in the heap */
};

struct sd_loop {
	int ep;
	int tfd;			/* timerfd for the heap's earliest */
	struct io **ios;		/* by fd */
	size_t n_ios;
	struct io *dead;
	struct sd_timer **heap;
	size_t n_timers, cap_timers;
	uint64_t seq;
	uint64_t armed;			/* when tfd fires, 0: disarmed */
	bool stop;
};

uint64_t sd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int sd_loop_add(struct sd_loop *l, int fd, uint32_t events, sd_io_fn fn,
		void *arg)
{
	struct epoll_event ev = { .events = events };
	struct io *io;

	if (fd < 0)
		return -EBADF;
	if ((size_t)fd >= l->n_ios) {
		size_t n = (size_t)fd + 64;
		struct io **p = realloc(l->ios, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + l->n_ios, 0, (n - l->n_ios) * sizeof(*p));
		l->ios = p;
		l->n_ios = n;
	}
	if (l->ios[fd])
		return -EEXIST;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->fd = fd;
	io->fn = fn;
	io->arg = arg;
	ev.data.ptr = io;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev)) {
		int e = errno;

		free(io);
		return -e;
	}
	l->ios[fd] = io;
	return 0;
}

int sd_loop_mod(struct sd_loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= l->n_ios || !l->ios[fd])
		return -ENOENT;
	ev.data.ptr = l->ios[fd];
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void sd_loop_del(struct sd_loop *l, int fd)
{
	struct io *io;

	if (fd < 0 || (size_t)fd >= l->n_ios || !l->ios[fd])
		return;
	io = l->ios[fd];
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	l->ios[fd] = NULL;
	/* Events of this batch may still point at it. */
	io->fn = NULL;
	io->next_dead = l->dead;
	l->dead = io;
}

static bool t_before(const struct sd_timer *a, const struct sd_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_swap(struct sd_loop *l, size_t i, size_t j)
{
	struct sd_timer *t = l->heap[i];

	l->heap[i] = l->heap[j];
	l->heap[j] = t;
	l->heap[i]->idx = i;
	l->heap[j]->idx = j;
}

static void heap_up(struct sd_loop *l, size_t i)
{
	while (i && t_before(l->heap[i], l->heap[(i - 1) / 2])) {
		heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct sd_loop *l, size_t i)
{
	for (;;) {
		size_t a = 2 * i + 1, b = a + 1, m = i;

		if (a < l->n_timers && t_before(l->heap[a], l->heap[m]))
			m = a;
		if (b < l->n_timers && t_before(l->heap[b], l->heap[m]))
			m = b;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

/* Arms the timerfd for the earliest timer (a no-op when it already is). */
static void arm(struct sd_loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t when = l->n_timers ? l->heap[0]->when : 0;

	if (when == l->armed)
		return;
	l->armed = when;
	if (when) {
		/* Absolute on CLOCK_MONOTONIC: sd_now_ms() is that clock. */
		its.it_value.tv_sec = (time_t)(when / 1000);
		its.it_value.tv_nsec = (long)(when % 1000) * 1000000L;
	}
	timerfd_settime(l->tfd, when ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

struct sd_timer *sd_timer_add(struct sd_loop *l, uint64_t ms, sd_timer_fn fn,
			      void *arg)
{
	struct sd_timer *t;

	if (l->n_timers == l->cap_timers) {
		size_t cap = l->cap_timers ? l->cap_timers * 2 : 64;
		struct sd_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return NULL;
		l->heap = h;
		l->cap_timers = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	/* +1: a timer "now" must not read as a disarmed timerfd (0). */
	t->when = sd_now_ms() + ms + 1;
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	t->idx = l->n_timers;
	l->heap[l->n_timers++] = t;
	heap_up(l, t->idx);
	arm(l);
	return t;
}

static void heap_remove(struct sd_loop *l, struct sd_timer *t)
{
	size_t i = t->idx;

	l->n_timers--;
	if (i != l->n_timers) {
		l->heap[i] = l->heap[l->n_timers];
		l->heap[i]->idx = i;
		heap_down(l, i);
		heap_up(l, i);
	}
}

void sd_timer_cancel(struct sd_loop *l, struct sd_timer *t)
{
	if (!t)
		return;
	heap_remove(l, t);
	free(t);
	arm(l);
}

static void run_timers(struct sd_loop *l)
{
	uint64_t buf, now = sd_now_ms();

	(void)!read(l->tfd, &buf, sizeof(buf));
	l->armed = 0;
	/* Bounded by what was due on entry: timers a callback adds wait. */
	while (l->n_timers && l->heap[0]->when <= now && !l->stop) {
		struct sd_timer *t = l->heap[0];

		heap_remove(l, t);
		t->fn(t->arg);
		free(t);
	}
	arm(l);
}

static struct sd_loop *loop_new(void)
{
	struct sd_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->ep < 0 || l->tfd < 0) {
		if (l->ep >= 0)
			close(l->ep);
		if (l->tfd >= 0)
			close(l->tfd);
		free(l);
		return NULL;
	}
	return l;
}

static void reap(struct sd_loop *l)
{
	while (l->dead) {
		struct io *io = l->dead;

		l->dead = io->next_dead;
		free(io);
	}
}

static void loop_free(struct sd_loop *l)
{
	size_t i;

	for (i = 0; i < l->n_ios; i++)
		free(l->ios[i]);
	reap(l);
	for (i = 0; i < l->n_timers; i++)
		free(l->heap[i]);
	free(l->heap);
	free(l->ios);
	close(l->ep);
	close(l->tfd);
	free(l);
}

static void tfd_io(void *arg, uint32_t events)
{
	(void)events;
	run_timers(arg);
}

static int loop_run(struct sd_loop *l)
{
	struct epoll_event evs[MAX_EVENTS];
	int n, i;

	while (!l->stop) {
		n = epoll_wait(l->ep, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sd_log(SD_LOG_ERR, "epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n && !l->stop; i++) {
			struct io *io = evs[i].data.ptr;

			if (io->fn)
				io->fn(io->arg, evs[i].events);
		}
		reap(l);
	}
	return 0;
}

/* ---- the daemon ---- */

static struct siitdcd daemon_ctx;

static int apply_pool(struct siitdcd *d, const struct sd_conf *c)
{
	int err;

	err = sd_pool_set_ranges(d->pool, c->prefixes, c->n_prefixes,
				 c->excludes, c->n_excludes);
	if (!err)
		err = sd_pool_set_quotas(d->pool, c->quotas, c->n_quotas);
	if (err)
		return err;
	sd_pool_set_quarantine(d->pool, c->quarantine);
	return 0;
}

/* Makes the state file's directory (one level: /var/lib/siitdc). */
static void state_dir(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0750) && errno != EEXIST)
		sd_log(SD_LOG_WARN, "cannot create %s: %s", dir, strerror(errno));
}

static void load_state(struct siitdcd *d)
{
	char err[4400];
	uint64_t seed;
	int rc;

	rc = sd_state_load(d->state_path, d->pool, sd_wall_ms(), err,
			   sizeof(err));
	if (rc == 1) {
		sd_log(SD_LOG_INFO, "no state file %s: starting empty",
		       d->state_path);
		return;
	}
	if (rc == 0) {
		struct sd_pool_stats st;

		sd_pool_stats(d->pool, &st);
		sd_log(SD_LOG_INFO, "state: %llu held, %llu in quarantine",
		       (unsigned long long)st.held,
		       (unsigned long long)st.quarantined);
		return;
	}
	sd_log(SD_LOG_ERR, "state file unusable, starting empty: %s", err);
	sd_metric_inc(SD_M_STATE_ERRORS);
	sd_pool_free(d->pool);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = sd_now_ms();
	d->pool = sd_pool_new(seed);
	if (!d->pool || apply_pool(d, d->conf)) {
		sd_log(SD_LOG_ERR, "out of memory");
		exit(1);
	}
}

static bool same_sockaddr(const struct sd_sockaddr *a,
			  const struct sd_sockaddr *b)
{
	return a->len == b->len && !memcmp(&a->ss, &b->ss, a->len);
}

static void reload(struct siitdcd *d)
{
	struct sd_conf *c = calloc(1, sizeof(*c)), *old = d->conf;
	char err[1024];
	int e;

	if (!c) {
		sd_log(SD_LOG_ERR, "reload: out of memory; keeping the old configuration");
		return;
	}
	if (sd_conf_load(d->conf_path, c, err, sizeof(err))) {
		sd_log(SD_LOG_ERR, "reload: %s; keeping the old configuration",
		       err);
		free(c);
		return;
	}
	e = apply_pool(d, c);
	if (e) {
		sd_log(SD_LOG_ERR, "reload: the pool: %s; keeping the old "
		       "configuration", strerror(-e));
		apply_pool(d, old);
		sd_conf_free(c);
		free(c);
		return;
	}
	log_level = c->log_level;
	d->conf = c;

	if (strcmp(old->state_file, c->state_file)) {
		snprintf(d->state_path, sizeof(d->state_path), "%s",
			 c->state_file);
		state_dir(d->state_path);
		sd_state_changed(d, true);
	}
	if (c->has_metrics != old->has_metrics ||
	    (c->has_metrics && !same_sockaddr(&c->metrics, &old->metrics))) {
		sd_metrics_stop(d->metrics);
		d->metrics = NULL;
		if (c->has_metrics) {
			d->metrics = sd_metrics_start(d, &c->metrics, err,
						      sizeof(err));
			if (!d->metrics)
				sd_log(SD_LOG_ERR, "reload: %s", err);
		}
	}
	if (d->dns && c->n_listen) {
		if (sd_dns_reload(d->dns, c, err, sizeof(err)))
			sd_log(SD_LOG_ERR, "reload: dns: %s", err);
	} else if (d->dns) {
		sd_dns_stop(d->dns);
		d->dns = NULL;
	} else if (c->n_listen) {
		d->dns = sd_dns_start(d, d->loop, c, err, sizeof(err));
		if (!d->dns)
			sd_log(SD_LOG_ERR, "reload: dns: %s", err);
	}
	if (strcmp(old->docker_socket, c->docker_socket) ||
	    strcmp(old->ndp_proxy, c->ndp_proxy) ||
	    strcmp(old->default_owner, c->default_owner)) {
		sd_containers_stop(d->ct);
		d->ct = NULL;
		if (c->docker_socket[0])
			d->ct = sd_containers_start(d, d->loop, c);
	}
	sd_statics_apply(d);
	sd_kernel_reconcile_soon(d->k);
	sd_conf_free(old);
	free(old);
	sd_log(SD_LOG_INFO, "configuration reloaded");
}

static int sig_fd = -1;

static void signal_io(void *arg, uint32_t events)
{
	struct siitdcd *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			sd_log(SD_LOG_INFO, "SIGHUP: reloading %s", d->conf_path);
			reload(d);
		} else {
			sd_log(SD_LOG_INFO, "%s: shutting down",
			       si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			d->loop->stop = true;
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: siitdcd [-f] [-c FILE]   run (in the foreground)\n"
		"       siitdcd -t [-c FILE]     check the configuration\n"
		"       siitdcd -V               version\n"
		"  -c FILE  configuration (default " DEFAULT_CONF ")\n");
}

static int run(struct siitdcd *d)
{
	char err[1024];
	uint64_t seed;
	sigset_t mask;
	int rc = 0;

	d->loop = loop_new();
	if (!d->loop) {
		sd_log(SD_LOG_ERR, "cannot create the event loop: %s",
		       strerror(errno));
		return 1;
	}
	if (sd_loop_add(d->loop, d->loop->tfd, EPOLLIN, tfd_io, d->loop))
		return 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0 || sd_loop_add(d->loop, sig_fd, EPOLLIN, signal_io, d)) {
		sd_log(SD_LOG_ERR, "cannot set up signals: %s", strerror(errno));
		return 1;
	}

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = sd_now_ms();
	d->pool = sd_pool_new(seed);
	if (!d->pool || apply_pool(d, d->conf)) {
		sd_log(SD_LOG_ERR, "cannot set up the pool");
		return 1;
	}
	snprintf(d->state_path, sizeof(d->state_path), "%s",
		 d->conf->state_file);
	state_dir(d->state_path);
	load_state(d);

	if (d->conf->has_metrics) {
		d->metrics = sd_metrics_start(d, &d->conf->metrics, err,
					      sizeof(err));
		if (!d->metrics) {
			sd_log(SD_LOG_ERR, "%s", err);
			rc = 1;
			goto out;
		}
	}
	/* Connects and reconciles (or retries in the background). */
	if (!sd_kernel_new(d)) {
		sd_log(SD_LOG_ERR, "out of memory");
		rc = 1;
		goto out;
	}
	if (d->conf->n_listen) {
		d->dns = sd_dns_start(d, d->loop, d->conf, err, sizeof(err));
		if (!d->dns) {
			sd_log(SD_LOG_ERR, "dns: %s", err);
			rc = 1;
			goto out;
		}
	}
	if (d->conf->docker_socket[0])
		d->ct = sd_containers_start(d, d->loop, d->conf);

	sd_log(SD_LOG_INFO, "running (pool of %u prefixes, %u zones, %s)",
	       d->conf->n_prefixes, d->conf->n_zones,
	       d->conf->docker_socket[0] ? d->conf->docker_socket :
	       "no container engine");
	if (loop_run(d->loop))
		rc = 1;
out:
	/* Sources first (no more publications), then the state, last. */
	if (d->dns)
		sd_dns_stop(d->dns);
	if (d->ct)
		sd_containers_stop(d->ct);
	d->dns = NULL;
	d->ct = NULL;
	sd_metrics_stop(d->metrics);
	d->metrics = NULL;
	sd_state_flush(d);
	sd_kernel_free(d->k);
	d->k = NULL;
	sd_pool_free(d->pool);
	loop_free(d->loop);
	close(sig_fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct siitdcd *d = &daemon_ctx;
	const char *path = DEFAULT_CONF;
	bool check = false;
	char err[1024];
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:ftVh")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			break;	/* always in the foreground */
		case 't':
			check = true;
			break;
		case 'V':
			printf("siitdcd %s\n", SIITDCD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	setvbuf(stderr, NULL, _IOLBF, 0);

	d->conf_path = path;
	d->conf = calloc(1, sizeof(*d->conf));
	if (!d->conf) {
		fprintf(stderr, "siitdcd: out of memory\n");
		return 1;
	}
	if (sd_conf_load(path, d->conf, err, sizeof(err))) {
		fprintf(stderr, "siitdcd: %s\n", err);
		free(d->conf);
		return 1;
	}
	if (check) {
		printf("siitdcd: %s: configuration ok\n", path);
		sd_conf_free(d->conf);
		free(d->conf);
		return 0;
	}
	log_level = d->conf->log_level;
	rc = run(d);
	sd_conf_free(d->conf);
	free(d->conf);
	sd_log(SD_LOG_INFO, "stopped");
	return rc;
}
