// SPDX-License-Identifier: GPL-2.0
/*
 * siitctl: parsing and formatting helpers. No libnl in here: see parse.h.
 */
#include "parse.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/siitdc.h>

/* Longest piece of user input quoted back in an error message. */
#define QUOTE_MAX 80

bool prefix_is_clean(const void *addr, size_t addrlen, unsigned int len)
{
	const uint8_t *b = addr;
	size_t i;

	if (len >= addrlen * 8)
		return true;
	i = len / 8;
	if (len % 8 && (b[i++] & (0xffu >> (len % 8))))
		return false;
	for (; i < addrlen; i++)
		if (b[i])
			return false;
	return true;
}

static void clear_host_bits(void *addr, size_t addrlen, unsigned int len)
{
	uint8_t *b = addr;
	size_t i;

	if (len >= addrlen * 8)
		return;
	i = len / 8;
	if (len % 8)
		b[i++] &= (uint8_t)(0xffu << (8 - len % 8));
	for (; i < addrlen; i++)
		b[i] = 0;
}

/* Parses a decimal prefix length: digits only, at most three of them. */
static int parse_len(const char *s, unsigned int *out)
{
	unsigned int v = 0;
	size_t n;

	for (n = 0; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return -1;
		v = v * 10 + (unsigned int)(s[n] - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

int parse_prefix(const char *s, unsigned int flags, struct pfx *out,
		 char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash, *fam_name;
	unsigned int max, len;
	size_t alen;
	struct pfx p;
	int q = QUOTE_MAX;

	memset(&p, 0, sizeof(p));
	if (!s || !*s) {
		snprintf(err, errlen, "empty address");
		return -1;
	}

	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	p.family = memchr(s, ':', alen) ? AF_INET6 : AF_INET;
	fam_name = p.family == AF_INET ? "IPv4" : "IPv6";
	max = p.family == AF_INET ? 32 : 128;

	if (p.family == AF_INET && !(flags & PFX_V4)) {
		snprintf(err, errlen, "%.*s: not an IPv6 %s", q, s,
			 flags & PFX_NO_LEN ? "address" : "prefix");
		return -1;
	}
	if (p.family == AF_INET6 && !(flags & PFX_V6)) {
		snprintf(err, errlen, "%.*s: not an IPv4 %s", q, s,
			 flags & PFX_NO_LEN ? "address" : "prefix");
		return -1;
	}
	if (slash && (flags & PFX_NO_LEN)) {
		snprintf(err, errlen,
			 "%.*s: expected an address, not a prefix", q, s);
		return -1;
	}

	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(err, errlen, "%.*s: not a valid %s address", q, s,
			 fam_name);
		return -1;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(p.family, addr, p.family == AF_INET ?
		      (void *)&p.v4 : (void *)&p.v6) != 1) {
		snprintf(err, errlen, "%.*s: not a valid %s address", q, s,
			 fam_name);
		return -1;
	}

	if (!slash) {
		len = max;
	} else if (slash[1] == '\0') {
		snprintf(err, errlen, "%.*s: missing prefix length after '/'",
			 q, s);
		return -1;
	} else if (parse_len(slash + 1, &len) < 0) {
		snprintf(err, errlen, "%.*s: invalid prefix length", q, s);
		return -1;
	} else if (len > max) {
		snprintf(err, errlen, "%.*s: prefix length must be 0..%u",
			 q, s, max);
		return -1;
	}
	p.len = (uint8_t)len;

	if (p.family == AF_INET ?
	    !prefix_is_clean(&p.v4, sizeof(p.v4), len) :
	    !prefix_is_clean(&p.v6, sizeof(p.v6), len)) {
		char fix[PFX_STRLEN];
		struct pfx c = p;

		if (c.family == AF_INET)
			clear_host_bits(&c.v4, sizeof(c.v4), len);
		else
			clear_host_bits(&c.v6, sizeof(c.v6), len);
		snprintf(err, errlen,
			 "%.*s: address has bits set beyond /%u (did you mean %s?)",
			 q, s, len, format_prefix(&c, fix));
		return -1;
	}

	*out = p;
	return 0;
}

char *format_prefix4(const struct in_addr *a, unsigned int len, char *buf)
{
	char tmp[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, a, tmp, sizeof(tmp)))
		snprintf(tmp, sizeof(tmp), "?");
	snprintf(buf, PFX_STRLEN, "%s/%u", tmp, len);
	return buf;
}

char *format_prefix6(const struct in6_addr *a, unsigned int len, char *buf)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(AF_INET6, a, tmp, sizeof(tmp)))
		snprintf(tmp, sizeof(tmp), "?");
	snprintf(buf, PFX_STRLEN, "%s/%u", tmp, len);
	return buf;
}

