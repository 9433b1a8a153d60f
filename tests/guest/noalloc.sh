# SPDX-License-Identifier: GPL-2.0
# No per-packet allocation, copy or lock on siitdc's fast path (issue 5),
# for UDP, TCP and ICMP echo, both directions. Run inside the guest, on
# lib.sh's cli | br | srv topology.
#
# 1. Counting: a flood goes through the BR in each mode -
#      plain4  siitdc not loaded; IPv4 -> 203.0.113.7, routed out b6
#      plain6  siitdc not loaded; IPv6 -> 2001:db8:4::1, routed out b4
#      siit4   siitdc, one EAM entry: 192.0.2.1 -> 198.51.100.7 (-> 2001:db8:6::7)
#      siit6   siitdc: 2001:db8:6::7 -> 2001:db8:46::c000:201 (-> 192.0.2.1)
#    and tracefs hist triggers count the slab and page allocations (kmem
#    tracepoints), skb frees (skb tracepoints) and calls to the functions
#    that allocate or copy skbs (kprobes: __alloc_skb, pskb_expand_head,
#    skb_copy, ...) made while the packet is received, forwarded and sent
#    on: in softirq or with bottom halves off (trace flags 0x90), on CPU 0,
#    where the senders are pinned and the whole path runs (veth and tun
#    receive on the sending CPU). The sender's own allocation of the skb is
#    outside that window. The far ends drop what they receive at tc
#    ingress, before their IP stack. siit4 must cost what
#    plain4 costs per packet, siit6 what plain6 costs: any allocation, copy
#    or extra skb in the translator would show as +1 per packet.
#    UDP, TCP and ICMP echo are written by noalloc.py into a tap device of
#    the BR (tp), which receives them as a NIC driver would (NET_SKB_PAD of
#    headroom). UDP is also sent by pktgen on c0 / s0 ("pktgen": no user
#    space at all); pktgen's skbs are shared (it holds a reference to send
#    them again), so ip_rcv()/ipv6_rcv() clone each one and the forwarding
#    then copies its head (skb_cow in ip_forward, skb_ensure_writable in
#    siitdc): 2 allocations per packet, in every mode alike (fewer when
#    pktgen has let go of the skb first; see the checks).
#    (A frame sent through a veth from a packet socket or a ping socket has
#    only 16 bytes of headroom in front of its Ethernet header; a 4->6
#    translation, 20 bytes longer, then needs one reallocation of the head,
#    which plain forwarding does not: such senders are not what a BR's NIC
#    delivers, so they are not the measure here.)
# 2. Call graph: function_graph traced from siitdc's hooks (hook4, hook6),
#    with the kernel's own forwarding after the translation cut off
#    (set_graph_notrace ip_forward, ip6_forward, ...: plain forwarding runs
#    that too), for packets of each kind: no lock, allocation or copy
#    function may be called in what is left, outside the route lookup
#    siitdc asks the kernel for instead of the kernel's own (its route
#    cache refills are reported, not counted against siitdc).
set -u
T_GROUP=noalloc
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PY=/usr/bin/python3

N_PKTGEN=${NOALLOC_PKTGEN:-20000}
N_PY=${NOALLOC_PY:-5000}
# Per packet, siitdc minus plain forwarding: counts are exact but for rare
# background work in softirq on CPU 0 (RCU callbacks, timers).
TOL=${NOALLOC_TOL:-0.01}
PLAIN4_DST=203.0.113.7
PLAIN6_DST=2001:db8:4::1
T=/sys/kernel/tracing

die() { echo "not ok noalloc: $*"; exit 1; }

[ -d $T/events ] || mount -t tracefs nodev $T || die "mount tracefs"
work=$(mktemp -d)
trap 'cpus_all; rm -rf "$work"' EXIT
# Kprobes, tracepoints and the graph tracer patch kernel text: CPU 0 alone
# (lib.sh, cpus_solo), where the senders are pinned and the counts read.
cpus_solo || die "take the CPUs other than 0 offline"

