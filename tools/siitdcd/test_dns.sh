#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dns.sh [TEST_DNS]: the DNS front end (dns.c, dns_upstream.c) against
# a real knotd serving the internal zone, queried with dig and raw packets
# on loopback only. TEST_DNS is a built test_dns (tools/siitdcd/test_dns.c);
# without it the script builds test_dns and test_dns-san (ASan/UBSan) itself
# and runs the whole suite with each. Prints "ok NAME" / "not ok NAME".
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/test_dns.XXXXXX)
PIDS=()
FAILED=0

cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

if [ $# -eq 0 ]; then
	CC=${CC:-cc}
	FLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -I$HERE \
		-DSD_DNS_TCP_MAX=8 -DSD_DNS_TCP_IDLE_MS=1000"
	SRC="$HERE/test_dns.c $HERE/dns.c $HERE/dns_upstream.c"
	# shellcheck disable=SC2086
	$CC $FLAGS -O2 -o "$T/test_dns" $SRC -lldns || {
		echo "not ok test_dns_build"; exit 1; }
	# shellcheck disable=SC2086
	$CC $FLAGS -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all -o "$T/test_dns-san" $SRC -lldns || {
		echo "not ok test_dns_build_san"; exit 1; }
	echo "ok test_dns_build"
	rc=0
	bash "$HERE/test_dns.sh" "$T/test_dns" || rc=1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		SUFFIX=_san bash "$HERE/test_dns.sh" "$T/test_dns-san" || rc=1
	exit $rc
fi

BIN=$1
SFX=${SUFFIX:-}
for tool in knotd kdig dig python3 ss; do
	command -v $tool >/dev/null || {
		echo "not ok dns_tools$SFX: $tool missing"; exit 1; }
done

# ---- results ----

check() {	# NAME CMD...: one test
	local name=$1
	shift
	if "$@"; then
		echo "ok $name$SFX"
	else
		echo "not ok $name$SFX"
		sed 's/^/# /' "$T/out" 2>/dev/null | head -30
		FAILED=1
	fi
}
has() { grep -qE -- "$1" "$T/out"; }
hasnt() { ! grep -qE -- "$1" "$T/out"; }
nlines() { grep -cE -- "$1" "$2"; }
getstat() { awk -v k="$1" '$1 == k {print $2}' "$T/$2.stats"; }	# NAME INSTANCE

# ---- ports ----

free_port() {	# a port free for UDP and TCP on loopback
	python3 - <<'EOF'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", p))
        t6 = socket.socket(socket.AF_INET6); t6.bind(("::1", p))
    except OSError:
        continue
    print(p); break
EOF
}
KP=$(free_port); AP=$(free_port); AP2=$(free_port); XP=$(free_port)
BP=$(free_port); CP=$(free_port); DP=$(free_port); DEAD=$(free_port)
EP=$(free_port); FP=$(free_port)

# ---- the raw-packet helper ----

cat >"$T/raw.py" <<'EOF'
import socket, struct, sys, time, select, heapq, random

def name_wire(n):
    out = b""
    for l in n.rstrip(".").split("."):
        out += bytes([len(l)]) + l.encode()
    return out + b"\0"

def query(qid, name, qtype=1, flags=0x0000, qd=None, extra=b""):
    q = name_wire(name) + struct.pack(">HH", qtype, 1)
    n = 1 if qd is None else qd
    return struct.pack(">HHHHHH", qid, flags, n, 0, 0, 0) + q * max(n, 0) + extra

def hdr(r):
    qid, fl, qd, an, ns, ar = struct.unpack(">HHHHHH", r[:12])
    return "id=%d rcode=%d opcode=%d qr=%d qd=%d an=%d" % (
        qid, fl & 15, (fl >> 11) & 15, fl >> 15, qd, an, )

def udp(port, data, wait=0.7):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(wait)
    s.sendto(data, ("127.0.0.1", port))
    try:
        r = s.recv(65535)
        return hdr(r)
    except socket.timeout:
        return "NONE"

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b

def tcp_read(s):
    l = recv_exact(s, 2)
    if l is None:
        return None
    return recv_exact(s, struct.unpack(">H", l)[0])

def frame(q):
    return struct.pack(">H", len(q)) + q

cmd = sys.argv[1]
port = int(sys.argv[2])
if cmd == "udp":
    kind = sys.argv[3]
    pk = {
        "short": b"\x12\x34\x01\x00\x00",
        "qr": query(0x4242, "web.pub.example.net", flags=0x8000),
        "noquestion": struct.pack(">HHHHHH", 0x1111, 0x0100, 1, 0, 0, 0),
        "qd0": query(0x2222, "web.pub.example.net", qd=0),
        "qd2": query(0x3333, "web.pub.example.net", qd=2),
        "update": query(0x5555, "pub.example.net", qtype=6, flags=5 << 11),
        "status": query(0x6666, "web.pub.example.net", flags=2 << 11),
        "garbage": bytes([0x77, 0x77, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]) + b"\xff" * 20,
        "twoopt": None,
        "valid": query(0x8888, "web.pub.example.net"),
    }[kind]
    if kind == "twoopt":
        opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
        body = query(0x7878, "web.pub.example.net")[12:]
        pk = struct.pack(">HHHHHH", 0x7878, 0, 1, 0, 0, 2) + body + opt + opt
    print(udp(port, pk))
elif cmd == "tcppipe":
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    names = sys.argv[3:]
    s.sendall(b"".join(frame(query(100 + i, n)) for i, n in enumerate(names)))
    got = sorted(hdr(tcp_read(s)) for _ in names)
    print("\n".join(got))
elif cmd == "tcpeof":
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(frame(query(0x0e0f, sys.argv[3])))
    s.shutdown(socket.SHUT_WR)
    r = tcp_read(s)
    print(hdr(r) if r else "NONE")
    print("closed" if s.recv(1) == b"" else "open")
elif cmd == "tcpbad":
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(frame(b"\x01\x02\x03") + frame(query(0x0b0b, "web.pub.example.net")))
    r = tcp_read(s)
    print("after_short", hdr(r) if r else "NONE")
    s.sendall(struct.pack(">H", 5000) + b"\0" * 5000)
    try:
        print("oversize", "closed" if tcp_read(s) is None else "answered")
    except OSError:
        print("oversize closed")
elif cmd == "tcpidle":
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    time.sleep(float(sys.argv[3]))
    try:
        print("closed" if s.recv(1) == b"" else "open")
    except socket.timeout:
        print("open")
    except OSError:
        print("closed")
elif cmd == "tcplimit":
    n = int(sys.argv[3])
    conns = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(n)]
    time.sleep(0.3)
    ok = 0
    for i, s in enumerate(conns):
        try:
            s.sendall(frame(query(i, "pub.example.net", qtype=6)))
            if tcp_read(s):
                ok += 1
        except OSError:
            pass
    print("answered", ok)
