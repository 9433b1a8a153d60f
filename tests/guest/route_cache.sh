# SPDX-License-Identifier: GPL-2.0
# The IPv6 route kept in a single-address entry (kmod/route_cache.c) never
# outlives a change of the routing that chose it: a more specific route, a
# policy rule, a source-specific route and a removed interface all take
# effect on the very next packet, and a cached route never pins a device.
set -u
T_GROUP=route_cache
. "$(dirname "$0")/lib.sh"

load_module
topo_up

ping1() { n cli ping -c 1 -W 1 "$SRV4" >/dev/null 2>&1; }
pings() { n cli ping -c "$1" -i 0.05 -W 1 "$SRV4" 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p'; }

check "translated pings flow (the route is now cached)" n cli ping -c 5 -i 0.1 -W 2 "$SRV4"

n br ip -6 route add blackhole "$SRV6/128"
check_eq "a more specific blackhole route stops the next packets" 0 "$(pings 3)"
n br ip -6 route del blackhole "$SRV6/128"
check_eq "... and its removal lets them through again" 3 "$(pings 3)"

# A rule sends the server's address to a table that has no route to it.
n br ip -6 route add blackhole default table 100
n br ip -6 rule add to "$SRV6/128" table 100 pref 100
check_eq "a policy rule is obeyed (no cached route bypasses it)" 0 "$(pings 3)"
n br ip -6 rule del to "$SRV6/128" table 100 pref 100
check_eq "... and its removal restores the path" 3 "$(pings 3)"

# A source-specific route (IPv6 subtrees) for translated sources only.
n br ip -6 route add blackhole "$SRV6/128" from "$POOL6"
check_eq "a source-specific route is obeyed" 0 "$(pings 3)"
n br ip -6 route del blackhole "$SRV6/128" from "$POOL6"
check_eq "... and its removal restores the path" 3 "$(pings 3)"

# The link goes down and up: the route through it goes and comes back
# (with its address: IPv6 addresses do not survive a link going down).
n br ip link set dev b6 down
check_fails "no translated traffic while the outgoing link is down" ping1
n br ip link set dev b6 up
n br ip addr replace "$BR6/64" dev b6 nodad
for _ in 1 2 3 4 5 6 7 8 9 10; do ping1 && break; sleep 0.3; done
check "traffic resumes once the link is back" ping1

# Deleting the entry drops its route; traffic stops at once.
siitctl del "$SRV4"
check_eq "a deleted entry translates nothing" 0 "$(pings 2)"
siitctl add "$SRV4" "$SRV6"
check "re-added entry translates again" n cli ping -c 2 -i 0.1 -W 2 "$SRV4"

# With the route cached, the outgoing veth disappears with its namespace:
# a route held by the entry must not keep the device (and the namespace)
# from going away.
ping1
t0=$(date +%s)
ip netns del srv
for _ in $(seq 50); do ip -n br link show b6 >/dev/null 2>&1 || break; sleep 0.2; done
check_fails "the BR's veth is gone with the server's namespace" ip -n br link show b6
ip netns del br
sleep 2
check_fails "no 'waiting for device to become free' in the kernel log" \
	sh -c 'dmesg | grep -q "unregister_netdevice: waiting"'
check "namespaces went away promptly ($(($(date +%s) - t0)) s)" test $(($(date +%s) - t0)) -lt 20

topo_down
summary
