// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the IPv4 pool (pool.c) with a fake clock.
 */
#include "pool.h"
#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sd_prefix4 pfx(const char *a, uint8_t len)
{
	struct sd_prefix4 p;

	if (inet_pton(AF_INET, a, &p.addr) != 1)
		abort();
	p.len = len;
	return p;
}

static uint32_t ip4(const char *a)
{
	struct in_addr x;

	if (inet_pton(AF_INET, a, &x) != 1)
		abort();
	return ntohl(x.s_addr);
}

/* 2001:db8::N */
static struct in6_addr v6n(uint32_t n)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0x20;
	a.s6_addr[1] = 0x01;
	a.s6_addr[2] = 0x0d;
	a.s6_addr[3] = 0xb8;
	a.s6_addr[12] = (uint8_t)(n >> 24);
	a.s6_addr[13] = (uint8_t)(n >> 16);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static struct sd_pool *mkpool(const char *a, uint8_t len, uint32_t quar)
{
	struct sd_prefix4 p = pfx(a, len);
	struct sd_pool *pool = sd_pool_new(42);

	if (!pool || sd_pool_set_ranges(pool, &p, 1, NULL, 0))
		abort();
	sd_pool_set_quarantine(pool, quar);
	return pool;
}

static int claim(struct sd_pool *p, uint32_t n, enum sd_source src,
		 uint64_t now, struct sd_binding **b)
{
	struct in6_addr a = v6n(n);
	struct sd_binding *dummy;
	bool created;

	return sd_pool_claim(p, &a, "acme", src, now, b ? b : &dummy,
			     &created);
}

static void test_ranges(void)
{
	struct sd_pool *p;
	struct sd_binding *b;
	struct sd_pool_stats st;
	struct sd_prefix4 bad = pfx("198.51.100.1", 24), two[2];

	t_begin("pool: /30 hands out only the two host addresses");
	p = mkpool("198.51.100.0", 30, 0);
	sd_pool_stats(p, &st);
	CHECK(st.size == 2, "size %llu", (unsigned long long)st.size);
	CHECK(claim(p, 1, SD_SRC_DNS, 0, &b) == 0, "first claim");
	CHECK(b->v4 == ip4("198.51.100.1"), "first %x", b->v4);
	CHECK(claim(p, 2, SD_SRC_DNS, 0, &b) == 0, "second claim");
	CHECK(b->v4 == ip4("198.51.100.2"), "second %x", b->v4);
	CHECK(claim(p, 3, SD_SRC_DNS, 0, &b) == -ENOSPC, "third: ENOSPC");
	CHECK(!sd_pool_contains(p, ip4("198.51.100.0")), "network address");
	CHECK(!sd_pool_contains(p, ip4("198.51.100.3")), "broadcast address");
	sd_pool_free(p);
	t_end();

	t_begin("pool: /31 and /32 use every address");
	p = sd_pool_new(1);
	two[0] = pfx("203.0.113.0", 31);
	two[1] = pfx("203.0.113.9", 32);
	CHECK(sd_pool_set_ranges(p, two, 2, NULL, 0) == 0, "set");
	sd_pool_stats(p, &st);
	CHECK(st.size == 3, "size %llu", (unsigned long long)st.size);
	CHECK(sd_pool_contains(p, ip4("203.0.113.0")), ".0 of the /31");
	CHECK(sd_pool_contains(p, ip4("203.0.113.9")), "the /32");
	sd_pool_free(p);
	t_end();

	t_begin("pool: host bits set and empty pools are refused");
	p = sd_pool_new(1);
	CHECK(sd_pool_set_ranges(p, &bad, 1, NULL, 0) == -EINVAL, "host bits");
	two[0] = pfx("203.0.113.0", 30);
	two[1] = pfx("203.0.113.0", 29);
	CHECK(sd_pool_set_ranges(p, &two[0], 1, &two[1], 1) == -EINVAL,
	      "all excluded");
	sd_pool_free(p);
	t_end();
}

static void test_exclusions(void)
{
	struct sd_prefix4 inc[2] = { pfx("198.51.100.0", 24),
				     pfx("198.51.100.128", 25) };
	struct sd_prefix4 exc[3] = { pfx("198.51.100.0", 26),
				     pfx("198.51.100.200", 32),
				     pfx("198.51.100.192", 30) };
	struct sd_pool *p = sd_pool_new(7);
	struct sd_pool_stats st;
	struct sd_binding *b;
	uint32_t n, bad = 0;

	t_begin("pool: exclusions are never handed out");
	CHECK(sd_pool_set_ranges(p, inc, 2, exc, 3) == 0, "set");
	sd_pool_stats(p, &st);
	/* 254 host addresses - 63 (.1-.63) - 1 (.200) - 4 (.192-.195) */
	CHECK(st.size == 186, "size %llu", (unsigned long long)st.size);
	for (n = 0; claim(p, n, SD_SRC_CONTAINER, 0, &b) == 0; n++) {
		uint32_t last = b->v4 & 0xff;

		if (last < 64 || last == 200 || (last >= 192 && last <= 195) ||
		    last == 255)
			bad++;
	}
	CHECK(n == 186, "handed out %u", n);
	CHECK(!bad, "%u excluded addresses handed out", bad);
	sd_pool_free(p);
	t_end();
}

