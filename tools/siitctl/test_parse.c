// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for parse.c (prefixes, settings, EAM operations and batch
 * files, entry and event output, JSON, counter names). No kernel and no
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
	STAT(XLAT_ICMP_ERR_4TO6), STAT(XLAT_ICMP_ERR_6TO4),
	STAT(DROP_ICMP_ERR_NESTED), STAT(DROP_ICMP_ERR_INNER),
	STAT(DROP_ICMP_FRAGMENT), STAT(DROP_SOURCE_ROUTE), STAT(DROP_DENYLIST),
	STAT(DROP_WKP_NONGLOBAL), STAT(DROP_HAIRPIN_LOOP), STAT(DROP_PTB),
	STAT(FRAGMENTED_4TO6), STAT(ICMP_ERR_SENT), STAT(ICMP_ERR_RATELIMITED),
	STAT(UDP_CSUM_COMPUTED), STAT(GSO_SEGMENTED),
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

/* Parses "KEY VALUE..." (split at spaces) into *c; "" or the error. */
static const char *set_args(const char *line, struct siitdc_config *c)
{
	static char err[PARSE_ERRLEN];
	char buf[1024], *argv[64], *tok, *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 64;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = strcmp(tok, "''") ? tok : (char *)"";
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	if (parse_settings(argc, argv, c, err, sizeof(err)) < 0 && !err[0])
		return "(no message)";
	return err;
}

/* The error for "KEY VALUE", or "" when it parses. */
static const char *set_err(const char *line)
{
	struct siitdc_config c;

	return set_args(line, &c);
}

static bool t_set_keys(void)
{
	EXPECT_STR(set_err("foo 1"), "unknown setting 'foo'");
	EXPECT_STR(set_err("pool4 192.0.2.0/24"), "unknown setting 'pool4'");
	EXPECT_STR(set_err("POOL6 none"), "unknown setting 'POOL6'");
	EXPECT_STR(set_err("pool6"),
		   "pool6: missing prefix (usage: siitctl set pool6 PREFIX | none)");
	EXPECT_STR(set_err("tos 1 icmp-errors"),
		   "icmp-errors: missing value (usage: siitctl set icmp-errors on | off)");
	EXPECT_STR(set_err("tos 1 tos 2"), "tos: given twice");
	EXPECT_STR(set_err("tos 1 foo"), "unknown setting 'foo'");
	EXPECT(setting_bit("hairpin") == SIITDC_CFG_HAIRPIN);
	EXPECT(setting_bit("eam_count") == 0);
	EXPECT(setting_bit("eam-count") == 0);
	EXPECT_STR(setting_syntax("udp-zero-csum"), "drop | compute");
	EXPECT(setting_syntax("nope") == NULL);
	return true;
}

static bool t_set_pools(void)
{
	struct siitdc_config c;
	char buf[PFX_STRLEN];

	EXPECT_STR(set_args("pool6 64:ff9b::/96 pool6791v4 192.0.2.0/24 "
			    "pool6791v6 2001:db8:ffff::/120", &c), "");
	EXPECT(c.present == (SIITDC_CFG_POOL6 | SIITDC_CFG_POOL6791V4 |
			     SIITDC_CFG_POOL6791V6));
	EXPECT(c.has_pool6 && c.has_pool6791v4 && c.has_pool6791v6);
	EXPECT_STR(format_prefix6(&c.pool6, c.pool6_len, buf), "64:ff9b::/96");
	EXPECT_STR(format_prefix4(&c.pool6791v4, c.pool6791v4_len, buf),
		   "192.0.2.0/24");
	EXPECT_STR(format_prefix6(&c.pool6791v6, c.pool6791v6_len, buf),
		   "2001:db8:ffff::/120");

	/* A bare address is a pool of one. */
	EXPECT_STR(set_args("pool6791v4 192.0.2.1", &c), "");
	EXPECT(c.has_pool6791v4 && c.pool6791v4_len == 32);

	EXPECT_STR(set_args("pool6 none pool6791v4 none pool6791v6 none", &c),
		   "");
	EXPECT(c.present == (SIITDC_CFG_POOL6 | SIITDC_CFG_POOL6791V4 |
			     SIITDC_CFG_POOL6791V6));
	EXPECT(!c.has_pool6 && !c.has_pool6791v4 && !c.has_pool6791v6);

	EXPECT_STR(set_err("pool6 64:ff9b::/95"),
		   "pool6: 64:ff9b::/95: pool6 prefix length must be 32, 40, 48, 56, 64 or 96");
	EXPECT_STR(set_err("pool6 192.0.2.0/24"),
		   "pool6: 192.0.2.0/24: not an IPv6 prefix");
	EXPECT_STR(set_err("pool6791v4 2001:db8::/64"),
		   "pool6791v4: 2001:db8::/64: not an IPv4 prefix");
	EXPECT_STR(set_err("pool6791v4 192.0.2.1/24"),
		   "pool6791v4: 192.0.2.1/24: address has bits set beyond /24 (did you mean 192.0.2.0/24?)");
	EXPECT_STR(set_err("pool6791v4 192.0.2.0/33"),
		   "pool6791v4: 192.0.2.0/33: prefix length must be 0..32");
	EXPECT_STR(set_err("pool6791v6 192.0.2.0/24"),
		   "pool6791v6: 192.0.2.0/24: not an IPv6 prefix");
	EXPECT_STR(set_err("pool6791v6 2001:db8::/129"),
		   "pool6791v6: 2001:db8::/129: prefix length must be 0..128");
	EXPECT_STR(set_err("pool6791v6 None"),
		   "pool6791v6: None: not an IPv6 prefix");
	return true;
}

