# SPDX-License-Identifier: GPL-2.0
# Shared by the guest test scripts: the three-namespace topology and
# TAP-style checks. Sourced, not run.
#
#   cli (IPv4 client)  c0 ----- b4  br (siitdc)  b6 ----- s0  srv (IPv6 server)
#   192.0.2.1/24            192.0.2.254/24   2001:db8:6::1/64     2001:db8:6::7/64
#
# pool6 (the IPv4 Internet as seen from the data center): 2001:db8:46::/96.
# The server's public IPv4 service address: 198.51.100.7 (an EAM entry).

: "${SIITDC_KO:?path to siitdc.ko}"
: "${SIITCTL:?path to siitctl}"

POOL6=2001:db8:46::/96
CLI4=192.0.2.1
BR4=192.0.2.254
SRV6=2001:db8:6::7
BR6=2001:db8:6::1
SRV4=198.51.100.7
CLI6=2001:db8:46::c000:201	# CLI4 embedded in POOL6

T_PASS=0
T_FAIL=0
T_GROUP=${T_GROUP:-guest}

ok() {
	T_PASS=$((T_PASS + 1))
	echo "ok $T_GROUP: $*"
}

not_ok() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_GROUP: $*"
}

# check NAME CMD...: passes when CMD exits 0; shows CMD's output on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	fi
}

# check_fails NAME CMD...: passes when CMD exits non-zero.
check_fails() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		not_ok "$name (unexpectedly succeeded)"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -20
	else
		ok "$name"
	fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   expected: $2"
		echo "#   actual:   $3"
	fi
}

summary() {
	echo "# $T_GROUP: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

n() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

siitctl() {
	ip netns exec br "$SIITCTL" "$@"
}

# wait_listen NS tcp|udp PORT: until a socket listens there (10 s at most);
# a fixed sleep is no readiness check on a loaded machine.
wait_listen() {
	local i
	for i in $(seq 100); do
		n "$1" ss -Hln --"$2" "sport = :$3" | grep -q . && return 0
		sleep 0.1
	done
	echo "# nothing listens on $2 port $3 in $1" >&2
	return 1
}

# Reads one counter of the BR's instance.
stat() {
	siitctl stats | awk -v k="$1" '$1 == k { print $2 }'
}

# A siitctl batch of 20,000 entries of owner bulk, outside every pool the
# tests use (198.18.0.0/15 -> 2001:db8:77::/112): a large operator table.
bulk_batch() {
	python3 -c '
for i in range(20000):
    print("add 198.18.%d.%d 2001:db8:77::%x owner bulk" % (i // 256, i % 256, i))
'
}

# Kernel text patched while another vCPU may be running it (ftrace,
# kprobes, tracepoints and static keys all patch with an int3 first) has
# crashed TCG guests with "Oops: int3": QEMU let a CPU meet the int3 after
# the kernel had finished the patch and no longer expected it (seen in
# __netif_receive_skb_core, ttwu_do_activate, _raw_spin_lock_irq). On
# hardware the kernel's sync IPIs rule that out. Suites that trace take
# every CPU but 0 offline around it (cpus_solo), and bring them back
# (cpus_all) when done; with one CPU there is no cross-modifying code.
cpus_online() {	# 0|1: every CPU but CPU 0 offline (0) or online (1)
	local f
	for f in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -f "$f" ] || continue
		[ "$(cat "$f")" = "$1" ] || echo "$1" >"$f" || return 1
	done
}
cpus_solo() { cpus_online 0; }
cpus_all() { cpus_online 1; }

load_module() {
	if ! grep -q '^siitdc ' /proc/modules; then
		insmod "$SIITDC_KO"
	fi
}

topo_down() {
	ip netns del cli 2>/dev/null || true
	ip netns del br 2>/dev/null || true
	ip netns del srv 2>/dev/null || true
}

topo_up() {
	topo_down
	ip netns add cli
	ip netns add br
	ip netns add srv
	for ns in cli br srv; do
		ip -n "$ns" link set dev lo up
		# Links come up usable at once: no duplicate address detection.
		n "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0
	done
	ip link add name c0 netns cli type veth peer name b4 netns br
	ip link add name s0 netns srv type veth peer name b6 netns br

	ip -n cli addr add "$CLI4/24" dev c0
	ip -n cli link set dev c0 up
	ip -n cli route add default via "$BR4"

	n br sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n br addr add "$BR4/24" dev b4
	ip -n br link set dev b4 up
	# RFC 7755: the IPv6 side carries the IPv4 MTU + 20.
	ip -n br link set dev b6 mtu 1520 up
	ip -n br addr add "$BR6/64" dev b6 nodad

	ip -n srv link set dev s0 mtu 1520 up
	ip -n srv addr add "$SRV6/64" dev s0 nodad
	ip -n srv route add default via "$BR6"

	siitctl set pool6 "$POOL6"
	siitctl add "$SRV4" "$SRV6"

	# Resolve the BR's neighbours now, so no test waits for ARP or ND.
	n br ping -c 1 -W 2 "$CLI4" >/dev/null
	n br ping -c 1 -W 2 "$SRV6" >/dev/null
}
