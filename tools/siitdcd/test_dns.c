// SPDX-License-Identifier: GPL-2.0
/*
 * test_dns: dns.c and dns_upstream.c served on real sockets, for
 * test_dns.sh to query with kdig/dig against a real upstream (knotd).
 *
 * The rest of the daemon is replaced by test doubles: a small epoll loop
 * (sd_loop_*, sd_timer_*), a recording sd_publish (each call appended to a
 * log file before it returns, so a log line present when the client has
 * its answer shows the entry was made before answering) and counting
 * sd_metric_*.
 *
 *   test_dns [-P PUBLOG] [-S STATS] CONF [--next CONF]
 *   CONF: -l ADDR:PORT | -u ADDR:PORT | -z ZONE,INTERNAL,OWNER
 *         | -m TTLMIN | -M TTLMAX | -t UPSTREAM_TIMEOUT_MS
 *         | -C UPSTREAM_CACHE_S (default 1)                 (repeatable)
 *   test_dns --selftest    error paths of sd_dns_start/sd_dns_reload
 *
 * Signals: SIGHUP reloads with the other CONF, SIGUSR1 writes the counters
 * to STATS, SIGTERM stops (counters written, everything freed).
 *
 * The fake sd_publish gives 198.51.100.N, one per IPv6, and for IPv6
 * 2001:db8:dead::X fails or bends: X=1 -ENOSPC, 2 -EDQUOT, 3 -EIO,
 * 4 ttl_left 7 s, 5 a permanent entry (ttl_left 0).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "siitdcd.h"

/* ---- the test loop ---- */

#define MAX_FDS 4096

struct watch {
	sd_io_fn fn;
	void *arg;
};

struct sd_timer {
	struct sd_timer *next;
	uint64_t at;
	sd_timer_fn fn;
	void *arg;
};

struct sd_loop {
	int ep;
	struct watch w[MAX_FDS];
	struct sd_timer *timers;	/* sorted by .at */
	unsigned int n_timers;
};

uint64_t sd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int sd_loop_add(struct sd_loop *l, int fd, uint32_t events, sd_io_fn fn,
		void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || fd >= MAX_FDS)
		return -EMFILE;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->w[fd].fn = fn;
	l->w[fd].arg = arg;
	return 0;
}

