// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for parse.c (prefixes, JSON, counter names). No kernel and no
 * libnl needed. Prints "ok NAME" or "FAIL NAME" per test, then a summary;
 * exits non-zero if anything failed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <linux/siitdc.h>

#include "parse.h"

static int passed, failed;

/* Within a test: report the first broken expectation and fail. */
#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: expected %s\n",		\
			__FILE__, __LINE__, #cond);			\
		return false;						\
	}								\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (strcmp(g_, w_)) {						\
		fprintf(stderr, "  %s:%d: got \"%s\", want \"%s\"\n",	\
			__FILE__, __LINE__, g_, w_);			\
		return false;						\
	}								\
} while (0)

static void run(const char *name, bool (*fn)(void))
{
	if (fn()) {
		printf("ok %s\n", name);
		passed++;
	} else {
		printf("FAIL %s\n", name);
		failed++;
	}
}

/* ---------------------------------------------------------------------- */

/* Parses s and formats the result back; "ERR: message" on failure. */
static const char *roundtrip(const char *s, unsigned int flags)
{
	static char out[PARSE_ERRLEN + 8];
	char err[PARSE_ERRLEN], buf[PFX_STRLEN];
	struct pfx p;

	if (parse_prefix(s, flags, &p, err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", err);
		return out;
	}
	snprintf(out, sizeof(out), "%s", format_prefix(&p, buf));
	return out;
}

#define ANY (PFX_V4 | PFX_V6)

static bool t_v4_valid(void)
{
	EXPECT_STR(roundtrip("198.51.100.7", ANY), "198.51.100.7/32");
	EXPECT_STR(roundtrip("198.51.100.0/24", ANY), "198.51.100.0/24");
	EXPECT_STR(roundtrip("198.51.100.0/024", ANY), "198.51.100.0/24");
	EXPECT_STR(roundtrip("0.0.0.0/0", ANY), "0.0.0.0/0");
	EXPECT_STR(roundtrip("255.255.255.255/32", ANY), "255.255.255.255/32");
	EXPECT_STR(roundtrip("192.0.2.128/25", PFX_V4), "192.0.2.128/25");
	return true;
}

static bool t_v4_length_range(void)
{
	EXPECT_STR(roundtrip("198.51.100.0/33", ANY),
		   "ERR: 198.51.100.0/33: prefix length must be 0..32");
	EXPECT_STR(roundtrip("198.51.100.0/255", ANY),
		   "ERR: 198.51.100.0/255: prefix length must be 0..32");
	return true;
}

static bool t_v4_host_bits(void)
{
	EXPECT_STR(roundtrip("198.51.100.1/24", ANY),
		   "ERR: 198.51.100.1/24: address has bits set beyond /24 (did you mean 198.51.100.0/24?)");
	EXPECT_STR(roundtrip("1.0.0.0/0", ANY),
		   "ERR: 1.0.0.0/0: address has bits set beyond /0 (did you mean 0.0.0.0/0?)");
	EXPECT_STR(roundtrip("192.0.2.129/25", ANY),
		   "ERR: 192.0.2.129/25: address has bits set beyond /25 (did you mean 192.0.2.128/25?)");
	return true;
}

static bool t_v4_junk(void)
{
	static const char *const bad[] = {
		"foo", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ",
		" 1.2.3.4", "01.2.3.4", "1.2.3.-4", "0x1.2.3.4", "1.2.3.4x",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		snprintf(want, sizeof(want), "ERR: %s: not a valid IPv4 address",
			 bad[i]);
		EXPECT_STR(roundtrip(bad[i], ANY), want);
	}
	EXPECT_STR(roundtrip("", ANY), "ERR: empty address");
	EXPECT_STR(roundtrip("/24", ANY), "ERR: /24: not a valid IPv4 address");
	return true;
}

static bool t_bad_length_syntax(void)
{
	EXPECT_STR(roundtrip("198.51.100.0/", ANY),
		   "ERR: 198.51.100.0/: missing prefix length after '/'");
	EXPECT_STR(roundtrip("198.51.100.0/2x", ANY),
		   "ERR: 198.51.100.0/2x: invalid prefix length");
	EXPECT_STR(roundtrip("198.51.100.0/-1", ANY),
		   "ERR: 198.51.100.0/-1: invalid prefix length");
	EXPECT_STR(roundtrip("198.51.100.0/+24", ANY),
		   "ERR: 198.51.100.0/+24: invalid prefix length");
	EXPECT_STR(roundtrip("198.51.100.0/ 24", ANY),
		   "ERR: 198.51.100.0/ 24: invalid prefix length");
	EXPECT_STR(roundtrip("198.51.100.0/0024", ANY),
		   "ERR: 198.51.100.0/0024: invalid prefix length");
	EXPECT_STR(roundtrip("198.51.100.0/24/24", ANY),
		   "ERR: 198.51.100.0/24/24: invalid prefix length");
	EXPECT_STR(roundtrip("2001:db8::/99999999999999999999", ANY),
		   "ERR: 2001:db8::/99999999999999999999: invalid prefix length");
	return true;
}

static bool t_v6_valid(void)
{
	EXPECT_STR(roundtrip("2001:db8:6::7", ANY), "2001:db8:6::7/128");
	EXPECT_STR(roundtrip("2001:db8::/32", ANY), "2001:db8::/32");
	EXPECT_STR(roundtrip("2001:0DB8:0000::/48", ANY), "2001:db8::/48");
	EXPECT_STR(roundtrip("::/0", ANY), "::/0");
	EXPECT_STR(roundtrip("::ffff:192.0.2.1", PFX_V6),
		   "::ffff:192.0.2.1/128");
	EXPECT_STR(roundtrip("64:ff9b::/96", PFX_V6), "64:ff9b::/96");
	EXPECT_STR(roundtrip("2001:db8::8000/113", ANY), "2001:db8::8000/113");
	return true;
}

static bool t_v6_errors(void)
{
	EXPECT_STR(roundtrip("2001:db8::/129", ANY),
		   "ERR: 2001:db8::/129: prefix length must be 0..128");
	EXPECT_STR(roundtrip("2001:db8::1/64", ANY),
		   "ERR: 2001:db8::1/64: address has bits set beyond /64 (did you mean 2001:db8::/64?)");
	EXPECT_STR(roundtrip("2001:db8::8000/112", ANY),
		   "ERR: 2001:db8::8000/112: address has bits set beyond /112 (did you mean 2001:db8::/112?)");
	EXPECT_STR(roundtrip("fe80::1%eth0", ANY),
		   "ERR: fe80::1%eth0: not a valid IPv6 address");
	EXPECT_STR(roundtrip(":::", ANY), "ERR: :::: not a valid IPv6 address");
	EXPECT_STR(roundtrip("2001:db8::g", ANY),
		   "ERR: 2001:db8::g: not a valid IPv6 address");
	EXPECT_STR(roundtrip("1:2:3:4:5:6:7:8:9", ANY),
		   "ERR: 1:2:3:4:5:6:7:8:9: not a valid IPv6 address");
	return true;
}

static bool t_family_restrictions(void)
{
	EXPECT_STR(roundtrip("2001:db8::1", PFX_V4),
		   "ERR: 2001:db8::1: not an IPv4 prefix");
	EXPECT_STR(roundtrip("198.51.100.7", PFX_V6),
		   "ERR: 198.51.100.7: not an IPv6 prefix");
	EXPECT_STR(roundtrip("198.51.100.7", PFX_V6 | PFX_NO_LEN),
		   "ERR: 198.51.100.7: not an IPv6 address");
	EXPECT_STR(roundtrip("198.51.100.7/32", ANY | PFX_NO_LEN),
		   "ERR: 198.51.100.7/32: expected an address, not a prefix");
	EXPECT_STR(roundtrip("2001:db8::7", ANY | PFX_NO_LEN),
		   "2001:db8::7/128");
	return true;
}

static bool t_long_input(void)
{
	char in[4096], err[PARSE_ERRLEN];
	struct pfx p;

	memset(in, '1', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	EXPECT(parse_prefix(in, ANY, &p, err, sizeof(err)) < 0);
	EXPECT(strlen(err) < 128);	/* input quoted, but truncated */
	EXPECT(strstr(err, "not a valid IPv4 address"));
	/* A tiny error buffer is truncated, never overrun. */
	EXPECT(parse_prefix("junk", ANY, &p, err, 5) < 0);
	EXPECT_STR(err, "junk");
	return true;
}

static bool t_prefix_is_clean(void)
{
	uint8_t a[4] = { 192, 0, 2, 1 }, z[16] = { 0 };

	EXPECT(prefix_is_clean(a, 4, 32));
	EXPECT(!prefix_is_clean(a, 4, 31));
	EXPECT(!prefix_is_clean(a, 4, 0));
	EXPECT(prefix_is_clean(z, 16, 0));
	EXPECT(prefix_is_clean(z, 16, 128));
	z[15] = 1;
	EXPECT(prefix_is_clean(z, 16, 128));
	EXPECT(!prefix_is_clean(z, 16, 127));
	return true;
}

static bool t_pool6(void)
{
	static const struct { const char *in; const char *err; } cases[] = {
		{ "64:ff9b::/96", NULL },
		{ "2001:db8::/32", NULL },
		{ "2001:db8:100::/40", NULL },
		{ "2001:db8:122::/48", NULL },
		{ "2001:db8:122:300::/56", NULL },
		{ "2001:db8:122:344::/64", NULL },
		{ "64:ff9b::/95",
		  "64:ff9b::/95: pool6 prefix length must be 32, 40, 48, 56, 64 or 96" },
		{ "64:ff9b::",
		  "64:ff9b::: pool6 needs a prefix length, e.g. 64:ff9b::/96" },
		{ "64:ff9b:0:0:ff00::/96",
		  "64:ff9b:0:0:ff00::/96: bits 64..71 (the RFC 6052 \"u\" octet) must be zero" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[PARSE_ERRLEN] = "";
		struct pfx p;
		int r;

		EXPECT(parse_prefix(cases[i].in, PFX_V6, &p, err,
				    sizeof(err)) == 0);
		r = check_pool6(cases[i].in, &p, err, sizeof(err));
		if (!cases[i].err) {
			EXPECT(r == 0);
		} else {
			EXPECT(r < 0);
			EXPECT_STR(err, cases[i].err);
		}
	}
	EXPECT(pool6_len_valid(96) && !pool6_len_valid(128) &&
	       !pool6_len_valid(0));
	return true;
}

/* ---------------------------------------------------------------------- */

/* Expected names: the enum's names, prefix stripped, lowercased. */
#define STAT(n) { SIITDC_STAT_##n, #n }
static const struct { unsigned int v; const char *upper; } enum_names[] = {
	STAT(XLAT_4TO6), STAT(XLAT_6TO4), STAT(PASS_4), STAT(PASS_6),
	STAT(DROP_MALFORMED), STAT(DROP_SRC_UNMAPPED), STAT(DROP_SRC_ILLEGAL),
	STAT(DROP_TTL_EXPIRED), STAT(DROP_FRAGMENT), STAT(DROP_ICMP_TYPE),
	STAT(DROP_PROTO), STAT(DROP_UDP_ZERO_CSUM), STAT(DROP_TOO_BIG),
	STAT(DROP_NOMEM), STAT(DROP_NO_ROUTE), STAT(DROP_EXTHDR),
	STAT(DROP_DST_ILLEGAL), STAT(DROP_GSO),
};

static bool t_stat_names_derived(void)
{
	size_t i, k;

	for (i = 0; i < sizeof(enum_names) / sizeof(enum_names[0]); i++) {
		char want[64];
		const char *got = stat_name(enum_names[i].v);

		for (k = 0; enum_names[i].upper[k] && k < sizeof(want) - 1; k++)
			want[k] = (char)tolower((unsigned char)enum_names[i].upper[k]);
		want[k] = '\0';
		EXPECT(got != NULL);
		EXPECT_STR(got, want);
	}
	EXPECT_STR(stat_name(SIITDC_STAT_XLAT_4TO6), "xlat_4to6");
	EXPECT_STR(stat_name(SIITDC_STAT_DROP_MALFORMED), "drop_malformed");
	return true;
}

/* Fails when the uapi header gains a counter this tool has no name for. */
static bool t_stat_names_complete(void)
{
	unsigned int i, j;

	EXPECT(sizeof(enum_names) / sizeof(enum_names[0]) == SIITDC_STAT_MAX);
	for (i = 1; i <= SIITDC_STAT_MAX; i++) {
		const char *n = stat_name(i);

		EXPECT(n != NULL);
		for (j = 0; n[j]; j++)
			EXPECT(islower((unsigned char)n[j]) ||
			       isdigit((unsigned char)n[j]) || n[j] == '_');
		for (j = 1; j < i; j++)
			EXPECT(strcmp(n, stat_name(j)) != 0);
	}
	return true;
}

static bool t_stat_unknown(void)
{
	char buf[32];

	EXPECT(stat_name(SIITDC_STAT_UNSPEC) == NULL);
	EXPECT(stat_name(SIITDC_STAT_MAX + 1) == NULL);
	EXPECT(stat_name(100000) == NULL);
	EXPECT_STR(stat_label(0, buf, sizeof(buf)), "stat_0");
	{
		char want[32];

		snprintf(want, sizeof(want), "stat_%u", SIITDC_STAT_MAX + 1);
		EXPECT_STR(stat_label(SIITDC_STAT_MAX + 1, buf, sizeof(buf)),
			   want);
	}
	EXPECT_STR(stat_label(4242, buf, sizeof(buf)), "stat_4242");
	EXPECT_STR(stat_label(SIITDC_STAT_PASS_6, buf, sizeof(buf)), "pass_6");
	return true;
}

/* ---------------------------------------------------------------------- */

/* Runs json_put_string on s into a static buffer. */
static const char *jstr(const char *s)
{
	static char out[1024];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "(open_memstream failed)";
	json_put_string(f, s);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

static bool t_json_escape_basic(void)
{
	EXPECT_STR(jstr(""), "\"\"");
	EXPECT_STR(jstr("198.51.100.7/32"), "\"198.51.100.7/32\"");
	EXPECT_STR(jstr("a\"b"), "\"a\\\"b\"");
	EXPECT_STR(jstr("a\\b"), "\"a\\\\b\"");
	EXPECT_STR(jstr("/"), "\"/\"");
	EXPECT_STR(jstr("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
	EXPECT_STR(jstr("\x01\x1f"), "\"\\u0001\\u001f\"");
	EXPECT_STR(jstr("\x7f"), "\"\x7f\"");
	return true;
}

static bool t_json_escape_utf8(void)
{
	/* Valid sequences of every length pass through. */
	EXPECT_STR(jstr("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	EXPECT_STR(jstr("\xe2\x82\xac"), "\"\xe2\x82\xac\"");
	EXPECT_STR(jstr("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
	EXPECT_STR(jstr("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");
	/* Invalid bytes become U+FFFD, one per byte. */
	EXPECT_STR(jstr("\x80"), "\"\\ufffd\"");
	EXPECT_STR(jstr("\xc0\xaf"), "\"\\ufffd\\ufffd\"");		/* overlong */
	EXPECT_STR(jstr("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");
	EXPECT_STR(jstr("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	EXPECT_STR(jstr("\xf4\x90\x80\x80"),
		   "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");			/* > U+10FFFF */
	EXPECT_STR(jstr("\xf5"), "\"\\ufffd\"");
	EXPECT_STR(jstr("a\xe2\x82"), "\"a\\ufffd\\ufffd\"");		/* truncated */
	EXPECT_STR(jstr("\xc3"), "\"\\ufffd\"");
	return true;
}

typedef void (*json_fn)(struct json *j);

static const char *jdoc(json_fn fn)
{
	static char out[1024];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	if (!f)
		return "(open_memstream failed)";
	json_init(&j, f);
	fn(&j);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

static void doc_empty_array(struct json *j)
{
	json_arr_begin(j);
	json_arr_end(j);
}

static void doc_entries(struct json *j)
{
	int i;

	json_arr_begin(j);
	for (i = 0; i < 2; i++) {
		json_obj_begin(j);
		json_key(j, "ipv4");
		json_str(j, i ? "192.0.2.0/24" : "198.51.100.7/32");
		json_key(j, "ipv6");
		json_str(j, i ? "2001:db8:1::/120" : "2001:db8:6::7/128");
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void doc_config(struct json *j)
{
	json_obj_begin(j);
	json_key(j, "pool6");
	json_null(j);
	json_key(j, "eam_count");
	json_u64(j, 0);
	json_key(j, "big");
	json_u64(j, UINT64_MAX);
	json_key(j, "nested");
	json_obj_begin(j);
	json_key(j, "k\"ey");
	json_arr_begin(j);
	json_u64(j, 1);
	json_u64(j, 2);
	json_arr_end(j);
	json_obj_end(j);
	json_obj_end(j);
}

static bool t_json_writer(void)
{
	EXPECT_STR(jdoc(doc_empty_array), "[]");
	EXPECT_STR(jdoc(doc_entries),
		   "[{\"ipv4\":\"198.51.100.7/32\",\"ipv6\":\"2001:db8:6::7/128\"},"
		   "{\"ipv4\":\"192.0.2.0/24\",\"ipv6\":\"2001:db8:1::/120\"}]");
	EXPECT_STR(jdoc(doc_config),
		   "{\"pool6\":null,\"eam_count\":0,"
		   "\"big\":18446744073709551615,"
		   "\"nested\":{\"k\\\"ey\":[1,2]}}");
	return true;
}

/* ---------------------------------------------------------------------- */

int main(void)
{
	run("v4_valid", t_v4_valid);
	run("v4_length_range", t_v4_length_range);
	run("v4_host_bits", t_v4_host_bits);
	run("v4_junk", t_v4_junk);
	run("bad_length_syntax", t_bad_length_syntax);
	run("v6_valid", t_v6_valid);
	run("v6_errors", t_v6_errors);
	run("family_restrictions", t_family_restrictions);
	run("long_input", t_long_input);
	run("prefix_is_clean", t_prefix_is_clean);
	run("pool6", t_pool6);
	run("stat_names_derived", t_stat_names_derived);
	run("stat_names_complete", t_stat_names_complete);
	run("stat_unknown", t_stat_unknown);
	run("json_escape_basic", t_json_escape_basic);
	run("json_escape_utf8", t_json_escape_utf8);
	run("json_writer", t_json_writer);

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
