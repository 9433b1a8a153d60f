# SPDX-License-Identifier: GPL-2.0
# Control plane tests: the "siitdc" generic netlink family. Every refusal the
# kernel can make is provoked with nlraw.py (a raw client that sends anything)
# and must come back with the expected errno and extack text; then the same
# refusals through siitctl, the valid commands, and the permission model.
# Run inside the guest (see tests/qemu/README.md).
set -u
T_GROUP=netlink
. "$(dirname "$0")/lib.sh"

NLRAW=$(cd "$(dirname "$0")" && pwd)/nlraw.py
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nl() {
	ip netns exec br /usr/bin/python3 "$NLRAW" "$@"
}

# refused NAME ERRNO TEXT NLRAW-ARGS...: nlraw must exit 1 with a single
# "error ERRNO: ..." line containing TEXT (fixed string).
refused() {
	local name=$1 want=$2 text=$3 out rc
	shift 3
	out=$(nl "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	   case $out in "error $want: "*"$text"*) true ;; *) false ;; esac; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   expected: exit 1, error $want: ...$text..."
		printf '%s\n' "exit $rc" "$out" | sed 's/^/#   got: /' | head -5
	fi
}

# accepted NAME TEXT NLRAW-ARGS...: nlraw must exit 0 and its output
# contain TEXT (fixed string; "" for any output).
accepted() {
	local name=$1 text=$2 out rc
	shift 2
	out=$(nl "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && case $out in *"$text"*) true ;; *) false ;; esac; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   expected: exit 0, output containing: $text"
		printf '%s\n' "exit $rc" "$out" | sed 's/^/#   got: /' | head -5
	fi
}

# ctl_refused NAME TEXT [RUNNER...] -- SIITCTL-ARGS...: siitctl must exit 1,
# print nothing on stdout and exactly one line on stderr containing TEXT.
# RUNNER (default: in the br namespace as root) prefixes the command.
ctl_refused() {
	local name=$1 text=$2 rc lines
	shift 2
	local runner=()
	while [ "$1" != -- ]; do runner+=("$1"); shift; done
	shift
	[ ${#runner[@]} -eq 0 ] && runner=(ip netns exec br)
	"${runner[@]}" "$SIITCTL" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	lines=$(wc -l <"$work/err")
	if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] && [ ! -s "$work/out" ] &&
	   grep -qF -- "$text" "$work/err"; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   expected: exit 1, one stderr line containing: $text"
		echo "#   got: exit $rc, $lines stderr line(s):"
		sed 's/^/#   err: /' "$work/err" | head -5
		sed 's/^/#   out: /' "$work/out" | head -5
	fi
}

# check_json NAME SIITCTL-ARGS...: siitctl -j ARGS prints valid JSON.
check_json() {
	local name=$1
	shift
	check "$name" sh -c '"$@" | /usr/bin/python3 -c "import json,sys; json.load(sys.stdin)"' \
		- ip netns exec br "$SIITCTL" -j "$@"
}

count() {	# the EAM entry count of the br instance
	nl config_get | sed -n 's/.*eam_count=\([0-9]*\).*/\1/p'
}

load_module
topo_up

# Offending prefixes used below; 198.51.100.7 <-> 2001:db8:6::7 exists.
E4=v4_addr=ip4:198.51.100.0
E6=v6_addr=ip6:2001:db8:9::
POOL=pool6_addr=ip6:2001:db8:46::
# Every other setting at its default, as CONFIG_GET reports it (the RFC 1191
# plateaus as host-order u16s; hairpin 2 = intrinsic).
DEFAULTS=lowest_ipv6_mtu=1280,mtu_plateaus=hex:ffff007dfa45e61f0011d207d405ee03fc0128014400,zeroize_tc=0,override_tos=0,tos=0,udp_zero_csum=0,hairpin=2,random_6791=1,icmp_errors=1,icmp_ratelimit=1000,denylist4=hex:

# --- The valid commands, raw --------------------------------------------
accepted "raw config_get: pool6 and count" \
	"config_get config{pool6_addr=2001:db8:46::,pool6_len=96,$DEFAULTS,eam_count=1}" \
	config_get
accepted "raw eam_get by IPv4 address" \
	"eam{v4_addr=198.51.100.7,v4_len=32,v6_addr=2001:db8:6::7,v6_len=128,source=0,pkts_4to6=" \
	eam_get "eam{v4_addr=ip4:198.51.100.7}"
accepted "raw eam_get by IPv6 address" "v4_addr=198.51.100.7," \
	eam_get "eam{v6_addr=ip6:2001:db8:6::7}"
accepted "raw eam_get dump" "eam_get eam{v4_addr=198.51.100.7," --dump eam_get
accepted "raw stats_get: every counter" "drop_gso=" stats_get
accepted "raw eam_add of a /24 <-> /120" "" eam_add "eam{v4_addr=ip4:203.0.113.0,v4_len=u8:24,v6_addr=ip6:2001:db8:a::,v6_len=u8:120}"
accepted "raw eam_get inside the /24 maps the suffix's entry" \
	"v4_addr=203.0.113.0,v4_len=24,v6_addr=2001:db8:a::,v6_len=120" \
	eam_get "eam{v6_addr=ip6:2001:db8:a::42}"
accepted "raw eam_del by IPv6 prefix" "" eam_del "eam{v6_addr=ip6:2001:db8:a::,v6_len=u8:120}"
refused "raw eam_get after del: ENOENT" ENOENT "no entry translates this address" \
	eam_get "eam{v4_addr=ip4:203.0.113.42}"
accepted "raw config_set pool6" "" config_set "config{pool6_addr=ip6:2001:db8:64::,pool6_len=u8:64}"
accepted "raw config_get shows the new pool6" "pool6_addr=2001:db8:64::,pool6_len=64" config_get
accepted "raw config_set pool6_clear" "" config_set "config{pool6_clear}"
accepted "raw config_get without pool6" "config_get config{$DEFAULTS,eam_count=1}" \
	config_get
accepted "raw config_set restores pool6" "" config_set "config{$POOL,pool6_len=u8:96}"
accepted "raw request with the ack capped (NETLINK_CAP_ACK)" "" --cap-ack config_get

# --- Refused by the policies (kernel-generated extack) ----------------------
refused "policy: v4_len 33" ERANGE "integer out of range [at eam.v4_len]" \
	eam_add "eam{$E4,v4_len=u8:33,$E6}"
refused "policy: v6_len 129" ERANGE "integer out of range [at eam.v6_len]" \
	eam_add "eam{$E4,v4_len=u8:24,$E6,v6_len=u8:129}"
refused "policy: v4_len 33, ack capped" ERANGE "integer out of range [at eam.v4_len]" \
	--cap-ack eam_add "eam{$E4,v4_len=u8:33,$E6}"
refused "policy: v4_addr of 5 bytes" ERANGE \
	"binary attribute size out of range [at eam.v4_addr]" \
	eam_add "eam{v4_addr=hex:c633640700,$E6}"
refused "policy: v6_addr of 4 bytes" ERANGE \
	"binary attribute size out of range [at eam.v6_addr]" \
	eam_add "eam{$E4,v6_addr=hex:20010db8}"
refused "policy: v4_len as a u32" EINVAL "[at eam.v4_len]" \
	eam_add "eam{$E4,v4_len=u32:24,$E6,v6_len=u8:120}"
refused "policy: unknown attribute in the eam nest" EINVAL \
	"Unknown attribute type [at eam.99]" eam_add "eam{$E4,$E6,99=u8:1}"
refused "policy: attribute 0 in the eam nest" EINVAL \
	"Unknown attribute type [at eam.0]" eam_add "eam{0=u8:1,$E4,$E6}"
refused "policy: unknown top-level attribute" EINVAL \
	"Unknown attribute type [at 99]" eam_add "eam{$E4,$E6}" 99=u32:0
refused "policy: unknown top-level attribute on a get" EINVAL \
	"Unknown attribute type [at 99]" config_get 99=hex:00
refused "policy: flags with an unknown bit" EINVAL "reserved bit set [at flags]" \
	eam_add "eam{$E4,$E6}" flags=u32:4
refused "policy: nest without NLA_F_NESTED" EINVAL "NLA_F_NESTED is missing" \
	--no-nest-flag eam_add "eam{$E4,$E6}"
refused "policy: reply-only stats in a request" EINVAL \
	"Attribute failed policy validation [at stats]" stats_get stats=u64:0
refused "policy: reply-only stats, nested, in a request" EINVAL \
	"NLA_F_NESTED not expected [at stats]" stats_get "stats{1=u64:0}"
refused "policy: reply-only count in a request" EINVAL \
	"Attribute failed policy validation [at count]" eam_flush count=u32:1
refused "policy: reply-only eam_count in config_set" EINVAL \
	"Attribute failed policy validation [at config.eam_count]" \
	config_set "config{eam_count=u32:7}"
refused "policy: pool6_len 129" ERANGE "integer out of range [at config.pool6_len]" \
	config_set "config{$POOL,pool6_len=u8:129}"
refused "policy: dump requests are validated too" EINVAL \
	"Unknown attribute type [at 99]" --dump eam_get 99=u8:1
refused "unknown command number" EOPNOTSUPP "(no message)" 99

# --- Refused by the handlers ------------------------------------------------
refused "add: no eam attribute" EINVAL "[missing attribute eam in top level]" \
	eam_add flags=u32:1
refused "add: missing v6_addr" EINVAL "[missing attribute v6_addr in eam]" \
	eam_add "eam{$E4,v4_len=u8:24}"
refused "add: missing v4_addr" EINVAL "[missing attribute v4_addr in eam]" \
	eam_add "eam{$E6}"
refused "add: IPv4 host bits set (198.51.100.1/24)" EINVAL \
	"IPv4 prefix has bits set beyond its length [at eam]" \
	eam_add "eam{v4_addr=ip4:198.51.100.1,v4_len=u8:24,$E6,v6_len=u8:120}"
refused "add: IPv6 host bits set (2001:db8:9::1/120)" EINVAL \
	"IPv6 prefix has bits set beyond its length [at eam]" \
	eam_add "eam{$E4,v4_len=u8:24,v6_addr=ip6:2001:db8:9::1,v6_len=u8:120}"
refused "add: IPv6 suffix shorter than IPv4 suffix (/24 <-> /121)" EINVAL \
	"IPv6 suffix must be at least as long as the IPv4 suffix (RFC 7757)" \
	eam_add "eam{v4_addr=ip4:192.0.2.0,v4_len=u8:24,v6_addr=ip6:2001:db8::,v6_len=u8:121}"
refused "add: duplicate IPv4 prefix" EEXIST "an entry with this IPv4 prefix exists" \
	eam_add "eam{v4_addr=ip4:198.51.100.7,v6_addr=ip6:2001:db8:6::8}"
refused "add: duplicate IPv6 prefix" EEXIST "an entry with this IPv6 prefix exists" \
	eam_add "eam{v4_addr=ip4:198.51.100.8,v6_addr=ip6:2001:db8:6::7}"
refused "add: duplicate IPv4 prefix even with force" EEXIST \
	"an entry with this IPv4 prefix exists" \
	eam_add "eam{v4_addr=ip4:198.51.100.7,v6_addr=ip6:2001:db8:6::8}" flags=u32:1
refused "add: /24 over an existing /32, no force" EEXIST \
	"IPv4 prefix overlaps an existing entry (use force to allow)" \
	eam_add "eam{$E4,v4_len=u8:24,$E6,v6_len=u8:120}"
accepted "add: /24 over an existing /32, with force" "" \
	eam_add "eam{$E4,v4_len=u8:24,$E6,v6_len=u8:120}" flags=u32:1
refused "add: /32 inside an existing /24" EEXIST \
	"IPv4 prefix overlaps an existing entry (use force to allow)" \
	eam_add "eam{v4_addr=ip4:198.51.100.9,v6_addr=ip6:2001:db8:7::9}"
refused "add: IPv6 /128 inside an existing IPv6 /120" EEXIST \
	"IPv6 prefix overlaps an existing entry (use force to allow)" \
	eam_add "eam{v4_addr=ip4:203.0.113.5,v6_addr=ip6:2001:db8:9::5}"
refused "add: IPv6 /120 over an existing IPv6 /128" EEXIST \
	"IPv6 prefix overlaps an existing entry (use force to allow)" \
	eam_add "eam{v4_addr=ip4:203.0.113.0,v4_len=u8:24,v6_addr=ip6:2001:db8:6::,v6_len=u8:120}"
accepted "get: longest match picks the /32 over the /24" \
	"v4_addr=198.51.100.7,v4_len=32,v6_addr=2001:db8:6::7,v6_len=128" \
	eam_get "eam{v4_addr=ip4:198.51.100.7}"
accepted "get: another address falls to the /24" \
	"v4_addr=198.51.100.0,v4_len=24,v6_addr=2001:db8:9::,v6_len=120" \
	eam_get "eam{v4_addr=ip4:198.51.100.8}"
accepted "dump lists both entries" "" --dump eam_get
check_eq "dump: two messages" 2 "$(nl --dump eam_get | grep -c '^eam_get eam{')"

refused "del: both v4 and v6 given" EINVAL \
	"give either the IPv4 or the IPv6 prefix of the entry [at eam]" \
	eam_del "eam{v4_addr=ip4:198.51.100.7,v6_addr=ip6:2001:db8:6::7}"
refused "del: neither given" EINVAL \
	"give either the IPv4 or the IPv6 prefix of the entry [at eam]" \
	eam_del "eam{v4_len=u8:24}"
refused "del: empty eam nest" EINVAL \
	"give either the IPv4 or the IPv6 prefix of the entry" eam_del "eam{}"
refused "del: no eam attribute" EINVAL "[missing attribute eam in top level]" eam_del
refused "del: host bits set" EINVAL "IPv4 prefix has bits set beyond its length" \
	eam_del "eam{v4_addr=ip4:198.51.100.7,v4_len=u8:24}"
refused "del: missing entry" ENOENT "no entry with this prefix" \
	eam_del "eam{v4_addr=ip4:203.0.113.99}"
refused "get: with a length" EINVAL \
	"give one IPv4 or IPv6 address, without a length [at eam]" \
	eam_get "eam{v4_addr=ip4:198.51.100.7,v4_len=u8:32}"
refused "get: with both addresses" EINVAL \
	"give one IPv4 or IPv6 address, without a length" \
	eam_get "eam{v4_addr=ip4:198.51.100.7,v6_addr=ip6:2001:db8:6::7}"
refused "get: address with no entry" ENOENT "no entry translates this address" \
	eam_get "eam{v6_addr=ip6:2001:db8:ffff::1}"
refused "config_set: no config attribute" EINVAL \
	"[missing attribute config in top level]" config_set
refused "config_set: pool6 length 95" EINVAL \
	"pool6 length must be 32, 40, 48, 56, 64 or 96 (RFC 6052) [at config.pool6_addr]" \
	config_set "config{$POOL,pool6_len=u8:95}"
refused "config_set: pool6 u octet set (2001:db8::ff00:0:0:0/96)" EINVAL \
	"pool6 prefix must have bits 64-71 (the u octet) zero [at config.pool6_addr]" \
	config_set "config{pool6_addr=ip6:2001:db8:0:0:ff00::,pool6_len=u8:96}"
refused "config_set: pool6 host bits set" EINVAL \
	"IPv6 prefix has bits set beyond its length [at config.pool6_addr]" \
	config_set "config{pool6_addr=ip6:2001:db8:46::1,pool6_len=u8:96}"
refused "config_set: pool6 address without length" EINVAL \
	"pool6 needs both an address and a length [at config]" config_set "config{$POOL}"
refused "config_set: pool6 length without address" EINVAL \
	"pool6 needs both an address and a length [at config]" \
	config_set "config{pool6_len=u8:96}"
refused "config_set: clear plus address" EINVAL \
	"pool6: give a prefix or clear it, not both [at config]" \
	config_set "config{pool6_clear,$POOL,pool6_len=u8:96}"
accepted "refusals changed nothing (pool6, 2 entries)" \
	"config{pool6_addr=2001:db8:46::,pool6_len=96,$DEFAULTS,eam_count=2}" config_get
accepted "raw eam_del of the /24 by IPv4 prefix" "" \
	eam_del "eam{$E4,v4_len=u8:24}"

# --- The same refusals through siitctl --------------------------------------
ctl_refused "siitctl add /24 <-> /121: kernel's reason" \
	"IPv6 suffix must be at least as long as the IPv4 suffix" -- \
	add 192.0.2.0/24 2001:db8::/121
ctl_refused "siitctl add overlap: kernel's reason" \
	"IPv4 prefix overlaps an existing entry (use force to allow)" -- \
	add 198.51.100.0/24 2001:db8:9::/120
check "siitctl add overlap with force" siitctl add 198.51.100.0/24 2001:db8:9::/120 force
ctl_refused "siitctl add duplicate IPv4" "an entry with this IPv4 prefix exists" -- \
	add 198.51.100.7 2001:db8:6::99
ctl_refused "siitctl add duplicate IPv6" "an entry with this IPv6 prefix exists" -- \
	add 198.51.100.99 2001:db8:6::7
ctl_refused "siitctl del missing entry" "no entry with this prefix" -- \
	del 203.0.113.99
ctl_refused "siitctl get address with no entry" "no entry translates this address" -- \
	get 203.0.113.99

# --- Valid commands through siitctl ---------------------------------------
check_eq "siitctl get: longest match" "198.51.100.7/32 2001:db8:6::7/128" \
	"$(siitctl get 198.51.100.7 2>&1 | awk 'NR > 1 { print $1, $2 }')"
check "siitctl get: /24 for another address" sh -c \
	'"$@" | grep -q "198.51.100.0/24"' - ip netns exec br "$SIITCTL" get 198.51.100.8
check_eq "siitctl show: two entries" 2 "$(siitctl show | grep -c 198.51.100)"
check "siitctl config" sh -c '"$@" | grep -qx "pool6 2001:db8:46::/96"' \
	- ip netns exec br "$SIITCTL" config
check "siitctl stats" sh -c '"$@" | grep -q "^xlat_4to6 "' \
	- ip netns exec br "$SIITCTL" stats
check_json "siitctl -j show is JSON" show
check_json "siitctl -j get is JSON" get 198.51.100.8
check_json "siitctl -j config is JSON" config
check_json "siitctl -j stats is JSON" stats
check "siitctl set pool6" siitctl set pool6 2001:db8:64::/64
check_eq "siitctl config shows it" "pool6 2001:db8:64::/64" "$(siitctl config | head -1)"
check "siitctl set pool6 none" siitctl set pool6 none
check_eq "siitctl config without pool6" "pool6 none" "$(siitctl config | head -1)"
check "siitctl set pool6 back" siitctl set pool6 "$POOL6"
check "siitctl del by IPv6 prefix" siitctl del 2001:db8:9::/120
check_eq "siitctl del: one entry left" 1 "$(count)"

# A dump longer than one message buffer: nothing lost or repeated.
ip netns exec br /usr/bin/python3 - "$NLRAW" >"$work/bulk" 2>&1 <<'EOF'
import os, struct, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import nlraw
g = nlraw.Genl(False)
fam = g.family('siitdc')[0]
for i in range(700):
    e = nlraw.Encoder(True, 20)
    p = bytearray()
    spec = 'eam{v4_addr=ip4:10.%d.%d.1,v6_addr=ip6:2001:db8:100::%d}' % (i // 256, i % 256, i)
    e.items(spec, 0, nlraw.TOP, '', p, '')
    g.send(fam, 1, nlraw.NLM_F_REQUEST | nlraw.NLM_F_ACK, bytes(p))
    err = [x for x in g.recv()][-1][1]
    if err:
        sys.exit('add %d: errno %d' % (i, err))
EOF
check_eq "700 more entries added" 701 "$(count)"
check_eq "raw dump: 701 distinct entries" 701 "$(nl --dump eam_get | sort -u | grep -c '^eam_get eam{')"
check_eq "siitctl show: 701 entries" 701 "$(siitctl show | grep -c '^10\.\|^198')"
check_json "siitctl -j show (701 entries) is JSON" show
accepted "raw eam_flush reports the count" "eam_flush count=701" eam_flush
check_eq "flush left nothing" 0 "$(count)"
check "re-add the server entry" siitctl add "$SRV4" "$SRV6"
check "siitctl -j flush is JSON, flushed 1" sh -c \
	'"$@" | /usr/bin/python3 -c "import json,sys; sys.exit(json.load(sys.stdin) != {\"flushed\": 1})"' \
	- ip netns exec br "$SIITCTL" -j flush
check "re-add the server entry again" siitctl add "$SRV4" "$SRV6"
check "traffic still translated" n cli ping -c 1 -W 2 "$SRV4"

# --- Permissions --------------------------------------------------------------
ctl_refused "non-root: siitctl add refused" "CAP_NET_ADMIN" ip netns exec br $NOBODY -- \
	add 203.0.113.20 2001:db8:b::20
ctl_refused "non-root: siitctl del refused" "CAP_NET_ADMIN" ip netns exec br $NOBODY -- \
	del "$SRV4"
ctl_refused "non-root: siitctl flush refused" "CAP_NET_ADMIN" ip netns exec br $NOBODY -- \
	flush
ctl_refused "non-root: siitctl set pool6 refused" "CAP_NET_ADMIN" ip netns exec br $NOBODY -- \
	set pool6 2001:db8:64::/96
out=$(ip netns exec br $NOBODY /usr/bin/python3 "$NLRAW" eam_add \
	"eam{v4_addr=ip4:203.0.113.20,v6_addr=ip6:2001:db8:b::20}" 2>&1)
check_eq "non-root: raw eam_add gets EPERM" "error EPERM: (no message)" "$out"
check "non-root: siitctl show works" sh -c '"$@" | grep -q "^198.51.100.7"' \
	- ip netns exec br $NOBODY "$SIITCTL" show
check "non-root: siitctl stats works" sh -c '"$@" | grep -q "^xlat_4to6 "' \
	- ip netns exec br $NOBODY "$SIITCTL" stats
check "non-root: siitctl config works" sh -c '"$@" | grep -q "^pool6 2001:db8:46::/96"' \
	- ip netns exec br $NOBODY "$SIITCTL" config
check_eq "non-root refusals changed nothing" 1 "$(count)"

# A user+net namespace owned by the unprivileged user: its own instance.
ip netns exec br $NOBODY unshare -Urn sh -c '
	"$0" set pool6 2001:db8:64::/96 && "$0" add 203.0.113.30 2001:db8:c::30 &&
	"$0" show && "$0" config' "$SIITCTL" >"$work/userns" 2>&1
rc=$?
sed 's/^/#   userns: /' "$work/userns"
check_eq "userns: set pool6, add, show, config succeed" 0 "$rc"
check "userns: sees its own entry" grep -q '^203.0.113.30/32 *2001:db8:c::30/128' "$work/userns"
check_fails "userns: does not see the br entry" grep -q '^198.51.100.7' "$work/userns"
check "userns: its own pool6" grep -qx 'pool6 2001:db8:64::/96' "$work/userns"
check_fails "br: does not see the userns entry" sh -c \
	'"$@" | grep -q 203.0.113.30' - ip netns exec br "$SIITCTL" show
check_eq "br: pool6 untouched" "pool6 2001:db8:46::/96" "$(siitctl config | head -1)"

summary
