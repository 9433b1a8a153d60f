// SPDX-License-Identifier: GPL-2.0
/*
 * libsiitdc: typed C API over the siitdc generic netlink family.
 *
 * Every request is sent with its own sequence number and the replies are read
 * until the request is complete: an ACK (doit; we always ask for one, so no
 * error can go unnoticed), NLMSG_DONE (dump) or an error. Errors carry the
 * kernel's errno and, if it sent one, its extended ack message.
 */
#include "libsiitdc.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/handlers.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include <linux/siitdc.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define MSG_LEN 512

/*
 * The most one batch operation can take: the nest, OP, both addresses and
 * lengths, TTL, OWNER (31 bytes and a NUL), SOURCE, FLAGS and GRACE,
 * 132 bytes.
 */
#define BATCH_OP_MAX	136
/* Header, genl header, SIITDC_A_FLAGS, and slack. */
#define BATCH_HDR_ROOM	256

/* Receive buffer asked for by siitdc_events_subscribe() (may be capped). */
#define EVENTS_RCVBUF	(4 * 1024 * 1024)

struct req;
struct dump_ctx;

/* The batch being built (siitdc_batch_*). */
struct batch {
	bool active;
	uint32_t flags;			/* SIITDC_A_FLAGS of every message */
	unsigned int max_ops;
	unsigned int max_bytes;
	struct nl_msg *msg;		/* message being filled, or NULL */
	unsigned int n;			/* operations in it */
	/* Where each operation's nest starts and ends, from the nlmsghdr. */
	uint32_t off[SIITDC_BATCH_MAX];
	uint32_t end[SIITDC_BATCH_MAX];
	struct siitdc_batch_status st;
};

struct siitdc {
	struct nl_sock *sk;
	struct nl_cb *cb;
	struct nl_cb *ecb;		/* events (after subscribing) */
	int family;
	struct req *req;		/* request in flight */
	char kmsg[MSG_LEN];		/* kernel extack, failed request */
	char lmsg[MSG_LEN];		/* userspace-detected failure */
	char warn[MSG_LEN];		/* kernel extack, successful request */
	bool has_err_off;		/* NLMSGERR_ATTR_OFFS of the last error */
	uint32_t err_off;

	unsigned int lim_ops;		/* siitdc_batch_set_limits(), 0: default */
	unsigned int lim_bytes;
	struct batch b;

	siitdc_event_cb ev_cb;		/* siitdc_events_run() in progress */
	void *ev_arg;
	int ev_ret;

	/* siitdc_eam_dump_begin() and _step(): the dump being read. */
	struct nl_cb *scb;		/* h->cb reading a bounded number */
	struct req *dreq;
	struct dump_ctx *dctx;
};

/*
 * Parses the attributes of one reply (after the genl header). Returns 0 or a
 * negative errno, having set the local message.
 */
typedef int (*reply_fn)(struct req *r, struct nlattr *attrs, int len);

struct req {
	struct siitdc *h;
	uint8_t cmd;
	uint32_t seq;
	reply_fn parse;
	void *priv;
	unsigned int replies;		/* reply messages seen */
	bool done;			/* ACK, DONE or error received */
	bool intr;			/* NLM_F_DUMP_INTR seen */
	int err;			/* first error, negative errno */
};

/* -------------------------------------------------------------------------
 * Messages
 */

static void set_msg(char *dst, const char *fmt, va_list ap)
{
	vsnprintf(dst, MSG_LEN, fmt, ap);
}

__attribute__((format(printf, 2, 3)))
static void local_msg(struct siitdc *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_msg(h->lmsg, fmt, ap);
	va_end(ap);
}

/* Records the first error of a request; later ones are consequences. */
__attribute__((format(printf, 3, 4)))
static int req_fail(struct req *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return r->err;
	r->err = err;
	va_start(ap, fmt);
	set_msg(r->h->lmsg, fmt, ap);
	va_end(ap);
	return err;
}

const char *siitdc_kernel_msg(const struct siitdc *h)
{
	return h && h->kmsg[0] ? h->kmsg : NULL;
}

const char *siitdc_local_msg(const struct siitdc *h)
{
	return h && h->lmsg[0] ? h->lmsg : NULL;
}

const char *siitdc_kernel_warning(const struct siitdc *h)
{
	return h && h->warn[0] ? h->warn : NULL;
}

/* libnl error codes are not errnos; map the ones we can meet. */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:	return 0;
	case NLE_INTR:		return -EINTR;
	case NLE_BAD_SOCK:	return -EBADF;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_PERM:		return -EPERM;
	case NLE_BUSY:		return -EBUSY;
	case NLE_NODEV:		return -ENODEV;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_DUMP_INTR:	return -SIITDC_EDUMPINTR;
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TOOSHORT:
	case NLE_PARSE_ERR:
	case NLE_ATTRSIZE:
	case NLE_SEQ_MISMATCH:
	case NLE_MSGTYPE_NOSUPPORT:
		return -EBADMSG;
	default:		return -EIO;
	}
}

/*
 * Copies the string attribute a to dst (MSG_LEN), stopping at its NUL or its
 * end, and turning control characters into spaces so that it stays one line.
 */
static void copy_nla_string(char *dst, const struct nlattr *a)
{
	const char *s = nla_data(a);
	int n = nla_len(a), i;

	if (n > MSG_LEN - 1)
		n = MSG_LEN - 1;
	for (i = 0; i < n && s[i]; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	dst[i] = '\0';
}

/*
 * Extracts the extended ack message from the TLVs at tlvs[len] into dst
 * (MSG_LEN). Without NLMSGERR_ATTR_MSG, a missing-attribute report is the
 * next best thing.
 */
static void parse_ext_ack(const void *tlvs, int len, char *dst)
{
	const struct nlattr *head = tlvs, *a;

	if (len < (int)sizeof(struct nlattr))
		return;
	a = nla_find(head, len, NLMSGERR_ATTR_MSG);
	if (a && nla_len(a) > 0) {
		copy_nla_string(dst, a);
		if (dst[0])
			return;
	}
	a = nla_find(head, len, NLMSGERR_ATTR_MISS_TYPE);
	if (a && nla_len(a) >= (int)sizeof(uint32_t))
		snprintf(dst, MSG_LEN, "missing attribute %u", nla_get_u32(a));
}

/*
 * For an NLMSG_ERROR message (error or ACK) nlh: finds the TLVs after the
 * struct nlmsgerr and the echoed request (all of it, or only its header when
 * NLM_F_CAPPED is set) and extracts the message into dst.
 */
static void error_ext_ack(const struct nlmsghdr *nlh, char *dst,
			  struct siitdc *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t total = nlh->nlmsg_len, off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (total < NLMSG_HDRLEN + sizeof(*e))
		return;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (off >= total)
		return;
	parse_ext_ack((const char *)nlh + off, (int)(total - off), dst);
	if (h && total - off >= sizeof(struct nlattr)) {
		const struct nlattr *a = nla_find((const struct nlattr *)
						  ((const char *)nlh + off),
						  (int)(total - off),
						  NLMSGERR_ATTR_OFFS);

		if (a && nla_len(a) >= (int)sizeof(uint32_t)) {
			h->has_err_off = true;
			h->err_off = nla_get_u32((struct nlattr *)a);
		}
	}
}

/* -------------------------------------------------------------------------
 * libnl callbacks; arg is the handle, h->req the request in flight.
 */

static int cb_seq_check(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;
	struct sockaddr_nl *src = nlmsg_get_src(msg);

	/* Only the kernel's answers to the request in flight, no events. */
	if (src && (src->nl_pid != 0 || src->nl_groups != 0))
		return NL_SKIP;
	if (!h->req)
		return NL_SKIP;
	if (nlmsg_hdr(msg)->nlmsg_seq != h->req->seq)
		return NL_SKIP;
	return NL_OK;
}

static int cb_dump_intr(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;

	(void)msg;
	h->req->intr = true;
	return NL_OK;		/* keep the message and read on to DONE */
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;
	struct req *r = h->req;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g;
	int err;

	if (r->err)
		return NL_SKIP;		/* drain */
	if (nlh->nlmsg_type != h->family) {
		req_fail(r, -EBADMSG, "unexpected reply message type %u",
			 nlh->nlmsg_type);
		return NL_SKIP;
	}
	if (!genlmsg_valid_hdr(nlh, 0)) {
		req_fail(r, -EBADMSG, "truncated reply from the kernel");
		return NL_SKIP;
	}
	g = nlmsg_data(nlh);
	if (g->cmd != r->cmd) {
		req_fail(r, -EBADMSG, "reply has command %u, expected %u",
			 g->cmd, r->cmd);
		return NL_SKIP;
	}
	r->replies++;
	if (r->parse) {
		err = r->parse(r, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0));
		if (err < 0 && !r->err)
			r->err = err;
	}
	return NL_OK;
}