static void test_exhaustion_and_quarantine(void)
{
	struct sd_pool *p = mkpool("198.51.100.0", 29, 60);	/* 6 usable */
	struct sd_binding *b, *b0;
	struct sd_pool_stats st;
	uint32_t old4, n;
	bool created;
	struct in6_addr a;

	t_begin("pool: exhaustion is ENOSPC and quarantine holds addresses");
	for (n = 0; n < 6; n++)
		CHECK(claim(p, n, SD_SRC_DNS, 1000, NULL) == 0, "claim %u", n);
	CHECK(claim(p, 99, SD_SRC_DNS, 1000, NULL) == -ENOSPC, "7th: ENOSPC");
	a = v6n(2);
	b0 = sd_pool_find6(p, &a);
	CHECK(b0 != NULL, "find6");
	old4 = b0->v4;
	CHECK(sd_pool_unclaim(p, b0, SD_SRC_DNS, 2000) == 1, "last claim");
	sd_pool_stats(p, &st);
	CHECK(st.held == 5 && st.quarantined == 1 && st.free == 0,
	      "held %llu quarantined %llu free %llu",
	      (unsigned long long)st.held, (unsigned long long)st.quarantined,
	      (unsigned long long)st.free);
	CHECK(sd_pool_next_expiry(p) == 62000, "next expiry %llu",
	      (unsigned long long)sd_pool_next_expiry(p));
	/* Just before the end of the quarantine: nobody else gets it. */
	CHECK(sd_pool_expire(p, 61999) == 0, "nothing due at 61999");
	CHECK(claim(p, 99, SD_SRC_DNS, 61999, NULL) == -ENOSPC,
	      "another IPv6 during quarantine");
	t_end();

	t_begin("pool: the same IPv6 gets its old IPv4 back from quarantine");
	CHECK(sd_pool_claim(p, &a, "other", SD_SRC_CONTAINER, 30000, &b,
			    &created) == 0, "reclaim");
	CHECK(created && b == b0 && b->v4 == old4, "same IPv4");
	CHECK(!strcmp(b->owner, "other"), "owner %s", b->owner);
	CHECK(sd_pool_next_expiry(p) == 0, "quarantine emptied");
	t_end();

	t_begin("pool: after quarantine another IPv6 may take the address");
	CHECK(sd_pool_unclaim(p, b, SD_SRC_CONTAINER, 40000) == 1, "release");
	CHECK(sd_pool_expire(p, 100000) == 1, "one quarantine ended");
	CHECK(claim(p, 99, SD_SRC_DNS, 100000, &b) == 0, "claim");
	CHECK(b->v4 == old4, "reused %x", b->v4);
	a = v6n(2);
	CHECK(sd_pool_find6(p, &a) == NULL, "old IPv6 forgotten");
	sd_pool_free(p);
	t_end();
}

static void test_claims(void)
{
	struct sd_pool *p = mkpool("198.51.100.0", 24, 10);
	struct sd_binding *b, *b2;
	bool created;
	struct in6_addr a = v6n(5);

	t_begin("pool: one binding holds dns and container claims at once");
	CHECK(sd_pool_claim(p, &a, "x", SD_SRC_CONTAINER, 0, &b, &created) == 0
	      && created, "container claim creates");
	CHECK(sd_pool_claim(p, &a, "y", SD_SRC_DNS, 0, &b2, &created) == 0 &&
	      !created && b2 == b, "dns claim joins");
	CHECK(b->claims == (SD_CLAIM(SD_SRC_CONTAINER) | SD_CLAIM(SD_SRC_DNS)),
	      "claims %x", b->claims);
	CHECK(!strcmp(b->owner, "x"), "first owner kept");
	CHECK(sd_pool_unclaim(p, b, SD_SRC_STATIC, 1) == -ENOENT,
	      "unheld claim: ENOENT");
	CHECK(sd_pool_unclaim(p, b, SD_SRC_CONTAINER, 1) == 0, "one left");
	CHECK(b->claims == SD_CLAIM(SD_SRC_DNS), "dns left");
	CHECK(sd_pool_unclaim(p, b, SD_SRC_DNS, 1) == 1, "none left");
	CHECK(b->claims == 0 && b->quar_until == 10001, "quarantined until %llu",
	      (unsigned long long)b->quar_until);
	sd_pool_free(p);
	t_end();
}

