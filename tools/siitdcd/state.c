// SPDX-License-Identifier: GPL-2.0
/*
 * The state file (format and guarantees in state.h).
 */
#include "state.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC		"siitdcd-state 1"
#define LINE_LEN	512

/* ---- owners in one word ---- */

static void owner_encode(const char *o, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	if (!*o || !strcmp(o, "-")) {
		snprintf(out, n, "%s", *o ? "%2D" : "-");
		return;
	}
	for (; *o && k + 4 < n; o++) {
		unsigned char ch = (unsigned char)*o;

		if (ch > ' ' && ch < 0x7f && ch != '%') {	/* isgraph, C locale */
			out[k++] = (char)ch;
		} else {
			out[k++] = '%';
			out[k++] = hex[ch >> 4];
			out[k++] = hex[ch & 15];
		}
	}
	out[k] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool owner_decode(const char *s, char out[SD_OWNER_MAX])
{
	size_t k = 0;

	if (!strcmp(s, "-")) {
		out[0] = '\0';
		return true;
	}
	while (*s) {
		int v = (unsigned char)*s;

		if (*s == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (lo < 0)
				return false;
			v = hi * 16 + lo;
			s += 3;
		} else {
			s++;
		}
		if (!v || k + 1 >= SD_OWNER_MAX)
			return false;
		out[k++] = (char)v;
	}
	out[k] = '\0';
	return k > 0;
}

/* ---- saving ---- */

struct writer {
	FILE *f;
	unsigned long n;
};

/*
 * Lines are built by hand: the whole file is rewritten after changes, and
 * printf and inet_ntop cost ten times more than the rest of a line's work
 * (a table of 100k bindings is rewritten in a few milliseconds).
 */
struct line {
	char buf[LINE_LEN];
	size_t n;
};

static void put_str(struct line *l, const char *s)
{
	size_t len = strlen(s);

	if (len > sizeof(l->buf) - l->n)
		len = sizeof(l->buf) - l->n;
	memcpy(l->buf + l->n, s, len);
	l->n += len;
}

static void put_char(struct line *l, char c)
{
	if (l->n < sizeof(l->buf))
		l->buf[l->n++] = c;
}

static void put_hex(struct line *l, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 28;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		put_char(l, hex[(v >> shift) & 15]);
}

/* Two digits a division: a line holds five numbers, the ms ones long. */
static void put_u64(struct line *l, uint64_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930"
		"31323334353637383940414243444546474849505152535455565758596061"
		"62636465666768697071727374757677787980818283848586878889909192"
		"93949596979899";
	char d[20];
	int k = sizeof(d);

	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		d[--k] = pairs[2 * r + 1];
		d[--k] = pairs[2 * r];
	}
	if (v >= 10) {
		d[--k] = pairs[2 * v + 1];
		d[--k] = pairs[2 * v];
	} else {
		d[--k] = (char)('0' + v);
	}
	if ((size_t)(sizeof(d) - k) > sizeof(l->buf) - l->n)
		return;
	memcpy(l->buf + l->n, d + k, sizeof(d) - k);
	l->n += sizeof(d) - k;
}

/* RFC 5952: lower case, the longest run of two or more zero groups "::". */
static void put_v6(struct line *l, const struct in6_addr *a)
{
	uint32_t g[8];
	int best = -1, best_len = 1, run = 0;

	for (int i = 0; i < 8; i++) {
		g[i] = (uint32_t)a->s6_addr[2 * i] << 8 | a->s6_addr[2 * i + 1];
		run = g[i] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			put_str(l, "::");
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			put_char(l, ':');
		put_hex(l, g[i]);
	}
}

static void put_v4(struct line *l, uint32_t a)
{
	for (int shift = 24; shift >= 0; shift -= 8) {
		put_u64(l, (a >> shift) & 255);
		if (shift)
			put_char(l, '.');
	}
}

static void write_binding(const struct sd_binding *b, void *arg)
{
	struct writer *w = arg;
	char o[3 * SD_OWNER_MAX + 1];
	struct line l = { .n = 0 };

	owner_encode(b->owner, o, sizeof(o));
	put_str(&l, b->claims ? "b " : "q ");
	put_v6(&l, &b->v6);
	put_char(&l, ' ');
	put_v4(&l, b->v4);
	put_char(&l, ' ');
	put_str(&l, o);
	put_char(&l, ' ');
	if (b->claims) {
		put_hex(&l, b->claims);
		put_char(&l, ' ');
		put_u64(&l, b->dns_until);
	} else {
		put_u64(&l, b->quar_until);
	}
	put_char(&l, '\n');
	fwrite(l.buf, 1, l.n, w->f);
	w->n++;
}

