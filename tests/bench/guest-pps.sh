# SPDX-License-Identifier: GPL-2.0
# Packet-rate bench, run inside the guest (tests/bench/run boots it, with
# qemu's --icount: the guest clock counts instructions, so a time per packet
# in ns is guest instructions per packet).
#
#   bash guest-pps.sh [--pkts N] [--warm N] [--rounds N] [--modes LIST]
#                     [--entries N[,N...]]
#
# Environment: SIITDC_KO, SIITCTL (as lib.sh), JOOL_DIR (scripts/jool-build's
# output; without it the Jool modes are skipped).
#
# Topology: lib.sh's cli | br | srv.  pktgen (64-byte class UDP with a real
# checksum, clone_skb 0, burst 1) sends from c0 (IPv4 direction) or s0 (IPv6
# direction); the far end's veth rx counter counts what arrived, and a tc
# ingress "matchall action drop" there keeps the receiving stack out of the
# measurement.  pktgen's own elapsed time (start to last packet handed over;
# forwarding runs in the softirq of that same CPU) gives ns per packet.
#
# Modes (one line each in mode_table below; a mode = a group + traffic):
#   plain4     nothing loaded; IPv4 cli -> 203.0.113.7, routed out b6
#   plain6     nothing loaded; IPv6 srv -> 2001:db8:4::1, routed out b4
#   siit-idle  siitdc.ko loaded, br not configured (no hooks); as plain4
#   siit-pass  siitdc loaded and configured in br; as plain4: no EAM entry
#              for 203.0.113.7, so siitdc passes it (PASS_4) untranslated
#   siit4      siitdc, one EAM entry: cli -> 198.51.100.7 (-> 2001:db8:6::7)
#   siit6      siitdc: srv -> 2001:db8:46::c000:201 (-> 192.0.2.1)
#   jool-pass  Jool SIIT netfilter instance in br, denylist4 203.0.113.0/24
#              (Jool would otherwise translate it by pool6); as plain4
#   jool4      Jool SIIT, one EAM entry; as siit4
#   jool6      Jool SIIT; as siit6
#   siit4@N, siit6@N   (--entries N) siitdc with N extra EAM entries
#   tso-plain4, tso-siit4, tso-jool4, tso-plain6, tso-siit6, tso-jool6
#              as plain4 ... jool6, but TCP: GSO super-frames of 63,360
#              bytes of payload (44 segments of 1440) written by
#              tests/guest/tsoblast.py into a tap of br (tn), as a NIC with GRO hands
#              a TCP flow to the BR; offloads stay on, so the frames
#              cross whole.  Timed by tsoblast.py (first to last write;
#              tun receives each frame in the writer's context).
#   tso-drop4, tso-drop6   the same frames, dropped at tn's tc ingress: the
#              writer's and tun's own cost, which report.py subtracts to
#              give the BR's work per frame of TCP.
#
# Each round enters every group (loads its modules) once, in an order that
# rotates from round to round, and runs each of its modes: a warm-up run,
# then the measured run.  Results: one line per run on stdout ("run ...")
# and in $GUEST_RESULTS/bench.tsv, which tests/bench/report.py summarises.
#
# To add a benchmark: a group (group_enter_X / group_leave_X), its modes in
# mode_table, and, if it needs it, a traffic kind in send().
set -u
T_GROUP=bench
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../guest/lib.sh"

PKTS=30000
WARM=3000
ROUNDS=5
MODES="plain4 plain6 siit-idle siit-pass siit4 siit6 jool-pass jool4 jool6
	tso-drop4 tso-plain4 tso-siit4 tso-jool4 tso-drop6 tso-plain6 tso-siit6 tso-jool6"
TSO_PKTS=3000
TSO_WARM=300
ENTRIES=
PROFILE=
while [ $# -gt 0 ]; do
	case $1 in
	--pkts) PKTS=$2; shift 2 ;;
	--tso-pkts) TSO_PKTS=$2; shift 2 ;;
	--warm) WARM=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--modes) MODES=$(echo "$2" | tr , ' '); shift 2 ;;
	--entries) ENTRIES=$(echo "$2" | tr , ' '); shift 2 ;;
	--profile) PROFILE=$(echo "$2" | tr , ' '); shift 2 ;;
	*) echo "guest-pps: unknown argument $1" >&2; exit 2 ;;
	esac
