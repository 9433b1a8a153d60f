# SPDX-License-Identifier: GPL-2.0
# The demo (tests/demo runs it in the guest): an IPv4-only client fetches a
# web page and a 1 MB file from an IPv6-only server through siitdc.
# Exits 0 only if both fetches succeed and the file's sha256 matches.
set -u
. "$(dirname "$0")/lib.sh"

www=/tmp/demo-www
log=/tmp/demo-httpd.log
httpd=

cleanup() {
	[ -n "$httpd" ] && kill "$httpd" 2>/dev/null
	topo_down
}
trap cleanup EXIT

fail() {
	echo
	echo "DEMO FAILED: $*"
	exit 1
}

step() {
	echo
	echo "=== $* ==="
}

# show NS CMD...: print the command (prefixed with its namespace), run it.
show() {
	local ns=$1
	shift
	echo "+ ${ns:+[$ns] }$*"
	if [ -n "$ns" ]; then n "$ns" "$@"; else "$@"; fi
}

# Every siitctl call is echoed, including those made by topo_up.
siitctl() {
	echo "+ [br] siitctl $*"
	ip netns exec br "$SIITCTL" "$@"
}

step "1. Load the module"
show "" insmod "$SIITDC_KO" || fail "insmod failed"
grep '^siitdc ' /proc/modules | cut -d' ' -f1-3

step "2. Build the topology: cli (IPv4 only) | br (siitdc) | srv (IPv6 only)"
cat <<EOF
  cli $CLI4 --- $BR4 br $BR6 --- $SRV6 srv
  pool6 $POOL6, EAM $SRV4 <-> $SRV6
EOF
topo_up || fail "topology setup failed"

step "3. The server has no IPv4: no address on s0, no IPv4 route"
show "" ip -n srv -brief addr
echo "+ ip -n srv -4 addr show dev s0; ip -n srv -4 route   (both empty)"
v4="$(ip -n srv -4 addr show dev s0)$(ip -n srv -4 route)"
[ -z "$v4" ] || fail "srv has IPv4 configuration: $v4"
echo "(nothing)"

step "4. Start an IPv6-only web server in srv on [$SRV6]:80"
mkdir -p "$www"
cat >"$www/index.html" <<EOF
<html><body><h1>Hello from $SRV6</h1>
<p>This server has no IPv4 address. You reached it as $SRV4 via SIIT-DC.</p>
</body></html>
EOF
head -c 1048576 /dev/urandom >"$www/random.bin"
echo "+ [srv] python3 -m http.server --bind $SRV6 --directory $www 80 &"
n srv /usr/bin/python3 -m http.server --bind "$SRV6" --directory "$www" 80 \
	>"$log" 2>&1 &
httpd=$!
for _ in $(seq 50); do
	n srv ss -Htln "sport = :80" | grep -q . && break
	sleep 0.2
done
show srv ss -tln "sport = :80"

step "5. The IPv4 client fetches http://$SRV4/"
show cli ip -brief addr show dev c0
show cli wget -q -T 10 -t 1 -O - "http://$SRV4/index.html" || fail "fetching index.html failed"
show cli wget -q -T 10 -t 1 -O /tmp/got.bin "http://$SRV4/random.bin" ||
	fail "fetching random.bin failed"
want=$(sha256sum <"$www/random.bin" | cut -d' ' -f1)
got=$(sha256sum </tmp/got.bin | cut -d' ' -f1)
echo "  server's copy: $want  ($(wc -c <"$www/random.bin") bytes)"
echo "  client's copy: $got  ($(wc -c </tmp/got.bin) bytes)"
[ "$want" = "$got" ] || fail "sha256 mismatch"
echo "  sha256 match"

step "6. The server saw the client as $CLI6"
echo "+ cat $log   (the web server's access log)"
cat "$log"
grep -q "^$CLI6 .*GET /random.bin" "$log" ||
	fail "the server did not log the client as $CLI6"

step "7. The BR's table and counters"
siitctl show
echo "+ [br] siitctl stats | grep -v ' 0\$'   (non-zero counters)"
ip netns exec br "$SIITCTL" stats | grep -v ' 0$'

step "8. Ping both ways"
ping1() {	# NS DEST: one ping, showing the reply and summary lines
	local out rc=0
	echo "+ [$1] ping -c 1 $2"
	out=$(n "$1" ping -c 1 -W 2 "$2" 2>&1) || rc=$?
	grep -E 'bytes from|packet loss' <<<"$out"
	[ $rc -eq 0 ] || fail "ping from $1 to $2 failed"
}
ping1 cli "$SRV4"
ping1 srv "$CLI6"

echo
echo "DEMO OK: IPv4 client fetched from an IPv6-only server, sha256 matches."
