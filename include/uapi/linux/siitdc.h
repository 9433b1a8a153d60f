/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * siitdc: the generic netlink contract between siitdc.ko and its tools.
 *
 * Family SIITDC_GENL_NAME, version SIITDC_GENL_VERSION. Every command acts on
 * the network namespace of the requesting socket. Commands that change state
 * need CAP_NET_ADMIN in the user namespace that owns that network namespace.
 *
 * Addresses travel in network byte order: IPv4 as a 4-byte binary attribute,
 * IPv6 as a 16-byte binary attribute; prefix lengths as u8.
 */
#ifndef _UAPI_LINUX_SIITDC_H
#define _UAPI_LINUX_SIITDC_H

#define SIITDC_GENL_NAME	"siitdc"
#define SIITDC_GENL_VERSION	1
/* Multicast group of table events (SIITDC_CMD_EVENT_*). */
#define SIITDC_MCGRP_EVENTS	"events"

#include <linux/types.h>

enum siitdc_cmd {
	SIITDC_CMD_UNSPEC,
	/* A: SIITDC_A_EAM (v4 and v6 prefix), optional SIITDC_A_FLAGS. */
	SIITDC_CMD_EAM_ADD,
	/* A: SIITDC_A_EAM with either the v4 or the v6 prefix of the entry. */
	SIITDC_CMD_EAM_DEL,
	/*
	 * doit: SIITDC_A_EAM with one address (v4 or v6, no length): replies
	 * with the entry that translates it (longest prefix match).
	 * dumpit (NLM_F_DUMP): streams every entry, one SIITDC_A_EAM per message.
	 */
	SIITDC_CMD_EAM_GET,
	/* Removes every entry. */
	SIITDC_CMD_EAM_FLUSH,
	/* Reply: SIITDC_A_CONFIG. */
	SIITDC_CMD_CONFIG_GET,
	/* A: SIITDC_A_CONFIG with the settings to change. */
	SIITDC_CMD_CONFIG_SET,
	/* Reply: SIITDC_A_STATS (sums over all CPUs). */
	SIITDC_CMD_STATS_GET,
	/*
	 * Many operations in one message: one SIITDC_A_EAM per operation, each
	 * with SIITDC_EAM_A_OP (add, del or refresh) and the attributes that
	 * operation takes. All or nothing: if one fails, none is applied. The
	 * reply carries SIITDC_A_RESULTS (an s32 errno per operation, 0 for
	 * success) and SIITDC_A_COUNT (operations applied); the extack message
	 * names the first failing operation. With SIITDC_F_STAGED in
	 * SIITDC_A_FLAGS the operations build the table being replaced.
	 */
	SIITDC_CMD_EAM_BATCH,
	/*
	 * Atomic replacement of the whole table: BEGIN starts an empty staging
	 * table (discarding any earlier one), EAM_BATCH with SIITDC_F_STAGED
	 * fills it, COMMIT swaps it in at once (readers see the old table or
	 * the new one, never a mix), ABORT discards it. Only the socket that
	 * began a replacement may fill, commit or abort it.
	 */
	SIITDC_CMD_REPLACE_BEGIN,
	SIITDC_CMD_REPLACE_COMMIT,
	SIITDC_CMD_REPLACE_ABORT,
	/*
	 * Notifications on SIITDC_MCGRP_EVENTS, each with one SIITDC_A_EAM,
	 * sent once the change is made: a lookup prompted by a DEL or EXPIRE
	 * event no longer finds that entry (only a newer one, if re-added).
	 */
	SIITDC_CMD_EVENT_ADD,
	SIITDC_CMD_EVENT_DEL,
	SIITDC_CMD_EVENT_EXPIRE,
	SIITDC_CMD_EVENT_REFRESH,
	/* The table was replaced (SIITDC_A_COUNT: entries in the new one). */
	SIITDC_CMD_EVENT_REPLACE,
	/* The table was flushed (SIITDC_A_COUNT: entries removed). */
	SIITDC_CMD_EVENT_FLUSH,
	__SIITDC_CMD_MAX,
};