done

OUT=${GUEST_RESULTS:-/tmp}/bench.tsv
PLAIN4_DST=203.0.113.7		# routed out b6, never translated
PLAIN4_NET=203.0.113.0/24
PLAIN6_DST=2001:db8:4::1	# routed out b4
PLAIN6_NET=2001:db8:4::/64
UDP_SPORT=4000
UDP_DPORT=5000
# Frame sizes: IPv4 60 bytes (18 bytes of UDP payload, pktgen's 16-byte
# header included); IPv6 80 bytes, the same payload.  A translated packet
# arrives at the far end 20 bytes longer (4->6) or shorter (6->4).
SIZE4=60
SIZE6=80
JOOL=${JOOL_DIR:+$JOOL_DIR/jool_siit}
PY=/usr/bin/python3

log() { echo "# $*"; }
die() { echo "guest-pps: FATAL: $*" >&2; exit 1; }

# mode_table: MODE GROUP KIND DEST
#   KIND 4 = pktgen IPv4 in cli on c0, counted at s0
#   KIND 6 = pktgen IPv6 in srv on s0, counted at c0
#   KIND T4 = TCP super-frames, IPv4 from cli's address, into tn; counted at s0
#   KIND T6 = TCP super-frames, IPv6 from srv's address, into tn; counted at c0
#   KIND D4, D6 = as T4, T6, dropped at tn's ingress; counted at tn
mode_table() {
	cat <<EOF
plain4     none       4 $PLAIN4_DST
plain6     none       6 $PLAIN6_DST
siit-idle  siitidle   4 $PLAIN4_DST
siit-pass  siitdc     4 $PLAIN4_DST
siit4      siitdc     4 $SRV4
siit6      siitdc     6 $CLI6
jool-pass  jool       4 $PLAIN4_DST
jool4      jool       4 $SRV4
jool6      jool       6 $CLI6
tso-drop4  none       D4 $PLAIN4_DST
tso-plain4 none       T4 $PLAIN4_DST
tso-siit4  siitdc     T4 $SRV4
tso-jool4  jool       T4 $SRV4
tso-drop6  none       D6 $PLAIN6_DST
tso-plain6 none       T6 $PLAIN6_DST
tso-siit6  siitdc     T6 $CLI6
tso-jool6  jool       T6 $CLI6
EOF
	for n in $ENTRIES; do
		echo "siit4@$n siitdc@$n 4 $SRV4"
		echo "siit6@$n siitdc@$n 6 $CLI6"
	done
}
declare -A MODE_GROUP MODE_KIND MODE_DST
load_mode_table() {
	local m g k d
	while read -r m g k d; do
		MODE_GROUP[$m]=$g MODE_KIND[$m]=$k MODE_DST[$m]=$d
	done <<<"$(mode_table)"
}

# --- Groups: what is loaded in br ------------------------------------------
unload_all() {
	if grep -q '^jool_siit ' /proc/modules; then
		n br "$JOOL" instance remove >/dev/null 2>&1
		rmmod jool_siit
	fi
	grep -q '^jool_common ' /proc/modules && rmmod jool_common
	grep -q '^siitdc ' /proc/modules && rmmod siitdc
	return 0
}

group_enter_none() { unload_all; }
group_leave_none() { :; }

group_enter_siitidle() { unload_all; insmod "$SIITDC_KO"; }
group_leave_siitidle() { rmmod siitdc; }

siitdc_up() {
	unload_all
	insmod "$SIITDC_KO" || return 1
	siitctl set pool6 "$POOL6" && siitctl add "$SRV4" "$SRV6"
}
group_enter_siitdc() { siitdc_up; }
group_leave_siitdc() { rmmod siitdc; }