load_module
topo_up
ip -n br addr add 203.0.113.254/24 dev b6
ip -n br -6 route add 2001:db8:4::/64 dev b4
mac() { n "$1" cat "/sys/class/net/$2/address"; }
C0MAC=$(mac cli c0) S0MAC=$(mac srv s0) B4MAC=$(mac br b4) B6MAC=$(mac br b6)
# Pinned neighbours: no ARP / ND during the runs.
ip -n br neigh replace "$CLI4" lladdr "$C0MAC" dev b4 nud permanent
ip -n br neigh replace "$PLAIN6_DST" lladdr "$C0MAC" dev b4 nud permanent
ip -n br neigh replace "$SRV6" lladdr "$S0MAC" dev b6 nud permanent
ip -n br neigh replace "$PLAIN4_DST" lladdr "$S0MAC" dev b6 nud permanent
ip -n cli neigh replace "$BR4" lladdr "$B4MAC" dev c0 nud permanent
ip -n srv neigh replace "$BR6" lladdr "$B6MAC" dev s0 nud permanent
# The tap "NIC" of the BR, for the TCP and ICMP floods.
modprobe tun 2>/dev/null; [ -e /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
ip -n br tuntap add dev tp mode tap multi_queue || die "tap device"
ip -n br link set dev tp up
# One queue stays attached throughout, so the tap never loses its carrier.
ip netns exec br $PY "$here/noalloc.py" tp hold >"$work/hold.out" 2>&1 &
HOLD_PID=$!
trap 'kill $HOLD_PID 2>/dev/null; cpus_all; rm -rf "$work"' EXIT
n br sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tp.rp_filter=0
# pktgen outruns the receive side at times: a deep backlog loses nothing.
sysctl -qw net.core.netdev_max_backlog=100000
for e in "cli c0" "srv s0"; do
	set -- $e
	tc -n "$1" qdisc add dev "$2" clsact || die "tc clsact on $2"
	tc -n "$1" filter add dev "$2" ingress matchall action drop || die "tc drop on $2"
done

# --- Counting -------------------------------------------------------------
# Tracepoints: whichever of these the kernel has (6.1 still has the _node
# variants of the slab events; 6.12 folded them into kmem_cache_alloc and
# kmalloc).
ALLOC_EVENTS=
for e in kmem_cache_alloc kmem_cache_alloc_node kmalloc kmalloc_node; do
	[ -d "$T/events/kmem/$e" ] && ALLOC_EVENTS="$ALLOC_EVENTS kmem/$e"
done
PAGE_EVENTS=kmem/mm_page_alloc
FREE_EVENTS="skb/kfree_skb skb/consume_skb"
# Functions that allocate, copy or reallocate skbs.
COPY_FUNCS="__alloc_skb pskb_expand_head skb_copy __pskb_copy_fclone skb_copy_expand __pskb_pull_tail skb_clone skb_segment skb_checksum_help"
for f in $COPY_FUNCS; do
	echo "p:noalloc/$f $f" >>$T/kprobe_events || die "kprobe on $f"
done
COPY_EVENTS=$(for f in $COPY_FUNCS; do printf 'noalloc/%s ' "$f"; done)
ALL_EVENTS="$ALLOC_EVENTS $PAGE_EVENTS $FREE_EVENTS $COPY_EVENTS"
HIST='hist:keys=cpu:vals=hitcount'
HIST_IF='if common_flags & 0x90'	# TRACE_FLAG_SOFTIRQ | TRACE_FLAG_BH_OFF

hist_on() {
	local e
	for e in $ALL_EVENTS; do
		echo "$HIST $HIST_IF" >"$T/events/$e/trigger" || die "hist trigger on $e"
	done
}
hist_off() { local e; for e in $ALL_EVENTS; do echo "!$HIST" >"$T/events/$e/trigger"; done; }
# hits EVENTS: the hits of these events on CPU 0
hits() {
	local e sum=0 v
	for e in $1; do
		v=$(awk '/{ cpu:/ { gsub(/[{}]/, ""); if ($2 == 0) s += $4 }
			END { print s + 0 }' "$T/events/$e/hist")
		sum=$((sum + v))
	done
	echo "$sum"
}


pg() {	# NS: pktgen commands ("FILE: CMD" lines) from stdin
	n "$1" bash -c '
		while IFS= read -r line; do
			f=/proc/net/pktgen/${line%%: *}
			echo "${line#*: }" >"$f" || exit 1
		done'
}
pg_setup() {
	modprobe pktgen || die "modprobe pktgen"
	pg cli <<EOF || die "pktgen setup in cli"
kpktgend_0: rem_device_all
kpktgend_0: add_device c0
c0: clone_skb 0
c0: burst 1
c0: delay 0
c0: pkt_size 60
c0: dst_mac $B4MAC
c0: src_min $CLI4
c0: src_max $CLI4
c0: udp_src_min 4000
c0: udp_src_max 4000
c0: udp_dst_min 5000
c0: udp_dst_max 5000
c0: flag UDPCSUM
EOF
	pg srv <<EOF || die "pktgen setup in srv"
kpktgend_0: rem_device_all
kpktgend_0: add_device s0
s0: clone_skb 0
s0: burst 1
s0: delay 0
s0: pkt_size 80
s0: dst_mac $B6MAC
s0: src6 $SRV6
s0: udp_src_min 4000
s0: udp_src_max 4000
s0: udp_dst_min 5000
s0: udp_dst_max 5000
s0: flag UDPCSUM
EOF
}

rx() { n "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

# send KIND MODE COUNT: the flood, from CPU 0
send() {
	local kind=$1 mode=$2 count=$3 ns dev dmac src dst
	case $mode in
	plain4) ns=cli dev=c0 dmac=$B4MAC src=$CLI4 dst=$PLAIN4_DST ;;
	siit4) ns=cli dev=c0 dmac=$B4MAC src=$CLI4 dst=$SRV4 ;;
	plain6) ns=srv dev=s0 dmac=$B6MAC src=$SRV6 dst=$PLAIN6_DST ;;
	siit6) ns=srv dev=s0 dmac=$B6MAC src=$SRV6 dst=$CLI6 ;;
	esac
	if [ "$kind" = pktgen ]; then
		local key=dst
		case $dst in *:*) key=dst6 ;; esac
		printf '%s: count %s\n%s: %s %s\n' "$dev" "$count" "$dev" "$key" "$dst" |
			pg "$ns" || return 1
		echo "pgctrl: start" | pg "$ns" || return 1
	else
		n br taskset -c 0 $PY "$here/noalloc.py" tp "$kind" \
			"$src" "$dst" "$count" >"$work/py.out" 2>&1 || {
			sed 's/^/#   /' "$work/py.out" >&2; return 1; }
	fi
}