static void test_undo(void)
{
	struct sd_pool *p = mkpool("198.51.100.0", 24, 10);
	struct sd_binding *b;
	uint32_t first;
	struct in6_addr a = v6n(1);
	bool created;

	t_begin("pool: undoing a new binding frees its address at once");
	CHECK(claim(p, 1, SD_SRC_DNS, 0, &b) == 0, "claim");
	first = b->v4;
	sd_pool_undo(p, b, 0);
	CHECK(sd_pool_find6(p, &a) == NULL, "binding gone");
	CHECK(claim(p, 2, SD_SRC_DNS, 0, &b) == 0 && b->v4 == first,
	      "next claim gets the same first address");
	t_end();

	t_begin("pool: undoing a revived binding puts it back in quarantine");
	sd_pool_release(p, b, 100);
	a = v6n(2);
	CHECK(sd_pool_claim(p, &a, "acme", SD_SRC_DNS, 200, &b, &created) == 0
	      && created && b->v4 == first, "revived");
	sd_pool_undo(p, b, 300);
	CHECK(sd_pool_find6(p, &a) == b && b->claims == 0 &&
	      b->quar_until == 10300, "in quarantine until %llu",
	      (unsigned long long)b->quar_until);
	sd_pool_free(p);
	t_end();
}

static void test_quota(void)
{
	struct sd_pool *p = mkpool("198.51.100.0", 24, 0);
	struct sd_quota q = { .owner = "acme", .max = 3 };
	struct sd_binding *b;
	struct in6_addr a;
	bool created;
	uint32_t n;

	t_begin("pool: a quota caps an owner's addresses with EDQUOT");
	CHECK(sd_pool_set_quotas(p, &q, 1) == 0, "set");
	for (n = 0; n < 3; n++)
		CHECK(claim(p, n, SD_SRC_DNS, 0, NULL) == 0, "claim %u", n);
	CHECK(claim(p, 3, SD_SRC_DNS, 0, NULL) == -EDQUOT, "4th: EDQUOT");
	a = v6n(3);
	CHECK(sd_pool_claim(p, &a, "other", SD_SRC_DNS, 0, &b, &created) == 0,
	      "another owner is not limited");
	/* A second claim on a held address costs nothing. */
	CHECK(claim(p, 0, SD_SRC_CONTAINER, 0, NULL) == 0, "second claim");
	a = v6n(1);
	sd_pool_release(p, sd_pool_find6(p, &a), 0);
	CHECK(claim(p, 4, SD_SRC_DNS, 0, NULL) == 0, "room again after release");
	sd_pool_free(p);
	t_end();
}

struct acct_find {
	const char *owner;
	struct sd_owner_acct a;
	bool found;
};

static void acct_cb(const struct sd_owner_acct *a, void *arg)
{
	struct acct_find *f = arg;

	if (!strcmp(a->owner, f->owner)) {
		f->a = *a;
		f->found = true;
	}
}

static void test_accounting(void)
{
	struct sd_pool *p = mkpool("198.51.100.0", 24, 0);
	struct acct_find f = { .owner = "acme" };
	struct sd_binding *b;

	t_begin("pool: owners are charged address-milliseconds");
	CHECK(claim(p, 1, SD_SRC_DNS, 1000, &b) == 0, "claim 1");
	CHECK(claim(p, 2, SD_SRC_DNS, 3000, NULL) == 0, "claim 2");
	sd_pool_release(p, b, 5000);
	/* 1 address 1000..3000, 2 until 5000, 1 until 9000: 2000+4000+4000 */
	sd_pool_owners(p, 9000, acct_cb, &f);
	CHECK(f.found && f.a.held == 1 && f.a.addr_ms == 10000,
	      "held %llu addr_ms %llu", (unsigned long long)f.a.held,
	      (unsigned long long)f.a.addr_ms);
	CHECK(sd_pool_restore_acct(p, "acme", 5) == 0, "restore");
	sd_pool_owners(p, 9000, acct_cb, &f);
	CHECK(f.a.addr_ms == 10005, "restored total %llu",
	      (unsigned long long)f.a.addr_ms);
	sd_pool_free(p);
	t_end();
}