static int cb_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct siitdc *h = arg;
	struct req *r = h->req;
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)nla;
	r->done = true;
	if (!r->err) {
		r->err = e->error < 0 ? e->error : -e->error;
		if (!r->err)
			r->err = -EIO;
		h->lmsg[0] = '\0';
		error_ext_ack(nlh, h->kmsg, h);
	}
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;

	h->req->done = true;
	error_ext_ack(nlmsg_hdr(msg), h->warn, NULL);
	return NL_STOP;
}

/*
 * NLMSG_DONE ends a dump. Its payload is the dump's status (an int); a
 * negative one is an error, possibly explained by extack TLVs after it.
 */
static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;
	struct req *r = h->req;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int status = 0, len = nlmsg_datalen(nlh);
	const int off = NLMSG_ALIGN(sizeof(int));

	r->done = true;
	if (len >= (int)sizeof(int))
		memcpy(&status, nlmsg_data(nlh), sizeof(int));
	if (status < 0 && !r->err) {
		r->err = status;
		h->lmsg[0] = '\0';
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > off)
		parse_ext_ack((const char *)nlmsg_data(nlh) + off, len - off,
			      status < 0 ? h->kmsg : h->warn);
	return NL_STOP;
}

/* -------------------------------------------------------------------------
 * Requests
 */

static struct nl_msg *req_msg(struct siitdc *h, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, flags,
			 cmd, SIITDC_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * Sends msg (always freed) and reads replies until the request completes.
 * r->h and r->cmd must be set; r->parse may be NULL to ignore replies.
 */
static int req_send(struct siitdc *h, struct nl_msg *msg, struct req *r)
{
	int err;

	if (h->req) {	/* a dump being read step by step: its state stays */
		nlmsg_free(msg);
		local_msg(h, "a request is already in progress on this handle");
		return -EBUSY;
	}
	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	h->has_err_off = false;
	r->h = h;
	h->req = r;

	err = nl_send_auto(h->sk, msg);
	r->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (err < 0) {
		local_msg(h, "cannot send request: %s", nl_geterror(err));
		h->req = NULL;
		return nlerr_to_errno(err);
	}
	return 0;
}

/*
 * Reads replies until the request completes, or (reading with h->scb) until
 * the read budget is spent: then returns 1.
 */
static int req_read(struct siitdc *h, struct req *r, struct nl_cb *cb)
{
	int err;

	while (!r->done) {
		err = nl_recvmsgs(h->sk, cb);
		if (r->done)
			break;
		if (err == -NLE_AGAIN && cb == h->scb)
			return 1;
		if (err < 0) {
			req_fail(r, nlerr_to_errno(err),
				 "cannot read reply: %s", nl_geterror(err));
			break;
		}
	}
	h->req = NULL;

	if (r->err)
		return r->err;
	if (r->intr) {
		local_msg(h, "dump interrupted: the table changed while it was read");
		return -SIITDC_EDUMPINTR;
	}
	return 0;
}

/*
 * Sends msg (always freed) and reads replies until the request completes.
 * r->h and r->cmd must be set; r->parse may be NULL to ignore replies.
 */
static int transact(struct siitdc *h, struct nl_msg *msg, struct req *r)
{
	int err = req_send(h, msg, r);

	return err ? err : req_read(h, r, h->cb);
}

/* Builds, sends and completes a request whose attributes are all set. */
static int simple_request(struct siitdc *h, struct nl_msg *msg, uint8_t cmd,
			  reply_fn parse, void *priv, bool want_reply)
{
	struct req r = { .cmd = cmd, .parse = parse, .priv = priv };
	int err;

	err = transact(h, msg, &r);
	if (err < 0)
		return err;
	if (want_reply && r.replies != 1)
		return req_fail(&r, -EBADMSG, "kernel sent %u replies, expected 1",
				r.replies);
	return 0;
}

static int msg_nomem(struct siitdc *h, struct nl_msg *msg)
{
	nlmsg_free(msg);
	local_msg(h, "cannot build request: out of memory");
	return -ENOMEM;
}

/* -------------------------------------------------------------------------
 * Handle
 */

int siitdc_open(struct siitdc **out)
{
	struct siitdc *h;
	int err, one = 1;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sk = nl_socket_alloc();
	h->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!h->sk || !h->cb) {
		err = -ENOMEM;
		goto fail;
	}
	err = genl_connect(h->sk);
	if (err < 0) {
		err = nlerr_to_errno(err);
		goto fail;
	}
	/* Old kernels lack extended acks: that only costs the messages. */
	(void)setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK,
			 NETLINK_EXT_ACK, &one, sizeof(one));
	/*
	 * Errors echo only the request's header, not a whole batch message
	 * (which could make the error larger than the receive buffer).
	 */
	(void)setsockopt(nl_socket_get_fd(h->sk), SOL_NETLINK,
			 NETLINK_CAP_ACK, &one, sizeof(one));

	err = genl_ctrl_resolve(h->sk, SIITDC_GENL_NAME);
	if (err < 0) {
		err = err == -NLE_OBJ_NOTFOUND ? -SIITDC_ENOFAMILY :
			nlerr_to_errno(err);
		goto fail;
	}
	h->family = err;

	/*
	 * From here on we ask for ACKs ourselves (doit only: a dump ends with
	 * NLMSG_DONE) and check sequence numbers in cb_seq_check.
	 */
	nl_socket_disable_auto_ack(h->sk);
	nl_socket_enable_msg_peek(h->sk);	/* dump messages may be large */

	nl_cb_set(h->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, cb_seq_check, h);
	nl_cb_set(h->cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, h);
	nl_cb_set(h->cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, h);
	nl_cb_set(h->cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, h);
	nl_cb_set(h->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, cb_dump_intr, h);
	nl_cb_err(h->cb, NL_CB_CUSTOM, cb_err, h);

	*out = h;
	return 0;

fail:
	siitdc_close(h);
	return err;
}

void siitdc_close(struct siitdc *h)
{
	if (!h)
		return;
	if (h->b.msg)
		nlmsg_free(h->b.msg);
	free(h->dreq);
	free(h->dctx);
	if (h->scb)
		nl_cb_put(h->scb);
	if (h->ecb)
		nl_cb_put(h->ecb);
	if (h->cb)
		nl_cb_put(h->cb);
	if (h->sk)
		nl_socket_free(h->sk);	/* closes the socket too */
	free(h);
}

/* -------------------------------------------------------------------------
 * Attribute helpers
 */

static int put_prefix(struct nl_msg *msg, const struct siitdc_prefix *p,
		      bool with_len)
{
	if (p->family == AF_INET) {
		if (nla_put(msg, SIITDC_EAM_A_V4_ADDR, 4, &p->v4) < 0)
			return -1;
		if (with_len && nla_put_u8(msg, SIITDC_EAM_A_V4_LEN, p->len) < 0)
			return -1;
		return 0;
	}
	if (nla_put(msg, SIITDC_EAM_A_V6_ADDR, 16, &p->v6) < 0)
		return -1;
	if (with_len && nla_put_u8(msg, SIITDC_EAM_A_V6_LEN, p->len) < 0)
		return -1;
	return 0;
}

static bool check_family(struct siitdc *h, const struct siitdc_prefix *p)
{
	if (p->family == AF_INET && p->len <= 32)
		return true;
	if (p->family == AF_INET6 && p->len <= 128)
		return true;
	local_msg(h, "invalid prefix (family %d, length %u)", p->family, p->len);
	return false;
}

/* A u64 attribute of at least 8 bytes, or false. */
static bool get_u64(struct nlattr *a, uint64_t *out)
{
	if (!a || nla_len(a) < (int)sizeof(uint64_t))
		return false;
	*out = nla_get_u64(a);
	return true;
}

/*
 * Decodes the SIITDC_A_EAM nest into *e. Returns 0, or -1 with a message in
 * err[MSG_LEN].
 */
