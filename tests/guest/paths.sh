# SPDX-License-Identifier: GPL-2.0
# Paths through the BR with routers on both sides: ICMP errors produced for
# translated traffic (by siitdc and by the kernels on either side) reach
# the original sender translated, so traceroute, tracepath and PMTU
# discovery work across the IPv4/IPv6 boundary (RFC 7915 4.2-4.4, 5.2-5.4,
# RFC 6791).
#
#  cli ---- r4 ---- br ---- r6 ---- srv
#  192.0.2.1    .254 | 203.0.113.1  .2 | 2001:db8:5::1  ::2 | 2001:db8:6::1  ::7
set -u
T_GROUP=paths
. "$(dirname "$0")/lib.sh"

SRV4=198.51.100.7
R4_BR=203.0.113.1
BR_R4=203.0.113.2
POOL6791=198.51.100.192/28

paths_down() {
	for ns in cli r4 br r6 srv; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

link() {	# NS-A IF-A NS-B IF-B MTU
	ip link add name "$2" netns "$1" mtu "$5" type veth \
		peer name "$4" netns "$3" mtu "$5"
	ip -n "$1" link set dev "$2" up
	ip -n "$3" link set dev "$4" up
}

paths_up() {
	paths_down
	for ns in cli r4 br r6 srv; do
		ip netns add "$ns"
		ip -n "$ns" link set dev lo up
		n "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 \
			net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
	done
	link cli c0 r4 r4c 1500
	link r4 r4b br b4 1500
	link br b6 r6 r6b 1520
	link r6 r6s srv s0 1520

	ip -n cli addr add 192.0.2.1/24 dev c0
	ip -n cli route add default via 192.0.2.254
	ip -n r4 addr add 192.0.2.254/24 dev r4c
	ip -n r4 addr add "$R4_BR/24" dev r4b
	ip -n r4 route add 198.51.100.0/24 via "$BR_R4"
	ip -n br addr add "$BR_R4/24" dev b4
	ip -n br route add default via "$R4_BR"
	ip -n br addr add 2001:db8:5::1/64 dev b6
	ip -n br route add 2001:db8:6::/64 via 2001:db8:5::2
	ip -n r6 addr add 2001:db8:5::2/64 dev r6b
	ip -n r6 addr add 2001:db8:6::1/64 dev r6s
	ip -n r6 route add default via 2001:db8:5::1
	ip -n srv addr add 2001:db8:6::7/64 dev s0
	ip -n srv route add default via 2001:db8:6::1

	siitctl set pool6 "$POOL6" pool6791v4 "$POOL6791"
	siitctl add "$SRV4" "$SRV6"
	n cli ping -c 1 -W 3 "$SRV4" >/dev/null
}

load_module
paths_up

head -c 2097152 /dev/urandom > /tmp/paths-tx
want=$(sha256sum < /tmp/paths-tx)

# --- traceroute / tracepath from the IPv4 client -------------------------------
hops() {	# the hop addresses traceroute printed, one a line
	awk '$1 ~ /^[0-9]+$/ { print $2 }'
}
out=$(n cli traceroute -n -q 1 -w 2 -m 6 "$SRV4" 2>&1)
echo "$out" | sed 's/^/#   /'
h=$(hops <<<"$out" | tr '\n' ' ')
check "traceroute (UDP): hop 1 is the IPv4 router" test "$(hops <<<"$out" | sed -n 1p)" = 192.0.2.254
check "traceroute (UDP): hop 2 is the BR (Time Exceeded before translation)" \
	test "$(hops <<<"$out" | sed -n 2p)" = "$BR_R4"
check "traceroute (UDP): hop 3 is the IPv6 router, from the RFC 6791 pool" \
	sh -c "case '$(hops <<<"$out" | sed -n 3p)' in 198.51.100.19[2-9]|198.51.100.20[0-7]) true;; *) false;; esac"
check "traceroute (UDP): hop 4 is the server, Port Unreachable translated" \
	test "$(hops <<<"$out" | sed -n 4p)" = "$SRV4"
check "traceroute (UDP): ends at the server" test "$(hops <<<"$out" | wc -l)" -eq 4

out=$(n cli traceroute -I -n -q 1 -w 2 -m 6 "$SRV4" 2>&1)
echo "$out" | sed 's/^/#   /'
check_eq "traceroute -I (ICMP): the same four hops" \
	"192.0.2.254 $BR_R4 $(hops <<<"$out" | sed -n 3p) $SRV4" "$(hops <<<"$out" | tr '\n' ' ' | sed 's/ $//')"

out=$(n cli tracepath -n -m 6 "$SRV4" 2>&1)
echo "$out" | sed 's/^/#   /'
check "tracepath reaches the server" grep -q "$SRV4" <<<"$out"
check "tracepath shows the translated IPv6 hop" grep -qE '198\.51\.100\.(19[2-9]|20[0-7])' <<<"$out"

check "xlat_icmp_err_6to4 counted the translated errors" \
	test "$(stat xlat_icmp_err_6to4)" -gt 0

# Each PMTU scenario starts from a fresh topology: a PMTU cached by an earlier
# one would lower the MSS a host advertises and hide the next.
# --- PMTU on the IPv4 side: the BR's own IPv4 link carries only 1400 ------------
paths_up
ip -n br link set dev b4 mtu 1400
ip -n r4 link set dev r4b mtu 1400
download() {	# NAME: the server sends to the IPv4 client
	rm -f /tmp/paths-rx
	n cli timeout 60 socat -u TCP4-LISTEN:5002,reuseaddr OPEN:/tmp/paths-rx,creat,trunc &
	wait_listen cli tcp 5002
	n srv timeout 60 socat -u OPEN:/tmp/paths-tx "TCP6:[2001:db8:46::c000:201]:5002"
	wait
	check_eq "$1" "$want" "$(sha256sum < /tmp/paths-rx)"
}
e=$(stat xlat_icmp_err_4to6)
download "PMTU, IPv4 side 1400: 2 MB TCP download with DF arrives intact"
check "the BR's own Frag Needed went out translated (LOCAL_OUT)" \
	test "$(stat xlat_icmp_err_4to6)" -gt "$e"
check_eq "the server learnt MTU 1420 (1400 + 20, RFC 7915 4.2)" "1420" \
	"$(n srv ip -6 route get 2001:db8:46::c000:201 | sed -n 's/.* mtu \([0-9]*\).*/\1/p' | head -n 1)"
ip -n br link set dev b4 mtu 1500
ip -n r4 link set dev r4b mtu 1500

# ... and the same when a router further on the IPv4 side has the small link.
paths_up
ip -n r4 link set dev r4c mtu 1300
e=$(stat xlat_icmp_err_4to6)
download "PMTU, IPv4 router at 1300: 2 MB TCP download arrives intact"
check "the IPv4 router's Frag Needed came back translated (PRE_ROUTING)" \
	test "$(stat xlat_icmp_err_4to6)" -gt "$e"
check_eq "the server learnt MTU 1320 (1300 + 20)" "1320" \
	"$(n srv ip -6 route get 2001:db8:46::c000:201 | sed -n 's/.* mtu \([0-9]*\).*/\1/p' | head -n 1)"

# --- PMTU on the IPv6 side: r6 -> srv carries only 1400 --------------------------
paths_up
# Only the router's egress is small, so the server's MSS does not hide it.
ip -n r6 link set dev r6s mtu 1400
tcp_transfer() {	# NAME: the IPv4 client uploads to the server
	rm -f /tmp/paths-rx
	n srv timeout 60 socat -u TCP6-LISTEN:5001,reuseaddr OPEN:/tmp/paths-rx,creat,trunc &
	wait_listen srv tcp 5001
	n cli timeout 60 socat -u OPEN:/tmp/paths-tx "TCP4:$SRV4:5001"
	wait
	check_eq "$1" "$want" "$(sha256sum < /tmp/paths-rx)"
}
e=$(stat xlat_icmp_err_6to4)
tcp_transfer "PMTU, IPv6 side 1400: 2 MB TCP upload with DF arrives intact"
check "the IPv6 router's Packet Too Big came back translated" \
	test "$(stat xlat_icmp_err_6to4)" -gt "$e"
check_eq "the client learnt MTU 1380 (1400 - 20, RFC 7915 5.2)" "1380" \
	"$(n cli ip route get "$SRV4" | sed -n 's/.* mtu \([0-9]*\).*/\1/p' | head -n 1)"
ip -n r6 link set dev r6s mtu 1520

rm -f /tmp/paths-tx /tmp/paths-rx
paths_down
summary
