// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit tests for the pure core of siitdc (kmod/core): RFC 6052
 * address embedding, RFC 7757 EAM suffix placement, prefix validation,
 * checksum deltas and ICMP informational type mapping.
 *
 * Every expected value here comes either from an RFC example or from a
 * reference written independently of the code under test (bit-by-bit
 * address math, byte-wise RFC 1071 checksum). Randomized tests use a fixed
 * seed so a failure always reproduces.
 *
 * Output: one line per test, "ok NAME" or "FAIL NAME: detail", then
 * "N passed, N failed". Exit status 1 if anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "types.h"
#include "addr.h"
#include "csum.h"
#include "icmp.h"

#include "harness.h"

/* ------------------------------------------------------------------------
 * Helpers independent of the code under test
 */

/* splitmix64: small, deterministic, good enough for test inputs. */
static u64 rng_state;

static void rng_seed(u64 seed)
{
	rng_state = seed;
}

static u64 rng64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 rng32(void)
{
	return (u32)(rng64() >> 32);
}

/* Uniform-ish in [0, n). */
static u32 rng_below(u32 n)
{
	return (u32)(rng64() % n);
}

static void rng_bytes(void *p, size_t n)
{
	u8 *b = p;

	while (n--)
		*b++ = (u8)(rng64() >> 56);
}

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1) {
		fprintf(stderr, "bad IPv6 literal in test: %s\n", s);
		exit(2);
	}
	return a;
}

static __be32 a4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad IPv4 literal in test: %s\n", s);
		exit(2);
	}
	return a.s_addr;
}

/* Rotating static buffers so several can appear in one printf. */
static const char *s6(const struct in6_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static unsigned int i;
	char *b = buf[i++ & 3];

	inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN);
	return b;
}

static const char *s4(__be32 a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static unsigned int i;
	char *b = buf[i++ & 3];

	inet_ntop(AF_INET, &a, b, INET_ADDRSTRLEN);
	return b;
}

static struct siitdc_prefix6 p6(const char *s, u8 len)
{
	struct siitdc_prefix6 p = { .addr = a6(s), .len = len };

	return p;
}

static struct siitdc_prefix4 p4(const char *s, u8 len)
{
	struct siitdc_prefix4 p = { .addr = a4(s), .len = len };

	return p;
}

static bool eq6(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Bit @i (0 = most significant) of an IPv6 address. */
static unsigned int bit6(const struct in6_addr *a, unsigned int i)
{
	return (a->s6_addr[i / 8] >> (7 - i % 8)) & 1;
}

static void setbit6(struct in6_addr *a, unsigned int i, unsigned int v)
{
	u8 m = (u8)(0x80 >> (i % 8));

	if (v)
		a->s6_addr[i / 8] |= m;
	else
		a->s6_addr[i / 8] &= (u8)~m;
}

/* Bit @i (0 = most significant) of a network-order IPv4 address. */
static unsigned int bit4(__be32 a, unsigned int i)
{
	const u8 *b = (const u8 *)&a;

	return (b[i / 8] >> (7 - i % 8)) & 1;
}

static void setbit4(__be32 *a, unsigned int i, unsigned int v)
{
	u8 *b = (u8 *)a;
	u8 m = (u8)(0x80 >> (i % 8));

	if (v)
		b[i / 8] |= m;
	else
		b[i / 8] &= (u8)~m;
}

/* Reference mask: bit by bit. */
static struct in6_addr ref_mask6(const struct in6_addr *a, unsigned int len)
{
	struct in6_addr r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < len; i++)
		setbit6(&r, i, bit6(a, i));
	return r;
}

static __be32 ref_mask4(__be32 a, unsigned int len)
{
	__be32 r = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		setbit4(&r, i, bit4(a, i));
	return r;
}

/* Reference RFC 7757 4 -> 6: copy the IPv4 suffix bit by bit. */
static struct in6_addr ref_eam_4to6(const struct siitdc_prefix4 *pp4,
				    const struct siitdc_prefix6 *pp6,
				    __be32 v4)
{
	struct in6_addr r = pp6->addr;
	unsigned int j;

	for (j = 0; j < 32u - pp4->len; j++)
		setbit6(&r, pp6->len + j, bit4(v4, pp4->len + j));
	return r;
}

/* ------------------------------------------------------------------------
 * 1. RFC 6052 section 2.4 examples
 */

struct rfc6052_case {
	const char *prefix;
	u8 len;
	const char *v4;
	const char *v6;
};

static const struct rfc6052_case rfc6052_cases[] = {
	{ "2001:db8::", 32, "192.0.2.33", "2001:db8:c000:221::" },
	{ "2001:db8:100::", 40, "192.0.2.33", "2001:db8:1c0:2:21::" },
	{ "2001:db8:122::", 48, "192.0.2.33", "2001:db8:122:c000:2:2100::" },
	{ "2001:db8:122:300::", 56, "192.0.2.33", "2001:db8:122:3c0:0:221::" },
	{ "2001:db8:122:344::", 64, "192.0.2.33",
	  "2001:db8:122:344:c0:2:2100:0" },
	{ "2001:db8:122:344::", 96, "192.0.2.33",
	  "2001:db8:122:344::192.0.2.33" },
	{ "64:ff9b::", 96, "198.51.100.7", "64:ff9b::198.51.100.7" },
};

