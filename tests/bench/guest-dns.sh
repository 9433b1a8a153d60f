# SPDX-License-Identifier: GPL-2.0
# DNS bench of siitdcd, run inside the guest (boot it with
# tests/qemu/run-guest --icount: the guest clock counts instructions, so
# queries per second are per guest second and repeat from run to run).
#
#   bash guest-dns.sh [--names N] [--rounds N] [--outstanding N]
#                     [--lat-queries N] [--lat-qps N]
#                     [--modes direct,alloc,refresh,reconcile]
#
# Environment: SIITDC_KO, SIITCTL (as lib.sh), SIITDCD (default: the
# tree's tools/siitdcd/siitdcd).
#
# Topology: lib.sh's cli | br | srv.  knotd (Debian) in srv on
# [2001:db8:6::53]:53 is authoritative for int.example.net, with one AAAA
# record (TTL 3600) per generated name; siitdcd in br answers
# pub.example.net on 192.0.2.254:53 from it, with the pool 198.18.0.0/15
# (RFC 2544's benchmarking range: nothing leaves the guest).  dnsperf
# (Debian) sends one pass over a query file (-n 1) from one client socket:
# a throughput run (--names queries, default 20000, --outstanding in
# flight, default 20: the guest's one vCPU is saturated, dnsperf and the
# servers share it, as they would a real core) gives queries/s; a latency
# run (--lat-queries, default 1000, at --lat-qps, default 500: far below
# every mode's capacity, so no queueing) gives p50/p99 from dnsperf -v.
# The modes:
#
#   direct   dnsperf in br -> knotd: AAAA NAME.int.example.net, the
#            upstream's own rate (the yardstick)
#   alloc    dnsperf in cli -> siitdcd: A NAME.pub.example.net for names
#            never asked before: every query is an upstream lookup, a pool
#            allocation and a new kernel EAM entry
#   refresh  the same file again: every name holds an entry, each query is
#            an upstream lookup and a refresh of the entry's TTL
#   reconcile  refresh again, with siitdcd's periodic reconcile reading the
#            whole table (every name so far: ~11k entries a round at
#            --names 10000) every second instead of every 30 s: what the
#            reconcile costs the DNS paths, in rate and latency (max too)
#
# direct runs with siitdcd stopped (SIGSTOP), so that its periodic work
# (reconcile, state file writes) is not charged to knotd's figure.  For
# each throughput run the CPU time siitdcd and knotd used per query is
# read from /proc/PID/task/*/schedstat (guest us: thousands of
# instructions), and the state file writes siitdcd made during it; a
# comment line lists the four processes that ran most during the run (us
# per query) and the CPU's idle share (0 when the run is CPU-bound).
#
# Each round runs the three, alloc before refresh, with round r's own
# names (so alloc always meets new names); the order rotates from round to
# round.  Results:
# "dns-run" lines on stdout and in $GUEST_RESULTS/dns.tsv, then a summary
# table: median and min/max queries/s, median p50/p99 latency, and the
# ratios alloc/direct and refresh/direct against the targets 0.25 and 0.5.
set -u
T_GROUP=dnsbench
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../guest/lib.sh"
. "$here/../guest/dns-lib.sh"
SIITDCD=${SIITDCD:-$here/../../tools/siitdcd/siitdcd}

NAMES=20000
ROUNDS=3
OUTST=20
LATN=1000
LAT_QPS=500
MODES="direct alloc refresh reconcile"
while [ $# -gt 0 ]; do
	case $1 in
	--names) NAMES=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--outstanding) OUTST=$2; shift 2 ;;
	--lat-queries) LATN=$2; shift 2 ;;
	--lat-qps) LAT_QPS=$2; shift 2 ;;
	--modes) MODES=$(echo "$2" | tr , ' '); shift 2 ;;
	*) echo "guest-dns: unknown argument $1" >&2; exit 2 ;;
	esac
done

KNOT6=2001:db8:6::53
ZONE_INT=int.example.net
ZONE_PUB=pub.example.net
BENCH_POOL=198.18.0.0/15
METRICS=127.0.0.1:9646
WARM=300			# warm-up queries, their own names
W=/tmp/dnsbench
OUT=${GUEST_RESULTS:-/tmp}/dns.tsv
DAEMON_PID=

