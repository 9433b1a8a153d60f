# SPDX-License-Identifier: GPL-2.0
# Line rate: siitdc translates GSO/GRO packets as they are, and keeps every
# checksum offload state right (issue 5). Run inside the guest, on lib.sh's
# cli | br | srv topology.
#
# What each veth setting means here (drivers/net/veth.c, 6.1 and 6.12):
# - veth passes TSO/USO packets whole to its peer (it has every software GSO
#   feature), so with tso on the BR receives 64 KB TCP GSO skbs, in
#   CHECKSUM_PARTIAL, straight from the client's socket.
# - tx-checksumming off on a sender: checksums are computed in software
#   (CHECKSUM_NONE) and TSO turns off; the receiver's kernel then verifies
#   every checksum, so a wrong incremental update shows up as InCsumErrors.
# - tx-checksumming / tso off on the BR's egress veth: the translated
#   PARTIAL/GSO skb is segmented and checksummed in software there, from the
#   pseudo-header seed siitdc adjusted; the receiver verifies the result.
# - rx-checksumming: veth itself does nothing with it (no hardware); it is
#   in the matrix because users switch it and it must change nothing.
# - gro: off by default on veth; when on, veth runs NAPI, and GRO merges
#   what a peer sends in one burst if the sender has no TSO (TCP), or for
#   UDP when the receiving veth has rx-udp-gro-forwarding (UDP_L4 GRO) or
#   rx-gro-list (fraglist GRO) on. A UDP GSO send is segmented in software
#   by the sender's veth when its tx-udp-segmentation is off: the segments
#   then reach the BR in one burst and GRO merges them again.
# - LRO: veth has no LRO (ethtool shows "large-receive-offload: off
#   [fixed]"); an LRO skb is a TCP GSO skb like a GRO one to siitdc.
set -u
T_GROUP=offload
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PY="/usr/bin/python3 $here/offload.py"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

load_module
topo_up

# --- Helpers ---------------------------------------------------------------
VETHS="cli:c0 br:b4 br:b6 srv:s0"

feature() {	# NS DEV NAME: on/off as ethtool -k reports it
	n "$1" ethtool -k "$2" | awk -v f="$3:" '$1 == f { print $2 }'
}

# All four veths: every offload on (GRO too, off by default on veth), no
# UDP forwarding GRO.
baseline() {
	local e
	for e in $VETHS; do
		n "${e%%:*}" ethtool -K "${e#*:}" tx on rx on tso on gso on gro on \
			tx-udp-segmentation on rx-udp-gro-forwarding off \
			rx-gro-list off >/dev/null 2>&1
	done
}