elif cmd == "proxy":
    # UDP proxy to an upstream that answers only after a delay.
    up = int(sys.argv[3]); delay = float(sys.argv[4]) / 1000
    ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ls.bind(("127.0.0.1", port))
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); us.connect(("127.0.0.1", up))
    who = {}; due = []
    while True:
        t = max(0, due[0][0] - time.time()) if due else None
        rd, _, _ = select.select([ls, us], [], [], t)
        if ls in rd:
            d, a = ls.recvfrom(65535); who[d[:2]] = a; us.send(d)
        if us in rd:
            d = us.recv(65535)
            if d[:2] in who:
                heapq.heappush(due, (time.time() + delay, random.random(), d, who.pop(d[:2])))
        while due and due[0][0] <= time.time():
            _, _, d, a = heapq.heappop(due); ls.sendto(d, a)
EOF
raw() { python3 "$T/raw.py" "$@"; }

# ---- knotd with the internal zone ----

mkdir -p "$T/knot"
{
	cat <<'EOF'
$ORIGIN int.example.net.
$TTL 300
@	SOA	ns hostmaster 1 3600 600 86400 30
@	NS	ns
ns	AAAA	2001:db8::53
web	AAAA	2001:db8:1::10
short	60 AAAA	2001:db8:1::60
tiny	1 AAAA	2001:db8:1::1
huge	100000 AAAA	2001:db8:1::2
multi	AAAA	2001:db8:1::b
multi	AAAA	2001:db8:1::a
multi	AAAA	2001:db8:1::c
v4only	A	192.0.2.1
deep.sub	AAAA	2001:db8:1::d
alias	CNAME	web
full	AAAA	2001:db8:dead::1
quota	AAAA	2001:db8:dead::2
kerr	AAAA	2001:db8:dead::3
leftover	AAAA	2001:db8:dead::4
forever	AAAA	2001:db8:dead::5
conc	AAAA	2001:db8:2::1
conc2	AAAA	2001:db8:2::2
cached	AAAA	2001:db8:6::1
EOF
	for i in $(seq 1 20); do printf 'mid\tAAAA\t2001:db8:3::%x\n' "$i"; done
	for i in $(seq 1 100); do printf 'big\tAAAA\t2001:db8:4::%x\n' "$i"; done
} >"$T/knot/int.example.net.zone"
cat >"$T/knot.conf" <<EOF
server:
    rundir: "$T/knot"
    listen: 127.0.0.1@$KP
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$T/knot"
log:
  - target: "$T/knot/knot.log"
    any: warning
