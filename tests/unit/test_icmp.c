// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit tests for the ICMP translation core of siitdc: type/code
 * and pointer tables (icmp_map), PTB MTU arithmetic (mtu), single-header
 * translation (hdr) and whole ICMP error translation (icmp_err).
 *
 * Expected values are hand-written or built by the small reference packet
 * builder below (byte-wise RFC 1071 checksums, packets assembled field by
 * field); the output of the code under test is never fed back as an
 * expectation. Randomized tests use a fixed seed.
 *
 * Output: one line per test, "ok NAME" or "FAIL NAME: detail", then
 * "N passed, N failed". Exit status 1 if anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "types.h"
#include "icmp_map.h"
#include "mtu.h"
#include "hdr.h"
#include "icmp_err.h"

#include "harness.h"

static u64 rng_state;

static u64 rng64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 rng_below(u32 n)
{
	return (u32)(rng64() % n);
}

/* ------------------------------------------------------------------------
 * Reference packet builder, independent of the code under test
 */

static void wr16(u8 *p, unsigned int v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static void wr32(u8 *p, u32 v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static unsigned int rd16(const u8 *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static u32 rd32(const u8 *p)
{
	return (u32)rd16(p) << 16 | rd16(p + 2);
}

/* RFC 1071 over big-endian 16-bit words, one byte at a time. */
static u32 rsum(u32 s, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? b[i] : (u32)b[i] << 8;
	return s;
}

static unsigned int rfold(u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static u32 rpseudo6(const u8 *s, const u8 *d, u32 len, u8 nh)
{
	return rsum(rsum(0, s, 16), d, 16) + (len >> 16) + (len & 0xffff) + nh;
}

static u32 rpseudo4(const u8 *s, const u8 *d, unsigned int len, u8 proto)
{
	return rsum(rsum(0, s, 4), d, 4) + len + proto;
}

struct v4 {
	u8 b[4];
};

struct v6 {
	u8 b[16];
};

static struct v4 A4(const char *s)
{
	struct v4 a;

	if (inet_pton(AF_INET, s, a.b) != 1)
		exit(2);
	return a;
}

static struct v6 A6(const char *s)
{
	struct v6 a;

	if (inet_pton(AF_INET6, s, a.b) != 1)
		exit(2);
	return a;
}

/* pool6 2001:db8:64::/96: the test's whole address mapping. */
static struct v6 pool6(struct v4 a)
{
	struct v6 r = A6("2001:db8:64::");

	memcpy(r.b + 12, a.b, 4);
	return r;
}

static void mk_ip4(u8 *p, u8 tos, unsigned int tot, unsigned int id,
		   unsigned int frag, u8 ttl, u8 proto, struct v4 s, struct v4 d)
{
	p[0] = 0x45;
	p[1] = tos;
	wr16(p + 2, tot);
	wr16(p + 4, id);
	wr16(p + 6, frag);
	p[8] = ttl;
	p[9] = proto;
	wr16(p + 10, 0);
	memcpy(p + 12, s.b, 4);
	memcpy(p + 16, d.b, 4);
	wr16(p + 10, rfold(rsum(0, p, 20)));
}

static void mk_ip6(u8 *p, u8 tc, unsigned int pl, u8 nh, u8 hl, struct v6 s,
		   struct v6 d)
{
	p[0] = 0x60 | tc >> 4;
	p[1] = (u8)(tc << 4);
	p[2] = 0;
	p[3] = 0;
	wr16(p + 4, pl);
	p[6] = nh;
	p[7] = hl;
	memcpy(p + 8, s.b, 16);
	memcpy(p + 24, d.b, 16);
}

static void fill(u8 *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(seed + i * 7 + (i >> 8));
}

/* UDP header + @dlen payload bytes at @p, checksum over @pseudo. */
static void mk_udp(u8 *p, size_t dlen, unsigned int seed, u32 pseudo)
{
	unsigned int c;

	wr16(p, 40000 + seed);
	wr16(p + 2, 53);
	wr16(p + 4, 8 + dlen);
	wr16(p + 6, 0);
	fill(p + 8, dlen, seed);
	c = rfold(rsum(pseudo, p, 8 + dlen));
	wr16(p + 6, c ? c : 0xffff);
}

/* A complete IPv4/UDP packet; returns its length. */
static size_t udp4(u8 *p, struct v4 s, struct v4 d, u8 ttl, u8 tos,
		   unsigned int id, unsigned int frag, size_t dlen,
		   unsigned int seed)
{
	size_t tot = 28 + dlen;

	mk_ip4(p, tos, tot, id, frag, ttl, 17, s, d);
	mk_udp(p + 20, dlen, seed, rpseudo4(s.b, d.b, 8 + dlen, 17));
	return tot;
}

static size_t udp6(u8 *p, struct v6 s, struct v6 d, u8 hl, u8 tc,
		   size_t dlen, unsigned int seed)
{
	mk_ip6(p, tc, 8 + dlen, 17, hl, s, d);
	mk_udp(p + 40, dlen, seed, rpseudo6(s.b, d.b, 8 + dlen, 17));
	return 48 + dlen;
}

/* ICMP echo requests of @dlen data bytes. */
static size_t echo4(u8 *p, struct v4 s, struct v4 d, u8 ttl,
		    unsigned int id, size_t dlen)
{
	u8 *m = p + 20;

	mk_ip4(p, 0, 28 + dlen, id, 0, ttl, 1, s, d);
	m[0] = 8;
	m[1] = 0;
	wr16(m + 2, 0);
	wr32(m + 4, 0xabcd0001);
	fill(m + 8, dlen, 3);
	wr16(m + 2, rfold(rsum(0, m, 8 + dlen)));
	return 28 + dlen;
}

static size_t echo6(u8 *p, struct v6 s, struct v6 d, u8 hl, size_t dlen)
{
	u8 *m = p + 40;

	mk_ip6(p, 0, 8 + dlen, 58, hl, s, d);
	m[0] = 128;
	m[1] = 0;
	wr16(m + 2, 0);
	wr32(m + 4, 0xabcd0001);
	fill(m + 8, dlen, 3);
	wr16(m + 2, rfold(rsum(rpseudo6(s.b, d.b, 8 + dlen, 58), m,
				8 + dlen)));
	return 48 + dlen;
}

/*
 * ICMPv4 error: outer header + 8-byte ICMP header (type, code, @rest in
 * octets 4-7) + @body. Returns the length.
 */
static size_t icmp4_err(u8 *p, struct v4 s, struct v4 d, u8 tos, u8 ttl,
			u8 type, u8 code, u32 rest, const u8 *body,
			size_t blen)
{
	u8 *m = p + 20;

	mk_ip4(p, tos, 28 + blen, 0, 0, ttl, 1, s, d);
	m[0] = type;
	m[1] = code;
	wr16(m + 2, 0);
	wr32(m + 4, rest);
	memcpy(m + 8, body, blen);
	wr16(m + 2, rfold(rsum(0, m, 8 + blen)));
	return 28 + blen;
}

static size_t icmp6_err(u8 *p, struct v6 s, struct v6 d, u8 tc, u8 hl,
			u8 type, u8 code, u32 rest, const u8 *body,
			size_t blen)
{
	u8 *m = p + 40;

	mk_ip6(p, tc, 8 + blen, 58, hl, s, d);
	m[0] = type;
	m[1] = code;
	wr16(m + 2, 0);
	wr32(m + 4, rest);
	memcpy(m + 8, body, blen);
	wr16(m + 2, rfold(rsum(rpseudo6(s.b, d.b, 8 + blen, 58), m,
				8 + blen)));
	return 48 + blen;
}

/* ------------------------------------------------------------------------
 * Address mapping callbacks and context
 */

#define UNMAPPABLE4 "10.66.66.66"

struct calls {
	unsigned int n;
	u8 addr[4][16];
	bool as_source[4];
};

static bool tmap4to6(void *priv, __be32 addr, bool as_source,
		     struct in6_addr *out)
{
	struct calls *c = priv;
	struct v4 a;
	struct v6 r;

	memcpy(a.b, &addr, 4);
	if (c->n < 4) {
		memcpy(c->addr[c->n], a.b, 4);
		c->as_source[c->n++] = as_source;
	}
	if (!memcmp(a.b, A4(UNMAPPABLE4).b, 4))
		return false;
	r = pool6(a);
	memcpy(out, r.b, 16);
	return true;
}

static bool tmap6to4(void *priv, const struct in6_addr *addr, bool as_source,
		     __be32 *out)
{
	struct calls *c = priv;
	struct v6 p = A6("2001:db8:64::");

	if (c->n < 4) {
		memcpy(c->addr[c->n], addr, 16);
		c->as_source[c->n++] = as_source;
	}
	if (memcmp(addr, p.b, 12))
		return false;
	memcpy(out, (const u8 *)addr + 12, 4);
	return true;
}

/* The players. The IPv6 host H6 is 198.51.100.10 to the IPv4 world. */
#define ROUTER4 "192.0.2.1"
#define HOST4 "198.51.100.10"
#define SERVER4 "203.0.113.5"
#define ROUTER6 "2001:db8:1::1"

static struct calls g_calls;

static struct siitdc_icmp_err_ctx mkctx(void)
{
	struct siitdc_icmp_err_ctx c;
	struct v6 s = pool6(A4(ROUTER4)), d = pool6(A4(HOST4));

	memset(&c, 0, sizeof(c));
	memcpy(&c.saddr6, s.b, 16);
	memcpy(&c.daddr6, d.b, 16);
	memcpy(&c.saddr4, A4("192.0.2.99").b, 4);
	memcpy(&c.daddr4, A4(SERVER4).b, 4);
	c.hop_limit = 59;
	c.tos = -1;
	c.map4to6 = tmap4to6;
	c.map6to4 = tmap6to4;
	memset(&g_calls, 0, sizeof(g_calls));
	c.priv = &g_calls;
	return c;
}

/* Output buffer with a canary zone after @outcap. */
#define CANARY 64
static u8 obuf[2048 + CANARY];

static int run46(bool to6, const u8 *in, size_t inlen, unsigned int outcap,
		 const struct siitdc_icmp_err_ctx *ctx)
{
	unsigned int i;
	u8 *copy = malloc(inlen ? inlen : 1);
	int r;

	memcpy(copy, in, inlen);	/* exact-size heap copy for ASan */
	memset(obuf, 0xa5, outcap + CANARY);
	if (to6)
		r = siitdc_icmp_err_4to6(copy, (unsigned int)inlen, obuf,
					 outcap, ctx);
	else
		r = siitdc_icmp_err_6to4(copy, (unsigned int)inlen, obuf,
					 outcap, ctx);
	free(copy);
	for (i = outcap; i < outcap + CANARY; i++)
		CHECK(obuf[i] == 0xa5, "wrote past outcap at %u", i);
	CHECK(r <= (int)outcap, "returned %d > outcap %u", r, outcap);
	return r;
}

static void cmp_bytes(const u8 *got, const u8 *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != want[i]) {
			fail("byte %zu: got 0x%02x want 0x%02x", i, got[i],
			     want[i]);
			return;
		}
}

/* Valid outer ICMPv6 checksum of an IPv6 packet without ext headers. */
static bool icmp6_ok(const u8 *p, size_t len)
{
	return rfold(rsum(rpseudo6(p + 8, p + 24, len - 40, 58), p + 40,
			  len - 40)) == 0;
}

static bool icmp4_ok(const u8 *p, size_t len)
{
	return rfold(rsum(0, p + 20, len - 20)) == 0 &&
	       rfold(rsum(0, p, 20)) == 0;
}

/* ------------------------------------------------------------------------
 * icmp_map: RFC 7915 tables, rows 33-59 and 101-115
 */

struct exp {
	int kind;
	int type, code, ptr, fixed;
	bool mtu;
};

static void check_x(const struct siitdc_icmp_xlat *x, const struct exp *e,
		    unsigned int t, unsigned int c)
{
	CHECK(x->kind == e->kind, "%u/%u kind %u want %d", t, c, x->kind,
	      e->kind);
	if (e->kind == SIITDC_ICMP_DROP)
		return;
	CHECK(x->type == e->type && x->code == e->code,
	      "%u/%u -> %u/%u want %d/%d", t, c, x->type, x->code, e->type,
	      e->code);
	CHECK(x->ptr == e->ptr, "%u/%u ptr mode %u want %d", t, c, x->ptr,
	      e->ptr);
	if (e->ptr == SIITDC_PTR_FIXED)
		CHECK(x->ptr_fixed == e->fixed, "%u/%u fixed ptr %u", t, c,
		      x->ptr_fixed);
	CHECK(x->mtu == e->mtu, "%u/%u mtu flag %d", t, c, x->mtu);
}

#define DROP { SIITDC_ICMP_DROP, 0, 0, 0, 0, false }
#define ERR(t, c) { SIITDC_ICMP_ERROR, t, c, SIITDC_PTR_NONE, 0, false }

/* Expected 4to6 result for 3/code (rows 40-51). */
static struct exp unreach4(unsigned int c)
{
	struct exp d = DROP, e10 = ERR(1, 0), e11 = ERR(1, 1), e14 = ERR(1, 4);
	struct exp pp = { SIITDC_ICMP_ERROR, 4, 1, SIITDC_PTR_FIXED, 6, false };
	struct exp ptb = { SIITDC_ICMP_ERROR, 2, 0, SIITDC_PTR_NONE, 0, true };

	switch (c) {
	case 0: case 1: case 5: case 6: case 7: case 8: case 11: case 12:
		return e10;
	case 2:
		return pp;
	case 3:
		return e14;
	case 4:
		return ptb;
	case 9: case 10: case 13: case 15:
		return e11;
	}
	return d;
}

static void map4(unsigned int t, unsigned int c, const struct exp *e)
{
	struct siitdc_icmp_xlat x;

	siitdc_icmp_map4to6((u8)t, (u8)c, &x);
	check_x(&x, e, t, c);
}

static void map6(unsigned int t, unsigned int c, const struct exp *e)
{
	struct siitdc_icmp_xlat x;

	siitdc_icmp_map6to4((u8)t, (u8)c, &x);
	check_x(&x, e, t, c);
}

static void test_map4to6(void)
{
	static const struct { int row; unsigned int t; } drops[] = {
		{ 34, 15 }, { 34, 16 }, { 35, 13 }, { 35, 14 }, { 36, 17 },
		{ 36, 18 }, { 37, 9 }, { 37, 10 }, { 52, 4 }, { 52, 5 },
		{ 52, 6 }, { 39, 1 }, { 39, 2 }, { 39, 7 }, { 39, 19 },
		{ 39, 40 }, { 39, 255 },
	};
	struct exp d = DROP;
	unsigned int i, c;

	test_begin("row33-echo-4to6");
	for (c = 0; c < 256; c++) {
		struct exp q = { SIITDC_ICMP_INFO, 128, (int)c, 0, 0, false };
		struct exp r = { SIITDC_ICMP_INFO, 129, (int)c, 0, 0, false };

		map4(8, c, &q);
		map4(0, c, &r);
	}
	test_end();

	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		test_begin("row%d-drop-type-%u", drops[i].row, drops[i].t);
		for (c = 0; c < 256; c++)
			map4(drops[i].t, c, &d);
		test_end();
	}

	test_begin("row39-all-unknown-types-dropped");
	for (i = 0; i < 256; i++) {
		if (i == 0 || i == 3 || i == 8 || i == 11 || i == 12)
			continue;
		for (c = 0; c < 256; c++)
			map4(i, c, &d);
	}
	test_end();

	{
		static const struct { int row; unsigned int lo, hi; } r[] = {
			{ 40, 0, 1 }, { 41, 2, 2 }, { 42, 3, 3 }, { 43, 4, 4 },
			{ 44, 5, 5 }, { 45, 6, 8 }, { 46, 9, 10 },
			{ 47, 11, 12 }, { 48, 13, 13 }, { 49, 14, 14 },
			{ 50, 15, 15 }, { 51, 16, 255 },
		};

		for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
			test_begin("row%d-dest-unreach-3/%u..%u", r[i].row,
				   r[i].lo, r[i].hi);
			for (c = r[i].lo; c <= r[i].hi; c++) {
				struct exp e = unreach4(c);

				map4(3, c, &e);
			}
			test_end();
		}
	}

	test_begin("row41-3/2-to-4/1-pointer-6-explicit");
	{
		struct siitdc_icmp_xlat x;

		siitdc_icmp_map4to6(3, 2, &x);
		CHECK(x.type == 4 && x.code == 1 && x.ptr == SIITDC_PTR_FIXED &&
		      x.ptr_fixed == 6, "got %u/%u ptr %u/%u", x.type, x.code,
		      x.ptr, x.ptr_fixed);
		CHECK(x.old_len && !x.new_len, "len flags %d %d", x.old_len,
		      x.new_len);
	}
	test_end();

	test_begin("row43-3/4-to-ptb-no-length-field");
	{
		struct siitdc_icmp_xlat x;

		siitdc_icmp_map4to6(3, 4, &x);
		CHECK(x.type == 2 && x.code == 0 && x.mtu, "got %u/%u", x.type,
		      x.code);
		CHECK(x.old_len && !x.new_len, "len flags %d %d", x.old_len,
		      x.new_len);
	}
	test_end();

	test_begin("row55-time-exceeded-code-kept");
	for (c = 0; c < 256; c++) {
		struct exp e = ERR(3, (int)c);
		struct siitdc_icmp_xlat x;

		map4(11, c, &e);
		siitdc_icmp_map4to6(11, (u8)c, &x);
		CHECK(x.old_len && x.new_len, "len flags");
	}
	test_end();

	test_begin("row56-param-problem-12/0-to-4/0-mapped");
	{
		struct exp e = { SIITDC_ICMP_ERROR, 4, 0, SIITDC_PTR_MAP, 0,
				 false };
		struct siitdc_icmp_xlat x;

		map4(12, 0, &e);
		siitdc_icmp_map4to6(12, 0, &x);
		CHECK(x.old_len && !x.new_len, "len flags");
	}
	test_end();

	test_begin("row57-12/1-dropped");
	map4(12, 1, &d);
	test_end();

	test_begin("row58-12/2-to-4/0-mapped");
	{
		struct exp e = { SIITDC_ICMP_ERROR, 4, 0, SIITDC_PTR_MAP, 0,
				 false };

		map4(12, 2, &e);
	}
	test_end();

	test_begin("row59-12/other-dropped");
	for (c = 3; c < 256; c++)
		map4(12, c, &d);
	test_end();

	test_begin("row40-51-len-flags-dest-unreach");
	for (c = 0; c < 256; c++) {
		struct siitdc_icmp_xlat x;

		siitdc_icmp_map4to6(3, (u8)c, &x);
		CHECK(x.old_len, "3/%u old_len", c);
		if (x.kind == SIITDC_ICMP_ERROR)
			CHECK(x.new_len == (x.type == 1), "3/%u new_len", c);
	}
	test_end();
}

static void test_map6to4(void)
{
	struct exp d = DROP;
	unsigned int t, c;

	test_begin("row101-echo-6to4");
	for (c = 0; c < 256; c++) {
		struct exp q = { SIITDC_ICMP_INFO, 8, (int)c, 0, 0, false };
		struct exp r = { SIITDC_ICMP_INFO, 0, (int)c, 0, 0, false };

		map6(128, c, &q);
		map6(129, c, &r);
	}
	test_end();

	test_begin("row102-mld-nd-dropped");
	for (t = 130; t <= 137; t++)
		for (c = 0; c < 256; c++)
			map6(t, c, &d);
	test_end();

	test_begin("row103-unknown-informational-dropped");
	for (t = 138; t < 256; t++)
		for (c = 0; c < 256; c++)
			map6(t, c, &d);
	test_end();

	{
		static const struct { int row; u8 c, t4, c4; } r[] = {
			{ 104, 0, 3, 1 }, { 105, 1, 3, 10 }, { 106, 2, 3, 1 },
			{ 107, 3, 3, 1 }, { 108, 4, 3, 3 },
		};
		unsigned int i;

		for (i = 0; i < 5; i++) {
			struct exp e = ERR(r[i].t4, r[i].c4);
			struct siitdc_icmp_xlat x;

			test_begin("row%d-1/%u-to-%u/%u", r[i].row, r[i].c,
				   r[i].t4, r[i].c4);
			map6(1, r[i].c, &e);
			siitdc_icmp_map6to4(1, r[i].c, &x);
			CHECK(x.old_len && x.new_len, "len flags");
			test_end();
		}
	}

	test_begin("row109-1/other-dropped");
	for (c = 5; c < 256; c++)
		map6(1, c, &d);
	test_end();

	test_begin("row110-ptb-to-3/4-mtu");
	{
		struct exp e = { SIITDC_ICMP_ERROR, 3, 4, SIITDC_PTR_NONE, 0,
				 true };
		struct siitdc_icmp_xlat x;

		map6(2, 0, &e);
		siitdc_icmp_map6to4(2, 0, &x);
		CHECK(!x.old_len && x.new_len, "len flags %d %d", x.old_len,
		      x.new_len);
	}
	test_end();

	test_begin("row111-time-exceeded-code-kept");
	for (c = 0; c < 256; c++) {
		struct exp e = ERR(11, (int)c);

		map6(3, c, &e);
	}
	test_end();

	test_begin("row112-4/0-to-12/0-mapped");
	{
		struct exp e = { SIITDC_ICMP_ERROR, 12, 0, SIITDC_PTR_MAP, 0,
				 false };
		struct siitdc_icmp_xlat x;

		map6(4, 0, &e);
		siitdc_icmp_map6to4(4, 0, &x);
		CHECK(!x.old_len && x.new_len, "len flags");
	}
	test_end();

	test_begin("row113-4/1-to-3/2");
	{
		struct exp e = ERR(3, 2);

		map6(4, 1, &e);
	}
	test_end();

	test_begin("row114-4/2-dropped");
	map6(4, 2, &d);
	test_end();

	test_begin("row114-4/other-dropped");
	for (c = 3; c < 256; c++)
		map6(4, c, &d);
	test_end();

	test_begin("row115-unknown-error-types-dropped");
	for (t = 0; t < 128; t++) {
		if (t >= 1 && t <= 4)
			continue;
		for (c = 0; c < 256; c++)
			map6(t, c, &d);
	}
	test_end();

	test_begin("has-len-and-is-error");
	for (t = 0; t < 256; t++) {
		CHECK(siitdc_icmp4_has_len((u8)t) ==
		      (t == 3 || t == 11 || t == 12), "4 has_len %u", t);
		CHECK(siitdc_icmp6_has_len((u8)t) == (t == 1 || t == 3),
		      "6 has_len %u", t);
		CHECK(siitdc_icmp4_is_error((u8)t) ==
		      (t == 3 || t == 4 || t == 5 || t == 11 || t == 12),
		      "4 is_error %u", t);
		CHECK(siitdc_icmp6_is_error((u8)t) == (t < 128),
		      "6 is_error %u", t);
	}
	test_end();
}

static void test_pointers(void)
{
	/* RFC 7915 figure 3, written out per octet. */
	static const int p46[20] = {
		0, 1, 4, 4, -1, -1, -1, -1, 7, 6, -1, -1,
		8, 8, 8, 8, 24, 24, 24, 24,
	};
	static const u32 big[] = { 256, 1000, 65535, 0x7fffffff, 0xffffffff };
	unsigned int i;

	test_begin("table-p4to6-all-pointers");
	for (i = 0; i < 256; i++) {
		int want = i < 20 ? p46[i] : -1;

		CHECK(siitdc_icmp_ptr4to6(i) == want, "ptr %u -> %d want %d",
		      i, siitdc_icmp_ptr4to6(i), want);
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		CHECK(siitdc_icmp_ptr4to6(big[i]) == -1, "ptr %u", big[i]);
	test_end();

	test_begin("table-p6to4-all-pointers");
	for (i = 0; i < 256; i++) {
		int want;

		if (i <= 1)
			want = (int)i;
		else if (i <= 3)
			want = -1;
		else if (i <= 5)
			want = 2;
		else if (i == 6)
			want = 9;
		else if (i == 7)
			want = 8;
		else if (i <= 23)
			want = 12;
		else if (i <= 39)
			want = 16;
		else
			want = -1;
		CHECK(siitdc_icmp_ptr6to4(i) == want, "ptr %u -> %d want %d",
		      i, siitdc_icmp_ptr6to4(i), want);
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		CHECK(siitdc_icmp_ptr6to4(big[i]) == -1, "ptr %u", big[i]);
	test_end();
}

/* ------------------------------------------------------------------------
 * mtu
 */

static void test_mtu(void)
{
	static const u16 custom[] = { 9000, 1500 };
	static const struct {
		u32 in, tot, m6, m4, want;
	} c46[] = {
		{ 1400, 1500, 0, 0, 1420 },	/* MTU_in + 20 */
		{ 1400, 1500, 1300, 0, 1300 },	/* IPv6 next hop */
		{ 1400, 1500, 0, 1350, 1370 },	/* IPv4 next hop + 20 */
		{ 1400, 1500, 0, 1200, 1280 },	/* floor */
		{ 1279, 1500, 0, 0, 1299 },
		{ 1280, 1500, 0, 0, 1300 },
		{ 1260, 1500, 0, 0, 1280 },
		{ 1261, 1500, 0, 0, 1281 },
		{ 68, 1500, 0, 0, 1280 },
		{ 1, 1500, 0, 0, 1280 },
		{ 65535, 65535, 0, 0, 65555 },
		{ 65535, 65535, 9000, 0, 9000 },
		{ 65535, 65535, 0, 65535, 65555 },
		{ 0xffffffff, 0, 0, 0xffffffff, 65555 },
		{ 1500, 1500, 1280, 1280, 1280 },
		{ 1500, 1500, 1279, 0, 1280 },	/* silly IPv6 MTU: floor */
		/* row 54: MTU 0, plateau strictly below Total Length */
		{ 0, 1500, 0, 0, 1512 },	/* 1492 + 20 */
		{ 0, 1493, 0, 0, 1512 },
		{ 0, 1492, 0, 0, 1280 },	/* 1006 + 20, floored */
		{ 0, 65535, 0, 0, 32020 },
		{ 0, 8167, 0, 0, 8186 },
		{ 0, 8166, 0, 0, 4372 },
		{ 0, 4353, 0, 0, 4372 },
		{ 0, 2003, 0, 0, 2022 },
		{ 0, 69, 0, 0, 1280 },
		{ 0, 68, 0, 0, 1280 },		/* no plateau below 68 */
		{ 0, 0, 0, 0, 1280 },
		{ 0, 1500, 1400, 0, 1400 },
		{ 0, 32001, 9000, 0, 9000 },
	};
	static const struct { u32 in, m4, m6, want; } c64[] = {
		{ 1500, 0, 0, 1480 },
		{ 1280, 0, 0, 1260 },
		{ 1500, 1400, 0, 1400 },
		{ 1500, 0, 1300, 1280 },
		{ 1500, 1480, 1500, 1480 },
		{ 1500, 1481, 1501, 1480 },
		{ 68, 0, 0, 48 },
		{ 21, 0, 0, 1 },
		{ 20, 0, 0, 0 },
		{ 19, 0, 0, 0 },
		{ 0, 0, 0, 0 },
		{ 0, 1500, 1500, 0 },
		{ 1500, 0, 20, 0 },		/* saturates, no underflow */
		{ 1500, 0, 10, 0 },
		{ 1500, 0, 21, 1 },
		{ 65555, 0, 0, 65535 },
		{ 65556, 0, 0, 65535 },
		{ 100000, 0, 0, 65535 },
		{ 0xffffffff, 0, 0, 65535 },
		{ 0xffffffff, 70000, 0xffffffff, 65535 },
		{ 0xffffffff, 1, 0, 1 },
		{ 9000, 65535, 0, 8980 },
	};
	unsigned int i;

	test_begin("row60-rfc1191-plateau-list");
	{
		static const u16 want[11] = { 65535, 32000, 17914, 8166, 4352,
					      2002, 1492, 1006, 508, 296, 68 };

		CHECK(SIITDC_RFC1191_NPLATEAUS == 11, "n");
		CHECK(!memcmp(want, siitdc_rfc1191_plateaus, sizeof(want)),
		      "list differs");
	}
	test_end();

	test_begin("row53-54-129-mtu-4to6");
	for (i = 0; i < sizeof(c46) / sizeof(c46[0]); i++) {
		u32 r = siitdc_mtu_4to6(c46[i].in, c46[i].tot, c46[i].m6,
					c46[i].m4, NULL, 0);

		CHECK(r == c46[i].want, "case %u (%u,%u,%u,%u) = %u want %u",
		      i, c46[i].in, c46[i].tot, c46[i].m6, c46[i].m4, r,
		      c46[i].want);
	}
	test_end();

	test_begin("row54-custom-plateaus");
	CHECK_EQ(siitdc_mtu_4to6(0, 9001, 0, 0, custom, 2), 9020);
	CHECK_EQ(siitdc_mtu_4to6(0, 9000, 0, 0, custom, 2), 1520);
	CHECK_EQ(siitdc_mtu_4to6(0, 1500, 0, 0, custom, 2), 1280);
	CHECK_EQ(siitdc_mtu_4to6(0, 1500, 0, 0, custom, 0), 1280);
	CHECK_EQ(siitdc_mtu_plateau(1500, siitdc_rfc1191_plateaus, 11), 1492);
	CHECK_EQ(siitdc_mtu_plateau(68, siitdc_rfc1191_plateaus, 11), 0);
	CHECK_EQ(siitdc_mtu_plateau(65536, siitdc_rfc1191_plateaus, 11),
		 65535);
	test_end();

	test_begin("row110-116-mtu-6to4");
	for (i = 0; i < sizeof(c64) / sizeof(c64[0]); i++) {
		u32 r = siitdc_mtu_6to4(c64[i].in, c64[i].m4, c64[i].m6);

		CHECK(r == c64[i].want, "case %u (%u,%u,%u) = %u want %u", i,
		      c64[i].in, c64[i].m4, c64[i].m6, r, c64[i].want);
	}
	test_end();
}

/* ------------------------------------------------------------------------
 * hdr
 */

static void test_hdr4to6(void)
{
	struct v4 s = A4(HOST4), d = A4(SERVER4);
	struct v6 s6 = A6("2001:db8::1"), d6 = A6("2001:db8::2");
	struct siitdc_hdr_info hi;
	u8 in[64], out[SIITDC_HDR6_MAX + 8], want[48];
	int r;

	test_begin("hdr4to6-plain-udp-fields");
	mk_ip4(in, 0xb9, 100, 0xbeef, 0x4000, 64, 17, s, d);
	r = siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false, out,
			   &hi);
	CHECK_EQ(r, 40);
	mk_ip6(want, 0xb9, 80, 17, 64, s6, d6);
	cmp_bytes(out, want, 40);
	CHECK(hi.in_hlen == 20 && hi.out_hlen == 40 && hi.l4_len == 80 &&
	      hi.proto == 17 && !hi.frag && !hi.fraghdr, "info");
	test_end();

	test_begin("row12-hdr4to6-zero-tc");
	r = siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, true, out, &hi);
	CHECK_EQ(r, 40);
	CHECK(out[0] == 0x60 && (out[1] & 0xf0) == 0, "tc not zero");
	test_end();

	test_begin("row13-15-hdr4to6-flow0-icmp-58");
	mk_ip4(in, 0xff, 84, 1, 0, 1, 1, s, d);
	r = siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false, out,
			   &hi);
	CHECK_EQ(r, 40);
	CHECK_EQ(out[6], 58);
	CHECK_EQ(out[7], 1);			/* hop limit copied (row 61) */
	CHECK(out[1] == 0xf0 && out[2] == 0 && out[3] == 0, "flow label");
	CHECK_EQ(hi.proto, 1);
	test_end();

	test_begin("row14-65-hdr4to6-declared-length-options");
	mk_ip4(in, 0, 1500, 1, 0, 9, 6, s, d);
	in[0] = 0x46;				/* one option word */
	memset(in + 20, 1, 4);			/* NOPs */
	r = siitdc_hdr4to6(in, 24, (void *)s6.b, (void *)d6.b, false, out,
			   &hi);
	CHECK_EQ(r, 40);
	CHECK_EQ(rd16(out + 4), 1476);
	CHECK_EQ(hi.in_hlen, 24);
	CHECK_EQ(hi.l4_len, 1476);
	test_end();

	test_begin("row22-23-hdr4to6-df-alone-no-fraghdr");
	mk_ip4(in, 0, 100, 0x1234, 0x4000, 9, 17, s, d);
	r = siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false, out,
			   &hi);
	CHECK_EQ(r, 40);
	CHECK_EQ(out[6], 17);
	test_end();

	test_begin("row27-28-hdr4to6-first-fragment");
	mk_ip4(in, 0, 1000, 0x04d2, 0x2000, 9, 1, s, d);
	r = siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false, out,
			   &hi);
	CHECK_EQ(r, 48);
	CHECK_EQ(out[6], 44);
	CHECK_EQ(rd16(out + 4), 1000 - 20 + 8);
	CHECK_EQ(out[40], 58);			/* mapped next header */
	CHECK_EQ(out[41], 0);
	CHECK_EQ(rd16(out + 42), 1);		/* offset 0, M = 1 */
	CHECK_EQ(rd32(out + 44), 1234);		/* ID, high 16 bits zero */
	CHECK(hi.frag && hi.fraghdr && hi.frag_off == 0, "info");
	test_end();

	test_begin("row27-hdr4to6-last-fragment");
	mk_ip4(in, 0, 300, 0xfedc, 185, 9, 17, s, d);
	r = siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false, out,
			   &hi);
	CHECK_EQ(r, 48);
	CHECK_EQ(out[40], 17);
	CHECK_EQ(rd16(out + 42), 185 << 3);	/* M = 0 */
	CHECK_EQ(rd32(out + 44), 0xfedc);
	CHECK_EQ(rd16(out + 4), 288);
	CHECK_EQ(hi.frag_off, 185);
	test_end();

	test_begin("row29-hdr4to6-df-and-mf");
	mk_ip4(in, 0, 300, 7, 0x6000 | 3, 9, 17, s, d);
	r = siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false, out,
			   &hi);
	CHECK_EQ(r, 48);
	CHECK_EQ(rd16(out + 42), 3 << 3 | 1);
	test_end();

	test_begin("hdr4to6-malformed");
	mk_ip4(in, 0, 100, 1, 0, 9, 17, s, d);
	CHECK_EQ(siitdc_hdr4to6(in, 19, (void *)s6.b, (void *)d6.b, false,
				out, &hi), -SIITDC_ERR_MALFORMED);
	in[0] = 0x65;
	CHECK_EQ(siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false,
				out, &hi), -SIITDC_ERR_MALFORMED);
	in[0] = 0x44;
	CHECK_EQ(siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false,
				out, &hi), -SIITDC_ERR_MALFORMED);
	in[0] = 0x46;
	CHECK_EQ(siitdc_hdr4to6(in, 23, (void *)s6.b, (void *)d6.b, false,
				out, &hi), -SIITDC_ERR_MALFORMED);
	in[0] = 0x45;
	wr16(in + 2, 19);
	CHECK_EQ(siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false,
				out, &hi), -SIITDC_ERR_MALFORMED);
	wr16(in + 2, 20);
	CHECK_EQ(siitdc_hdr4to6(in, 20, (void *)s6.b, (void *)d6.b, false,
				out, &hi), 40);
	CHECK_EQ(rd16(out + 4), 0);
	test_end();
}

