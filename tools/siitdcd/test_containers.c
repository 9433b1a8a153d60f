// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the container source:
 *  - the HTTP/1.1 response parser, fed whole and one byte at a time, and
 *    every malformation it must refuse;
 *  - containers.c against a scripted Docker Engine API server on a unix
 *    socket in this process (list, inspect, a chunked event stream), with
 *    a fake core that records claims and proxy neighbour entries;
 *  - with --live SOCKET SECONDS: follows a real engine (Podman in the
 *    guest) and prints "publish V6 OWNER" / "unpublish V6" lines, for the
 *    guest suite when it runs without the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "siitdcd.h"
#include "containers_http.h"
#include "test_util.h"

/* ---- a small event loop with the interface of main.c's ---- */

struct sd_loop {
	int ep;
};

struct sd_timer {
	struct sd_timer *next;
	uint64_t when;
	sd_timer_fn fn;
	void *arg;
};

struct io_reg {
	int fd;
	sd_io_fn fn;
	void *arg;
};

static struct sd_loop the_loop;
static struct sd_timer *timers;
static struct io_reg regs[64];
static bool live, verbose;

uint64_t sd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct io_reg *reg_find(int fd)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (regs[i].fn && regs[i].fd == fd)
			return &regs[i];
	return NULL;
}

int sd_loop_add(struct sd_loop *l, int fd, uint32_t events, sd_io_fn fn,
		void *arg)
{
	struct epoll_event ev = { .events = events };

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (regs[i].fn)
			continue;
		regs[i] = (struct io_reg){ fd, fn, arg };
		ev.data.ptr = &regs[i];
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			regs[i].fn = NULL;
			return -errno;
		}
		return 0;
	}
	return -ENOSPC;
}

