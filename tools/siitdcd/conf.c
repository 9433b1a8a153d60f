// SPDX-License-Identifier: GPL-2.0
/*
 * siitdcd.conf: an INI file read with inih (see siitdcd.8 for every key).
 *
 * inih splits "key = value" lines and hands them to conf_key(); our own
 * line reader counts lines (so every error carries its line number, not
 * only the first one inih reports) and sees section headers as they come,
 * since inih never reports a section that holds no key (a "[zone x]" with
 * no "internal" must still be an error). The first error wins; parsing
 * stops there.
 */
#include "siitdcd.h"
#include "pool.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STATE_FILE	"/var/lib/siitdc/siitdcd.state"
#define DEFAULT_METRICS_PORT	9646
#define DEFAULT_DNS_PORT	53
#define LINE_MAX_CONF		4200

enum section {
	S_NONE, S_DAEMON, S_POOL, S_DNS, S_ZONE, S_CONTAINERS, S_QUOTA,
	S_STATIC,
};

/* Scalar keys seen, to refuse one given twice. */
enum seen {
	K_STATE_FILE, K_METRICS, K_LOG_LEVEL, K_RECONCILE, K_QUARANTINE,
	K_TTL_MIN, K_TTL_MAX, K_GRACE, K_UP_TIMEOUT, K_UP_CACHE, K_SOCKET, K_NDP,
	K_CT_OWNER, K__COUNT
};

struct parse {
	const char *path;
	FILE *f;
	unsigned int line;
	struct sd_conf *c;
	char *err;
	size_t errlen;
	bool failed;

	enum section sec;
	unsigned int sec_line;
	unsigned int seen[K__COUNT];	/* line of each scalar key, 0: none */
	unsigned int zone_line;		/* header of the open [zone] */
	bool zone_has_internal;
	bool zone_has_owner;
};

__attribute__((format(printf, 3, 4)))
static void perr(struct parse *ps, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->path, line, msg);
	else
		snprintf(ps->err, ps->errlen, "%s: %s", ps->path, msg);
}

/* ---- value parsers: false on bad input ---- */

static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "A.B.C.D/LEN" with no host bits set. */
static bool parse_prefix4(const char *s, struct sd_prefix4 *p, const char **why)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	uint32_t len, a, mask;

	*why = "expected an IPv4 prefix A.B.C.D/LEN";
	if (!slash || (size_t)(slash - s) >= INET_ADDRSTRLEN)
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (inet_pton(AF_INET, buf, &p->addr) != 1 ||
	    !parse_u32(slash + 1, 0, 32, &len))
		return false;
	p->len = (uint8_t)len;
	a = ntohl(p->addr.s_addr);
	mask = len ? 0xffffffffu << (32 - len) : 0;
	if (a & ~mask) {
		*why = "the prefix has bits set after its length";
		return false;
	}
	return true;
}

/*
 * "ADDR", "[ADDR]" or "[ADDR]:PORT" (IPv4 or IPv6), or "A.B.C.D:PORT".
 * Port 0 is refused.
 */
static bool parse_sockaddr(const char *s, uint16_t defport,
			   struct sd_sockaddr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	uint32_t p = defport;
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return false;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return false;
		s++;
	} else {
		const char *colon = strchr(s, ':');

		/* One colon: A.B.C.D:PORT; more: a bare IPv6 address. */
		if (colon && !strchr(colon + 1, ':')) {
			n = (size_t)(colon - s);
			port = colon + 1;
		} else {
			n = strlen(s);
		}
	}
	if (!n || n >= sizeof(host))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	if (port && !parse_u32(port, 1, 65535, &p))
		return false;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		out->len = sizeof(*sin);
		return true;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		out->len = sizeof(*sin6);
		return true;
	}
	return false;
}

