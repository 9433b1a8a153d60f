#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The siitdcd binary on the build machine, where the siitdc module is not
# loaded: options, configuration check, metrics over HTTP (and hostile
# clients), SIGHUP with good and bad files, a corrupt state file, SIGTERM.
# The kernel side is tested in the guest (tests/guest/siitdcd_core.sh).
#
#   sh test_daemon.sh PATH/TO/siitdcd
set -u

D=${1:?usage: test_daemon.sh SIITDCD}
W=$(mktemp -d /tmp/siitdcd-test.XXXXXX)
PORT=$((20000 + $$ % 20000))
URL=http://127.0.0.1:$PORT/metrics
PID=
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok siitdcd: $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok siitdcd: $*"; }
check() {
	name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name"; fi
}

SILENT=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	for p in $SILENT; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

conf() {	# conf FILE PREFIX
	cat >"$1" <<EOC
[daemon]
state-file = $W/state/siitdcd.state
metrics = 127.0.0.1:$PORT
log-level = debug
reconcile-interval = 1

[pool]
prefix = $2
exclude = 198.51.100.0/30
quarantine = 10
EOC
}

metric() {	# metric NAME: its value in a scrape
	curl -s --max-time 5 "$URL" | awk -v m="$1" '$1 == m { print $2 }'
}

alive() { kill -0 "$PID" 2>/dev/null; }

# until CMD...: polls CMD for up to 10 s (a loaded machine is slow).
until_ok() {
	i=0
	while [ $i -lt 100 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
metric_is() { test "$(metric "$1")" = "$2"; }

wait_metrics() {
	i=0
	while [ $i -lt 50 ]; do
		curl -s --max-time 1 "$URL" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- options and the configuration check ----

out=$("$D" -V)
check "-V prints the version" test "${out#siitdcd }" != "$out"
"$D" -x >/dev/null 2>&1
check "an unknown option exits 2" test $? -eq 2

conf "$W/good.conf" 198.51.100.0/28
out=$("$D" -t -c "$W/good.conf" 2>&1)
check "-t accepts a good file" test $? -eq 0 -a -n "$out"
printf '[pool]\nprefix = 198.51.100.0/28\nfoo = 1\n' >"$W/bad.conf"
out=$("$D" -t -c "$W/bad.conf" 2>&1); rc=$?
check "-t refuses a bad file with exit 1" test $rc -eq 1
check "-t says FILE:LINE: why, on one line" test \
	"$out" = "siitdcd: $W/bad.conf:3: unknown key \"foo\" in [pool]"
"$D" -c "$W/missing.conf" 2>/dev/null
check "a missing configuration exits 1" test $? -eq 1

# ---- running without the module ----

mkdir -p "$W/state"
printf 'garbage\n' >"$W/state/siitdcd.state"
"$D" -c "$W/good.conf" 2>"$W/log" &
PID=$!
check "serves metrics without the module" wait_metrics
check "a corrupt state file is kept as .bad" test -f "$W/state/siitdcd.state.bad"
check "and the reason is logged" grep -q "state file unusable" "$W/log"
check "the pool size gauge (14 - 3 excluded = 11)" \
	test "$(metric siitdcd_pool_addresses)" = 11
check "kernel_up is 0 without the module" \
	test "$(metric siitdcd_kernel_up)" = 0
check "every counter family has HELP and TYPE" sh -c \
	"curl -s '$URL' | awk '/^# TYPE/ { t[\$3] = 1 } /^[a-z]/ { n = \$1; sub(/[{].*/, \"\", n); sub(/_(bucket|sum|count)\$/, \"\", n); if (!(n in t)) bad = 1 } END { exit bad }'"
check "the latency histogram ends with +Inf" sh -c \
	"curl -s '$URL' | grep -q 'siitdcd_dns_latency_seconds_bucket{le=\"+Inf\"} 0'"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other")
check "other paths are 404" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")
check "other methods are 405" test "$code" = 405
resp=$(printf 'NONSENSE\r\n\r\n' | timeout 5 nc -q 2 127.0.0.1 $PORT 2>/dev/null | head -1)
check "a malformed request is 400" test "${resp%%$(printf '\r')}" = "HTTP/1.0 400 Bad Request"
resp=$(head -c 5000 /dev/zero | tr '\0' a | timeout 5 nc -q 2 127.0.0.1 $PORT 2>/dev/null | head -1)
check "an oversized request is refused (431)" \
	test "${resp%%$(printf '\r')}" = "HTTP/1.0 431 Request Header Fields Too Large"
# Silent clients hold connections; a scrape still gets through.
i=0
SILENT=
while [ $i -lt 20 ]; do
	nc 127.0.0.1 $PORT </dev/zero >/dev/null 2>&1 &
	SILENT="$SILENT $!"
	i=$((i + 1))
done
sleep 0.5
check "a scrape succeeds beside 20 silent clients" test \
	"$(metric siitdcd_pool_addresses)" = 11
check "still running after hostile clients" alive

# ---- SIGHUP ----

conf "$W/good.conf" 198.51.100.0/27
kill -HUP "$PID"
check "SIGHUP applies a new pool (30 - 3 = 27)" \
	until_ok metric_is siitdcd_pool_addresses 27
printf '[pool]\nprefix = 10.0.0.1/8\n' >"$W/good.conf"
kill -HUP "$PID"
check "SIGHUP with a bad file logs the error with its line" until_ok \
	grep -q "reload: $W/good.conf:2: prefix: the prefix has bits set" "$W/log"
check "and keeps running" alive
check "and keeps the old configuration" \
	test "$(metric siitdcd_pool_addresses)" = 27

# ---- SIGTERM ----

kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
check "SIGTERM exits 0" test $rc -eq 0
check "nothing was logged at error level but the expected" sh -c \
	"! grep 'error:' '$W/log' | grep -v 'state file unusable' | grep -v 'reload:'"
for p in $SILENT; do kill "$p" 2>/dev/null; done

echo "# siitdcd daemon: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