static bool t_set_numbers(void)
{
	struct siitdc_config c;

	EXPECT_STR(set_args("lowest-ipv6-mtu 1280 tos 0 icmp-ratelimit 0", &c),
		   "");
	EXPECT(c.lowest_ipv6_mtu == 1280 && c.tos == 0 &&
	       c.icmp_ratelimit == 0);
	EXPECT(c.present == (SIITDC_CFG_LOWEST_IPV6_MTU | SIITDC_CFG_TOS |
			     SIITDC_CFG_ICMP_RATELIMIT));
	EXPECT_STR(set_args("lowest-ipv6-mtu 4294967295 tos 255 "
			    "icmp-ratelimit 4294967295", &c), "");
	EXPECT(c.lowest_ipv6_mtu == UINT32_MAX && c.tos == 255 &&
	       c.icmp_ratelimit == UINT32_MAX);
	EXPECT_STR(set_args("tos 0040", &c), "");
	EXPECT(c.tos == 40);

	EXPECT_STR(set_err("lowest-ipv6-mtu 1279"),
		   "lowest-ipv6-mtu: 1279: must be at least 1280");
	EXPECT_STR(set_err("lowest-ipv6-mtu 0"),
		   "lowest-ipv6-mtu: 0: must be at least 1280");
	EXPECT_STR(set_err("lowest-ipv6-mtu 4294967296"),
		   "lowest-ipv6-mtu: 4294967296: must be at most 4294967295");
	EXPECT_STR(set_err("lowest-ipv6-mtu 99999999999999999999999"),
		   "lowest-ipv6-mtu: 99999999999999999999999: must be at most 4294967295");
	EXPECT_STR(set_err("lowest-ipv6-mtu 1500x"),
		   "lowest-ipv6-mtu: '1500x': expected a number");
	EXPECT_STR(set_err("lowest-ipv6-mtu +1500"),
		   "lowest-ipv6-mtu: '+1500': expected a number");
	EXPECT_STR(set_err("lowest-ipv6-mtu 0x500"),
		   "lowest-ipv6-mtu: '0x500': expected a number");
	EXPECT_STR(set_err("tos 256"), "tos: 256: must be at most 255");
	EXPECT_STR(set_err("tos -1"), "tos: '-1': expected a number");
	EXPECT_STR(set_err("tos ''"), "tos: '': expected a number");
	EXPECT_STR(set_err("icmp-ratelimit 1e3"),
		   "icmp-ratelimit: '1e3': expected a number");
	EXPECT_STR(set_err("icmp-ratelimit 4294967296"),
		   "icmp-ratelimit: 4294967296: must be at most 4294967295");
	return true;
}

static bool t_set_plateaus(void)
{
	struct siitdc_config c;
	char sixteen[256] = "", seventeen[256];
	int i;

	EXPECT_STR(set_args("mtu-plateaus 65535,32000,17914,8166,4352,2002,"
			    "1492,1006,508,296,68", &c), "");
	EXPECT(c.present == SIITDC_CFG_MTU_PLATEAUS);
	EXPECT(c.n_plateaus == 11);
	EXPECT(c.plateaus[0] == 65535 && c.plateaus[6] == 1492 &&
	       c.plateaus[10] == 68);
	EXPECT_STR(set_args("mtu-plateaus 1500", &c), "");
	EXPECT(c.n_plateaus == 1 && c.plateaus[0] == 1500);

	for (i = 0; i < 16; i++)
		snprintf(sixteen + strlen(sixteen),
			 sizeof(sixteen) - strlen(sixteen), "%s%d",
			 i ? "," : "", 9000 - i * 100);
	snprintf(seventeen, sizeof(seventeen), "mtu-plateaus %s,100", sixteen);
	{
		char line[300];

		snprintf(line, sizeof(line), "mtu-plateaus %s", sixteen);
		EXPECT_STR(set_args(line, &c), "");
		EXPECT(c.n_plateaus == 16 && c.plateaus[15] == 7500);
	}
	EXPECT_STR(set_err(seventeen), "mtu-plateaus: at most 16 values");

	EXPECT_STR(set_err("mtu-plateaus 1500,1500"),
		   "mtu-plateaus: must be strictly descending");
	EXPECT_STR(set_err("mtu-plateaus 1492,1500"),
		   "mtu-plateaus: must be strictly descending");
	EXPECT_STR(set_err("mtu-plateaus 1500,67"),
		   "mtu-plateaus: 67: each value must be 68..65535");
	EXPECT_STR(set_err("mtu-plateaus 65536,1500"),
		   "mtu-plateaus: 65536: each value must be 68..65535");
	EXPECT_STR(set_err("mtu-plateaus 0"),
		   "mtu-plateaus: 0: each value must be 68..65535");
	EXPECT_STR(set_err("mtu-plateaus 1500,,68"),
		   "mtu-plateaus: '1500,,68': empty item in list");
	EXPECT_STR(set_err("mtu-plateaus 1500,"),
		   "mtu-plateaus: '1500,': empty item in list");
	EXPECT_STR(set_err("mtu-plateaus ,1500"),
		   "mtu-plateaus: ',1500': empty item in list");
	EXPECT_STR(set_err("mtu-plateaus ''"),
		   "mtu-plateaus: '': empty item in list");
	EXPECT_STR(set_err("mtu-plateaus none"),
		   "mtu-plateaus: 'none': expected a number");
	EXPECT_STR(set_err("mtu-plateaus 1500;68"),
		   "mtu-plateaus: '1500;68': expected a number");
	return true;
}

static bool t_set_choices(void)
{
	struct siitdc_config c;

	EXPECT_STR(set_args("zeroize-tc on override-tos on random-6791 off "
			    "icmp-errors off", &c), "");
	EXPECT(c.zeroize_tc && c.override_tos && !c.random_6791 &&
	       !c.icmp_errors);
	EXPECT(c.present == (SIITDC_CFG_ZEROIZE_TC | SIITDC_CFG_OVERRIDE_TOS |
			     SIITDC_CFG_RANDOM_6791 | SIITDC_CFG_ICMP_ERRORS));
	EXPECT_STR(set_args("zeroize-tc off random-6791 on", &c), "");
	EXPECT(!c.zeroize_tc && c.random_6791);

	EXPECT_STR(set_args("udp-zero-csum compute hairpin simple", &c), "");
	EXPECT(c.udp_zero_csum == SIITDC_UDP_ZERO_CSUM_COMPUTE &&
	       c.hairpin == SIITDC_HAIRPIN_SIMPLE);
	EXPECT_STR(set_args("udp-zero-csum drop hairpin intrinsic", &c), "");
	EXPECT(c.udp_zero_csum == SIITDC_UDP_ZERO_CSUM_DROP &&
	       c.hairpin == SIITDC_HAIRPIN_INTRINSIC);
	EXPECT_STR(set_args("hairpin off", &c), "");
	EXPECT(c.hairpin == SIITDC_HAIRPIN_OFF &&
	       c.present == SIITDC_CFG_HAIRPIN);

	EXPECT_STR(set_err("hairpin x"),
		   "hairpin: 'x': expected off, simple or intrinsic");
	EXPECT_STR(set_err("hairpin Simple"),
		   "hairpin: 'Simple': expected off, simple or intrinsic");
	EXPECT_STR(set_err("udp-zero-csum 0"),
		   "udp-zero-csum: '0': expected drop or compute");
	EXPECT_STR(set_err("zeroize-tc yes"),
		   "zeroize-tc: 'yes': expected on or off");
	EXPECT_STR(set_err("override-tos 1"),
		   "override-tos: '1': expected on or off");
	EXPECT_STR(set_err("random-6791 ''"),
		   "random-6791: '': expected on or off");
	EXPECT_STR(set_err("icmp-errors true"),
		   "icmp-errors: 'true': expected on or off");
	return true;
}

