# SPDX-License-Identifier: GPL-2.0
# The table under volume and churn: batches, streaming dumps, atomic
# replace under traffic, TTL expiry with events, per-entry counters, owner
# filters, concurrent writers, refused batches applying nothing.
set -u
T_GROUP=table
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; cpus_all; rm -rf "$work"' EXIT

# N single-address entries from 198.18.0.0/15 <-> 2001:db8:a::/96.
gen() {	# FIRST COUNT [EXTRA WORDS]
	/usr/bin/python3 - "$@" <<'PY'
import ipaddress
import sys
first, count = int(sys.argv[1]), int(sys.argv[2])
extra = " ".join(sys.argv[3:])
v4 = int(ipaddress.IPv4Address("198.18.0.0"))
v6 = int(ipaddress.IPv6Address("2001:db8:a::"))
print("\n".join("add %s %s %s" % (ipaddress.IPv4Address(v4 + i),
                                  ipaddress.IPv6Address(v6 + i), extra)
                for i in range(first, first + count)))
PY
}
entries() { siitctl config | awk '$1 == "eam_count" { print $2 }'; }

load_module
topo_up

# --- 100k entries in, and the same 100k out ----------------------------------
gen 0 100000 > "$work/100k"
t0=$(date +%s.%N)
check "batch: 100k entries load (siitctl -b)" siitctl -b "$work/100k"
t1=$(date +%s.%N)
echo "# table: 100k batched adds took $(echo "$t1 - $t0" | bc) s (TCG guest)"
check_eq "batch: table holds 100001 entries" 100001 "$(entries)"
siitctl show | tail -n +2 | awk '$1 != "198.51.100.7/32" { print "add", $1, $2 }' |
	sed 's|/32 | |; s|/128 *$||' | sort > "$work/dumped"
sed 's/ *$//' "$work/100k" | sort > "$work/want"
check "dump: every entry comes back identical (100k, streamed)" \
	cmp -s "$work/want" "$work/dumped"
check "translation still works with 100k entries" n cli ping -c 1 -W 2 "$SRV4"

# --- A refused batch applies nothing -----------------------------------------------
before=$(entries)
{ gen 200000 10; echo "add 198.51.100.300 2001:db8:a::1"; } > "$work/bad"
out=$(siitctl -b "$work/bad" 2>&1); rc=$?
check_eq "bad line: exit 2" 2 "$rc"
check "bad line: the error names file and line 11" grep -q "bad:11:" <<<"$out"
check_eq "bad line: nothing applied" "$before" "$(entries)"
# Line 11 maps an existing IPv4 address to another IPv6 address.
{ gen 200000 10; echo "add 198.18.0.5 2001:db8:b::5"; gen 200010 5; } > "$work/dup"
out=$(siitctl -b "$work/dup" 2>&1); rc=$?
check_eq "kernel refusal: exit 1" 1 "$rc"
check "kernel refusal: the error names line 11 and the reason" \
	grep -q "dup:11: kernel refused: .*exists" <<<"$out"
check_eq "kernel refusal: the batch message applied nothing" "$before" "$(entries)"

# --- Concurrent writers -------------------------------------------------------------
gen 300000 20000 owner alpha > "$work/a"
gen 400000 20000 owner beta > "$work/b"
siitctl -b "$work/a" & pa=$!
siitctl -b "$work/b" & pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check_eq "two concurrent batch writers both succeed" "0 0" "$ra $rb"
check_eq "both writers' entries are all there" $((before + 40000)) "$(entries)"
check_eq "show owner alpha lists exactly its 20000" 20000 \
	"$(siitctl show owner alpha | tail -n +2 | wc -l)"
check_eq "flush owner beta removes exactly its 20000" "flushed 20000 entries" \
	"$(siitctl flush owner beta)"
check_eq "... and nothing else" $((before + 20000)) "$(entries)"

# --- Atomic replace under traffic ------------------------------------------------
# The new table keeps 198.51.100.7 and swaps everything else for 50k others.
{ echo "add $SRV4 $SRV6"; gen 500000 50000; } > "$work/new"
n cli ping -i 0.01 -c 400 -W 1 "$SRV4" > "$work/ping" 2>&1 & pp=$!
sleep 1
check "replace: a 50k-entry table swaps in" siitctl replace "$work/new"
wait $pp
check "replace: no ping to an entry in both tables was lost" \
	grep -q " 0% packet loss" "$work/ping"
grep "packet loss" "$work/ping" | sed 's/^/#   /'
check_eq "replace: the table is exactly the new one" 50001 "$(entries)"
check_fails "replace: an entry only in the old table is gone" \
	siitctl get 198.18.0.5
siitctl flush >/dev/null
siitctl add "$SRV4" "$SRV6"

