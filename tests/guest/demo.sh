# SPDX-License-Identifier: GPL-2.0
# The demo (tests/demo runs it in the guest): an IPv4-only client fetches a
# web page and a 1 MB file from an IPv6-only server through siitdc (a static
# EAM entry); then siitdcd gives a second IPv6-only server a public IPv4
# address on demand: the client resolves web.pub.example.net through
# siitdcd (which asks knotd, authoritative for the internal zone, for the
# AAAA record), fetches the page by name, and the entry expires with the
# record's TTL.  Exits 0 only if every step does what it shows.
#
# Environment: SIITDC_KO, SIITCTL (as lib.sh), SIITDCD (default: the tree's
# tools/siitdcd/siitdcd).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/dns-lib.sh"
SIITDCD=${SIITDCD:-$here/../../tools/siitdcd/siitdcd}

www=/tmp/demo-www
log=/tmp/demo-httpd.log
httpd=
httpd2=
daemon=
dw=/tmp/demo-dns

cleanup() {
	[ -n "$httpd" ] && kill "$httpd" 2>/dev/null
	[ -n "$httpd2" ] && kill "$httpd2" 2>/dev/null
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null
	knot_stop
	rm -rf /etc/netns/cli	# the guest's overlay, not the host's /etc
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

# --- Part 2: public IPv4 on demand, driven by DNS (siitdcd) ------------------
KNOT6=2001:db8:6::53		# the internal zone's authoritative server
WEB6=2001:db8:6::80		# web.int.example.net: IPv6 only, no EAM entry yet
TTL=8				# the AAAA record's TTL: the entry's lifetime
rm -rf "$dw"
mkdir -p "$dw/www"

step "9. A second IPv6-only server: web.int.example.net, [$WEB6]:80, no EAM entry"
show "" ip -n srv addr add "$KNOT6/64" dev s0 nodad
show "" ip -n srv addr add "$WEB6/64" dev s0 nodad
echo "<html><body><h1>Hello from web.int.example.net [$WEB6]</h1></body></html>" >"$dw/www/index.html"
echo "+ [srv] python3 -m http.server --bind $WEB6 --directory $dw/www 80 &"
ip netns exec srv /usr/bin/python3 -m http.server --bind "$WEB6" \
	--directory "$dw/www" 80 >"$dw/httpd.log" 2>&1 &
httpd2=$!
wait_listen srv tcp 80 || fail "the second web server does not listen"

step "10. knotd (Knot DNS) in srv: authoritative for int.example.net, over IPv6"
{
	zone_header int.example.net "$KNOT6"
	printf 'web\t%s\tAAAA\t%s\n' "$TTL" "$WEB6"
} >"$dw/int.example.net.zone"
echo "+ cat int.example.net.zone"
cat "$dw/int.example.net.zone"
echo "+ [srv] knotd -c knot.conf &   (on [$KNOT6]:53)"
knot_start srv "$KNOT6" int.example.net "$dw/int.example.net.zone" "$dw/knot" ||
	fail "knotd does not start"
show br dig +norec +noall +answer @"$KNOT6" AAAA web.int.example.net

step "11. siitdcd in br answers pub.example.net on $BR4, from a pool of 14 addresses"
cat >"$dw/siitdcd.conf" <<CONF
[daemon]
state-file = $dw/state/siitdcd.state
metrics = 127.0.0.1:9646

[pool]
prefix = 198.51.100.64/28
quarantine = 300

[dns]
listen = $BR4
upstream = [$KNOT6]:53
ttl-min = 1
idle-grace = 2

[zone pub.example.net]
internal = int.example.net
owner = webteam
CONF
echo "+ cat siitdcd.conf"
cat "$dw/siitdcd.conf"
echo "+ [br] siitdcd -c siitdcd.conf &"
ip netns exec br "$SIITDCD" -c "$dw/siitdcd.conf" >"$dw/siitdcd.log" 2>&1 &
daemon=$!
wait_listen br udp 53 || fail "siitdcd does not listen on $BR4:53"
siitctl show

step "12. The IPv4 client, with siitdcd as its resolver, looks up web.pub.example.net"
mkdir -p /etc/netns/cli	# ip netns exec cli: this is its /etc/resolv.conf
echo "nameserver $BR4" >/etc/netns/cli/resolv.conf
show cli cat /etc/resolv.conf
show cli dig +norec +noall +answer A web.pub.example.net
web4=$(n cli dig +short A web.pub.example.net)
case $web4 in 198.51.100.*) ;; *) fail "no A record from siitdcd (got '$web4')" ;; esac
echo "  web.pub.example.net is $web4, an address of siitdcd's pool"

step "13. The entry was made before the answer left: source dns, owner webteam"
siitctl show
siitctl show | grep -q "^$web4/32 .*$WEB6/128 .* webteam  *dns " ||
	fail "no dns entry $web4 -> $WEB6 owned by webteam"

step "14. The IPv4 client fetches http://web.pub.example.net/ by name"
show cli curl -4 -s --max-time 10 http://web.pub.example.net/ | tee "$dw/got.html"
grep -q "Hello from web.int.example.net" "$dw/got.html" ||
	fail "fetching http://web.pub.example.net/ failed"
echo "+ cat httpd.log   (the second web server's access log)"
cat "$dw/httpd.log"
grep -q "^$CLI6 .*GET / " "$dw/httpd.log" || fail "the server did not log the client as $CLI6"

step "15. Nobody asks again: the entry expires with the record's TTL ($TTL s; idle-grace 2 s)"
gone=
for i in $(seq 0 30); do
	line=$(siitctl show 2>/dev/null | grep "^$web4/32" || true)
	if [ -z "$line" ]; then
		gone=1
		break
	fi
	echo "  t+${i}s: $(awk '{ print $1, $2, "ttl", $3, "idle", $NF }' <<<"$line")"
	sleep 1
done
[ -n "$gone" ] || fail "the entry for $web4 did not expire"
echo "  gone:"
siitctl show
echo "+ grep released siitdcd.log"
grep released "$dw/siitdcd.log" || fail "siitdcd did not log the release"
echo "+ [cli] curl -4 --max-time 3 http://$web4/   (must fail now)"
if n cli curl -4 -s --max-time 3 "http://$web4/" >/dev/null; then
	fail "$web4 still reaches the server after expiry"
fi
echo "  no answer: $web4 is not mapped any more"

step "16. A new lookup brings it back, on the same IPv4 (kept for it in quarantine)"
show cli dig +norec +noall +answer A web.pub.example.net
again=$(n cli dig +short A web.pub.example.net)
[ "$again" = "$web4" ] || fail "the new lookup gave '$again', not $web4"
n cli curl -4 -s --max-time 10 http://web.pub.example.net/ | grep -q "Hello from" ||
	fail "fetching after the new lookup failed"
echo "  fetched http://web.pub.example.net/ again through $again"
echo "+ [br] curl -s http://127.0.0.1:9646/metrics | grep ...   (some of siitdcd's counters)"
n br curl -s --max-time 5 http://127.0.0.1:9646/metrics |
	grep -E '^siitdcd_(allocations|releases|refreshes)_total|^siitdcd_dns_answers_total\{result="noerror"\}'

echo
echo "DEMO OK: IPv4 client fetched from an IPv6-only server, sha256 matches;"
echo "         siitdcd mapped web.pub.example.net on demand, the entry expired"
echo "         with its DNS TTL, and a new lookup brought the same address back."
