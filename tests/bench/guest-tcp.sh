# SPDX-License-Identifier: GPL-2.0
# TCP throughput bench with offloads on, run inside the guest (tests/bench/run
# boots it with qemu's --icount: the guest clock counts instructions, so a
# guest second is 1e9 instructions and "bytes per guest second" measures the
# work per byte of the whole path: sender, BR, receiver, on one vCPU).
#
#   bash guest-tcp.sh [--bytes N] [--warm N] [--rounds N] [--modes LIST]
#
# Environment: SIITDC_KO, SIITCTL (as lib.sh), JOOL_DIR (scripts/jool-build's
# output; without it the Jool modes are skipped).
#
# Topology: lib.sh's cli | br | srv over veth.  The veths keep their default
# offloads (TSO, GSO, checksum offload on; the sender's 64 KB TSO packets
# cross the BR whole), except in the "-nooff" modes.  An iperf3 server runs in
# srv; the client in cli sends --bytes bytes (direction "up", 4->6) or, with
# -R, receives them from the server (direction "down", 6->4).
#
# Modes:
#   plain        nothing loaded; cli -> 203.0.113.7, an IPv4 address of srv
#                routed through br (plain IPv4 forwarding, both ways)
#   siit         siitdc, one EAM entry: cli -> 198.51.100.7 (-> 2001:db8:6::7)
#   jool         Jool SIIT netfilter instance, the same EAM entry, offloads on
#   jool-nooff   as jool, with TSO, GSO and GRO off on all four veths (what
#                Jool's documentation tells its users to do)
#   plain-nooff, siit-nooff   the same, offloads off (Jool's conditions)
#
# Each round runs every mode once, in an order that rotates from round to
# round; a mode first runs a warm-up transfer each way (TCG translates code
# on first use), then the measured transfers.  A transfer's time is iperf3's
# receiver-side duration (process start-up and connection set-up excluded).
# Results: "tcp ..." lines on stdout and in $GUEST_RESULTS/tcp.tsv, and a
# summary (median, min, max over the rounds; ratios of medians) at the end.
# Idle guest time is host time under icount's sleep=on, so not repeatable:
# the measured interval must keep the CPU busy (one vCPU runs sender, BR and
# receiver).  The idle ms and the wall ms of each iperf3 run (its start-up,
# reading binaries over 9p, included: that is where idle time goes) are
# listed; a TCP stall inside a transfer (an RTO is 200 ms or more) would show
# as a min/max outlier, which the median of 3 rounds leaves out.  The
# summary's lines start with "# tcp-summary " (tests/bench/run picks them out).
set -u
# shellcheck disable=SC2034 # read by lib.sh
T_GROUP=bench-tcp
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../guest/lib.sh"

BYTES=$((64 * 1024 * 1024))
WARM=$((8 * 1024 * 1024))
ROUNDS=3
MODES="plain siit jool jool-nooff plain-nooff siit-nooff"
while [ $# -gt 0 ]; do
	case $1 in
	--bytes) BYTES=$2; shift 2 ;;
	--warm) WARM=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--modes) MODES=$(echo "$2" | tr , ' '); shift 2 ;;
	*) echo "guest-tcp: unknown argument $1" >&2; exit 2 ;;
	esac
done

OUT=${GUEST_RESULTS:-/tmp}/tcp.tsv
PLAIN_DST=203.0.113.7		# srv's IPv4 address, for plain forwarding
PLAIN_BR=203.0.113.254
PORT=5201
JOOL=${JOOL_DIR:+$JOOL_DIR/jool_siit}
VETHS="cli:c0 br:b4 br:b6 srv:s0"

log() { echo "# $*"; }
die() { echo "guest-tcp: FATAL: $*" >&2; exit 1; }

# --- What is loaded in br ------------------------------------------------------
unload_all() {
	if grep -q '^jool_siit ' /proc/modules; then
		n br "$JOOL" instance remove >/dev/null 2>&1
		rmmod jool_siit
	fi
	grep -q '^jool_common ' /proc/modules && rmmod jool_common
	grep -q '^siitdc ' /proc/modules && rmmod siitdc
	return 0
}

siitdc_up() {
	insmod "$SIITDC_KO" || return 1
	siitctl set pool6 "$POOL6" && siitctl add "$SRV4" "$SRV6"
}