static void test_rfc6052_examples(void)
{
	size_t i;

	for (i = 0; i < sizeof(rfc6052_cases) / sizeof(rfc6052_cases[0]); i++) {
		const struct rfc6052_case *c = &rfc6052_cases[i];
		struct siitdc_prefix6 pool = p6(c->prefix, c->len);
		struct in6_addr want = a6(c->v6), got;
		__be32 v4 = a4(c->v4), back;

		test_begin("rfc6052_embed %s/%u %s", c->prefix, c->len, c->v4);
		CHECK(siitdc_pool6_check(&pool) == NULL,
		      "pool6_check rejected a valid pool: %s",
		      siitdc_pool6_check(&pool));
		memset(&got, 0xa5, sizeof(got));
		siitdc_rfc6052_embed(&pool, v4, &got);
		CHECK(eq6(&got, &want), "got %s, want %s", s6(&got), s6(&want));
		test_end();

		test_begin("rfc6052_extract %s/%u %s", c->prefix, c->len, c->v6);
		back = siitdc_rfc6052_extract(&pool, &want);
		CHECK(back == v4, "got %s, want %s", s4(back), s4(v4));
		test_end();
	}
}

/*
 * Chosen behaviour (documented in addr.c: "Suffix bits and a non-zero u
 * octet are ignored"): extraction reads only the four octets that carry the
 * IPv4 address. A non-zero u octet (bits 64..71) or non-zero suffix bits in
 * the incoming IPv6 address do not make extraction fail or change its
 * result; the translator does not validate them (RFC 6052 2.2 says they
 * SHOULD be zero when composing but leaves ignoring them on receipt open).
 */
static void test_rfc6052_extract_ignores_u_and_suffix(void)
{
	size_t i;

	for (i = 0; i < sizeof(rfc6052_cases) / sizeof(rfc6052_cases[0]); i++) {
		const struct rfc6052_case *c = &rfc6052_cases[i];
		struct siitdc_prefix6 pool = p6(c->prefix, c->len);
		struct in6_addr dirty = a6(c->v6);
		__be32 v4 = a4(c->v4), back;
		unsigned int b, first_suffix;

		test_begin("rfc6052_extract_ignores_u_and_suffix %s/%u",
			   c->prefix, c->len);
		/* Octets holding the IPv4 address end at first_suffix. */
		first_suffix = c->len / 8 + 4 + (c->len <= 64 ? 1 : 0);
		/* Never an IPv4 octet; for a /96 it is part of the prefix. */
		dirty.s6_addr[8] = 0xff;
		for (b = first_suffix; b < 16; b++)
			dirty.s6_addr[b] = (u8)(0x5a ^ b);
		back = siitdc_rfc6052_extract(&pool, &dirty);
		CHECK(back == v4, "dirty %s: got %s, want %s", s6(&dirty),
		      s4(back), s4(v4));
		test_end();
	}
}

/* Random round trip at every legal length, u octet stays zero. */
static void test_rfc6052_random_roundtrip(void)
{
	static const u8 lens[] = { 32, 40, 48, 56, 64, 96 };
	size_t li;
	int n;

	rng_seed(0x6052);
	for (li = 0; li < sizeof(lens); li++) {
		test_begin("rfc6052_random_roundtrip /%u", lens[li]);
		for (n = 0; n < 10000 && !cur_failed; n++) {
			struct siitdc_prefix6 pool;
			struct in6_addr raw, got;
			__be32 v4 = (__be32)rng32(), back;

			rng_bytes(&raw, sizeof(raw));
			raw.s6_addr[8] = 0;
			pool.addr = ref_mask6(&raw, lens[li]);
			pool.len = lens[li];
			CHECK(siitdc_pool6_check(&pool) == NULL,
			      "pool %s/%u rejected", s6(&pool.addr), pool.len);
			siitdc_rfc6052_embed(&pool, v4, &got);
			back = siitdc_rfc6052_extract(&pool, &got);
			CHECK(back == v4, "pool %s/%u v4 %s: via %s got %s",
			      s6(&pool.addr), pool.len, s4(v4), s6(&got),
			      s4(back));
			CHECK(got.s6_addr[8] == 0, "u octet non-zero in %s",
			      s6(&got));
			CHECK(siitdc_v6_in_prefix(&got, &pool),
			      "%s not inside %s/%u", s6(&got), s6(&pool.addr),
			      pool.len);
		}
		test_end();
	}
}

/* ------------------------------------------------------------------------
 * 2. pool6 validation
 */

static void test_pool6_check(void)
{
	static const u8 good[] = { 32, 40, 48, 56, 64, 96 };
	static const u8 bad[] = { 0, 1, 24, 33, 63, 65, 95, 97, 128 };
	struct siitdc_prefix6 p;
	size_t i;

	test_begin("pool6_check accepts 32/40/48/56/64/96");
	for (i = 0; i < sizeof(good); i++) {
		p = p6("2001:db8::", good[i]);
		CHECK(siitdc_pool6_check(&p) == NULL, "/%u rejected: %s",
		      good[i], siitdc_pool6_check(&p));
	}
	p = p6("64:ff9b::", 96);
	CHECK(siitdc_pool6_check(&p) == NULL, "64:ff9b::/96 rejected");
	test_end();

	test_begin("pool6_check rejects other lengths");
	for (i = 0; i < sizeof(bad); i++) {
		p = p6("::", bad[i]);
		CHECK(siitdc_pool6_check(&p) != NULL, "/%u accepted", bad[i]);
	}
	p = p6("::", 200);
	CHECK(siitdc_pool6_check(&p) != NULL, "/200 accepted");
	test_end();

	test_begin("pool6_check rejects host bits");
	for (i = 0; i < sizeof(good); i++) {
		/* The lowest bit, and the first bit past the prefix. */
		p = p6("2001:db8::1", good[i]);
		CHECK(siitdc_pool6_check(&p) != NULL,
		      "2001:db8::1/%u accepted", good[i]);
		p = p6("2001:db8::", good[i]);
		setbit6(&p.addr, good[i], 1);
		CHECK(siitdc_pool6_check(&p) != NULL, "%s/%u accepted",
		      s6(&p.addr), good[i]);
	}
	test_end();

	test_begin("pool6_check rejects /96 with non-zero u octet");
	p = p6("2001:db8:0:0:100::", 96); /* byte 8 = 0x01 */
	CHECK(p.addr.s6_addr[8] == 0x01, "test setup");
	CHECK(siitdc_pool6_check(&p) != NULL, "%s/96 accepted", s6(&p.addr));
	p = p6("2001:db8:0:0:ff00::", 96);
	CHECK(siitdc_pool6_check(&p) != NULL, "%s/96 accepted", s6(&p.addr));
	/* Byte 9 is allowed to be non-zero in a /96. */
	p = p6("2001:db8:0:0:ff::", 96);
	CHECK(siitdc_pool6_check(&p) == NULL, "%s/96 rejected: %s",
	      s6(&p.addr), siitdc_pool6_check(&p));
	test_end();
}