mode_enter() {	# MODE
	case $1 in
	plain*) grep -q '^siitdc ' /proc/modules && rmmod siitdc ;;
	siit*)
		if ! grep -q '^siitdc ' /proc/modules; then
			insmod "$SIITDC_KO" && siitctl set pool6 "$POOL6" &&
				siitctl add "$SRV4" "$SRV6"
		fi ;;
	esac
}

declare -A RES
# measure KIND MODE COUNT: RES[KIND MODE] = "allocs pages frees copies
# received clones" per packet
measure() {
	local kind=$1 mode=$2 count=$3 far fdev r0 r1
	case $mode in *4) far=srv fdev=s0 ;; *) far=cli fdev=c0 ;; esac
	mode_enter "$mode" || return 1
	send "$kind" "$mode" $((count / 10)) >/dev/null || return 1	# warm-up
	r0=$(rx "$far" "$fdev")
	hist_on
	send "$kind" "$mode" "$count" || { hist_off; return 1; }
	RES[$kind $mode]=$(awk -v n="$count" -v a="$(hits "$ALLOC_EVENTS")" \
		-v p="$(hits "$PAGE_EVENTS")" -v f="$(hits "$FREE_EVENTS")" \
		-v c="$(hits "$COPY_EVENTS")" -v r=$(($(rx "$far" "$fdev") - r0)) \
		-v k="$(hits noalloc/skb_clone)" \
		'BEGIN { printf "%.3f %.3f %.3f %.3f %.3f %.3f", a / n, p / n, f / n, c / n, r / n, k / n }')
	local e detail=
	for e in $ALL_EVENTS; do
		detail="$detail$(awk -v e="${e#*/}" -v h="$(hits "$e")" -v n="$count" \
			'BEGIN { if (h) printf " %s=%.3f", e, h / n }')"
	done
	hist_off
	echo "# $kind $mode: allocs pages frees skb-alloc/copy received per packet: ${RES[$kind $mode]}"
	echo "#   per packet:$detail"
}