# N extra /32 <-> /128 entries: 100.64.0.0/10 + i <-> 2001:db8:100::/96 + i,
# loaded as one batch file (siitctl -b), so N can be 1,000,000.
siitdc_add_entries() {
	local n=$1 t0 t1
	awk -v n="$n" 'BEGIN {
		for (i = 1; i <= n; i++) {
			a = 1681915904 + i	# 100.64.0.0 + i
			printf "add %d.%d.%d.%d 2001:db8:100::%x:%x\n",
				int(a / 16777216) % 256, int(a / 65536) % 256,
				int(a / 256) % 256, a % 256,
				int(i / 65536), i % 65536
		}
	}' >/tmp/bench-eam.txt
	t0=$(date +%s.%N)
	siitctl -b /tmp/bench-eam.txt || return 1
	t1=$(date +%s.%N)
	rm -f /tmp/bench-eam.txt
	log "loaded $n extra EAM entries in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s (guest clock);" \
		"table: $(siitctl config | grep -iE "eam|entr" | tr "\n" " ")"
}

group_enter_jool() {
	unload_all
	modprobe x_tables || return 1
	insmod "$JOOL_DIR/jool_common.ko" || return 1
	insmod "$JOOL_DIR/jool_siit.ko" || return 1
	n br "$JOOL" instance add --netfilter --pool6 "$POOL6" >/dev/null &&
		n br "$JOOL" eamt add "$SRV4" "$SRV6" >/dev/null
}
group_leave_jool() { unload_all; }

# Per-mode set-up outside the measurement (optional functions).
mode_pre_jool-pass() { n br "$JOOL" denylist4 add "$PLAIN4_NET" >/dev/null; }
mode_post_jool-pass() { n br "$JOOL" denylist4 remove "$PLAIN4_NET" >/dev/null; }
tap_drop_on() {
	tc -n br qdisc add dev tn clsact &&
		tc -n br filter add dev tn ingress matchall action drop
}
tap_drop_off() { tc -n br qdisc del dev tn clsact; }
mode_pre_tso-drop4() { tap_drop_on; }
mode_post_tso-drop4() { tap_drop_off; }
mode_pre_tso-drop6() { tap_drop_on; }
mode_post_tso-drop6() { tap_drop_off; }

group_enter() {	# GROUP
	case $1 in
	siitdc@*) siitdc_up && siitdc_add_entries "${1#siitdc@}" ;;
	*) "group_enter_$1" ;;
	esac
}
group_leave() {
	case $1 in
	siitdc@*) rmmod siitdc ;;
	*) "group_leave_$1" ;;
	esac
}

# --- Traffic ----------------------------------------------------------------
mac() { n "$1" cat "/sys/class/net/$2/address"; }
rxstat() {	# NS DEV: "RX-PACKETS RX-BYTES"
	n "$1" cat "/sys/class/net/$2/statistics/rx_packets" \
		"/sys/class/net/$2/statistics/rx_bytes" | tr '\n' ' '
}

# pg NS CMDS: writes pktgen commands ("FILE: CMD" lines) in namespace NS,
# one exec for the lot.
pg() {
	n "$1" bash -c '
		while IFS= read -r line; do
			f=/proc/net/pktgen/${line%%: *}
			echo "${line#*: }" >"$f" || { echo "pktgen: $f: ${line#*: }: $(grep -i "^Result" "$f")" >&2; exit 1; }
		done'
}

# pg_setup: one pktgen device per sender, configured once; send() only
# changes the destination and the count.
pg_setup() {
	modprobe pktgen || die "modprobe pktgen"
	pg cli <<EOF || die "pktgen setup in cli"
kpktgend_0: rem_device_all
kpktgend_0: add_device c0
c0: clone_skb 0
c0: burst 1
c0: delay 0
c0: pkt_size $SIZE4
c0: dst_mac $B4MAC
c0: src_min $CLI4
c0: src_max $CLI4
c0: udp_src_min $UDP_SPORT
c0: udp_src_max $UDP_SPORT
c0: udp_dst_min $UDP_DPORT
c0: udp_dst_max $UDP_DPORT
c0: flag UDPCSUM
EOF
	pg srv <<EOF || die "pktgen setup in srv"
kpktgend_0: rem_device_all
kpktgend_0: add_device s0
s0: clone_skb 0
s0: burst 1
s0: delay 0
s0: pkt_size $SIZE6
s0: dst_mac $B6MAC
s0: src6 $SRV6
s0: udp_src_min $UDP_SPORT
s0: udp_src_max $UDP_SPORT
s0: udp_dst_min $UDP_DPORT
s0: udp_dst_max $UDP_DPORT
s0: flag UDPCSUM
EOF
}

