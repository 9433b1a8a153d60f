# SPDX-License-Identifier: GPL-2.0
# siitdcd's core with the real module: the pool, [static] entries, the
# state file across restarts, kernel events, the reconcile (module reload,
# foreign and stale entries), metrics, SIGHUP and SIGTERM. No DNS and no
# container engine: those have their own suites. Run inside the guest:
#
#   SIITDC_KO=... SIITCTL=... SIITDCD=... bash siitdcd_core.sh
set -u
T_GROUP=siitdcd-core
. "$(dirname "$0")/lib.sh"
: "${SIITDCD:=$(cd "$(dirname "$0")/../.." && pwd)/tools/siitdcd/siitdcd}"

work=$(mktemp -d)
conf=$work/siitdcd.conf
state=$work/state/siitdcd.state
log=$work/siitdcd.log
URL=http://127.0.0.1:9646/metrics
PID=

stop_daemon() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=
	fi
}
trap 'stop_daemon; rm -rf "$work"' EXIT

# The pool: 203.0.113.0/29 has hosts .1 to .6; .1 is excluded.
A=2001:db8:6::8		# [static], owner web
B=2001:db8:6::9		# [static], owner ops
write_conf() {	# write_conf [EXTRA LINES...]
	{
		printf '[daemon]\nstate-file = %s\nmetrics = 127.0.0.1:9646\n' "$state"
		printf 'log-level = debug\nreconcile-interval = 2\n'
		printf '[pool]\nprefix = 203.0.113.0/29\nexclude = 203.0.113.1/32\n'
		printf 'quarantine = 600\n'
		printf '[static]\naddress = %s web\naddress = %s ops\n' "$A" "$B"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$conf"
}

# Not through n(): $! must be the daemon (ip netns exec execs it), not a
# subshell that would take the signals meant for it.
start_daemon() {
	ip netns exec br "$SIITDCD" -c "$conf" >>"$log" 2>&1 &
	PID=$!
}

# until_ok CMD...: polls for up to 20 s (the guest's clock is slow).
until_ok() {
	local i
	for i in $(seq 200); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

metric() {	# metric NAME{LABELS}
	n br curl -s --max-time 5 "$URL" | awk -v m="$1" '$1 == m { print $2 }'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }
metric_ge() { local v; v=$(metric "$1"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]; }

# entry V6: "V4 OWNER SOURCE" of the kernel's entry for V6, or nothing.
entry() {
	siitctl show | awk -v a="$1" '$2 == a || $2 == a "/128" {
		v4 = $1; sub(/\/32$/, "", v4); print v4, $4, $5 }'
}
v4_of() { entry "$1" | awk '{ print $1 }'; }
has_entry() { [ -n "$(entry "$1")" ]; }
no_entry() { [ -z "$(entry "$1")" ]; }
entry_is() { [ "$(entry "$1")" = "$2" ]; }
alive() { kill -0 "$PID" 2>/dev/null; }

load_module
topo_up
# Two more service addresses on the IPv6 server, reached through the pool.
ip -n srv addr add "$A/64" dev s0 nodad
ip -n srv addr add "$B/64" dev s0 nodad

# --- Start: [static] entries with source and owner ----------------------------
write_conf
start_daemon
check "starts and serves metrics" until_ok metric_is siitdcd_kernel_up 1
check "static entry of $A appears" until_ok has_entry "$A"
check "static entry of $B appears" until_ok has_entry "$B"
a4=$(v4_of "$A")
b4=$(v4_of "$B")
check_eq "$A has the first free address, owner web, source static" \
	"203.0.113.2 web static" "$(entry "$A")"
check_eq "$B has the next one, owner ops" "203.0.113.3 ops static" \
	"$(entry "$B")"
check "an IPv4 client reaches $A through its pool address" \
	n cli ping -c 2 -i 0.2 -W 2 "$a4"
check "the state file records both" sh -c \
	"grep -q '^b $A $a4 web 1 ' '$state' && grep -q '^b $B $b4 ops 1 ' '$state'"

# --- Metrics ---------------------------------------------------------------
check "metrics: 5 usable addresses" metric_is siitdcd_pool_addresses 5
check "metrics: 2 held" metric_is siitdcd_pool_held_addresses 2
check "metrics: 2 allocations" metric_is siitdcd_allocations_total 2
check "metrics: owner web holds 1" \
	metric_is 'siitdcd_owner_held_addresses{owner="web"}' 1
check "metrics: owner address-seconds are counted" \
	until_ok metric_ge 'siitdcd_owner_address_seconds_total{owner="ops"}' 1
code=$(n br curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9646/nope)
check_eq "metrics: other paths are 404" 404 "$code"

# --- Restart: entries stay in the kernel, the same IPv4 after -----------------
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
check_eq "SIGTERM exits 0" 0 "$rc"
check_eq "entries stay in the kernel while siitdcd is down" \
	"203.0.113.2 web static" "$(entry "$A")"
# A restart must not reshuffle: remove them so that only the state file
# can bring back the same addresses.
siitctl del "$a4"
siitctl del "$b4"
start_daemon
check "after a restart $A is back" until_ok has_entry "$A"
check_eq "with the same IPv4" "$a4" "$(v4_of "$A")"
check "after a restart $B is back" until_ok has_entry "$B"
check_eq "with the same IPv4 too" "$b4" "$(v4_of "$B")"

# --- Foreign entries: stale container entries go, lost DNS ones are adopted ----
siitctl add 203.0.113.6 2001:db8:6::66 source container owner gone
siitctl add 203.0.113.5 2001:db8:6::55 ttl 8 source dns owner lost
added=$(date +%s)
check "a container entry siitdcd does not hold is removed" \
	until_ok no_entry 2001:db8:6::66
check "a DNS entry on a free pool address is adopted" \
	until_ok metric_is 'siitdcd_owner_held_addresses{owner="lost"}' 1
check_eq "and left in place" "203.0.113.5 lost dns" "$(entry 2001:db8:6::55)"
check "metrics: reconcile removals counted" \
	metric_ge siitdcd_reconcile_removed_total 1
if until_ok no_entry 2001:db8:6::55; then
	ok "the adopted entry goes when its TTL has run out"
else
	not_ok "the adopted entry goes when its TTL has run out (after $(($(date +%s) - added)) s, ttl 8)"
	siitctl show | sed 's/^/#   /'
fi
check "and its address is released" \
	until_ok metric_is 'siitdcd_owner_held_addresses{owner="lost"}' 0
check "metrics: 1 quarantined" metric_is siitdcd_pool_quarantined_addresses 1

# --- Kernel events: an entry deleted by hand is restored from the config ------
siitctl del "$b4"
check "a deleted static entry comes back" until_ok has_entry "$B"
check_eq "with its old IPv4 (from quarantine)" "$b4" "$(v4_of "$B")"

# --- A large table: the periodic reconcile reads it over many loop turns -----
# 20,000 operator entries outside the pool, which siitdcd leaves alone.
bulk_batch >"$work/bulk"
check "20,000 operator entries added" siitctl -b "$work/bulk"
r0=$(metric siitdcd_reconciles_total)
s0=$(metric siitdcd_reconcile_dump_steps_total)
check "reconciles go on with the large table" \
	until_ok metric_ge siitdcd_reconciles_total $((r0 + 2))
r1=$(metric siitdcd_reconciles_total)
s1=$(metric siitdcd_reconcile_dump_steps_total)
# Each step is DUMP_READS datagrams (a few hundred entries): 20,000
# entries take tens of steps, a dump read at once would take one.
if [ $(((s1 - s0) / (r1 - r0))) -ge 5 ]; then
	ok "each reconcile read the table in $(((s1 - s0) / (r1 - r0))) loop turns ($((s1 - s0)) steps, $((r1 - r0)) reconciles)"
else
	not_ok "the table was read in $((s1 - s0)) steps for $((r1 - r0)) reconciles"
fi
siitctl del "$b4"
check "with the large table, a deleted static entry comes back" \
	until_ok has_entry "$B"
check_eq "with its old IPv4" "$b4" "$(v4_of "$B")"
check_eq "the operator's entries are left alone" 20000 \
	"$(siitctl show | grep -c ' bulk')"
check "they go with one flush" siitctl flush owner bulk
check "siitdcd never touched or logged one of them" \
	sh -c "! grep -E '198\\.18\\.|2001:db8:77:' '$log'"

# --- Module reload while running ---------------------------------------------
before=$(metric siitdcd_reconcile_added_total)
rmmod siitdc
check "metrics: kernel_up drops to 0 after rmmod" \
	until_ok metric_is siitdcd_kernel_up 0
insmod "$SIITDC_KO"
siitctl set pool6 "$POOL6"
check "after rmmod + insmod $A is restored" until_ok has_entry "$A"
check "and $B" until_ok has_entry "$B"
check_eq "$A keeps its IPv4 and owner" "$a4 web static" "$(entry "$A")"
check_eq "$B keeps its IPv4 and owner" "$b4 ops static" "$(entry "$B")"
check "metrics: kernel_up is 1 again" metric_is siitdcd_kernel_up 1
check "metrics: the reconcile counted the restores" \
	metric_ge siitdcd_reconcile_added_total $((before + 2))
check "traffic flows again after the reload" \
	n cli ping -c 2 -i 0.2 -W 2 "$a4"

# --- SIGHUP -------------------------------------------------------------------
cp "$conf" "$work/good.conf"
printf '[pool]\nprefix = 203.0.113.0/33\n' >>"$conf"
kill -HUP "$PID"
check "SIGHUP with a bad file logs the error" \
	until_ok grep -q "reload: $conf:.*prefix" "$log"
check "and keeps running" alive
check "with the entries in place" has_entry "$A"
# Drop B from [static], add three more (the pool has 5, 1 in quarantine):
# one fits, the next hits the owner's quota, the last the pool's end.
{
	printf '[daemon]\nstate-file = %s\nmetrics = 127.0.0.1:9646\n' "$state"
	printf 'log-level = debug\nreconcile-interval = 2\n'
	printf '[pool]\nprefix = 203.0.113.0/29\nexclude = 203.0.113.1/32\n'
	printf 'quarantine = 600\n[quota]\nq = 1\n'
	printf '[static]\naddress = %s web\n' "$A"
	printf 'address = 2001:db8:6::a x\naddress = 2001:db8:6::b q\n'
	printf 'address = 2001:db8:6::c q\naddress = 2001:db8:6::d y\n'
} >"$conf"
kill -HUP "$PID"
check "SIGHUP: a static entry no longer listed is removed" \
	until_ok no_entry "$B"
check "SIGHUP: new static entries are added" \
	until_ok has_entry 2001:db8:6::b
check "the owner's quota refuses one" \
	until_ok metric_ge siitdcd_quota_exceeded_total 1
check "the exhausted pool refuses one" \
	until_ok metric_ge siitdcd_pool_exhausted_total 1
check "exhaustion is logged" grep -q "pool exhausted" "$log"
check_eq "the removed address stays in quarantine (not reused)" "" \
	"$(siitctl show | awk -v a="$b4" '$1 == a || $1 == a "/32"')"
cp "$work/good.conf" "$conf"
kill -HUP "$PID"
check "SIGHUP back: $B returns" until_ok has_entry "$B"
check_eq "with its IPv4 from quarantine" "$b4" "$(v4_of "$B")"

# --- Shutdown -----------------------------------------------------------------
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
check_eq "SIGTERM exits 0" 0 "$rc"
check "entries are left in place at exit" has_entry "$A"
check "nothing logged at error level" sh -c "! grep -v 'reload:' '$log' | grep -q ' error: '"
if [ "$T_FAIL" -ne 0 ]; then
	echo "# siitdcd log:"
	sed 's/^/#   /' "$log" | tail -60
fi
topo_down
summary