static int decode_eam(struct nlattr *nest, struct siitdc_eam *e, char *err)
{
	static struct nla_policy pol[SIITDC_EAM_A_MAX + 1] = {
		[SIITDC_EAM_A_V4_ADDR]	= { .type = NLA_UNSPEC },
		[SIITDC_EAM_A_V4_LEN]	= { .type = NLA_U8 },
		[SIITDC_EAM_A_V6_ADDR]	= { .type = NLA_UNSPEC },
		[SIITDC_EAM_A_V6_LEN]	= { .type = NLA_U8 },
		[SIITDC_EAM_A_TTL]	= { .type = NLA_U32 },
		/* Not NLA_STRING: tolerate a missing NUL, copy with care. */
		[SIITDC_EAM_A_OWNER]	= { .type = NLA_UNSPEC },
		[SIITDC_EAM_A_SOURCE]	= { .type = NLA_U8 },
		[SIITDC_EAM_A_PKTS_4TO6] = { .type = NLA_U64 },
		[SIITDC_EAM_A_BYTES_4TO6] = { .type = NLA_U64 },
		[SIITDC_EAM_A_PKTS_6TO4] = { .type = NLA_U64 },
		[SIITDC_EAM_A_BYTES_6TO4] = { .type = NLA_U64 },
		[SIITDC_EAM_A_IDLE_MS]	= { .type = NLA_U64 },
		[SIITDC_EAM_A_GRACE]	= { .type = NLA_U32 },
	};
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	int err_nl, i;

	memset(e, 0, sizeof(*e));
	err_nl = nla_parse_nested(tb, SIITDC_EAM_A_MAX, nest, pol);
	if (err_nl < 0) {
		snprintf(err, MSG_LEN, "malformed entry in kernel message: %s",
			 nl_geterror(err_nl));
		return -1;
	}
	if (!tb[SIITDC_EAM_A_V4_ADDR] || nla_len(tb[SIITDC_EAM_A_V4_ADDR]) != 4) {
		snprintf(err, MSG_LEN,
			 "entry in kernel message lacks a 4-byte IPv4 address");
		return -1;
	}
	if (!tb[SIITDC_EAM_A_V6_ADDR] || nla_len(tb[SIITDC_EAM_A_V6_ADDR]) != 16) {
		snprintf(err, MSG_LEN,
			 "entry in kernel message lacks a 16-byte IPv6 address");
		return -1;
	}
	memcpy(&e->v4, nla_data(tb[SIITDC_EAM_A_V4_ADDR]), 4);
	memcpy(&e->v6, nla_data(tb[SIITDC_EAM_A_V6_ADDR]), 16);
	e->v4_len = tb[SIITDC_EAM_A_V4_LEN] ?
		nla_get_u8(tb[SIITDC_EAM_A_V4_LEN]) : 32;
	e->v6_len = tb[SIITDC_EAM_A_V6_LEN] ?
		nla_get_u8(tb[SIITDC_EAM_A_V6_LEN]) : 128;
	if (e->v4_len > 32 || e->v6_len > 128) {
		snprintf(err, MSG_LEN,
			 "entry in kernel message has prefix lengths /%u, /%u",
			 e->v4_len, e->v6_len);
		return -1;
	}
	if (tb[SIITDC_EAM_A_TTL])
		e->ttl = nla_get_u32(tb[SIITDC_EAM_A_TTL]);
	if (tb[SIITDC_EAM_A_OWNER]) {
		const char *o = nla_data(tb[SIITDC_EAM_A_OWNER]);
		int n = nla_len(tb[SIITDC_EAM_A_OWNER]);

		for (i = 0; i < n && i < SIITDC_OWNER_MAX - 1 && o[i]; i++)
			e->owner[i] = o[i];
		e->owner[i] = '\0';
	}
	if (tb[SIITDC_EAM_A_SOURCE]) {
		e->has_source = true;
		e->source = nla_get_u8(tb[SIITDC_EAM_A_SOURCE]);
	}
	if (get_u64(tb[SIITDC_EAM_A_PKTS_4TO6], &e->pkts_4to6))
		e->has_counters = true;
	if (get_u64(tb[SIITDC_EAM_A_BYTES_4TO6], &e->bytes_4to6))
		e->has_counters = true;
	if (get_u64(tb[SIITDC_EAM_A_PKTS_6TO4], &e->pkts_6to4))
		e->has_counters = true;
	if (get_u64(tb[SIITDC_EAM_A_BYTES_6TO4], &e->bytes_6to4))
		e->has_counters = true;
	e->has_idle = get_u64(tb[SIITDC_EAM_A_IDLE_MS], &e->idle_ms);
	if (tb[SIITDC_EAM_A_GRACE])
		e->grace = nla_get_u32(tb[SIITDC_EAM_A_GRACE]);
	return 0;
}

static int parse_eam(struct req *r, struct nlattr *nest, struct siitdc_eam *e)
{
	char err[MSG_LEN];

	if (decode_eam(nest, e, err) < 0)
		return req_fail(r, -EBADMSG, "%s", err);
	return 0;
}

/* Checks what an entry to add must be; false with a local message. */
static bool check_eam(struct siitdc *h, const struct siitdc_eam *e)
{
	if (e->v4_len > 32 || e->v6_len > 128) {
		local_msg(h, "invalid prefix lengths /%u, /%u",
			  e->v4_len, e->v6_len);
		return false;
	}
	if (!memchr(e->owner, '\0', sizeof(e->owner))) {
		local_msg(h, "owner name is not NUL-terminated within %d bytes",
			  SIITDC_OWNER_MAX);
		return false;
	}
	return true;
}

/* The attributes of an entry to add, inside an open SIITDC_A_EAM nest. */
static int put_eam(struct nl_msg *msg, const struct siitdc_eam *e)
{
	if (nla_put(msg, SIITDC_EAM_A_V4_ADDR, 4, &e->v4) < 0 ||
	    nla_put_u8(msg, SIITDC_EAM_A_V4_LEN, e->v4_len) < 0 ||
	    nla_put(msg, SIITDC_EAM_A_V6_ADDR, 16, &e->v6) < 0 ||
	    nla_put_u8(msg, SIITDC_EAM_A_V6_LEN, e->v6_len) < 0)
		return -1;
	if (e->ttl && nla_put_u32(msg, SIITDC_EAM_A_TTL, e->ttl) < 0)
		return -1;
	if (e->owner[0] && nla_put_string(msg, SIITDC_EAM_A_OWNER, e->owner) < 0)
		return -1;
	if (e->has_source && nla_put_u8(msg, SIITDC_EAM_A_SOURCE, e->source) < 0)
		return -1;
	if (e->grace && nla_put_u32(msg, SIITDC_EAM_A_GRACE, e->grace) < 0)
		return -1;
	return 0;
}