static bool t_set_denylist(void)
{
	struct siitdc_config c;
	char buf[PFX_STRLEN], line[2048];
	int i;

	EXPECT_STR(set_args("denylist4 10.0.0.0/8,192.168.0.0/16,192.0.2.1",
			    &c), "");
	EXPECT(c.present == SIITDC_CFG_DENYLIST4 && c.n_denylist4 == 3);
	EXPECT_STR(format_prefix4(&c.denylist4[0].addr, c.denylist4[0].len, buf),
		   "10.0.0.0/8");
	EXPECT_STR(format_prefix4(&c.denylist4[1].addr, c.denylist4[1].len, buf),
		   "192.168.0.0/16");
	EXPECT_STR(format_prefix4(&c.denylist4[2].addr, c.denylist4[2].len, buf),
		   "192.0.2.1/32");
	EXPECT_STR(set_args("denylist4 none", &c), "");
	EXPECT(c.present == SIITDC_CFG_DENYLIST4 && c.n_denylist4 == 0);
	/* Overlapping but different prefixes are the kernel's business. */
	EXPECT_STR(set_args("denylist4 10.0.0.0/8,10.1.0.0/16", &c), "");

	strcpy(line, "denylist4 ");
	for (i = 0; i < SIITDC_DENYLIST4_MAX; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s10.%d.0.0/16", i ? "," : "", i);
	EXPECT_STR(set_args(line, &c), "");
	EXPECT(c.n_denylist4 == SIITDC_DENYLIST4_MAX);
	strcat(line, ",11.0.0.0/8");
	EXPECT_STR(set_err(line), "denylist4: at most 64 prefixes");

	EXPECT_STR(set_err("denylist4 10.0.0.1/8"),
		   "denylist4: 10.0.0.1/8: address has bits set beyond /8 (did you mean 10.0.0.0/8?)");
	EXPECT_STR(set_err("denylist4 10.0.0.0/8,10.0.0.0/8"),
		   "denylist4: 10.0.0.0/8: listed twice");
	EXPECT_STR(set_err("denylist4 192.0.2.1,192.0.2.1/32"),
		   "denylist4: 192.0.2.1/32: listed twice");
	EXPECT_STR(set_err("denylist4 2001:db8::/32"),
		   "denylist4: 2001:db8::/32: not an IPv4 prefix");
	EXPECT_STR(set_err("denylist4 10.0.0.0/8,"),
		   "denylist4: '10.0.0.0/8,': empty item in list");
	EXPECT_STR(set_err("denylist4 ''"), "denylist4: '': empty item in list");
	EXPECT_STR(set_err("denylist4 none,10.0.0.0/8"),
		   "denylist4: none: not a valid IPv4 address");
	EXPECT_STR(set_err("denylist4 10.0.0.0/33"),
		   "denylist4: 10.0.0.0/33: prefix length must be 0..32");
	return true;
}

static bool t_set_atomic_many(void)
{
	struct siitdc_config c;

	EXPECT_STR(set_args("lowest-ipv6-mtu 1400 zeroize-tc on", &c), "");
	EXPECT(c.present == (SIITDC_CFG_LOWEST_IPV6_MTU | SIITDC_CFG_ZEROIZE_TC));
	EXPECT(c.lowest_ipv6_mtu == 1400 && c.zeroize_tc);
	/* One bad pair fails the whole command. */
	EXPECT_STR(set_err("lowest-ipv6-mtu 1400 zeroize-tc maybe"),
		   "zeroize-tc: 'maybe': expected on or off");
	/* Every key at once. */
	EXPECT_STR(set_args("pool6 64:ff9b::/96 pool6791v4 192.0.2.0/24 "
			    "pool6791v6 2001:db8::/64 lowest-ipv6-mtu 1500 "
			    "mtu-plateaus 1500,68 zeroize-tc on override-tos on "
			    "tos 8 udp-zero-csum compute hairpin off "
			    "random-6791 off icmp-errors on icmp-ratelimit 10 "
			    "denylist4 10.0.0.0/8", &c), "");
	EXPECT(c.present == SIITDC_CFG_SETTABLE);
	return true;
}

/* Runs config_print_text or _json on c into a static buffer. */
static const char *show_cfg(const struct siitdc_config *c, bool json)
{
	static char out[4096];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "(open_memstream failed)";
	if (json)
		config_print_json(f, c);
	else
		config_print_text(f, c);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

/* What the kernel reports by default, with pool6 and one denied prefix. */
static void default_config(struct siitdc_config *c)
{
	static const uint16_t pl[] = { 65535, 32000, 17914, 8166, 4352, 2002,
				       1492, 1006, 508, 296, 68 };

	memset(c, 0, sizeof(*c));
	c->present = SIITDC_CFG_SETTABLE | SIITDC_CFG_EAM_COUNT;
	c->has_pool6 = true;
	inet_pton(AF_INET6, "64:ff9b::", &c->pool6);
	c->pool6_len = 96;
	c->lowest_ipv6_mtu = 1280;
	c->n_plateaus = sizeof(pl) / sizeof(pl[0]);
	memcpy(c->plateaus, pl, sizeof(pl));
	c->udp_zero_csum = SIITDC_UDP_ZERO_CSUM_DROP;
	c->hairpin = SIITDC_HAIRPIN_INTRINSIC;
	c->random_6791 = true;
	c->icmp_errors = true;
	c->icmp_ratelimit = 1000;
	c->has_eam_count = true;
	c->eam_count = 3;
}

static bool t_config_text(void)
{
	struct siitdc_config c;

	default_config(&c);
	EXPECT_STR(show_cfg(&c, false),
		   "pool6 64:ff9b::/96\n"
		   "pool6791v4 none\n"
		   "pool6791v6 none\n"
		   "lowest-ipv6-mtu 1280\n"
		   "mtu-plateaus 65535,32000,17914,8166,4352,2002,1492,1006,508,296,68\n"
		   "zeroize-tc off\n"
		   "override-tos off\n"
		   "tos 0\n"
		   "udp-zero-csum drop\n"
		   "hairpin intrinsic\n"
		   "random-6791 on\n"
		   "icmp-errors on\n"
		   "icmp-ratelimit 1000\n"
		   "denylist4 none\n"
		   "eam_count 3\n");

	c.has_pool6791v4 = true;
	inet_pton(AF_INET, "192.0.2.0", &c.pool6791v4);
	c.pool6791v4_len = 24;
	c.has_pool6791v6 = true;
	inet_pton(AF_INET6, "2001:db8::", &c.pool6791v6);
	c.pool6791v6_len = 64;
	c.n_plateaus = 1;
	c.plateaus[0] = 1500;
	c.zeroize_tc = c.override_tos = true;
	c.tos = 184;
	c.udp_zero_csum = SIITDC_UDP_ZERO_CSUM_COMPUTE;
	c.hairpin = 7;		/* unknown to this build: its number */
	c.random_6791 = c.icmp_errors = false;
	c.icmp_ratelimit = 0;
	c.n_denylist4 = 2;
	inet_pton(AF_INET, "10.0.0.0", &c.denylist4[0].addr);
	c.denylist4[0].len = 8;
	inet_pton(AF_INET, "192.0.2.1", &c.denylist4[1].addr);
	c.denylist4[1].len = 32;
	EXPECT_STR(show_cfg(&c, false),
		   "pool6 64:ff9b::/96\n"
		   "pool6791v4 192.0.2.0/24\n"
		   "pool6791v6 2001:db8::/64\n"
		   "lowest-ipv6-mtu 1280\n"
		   "mtu-plateaus 1500\n"
		   "zeroize-tc on\n"
		   "override-tos on\n"
		   "tos 184\n"
		   "udp-zero-csum compute\n"
		   "hairpin 7\n"
		   "random-6791 off\n"
		   "icmp-errors off\n"
		   "icmp-ratelimit 0\n"
		   "denylist4 10.0.0.0/8,192.0.2.1/32\n"
		   "eam_count 3\n");
	return true;
}

static bool t_config_text_old_kernel(void)
{
	struct siitdc_config c;

	/* A kernel that reports only pool6 and the count: as before. */
	memset(&c, 0, sizeof(c));
	c.present = SIITDC_CFG_POOL6 | SIITDC_CFG_EAM_COUNT;
	c.has_eam_count = true;
	c.eam_count = 1;
	EXPECT_STR(show_cfg(&c, false), "pool6 none\neam_count 1\n");
	EXPECT_STR(show_cfg(&c, true), "{\"pool6\":null,\"eam_count\":1}");
	return true;
}

static bool t_config_json(void)
{
	struct siitdc_config c;

	default_config(&c);
	EXPECT_STR(show_cfg(&c, true),
		   "{\"pool6\":\"64:ff9b::/96\",\"pool6791v4\":null,"
		   "\"pool6791v6\":null,\"lowest-ipv6-mtu\":1280,"
		   "\"mtu-plateaus\":[65535,32000,17914,8166,4352,2002,1492,"
		   "1006,508,296,68],\"zeroize-tc\":false,"
		   "\"override-tos\":false,\"tos\":0,"
		   "\"udp-zero-csum\":\"drop\",\"hairpin\":\"intrinsic\","
		   "\"random-6791\":true,\"icmp-errors\":true,"
		   "\"icmp-ratelimit\":1000,\"denylist4\":[],"
		   "\"eam_count\":3}");

	c.has_pool6 = false;
	c.has_pool6791v4 = true;
	inet_pton(AF_INET, "192.0.2.0", &c.pool6791v4);
	c.pool6791v4_len = 24;
	c.zeroize_tc = true;
	c.udp_zero_csum = 9;
	c.hairpin = SIITDC_HAIRPIN_SIMPLE;
	c.n_denylist4 = 2;
	inet_pton(AF_INET, "10.0.0.0", &c.denylist4[0].addr);
	c.denylist4[0].len = 8;
	inet_pton(AF_INET, "192.0.2.1", &c.denylist4[1].addr);
	c.denylist4[1].len = 32;
	c.n_plateaus = 0;
	c.has_eam_count = false;
	EXPECT_STR(show_cfg(&c, true),
		   "{\"pool6\":null,\"pool6791v4\":\"192.0.2.0/24\","
		   "\"pool6791v6\":null,\"lowest-ipv6-mtu\":1280,"
		   "\"mtu-plateaus\":[],\"zeroize-tc\":true,"
		   "\"override-tos\":false,\"tos\":0,"
		   "\"udp-zero-csum\":9,\"hairpin\":\"simple\","
		   "\"random-6791\":true,\"icmp-errors\":true,"
		   "\"icmp-ratelimit\":1000,"
		   "\"denylist4\":[\"10.0.0.0/8\",\"192.0.2.1/32\"]}");
	return true;
}

/* What "set" parses, "config" prints back the same way. */
static bool t_config_roundtrip(void)
{
	static const char *const lines[] = {
		"pool6 2001:db8:46::/96",
		"pool6791v4 192.0.2.0/24",
		"pool6791v6 2001:db8:ffff::/120",
		"lowest-ipv6-mtu 1400",
		"mtu-plateaus 9000,1500,1280,68",
		"zeroize-tc on",
		"override-tos on",
		"tos 40",
		"udp-zero-csum compute",
		"hairpin simple",
		"random-6791 off",
		"icmp-errors off",
		"icmp-ratelimit 5",
		"denylist4 10.0.0.0/8,198.18.0.0/15",
	};
	char want[2048] = "", all[2048] = "";
	struct siitdc_config c;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "%s\n", lines[i]);
		snprintf(all + strlen(all), sizeof(all) - strlen(all),
			 "%s%s", i ? " " : "", lines[i]);
	}
	EXPECT_STR(set_args(all, &c), "");
	EXPECT_STR(show_cfg(&c, false), want);
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
	json_key(j, "t");
	json_bool(j, true);
	json_key(j, "f");
	json_bool(j, false);
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
		   "{\"pool6\":null,\"eam_count\":0,\"t\":true,\"f\":false,"
		   "\"big\":18446744073709551615,"
		   "\"nested\":{\"k\\\"ey\":[1,2]}}");
	return true;
}