pg_setup
for kind in pktgen udp tcp icmp; do
	[ "$kind" = pktgen ] && count=$N_PKTGEN || count=$N_PY
	for mode in plain4 siit4 plain6 siit6; do
		measure "$kind" "$mode" "$count" || not_ok "$kind $mode: flood ran"
	done
	for pair in "plain4 siit4" "plain6 siit6"; do
		set -- $pair
		p=${RES[$kind $1]:-} s=${RES[$kind $2]:-}
		[ -n "$p" ] && [ -n "$s" ] || continue
		read -r pa pp pf pc pr pk <<<"$p"
		read -r sa sp sf sc sr sk <<<"$s"
		if [ "$kind" = pktgen ]; then
			# pktgen still holds a reference to its skb when the BR
			# receives it, mostly: ip(v6)_rcv then clones it (one
			# allocation, one copy event) and the forwarding copies
			# its shared head (one more of each). When softirq work
			# is deferred to ksoftirqd (a busy host slows the TCG
			# guest's clock), pktgen has let go first and neither
			# happens: a share of packets that differs from run to
			# run. So for pktgen the counts are compared without the
			# receive clones, and siitdc must add no clone of its own:
			# at most one per packet.
			check "$kind $2: at most the receive clone per packet ($sk)" \
				awk -v k="$sk" -v t="$TOL" 'BEGIN { exit !(k <= 1 + t) }'
			read -r pa pc <<<"$(awk -v a="$pa" -v c="$pc" -v k="$pk" 'BEGIN { printf "%.3f %.3f", a - 2 * k, c - 2 * k }')"
			read -r sa sc <<<"$(awk -v a="$sa" -v c="$sc" -v k="$sk" 'BEGIN { printf "%.3f %.3f", a - 2 * k, c - 2 * k }')"
		fi
		check "$kind $2: every packet arrived translated ($sr per packet sent)" \
			awk -v r="$sr" 'BEGIN { exit !(r >= 0.999) }'
		check "$kind $1: every packet arrived ($pr per packet sent)" \
			awk -v r="$pr" 'BEGIN { exit !(r >= 0.999) }'
		# The counting itself: the far end frees each packet.
		check "$kind $1: the count sees each packet's free at the far end ($pf)" \
			awk -v f="$pf" 'BEGIN { exit !(f >= 0.99) }'
		for m in "allocs $pa $sa" "pages $pp $sp" "skb-frees $pf $sf" "skb-allocs/copies $pc $sc"; do
			set -- $m
			check "$kind ${pair#* }: $1 per packet as in plain forwarding ($3 vs $2)" \
				awk -v a="$2" -v b="$3" -v t="$TOL" 'BEGIN { d = b - a; exit !(d <= t && d >= -t) }'
		done
	done
	echo "# $kind allocs/pkt plain4 $(cut -d' ' -f1 <<<"${RES[$kind plain4]:-? }") siit4 $(cut -d' ' -f1 <<<"${RES[$kind siit4]:-? }") plain6 $(cut -d' ' -f1 <<<"${RES[$kind plain6]:-? }") siit6 $(cut -d' ' -f1 <<<"${RES[$kind siit6]:-? }")"
