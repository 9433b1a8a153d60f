# SPDX-License-Identifier: GPL-2.0
# Runs every guest suite in one boot, then checks the kernel log.
set -u
dir=$(dirname "$0")
rc=0
# Bounded for make check; the suite's own defaults send more.
export HOSTILE_TOTAL=${HOSTILE_TOTAL:-200000} HOSTILE_CHURN_SECS=${HOSTILE_CHURN_SECS:-30}
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
exit $rc
