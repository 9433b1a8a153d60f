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

/* -------------------------------------------------------------------------
 * Settings
 */

/*
 * Parses a decimal number: digits only (no sign, no spaces), at least one.
 * Returns 0, -1 for junk, -2 when it exceeds max.
 */
static int parse_num(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	bool big = false;
	size_t n;

	for (n = 0; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9')
			return -1;
		if (!big) {
			v = v * 10 + (uint64_t)(s[n] - '0');
			if (v > max)
				big = true;
		}
	}
	if (n == 0)
		return -1;
	if (big)
		return -2;
	*out = (uint32_t)v;
	return 0;
}

/* A number in min..max, with the messages every numeric setting uses. */
static int parse_range(const char *key, const char *s, uint32_t min,
		       uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	uint32_t v;
	int r = parse_num(s, max, &v);

	if (r == -1) {
		snprintf(err, errlen, "%s: '%.*s': expected a number", key,
			 QUOTE_MAX, s);
		return -1;
	}
	if (r == -2) {
		snprintf(err, errlen, "%s: %.*s: must be at most %" PRIu32,
			 key, QUOTE_MAX, s, max);
		return -1;
	}
	if (v < min) {
		snprintf(err, errlen, "%s: %.*s: must be at least %" PRIu32,
			 key, QUOTE_MAX, s, min);
		return -1;
	}
	*out = v;
	return 0;
}

/* Matches s against names[0..n); returns the index or -1 with a message. */
static int parse_choice(const char *key, const char *s,
			const char *const *names, int n, char *err,
			size_t errlen)
{
	char want[128];
	size_t used = 0;
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	want[0] = '\0';
	for (i = 0; i < n && used < sizeof(want); i++)
		used += (size_t)snprintf(want + used, sizeof(want) - used,
					 "%s%s", i == 0 ? "" :
					 i == n - 1 ? " or " : ", ", names[i]);
	snprintf(err, errlen, "%s: '%.*s': expected %s", key, QUOTE_MAX, s,
		 want);
	return -1;
}

static const char *const onoff_names[] = { "on", "off" };
static const char *const udp_names[] = {
	[SIITDC_UDP_ZERO_CSUM_DROP] = "drop",
	[SIITDC_UDP_ZERO_CSUM_COMPUTE] = "compute",
};
static const char *const hairpin_names[] = {
	[SIITDC_HAIRPIN_OFF] = "off",
	[SIITDC_HAIRPIN_SIMPLE] = "simple",
	[SIITDC_HAIRPIN_INTRINSIC] = "intrinsic",
};

#define NAMES(a) (a), (int)(sizeof(a) / sizeof((a)[0]))

static int set_bool(const char *key, const char *s, bool *out, char *err,
		    size_t errlen)
{
	int i = parse_choice(key, s, NAMES(onoff_names), err, errlen);

	if (i < 0)
		return -1;
	*out = i == 0;
	return 0;
}

