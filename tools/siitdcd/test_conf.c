// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the configuration parser (conf.c): a complete file, the
 * defaults, and every error with its line number.
 */
#include "siitdcd.h"
#include "test_util.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static int load(const char *text, struct sd_conf *c, char *err, size_t n)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/siitdcd-test-conf.%d", (int)getpid());
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
	return sd_conf_load(path, c, err, n);
}

static const char full[] =
	"# a comment\n"
	"[daemon]\n"
	"state-file = /var/lib/x/state\n"
	"metrics = [::1]:9100\n"
	"log-level = debug\n"
	"reconcile-interval = 5\n"
	"\n"
	"[pool]\n"
	"prefix = 198.51.100.0/24\n"
	"prefix = 203.0.113.0/28 ; inline comment\n"
	"exclude = 198.51.100.0/28\n"
	"quarantine = 60\n"
	"[dns]\n"
	"listen = 192.0.2.53\n"
	"listen = [2001:db8::53]:5353\n"
	"upstream = 2001:db8:6::53\n"
	"upstream = 10.0.0.1:1053\n"
	"ttl-min = 10\n"
	"ttl-max = 600\n"
	"idle-grace = 0\n"
	"upstream-timeout-ms = 500\n"
	"upstream-cache = 0\n"
	"[zone Pub.Example.NET.]\n"
	"internal = int.example.net\n"
	"owner = web\n"
	"[zone b.example]\n"
	"internal = c.example\n"
	"[containers]\n"
	"socket = /run/podman/podman.sock\n"
	"ndp-proxy = eth0\n"
	"owner = tenants\n"
	"[quota]\n"
	"web = 10\n"
	"tenants = 200\n"
	"[static]\n"
	"address = 2001:db8:6::7 ops\n"
	"address = 2001:db8:6::8\n";

static void test_full(void)
{
	struct sd_conf c;
	char err[512], a[INET6_ADDRSTRLEN];
	const struct sockaddr_in6 *s6;
	const struct sockaddr_in *s4;

	t_begin("conf: a complete file");
	CHECK(load(full, &c, err, sizeof(err)) == 0, "load: %s", err);
	CHECK(!strcmp(c.state_file, "/var/lib/x/state"), "state-file");
	s6 = (const struct sockaddr_in6 *)&c.metrics.ss;
	CHECK(c.has_metrics && s6->sin6_family == AF_INET6 &&
	      ntohs(s6->sin6_port) == 9100, "metrics");
	CHECK(c.log_level == SD_LOG_DEBUG && c.reconcile_interval == 5,
	      "log-level, reconcile-interval");
	CHECK(c.n_prefixes == 2 && c.prefixes[1].len == 28, "prefixes");
	CHECK(c.n_excludes == 1 && c.quarantine == 60, "exclude, quarantine");
	CHECK(c.n_listen == 2 && c.n_upstreams == 2, "listen, upstream");
	s4 = (const struct sockaddr_in *)&c.listen[0].ss;
	CHECK(s4->sin_family == AF_INET && ntohs(s4->sin_port) == 53 &&
	      c.listen[0].len == sizeof(*s4), "default DNS port");
	s6 = (const struct sockaddr_in6 *)&c.listen[1].ss;
	CHECK(ntohs(s6->sin6_port) == 5353, "[v6]:port");
	s4 = (const struct sockaddr_in *)&c.upstreams[1].ss;
	CHECK(s4->sin_family == AF_INET && ntohs(s4->sin_port) == 1053,
	      "v4:port");
	CHECK(c.ttl_min == 10 && c.ttl_max == 600 && c.idle_grace == 0 &&
	      c.upstream_timeout_ms == 500 && c.upstream_cache == 0,
	      "dns numbers");
	CHECK(c.n_zones == 2 && !strcmp(c.zones[0].zone, "pub.example.net") &&
	      !strcmp(c.zones[0].internal, "int.example.net") &&
	      !strcmp(c.zones[0].owner, "web"), "zone 1: %s", c.zones[0].zone);
	CHECK(!strcmp(c.zones[1].owner, "dns"), "zone default owner");
	CHECK(!strcmp(c.docker_socket, "/run/podman/podman.sock") &&
	      !strcmp(c.ndp_proxy, "eth0") &&
	      !strcmp(c.default_owner, "tenants"), "containers");
	CHECK(c.n_quotas == 2 && c.quotas[1].max == 200 &&
	      !strcmp(c.quotas[1].owner, "tenants"), "quotas");
	inet_ntop(AF_INET6, &c.statics[0].v6, a, sizeof(a));
	CHECK(c.n_statics == 2 && !strcmp(a, "2001:db8:6::7") &&
	      !strcmp(c.statics[0].owner, "ops") &&
	      !strcmp(c.statics[1].owner, "static"), "statics");
	sd_conf_free(&c);
	t_end();
}

