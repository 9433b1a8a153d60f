# SPDX-License-Identifier: GPL-2.0
# siitdcd's DNS path with real components, in the guest: knotd (Debian) is
# authoritative for int.example.net in srv (IPv6 only); siitdcd in br
# answers pub.example.net on the BR's IPv4 address; the IPv4 client in cli
# resolves NAME.pub.example.net with dig and fetches pages from the
# IPv6-only web server through the entry siitdcd installed.
#
# Environment: SIITDC_KO, SIITCTL (as lib.sh), SIITDCD (default: the tree's
# tools/siitdcd/siitdcd).
set -u
T_GROUP=siitdcd_dns
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/dns-lib.sh"
SIITDCD=${SIITDCD:-$here/../../tools/siitdcd/siitdcd}
PROBE="/usr/bin/python3 $here/dnsprobe.py"

KNOT6=2001:db8:6::53
ZI=int.example.net
ZP=pub.example.net
OWNER=webteam
POOL=198.51.100.64/28		# .65 - .78 handed out
WEB6=2001:db8:6::80		# web: TTL 300
SHORT6=2001:db8:6::81		# short: TTL 6
GRACE6=2001:db8:6::82		# grace: TTL 4, for idle-grace
REF6=2001:db8:6::83		# ref: TTL 20, for refreshes
CONC6=2001:db8:6::a0		# conc: 50 digs at once
BURST6=2001:db8:6::a1		# burst: 50 raw queries at once
METRICS=127.0.0.1:9646

W=$(mktemp -d /tmp/siitdcd_dns.XXXXXX)
DPID=
HPID=
cleanup() {
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	knot_stop
	wait 2>/dev/null
	# The daemon's and knotd's logs, for a look after a failure.
	[ -d "${GUEST_RESULTS:-}" ] && cp "$W/siitdcd.log" "$GUEST_RESULTS/siitdcd_dns-siitdcd.log" &&
		cp "$W/knot/knot.log" "$GUEST_RESULTS/siitdcd_dns-knot.log"
	topo_down
	rm -rf "$W"
}
trap cleanup EXIT

# --- helpers ----------------------------------------------------------------
dq() { n cli dig +norec +time=3 +tries=1 @"$BR4" "$@"; }
short_a() { dq +short A "$1" | head -n 1; }
status_of() { dq "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
ancount() { dq "$@" | sed -n 's/.*ANSWER: \([0-9]*\),.*/\1/p'; }
in_pool() { case $1 in 198.51.100.6[5-9] | 198.51.100.7[0-8]) return 0 ;; esac; return 1; }
# entry V6: "IPV4 TTL OWNER SOURCE" of the table's entry for V6, or nothing.
entry() {
	siitctl show | awk -v v6="$1/128" '$2 == v6 { sub("/32", "", $1); print $1, $3, $4, $5 }'
}
entries_for() { siitctl show | awk -v v6="$1/128" '$2 == v6' | wc -l; }
metric() {	# NAME (with labels, as printed): the value, 0 when absent
	n br curl -s --max-time 5 "http://$METRICS/metrics" |
		awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}

write_conf() {	# POOL IDLE-GRACE QUARANTINE [DAEMON-LINE]
	cat >"$W/siitdcd.conf" <<EOF
# siitdcd_dns.sh
[daemon]
state-file = $W/state/siitdcd.state
metrics = $METRICS
log-level = info
${4:-}

[pool]
prefix = $1
quarantine = $3

[dns]
listen = $BR4
upstream = [$KNOT6]:53
ttl-min = 1
ttl-max = 3600
idle-grace = $2
upstream-timeout-ms = 1000

[zone $ZP]
internal = $ZI
owner = $OWNER
EOF
}

daemon_start() {
	# ip netns exec execs the daemon: $! is its PID (a function would
	# put a subshell in between, which a SIGTERM would not get past).
	ip netns exec br "$SIITDCD" -c "$W/siitdcd.conf" >>"$W/siitdcd.log" 2>&1 &
	DPID=$!
	wait_listen br udp 53 && wait_listen br tcp 53 &&
		wait_listen br tcp "${METRICS##*:}"
}

