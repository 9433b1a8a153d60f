# SPDX-License-Identifier: GPL-2.0
# Functional tests: real traffic through siitdc between an IPv4 client and
# an IPv6-only server, the table and pool6 semantics, instances per
# namespace, teardown. Run inside the guest (tests/run does it).
set -u
T_GROUP=netns
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

load_module
topo_up

# --- Traffic ---------------------------------------------------------------
before=$(stat xlat_4to6)
check "ping IPv4 client -> IPv6 server" n cli ping -c 3 -i 0.2 -W 2 "$SRV4"
check "ping IPv6 server -> IPv4 client" n srv ping -c 3 -i 0.2 -W 2 "$CLI6"
after=$(stat xlat_4to6)
check "xlat_4to6 counts the pings (>= 6 packets)" test $((after - before)) -ge 6

head -c 10485760 /dev/urandom > "$work/tx"
want=$(sha256sum < "$work/tx")

tcp_transfer() {	# NAME SERVER-NS LISTEN-SPEC CLIENT-NS CONNECT-SPEC PORT
	local name=$1 sns=$2 laddr=$3 cns=$4 caddr=$5 port=$6 pid got
	rm -f "$work/rx"
	n "$sns" timeout 120 socat -u "$laddr:$port,reuseaddr" \
		"OPEN:$work/rx,creat,trunc" &
	pid=$!
	wait_listen "$sns" tcp "$port"
	n "$cns" timeout 120 socat -u "OPEN:$work/tx" "$caddr:$port"
	wait "$pid"
	got=$(sha256sum < "$work/rx")
	check_eq "$name" "$want" "$got"
}
tcp_transfer "10 MB TCP IPv4 client -> IPv6 server, sha256 equal" \
	srv TCP6-LISTEN cli "TCP4:$SRV4" 5001
tcp_transfer "10 MB TCP IPv6 server -> IPv4 client, sha256 equal" \
	cli TCP4-LISTEN srv "TCP6:[$CLI6]" 5002

# UDP: an echo server on the IPv6 side answers the IPv4 client, and back.
n srv timeout 10 socat -T 3 UDP6-LISTEN:5003 PIPE &
wait_listen srv udp 5003
got=$(echo "udp-4to6-$$" | n cli timeout 5 socat -T 2 - "UDP4:$SRV4:5003")
check_eq "UDP IPv4 client -> IPv6 echo server -> back" "udp-4to6-$$" "$got"
wait
n cli timeout 10 socat -T 3 UDP4-LISTEN:5004 PIPE &
wait_listen cli udp 5004
got=$(echo "udp-6to4-$$" | n srv timeout 5 socat -T 2 - "UDP6:[$CLI6]:5004")
check_eq "UDP IPv6 server -> IPv4 echo server -> back" "udp-6to4-$$" "$got"
wait

# --- TTL / hop limit expiring at the BR -------------------------------------
out=$(n cli ping -c 1 -W 2 -t 1 "$SRV4" 2>&1)
check "TTL 1 from the IPv4 side: Time to live exceeded from the BR" \
	grep -q "From $BR4.*Time to live exceeded" <<<"$out"
out=$(n srv ping -c 1 -W 2 -t 1 "$CLI6" 2>&1)
check "hop limit 1 from the IPv6 side: Time exceeded from the BR" \
	grep -q "From $BR6.*Time exceeded" <<<"$out"
check "drop_ttl_expired counted both" test "$(stat drop_ttl_expired)" -ge 2

# --- Addresses without entries ------------------------------------------------
p4=$(stat pass_4) x4=$(stat xlat_4to6)
check_fails "no entry for 198.51.100.99: not reachable" \
	n cli ping -c 1 -W 1 198.51.100.99
check "no entry: counted as pass_4" test "$(stat pass_4)" -gt "$p4"
check_eq "no entry: nothing translated" "$x4" "$(stat xlat_4to6)"

p6=$(stat pass_6)
check_fails "IPv6 destination outside pool6: not translated" \
	n srv ping -c 1 -W 1 2001:db8:47::1
check "outside pool6: counted as pass_6" test "$(stat pass_6)" -gt "$p6"

check "an unmapped IPv6 source is dropped and counted" \
	sh -c "ip -n srv addr add 2001:db8:6::8/64 dev s0 nodad &&
	       ! ip netns exec srv ping -c 1 -W 1 -I 2001:db8:6::8 $CLI6 &&
	       ip netns exec br $SIITCTL stats | grep -q '^drop_src_unmapped [1-9]'"

# --- Deleting an entry stops translation ----------------------------------------
siitctl del "$SRV4"
check_fails "deleted entry: IPv4 client no longer reaches the server" \
	n cli ping -c 1 -W 1 "$SRV4"
check_fails "deleted entry: server no longer reaches the client" \
	n srv ping -c 1 -W 1 "$CLI6"
siitctl add "$SRV4" "$SRV6"
check "re-added entry translates again" n cli ping -c 1 -W 2 "$SRV4"