# --- TTL expiry and events ----------------------------------------------------------
siitctl monitor > "$work/events" 2>&1 & pm=$!
sleep 1
gen 600000 5 ttl 2 > "$work/short"
gen 700000 5 ttl 60 > "$work/long"
siitctl -b "$work/short"
siitctl -b "$work/long"
siitctl add 198.51.100.9 2001:db8:6::9 ttl 2
siitctl add 198.51.100.9 2001:db8:6::9 ttl 60	# re-add: refresh
t_refresh=$(date +%s)
siitctl add 198.51.100.10 2001:db8:6::10 ttl 2
siitctl refresh 198.51.100.10 ttl 60
sleep 5
kill $pm; wait $pm 2>/dev/null
check_eq "expiry: exactly the 5 short-lived entries went (13 - 5)" 8 "$(entries)"
check_eq "expiry: one expire event each" 5 "$(grep -c '^expire ' "$work/events")"
first=$(gen 600000 1 | awk '{ print $2 "/32 " $3 "/128" }')
check "expiry: the events name the expired entries ($first)" \
	grep -q "^expire $first" "$work/events"
check "re-add extended the TTL" siitctl get 198.51.100.9
check "refresh extended the TTL" siitctl get 198.51.100.10
check_eq "monitor saw 12 adds (a re-add is a refresh)" 12 "$(grep -c '^add ' "$work/events")"
check_eq "monitor saw 2 refreshes" 2 "$(grep -c '^refresh ' "$work/events")"
ttl=$(siitctl -j get 198.51.100.9 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ttl"])')
# The guest clock is wall time: on a loaded host the steps above take long.
lo=$((60 - ($(date +%s) - t_refresh) - 1))
check "get shows the seconds left ($lo..60): $ttl" test "$ttl" -ge "$lo" -a "$ttl" -le 60

# --- A removal is announced once it is done ------------------------------------------
# siitdcd looks an entry up on its del or expire event and takes one still
# there for a newer entry (the event stale): the kernel must unlink an entry
# before it announces it. A listener doing the same lookup at once must never
# find it; and ftrace shows the order itself, each unlink before its event.
here=$(cd "$(dirname "$0")" && pwd)
TR=/sys/kernel/tracing
[ -d $TR/instances ] || mount -t tracefs nodev $TR
TI=$TR/instances/siitdc_table_order
mkdir -p $TI
echo 0 > $TI/tracing_on
# The tracer patches text on and off with CPU 0 alone (lib.sh, cpus_solo);
# the deletions and expiries run with every CPU, as in production.
check "ftrace: the tracer is switched on with CPU 0 alone" cpus_solo
echo 'siitdc_table_unlink siitdc_notify_eam' > $TI/set_ftrace_filter
echo function > $TI/current_tracer
cpus_all
gen 800000 300 ttl 6 > "$work/gone-ttl"
gen 801000 60 > "$work/gone-del"
n br /usr/bin/python3 "$here/evgone.py" 60 360 > "$work/evgone" 2>&1 & pe=$!
for _ in $(seq 50); do grep -q ready "$work/evgone" && break; sleep 0.2; done
check "events: the listener is ready" grep -q ready "$work/evgone"
siitctl -b "$work/gone-ttl"
siitctl -b "$work/gone-del"
echo 1 > $TI/tracing_on
awk '{ print $2 }' "$work/gone-del" | while read -r a; do siitctl del "$a"; done
wait $pe
echo 0 > $TI/tracing_on
order=$(awk '/ siitdc_table_unlink <-/ { printf "U" } / siitdc_notify_eam <-/ { printf "N" }' $TI/trace)
cpus_solo
echo nop > $TI/current_tracer
cpus_all
rmdir $TI
check_eq "events: 300 expiries and 60 deletions, each entry gone when its event came" \
	"events 360 present 0" "$(tail -n 1 "$work/evgone")"
want=$(printf 'UN%.0s' $(seq 360))
check "ftrace: each of the 360 entries unlinked before its event" \
	sh -c "[ '$order' = '$want' ] || { echo '${order:0:80}'; exit 1; }"

# --- Per-entry counters ------------------------------------------------------------
field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])" <<<"$j"; }
# A fresh entry, so that only these 25 pings count.
siitctl flush >/dev/null
siitctl add "$SRV4" "$SRV6"
n cli ping -c 25 -i 0.02 -W 2 "$SRV4" >/dev/null
j=$(siitctl -j get "$SRV4")
check_eq "counters: 25 echo requests counted 4->6" 25 "$(field pkts_4to6)"
check_eq "counters: 25 echo replies counted 6->4" 25 "$(field pkts_6to4)"
check_eq "counters: bytes 4->6 = 25 x 84" 2100 "$(field bytes_4to6)"
check "counters: idle time known after traffic" test "$(field idle_ms)" != None

topo_down
summary