/* An IPv6 header followed by @n extension headers of the given types. */
static size_t mk_chain(u8 *p, unsigned int pl, const u8 *types,
		       unsigned int n, u8 last, u8 tc, u8 hl)
{
	size_t off = 40;
	unsigned int i;

	mk_ip6(p, tc, pl, n ? types[0] : last, hl, A6("2001:db8:64::a"),
	       A6("2001:db8:64::b"));
	for (i = 0; i < n; i++) {
		u8 nh = i + 1 < n ? types[i + 1] : last;

		memset(p + off, 0, 16);
		p[off] = nh;
		if (types[i] == 44) {
			off += 8;
			continue;
		}
		p[off + 1] = types[i] == 60 ? 1 : 0;	/* 16 or 8 bytes */
		off += types[i] == 60 ? 16 : 8;
	}
	return off;
}

static void test_hdr6to4(void)
{
	struct siitdc_hdr_info hi;
	__be32 s, d;
	u8 in[256], out[24], want[20];
	size_t h;
	int r;

	memcpy(&s, A4(SERVER4).b, 4);
	memcpy(&d, A4(HOST4).b, 4);

	test_begin("hdr6to4-plain-fields");
	h = mk_chain(in, 80, NULL, 0, 17, 0xb9, 64);
	r = siitdc_hdr6to4(in, h, s, d, -1, out, &hi);
	CHECK_EQ(r, 20);
	mk_ip4(want, 0xb9, 100, 0, 0, 64, 17, A4(SERVER4), A4(HOST4));
	cmp_bytes(out, want, 20);		/* incl. reference checksum */
	CHECK(hi.in_hlen == 40 && hi.l4_len == 80 && hi.proto == 17 &&
	      !hi.fraghdr && !hi.frag, "info");
	test_end();

	test_begin("row82-hdr6to4-tos-override");
	r = siitdc_hdr6to4(in, h, s, d, 0x10, out, &hi);
	CHECK_EQ(out[1], 0x10);
	CHECK(rfold(rsum(0, out, 20)) == 0, "header checksum");
	test_end();

	test_begin("row84-hdr6to4-df-threshold");
	h = mk_chain(in, 1240, NULL, 0, 6, 0, 5);
	siitdc_hdr6to4(in, h, s, d, -1, out, &hi);
	CHECK_EQ(rd16(out + 2), 1260);
	CHECK_EQ(rd16(out + 6), 0);
	h = mk_chain(in, 1241, NULL, 0, 6, 0, 5);
	siitdc_hdr6to4(in, h, s, d, -1, out, &hi);
	CHECK_EQ(rd16(out + 2), 1261);
	CHECK_EQ(rd16(out + 6), 0x4000);
	CHECK_EQ(rd16(out + 4), 0);
	CHECK(rfold(rsum(0, out, 20)) == 0, "header checksum");
	test_end();

	test_begin("row87-hdr6to4-icmpv6-to-1");
	h = mk_chain(in, 64, NULL, 0, 58, 0, 5);
	siitdc_hdr6to4(in, h, s, d, -1, out, &hi);
	CHECK_EQ(out[9], 1);
	CHECK_EQ(hi.proto, 58);
	test_end();

	test_begin("row2-83-hdr6to4-skips-hbh-dst-rt0");
	{
		static const u8 t[] = { 0, 60, 43 };

		h = mk_chain(in, 200, t, 3, 6, 0, 5);
		CHECK_EQ(h, 72);
		r = siitdc_hdr6to4(in, h, s, d, -1, out, &hi);
		CHECK_EQ(r, 20);
		CHECK_EQ(rd16(out + 2), 200 - 32 + 20);
		CHECK_EQ(out[9], 6);
		CHECK_EQ(hi.in_hlen, 72);
	}
	test_end();

	test_begin("row91-hdr6to4-routing-segments-left");
	{
		static const u8 t[] = { 43 };

		h = mk_chain(in, 100, t, 1, 6, 0, 5);
		in[43] = 1;
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_ROUTING);
	}
	test_end();

	test_begin("row93-94-hdr6to4-fragment");
	{
		static const u8 t[] = { 44 };

		h = mk_chain(in, 1008, t, 1, 17, 0, 5);
		wr16(in + 42, 100 << 3 | 1);
		wr32(in + 44, 16909320);
		r = siitdc_hdr6to4(in, h, s, d, -1, out, &hi);
		CHECK_EQ(r, 20);
		CHECK_EQ(rd16(out + 2), 1008 - 8 + 20);
		CHECK_EQ(rd16(out + 4), 1032);
		CHECK_EQ(rd16(out + 6), 0x2000 | 100);	/* MF, DF = 0 */
		CHECK_EQ(out[9], 17);
		CHECK(hi.frag && hi.fraghdr && hi.frag_off == 100, "info");
		CHECK(rfold(rsum(0, out, 20)) == 0, "header checksum");
	}
	test_end();

	test_begin("row97-hdr6to4-atomic-fragment-big-df0");
	{
		static const u8 t[] = { 44 };

		h = mk_chain(in, 1400, t, 1, 58, 0, 5);
		wr32(in + 44, 0xaaaa5555);
		siitdc_hdr6to4(in, h, s, d, -1, out, &hi);
		CHECK_EQ(rd16(out + 6), 0);
		CHECK_EQ(rd16(out + 4), 0x5555);
		CHECK_EQ(out[9], 1);
		CHECK(!hi.frag && hi.fraghdr, "atomic is not a fragment");
	}
	test_end();

	test_begin("row92-98-hdr6to4-bad-chains");
	{
		static const u8 fd[] = { 44, 60 }, ff[] = { 44, 44 },
				hh[] = { 60, 0 };

		h = mk_chain(in, 100, fd, 2, 17, 0, 5);
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_EXTHDR);
		h = mk_chain(in, 100, ff, 2, 17, 0, 5);
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_EXTHDR);
		h = mk_chain(in, 100, hh, 2, 17, 0, 5);
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_EXTHDR);
		h = mk_chain(in, 100, fd, 1, 51, 0, 5);	/* frag + AH */
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_EXTHDR);
		h = mk_chain(in, 100, NULL, 0, 51, 0, 5); /* AH alone: ok */
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi), 20);
		CHECK_EQ(out[9], 51);
	}
	test_end();

	test_begin("hdr6to4-malformed");
	{
		static const u8 t[] = { 60 };

		h = mk_chain(in, 100, t, 1, 17, 0, 5);
		CHECK_EQ(siitdc_hdr6to4(in, 39, s, d, -1, out, &hi),
			 -SIITDC_ERR_MALFORMED);
		CHECK_EQ(siitdc_hdr6to4(in, h - 1, s, d, -1, out, &hi),
			 -SIITDC_ERR_MALFORMED);
		CHECK_EQ(siitdc_hdr6to4(in, 47, s, d, -1, out, &hi),
			 -SIITDC_ERR_MALFORMED);
		wr16(in + 4, 15);		/* < skipped headers */
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_MALFORMED);
		wr16(in + 4, 16);
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi), 20);
		CHECK_EQ(rd16(out + 2), 20);
		wr16(in + 4, 0);		/* jumbogram */
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_MALFORMED);
		h = mk_chain(in, 65535, NULL, 0, 17, 0, 5);
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_MALFORMED);
		h = mk_chain(in, 65515, NULL, 0, 17, 0, 5);
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi), 20);
		CHECK_EQ(rd16(out + 2), 65535);
		in[0] = 0x45;
		CHECK_EQ(siitdc_hdr6to4(in, h, s, d, -1, out, &hi),
			 -SIITDC_ERR_MALFORMED);
	}
	test_end();
}