int sd_loop_mod(struct sd_loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void sd_loop_del(struct sd_loop *l, int fd)
{
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	if (fd >= 0 && fd < MAX_FDS)
		l->w[fd].fn = NULL;
}

struct sd_timer *sd_timer_add(struct sd_loop *l, uint64_t ms, sd_timer_fn fn,
			      void *arg)
{
	struct sd_timer *t = calloc(1, sizeof(*t)), **pp;

	if (!t)
		return NULL;
	t->at = sd_now_ms() + ms;
	t->fn = fn;
	t->arg = arg;
	for (pp = &l->timers; *pp && (*pp)->at <= t->at; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	l->n_timers++;
	return t;
}

void sd_timer_cancel(struct sd_loop *l, struct sd_timer *t)
{
	for (struct sd_timer **pp = &l->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			l->n_timers--;
			free(t);
			return;
		}
	}
}

void sd_log(enum sd_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > SD_LOG_INFO)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "test_dns: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- fakes: metrics and sd_publish ---- */

static const char *const metric_names[SD_M__COUNT] = {
	[SD_M_DNS_QUERIES_UDP] = "dns_queries_udp",
	[SD_M_DNS_QUERIES_TCP] = "dns_queries_tcp",
	[SD_M_DNS_NOERROR] = "dns_noerror",
	[SD_M_DNS_NXDOMAIN] = "dns_nxdomain",
	[SD_M_DNS_NODATA] = "dns_nodata",
	[SD_M_DNS_SERVFAIL] = "dns_servfail",
	[SD_M_DNS_REFUSED] = "dns_refused",
	[SD_M_DNS_FORMERR] = "dns_formerr",
	[SD_M_DNS_UPSTREAM_QUERIES] = "dns_upstream_queries",
	[SD_M_DNS_UPSTREAM_TIMEOUTS] = "dns_upstream_timeouts",
	[SD_M_DNS_COALESCED] = "dns_coalesced",
};
static uint64_t metrics[SD_M__COUNT];
static uint64_t lat_count, lat_max;

void sd_metric_inc(enum sd_metric m)
{
	if ((unsigned int)m < SD_M__COUNT)
		metrics[m]++;
}

void sd_metric_dns_latency(uint64_t usec)
{
	lat_count++;
	if (usec > lat_max)
		lat_max = usec;
}

#define MAX_ENTRIES 65536

struct entry {
	struct in6_addr v6;
	uint64_t expire_ms;	/* 0: permanent */
};
static struct entry entries[MAX_ENTRIES];
static unsigned int n_entries;
static FILE *publog;

int sd_publish(struct siitdcd *d, const struct in6_addr *v6,
	       const char *owner, enum sd_source src, uint32_t ttl,
	       struct in_addr *v4, uint32_t *ttl_left)
{
	static const uint8_t dead[6] = { 0x20, 0x01, 0x0d, 0xb8, 0xde, 0xad };
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN] = "-";
	uint64_t now = sd_now_ms(), exp;
	unsigned int i;
	int rc = 0, special = 0;

	(void)d;
	if (!memcmp(v6->s6_addr, dead, 6))
		special = v6->s6_addr[15];
	if (special == 1)
		rc = -ENOSPC;
	else if (special == 2)
		rc = -EDQUOT;
	else if (special == 3)
		rc = -EIO;
	if (!rc) {
		for (i = 0; i < n_entries; i++)
			if (!memcmp(&entries[i].v6, v6, sizeof(*v6)))
				break;
		if (i == MAX_ENTRIES) {
			rc = -ENOSPC;
		} else {
			if (i == n_entries) {
				entries[i].v6 = *v6;
				entries[i].expire_ms = now;
				n_entries++;
			}
			exp = ttl && special != 5 ? now + ttl * 1000ull : 0;
			/* A refresh never shortens, never limits a permanent. */
			if (entries[i].expire_ms && (!exp ||
						     exp > entries[i].expire_ms))
				entries[i].expire_ms = exp;
			v4->s_addr = htonl(0xc6336400u + 1 + i);
			*ttl_left = entries[i].expire_ms ?
				(uint32_t)((entries[i].expire_ms - now + 999) / 1000) : 0;
			if (special == 4)
				*ttl_left = 7;
			inet_ntop(AF_INET, v4, a4, sizeof(a4));
		}
	}
	inet_ntop(AF_INET6, v6, a6, sizeof(a6));
	if (publog) {
		fprintf(publog, "publish %s owner=%s src=%d ttl=%u rc=%d v4=%s left=%u\n",
			a6, owner, (int)src, ttl, rc, a4, rc ? 0 : *ttl_left);
		fflush(publog);
	}
	return rc;
}

/* ---- configuration from the command line ---- */

struct tconf {
	struct sd_conf c;
	struct sd_sockaddr listen[8], up[8];
	struct sd_zone zones[8];
};

static int parse_addr(const char *s, struct sd_sockaddr *a)
{
	char host[128];
	const char *colon;
	int port;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		struct sockaddr_in6 *s6 = (void *)&a->ss;

		if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		port = atoi(e + 2);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		a->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)&a->ss;

		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = atoi(colon + 1);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		a->len = sizeof(*s4);
	}
	return 0;
}

static void tconf_init(struct tconf *t)
{
	memset(t, 0, sizeof(*t));
	t->c.listen = t->listen;
	t->c.upstreams = t->up;
	t->c.zones = t->zones;
	t->c.ttl_min = 5;
	t->c.ttl_max = 3600;
	t->c.upstream_timeout_ms = 1000;
	t->c.upstream_cache = 1;	/* the cache tests wait it out */
}