/* ---------------------------------------------------------------------- */

/* Parses line (split at blanks) with parse_op(); "" or "ERR: message". */
static const char *op_parse(const char *line, unsigned int allowed,
			    struct eam_op *op)
{
	static char out[PARSE_ERRLEN + 8];
	char buf[1024], *words[BATCH_WORDS_MAX], err[PARSE_ERRLEN];
	int n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = split_words(buf, words, BATCH_WORDS_MAX);
	if (n < 0)
		return "ERR: too many words";
	if (parse_op(n, words, allowed, op, err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", err);
		return out;
	}
	return "";
}

#define ADD_U "(usage: siitctl add IPV4[/LEN] IPV6[/LEN] [ttl SECONDS] " \
	"[grace SECONDS] [owner NAME] [source static|dns|container] [force])"

static bool t_op_add(void)
{
	char a[PFX_STRLEN], b[PFX_STRLEN];
	struct eam_op op;

	EXPECT_STR(op_parse("add 198.51.100.0/24 2001:db8:6::/120", OPS_ALL, &op), "");
	EXPECT(op.kind == EAM_OP_ADD && op.flags == 0 && op.eam.ttl == 0);
	EXPECT(!op.eam.owner[0] && !op.eam.has_source);
	EXPECT_STR(format_prefix4(&op.eam.v4, op.eam.v4_len, a), "198.51.100.0/24");
	EXPECT_STR(format_prefix6(&op.eam.v6, op.eam.v6_len, b), "2001:db8:6::/120");

	/* Keywords in any order. */
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8:6::7 force source container owner web ttl 300",
			    OPS_ALL, &op), "");
	EXPECT(op.flags == SIITDC_F_FORCE && op.eam.ttl == 300);
	EXPECT_STR(op.eam.owner, "web");
	EXPECT(op.eam.has_source && op.eam.source == SIITDC_SOURCE_CONTAINER);
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8:6::7 source static", OPS_ALL, &op), "");
	EXPECT(op.eam.has_source && op.eam.source == SIITDC_SOURCE_STATIC);
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8:6::7 source dns ttl 0", OPS_ADD, &op), "");
	EXPECT(op.eam.source == SIITDC_SOURCE_DNS && op.eam.ttl == 0);
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8:6::7 ttl 60 grace 120", OPS_ADD, &op), "");
	EXPECT(op.eam.ttl == 60 && op.eam.grace == 120);
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8:6::7 grace 1 grace 2", OPS_ADD, &op),
		   "ERR: add: grace: given twice");
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8:6::7 grace", OPS_ADD, &op),
		   "ERR: add: grace: missing seconds");
	EXPECT(strncmp(op_parse("add 198.51.100.7 2001:db8:6::7 grace x", OPS_ADD, &op),
		       "ERR: add: grace", 15) == 0);

	EXPECT_STR(op_parse("add", OPS_ALL, &op), "ERR: add: missing IPv4 prefix " ADD_U);
	EXPECT_STR(op_parse("add 198.51.100.7", OPS_ALL, &op),
		   "ERR: add: missing IPv6 prefix " ADD_U);
	EXPECT_STR(op_parse("add 2001:db8::1 198.51.100.7", OPS_ALL, &op),
		   "ERR: add: 2001:db8::1: not an IPv4 prefix");
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8::1 frc", OPS_ALL, &op),
		   "ERR: add: unknown argument 'frc' " ADD_U);
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8::1 owner a owner b", OPS_ALL, &op),
		   "ERR: add: owner: given twice");
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8::1 source", OPS_ALL, &op),
		   "ERR: add: source: missing value (static, dns or container)");
	EXPECT_STR(op_parse("add 198.51.100.7 2001:db8::1 source Static", OPS_ALL, &op),
		   "ERR: add: source: 'Static': expected static, dns or container");
	return true;
}

