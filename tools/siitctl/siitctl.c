// SPDX-License-Identifier: GPL-2.0
/*
 * siitctl: configure the siitdc SIIT-DC Border Relay (EAM table, pool6 and
 * the other settings) and read its counters.
 *
 * Exit status: 0 success, 1 the kernel (or the system) refused or failed,
 * 2 usage or parse error. Every error is one line on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
"\n" \
"Commands:\n" \
"  add IPV4[/LEN] IPV6[/LEN] [force]  add an EAM entry (lengths default to\n" \
"                                     /32 and /128; force allows overlaps)\n" \
"  del IPV4[/LEN] | IPV6[/LEN]        remove the entry with that prefix\n" \
"  get ADDRESS                        show the entry that translates ADDRESS\n" \
"  show                               list the EAM table\n" \
"  flush                              remove every EAM entry\n" \
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
"  -j, --json     print JSON (show, get, config, stats, flush)\n" \
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
	} else if (err == -ENOENT && subject && !strcmp(cmd, "del")) {
		errmsg("del: %s: no such entry", subject);
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

static void print_entry_row(const struct siitdc_eam *e)
{
	char a[PFX_STRLEN], b[PFX_STRLEN];

	printf("%-18s  %s\n", format_prefix4(&e->v4, e->v4_len, a),
	       format_prefix6(&e->v6, e->v6_len, b));
}

static void print_entry_header(void)
{
	printf("%-18s  %s\n", "IPv4 prefix", "IPv6 prefix");
}

static void json_entry(struct json *j, const struct siitdc_eam *e)
{
	char buf[PFX_STRLEN];

	json_obj_begin(j);
	json_key(j, "ipv4");
	json_str(j, format_prefix4(&e->v4, e->v4_len, buf));
	json_key(j, "ipv6");
	json_str(j, format_prefix6(&e->v6, e->v6_len, buf));
	json_obj_end(j);
}

/* -------------------------------------------------------------------------
 * Commands
 */

#define ADD_USAGE "usage: siitctl add IPV4[/LEN] IPV6[/LEN] [force]"

static int cmd_add(int argc, char **argv)
{
	char err[PARSE_ERRLEN];
	struct pfx p4, p6;
	struct siitdc_eam e;
	struct siitdc *h;
	uint32_t flags = 0;
	int rc;

	if (argc < 1) {
		errmsg("add: missing IPv4 prefix (" ADD_USAGE ")");
		return EXIT_USAGE;
	}
	if (parse_prefix(argv[0], PFX_V4, &p4, err, sizeof(err)) < 0) {
		errmsg("add: %s", err);
		return EXIT_USAGE;
	}
	if (argc < 2) {
		errmsg("add: missing IPv6 prefix (" ADD_USAGE ")");
		return EXIT_USAGE;
	}
	if (parse_prefix(argv[1], PFX_V6, &p6, err, sizeof(err)) < 0) {
		errmsg("add: %s", err);
		return EXIT_USAGE;
	}
	if (argc >= 3) {
		if (strcmp(argv[2], "force")) {
			errmsg("add: unknown argument '%.80s' (" ADD_USAGE ")",
			       argv[2]);
			return EXIT_USAGE;
		}
		flags |= SIITDC_F_FORCE;
	}
	if (argc > 3)
		return too_many("add", argv + 3);

	memset(&e, 0, sizeof(e));
	e.v4 = p4.v4;
	e.v4_len = p4.len;
	e.v6 = p6.v6;
	e.v6_len = p6.len;

	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = siitdc_eam_add(h, &e, flags);
	if (rc < 0)
		rc = report(h, "add", NULL, rc);
	else
		warn_kernel(h);
	siitdc_close(h);
	return rc;
}

static int cmd_del(int argc, char **argv)
{
	char err[PARSE_ERRLEN], text[PFX_STRLEN];
	struct siitdc_prefix lp;
	struct siitdc *h;
	struct pfx p;
	int rc;

	if (argc < 1) {
		errmsg("del: missing prefix (usage: siitctl del IPV4[/LEN] | IPV6[/LEN])");
		return EXIT_USAGE;
	}
	if (argc > 1)
		return too_many("del", argv + 1);
	if (parse_prefix(argv[0], PFX_V4 | PFX_V6, &p, err, sizeof(err)) < 0) {
		errmsg("del: %s", err);
		return EXIT_USAGE;
	}
	to_lib_prefix(&p, &lp);

	rc = open_handle(&h);
	if (rc)
		return rc;
	rc = siitdc_eam_del(h, &lp);
	if (rc < 0)
		rc = report(h, "del", format_prefix(&p, text), rc);
	else
		warn_kernel(h);
	siitdc_close(h);
	return rc;
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
			json_entry(&j, &e);
			putchar('\n');
		} else {
			print_entry_header();
			print_entry_row(&e);
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
		json_entry(&s->j, e);
	else
		print_entry_row(e);
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	struct show_ctx s;
	struct siitdc *h;
	int rc, err;

	if (argc > 0)
		return too_many("show", argv);
	rc = open_handle(&h);
	if (rc)
		return rc;

	json_init(&s.j, stdout);
	if (opt_json)
		json_arr_begin(&s.j);
	else
		print_entry_header();
	err = siitdc_eam_dump(h, show_cb, &s);
	if (opt_json) {
		/* Close the array even on failure: keep stdout parseable. */
		json_arr_end(&s.j);
		putchar('\n');
	}
	rc = finish_output(EXIT_OK);
	if (err == -SIITDC_EDUMPINTR && !siitdc_kernel_msg(h)) {
		errmsg("show: the table changed during the listing; output may be inconsistent, run again");
		rc = EXIT_FAIL;
	} else if (err < 0) {
		rc = report(h, "show", NULL, err);
	}
	siitdc_close(h);
	return rc;
}

static int cmd_flush(int argc, char **argv)
{
	struct siitdc *h;
	long n;
	int rc;

	if (argc > 0)
		return too_many("flush", argv);
	rc = open_handle(&h);
	if (rc)
		return rc;
	n = siitdc_eam_flush(h);
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
	{ "get",	cmd_get },
	{ "show",	cmd_show },
	{ "flush",	cmd_flush },
	{ "set",	cmd_set },
	{ "config",	cmd_config },
	{ "stats",	cmd_stats },
};

enum opt_result { OPT_NONE, OPT_JSON, OPT_HELP, OPT_VERSION };

static enum opt_result match_option(const char *a)
{
	if (!strcmp(a, "-j") || !strcmp(a, "--json"))
		return OPT_JSON;
	if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		return OPT_HELP;
	if (!strcmp(a, "-V") || !strcmp(a, "--version"))
		return OPT_VERSION;
	return OPT_NONE;
}

/*
 * Options may come before or after the command. Anything else that starts
 * with '-' is an error (no argument of any command does). Returns the
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