#define SIITDC_CMD_MAX (__SIITDC_CMD_MAX - 1)

enum siitdc_attr {
	SIITDC_A_UNSPEC,
	SIITDC_A_EAM,		/* nested, enum siitdc_eam_attr */
	SIITDC_A_CONFIG,	/* nested, enum siitdc_cfg_attr */
	SIITDC_A_STATS,		/* nested, enum siitdc_stat: each a u64 */
	SIITDC_A_FLAGS,		/* u32, SIITDC_F_* */
	SIITDC_A_COUNT,		/* u32: entries affected (flush reply) */
	SIITDC_A_RESULTS,	/* binary: s32 per batch operation */
	SIITDC_A_PAD,
	__SIITDC_A_MAX,
};

#define SIITDC_A_MAX (__SIITDC_A_MAX - 1)

/* SIITDC_A_FLAGS bits */
#define SIITDC_F_FORCE		(1U << 0)	/* EAM_ADD: allow overlapping prefixes */
#define SIITDC_F_STAGED		(1U << 1)	/* EAM_BATCH: into the staging table */

enum siitdc_eam_attr {
	SIITDC_EAM_A_UNSPEC,
	SIITDC_EAM_A_V4_ADDR,	/* binary, 4 bytes */
	SIITDC_EAM_A_V4_LEN,	/* u8, 0..32; absent means 32 */
	SIITDC_EAM_A_V6_ADDR,	/* binary, 16 bytes */
	SIITDC_EAM_A_V6_LEN,	/* u8, 0..128; absent means 128 */
	/*
	 * u32 seconds. In add and refresh: the entry's lifetime (0 or absent:
	 * forever); the module removes it when it runs out and announces
	 * SIITDC_CMD_EVENT_EXPIRE. In replies and events: seconds left.
	 */
	SIITDC_EAM_A_TTL,
	SIITDC_EAM_A_OWNER,	/* string, < SIITDC_OWNER_MAX bytes; flush/dump filter */
	SIITDC_EAM_A_SOURCE,	/* u8, enum siitdc_eam_source */
	SIITDC_EAM_A_OP,	/* u8, enum siitdc_eam_op (EAM_BATCH only) */
	SIITDC_EAM_A_FLAGS,	/* u32, SIITDC_F_FORCE (EAM_BATCH only) */
	/* Replies only: traffic through the entry since it was added. */
	SIITDC_EAM_A_PKTS_4TO6,	/* u64 */
	SIITDC_EAM_A_BYTES_4TO6, /* u64 */
	SIITDC_EAM_A_PKTS_6TO4,	/* u64 */
	SIITDC_EAM_A_BYTES_6TO4, /* u64 */
	SIITDC_EAM_A_IDLE_MS,	/* u64: since the last packet; absent if none */
	SIITDC_EAM_A_PAD,
	/*
	 * u32 seconds, with a TTL: when the TTL runs out while a packet used
	 * the entry less than this long ago, the entry lives on until it has
	 * been idle this long, so a DNS TTL lapsing does not cut a live
	 * connection. 0 or absent: the entry goes exactly at its TTL.
	 * Replies and events report it when set.
	 */
	SIITDC_EAM_A_GRACE,
	__SIITDC_EAM_A_MAX,
};

#define SIITDC_EAM_A_MAX (__SIITDC_EAM_A_MAX - 1)