static bool t_op_del_refresh(void)
{
	char a[PFX_STRLEN];
	struct eam_op op;

	EXPECT_STR(op_parse("del 2001:db8:6::/120", OPS_ALL, &op), "");
	EXPECT(op.kind == EAM_OP_DEL);
	EXPECT_STR(format_prefix(&op.pfx, a), "2001:db8:6::/120");
	EXPECT_STR(op_parse("del 198.51.100.7", OPS_ALL, &op), "");
	EXPECT_STR(format_prefix(&op.pfx, a), "198.51.100.7/32");
	EXPECT_STR(op_parse("del", OPS_ALL, &op),
		   "ERR: del: missing prefix (usage: siitctl del IPV4[/LEN] | IPV6[/LEN])");
	EXPECT_STR(op_parse("del 198.51.100.7 force", OPS_ALL, &op),
		   "ERR: del: unexpected argument 'force'");

	EXPECT_STR(op_parse("refresh 198.51.100.0/24 ttl 4294967295", OPS_ALL, &op), "");
	EXPECT(op.kind == EAM_OP_REFRESH && op.ttl == 4294967295u);
	EXPECT_STR(format_prefix(&op.pfx, a), "198.51.100.0/24");
	EXPECT_STR(op_parse("refresh 2001:db8::1 ttl 0", OPS_ALL, &op), "");
	EXPECT(op.kind == EAM_OP_REFRESH && op.ttl == 0 && op.pfx.family == AF_INET6);
	EXPECT_STR(op_parse("refresh 2001:db8::1 ttl 4294967296", OPS_ALL, &op),
		   "ERR: refresh: ttl: 4294967296: must be at most 4294967295");
	EXPECT_STR(op_parse("refresh 2001:db8::1 ttl +5", OPS_ALL, &op),
		   "ERR: refresh: ttl: '+5': expected a number");
	EXPECT_STR(op_parse("refresh 2001:db8::1 ttl 5 ttl 6", OPS_ALL, &op),
		   "ERR: refresh: unexpected argument 'ttl'");

	/* Verbs not allowed, unknown verbs. */
	EXPECT_STR(op_parse("del 198.51.100.7", OPS_ADD, &op),
		   "ERR: del: not allowed here (only add lines)");
	EXPECT_STR(op_parse("refresh 198.51.100.7 ttl 1", OPS_ADD, &op),
		   "ERR: refresh: not allowed here (only add lines)");
	EXPECT_STR(op_parse("ADD 198.51.100.7 2001:db8::1", OPS_ALL, &op),
		   "ERR: unknown command 'ADD' (expected add, del or refresh)");
	EXPECT_STR(op_parse("show", OPS_ADD, &op),
		   "ERR: unknown command 'show' (expected add)");
	return true;
}