log() { echo "# $*"; }
die() { echo "guest-dns: FATAL: $*" >&2; echo "not ok dnsbench: $*"; exit 1; }

cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID"
	knot_stop
	[ -d "${GUEST_RESULTS:-}" ] && [ -f "$W/siitdcd.log" ] &&
		cp "$W/siitdcd.log" "$GUEST_RESULTS/dns-siitdcd.log"
	topo_down	# the next bench in this boot starts clean
}
trap cleanup EXIT

# names PREFIX COUNT SUFFIX TYPE: a dnsperf query file on stdout.
names() {
	awk -v p="$1" -v n="$2" -v s="$3" -v t="$4" \
		'BEGIN { for (i = 0; i < n; i++) printf "%s%d.%s %s\n", p, i, s, t }'
}

# The zone: w0..w(WARM-1) and r<R>-0..r<R>-(NAMES-1) for every round, each
# an AAAA in 2001:db8:6:1::/64 (one distinct address per name: one entry
# per name in siitdcd's pool).
make_zone() {
	zone_header "$ZONE_INT" "$KNOT6"
	awk -v n="$NAMES" -v l="$LATN" -v r="$ROUNDS" -v w="$WARM" 'BEGIN {
		k = 1
		for (i = 0; i < w; i++) {
			printf "w%d\t3600\tAAAA\t2001:db8:6:1::%x:%x\n", i, int(k / 65536), k % 65536
			k++
		}
		for (j = 1; j <= r; j++) {
			for (i = 0; i < n; i++) {
				printf "r%d-%d\t3600\tAAAA\t2001:db8:6:1::%x:%x\n", j, i, int(k / 65536), k % 65536
				k++
			}
			for (i = 0; i < l; i++) {
				printf "l%d-%d\t3600\tAAAA\t2001:db8:6:1::%x:%x\n", j, i, int(k / 65536), k % 65536
				k++
			}
		}
	}'
}

write_daemon_conf() {	# RECONCILE-INTERVAL
	cat >"$W/siitdcd.conf" <<EOF
[daemon]
state-file = $W/siitdcd.state
log-level = warn
metrics = $METRICS
reconcile-interval = $1

[pool]
prefix = $BENCH_POOL
quarantine = 0

[dns]
listen = $BR4:53
upstream = [$KNOT6]:53
ttl-min = 60
ttl-max = 86400
idle-grace = 0

[zone $ZONE_PUB]
internal = $ZONE_INT
owner = bench
EOF
}

# set_interval SECS: siitdcd's reconcile-interval, by SIGHUP (which also
# reconciles at once); waits until that reconcile has been counted.
set_interval() {
	local c0 i
	c0=$(metric siitdcd_reconciles_total)
	write_daemon_conf "$1"
	kill -HUP "$DAEMON_PID"
	for i in $(seq 50); do
		[ "$(metric siitdcd_reconciles_total)" -gt "$c0" ] && return 0
		sleep 0.2
	done
	log "no reconcile counted after the SIGHUP (an older siitdcd?)"
}

daemon_start() {
	write_daemon_conf 30
	ip netns exec br "$SIITDCD" -c "$W/siitdcd.conf" >"$W/siitdcd.log" 2>&1 &
	DAEMON_PID=$!
	wait_listen br udp 53 || { cat "$W/siitdcd.log"; return 1; }
	n cli dig +short +time=5 +tries=1 @"$BR4" A "w0.$ZONE_PUB" | grep -q '^198\.1[89]\.' ||
		{ echo "# siitdcd gives no A for w0.$ZONE_PUB"; cat "$W/siitdcd.log"; return 1; }
}