int sd_loop_mod(struct sd_loop *l, int fd, uint32_t events)
{
	struct io_reg *r = reg_find(fd);
	struct epoll_event ev = { .events = events, .data.ptr = r };

	if (!r)
		return -ENOENT;
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void sd_loop_del(struct sd_loop *l, int fd)
{
	struct io_reg *r = reg_find(fd);

	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	if (r)
		r->fn = NULL;
}

struct sd_timer *sd_timer_add(struct sd_loop *l, uint64_t ms, sd_timer_fn fn,
			      void *arg)
{
	struct sd_timer *t = calloc(1, sizeof(*t));

	(void)l;
	if (!t)
		return NULL;
	t->when = sd_now_ms() + ms;
	t->fn = fn;
	t->arg = arg;
	t->next = timers;
	timers = t;
	return t;
}

void sd_timer_cancel(struct sd_loop *l, struct sd_timer *t)
{
	(void)l;
	for (struct sd_timer **pp = &timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
	}
}

/* One round: timers due, then up to @ms of waiting for I/O. */
static void loop_once(int ms)
{
	struct epoll_event evs[16];
	uint64_t now = sd_now_ms();
	int n;

	for (struct sd_timer **pp = &timers; *pp;) {
		struct sd_timer *t = *pp;

		if (t->when > now) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		t->fn(t->arg);
		free(t);
		pp = &timers;	/* the callback may have changed the list */
	}
	n = epoll_wait(the_loop.ep, evs, 16, ms);
	for (int i = 0; i < n; i++) {
		struct io_reg *r = evs[i].data.ptr;

		if (r->fn)
			r->fn(r->arg, evs[i].events);
	}
}

/* Runs the loop until @cond holds or @ms pass; returns @cond. */
static bool run_until(bool (*cond)(void), uint64_t ms)
{
	uint64_t end = sd_now_ms() + ms;

	while (!cond() && sd_now_ms() < end)
		loop_once(10);
	return cond();
}

static bool never(void)
{
	return false;
}

static void run_for(uint64_t ms)
{
	run_until(never, ms);
}

void sd_log(enum sd_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (!verbose && lvl > SD_LOG_WARN)
		return;
	fputs(live ? "# " : "#   log: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static unsigned long metrics[SD_M__COUNT];

void sd_metric_inc(enum sd_metric m)
{
	metrics[m]++;
}

void sd_metric_dns_latency(uint64_t usec)
{
	(void)usec;
}

/* ---- the fake core: container claims and proxy entries ---- */

#define MAX_CLAIMS 64

struct claim {
	bool used;
	struct in6_addr v6;
	char owner[SD_OWNER_MAX];
	uint32_t v4;
};

static struct claim claims[MAX_CLAIMS];
static unsigned int n_publish, n_unpublish;
static int publish_error;		/* nonzero: sd_publish fails so */
static struct in6_addr proxies[MAX_CLAIMS];
static unsigned int n_proxies, ndp_calls;
/* The same IPv6 gets the same IPv4 for the whole run, like the pool. */
static struct in6_addr v4_of[MAX_CLAIMS];
static unsigned int n_v4;

static struct claim *claim_find(const struct in6_addr *v6)
{
	for (int i = 0; i < MAX_CLAIMS; i++)
		if (claims[i].used && !memcmp(&claims[i].v6, v6, sizeof(*v6)))
			return &claims[i];
	return NULL;
}

static const char *s6(const struct in6_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int k;

	k = (k + 1) % 4;
	inet_ntop(AF_INET6, a, buf[k], sizeof(buf[k]));
	return buf[k];
}

int sd_publish(struct siitdcd *d, const struct in6_addr *v6,
	       const char *owner, enum sd_source src, uint32_t ttl,
	       struct in_addr *v4, uint32_t *ttl_left)
{
	struct claim *c = claim_find(v6);
	unsigned int i;

	(void)d;
	if (src != SD_SRC_CONTAINER || ttl != 0)
		return -EINVAL;
	n_publish++;
	if (publish_error)
		return publish_error;
	if (!c) {
		for (i = 0; i < MAX_CLAIMS && claims[i].used; i++)
			;
		if (i == MAX_CLAIMS)
			return -ENOSPC;
		c = &claims[i];
		c->used = true;
		c->v6 = *v6;
		snprintf(c->owner, sizeof(c->owner), "%s", owner);
		if (live)
			printf("publish %s %s\n", s6(v6), owner);
	}
	for (i = 0; i < n_v4 && memcmp(&v4_of[i], v6, sizeof(*v6)); i++)
		;
	if (i == n_v4 && n_v4 < MAX_CLAIMS)
		v4_of[n_v4++] = *v6;
	c->v4 = 0xc6336400u + i;	/* 198.51.100.0 + i */
	v4->s_addr = htonl(c->v4);
	*ttl_left = 0;
	fflush(stdout);
	return 0;
}

int sd_unpublish(struct siitdcd *d, const struct in6_addr *v6,
		 enum sd_source src)
{
	struct claim *c = claim_find(v6);

	(void)d;
	if (src != SD_SRC_CONTAINER || !c)
		return -ENOENT;
	c->used = false;
	n_unpublish++;
	if (live)
		printf("unpublish %s\n", s6(v6));
	fflush(stdout);
	return 0;
}

void sd_claims_foreach(struct siitdcd *d, enum sd_source src,
		       void (*fn)(const struct in6_addr *v6, void *arg),
		       void *arg)
{
	(void)d;
	if (src != SD_SRC_CONTAINER)
		return;
	for (int i = 0; i < MAX_CLAIMS; i++)
		if (claims[i].used)
			fn(&claims[i].v6, arg);
}

int sd_ndp_proxy(const char *ifname, const struct in6_addr *v6, bool add)
{
	unsigned int i;

	ndp_calls++;
	if (strcmp(ifname, "up0"))
		return -ENODEV;
	for (i = 0; i < n_proxies; i++)
		if (!memcmp(&proxies[i], v6, sizeof(*v6)))
			break;
	if (add) {
		if (i == n_proxies && n_proxies < MAX_CLAIMS)
			proxies[n_proxies++] = *v6;
		return 0;
	}
	if (i == n_proxies)
		return -ENOENT;
	proxies[i] = proxies[--n_proxies];
	return 0;
}

static bool has_proxy(const char *a)
{
	struct in6_addr v6;

	inet_pton(AF_INET6, a, &v6);
	for (unsigned int i = 0; i < n_proxies; i++)
		if (!memcmp(&proxies[i], &v6, sizeof(v6)))
			return true;
	return false;
}

static struct claim *claim_of(const char *a)
{
	struct in6_addr v6;

	if (inet_pton(AF_INET6, a, &v6) != 1)
		return NULL;
	return claim_find(&v6);
}

static unsigned int n_claims(void)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_CLAIMS; i++)
		n += claims[i].used;
	return n;
}

/* ---- HTTP parser tests ---- */

struct sink {
	char buf[4096];
	size_t len;
	bool refuse;
};

static int sink_body(void *arg, const char *data, size_t len)
{
	struct sink *s = arg;

	if (s->refuse || len > sizeof(s->buf) - 1 - s->len)
		return -1;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

/*
 * Feeds @in whole (@bytewise false) or a byte at a time; returns the bytes
 * used before DONE, or -1 on error.
 */
static ssize_t feed(struct ct_http *h, struct sink *s, const char *in,
		    bool bytewise)
{
	size_t len = strlen(in), i = 0;

	ct_http_init(h);
	memset(s, 0, sizeof(*s));
	if (!bytewise)
		return ct_http_feed(h, in, len, sink_body, s);
	while (i < len && h->state != CT_HTTP_DONE) {
		ssize_t n = ct_http_feed(h, in + i, 1, sink_body, s);

		if (n < 0)
			return -1;
		i += (size_t)n;
	}
	return (ssize_t)i;
}

static void test_http_ok(void)
{
	static const struct {
		const char *name, *in, *body;
		int status;
		bool close;
		size_t used;	/* 0: all of it */
	} cases[] = {
		{ "content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		  "Content-Type: application/json\r\n\r\nhello", "hello", 200,
		  false, 0 },
		{ "content-length, then the next response",
		  "HTTP/1.1 404 Not Found\r\ncontent-length:  3 \r\n\r\nabc"
		  "HTTP/1.1 200 OK\r\n", "abc", 404, false, 50 },
		{ "chunked with extension and trailer",
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "4;x=y\r\n{\"a\"\r\nA\r\n:[1,2,3]}\n\r\n0\r\nX-T: 1\r\n\r\n",
		  "{\"a\":[1,2,3]}\n", 200, false, 0 },
		{ "body to the end of the connection",
		  "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[1]", "[1]",
		  200, true, 0 },
		{ "HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		  "", 200, true, 0 },
		{ "204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", "",
		  204, false, 0 },
		{ "status line without reason", "HTTP/1.1 500\r\n"
		  "Content-Length: 1\r\n\r\nx", "x", 500, false, 0 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int bw = 0; bw < 2; bw++) {
			char name[160];
			struct ct_http h;
			struct sink s;
			ssize_t used;
			size_t want = cases[c].used ? cases[c].used :
						      strlen(cases[c].in);

			snprintf(name, sizeof(name), "http: %s (%s)",
				 cases[c].name, bw ? "byte by byte" : "whole");
			t_begin(name);
			used = feed(&h, &s, cases[c].in, bw);
			if (h.state == CT_HTTP_BODY_EOF)
				CHECK(ct_http_eof(&h) == 0, "eof refused");
			CHECK(used == (ssize_t)want, "used %zd, want %zu",
			      used, want);
			CHECK(h.state == CT_HTTP_DONE, "state %d (%s)",
			      h.state, h.error ? h.error : "");
			CHECK(h.status == cases[c].status, "status %d",
			      h.status);
			CHECK(h.close == cases[c].close, "close %d", h.close);
			CHECK(!strcmp(s.buf, cases[c].body), "body \"%s\"",
			      s.buf);
			t_end();
		}
	}
}

static void test_http_bad(void)
{
	static char long_line[CT_HTTP_LINE_MAX + 64], many[8192];
	static const struct {
		const char *name, *in;
	} cases[] = {
		{ "bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n" },
		{ "not HTTP", "SSH-2.0-OpenSSH\r\n" },
		{ "HTTP/2", "HTTP/2 200 OK\r\n\r\n" },
		{ "status out of range", "HTTP/1.1 099 X\r\n\r\n" },
		{ "three-digit status only", "HTTP/1.1 2000 OK\r\n\r\n" },
		{ "bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n" },
		{ "signed Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n" },
		{ "two Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
		  "Content-Length: 2\r\n\r\n" },
		{ "huge Content-Length", "HTTP/1.1 200 OK\r\n"
		  "Content-Length: 99999999999999999999999\r\n\r\n" },
		{ "Content-Length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n" },
		{ "gzip coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" },
		{ "header without colon", "HTTP/1.1 200 OK\r\nFoo\r\n\r\n" },
		{ "space in header name", "HTTP/1.1 200 OK\r\nFoo Bar: 1\r\n\r\n" },
		{ "folded header", "HTTP/1.1 200 OK\r\nA: 1\r\n 2\r\n\r\n" },
		{ "bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "zz\r\n" },
		{ "chunk too large", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "FFFFFFFFFF\r\n" },
		{ "chunk longer than its size", "HTTP/1.1 200 OK\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n" },
		{ "1xx", "HTTP/1.1 100 Continue\r\n\r\n" },
		{ "line too long", long_line },
		{ "too many headers", many },
	};
	size_t off;

	memcpy(long_line, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(long_line + 20, 'a', sizeof(long_line) - 21);
	off = (size_t)snprintf(many, sizeof(many), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= CT_HTTP_HEADERS_MAX; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
					"X-%d: 1\r\n", i);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int bw = 0; bw < 2; bw++) {
			char name[160];
			struct ct_http h;
			struct sink s;
			ssize_t used;

			snprintf(name, sizeof(name), "http: refuses %s (%s)",
				 cases[c].name, bw ? "byte by byte" : "whole");
			t_begin(name);
			used = feed(&h, &s, cases[c].in, bw);
			CHECK(used == -1 && h.state == CT_HTTP_ERROR && h.error,
			      "used %zd state %d", used, h.state);
			/* An error sticks. */
			CHECK(ct_http_feed(&h, "x", 1, sink_body, &s) == -1,
			      "parser usable after an error");
			t_end();
		}
	}

	t_begin("http: a response cut short by EOF is an error");
	{
		struct ct_http h;
		struct sink s;

		feed(&h, &s, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", false);
		CHECK(ct_http_eof(&h) == -1 && h.error, "eof accepted");
		feed(&h, &s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "3\r\nabc\r\n", false);
		CHECK(ct_http_eof(&h) == -1, "eof accepted mid-chunked");
	}
	t_end();

	t_begin("http: refuses a NUL in a header line");
	{
		static const char in[] = "HTTP/1.1 200 OK\r\nA: \0\r\n\r\n";
		struct ct_http h;

		ct_http_init(&h);
		CHECK(ct_http_feed(&h, in, sizeof(in) - 1, NULL, NULL) == -1,
		      "accepted");
	}
	t_end();

	t_begin("http: a body the consumer refuses is an error");
	{
		struct ct_http h;
		struct sink s = { .refuse = true };

		ct_http_init(&h);
		CHECK(ct_http_feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
				   40, sink_body, &s) == -1, "accepted");
	}
	t_end();
}

static void test_http_request(void)
{
	char out[256], q[64];

	t_begin("http: request text and query escaping");
	CHECK(ct_http_get(out, sizeof(out), "/events?x=1") > 0 &&
	      !strncmp(out, "GET /events?x=1 HTTP/1.1\r\nHost: ", 32) &&
	      strstr(out, "\r\n\r\n") == out + strlen(out) - 4,
	      "request \"%s\"", out);
	CHECK(ct_http_get(out, 20, "/events") == -1, "overflow not refused");
	CHECK(ct_http_query_escape(q, sizeof(q), "{\"type\":[\"a b\"]}") > 0 &&
	      !strcmp(q, "%7B%22type%22%3A%5B%22a%20b%22%5D%7D"), "got %s", q);
	CHECK(ct_http_query_escape(q, 4, "abcd") == -1 &&
	      ct_http_query_escape(q, 5, "abcd") == 4 &&
	      ct_http_query_escape(q, 5, "ab{") == -1, "bounds");
	t_end();
}

/* ---- a scripted Docker Engine API server ---- */

struct fctr {
	bool exists, running;
	char id[70], name[32], pub[32], owner[64], v6[64];
};

#define N_FCTR 16
#define N_SCONN 8

struct sconn {
	int fd;
	char in[8192];
	size_t len;
	bool events;
};

static struct {
	char dir[48], path[100];
	int lfd;
	struct sconn c[N_SCONN];
	struct fctr ctr[N_FCTR];
	unsigned int n_events_req, n_list_req, n_inspect_req;
	bool garbage;		/* answer the next request with nonsense */
	bool list_filter_ok;	/* the list asked for the label filter */
	bool inspect_404;	/* answer every inspect with 404 */
} srv = { .lfd = -1 };

static void sconn_close(struct sconn *c)
{
	if (c->fd < 0)
		return;
	sd_loop_del(&the_loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->events = false;
}

static void ssend(struct sconn *c, const char *s, size_t n)
{
	while (n) {
		ssize_t k = send(c->fd, s, n, MSG_NOSIGNAL);

		if (k <= 0) {
			sconn_close(c);
			return;
		}
		s += k;
		n -= (size_t)k;
	}
}

static void sreply(struct sconn *c, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n", status, strlen(body));

	ssend(c, head, (size_t)n);
	if (c->fd >= 0)
		ssend(c, body, strlen(body));
}

static struct fctr *fctr_by_id(const char *id)
{
	for (int i = 0; i < N_FCTR; i++)
		if (srv.ctr[i].exists && !strcmp(srv.ctr[i].id, id))
			return &srv.ctr[i];
	return NULL;
}

static void fctr_inspect(const struct fctr *f, char *out, size_t n)
{
	char labels[256] = "";
	size_t o = 0;

	if (f->pub[0])
		o += (size_t)snprintf(labels + o, sizeof(labels) - o,
				      "\"siitdc.public\":\"%s\"", f->pub);
	if (f->owner[0])
		o += (size_t)snprintf(labels + o, sizeof(labels) - o,
				      "%s\"siitdc.owner\":\"%s\"", o ? "," : "",
				      f->owner);
	snprintf(out, n,
		 "{\"Id\":\"%s\",\"Name\":\"/%s\",\"State\":{\"Status\":\"%s\","
		 "\"Running\":%s},\"Config\":{\"Labels\":{%s}},"
		 "\"NetworkSettings\":{\"GlobalIPv6Address\":\"\","
		 "\"Networks\":{\"n1\":{\"GlobalIPv6Address\":\"%s\","
		 "\"IPAddress\":\"10.0.0.2\"},\"n2\":{\"GlobalIPv6Address\":\"\"}}}}",
		 f->id, f->name, f->running ? "running" : "exited",
		 f->running ? "true" : "false", labels, f->v6);
}

static void shandle(struct sconn *c, const char *path)
{
	char body[8192];

	if (srv.garbage) {
		srv.garbage = false;
		ssend(c, "HTTP/1.1 200 OK\nbroken\n\n", 24);
		return;
	}
	if (!strncmp(path, "/events?", 8)) {
		srv.n_events_req++;
		c->events = true;
		static const char head[] =
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Transfer-Encoding: chunked\r\n\r\n";

		ssend(c, head, sizeof(head) - 1);
		return;
	}
	if (!strncmp(path, "/containers/json", 16)) {
		size_t o;

		srv.n_list_req++;
		srv.list_filter_ok = strstr(path,
			"filters=%7B%22label%22%3A%5B%22siitdc.public%3Dtrue%22%5D%7D") != NULL;
		o = (size_t)snprintf(body, sizeof(body), "[");
		for (int i = 0; i < N_FCTR; i++) {
			struct fctr *f = &srv.ctr[i];

			/* What the label filter and all=false select. */
			if (!f->exists || !f->running || strcmp(f->pub, "true"))
				continue;
			o += (size_t)snprintf(body + o, sizeof(body) - o,
					      "%s{\"Id\":\"%s\",\"Names\":[\"/%s\"]}",
					      o > 1 ? "," : "", f->id, f->name);
		}
		snprintf(body + o, sizeof(body) - o, "]");
		sreply(c, 200, body);
		return;
	}
	if (!strncmp(path, "/containers/", 12)) {
		char id[80];
		const char *e = strstr(path + 12, "/json");
		struct fctr *f;

		srv.n_inspect_req++;
		snprintf(id, sizeof(id), "%.*s", e ? (int)(e - path - 12) : 0,
			 path + 12);
		f = fctr_by_id(id);
		if (!f || srv.inspect_404) {
			sreply(c, 404, "{\"message\":\"no such container\"}");
			return;
		}
		fctr_inspect(f, body, sizeof(body));
		sreply(c, 200, body);
		return;
	}
	sreply(c, 404, "{}");
}

static void sconn_io(void *arg, uint32_t events)
{
	struct sconn *c = arg;
	ssize_t n;
	char *end;

	(void)events;
	if (c->fd < 0)
		return;
	n = recv(c->fd, c->in + c->len, sizeof(c->in) - 1 - c->len, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			sconn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->in[c->len] = '\0';
	while (c->fd >= 0 && (end = strstr(c->in, "\r\n\r\n"))) {
		char path[1024] = "";
		size_t used = (size_t)(end + 4 - c->in);

		sscanf(c->in, "GET %1023s HTTP/1.1", path);
		shandle(c, path);
		if (c->fd < 0)
			break;
		memmove(c->in, c->in + used, c->len - used + 1);
		c->len -= used;
	}
}

static void slisten_io(void *arg, uint32_t events)
{
	int fd;

	(void)arg;
	(void)events;
	fd = accept4(srv.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < N_SCONN; i++) {
		if (srv.c[i].fd >= 0)
			continue;
		srv.c[i].fd = fd;
		srv.c[i].len = 0;
		srv.c[i].events = false;
		sd_loop_add(&the_loop, fd, EPOLLIN, sconn_io, &srv.c[i]);
		return;
	}
	close(fd);
}

static int srv_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	srv.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.path);
	if (srv.lfd < 0 || bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(srv.lfd, 16))
		return -1;
	return sd_loop_add(&the_loop, srv.lfd, EPOLLIN, slisten_io, NULL);
}

/* The engine went away: every connection and the socket. */
static void srv_down(bool unlink_socket)
{
	for (int i = 0; i < N_SCONN; i++)
		sconn_close(&srv.c[i]);
	if (unlink_socket && srv.lfd >= 0) {
		sd_loop_del(&the_loop, srv.lfd);
		close(srv.lfd);
		srv.lfd = -1;
		unlink(srv.path);
	}
}

/* Sends @json to every event subscriber, cut into chunks at @cuts. */
static void srv_event_raw(const char *json, const size_t *cuts, size_t ncuts)
{
	for (int i = 0; i < N_SCONN; i++) {
		struct sconn *c = &srv.c[i];
		size_t off = 0, len = strlen(json);

		if (c->fd < 0 || !c->events)
			continue;
		for (size_t k = 0; k <= ncuts && c->fd >= 0; k++) {
			size_t end = k < ncuts ? cuts[k] : len;
			char head[32];
			int n = snprintf(head, sizeof(head), "%zx\r\n", end - off);

			if (end == off)
				continue;
			ssend(c, head, (size_t)n);
			if (c->fd >= 0)
				ssend(c, json + off, end - off);
			if (c->fd >= 0)
				ssend(c, "\r\n", 2);
			off = end;
		}
	}
}

static void event_text(char *out, size_t n, const char *action,
		       const struct fctr *f)
{
	snprintf(out, n,
		 "{\"status\":\"%s\",\"id\":\"%s\",\"from\":\"img\",\"Type\":\"container\","
		 "\"Action\":\"%s\",\"Actor\":{\"ID\":\"%s\",\"Attributes\":"
		 "{\"name\":\"%s\"}},\"scope\":\"local\",\"time\":1,\"timeNano\":1}\n",
		 action, f->id, action, f->id, f->name);
}

static void srv_event(const char *action, const struct fctr *f)
{
	char ev[1024];

	event_text(ev, sizeof(ev), action, f);
	srv_event_raw(ev, NULL, 0);
}

static struct fctr *fctr_new(int i, const char *pub, const char *owner,
			     const char *v6, bool running)
{
	struct fctr *f = &srv.ctr[i];

	memset(f, 0, sizeof(*f));
	f->exists = true;
	f->running = running;
	for (int k = 0; k < 64; k++)
		f->id[k] = "0123456789abcdef"[(k * 7 + i * 3 + (k == 0 ? i : 0)) % 16];
	snprintf(f->name, sizeof(f->name), "c%d", i);
	snprintf(f->pub, sizeof(f->pub), "%s", pub);
	snprintf(f->owner, sizeof(f->owner), "%s", owner);
	snprintf(f->v6, sizeof(f->v6), "%s", v6);
	return f;
}

/* ---- conditions for run_until ---- */

static const char *want_addr;
static unsigned int want_n;
static unsigned long want_metric;
static enum sd_metric want_m;

static bool cond_claimed(void)
{
	return claim_of(want_addr) != NULL;
}

static bool cond_unclaimed(void)
{
	return claim_of(want_addr) == NULL;
}

static bool cond_metric(void)
{
	return metrics[want_m] >= want_metric;
}

static bool cond_events_req(void)
{
	return srv.n_events_req >= want_n;
}

static bool cond_inspects(void)
{
	return srv.n_inspect_req >= want_n;
}

static bool wait_claimed(const char *a)
{
	want_addr = a;
	return run_until(cond_claimed, 3000);
}

static bool wait_unclaimed(const char *a)
{
	want_addr = a;
	return run_until(cond_unclaimed, 3000);
}

static bool wait_metric(enum sd_metric m, unsigned long v)
{
	want_m = m;
	want_metric = v;
	return run_until(cond_metric, 5000);
}

/* Registers a claim as the state file would have restored it. */
static void preclaim(const char *a, const char *owner)
{
	struct in_addr v4;
	struct in6_addr v6;
	uint32_t left;

	inet_pton(AF_INET6, a, &v6);
	sd_publish(NULL, &v6, owner, SD_SRC_CONTAINER, 0, &v4, &left);
}

static void test_engine(void)
{
	struct sd_conf conf;
	struct sd_containers *ct;
	struct fctr *web, *other, *lazy, *plain, *stopped, *badown, *nov6, *late;
	struct claim *cl;
	uint32_t v4_web;
	unsigned long m, ev0;

	memset(&conf, 0, sizeof(conf));
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/test_containers.XXXXXX");
	if (!mkdtemp(srv.dir)) {
		t_begin("engine: temporary directory");
		CHECK(0, "mkdtemp: %s", strerror(errno));
		t_end();
		return;
	}
	snprintf(srv.path, sizeof(srv.path), "%s/docker.sock", srv.dir);
	snprintf(conf.docker_socket, sizeof(conf.docker_socket), "%s", srv.path);
	snprintf(conf.ndp_proxy, sizeof(conf.ndp_proxy), "up0");
	snprintf(conf.default_owner, sizeof(conf.default_owner), "tenant0");
	for (int i = 0; i < N_SCONN; i++)
		srv.c[i].fd = -1;

	web = fctr_new(0, "true", "acme", "2001:db8:c::10", true);
	other = fctr_new(1, "true", "", "2001:db8:c::11", true);
	lazy = fctr_new(2, "on-demand", "acme", "2001:db8:c::12", true);
	plain = fctr_new(3, "", "", "2001:db8:c::13", true);
	stopped = fctr_new(4, "true", "acme", "2001:db8:c::14", false);
	badown = fctr_new(5, "true", "no spaces", "2001:db8:c::15", true);
	nov6 = fctr_new(6, "true", "acme", "", true);
	/* Left over from before a restart: this container is long gone. */
	preclaim("2001:db8:c::99", "acme");
	/* And this one is still running: its claim must just stay. */
	preclaim("2001:db8:c::10", "acme");
	v4_web = claim_of("2001:db8:c::10")->v4;

	t_begin("engine: socket absent at start: no claim dropped, retries");
	ct = sd_containers_start(NULL, &the_loop, &conf);
	CHECK(ct != NULL, "start failed");
	run_for(300);
	CHECK(n_claims() == 2 && n_unpublish == 0, "claims %u unpublish %u",
	      n_claims(), n_unpublish);
	t_end();
	if (!ct)
		return;

	t_begin("engine: connects once the socket appears, then reconciles");
	CHECK(srv_listen() == 0, "listen: %s", strerror(errno));
	CHECK(wait_metric(SD_M_RECONCILE_REMOVED, 1), "no reconcile removal");
	CHECK(srv.n_events_req == 1 && srv.n_list_req == 1,
	      "events %u list %u", srv.n_events_req, srv.n_list_req);
	CHECK(srv.list_filter_ok, "the list did not ask for the label filter");
	t_end();

	t_begin("engine: reconcile publishes running public containers");
	want_n = 2;
	run_until(cond_inspects, 2000);
	run_for(100);
	cl = claim_of(web->v6);
	CHECK(cl && !strcmp(cl->owner, "acme"), "web not claimed by acme");
	CHECK(cl && cl->v4 == v4_web, "web changed its IPv4");
	cl = claim_of(other->v6);
	CHECK(cl && !strcmp(cl->owner, "tenant0"), "default owner not used");
	CHECK(!claim_of(lazy->v6), "on-demand container published");
	CHECK(!claim_of(plain->v6), "unlabelled container published");
	CHECK(!claim_of(stopped->v6), "stopped container published");
	CHECK(!claim_of(badown->v6), "container with a bad owner published");
	CHECK(!claim_of("2001:db8:c::99"), "stale claim kept");
	CHECK(n_claims() == 2, "%u claims", n_claims());
	CHECK(metrics[SD_M_RECONCILE_ADDED] == 1 &&
	      metrics[SD_M_RECONCILE_REMOVED] == 1, "added %lu removed %lu",
	      metrics[SD_M_RECONCILE_ADDED], metrics[SD_M_RECONCILE_REMOVED]);
	CHECK(has_proxy(web->v6) && has_proxy(other->v6) && n_proxies == 2,
	      "proxy entries: %u", n_proxies);
	CHECK(metrics[SD_M_CONTAINER_RECONNECTS] == 0, "reconnects counted");
	t_end();

	t_begin("engine: start event publishes, die event unpublishes");
	late = fctr_new(7, "true", "beta", "2001:db8:c::17", true);
	ev0 = metrics[SD_M_CONTAINER_EVENTS];
	srv_event("start", late);
	CHECK(wait_claimed(late->v6), "not published on start");
	cl = claim_of(late->v6);
	CHECK(cl && !strcmp(cl->owner, "beta"), "owner");
	CHECK(has_proxy(late->v6), "no proxy entry");
	late->running = false;
	srv_event("die", late);
	CHECK(wait_unclaimed(late->v6), "not unpublished on die");
	CHECK(!has_proxy(late->v6), "proxy entry left");
	/* die, then destroy: the second finds nothing to do. */
	m = n_unpublish;
	srv_event("destroy", late);
	run_for(100);
	CHECK(n_unpublish == m, "unpublished twice");
	CHECK(metrics[SD_M_CONTAINER_EVENTS] == ev0 + 3, "events: %lu",
	      metrics[SD_M_CONTAINER_EVENTS] - ev0);
	t_end();

	t_begin("engine: two containers on one IPv6: the claim goes with the last");
	{
		struct fctr *x = fctr_new(10, "true", "acme", "2001:db8:c::20", true);
		struct fctr *y = fctr_new(11, "true", "acme", "2001:db8:c::20", true);

		srv_event("start", x);
		srv_event("start", y);
		CHECK(wait_claimed(x->v6), "not published");
		want_n = srv.n_inspect_req + 2;
		run_until(cond_inspects, 2000);
		x->running = false;
		srv_event("die", x);
		run_for(200);
		CHECK(claim_of(y->v6) != NULL, "dropped while y still runs");
		y->running = false;
		srv_event("die", y);
		CHECK(wait_unclaimed(y->v6), "kept after both died");
		x->exists = y->exists = false;
	}
	t_end();

	t_begin("engine: a failed publication is retried by a later reconcile");
	{
		struct fctr *x = fctr_new(12, "true", "acme", "2001:db8:c::21", true);

		publish_error = -ENOSPC;
		m = n_publish;
		srv_event("start", x);
		want_n = srv.n_inspect_req + 1;
		run_until(cond_inspects, 2000);
		run_for(100);
		CHECK(n_publish == m + 1 && !claim_of(x->v6), "publish %u",
		      n_publish - (unsigned int)m);
		publish_error = 0;
		want_addr = x->v6;
		CHECK(run_until(cond_claimed, 5000), "not retried");
		x->running = false;
		srv_event("die", x);
		CHECK(wait_unclaimed(x->v6), "not unpublished");
		x->exists = false;
	}
	t_end();

	t_begin("engine: start events for unflagged containers do nothing");
	m = n_publish;
	want_n = srv.n_inspect_req + 4;
	srv_event("start", lazy);
	srv_event("start", plain);
	srv_event("start", nov6);
	srv_event("start", badown);
	run_until(cond_inspects, 2000);
	run_for(100);
	CHECK(n_publish == m, "published %u", n_publish - (unsigned int)m);
	t_end();

	t_begin("engine: events split across chunks and several per chunk");
	{
		char a[1024], b[1024], both[2048];
		size_t cuts[5];
		struct fctr *x = fctr_new(8, "true", "acme", "2001:db8:c::18", true);
		struct fctr *y = fctr_new(9, "true", "acme", "2001:db8:c::19", true);

		event_text(a, sizeof(a), "start", x);
		event_text(b, sizeof(b), "start", y);
		snprintf(both, sizeof(both), "%s%s", a, b);
		cuts[0] = 1;
		cuts[1] = 17;
		cuts[2] = strlen(a) - 1;
		cuts[3] = strlen(a) + 3;
		cuts[4] = strlen(both) - 2;
		srv_event_raw(both, cuts, 5);
		CHECK(wait_claimed(x->v6) && wait_claimed(y->v6),
		      "split events lost");
		/* Both again, in one chunk, as stop events. */
		x->running = y->running = false;
		event_text(a, sizeof(a), "stop", x);
		event_text(b, sizeof(b), "stop", y);
		snprintf(both, sizeof(both), "%s%s", a, b);
		srv_event_raw(both, NULL, 0);
		CHECK(wait_unclaimed(x->v6) && wait_unclaimed(y->v6),
		      "two events in one chunk");
		x->exists = y->exists = false;
	}
	t_end();

	t_begin("engine: engine restart: reconnect, reconcile what changed meanwhile");
	srv_down(true);
	other->exists = false;			/* removed while away */
	late->running = true;			/* started while away */
	CHECK(srv_listen() == 0, "listen again");
	CHECK(wait_metric(SD_M_CONTAINER_RECONNECTS, 1), "no reconnect");
	CHECK(wait_unclaimed(other->v6), "removed container kept");
	CHECK(wait_claimed(late->v6), "container started meanwhile missing");
	CHECK(claim_of(web->v6) && claim_of(web->v6)->v4 == v4_web,
	      "web lost or changed its IPv4");
	CHECK(!has_proxy(other->v6) && has_proxy(late->v6), "proxy entries");
	t_end();

	t_begin("engine: a malformed response: reconnect, nothing lost");
	srv.garbage = true;
	want_n = srv.n_events_req + 1;
	m = metrics[SD_M_CONTAINER_RECONNECTS];
	srv_down(false);			/* the reconnect gets garbage */
	CHECK(wait_metric(SD_M_CONTAINER_RECONNECTS, m + 1),
	      "no reconnect after the garbage");
	CHECK(claim_of(web->v6) && claim_of(late->v6), "claims lost");
	t_end();

	t_begin("engine: a container gone between list and inspect is dropped");
	srv.inspect_404 = true;
	m = metrics[SD_M_CONTAINER_RECONNECTS];
	srv_down(false);
	CHECK(wait_metric(SD_M_CONTAINER_RECONNECTS, m + 1), "no reconnect");
	CHECK(wait_unclaimed(web->v6) && wait_unclaimed(late->v6),
	      "404 containers kept");
	srv.inspect_404 = false;
	t_end();

	t_begin("engine: stop keeps the claims (a restart reconciles them)");
	m = metrics[SD_M_CONTAINER_RECONNECTS];
	srv_down(false);
	CHECK(wait_metric(SD_M_CONTAINER_RECONNECTS, m + 1), "no reconnect");
	CHECK(wait_claimed(web->v6), "web not back");
	m = n_unpublish;
	sd_containers_stop(ct);
	CHECK(n_unpublish == m && claim_of(web->v6), "stop dropped claims");
	t_end();

	t_begin("engine: a restarted source keeps the container's IPv4");
	n_proxies = 0;
	ct = sd_containers_start(NULL, &the_loop, &conf);
	want_n = srv.n_events_req + 1;
	CHECK(ct && run_until(cond_events_req, 2000), "no reconnect");
	want_n = srv.n_inspect_req + 2;
	run_until(cond_inspects, 2000);
	run_for(100);
	CHECK(claim_of(web->v6) && claim_of(web->v6)->v4 == v4_web,
	      "IPv4 changed");
	CHECK(has_proxy(web->v6), "proxy entry not restored");
	sd_containers_stop(ct);
	t_end();

	t_begin("engine: no docker-socket configured: no source");
	conf.docker_socket[0] = '\0';
	CHECK(sd_containers_start(NULL, &the_loop, &conf) == NULL, "started");
	t_end();

	srv_down(true);
	rmdir(srv.dir);
}

static int run_live(const char *sock, const char *secs, const char *ndp)
{
	struct sd_conf conf;
	struct sd_containers *ct;
	char *end;
	unsigned long s = strtoul(secs, &end, 10);

	if (*end || !s || strlen(sock) >= sizeof(conf.docker_socket)) {
		fprintf(stderr, "test_containers: bad --live arguments\n");
		return 2;
	}
	memset(&conf, 0, sizeof(conf));
	snprintf(conf.docker_socket, sizeof(conf.docker_socket), "%s", sock);
	snprintf(conf.default_owner, sizeof(conf.default_owner), "default");
	if (ndp)
		snprintf(conf.ndp_proxy, sizeof(conf.ndp_proxy), "%s", ndp);
	live = verbose = true;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ct = sd_containers_start(NULL, &the_loop, &conf);
	if (!ct)
		return 1;
	run_for(s * 1000);
	sd_containers_stop(ct);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	the_loop.ep = epoll_create1(EPOLL_CLOEXEC);
	if (the_loop.ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	if (argc >= 4 && !strcmp(argv[1], "--live"))
		return run_live(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	verbose = argc > 1 && !strcmp(argv[1], "-v");

	test_http_ok();
	test_http_bad();
	test_http_request();
	test_engine();
	while (timers) {
		struct sd_timer *t = timers;

		timers = t->next;
		free(t);
	}
	close(the_loop.ep);
	return t_summary();
}
