# SPDX-License-Identifier: GPL-2.0
# make bench, in one guest boot: the table benchmark, then the packet-rate
# benchmark (guest-pps.sh, with table sizes up to 1M entries).
set -u
dir=$(dirname "$0")
bash "$dir/guest-table.sh" || echo "table-bench FAILED (exit $?)"
exec bash "$dir/guest-pps.sh" "$@"
