/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siitctl: parsing and formatting helpers (prefixes, JSON, counter names).
 *
 * Nothing in here talks to the kernel or depends on libnl, so that it can be
 * unit-tested on its own (see test_parse.c).
 */
#ifndef SIITCTL_PARSE_H
#define SIITCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "libsiitdc.h"

/* Long enough for any "address/len" this file formats, NUL included. */
#define PFX_STRLEN (INET6_ADDRSTRLEN + 4)

/* Room for the error messages the parsers write. */
#define PARSE_ERRLEN 256

struct pfx {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint8_t len;
};

/* Flags for parse_prefix(). */
enum {
	PFX_V4 = 1 << 0,		/* accept IPv4 */
	PFX_V6 = 1 << 1,		/* accept IPv6 */
	PFX_NO_LEN = 1 << 2,		/* a bare address: "/len" is an error */
};

/*
 * Parses "address[/len]" into *out. A missing length means the full address
 * (/32 or /128). Rejects junk, out-of-range lengths and addresses with bits
 * set beyond the prefix length. On failure returns -1 and writes a one-line
 * message (naming the input, no trailing newline) to err[errlen].
 */
int parse_prefix(const char *s, unsigned int flags, struct pfx *out,
		 char *err, size_t errlen);

/* True when no bit of addr beyond the first len bits is set. */
bool prefix_is_clean(const void *addr, size_t addrlen, unsigned int len);

/* Formats "address/len" into buf[PFX_STRLEN]; returns buf. */
char *format_prefix(const struct pfx *p, char *buf);
char *format_prefix4(const struct in_addr *a, unsigned int len, char *buf);
char *format_prefix6(const struct in6_addr *a, unsigned int len, char *buf);

/* RFC 6052 section 2.2: 32, 40, 48, 56, 64 or 96. */
bool pool6_len_valid(unsigned int len);

/*
 * Checks that p (as parsed by parse_prefix()) can be an RFC 6052 prefix:
 * IPv6, an explicit length that pool6_len_valid() accepts, and bits 64..71
 * (the "u" octet) clear. text is the user's input, quoted in the message.
 */
int check_pool6(const char *text, const struct pfx *p, char *err,
		size_t errlen);

/*
 * "siitctl set" settings. Each parser fills its field of c and sets its
 * SIITDC_CFG_* bit in c->present; on failure it returns -1 and writes a
 * one-line message starting with the key (e.g. "tos: 256: must be at most
 * 255") to err[errlen].
 */

/* The SIITDC_CFG_* bit of setting key, or 0 when there is no such key. */
uint32_t setting_bit(const char *key);

/* What setting key takes, e.g. "on | off"; NULL for unknown keys. */
const char *setting_syntax(const char *key);

/* Parses one KEY VALUE pair into c. */
int parse_setting(const char *key, const char *val, struct siitdc_config *c,
		  char *err, size_t errlen);

/*
 * Parses argc words "KEY VALUE [KEY VALUE]..." into c (which the caller
 * zeroes). Rejects unknown keys ("unknown setting 'foo'"), a key without a
 * value and a key given twice. The message is not prefixed by "set: ".
 */
int parse_settings(int argc, char *const *argv, struct siitdc_config *c,
		   char *err, size_t errlen);

/*
 * Prints the settings in c that are present, one "key value" line each, in
 * the order of "siitctl set", then "eam_count N" (when present), last.
 */
void config_print_text(FILE *f, const struct siitdc_config *c);

/* The same as one JSON object (no newline). */
void config_print_json(FILE *f, const struct siitdc_config *c);

/*
 * Name of counter number stat (enum siitdc_stat) in lowercase, e.g.
 * "xlat_4to6"; NULL for numbers this build does not know.
 */
const char *stat_name(unsigned int stat);

/* stat_name(), or "stat_N" into buf[16] for unknown numbers. */
const char *stat_label(unsigned int stat, char *buf, size_t buflen);

/*
 * Writes s as a JSON string, quotes included. Escapes '"', '\\' and every
 * control character; bytes that are not valid UTF-8 become U+FFFD.
 */
void json_put_string(FILE *f, const char *s);

/*
 * A minimal streaming JSON writer: it only tracks where commas go. The caller
 * is responsible for a sensible nesting of begin/end calls.
 */
#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* no member written yet at this level */
	bool after_key;			/* the next value follows a key */
};

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_null(struct json *j);
void json_bool(struct json *j, bool v);

#endif /* SIITCTL_PARSE_H */