zone:
  - domain: int.example.net
    storage: "$T/knot"
    file: "int.example.net.zone"
EOF
knotd -c "$T/knot.conf" >"$T/knot/stdout" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	kdig @127.0.0.1 -p "$KP" +time=1 +retry=0 +short web.int.example.net AAAA \
		2>/dev/null | grep -q 2001 && break
	sleep 0.1
done
kdig @127.0.0.1 -p "$KP" +short web.int.example.net AAAA >"$T/out" 2>&1
check dns_knotd_up has '2001:db8:1::10'

# ---- the servers under test ----

start() {	# NAME ARGS...: a test_dns instance; its pid in $NAME_PID
	local n=$1
	shift
	mkfifo "$T/$n.ready"
	"$BIN" -P "$T/$n.pub" -S "$T/$n.stats" "$@" >"$T/$n.ready" \
		2>"$T/$n.err" &
	eval "${n}_PID=$!"
	PIDS+=($!)
	# The fifo's first line: "ready", or EOF when it failed to start.
	exec {fd}<"$T/$n.ready"
	read -r -t 10 line <&$fd
	eval "${n}_FD=$fd"
	[ "${line:-}" = ready ]
}
touch "$T/out"
check dns_start_a start A -l 127.0.0.1:$AP -l "[::1]:$AP" -u 127.0.0.1:$KP \
	-z pub.example.net,int.example.net,dnsowner \
	-z other.test,int.example.net,o2 -m 5 -M 3600 -t 2000 \
	--next -l 127.0.0.1:$AP2 -u 127.0.0.1:$KP \
	-z new.example.org,int.example.net,o3
PUB=$T/A.pub
touch "$PUB"

D="dig @127.0.0.1 -p $AP +norec +time=5 +tries=1"
q() { $D "$@" >"$T/out" 2>&1; }

# ---- A: publishes, then answers ----

q web.pub.example.net A
check dns_a_noerror has 'status: NOERROR'
check dns_a_aa_flag has 'flags: qr aa'
check dns_a_answer has '^web\.pub\.example\.net\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+198\.51\.100\.'
WEB4=$(awk '$4 == "A" && $1 ~ /^web/ {print $5}' "$T/out")
cp "$PUB" "$T/out"
check dns_published_before_answer has "^publish 2001:db8:1::10 owner=dnsowner src=1 ttl=300 rc=0 v4=$WEB4 "