static bool t_ttl_owner_source(void)
{
	char err[PARSE_ERRLEN], owner[SIITDC_OWNER_MAX];
	char max[SIITDC_OWNER_MAX + 1];
	uint32_t ttl;
	uint8_t src;

	EXPECT(parse_ttl("0", &ttl, err, sizeof(err)) == 0 && ttl == 0);
	EXPECT(parse_ttl("4294967295", &ttl, err, sizeof(err)) == 0 &&
	       ttl == UINT32_MAX);
	EXPECT(parse_ttl("00000000000000000000300", &ttl, err, sizeof(err)) == 0 &&
	       ttl == 300);
	EXPECT(parse_ttl("4294967296", &ttl, err, sizeof(err)) < 0);
	EXPECT_STR(err, "ttl: 4294967296: must be at most 4294967295");
	EXPECT(parse_ttl("18446744073709551616", &ttl, err, sizeof(err)) < 0);
	EXPECT_STR(err, "ttl: 18446744073709551616: must be at most 4294967295");
	EXPECT(parse_ttl("", &ttl, err, sizeof(err)) < 0);
	EXPECT_STR(err, "ttl: '': expected a number");
	EXPECT(parse_ttl("1e3", &ttl, err, sizeof(err)) < 0);

	/* 31 bytes fit (with the NUL, SIITDC_OWNER_MAX); 32 do not. */
	memset(max, 'o', SIITDC_OWNER_MAX - 1);
	max[SIITDC_OWNER_MAX - 1] = '\0';
	EXPECT(parse_owner(max, owner, err, sizeof(err)) == 0);
	EXPECT_STR(owner, max);
	max[SIITDC_OWNER_MAX - 1] = 'o';
	max[SIITDC_OWNER_MAX] = '\0';
	EXPECT(parse_owner(max, owner, err, sizeof(err)) < 0);
	EXPECT_STR(err, "owner: 'oooooooooooooooooooooooooooooooo': longer than 31 bytes");
	EXPECT(parse_owner("", owner, err, sizeof(err)) < 0);
	EXPECT_STR(err, "owner: empty name");
	EXPECT(parse_owner("a\tb", owner, err, sizeof(err)) < 0);
	EXPECT_STR(err, "owner: name contains a space or a control character");
	EXPECT(parse_owner("a\x7f", owner, err, sizeof(err)) < 0);
	/* Anything else goes, UTF-8 and quotes included. */
	EXPECT(parse_owner("caf\xc3\xa9\"\\#", owner, err, sizeof(err)) == 0);
	EXPECT_STR(owner, "caf\xc3\xa9\"\\#");

	EXPECT(parse_source("container", &src, err, sizeof(err)) == 0 &&
	       src == SIITDC_SOURCE_CONTAINER);
	EXPECT(parse_source("", &src, err, sizeof(err)) < 0);
	EXPECT_STR(err, "source: '': expected static, dns or container");
	EXPECT_STR(source_name(SIITDC_SOURCE_STATIC), "static");
	EXPECT_STR(source_name(SIITDC_SOURCE_DNS), "dns");
	EXPECT(source_name(SIITDC_SOURCE_CONTAINER + 1) == NULL);
	return true;
}

static bool t_owner_filter(void)
{
	char err[PARSE_ERRLEN], owner[SIITDC_OWNER_MAX];
	char *none[] = { NULL };
	char *ok[] = { "owner", "web", NULL };
	char *bad[] = { "owners", "web", NULL };
	char *extra[] = { "owner", "web", "x", NULL };

	EXPECT(parse_owner_filter("show", 0, none, owner, err, sizeof(err)) == 0);
	EXPECT_STR(owner, "");
	EXPECT(parse_owner_filter("show", 2, ok, owner, err, sizeof(err)) == 0);
	EXPECT_STR(owner, "web");
	EXPECT(parse_owner_filter("flush", 2, bad, owner, err, sizeof(err)) < 0);
	EXPECT_STR(err, "flush: unexpected argument 'owners'");
	EXPECT(parse_owner_filter("flush", 1, ok, owner, err, sizeof(err)) < 0);
	EXPECT_STR(err, "flush: owner: missing name");
	EXPECT(parse_owner_filter("show", 3, extra, owner, err, sizeof(err)) < 0);
	EXPECT_STR(err, "show: unexpected argument 'x'");
	return true;
}

static bool t_split_words(void)
{
	char buf[256], *w[4];

	snprintf(buf, sizeof(buf), " \tadd  a\tb \r");
	EXPECT(split_words(buf, w, 4) == 3);
	EXPECT_STR(w[0], "add");
	EXPECT_STR(w[1], "a");
	EXPECT_STR(w[2], "b");
	snprintf(buf, sizeof(buf), "a b#c #d e");
	EXPECT(split_words(buf, w, 4) == 2);
	EXPECT_STR(w[1], "b#c");
	snprintf(buf, sizeof(buf), "# all of it");
	EXPECT(split_words(buf, w, 4) == 0);
	snprintf(buf, sizeof(buf), "   ");
	EXPECT(split_words(buf, w, 4) == 0);
	snprintf(buf, sizeof(buf), "a b c d");
	EXPECT(split_words(buf, w, 4) == 4);
	snprintf(buf, sizeof(buf), "a b c d e");
	EXPECT(split_words(buf, w, 4) == -1);
	return true;
}

/*
 * Runs a batch reader over text; writes "KIND@LINE " per operation, then
 * "END", "ERR(message)" or "IOERR".
 */
static const char *read_batch(const char *text, size_t len,
			      unsigned int allowed)
{
	static char out[2048];
	char err[PARSE_ERRLEN + 64];
	struct batch_reader r;
	struct eam_op op;
	size_t used = 0;
	FILE *f = fmemopen((void *)text, len, "r");
	int rc;

	if (!f)
		return "(fmemopen failed)";
	out[0] = '\0';
	batch_reader_init(&r, f, "f.txt", allowed);
	while ((rc = batch_next(&r, &op, err, sizeof(err))) > 0)
		used += (size_t)snprintf(out + used, sizeof(out) - used,
					 "%c@%lu ", "adr"[op.kind], r.line);
	if (rc == 0)
		snprintf(out + used, sizeof(out) - used, "END %lu", r.ops);
	else if (rc == -1)
		snprintf(out + used, sizeof(out) - used, "ERR(%s)", err);
	else
		snprintf(out + used, sizeof(out) - used, "IOERR");
	fclose(f);
	return out;
}

#define RB(s, allowed) read_batch((s), sizeof(s) - 1, (allowed))