/* SIITDC_A_EAM with only the owner: the filter of flush and dump. */
static int put_owner_filter(struct nl_msg *msg, const char *owner)
{
	struct nlattr *nest;

	if (!owner)
		return 0;
	nest = nla_nest_start(msg, SIITDC_A_EAM);
	if (!nest || nla_put_string(msg, SIITDC_EAM_A_OWNER, owner) < 0)
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

static bool check_owner(struct siitdc *h, const char *owner)
{
	if (owner && (!owner[0] || strlen(owner) >= SIITDC_OWNER_MAX)) {
		local_msg(h, "owner name must be 1 to %d bytes",
			  SIITDC_OWNER_MAX - 1);
		return false;
	}
	return true;
}

/* -------------------------------------------------------------------------
 * EAM table
 */

int siitdc_eam_add(struct siitdc *h, const struct siitdc_eam *e,
		   uint32_t flags)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	if (!check_eam(h, e))
		return -EINVAL;
	msg = req_msg(h, SIITDC_CMD_EAM_ADD, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	nest = nla_nest_start(msg, SIITDC_A_EAM);
	if (!nest || put_eam(msg, e) < 0)
		return msg_nomem(h, msg);
	nla_nest_end(msg, nest);
	if (nla_put_u32(msg, SIITDC_A_FLAGS, flags) < 0)
		return msg_nomem(h, msg);
	return simple_request(h, msg, SIITDC_CMD_EAM_ADD, NULL, NULL, false);
}

int siitdc_eam_del(struct siitdc *h, const struct siitdc_prefix *p)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	if (!check_family(h, p))
		return -EINVAL;
	msg = req_msg(h, SIITDC_CMD_EAM_DEL, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	nest = nla_nest_start(msg, SIITDC_A_EAM);
	if (!nest || put_prefix(msg, p, true) < 0)
		return msg_nomem(h, msg);
	nla_nest_end(msg, nest);
	return simple_request(h, msg, SIITDC_CMD_EAM_DEL, NULL, NULL, false);
}

static int get_reply(struct req *r, struct nlattr *attrs, int len)
{
	struct nlattr *a = nla_find(attrs, len, SIITDC_A_EAM);

	if (!a)
		return req_fail(r, -EBADMSG, "kernel reply lacks SIITDC_A_EAM");
	return parse_eam(r, a, r->priv);
}

int siitdc_eam_get(struct siitdc *h, const struct siitdc_prefix *addr,
		   struct siitdc_eam *out)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	if (addr->family != AF_INET && addr->family != AF_INET6) {
		local_msg(h, "invalid address family %d", addr->family);
		return -EINVAL;
	}
	msg = req_msg(h, SIITDC_CMD_EAM_GET, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	nest = nla_nest_start(msg, SIITDC_A_EAM);
	if (!nest || put_prefix(msg, addr, false) < 0)
		return msg_nomem(h, msg);
	nla_nest_end(msg, nest);
	return simple_request(h, msg, SIITDC_CMD_EAM_GET, get_reply, out, true);
}

struct dump_ctx {
	siitdc_eam_cb cb;
	void *arg;
	const char *owner;		/* filter, or NULL */
	int cb_ret;			/* non-zero: the callback asked to stop */
};

static int dump_reply(struct req *r, struct nlattr *attrs, int len)
{
	struct dump_ctx *d = r->priv;
	struct siitdc_eam e;
	struct nlattr *a;
	int rem, err;

	nla_for_each_attr(a, attrs, len, rem) {
		if (nla_type(a) != SIITDC_A_EAM)
			continue;
		err = parse_eam(r, a, &e);
		if (err < 0)
			return err;
		if (d->cb_ret)
			continue;
		if (d->owner && strcmp(e.owner, d->owner))
			continue;
		d->cb_ret = d->cb(&e, d->arg);
	}
	return 0;
}

int siitdc_eam_dump(struct siitdc *h, siitdc_eam_cb cb, void *arg)
{
	return siitdc_eam_dump_owner(h, NULL, cb, arg);
}

int siitdc_eam_dump_owner(struct siitdc *h, const char *owner,
			  siitdc_eam_cb cb, void *arg)
{
	struct dump_ctx d = { .cb = cb, .arg = arg, .owner = owner };
	struct req r = { .cmd = SIITDC_CMD_EAM_GET, .parse = dump_reply,
			 .priv = &d };
	struct nl_msg *msg;
	int err;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	if (!check_owner(h, owner))
		return -EINVAL;
	msg = req_msg(h, SIITDC_CMD_EAM_GET, NLM_F_DUMP);
	if (!msg || put_owner_filter(msg, owner) < 0)
		return msg_nomem(h, msg);
	err = transact(h, msg, &r);
	if (d.cb_ret)
		return d.cb_ret;
	return err;
}

/*
 * libnl's receive hook takes no argument, so the number of datagrams
 * siitdc_eam_dump_step() may still read lives here for that call (a handle
 * is used by one thread at a time). Spent, the hook says "try again" between
 * two datagrams, so no message is lost.
 */
static _Thread_local unsigned int step_budget;

static int budget_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
		       unsigned char **buf, struct ucred **creds)
{
	if (!step_budget)
		return -NLE_AGAIN;
	step_budget--;
	return nl_recv(sk, nla, buf, creds);
}

int siitdc_eam_dump_begin(struct siitdc *h)
{
	struct nl_msg *msg;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	if (h->req) {
		local_msg(h, "a request is already in progress on this handle");
		return -EBUSY;
	}
	if (!h->scb) {
		h->scb = nl_cb_clone(h->cb);
		if (!h->scb)
			goto nomem;
		nl_cb_overwrite_recv(h->scb, budget_recv);
	}
	if (!h->dreq)
		h->dreq = malloc(sizeof(*h->dreq));
	if (!h->dctx)
		h->dctx = malloc(sizeof(*h->dctx));
	if (!h->dreq || !h->dctx)
		goto nomem;
	memset(h->dctx, 0, sizeof(*h->dctx));
	*h->dreq = (struct req){ .cmd = SIITDC_CMD_EAM_GET,
				 .parse = dump_reply, .priv = h->dctx };
	msg = req_msg(h, SIITDC_CMD_EAM_GET, NLM_F_DUMP);
	if (!msg)
		return msg_nomem(h, msg);
	return req_send(h, msg, h->dreq);
nomem:
	local_msg(h, "cannot start a dump: out of memory");
	return -ENOMEM;
}

int siitdc_eam_dump_step(struct siitdc *h, siitdc_eam_cb cb, void *arg,
			 unsigned int max_reads)
{
	int err;

	if (!h->dreq || h->req != h->dreq) {
		local_msg(h, "no dump in progress on this handle");
		return -EINVAL;
	}
	h->dctx->cb = cb;
	h->dctx->arg = arg;
	step_budget = max_reads ? max_reads : 1;
	err = req_read(h, h->dreq, h->scb);
	if (err == 1 || !h->dctx->cb_ret)
		return err;
	/* The callback stopped it; the dump was drained all the same. */
	return h->dctx->cb_ret < 0 ? h->dctx->cb_ret : -ECANCELED;
}

static int flush_reply(struct req *r, struct nlattr *attrs, int len)
{
	struct nlattr *a = nla_find(attrs, len, SIITDC_A_COUNT);

	if (!a || nla_len(a) < (int)sizeof(uint32_t))
		return req_fail(r, -EBADMSG, "kernel reply lacks SIITDC_A_COUNT");
	*(uint32_t *)r->priv = nla_get_u32(a);
	return 0;
}

long siitdc_eam_flush(struct siitdc *h)
{
	return siitdc_eam_flush_owner(h, NULL);
}

long siitdc_eam_flush_owner(struct siitdc *h, const char *owner)
{
	struct nl_msg *msg;
	uint32_t count = 0;
	int err;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	if (!check_owner(h, owner))
		return -EINVAL;
	msg = req_msg(h, SIITDC_CMD_EAM_FLUSH, NLM_F_ACK);
	if (!msg || put_owner_filter(msg, owner) < 0)
		return msg_nomem(h, msg);
	err = simple_request(h, msg, SIITDC_CMD_EAM_FLUSH, flush_reply, &count,
			     true);
	return err < 0 ? err : (long)count;
}

/* -------------------------------------------------------------------------
 * Configuration and counters
 */

/* Reads an optional pool (ADDR + LEN attributes) from a config reply. */
static int get_pool(struct req *r, struct nlattr **tb, int a_addr, int a_len,
		    const char *name, size_t alen, unsigned int maxlen,
		    bool *has, void *addr, uint8_t *len)
{
	if (!tb[a_addr] != !tb[a_len])
		return req_fail(r, -EBADMSG,
				"kernel reply has half a %s (address without length or vice versa)",
				name);
	if (!tb[a_addr])
		return 0;
	if (nla_len(tb[a_addr]) != (int)alen)
		return req_fail(r, -EBADMSG,
				"%s address in kernel reply is not %zu bytes",
				name, alen);
	*has = true;
	memcpy(addr, nla_data(tb[a_addr]), alen);
	*len = nla_get_u8(tb[a_len]);
	if (*len > maxlen)
		return req_fail(r, -EBADMSG, "%s length in kernel reply is /%u",
				name, *len);
	return 0;
}

static int get_plateaus(struct req *r, struct nlattr *a,
			struct siitdc_config *c)
{
	int n = nla_len(a);
	unsigned int i;

	if (n % (int)sizeof(uint16_t) ||
	    n > (int)(SIITDC_PLATEAUS_MAX * sizeof(uint16_t)))
		return req_fail(r, -EBADMSG,
				"MTU plateaus in kernel reply: %d bytes, expected up to %u u16 values",
				n, SIITDC_PLATEAUS_MAX);
	c->n_plateaus = (unsigned int)n / sizeof(uint16_t);
	for (i = 0; i < c->n_plateaus; i++)
		memcpy(&c->plateaus[i],
		       (const char *)nla_data(a) + i * sizeof(uint16_t),
		       sizeof(uint16_t));
	return 0;
}

static int get_denylist4(struct req *r, struct nlattr *a,
			 struct siitdc_config *c)
{
	const size_t esz = sizeof(struct siitdc_prefix4_wire);
	int n = nla_len(a);
	unsigned int i;