/* 1..31 printable bytes without spaces. */
static bool valid_owner(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n >= SD_OWNER_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * A domain name: labels of 1..63 letters, digits, '-' or '_', 253 bytes at
 * most; stored lower case without a trailing dot.
 */
static bool parse_name(const char *s, char out[SD_NAME_MAX])
{
	size_t n = strlen(s), i, label = 0;

	if (n && s[n - 1] == '.')
		n--;
	if (!n || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
		out[i] = (char)tolower(ch);
	}
	if (!label)
		return false;
	out[n] = '\0';
	return true;
}

/* Copies what fits of @src (already checked to fit). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void *grow(struct parse *ps, void *arr, unsigned int n, size_t size)
{
	void *p = realloc(arr, (size_t)(n + 1) * size);

	if (!p) {
		perr(ps, ps->line, "out of memory");
		return NULL;
	}
	memset((char *)p + (size_t)n * size, 0, size);
	return p;
}

/* ---- sections ---- */

static void zone_close(struct parse *ps)
{
	if (ps->sec == S_ZONE && !ps->zone_has_internal)
		perr(ps, ps->zone_line, "zone %s has no \"internal\" name",
		     ps->c->zones[ps->c->n_zones - 1].zone);
}

static void section_begin(struct parse *ps, const char *hdr)
{
	struct sd_conf *c = ps->c;
	char name[SD_NAME_MAX], word[16];
	const char *rest;
	unsigned int i;
	struct sd_zone *z;

	zone_close(ps);
	ps->sec_line = ps->line;
	if (!strcmp(hdr, "daemon")) {
		ps->sec = S_DAEMON;
	} else if (!strcmp(hdr, "pool")) {
		ps->sec = S_POOL;
	} else if (!strcmp(hdr, "dns")) {
		ps->sec = S_DNS;
	} else if (!strcmp(hdr, "containers")) {
		ps->sec = S_CONTAINERS;
	} else if (!strcmp(hdr, "quota")) {
		ps->sec = S_QUOTA;
	} else if (!strcmp(hdr, "static")) {
		ps->sec = S_STATIC;
	} else if (sscanf(hdr, "%15s", word) == 1 && !strcmp(word, "zone")) {
		rest = hdr + 4;
		while (isspace((unsigned char)*rest))
			rest++;
		if (!*rest || !parse_name(rest, name)) {
			perr(ps, ps->line,
			     "[zone NAME] needs a domain name, got \"%s\"", rest);
			return;
		}
		for (i = 0; i < c->n_zones; i++)
			if (!strcmp(c->zones[i].zone, name)) {
				perr(ps, ps->line, "zone %s is given twice", name);
				return;
			}
		z = grow(ps, c->zones, c->n_zones, sizeof(*c->zones));
		if (!z)
			return;
		c->zones = z;
		z = &c->zones[c->n_zones++];
		snprintf(z->zone, sizeof(z->zone), "%s", name);
		snprintf(z->owner, sizeof(z->owner), "dns");
		ps->sec = S_ZONE;
		ps->zone_line = ps->line;
		ps->zone_has_internal = false;
		ps->zone_has_owner = false;
	} else {
		perr(ps, ps->line, "unknown section [%s]", hdr);
	}
}

/*
 * inih's line reader, ours so that we count lines and see section headers
 * (inih only reports sections through their keys).
 */
static char *conf_reader(char *str, int num, void *arg)
{
	struct parse *ps = arg;
	char *s, *end;
	size_t n;

	if (ps->failed || !fgets(str, num, ps->f))
		return NULL;
	ps->line++;
	n = strlen(str);
	if (n && str[n - 1] != '\n' && !feof(ps->f)) {
		perr(ps, ps->line, "line longer than %d bytes", num - 2);
		return NULL;
	}
	for (s = str; isspace((unsigned char)*s); s++)
		;
	if (*s == '[') {
		char hdr[SD_NAME_MAX + 16];

		end = strchr(s, ']');
		if (!end || (size_t)(end - s - 1) >= sizeof(hdr)) {
			perr(ps, ps->line, "malformed section header");
			return NULL;
		}
		memcpy(hdr, s + 1, (size_t)(end - s - 1));
		hdr[end - s - 1] = '\0';
		section_begin(ps, hdr);
		if (ps->failed)
			return NULL;
	}
	return str;
}

/* ---- keys ---- */

static bool once(struct parse *ps, enum seen k, const char *name)
{
	if (ps->seen[k]) {
		perr(ps, ps->line, "\"%s\" already given on line %u", name,
		     ps->seen[k]);
		return false;
	}
	ps->seen[k] = ps->line;
	return true;
}

static void key_u32(struct parse *ps, enum seen k, const char *name,
		    const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	if (!once(ps, k, name))
		return;
	if (!parse_u32(v, min, max, out))
		perr(ps, ps->line, "%s: expected a number from %u to %u, got \"%s\"",
		     name, min, max, v);
}

static void add_prefix(struct parse *ps, const char *name, const char *v,
		       struct sd_prefix4 **arr, unsigned int *n)
{
	struct sd_prefix4 p, *a;
	const char *why;

	if (!parse_prefix4(v, &p, &why)) {
		perr(ps, ps->line, "%s: %s, got \"%s\"", name, why, v);
		return;
	}
	a = grow(ps, *arr, *n, sizeof(**arr));
	if (!a)
		return;
	*arr = a;
	a[(*n)++] = p;
}

static void add_sockaddr(struct parse *ps, const char *name, const char *v,
			 uint16_t defport, struct sd_sockaddr **arr,
			 unsigned int *n)
{
	struct sd_sockaddr sa, *a;

	if (!parse_sockaddr(v, defport, &sa)) {
		perr(ps, ps->line,
		     "%s: expected ADDR or [ADDR]:PORT, got \"%s\"", name, v);
		return;
	}
	a = grow(ps, *arr, *n, sizeof(**arr));
	if (!a)
		return;
	*arr = a;
	a[(*n)++] = sa;
}

static void key_daemon(struct parse *ps, const char *k, const char *v)
{
	struct sd_conf *c = ps->c;

	if (!strcmp(k, "state-file")) {
		if (!once(ps, K_STATE_FILE, k))
			return;
		if (v[0] != '/' || strlen(v) >= sizeof(c->state_file) - 8)
			perr(ps, ps->line, "state-file: expected an absolute path");
		else
			snprintf(c->state_file, sizeof(c->state_file), "%s", v);
	} else if (!strcmp(k, "metrics")) {
		if (!once(ps, K_METRICS, k))
			return;
		if (!parse_sockaddr(v, DEFAULT_METRICS_PORT, &c->metrics))
			perr(ps, ps->line,
			     "metrics: expected ADDR or [ADDR]:PORT, got \"%s\"",
			     v);
		c->has_metrics = true;
	} else if (!strcmp(k, "log-level")) {
		static const char *const names[] = { "err", "warn", "info",
						     "debug" };
		unsigned int i;

		if (!once(ps, K_LOG_LEVEL, k))
			return;
		for (i = 0; i < 4; i++)
			if (!strcmp(v, names[i]))
				break;
		if (i == 4)
			perr(ps, ps->line,
			     "log-level: expected err, warn, info or debug, got \"%s\"",
			     v);
		else
			c->log_level = (enum sd_log_level)i;
	} else if (!strcmp(k, "reconcile-interval")) {
		key_u32(ps, K_RECONCILE, k, v, 1, 86400, &c->reconcile_interval);
	} else {
		perr(ps, ps->line, "unknown key \"%s\" in [daemon]", k);
	}
}

static void key_pool(struct parse *ps, const char *k, const char *v)
{
	struct sd_conf *c = ps->c;

	if (!strcmp(k, "prefix"))
		add_prefix(ps, k, v, &c->prefixes, &c->n_prefixes);
	else if (!strcmp(k, "exclude"))
		add_prefix(ps, k, v, &c->excludes, &c->n_excludes);
	else if (!strcmp(k, "quarantine"))
		key_u32(ps, K_QUARANTINE, k, v, 0, 30 * 86400, &c->quarantine);
	else
		perr(ps, ps->line, "unknown key \"%s\" in [pool]", k);
}

static void key_dns(struct parse *ps, const char *k, const char *v)
{
	struct sd_conf *c = ps->c;

	if (!strcmp(k, "listen"))
		add_sockaddr(ps, k, v, DEFAULT_DNS_PORT, &c->listen,
			     &c->n_listen);
	else if (!strcmp(k, "upstream"))
		add_sockaddr(ps, k, v, DEFAULT_DNS_PORT, &c->upstreams,
			     &c->n_upstreams);
	else if (!strcmp(k, "ttl-min"))
		key_u32(ps, K_TTL_MIN, k, v, 1, 7 * 86400, &c->ttl_min);
	else if (!strcmp(k, "ttl-max"))
		key_u32(ps, K_TTL_MAX, k, v, 1, 7 * 86400, &c->ttl_max);
	else if (!strcmp(k, "idle-grace"))
		key_u32(ps, K_GRACE, k, v, 0, 7 * 86400, &c->idle_grace);
	else if (!strcmp(k, "upstream-cache"))
		key_u32(ps, K_UP_CACHE, k, v, 0, 86400, &c->upstream_cache);
	else if (!strcmp(k, "upstream-timeout-ms"))
		key_u32(ps, K_UP_TIMEOUT, k, v, 10, 60000,
			&c->upstream_timeout_ms);
	else
		perr(ps, ps->line, "unknown key \"%s\" in [dns]", k);
}

static void key_zone(struct parse *ps, const char *k, const char *v)
{
	struct sd_zone *z = &ps->c->zones[ps->c->n_zones - 1];

	if (!strcmp(k, "internal")) {
		if (ps->zone_has_internal) {
			perr(ps, ps->line, "\"internal\" given twice in zone %s",
			     z->zone);
			return;
		}
		ps->zone_has_internal = true;
		if (!parse_name(v, z->internal))
			perr(ps, ps->line,
			     "internal: expected a domain name, got \"%s\"", v);
		else if (!strcmp(z->internal, z->zone))
			perr(ps, ps->line,
			     "internal: must differ from the zone itself");
	} else if (!strcmp(k, "owner")) {
		if (ps->zone_has_owner) {
			perr(ps, ps->line, "\"owner\" given twice in zone %s",
			     z->zone);
			return;
		}
		ps->zone_has_owner = true;
		if (!valid_owner(v))
			perr(ps, ps->line,
			     "owner: 1 to %d printable characters without spaces, got \"%s\"",
			     SD_OWNER_MAX - 1, v);
		else
			snprintf(z->owner, sizeof(z->owner), "%s", v);
	} else {
		perr(ps, ps->line, "unknown key \"%s\" in [zone %s]", k, z->zone);
	}
}

static void key_containers(struct parse *ps, const char *k, const char *v)
{
	struct sd_conf *c = ps->c;

	if (!strcmp(k, "socket")) {
		if (!once(ps, K_SOCKET, k))
			return;
		if (v[0] != '/' || strlen(v) >= sizeof(c->docker_socket))
			perr(ps, ps->line,
			     "socket: expected an absolute path of at most %zu bytes",
			     sizeof(c->docker_socket) - 1);
		else
			snprintf(c->docker_socket, sizeof(c->docker_socket),
				 "%s", v);
	} else if (!strcmp(k, "ndp-proxy")) {
		size_t i, n = strlen(v);

		if (!once(ps, K_NDP, k))
			return;
		for (i = 0; i < n; i++)
			if (!isgraph((unsigned char)v[i]) || v[i] == '/')
				break;
		if (!n || n >= sizeof(c->ndp_proxy) || i < n)
			perr(ps, ps->line,
			     "ndp-proxy: expected an interface name, got \"%s\"",
			     v);
		else
			snprintf(c->ndp_proxy, sizeof(c->ndp_proxy), "%s", v);
	} else if (!strcmp(k, "owner")) {
		if (!once(ps, K_CT_OWNER, k))
			return;
		if (!valid_owner(v))
			perr(ps, ps->line,
			     "owner: 1 to %d printable characters without spaces, got \"%s\"",
			     SD_OWNER_MAX - 1, v);
		else
			snprintf(c->default_owner, sizeof(c->default_owner),
				 "%s", v);
	} else {
		perr(ps, ps->line, "unknown key \"%s\" in [containers]", k);
	}
}

static void key_quota(struct parse *ps, const char *k, const char *v)
{
	struct sd_conf *c = ps->c;
	struct sd_quota *q;
	uint32_t max;
	unsigned int i;

	if (!valid_owner(k)) {
		perr(ps, ps->line, "[quota]: \"%s\" is not an owner name", k);
		return;
	}
	for (i = 0; i < c->n_quotas; i++)
		if (!strcmp(c->quotas[i].owner, k)) {
			perr(ps, ps->line, "quota of %s given twice", k);
			return;
		}
	if (!parse_u32(v, 1, UINT32_MAX, &max)) {
		perr(ps, ps->line,
		     "quota of %s: expected a number of addresses >= 1, got \"%s\"",
		     k, v);
		return;
	}
	q = grow(ps, c->quotas, c->n_quotas, sizeof(*c->quotas));
	if (!q)
		return;
	c->quotas = q;
	q = &c->quotas[c->n_quotas++];
	snprintf(q->owner, sizeof(q->owner), "%s", k);
	q->max = max;
}

static void key_static(struct parse *ps, const char *k, const char *v)
{
	struct sd_conf *c = ps->c;
	char addr[INET6_ADDRSTRLEN + 1], owner[SD_OWNER_MAX + 1], extra[2];
	struct sd_static *st;
	struct in6_addr a;
	unsigned int i;
	int n;

	if (strcmp(k, "address")) {
		perr(ps, ps->line, "unknown key \"%s\" in [static]", k);
		return;
	}
	n = sscanf(v, "%46s %32s %1s", addr, owner, extra);
	if (n < 1 || n > 2 || inet_pton(AF_INET6, addr, &a) != 1) {
		perr(ps, ps->line,
		     "address: expected \"IPV6 [OWNER]\", got \"%s\"", v);
		return;
	}
	if (n == 2 && !valid_owner(owner)) {
		perr(ps, ps->line,
		     "address: owner must be 1 to %d printable characters",
		     SD_OWNER_MAX - 1);
		return;
	}
	for (i = 0; i < c->n_statics; i++)
		if (!memcmp(&c->statics[i].v6, &a, sizeof(a))) {
			inet_ntop(AF_INET6, &a, addr, sizeof(addr));
			perr(ps, ps->line, "address %s given twice", addr);
			return;
		}
	st = grow(ps, c->statics, c->n_statics, sizeof(*c->statics));
	if (!st)
		return;
	c->statics = st;
	st = &c->statics[c->n_statics++];
	st->v6 = a;
	copy_str(st->owner, sizeof(st->owner), n == 2 ? owner : "static");
}

static int conf_key(void *user, const char *section, const char *name,
		    const char *value)
{
	struct parse *ps = user;

	(void)section;		/* ours, from conf_reader */
	if (ps->failed)
		return 0;
	if (!*value) {
		perr(ps, ps->line, "\"%s\" has no value", name);
		return 0;
	}
	switch (ps->sec) {
	case S_NONE:
		perr(ps, ps->line, "\"%s\" outside of any section", name);
		break;
	case S_DAEMON:
		key_daemon(ps, name, value);
		break;
	case S_POOL:
		key_pool(ps, name, value);
		break;
	case S_DNS:
		key_dns(ps, name, value);
		break;
	case S_ZONE:
		key_zone(ps, name, value);
		break;
	case S_CONTAINERS:
		key_containers(ps, name, value);
		break;
	case S_QUOTA:
		key_quota(ps, name, value);
		break;
	case S_STATIC:
		key_static(ps, name, value);
		break;
	}
	return ps->failed ? 0 : 1;
}

/* Checks that need the whole file. */
static void conf_check(struct parse *ps)
{
	struct sd_conf *c = ps->c;
	struct sd_pool *pool;
	int err;

	if (c->ttl_min > c->ttl_max) {
		unsigned int l = ps->seen[K_TTL_MIN] > ps->seen[K_TTL_MAX] ?
			ps->seen[K_TTL_MIN] : ps->seen[K_TTL_MAX];

		perr(ps, l, "ttl-min (%u) is larger than ttl-max (%u)",
		     c->ttl_min, c->ttl_max);
		return;
	}
	if (!c->n_prefixes) {
		perr(ps, 0, "no [pool] prefix: the pool is empty");
		return;
	}
	pool = sd_pool_new(0);
	if (!pool) {
		perr(ps, 0, "out of memory");
		return;
	}
	err = sd_pool_set_ranges(pool, c->prefixes, c->n_prefixes, c->excludes,
				 c->n_excludes);
	sd_pool_free(pool);
	if (err == -EINVAL)
		perr(ps, 0, "the exclusions leave no address in the pool");
	else if (err)
		perr(ps, 0, "out of memory");
	else if (c->n_zones && !c->n_upstreams)
		perr(ps, ps->zone_line, "zones need an [dns] upstream server");
	else if (c->n_zones && !c->n_listen)
		perr(ps, ps->zone_line, "zones need a [dns] listen address");
}

static void conf_defaults(struct sd_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->state_file, sizeof(c->state_file), "%s", DEFAULT_STATE_FILE);
	c->log_level = SD_LOG_INFO;
	c->quarantine = 300;
	c->ttl_min = 30;
	c->ttl_max = 3600;
	c->idle_grace = 120;
	c->upstream_timeout_ms = 2000;
	c->upstream_cache = 30;
	snprintf(c->default_owner, sizeof(c->default_owner), "containers");
	c->reconcile_interval = 30;
}