/* ------------------------------------------------------------------------
 * 3. EAM (RFC 7757)
 */

static void test_eam_check(void)
{
	struct siitdc_prefix4 q4;
	struct siitdc_prefix6 q6;

	test_begin("eam_check rejects IPv6 suffix shorter than IPv4 suffix");
	q4 = p4("192.0.2.0", 24);
	q6 = p6("2001:db8::", 121);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "/24 <-> /121 accepted");
	q4 = p4("0.0.0.0", 0);
	q6 = p6("64:ff9b::", 97);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "/0 <-> /97 accepted");
	q4 = p4("192.0.2.2", 31);
	q6 = p6("2001:db8::", 128);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "/31 <-> /128 accepted");
	test_end();

	test_begin("eam_check accepts equal and longer IPv6 suffixes");
	q4 = p4("192.0.2.0", 24);
	q6 = p6("2001:db8::", 120);
	CHECK(siitdc_eam_check(&q4, &q6) == NULL, "/24 <-> /120: %s",
	      siitdc_eam_check(&q4, &q6));
	q6 = p6("2001:db8::", 64);
	CHECK(siitdc_eam_check(&q4, &q6) == NULL, "/24 <-> /64: %s",
	      siitdc_eam_check(&q4, &q6));
	q6 = p6("::", 0);
	CHECK(siitdc_eam_check(&q4, &q6) == NULL, "/24 <-> ::/0: %s",
	      siitdc_eam_check(&q4, &q6));
	q4 = p4("192.0.2.1", 32);
	q6 = p6("2001:db8::1", 128);
	CHECK(siitdc_eam_check(&q4, &q6) == NULL, "/32 <-> /128: %s",
	      siitdc_eam_check(&q4, &q6));
	q4 = p4("0.0.0.0", 0);
	q6 = p6("64:ff9b::", 96);
	CHECK(siitdc_eam_check(&q4, &q6) == NULL, "/0 <-> /96: %s",
	      siitdc_eam_check(&q4, &q6));
	test_end();

	test_begin("eam_check rejects host bits");
	q4 = p4("192.0.2.1", 24);
	q6 = p6("2001:db8::", 96);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "IPv4 host bits accepted");
	q4 = p4("192.0.2.0", 24);
	q6 = p6("2001:db8::100", 96);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "IPv6 host bits accepted");
	q6 = p6("2001:db8::1", 127);
	CHECK(siitdc_eam_check(&(struct siitdc_prefix4){ a4("192.0.2.0"), 31 },
				&q6) != NULL, "2001:db8::1/127 accepted");
	q4 = p4("128.0.0.0", 0);
	q6 = p6("::", 96);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "128.0.0.0/0 accepted");
	q4 = p4("0.0.0.0", 0);
	q6 = p6("8000::", 0);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "8000::/0 accepted");
	test_end();

	test_begin("eam_check rejects bad lengths");
	q4 = p4("192.0.2.0", 33);
	q6 = p6("2001:db8::", 96);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "IPv4 /33 accepted");
	q4.len = 255;
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "IPv4 /255 accepted");
	q4 = p4("192.0.2.0", 32);
	q6 = p6("2001:db8::", 129);
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "IPv6 /129 accepted");
	q6.len = 255;
	CHECK(siitdc_eam_check(&q4, &q6) != NULL, "IPv6 /255 accepted");
	test_end();
}

struct eam_case {
	const char *name;
	const char *pfx4;
	u8 len4;
	const char *pfx6;
	u8 len6;
	const char *v4;
	const char *v6;
};