static void write_owner(const struct sd_owner_acct *a, void *arg)
{
	struct writer *w = arg;
	char o[3 * SD_OWNER_MAX + 1];

	if (!a->addr_ms)
		return;
	owner_encode(a->owner, o, sizeof(o));
	fprintf(w->f, "a %s %" PRIu64 "\n", o, a->addr_ms);
	w->n++;
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

int sd_state_save(const char *path, struct sd_pool *p, uint64_t now,
		  char *err, size_t errlen)
{
	char tmp[4200];
	struct writer w = { 0 };
	int fd, e;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	w.f = fdopen(fd, "w");
	if (!w.f) {
		e = errno;
		close(fd);
		goto fail_unlink;
	}
	fprintf(w.f, "%s\n", MAGIC);
	sd_pool_foreach(p, write_binding, &w);
	sd_pool_owners(p, now, write_owner, &w);
	fprintf(w.f, "end %lu\n", w.n);
	if (fflush(w.f) || ferror(w.f) || fsync(fileno(w.f))) {
		e = errno ? errno : EIO;
		fclose(w.f);
		goto fail_unlink;
	}
	if (fclose(w.f)) {
		e = errno;
		goto fail_unlink;
	}
	if (rename(tmp, path)) {
		e = errno;
		goto fail_unlink;
	}
	if (fsync_dir(path)) {
		/* The new file is in place; only its durability is unsure. */
		snprintf(err, errlen, "%s: cannot sync its directory: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;

fail_unlink:
	unlink(tmp);
	snprintf(err, errlen, "%s: %s", tmp, strerror(e));
	return -1;
}

/* ---- loading ---- */

struct loader {
	const char *path;
	unsigned int line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct loader *l, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "%s:%u: %s", l->path, l->line, msg);
	return -1;
}

static bool parse_u64(const char *s, uint64_t *out, int base)
{
	unsigned long long v;
	char *end;

	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* One record line (without its newline); -1 on error. */
static int load_record(struct loader *l, struct sd_pool *p, char *line,
		       uint64_t now, unsigned long *records, bool *ended)
{
	char *w[7], *save = NULL, *tok;
	char owner[SD_OWNER_MAX];
	unsigned int n = 0;
	struct in6_addr v6;
	struct in_addr v4;
	uint64_t claims = 0, t = 0, cnt;
	int err;

	for (tok = strtok_r(line, " ", &save); tok && n < 7;
	     tok = strtok_r(NULL, " ", &save))
		w[n++] = tok;
	if (!n)
		return bad(l, "empty line");
	if (*ended)
		return bad(l, "data after the end line");
	if (!strcmp(w[0], "end")) {
		if (n != 2 || !parse_u64(w[1], &cnt, 10))
			return bad(l, "malformed end line");
		if (cnt != *records)
			return bad(l, "end line counts %" PRIu64
				   " records, the file has %lu", cnt, *records);
		*ended = true;
		return 0;
	}
	if (!strcmp(w[0], "a")) {
		if (n != 3 || !owner_decode(w[1], owner) ||
		    !parse_u64(w[2], &t, 10))
			return bad(l, "malformed accounting record");
		if (sd_pool_restore_acct(p, owner, t))
			return bad(l, "out of memory");
		(*records)++;
		return 0;
	}
	if ((strcmp(w[0], "b") || n != 6) && (strcmp(w[0], "q") || n != 5))
		return bad(l, "unknown record \"%s\" or wrong field count", w[0]);
	if (inet_pton(AF_INET6, w[1], &v6) != 1)
		return bad(l, "bad IPv6 address \"%s\"", w[1]);
	if (inet_pton(AF_INET, w[2], &v4) != 1)
		return bad(l, "bad IPv4 address \"%s\"", w[2]);
	if (!owner_decode(w[3], owner))
		return bad(l, "bad owner \"%s\"", w[3]);
	if (w[0][0] == 'b') {
		if (!parse_u64(w[4], &claims, 16) || !claims ||
		    claims > 0xff ||
		    (claims & ~(uint64_t)(SD_CLAIM(SD_SRC_STATIC) |
					  SD_CLAIM(SD_SRC_DNS) |
					  SD_CLAIM(SD_SRC_CONTAINER))))
			return bad(l, "bad claims \"%s\"", w[4]);
		if (!parse_u64(w[5], &t, 10))
			return bad(l, "bad time \"%s\"", w[5]);
		err = sd_pool_restore(p, &v6, ntohl(v4.s_addr), owner,
				      (uint8_t)claims, t, 0, now);
	} else {
		if (!parse_u64(w[4], &t, 10))
			return bad(l, "bad time \"%s\"", w[4]);
		err = sd_pool_restore(p, &v6, ntohl(v4.s_addr), owner, 0, 0, t,
				      now);
	}
	if (err == -EEXIST)
		return bad(l, "%s or %s is bound twice", w[1], w[2]);
	if (err)
		return bad(l, "out of memory");
	(*records)++;
	return 0;
}

static void keep_bad_copy(const char *path, char *err, size_t errlen)
{
	char badp[4200];
	size_t n = strlen(err);

	snprintf(badp, sizeof(badp), "%s.bad", path);
	if (rename(path, badp) == 0)
		snprintf(err + n, errlen - n, " (kept as %s)", badp);
}

int sd_state_load(const char *path, struct sd_pool *p, uint64_t now,
		  char *err, size_t errlen)
{
	struct loader l = { .path = path, .err = err, .errlen = errlen };
	char line[LINE_LEN];
	unsigned long records = 0;
	bool ended = false;
	FILE *f;
	int rc = 0;

	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		l.line++;
		if (!n || line[n - 1] != '\n') {
			rc = bad(&l, feof(f) ? "truncated line" : "line too long");
			break;
		}
		line[n - 1] = '\0';
		if (l.line == 1) {
			if (strcmp(line, MAGIC))
				rc = bad(&l, "not a siitdcd state file (expected \"%s\")",
					 MAGIC);
			continue;
		}
		rc = load_record(&l, p, line, now, &records, &ended);
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	if (!rc && !ended) {
		l.line++;
		rc = bad(&l, l.line == 1 ? "empty file" :
			 "no end line: the file is truncated");
	}
	fclose(f);
	if (rc)
		keep_bad_copy(path, err, errlen);
	return rc;
}