/* ------------------------------------------------------------------------
 * icmp_err: whole messages
 */

#define BUF 4096
static u8 in_[BUF], inner_[BUF], body_[BUF], want_[BUF], full_[BUF];

static struct v6 ctx_s6(const struct siitdc_icmp_err_ctx *c)
{
	struct v6 a;

	memcpy(a.b, &c->saddr6, 16);
	return a;
}

static struct v6 ctx_d6(const struct siitdc_icmp_err_ctx *c)
{
	struct v6 a;

	memcpy(a.b, &c->daddr6, 16);
	return a;
}

static struct v4 ctx_s4(const struct siitdc_icmp_err_ctx *c)
{
	struct v4 a;

	memcpy(a.b, &c->saddr4, 4);
	return a;
}

static struct v4 ctx_d4(const struct siitdc_icmp_err_ctx *c)
{
	struct v4 a;

	memcpy(a.b, &c->daddr4, 4);
	return a;
}

/* Expected ICMPv6 / ICMPv4 output for the test context. */
static size_t want6(const struct siitdc_icmp_err_ctx *c, u8 tc, u8 type,
		    u8 code, u32 rest, const u8 *body, size_t blen)
{
	return icmp6_err(want_, ctx_s6(c), ctx_d6(c), tc, c->hop_limit, type,
			 code, rest, body, blen);
}