enum siitdc_cfg_attr {
	SIITDC_CFG_A_UNSPEC,
	SIITDC_CFG_A_POOL6_ADDR,	/* binary, 16 bytes */
	SIITDC_CFG_A_POOL6_LEN,		/* u8: 32, 40, 48, 56, 64 or 96 */
	SIITDC_CFG_A_POOL6_CLEAR,	/* flag (set only): remove pool6 */
	SIITDC_CFG_A_EAM_COUNT,		/* u32 (get only): entries in the table */
	/*
	 * RFC 6791: IPv4 sources for ICMPv6 errors whose source cannot be
	 * translated. Absent: the BR's own IPv4 address toward the receiver.
	 */
	SIITDC_CFG_A_POOL6791V4_ADDR,	/* binary, 4 bytes */
	SIITDC_CFG_A_POOL6791V4_LEN,	/* u8: 0..32 */
	SIITDC_CFG_A_POOL6791V4_CLEAR,	/* flag (set only) */
	/* The same for ICMPv4 errors from untranslatable IPv4 sources. */
	SIITDC_CFG_A_POOL6791V6_ADDR,	/* binary, 16 bytes */
	SIITDC_CFG_A_POOL6791V6_LEN,	/* u8: 0..128 */
	SIITDC_CFG_A_POOL6791V6_CLEAR,	/* flag (set only) */
	SIITDC_CFG_A_LOWEST_IPV6_MTU,	/* u32: >= 1280, default 1280 */
	/* u16 array, host order, strictly descending, 1..16 values >= 68 */
	SIITDC_CFG_A_MTU_PLATEAUS,
	SIITDC_CFG_A_ZEROIZE_TC,	/* u8 bool: 4->6 traffic class always 0 */
	SIITDC_CFG_A_OVERRIDE_TOS,	/* u8 bool: 6->4 TOS is SIITDC_CFG_A_TOS */
	SIITDC_CFG_A_TOS,		/* u8 */
	SIITDC_CFG_A_UDP_ZERO_CSUM,	/* u8, enum siitdc_udp_zero_csum */
	SIITDC_CFG_A_HAIRPIN,		/* u8, enum siitdc_hairpin */
	SIITDC_CFG_A_RANDOM_6791,	/* u8 bool: random pool6791 source */
	SIITDC_CFG_A_ICMP_ERRORS,	/* u8 bool: send ICMP errors, default 1 */
	SIITDC_CFG_A_ICMP_RATELIMIT,	/* u32: errors per second, 0 = no limit */
	/*
	 * IPv4 prefixes never translated in either direction: an array of
	 * struct siitdc_prefix4_wire, at most SIITDC_DENYLIST4_MAX. Setting it
	 * replaces the whole list; an empty attribute clears it.
	 */
	SIITDC_CFG_A_DENYLIST4,
	__SIITDC_CFG_A_MAX,
};

#define SIITDC_CFG_A_MAX (__SIITDC_CFG_A_MAX - 1)

#define SIITDC_OWNER_MAX	32
#define SIITDC_BATCH_MAX	4096	/* operations in one EAM_BATCH */

enum siitdc_eam_source {
	SIITDC_SOURCE_STATIC,		/* added by an operator */
	SIITDC_SOURCE_DNS,		/* siitdcd: an IPv4 client asked DNS */
	SIITDC_SOURCE_CONTAINER,	/* siitdcd: a container flagged public */
};

enum siitdc_eam_op {
	SIITDC_OP_ADD,			/* add (an identical entry: refresh) */
	SIITDC_OP_DEL,			/* by its IPv4 or its IPv6 prefix */
	SIITDC_OP_REFRESH,		/* new TTL for an existing entry */
};

#define SIITDC_DENYLIST4_MAX	64
#define SIITDC_PLATEAUS_MAX	16

struct siitdc_prefix4_wire {
	__be32 addr;
	__u8 len;
	__u8 pad[3];
};

enum siitdc_udp_zero_csum {
	SIITDC_UDP_ZERO_CSUM_DROP,	/* drop unfragmented IPv4 UDP without checksum */
	SIITDC_UDP_ZERO_CSUM_COMPUTE,	/* compute the checksum IPv6 requires */
};

/* RFC 7757 section 4: how the 4->6 source of hairpinned traffic maps. */
enum siitdc_hairpin {
	SIITDC_HAIRPIN_OFF,		/* always EAM first (asymmetric hairpins) */
	SIITDC_HAIRPIN_SIMPLE,		/* 4->6 sources never use EAM (4.2.1) */
	SIITDC_HAIRPIN_INTRINSIC,	/* only hairpinned packets skip EAM (4.2.2) */
};