# apply "NS DEV ETHTOOL-ARGS;NS DEV ARGS..."
apply() {
	local IFS=';' s
	for s in $1; do
		IFS=' '
		# shellcheck disable=SC2086
		set -- $s
		[ $# -ge 3 ] || continue
		local ns=$1 dev=$2
		shift 2
		n "$ns" ethtool -K "$dev" "$@" >/dev/null 2>&1
	done
}

txstat() {	# NS DEV: "PACKETS BYTES"
	n "$1" cat "/sys/class/net/$2/statistics/tx_packets" \
		"/sys/class/net/$2/statistics/tx_bytes" | tr '\n' ' '
}

drops() {	# the sum of siitdc's drop counters
	siitctl stats | awk '$1 ~ /^drop_/ { s += $2 } END { print s + 0 }'
}

# check_no_drops NAME BEFORE: no siitdc drop counter grew since BEFORE
check_no_drops() {
	local now
	now=$(drops)
	if [ "$now" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   $((now - $2)) drops; counters since boot:" \
			"$(siitctl stats | awk '$1 ~ /^drop_/ && $2 > 0 { printf "%s=%s ", $1, $2 }')"
	fi
}

csum_errors() {	# the InCsumErrors counters of both end hosts, summed
	{ n cli nstat -asz; n srv nstat -asz; } |
		awk '$1 ~ /InCsumErrors$/ { s += $2 } END { print s + 0 }'
}

# tcp_xfer NAME DIR FILE PORT: DIR 46 = cli sends to srv through SRV4;
# 64 = srv sends to cli through CLI6. Checks sha256 at the receiver.
tcp_xfer() {
	local name=$1 dir=$2 file=$3 port=$4 pid got want
	want=$(sha256sum < "$file")
	rm -f "$work/rx"
	if [ "$dir" = 46 ]; then
		n srv timeout 300 socat -u "TCP6-LISTEN:$port,reuseaddr" \
			"OPEN:$work/rx,creat,trunc" &
		pid=$!
		wait_listen srv tcp "$port"
		n cli timeout 300 socat -u "OPEN:$file" "TCP4:$SRV4:$port"
	else
		n cli timeout 300 socat -u "TCP4-LISTEN:$port,reuseaddr" \
			"OPEN:$work/rx,creat,trunc" &
		pid=$!
		wait_listen cli tcp "$port"
		n srv timeout 300 socat -u "OPEN:$file" "TCP6:[$CLI6]:$port"
	fi
	wait "$pid"
	got=$(sha256sum < "$work/rx")
	check_eq "$name" "$want" "$got"
}

# udp_xfer NAME DIR COUNT SIZE PORT [SEND-ARGS...]: every datagram arrives
# intact (offload.py checks each byte). Leaves the receiver's report in
# $work/udp.out.
udp_xfer() {
	local name=$1 dir=$2 count=$3 size=$4 port=$5 pid rns sns fam dst
	shift 5
	if [ "$dir" = 46 ]; then
		rns=srv sns=cli fam=6 dst=$SRV4
	else
		rns=cli sns=srv fam=4 dst=$CLI6
	fi
	n "$rns" timeout 120 $PY recv "$fam" "$port" "$count" "$size" --idle 4 \
		>"$work/udp.out" 2>&1 &
	pid=$!
	wait_listen "$rns" udp "$port"
	n "$sns" timeout 120 $PY send "$dst" "$port" "$count" "$size" "$@" \
		>"$work/udp.send" 2>&1
	if wait "$pid"; then
		ok "$name ($(grep received "$work/udp.out"))"
	else
		not_ok "$name"
		sed 's/^/#   /' "$work/udp.out" "$work/udp.send"
	fi
}

# sniff_start NS DEV PORT MTU / sniff_check NAME: checksums of the frames
# DEV received, as a NIC would have sent them (offload.py sniff).
sniff_start() {
	n "$1" timeout 120 $PY sniff "$2" "$3" "$4" --idle 3 >"$work/sniff.out" 2>&1 &
	SNIFF_PID=$!
	local i
	for i in $(seq 100); do
		grep -q ready "$work/sniff.out" && return 0
		sleep 0.1
	done
}
sniff_check() {
	if wait "$SNIFF_PID"; then
		ok "$1 ($(grep frames "$work/sniff.out"))"
	else
		not_ok "$1"
		sed 's/^/#   /' "$work/sniff.out"
	fi
}

avg() {	# BEFORE AFTER ("PACKETS BYTES" each): bytes per packet
	local p0 b0 p1 b1
	read -r p0 b0 <<<"$1"
	read -r p1 b1 <<<"$2"
	[ $((p1 - p0)) -gt 0 ] || { echo 0; return; }
	echo $(((b1 - b0) / (p1 - p0)))
}

head -c 20971520 /dev/urandom > "$work/big"
head -c 4194304 /dev/urandom > "$work/small"

# --- 1. TCP with GRO/TSO on --------------------------------------------------
baseline
for e in $VETHS; do
	for f in tcp-segmentation-offload generic-segmentation-offload \
		 generic-receive-offload tx-checksumming; do
		check_eq "${e#*:}: $f on" on "$(feature "${e%%:*}" "${e#*:}" "$f")"
	done
done
check_eq "veth has no LRO (fixed off)" "off [fixed]" \
	"$(n br ethtool -k b4 | sed -n 's/^large-receive-offload: //p')"

d0=$(drops) c0=$(csum_errors)
n srv iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
wait_listen srv tcp 5201
t0=$(txstat br b6)
if out=$(n cli timeout 120 iperf3 -c "$SRV4" -p 5201 -t 3 -f m 2>&1); then
	ok "iperf3 IPv4 client -> IPv6 server ($(echo "$out" | awk '/receiver/ { print $(NF-2), $(NF-1) }'))"
else
	not_ok "iperf3 IPv4 client -> IPv6 server"
	echo "$out" | sed 's/^/#   /' | tail -5
fi
wait
a=$(avg "$t0" "$(txstat br b6)")
check "4->6 GSO packets translated whole: $a bytes per packet out of b6 (> 1534)" \
	test "$a" -gt 1534

n srv iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
wait_listen srv tcp 5202
t0=$(txstat br b4)
if out=$(n cli timeout 120 iperf3 -c "$SRV4" -p 5202 -t 3 -R -f m 2>&1); then
	ok "iperf3 -R IPv6 server -> IPv4 client ($(echo "$out" | awk '/receiver/ { print $(NF-2), $(NF-1) }'))"
else
	not_ok "iperf3 -R IPv6 server -> IPv4 client"
	echo "$out" | sed 's/^/#   /' | tail -5
fi
wait
a=$(avg "$t0" "$(txstat br b4)")
check "6->4 GSO packets translated whole: $a bytes per packet out of b4 (> 1514)" \
	test "$a" -gt 1514

t0=$(txstat br b6)
tcp_xfer "20 MB TCP 4->6 with TSO/GSO/GRO on, sha256 equal" 46 "$work/big" 5003
a=$(avg "$t0" "$(txstat br b6)")
check "... as GSO packets ($a bytes per packet out of b6)" test "$a" -gt 1534
t0=$(txstat br b4)
tcp_xfer "20 MB TCP 6->4 with TSO/GSO/GRO on, sha256 equal" 64 "$work/big" 5004
a=$(avg "$t0" "$(txstat br b4)")
check "... as GSO packets ($a bytes per packet out of b4)" test "$a" -gt 1514
check_no_drops "no siitdc drops with offloads on" "$d0"
check_eq "no checksum errors at the end hosts" "$c0" "$(csum_errors)"

# --- 2. Checksum offload states -------------------------------------------------
# NAME|SETTINGS (applied over the baseline: all on, GRO on).
matrix() {
	cat <<'EOF'
baseline (all on; TSO packets, CHECKSUM_PARTIAL)|
client tx-checksumming off|cli c0 tx off
server tx-checksumming off|srv s0 tx off
ends tx off, BR gro off (CHECKSUM_NONE at the BR)|cli c0 tx off;srv s0 tx off;br b4 gro off;br b6 gro off
ends tx off, BR gro on (TCP GRO at the BR)|cli c0 tx off;srv s0 tx off
ends tx off, BR gro on, BR tx off (GRO, then software GSO/csum)|cli c0 tx off;srv s0 tx off;br b4 tx off;br b6 tx off
BR tx-checksumming off (PARTIAL finished in software after translation)|br b4 tx off;br b6 tx off
BR rx-checksumming off|br b4 rx off;br b6 rx off
BR tso off (software segmentation of the translated GSO type)|br b4 tso off;br b6 tso off
BR tso/gso off, ends gro off|br b4 tso off gso off;br b6 tso off gso off;cli c0 gro off;srv s0 gro off
everything off|cli c0 tx off rx off tso off gso off gro off;br b4 tx off rx off tso off gso off gro off;br b6 tx off rx off tso off gso off gro off;srv s0 tx off rx off tso off gso off gro off
EOF
}
port=5100
while IFS='|' read -r name settings; do
	baseline
	apply "$settings"
	d0=$(drops) c0=$(csum_errors)
	tcp_xfer "[$name] TCP 4->6 4 MB, sha256 equal" 46 "$work/small" $((port += 1))
	tcp_xfer "[$name] TCP 6->4 4 MB, sha256 equal" 64 "$work/small" $((port += 1))
	udp_xfer "[$name] UDP 4->6 1000 x 1400 B intact" 46 1000 1400 $((port += 1)) --pace 20
	udp_xfer "[$name] UDP 6->4 1000 x 1400 B intact" 64 1000 1400 $((port += 1)) --pace 20
	check_no_drops "[$name] no siitdc drops" "$d0"
	check_eq "[$name] no TCP/UDP checksum errors at the end hosts" "$c0" "$(csum_errors)"
done <<<"$(matrix)"

# --- 3. UDP GRO at the BR ----------------------------------------------------------
# The sender's veth segments its UDP GSO sends in software (tx-udp-segmentation
# off), so 8 datagrams reach the BR's ingress veth per burst, where GRO
# merges them: UDP_L4 GRO (rx-udp-gro-forwarding) or fraglist GRO
# (rx-gro-list). siitdc translates what UDP_L4 GRO made whole; its xlat
# counter counts skbs, so fewer translations than datagrams proves the
# aggregation. A fraglist GRO packet is a chain of the original datagrams:
# siitdc segments it back (gso_segmented counts the GRO packets) and
# translates each datagram. A
# second run makes the BR's egress veth segment and checksum in software,
# and a packet socket at the receiver checks every frame's UDP checksum.
udp_gro() {	# DIR GRO-FEATURE EGRESS-SETTINGS LABEL
	local dir=$1 gro=$2 egress=$3 label=$4 sns sdev ins rns rdev x0 x1 g0 g1 stat mtu
	if [ "$dir" = 46 ]; then
		sns=cli sdev=c0 ins=b4 rns=srv rdev=s0 stat=xlat_4to6 mtu=1520
	else
		sns=srv sdev=s0 ins=b6 rns=cli rdev=c0 stat=xlat_6to4 mtu=1500
	fi
	baseline
	apply "$sns $sdev tx-udp-segmentation off;br $ins gro on $gro on;$egress"
	d0=$(drops) c0=$(csum_errors) x0=$(stat "$stat") g0=$(stat gso_segmented)
	sniff_start "$rns" "$rdev" $((port + 1)) "$mtu"
	udp_xfer "UDP GRO $dir ($gro$label): 4000 x 1200 B intact" "$dir" 4000 1200 \
		$((port += 1)) --gso 8 --pace 5
	sniff_check "UDP GRO $dir ($gro$label): receiver's frames have valid checksums"
	x1=$(stat "$stat") g1=$(stat gso_segmented)
	if [ "$gro" = rx-gro-list ]; then
		check "UDP GRO $dir ($gro$label): aggregated at the BR, segmented back ($((g1 - g0)) GRO packets, $((x1 - x0)) translations for 4000 datagrams)" \
			test $((g1 - g0)) -gt 0 -a $((g1 - g0)) -lt 3000 -a $((x1 - x0)) -ge 4000
	else
		check "UDP GRO $dir ($gro$label): aggregated at the BR ($((x1 - x0)) translations for 4000 datagrams)" \
			test $((x1 - x0)) -gt 0 -a $((x1 - x0)) -lt 3000
	fi
	check_no_drops "UDP GRO $dir ($gro$label): no siitdc drops" "$d0"
	check_eq "UDP GRO $dir ($gro$label): no checksum errors" "$c0" "$(csum_errors)"
}
for dir in 46 64; do
	if [ "$dir" = 46 ]; then out=b6; else out=b4; fi
	for gro in rx-udp-gro-forwarding rx-gro-list; do
		udp_gro "$dir" "$gro" "" ""
		udp_gro "$dir" "$gro" \
			"br $out tx off tx-udp-segmentation off tx-gso-list off" \
			", BR egress segments in software"
	done
done

# --- 4. UDP GSO (UDP_SEGMENT) through the BR -----------------------------------------
# The sender's veth passes the GSO packet whole (tx-udp-segmentation on):
# the BR translates one SKB_GSO_UDP_L4 skb of 8 datagrams, CHECKSUM_PARTIAL.
udp_gso() {	# DIR EGRESS-SETTINGS LABEL SIZE [SEND-ARGS]
	local dir=$1 egress=$2 label=$3 size=$4 rns rdev x0 x1 f0 f1 stat mtu
	shift 4
	if [ "$dir" = 46 ]; then
		rns=srv rdev=s0 stat=xlat_4to6 mtu=1520
	else
		rns=cli rdev=c0 stat=xlat_6to4 mtu=1500
	fi
	baseline
	apply "$egress"
	d0=$(drops) c0=$(csum_errors) x0=$(stat "$stat") f0=$(stat fragmented_4to6)
	sniff_start "$rns" "$rdev" $((port + 1)) "$mtu"
	udp_xfer "UDP GSO $dir$label: 4000 x $size B intact" "$dir" 4000 "$size" \
		$((port += 1)) --gso 8 --pace 5 "$@"
	sniff_check "UDP GSO $dir$label: receiver's frames have valid checksums"
	x1=$(stat "$stat")
	if [ "$stat" = xlat_4to6 ] && [ "$*" = "--df off" ]; then
		f1=$(stat fragmented_4to6)
		check "UDP GSO $dir$label: fragmented by siitdc ($((f1 - f0)) GSO packets split)" \
			test $((f1 - f0)) -ge 500
	else
		check "UDP GSO $dir$label: translated as GSO packets ($((x1 - x0)) translations for 4000 datagrams)" \
			test $((x1 - x0)) -gt 0 -a $((x1 - x0)) -lt 1000
	fi
	check_no_drops "UDP GSO $dir$label: no siitdc drops" "$d0"
	check_eq "UDP GSO $dir$label: no checksum errors" "$c0" "$(csum_errors)"
}
udp_gso 46 "" "" 1200
udp_gso 64 "" "" 1200
udp_gso 46 "br b6 tx off tx-udp-segmentation off" ", BR egress segments in software" 1200
udp_gso 64 "br b4 tx off tx-udp-segmentation off" ", BR egress segments in software" 1200
# DF=0, 1400-byte segments: 1448 bytes each as IPv6, over lowest-ipv6-mtu
# (1280): siitdc segments the GSO packet and fragments each datagram.
udp_gso 46 "" " DF=0 over lowest-ipv6-mtu" 1400 --df off

# --- 5. The largest IPv6 payload an IPv4 packet holds (row 171) ------------------
# An IPv4 packet ends at 65535 bytes, so an IPv6 payload over 65515 bytes has
# no IPv4 form. Such a packet is a 65,570-byte frame, more than any MTU lets
# a veth carry: it comes as GRO or a virtio NIC would hand it to the BR, one
# TCP GSO skb written into a tap of br (tsoblast.py). nft counters see it
# leave the BR (IPv4 postrouting: one packet, by its IPv4 length) and arrive
# at the client (in segments: 65535 bytes and a MAC header are more than a
# veth's gso_max_size, so it segments the packet on its way out).
modprobe tun 2>/dev/null
[ -e /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
ip -n br tuntap add dev tg mode tap multi_queue
ip -n br link set dev tg up
for h in "br postrouting" "cli prerouting"; do
	set -- $h
	n "$1" nft -f - <<EOF
table ip row171 {
	counter big { }
	chain c {
		type filter hook $2 priority 0;
		tcp dport 5001 counter name big
	}
}
EOF
done
n cli nft add rule ip row171 c tcp dport 5001 drop
big6() {	# TCP-DATA-BYTES: one IPv6 GSO frame SRV6 -> CLI6 into tg
	n br /usr/bin/python3 "$here/tsoblast.py" tg "$SRV6" "$CLI6" 1 "$1" >/dev/null
}
left() {	# "PACKETS BYTES" of IPv4 the BR has sent on
	n br nft list counter ip row171 big | awk '$1 == "packets" { print $2, $4 }'
}
data_in() {	# TCP data bytes the client has received (20 + 20 header bytes a packet)
	n cli nft list counter ip row171 big | awk '$1 == "packets" { print $4 - 40 * $2 }'
}
t0=$(stat drop_too_big)
big6 65495
check_eq "row171-largest: a 65515-byte IPv6 payload leaves the BR as one 65535-byte IPv4 packet" \
	"1 65535" "$(left)"
check_eq "row171-largest: ... whose 65495 bytes of TCP data all reach the client" \
	65495 "$(data_in)"
check_eq "row171-largest: ... and nothing is counted as too big" "$t0" "$(stat drop_too_big)"
big6 65496
check_eq "row171-over: a 65516-byte IPv6 payload is dropped, counted as drop_too_big" \
	"$((t0 + 1))" "$(stat drop_too_big)"
check_eq "row171-over: ... and nothing more leaves the BR" "1 65535" "$(left)"
n br nft delete table ip row171
n cli nft delete table ip row171

baseline
topo_down
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|UBSAN|KASAN'; then
	not_ok "kernel log free of warnings"
else
	ok "kernel log free of warnings"
fi
summary