static void test_defaults(void)
{
	struct sd_conf c;
	char err[512];

	t_begin("conf: defaults");
	CHECK(load("[pool]\nprefix = 192.0.2.0/24\n", &c, err, sizeof(err)) == 0,
	      "load: %s", err);
	CHECK(!strcmp(c.state_file, "/var/lib/siitdc/siitdcd.state"),
	      "state-file %s", c.state_file);
	CHECK(!c.has_metrics && c.log_level == SD_LOG_INFO, "daemon");
	CHECK(c.quarantine == 300 && c.reconcile_interval == 30, "numbers");
	CHECK(c.ttl_min == 30 && c.ttl_max == 3600 && c.idle_grace == 120 &&
	      c.upstream_timeout_ms == 2000 && c.upstream_cache == 30, "dns");
	CHECK(!c.n_listen && !c.docker_socket[0] && !c.ndp_proxy[0] &&
	      !strcmp(c.default_owner, "containers"), "sources off");
	sd_conf_free(&c);
	t_end();
}

struct bad {
	const char *name;
	const char *text;
	const char *expect;	/* after "PATH" */
};

#define P "[pool]\nprefix = 192.0.2.0/24\n"

static const struct bad bads[] = {
	{ "unknown section", P "[pools]\n", ":3: unknown section [pools]" },
	{ "unknown key", "[daemon]\nstate-file = /x\nfoo = 1\n" P,
	  ":3: unknown key \"foo\" in [daemon]" },
	{ "key outside a section", "foo = 1\n" P,
	  ":1: \"foo\" outside of any section" },
	{ "syntax error", P "[dns]\nlisten\n",
	  ":4: syntax error (expected KEY = VALUE)" },
	{ "empty value", P "quarantine =\n", ":3: \"quarantine\" has no value" },
	{ "prefix without length", "[pool]\nprefix = 192.0.2.0\n",
	  ":2: prefix: expected an IPv4 prefix A.B.C.D/LEN, got \"192.0.2.0\"" },
	{ "prefix with host bits", "[pool]\n\nprefix = 192.0.2.1/24\n",
	  ":3: prefix: the prefix has bits set after its length, got \"192.0.2.1/24\"" },
	{ "prefix length 33", "[pool]\nprefix = 192.0.2.0/33\n",
	  ":2: prefix: expected an IPv4 prefix" },
	{ "bad exclude", P "exclude = 2001:db8::/64\n", ":3: exclude: expected" },
	{ "bad quarantine", P "quarantine = -1\n",
	  ":3: quarantine: expected a number from 0 to 2592000, got \"-1\"" },
	{ "quarantine twice", P "quarantine = 1\nquarantine = 2\n",
	  ":4: \"quarantine\" already given on line 3" },
	{ "bad listen address", P "[dns]\nlisten = 192.0.2.300\n",
	  ":4: listen: expected ADDR or [ADDR]:PORT, got \"192.0.2.300\"" },
	{ "listen port 0", P "[dns]\nlisten = [::1]:0\n", ":4: listen: expected" },
	{ "listen port too large", P "[dns]\nlisten = 1.2.3.4:65536\n",
	  ":4: listen: expected" },
	{ "unclosed bracket", P "[dns]\nupstream = [::1:53\n",
	  ":4: upstream: expected" },
	{ "bad metrics address", "[daemon]\nmetrics = localhost:80\n" P,
	  ":2: metrics: expected ADDR or [ADDR]:PORT, got \"localhost:80\"" },
	{ "bad log level", "[daemon]\nlog-level = loud\n" P,
	  ":2: log-level: expected err, warn, info or debug, got \"loud\"" },
	{ "relative state file", "[daemon]\nstate-file = x\n" P,
	  ":2: state-file: expected an absolute path" },
	{ "reconcile interval 0", "[daemon]\nreconcile-interval = 0\n" P,
	  ":2: reconcile-interval: expected a number from 1 to 86400" },
	{ "ttl-min above ttl-max", P "[dns]\nttl-max = 10\n\nttl-min = 20\n",
	  ":6: ttl-min (20) is larger than ttl-max (10)" },
	{ "ttl-max below default ttl-min", P "[dns]\nttl-max = 10\n",
	  ":4: ttl-min (30) is larger than ttl-max (10)" },
	{ "upstream timeout too small", P "[dns]\nupstream-timeout-ms = 1\n",
	  ":4: upstream-timeout-ms: expected a number from 10 to 60000" },
	{ "upstream cache too long", P "[dns]\nupstream-cache = 86401\n",
	  ":4: upstream-cache: expected a number from 0 to 86400" },
	{ "zone without name", P "[zone]\n", ":3: [zone NAME] needs a domain name" },
	{ "zone with a bad name", P "[zone a..b]\n",
	  ":3: [zone NAME] needs a domain name, got \"a..b\"" },
	{ "zone without internal", P "[dns]\nlisten = ::1\nupstream = ::1\n"
	  "[zone a.example]\nowner = x\n[quota]\n",
	  ":6: zone a.example has no \"internal\" name" },
	{ "empty zone at the end", P "[zone a.example]\n",
	  ":3: zone a.example has no \"internal\" name" },
	{ "zone twice", P "[zone a.example]\ninternal = b\n[zone A.example.]\n",
	  ":5: zone a.example is given twice" },
	{ "zone internal equal to zone", P "[zone a.example]\ninternal = a.example\n",
	  ":4: internal: must differ from the zone itself" },
	{ "zone unknown key", P "[zone a.example]\ninternal = b\nttl = 3\n",
	  ":5: unknown key \"ttl\" in [zone a.example]" },
	{ "zone owner too long", P "[zone a.example]\ninternal = b\n"
	  "owner = 0123456789012345678901234567890123\n", ":5: owner: 1 to 31" },
	{ "zones without upstream", P "[dns]\nlisten = ::1\n[zone a.example]\n"
	  "internal = b.example\n", ":5: zones need an [dns] upstream server" },
	{ "zones without listen", P "[dns]\nupstream = ::1\n[zone a.example]\n"
	  "internal = b.example\n", ":5: zones need a [dns] listen address" },
	{ "relative socket", P "[containers]\nsocket = docker.sock\n",
	  ":4: socket: expected an absolute path" },
	{ "bad ndp-proxy", P "[containers]\nndp-proxy = a/b\n",
	  ":4: ndp-proxy: expected an interface name, got \"a/b\"" },
	{ "quota zero", P "[quota]\nweb = 0\n",
	  ":4: quota of web: expected a number of addresses >= 1, got \"0\"" },
	{ "quota twice", P "[quota]\nweb = 1\nweb = 2\n",
	  ":5: quota of web given twice" },
	{ "static bad address", P "[static]\naddress = 192.0.2.1\n",
	  ":4: address: expected \"IPV6 [OWNER]\", got \"192.0.2.1\"" },
	{ "static extra words", P "[static]\naddress = ::1 a b\n",
	  ":4: address: expected \"IPV6 [OWNER]\"" },
	{ "static twice", P "[static]\naddress = ::1\naddress = 0::1 x\n",
	  ":5: address ::1 given twice" },
	{ "static unknown key", P "[static]\nv6 = ::1\n",
	  ":4: unknown key \"v6\" in [static]" },
	{ "no pool", "[daemon]\nlog-level = info\n",
	  ": no [pool] prefix: the pool is empty" },
	{ "pool all excluded", P "exclude = 192.0.2.0/24\n",
	  ": the exclusions leave no address in the pool" },
	{ "malformed section header", P "[dns\n", ":3: malformed section header" },
};