daemon_stop() {	# sets DRC to the exit status
	DRC=0
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" || DRC=$?
	DPID=
}
# Guest clock, for waits measured from an event rather than from now.
now() { date +%s.%N; }
# sleep_until T0 SECS: until SECS after T0.
sleep_until() { sleep "$(awk -v t="$1" -v d="$2" -v n="$(now)" 'BEGIN { x = t + d - n; print (x > 0 ? x : 0) }')"; }
# after T0 SECS: whole seconds from now to SECS after T0 (at least 1).
after() { awk -v t="$1" -v d="$2" -v n="$(now)" 'BEGIN { x = int(t + d - n + 0.5); print (x > 1 ? x : 1) }'; }
# has TEXT ERE: whether TEXT has a line matching ERE.
has() { grep -qE -- "$2" <<<"$1"; }
# msg_size: dig's "MSG SIZE rcvd" of $ans.
msg_size() { sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<<"$ans"; }

# --- the zone and the servers ------------------------------------------------
zone() {
	zone_header "$ZI" "$KNOT6"
	cat <<EOF
web	300	AAAA	$WEB6
short	6	AAAA	$SHORT6
grace	4	AAAA	$GRACE6
ref	20	AAAA	$REF6
conc	300	AAAA	$CONC6
burst	300	AAAA	$BURST6
alias	300	CNAME	web
v4only	300	A	192.0.2.55
web	300	MX	10 web
web	300	TXT	"internal only"
ex1	300	AAAA	2001:db8:6::91
ex2	300	AAAA	2001:db8:6::92
ex3	300	AAAA	2001:db8:6::93
sw1	300	AAAA	2001:db8:6::94
sw2	300	AAAA	2001:db8:6::95
EOF
	# 30 and 60 AAAA records, listed out of order.
	for i in $(seq 30 | sort -R); do
		printf 'mid\t300\tAAAA\t2001:db8:6:3::%x\n' "$i"
	done
	for i in $(seq 60 | sort -R); do
		printf 'many\t300\tAAAA\t2001:db8:6:2::%x\n' "$i"
	done
	for i in $(seq 100); do
		printf 'd%d\t300\tAAAA\t2001:db8:6:4::%x\n' "$i" "$i"
	done
}

load_module
topo_up
siitctl del "$SRV4"	# only the daemon's entries from here on
for a in "$KNOT6" "$WEB6" "$SHORT6" "$GRACE6" "$REF6" "$CONC6" "$BURST6"; do
	ip -n srv addr add "$a/64" dev s0 nodad