static size_t want4(const struct siitdc_icmp_err_ctx *c, u8 tos, u8 type,
		    u8 code, u32 rest, const u8 *body, size_t blen)
{
	return icmp4_err(want_, ctx_s4(c), ctx_d4(c), tos, c->hop_limit, type,
			 code, rest, body, blen);
}

static void expect(int r, size_t wl)
{
	CHECK(r == (int)wl, "returned %d, want %zu", r, wl);
	if (r == (int)wl)
		cmp_bytes(obuf, want_, wl);
}

/* The inner packets of the 4to6 tests: IPv6 host -> IPv4 server. */
static size_t in_udp4(u8 *p, u8 ttl, size_t dlen)
{
	return udp4(p, A4(HOST4), A4(SERVER4), ttl, 0x28, 0x1234, 0x4000,
		    dlen, 5);
}

static size_t in_udp4_as6(u8 *p, u8 ttl, size_t dlen)
{
	return udp6(p, pool6(A4(HOST4)), pool6(A4(SERVER4)), ttl, 0x28, dlen,
		    5);
}

/* The inner packets of the 6to4 tests: IPv4 server -> IPv6 host. */
static size_t in_udp6(u8 *p, u8 hl, size_t dlen)
{
	return udp6(p, pool6(A4(SERVER4)), pool6(A4(HOST4)), hl, 0x28, dlen,
		    6);
}