static int set_pool6(const char *key, const char *s, struct siitdc_config *c,
		     char *err, size_t errlen)
{
	char e[PARSE_ERRLEN];
	struct pfx p;

	if (!strcmp(s, "none")) {
		c->has_pool6 = false;
		return 0;
	}
	if (parse_prefix(s, PFX_V6, &p, e, sizeof(e)) < 0 ||
	    check_pool6(s, &p, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", key, e);
		return -1;
	}
	c->has_pool6 = true;
	c->pool6 = p.v6;
	c->pool6_len = p.len;
	return 0;
}

static int set_pool6791v4(const char *key, const char *s,
			  struct siitdc_config *c, char *err, size_t errlen)
{
	char e[PARSE_ERRLEN];
	struct pfx p;

	if (!strcmp(s, "none")) {
		c->has_pool6791v4 = false;
		return 0;
	}
	if (parse_prefix(s, PFX_V4, &p, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", key, e);
		return -1;
	}
	c->has_pool6791v4 = true;
	c->pool6791v4 = p.v4;
	c->pool6791v4_len = p.len;
	return 0;
}

static int set_pool6791v6(const char *key, const char *s,
			  struct siitdc_config *c, char *err, size_t errlen)
{
	char e[PARSE_ERRLEN];
	struct pfx p;

	if (!strcmp(s, "none")) {
		c->has_pool6791v6 = false;
		return 0;
	}
	if (parse_prefix(s, PFX_V6, &p, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", key, e);
		return -1;
	}
	c->has_pool6791v6 = true;
	c->pool6791v6 = p.v6;
	c->pool6791v6_len = p.len;
	return 0;
}

static int set_lowest_mtu(const char *key, const char *s,
			  struct siitdc_config *c, char *err, size_t errlen)
{
	return parse_range(key, s, 1280, UINT32_MAX, &c->lowest_ipv6_mtu,
			   err, errlen);
}

/*
 * Splits list s at commas, calling fn on each element (NUL-terminated, in a
 * copy). Empty elements are an error. Returns 0 or -1.
 */
static int for_each_item(const char *key, const char *s,
			 int (*fn)(const char *key, const char *item,
				   struct siitdc_config *c, char *err,
				   size_t errlen),
			 struct siitdc_config *c, char *err, size_t errlen)
{
	const char *p = s;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char item[64];

		if (n == 0) {
			snprintf(err, errlen, "%s: '%.*s': empty item in list",
				 key, QUOTE_MAX, s);
			return -1;
		}
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "%s: '%.*s': item too long",
				 key, QUOTE_MAX, p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (fn(key, item, c, err, errlen) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int add_plateau(const char *key, const char *item,
		       struct siitdc_config *c, char *err, size_t errlen)
{
	uint32_t v;
	int r;

	if (c->n_plateaus >= SIITDC_PLATEAUS_MAX) {
		snprintf(err, errlen, "%s: at most %u values", key,
			 SIITDC_PLATEAUS_MAX);
		return -1;
	}
	r = parse_num(item, 65535, &v);
	if (r == -1) {
		snprintf(err, errlen, "%s: '%s': expected a number", key, item);
		return -1;
	}
	if (r == -2 || v < 68) {
		snprintf(err, errlen, "%s: %s: each value must be 68..65535",
			 key, item);
		return -1;
	}
	if (c->n_plateaus && v >= c->plateaus[c->n_plateaus - 1]) {
		snprintf(err, errlen, "%s: must be strictly descending", key);
		return -1;
	}
	c->plateaus[c->n_plateaus++] = (uint16_t)v;
	return 0;
}

static int set_plateaus(const char *key, const char *s,
			struct siitdc_config *c, char *err, size_t errlen)
{
	c->n_plateaus = 0;
	return for_each_item(key, s, add_plateau, c, err, errlen);
}

static int add_deny(const char *key, const char *item,
		    struct siitdc_config *c, char *err, size_t errlen)
{
	char e[PARSE_ERRLEN], buf[PFX_STRLEN];
	struct pfx p;
	unsigned int i;

	if (parse_prefix(item, PFX_V4, &p, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", key, e);
		return -1;
	}
	if (c->n_denylist4 >= SIITDC_DENYLIST4_MAX) {
		snprintf(err, errlen, "%s: at most %u prefixes", key,
			 SIITDC_DENYLIST4_MAX);
		return -1;
	}
	for (i = 0; i < c->n_denylist4; i++) {
		if (c->denylist4[i].addr.s_addr == p.v4.s_addr &&
		    c->denylist4[i].len == p.len) {
			snprintf(err, errlen, "%s: %s: listed twice", key,
				 format_prefix(&p, buf));
			return -1;
		}
	}
	c->denylist4[c->n_denylist4].addr = p.v4;
	c->denylist4[c->n_denylist4].len = p.len;
	c->n_denylist4++;
	return 0;
}

static int set_denylist4(const char *key, const char *s,
			 struct siitdc_config *c, char *err, size_t errlen)
{
	c->n_denylist4 = 0;
	if (!strcmp(s, "none"))
		return 0;
	return for_each_item(key, s, add_deny, c, err, errlen);
}

static int set_zeroize_tc(const char *key, const char *s,
			  struct siitdc_config *c, char *err, size_t errlen)
{
	return set_bool(key, s, &c->zeroize_tc, err, errlen);
}

static int set_override_tos(const char *key, const char *s,
			    struct siitdc_config *c, char *err, size_t errlen)
{
	return set_bool(key, s, &c->override_tos, err, errlen);
}

static int set_tos(const char *key, const char *s, struct siitdc_config *c,
		   char *err, size_t errlen)
{
	uint32_t v;

	if (parse_range(key, s, 0, 255, &v, err, errlen) < 0)
		return -1;
	c->tos = (uint8_t)v;
	return 0;
}

static int set_udp_zero_csum(const char *key, const char *s,
			     struct siitdc_config *c, char *err, size_t errlen)
{
	int i = parse_choice(key, s, NAMES(udp_names), err, errlen);

	if (i < 0)
		return -1;
	c->udp_zero_csum = (uint8_t)i;
	return 0;
}

static int set_hairpin(const char *key, const char *s,
		       struct siitdc_config *c, char *err, size_t errlen)
{
	int i = parse_choice(key, s, NAMES(hairpin_names), err, errlen);

	if (i < 0)
		return -1;
	c->hairpin = (uint8_t)i;
	return 0;
}

static int set_random_6791(const char *key, const char *s,
			   struct siitdc_config *c, char *err, size_t errlen)
{
	return set_bool(key, s, &c->random_6791, err, errlen);
}

static int set_icmp_errors(const char *key, const char *s,
			   struct siitdc_config *c, char *err, size_t errlen)
{
	return set_bool(key, s, &c->icmp_errors, err, errlen);
}

static int set_icmp_ratelimit(const char *key, const char *s,
			      struct siitdc_config *c, char *err,
			      size_t errlen)
{
	return parse_range(key, s, 0, UINT32_MAX, &c->icmp_ratelimit, err,
			   errlen);
}

static const struct setting {
	const char *key;
	uint32_t bit;
	const char *what;		/* "missing WHAT" */
	const char *syntax;
	int (*parse)(const char *key, const char *s, struct siitdc_config *c,
		     char *err, size_t errlen);
} settings[] = {
	{ "pool6", SIITDC_CFG_POOL6, "prefix", "PREFIX | none", set_pool6 },
	{ "pool6791v4", SIITDC_CFG_POOL6791V4, "prefix",
	  "IPV4-PREFIX | none", set_pool6791v4 },
	{ "pool6791v6", SIITDC_CFG_POOL6791V6, "prefix",
	  "IPV6-PREFIX | none", set_pool6791v6 },
	{ "lowest-ipv6-mtu", SIITDC_CFG_LOWEST_IPV6_MTU, "value", "N (>= 1280)",
	  set_lowest_mtu },
	{ "mtu-plateaus", SIITDC_CFG_MTU_PLATEAUS, "value",
	  "N[,N...] (1 to 16, strictly descending, 68..65535)", set_plateaus },
	{ "zeroize-tc", SIITDC_CFG_ZEROIZE_TC, "value", "on | off",
	  set_zeroize_tc },
	{ "override-tos", SIITDC_CFG_OVERRIDE_TOS, "value", "on | off",
	  set_override_tos },
	{ "tos", SIITDC_CFG_TOS, "value", "0..255", set_tos },
	{ "udp-zero-csum", SIITDC_CFG_UDP_ZERO_CSUM, "value",
	  "drop | compute", set_udp_zero_csum },
	{ "hairpin", SIITDC_CFG_HAIRPIN, "value", "off | simple | intrinsic",
	  set_hairpin },
	{ "random-6791", SIITDC_CFG_RANDOM_6791, "value", "on | off",
	  set_random_6791 },
	{ "icmp-errors", SIITDC_CFG_ICMP_ERRORS, "value", "on | off",
	  set_icmp_errors },
	{ "icmp-ratelimit", SIITDC_CFG_ICMP_RATELIMIT, "value",
	  "N (per second, 0 = unlimited)", set_icmp_ratelimit },
	{ "denylist4", SIITDC_CFG_DENYLIST4, "value",
	  "PREFIX[,PREFIX...] | none", set_denylist4 },
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *find_setting(const char *key)
{
	size_t i;

	for (i = 0; i < N_SETTINGS; i++)
		if (!strcmp(key, settings[i].key))
			return &settings[i];
	return NULL;
}

uint32_t setting_bit(const char *key)
{
	const struct setting *s = find_setting(key);

	return s ? s->bit : 0;
}

const char *setting_syntax(const char *key)
{
	const struct setting *s = find_setting(key);

	return s ? s->syntax : NULL;
}

int parse_setting(const char *key, const char *val, struct siitdc_config *c,
		  char *err, size_t errlen)
{
	const struct setting *s = find_setting(key);

	if (!s) {
		snprintf(err, errlen, "unknown setting '%.*s'", QUOTE_MAX, key);
		return -1;
	}
	if (s->parse(s->key, val, c, err, errlen) < 0)
		return -1;
	c->present |= s->bit;
	return 0;
}

int parse_settings(int argc, char *const *argv, struct siitdc_config *c,
		   char *err, size_t errlen)
{
	int i;

	for (i = 0; i < argc; i += 2) {
		const struct setting *s = find_setting(argv[i]);

		if (!s) {
			snprintf(err, errlen, "unknown setting '%.*s'",
				 QUOTE_MAX, argv[i]);
			return -1;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen,
				 "%s: missing %s (usage: siitctl set %s %s)",
				 s->key, s->what, s->key, s->syntax);
			return -1;
		}
		if (c->present & s->bit) {
			snprintf(err, errlen, "%s: given twice", s->key);
			return -1;
		}
		if (parse_setting(argv[i], argv[i + 1], c, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* -------------------------------------------------------------------------
 * Showing the configuration
 */

/* The name of enum value v, or NULL for values this build does not know. */
static const char *choice_name(const char *const *names, int n, unsigned int v)
{
	return v < (unsigned int)n ? names[v] : NULL;
}

/*
 * The settings in display order. Each formats its value into a text line
 * and into JSON; keeping both here makes them agree.
 */
enum kind { K_POOL6, K_POOL4791, K_POOL6791, K_U32, K_PLATEAUS, K_BOOL,
	    K_U8, K_UDP, K_HAIRPIN, K_DENY };

static const struct show {
	const char *key;
	uint32_t bit;
	enum kind kind;
	size_t off;			/* K_U32, K_BOOL, K_U8 */
} shows[] = {
	{ "pool6", SIITDC_CFG_POOL6, K_POOL6, 0 },
	{ "pool6791v4", SIITDC_CFG_POOL6791V4, K_POOL4791, 0 },
	{ "pool6791v6", SIITDC_CFG_POOL6791V6, K_POOL6791, 0 },
	{ "lowest-ipv6-mtu", SIITDC_CFG_LOWEST_IPV6_MTU, K_U32,
	  offsetof(struct siitdc_config, lowest_ipv6_mtu) },
	{ "mtu-plateaus", SIITDC_CFG_MTU_PLATEAUS, K_PLATEAUS, 0 },
	{ "zeroize-tc", SIITDC_CFG_ZEROIZE_TC, K_BOOL,
	  offsetof(struct siitdc_config, zeroize_tc) },
	{ "override-tos", SIITDC_CFG_OVERRIDE_TOS, K_BOOL,
	  offsetof(struct siitdc_config, override_tos) },
	{ "tos", SIITDC_CFG_TOS, K_U8, offsetof(struct siitdc_config, tos) },
	{ "udp-zero-csum", SIITDC_CFG_UDP_ZERO_CSUM, K_UDP, 0 },
	{ "hairpin", SIITDC_CFG_HAIRPIN, K_HAIRPIN, 0 },
	{ "random-6791", SIITDC_CFG_RANDOM_6791, K_BOOL,
	  offsetof(struct siitdc_config, random_6791) },
	{ "icmp-errors", SIITDC_CFG_ICMP_ERRORS, K_BOOL,
	  offsetof(struct siitdc_config, icmp_errors) },
	{ "icmp-ratelimit", SIITDC_CFG_ICMP_RATELIMIT, K_U32,
	  offsetof(struct siitdc_config, icmp_ratelimit) },
	{ "denylist4", SIITDC_CFG_DENYLIST4, K_DENY, 0 },
};

#define FIELD(c, off, type) (*(const type *)((const char *)(c) + (off)))

/*
 * Writes one setting: as text to f when j is NULL ("key value\n"), else as
 * a JSON member of the object j is in.
 */
static void show_one(FILE *f, struct json *j, const struct siitdc_config *c,
		     const struct show *s)
{
	char buf[PFX_STRLEN];
	const char *name = NULL;
	unsigned int i, v = 0;
	bool has = false;

	if (j)
		json_key(j, s->key);
	else
		fprintf(f, "%s ", s->key);

	switch (s->kind) {
	case K_POOL6:
	case K_POOL4791:
	case K_POOL6791:
		if (s->kind == K_POOL6) {
			has = c->has_pool6;
			if (has)
				format_prefix6(&c->pool6, c->pool6_len, buf);
		} else if (s->kind == K_POOL4791) {
			has = c->has_pool6791v4;
			if (has)
				format_prefix4(&c->pool6791v4,
					       c->pool6791v4_len, buf);
		} else {
			has = c->has_pool6791v6;
			if (has)
				format_prefix6(&c->pool6791v6,
					       c->pool6791v6_len, buf);
		}
		if (j && has)
			json_str(j, buf);
		else if (j)
			json_null(j);
		else
			fputs(has ? buf : "none", f);
		break;
	case K_U32:
		if (j)
			json_u64(j, FIELD(c, s->off, uint32_t));
		else
			fprintf(f, "%" PRIu32, FIELD(c, s->off, uint32_t));
		break;
	case K_U8:
		if (j)
			json_u64(j, FIELD(c, s->off, uint8_t));
		else
			fprintf(f, "%u", FIELD(c, s->off, uint8_t));
		break;
	case K_BOOL:
		if (j)
			json_bool(j, FIELD(c, s->off, bool));
		else
			fputs(FIELD(c, s->off, bool) ? "on" : "off", f);
		break;
	case K_UDP:
	case K_HAIRPIN:
		v = s->kind == K_UDP ? c->udp_zero_csum : c->hairpin;
		name = s->kind == K_UDP ? choice_name(NAMES(udp_names), v) :
			choice_name(NAMES(hairpin_names), v);
		/* A value this build does not know: its number. */
		if (j && name)
			json_str(j, name);
		else if (j)
			json_u64(j, v);
		else if (name)
			fputs(name, f);
		else
			fprintf(f, "%u", v);
		break;
	case K_PLATEAUS:
		if (j)
			json_arr_begin(j);
		for (i = 0; i < c->n_plateaus; i++) {
			if (j)
				json_u64(j, c->plateaus[i]);
			else
				fprintf(f, "%s%u", i ? "," : "",
					c->plateaus[i]);
		}
		if (j)
			json_arr_end(j);
		else if (!c->n_plateaus)
			fputs("none", f);
		break;
	case K_DENY:
		if (j)
			json_arr_begin(j);
		for (i = 0; i < c->n_denylist4; i++) {
			format_prefix4(&c->denylist4[i].addr,
				       c->denylist4[i].len, buf);
			if (j)
				json_str(j, buf);
			else
				fprintf(f, "%s%s", i ? "," : "", buf);
		}
		if (j)
			json_arr_end(j);
		else if (!c->n_denylist4)
			fputs("none", f);
		break;
	}
	if (!j)
		fputc('\n', f);
}

void config_print_text(FILE *f, const struct siitdc_config *c)
{
	size_t i;

	for (i = 0; i < sizeof(shows) / sizeof(shows[0]); i++)
		if (c->present & shows[i].bit)
			show_one(f, NULL, c, &shows[i]);
	if (c->has_eam_count)
		fprintf(f, "eam_count %" PRIu32 "\n", c->eam_count);
}

void config_print_json(FILE *f, const struct siitdc_config *c)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_obj_begin(&j);
	for (i = 0; i < sizeof(shows) / sizeof(shows[0]); i++)
		if (c->present & shows[i].bit)
			show_one(f, &j, c, &shows[i]);
	if (c->has_eam_count) {
		json_key(&j, "eam_count");
		json_u64(&j, c->eam_count);
	}
	json_obj_end(&j);
}

/* -------------------------------------------------------------------------
 * Counters
 */

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
	[SIITDC_STAT_XLAT_ICMP_ERR_4TO6] = "xlat_icmp_err_4to6",
	[SIITDC_STAT_XLAT_ICMP_ERR_6TO4] = "xlat_icmp_err_6to4",
	[SIITDC_STAT_DROP_ICMP_ERR_NESTED] = "drop_icmp_err_nested",
	[SIITDC_STAT_DROP_ICMP_ERR_INNER] = "drop_icmp_err_inner",
	[SIITDC_STAT_DROP_ICMP_FRAGMENT] = "drop_icmp_fragment",
	[SIITDC_STAT_DROP_SOURCE_ROUTE]	= "drop_source_route",
	[SIITDC_STAT_DROP_DENYLIST]	= "drop_denylist",
	[SIITDC_STAT_DROP_WKP_NONGLOBAL] = "drop_wkp_nonglobal",
	[SIITDC_STAT_DROP_HAIRPIN_LOOP]	= "drop_hairpin_loop",
	[SIITDC_STAT_DROP_PTB]		= "drop_ptb",
	[SIITDC_STAT_FRAGMENTED_4TO6]	= "fragmented_4to6",
	[SIITDC_STAT_ICMP_ERR_SENT]	= "icmp_err_sent",
	[SIITDC_STAT_ICMP_ERR_RATELIMITED] = "icmp_err_ratelimited",
	[SIITDC_STAT_UDP_CSUM_COMPUTED]	= "udp_csum_computed",
	[SIITDC_STAT_GSO_SEGMENTED]	= "gso_segmented",
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

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

/* -------------------------------------------------------------------------
 * EAM operations
 */

#define ADD_USAGE "usage: siitctl add IPV4[/LEN] IPV6[/LEN] [ttl SECONDS] " \
	"[grace SECONDS] [owner NAME] [source static|dns|container] [force]"
#define DEL_USAGE "usage: siitctl del IPV4[/LEN] | IPV6[/LEN]"
#define REFRESH_USAGE "usage: siitctl refresh IPV4[/LEN] | IPV6[/LEN] ttl SECONDS"

static const char *const source_names[] = {
	[SIITDC_SOURCE_STATIC] = "static",
	[SIITDC_SOURCE_DNS] = "dns",
	[SIITDC_SOURCE_CONTAINER] = "container",
};

const char *source_name(unsigned int source)
{
	return choice_name(NAMES(source_names), source);
}

int parse_ttl(const char *s, uint32_t *out, char *err, size_t errlen)
{
	return parse_range("ttl", s, 0, UINT32_MAX, out, err, errlen);
}

int parse_owner(const char *s, char *out, char *err, size_t errlen)
{
	size_t i, n = strlen(s);

	if (n == 0) {
		snprintf(err, errlen, "owner: empty name");
		return -1;
	}
	if (n >= SIITDC_OWNER_MAX) {
		snprintf(err, errlen, "owner: '%.*s': longer than %d bytes",
			 QUOTE_MAX, s, SIITDC_OWNER_MAX - 1);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f) {
			snprintf(err, errlen,
				 "owner: name contains a space or a control character");
			return -1;
		}
	}
	memcpy(out, s, n + 1);
	return 0;
}

int parse_source(const char *s, uint8_t *out, char *err, size_t errlen)
{
	int i = parse_choice("source", s, NAMES(source_names), err, errlen);

	if (i < 0)
		return -1;
	*out = (uint8_t)i;
	return 0;
}

/* Writes "VERB: " and the message in e into err. */
static int op_fail(const char *verb, const char *e, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", verb, e);
	return -1;
}

int parse_add(int argc, char *const *argv, struct eam_op *op, char *err,
	      size_t errlen)
{
	char e[PARSE_ERRLEN];
	bool seen_ttl = false, seen_owner = false, seen_source = false;
	bool seen_grace = false;
	struct pfx p4, p6;
	int i;

	memset(op, 0, sizeof(*op));
	op->kind = EAM_OP_ADD;
	if (argc < 1) {
		snprintf(err, errlen, "add: missing IPv4 prefix (" ADD_USAGE ")");
		return -1;
	}
	if (parse_prefix(argv[0], PFX_V4, &p4, e, sizeof(e)) < 0)
		return op_fail("add", e, err, errlen);
	if (argc < 2) {
		snprintf(err, errlen, "add: missing IPv6 prefix (" ADD_USAGE ")");
		return -1;
	}
	if (parse_prefix(argv[1], PFX_V6, &p6, e, sizeof(e)) < 0)
		return op_fail("add", e, err, errlen);
	op->eam.v4 = p4.v4;
	op->eam.v4_len = p4.len;
	op->eam.v6 = p6.v6;
	op->eam.v6_len = p6.len;

	for (i = 2; i < argc; i++) {
		const char *k = argv[i];
		bool *seen = NULL;

		if (!strcmp(k, "force")) {
			if (op->flags & SIITDC_F_FORCE) {
				snprintf(err, errlen, "add: force: given twice");
				return -1;
			}
			op->flags |= SIITDC_F_FORCE;
			continue;
		}
		if (!strcmp(k, "ttl"))
			seen = &seen_ttl;
		else if (!strcmp(k, "grace"))
			seen = &seen_grace;
		else if (!strcmp(k, "owner"))
			seen = &seen_owner;
		else if (!strcmp(k, "source"))
			seen = &seen_source;
		if (!seen) {
			snprintf(err, errlen, "add: unknown argument '%.*s' (" ADD_USAGE ")",
				 QUOTE_MAX, k);
			return -1;
		}
		if (*seen) {
			snprintf(err, errlen, "add: %s: given twice", k);
			return -1;
		}
		*seen = true;
		if (i + 1 >= argc) {
			snprintf(err, errlen, "add: %s: missing %s", k,
				 seen == &seen_ttl || seen == &seen_grace ?
				 "seconds" :
				 seen == &seen_owner ? "name" :
				 "value (static, dns or container)");
			return -1;
		}
		i++;
		if (seen == &seen_ttl) {
			if (parse_ttl(argv[i], &op->eam.ttl, e, sizeof(e)) < 0)
				return op_fail("add", e, err, errlen);
		} else if (seen == &seen_grace) {
			if (parse_range("grace", argv[i], 0, UINT32_MAX,
					&op->eam.grace, e, sizeof(e)) < 0)
				return op_fail("add", e, err, errlen);
		} else if (seen == &seen_owner) {
			if (parse_owner(argv[i], op->eam.owner, e, sizeof(e)) < 0)
				return op_fail("add", e, err, errlen);
		} else {
			if (parse_source(argv[i], &op->eam.source, e,
					 sizeof(e)) < 0)
				return op_fail("add", e, err, errlen);
			op->eam.has_source = true;
		}
	}
	return 0;
}

int parse_del(int argc, char *const *argv, struct eam_op *op, char *err,
	      size_t errlen)
{
	char e[PARSE_ERRLEN];

	memset(op, 0, sizeof(*op));
	op->kind = EAM_OP_DEL;
	if (argc < 1) {
		snprintf(err, errlen, "del: missing prefix (" DEL_USAGE ")");
		return -1;
	}
	if (argc > 1) {
		snprintf(err, errlen, "del: unexpected argument '%.*s'",
			 QUOTE_MAX, argv[1]);
		return -1;
	}
	if (parse_prefix(argv[0], PFX_V4 | PFX_V6, &op->pfx, e, sizeof(e)) < 0)
		return op_fail("del", e, err, errlen);
	return 0;
}

int parse_refresh(int argc, char *const *argv, struct eam_op *op, char *err,
		  size_t errlen)
{
	char e[PARSE_ERRLEN];

	memset(op, 0, sizeof(*op));
	op->kind = EAM_OP_REFRESH;
	if (argc < 1) {
		snprintf(err, errlen, "refresh: missing prefix (" REFRESH_USAGE ")");
		return -1;
	}
	if (parse_prefix(argv[0], PFX_V4 | PFX_V6, &op->pfx, e, sizeof(e)) < 0)
		return op_fail("refresh", e, err, errlen);
	if (argc < 2) {
		snprintf(err, errlen, "refresh: missing ttl (" REFRESH_USAGE ")");
		return -1;
	}
	if (strcmp(argv[1], "ttl")) {
		snprintf(err, errlen, "refresh: unknown argument '%.*s' (" REFRESH_USAGE ")",
			 QUOTE_MAX, argv[1]);
		return -1;
	}
	if (argc < 3) {
		snprintf(err, errlen, "refresh: ttl: missing seconds");
		return -1;
	}
	if (parse_ttl(argv[2], &op->ttl, e, sizeof(e)) < 0)
		return op_fail("refresh", e, err, errlen);
	if (argc > 3) {
		snprintf(err, errlen, "refresh: unexpected argument '%.*s'",
			 QUOTE_MAX, argv[3]);
		return -1;
	}
	return 0;
}

int parse_op(int argc, char *const *argv, unsigned int allowed,
	     struct eam_op *op, char *err, size_t errlen)
{
	static const struct {
		const char *verb;
		unsigned int bit;
		int (*parse)(int argc, char *const *argv, struct eam_op *op,
			     char *err, size_t errlen);
	} verbs[] = {
		{ "add", OPS_ADD, parse_add },
		{ "del", OPS_DEL, parse_del },
		{ "refresh", OPS_REFRESH, parse_refresh },
	};
	size_t i;

	if (argc < 1) {
		snprintf(err, errlen, "missing command");
		return -1;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[0], verbs[i].verb))
			continue;
		if (!(allowed & verbs[i].bit)) {
			snprintf(err, errlen, "%s: not allowed here (only %s)",
				 verbs[i].verb,
				 allowed == OPS_ADD ? "add lines" :
				 "add, del and refresh lines");
			return -1;
		}
		return verbs[i].parse(argc - 1, argv + 1, op, err, errlen);
	}
	snprintf(err, errlen, "unknown command '%.*s' (expected %s)", QUOTE_MAX,
		 argv[0], allowed == OPS_ADD ? "add" : "add, del or refresh");
	return -1;
}

int parse_owner_filter(const char *cmd, int argc, char *const *argv,
		       char *owner, char *err, size_t errlen)
{
	char e[PARSE_ERRLEN];

	owner[0] = '\0';
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "owner")) {
		snprintf(err, errlen, "%s: unexpected argument '%.*s'", cmd,
			 QUOTE_MAX, argv[0]);
		return -1;
	}
	if (argc < 2) {
		snprintf(err, errlen, "%s: owner: missing name", cmd);
		return -1;
	}
	if (parse_owner(argv[1], owner, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", cmd, e);
		return -1;
	}
	if (argc > 2) {
		snprintf(err, errlen, "%s: unexpected argument '%.*s'", cmd,
			 QUOTE_MAX, argv[2]);
		return -1;
	}
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int split_words(char *line, char **words, int max)
{
	char *p = line;
	int n = 0;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return n;
		if (n >= max)
			return -1;
		words[n++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (!*p)
			return n;
		*p++ = '\0';
	}
}

void batch_reader_init(struct batch_reader *r, FILE *f, const char *name,
		       unsigned int allowed)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
	r->allowed = allowed;
}

/*
 * Reads one line into r->buf without its newline. Returns 1, 0 at the end,
 * -1 for a line that is too long or holds a NUL byte, -2 on a read error.
 */
static int read_line(struct batch_reader *r, char *err, size_t errlen)
{
	size_t n = 0;
	bool nul = false, any = false;
	int c;

	for (;;) {
		c = getc_unlocked(r->f);
		if (c == EOF)
			break;
		any = true;
		if (c == '\n')
			break;
		if (c == '\0')
			nul = true;
		if (n >= BATCH_LINE_MAX) {
			r->line++;
			snprintf(err, errlen, "%s:%lu: line longer than %d bytes",
				 r->name, r->line, BATCH_LINE_MAX);
			return -1;
		}
		r->buf[n++] = (char)c;
	}
	if (ferror(r->f)) {
		snprintf(err, errlen, "%s: cannot read: %s", r->name,
			 strerror(errno));
		return -2;
	}
	if (!any)
		return 0;
	r->buf[n] = '\0';
	r->line++;
	if (nul) {
		snprintf(err, errlen, "%s:%lu: line contains a NUL byte",
			 r->name, r->line);
		return -1;
	}
	return 1;
}

int batch_next(struct batch_reader *r, struct eam_op *op, char *err,
	       size_t errlen)
{
	char e[PARSE_ERRLEN], *words[BATCH_WORDS_MAX];
	int n, rc;

	for (;;) {
		rc = read_line(r, err, errlen);
		if (rc <= 0)
			return rc;
		n = split_words(r->buf, words, BATCH_WORDS_MAX);
		if (n == 0)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s:%lu: more than %d words",
				 r->name, r->line, BATCH_WORDS_MAX);
			return -1;
		}
		if (parse_op(n, words, r->allowed, op, e, sizeof(e)) < 0) {
			snprintf(err, errlen, "%s:%lu: %s", r->name, r->line, e);
			return -1;
		}
		r->ops++;
		return 1;
	}
}

/* -------------------------------------------------------------------------
 * Printing entries and events
 */

char *format_idle(uint64_t ms, char *buf, size_t buflen)
{
	uint64_t s = ms / 1000;

	if (ms < 60000)
		snprintf(buf, buflen, "%" PRIu64 ".%" PRIu64 "s", s,
			 ms % 1000 / 100);
	else if (s < 3600)
		snprintf(buf, buflen, "%" PRIu64 "m%02" PRIu64 "s", s / 60,
			 s % 60);
	else if (s < 86400)
		snprintf(buf, buflen, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s % 3600 / 60);
	else
		snprintf(buf, buflen, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s % 86400 / 3600);
	return buf;
}

char *owner_text(const char *owner, char *buf)
{
	size_t i;

	for (i = 0; i < SIITDC_OWNER_MAX - 1 && owner[i]; i++) {
		unsigned char c = (unsigned char)owner[i];

		buf[i] = c <= 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[i] = '\0';
	return buf;
}

#define ROW_FMT "%-18s  %-28s  %10s  %-12s  %-9s  %10s  %12s  %10s  %12s  %s\n"

void entry_print_header(FILE *f)
{
	fprintf(f, ROW_FMT, "IPv4 prefix", "IPv6 prefix", "TTL", "Owner",
		"Source", "Pkts4to6", "Bytes4to6", "Pkts6to4", "Bytes6to4",
		"Idle");
}

void entry_print_text(FILE *f, const struct siitdc_eam *e)
{
	char a[PFX_STRLEN], b[PFX_STRLEN], ttl[16], own[SIITDC_OWNER_MAX];
	char src[8], c[4][24], idle[32];
	const char *sname = NULL;
	const uint64_t v[4] = { e->pkts_4to6, e->bytes_4to6, e->pkts_6to4,
				e->bytes_6to4 };
	int i;

	if (e->ttl)
		snprintf(ttl, sizeof(ttl), "%" PRIu32, e->ttl);
	else
		snprintf(ttl, sizeof(ttl), "-");
	if (e->owner[0])
		owner_text(e->owner, own);
	else
		snprintf(own, sizeof(own), "-");
	if (e->has_source) {
		sname = source_name(e->source);
		if (!sname) {
			snprintf(src, sizeof(src), "%u", e->source);
			sname = src;
		}
	}
	for (i = 0; i < 4; i++) {
		if (e->has_counters)
			snprintf(c[i], sizeof(c[i]), "%" PRIu64, v[i]);
		else
			snprintf(c[i], sizeof(c[i]), "-");
	}
	if (e->has_idle)
		format_idle(e->idle_ms, idle, sizeof(idle));
	else
		snprintf(idle, sizeof(idle), "-");
	fprintf(f, ROW_FMT, format_prefix4(&e->v4, e->v4_len, a),
		format_prefix6(&e->v6, e->v6_len, b), ttl, own,
		sname ? sname : "-", c[0], c[1], c[2], c[3], idle);
}

static void entry_json_members(struct json *j, const struct siitdc_eam *e)
{
	static const char *const ckeys[4] = {
		"pkts_4to6", "bytes_4to6", "pkts_6to4", "bytes_6to4",
	};
	const uint64_t v[4] = { e->pkts_4to6, e->bytes_4to6, e->pkts_6to4,
				e->bytes_6to4 };
	char buf[PFX_STRLEN];
	const char *sname;
	int i;

	json_key(j, "ipv4");
	json_str(j, format_prefix4(&e->v4, e->v4_len, buf));
	json_key(j, "ipv6");
	json_str(j, format_prefix6(&e->v6, e->v6_len, buf));
	json_key(j, "ttl");
	if (e->ttl)
		json_u64(j, e->ttl);
	else
		json_null(j);
	json_key(j, "grace");
	if (e->grace)
		json_u64(j, e->grace);
	else
		json_null(j);
	json_key(j, "owner");
	if (e->owner[0])
		json_str(j, e->owner);
	else
		json_null(j);
	json_key(j, "source");
	sname = e->has_source ? source_name(e->source) : NULL;
	if (sname)
		json_str(j, sname);
	else if (e->has_source)
		json_u64(j, e->source);
	else
		json_null(j);
	for (i = 0; i < 4; i++) {
		json_key(j, ckeys[i]);
		if (e->has_counters)
			json_u64(j, v[i]);
		else
			json_null(j);
	}
	json_key(j, "idle_ms");
	if (e->has_idle)
		json_u64(j, e->idle_ms);
	else
		json_null(j);
}

void entry_json(struct json *j, const struct siitdc_eam *e)
{
	json_obj_begin(j);
	entry_json_members(j, e);
	json_obj_end(j);
}

/* The event's name, or NULL for commands this build does not know. */
static const char *event_name(int type)
{
	switch (type) {
	case SIITDC_CMD_EVENT_ADD:	return "add";
	case SIITDC_CMD_EVENT_DEL:	return "del";
	case SIITDC_CMD_EVENT_EXPIRE:	return "expire";
	case SIITDC_CMD_EVENT_REFRESH:	return "refresh";
	case SIITDC_CMD_EVENT_REPLACE:	return "replace";
	case SIITDC_CMD_EVENT_FLUSH:	return "flush";
	case SIITDC_EVENT_LOST:		return "lost";
	default:			return NULL;
	}
}

void event_print_text(FILE *f, const struct siitdc_event *ev)
{
	const char *name = event_name(ev->type);

	if (ev->type == SIITDC_EVENT_LOST) {
		fputs("lost events\n", f);
		return;
	}
	if (name)
		fputs(name, f);
	else
		fprintf(f, "event %d", ev->type);
	if (ev->has_eam) {
		const struct siitdc_eam *e = &ev->eam;
		char a[PFX_STRLEN], b[PFX_STRLEN], own[SIITDC_OWNER_MAX];

		fprintf(f, " %s %s", format_prefix4(&e->v4, e->v4_len, a),
			format_prefix6(&e->v6, e->v6_len, b));
		if (e->ttl)
			fprintf(f, " ttl %" PRIu32, e->ttl);
		if (e->owner[0])
			fprintf(f, " owner %s", owner_text(e->owner, own));
		if (e->has_source && e->source != SIITDC_SOURCE_STATIC) {
			const char *s = source_name(e->source);

			if (s)
				fprintf(f, " source %s", s);
			else
				fprintf(f, " source %u", e->source);
		}
	}
	if (ev->has_count)
		fprintf(f, " %" PRIu32 " %s", ev->count,
			ev->count == 1 ? "entry" : "entries");
	fputc('\n', f);
}

void event_print_json(FILE *f, const struct siitdc_event *ev)
{
	const char *name = event_name(ev->type);
	struct json j;

	json_init(&j, f);
	json_obj_begin(&j);
	json_key(&j, "event");
	json_str(&j, name ? name : "unknown");
	if (!name) {
		json_key(&j, "type");
		json_u64(&j, (uint64_t)(unsigned int)ev->type);
	}
	if (ev->has_eam)
		entry_json_members(&j, &ev->eam);
	if (ev->has_count) {
		json_key(&j, "count");
		json_u64(&j, ev->count);
	}
	json_obj_end(&j);
	fputc('\n', f);
}