# --- Prefix entries, longest prefix match ------------------------------------------
# 203.0.113.0/24 <-> 2001:db8:7::/120 (servers ::5 and ::105 on srv).
ip -n srv addr add 2001:db8:7::5/64 dev s0 nodad
ip -n srv addr add 2001:db8:7::105/64 dev s0 nodad
ip -n srv addr add 2001:db8:7::9/64 dev s0 nodad
ip -n br route add 2001:db8:7::/64 via "$SRV6"
siitctl add 203.0.113.0/24 2001:db8:7::/120
check "prefix entry: 203.0.113.5 reaches 2001:db8:7::5" \
	n cli ping -c 1 -W 2 203.0.113.5
check "prefix entry: source 2001:db8:7::9 reaches the client (as 203.0.113.9)" \
	n srv ping -c 1 -W 2 -I 2001:db8:7::9 "$CLI6"
check_eq "get 203.0.113.5 before the /32: the /24" \
	"203.0.113.0/24 2001:db8:7::/120" "$(siitctl get 203.0.113.5 | tail -n 1 | awk '{print $1, $2}')"
check_fails "overlapping /32 refused without force" \
	siitctl add 203.0.113.5 2001:db8:7::105
siitctl add 203.0.113.5 2001:db8:7::105 force
check_eq "get 203.0.113.5 after the /32: longest prefix wins" \
	"203.0.113.5/32 2001:db8:7::105/128" "$(siitctl get 203.0.113.5 | tail -n 1 | awk '{print $1, $2}')"
# Only ::105 answers now: if the /24 were used, ::5 (removed) would not.
ip -n srv addr del 2001:db8:7::5/64 dev s0
check "LPM 4->6: 203.0.113.5 now reaches 2001:db8:7::105" \
	n cli ping -c 1 -W 2 203.0.113.5
check "LPM 6->4: 2001:db8:7::105 maps back through the /32" \
	n srv ping -c 1 -W 2 -I 2001:db8:7::105 "$CLI6"
check "LPM: 203.0.113.9 still uses the /24" n cli ping -c 1 -W 2 203.0.113.9
siitctl del 203.0.113.5
siitctl del 203.0.113.0/24
ip -n srv addr flush dev s0 to 2001:db8:7::/64
ip -n srv addr del 2001:db8:6::8/64 dev s0

# --- pool6 lengths --------------------------------------------------------------------
for p in 2001:db8:46::/96 2001:db8:64::/64; do
	siitctl set pool6 "$p"
	case $p in
	*/96) cli6=2001:db8:46::c000:201 ;;
	*/64) cli6=2001:db8:64:0:c0:2:100:0 ;;	# RFC 6052: u octet skipped
	esac
	check "pool6 $p: IPv4 client -> server" n cli ping -c 1 -W 2 "$SRV4"
	check "pool6 $p: server -> client at $cli6" \
		n srv ping -c 1 -W 2 -I "$SRV6" "$cli6"
done
siitctl set pool6 none
check_fails "no pool6: IPv4 client sources cannot be mapped" \
	n cli ping -c 1 -W 1 "$SRV4"
siitctl set pool6 "$POOL6"

# --- Table operations -------------------------------------------------------------
check_eq "config shows pool6 and the entry count" \
	"pool6 $POOL6
eam_count 1" "$(siitctl config | sed -n '1p;$p')"
siitctl add 198.51.100.8 2001:db8:6::8
check "show -j lists both entries as JSON" sh -c \
	"ip netns exec br $SIITCTL show -j | /usr/bin/python3 -c '
import json, sys
e = json.load(sys.stdin)
assert sorted(x[\"ipv4\"] for x in e) == [\"198.51.100.7/32\", \"198.51.100.8/32\"], e
'"
check "stats -j is JSON with every counter" sh -c \
	"ip netns exec br $SIITCTL stats -j | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s[\"xlat_4to6\"] > 0 and \"drop_malformed\" in s, s
'"
check_eq "flush removes both" "flushed 2 entries" "$(siitctl flush)"
check_eq "show after flush is empty" "" "$(siitctl show | tail -n +2)"
check_fails "flushed: no translation" n cli ping -c 1 -W 1 "$SRV4"
siitctl add "$SRV4" "$SRV6"

# --- Instances are per namespace ---------------------------------------------------
ip netns add other
check_eq "a fresh namespace has an empty table" "" \
	"$(n other "$SIITCTL" show | tail -n +2)"
n other "$SIITCTL" add 192.0.2.200 2001:db8:99::1
check_eq "an entry added in another namespace stays there" \
	"198.51.100.7/32 2001:db8:6::7/128" "$(siitctl show | tail -n +2 | awk '{print $1, $2}')"
check_eq "counters are per namespace" "0" "$(n other "$SIITCTL" stats | awk '$1 == "xlat_4to6" {print $2}')"
check "translation in br unaffected" n cli ping -c 1 -W 2 "$SRV4"
ip netns del other

# --- Teardown after traffic -----------------------------------------------------------
n cli ping -c 20 -i 0.05 -W 2 "$SRV4" >/dev/null 2>&1 &
sleep 0.3
topo_down
wait
check "rmmod after traffic and namespace deletion" rmmod siitdc
check "module reloads" insmod "$SIITDC_KO"
topo_up
check "traffic after reload" n cli ping -c 1 -W 2 "$SRV4"
topo_down

summary