done
zone >"$W/zone"
# Not through check: that runs its command in a subshell, and the servers'
# PIDs must reach this shell.
check_here() {	# NAME CMD...: check, for commands that set variables
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
check_here "knotd serves $ZI in srv" knot_start srv "$KNOT6" "$ZI" "$W/zone" "$W/knot"
check_eq "knotd answers AAAA web.$ZI over IPv6 from br" "$WEB6" \
	"$(n br dig +short +time=3 +tries=1 @"$KNOT6" AAAA "web.$ZI")"

mkdir -p "$W/www"
token="siitdcd-dns-$$-$RANDOM"
echo "<html><body>$token</body></html>" >"$W/www/index.html"
ip netns exec srv /usr/bin/python3 -m http.server --bind :: --directory "$W/www" 80 \
	>"$W/httpd.log" 2>&1 &
HPID=$!
wait_listen srv tcp 80

write_conf "$POOL" 0 0
check "siitdcd -t accepts the configuration" "$SIITDCD" -t -c "$W/siitdcd.conf"
check_here "siitdcd listens on $BR4:53 (UDP, TCP) and metrics" daemon_start

# --- the A query: entry first, then the answer ---------------------------------
tq=$(now)
res=$(n cli $PROBE order "$BR4" "web.$ZP" br)
read -r _ web4 _ ttl _ seen <<<"$res"
echo "# A web.$ZP: $res"
check "A web.$ZP: an address of the pool ($web4)" in_pool "${web4:-none}"
check_eq "the kernel announced the entry before the answer arrived" yes "${seen:-}"
read -r e4 ettl eowner esrc <<<"$(entry "$WEB6")"
# Whole seconds since the query went out: the entry aged that much (at
# most) between the answer and siitctl show.
aged=$(awk -v t="$tq" -v n="$(now)" 'BEGIN { print int(n - t) + 1 }')
check_eq "siitctl show: $WEB6 mapped to the answer's address" "$web4" "${e4:-}"
check_eq "siitctl show: source dns" dns "${esrc:-}"
check_eq "siitctl show: owner of the zone" "$OWNER" "${eowner:-}"
check "entry TTL (${ettl:-?}) within the AAAA TTL 300, and >= the A TTL ($ttl) - $aged s elapsed" \
	test "${ettl:-0}" -le 300 -a "${ettl:-0}" -ge $((ttl - aged)) -a "$ttl" -le 300 -a "$ttl" -gt 0

got=$(n cli curl -s --max-time 10 "http://$web4/index.html")
check "curl http://$web4/ from the IPv4 client reaches the IPv6-only server" \
	grep -q "$token" <<<"$got"
check "the web server saw the client as $CLI6" grep -q "^$CLI6 .*GET /index.html" "$W/httpd.log"
check_eq "a second A query: the same address" "$web4" "$(short_a "web.$ZP")"
check_eq "A over TCP: the same address" "$web4" "$(dq +tcp +short A "web.$ZP")"
check_eq "one entry for $WEB6" 1 "$(entries_for "$WEB6")"
check_eq "A alias.$ZP (a CNAME to web upstream): web's address" "$web4" "$(short_a "alias.$ZP")"
check_eq "name case does not matter: A WEB.PUB.Example.NET" "$web4" "$(short_a WEB.PUB.Example.NET)"

# --- other answers ------------------------------------------------------------------
n_before=$(siitctl show | tail -n +2 | wc -l)
check_eq "AAAA web.$ZP: the upstream AAAA, under the public name" \
	"web.$ZP. 300 IN AAAA $WEB6" \
	"$(dq +noall +answer AAAA "web.$ZP" | awk '{ print $1, $2, $3, $4, $5 }')"
check_eq "A nosuch.$ZP: NXDOMAIN" NXDOMAIN "$(status_of A "nosuch.$ZP")"
check "NXDOMAIN carries the zone's SOA" sh -c \
	"ip netns exec cli dig +norec +time=3 +tries=1 @$BR4 A nosuch.$ZP | grep -qE '^$ZP\.[[:space:]].*SOA'"
check_eq "A v4only.$ZP (no AAAA upstream): NODATA (NOERROR)" NOERROR "$(status_of A "v4only.$ZP")"
check_eq "A v4only.$ZP: no answer records" 0 "$(ancount A "v4only.$ZP")"
check_eq "AAAA v4only.$ZP: NODATA" "NOERROR 0" "$(status_of AAAA "v4only.$ZP") $(ancount AAAA "v4only.$ZP")"
check_eq "MX web.$ZP: NODATA (documented)" "NOERROR 0" "$(status_of MX "web.$ZP") $(ancount MX "web.$ZP")"
check_eq "TXT web.$ZP: NODATA (documented)" "NOERROR 0" "$(status_of TXT "web.$ZP") $(ancount TXT "web.$ZP")"
check_eq "MX nosuch.$ZP: NXDOMAIN" NXDOMAIN "$(status_of MX "nosuch.$ZP")"
check_eq "SOA $ZP (apex): one SOA record" "NOERROR 1" "$(status_of SOA "$ZP") $(ancount SOA "$ZP")"
check_eq "NS $ZP (apex): one NS record" "NOERROR 1" "$(status_of NS "$ZP") $(ancount NS "$ZP")"
check_eq "A web.$ZI (out of zone): REFUSED" REFUSED "$(status_of A "web.$ZI")"
check_eq "A example.com (out of zone): REFUSED" REFUSED "$(status_of A example.com)"
check_eq "CH TXT version.bind: REFUSED" REFUSED "$(status_of CH TXT version.bind)"
check_eq "none of these made an entry" "$n_before" "$(siitctl show | tail -n +2 | wc -l)"

# --- EDNS0 ---------------------------------------------------------------------------
# mid: 30 AAAA (an answer of about 900 bytes); many: 60 (about 1.7 KB, more
# than siitdcd's largest UDP answer, 1232 bytes: dns.c, SD_DNS_UDP_MAX).
ans=$(dq +bufsize=1232 +ignore AAAA "mid.$ZP")
check "AAAA mid.$ZP, EDNS bufsize 1232: all 30 records, no TC, OPT echoed" eval \
	'has "$ans" "ANSWER: 30," && ! has "$ans" "flags:[^;]* tc" && has "$ans" "EDNS: version: 0"'
check "  ... in one UDP answer larger than 512 bytes ($(msg_size))" test "$(msg_size)" -gt 512
ans=$(dq +bufsize=600 +ignore AAAA "mid.$ZP")
check "EDNS bufsize 600: truncated (TC set) within 600 bytes ($(msg_size))" eval \
	'has "$ans" "flags:[^;]* tc" && test "$(msg_size)" -le 600'
ans=$(dq +noedns +ignore AAAA "mid.$ZP")
check "no EDNS: truncated (TC set) within 512 bytes ($(msg_size)), no OPT" eval \
	'has "$ans" "flags:[^;]* tc" && ! has "$ans" "OPT PSEUDOSECTION" && test "$(msg_size)" -le 512'
ans=$(dq +bufsize=4096 +ignore AAAA "many.$ZP")
check "AAAA many.$ZP, bufsize 4096: TC, within the server's 1232 bytes ($(msg_size))" eval \
	'has "$ans" "flags:[^;]* tc" && test "$(msg_size)" -le 1232'
check_eq "  ... over TCP: all 60 records" 60 "$(dq +tcp +noall +answer AAAA "many.$ZP" | grep -c AAAA)"
many4=$(short_a "many.$ZP")
check_eq "A many.$ZP: the numerically lowest of its 60 AAAA is published" \
	"2001:db8:6:2::1" "$(siitctl show | awk -v a="$many4/32" '$1 == a { sub("/128", "", $2); print $2 }')"

# --- malformed queries -------------------------------------------------------------
f0=$(metric 'siitdcd_dns_answers_total{result="formerr"}')
for c in "noquestion FORMERR" "twoquestions FORMERR" "badlabel FORMERR" \
	"twoopt FORMERR" "garbage FORMERR" "opcode-status NOTIMP" \
	"badvers BADVERS" "short noanswer" "qr noanswer" "good NOERROR"; do
	set -- $c
	got=$(n cli $PROBE raw "$BR4" "$1")
	want="rcode $2"
	[ "$2" = noanswer ] && want=noanswer
	check_eq "malformed query '$1': $want" "$want" "$got"
done
f1=$(metric 'siitdcd_dns_answers_total{result="formerr"}')
check "formerr counter counts the malformed queries ($f0 -> $f1)" test $((f1 - f0)) -ge 7
check "siitdcd alive after the malformed queries" kill -0 "$DPID"
check_eq "  ... and answering" "$web4" "$(short_a "web.$ZP")"

# --- refresh -----------------------------------------------------------------------
ref4=$(short_a "ref.$ZP")
check "A ref.$ZP: an address of the pool" in_pool "${ref4:-none}"
sleep 4
read -r _ t1 _ _ <<<"$(entry "$REF6")"
check "4 s later the entry has less than 20 s left (${t1:-?})" test "${t1:-99}" -le 17
r0=$(metric siitdcd_refreshes_total)
tq=$(now)
res=$(dq +noall +answer A "ref.$ZP")
read -r _ attl _ _ a2 <<<"$res"
read -r _ t2 _ _ <<<"$(entry "$REF6")"
aged=$(awk -v t="$tq" -v n="$(now)" 'BEGIN { print int(n - t) + 1 }')
check_eq "a re-query: the same IPv4" "$ref4" "${a2:-}"
check "  ... the entry's TTL is back up: ${t2:-?} s left (was ${t1:-?}), A TTL ${attl:-?}" \
	test "${t2:-0}" -gt "${t1:-99}" -a "${t2:-0}" -ge $((20 - aged)) -a "${attl:-99}" -le 20 -a "${attl:-0}" -ge $((20 - aged))
check "  ... counted as a refresh" test "$(metric siitdcd_refreshes_total)" -gt "$r0"
check_eq "  ... still one entry for $REF6" 1 "$(entries_for "$REF6")"
# A query soon after a full refresh would add less than 20/8 s: skipped.
# The entry is left alone and the A TTL is the life it has left (a full
# refresh answers 20). The refresh first, 3 s on (more than 20/8 s).
sleep 3
ta=$(now)
dq +noall +answer A "ref.$ZP" >/dev/null
sleep_until "$ta" 1
tb=$(now)
res=$(dq +noall +answer A "ref.$ZP")
read -r _ attl3 _ _ a3 <<<"$res"
read -r _ t3 _ _ <<<"$(entry "$REF6")"
gap=$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.1f", b - a }')
# (The entry's TTL, shown in whole seconds of the kernel's clock, may
# still read 20 here: the A TTL is what tells a skip from a refresh.)
check "a query ${gap} s after a refresh skips it: the same IPv4, A TTL ${attl3:-?} (17-19; entry ${t3:-?} s)" \
	test "${a3:-}" = "$ref4" -a "${attl3:-99}" -le 19 -a "${attl3:-0}" -ge 17

# --- TTL expiry, idle-grace 0 --------------------------------------------------------
rel0=$(metric siitdcd_releases_total)
s4=$(short_a "short.$ZP")
t0=$(now)
# Traffic all along, from the answer on: with idle-grace 0 it does not keep
# the entry. (Started first: the checks below may take seconds of the 6 s.)
n cli ping -i 0.5 -W 1 -w "$(after "$t0" 10)" "${s4:-192.0.2.255}" >"$W/ping-short" 2>&1 &
ppid=$!
check "A short.$ZP (TTL 6): an address of the pool" in_pool "${s4:-none}"
check "the entry exists, with at most 6 s left" sh -c \
	"ip netns exec br $SIITCTL show | awk '\$1 == \"$s4/32\" && \$3 <= 6 { f = 1 } END { exit !f }'"
check "the page is reachable at $s4" sh -c \
	"ip netns exec cli curl -s --max-time 5 http://$s4/index.html | grep -q $token"
sleep_until "$t0" 8.5
check_eq "8.5 s after the answer (TTL 6, idle-grace 0, in use): the entry is gone" 0 "$(entries_for "$SHORT6")"
wait "$ppid"
check "traffic got through before expiry" sh -c \
	'grep -q "bytes from $1" "$2" || { cat "$2"; exit 1; }' _ "$s4" "$W/ping-short"
check_fails "traffic stops after expiry" n cli curl -s --max-time 3 "http://$s4/index.html"
check "siitdcd released it (releases counter)" test "$(metric siitdcd_releases_total)" -gt "$rel0"
check "siitdcd logged the release" grep -q "$SHORT6.*released" "$W/siitdcd.log"

# --- metrics --------------------------------------------------------------------
met=$(n br curl -s --max-time 5 "http://$METRICS/metrics")
check "metrics: UDP and TCP queries counted" eval \
	'has "$met" "^siitdcd_dns_queries_total\{transport=\"udp\"\} [1-9]" &&
	 has "$met" "^siitdcd_dns_queries_total\{transport=\"tcp\"\} [1-9]"'
check "metrics: answers by result (noerror, nxdomain, refused)" eval \
	'has "$met" "^siitdcd_dns_answers_total\{result=\"noerror\"\} [1-9]" &&
	 has "$met" "^siitdcd_dns_answers_total\{result=\"nxdomain\"\} [1-9]" &&
	 has "$met" "^siitdcd_dns_answers_total\{result=\"refused\"\} [1-9]"'
check "metrics: the latency histogram has counts" \
	has "$met" '^siitdcd_dns_latency_seconds_count [1-9]'
check "metrics: owner $OWNER holds addresses" \
	has "$met" "^siitdcd_owner_held_addresses\{owner=\"$OWNER\"\} [1-9]"

# --- idle-grace > 0: an entry in use outlives its TTL ------------------------------------
daemon_stop
check_eq "siitdcd stops on SIGTERM with status 0" 0 "$DRC"
check "its entries stay in the kernel" test "$(entries_for "$WEB6")" -eq 1
write_conf "$POOL" 3 0
check_here "siitdcd restarts with idle-grace 3" daemon_start
check_eq "after the restart: web keeps its address" "$web4" "$(short_a "web.$ZP")"
g4=$(short_a "grace.$ZP")
t0=$(now)
check "A grace.$ZP (TTL 4): an address of the pool" in_pool "${g4:-none}"
# Pings until 8 s after the answer: 4 s past the TTL.
n cli ping -i 0.4 -W 1 -w "$(after "$t0" 8)" "$g4" >"$W/ping-grace" 2>&1 &
ppid=$!
sleep_until "$t0" 7
echo "# grace, 7 s after the answer: $(siitctl show | grep "$GRACE6/" || echo no entry)"
check_eq "in use 7 s after the answer (TTL 4, idle-grace 3): the entry lives" 1 "$(entries_for "$GRACE6")"
wait "$ppid"
t1=$(now)
check "every ping got through while in use" grep -q " 0% packet loss" "$W/ping-grace"
# Idle from t1 on: gone 3 s later, give or take the 1 s expiry sweep.
sleep_until "$t1" 5.5
echo "# grace, idle 5.5 s: $(siitctl show | grep "$GRACE6/" || echo no entry)"
check_eq "idle for 5.5 s (> idle-grace 3): the entry is gone" 0 "$(entries_for "$GRACE6")"
check_fails "  ... and traffic stops" n cli ping -c 1 -W 1 "$g4"

# --- concurrent queries for one new name ---------------------------------------------
a0=$(metric siitdcd_allocations_total)
# kdig: dig's UDP sockets are SO_REUSEPORT, two parallel digs can share a port.
digs=()
for i in $(seq 50); do
	n cli kdig +short +time=5 +retry=0 @"$BR4" A "conc.$ZP" >"$W/conc.$i" &
	digs+=($!)
done
wait "${digs[@]}"
check_eq "50 parallel digs for conc.$ZP: 50 answers, one address" "50 1" \
	"$(cat "$W"/conc.* | grep -c .) $(cat "$W"/conc.* | sort -u | grep -c .)"
check_eq "  ... one entry for $CONC6" 1 "$(entries_for "$CONC6")"
check_eq "  ... one allocation" $((a0 + 1)) "$(metric siitdcd_allocations_total)"
a0=$(metric siitdcd_allocations_total)
c0=$(metric siitdcd_dns_coalesced_queries_total)
res=$(n cli $PROBE burst "$BR4" "burst.$ZP" 50)
echo "# burst: $res; coalesced $c0 -> $(metric siitdcd_dns_coalesced_queries_total)"
check "50 queries sent at once: 50 answers with one address" \
	grep -qE '^answered 50 addresses [0-9.]+x50$' <<<"$res"
check_eq "  ... one entry for $BURST6" 1 "$(entries_for "$BURST6")"
check_eq "  ... one allocation" $((a0 + 1)) "$(metric siitdcd_allocations_total)"

# --- the state file's delayed writes, made by a child (state_writer.c) ---------------------
w0=$(metric siitdcd_state_writes_total)
s1=$(short_a "sw1.$ZP")
sleep 2.5
check "a DNS allocation ($s1) is in the state file 2.5 s later" \
	grep -q "^b 2001:db8:6::94 ${s1:-none} " "$W/state/siitdcd.state"
check "  ... a write counted ($w0 -> $(metric siitdcd_state_writes_total))" \
	test "$(metric siitdcd_state_writes_total)" -gt "$w0"
f0=$(metric siitdcd_state_errors_total)
mv "$W/state" "$W/state.away"
s2=$(short_a "sw2.$ZP")
sleep 2.5
check "its directory gone, the write fails and is counted" \
	test "$(metric siitdcd_state_errors_total)" -gt "$f0"
check "  ... and logged" grep -q "cannot write the state" "$W/siitdcd.log"
check_eq "  ... while siitdcd goes on answering" "$s2" "$(short_a "sw2.$ZP")"
mv "$W/state.away" "$W/state"
sleep 6
check "the retry (5 s on) writes it once the directory is back" \
	grep -q "^b 2001:db8:6::95 ${s2:-none} " "$W/state/siitdcd.state"
check "no writer child is left behind" sh -c \
	"! ps -o stat= --ppid $DPID | grep -q ."

# --- pool exhaustion: 2 addresses, 3 names ------------------------------------------------
daemon_stop
check_eq "siitdcd stops" 0 "$DRC"
siitctl flush >/dev/null
rm -rf "$W/state"
write_conf 198.51.100.200/31 0 0
check_here "siitdcd starts with a pool of 2 addresses (a /31)" daemon_start
e1=$(short_a "ex1.$ZP")
e2=$(short_a "ex2.$ZP")
check "ex1 and ex2 get the pool's two addresses ($e1, $e2)" sh -c \
	"test '$(printf '%s\n' "$e1" "$e2" | sort | tr '\n' ' ')' = '198.51.100.200 198.51.100.201 '"
x0=$(metric siitdcd_pool_exhausted_total)
ans=$(dq A "ex3.$ZP")
check_eq "ex3: SERVFAIL" SERVFAIL "$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$ans")"
check "  ... with an extended error saying why" has "$ans" "EDE.*[Pp]ool exhausted"
check_eq "  ... counted in siitdcd_pool_exhausted_total" $((x0 + 1)) "$(metric siitdcd_pool_exhausted_total)"
check "  ... and logged" grep -q "pool exhausted: no IPv4 for 2001:db8:6::93" "$W/siitdcd.log"
check_eq "  ... no entry for ex3" 0 "$(entries_for 2001:db8:6::93)"
check_eq "ex1 keeps its address" "$e1" "$(short_a "ex1.$ZP")"
daemon_stop
check_eq "siitdcd stops cleanly" 0 "$DRC"

