// SPDX-License-Identifier: GPL-2.0
/*
 * siitctl: configure the siitdc SIIT-DC Border Relay (EAM table, pool6 and
 * the other settings) and read its counters.
 *
 * Exit status: 0 success, 1 the kernel (or the system) refused or failed,
 * 2 usage or parse error. Every error is one line on stderr (a batch file
 * refused after earlier messages were applied adds a line saying so).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/siitdc.h>

#include "libsiitdc.h"
#include "parse.h"

#ifndef SIITCTL_VERSION
#define SIITCTL_VERSION "0.1.0"
#endif

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* kernel/operation refusal */
	EXIT_USAGE = 2,		/* usage or parse error */
};

static bool opt_json;

__attribute__((format(printf, 1, 2)))
static void errmsg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("siitctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define USAGE_TEXT \
"Usage: siitctl [-j] COMMAND [ARGS]\n" \
"       siitctl -b FILE | -\n" \
"\n" \
"Commands:\n" \
"  add IPV4[/LEN] IPV6[/LEN] [ttl SECONDS] [grace SECONDS] [owner NAME]\n" \
"      [source static|dns|container] [force]\n" \
"                                     add an EAM entry (lengths default to\n" \
"                                     /32 and /128; force allows overlaps;\n" \
"                                     an identical entry is refreshed)\n" \
"  del IPV4[/LEN] | IPV6[/LEN]        remove the entry with that prefix\n" \
"  refresh IPV4[/LEN] | IPV6[/LEN] ttl SECONDS\n" \
"                                     new lifetime (0: none) for an entry\n" \
"  get ADDRESS                        show the entry that translates ADDRESS\n" \
"  show [owner NAME]                  list the EAM table (or NAME's entries)\n" \
"  flush [owner NAME]                 remove every EAM entry (or NAME's)\n" \
"  replace FILE | -                   replace the whole table, atomically,\n" \
"                                     with the add lines of FILE\n" \
"  monitor                            print table events as they happen\n" \
"  set KEY VALUE [KEY VALUE]...       change settings, all in one request\n" \
"  config                             show every setting and the number of\n" \
"                                     entries\n" \
"  stats                              show the translation counters\n" \
"  help                               show this help\n" \
"\n" \
"Settings (siitctl set KEY VALUE):\n" \
"  pool6 PREFIX | none                RFC 6052 prefix (/32 /40 /48 /56 /64 /96)\n" \
"  pool6791v4 IPV4-PREFIX | none      RFC 6791 sources for ICMPv6 errors\n" \
"  pool6791v6 IPV6-PREFIX | none      RFC 6791 sources for ICMPv4 errors\n" \
"  lowest-ipv6-mtu N                  N >= 1280 (default 1280)\n" \
"  mtu-plateaus N[,N...]              1-16 values, descending, 68..65535\n" \
"  zeroize-tc on | off                4->6 traffic class always 0\n" \
"  override-tos on | off              6->4 TOS is the tos setting\n" \
"  tos 0..255                         TOS used by override-tos\n" \
"  udp-zero-csum drop | compute       IPv4 UDP without checksum\n" \
"  hairpin off | simple | intrinsic   RFC 7757 hairpinning mode\n" \
"  random-6791 on | off               random source from the pool6791 pools\n" \
"  icmp-errors on | off               send ICMP errors\n" \
"  icmp-ratelimit N                   errors per second, 0 = unlimited\n" \
"  denylist4 PREFIX[,PREFIX...]|none IPv4 prefixes never translated\n" \
"\n" \
"Options:\n" \
"  -b, --batch FILE | -  run the add, del and refresh lines of FILE (or\n" \
"                 standard input), many per request; every line is checked\n" \
"                 before anything is sent\n" \
"  -j, --json     print JSON (show, get, config, stats, flush, replace,\n" \
"                 monitor)\n" \
"  -h, --help     show this help\n" \
"  -V, --version  show the version\n" \
"\n" \
"Exit status: 0 success, 1 refused or failed, 2 usage error.\n"

static int cmd_help(void)
{
	fputs(USAGE_TEXT, stdout);
	return EXIT_OK;
}

static int cmd_version(void)
{
	printf("siitctl %s (generic netlink family \"%s\" version %d)\n",
	       SIITCTL_VERSION, SIITDC_GENL_NAME, SIITDC_GENL_VERSION);
	return EXIT_OK;
}

/* -------------------------------------------------------------------------
 * Talking to the kernel
 */

static bool is_perm_error(int err)
{
	return err == -EPERM || err == -EACCES;
}

static int open_handle(struct siitdc **h)
{
	int err = siitdc_open(h);

	if (!err)
		return EXIT_OK;
	if (err == -SIITDC_ENOFAMILY)
		errmsg("siitdc module not loaded");
	else if (is_perm_error(err))
		errmsg("permission denied (need CAP_NET_ADMIN)");
	else
		errmsg("cannot open generic netlink socket: %s", strerror(-err));
	return EXIT_FAIL;
}

/*
 * Reports the failure err of command cmd; subject (may be NULL) names what
 * was asked for, for the messages that need it.
 */
static int report(struct siitdc *h, const char *cmd, const char *subject,
		  int err)
{
	const char *kmsg = siitdc_kernel_msg(h);
	const char *lmsg = siitdc_local_msg(h);

	if (is_perm_error(err)) {
		errmsg("permission denied (need CAP_NET_ADMIN)");
	} else if (kmsg) {
		errmsg("%s: kernel refused: %s (%s)", cmd, kmsg, strerror(-err));
	} else if (lmsg) {
		errmsg("%s: %s (%s)", cmd, lmsg, strerror(-err));
	} else if (err == -ENOENT && subject && !strcmp(cmd, "get")) {
		errmsg("get: %s: no entry translates this address", subject);
	} else if (err == -ENOENT && subject &&
		   (!strcmp(cmd, "del") || !strcmp(cmd, "refresh"))) {
		errmsg("%s: %s: no such entry", cmd, subject);
	} else {
		errmsg("%s: kernel refused: %s", cmd, strerror(-err));
	}
	return EXIT_FAIL;
}

static void warn_kernel(struct siitdc *h)
{
	const char *w = siitdc_kernel_warning(h);

	if (w)
		errmsg("warning: %s", w);
}

/* Flushes stdout; a write error (e.g. a full disk) is a failure too. */
static int finish_output(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errmsg("cannot write output: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return rc;
}

/* -------------------------------------------------------------------------
 * Argument helpers
 */

static int too_many(const char *cmd, char **argv)
{
	errmsg("%s: unexpected argument '%.80s'", cmd, argv[0]);
	return EXIT_USAGE;
}

static void to_lib_prefix(const struct pfx *p, struct siitdc_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = p->family;
	if (p->family == AF_INET)
		out->v4 = p->v4;
	else
		out->v6 = p->v6;
	out->len = p->len;
}

/* -------------------------------------------------------------------------
 * Commands
 */

static int cmd_add(int argc, char **argv)
{
	char err[PARSE_ERRLEN];
	struct eam_op op;
	struct siitdc *h;
	int rc;

	if (parse_add(argc, argv, &op, err, sizeof(err)) < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = siitdc_eam_add(h, &op.eam, op.flags);
	if (rc < 0)
		rc = report(h, "add", NULL, rc);
	else
		warn_kernel(h);
	siitdc_close(h);
	return rc;
}

/* del and refresh: one entry, named by its IPv4 or its IPv6 prefix. */
static int named_entry(int argc, char **argv, const char *verb, bool refresh)
{
	char err[PARSE_ERRLEN], text[PFX_STRLEN];
	struct siitdc_prefix lp;
	struct eam_op op;
	struct siitdc *h;
	int rc;

	rc = refresh ? parse_refresh(argc, argv, &op, err, sizeof(err)) :
		       parse_del(argc, argv, &op, err, sizeof(err));
	if (rc < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	to_lib_prefix(&op.pfx, &lp);

	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = refresh ? siitdc_eam_refresh(h, &lp, op.ttl) :
		       siitdc_eam_del(h, &lp);
	if (rc < 0)
		rc = report(h, verb, format_prefix(&op.pfx, text), rc);
	else
		warn_kernel(h);
	siitdc_close(h);
	return rc;
}

static int cmd_del(int argc, char **argv)
{
	return named_entry(argc, argv, "del", false);
}

static int cmd_refresh(int argc, char **argv)
{
	return named_entry(argc, argv, "refresh", true);
}

static int cmd_get(int argc, char **argv)
{
	char err[PARSE_ERRLEN], text[INET6_ADDRSTRLEN];
	struct siitdc_prefix lp;
	struct siitdc_eam e;
	struct siitdc *h;
	struct pfx p;
	int rc;

	if (argc < 1) {
		errmsg("get: missing address (usage: siitctl get ADDRESS)");
		return EXIT_USAGE;
	}
	if (argc > 1)
		return too_many("get", argv + 1);
	if (parse_prefix(argv[0], PFX_V4 | PFX_V6 | PFX_NO_LEN, &p, err,
			 sizeof(err)) < 0) {
		errmsg("get: %s", err);
		return EXIT_USAGE;
	}
	to_lib_prefix(&p, &lp);
	inet_ntop(p.family, p.family == AF_INET ? (void *)&p.v4 : (void *)&p.v6,
		  text, sizeof(text));

	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = siitdc_eam_get(h, &lp, &e);
	if (rc < 0) {
		rc = report(h, "get", text, rc);
	} else {
		if (opt_json) {
			struct json j;

			json_init(&j, stdout);
			entry_json(&j, &e);
			putchar('\n');
		} else {
			entry_print_header(stdout);
			entry_print_text(stdout, &e);
		}
		rc = finish_output(EXIT_OK);
	}
	siitdc_close(h);
	return rc;
}

struct show_ctx {
	struct json j;
};

static int show_cb(const struct siitdc_eam *e, void *arg)
{
	struct show_ctx *s = arg;

	if (opt_json)
		entry_json(&s->j, e);
	else
		entry_print_text(stdout, e);
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	char err[PARSE_ERRLEN], owner[SIITDC_OWNER_MAX];
	struct show_ctx s;
	struct siitdc *h;
	int rc, e;

	if (parse_owner_filter("show", argc, argv, owner, err,
			       sizeof(err)) < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	rc = open_handle(&h);
	if (rc)
		return rc;

	json_init(&s.j, stdout);
	if (opt_json)
		json_arr_begin(&s.j);
	else
		entry_print_header(stdout);
	e = siitdc_eam_dump_owner(h, owner[0] ? owner : NULL, show_cb, &s);
	if (opt_json) {
		/* Close the array even on failure: keep stdout parseable. */
		json_arr_end(&s.j);
		putchar('\n');
	}
	rc = finish_output(EXIT_OK);
	if (e == -SIITDC_EDUMPINTR && !siitdc_kernel_msg(h)) {
		errmsg("show: the table changed during the listing; output may be inconsistent, run again");
		rc = EXIT_FAIL;
	} else if (e < 0) {
		rc = report(h, "show", NULL, e);
	}
	siitdc_close(h);
	return rc;
}

static int cmd_flush(int argc, char **argv)
{
	char err[PARSE_ERRLEN], owner[SIITDC_OWNER_MAX];
	struct siitdc *h;
	long n;
	int rc;

	if (parse_owner_filter("flush", argc, argv, owner, err,
			       sizeof(err)) < 0) {
		errmsg("%s", err);
		return EXIT_USAGE;
	}
	rc = open_handle(&h);
	if (rc)
		return rc;
	n = siitdc_eam_flush_owner(h, owner[0] ? owner : NULL);
	if (n < 0) {
		rc = report(h, "flush", NULL, (int)n);
	} else {
		warn_kernel(h);
		if (opt_json) {
			struct json j;

			json_init(&j, stdout);
			json_obj_begin(&j);
			json_key(&j, "flushed");
			json_u64(&j, (uint64_t)n);
			json_obj_end(&j);
			putchar('\n');
		} else {
			printf("flushed %ld %s\n", n, n == 1 ? "entry" : "entries");
		}
		rc = finish_output(EXIT_OK);
	}
	siitdc_close(h);
	return rc;
}

/* -------------------------------------------------------------------------
 * Batch (-b) and replace files
 *
 * A file is read twice: once to check every line (nothing is sent if one is
 * wrong), once to send the operations. Standard input, and anything else
 * that cannot be read twice, is copied to an unlinked temporary file first.
 * Memory use does not depend on the size of the file.
 */

struct input {
	FILE *f;
	const char *name;		/* for messages */
};

/* Copies src to a new unlinked temporary file; returns it, rewound. */
static FILE *copy_to_tmp(FILE *src, const char *name)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], buf[65536];
	FILE *f;
	size_t n;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/siitctl.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		errmsg("%s: cannot create a temporary file in %s: %s", name,
		       dir, strerror(errno));
		return NULL;
	}
	unlink(path);
	f = fdopen(fd, "w+");
	if (!f) {
		errmsg("%s: cannot create a temporary file: %s", name,
		       strerror(errno));
		close(fd);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), src)) > 0) {
		if (fwrite(buf, 1, n, f) != n) {
			errmsg("%s: cannot write the temporary copy: %s", name,
			       strerror(errno));
			fclose(f);
			return NULL;
		}
	}
	if (ferror(src)) {
		errmsg("%s: cannot read: %s", name, strerror(errno));
		fclose(f);
		return NULL;
	}
	if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
		errmsg("%s: cannot write the temporary copy: %s", name,
		       strerror(errno));
		fclose(f);
		return NULL;
	}
	return f;
}