static const struct eam_case eam_cases[] = {
	{ "/29<->/125", "203.0.113.8", 29, "2001:db8:cccc::", 125,
	  "203.0.113.9", "2001:db8:cccc::1" },
	{ "/29<->/125 last", "203.0.113.8", 29, "2001:db8:cccc::", 125,
	  "203.0.113.15", "2001:db8:cccc::7" },
	{ "/32<->/128", "192.0.2.1", 32, "2001:db8::1:2", 128,
	  "192.0.2.1", "2001:db8::1:2" },
	{ "/24<->/120", "192.0.2.0", 24, "2001:db8:6::", 120,
	  "192.0.2.77", "2001:db8:6::4d" },
	{ "/26<->/64", "192.0.2.0", 26, "2001:db8:1::", 64,
	  "192.0.2.5", "2001:db8:1:0:1400::" },
	{ "/26<->/64 top", "192.0.2.0", 26, "2001:db8:1::", 64,
	  "192.0.2.63", "2001:db8:1:0:fc00::" },
	{ "/0<->/96", "0.0.0.0", 0, "64:ff9b::", 96,
	  "198.51.100.7", "64:ff9b::198.51.100.7" },
	{ "/0<->/32", "0.0.0.0", 0, "2001:db8::", 32,
	  "192.0.2.33", "2001:db8:c000:221::" },
	{ "/0<->/64", "0.0.0.0", 0, "2001:db8:1:2::", 64,
	  "192.0.2.33", "2001:db8:1:2:c000:221::" },
	{ "/0<->/48", "0.0.0.0", 0, "2001:db8:1::", 48,
	  "255.255.255.255", "2001:db8:1:ffff:ffff::" },
	{ "/16<->/100", "10.1.0.0", 16, "2001:db8::", 100,
	  "10.1.171.205", "2001:db8::abc:d000" },
	{ "/31<->/127", "192.0.2.2", 31, "2001:db8::4", 127,
	  "192.0.2.3", "2001:db8::5" },
	{ "/31<->/127 low", "192.0.2.2", 31, "2001:db8::4", 127,
	  "192.0.2.2", "2001:db8::4" },
	{ "/31<->/64", "192.0.2.2", 31, "2001:db8::", 64,
	  "192.0.2.3", "2001:db8::8000:0:0:0" },
	/* Suffix straddling bit 64: 12 bits at 56..67. */
	{ "/20<->/56", "10.16.0.0", 20, "2001:db8:0:100::", 56,
	  "10.16.10.205", "2001:db8:0:1ac:d000::" },
};

static void test_eam_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(eam_cases) / sizeof(eam_cases[0]); i++) {
		const struct eam_case *c = &eam_cases[i];
		struct siitdc_prefix4 q4 = p4(c->pfx4, c->len4);
		struct siitdc_prefix6 q6 = p6(c->pfx6, c->len6);
		struct in6_addr want6 = a6(c->v6), got6;
		__be32 want4 = a4(c->v4), got4;

		test_begin("eam_4to6 %s %s", c->name, c->v4);
		CHECK(siitdc_eam_check(&q4, &q6) == NULL,
		      "entry %s/%u <-> %s/%u rejected: %s", c->pfx4, c->len4,
		      c->pfx6, c->len6, siitdc_eam_check(&q4, &q6));
		memset(&got6, 0x5a, sizeof(got6));
		siitdc_eam_4to6(&q4, &q6, want4, &got6);
		CHECK(eq6(&got6, &want6), "got %s, want %s", s6(&got6),
		      s6(&want6));
		test_end();

		test_begin("eam_6to4 %s %s", c->name, c->v6);
		got4 = siitdc_eam_6to4(&q4, &q6, &want6);
		CHECK(got4 == want4, "got %s, want %s", s4(got4), s4(want4));
		test_end();
	}
}

static void test_eam_many_to_one(void)
{
	struct siitdc_prefix4 q4 = p4("192.0.2.0", 26);
	struct siitdc_prefix6 q6 = p6("2001:db8:1::", 64);
	struct in6_addr v6;
	__be32 got;

	test_begin("eam_6to4 many-to-one /26<->/64 ignores bits after suffix");
	v6 = a6("2001:db8:1:0:1400::1");
	got = siitdc_eam_6to4(&q4, &q6, &v6);
	CHECK(got == a4("192.0.2.5"), "%s -> %s, want 192.0.2.5", s6(&v6),
	      s4(got));
	v6 = a6("2001:db8:1:0:17ff:ffff:ffff:ffff");
	got = siitdc_eam_6to4(&q4, &q6, &v6);
	CHECK(got == a4("192.0.2.5"), "%s -> %s, want 192.0.2.5", s6(&v6),
	      s4(got));
	v6 = a6("2001:db8:1:0:300::");
	got = siitdc_eam_6to4(&q4, &q6, &v6);
	CHECK(got == a4("192.0.2.0"), "%s -> %s, want 192.0.2.0", s6(&v6),
	      s4(got));
	test_end();

	test_begin("eam_6to4 many-to-one /32<->/64");
	q4 = p4("192.0.2.9", 32);
	v6 = a6("2001:db8:1:0:dead:beef::1");
	got = siitdc_eam_6to4(&q4, &q6, &v6);
	CHECK(got == a4("192.0.2.9"), "%s -> %s, want 192.0.2.9", s6(&v6),
	      s4(got));
	test_end();
}

/* Row 170: an EAM side inside a block with no unicast host is refused. */
static void test_eam_check_nonunicast(void)
{
	static const struct {
		const char *v4;
		u8 l4;
		const char *v6;
		u8 l6;
		bool ok;
	} c[] = {
		{ "224.0.0.0", 4, "2001:db8::", 100, false },
		{ "239.1.2.3", 32, "2001:db8::1", 128, false },
		{ "240.0.0.0", 4, "2001:db8::", 100, false },
		{ "127.0.0.1", 32, "2001:db8::1", 128, false },
		{ "0.0.0.0", 8, "2001:db8::", 104, false },
		{ "0.0.0.0", 0, "64:ff9b::", 96, true },
		{ "198.51.100.7", 32, "ff0e::1", 128, false },
		{ "198.51.100.0", 24, "fe80::", 120, false },
		{ "198.51.100.7", 32, "::1", 128, false },
		{ "198.51.100.7", 32, "::", 128, false },
		{ "198.51.100.7", 32, "2001:db8:6::7", 128, true },
	};
	unsigned int i;

	test_begin("row170-eam-check-refuses-non-unicast-sides");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct siitdc_prefix4 p4 = { .len = c[i].l4 };
		struct siitdc_prefix6 p6 = { .len = c[i].l6 };

		inet_pton(AF_INET, c[i].v4, &p4.addr);
		inet_pton(AF_INET6, c[i].v6, &p6.addr);
		if ((siitdc_eam_check(&p4, &p6) == NULL) != c[i].ok)
			fail("%s/%u <-> %s/%u: expected %s", c[i].v4, c[i].l4,
			     c[i].v6, c[i].l6, c[i].ok ? "accepted" : "refused");
	}
	test_end();
}

