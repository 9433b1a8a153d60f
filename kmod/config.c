// SPDX-License-Identifier: GPL-2.0
/*
 * Instance settings: defaults, validation of a CONFIG_SET request, and the
 * CONFIG_GET reply. A change is applied to a private copy, which the caller
 * publishes with rcu_assign_pointer() only if every attribute was valid, so
 * a refused request changes nothing.
 */
#include <net/netlink.h>

#include "siitdc.h"

/* RFC 1191 section 7: the plateaus for an ICMPv4 Frag Needed with MTU 0. */
static const u16 rfc1191_plateaus[] = {
	65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
};

#define SIITDC_MIN_IPV6_MTU	1280
#define SIITDC_DEFAULT_ICMP_RATE 1000

void siitdc_config_defaults(struct siitdc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lowest_ipv6_mtu = SIITDC_MIN_IPV6_MTU;
	memcpy(cfg->plateaus, rfc1191_plateaus, sizeof(rfc1191_plateaus));
	cfg->nplateaus = ARRAY_SIZE(rfc1191_plateaus);
	cfg->udp_zero_csum = SIITDC_UDP_ZERO_CSUM_DROP;
	cfg->hairpin = SIITDC_HAIRPIN_INTRINSIC;
	cfg->random_6791 = true;
	cfg->icmp_errors = true;
	cfg->icmp_ratelimit = SIITDC_DEFAULT_ICMP_RATE;
}

void siitdc_icmp_ratelimit_set(struct siitdc_net *sn, u32 per_second)
{
	/* interval 0 disables the limit in ___ratelimit(). */
	ratelimit_state_init(&sn->icmp_rs, per_second ? HZ : 0, per_second);
	ratelimit_set_flags(&sn->icmp_rs, RATELIMIT_MSG_ON_RELEASE);
}

/* The core's and our reasons are static strings, as extack needs. */
static int refuse(struct netlink_ext_ack *extack, const struct nlattr *attr,
		  const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
	return -EINVAL;
}

/* A pool is an (ADDR, LEN, CLEAR) triple: both, or clear, or nothing. */
struct pool_attrs {
	int addr, len, clear;
	const char *both_msg, *pair_msg;
};

static const struct pool_attrs pools[] = {
	{ SIITDC_CFG_A_POOL6_ADDR, SIITDC_CFG_A_POOL6_LEN,
	  SIITDC_CFG_A_POOL6_CLEAR,
	  "pool6: give a prefix or clear it, not both",
	  "pool6 needs both an address and a length" },
	{ SIITDC_CFG_A_POOL6791V4_ADDR, SIITDC_CFG_A_POOL6791V4_LEN,
	  SIITDC_CFG_A_POOL6791V4_CLEAR,
	  "pool6791v4: give a prefix or clear it, not both",
	  "pool6791v4 needs both an address and a length" },
	{ SIITDC_CFG_A_POOL6791V6_ADDR, SIITDC_CFG_A_POOL6791V6_LEN,
	  SIITDC_CFG_A_POOL6791V6_CLEAR,
	  "pool6791v6: give a prefix or clear it, not both",
	  "pool6791v6 needs both an address and a length" },
};