q short.pub.example.net A
check dns_a_ttl_60 has '^short\.pub\.example\.net\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A'
q tiny.pub.example.net A
check dns_a_ttl_min has '^tiny\.pub\.example\.net\.[[:space:]]+5[[:space:]]+IN[[:space:]]+A'
q huge.pub.example.net A
check dns_a_ttl_max has '^huge\.pub\.example\.net\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A'
cp "$PUB" "$T/out"
check dns_publish_ttl_bounded has 'publish 2001:db8:1::1 .*ttl=5 ' \
	&& has 'publish 2001:db8:1::2 .*ttl=3600 ' && has 'publish 2001:db8:1::60 .*ttl=60 '
q leftover.pub.example.net A
check dns_a_ttl_not_past_entry has '^leftover\.pub\.example\.net\.[[:space:]]+7[[:space:]]+IN[[:space:]]+A'
q forever.pub.example.net A
check dns_a_ttl_permanent_entry has '^forever\.pub\.example\.net\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A'

q WeB.PuB.ExAmPlE.NeT A
check dns_a_case_insensitive has "^WeB\.PuB\.ExAmPlE\.NeT\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+$WEB4\$"
check dns_a_refresh_publishes_again [ "$(nlines 'publish 2001:db8:1::10 ' "$PUB")" -eq 2 ]
q web.pub.example.net A
check dns_a_refresh_same_v4 has "IN[[:space:]]+A[[:space:]]+$WEB4\$"
check dns_a_refresh_count [ "$(nlines 'publish 2001:db8:1::10 ' "$PUB")" -eq 3 ]

q multi.pub.example.net A
cp "$PUB" "$T/out"
check dns_a_lowest_of_several has 'publish 2001:db8:1::a ' && hasnt 'publish 2001:db8:1::(b|c) '
q alias.pub.example.net A
check dns_a_through_cname has "^alias\.pub\.example\.net\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+$WEB4\$"
q deep.sub.pub.example.net A
check dns_a_multi_label has '^deep\.sub\.pub\.example\.net\..*IN[[:space:]]+A[[:space:]]+198\.51\.100\.'
q web.other.test A
cp "$PUB" "$T/out"
check dns_a_second_zone_owner has 'publish 2001:db8:1::10 owner=o2 '
$D -6 @::1 web.pub.example.net A >"$T/out" 2>&1
check dns_a_over_ipv6 has "IN[[:space:]]+A[[:space:]]+$WEB4\$"

# ---- negative answers ----

n0=$(wc -l <"$PUB")
SOA_RE='^pub\.example\.net\.[[:space:]]+5[[:space:]]+IN[[:space:]]+SOA[[:space:]]+pub\.example\.net\. hostmaster\.pub\.example\.net\. 1 3600 600 86400 5'
q nope.pub.example.net A
check dns_nxdomain has 'status: NXDOMAIN' && has 'flags: qr aa' && has "$SOA_RE"
q v4only.pub.example.net A
check dns_nodata has 'status: NOERROR' && has 'ANSWER: 0,' && has "$SOA_RE"
check dns_no_publish_without_aaaa [ "$(wc -l <"$PUB")" -eq "$n0" ]

# ---- AAAA and other types ----

q web.pub.example.net AAAA
check dns_aaaa_rewritten has '^web\.pub\.example\.net\.[[:space:]]+300[[:space:]]+IN[[:space:]]+AAAA[[:space:]]+2001:db8:1::10$' \
	&& hasnt 'int\.example\.net'
