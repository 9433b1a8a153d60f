# SPDX-License-Identifier: GPL-2.0
# The table benchmark (issue: a table for a million containers), in the
# guest: batched add and delete rates at 1k, 100k and 1M entries, against
# Jool's one-by-one `eamt add` and its atomic `file handle`; kernel memory
# per entry. Times are the guest clock (instructions under --icount).
# Prints "table-bench KEY VALUE" lines for tests/bench/run.
set -u
. "$(dirname "$0")/../guest/lib.sh"
SIZES=${TABLE_SIZES:-"1000 100000 1000000"}
JOOL_N=${JOOL_EAMT_N:-1000}
JOOL=${JOOL_DIR:+$JOOL_DIR/jool_siit}

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
out() { echo "table-bench $*"; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# SLUB may merge our cache with another of the same size: sysfs still
# knows it under its own name.
slab_size() { cat /sys/kernel/slab/siitdc_eam/slab_size 2>/dev/null || echo "?"; }

# N lines "add|del A B": 100.64.0.0/10 + i <-> 2001:db8:100::/96 + i.
gen() {	# VERB N
	awk -v verb="$1" -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++) {
			a = 1681915904 + i
			v4 = sprintf("%d.%d.%d.%d", int(a / 16777216) % 256,
				     int(a / 65536) % 256, int(a / 256) % 256, a % 256)
			v6 = sprintf("2001:db8:100::%x:%x", int(i / 65536), i % 65536)
			if (verb == "add")
				print "add", v4, v6
			else if (verb == "del")
				print "del", v4
			else
				printf "%s{\"ipv6 prefix\": \"%s/128\", \"ipv4 prefix\": \"%s/32\"}\n",
					(i > 1 ? "," : ""), v6, v4
		}
	}'
}

insmod "$SIITDC_KO"
ip netns add tb
siitctl_tb() { ip netns exec tb "$SIITCTL" "$@"; }
siitctl_tb set pool6 2001:db8:46::/96

for n in $SIZES; do
	gen add "$n" > /tmp/tb-add
	gen del "$n" > /tmp/tb-del
	sync
	m0=$(meminfo MemAvailable)
	t0=$(now)
	siitctl_tb -b /tmp/tb-add || { echo "table-bench FAILED add $n"; exit 1; }
	t1=$(now)
	m1=$(meminfo MemAvailable)
	t2=$(now)
	siitctl_tb -b /tmp/tb-del || { echo "table-bench FAILED del $n"; exit 1; }
	t3=$(now)
	out "siitdc_add_per_s@$n $(rate "$n" "$t0" "$t1")"
	out "siitdc_del_per_s@$n $(rate "$n" "$t2" "$t3")"
	out "siitdc_bytes_per_entry@$n $(( (m0 - m1) * 1024 / n ))"
	rm -f /tmp/tb-add /tmp/tb-del
done
out "siitdc_entry_object_bytes $(slab_size)"

# An entry of the replace path too: build a 100k table beside the live one.
gen add 100000 > /tmp/tb-add
t0=$(now)
siitctl_tb replace /tmp/tb-add || echo "table-bench FAILED replace"
t1=$(now)
out "siitdc_replace_per_s@100000 $(rate 100000 "$t0" "$t1")"
siitctl_tb flush >/dev/null
rm -f /tmp/tb-add
ip netns del tb
rmmod siitdc

if [ -z "$JOOL" ]; then
	out "jool skipped"
	exit 0
fi
modprobe x_tables
insmod "$JOOL_DIR/jool_common.ko" && insmod "$JOOL_DIR/jool_siit.ko" || {
	echo "table-bench FAILED jool load"; exit 1; }
ip netns add jb
jool_jb() { ip netns exec jb "$JOOL" "$@"; }
jool_jb instance add --netfilter --pool6 2001:db8:46::/96 >/dev/null

# Jool's per-entry path: one `eamt add` each, as an operator would.
gen add "$JOOL_N" | awk '{ print $2, $3 }' > /tmp/jb-eam
t0=$(now)
while read -r a b; do
	jool_jb eamt add "$a" "$b" >/dev/null || { echo "table-bench FAILED jool add"; break; }
done < /tmp/jb-eam
t1=$(now)
out "jool_eamt_add_per_s@$JOOL_N $(rate "$JOOL_N" "$t0" "$t1")"
jool_jb eamt flush >/dev/null

# Jool's atomic configuration: one file with the whole table.
for n in 1000 100000; do
	{ echo '{"instance": "default", "framework": "netfilter",'
	  echo ' "global": {"pool6": "2001:db8:46::/96"}, "eamt": ['
	  gen json "$n"
	  echo ']}'; } > /tmp/jb.json
	t0=$(now)
	jool_jb file handle /tmp/jb.json >/dev/null 2>/tmp/jb.err ||
		{ echo "table-bench FAILED jool file handle $n: $(head -c 300 /tmp/jb.err)"; continue; }
	t1=$(now)
	out "jool_file_handle_per_s@$n $(rate "$n" "$t0" "$t1")"
done
rm -f /tmp/jb-eam /tmp/jb.json /tmp/jb.err
ip netns del jb
exit 0