# tput NS SERVER FILE: one dnsperf pass at full speed (-q OUTST queries in
# flight; no -v, which costs dnsperf ~10 %): "QPS SENT COMPLETED NOERROR".
tput() {
	local raw=$W/tput.out
	n "$1" dnsperf -s "$2" -d "$3" -n 1 -c 1 -q "$OUTST" -t 5 \
		>"$raw" 2>&1 || { tail -n 5 "$raw" >&2; return 1; }
	/usr/bin/python3 - "$raw" <<'PY'
import re, sys
st = {}
for line in open(sys.argv[1]):
    m = re.match(r"\s*(Queries sent|Queries completed|Queries per second|Response codes):\s+(\S+)(.*)", line)
    if m:
        st[m.group(1)] = (m.group(2), m.group(3))
if "Queries per second" not in st:
    sys.exit("no result")
rc = st.get("Response codes", ("", ""))
noerr = rc[1].split()[0] if rc[0] == "NOERROR" else "0"
print(st["Queries per second"][0], st["Queries sent"][0], st["Queries completed"][0], noerr)
PY
}

# lat NS SERVER FILE: one pass at LAT_QPS queries/s, a rate far below every
# mode's capacity, so latencies are the cost of one query, not the wait in
# a queue; -v gives each query's latency: "P50_US P99_US MAX_US NOERROR".
lat() {
	local raw=$W/lat.out
	n "$1" dnsperf -s "$2" -d "$3" -n 1 -c 1 -q "$OUTST" -Q "$LAT_QPS" -t 5 -v \
		>"$raw" 2>&1 || { tail -n 5 "$raw" >&2; return 1; }
	/usr/bin/python3 - "$raw" <<'PY'
import sys
lat, ok = [], 0
for line in open(sys.argv[1]):
    if line.startswith("> "):
        f = line.split()
        lat.append(float(f[-1]) * 1e6)
        ok += f[1] == "NOERROR"
if not lat:
    sys.exit("no result")
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
print(f"{pct(0.50):.0f} {pct(0.99):.0f} {lat[-1]:.0f} {ok}")
PY
}

# CPU time (ns: guest instructions) PID's threads have used so far.
cpu_ns() {
	local f t=0 a
	for f in /proc/"$1"/task/*/schedstat; do
		read -r a _ <"$f" && t=$((t + a))
	done
	echo "$t"
}
# cpu_all: "PID COMM NS" for every process, its threads summed.
cpu_all() {
	local d f a t comm
	for d in /proc/[0-9]*; do
		t=0
		for f in "$d"/task/*/schedstat; do
			read -r a _ 2>/dev/null <"$f" && t=$((t + a))
		done
		read -r comm 2>/dev/null <"$d/comm" || continue
		echo "${d#/proc/} $comm $t"
	done
}
# cpu_top BEFORE AFTER QUERIES: the 4 processes that ran most in between,
# "comm=us/query", and the CPU's idle share (/proc/stat, before and after
# in the last two lines of each file).
cpu_top() {
	awk -v q="$3" '
		FNR == 1 { f++ }
		$1 == "cpu" { idle[f] = $5; tot[f] = $2 + $3 + $4 + $5 + $6 + $7 + $8; next }
		f == 1 { b[$1] = $3; next }
		{ d = $3 - b[$1]; if (d > 0) printf "%s %s\n", d, $2 }
		END { printf "IDLE %.3f\n", (idle[2] - idle[1]) / (tot[2] - tot[1] + 1e-9) }' "$1" "$2" |
		sort -k1,1nr | awk -v q="$3" '
			$1 == "IDLE" { idle = $2; next }
			n < 4 { printf "%s%s=%.1f", (n ? "," : ""), $2, $1 / q / 1000; n++ }
			END { printf " idle=%.3f\n", idle }'
}
metric() {	# NAME: siitdcd's counter, 0 when absent
	n br curl -s --max-time 5 "http://$METRICS/metrics" |
		awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}