static size_t in_udp6_as4(u8 *p, u8 hl, size_t dlen)
{
	unsigned int tot = 28 + dlen;

	return udp4(p, A4(SERVER4), A4(HOST4), hl, 0x28, 0,
		    tot > 1260 ? 0x4000 : 0, dlen, 6);
}

static size_t err4(u8 type, u8 code, u32 rest, const u8 *body, size_t blen)
{
	return icmp4_err(in_, A4(ROUTER4), A4(HOST4), 0x20, 60, type, code,
			 rest, body, blen);
}

static size_t err6(u8 type, u8 code, u32 rest, const u8 *body, size_t blen)
{
	return icmp6_err(in_, A6(ROUTER6), pool6(A4(SERVER4)), 0x20, 60, type,
			 code, rest, body, blen);
}

static void test_err_time_exceeded(void)
{
	struct siitdc_icmp_err_ctx c = mkctx();
	size_t il, n, bl;
	int r;

	test_begin("row55-61-66-67-4to6-time-exceeded-udp-every-byte");
	il = in_udp4(inner_, 1, 32);
	n = err4(11, 0, 0, inner_, il);
	r = run46(true, in_, n, 1280, &c);
	bl = in_udp4_as6(body_, 1, 32);
	expect(r, want6(&c, 0x20, 3, 0, 0, body_, bl));
	CHECK(r > 0 && icmp6_ok(obuf, r), "outer ICMPv6 checksum");
	CHECK(r > 0 && rfold(rsum(rpseudo6(obuf + 56, obuf + 72, 40, 17),
				  obuf + 88, 40)) == 0,
	      "inner UDP checksum");
	CHECK(r > 0 && obuf[48 + 7] == 1, "inner hop limit changed");
	/* row 67: inner source mapped as a destination and vice versa */
	CHECK(g_calls.n == 2 && !memcmp(g_calls.addr[0], A4(HOST4).b, 4) &&
	      !g_calls.as_source[0] &&
	      !memcmp(g_calls.addr[1], A4(SERVER4).b, 4) &&
	      g_calls.as_source[1], "mapping roles");
	test_end();

	test_begin("row12-4to6-zero-tc-outer-and-inner");
	c = mkctx();
	c.zero_tc = true;
	r = run46(true, in_, n, 1280, &c);
	CHECK(r > 0 && obuf[0] == 0x60 && (obuf[1] & 0xf0) == 0, "outer tc");
	CHECK(r > 0 && obuf[48] == 0x60 && (obuf[49] & 0xf0) == 0,
	      "inner tc");
	CHECK(r > 0 && icmp6_ok(obuf, r), "checksum");
	test_end();

	test_begin("row111-117-122-6to4-time-exceeded-udp-every-byte");
	c = mkctx();
	il = in_udp6(inner_, 1, 32);
	n = err6(3, 1, 0, inner_, il);
	r = run46(false, in_, n, 576, &c);
	bl = in_udp6_as4(body_, 1, 32);
	expect(r, want4(&c, 0x20, 11, 1, 0, body_, bl));
	CHECK(r > 0 && icmp4_ok(obuf, r), "outer checksums");
	CHECK(r > 0 && rfold(rsum(rpseudo4(obuf + 40, obuf + 44, 40, 17),
				  obuf + 48, 40)) == 0,
	      "inner UDP checksum");
	CHECK(r > 0 && obuf[28 + 8] == 1, "inner TTL changed");
	CHECK(g_calls.n == 2 &&
	      !memcmp(g_calls.addr[0], pool6(A4(SERVER4)).b, 16) &&
	      !g_calls.as_source[0] &&
	      !memcmp(g_calls.addr[1], pool6(A4(HOST4)).b, 16) &&
	      g_calls.as_source[1], "mapping roles");
	test_end();

	test_begin("row82-6to4-tos-override");
	c = mkctx();
	c.tos = 0x04;
	r = run46(false, in_, n, 576, &c);
	CHECK(r > 0 && obuf[1] == 0x04 && obuf[29] == 0x04, "tos");
	CHECK(r > 0 && icmp4_ok(obuf, r), "checksums");
	test_end();

	test_begin("6to4-outer-hop-by-hop-skipped");
	c = mkctx();
	memmove(in_ + 48, in_ + 40, n - 40);
	in_[6] = 0;
	memcpy(in_ + 40, "\x3a\x00\x01\x04\x00\x00\x00\x00", 8);
	wr16(in_ + 4, rd16(in_ + 4) + 8);
	r = run46(false, in_, n + 8, 576, &c);
	expect(r, want4(&c, 0x20, 11, 1, 0, body_, bl));
	test_end();

	test_begin("6to4-udp-zero-checksum-stays-zero");
	c = mkctx();
	il = in_udp6(inner_, 1, 32);
	wr16(inner_ + 46, 0);
	n = err6(3, 0, 0, inner_, il);
	r = run46(false, in_, n, 576, &c);
	CHECK(r > 0 && rd16(obuf + 54) == 0, "inner UDP checksum %u",
	      r > 0 ? rd16(obuf + 54) : 0);
	test_end();

	test_begin("row66-4to6-udp-zero-checksum-stays-zero");
	c = mkctx();
	il = in_udp4(inner_, 1, 32);
	wr16(inner_ + 26, 0);
	n = err4(11, 0, 0, inner_, il);
	r = run46(true, in_, n, 1280, &c);
	CHECK(r > 0 && rd16(obuf + 94) == 0, "inner UDP checksum");
	test_end();
}