# --- allocations while the periodic reconcile reads a large table ----------------------
# 20,000 operator entries make every reconcile a dump of many loop turns;
# the allocations made meanwhile must not look stale or missing to it.
siitctl flush >/dev/null
rm -rf "$W/state"
bulk_batch >"$W/bulk"
check "20,000 operator entries added" siitctl -b "$W/bulk"
write_conf 198.51.100.128/25 0 0 "reconcile-interval = 1"
l0=$(wc -l <"$W/siitdcd.log")
check_here "siitdcd starts with 126 addresses, reconciling every second" daemon_start
r0=$(metric siitdcd_reconciles_total)
s0=$(metric siitdcd_reconcile_dump_steps_total)
ra0=$(metric siitdcd_reconcile_added_total)
rr0=$(metric siitdcd_reconcile_removed_total)
for i in $(seq 100); do short_a "d$i.$ZP"; done >"$W/dall"
# At least two whole reconciles after the last allocation, too.
rl=$(metric siitdcd_reconciles_total)
for i in $(seq 100); do
	[ "$(metric siitdcd_reconciles_total)" -ge $((rl + 2)) ] && break
	sleep 0.2
done
r1=$(metric siitdcd_reconciles_total)
s1=$(metric siitdcd_reconcile_dump_steps_total)
echo "# 100 allocations during $((rl - r0)) reconciles; $((r1 - r0)) reconciles in $((s1 - s0)) loop turns"
check_eq "100 names, 100 distinct pool addresses" 100 \
	"$(grep '^198\.51\.100\.' "$W/dall" | sort -u | wc -l)"
check "reconciles ran, each over many loop turns" \
	test $((r1 - r0)) -ge 2 -a $(((s1 - s0) / (r1 - r0 > 0 ? r1 - r0 : 1))) -ge 5
check_eq "  ... none restored or removed an entry" "$ra0 $rr0" \
	"$(metric siitdcd_reconcile_added_total) $(metric siitdcd_reconcile_removed_total)"
check_eq "  ... the 100 entries are in the table" 100 \
	"$(siitctl show | grep -c ' 2001:db8:6:4::')"
check_eq "  ... and the operator's 20,000" 20000 "$(siitctl show | grep -c ' bulk')"
check "  ... nothing logged about a stale or missing entry" sh -c \
	"! tail -n +$((l0 + 1)) '$W/siitdcd.log' | grep -E 'not ours|restored|cannot restore|outlived'"
daemon_stop
check_eq "siitdcd stops" 0 "$DRC"
siitctl flush >/dev/null

if grep -E 'AddressSanitizer|runtime error|LeakSanitizer' "$W/siitdcd.log"; then
	not_ok "siitdcd log free of sanitizer reports"
else
	ok "siitdcd log free of sanitizer reports"
fi
summary