static void test_eam_random_roundtrip(void)
{
	unsigned int n;

	rng_seed(0x7757);
	test_begin("eam_random_roundtrip 100k");
	for (n = 0; n < 100000 && !cur_failed; n++) {
		struct siitdc_prefix4 q4;
		struct siitdc_prefix6 q6;
		struct in6_addr raw6, got6, ref6;
		unsigned int sfx, i;
		__be32 v4, back, raw4;

		q4.len = (u8)rng_below(33);
		sfx = 32 - q4.len;
		q6.len = (u8)rng_below(128 - sfx + 1);
		/* Unicast space only: other entries are refused (row 170). */
		raw4 = rng32();
		((u8 *)&raw4)[0] = 1 + rng_below(126);
		q4.addr = ref_mask4(raw4, q4.len);
		rng_bytes(&raw6, sizeof(raw6));
		raw6.s6_addr[0] = 0x20 | (raw6.s6_addr[0] & 0x1f);
		q6.addr = ref_mask6(&raw6, q6.len);
		/* Random address inside the IPv4 prefix. */
		v4 = (__be32)rng32();
		for (i = 0; i < q4.len; i++)
			setbit4(&v4, i, bit4(q4.addr, i));

		if (siitdc_eam_check(&q4, &q6) != NULL) {
			fail("entry %s/%u <-> %s/%u rejected: %s",
			     s4(q4.addr), q4.len, s6(&q6.addr), q6.len,
			     siitdc_eam_check(&q4, &q6));
			break;
		}
		memset(&got6, 0xee, sizeof(got6));
		siitdc_eam_4to6(&q4, &q6, v4, &got6);
		ref6 = ref_eam_4to6(&q4, &q6, v4);
		CHECK(eq6(&got6, &ref6),
		      "%s/%u <-> %s/%u, %s: 4to6 %s, reference %s",
		      s4(q4.addr), q4.len, s6(&q6.addr), q6.len, s4(v4),
		      s6(&got6), s6(&ref6));
		/* Inside the IPv6 prefix (bit-by-bit, not via the core). */
		for (i = 0; i < q6.len; i++)
			if (bit6(&got6, i) != bit6(&q6.addr, i))
				break;
		CHECK(i == q6.len, "%s/%u, %s: %s differs from prefix at bit %u",
		      s6(&q6.addr), q6.len, s4(v4), s6(&got6), i);
		/* Zero after the suffix. */
		for (i = q6.len + sfx; i < 128; i++)
			if (bit6(&got6, i))
				break;
		CHECK(i == 128, "%s/%u, %s: %s has bit %u set after suffix",
		      s6(&q6.addr), q6.len, s4(v4), s6(&got6), i);
		/* And the core agrees it is inside. */
		CHECK(siitdc_v6_in_prefix(&got6, &q6),
		      "v6_in_prefix(%s, %s/%u) false", s6(&got6),
		      s6(&q6.addr), q6.len);
		back = siitdc_eam_6to4(&q4, &q6, &got6);
		CHECK(back == v4, "%s/%u <-> %s/%u: %s -> %s -> %s",
		      s4(q4.addr), q4.len, s6(&q6.addr), q6.len, s4(v4),
		      s6(&got6), s4(back));
		/* Garbage after the suffix must not change 6to4. */
		for (i = q6.len + sfx; i < 128; i++)
			setbit6(&got6, i, (unsigned int)rng64() & 1);
		back = siitdc_eam_6to4(&q4, &q6, &got6);
		CHECK(back == v4, "%s/%u <-> %s/%u: dirty %s -> %s, want %s",
		      s4(q4.addr), q4.len, s6(&q6.addr), q6.len, s6(&got6),
		      s4(back), s4(v4));
	}
	test_end();
}

/* ------------------------------------------------------------------------
 * 4. Masks and prefix membership
 */

static const u8 mask_lens4[] = { 0, 1, 31, 32 };

static void test_v6_mask(void)
{
	const struct in6_addr ones = a6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	size_t li;
	int n;

	for (li = 0; li <= 128; li++) {	/* every length */
		u8 len = (u8)li;
		struct in6_addr got, want;
		unsigned int i;

		test_begin("v6_mask /%u", len);
		siitdc_v6_mask(&ones, len, &got);
		for (i = 0; i < 128; i++)
			if (bit6(&got, i) != (i < len))
				break;
		CHECK(i == 128, "all-ones/%u -> %s (bit %u wrong)", len,
		      s6(&got), i);
		rng_seed(0x3a5c + len);
		for (n = 0; n < 1000; n++) {
			struct in6_addr r;

			rng_bytes(&r, sizeof(r));
			want = ref_mask6(&r, len);
			memset(&got, 0x77, sizeof(got));
			siitdc_v6_mask(&r, len, &got);
			CHECK(eq6(&got, &want), "%s/%u -> %s, want %s", s6(&r),
			      len, s6(&got), s6(&want));
			/* In-place masking. */
			siitdc_v6_mask(&r, len, &r);
			CHECK(eq6(&r, &want), "in-place /%u -> %s, want %s",
			      len, s6(&r), s6(&want));
		}
		test_end();
	}
}