static void test_err_mtu(void)
{
	struct siitdc_icmp_err_ctx c = mkctx();
	size_t n, bl;
	int r;

	/* A 1500-byte inner packet of which the router quoted 100 bytes. */
	in_udp4(full_, 64, 1472);
	in_udp4_as6(body_, 64, 1472);
	n = err4(3, 4, 1400, full_, 100);

	test_begin("row43-53-73-4to6-frag-needed-to-ptb");
	r = run46(true, in_, n, 1280, &c);
	bl = 120;
	expect(r, want6(&c, 0x20, 2, 0, 1420, body_, bl));
	CHECK(r > 0 && rd16(obuf + 52) == 1480, "inner declared length");
	test_end();

	test_begin("row53-4to6-ptb-ipv6-next-hop");
	c.mtu6 = 1300;
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 2, 0, 1300, body_, bl));
	test_end();

	test_begin("row53-4to6-ptb-ipv4-next-hop");
	c.mtu6 = 0;
	c.mtu4 = 1350;
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 2, 0, 1370, body_, bl));
	test_end();

	test_begin("row129-4to6-ptb-floor-1280");
	c.mtu4 = 0;
	n = err4(3, 4, 576, full_, 100);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 2, 0, 1280, body_, bl));
	test_end();

	test_begin("row54-4to6-ptb-mtu-zero-plateau");
	n = err4(3, 4, 0, full_, 100);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 2, 0, 1512, body_, bl));
	test_end();

	test_begin("row54-4to6-ptb-custom-plateaus");
	{
		static const u16 pl[] = { 9000, 1400 };

		c.plateaus = pl;
		c.nplateaus = 2;
		r = run46(true, in_, n, 1280, &c);
		expect(r, want6(&c, 0x20, 2, 0, 1420, body_, bl));
		c.plateaus = NULL;
		c.nplateaus = 0;
	}
	test_end();

	/* 6to4: a 1500-byte IPv6 packet, 100 bytes quoted. */
	in_udp6(full_, 64, 1452);
	in_udp6_as4(body_, 64, 1452);
	bl = 80;

	test_begin("row110-6to4-ptb-to-frag-needed");
	n = err6(2, 0, 1400, full_, 100);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 4, 1380, body_, bl));
	CHECK(r > 0 && rd16(obuf + 30) == 1480, "inner total length");
	CHECK(r > 0 && rd16(obuf + 34) == 0x4000, "inner DF (row 84)");
	test_end();

	test_begin("row110-6to4-frag-needed-ipv4-next-hop");
	c.mtu4 = 1300;
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 4, 1300, body_, bl));
	test_end();

	test_begin("row110-6to4-frag-needed-ipv6-next-hop");
	c.mtu4 = 0;
	c.mtu6 = 1300;
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 4, 1280, body_, bl));
	test_end();

	test_begin("row116-6to4-frag-needed-clamped");
	c.mtu6 = 0;
	n = err6(2, 0, 0x00100000, full_, 100);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 4, 65535, body_, bl));
	n = err6(2, 0, 10, full_, 100);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 4, 0, body_, bl));
	test_end();
}

static void test_err_pointer(void)
{
	struct siitdc_icmp_err_ctx c = mkctx();
	size_t il, n, bl;
	int r;

	il = in_udp4(inner_, 3, 16);
	bl = in_udp4_as6(body_, 3, 16);

	test_begin("row56-4to6-param-problem-ttl-pointer");
	n = err4(12, 0, 8U << 24, inner_, il);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 4, 0, 7, body_, bl));
	test_end();

	test_begin("row58-4to6-param-problem-bad-length-dst-pointer");
	n = err4(12, 2, 17U << 24, inner_, il);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 4, 0, 24, body_, bl));
	test_end();

	test_begin("row56-4to6-param-problem-pointer-na");
	n = err4(12, 0, 4U << 24, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_POINTER);
	n = err4(12, 0, 20U << 24, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_POINTER);
	test_end();

	test_begin("row57-4to6-param-problem-12/1-dropped");
	n = err4(12, 1, 0, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_TYPE);
	test_end();

	test_begin("row41-4to6-protocol-unreachable-pointer-6");
	n = err4(3, 2, 0, inner_, il);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 4, 1, 6, body_, bl));
	test_end();

	il = in_udp6(inner_, 3, 16);
	bl = in_udp6_as4(body_, 3, 16);

	test_begin("row112-6to4-param-problem-dst-pointer");
	n = err6(4, 0, 24, inner_, il);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 12, 0, 16U << 24, body_, bl));
	test_end();

	test_begin("row112-6to4-param-problem-next-header-pointer");
	n = err6(4, 0, 6, inner_, il);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 12, 0, 9U << 24, body_, bl));
	test_end();

	test_begin("row112-6to4-param-problem-pointer-na");
	n = err6(4, 0, 2, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_POINTER);
	n = err6(4, 0, 40, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_POINTER);
	n = err6(4, 0, 0xffffffff, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_POINTER);
	test_end();

	test_begin("row113-6to4-unrecognized-next-header-to-3/2");
	n = err6(4, 1, 40, inner_, il);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 2, 0, body_, bl));
	test_end();

	test_begin("row114-6to4-4/2-dropped");
	n = err6(4, 2, 40, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_TYPE);
	test_end();
}

static void test_err_truncate(void)
{
	struct siitdc_icmp_err_ctx c = mkctx();
	size_t il, n;
	int r;

	test_begin("row64-4to6-1500-inner-truncated-to-1280");
	il = in_udp4(inner_, 7, 1472);
	in_udp4_as6(full_, 7, 1472);
	n = err4(11, 0, 0, inner_, il);
	CHECK_EQ(n, 1528);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 3, 0, 0, full_, 1232));
	CHECK_EQ(r, 1280);
	CHECK(r > 0 && icmp6_ok(obuf, r), "checksum");
	test_end();

	test_begin("row119-6to4-1500-inner-truncated-to-576");
	il = in_udp6(inner_, 7, 1452);
	in_udp6_as4(full_, 7, 1452);
	n = err6(3, 0, 0, inner_, il);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 11, 0, 0, full_, 548));
	CHECK_EQ(r, 576);
	CHECK(r > 0 && icmp4_ok(obuf, r), "checksum");
	test_end();

	test_begin("row73-4to6-inner-shorter-than-claimed");
	in_udp4(inner_, 7, 972);
	in_udp4_as6(full_, 7, 972);
	n = err4(3, 3, 0, inner_, 28);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 1, 4, 0, full_, 48));
	n = err4(3, 3, 0, inner_, 20);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 1, 4, 0, full_, 40));
	n = err4(3, 3, 0, inner_, 19);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_MALFORMED);
	n = err4(3, 3, 0, inner_, 27);	/* UDP checksum field cut */
	r = run46(true, in_, n, 1280, &c);
	CHECK(r == 95 && !memcmp(obuf + 48, full_, 40) &&
	      !memcmp(obuf + 88, inner_ + 20, 7), "r %d", r);
	test_end();

	test_begin("row73-6to4-inner-shorter-than-claimed");
	in_udp6(inner_, 7, 1000);
	in_udp6_as4(full_, 7, 1000);
	n = err6(1, 0, 0, inner_, 48);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 1, 0, full_, 28));
	n = err6(1, 0, 0, inner_, 40);
	r = run46(false, in_, n, 576, &c);
	expect(r, want4(&c, 0x20, 3, 1, 0, full_, 20));
	n = err6(1, 0, 0, inner_, 39);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_MALFORMED);
	test_end();

	test_begin("outcap-small-and-nospace");
	il = in_udp4(inner_, 7, 100);
	n = err4(11, 0, 0, inner_, il);
	r = run46(true, in_, n, 100, &c);
	CHECK(r == 100 && icmp6_ok(obuf, r), "r %d", r);
	CHECK_EQ(run46(true, in_, n, 88, &c), 88);
	CHECK_EQ(run46(true, in_, n, 87, &c), -SIITDC_ERR_NOSPACE);
	CHECK_EQ(run46(true, in_, n, 0, &c), -SIITDC_ERR_NOSPACE);
	il = in_udp6(inner_, 7, 100);
	n = err6(3, 0, 0, inner_, il);
	r = run46(false, in_, n, 60, &c);
	CHECK(r == 60 && icmp4_ok(obuf, r), "r %d", r);
	CHECK_EQ(run46(false, in_, n, 48, &c), 48);
	CHECK_EQ(run46(false, in_, n, 47, &c), -SIITDC_ERR_NOSPACE);
	test_end();
}