static int apply_pools(struct siitdc_config *c, struct nlattr **tb,
		       struct nlattr *nest, struct netlink_ext_ack *extack)
{
	const char *why;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pools); i++) {
		const struct pool_attrs *p = &pools[i];

		if (tb[p->clear] && (tb[p->addr] || tb[p->len]))
			return refuse(extack, nest, p->both_msg);
		if (!!tb[p->addr] != !!tb[p->len])
			return refuse(extack, nest, p->pair_msg);
	}

	if (tb[SIITDC_CFG_A_POOL6_CLEAR])
		c->pool6_set = false;
	if (tb[SIITDC_CFG_A_POOL6_ADDR]) {
		c->pool6.addr = nla_get_in6_addr(tb[SIITDC_CFG_A_POOL6_ADDR]);
		c->pool6.len = nla_get_u8(tb[SIITDC_CFG_A_POOL6_LEN]);
		why = siitdc_pool6_check(&c->pool6);
		if (why)
			return refuse(extack, tb[SIITDC_CFG_A_POOL6_ADDR], why);
		c->pool6_set = true;
	}

	if (tb[SIITDC_CFG_A_POOL6791V4_CLEAR])
		c->pool6791v4_set = false;
	if (tb[SIITDC_CFG_A_POOL6791V4_ADDR]) {
		c->pool6791v4.addr = nla_get_in_addr(tb[SIITDC_CFG_A_POOL6791V4_ADDR]);
		c->pool6791v4.len = nla_get_u8(tb[SIITDC_CFG_A_POOL6791V4_LEN]);
		why = siitdc_prefix4_check(&c->pool6791v4);
		if (why)
			return refuse(extack, tb[SIITDC_CFG_A_POOL6791V4_ADDR], why);
		c->pool6791v4_set = true;
	}

	if (tb[SIITDC_CFG_A_POOL6791V6_CLEAR])
		c->pool6791v6_set = false;
	if (tb[SIITDC_CFG_A_POOL6791V6_ADDR]) {
		c->pool6791v6.addr = nla_get_in6_addr(tb[SIITDC_CFG_A_POOL6791V6_ADDR]);
		c->pool6791v6.len = nla_get_u8(tb[SIITDC_CFG_A_POOL6791V6_LEN]);
		why = siitdc_prefix6_check(&c->pool6791v6);
		if (why)
			return refuse(extack, tb[SIITDC_CFG_A_POOL6791V6_ADDR], why);
		c->pool6791v6_set = true;
	}
	return 0;
}

static int apply_plateaus(struct siitdc_config *c, struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	unsigned int n = nla_len(attr) / sizeof(u16), i;
	u16 v[SIITDC_PLATEAUS_MAX];

	if (nla_len(attr) % sizeof(u16) || n < 1 || n > SIITDC_PLATEAUS_MAX)
		return refuse(extack, attr, "mtu-plateaus: 1 to 16 u16 values");
	memcpy(v, nla_data(attr), n * sizeof(u16));
	for (i = 0; i < n; i++) {
		if (v[i] < 68)
			return refuse(extack, attr, "mtu-plateaus: each value must be >= 68");
		if (i && v[i] >= v[i - 1])
			return refuse(extack, attr, "mtu-plateaus: must be strictly descending");
	}
	memcpy(c->plateaus, v, n * sizeof(u16));
	c->nplateaus = n;
	return 0;
}

static int apply_denylist(struct siitdc_config *c, struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	const struct siitdc_prefix4_wire *w = nla_data(attr);
	unsigned int n = nla_len(attr) / sizeof(*w), i;
	struct siitdc_prefix4 p;
	const char *why;

	if (nla_len(attr) % sizeof(*w) || n > SIITDC_DENYLIST4_MAX)
		return refuse(extack, attr, "denylist4: at most 64 prefixes");
	for (i = 0; i < n; i++) {
		p.addr = w[i].addr;
		p.len = w[i].len;
		why = siitdc_prefix4_check(&p);
		if (why)
			return refuse(extack, attr, why);
		c->deny4[i] = p;
	}
	c->ndeny4 = n;
	return 0;
}

static bool get_bool(struct nlattr *attr, bool old)
{
	return attr ? !!nla_get_u8(attr) : old;
}

int siitdc_config_apply(struct siitdc_config *c, struct nlattr **tb,
			struct nlattr *nest, struct netlink_ext_ack *extack)
{
	int err;