q multi.pub.example.net AAAA
check dns_aaaa_all_records has 'ANSWER: 3,'
q nope.pub.example.net AAAA
check dns_aaaa_nxdomain has 'status: NXDOMAIN'
check dns_aaaa_no_publish [ "$(wc -l <"$PUB")" -eq "$n0" ]
q web.pub.example.net MX
check dns_mx_nodata has 'status: NOERROR' && has 'ANSWER: 0,' && has "$SOA_RE"
q nope.pub.example.net TXT
check dns_txt_nxdomain has 'status: NXDOMAIN' && has "$SOA_RE"
q pub.example.net SOA
check dns_apex_soa has 'status: NOERROR' && has 'ANSWER: 1,' && has "${SOA_RE#^}"
q pub.example.net NS
check dns_apex_ns has '^pub\.example\.net\.[[:space:]]+5[[:space:]]+IN[[:space:]]+NS[[:space:]]+pub\.example\.net\.$'
q pub.example.net A
check dns_apex_a_nodata has 'status: NOERROR' && has 'ANSWER: 0,' && has "$SOA_RE"
q example.com A
check dns_refused_outside has 'status: REFUSED'
q web.int.example.net A
check dns_refused_internal_zone has 'status: REFUSED'
q xpub.example.net A
check dns_refused_label_boundary has 'status: REFUSED'
q version.bind TXT CH
check dns_refused_chaos has 'status: REFUSED'
q pub.example.net AXFR +notcp
check dns_refused_axfr has 'REFUSED|Transfer failed'

# ---- publication errors ----

q full.pub.example.net A
check dns_servfail_pool has 'status: SERVFAIL' && has 'IPv4 pool exhausted'
q quota.pub.example.net A
check dns_servfail_quota has 'status: SERVFAIL' && has 'owner quota exceeded'
q kerr.pub.example.net A
check dns_servfail_kernel has 'status: SERVFAIL' && has 'entry not installed'
q full.pub.example.net A +noedns
check dns_servfail_no_ede_without_edns has 'status: SERVFAIL' && hasnt 'EDE|OPT'

# ---- EDNS and truncation ----

q web.pub.example.net A +edns=0
check dns_edns_echo has 'OPT PSEUDOSECTION' && has 'udp: 1232'
q web.pub.example.net A +noedns
check dns_noedns_no_opt hasnt 'OPT PSEUDOSECTION' && has 'ANSWER: 1,'
q web.pub.example.net A +edns=1 +noednsneg
check dns_badvers has 'status: BADVERS'
q mid.pub.example.net AAAA +noedns +ignore
check dns_tc_without_edns has 'flags: qr tc aa|flags: qr aa tc' && has 'ANSWER: 0,'
q mid.pub.example.net AAAA +bufsize=1232 +ignore
check dns_edns_bigger_fits has 'ANSWER: 20,' && hasnt ' tc'
q mid.pub.example.net AAAA +bufsize=100 +ignore
check dns_edns_small_size_is_512 has ' tc' && has 'ANSWER: 0,'
q big.pub.example.net AAAA +bufsize=4096 +ignore
check dns_edns_capped_1232 has ' tc' && has 'ANSWER: 0,'
q big.pub.example.net AAAA +tcp
check dns_upstream_tcp_fallback has 'ANSWER: 100,' && hasnt ' tc'
q big.pub.example.net A
cp "$PUB" "$T/out"
check dns_a_after_tcp_fallback has 'publish 2001:db8:4::1 '

# ---- TCP ----

q web.pub.example.net A +tcp
check dns_tcp_answer has "IN[[:space:]]+A[[:space:]]+$WEB4\$"
raw tcppipe "$AP" web.pub.example.net nope.pub.example.net v4only.pub.example.net >"$T/out" 2>&1
check dns_tcp_pipelined has 'id=100 rcode=0 .* an=1$' && has 'id=101 rcode=3 ' && has 'id=102 rcode=0 .* an=0$'
raw tcpeof "$AP" web.pub.example.net >"$T/out" 2>&1
check dns_tcp_answers_after_client_eof has 'id=3599 rcode=0 .* an=1$' && has '^closed$'
raw tcpbad "$AP" >"$T/out" 2>&1
check dns_tcp_short_frame_dropped has '^after_short id=2827 rcode=0 '
check dns_tcp_oversize_frame_closes has '^oversize closed$'
raw tcpidle "$AP" 2.5 >"$T/out" 2>&1
check dns_tcp_idle_closed has '^closed$'
raw tcplimit "$AP" 10 >"$T/out" 2>&1
check dns_tcp_connection_limit has '^answered 8$'

