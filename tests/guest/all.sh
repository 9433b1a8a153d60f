# SPDX-License-Identifier: GPL-2.0
# Runs every guest suite in one boot, then checks the kernel log.
set -u
dir=$(dirname "$0")
rc=0
# Bounded for make check; the suite's own defaults send more.
export HOSTILE_TOTAL=${HOSTILE_TOTAL:-200000} HOSTILE_CHURN_SECS=${HOSTILE_CHURN_SECS:-30}

# Static keys held on for the whole run. Flipping one patches kernel text
# (int3 first) while the other vCPU may be running it, and under TCG that
# crashed a 6.12 guest once: "Oops: int3" in __netif_receive_skb_core, as
# a ping's SO_TIMESTAMP turned netstamp_needed_key on and off. The tests
# flip such keys hundreds of times: every ping (netstamp), every first
# and last netfilter hook of a family (siitdc's namespaces coming and
# going). One timestamping socket and an empty nft table in the root
# namespace keep them on, so none of that patches text any more.
exec 3< <(exec python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_TIMESTAMP, 1)
print("ready", flush=True)
time.sleep(1e6)')
pin_pid=$!
read -r _ <&3
nft -f - <<'EOF'
table inet guest_pin_keys {
	chain pre { type filter hook prerouting priority 0; }
	chain out { type filter hook output priority 0; }
}
EOF
# The same for the scheduler's wakeup and switch tracepoints: the first
# trace event or tracer enabled hooks them to record command names, the last
# one disabled unhooks them (noalloc's counters, table's ftrace order check,
# each time), patching try_to_wake_up() and __schedule(). A 6.12 guest died
# of it once, "Oops: int3" in ttwu_do_activate() while a hist trigger went.
# One rare event (module_load) held on in a stopped instance keeps them
# hooked for the whole run.
pin_tr=/sys/kernel/tracing
[ -d $pin_tr/instances ] || mount -t tracefs nodev $pin_tr
mkdir -p $pin_tr/instances/guest_pin_cmdline
echo 0 >$pin_tr/instances/guest_pin_cmdline/tracing_on
echo 1 >$pin_tr/instances/guest_pin_cmdline/events/module/module_load/enable
for suite in netns pkt netlink paths table firewall route_cache offload noalloc \
	hostile conf siitdcd_core siitdcd_dns siitdcd_containers; do
	[ -f "$dir/$suite.sh" ] || continue
	echo "# --- $suite"
	bash "$dir/$suite.sh" || rc=1
done
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|scheduling while atomic|refcount_t|UBSAN|KASAN|kmemleak' ; then
	echo "not ok kernel: log free of warnings, oopses and BUGs"
	rc=1
else
	echo "ok kernel: log free of warnings, oopses and BUGs"
fi
nft delete table inet guest_pin_keys
kill "$pin_pid" 2>/dev/null
echo 0 >$pin_tr/instances/guest_pin_cmdline/events/module/module_load/enable
rmdir $pin_tr/instances/guest_pin_cmdline
exit $rc