	err = apply_pools(c, tb, nest, extack);
	if (err)
		return err;
	if (tb[SIITDC_CFG_A_LOWEST_IPV6_MTU])
		c->lowest_ipv6_mtu = nla_get_u32(tb[SIITDC_CFG_A_LOWEST_IPV6_MTU]);
	if (tb[SIITDC_CFG_A_MTU_PLATEAUS]) {
		err = apply_plateaus(c, tb[SIITDC_CFG_A_MTU_PLATEAUS], extack);
		if (err)
			return err;
	}
	if (tb[SIITDC_CFG_A_DENYLIST4]) {
		err = apply_denylist(c, tb[SIITDC_CFG_A_DENYLIST4], extack);
		if (err)
			return err;
	}
	c->zeroize_tc = get_bool(tb[SIITDC_CFG_A_ZEROIZE_TC], c->zeroize_tc);
	c->override_tos = get_bool(tb[SIITDC_CFG_A_OVERRIDE_TOS], c->override_tos);
	if (tb[SIITDC_CFG_A_TOS])
		c->tos = nla_get_u8(tb[SIITDC_CFG_A_TOS]);
	if (tb[SIITDC_CFG_A_UDP_ZERO_CSUM])
		c->udp_zero_csum = nla_get_u8(tb[SIITDC_CFG_A_UDP_ZERO_CSUM]);
	if (tb[SIITDC_CFG_A_HAIRPIN])
		c->hairpin = nla_get_u8(tb[SIITDC_CFG_A_HAIRPIN]);
	c->random_6791 = get_bool(tb[SIITDC_CFG_A_RANDOM_6791], c->random_6791);
	c->icmp_errors = get_bool(tb[SIITDC_CFG_A_ICMP_ERRORS], c->icmp_errors);
	if (tb[SIITDC_CFG_A_ICMP_RATELIMIT])
		c->icmp_ratelimit = nla_get_u32(tb[SIITDC_CFG_A_ICMP_RATELIMIT]);
	return 0;
}

int siitdc_config_fill(struct sk_buff *msg, const struct siitdc_config *c)
{
	struct siitdc_prefix4_wire w[SIITDC_DENYLIST4_MAX];
	unsigned int i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < c->ndeny4; i++) {
		w[i].addr = c->deny4[i].addr;
		w[i].len = c->deny4[i].len;
	}

	if (c->pool6_set &&
	    (nla_put_in6_addr(msg, SIITDC_CFG_A_POOL6_ADDR, &c->pool6.addr) ||
	     nla_put_u8(msg, SIITDC_CFG_A_POOL6_LEN, c->pool6.len)))
		return -EMSGSIZE;
	if (c->pool6791v4_set &&
	    (nla_put_in_addr(msg, SIITDC_CFG_A_POOL6791V4_ADDR, c->pool6791v4.addr) ||
	     nla_put_u8(msg, SIITDC_CFG_A_POOL6791V4_LEN, c->pool6791v4.len)))
		return -EMSGSIZE;
	if (c->pool6791v6_set &&
	    (nla_put_in6_addr(msg, SIITDC_CFG_A_POOL6791V6_ADDR, &c->pool6791v6.addr) ||
	     nla_put_u8(msg, SIITDC_CFG_A_POOL6791V6_LEN, c->pool6791v6.len)))
		return -EMSGSIZE;
	if (nla_put_u32(msg, SIITDC_CFG_A_LOWEST_IPV6_MTU, c->lowest_ipv6_mtu) ||
	    nla_put(msg, SIITDC_CFG_A_MTU_PLATEAUS, c->nplateaus * sizeof(u16),
		    c->plateaus) ||
	    nla_put_u8(msg, SIITDC_CFG_A_ZEROIZE_TC, c->zeroize_tc) ||
	    nla_put_u8(msg, SIITDC_CFG_A_OVERRIDE_TOS, c->override_tos) ||
	    nla_put_u8(msg, SIITDC_CFG_A_TOS, c->tos) ||
	    nla_put_u8(msg, SIITDC_CFG_A_UDP_ZERO_CSUM, c->udp_zero_csum) ||
	    nla_put_u8(msg, SIITDC_CFG_A_HAIRPIN, c->hairpin) ||
	    nla_put_u8(msg, SIITDC_CFG_A_RANDOM_6791, c->random_6791) ||
	    nla_put_u8(msg, SIITDC_CFG_A_ICMP_ERRORS, c->icmp_errors) ||
	    nla_put_u32(msg, SIITDC_CFG_A_ICMP_RATELIMIT, c->icmp_ratelimit) ||
	    nla_put(msg, SIITDC_CFG_A_DENYLIST4, c->ndeny4 * sizeof(w[0]), w))
		return -EMSGSIZE;
	return 0;
}