# ---- malformed ----

raw udp "$AP" short >"$T/out" 2>&1
check dns_malformed_short_dropped has '^NONE$'
raw udp "$AP" qr >"$T/out" 2>&1
check dns_malformed_qr_dropped has '^NONE$'
raw udp "$AP" noquestion >"$T/out" 2>&1
check dns_malformed_unparsable_formerr has '^id=4369 rcode=1 opcode=0 qr=1 qd=0 an=0$'
raw udp "$AP" garbage >"$T/out" 2>&1
check dns_malformed_garbage_formerr has '^id=30583 rcode=1 opcode=0 qr=1 '
raw udp "$AP" qd0 >"$T/out" 2>&1
check dns_malformed_qdcount0_formerr has '^id=8738 rcode=1 '
raw udp "$AP" qd2 >"$T/out" 2>&1
check dns_malformed_qdcount2_formerr has '^id=13107 rcode=1 '
raw udp "$AP" twoopt >"$T/out" 2>&1
check dns_malformed_two_opt_formerr has '^id=30840 rcode=1 '
raw udp "$AP" update >"$T/out" 2>&1
check dns_opcode_update_notimp has '^id=21845 rcode=4 opcode=5 qr=1 '
raw udp "$AP" status >"$T/out" 2>&1
check dns_opcode_status_notimp has '^id=26214 rcode=4 opcode=2 qr=1 '
raw udp "$AP" valid >"$T/out" 2>&1
check dns_alive_after_malformed has '^id=34952 rcode=0 opcode=0 qr=1 qd=1 an=1$'

# ---- the short cache of upstream answers ----

stat_now() { kill -USR1 "$A_PID"; sleep 0.3; getstat "$1" A; }
u0=$(stat_now dns_upstream_queries)
q cached.pub.example.net A
q cached.pub.example.net A
u1=$(stat_now dns_upstream_queries)
echo "upstream queries $u0 -> $u1" >"$T/out"
check dns_cache_reuses_answer [ $((u1 - u0)) -eq 1 ]
check dns_cache_hit_still_publishes [ "$(nlines 'publish 2001:db8:6::1 ' "$PUB")" -eq 2 ]
sleep 1.2
q cached.pub.example.net A
u2=$(stat_now dns_upstream_queries)
echo "upstream queries $u1 -> $u2" >"$T/out"
check dns_cache_expires [ $((u2 - u1)) -eq 1 ]
q nope.pub.example.net A
q nope.pub.example.net A
u3=$(stat_now dns_upstream_queries)
echo "upstream queries $u2 -> $u3" >"$T/out"
check dns_cache_not_negative [ $((u3 - u2)) -eq 2 ]

# upstream-cache 30: kept, but never past the record's TTL (tiny: TTL 1);
# upstream-cache 0: every query asks upstream.
check dns_start_cache30 start CA -l 127.0.0.1:$EP -u 127.0.0.1:$KP \
	-z pub.example.net,int.example.net,o -m 5 -C 30
check dns_start_cache0 start CZ -l 127.0.0.1:$FP -u 127.0.0.1:$KP \
	-z pub.example.net,int.example.net,o -C 0
cq() { dig @127.0.0.1 -p "$1" +norec +time=5 +tries=1 "$2" A >"$T/out" 2>&1; }
ustat() { kill -USR1 "$1"; sleep 0.3; getstat dns_upstream_queries "$2"; }
c0=$(ustat "$CA_PID" CA)
cq "$EP" cached.pub.example.net
cq "$EP" tiny.pub.example.net
sleep 1.3
cq "$EP" cached.pub.example.net
cq "$EP" tiny.pub.example.net
c1=$(ustat "$CA_PID" CA)
echo "upstream queries $c0 -> $c1" >"$T/out"
check dns_cache_kept_past_1s_bounded_by_ttl [ $((c1 - c0)) -eq 3 ]
z0=$(ustat "$CZ_PID" CZ)
cq "$FP" cached.pub.example.net
cq "$FP" cached.pub.example.net
z1=$(ustat "$CZ_PID" CZ)
echo "upstream queries $z0 -> $z1" >"$T/out"
check dns_cache_off [ $((z1 - z0)) -eq 2 ]
kill "$CA_PID" "$CZ_PID" 2>/dev/null

