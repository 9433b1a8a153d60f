# SPDX-License-Identifier: GPL-2.0
# Translated packets stay visible to the other family's firewall: an nft
# rule in the BR's ip6 filter forward chain counts, and can drop, traffic
# that arrived as IPv4; ip filter forward sees what arrived as IPv6.
set -u
T_GROUP=firewall
. "$(dirname "$0")/lib.sh"

load_module
topo_up

counter() {	# FAMILY: the packets of the first counter rule in forward
	n br nft list chain "$1" filter forward |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n 1
}

n br nft add table ip6 filter
n br nft add chain ip6 filter forward '{ type filter hook forward priority 0; }'
n br nft add rule ip6 filter forward ip6 saddr "$POOL6" ip6 daddr "$SRV6" counter
check "ping IPv4 client -> IPv6 server with the ip6 rule in place" \
	n cli ping -c 5 -i 0.2 -W 2 "$SRV4"
check_eq "ip6 filter forward counted the 5 translated echo requests" 5 "$(counter ip6)"

n br nft add table ip filter
n br nft add chain ip filter forward '{ type filter hook forward priority 0; }'
n br nft add rule ip filter forward ip saddr "$SRV4" ip daddr "$CLI4" counter
check "ping IPv6 server -> IPv4 client with the ip rule in place" \
	n srv ping -c 3 -i 0.2 -W 2 "$CLI6"
# The rule came after the first pings: it sees just these 3 echo requests.
check_eq "ip filter forward counted the 3 packets translated 6->4" 3 "$(counter ip)"

n br nft insert rule ip6 filter forward ip6 saddr "$POOL6" udp dport 7777 drop
n srv timeout 5 socat -u UDP6-RECV:7777 OPEN:/tmp/fw-rx,creat,trunc &
wait_listen srv udp 7777
echo dropped | n cli socat -u - "UDP4:$SRV4:7777"
sleep 1
kill %1 2>/dev/null; wait 2>/dev/null
check_eq "an ip6 drop rule stops translated IPv4-origin traffic" "" "$(cat /tmp/fw-rx 2>/dev/null)"
check "... while other translated traffic still flows" n cli ping -c 1 -W 2 "$SRV4"
rm -f /tmp/fw-rx

topo_down
summary