# "CONTEXT-SWITCHES PAGE-ALLOCATIONS" so far (bash builtins only: no exec).
sysctr() {
	local k v cs=0 pg=0
	while read -r k v; do
		[ "$k" = ctxt ] && { cs=$v; break; }
	done </proc/stat
	while read -r k v; do
		case $k in pgalloc_*) pg=$((pg + v)) ;; esac
	done </proc/vmstat
	echo "$cs $pg"
}

# send_tso KIND DEST COUNT: as send, for the T and D kinds (tsoblast.py).
send_tso() {
	local kind=$1 dst=$2 count=$3 src=$CLI4 far=srv fdev=s0 r0 r1 b0 b1 c0 c1 p0 p1 res
	case $kind in
	T6) src=$SRV6 far=cli fdev=c0 ;;
	D4) far=br fdev=tn ;;
	D6) src=$SRV6 far=br fdev=tn ;;
	esac
	read -r r0 b0 <<<"$(rxstat "$far" "$fdev")"
	read -r c0 p0 <<<"$(sysctr)"
	res=$(n br "$PY" "$here/../guest/tsoblast.py" tn "$src" "$dst" "$count") || return 1
	read -r c1 p1 <<<"$(sysctr)"
	read -r r1 b1 <<<"$(rxstat "$far" "$fdev")"
	# sent COUNT NS
	echo "$res" | awk -v rx=$((r1 - r0)) -v rb=$((b1 - b0)) -v cs=$((c1 - c0)) -v pa=$((p1 - p0)) '
		$1 == "sent" { printf "%d %d %d %d %d %d\n", $2, rx, $3, rb, cs, pa }'
}

# send KIND DEST COUNT: prints "SENT RECEIVED NSEC RXBYTES CTXT".
send() {
	local kind=$1 dst=$2 count=$3 ns dev far fdev key r0 r1 b0 b1 res c0 c1 p0 p1
	case $kind in
	[TD][46]) send_tso "$@"; return ;;
	4) ns=cli dev=c0 far=srv fdev=s0 key=dst ;;
	6) ns=srv dev=s0 far=cli fdev=c0 key=dst6 ;;
	esac
	read -r r0 b0 <<<"$(rxstat "$far" "$fdev")"
	pg "$ns" <<EOF || return 1
$dev: count $count
$dev: $key $dst
EOF
	read -r c0 p0 <<<"$(sysctr)"
	echo "pgctrl: start" | pg "$ns" || return 1
	read -r c1 p1 <<<"$(sysctr)"
	read -r r1 b1 <<<"$(rxstat "$far" "$fdev")"
	# Result: OK: 512345(c500000+d12345) usec, 30000 (60byte,0frags)
	res=$(n "$ns" cat "/proc/net/pktgen/$dev")
	echo "$res" | awk -v rx=$((r1 - r0)) -v rb=$((b1 - b0)) -v cs=$((c1 - c0)) -v pa=$((p1 - p0)) '
		/pkts-sofar:/ { for (i = 1; i < NF; i++) if ($i == "pkts-sofar:") sent = $(i + 1) }
		/Result: OK:/ { split($3, a, "("); usec = a[1] }
		END { printf "%d %d %d %d %d %d\n", sent, rx, usec * 1000, rb, cs, pa }'
}