static bool t_batch_reader(void)
{
	static const char ok[] =
		"# header\n"
		"\n"
		"add 198.51.100.7 2001:db8:6::7 ttl 300 owner web # trailing\n"
		"   \t\n"
		"del 198.51.100.8\r\n"
		"refresh 2001:db8:6::7 ttl 60\n"
		"add 192.0.2.0/24 2001:db8:1::/120";	/* no final newline */
	static const char bad[] =
		"add 198.51.100.7 2001:db8:6::7\n"
		"# fine\n"
		"add 198.51.100.8 2001:db8:6::8 ttl 1 ttl 2\n"
		"add 198.51.100.9/99 2001:db8:6::9\n";
	static const char nul[] = "del 1.2.3.4\n\0del 1.2.3.5\n";
	char longline[BATCH_LINE_MAX + 64];
	char exact[BATCH_LINE_MAX + 8];

	EXPECT_STR(RB(ok, OPS_ALL), "a@3 d@5 r@6 a@7 END 4");
	EXPECT_STR(RB(ok, OPS_ADD),
		   "a@3 ERR(f.txt:5: del: not allowed here (only add lines))");
	EXPECT_STR(RB(bad, OPS_ALL), "a@1 ERR(f.txt:3: add: ttl: given twice)");
	EXPECT_STR(RB(nul, OPS_ALL), "d@1 ERR(f.txt:2: line contains a NUL byte)");
	EXPECT_STR(RB("", OPS_ALL), "END 0");
	EXPECT_STR(RB("\n\n# x\n", OPS_ALL), "END 0");
	EXPECT_STR(RB("del 1.2.3.4 5.6.7.8\n", OPS_ALL),
		   "ERR(f.txt:1: del: unexpected argument '5.6.7.8')");

	/* BATCH_LINE_MAX bytes are fine, one more is not. */
	memset(exact, ' ', BATCH_LINE_MAX);
	memcpy(exact, "del 1.2.3.4", 11);
	exact[BATCH_LINE_MAX] = '\n';
	EXPECT_STR(read_batch(exact, BATCH_LINE_MAX + 1, OPS_ALL), "d@1 END 1");
	memset(longline, ' ', sizeof(longline));
	memcpy(longline, "del 1.2.3.4", 11);
	longline[BATCH_LINE_MAX + 1] = '\n';
	{
		char want[128];

		snprintf(want, sizeof(want),
			 "ERR(f.txt:1: line longer than %d bytes)",
			 BATCH_LINE_MAX);
		EXPECT_STR(read_batch(longline, BATCH_LINE_MAX + 2, OPS_ALL),
			   want);
	}
	return true;
}

