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

/* -------------------------------------------------------------------------
 * EAM operations: the arguments of add, del and refresh, which are also the
 * lines of batch (-b) and replace files.
 */

enum eam_op_kind { EAM_OP_ADD, EAM_OP_DEL, EAM_OP_REFRESH };

/* Which operations parse_op() and batch_next() accept. */
enum {
	OPS_ADD = 1 << EAM_OP_ADD,
	OPS_DEL = 1 << EAM_OP_DEL,
	OPS_REFRESH = 1 << EAM_OP_REFRESH,
	OPS_ALL = OPS_ADD | OPS_DEL | OPS_REFRESH,
};

struct eam_op {
	enum eam_op_kind kind;
	/* add: prefixes, ttl (0: none), owner ("": none), source */
	struct siitdc_eam eam;
	uint32_t flags;			/* add: SIITDC_F_FORCE */
	struct pfx pfx;			/* del, refresh: the prefix */
	uint32_t ttl;			/* refresh: the new lifetime */
};

/*
 * Parses the arguments (without the verb) of
 *   add IPV4[/LEN] IPV6[/LEN] [ttl SECONDS] [owner NAME]
 *       [source static|dns|container] [force]
 *   del IPV4[/LEN] | IPV6[/LEN]
 *   refresh IPV4[/LEN] | IPV6[/LEN] ttl SECONDS
 * The keywords after the prefixes may come in any order, each once. On
 * failure returns -1 and a message starting with the verb ("add: ...").
 */
int parse_add(int argc, char *const *argv, struct eam_op *op, char *err,
	      size_t errlen);
int parse_del(int argc, char *const *argv, struct eam_op *op, char *err,
	      size_t errlen);
int parse_refresh(int argc, char *const *argv, struct eam_op *op, char *err,
		  size_t errlen);

/* argv[0] is the verb; allowed: OPS_* bits. */
int parse_op(int argc, char *const *argv, unsigned int allowed,
	     struct eam_op *op, char *err, size_t errlen);

/* ttl SECONDS: 0..4294967295. Message starts with "ttl: ". */
int parse_ttl(const char *s, uint32_t *out, char *err, size_t errlen);

/*
 * owner NAME: 1..SIITDC_OWNER_MAX - 1 bytes, no space or control character.
 * out has SIITDC_OWNER_MAX bytes. Message starts with "owner: ".
 */
int parse_owner(const char *s, char *out, char *err, size_t errlen);

/* source static|dns|container. Message starts with "source: ". */
int parse_source(const char *s, uint8_t *out, char *err, size_t errlen);

/* "static", "dns", "container"; NULL for values this build does not know. */
const char *source_name(unsigned int source);

/*
 * "show [owner NAME]", "flush [owner NAME]": owner[SIITDC_OWNER_MAX] gets the
 * name ("" when none). Message starts with cmd.
 */
int parse_owner_filter(const char *cmd, int argc, char *const *argv,
		       char *owner, char *err, size_t errlen);

/*
 * Splits line (modified in place) into at most max words at blanks; a word
 * starting with '#' starts a comment. Returns the number of words, or -1
 * when there are more than max.
 */
int split_words(char *line, char **words, int max);

/*
 * Reading batch and replace files, one line at a time (constant memory).
 * Blank lines and comments are skipped.
 */
#define BATCH_LINE_MAX 1024		/* bytes per line, newline excluded */
#define BATCH_WORDS_MAX 16

struct batch_reader {
	FILE *f;
	const char *name;		/* for messages */
	unsigned int allowed;		/* OPS_* */
	unsigned long line;		/* number of the last line read */
	unsigned long ops;		/* operations read so far */
	char buf[BATCH_LINE_MAX + 1];
};

void batch_reader_init(struct batch_reader *r, FILE *f, const char *name,
		       unsigned int allowed);

/*
 * Reads up to the next operation. Returns 1 (*op filled, r->line its line),
 * 0 at the end of the file, -1 for a line that does not parse ("NAME:LINE:
 * problem" in err) and -2 when the file cannot be read ("NAME: ...").
 */
int batch_next(struct batch_reader *r, struct eam_op *op, char *err,
	       size_t errlen);

/* -------------------------------------------------------------------------
 * Printing entries and events
 */

/* "3.2s", "4m05s", "2h07m", "3d04h": a duration in milliseconds. */
char *format_idle(uint64_t ms, char *buf, size_t buflen);

/*
 * Copies owner into buf[SIITDC_OWNER_MAX] with every byte that is a space, a
 * control character or DEL replaced by '?', so that it stays one word.
 */
char *owner_text(const char *owner, char *buf);

/*
 * show/get: the header line ("IPv4 prefix  IPv6 prefix  TTL  Owner  Source
 * Pkts4to6  Bytes4to6  Pkts6to4  Bytes6to4  Idle") and one line per entry;
 * missing values print as "-".
 */
void entry_print_header(FILE *f);
void entry_print_text(FILE *f, const struct siitdc_eam *e);

/*
 * One JSON object: ipv4, ipv6 (strings), ttl (number, null: none), owner
 * (string, null: none), source (string; a number when unknown, null when not
 * reported), pkts_4to6, bytes_4to6, pkts_6to4, bytes_6to4 (numbers, null
 * when not reported), idle_ms (number, null: no packet yet).
 */
void entry_json(struct json *j, const struct siitdc_eam *e);

/*
 * monitor: one line per event, newline included:
 *   add|del|expire|refresh IPV4/LEN IPV6/LEN [ttl N] [owner NAME] [source S]
 *   replace N entries | flush N entries | lost events
 * (ttl when not 0, owner when set, source when reported and not static).
 */
void event_print_text(FILE *f, const struct siitdc_event *ev);

/*
 * The same as one JSON object and a newline: {"event":"add", then the keys
 * of entry_json()} or {"event":"replace","count":N}, {"event":"lost"}.
 */
void event_print_json(FILE *f, const struct siitdc_event *ev);

#endif /* SIITCTL_PARSE_H */