# --- Runs -------------------------------------------------------------------
run_mode() {	# MODE ROUND
	local mode=$1 round=$2 kind=${MODE_KIND[$1]} dst=${MODE_DST[$1]} r
	local warm=$WARM pkts=$PKTS
	case $kind in [TD]*) warm=$TSO_WARM pkts=$TSO_PKTS ;; esac
	if declare -F "mode_pre_$mode" >/dev/null; then "mode_pre_$mode" || return 1; fi
	send "$kind" "$dst" "$warm" >/dev/null || return 1
	r=$(send "$kind" "$dst" "$pkts") || return 1
	if declare -F "mode_post_$mode" >/dev/null; then "mode_post_$mode"; fi
	# A run that lost more than 0.1 % is reported, and discarded (status
	# "loss") by report.py.
	r=$(awk -v m="$mode" -v round="$round" -v lim=0.1 '{
		sent = $1; rx = $2; ns = $3; rb = $4; cs = $5; pa = $6
		if (sent <= 0 || ns <= 0) { print "# " m ": no result: " $0; exit 1 }
		loss = (sent - rx) * 100 / sent
		st = (loss > lim || loss < -lim) ? "loss" : "ok"
		printf "run\t%s\t%s\t%d\t%d\t%d\t%.1f\t%.3f\t%d\t%s\t%d\t%d\n", m, round,
			sent, rx, ns, ns / sent, loss, (rx > 0 ? rb / rx : 0), st, cs, pa
	}' <<<"$r") || { echo "$r"; return 1; }
	echo "$r" >>"$OUT"
	echo "$r"
}

# profile_mode MODE: the call graph of MODE's packets, with ftrace's
# function_graph tracer over a few packets (perf's cpu-clock sampling sees
# almost nothing inside pktgen's transmit loop under icount, and Debian's
# kernels lack the function profiler). tests/bench/callgraph.py turns the
# trace into the calls one packet makes, compared with a reference mode
# (PROFILE_BASE_<kind>: plain4 / plain6, profiled first if not asked for).
profile_mode() {
	local mode=$1 kind=${MODE_KIND[$1]} dst=${MODE_DST[$1]} g=${MODE_GROUP[$1]}
	local tr=/sys/kernel/tracing out=/tmp/graph-$mode.txt
	[ -e $tr/current_tracer ] || mount -t tracefs nodev $tr || return 1
	group_enter "$g" || return 1
	if declare -F "mode_pre_$mode" >/dev/null; then "mode_pre_$mode" || return 1; fi
	send "$kind" "$dst" "$WARM" >/dev/null || return 1
	echo 65536 >$tr/buffer_size_kb
	echo function_graph >$tr/current_tracer
	echo 1 >$tr/options/funcgraph-abstime 2>/dev/null
	echo >$tr/trace
	echo 1 >$tr/tracing_on
	send "$kind" "$dst" "${PROFILE_PKTS:-20}" >/dev/null
	echo 0 >$tr/tracing_on
	cat $tr/trace >"$out"
	echo nop >$tr/current_tracer
	if declare -F "mode_post_$mode" >/dev/null; then "mode_post_$mode"; fi
	group_leave "$g"
	local base=plain$kind
	if [ "$mode" != "$base" ] && [ -s "/tmp/graph-$base.txt" ]; then
		echo "# profile $mode vs $base: functions called more (+) or less (-) per packet"
		python3 "$here/callgraph.py" "/tmp/graph-$base.txt" "$out" | sed "s/^/profile\t$mode\t/"
		echo "# profile $mode vs $base: instructions per packet by function"
		python3 "$here/selfcost.py" "/tmp/graph-$base.txt" "$out" | sed "s/^/profile\t$mode\t/"
	fi
}

# --- Main -------------------------------------------------------------------
[ -n "$JOOL" ] && [ -x "$JOOL" ] || {
	log "no JOOL_DIR: skipping the Jool modes"
	MODES=$(echo "$MODES" | tr ' ' '\n' | grep -v '^jool' | tr '\n' ' ')
}
for n in $ENTRIES; do MODES="$MODES siit4@$n siit6@$n"; done
load_mode_table
for m in $MODES; do [ -n "${MODE_GROUP[$m]:-}" ] || die "unknown mode $m"; done