/* Runs fn(arg) on a memory stream; returns what it wrote. */
static const char *capture(void (*fn)(FILE *f, const void *arg),
			   const void *arg)
{
	static char out[2048];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "(open_memstream failed)";
	fn(f, arg);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

static void cap_entry_json(FILE *f, const void *arg)
{
	struct json j;

	json_init(&j, f);
	entry_json(&j, arg);
}

static void cap_entry_text(FILE *f, const void *arg)
{
	entry_print_text(f, arg);
}

static void cap_header(FILE *f, const void *arg)
{
	(void)arg;
	entry_print_header(f);
}

static void cap_event_text(FILE *f, const void *arg)
{
	event_print_text(f, arg);
}

static void cap_event_json(FILE *f, const void *arg)
{
	event_print_json(f, arg);
}

static void sample_entry(struct siitdc_eam *e)
{
	memset(e, 0, sizeof(*e));
	inet_pton(AF_INET, "198.51.100.7", &e->v4);
	e->v4_len = 32;
	inet_pton(AF_INET6, "2001:db8:6::7", &e->v6);
	e->v6_len = 128;
}

static bool t_entry_output(void)
{
	struct siitdc_eam e;
	char buf[64];
	const char *s;

	/* The first two columns as before: scripts use awk '{print $1, $2}'. */
	s = capture(cap_header, NULL);
	EXPECT(!strncmp(s, "IPv4 prefix         IPv6 prefix ", 32));
	EXPECT(strstr(s, " TTL ") && strstr(s, " Owner ") &&
	       strstr(s, " Source ") && strstr(s, " Idle\n"));

	/* An entry without any of the optional attributes. */
	sample_entry(&e);
	s = capture(cap_entry_text, &e);
	EXPECT(!strncmp(s, "198.51.100.7/32     2001:db8:6::7/128 ", 37));
	{
		char copy[2048], *w[16];

		snprintf(copy, sizeof(copy), "%s", s);
		EXPECT(split_words(copy, w, 16) == 10);
		EXPECT_STR(w[2], "-");
		EXPECT_STR(w[3], "-");
		EXPECT_STR(w[4], "-");
		EXPECT_STR(w[9], "-\n");
	}
	EXPECT_STR(capture(cap_entry_json, &e),
		   "{\"ipv4\":\"198.51.100.7/32\",\"ipv6\":\"2001:db8:6::7/128\","
		   "\"ttl\":null,\"grace\":null,\"owner\":null,\"source\":null,"
		   "\"pkts_4to6\":null,\"bytes_4to6\":null,\"pkts_6to4\":null,"
		   "\"bytes_6to4\":null,\"idle_ms\":null}");

	/* Everything. */
	e.ttl = 300;
	snprintf(e.owner, sizeof(e.owner), "web");
	e.has_source = true;
	e.source = SIITDC_SOURCE_DNS;
	e.has_counters = true;
	e.pkts_4to6 = 1;
	e.bytes_4to6 = 84;
	e.pkts_6to4 = 2;
	e.bytes_6to4 = UINT64_MAX;
	e.has_idle = true;
	e.idle_ms = 3250;
	s = capture(cap_entry_text, &e);
	{
		char copy[2048], *w[16];

		snprintf(copy, sizeof(copy), "%s", s);
		EXPECT(split_words(copy, w, 16) == 10);
		EXPECT_STR(w[0], "198.51.100.7/32");
		EXPECT_STR(w[1], "2001:db8:6::7/128");
		EXPECT_STR(w[2], "300");
		EXPECT_STR(w[3], "web");
		EXPECT_STR(w[4], "dns");
		EXPECT_STR(w[5], "1");
		EXPECT_STR(w[6], "84");
		EXPECT_STR(w[7], "2");
		EXPECT_STR(w[8], "18446744073709551615");
		EXPECT_STR(w[9], "3.2s\n");
	}
	EXPECT_STR(capture(cap_entry_json, &e),
		   "{\"ipv4\":\"198.51.100.7/32\",\"ipv6\":\"2001:db8:6::7/128\","
		   "\"ttl\":300,\"grace\":null,\"owner\":\"web\",\"source\":\"dns\","
		   "\"pkts_4to6\":1,\"bytes_4to6\":84,\"pkts_6to4\":2,"
		   "\"bytes_6to4\":18446744073709551615,\"idle_ms\":3250}");

	/* A source this build does not know: its number. */
	e.source = 9;
	EXPECT(strstr(capture(cap_entry_json, &e), "\"source\":9,"));
	s = capture(cap_entry_text, &e);
	EXPECT(strstr(s, " 9 "));

	EXPECT_STR(format_idle(0, buf, sizeof(buf)), "0.0s");
	EXPECT_STR(format_idle(59999, buf, sizeof(buf)), "59.9s");
	EXPECT_STR(format_idle(60000, buf, sizeof(buf)), "1m00s");
	EXPECT_STR(format_idle(3599999, buf, sizeof(buf)), "59m59s");
	EXPECT_STR(format_idle(3600000, buf, sizeof(buf)), "1h00m");
	EXPECT_STR(format_idle(86400000ull * 3 + 3600000 * 4, buf, sizeof(buf)),
		   "3d04h");
	EXPECT_STR(format_idle(UINT64_MAX, buf, sizeof(buf)),
		   "213503982334d14h");
	return true;
}

/* Owners come from any netlink client: JSON escapes them, text keeps one word. */
static bool t_owner_escaping(void)
{
	struct siitdc_eam e;
	char buf[SIITDC_OWNER_MAX];
	const char *s;

	sample_entry(&e);
	snprintf(e.owner, sizeof(e.owner), "a\"b\\c\nd\x01\xff" "caf\xc3\xa9");
	s = capture(cap_entry_json, &e);
	EXPECT(strstr(s, "\"owner\":\"a\\\"b\\\\c\\nd\\u0001\\ufffdcaf\xc3\xa9\","));
	s = capture(cap_entry_text, &e);
	EXPECT(strstr(s, " a\"b\\c?d?\xff" "caf\xc3\xa9 "));

	EXPECT_STR(owner_text("x y\tz\x7f", buf), "x?y?z?");
	EXPECT_STR(owner_text("", buf), "");
	return true;
}

static bool t_event_output(void)
{
	struct siitdc_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SIITDC_CMD_EVENT_ADD;
	ev.has_eam = true;
	sample_entry(&ev.eam);
	ev.eam.ttl = 300;
	snprintf(ev.eam.owner, sizeof(ev.eam.owner), "web");
	ev.eam.has_source = true;
	ev.eam.source = SIITDC_SOURCE_STATIC;
	EXPECT_STR(capture(cap_event_text, &ev),
		   "add 198.51.100.7/32 2001:db8:6::7/128 ttl 300 owner web\n");
	ev.eam.source = SIITDC_SOURCE_CONTAINER;
	EXPECT_STR(capture(cap_event_text, &ev),
		   "add 198.51.100.7/32 2001:db8:6::7/128 ttl 300 owner web source container\n");
	EXPECT_STR(capture(cap_event_json, &ev),
		   "{\"event\":\"add\",\"ipv4\":\"198.51.100.7/32\","
		   "\"ipv6\":\"2001:db8:6::7/128\",\"ttl\":300,\"grace\":null,\"owner\":\"web\","
		   "\"source\":\"container\",\"pkts_4to6\":null,\"bytes_4to6\":null,"
		   "\"pkts_6to4\":null,\"bytes_6to4\":null,\"idle_ms\":null}\n");

	/* The text of an add event is a valid batch line. */
	{
		char line[2048], *w[BATCH_WORDS_MAX], err[PARSE_ERRLEN];
		struct eam_op op;
		int n;

		snprintf(line, sizeof(line), "%s", capture(cap_event_text, &ev));
		line[strcspn(line, "\n")] = '\0';
		n = split_words(line, w, BATCH_WORDS_MAX);
		EXPECT(parse_op(n, w, OPS_ALL, &op, err, sizeof(err)) == 0);
		EXPECT(op.eam.ttl == 300 && !strcmp(op.eam.owner, "web"));
	}

	ev.type = SIITDC_CMD_EVENT_EXPIRE;
	ev.eam.ttl = 0;
	ev.eam.owner[0] = '\0';
	ev.eam.has_source = false;
	EXPECT_STR(capture(cap_event_text, &ev),
		   "expire 198.51.100.7/32 2001:db8:6::7/128\n");
	ev.type = SIITDC_CMD_EVENT_DEL;
	EXPECT(!strncmp(capture(cap_event_text, &ev), "del 198.51.100.7/32 ", 20));
	ev.type = SIITDC_CMD_EVENT_REFRESH;
	ev.eam.ttl = 60;
	EXPECT_STR(capture(cap_event_text, &ev),
		   "refresh 198.51.100.7/32 2001:db8:6::7/128 ttl 60\n");
	snprintf(ev.eam.owner, sizeof(ev.eam.owner), "x\"y z");
	EXPECT_STR(capture(cap_event_text, &ev),
		   "refresh 198.51.100.7/32 2001:db8:6::7/128 ttl 60 owner x\"y?z\n");
	EXPECT(strstr(capture(cap_event_json, &ev), "\"owner\":\"x\\\"y z\""));

	memset(&ev, 0, sizeof(ev));
	ev.type = SIITDC_CMD_EVENT_REPLACE;
	ev.has_count = true;
	ev.count = 1000;
	EXPECT_STR(capture(cap_event_text, &ev), "replace 1000 entries\n");
	EXPECT_STR(capture(cap_event_json, &ev),
		   "{\"event\":\"replace\",\"count\":1000}\n");
	ev.type = SIITDC_CMD_EVENT_FLUSH;
	ev.count = 3;
	EXPECT_STR(capture(cap_event_text, &ev), "flush 3 entries\n");
	ev.count = 1;
	EXPECT_STR(capture(cap_event_text, &ev), "flush 1 entry\n");
	EXPECT_STR(capture(cap_event_json, &ev),
		   "{\"event\":\"flush\",\"count\":1}\n");

	memset(&ev, 0, sizeof(ev));
	ev.type = SIITDC_EVENT_LOST;
	EXPECT_STR(capture(cap_event_text, &ev), "lost events\n");
	EXPECT_STR(capture(cap_event_json, &ev), "{\"event\":\"lost\"}\n");
	ev.type = 200;
	EXPECT_STR(capture(cap_event_text, &ev), "event 200\n");
	EXPECT_STR(capture(cap_event_json, &ev),
		   "{\"event\":\"unknown\",\"type\":200}\n");
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
	run("set_keys", t_set_keys);
	run("set_pools", t_set_pools);
	run("set_numbers", t_set_numbers);
	run("set_plateaus", t_set_plateaus);
	run("set_choices", t_set_choices);
	run("set_denylist", t_set_denylist);
	run("set_atomic_many", t_set_atomic_many);
	run("config_text", t_config_text);
	run("config_text_old_kernel", t_config_text_old_kernel);
	run("config_json", t_config_json);
	run("config_roundtrip", t_config_roundtrip);
	run("stat_names_derived", t_stat_names_derived);
	run("stat_names_complete", t_stat_names_complete);
	run("stat_unknown", t_stat_unknown);
	run("json_escape_basic", t_json_escape_basic);
	run("json_escape_utf8", t_json_escape_utf8);
	run("json_writer", t_json_writer);
	run("op_add", t_op_add);
	run("op_del_refresh", t_op_del_refresh);
	run("ttl_owner_source", t_ttl_owner_source);
	run("owner_filter", t_owner_filter);
	run("split_words", t_split_words);
	run("batch_reader", t_batch_reader);
	run("entry_output", t_entry_output);
	run("owner_escaping", t_owner_escaping);
	run("event_output", t_event_output);

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