# ---- counters ----

kill -USR1 "$A_PID"
sleep 0.3
cp "$T/A.stats" "$T/out" 2>/dev/null
check dns_metrics_counted [ "$(getstat dns_formerr A)" -ge 9 ] && \
	[ "$(getstat dns_nxdomain A)" -ge 4 ] && [ "$(getstat dns_servfail A)" -ge 4 ] && \
	[ "$(getstat dns_refused A)" -ge 4 ] && [ "$(getstat dns_nodata A)" -ge 3 ] && \
	[ "$(getstat dns_queries_tcp A)" -ge 5 ] && [ "$(getstat dns_queries_udp A)" -ge 40 ] && \
	[ "$(getstat dns_latency_count A)" -ge 40 ] && [ "$(getstat dns_upstream_queries A)" -ge 20 ]

# ---- reload ----

ino() { ss -H -lnpe "sport = :$1" 2>/dev/null | grep -o 'ino:[0-9]*' | sort | tr '\n' ' '; }
kill -HUP "$A_PID"
read -r -t 5 line <&"$A_FD"
echo "$line" >"$T/out"
check dns_reload_done has '^reloaded 1$'
dig @127.0.0.1 -p "$AP2" +time=5 +tries=1 web.new.example.org A >"$T/out" 2>&1
check dns_reload_new_listener_new_zone has "IN[[:space:]]+A[[:space:]]+$WEB4\$"
dig @127.0.0.1 -p "$AP2" +time=5 +tries=1 web.pub.example.net A >"$T/out" 2>&1
check dns_reload_old_zone_gone has 'status: REFUSED'
dig @127.0.0.1 -p "$AP" +time=1 +tries=1 web.pub.example.net A >"$T/out" 2>&1
check dns_reload_old_listener_closed hasnt 'status:'
kill -HUP "$A_PID"
read -r -t 5 line <&"$A_FD"
q web.pub.example.net A
check dns_reload_back has "IN[[:space:]]+A[[:space:]]+$WEB4\$"

# Instance C: two upstreams, the first silent; reloads keep its listeners.
check dns_start_c start C -l 127.0.0.1:$CP -u 127.0.0.1:$DEAD -u 127.0.0.1:$KP \
	-z pub.example.net,int.example.net,c -t 1000 \
	--next -l 127.0.0.1:$CP -u 127.0.0.1:$KP -z pub2.example.net,int.example.net,c
dig @127.0.0.1 -p "$CP" +time=6 +tries=1 web.pub.example.net A >"$T/out" 2>&1
check dns_upstream_next_after_timeout has 'IN[[:space:]]+A[[:space:]]+198\.'
before=$(ino "$CP")
kill -HUP "$C_PID"
read -r -t 5 line <&"$C_FD"
after=$(ino "$CP")
echo "before=$before after=$after" >"$T/out"
check dns_reload_same_listen_kept [ -n "$before" ] && [ "$before" = "$after" ]
dig @127.0.0.1 -p "$CP" +time=5 +tries=1 web.pub2.example.net A >"$T/out" 2>&1
check dns_reload_zones_replaced has 'IN[[:space:]]+A[[:space:]]+198\.'
kill -USR1 "$C_PID"; sleep 0.3
check dns_upstream_timeout_counted [ "$(getstat dns_upstream_timeouts C)" -ge 1 ]

# Instance D: only a silent upstream.
check dns_start_d start D -l 127.0.0.1:$DP -u 127.0.0.1:$DEAD \
	-z pub.example.net,int.example.net,d -t 200