load_module
topo_up
# Plain forwarding routes (no translation) through the same veths.
ip -n br addr add 203.0.113.254/24 dev b6
ip -n br -6 route add "$PLAIN6_NET" dev b4
C0MAC=$(mac cli c0) S0MAC=$(mac srv s0) B4MAC=$(mac br b4) B6MAC=$(mac br b6)
# Pinned neighbours: no ARP / ND during the runs, whatever is loaded.
ip -n br neigh replace "$CLI4" lladdr "$C0MAC" dev b4 nud permanent
ip -n br neigh replace "$PLAIN6_DST" lladdr "$C0MAC" dev b4 nud permanent
ip -n br neigh replace "$SRV6" lladdr "$S0MAC" dev b6 nud permanent
ip -n br neigh replace "$PLAIN4_DST" lladdr "$S0MAC" dev b6 nud permanent
ip -n cli neigh replace "$BR4" lladdr "$B4MAC" dev c0 nud permanent
ip -n srv neigh replace "$BR6" lladdr "$B6MAC" dev s0 nud permanent
# The far ends drop everything they receive, before their IP stack.
for e in "cli c0" "srv s0"; do
	set -- $e
	tc -n "$1" qdisc add dev "$2" clsact || die "tc clsact on $2"
	tc -n "$1" filter add dev "$2" ingress matchall action drop || die "tc drop on $2"
done
# The tap "NIC" of br for the TCP super-frames; one queue held attached, so
# it keeps its carrier (losing it flushes br's route cache).
modprobe tun 2>/dev/null
[ -e /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
ip -n br tuntap add dev tn mode tap multi_queue || die "tap tn"
ip -n br link set dev tn up
n br "$PY" "$here/../guest/tsoblast.py" tn hold >/dev/null 2>&1 &
TAP_HOLD=$!
trap 'kill $TAP_HOLD 2>/dev/null' EXIT
n br sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tn.rp_filter=0
rmmod siitdc
for p in $(pgrep ksoftirqd); do chrt -f -p 50 "$p"; done
pg_setup

printf '#\tmode\tround\tsent\trx\tns\tns_per_pkt\tloss_pct\trx_frame\tstatus\tctxt\tpgalloc\n' >"$OUT"
log "kernel $(uname -r); $ROUNDS rounds of $PKTS packets (+$WARM warm-up) per mode"
log "modes: $MODES"
echo "# columns: run mode round sent received ns ns/pkt loss% rx-frame-bytes status context-switches page-allocations"

# Groups in the order of their first mode; main groups rotate per round,
# the table-size groups (siitdc@N: slow to fill) are entered once.
groups=$(for m in $MODES; do echo "${MODE_GROUP[$m]}"; done | awk '!seen[$0]++')
main_groups=$(echo "$groups" | grep -v '@')
big_groups=$(echo "$groups" | grep '@')
modes_of() { for m in $MODES; do [ "${MODE_GROUP[$m]}" = "$1" ] && echo "$m"; done; }

rc=0
ng=$(echo "$main_groups" | grep -c .)
for round in $(seq 1 "$ROUNDS"); do
	t0=$(date +%s)
	order=$(echo "$main_groups" | awk -v r="$round" -v n="$ng" \
		'{ g[NR - 1] = $0 } END { for (i = 0; i < n; i++) print g[(i + r - 1) % n] }')
	for g in $order; do
		group_enter "$g" || { echo "not ok bench: entering group $g"; rc=1; continue; }
		for m in $(modes_of "$g"); do
			run_mode "$m" "$round" || { echo "not ok bench: $m round $round"; rc=1; }
		done
		group_leave "$g"
	done
	log "round $round: $(($(date +%s) - t0)) s guest time"
done
for g in $big_groups; do
	group_enter "$g" || { echo "not ok bench: entering group $g"; rc=1; continue; }
	for round in $(seq 1 "$ROUNDS"); do
		for m in $(modes_of "$g"); do
			run_mode "$m" "$round" || { echo "not ok bench: $m round $round"; rc=1; }
		done
	done
	group_leave "$g"
done
# The plain modes first: the others are compared with them.
# shellcheck disable=SC2086
PROFILE="$(printf '%s\n' $PROFILE | grep '^plain') $(printf '%s\n' $PROFILE | grep -v '^plain')"
for m in $PROFILE; do
	[ -n "${MODE_GROUP[$m]:-}" ] || die "unknown profile mode $m"
	profile_mode "$m" | tee -a "$OUT.profile" || { echo "not ok bench: profile $m"; rc=1; }
done
unload_all
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|refcount_t|UBSAN'; then
	echo "not ok bench: kernel log has warnings"
	rc=1
fi
exit $rc
