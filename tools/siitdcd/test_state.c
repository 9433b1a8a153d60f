// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the state file (state.c): round trip, atomic replacement,
 * corrupt and truncated files.
 */
#include "state.h"
#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], path[128], badpath[160], tmppath[160];

static struct in6_addr v6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return ntohl(a.s_addr);
}

static struct sd_pool *mkpool(void)
{
	struct sd_prefix4 p;
	struct sd_pool *pool = sd_pool_new(3);

	inet_pton(AF_INET, "198.51.100.0", &p.addr);
	p.len = 24;
	if (!pool || sd_pool_set_ranges(pool, &p, 1, NULL, 0))
		abort();
	sd_pool_set_quarantine(pool, 100);
	return pool;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

struct acct {
	const char *owner;
	uint64_t ms;
};

static void acct_cb(const struct sd_owner_acct *a, void *arg)
{
	struct acct *x = arg;

	if (!strcmp(a->owner, x->owner))
		x->ms = a->addr_ms;
}

static void test_round_trip(void)
{
	struct sd_pool *p = mkpool(), *q;
	struct sd_binding *b;
	struct in6_addr a1 = v6("2001:db8::1"), a2 = v6("2001:db8::2"),
			a3 = v6("2001:db8::3");
	struct acct ac = { .owner = "we ird%" };
	bool created;
	char err[512];

	t_begin("state: round trip of held, quarantined and accounting");
	CHECK(sd_pool_claim(p, &a1, "we ird%", SD_SRC_DNS, 1000, &b, &created)
	      == 0, "claim 1");
	b->dns_until = 123456789;
	CHECK(sd_pool_claim(p, &a1, "x", SD_SRC_CONTAINER, 1000, &b, &created)
	      == 0, "claim 1 container");
	CHECK(sd_pool_claim(p, &a2, "", SD_SRC_STATIC, 1000, &b, &created) == 0,
	      "claim 2");
	CHECK(sd_pool_claim(p, &a3, "-", SD_SRC_DNS, 1000, &b, &created) == 0,
	      "claim 3");
	sd_pool_release(p, b, 2000);
	CHECK(sd_state_save(path, p, 5000, err, sizeof(err)) == 0, "save: %s",
	      err);
	CHECK(!exists(tmppath), "no temporary file left");

	q = mkpool();
	CHECK(sd_state_load(path, q, 6000, err, sizeof(err)) == 0, "load: %s",
	      err);
	b = sd_pool_find6(q, &a1);
	CHECK(b && b->v4 == ip4("198.51.100.1") && !strcmp(b->owner, "we ird%")
	      && b->claims == (SD_CLAIM(SD_SRC_DNS) | SD_CLAIM(SD_SRC_CONTAINER))
	      && b->dns_until == 123456789, "binding 1");
	b = sd_pool_find6(q, &a2);
	CHECK(b && b->v4 == ip4("198.51.100.2") && !b->owner[0] &&
	      b->claims == SD_CLAIM(SD_SRC_STATIC), "binding 2 (empty owner)");
	b = sd_pool_find6(q, &a3);
	CHECK(b && b->v4 == ip4("198.51.100.3") && !strcmp(b->owner, "-") &&
	      !b->claims && b->quar_until == 102000, "quarantined binding 3");
	sd_pool_owners(q, 6000, acct_cb, &ac);
	/* Held 1000..5000 when saved: 4000 ms; restored on top of zero. */
	CHECK(ac.ms == 4000, "accounting %llu", (unsigned long long)ac.ms);
	sd_pool_free(q);
	sd_pool_free(p);
	t_end();
}

static void test_atomic(void)
{
	struct sd_pool *p = mkpool();
	char err[512], before[4096], after[4096];
	struct in6_addr a = v6("2001:db8::9");
	struct sd_binding *b;
	bool created;
	FILE *f;
	size_t n1, n2;

	t_begin("state: a failed save leaves the old file intact");
	CHECK(sd_state_save(path, p, 0, err, sizeof(err)) == 0, "save: %s", err);
	f = fopen(path, "r");
	n1 = f ? fread(before, 1, sizeof(before), f) : 0;
	if (f)
		fclose(f);
	/* A directory in the way of the temporary file: the save fails. */
	CHECK(mkdir(tmppath, 0700) == 0, "mkdir");
	CHECK(sd_pool_claim(p, &a, "o", SD_SRC_DNS, 0, &b, &created) == 0,
	      "claim");
	CHECK(sd_state_save(path, p, 0, err, sizeof(err)) == -1, "save worked");
	CHECK(strstr(err, ".tmp: Is a directory") != NULL, "error \"%s\"", err);
	f = fopen(path, "r");
	n2 = f ? fread(after, 1, sizeof(after), f) : 0;
	if (f)
		fclose(f);
	CHECK(n1 && n1 == n2 && !memcmp(before, after, n1), "file changed");
	rmdir(tmppath);
	t_end();

	t_begin("state: a save replaces the file");
	CHECK(sd_state_save(path, p, 0, err, sizeof(err)) == 0, "save: %s", err);
	f = fopen(path, "r");
	n2 = f ? fread(after, 1, sizeof(after) - 1, f) : 0;
	if (f)
		fclose(f);
	after[n2] = '\0';
	CHECK(strstr(after, "b 2001:db8::9 198.51.100.1 o 2 0\n") != NULL,
	      "content \"%s\"", after);
	sd_pool_free(p);
	t_end();
}

static void test_missing(void)
{
	struct sd_pool *p = mkpool();
	char err[512];

	t_begin("state: no file is a first start");
	unlink(path);
	CHECK(sd_state_load(path, p, 0, err, sizeof(err)) == 1, "not 1");
	sd_pool_free(p);
	t_end();
}

struct corrupt {
	const char *name, *text, *expect;
};

static const struct corrupt corrupts[] = {
	{ "empty file", "", ":1: empty file" },
	{ "wrong magic", "hello\nend 0\n", ":1: not a siitdcd state file" },
	{ "truncated: no end line", "siitdcd-state 1\n"
	  "b 2001:db8::1 198.51.100.1 o 2 0\n", ":3: no end line" },
	{ "truncated line", "siitdcd-state 1\nb 2001:db8::1 198.5",
	  ":2: truncated line" },
	{ "count mismatch", "siitdcd-state 1\nb 2001:db8::1 198.51.100.1 o 2 0\n"
	  "end 2\n", ":3: end line counts 2 records, the file has 1" },
	{ "unknown record", "siitdcd-state 1\nx 1\nend 0\n",
	  ":2: unknown record \"x\"" },
	{ "bad IPv6", "siitdcd-state 1\nb 2001:zz::1 198.51.100.1 o 2 0\nend 1\n",
	  ":2: bad IPv6 address \"2001:zz::1\"" },
	{ "bad IPv4", "siitdcd-state 1\nq ::1 198.51.100 o 5\nend 1\n",
	  ":2: bad IPv4 address" },
	{ "bad claims", "siitdcd-state 1\nb ::1 198.51.100.1 o 10 0\nend 1\n",
	  ":2: bad claims \"10\"" },
	{ "zero claims", "siitdcd-state 1\nb ::1 198.51.100.1 o 0 0\nend 1\n",
	  ":2: bad claims \"0\"" },
	{ "bad owner escape", "siitdcd-state 1\nb ::1 198.51.100.1 o%G 2 0\nend 1\n",
	  ":2: bad owner" },
	{ "bad time", "siitdcd-state 1\nq ::1 198.51.100.1 o -5\nend 1\n",
	  ":2: bad time \"-5\"" },
	{ "IPv4 bound twice", "siitdcd-state 1\nb ::1 198.51.100.1 o 2 0\n"
	  "q ::2 198.51.100.1 o 0\nend 2\n", ":3: ::2 or 198.51.100.1 is bound twice" },
	{ "data after end", "siitdcd-state 1\nend 0\na o 1\n",
	  ":3: data after the end line" },
	{ "malformed accounting", "siitdcd-state 1\na o\nend 1\n",
	  ":2: malformed accounting record" },
};

static void test_corrupt(void)
{
	char err[512], name[160], want[300];
	unsigned int i;

	for (i = 0; i < sizeof(corrupts) / sizeof(corrupts[0]); i++) {
		struct sd_pool *p = mkpool();

		snprintf(name, sizeof(name), "state: corrupt: %s", corrupts[i].name);
		t_begin(name);
		unlink(badpath);
		write_file(corrupts[i].text);
		snprintf(want, sizeof(want), "%s%s", path, corrupts[i].expect);
		CHECK(sd_state_load(path, p, 0, err, sizeof(err)) == -1,
		      "accepted");
		CHECK(!strncmp(err, want, strlen(want)), "error \"%s\"", err);
		CHECK(strstr(err, "(kept as ") != NULL, "no .bad mention");
		CHECK(exists(badpath) && !exists(path), ".bad copy");
		sd_pool_free(p);
		t_end();
	}
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/siitdcd-test-state.%d", (int)getpid());
	if (mkdir(dir, 0700))
		abort();
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(badpath, sizeof(badpath), "%s.bad", path);
	snprintf(tmppath, sizeof(tmppath), "%s.tmp", path);
	test_round_trip();
	test_atomic();
	test_missing();
	test_corrupt();
	unlink(path);
	unlink(badpath);
	rmdir(tmppath);
	rmdir(dir);
	return t_summary();
}