static void test_v6_in_prefix(void)
{
	size_t li;
	int n;

	for (li = 0; li <= 128; li++) {	/* every length */
		u8 len = (u8)li;

		test_begin("v6_in_prefix /%u", len);
		rng_seed(0x1f0 + len);
		for (n = 0; n < 1000; n++) {
			struct siitdc_prefix6 p;
			struct in6_addr raw, in;
			unsigned int i, flip;

			rng_bytes(&raw, sizeof(raw));
			p.addr = ref_mask6(&raw, len);
			p.len = len;
			/* Same prefix bits, random host bits: inside. */
			rng_bytes(&in, sizeof(in));
			for (i = 0; i < len; i++)
				setbit6(&in, i, bit6(&p.addr, i));
			CHECK(siitdc_v6_in_prefix(&in, &p) &&
			      siitdc_v6_in_prefix_any(&in, &p),
			      "%s not in %s/%u", s6(&in), s6(&p.addr), len);
			if (!len)
				continue;
			/* Flip one prefix bit (first, last, or random). */
			flip = n == 0 ? 0 : n == 1 ? len - 1u : rng_below(len);
			setbit6(&in, flip, !bit6(&in, flip));
			CHECK(!siitdc_v6_in_prefix(&in, &p) &&
			      !siitdc_v6_in_prefix_any(&in, &p),
			      "%s in %s/%u despite bit %u", s6(&in),
			      s6(&p.addr), len, flip);
		}
		test_end();
	}
}

static void test_v4_in_prefix(void)
{
	size_t li;
	int n;

	for (li = 0; li < sizeof(mask_lens4); li++) {
		u8 len = mask_lens4[li];

		test_begin("v4_in_prefix /%u", len);
		rng_seed(0x4f0 + len);
		for (n = 0; n < 1000; n++) {
			struct siitdc_prefix4 p;
			__be32 in;
			unsigned int i, flip;

			p.addr = ref_mask4((__be32)rng32(), len);
			p.len = len;
			CHECK(siitdc_prefix4_check(&p) == NULL,
			      "%s/%u rejected", s4(p.addr), len);
			in = (__be32)rng32();
			for (i = 0; i < len; i++)
				setbit4(&in, i, bit4(p.addr, i));
			CHECK(siitdc_v4_in_prefix(in, &p), "%s not in %s/%u",
			      s4(in), s4(p.addr), len);
			if (!len)
				continue;
			flip = n == 0 ? 0 : n == 1 ? len - 1u : rng_below(len);
			setbit4(&in, flip, !bit4(in, flip));
			CHECK(!siitdc_v4_in_prefix(in, &p),
			      "%s in %s/%u despite bit %u", s4(in),
			      s4(p.addr), len, flip);
		}
		/* Edge values. */
		{
			struct siitdc_prefix4 p = { a4("10.0.0.0"), len };
			__be32 m = siitdc_v4_mask(len);

			CHECK(m == ref_mask4(a4("255.255.255.255"), len),
			      "v4_mask(%u) = %s", len, s4(m));
			CHECK(siitdc_v4_in_prefix(a4("10.0.0.0"), &p),
			      "10.0.0.0 not in 10.0.0.0/%u", len);
			CHECK(siitdc_v4_in_prefix(a4("10.0.0.1"), &p) ==
			      (len < 32), "10.0.0.1 vs 10.0.0.0/%u", len);
			CHECK(siitdc_v4_in_prefix(a4("138.0.0.0"), &p) ==
			      (len == 0), "138.0.0.0 vs 10.0.0.0/%u", len);
		}
		test_end();
	}
}

/* ------------------------------------------------------------------------
 * 5. Checksums
 */

/* RFC 1071 byte-wise: big-endian 16-bit words, odd byte padded with 0. */
static u32 ref_sum(u32 sum, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (u32)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (u32)b[n - 1] << 8;
	return sum;
}

/* Folds and complements; returns the field as two bytes, high first. */
static void ref_finish(u32 sum, u8 out[2])
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	out[0] = (u8)(sum >> 8);
	out[1] = (u8)sum;
}

static u32 ref_pseudo4(__be32 s, __be32 d, u8 proto, u16 len)
{
	u8 ph[12];

	memcpy(ph, &s, 4);
	memcpy(ph + 4, &d, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (u8)(len >> 8);
	ph[11] = (u8)len;
	return ref_sum(0, ph, sizeof(ph));
}

static u32 ref_pseudo6(const struct in6_addr *s, const struct in6_addr *d,
		       u8 nh, u32 len)
{
	u8 ph[40];

	memcpy(ph, s, 16);
	memcpy(ph + 16, d, 16);
	ph[32] = (u8)(len >> 24);
	ph[33] = (u8)(len >> 16);
	ph[34] = (u8)(len >> 8);
	ph[35] = (u8)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = nh;
	return ref_sum(0, ph, sizeof(ph));
}

#define SEG_MAX 1600
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6
#define ICMP_CSUM_OFF 2

/* Reference checksum of @seg (with its checksum field zeroed) + @pseudo. */
static void ref_l4(u8 *seg, size_t len, size_t off, u32 pseudo, u8 out[2])
{
	u8 saved[2] = { seg[off], seg[off + 1] };

	seg[off] = seg[off + 1] = 0;
	ref_finish(ref_sum(pseudo, seg, len), out);
	seg[off] = saved[0];
	seg[off + 1] = saved[1];
}

static u16 load16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, 2);
	return v;
}

static void store16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}