	if (n % (int)esz || n > (int)(SIITDC_DENYLIST4_MAX * esz))
		return req_fail(r, -EBADMSG,
				"denylist4 in kernel reply: %d bytes, expected up to %u %zu-byte entries",
				n, SIITDC_DENYLIST4_MAX, esz);
	c->n_denylist4 = (unsigned int)((size_t)n / esz);
	for (i = 0; i < c->n_denylist4; i++) {
		struct siitdc_prefix4_wire w;

		memcpy(&w, (const char *)nla_data(a) + i * esz, esz);
		if (w.len > 32)
			return req_fail(r, -EBADMSG,
					"denylist4 entry %u in kernel reply has length /%u",
					i, w.len);
		c->denylist4[i].addr.s_addr = w.addr;
		c->denylist4[i].len = w.len;
	}
	return 0;
}

static int config_reply(struct req *r, struct nlattr *attrs, int len)
{
	static struct nla_policy pol[SIITDC_CFG_A_MAX + 1] = {
		[SIITDC_CFG_A_POOL6_ADDR]	= { .type = NLA_UNSPEC },
		[SIITDC_CFG_A_POOL6_LEN]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_EAM_COUNT]	= { .type = NLA_U32 },
		[SIITDC_CFG_A_POOL6791V4_ADDR]	= { .type = NLA_UNSPEC },
		[SIITDC_CFG_A_POOL6791V4_LEN]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_POOL6791V6_ADDR]	= { .type = NLA_UNSPEC },
		[SIITDC_CFG_A_POOL6791V6_LEN]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_LOWEST_IPV6_MTU]	= { .type = NLA_U32 },
		[SIITDC_CFG_A_MTU_PLATEAUS]	= { .type = NLA_UNSPEC },
		[SIITDC_CFG_A_ZEROIZE_TC]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_OVERRIDE_TOS]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_TOS]		= { .type = NLA_U8 },
		[SIITDC_CFG_A_UDP_ZERO_CSUM]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_HAIRPIN]		= { .type = NLA_U8 },
		[SIITDC_CFG_A_RANDOM_6791]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_ICMP_ERRORS]	= { .type = NLA_U8 },
		[SIITDC_CFG_A_ICMP_RATELIMIT]	= { .type = NLA_U32 },
		[SIITDC_CFG_A_DENYLIST4]	= { .type = NLA_UNSPEC },
	};
	/* u8 settings: attribute, present bit, where the value goes. */
	static const struct {
		int attr;
		uint32_t bit;
		size_t off;
		bool is_bool;
	} u8s[] = {
		{ SIITDC_CFG_A_ZEROIZE_TC, SIITDC_CFG_ZEROIZE_TC,
		  offsetof(struct siitdc_config, zeroize_tc), true },
		{ SIITDC_CFG_A_OVERRIDE_TOS, SIITDC_CFG_OVERRIDE_TOS,
		  offsetof(struct siitdc_config, override_tos), true },
		{ SIITDC_CFG_A_TOS, SIITDC_CFG_TOS,
		  offsetof(struct siitdc_config, tos), false },
		{ SIITDC_CFG_A_UDP_ZERO_CSUM, SIITDC_CFG_UDP_ZERO_CSUM,
		  offsetof(struct siitdc_config, udp_zero_csum), false },
		{ SIITDC_CFG_A_HAIRPIN, SIITDC_CFG_HAIRPIN,
		  offsetof(struct siitdc_config, hairpin), false },
		{ SIITDC_CFG_A_RANDOM_6791, SIITDC_CFG_RANDOM_6791,
		  offsetof(struct siitdc_config, random_6791), true },
		{ SIITDC_CFG_A_ICMP_ERRORS, SIITDC_CFG_ICMP_ERRORS,
		  offsetof(struct siitdc_config, icmp_errors), true },
	};
	struct nlattr *tb[SIITDC_CFG_A_MAX + 1];
	struct nlattr *a = nla_find(attrs, len, SIITDC_A_CONFIG);
	struct siitdc_config *c = r->priv;
	bool knows_new = false;
	size_t i;
	int err;

	if (!a)
		return req_fail(r, -EBADMSG, "kernel reply lacks SIITDC_A_CONFIG");
	err = nla_parse_nested(tb, SIITDC_CFG_A_MAX, a, pol);
	if (err < 0)
		return req_fail(r, -EBADMSG, "malformed configuration in kernel reply: %s",
				nl_geterror(err));
	for (i = SIITDC_CFG_A_POOL6791V4_ADDR; i <= SIITDC_CFG_A_MAX; i++)
		if (tb[i])
			knows_new = true;

	c->present |= SIITDC_CFG_POOL6;
	err = get_pool(r, tb, SIITDC_CFG_A_POOL6_ADDR, SIITDC_CFG_A_POOL6_LEN,
		       "pool6", 16, 128, &c->has_pool6, &c->pool6,
		       &c->pool6_len);
	if (err < 0)
		return err;
	err = get_pool(r, tb, SIITDC_CFG_A_POOL6791V4_ADDR,
		       SIITDC_CFG_A_POOL6791V4_LEN, "pool6791v4", 4, 32,
		       &c->has_pool6791v4, &c->pool6791v4, &c->pool6791v4_len);
	if (err < 0)
		return err;
	err = get_pool(r, tb, SIITDC_CFG_A_POOL6791V6_ADDR,
		       SIITDC_CFG_A_POOL6791V6_LEN, "pool6791v6", 16, 128,
		       &c->has_pool6791v6, &c->pool6791v6, &c->pool6791v6_len);
	if (err < 0)
		return err;
	if (knows_new)
		c->present |= SIITDC_CFG_POOL6791V4 | SIITDC_CFG_POOL6791V6;

	if (tb[SIITDC_CFG_A_LOWEST_IPV6_MTU]) {
		c->present |= SIITDC_CFG_LOWEST_IPV6_MTU;
		c->lowest_ipv6_mtu = nla_get_u32(tb[SIITDC_CFG_A_LOWEST_IPV6_MTU]);
	}
	if (tb[SIITDC_CFG_A_MTU_PLATEAUS]) {
		err = get_plateaus(r, tb[SIITDC_CFG_A_MTU_PLATEAUS], c);
		if (err < 0)
			return err;
		c->present |= SIITDC_CFG_MTU_PLATEAUS;
	}
	for (i = 0; i < sizeof(u8s) / sizeof(u8s[0]); i++) {
		uint8_t v;

		if (!tb[u8s[i].attr])
			continue;
		v = nla_get_u8(tb[u8s[i].attr]);
		c->present |= u8s[i].bit;
		if (u8s[i].is_bool)
			*(bool *)((char *)c + u8s[i].off) = v != 0;
		else
			*((uint8_t *)c + u8s[i].off) = v;
	}
	if (tb[SIITDC_CFG_A_ICMP_RATELIMIT]) {
		c->present |= SIITDC_CFG_ICMP_RATELIMIT;
		c->icmp_ratelimit = nla_get_u32(tb[SIITDC_CFG_A_ICMP_RATELIMIT]);
	}
	if (tb[SIITDC_CFG_A_DENYLIST4]) {
		err = get_denylist4(r, tb[SIITDC_CFG_A_DENYLIST4], c);
		if (err < 0)
			return err;
		c->present |= SIITDC_CFG_DENYLIST4;
	}
	if (tb[SIITDC_CFG_A_EAM_COUNT]) {
		c->present |= SIITDC_CFG_EAM_COUNT;
		c->has_eam_count = true;
		c->eam_count = nla_get_u32(tb[SIITDC_CFG_A_EAM_COUNT]);
	}
	return 0;
}