run_mode() {	# MODE ROUND
	local mode=$1 r=$2 ns srv tf lf res qps sent done okn p50 p99 pmax lok st
	local d0=0 d1=0 k0 k1 w0=0 w1=0 dus kus c0 c1 s0 s1
	case $mode in
	direct) ns=br srv=$KNOT6 tf=$W/direct-$r.txt lf=$W/direct-l$r.txt ;;
	alloc | refresh | reconcile)
		ns=cli srv=$BR4 tf=$W/pub-$r.txt lf=$W/pub-l$r.txt ;;
	esac
	if [ "$mode" = reconcile ]; then
		set_interval 1
		c0=$(metric siitdcd_reconciles_total)
		s0=$(metric siitdcd_reconcile_dump_steps_total)
	fi
	# knotd alone: siitdcd's timers (reconcile, state writes) paused.
	[ "$mode" = direct ] && [ -n "$DAEMON_PID" ] && kill -STOP "$DAEMON_PID"
	[ -n "$DAEMON_PID" ] && { d0=$(cpu_ns "$DAEMON_PID"); [ "$mode" = direct ] || w0=$(metric siitdcd_state_writes_total); }
	k0=$(cpu_ns "$KNOT_PID")
	{ cpu_all; grep '^cpu ' /proc/stat; } >"$W/cpu0"
	res=$(tput "$ns" "$srv" "$tf") || return 1
	read -r qps sent done okn <<<"$res"
	{ cpu_all; grep '^cpu ' /proc/stat; } >"$W/cpu1"
	k1=$(cpu_ns "$KNOT_PID")
	echo "# $mode round $r: top CPU, us/query: $(cpu_top "$W/cpu0" "$W/cpu1" "$NAMES")"
	[ -n "$DAEMON_PID" ] && { d1=$(cpu_ns "$DAEMON_PID"); [ "$mode" = direct ] || w1=$(metric siitdcd_state_writes_total); }
	res=$(lat "$ns" "$srv" "$lf") || return 1
	read -r p50 p99 pmax lok <<<"$res"
	[ "$mode" = direct ] && [ -n "$DAEMON_PID" ] && kill -CONT "$DAEMON_PID"
	if [ "$mode" = reconcile ]; then
		c1=$(metric siitdcd_reconciles_total)
		s1=$(metric siitdcd_reconcile_dump_steps_total)
		echo "# reconcile round $r: $(siitctl show | tail -n +2 | wc -l) entries;" \
			"$((c1 - c0)) reconciles during the two runs, $((s1 - s0)) loop turns reading dumps"
		set_interval 30
	fi
	# Guest CPU per query of the throughput run (us; x1000 = instructions).
	dus=$(awk -v a="$d0" -v b="$d1" -v n="$NAMES" 'BEGIN { printf "%.1f", (b - a) / n / 1000 }')
	kus=$(awk -v a="$k0" -v b="$k1" -v n="$NAMES" 'BEGIN { printf "%.1f", (b - a) / n / 1000 }')
	st=ok
	[ "$okn" -eq "$NAMES" ] && [ "$done" -eq "$NAMES" ] && [ "$lok" -eq "$LATN" ] || st=bad
	printf 'dns-run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$r" \
		"$qps" "$p50" "$p99" "$sent" "$done" "$okn" "$st" "$dus" "$kus" $((w1 - w0)) "$pmax" |
		tee -a "$OUT"
	[ "$st" = ok ] || {
		echo "# $mode round $r: $done of $sent answered, $okn NOERROR; latency run: $lok of $LATN NOERROR"
		grep -h "Response codes" "$W/tput.out" "$W/lat.out" | sed 's/^/#   /'
		[ -f "$W/siitdcd.log" ] && tail -n 5 "$W/siitdcd.log" | sed 's/^/#   /'
		return 1
	}
}

# --- Main -------------------------------------------------------------------
rm -rf "$W"
mkdir -p "$W"
load_module
topo_up
# Only the daemon's entries in the table (topo_up's static one removed).
siitctl del "$SRV4"
ip -n srv addr add "$KNOT6/64" dev s0 nodad
make_zone >"$W/zone"
log "zone: $(grep -c AAAA "$W/zone") AAAA records"
knot_start srv "$KNOT6" "$ZONE_INT" "$W/zone" "$W/knot" || die "knotd does not start"
names w "$WARM" "$ZONE_INT" AAAA >"$W/direct-w.txt"
names w "$WARM" "$ZONE_PUB" A >"$W/pub-w.txt"
for r in $(seq 1 "$ROUNDS"); do
	names "r$r-" "$NAMES" "$ZONE_INT" AAAA >"$W/direct-$r.txt"
	names "r$r-" "$NAMES" "$ZONE_PUB" A >"$W/pub-$r.txt"
	names "l$r-" "$LATN" "$ZONE_INT" AAAA >"$W/direct-l$r.txt"
	names "l$r-" "$LATN" "$ZONE_PUB" A >"$W/pub-l$r.txt"
