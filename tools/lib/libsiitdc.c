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

struct req;

struct siitdc {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	struct req *req;		/* request in flight */
	char kmsg[MSG_LEN];		/* kernel extack, failed request */
	char lmsg[MSG_LEN];		/* userspace-detected failure */
	char warn[MSG_LEN];		/* kernel extack, successful request */
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
static void error_ext_ack(const struct nlmsghdr *nlh, char *dst)
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
}

/* -------------------------------------------------------------------------
 * libnl callbacks; arg is the handle, h->req the request in flight.
 */

static int cb_seq_check(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;
	struct sockaddr_nl *src = nlmsg_get_src(msg);

	/* Only the kernel's answers to the request in flight. */
	if (src && src->nl_pid != 0)
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
		error_ext_ack(nlh, h->kmsg);
	}
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct siitdc *h = arg;

	h->req->done = true;
	error_ext_ack(nlmsg_hdr(msg), h->warn);
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
static int transact(struct siitdc *h, struct nl_msg *msg, struct req *r)
{
	int err;

	h->kmsg[0] = h->lmsg[0] = h->warn[0] = '\0';
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

	while (!r->done) {
		err = nl_recvmsgs(h->sk, h->cb);
		if (r->done)
			break;
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

static int parse_eam(struct req *r, struct nlattr *nest, struct siitdc_eam *e)
{
	static struct nla_policy pol[SIITDC_EAM_A_MAX + 1] = {
		[SIITDC_EAM_A_V4_ADDR]	= { .type = NLA_UNSPEC },
		[SIITDC_EAM_A_V4_LEN]	= { .type = NLA_U8 },
		[SIITDC_EAM_A_V6_ADDR]	= { .type = NLA_UNSPEC },
		[SIITDC_EAM_A_V6_LEN]	= { .type = NLA_U8 },
	};
	struct nlattr *tb[SIITDC_EAM_A_MAX + 1];
	int err;

	memset(e, 0, sizeof(*e));
	err = nla_parse_nested(tb, SIITDC_EAM_A_MAX, nest, pol);
	if (err < 0)
		return req_fail(r, -EBADMSG, "malformed entry in kernel reply: %s",
				nl_geterror(err));
	if (!tb[SIITDC_EAM_A_V4_ADDR] || nla_len(tb[SIITDC_EAM_A_V4_ADDR]) != 4)
		return req_fail(r, -EBADMSG,
				"entry in kernel reply lacks a 4-byte IPv4 address");
	if (!tb[SIITDC_EAM_A_V6_ADDR] || nla_len(tb[SIITDC_EAM_A_V6_ADDR]) != 16)
		return req_fail(r, -EBADMSG,
				"entry in kernel reply lacks a 16-byte IPv6 address");
	memcpy(&e->v4, nla_data(tb[SIITDC_EAM_A_V4_ADDR]), 4);
	memcpy(&e->v6, nla_data(tb[SIITDC_EAM_A_V6_ADDR]), 16);
	e->v4_len = tb[SIITDC_EAM_A_V4_LEN] ?
		nla_get_u8(tb[SIITDC_EAM_A_V4_LEN]) : 32;
	e->v6_len = tb[SIITDC_EAM_A_V6_LEN] ?
		nla_get_u8(tb[SIITDC_EAM_A_V6_LEN]) : 128;
	if (e->v4_len > 32 || e->v6_len > 128)
		return req_fail(r, -EBADMSG,
				"entry in kernel reply has prefix lengths /%u, /%u",
				e->v4_len, e->v6_len);
	return 0;
}

/* -------------------------------------------------------------------------
 * EAM table
 */

int siitdc_eam_add(struct siitdc *h, const struct siitdc_eam *e,
		   uint32_t flags)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	if (e->v4_len > 32 || e->v6_len > 128) {
		local_msg(h, "invalid prefix lengths /%u, /%u",
			  e->v4_len, e->v6_len);
		return -EINVAL;
	}
	msg = req_msg(h, SIITDC_CMD_EAM_ADD, NLM_F_ACK);
	if (!msg)
		return msg_nomem(h, msg);
	nest = nla_nest_start(msg, SIITDC_A_EAM);
	if (!nest ||
	    nla_put(msg, SIITDC_EAM_A_V4_ADDR, 4, &e->v4) < 0 ||
	    nla_put_u8(msg, SIITDC_EAM_A_V4_LEN, e->v4_len) < 0 ||
	    nla_put(msg, SIITDC_EAM_A_V6_ADDR, 16, &e->v6) < 0 ||
	    nla_put_u8(msg, SIITDC_EAM_A_V6_LEN, e->v6_len) < 0)
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
		d->cb_ret = d->cb(&e, d->arg);
	}
	return 0;
}

int siitdc_eam_dump(struct siitdc *h, siitdc_eam_cb cb, void *arg)
{
	struct dump_ctx d = { .cb = cb, .arg = arg };
	struct req r = { .cmd = SIITDC_CMD_EAM_GET, .parse = dump_reply,
			 .priv = &d };
	struct nl_msg *msg;
	int err;

	msg = req_msg(h, SIITDC_CMD_EAM_GET, NLM_F_DUMP);
	if (!msg)
		return msg_nomem(h, msg);
	err = transact(h, msg, &r);
	if (d.cb_ret)
		return d.cb_ret;
	return err;
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
	struct nl_msg *msg;
	uint32_t count = 0;
	int err;

	msg = req_msg(h, SIITDC_CMD_EAM_FLUSH, NLM_F_ACK);
	if (!msg)
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