char *format_prefix(const struct pfx *p, char *buf)
{
	if (p->family == AF_INET)
		return format_prefix4(&p->v4, p->len, buf);
	return format_prefix6(&p->v6, p->len, buf);
}

bool pool6_len_valid(unsigned int len)
{
	switch (len) {
	case 32: case 40: case 48: case 56: case 64: case 96:
		return true;
	default:
		return false;
	}
}

int check_pool6(const char *text, const struct pfx *p, char *err,
		size_t errlen)
{
	if (p->family != AF_INET6) {
		snprintf(err, errlen, "%.*s: pool6 must be an IPv6 prefix",
			 QUOTE_MAX, text);
		return -1;
	}
	if (!strchr(text, '/')) {
		snprintf(err, errlen,
			 "%.*s: pool6 needs a prefix length, e.g. 64:ff9b::/96",
			 QUOTE_MAX, text);
		return -1;
	}
	if (!pool6_len_valid(p->len)) {
		snprintf(err, errlen,
			 "%.*s: pool6 prefix length must be 32, 40, 48, 56, 64 or 96",
			 QUOTE_MAX, text);
		return -1;
	}
	if (p->v6.s6_addr[8]) {
		snprintf(err, errlen,
			 "%.*s: bits 64..71 (the RFC 6052 \"u\" octet) must be zero",
			 QUOTE_MAX, text);
		return -1;
	}
	return 0;
}

static const char *const stat_names[__SIITDC_STAT_MAX] = {
	[SIITDC_STAT_XLAT_4TO6]		= "xlat_4to6",
	[SIITDC_STAT_XLAT_6TO4]		= "xlat_6to4",
	[SIITDC_STAT_PASS_4]		= "pass_4",
	[SIITDC_STAT_PASS_6]		= "pass_6",
	[SIITDC_STAT_DROP_MALFORMED]	= "drop_malformed",
	[SIITDC_STAT_DROP_SRC_UNMAPPED]	= "drop_src_unmapped",
	[SIITDC_STAT_DROP_SRC_ILLEGAL]	= "drop_src_illegal",
	[SIITDC_STAT_DROP_TTL_EXPIRED]	= "drop_ttl_expired",
	[SIITDC_STAT_DROP_FRAGMENT]	= "drop_fragment",
	[SIITDC_STAT_DROP_ICMP_TYPE]	= "drop_icmp_type",
	[SIITDC_STAT_DROP_PROTO]	= "drop_proto",
	[SIITDC_STAT_DROP_UDP_ZERO_CSUM] = "drop_udp_zero_csum",
	[SIITDC_STAT_DROP_TOO_BIG]	= "drop_too_big",
	[SIITDC_STAT_DROP_NOMEM]	= "drop_nomem",
	[SIITDC_STAT_DROP_NO_ROUTE]	= "drop_no_route",
	[SIITDC_STAT_DROP_EXTHDR]	= "drop_exthdr",
	[SIITDC_STAT_DROP_DST_ILLEGAL]	= "drop_dst_illegal",
	[SIITDC_STAT_DROP_GSO]		= "drop_gso",
};

const char *stat_name(unsigned int stat)
{
	if (stat >= sizeof(stat_names) / sizeof(stat_names[0]))
		return NULL;
	return stat_names[stat];
}

const char *stat_label(unsigned int stat, char *buf, size_t buflen)
{
	const char *n = stat_name(stat);

	if (n)
		return n;
	snprintf(buf, buflen, "stat_%u", stat);
	return buf;
}

/* Length of the valid UTF-8 sequence at s, or 0 if there is none. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;

	if (c == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;		/* beyond U+10FFFF */

	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void json_put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':  fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		default:
			break;
		}
		if (*s < 0x20) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_seq_len(s);
		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

/* Writes whatever separates the value about to be written from the last. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j) { json_open(j, '{'); }
void json_obj_end(struct json *j)   { json_close(j, '}'); }
void json_arr_begin(struct json *j) { json_open(j, '['); }
void json_arr_end(struct json *j)   { json_close(j, ']'); }

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_put_string(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	json_sep(j);
	json_put_string(j->f, s);
}

void json_u64(struct json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->f);
}