done
case " $MODES " in
*" alloc "* | *" refresh "*)
	[ -x "$SIITDCD" ] || die "no siitdcd at $SIITDCD"
	daemon_start || die "siitdcd does not start"
	# Warm-up: the daemon's first allocations, sockets and caches.
	n cli dnsperf -s "$BR4" -d "$W/pub-w.txt" -n 1 -q "$OUTST" >/dev/null 2>&1
	;;
esac
n br dnsperf -s "$KNOT6" -d "$W/direct-w.txt" -n 1 -q "$OUTST" >/dev/null 2>&1

printf '#\tmode\tround\tqps\tp50_us\tp99_us\tsent\tcompleted\tnoerror\tstatus\tsiitdcd_us_per_q\tknotd_us_per_q\tstate_writes\tmax_us\n' >"$OUT"
log "kernel $(uname -r); $ROUNDS rounds, $NAMES names each, $OUTST outstanding; modes: $MODES"
rc=0
for r in $(seq 1 "$ROUNDS"); do
	# Rotations of (direct alloc refresh) that keep alloc before refresh;
	# reconcile right after refresh, on the same names.
	case $((r % 3)) in
	1) order="direct alloc refresh reconcile" ;;
	2) order="alloc refresh reconcile direct" ;;
	0) order="alloc direct refresh reconcile" ;;
	esac
	for m in $order; do
		case " $MODES " in *" $m "*) ;; *) continue ;; esac
		run_mode "$m" "$r" || { echo "not ok dnsbench: $m round $r"; rc=1; }
	done
done
if [ -n "$DAEMON_PID" ]; then
	log "table after the runs: $(siitctl show | tail -n +2 | wc -l) entries"
	kill -0 "$DAEMON_PID" 2>/dev/null || { echo "not ok dnsbench: siitdcd died"; rc=1; }
fi

echo
echo "# DNS bench summary ($(uname -r), icount: rates per guest second; $NAMES queries per run, $OUTST outstanding;"
echo "# latency: $LATN queries at $LAT_QPS/s)"
/usr/bin/python3 - "$OUT" <<'EOF' | tee "${GUEST_RESULTS:-/tmp}/dns-summary.txt"
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "dns-run" and f[9] == "ok":
        runs.setdefault(f[1], []).append((float(f[3]), float(f[4]), float(f[5]),
                                          float(f[10]), float(f[11]), float(f[13])))
print(f"  {'mode':<9} {'runs':>4} {'qps median':>11} {'qps min':>9} {'qps max':>9} {'p50 us':>8} {'p99 us':>8}"
      f" {'max us':>8} {'siitdcd us/q':>12} {'knotd us/q':>10}")
med = {}
for m in ("direct", "alloc", "refresh", "reconcile"):
    if m not in runs:
        continue
    q = [r[0] for r in runs[m]]
    med[m] = statistics.median(q)
    print(f"  {m:<9} {len(q):>4} {med[m]:>11.0f} {min(q):>9.0f} {max(q):>9.0f} "
          f"{statistics.median(r[1] for r in runs[m]):>8.0f} {statistics.median(r[2] for r in runs[m]):>8.0f}"
          f" {max(r[5] for r in runs[m]):>8.0f}"
          f" {statistics.median(r[3] for r in runs[m]):>12.1f} {statistics.median(r[4] for r in runs[m]):>10.1f}")
for m, target in (("alloc", 0.25), ("refresh", 0.5)):
    if m in med and med.get("direct"):
        r = med[m] / med["direct"]
        print(f"  ratio {m}/direct {r:.3f} (target >= {target}: {'met' if r >= target else 'NOT met'})")
if med.get("reconcile") and med.get("refresh"):
    print(f"  ratio reconcile/refresh {med['reconcile'] / med['refresh']:.3f}"
          " (the refresh path while the whole table is reconciled every second)")
EOF
exit $rc