static int tconf_opt(struct tconf *t, const char *opt, const char *val)
{
	struct sd_conf *c = &t->c;

	if (!strcmp(opt, "-l") && c->n_listen < 8)
		return parse_addr(val, &t->listen[c->n_listen++]);
	if (!strcmp(opt, "-u") && c->n_upstreams < 8)
		return parse_addr(val, &t->up[c->n_upstreams++]);
	if (!strcmp(opt, "-z") && c->n_zones < 8) {
		struct sd_zone *z = &t->zones[c->n_zones++];

		if (sscanf(val, "%255[^,],%255[^,],%31s", z->zone, z->internal,
			   z->owner) != 3)
			return -1;
		return 0;
	}
	if (!strcmp(opt, "-m"))
		c->ttl_min = (uint32_t)strtoul(val, NULL, 10);
	else if (!strcmp(opt, "-M"))
		c->ttl_max = (uint32_t)strtoul(val, NULL, 10);
	else if (!strcmp(opt, "-t"))
		c->upstream_timeout_ms = (uint32_t)strtoul(val, NULL, 10);
	else if (!strcmp(opt, "-C"))
		c->upstream_cache = (uint32_t)strtoul(val, NULL, 10);
	else
		return -1;
	return 0;
}

/* ---- running ---- */

static void write_stats(const char *path)
{
	char tmp[4200];
	FILE *f;

	if (!path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (unsigned int i = 0; i < SD_M__COUNT; i++)
		if (metric_names[i])
			fprintf(f, "%s %llu\n", metric_names[i],
				(unsigned long long)metrics[i]);
	fprintf(f, "dns_latency_count %llu\ndns_latency_max_us %llu\n",
		(unsigned long long)lat_count, (unsigned long long)lat_max);
	fclose(f);
	rename(tmp, path);
}

static int run_loop(struct sd_loop *l, int sfd, struct sd_dns *dns,
		    struct tconf *confs, unsigned int n_confs,
		    const char *stats)
{
	unsigned int cur = 0;

	for (;;) {
		struct epoll_event ev[64];
		int timeout = -1, n;

		if (l->timers) {
			uint64_t now = sd_now_ms();

			timeout = l->timers->at > now ?
				  (int)(l->timers->at - now) : 0;
		}
		n = epoll_wait(l->ep, ev, 64, timeout);
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;
				char err[256];

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGUSR1) {
					write_stats(stats);
				} else if (si.ssi_signo == SIGHUP) {
					unsigned int next = (cur + 1) % n_confs;

					if (sd_dns_reload(dns, &confs[next].c,
							  err, sizeof(err)) < 0) {
						fprintf(stderr, "reload: %s\n", err);
					} else {
						cur = next;
						printf("reloaded %u\n", cur);
						fflush(stdout);
					}
				} else {
					return 0;
				}
				continue;
			}
			/* An earlier callback may have removed this fd. */
			if (fd < MAX_FDS && l->w[fd].fn)
				l->w[fd].fn(l->w[fd].arg, ev[i].events);
		}
		while (l->timers && l->timers->at <= sd_now_ms()) {
			struct sd_timer *t = l->timers;

			l->timers = t->next;
			l->n_timers--;
			t->fn(t->arg);
			free(t);
		}
	}
}

/* ---- self tests of the error paths ---- */

static unsigned int st_fail;

static void st_check(bool ok, const char *name, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok" : "not ok", name, ok ? "" : ": ",
	       ok ? "" : detail);
	if (!ok)
		st_fail++;
}