done
for f in $COPY_FUNCS; do echo "-:noalloc/$f" >>$T/kprobe_events; done

# --- Call graph ------------------------------------------------------------------
mode_enter siit4
echo 0 >$T/tracing_on
echo nop >$T/current_tracer
echo 'hook4 hook6' >$T/set_graph_function 2>/dev/null
check "function_graph can start at siitdc's hooks" grep -q hook4 $T/set_graph_function
echo 'ip_forward ip6_forward ip_local_deliver ip6_input' >$T/set_graph_notrace
# Only siitdc and the functions the check looks for are patched: switching
# the graph tracer on for every function of the kernel means tens of
# thousands of live text patches, and under qemu's TCG one of them once
# crashed the 6.12 guest (in tick_irq_enter, at the patched call site).
GRAPH_FILTER="*:mod:siitdc _raw_spin_*lock* _raw_read_*lock* _raw_write_*lock*
queued_*_lock* mutex_*lock* down_read* down_write* __kmalloc* kmalloc*
kmem_cache_alloc* __alloc_pages* alloc_pages* vmalloc* __vmalloc*
page_frag_alloc* __alloc_skb __netdev_alloc_skb napi_alloc_skb build_skb
pskb_expand_head skb_copy* __pskb_copy* __pskb_pull_tail skb_clone
skb_segment* skb_checksum* __skb_checksum skb_cow_data skb_unshare
ip_route_input_noref ip_route_input ip6_route_input_lookup ip_route_output_key
ip_route_output_flow ip6_route_output ip6_route_output_flags get_random_u32
get_random_u32_below __get_random_u32_below _get_random_bytes get_random_bytes
ip_forward ip6_forward ip_local_deliver ip6_input"
for p in $GRAPH_FILTER; do echo "$p" >>$T/set_ftrace_filter 2>/dev/null; done
check "the tracer is limited to siitdc and the functions looked for" \
	grep -q '^hook4' $T/set_ftrace_filter
echo 8192 >$T/buffer_size_kb
# Interrupts that happen to land inside a hook are not the hook's work.
echo 0 >$T/options/funcgraph-irqs
# The senders start (scapy is slow to import, slower under the tracer)
# before tracing does, then all send at once, into the tap: skbs as a NIC
# makes them. (pktgen's skbs are shared - it holds a reference to resend
# them - so any forwarding, plain or translated, must copy their head.)
# A first round warms the route caches up: the kernel allocates a cached
# route at the first packet of a flow, whoever asks for it.
graph_round() {	# sets GPIDS; uses $count and $go
	local kind dir i=0
	GPIDS=
	rm -f "$work"/g*.out
	for kind in udp tcp icmp; do
		for dir in "$CLI4 $SRV4" "$SRV6 $CLI6"; do
			set -- $dir
			i=$((i + 1))
			n br taskset -c 0 $PY "$here/noalloc.py" tp "$kind" "$1" "$2" \
				"$count" "$go" >"$work/g$i.out" 2>&1 &
			GPIDS="$GPIDS $!"
		done
	done
	for i in $(seq 600); do
		[ "$(cat "$work"/g*.out | grep -c ready)" -ge 6 ] && break
		sleep 0.1
	done
}
count=20 go=$work/go0
graph_round
touch "$work/go0"
# shellcheck disable=SC2086
wait $GPIDS
count=50 go=$work/go1
graph_round
echo function_graph >$T/current_tracer
echo >$T/trace
echo 1 >$T/tracing_on
touch "$work/go1"
# shellcheck disable=SC2086
wait $GPIDS
echo 0 >$T/tracing_on
cat $T/trace >"$work/graph"
echo nop >$T/current_tracer
echo >$T/set_graph_function
echo >$T/set_graph_notrace
echo >$T/set_ftrace_filter