static void test_csum_l4(void)
{
	static u8 seg[SEG_MAX];
	unsigned int n, odd = 0, even = 0;

	rng_seed(0x1071);
	test_begin("csum_delta_4to6 L4 10k");
	for (n = 0; n < 10000 && !cur_failed; n++) {
		static const u8 protos[] = { 6, 17, 33, 132 };
		u8 proto = protos[rng_below(4)];
		size_t len = 20 + rng_below(SEG_MAX - 20 + 1);
		__be32 s4a = (__be32)rng32(), d4a = (__be32)rng32();
		struct in6_addr s6a, d6a;
		u8 c4[2], c6[2];
		u16 got;

		(len & 1) ? odd++ : even++;
		rng_bytes(&s6a, sizeof(s6a));
		rng_bytes(&d6a, sizeof(d6a));
		rng_bytes(seg, len);
		ref_l4(seg, len, TCP_CSUM_OFF,
		       ref_pseudo4(s4a, d4a, proto, (u16)len), c4);
		ref_l4(seg, len, TCP_CSUM_OFF,
		       ref_pseudo6(&s6a, &d6a, proto, (u32)len), c6);
		memcpy(seg + TCP_CSUM_OFF, c4, 2);

		got = siitdc_csum_apply(load16(seg + TCP_CSUM_OFF),
					siitdc_csum_delta_4to6(s4a, d4a, &s6a,
							       &d6a));
		store16(seg + TCP_CSUM_OFF, got);
		CHECK(memcmp(seg + TCP_CSUM_OFF, c6, 2) == 0,
		      "case %u len %zu proto %u %s>%s => %s>%s: "
		      "got %02x%02x, want %02x%02x", n, len, proto, s4(s4a),
		      s4(d4a), s6(&s6a), s6(&d6a), seg[TCP_CSUM_OFF],
		      seg[TCP_CSUM_OFF + 1], c6[0], c6[1]);
	}
	CHECK(odd > 1000 && even > 1000, "lengths not mixed: %u odd %u even",
	      odd, even);
	test_end();

	rng_seed(0x1624);
	test_begin("csum_delta_4to6 negated (6to4) L4 10k");
	for (n = 0; n < 10000 && !cur_failed; n++) {
		u8 proto = rng_below(2) ? 6 : 17;
		size_t off = proto == 6 ? TCP_CSUM_OFF : UDP_CSUM_OFF;
		size_t len = 20 + rng_below(SEG_MAX - 20 + 1);
		__be32 s4a = (__be32)rng32(), d4a = (__be32)rng32();
		struct in6_addr s6a, d6a;
		u8 c4[2], c6[2];
		u16 got;

		rng_bytes(&s6a, sizeof(s6a));
		rng_bytes(&d6a, sizeof(d6a));
		rng_bytes(seg, len);
		ref_l4(seg, len, off, ref_pseudo4(s4a, d4a, proto, (u16)len),
		       c4);
		ref_l4(seg, len, off, ref_pseudo6(&s6a, &d6a, proto, (u32)len),
		       c6);
		memcpy(seg + off, c6, 2);

		got = siitdc_csum_apply(load16(seg + off),
					~siitdc_csum_delta_4to6(s4a, d4a, &s6a,
								&d6a));
		store16(seg + off, got);
		CHECK(memcmp(seg + off, c4, 2) == 0,
		      "case %u len %zu proto %u %s>%s => %s>%s: "
		      "got %02x%02x, want %02x%02x", n, len, proto, s6(&s6a),
		      s6(&d6a), s4(s4a), s4(d4a), seg[off], seg[off + 1],
		      c4[0], c4[1]);
	}
	test_end();
}

/* A few fixed values, worked out by hand. */
static void test_csum_fixed(void)
{
	u8 buf[4] = { 0x45, 0x00, 0x00, 0x1c };
	u8 want[2], tc_old[2] = { 8, 0 }, tc_new[2] = { 128, 0 };
	u32 d;

	test_begin("csum_fold and csum_words basics");
	/* Sum of 4500 001c = 0x451c -> ~ = 0xbae3. */
	store16(want, siitdc_csum_fold(siitdc_csum_words(buf, 1)));
	CHECK(want[0] == 0xba && want[1] == 0xe3, "fold gave %02x%02x",
	      want[0], want[1]);
	CHECK(siitdc_csum_fold(0) == 0xffff, "fold(0) = %04x",
	      siitdc_csum_fold(0));
	CHECK(siitdc_csum_add(0xffffffffu, 1) == 1, "add end-around carry");
	CHECK(siitdc_csum_sub(5, 5) == 0xffffffffu || siitdc_csum_sub(5, 5) == 0,
	      "sub(5,5) = %08x", siitdc_csum_sub(5, 5));
	d = siitdc_csum_delta16(tc_old, tc_new);
	/*
	 * Big-endian words 0x8000 - 0x0800 = 0x7800. fold() complements, so
	 * fold(~d) is d itself folded, which stored must read 78 00.
	 */
	store16(want, siitdc_csum_fold(~d));
	CHECK(want[0] == 0x78 && want[1] == 0x00,
	      "delta16(0800,8000) folded to %02x%02x", want[0], want[1]);
	test_end();
}