static int selftest(struct sd_loop *l)
{
	struct tconf a, b;
	struct sd_dns *dns;
	char err[256] = "";
	int blocker, one = 1;
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	char addr[64];

	/* A UDP port somebody else holds. */
	blocker = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(blocker, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (blocker < 0 || bind(blocker, (void *)&sin, sizeof(sin)) < 0 ||
	    getsockname(blocker, (void *)&sin, &sl) < 0) {
		st_check(false, "selftest_setup", strerror(errno));
		return 1;
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));

	tconf_init(&a);
	tconf_opt(&a, "-l", addr);
	tconf_opt(&a, "-z", "pub.example.net,int.example.net,o");
	dns = sd_dns_start(NULL, l, &a.c, err, sizeof(err));
	st_check(!dns && strstr(err, "listen on 127.0.0.1:") &&
		 strstr(err, "/udp"), "start_port_in_use", err);
	sd_dns_stop(dns);

	tconf_init(&a);
	tconf_opt(&a, "-l", "127.0.0.1:0");
	tconf_opt(&a, "-z", "bad..name,int.example.net,o");
	err[0] = '\0';
	dns = sd_dns_start(NULL, l, &a.c, err, sizeof(err));
	st_check(!dns && strstr(err, "bad..name"), "start_bad_zone", err);
	sd_dns_stop(dns);

	/* A failed reload keeps the old listeners and zones working. */
	tconf_init(&a);
	tconf_opt(&a, "-l", "127.0.0.1:0");
	tconf_opt(&a, "-z", "pub.example.net,int.example.net,o");
	dns = sd_dns_start(NULL, l, &a.c, err, sizeof(err));
	st_check(dns != NULL, "start_ok", err);
	if (dns) {
		tconf_init(&b);
		tconf_opt(&b, "-l", "127.0.0.1:0");
		tconf_opt(&b, "-l", addr);
		err[0] = '\0';
		st_check(sd_dns_reload(dns, &b.c, err, sizeof(err)) < 0 &&
			 strstr(err, "listen on"), "reload_port_in_use", err);
		st_check(sd_dns_reload(dns, &a.c, err, sizeof(err)) == 0,
			 "reload_same_after_failure", err);
		sd_dns_stop(dns);
	}
	st_check(l->n_timers == 0, "stop_cancels_timers", "timers left");
	close(blocker);
	return st_fail ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct sd_loop loop;
	static struct tconf confs[2];
	unsigned int n_confs = 1;
	const char *stats = NULL;
	struct sd_dns *dns;
	char err[256];
	sigset_t ss;
	int sfd, rc;

	loop.ep = epoll_create1(EPOLL_CLOEXEC);
	if (loop.ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "--selftest")) {
		rc = selftest(&loop);
		close(loop.ep);
		return rc;
	}
	tconf_init(&confs[0]);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--next") && n_confs < 2) {
			tconf_init(&confs[n_confs++]);
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "test_dns: %s needs a value\n", argv[i]);
			return 2;
		}
		if (!strcmp(argv[i], "-P")) {
			publog = fopen(argv[++i], "a");
			if (!publog) {
				perror(argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "-S")) {
			stats = argv[++i];
		} else if (tconf_opt(&confs[n_confs - 1], argv[i],
				     argv[i + 1]) < 0) {
			fprintf(stderr, "test_dns: bad option %s %s\n", argv[i],
				argv[i + 1]);
			return 2;
		} else {
			i++;
		}
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGUSR1);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sfd = signalfd(-1, &ss, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("signalfd");
		return 1;
	}
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = sfd };

		epoll_ctl(loop.ep, EPOLL_CTL_ADD, sfd, &ev);
	}
	dns = sd_dns_start(NULL, &loop, &confs[0].c, err, sizeof(err));
	if (!dns) {
		fprintf(stderr, "test_dns: %s\n", err);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	rc = run_loop(&loop, sfd, dns, confs, n_confs, stats);
	sd_dns_stop(dns);
	write_stats(stats);
	if (loop.n_timers)
		fprintf(stderr, "test_dns: %u timers left after stop\n",
			loop.n_timers);
	while (loop.timers) {
		struct sd_timer *t = loop.timers;

		loop.timers = t->next;
		free(t);
	}
	close(sfd);
	close(loop.ep);
	if (publog)
		fclose(publog);
	return rc ? 1 : (loop.n_timers ? 1 : 0);
}