static void test_err_reject(void)
{
	struct siitdc_icmp_err_ctx c = mkctx();
	size_t il, n, bl;
	int r;

	test_begin("row63-4to6-error-in-error");
	il = in_udp4(body_, 7, 8);
	il = icmp4_err(inner_, A4(HOST4), A4(SERVER4), 0, 9, 3, 3, 0, body_,
		       il);
	n = err4(11, 0, 0, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_NESTED);
	inner_[20] = 12;
	n = err4(3, 1, 0, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_NESTED);
	inner_[20] = 13;			/* timestamp: untranslatable */
	n = err4(3, 1, 0, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_INNER);
	test_end();

	test_begin("row118-6to4-error-in-error");
	il = in_udp6(body_, 7, 8);
	il = icmp6_err(inner_, pool6(A4(SERVER4)), pool6(A4(HOST4)), 0, 9, 1,
		       4, 0, body_, il);
	n = err6(3, 0, 0, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_NESTED);
	inner_[40] = 127;
	n = err6(3, 0, 0, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_NESTED);
	inner_[40] = 135;			/* ND: untranslatable */
	n = err6(3, 0, 0, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_INNER);
	test_end();

	test_begin("row61-4to6-inner-echo-translated");
	il = echo4(inner_, A4(HOST4), A4(SERVER4), 9, 7, 20);
	n = err4(3, 1, 0, inner_, il);
	r = run46(true, in_, n, 1280, &c);
	bl = echo6(body_, pool6(A4(HOST4)), pool6(A4(SERVER4)), 9, 20);
	expect(r, want6(&c, 0x20, 1, 0, 0, body_, bl));
	test_end();

	test_begin("6to4-inner-echo-translated");
	il = echo6(inner_, pool6(A4(SERVER4)), pool6(A4(HOST4)), 9, 20);
	n = err6(1, 3, 0, inner_, il);
	r = run46(false, in_, n, 576, &c);
	bl = echo4(body_, A4(SERVER4), A4(HOST4), 9, 0, 20);
	expect(r, want4(&c, 0x20, 3, 1, 0, body_, bl));
	test_end();

	test_begin("row121-bad-outer-checksum-rejected");
	il = in_udp4(inner_, 7, 32);
	n = err4(11, 0, 0, inner_, il);
	in_[22] ^= 1;
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_MALFORMED);
	in_[22] ^= 1;
	in_[n - 1] ^= 0x80;
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_MALFORMED);
	il = in_udp6(inner_, 7, 32);
	n = err6(3, 0, 0, inner_, il);
	in_[42] ^= 1;
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_MALFORMED);
	in_[42] ^= 1;
	in_[8] ^= 1;		/* pseudo-header source address */
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_MALFORMED);
	test_end();

	test_begin("row122-inner-address-untranslatable");
	udp4(inner_, A4(UNMAPPABLE4), A4(SERVER4), 7, 0, 0, 0, 32, 1);
	n = err4(11, 0, 0, inner_, 60);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_INNER);
	udp6(inner_, A6("2001:db8:9::1"), pool6(A4(HOST4)), 7, 0, 32, 1);
	n = err6(3, 0, 0, inner_, 80);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_INNER);
	test_end();

	test_begin("type-dropped-or-not-an-error");
	il = in_udp4(inner_, 7, 32);
	n = err4(3, 14, 0, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_TYPE);
	n = err4(8, 0, 0, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_TYPE);
	n = err4(5, 0, 0, inner_, il);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_TYPE);
	il = in_udp6(inner_, 7, 32);
	n = err6(1, 5, 0, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_TYPE);
	n = err6(128, 0, 0, inner_, il);
	CHECK_EQ(run46(false, in_, n, 576, &c), -SIITDC_ERR_TYPE);
	test_end();

	test_begin("row3-outer-fragment-rejected");
	il = in_udp4(inner_, 7, 32);
	n = err4(11, 0, 0, inner_, il);
	wr16(in_ + 6, 0x2000);
	CHECK_EQ(run46(true, in_, n, 1280, &c), -SIITDC_ERR_FRAGMENT);
	wr16(in_ + 6, 0x4000);		/* DF alone is fine */
	CHECK(run46(true, in_, n, 1280, &c) > 0, "DF");
	il = in_udp6(inner_, 7, 32);
	n = err6(3, 0, 0, inner_, il);
	memmove(in_ + 48, in_ + 40, n - 40);
	in_[6] = 44;
	memcpy(in_ + 40, "\x3a\x00\x00\x01\x00\x00\x00\x01", 8);
	wr16(in_ + 4, rd16(in_ + 4) + 8);
	CHECK_EQ(run46(false, in_, n + 8, 576, &c), -SIITDC_ERR_FRAGMENT);
	in_[43] = 0;			/* atomic fragment: fine */
	CHECK(run46(false, in_, n + 8, 576, &c) > 0, "atomic");
	test_end();

	test_begin("row27-4to6-inner-fragment-gets-fragment-header");
	udp4(inner_, A4(HOST4), A4(SERVER4), 7, 0, 0x4321, 0x2000, 32, 1);
	n = err4(11, 1, 0, inner_, 60);
	r = run46(true, in_, n, 1280, &c);
	CHECK_EQ(r, 48 + 48 + 40);
	if (r > 0) {
		CHECK_EQ(obuf[48 + 6], 44);
		CHECK_EQ(rd16(obuf + 48 + 4), 48);
		CHECK_EQ(obuf[88], 17);
		CHECK_EQ(rd32(obuf + 92), 0x4321);
		CHECK_EQ(rd16(obuf + 90), 1);
		CHECK(rfold(rsum(rpseudo6(obuf + 56, obuf + 72, 40, 17),
				 obuf + 96, 40)) == 0, "inner UDP checksum");
		CHECK(icmp6_ok(obuf, r), "checksum");
	}
	test_end();
}

/* An opaque RFC 4884 extension structure of @n bytes. */
static void mk_ext(u8 *p, size_t n)
{
	fill(p, n, 0x40);
	p[0] = 0x20;
	p[1] = 0;
}

static void test_err_rfc4884(void)
{
	struct siitdc_icmp_err_ctx c = mkctx();
	size_t il, bl, n, wl;
	u8 *b;
	int r;

	test_begin("row68-71-4to6-extension-padded-128");
	il = in_udp4(inner_, 7, 32);			/* 60 bytes */
	memset(inner_ + il, 0, 128 - il);
	mk_ext(inner_ + 128, 20);
	n = err4(11, 0, 32U << 16, inner_, 148);
	r = run46(true, in_, n, 1280, &c);
	b = body_;
	bl = in_udp4_as6(b, 7, 32);			/* 80 bytes */
	memset(b + bl, 0, 128 - bl);
	mk_ext(b + 128, 20);
	expect(r, want6(&c, 0x20, 3, 0, 16U << 24, b, 148));
	test_end();

	test_begin("row68-71-4to6-extension-length-rounded-to-8");
	il = in_udp4(inner_, 7, 172);			/* 200 bytes */
	mk_ext(inner_ + 200, 24);
	n = err4(3, 3, 50U << 16, inner_, 224);
	r = run46(true, in_, n, 1280, &c);
	bl = in_udp4_as6(b, 7, 172);			/* 220 bytes */
	memset(b + bl, 0, 4);
	mk_ext(b + 224, 24);
	expect(r, want6(&c, 0x20, 1, 4, 28U << 24, b, 248));
	test_end();

	test_begin("row72-4to6-extension-removed-for-ptb");
	il = in_udp4(inner_, 7, 32);
	memset(inner_ + il, 0, 128 - il);
	mk_ext(inner_ + 128, 20);
	n = err4(3, 4, 32U << 16 | 1400, inner_, 148);
	r = run46(true, in_, n, 1280, &c);
	bl = in_udp4_as6(b, 7, 32);
	expect(r, want6(&c, 0x20, 2, 0, 1420, b, bl));
	test_end();

	test_begin("row72-4to6-extension-removed-for-param-problem");
	n = err4(12, 0, 9U << 24 | 32U << 16, inner_, 148);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 4, 0, 6, b, bl));
	n = err4(3, 2, 32U << 16, inner_, 148);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 4, 1, 6, b, bl));
	test_end();

	test_begin("row69-4to6-extension-too-big-dropped-length-0");
	il = in_udp4(inner_, 7, 992);			/* 1020 bytes */
	mk_ext(inner_ + il, 1200);
	n = err4(11, 0, 255U << 16, inner_, il + 1200);
	r = run46(true, in_, n, 1280, &c);
	bl = in_udp4_as6(b, 7, 992);			/* 1040 bytes */
	expect(r, want6(&c, 0x20, 3, 0, 0, b, bl));
	test_end();

	test_begin("row69-4to6-original-datagram-shortened-for-extension");
	mk_ext(inner_ + il, 200);
	n = err4(11, 0, 255U << 16, inner_, il + 200);
	r = run46(true, in_, n, 1280, &c);
	mk_ext(b + 1032, 200);
	wl = want6(&c, 0x20, 3, 0, 129U << 24, b, 1232);
	expect(r, wl);
	CHECK_EQ(r, 1280);
	test_end();

	test_begin("row73-4to6-pre-4884-trailing-data-kept");
	il = in_udp4(inner_, 7, 32);
	fill(inner_ + il, 40, 9);
	n = err4(11, 0, 0, inner_, il + 40);
	r = run46(true, in_, n, 1280, &c);
	bl = in_udp4_as6(b, 7, 32);
	fill(b + bl, 40, 9);
	expect(r, want6(&c, 0x20, 3, 0, 0, b, bl + 40));
	/* a length attribute below 128 octets is not RFC 4884 */
	n = err4(11, 0, 10U << 16, inner_, il + 40);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 3, 0, 0, b, bl + 40));
	/* nor is one past the end of the message */
	n = err4(11, 0, 40U << 16, inner_, il + 40);
	r = run46(true, in_, n, 1280, &c);
	expect(r, want6(&c, 0x20, 3, 0, 0, b, bl + 40));
	test_end();

	test_begin("row120-6to4-extension-padded-128");
	il = in_udp6(inner_, 7, 32);			/* 80 bytes */
	memset(inner_ + il, 0, 128 - il);
	mk_ext(inner_ + 128, 24);
	n = err6(1, 4, 16U << 24, inner_, 152);
	r = run46(false, in_, n, 576, &c);
	bl = in_udp6_as4(b, 7, 32);			/* 60 bytes */
	memset(b + bl, 0, 128 - bl);
	mk_ext(b + 128, 24);
	expect(r, want4(&c, 0x20, 3, 3, 32U << 16, b, 152));
	test_end();

	test_begin("row120-6to4-extension-length-in-32-bit-words");
	il = in_udp6(inner_, 7, 152);			/* 200 bytes */
	mk_ext(inner_ + il, 16);
	n = err6(3, 0, 25U << 24, inner_, il + 16);
	r = run46(false, in_, n, 576, &c);
	bl = in_udp6_as4(b, 7, 152);			/* 180 bytes */
	mk_ext(b + bl, 16);
	expect(r, want4(&c, 0x20, 11, 0, 45U << 16, b, bl + 16));
	test_end();

	test_begin("row69-6to4-original-datagram-shortened-for-extension");
	il = in_udp6(inner_, 7, 752);			/* 800 bytes */
	mk_ext(inner_ + il, 200);
	n = err6(3, 0, 100U << 24, inner_, il + 200);
	r = run46(false, in_, n, 576, &c);
	in_udp6_as4(b, 7, 752);				/* 780 bytes */
	mk_ext(b + 348, 200);
	expect(r, want4(&c, 0x20, 11, 0, 87U << 16, b, 548));
	CHECK_EQ(r, 576);
	test_end();

	test_begin("row69-6to4-extension-too-big-dropped-length-0");
	mk_ext(inner_ + il, 540);
	n = err6(3, 0, 100U << 24, inner_, il + 540);
	r = run46(false, in_, n, 576, &c);
	in_udp6_as4(b, 7, 752);
	expect(r, want4(&c, 0x20, 11, 0, 0, b, 548));
	test_end();

	test_begin("row72-6to4-ptb-has-no-length-trailing-is-datagram");
	il = in_udp6(inner_, 7, 32);
	fill(inner_ + il, 24, 1);
	n = err6(2, 0, 1500, inner_, il + 24);
	r = run46(false, in_, n, 576, &c);
	bl = in_udp6_as4(b, 7, 32);
	fill(b + bl, 24, 1);
	expect(r, want4(&c, 0x20, 3, 4, 1480, b, bl + 24));
	test_end();
}