t0=$(date +%s%N)
dig @127.0.0.1 -p "$DP" +time=3 +tries=1 web.pub.example.net A >"$T/out" 2>&1
t1=$(date +%s%N)
check dns_upstream_silent_servfail has 'status: SERVFAIL' && has 'EDE: 22'
echo "elapsed $(( (t1 - t0) / 1000000 )) ms" >"$T/out"
check dns_upstream_two_tries_then_fail [ $(( (t1 - t0) / 1000000 )) -ge 380 ]
kill -USR1 "$D_PID"; sleep 0.3
check dns_upstream_timeouts_two [ "$(getstat dns_upstream_timeouts D)" -eq 2 ]

# ---- coalescing: 50 clients, one lookup, one entry ----
# The upstream answers through a proxy after 2.5 s: the 50 digs all ask
# while the first lookup is pending.

python3 "$T/raw.py" proxy "$XP" "$KP" 2500 &
PIDS+=($!)
for _ in $(seq 50); do	# the proxy is up when it answers
	kdig @127.0.0.1 -p "$XP" +time=4 +retry=0 +short web.int.example.net AAAA \
		2>/dev/null | grep -q 2001 && break
done
check dns_start_b start B -l 127.0.0.1:$BP -u 127.0.0.1:$XP \
	-z pub.example.net,int.example.net,b -t 6000
# kdig, not dig: dig binds its UDP socket with SO_REUSEPORT, so two of the
# 50 can be given the same port and one then reads the other's answer.
digs=()
for i in $(seq 50); do
	kdig @127.0.0.1 -p "$BP" +time=10 +retry=0 +short conc.pub.example.net A \
		>"$T/conc.$i" 2>&1 &
	digs+=($!)
done
wait "${digs[@]}"
cat "$T"/conc.* | sort | uniq -c >"$T/out"
check dns_concurrent_all_answered [ "$(cat "$T"/conc.* | grep -c '^198\.51\.100\.')" -eq 50 ] \
	&& [ "$(sort -u "$T"/conc.* | wc -l)" -eq 1 ]
cp "$T/B.pub" "$T/out"
check dns_concurrent_one_publish [ "$(nlines 'publish 2001:db8:2::1 ' "$T/B.pub")" -eq 1 ]
kill -USR1 "$B_PID"; sleep 0.3
cp "$T/B.stats" "$T/out"
check dns_concurrent_coalesced [ "$(getstat dns_coalesced B)" -ge 45 ] && \
	[ "$(getstat dns_upstream_queries B)" -le 2 ]
# A, AAAA and MX at once: A publishes once; AAAA and MX share one lookup.
digs=()
for t in A AAAA MX A AAAA MX; do
	kdig @127.0.0.1 -p "$BP" +time=10 +retry=0 conc2.pub.example.net $t \
		>"$T/c2.$t.$RANDOM" 2>&1 &
	digs+=($!)
done
wait "${digs[@]}"
kill -USR1 "$B_PID"; sleep 0.3
cat "$T"/c2.* "$T/B.stats" >"$T/out"
check dns_concurrent_kinds [ "$(nlines 'publish 2001:db8:2::2 ' "$T/B.pub")" -eq 1 ] && \
	[ "$(cat "$T"/c2.* | grep -c 'status: NOERROR')" -eq 6 ] && \
	[ "$(getstat dns_upstream_queries B)" -eq 3 ]

# ---- clean stop (ASan reports leaks at exit) ----

for n in A B C D; do
	eval "pid=\$${n}_PID"
	kill -TERM "$pid"
	wait "$pid"
	echo "exit $?" >"$T/out"
	cat "$T/$n.err" >>"$T/out"
	check dns_clean_stop_$n has '^exit 0$' && hasnt 'ERROR|runtime error|timers left'
done

"$BIN" --selftest >"$T/self" 2>&1 || FAILED=1
sed "s/^\(ok\|not ok\) \([a-z_0-9]*\)/\1 dns_\2$SFX/" "$T/self"
exit $FAILED