int sd_conf_load(const char *path, struct sd_conf *out, char *err,
		 size_t errlen)
{
	struct parse ps;
	int rc;

	memset(&ps, 0, sizeof(ps));
	ps.path = path;
	ps.c = out;
	ps.err = err;
	ps.errlen = errlen;
	conf_defaults(out);
	if (errlen)
		err[0] = '\0';

	ps.f = fopen(path, "r");
	if (!ps.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* One line per key, however long a path is; no continuation lines. */
	ini_use_stack = false;
	ini_max_line = LINE_MAX_CONF;
	ini_initial_alloc = LINE_MAX_CONF;
	ini_allow_realloc = false;
	ini_allow_multiline = false;
	rc = ini_parse_stream(conf_reader, &ps, conf_key, &ps);
	if (!ps.failed && ferror(ps.f))
		perr(&ps, 0, "read error");
	fclose(ps.f);
	if (!ps.failed && rc > 0)
		perr(&ps, (unsigned int)rc, "syntax error (expected KEY = VALUE)");
	else if (!ps.failed && rc < 0)
		perr(&ps, 0, "out of memory");
	if (!ps.failed)
		zone_close(&ps);
	if (!ps.failed)
		conf_check(&ps);
	if (ps.failed) {
		sd_conf_free(out);
		return -1;
	}
	return 0;
}

void sd_conf_free(struct sd_conf *c)
{
	free(c->prefixes);
	free(c->excludes);
	free(c->listen);
	free(c->upstreams);
	free(c->zones);
	free(c->quotas);
	free(c->statics);
	c->prefixes = c->excludes = NULL;
	c->listen = c->upstreams = NULL;
	c->zones = NULL;
	c->quotas = NULL;
	c->statics = NULL;
	c->n_prefixes = c->n_excludes = c->n_listen = c->n_upstreams = 0;
	c->n_zones = c->n_quotas = c->n_statics = 0;
}