jool_up() {
	modprobe x_tables || return 1
	insmod "$JOOL_DIR/jool_common.ko" || return 1
	insmod "$JOOL_DIR/jool_siit.ko" || return 1
	n br "$JOOL" instance add --netfilter --pool6 "$POOL6" >/dev/null &&
		n br "$JOOL" eamt add "$SRV4" "$SRV6" >/dev/null
}

# offloads on|off: TSO, GSO and GRO on every veth end (checksum offload
# stays on: Jool's advice is about packet aggregation).
offloads() {
	local e ns dev
	for e in $VETHS; do
		ns=${e%%:*} dev=${e#*:}
		n "$ns" ethtool -K "$dev" tso "$1" gso "$1" gro "$1" 2>/dev/null ||
			{ echo "# ethtool -K $dev tso/gso/gro $1 failed" >&2; return 1; }
	done
}

# mode_enter MODE: loads and configures; sets DST (the address cli talks to).
mode_enter() {
	unload_all
	case $1 in
	*-nooff) offloads off || return 1 ;;
	*) offloads on || return 1 ;;
	esac
	case ${1%-nooff} in
	plain) DST=$PLAIN_DST ;;
	siit) DST=$SRV4; siitdc_up ;;
	jool) DST=$SRV4; jool_up ;;
	*) die "unknown mode $1" ;;
	esac
}

# --- Traffic ---------------------------------------------------------------------
# Idle time so far, in USER_HZ ticks (the 4th field of /proc/stat's cpu line).
idle_ticks() {
	local idle
	read -r _ _ _ _ idle _ </proc/stat
	echo "$idle"
}

# xfer DIR BYTES: prints "BYTES NS RETRANSMITS IDLE_TICKS WALL_NS", BYTES and NS
# from iperf3's receiver-side summary.
xfer() {
	local dir=$1 bytes=$2 rev='' i0 i1 t0 t1 js
	[ "$dir" = down ] && rev=-R
	i0=$(idle_ticks)
	t0=$(date +%s%N)
	js=$(n cli timeout 300 iperf3 -c "$DST" -p "$PORT" -n "$bytes" $rev -i 0 -J 2>&1) ||
		{ echo "# iperf3 $dir to $DST failed: $(echo "$js" | grep -m1 '"error"')" >&2; return 1; }
	t1=$(date +%s%N)
	i1=$(idle_ticks)
	echo "$js" | /usr/bin/python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]
r, s = e["sum_received"], e["sum_sent"]
print(int(r["bytes"]), int(r["seconds"] * 1e9), int(s.get("retransmits", 0)),
      int(sys.argv[1]), int(sys.argv[2]))' $((i1 - i0)) $((t1 - t0))
}

run_mode() {	# MODE ROUND
	local mode=$1 round=$2 dir r
	for dir in up down; do
		xfer "$dir" "$WARM" >/dev/null || return 1
		r=$(xfer "$dir" "$BYTES") || return 1
		r=$(awk -v m="$mode" -v d="$dir" -v round="$round" -v want="$BYTES" '{
			bytes = $1; ns = $2; rtx = $3; idle = $4; wall = $5
			if (bytes < want || ns <= 0) { print "# " m " " d ": short transfer: " $0; exit 1 }
			printf "tcp\t%s\t%s\t%s\t%d\t%d\t%.4f\t%.4f\t%d\t%d\t%d\n", m, d, round,
				bytes, ns, bytes * 8 / ns, ns / bytes, rtx, idle * 10, wall / 1e6
		}' <<<"$r") || { echo "$r"; return 1; }
		echo "$r" >>"$OUT"
		echo "$r"
	done
}

