# SPDX-License-Identifier: GPL-2.0
# The packet-level conformance suite: one module per group of checklist
# sections (conf_*.py), each on a fresh lib.sh topology. Test names begin
# with the checklist row they prove ("row41-..."); docs/conformance.md maps
# every row to its tests.
#   conf.sh [MODULE-SUBSTRING] [TEST-NAME-SUBSTRING...]
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
export SIITDC_KO SIITCTL
load_module
rc=0
for m in "$dir"/conf_*.py; do
	[ -f "$m" ] || continue
	case $m in *"${1:-}"*) ;; *) continue ;; esac
	topo_up
	/usr/bin/python3 "$m" "${@:2}" || rc=1
	topo_down
done
exit $rc