# Lines "name() {", "name();" and "}" after the "|" of each record; each
# call is filed as "siit NAME" or, when under a kernel service siitdc calls,
# as "route NAME": the route lookup it asks for (the same lookup plain
# forwarding makes, with the same route cache), and the random numbers of
# __ip_select_ident() (IPv4 IDs of 6->4 packets without DF; the kernel's
# RNG takes a lock when it re-keys its per-CPU state after a reseed). Those
# may allocate or lock now and then (cache refills), never per packet.
ROUTE='^(ip_route_input_noref|ip_route_input|ip6_route_input_lookup|ip_route_output_key|ip_route_output_flow|ip6_route_output|ip6_route_output_flags|get_random_u32|get_random_u32_below|__get_random_u32_below|_get_random_bytes|get_random_bytes)$'
awk -F'|' -v route="$ROUTE" '
	NF < 2 || /^ *#/ { next }
	{ body = $NF; sub(/^ +/, "", body) }
	body ~ /^}/ { if (depth > 0) depth--; next }
	body ~ /^[A-Za-z_][A-Za-z0-9_.]*( \[[a-z0-9_]+\])?\(\)/ {
		name = body; sub(/\(.*/, "", name); sub(/ .*/, "", name)
		inroute = 0
		for (i = 1; i <= depth; i++) if (stack[i] ~ route) inroute = 1
		calls[(inroute ? "route " : "siit ") name]++
		if (body ~ /\{ *$/) stack[++depth] = name
	}
	END { for (c in calls) print calls[c], c }' "$work/graph" | sort -k3 >"$work/calls"
hooks=$(awk '$3 == "hook4" || $3 == "hook6" { s += $1 } END { print s + 0 }' "$work/calls")
xl4=$(awk '$3 == "siitdc_xlat_4to6" { print $1 }' "$work/calls")
xl6=$(awk '$3 == "siitdc_xlat_6to4" { print $1 }' "$work/calls")
check "the graph holds the 300 packets' hooks ($hooks hook calls, xlat_4to6 ${xl4:-0}, xlat_6to4 ${xl6:-0})" \
	test "$hooks" -ge 300 -a "${xl4:-0}" -ge 150 -a "${xl6:-0}" -ge 150
LOCKS='^(_raw_(spin|read|write)_(try)?lock.*|queued_(spin|read|write)_lock.*|mutex_(try)?lock.*|down_(read|write).*|rt_spin_lock.*)$'
ALLOCS='^(__?kmalloc.*|kmalloc.*|kmem_cache_alloc.*|__alloc_pages.*|alloc_pages.*|vmalloc.*|__vmalloc.*|page_frag_alloc.*|__alloc_skb|__netdev_alloc_skb|napi_alloc_skb|build_skb)$'
COPIES='^(pskb_expand_head|skb_copy.*|__pskb_copy.*|__pskb_pull_tail|skb_clone|skb_segment.*|skb_checksum_help|skb_checksum|__skb_checksum|skb_cow_data|skb_unshare)$'
for what in "locks $LOCKS" "allocations $ALLOCS" "copies $COPIES"; do
	set -- $what
	found=$(awk -v re="$2" '$2 == "siit" && $3 ~ re { printf "%s x%s ", $3, $1 }' "$work/calls")
	check_eq "no $1 in siitdc's hook path (UDP, TCP, ICMP echo; both ways)" "" "$found"
	inroute=$(awk -v re="$2" '$2 == "route" && $3 ~ re { printf "%s x%s ", $3, $1 }' "$work/calls")
	n=$(awk -v re="$2" '$2 == "route" && $3 ~ re { s += $1 } END { print s + 0 }' "$work/calls")
	check "$1 in the route lookups and RNG siitdc calls: cache refills only, not per packet ($n over 300 packets: ${inroute:-none})" \
		test "$n" -le 3
done
echo "# functions called under hook4/hook6 (calls over 300 packets):"
sort -rn "$work/calls" | head -40 | sed 's/^/#   /'
cp "$work/graph" "${GUEST_RESULTS:-/tmp}/noalloc-graph.txt" 2>/dev/null

kill "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null
topo_down
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|UBSAN|KASAN'; then
	not_ok "kernel log free of warnings"
else
	ok "kernel log free of warnings"
fi
summary