static void test_csum_icmp(void)
{
	static u8 msg[SEG_MAX];
	static const u8 pairs[2][2] = { { 8, 128 }, { 0, 129 } };
	unsigned int n;

	rng_seed(0x58);
	test_begin("csum icmp4 echo -> icmp6 10k");
	for (n = 0; n < 10000 && !cur_failed; n++) {
		const u8 *pr = pairs[rng_below(2)];
		size_t len = 8 + rng_below(SEG_MAX - 8 + 1);
		struct in6_addr s6a, d6a;
		u8 c4[2], c6[2], tc_old[2], tc_new[2];
		u16 got;
		int t;

		rng_bytes(&s6a, sizeof(s6a));
		rng_bytes(&d6a, sizeof(d6a));
		rng_bytes(msg, len);
		msg[0] = pr[0];
		msg[1] = 0;
		ref_l4(msg, len, ICMP_CSUM_OFF, 0, c4);
		memcpy(msg + ICMP_CSUM_OFF, c4, 2);
		memcpy(tc_old, msg, 2);

		t = siitdc_icmp4to6_info(msg[0]);
		CHECK(t == pr[1], "icmp4to6_info(%u) = %d", msg[0], t);
		tc_new[0] = (u8)t;
		tc_new[1] = msg[1];
		memcpy(msg, tc_new, 2);
		ref_l4(msg, len, ICMP_CSUM_OFF,
		       ref_pseudo6(&s6a, &d6a, 58, (u32)len), c6);

		got = siitdc_csum_apply(load16(msg + ICMP_CSUM_OFF),
				siitdc_csum_add(
					siitdc_csum_delta16(tc_old, tc_new),
					siitdc_csum_pseudo6(&s6a, &d6a,
							    (u32)len, 58)));
		store16(msg + ICMP_CSUM_OFF, got);
		CHECK(memcmp(msg + ICMP_CSUM_OFF, c6, 2) == 0,
		      "case %u type %u->%u len %zu %s>%s: got %02x%02x, "
		      "want %02x%02x", n, pr[0], pr[1], len, s6(&s6a),
		      s6(&d6a), msg[2], msg[3], c6[0], c6[1]);
	}
	test_end();

	rng_seed(0x85);
	test_begin("csum icmp6 echo -> icmp4 10k");
	for (n = 0; n < 10000 && !cur_failed; n++) {
		const u8 *pr = pairs[rng_below(2)];
		size_t len = 8 + rng_below(SEG_MAX - 8 + 1);
		struct in6_addr s6a, d6a;
		u8 c4[2], c6[2], tc_old[2], tc_new[2];
		u16 got;
		int t;

		rng_bytes(&s6a, sizeof(s6a));
		rng_bytes(&d6a, sizeof(d6a));
		rng_bytes(msg, len);
		msg[0] = pr[1];
		msg[1] = 0;
		ref_l4(msg, len, ICMP_CSUM_OFF,
		       ref_pseudo6(&s6a, &d6a, 58, (u32)len), c6);
		memcpy(msg + ICMP_CSUM_OFF, c6, 2);
		memcpy(tc_old, msg, 2);

		t = siitdc_icmp6to4_info(msg[0]);
		CHECK(t == pr[0], "icmp6to4_info(%u) = %d", msg[0], t);
		tc_new[0] = (u8)t;
		tc_new[1] = msg[1];
		memcpy(msg, tc_new, 2);
		ref_l4(msg, len, ICMP_CSUM_OFF, 0, c4);

		got = siitdc_csum_apply(load16(msg + ICMP_CSUM_OFF),
				siitdc_csum_sub(
					siitdc_csum_delta16(tc_old, tc_new),
					siitdc_csum_pseudo6(&s6a, &d6a,
							    (u32)len, 58)));
		store16(msg + ICMP_CSUM_OFF, got);
		CHECK(memcmp(msg + ICMP_CSUM_OFF, c4, 2) == 0,
		      "case %u type %u->%u len %zu %s>%s: got %02x%02x, "
		      "want %02x%02x", n, pr[1], pr[0], len, s6(&s6a),
		      s6(&d6a), msg[2], msg[3], c4[0], c4[1]);
	}
	test_end();
}

/* ------------------------------------------------------------------------
 * 6. ICMP informational type mapping
 */

static void test_icmp_info(void)
{
	unsigned int t;

	test_begin("icmp4to6_info echo");
	CHECK(siitdc_icmp4to6_info(8) == 128, "8 -> %d",
	      siitdc_icmp4to6_info(8));
	CHECK(siitdc_icmp4to6_info(0) == 129, "0 -> %d",
	      siitdc_icmp4to6_info(0));
	test_end();

	test_begin("icmp6to4_info echo");
	CHECK(siitdc_icmp6to4_info(128) == 8, "128 -> %d",
	      siitdc_icmp6to4_info(128));
	CHECK(siitdc_icmp6to4_info(129) == 0, "129 -> %d",
	      siitdc_icmp6to4_info(129));
	test_end();

	test_begin("icmp4to6_info others -1 (all 256)");
	for (t = 0; t < 256; t++) {
		int r = siitdc_icmp4to6_info((u8)t);

		if (t == 0 || t == 8)
			continue;
		CHECK(r == -1, "type %u -> %d", t, r);
	}
	test_end();

	test_begin("icmp6to4_info others -1 (all 256)");
	for (t = 0; t < 256; t++) {
		int r = siitdc_icmp6to4_info((u8)t);

		if (t == 128 || t == 129)
			continue;
		CHECK(r == -1, "type %u -> %d", t, r);
	}
	test_end();

	test_begin("icmp_info round trip");
	for (t = 0; t < 256; t++) {
		int r = siitdc_icmp4to6_info((u8)t);

		if (r >= 0)
			CHECK(siitdc_icmp6to4_info((u8)r) == (int)t,
			      "%u -> %d -> %d", t, r,
			      siitdc_icmp6to4_info((u8)r));
	}
	test_end();
}

int main(void)
{
	test_rfc6052_examples();
	test_rfc6052_extract_ignores_u_and_suffix();
	test_rfc6052_random_roundtrip();
	test_pool6_check();
	test_eam_check();
	test_eam_cases();
	test_eam_many_to_one();
	test_eam_check_nonunicast();
	test_eam_random_roundtrip();
	test_v6_mask();
	test_v6_in_prefix();
	test_v4_in_prefix();
	test_csum_fixed();
	test_csum_l4();
	test_csum_icmp();
	test_icmp_info();

	printf("%u passed, %u failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}