/*
 * Counters, summed over CPUs. The attribute type inside SIITDC_A_STATS is the
 * counter's value here; the payload is a u64. Append only: tools print
 * counters they do not know by number.
 */
enum siitdc_stat {
	SIITDC_STAT_UNSPEC,
	SIITDC_STAT_XLAT_4TO6,		/* IPv4 packets translated to IPv6 */
	SIITDC_STAT_XLAT_6TO4,		/* IPv6 packets translated to IPv4 */
	SIITDC_STAT_PASS_4,		/* IPv4 not for translation, left alone */
	SIITDC_STAT_PASS_6,		/* IPv6 not for translation, left alone */
	SIITDC_STAT_DROP_MALFORMED,	/* bad header, length or checksum */
	SIITDC_STAT_DROP_SRC_UNMAPPED,	/* destination maps, source does not */
	SIITDC_STAT_DROP_SRC_ILLEGAL,	/* source never valid (RFC 1812 5.3.7) */
	SIITDC_STAT_DROP_TTL_EXPIRED,	/* TTL/hop limit ran out; error sent */
	SIITDC_STAT_DROP_FRAGMENT,	/* fragments: not translated yet */
	SIITDC_STAT_DROP_ICMP_TYPE,	/* ICMP type not translated */
	SIITDC_STAT_DROP_PROTO,		/* transport not translated */
	SIITDC_STAT_DROP_UDP_ZERO_CSUM,	/* UDP over IPv4 with no checksum */
	SIITDC_STAT_DROP_TOO_BIG,	/* cannot fit the other family */
	SIITDC_STAT_DROP_NOMEM,		/* could not make room for headers */
	SIITDC_STAT_DROP_NO_ROUTE,	/* no route for the translated packet */
	SIITDC_STAT_DROP_EXTHDR,	/* IPv6 extension header not allowed */
	SIITDC_STAT_DROP_DST_ILLEGAL,	/* destination never valid */
	SIITDC_STAT_DROP_GSO,		/* GSO type that cannot be translated */
	SIITDC_STAT_XLAT_ICMP_ERR_4TO6,	/* ICMPv4 errors translated, inner too */
	SIITDC_STAT_XLAT_ICMP_ERR_6TO4,	/* ICMPv6 errors translated, inner too */
	SIITDC_STAT_DROP_ICMP_ERR_NESTED, /* an ICMP error about an ICMP error */
	SIITDC_STAT_DROP_ICMP_ERR_INNER, /* inner packet cannot be translated */
	SIITDC_STAT_DROP_ICMP_FRAGMENT,	/* fragmented ICMP (RFC 7915 1.2) */
	SIITDC_STAT_DROP_SOURCE_ROUTE,	/* unexpired LSRR/SSRR option */
	SIITDC_STAT_DROP_DENYLIST,	/* address in denylist4 */
	SIITDC_STAT_DROP_WKP_NONGLOBAL,	/* 64:ff9b::/96 with non-global IPv4 */
	SIITDC_STAT_DROP_HAIRPIN_LOOP,	/* would hairpin a second time */
	SIITDC_STAT_DROP_PTB,		/* too big with DF: PTB/Frag Needed */
	SIITDC_STAT_FRAGMENTED_4TO6,	/* DF=0 packets split for the IPv6 MTU */
	SIITDC_STAT_ICMP_ERR_SENT,	/* ICMP errors the BR generated */
	SIITDC_STAT_ICMP_ERR_RATELIMITED, /* ... and ones it held back */
	SIITDC_STAT_UDP_CSUM_COMPUTED,	/* IPv4 UDP without checksum, computed */
	/* GSO packets of a kind not translated whole (fraglist GRO, tunnels), segmented */
	SIITDC_STAT_GSO_SEGMENTED,
	__SIITDC_STAT_MAX,
};

#define SIITDC_STAT_MAX (__SIITDC_STAT_MAX - 1)

#endif /* _UAPI_LINUX_SIITDC_H */