static void test_restore_and_reload(void)
{
	struct sd_pool *p = mkpool("198.51.100.0", 24, 60);
	struct sd_prefix4 small = pfx("198.51.100.0", 25);
	struct in6_addr a = v6n(1), c = v6n(2);
	struct sd_binding *b;
	struct sd_pool_stats st;
	bool created;
	uint32_t n;

	t_begin("pool: restored bindings keep their addresses");
	CHECK(sd_pool_restore(p, &a, ip4("198.51.100.200"), "acme",
			      SD_CLAIM(SD_SRC_CONTAINER), 0, 0, 0) == 0, "held");
	CHECK(sd_pool_restore(p, &c, ip4("198.51.100.1"), "acme", 0, 0, 5000,
			      0) == 0, "quarantined");
	CHECK(sd_pool_restore(p, &a, ip4("198.51.100.9"), "acme", 1, 0, 0, 0) ==
	      -EEXIST, "duplicate IPv6");
	a = v6n(3);
	CHECK(sd_pool_restore(p, &a, ip4("198.51.100.200"), "acme", 1, 0, 0, 0)
	      == -EEXIST, "duplicate IPv4");
	CHECK(claim(p, 4, SD_SRC_DNS, 0, &b) == 0 && b->v4 == ip4("198.51.100.2"),
	      "allocation skips restored addresses (%x)", b->v4);
	CHECK(sd_pool_claim(p, &c, "acme", SD_SRC_DNS, 0, &b, &created) == 0 &&
	      b->v4 == ip4("198.51.100.1"), "quarantined one comes back");
	t_end();

	t_begin("pool: shrinking the pool keeps held addresses, never reuses them");
	CHECK(sd_pool_set_ranges(p, &small, 1, NULL, 0) == 0, "shrink");
	a = v6n(1);
	b = sd_pool_find6(p, &a);
	CHECK(b && b->v4 == ip4("198.51.100.200"), "still held");
	sd_pool_stats(p, &st);
	CHECK(st.size == 126 && st.free == 124, "size %llu free %llu",
	      (unsigned long long)st.size, (unsigned long long)st.free);
	sd_pool_release(p, b, 0);
	sd_pool_expire(p, 1000000);
	for (n = 0; claim(p, 1000 + n, SD_SRC_DNS, 1000000, &b) == 0; n++)
		CHECK(b->v4 != ip4("198.51.100.200"), "reused an old address");
	CHECK(n == 124, "filled %u", n);
	sd_pool_free(p);
	t_end();
}

static void test_many(void)
{
	struct sd_pool *p = mkpool("10.0.0.0", 15, 300);
	struct sd_pool_stats st;
	struct sd_binding *b;
	uint32_t n, dup = 0, miss = 0;
	const uint32_t N = 100000;
	struct timespec t0, t1;
	double secs;

	t_begin("pool: 100k bindings, unique, found both ways, released");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 0; n < N; n++) {
		if (claim(p, n, SD_SRC_DNS, n, &b)) {
			miss++;
			continue;
		}
		if (sd_pool_find4(p, b->v4) != b)
			dup++;
	}
	CHECK(!miss, "%u claims failed", miss);
	CHECK(!dup, "%u IPv4 lookups wrong", dup);
	for (n = 0; n < N; n++) {
		struct in6_addr a = v6n(n);

		b = sd_pool_find6(p, &a);
		if (!b || sd_pool_find4(p, b->v4) != b)
			miss++;
	}
	CHECK(!miss, "%u bindings not found", miss);
	sd_pool_stats(p, &st);
	CHECK(st.held == N && st.free == st.size - N, "held %llu",
	      (unsigned long long)st.held);
	for (n = 0; n < N; n++) {
		struct in6_addr a = v6n(n);

		sd_pool_release(p, sd_pool_find6(p, &a), 1000000);
	}
	/* Fill what is left, then nothing until the quarantine ends. */
	for (n = 0; claim(p, N + n, SD_SRC_DNS, 1000000, NULL) == 0; n++)
		;
	CHECK(n == st.size - N, "filled %u of the %llu free", n,
	      (unsigned long long)(st.size - N));
	CHECK(sd_pool_expire(p, 1299999) == 0, "quarantine still running");
	CHECK(sd_pool_expire(p, 1300000) == N, "all quarantines end");
	CHECK(claim(p, 5 * N, SD_SRC_DNS, 1300000, NULL) == 0,
	      "an address is free again");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* Generous even for ASan on a slow machine; a linear scan is far off. */
	CHECK(secs < 20.0, "took %.1f s", secs);
	sd_pool_free(p);
	t_end();
}

int main(void)
{
	test_ranges();
	test_exclusions();
	test_exhaustion_and_quarantine();
	test_claims();
	test_undo();
	test_quota();
	test_accounting();
	test_restore_and_reload();
	test_many();
	return t_summary();
}