static int open_input(const char *path, struct input *in)
{
	struct stat st;
	FILE *f;

	if (!strcmp(path, "-")) {
		in->name = "<stdin>";
		in->f = copy_to_tmp(stdin, in->name);
		return in->f ? EXIT_OK : EXIT_FAIL;
	}
	in->name = path;
	f = fopen(path, "r");
	if (!f) {
		errmsg("%s: cannot open: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		in->f = f;
		return EXIT_OK;
	}
	in->f = copy_to_tmp(f, path);	/* a pipe, a device... */
	fclose(f);
	return in->f ? EXIT_OK : EXIT_FAIL;
}

static int rewind_input(struct input *in)
{
	clearerr(in->f);
	if (fseek(in->f, 0, SEEK_SET) != 0) {
		errmsg("%s: cannot read it again: %s", in->name,
		       strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The first pass: every line must parse. *nops: the operations. */
static int check_input(struct input *in, unsigned int allowed,
		       unsigned long *nops)
{
	char err[PARSE_ERRLEN + 64];
	struct batch_reader r;
	struct eam_op op;
	int rc;

	batch_reader_init(&r, in->f, in->name, allowed);
	while ((rc = batch_next(&r, &op, err, sizeof(err))) > 0)
		;
	if (rc < 0) {
		errmsg("%s", err);
		return rc == -1 ? EXIT_USAGE : EXIT_FAIL;
	}
	*nops = r.ops;
	return rewind_input(in);
}

/*
 * The lines of operations idx[0..n) (0 when not found, e.g. idx -1).
 * Reads the file once more.
 */
static void op_lines(struct input *in, unsigned int allowed, const long *idx,
		     unsigned long *line, int n)
{
	char err[PARSE_ERRLEN + 64];
	struct batch_reader r;
	struct eam_op op;
	int i, left = 0;

	for (i = 0; i < n; i++) {
		line[i] = 0;
		if (idx[i] >= 0)
			left++;
	}
	if (!left || rewind_input(in) != EXIT_OK)
		return;
	batch_reader_init(&r, in->f, in->name, allowed);
	while (left && batch_next(&r, &op, err, sizeof(err)) > 0) {
		for (i = 0; i < n; i++) {
			if (idx[i] == (long)(r.ops - 1)) {
				line[i] = r.line;
				left--;
			}
		}
	}
}

/*
 * Reports the failure err of a batch over in. For -b, says which lines
 * earlier messages applied.
 */
static int batch_report(struct siitdc *h, struct input *in,
			unsigned int allowed, int err, bool staged)
{
	const struct siitdc_batch_status *st = siitdc_batch_status(h);
	const char *kmsg = siitdc_kernel_msg(h);
	const char *lmsg = siitdc_local_msg(h);
	char where[64];
	long idx[3];
	unsigned long line[3];

	if (is_perm_error(err)) {
		errmsg("permission denied (need CAP_NET_ADMIN)");
		return EXIT_FAIL;
	}
	idx[0] = st->failed_op;
	idx[1] = st->n_in_msg ? (long)st->first_in_msg : -1;
	idx[2] = st->n_in_msg ?
		(long)(st->first_in_msg + st->n_in_msg - 1) : -1;
	if (!st->failed)
		idx[0] = idx[1] = idx[2] = -1;
	op_lines(in, allowed, idx, line, 3);

	if (line[0])
		snprintf(where, sizeof(where), "%lu", line[0]);
	else if (line[1] && line[1] != line[2])
		snprintf(where, sizeof(where), "%lu-%lu", line[1], line[2]);
	else if (line[1])
		snprintf(where, sizeof(where), "%lu", line[1]);
	else
		where[0] = '\0';

	if (kmsg)
		errmsg("%s%s%s: kernel refused: %s (%s)", in->name,
		       where[0] ? ":" : "", where, kmsg, strerror(-err));
	else if (lmsg)
		errmsg("%s%s%s: %s (%s)", in->name, where[0] ? ":" : "", where,
		       lmsg, strerror(-err));
	else
		errmsg("%s%s%s: kernel refused: %s", in->name,
		       where[0] ? ":" : "", where, strerror(-err));

	if (!staged && st->failed && st->first_in_msg > 0 && line[1])
		errmsg("%s: the lines before line %lu were applied (%lu operations); none from line %lu on",
		       in->name, line[1], st->first_in_msg, line[1]);
	return EXIT_FAIL;
}

/* The second pass: streams the operations of in through a batch. */
static int send_input(struct siitdc *h, struct input *in,
		      unsigned int allowed, uint32_t batch_flags)
{
	char err[PARSE_ERRLEN + 64];
	struct siitdc_prefix lp;
	struct batch_reader r;
	struct eam_op op;
	int rc, e;

	e = siitdc_batch_begin(h, batch_flags);
	if (e < 0)
		return batch_report(h, in, allowed, e, batch_flags != 0);
	batch_reader_init(&r, in->f, in->name, allowed);
	while ((rc = batch_next(&r, &op, err, sizeof(err))) > 0) {
		switch (op.kind) {
		case EAM_OP_ADD:
			e = siitdc_batch_add(h, &op.eam, op.flags);
			break;
		case EAM_OP_DEL:
			to_lib_prefix(&op.pfx, &lp);
			e = siitdc_batch_del(h, &lp);
			break;
		case EAM_OP_REFRESH:
			to_lib_prefix(&op.pfx, &lp);
			e = siitdc_batch_refresh(h, &lp, op.ttl);
			break;
		}
		if (e < 0)
			return batch_report(h, in, allowed, e,
					    batch_flags != 0);
	}
	if (rc < 0) {
		const struct siitdc_batch_status *st = siitdc_batch_status(h);
		unsigned long sent = st->sent;

		siitdc_batch_cancel(h);
		errmsg("%s (the file changed after it was checked)", err);
		if (!batch_flags && sent)
			errmsg("%s: %lu operations were applied before that line",
			       in->name, sent);
		return EXIT_FAIL;
	}
	e = siitdc_batch_end(h);
	if (e < 0)
		return batch_report(h, in, allowed, e, batch_flags != 0);
	warn_kernel(h);
	return EXIT_OK;
}

static int cmd_batch(const char *path)
{
	struct input in;
	unsigned long nops;
	struct siitdc *h;
	int rc;

	rc = open_input(path, &in);
	if (rc)
		return rc;
	rc = check_input(&in, OPS_ALL, &nops);
	if (rc || nops == 0) {
		fclose(in.f);
		return rc;
	}
	rc = open_handle(&h);
	if (!rc) {
		rc = send_input(h, &in, OPS_ALL, 0);
		siitdc_close(h);
	}
	fclose(in.f);
	return rc;
}

static int cmd_replace(int argc, char **argv)
{
	struct input in;
	unsigned long nops;
	struct siitdc *h;
	int rc, e;

	if (argc < 1) {
		errmsg("replace: missing file (usage: siitctl replace FILE | -)");
		return EXIT_USAGE;
	}
	if (argc > 1)
		return too_many("replace", argv + 1);
	rc = open_input(argv[0], &in);
	if (rc)
		return rc;
	rc = check_input(&in, OPS_ADD, &nops);
	if (rc)
		goto out;
	rc = open_handle(&h);
	if (rc)
		goto out;

	e = siitdc_replace_begin(h);
	if (e < 0) {
		rc = report(h, "replace", NULL, e);
		goto close;
	}
	rc = send_input(h, &in, OPS_ADD, SIITDC_F_STAGED);
	if (rc) {
		/* Reported; the table is left as it was. */
		(void)siitdc_replace_abort(h);
		goto close;
	}
	e = siitdc_replace_commit(h);
	if (e < 0) {
		rc = report(h, "replace", NULL, e);
		(void)siitdc_replace_abort(h);
		goto close;
	}
	warn_kernel(h);
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "replaced");
		json_u64(&j, nops);
		json_obj_end(&j);
		putchar('\n');
	} else {
		printf("replaced the table: %lu %s\n", nops,
		       nops == 1 ? "entry" : "entries");
	}
	rc = finish_output(EXIT_OK);
close:
	siitdc_close(h);
out:
	fclose(in.f);
	return rc;
}

/* -------------------------------------------------------------------------
 * monitor
 */

static void on_signal(int sig)
{
	(void)sig;		/* only interrupts the wait */
}

static int monitor_cb(const struct siitdc_event *ev, void *arg)
{
	(void)arg;
	if (opt_json)
		event_print_json(stdout, ev);
	else
		event_print_text(stdout, ev);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errmsg("cannot write output: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t block, wait_mask;
	struct siitdc *h;
	int rc, e;

	if (argc > 0)
		return too_many("monitor", argv);
	rc = open_handle(&h);
	if (rc)
		return rc;
	e = siitdc_events_subscribe(h);
	if (e < 0) {
		rc = report(h, "monitor", NULL, e);
		siitdc_close(h);
		return rc;
	}

	/*
	 * SIGINT and SIGTERM are blocked except while waiting for events, so
	 * that they always end the wait (no SA_RESTART) and never a write.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	e = siitdc_events_run(h, monitor_cb, NULL, &wait_mask);
	if (e == -EINTR)
		rc = EXIT_OK;
	else if (e > 0)
		rc = EXIT_FAIL;		/* output error, reported */
	else
		rc = report(h, "monitor", NULL, e);
	siitdc_close(h);
	return rc;
}

#define SET_USAGE "usage: siitctl set KEY VALUE [KEY VALUE]..., see 'siitctl help'"

static int cmd_set(int argc, char **argv)
{
	char err[PARSE_ERRLEN];
	struct siitdc_config c;
	struct siitdc *h;
	int rc;

	if (argc < 1) {
		errmsg("set: missing setting (" SET_USAGE ")");
		return EXIT_USAGE;
	}
	memset(&c, 0, sizeof(c));
	if (parse_settings(argc, argv, &c, err, sizeof(err)) < 0) {
		errmsg("set: %s", err);
		return EXIT_USAGE;
	}

	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = siitdc_config_set(h, &c);
	if (rc < 0)
		rc = report(h, "set", NULL, rc);
	else
		warn_kernel(h);
	siitdc_close(h);
	return rc;
}

static int cmd_config(int argc, char **argv)
{
	struct siitdc_config c;
	struct siitdc *h;
	int rc;

	if (argc > 0)
		return too_many("config", argv);
	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = siitdc_config_get(h, &c);
	if (rc < 0) {
		rc = report(h, "config", NULL, rc);
		siitdc_close(h);
		return rc;
	}
	siitdc_close(h);
	if (opt_json) {
		config_print_json(stdout, &c);
		putchar('\n');
	} else {
		config_print_text(stdout, &c);
	}
	return finish_output(EXIT_OK);
}

static int cmd_stats(int argc, char **argv)
{
	static struct siitdc_stats st;	/* large: keep it off the stack */
	struct siitdc *h;
	unsigned int i;
	struct json j;
	int rc;

	if (argc > 0)
		return too_many("stats", argv);
	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = siitdc_stats_get(h, &st);
	if (rc < 0) {
		rc = report(h, "stats", NULL, rc);
		siitdc_close(h);
		return rc;
	}
	siitdc_close(h);

	json_init(&j, stdout);
	if (opt_json)
		json_obj_begin(&j);
	for (i = 0; i < st.n; i++) {
		char nbuf[32];
		const char *name;

		if (!st.present[i])
			continue;
		name = stat_label(i, nbuf, sizeof(nbuf));
		if (opt_json) {
			json_key(&j, name);
			json_u64(&j, st.val[i]);
		} else {
			printf("%s %" PRIu64 "\n", name, st.val[i]);
		}
	}
	if (opt_json) {
		json_obj_end(&j);
		putchar('\n');
	}
	return finish_output(EXIT_OK);
}

/* -------------------------------------------------------------------------
 * main
 */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "add",	cmd_add },
	{ "del",	cmd_del },
	{ "refresh",	cmd_refresh },
	{ "replace",	cmd_replace },
	{ "monitor",	cmd_monitor },
	{ "get",	cmd_get },
	{ "show",	cmd_show },
	{ "flush",	cmd_flush },
	{ "set",	cmd_set },
	{ "config",	cmd_config },
	{ "stats",	cmd_stats },
};

enum opt_result { OPT_NONE, OPT_JSON, OPT_HELP, OPT_VERSION, OPT_BATCH };

static const char *opt_batch;		/* -b FILE */

static enum opt_result match_option(const char *a)
{
	if (!strcmp(a, "-j") || !strcmp(a, "--json"))
		return OPT_JSON;
	if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		return OPT_HELP;
	if (!strcmp(a, "-V") || !strcmp(a, "--version"))
		return OPT_VERSION;
	if (!strcmp(a, "-b") || !strcmp(a, "--batch"))
		return OPT_BATCH;
	return OPT_NONE;
}

/*
 * Options may come before or after the command. Anything else that starts
 * with '-' is an error (no argument of any command does), except "-", a
 * positional argument (standard input). Returns the
 * number of positional arguments left in args[], or -1 after an error.
 */
static int parse_options(int argc, char **argv, char **args, int *rc)
{
	bool dashdash = false;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			args[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		switch (match_option(a)) {
		case OPT_JSON:
			opt_json = true;
			break;
		case OPT_HELP:
			*rc = cmd_help();
			return -1;
		case OPT_VERSION:
			*rc = cmd_version();
			return -1;
		case OPT_BATCH:
			if (opt_batch) {
				errmsg("option '%s' given twice", a);
				*rc = EXIT_USAGE;
				return -1;
			}
			if (i + 1 >= argc) {
				errmsg("option '%s' needs a file (- for standard input)",
				       a);
				*rc = EXIT_USAGE;
				return -1;
			}
			opt_batch = argv[++i];
			break;
		default:
			errmsg("unknown option '%.80s' (try 'siitctl help')", a);
			*rc = EXIT_USAGE;
			return -1;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	char **args;
	size_t i;
	int n, rc = EXIT_OK;

	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	n = parse_options(argc, argv, args, &rc);
	if (n < 0)
		goto out;
	if (opt_batch) {
		if (n > 0) {
			errmsg("-b: unexpected argument '%.80s' (usage: siitctl -b FILE | -)",
			       args[0]);
			rc = EXIT_USAGE;
		} else {
			rc = cmd_batch(opt_batch);
		}
		goto out;
	}
	if (n == 0) {
		errmsg("missing command (try 'siitctl help')");
		rc = EXIT_USAGE;
		goto out;
	}
	if (!strcmp(args[0], "help")) {
		rc = cmd_help();
		goto out;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(args[0], commands[i].name)) {
			rc = commands[i].fn(n - 1, args + 1);
			goto out;
		}
	}
	errmsg("unknown command '%.80s' (try 'siitctl help')", args[0]);
	rc = EXIT_USAGE;
out:
	free(args);
	if (rc == EXIT_OK)
		rc = finish_output(rc);
	return rc;
}