/* ------------------------------------------------------------------------
 * Robustness: short and garbage inputs, random mutations
 */

/* Refreshes the outer checksum so mutations reach past the check. */
static void fix_csum(bool to6, u8 *p, size_t len)
{
	size_t l;

	if (to6) {
		if (len < 28)
			return;
		l = rd16(p + 2);
		if (l < 28 || l > len || (p[0] & 0xf) != 5)
			return;
		wr16(p + 22, 0);
		wr16(p + 22, rfold(rsum(0, p + 20, l - 20)));
	} else {
		if (len < 48 || p[6] != 58)
			return;
		l = 40 + rd16(p + 4);
		if (l < 48 || l > len)
			return;
		wr16(p + 42, 0);
		wr16(p + 42, rfold(rsum(rpseudo6(p + 8, p + 24, l - 40, 58),
					p + 40, l - 40)));
	}
}

#define NSEEDS 10
static u8 seeds[NSEEDS][BUF];
static size_t seed_len[NSEEDS];
static bool seed_to6[NSEEDS];

static void add_seed(unsigned int i, bool to6, size_t n)
{
	memcpy(seeds[i], in_, n);
	seed_len[i] = n;
	seed_to6[i] = to6;
}

static void make_seeds(void)
{
	size_t il;

	il = in_udp4(inner_, 7, 32);
	add_seed(0, true, err4(11, 0, 0, inner_, il));
	in_udp4(full_, 64, 1472);
	add_seed(1, true, err4(3, 4, 0, full_, 300));
	memset(inner_ + il, 0, 128 - il);
	mk_ext(inner_ + 128, 20);
	add_seed(2, true, err4(11, 0, 32U << 16, inner_, 148));
	il = echo4(inner_, A4(HOST4), A4(SERVER4), 9, 7, 20);
	add_seed(3, true, err4(12, 0, 8U << 24, inner_, il));
	il = in_udp4(inner_, 7, 1472);
	add_seed(4, true, err4(3, 3, 0, inner_, il));

	il = in_udp6(inner_, 7, 32);
	add_seed(5, false, err6(3, 0, 0, inner_, il));
	in_udp6(full_, 64, 1452);
	add_seed(6, false, err6(2, 0, 1400, full_, 300));
	memset(inner_ + il, 0, 128 - il);
	mk_ext(inner_ + 128, 24);
	add_seed(7, false, err6(1, 4, 16U << 24, inner_, 152));
	il = echo6(inner_, pool6(A4(SERVER4)), pool6(A4(HOST4)), 9, 20);
	add_seed(8, false, err6(4, 0, 24, inner_, il));
	{
		static const u8 t[] = { 0, 60, 44 };

		il = mk_chain(inner_, 200, t, 3, 17, 0, 5);
		memcpy(inner_ + 8, pool6(A4(SERVER4)).b, 16);
		memcpy(inner_ + 24, pool6(A4(HOST4)).b, 16);
		fill(inner_ + il, 200, 3);
		add_seed(9, false, err6(3, 0, 0, inner_, il + 100));
	}
}

static void test_short_inputs(void)
{
	struct siitdc_icmp_err_ctx c = mkctx();
	unsigned int len, i, k;
	u8 buf[256];

	rng_state = 12345;
	make_seeds();
	test_begin("garbage-and-truncated-inputs-0..200");
	for (len = 0; len <= 200 && !cur_failed; len++) {
		for (k = 0; k < 20; k++) {
			for (i = 0; i < len; i++)
				buf[i] = (u8)rng64();
			if (k & 1 && len)
				buf[0] = k & 2 ? 0x45 : 0x60;
			run46(true, buf, len, 1280, &c);
			run46(false, buf, len, 576, &c);
			run46(true, buf, len, 60, &c);
			run46(false, buf, len, 60, &c);
		}
		for (i = 0; i < NSEEDS; i++) {
			size_t n = len < seed_len[i] ? len : seed_len[i];

			memcpy(buf, seeds[i], n);
			run46(seed_to6[i], buf, n, seed_to6[i] ? 1280 : 576,
			      &c);
			/* lengths fixed up: only the inner is cut */
			if (seed_to6[i] && n >= 20)
				wr16(buf + 2, n);
			else if (!seed_to6[i] && n >= 40)
				wr16(buf + 4, n - 40);
			fix_csum(seed_to6[i], buf, n);
			run46(seed_to6[i], buf, n, seed_to6[i] ? 1280 : 576,
			      &c);
		}
	}
	test_end();

	test_begin("seeds-translate");
	for (i = 0; i < NSEEDS; i++) {
		int r = run46(seed_to6[i], seeds[i], seed_len[i],
			      seed_to6[i] ? 1280 : 576, &c);

		CHECK(r > 0, "seed %u: %d", i, r);
		if (r > 0 && seed_to6[i])
			CHECK(icmp6_ok(obuf, r), "seed %u checksum", i);
		else if (r > 0)
			CHECK(icmp4_ok(obuf, r), "seed %u checksum", i);
	}
	test_end();
}

static void test_random_mutations(void)
{
	static const unsigned int caps[] = { 1280, 576, 1500, 200, 88, 48 };
	struct siitdc_icmp_err_ctx c = mkctx();
	unsigned int it, ok = 0, k, nmut;
	static u8 buf[BUF];

	rng_state = 0x5117dcULL;
	test_begin("random-mutations-200k");
	for (it = 0; it < 200000 && !cur_failed; it++) {
		unsigned int s = rng_below(NSEEDS), cap;
		size_t n = seed_len[s];
		int r;

		memcpy(buf, seeds[s], n);
		nmut = 1 + rng_below(4);
		for (k = 0; k < nmut; k++) {
			unsigned int pos = rng_below(n < 120 ? n : 120);

			if (rng_below(3))
				pos = rng_below(n);
			buf[pos] = (u8)rng64();
		}
		if (!rng_below(4))
			n = rng_below(n + 1);
		if (rng_below(4))
			fix_csum(seed_to6[s], buf, n);
		cap = rng_below(2) ? caps[rng_below(6)] : rng_below(1400);
		r = run46(seed_to6[s], buf, n, cap, &c);
		if (r > 0)
			ok++;
	}
	CHECK(ok > 1000, "only %u of 200k mutations translated", ok);
	test_end();
	printf("# %u of 200000 mutated messages translated\n", ok);
}

int main(void)
{
	test_map4to6();
	test_map6to4();
	test_pointers();
	test_mtu();
	test_hdr4to6();
	test_hdr6to4();
	test_err_time_exceeded();
	test_err_mtu();
	test_err_pointer();
	test_err_truncate();
	test_err_reject();
	test_err_rfc4884();
	test_short_inputs();
	test_random_mutations();
	printf("%u passed, %u failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}