int siitdc_config_get(struct siitdc *h, struct siitdc_config *out)
{
	struct nl_msg *msg;

	memset(out, 0, sizeof(*out));
	msg = req_msg(h, SIITDC_CMD_CONFIG_GET, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	return simple_request(h, msg, SIITDC_CMD_CONFIG_GET, config_reply, out,
			      true);
}

/* Checks what the wire format itself cannot carry; the rest is the kernel's. */
static bool check_config(struct siitdc *h, const struct siitdc_config *c)
{
	unsigned int i;

	if (!c->present) {
		local_msg(h, "no setting to change");
		return false;
	}
	if (c->present & ~(uint32_t)SIITDC_CFG_SETTABLE) {
		local_msg(h, "settings 0x%x cannot be changed",
			  c->present & ~(uint32_t)SIITDC_CFG_SETTABLE);
		return false;
	}
	if ((c->present & SIITDC_CFG_POOL6) && c->has_pool6 &&
	    c->pool6_len > 128) {
		local_msg(h, "invalid pool6 length /%u", c->pool6_len);
		return false;
	}
	if ((c->present & SIITDC_CFG_POOL6791V4) && c->has_pool6791v4 &&
	    c->pool6791v4_len > 32) {
		local_msg(h, "invalid pool6791v4 length /%u", c->pool6791v4_len);
		return false;
	}
	if ((c->present & SIITDC_CFG_POOL6791V6) && c->has_pool6791v6 &&
	    c->pool6791v6_len > 128) {
		local_msg(h, "invalid pool6791v6 length /%u", c->pool6791v6_len);
		return false;
	}
	if ((c->present & SIITDC_CFG_MTU_PLATEAUS) &&
	    (c->n_plateaus < 1 || c->n_plateaus > SIITDC_PLATEAUS_MAX)) {
		local_msg(h, "%u MTU plateaus: expected 1 to %u",
			  c->n_plateaus, SIITDC_PLATEAUS_MAX);
		return false;
	}
	if (c->present & SIITDC_CFG_DENYLIST4) {
		if (c->n_denylist4 > SIITDC_DENYLIST4_MAX) {
			local_msg(h, "%u denylist4 prefixes: at most %u",
				  c->n_denylist4, SIITDC_DENYLIST4_MAX);
			return false;
		}
		for (i = 0; i < c->n_denylist4; i++) {
			if (c->denylist4[i].len > 32) {
				local_msg(h, "invalid denylist4 prefix length /%u",
					  c->denylist4[i].len);
				return false;
			}
		}
	}
	return true;
}

static int put_pool(struct nl_msg *msg, bool has, int a_addr, int a_len,
		    int a_clear, const void *addr, size_t alen, uint8_t len)
{
	if (!has)
		return nla_put_flag(msg, a_clear);
	if (nla_put(msg, a_addr, (int)alen, addr) < 0)
		return -1;
	return nla_put_u8(msg, a_len, len);
}

static int put_config(struct nl_msg *msg, const struct siitdc_config *c)
{
	const uint32_t p = c->present;
	unsigned int i;

	if ((p & SIITDC_CFG_POOL6) &&
	    put_pool(msg, c->has_pool6, SIITDC_CFG_A_POOL6_ADDR,
		     SIITDC_CFG_A_POOL6_LEN, SIITDC_CFG_A_POOL6_CLEAR,
		     &c->pool6, 16, c->pool6_len) < 0)
		return -1;
	if ((p & SIITDC_CFG_POOL6791V4) &&
	    put_pool(msg, c->has_pool6791v4, SIITDC_CFG_A_POOL6791V4_ADDR,
		     SIITDC_CFG_A_POOL6791V4_LEN, SIITDC_CFG_A_POOL6791V4_CLEAR,
		     &c->pool6791v4, 4, c->pool6791v4_len) < 0)
		return -1;
	if ((p & SIITDC_CFG_POOL6791V6) &&
	    put_pool(msg, c->has_pool6791v6, SIITDC_CFG_A_POOL6791V6_ADDR,
		     SIITDC_CFG_A_POOL6791V6_LEN, SIITDC_CFG_A_POOL6791V6_CLEAR,
		     &c->pool6791v6, 16, c->pool6791v6_len) < 0)
		return -1;
	if ((p & SIITDC_CFG_LOWEST_IPV6_MTU) &&
	    nla_put_u32(msg, SIITDC_CFG_A_LOWEST_IPV6_MTU,
			c->lowest_ipv6_mtu) < 0)
		return -1;
	if ((p & SIITDC_CFG_MTU_PLATEAUS) &&
	    nla_put(msg, SIITDC_CFG_A_MTU_PLATEAUS,
		    (int)(c->n_plateaus * sizeof(uint16_t)), c->plateaus) < 0)
		return -1;
	if ((p & SIITDC_CFG_ZEROIZE_TC) &&
	    nla_put_u8(msg, SIITDC_CFG_A_ZEROIZE_TC, c->zeroize_tc) < 0)
		return -1;
	if ((p & SIITDC_CFG_OVERRIDE_TOS) &&
	    nla_put_u8(msg, SIITDC_CFG_A_OVERRIDE_TOS, c->override_tos) < 0)
		return -1;
	if ((p & SIITDC_CFG_TOS) &&
	    nla_put_u8(msg, SIITDC_CFG_A_TOS, c->tos) < 0)
		return -1;
	if ((p & SIITDC_CFG_UDP_ZERO_CSUM) &&
	    nla_put_u8(msg, SIITDC_CFG_A_UDP_ZERO_CSUM, c->udp_zero_csum) < 0)
		return -1;
	if ((p & SIITDC_CFG_HAIRPIN) &&
	    nla_put_u8(msg, SIITDC_CFG_A_HAIRPIN, c->hairpin) < 0)
		return -1;
	if ((p & SIITDC_CFG_RANDOM_6791) &&
	    nla_put_u8(msg, SIITDC_CFG_A_RANDOM_6791, c->random_6791) < 0)
		return -1;
	if ((p & SIITDC_CFG_ICMP_ERRORS) &&
	    nla_put_u8(msg, SIITDC_CFG_A_ICMP_ERRORS, c->icmp_errors) < 0)
		return -1;
	if ((p & SIITDC_CFG_ICMP_RATELIMIT) &&
	    nla_put_u32(msg, SIITDC_CFG_A_ICMP_RATELIMIT,
			c->icmp_ratelimit) < 0)
		return -1;
	if (p & SIITDC_CFG_DENYLIST4) {
		struct siitdc_prefix4_wire w[SIITDC_DENYLIST4_MAX];

		memset(w, 0, sizeof(w));
		for (i = 0; i < c->n_denylist4; i++) {
			w[i].addr = c->denylist4[i].addr.s_addr;
			w[i].len = c->denylist4[i].len;
		}
		/* An empty attribute clears the list. */
		if (nla_put(msg, SIITDC_CFG_A_DENYLIST4,
			    (int)(c->n_denylist4 * sizeof(w[0])), w) < 0)
			return -1;
	}
	return 0;
}

int siitdc_config_set(struct siitdc *h, const struct siitdc_config *c)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	if (!check_config(h, c))
		return -EINVAL;
	msg = req_msg(h, SIITDC_CMD_CONFIG_SET, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	nest = nla_nest_start(msg, SIITDC_A_CONFIG);
	if (!nest || put_config(msg, c) < 0)
		return msg_nomem(h, msg);
	nla_nest_end(msg, nest);
	return simple_request(h, msg, SIITDC_CMD_CONFIG_SET, NULL, NULL, false);
}

int siitdc_config_set_pool6(struct siitdc *h, const struct in6_addr *pool6,
			    uint8_t len)
{
	struct siitdc_config c;

	memset(&c, 0, sizeof(c));
	c.present = SIITDC_CFG_POOL6;
	if (pool6) {
		c.has_pool6 = true;
		c.pool6 = *pool6;
		c.pool6_len = len;
	}
	return siitdc_config_set(h, &c);
}

static int stats_reply(struct req *r, struct nlattr *attrs, int len)
{
	struct nlattr *nest = nla_find(attrs, len, SIITDC_A_STATS);
	struct siitdc_stats *s = r->priv;
	struct nlattr *a;
	int rem;

	if (!nest)
		return req_fail(r, -EBADMSG, "kernel reply lacks SIITDC_A_STATS");
	nla_for_each_nested(a, nest, rem) {
		unsigned int t = (unsigned int)nla_type(a);

		/* Type 0 is never a counter: the kernel may use it to pad. */
		if (t == SIITDC_STAT_UNSPEC)
			continue;
		if (nla_len(a) != (int)sizeof(uint64_t))
			return req_fail(r, -EBADMSG,
					"counter %u in kernel reply has %d bytes, expected 8",
					t, nla_len(a));
		if (t >= SIITDC_STATS_CAP) {
			s->dropped++;
			continue;
		}
		s->val[t] = nla_get_u64(a);
		s->present[t] = true;
		if (t + 1 > s->n)
			s->n = t + 1;
	}
	return 0;
}

int siitdc_stats_get(struct siitdc *h, struct siitdc_stats *out)
{
	struct nl_msg *msg;

	memset(out, 0, sizeof(*out));
	msg = req_msg(h, SIITDC_CMD_STATS_GET, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	return simple_request(h, msg, SIITDC_CMD_STATS_GET, stats_reply, out,
			      true);
}

/* -------------------------------------------------------------------------
 * Batches
 */

const struct siitdc_batch_status *siitdc_batch_status(const struct siitdc *h)
{
	return &h->b.st;
}

void siitdc_batch_set_limits(struct siitdc *h, unsigned int ops,
			     unsigned int bytes)
{
	h->lim_ops = ops;
	h->lim_bytes = bytes;
}

/* Ends the batch, dropping whatever is queued; the status stays. */
static void batch_stop(struct siitdc *h)
{
	struct batch *b = &h->b;

	if (b->msg)
		nlmsg_free(b->msg);
	b->msg = NULL;
	b->n = 0;
	b->active = false;
}

void siitdc_batch_cancel(struct siitdc *h)
{
	batch_stop(h);
}

int siitdc_batch_begin(struct siitdc *h, uint32_t flags)
{
	struct batch *b = &h->b;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	batch_stop(h);
	memset(&b->st, 0, sizeof(b->st));
	b->st.failed_op = -1;
	if (flags & ~SIITDC_F_STAGED) {
		local_msg(h, "invalid batch flags 0x%x", flags);
		return -EINVAL;
	}
	b->flags = flags;
	b->max_ops = SIITDC_BATCH_OPS;
	if (h->lim_ops && h->lim_ops < b->max_ops)
		b->max_ops = h->lim_ops;
	if (b->max_ops > SIITDC_BATCH_MAX)
		b->max_ops = SIITDC_BATCH_MAX;
	b->max_bytes = SIITDC_BATCH_BYTES;
	if (h->lim_bytes && h->lim_bytes < b->max_bytes)
		b->max_bytes = h->lim_bytes;
	b->active = true;
	return 0;
}

struct batch_reply {
	unsigned int n;			/* operations in the request */
	bool has_count;
	uint32_t count;
	long fail_idx;			/* first failing operation, or -1 */
	int fail_err;			/* its errno, negative */
};

static int batch_reply(struct req *r, struct nlattr *attrs, int len)
{
	struct batch_reply *br = r->priv;
	struct nlattr *a;
	long cancelled = -1;
	int32_t v;
	int i, n;

	a = nla_find(attrs, len, SIITDC_A_COUNT);
	if (a && nla_len(a) >= (int)sizeof(uint32_t)) {
		br->has_count = true;
		br->count = nla_get_u32(a);
	}
	a = nla_find(attrs, len, SIITDC_A_RESULTS);
	if (!a)
		return 0;
	n = nla_len(a) / (int)sizeof(int32_t);
	if (n > (int)br->n)
		n = (int)br->n;
	/*
	 * The first failure. An operation that was not tried because an
	 * earlier one failed may be reported as ECANCELED: prefer a real
	 * error to it.
	 */
	for (i = 0; i < n; i++) {
		memcpy(&v, (const char *)nla_data(a) + i * sizeof(v), sizeof(v));
		if (!v)
			continue;
		if (v > 0)
			v = -v;
		if (v == -ECANCELED) {
			if (cancelled < 0)
				cancelled = i;
			continue;
		}
		br->fail_idx = i;
		br->fail_err = v;
		return 0;
	}
	if (cancelled >= 0) {
		br->fail_idx = cancelled;
		br->fail_err = -ECANCELED;
	}
	return 0;
}

/* The operation of the message whose nest holds byte off, or -1. */
static long op_at_offset(const struct batch *b, unsigned int n, uint32_t off)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (off >= b->off[i] && off < b->end[i])
			return (long)i;
	return -1;
}

/* Sends the message being filled and waits for its reply. */
static int batch_send(struct siitdc *h)
{
	struct batch *b = &h->b;
	struct batch_reply br = { .n = b->n, .fail_idx = -1 };
	struct req r = { .cmd = SIITDC_CMD_EAM_BATCH, .parse = batch_reply,
			 .priv = &br };
	struct nl_msg *msg = b->msg;
	unsigned long first = b->st.sent;
	unsigned int n = b->n;
	long idx;
	int err;

	if (!msg || !n)
		return 0;
	b->msg = NULL;
	b->n = 0;
	err = transact(h, msg, &r);	/* frees msg */
	b->st.sent += n;
	b->st.messages++;

	if (!err && br.fail_idx < 0) {
		/* No count in the reply: the kernel applied them all. */
		b->st.applied += br.has_count ? br.count : n;
		return 0;
	}

	idx = br.fail_idx;
	if (idx < 0 && err && h->has_err_off)
		idx = op_at_offset(b, n, h->err_off);
	if (!err) {
		/* Refused through the results only: the warning explains it. */
		err = br.fail_err;
		if (!h->kmsg[0])
			memcpy(h->kmsg, h->warn, sizeof(h->kmsg));
		h->warn[0] = '\0';
	} else if (br.fail_idx >= 0 && !h->lmsg[0]) {
		/* A kernel refusal: the operation's errno is the precise one. */
		err = br.fail_err;
	}
	b->st.failed = true;
	b->st.failed_op = idx >= 0 ? (long)(first + (unsigned long)idx) : -1;
	b->st.failed_err = err;
	b->st.first_in_msg = first;
	b->st.n_in_msg = n;
	batch_stop(h);
	return err;
}

/*
 * Makes room for one more operation: sends the current message when it is
 * full, starts a new one when there is none. Returns the message or NULL
 * (with the error in *err).
 */
static struct nl_msg *batch_room(struct siitdc *h, int *err)
{
	struct batch *b = &h->b;

	*err = 0;
	if (!b->active) {
		local_msg(h, "no batch in progress");
		*err = -EINVAL;
		return NULL;
	}
	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	if (b->msg && (b->n >= b->max_ops ||
		       nlmsg_hdr(b->msg)->nlmsg_len + BATCH_OP_MAX >
		       b->max_bytes)) {
		*err = batch_send(h);
		if (*err < 0)
			return NULL;
	}
	if (!b->msg) {
		b->msg = nlmsg_alloc_size(b->max_bytes + BATCH_HDR_ROOM);
		if (!b->msg ||
		    !genlmsg_put(b->msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family,
				 0, NLM_F_ACK, SIITDC_CMD_EAM_BATCH,
				 SIITDC_GENL_VERSION) ||
		    (b->flags &&
		     nla_put_u32(b->msg, SIITDC_A_FLAGS, b->flags) < 0)) {
			local_msg(h, "cannot build request: out of memory");
			*err = -ENOMEM;
			batch_stop(h);
			return NULL;
		}
	}
	return b->msg;
}

/* Opens the nest of the next operation, with its SIITDC_EAM_A_OP. */
static struct nlattr *op_start(struct siitdc *h, uint8_t op, int *err)
{
	struct nl_msg *msg = batch_room(h, err);
	struct nlattr *nest;

	if (!msg)
		return NULL;
	nest = nla_nest_start(msg, SIITDC_A_EAM);
	if (!nest || nla_put_u8(msg, SIITDC_EAM_A_OP, op) < 0) {
		local_msg(h, "cannot build request: message full");
		*err = -EMSGSIZE;
		batch_stop(h);
		return NULL;
	}
	return nest;
}

static int op_end(struct siitdc *h, struct nlattr *nest, int put_err)
{
	struct batch *b = &h->b;
	const char *base = (const char *)nlmsg_hdr(b->msg);

	if (put_err < 0) {
		local_msg(h, "cannot build request: message full");
		batch_stop(h);
		return -EMSGSIZE;
	}
	nla_nest_end(b->msg, nest);
	b->off[b->n] = (uint32_t)((const char *)nest - base);
	b->end[b->n] = (uint32_t)((const char *)nest - base) +
		(uint32_t)nest->nla_len;
	b->n++;
	b->st.queued++;
	return 0;
}

int siitdc_batch_add(struct siitdc *h, const struct siitdc_eam *e,
		     uint32_t flags)
{
	struct nlattr *nest;
	int err, perr;

	if (!check_eam(h, e))
		return -EINVAL;
	nest = op_start(h, SIITDC_OP_ADD, &err);
	if (!nest)
		return err;
	perr = put_eam(h->b.msg, e);
	if (!perr && flags)
		perr = nla_put_u32(h->b.msg, SIITDC_EAM_A_FLAGS, flags);
	return op_end(h, nest, perr);
}

int siitdc_batch_del(struct siitdc *h, const struct siitdc_prefix *p)
{
	struct nlattr *nest;
	int err;

	if (!check_family(h, p))
		return -EINVAL;
	nest = op_start(h, SIITDC_OP_DEL, &err);
	if (!nest)
		return err;
	return op_end(h, nest, put_prefix(h->b.msg, p, true));
}

int siitdc_batch_refresh(struct siitdc *h, const struct siitdc_prefix *p,
			 uint32_t ttl)
{
	return siitdc_batch_refresh_grace(h, p, ttl, 0);
}

int siitdc_batch_refresh_grace(struct siitdc *h, const struct siitdc_prefix *p,
			       uint32_t ttl, uint32_t grace)
{
	struct nlattr *nest;
	int err, perr;

	if (!check_family(h, p))
		return -EINVAL;
	nest = op_start(h, SIITDC_OP_REFRESH, &err);
	if (!nest)
		return err;
	perr = put_prefix(h->b.msg, p, true);
	/* Always sent: 0 takes the lifetime away. */
	if (!perr)
		perr = nla_put_u32(h->b.msg, SIITDC_EAM_A_TTL, ttl);
	if (!perr && grace)
		perr = nla_put_u32(h->b.msg, SIITDC_EAM_A_GRACE, grace);
	return op_end(h, nest, perr);
}

int siitdc_batch_end(struct siitdc *h)
{
	int err;

	if (!h->b.active) {
		local_msg(h, "no batch in progress");
		return -EINVAL;
	}
	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	err = batch_send(h);
	batch_stop(h);
	return err;
}

int siitdc_eam_refresh(struct siitdc *h, const struct siitdc_prefix *p,
		       uint32_t ttl)
{
	return siitdc_eam_refresh_grace(h, p, ttl, 0);
}

int siitdc_eam_refresh_grace(struct siitdc *h, const struct siitdc_prefix *p,
			     uint32_t ttl, uint32_t grace)
{
	int err = siitdc_batch_begin(h, 0);

	if (!err)
		err = siitdc_batch_refresh_grace(h, p, ttl, grace);
	if (!err)
		err = siitdc_batch_end(h);
	batch_stop(h);
	return err;
}

/* -------------------------------------------------------------------------
 * Replacing the table
 */

static int replace_cmd(struct siitdc *h, uint8_t cmd)
{
	struct nl_msg *msg;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	msg = req_msg(h, cmd, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	return simple_request(h, msg, cmd, NULL, NULL, false);
}

int siitdc_replace_begin(struct siitdc *h)
{
	return replace_cmd(h, SIITDC_CMD_REPLACE_BEGIN);
}

int siitdc_replace_commit(struct siitdc *h)
{
	return replace_cmd(h, SIITDC_CMD_REPLACE_COMMIT);
}

int siitdc_replace_abort(struct siitdc *h)
{
	return replace_cmd(h, SIITDC_CMD_REPLACE_ABORT);
}

/* -------------------------------------------------------------------------
 * Events
 */

/* Multicast messages from the kernel only. */
static int ev_seq_check(struct nl_msg *msg, void *arg)
{
	struct sockaddr_nl *src = nlmsg_get_src(msg);

	(void)arg;
	if (src && (src->nl_pid != 0 || src->nl_groups == 0))
		return NL_SKIP;
	return NL_OK;
}

static int ev_valid(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct siitdc_event ev;
	struct genlmsghdr *g;
	struct nlattr *a, *attrs;
	char err[MSG_LEN];
	int len;

	if (h->ev_ret || !h->ev_cb)
		return NL_SKIP;
	if (nlh->nlmsg_type != h->family || !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	g = nlmsg_data(nlh);
	attrs = genlmsg_attrdata(g, 0);
	len = genlmsg_attrlen(g, 0);

	memset(&ev, 0, sizeof(ev));
	ev.type = g->cmd;
	a = nla_find(attrs, len, SIITDC_A_EAM);
	if (a) {
		if (decode_eam(a, &ev.eam, err) < 0) {
			local_msg(h, "event %u skipped: %s", g->cmd, err);
			return NL_SKIP;
		}
		ev.has_eam = true;
	}
	a = nla_find(attrs, len, SIITDC_A_COUNT);
	if (a && nla_len(a) >= (int)sizeof(uint32_t)) {
		ev.has_count = true;
		ev.count = nla_get_u32(a);
	}
	h->ev_ret = h->ev_cb(&ev, h->ev_arg);
	return h->ev_ret ? NL_STOP : NL_OK;
}

int siitdc_events_subscribe(struct siitdc *h)
{
	int fd = nl_socket_get_fd(h->sk), size = EVENTS_RCVBUF, grp, err;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
	grp = genl_ctrl_resolve_grp(h->sk, SIITDC_GENL_NAME,
				    SIITDC_MCGRP_EVENTS);
	if (grp < 0) {
		if (grp == -NLE_OBJ_NOTFOUND) {
			local_msg(h, "the module has no \"%s\" multicast group",
				  SIITDC_MCGRP_EVENTS);
			return -EOPNOTSUPP;
		}
		local_msg(h, "cannot resolve the events group: %s",
			  nl_geterror(grp));
		return nlerr_to_errno(grp);
	}
	if (!h->ecb) {
		h->ecb = nl_cb_alloc(NL_CB_DEFAULT);
		if (!h->ecb) {
			local_msg(h, "out of memory");
			return -ENOMEM;
		}
		nl_cb_set(h->ecb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, ev_seq_check, h);
		nl_cb_set(h->ecb, NL_CB_VALID, NL_CB_CUSTOM, ev_valid, h);
	}
	/* Room for bursts (a large batch announces every operation). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	err = nl_socket_add_membership(h->sk, grp);
	if (err < 0) {
		local_msg(h, "cannot join the events group: %s",
			  nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

/*
 * One read of the events socket after poll() said it is ready: the events
 * go to @cb; an overflowed receive buffer becomes one SIITDC_EVENT_LOST.
 * Returns 0 to go on, @cb's non-zero return, or a negative errno.
 */
static int events_read(struct siitdc *h, short revents, siitdc_event_cb cb,
		       void *arg)
{
	struct siitdc_event lost;
	int err;

	if (revents & POLLNVAL) {
		local_msg(h, "netlink socket closed");
		return -EBADF;
	}
	err = nl_recvmsgs(h->sk, h->ecb);
	if (h->ev_ret)
		return h->ev_ret;
	if (err == -NLE_NOMEM) {
		/* ENOBUFS: the receive buffer overflowed. */
		memset(&lost, 0, sizeof(lost));
		lost.type = SIITDC_EVENT_LOST;
		return cb(&lost, arg);
	}
	if (err < 0) {
		local_msg(h, "cannot read events: %s", nl_geterror(err));
		return nlerr_to_errno(err);
	}
	return 0;
}

int siitdc_events_run(struct siitdc *h, siitdc_event_cb cb, void *arg,
		      const sigset_t *sigmask)
{
	struct pollfd p = { .fd = nl_socket_get_fd(h->sk), .events = POLLIN };
	int n, ret = 0;

	if (!h->ecb) {
		local_msg(h, "not subscribed to events");
		return -EINVAL;
	}
	h->ev_cb = cb;
	h->ev_arg = arg;
	h->ev_ret = 0;
	while (!ret) {
		n = ppoll(&p, 1, NULL, sigmask);
		if (n < 0) {
			ret = -errno;
			if (errno != EINTR)
				local_msg(h, "cannot wait for events: %s",
					  strerror(errno));
			break;
		}
		/* POLLERR (e.g. ENOBUFS) is read, and reported, below. */
		ret = events_read(h, p.revents, cb, arg);
	}
	h->ev_cb = NULL;
	h->ev_arg = NULL;
	return ret;
}

int siitdc_fd(const struct siitdc *h)
{
	return nl_socket_get_fd(h->sk);
}

int siitdc_events_drain(struct siitdc *h, siitdc_event_cb cb, void *arg)
{
	struct pollfd p = { .fd = nl_socket_get_fd(h->sk), .events = POLLIN };
	int n, ret = 0;

	if (!h->ecb) {
		local_msg(h, "not subscribed to events");
		return -EINVAL;
	}
	h->ev_cb = cb;
	h->ev_arg = arg;
	h->ev_ret = 0;
	/*
	 * The socket stays blocking (requests on the handle need that): a
	 * zero-timeout poll before each read says whether a datagram waits.
	 */
	while (!ret) {
		n = poll(&p, 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			local_msg(h, "cannot poll for events: %s",
				  strerror(errno));
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		ret = events_read(h, p.revents, cb, arg);
	}
	h->ev_cb = NULL;
	h->ev_arg = NULL;
	return ret;
}