static void test_errors(void)
{
	struct sd_conf c;
	char err[512], name[160], want[512];
	unsigned int i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		snprintf(name, sizeof(name), "conf: error: %s", bads[i].name);
		t_begin(name);
		err[0] = '\0';
		snprintf(want, sizeof(want), "%s%s", path, bads[i].expect);
		CHECK(load(bads[i].text, &c, err, sizeof(err)) == -1,
		      "accepted");
		CHECK(!strncmp(err, want, strlen(want)), "message \"%s\"", err);
		CHECK(!strchr(err, '\n'), "one line");
		CHECK(c.prefixes == NULL && c.zones == NULL, "arrays freed");
		t_end();
	}
}

static void test_io(void)
{
	struct sd_conf c;
	char err[512], *big;
	size_t n = 5000;

	t_begin("conf: a missing file");
	CHECK(sd_conf_load("/nonexistent/siitdcd.conf", &c, err, sizeof(err))
	      == -1, "accepted");
	CHECK(!strcmp(err, "/nonexistent/siitdcd.conf: No such file or directory"),
	      "message \"%s\"", err);
	t_end();

	t_begin("conf: a line too long is an error, not a split line");
	big = malloc(n + 64);
	if (!big)
		abort();
	strcpy(big, P "[daemon]\nstate-file = /");
	memset(big + strlen(big), 'a', n);
	strcpy(big + strlen(P "[daemon]\nstate-file = /") + n, "\n");
	CHECK(load(big, &c, err, sizeof(err)) == -1, "accepted");
	CHECK(strstr(err, ":4: line longer than") != NULL, "message \"%s\"",
	      err);
	free(big);
	t_end();

	t_begin("conf: a long path within the line limit");
	big = malloc(n + 64);
	if (!big)
		abort();
	strcpy(big, P "[daemon]\nstate-file = /");
	memset(big + strlen(big), 'b', 3000);
	strcpy(big + strlen(P "[daemon]\nstate-file = /") + 3000, "\n");
	CHECK(load(big, &c, err, sizeof(err)) == 0, "load: %s", err);
	CHECK(strlen(c.state_file) == 3001, "length %zu", strlen(c.state_file));
	sd_conf_free(&c);
	free(big);
	t_end();
}

int main(void)
{
	test_full();
	test_defaults();
	test_errors();
	test_io();
	unlink(path);
	return t_summary();
}