# summary: median, min, max of Gbit/s per guest second for each mode and
# direction, and ratios of the medians.
summary() {
	awk -F'\t' '$1 == "tcp" { print $2 "/" $3, $7 }' "$OUT" |
		sort -k1,1 -k2,2g | awk '
		{ v[$1, ++nv[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; keys[++nk] = $1 } }
		END {
			printf "# tcp-summary %-18s %4s %9s %9s %9s %8s %10s\n", "mode/dir", "runs", "Gbit/gs", "min", "max", "spread%", "instr/byte"
			for (i = 1; i <= nk; i++) {
				k = keys[i]; c = nv[k]
				med[k] = c % 2 ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2
				printf "# tcp-summary %-18s %4d %9.4f %9.4f %9.4f %8.2f %10.3f\n", k, c, med[k],
					v[k, 1], v[k, c], (v[k, c] - v[k, 1]) * 100 / med[k], 8 / med[k]
			}
			print "# tcp-summary ratios of medians (throughput per guest second; > 1: the first is faster):"
			split("up down", dirs, " ")
			for (j = 1; j <= 2; j++) {
				d = dirs[j]
				r("siit", "plain", d); r("siit", "jool", d); r("jool", "plain", d)
				r("siit", "jool-nooff", d); r("jool-nooff", "plain", d)
				r("siit-nooff", "plain-nooff", d); r("jool-nooff", "plain-nooff", d)
			}
		}
		function r(a, b, d) {
			if ((a "/" d) in med && (b "/" d) in med && med[b "/" d] > 0)
				printf "# tcp-summary   %-5s %-26s %7.3f\n", d, a "/" b, med[a "/" d] / med[b "/" d]
		}'
}

# --- Main ------------------------------------------------------------------------
if [ -z "$JOOL" ] || [ ! -x "$JOOL" ]; then
	log "no JOOL_DIR: skipping the Jool modes"
	MODES=$(echo "$MODES" | tr ' ' '\n' | grep -v '^jool' | tr '\n' ' ')
fi
command -v iperf3 >/dev/null || die "no iperf3"
command -v ethtool >/dev/null || die "no ethtool"

unload_all
load_module
topo_up
# Plain IPv4 forwarding through the same veths: srv gets an IPv4 address.
ip -n br addr add "$PLAIN_BR/24" dev b6
ip -n srv addr add "$PLAIN_DST/24" dev s0
ip -n srv route add 192.0.2.0/24 via "$PLAIN_BR"
ip -n cli neigh replace "$BR4" lladdr "$(n br cat /sys/class/net/b4/address)" dev c0 nud permanent
ip -n srv neigh replace "$BR6" lladdr "$(n br cat /sys/class/net/b6/address)" dev s0 nud permanent
ip -n srv neigh replace "$PLAIN_BR" lladdr "$(n br cat /sys/class/net/b6/address)" dev s0 nud permanent
ip -n br neigh replace "$CLI4" lladdr "$(n cli cat /sys/class/net/c0/address)" dev b4 nud permanent
ip -n br neigh replace "$SRV6" lladdr "$(n srv cat /sys/class/net/s0/address)" dev b6 nud permanent
ip -n br neigh replace "$PLAIN_DST" lladdr "$(n srv cat /sys/class/net/s0/address)" dev b6 nud permanent
rmmod siitdc
# Softirqs as the kernel schedules them by default (guest-pps.sh, run
# before in the same boot, makes ksoftirqd real-time).
for p in $(pgrep ksoftirqd); do chrt -o -p 0 "$p"; done
n srv iperf3 -s -p "$PORT" -D -I /tmp/bench-iperf3.pid || die "iperf3 server"
wait_listen srv tcp "$PORT" || die "iperf3 server does not listen"

log "kernel $(uname -r); $ROUNDS rounds; $BYTES bytes per transfer (+$WARM warm-up) each way"
log "modes: $MODES"
log "siitdc.ko sha256 $(sha256sum <"$SIITDC_KO" | cut -c1-16); Gbit/gs = Gbit per guest second (1e9 instructions)"
log "offloads on c0 (default): $(n cli ethtool -k c0 | grep -E '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|tx-checksumming):' | tr -s ' \n' ' ')"
printf '#\tmode\tdir\tround\tbytes\tns\tgbit_per_gs\tinstr_per_byte\tretransmits\tidle_ms\twall_ms\n' >"$OUT"
echo "# columns: tcp mode dir round bytes ns Gbit/guest-s instr/byte retransmits idle-ms wall-ms"

rc=0
read -ra mode_list <<<"$MODES"
nm=${#mode_list[@]}
for round in $(seq 1 "$ROUNDS"); do
	t0=$(date +%s)
	order=$(printf '%s\n' "${mode_list[@]}" | awk -v r="$round" -v n="$nm" \
		'{ g[NR - 1] = $0 } END { for (i = 0; i < n; i++) print g[(i + r - 1) % n] }')
	for m in $order; do
		if ! mode_enter "$m"; then
			echo "not ok bench-tcp: entering $m"
			rc=1
			continue
		fi
		run_mode "$m" "$round" || { echo "not ok bench-tcp: $m round $round"; rc=1; }
	done
	log "round $round: $(($(date +%s) - t0)) s guest time"
done
unload_all
offloads on
kill "$(cat /tmp/bench-iperf3.pid)" 2>/dev/null
summary
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|refcount_t|UBSAN'; then
	echo "not ok bench-tcp: kernel log has warnings"
	rc=1
fi
exit $rc
