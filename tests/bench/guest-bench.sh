# SPDX-License-Identifier: GPL-2.0
# make bench, in one guest boot: the table benchmark, then the packet-rate
# benchmark (guest-pps.sh, with table sizes up to 1M entries), then TCP
# throughput with offloads (guest-tcp.sh), then siitdcd's DNS rates (guest-dns.sh).
set -u
dir=$(dirname "$0")
bash "$dir/guest-table.sh" || echo "table-bench FAILED (exit $?)"
bash "$dir/guest-pps.sh" "$@"
rc=$?
# TCP with offloads (guest-tcp.sh options in TCP_ARGS, e.g. "--rounds 5").
# shellcheck disable=SC2086
bash "$dir/guest-tcp.sh" ${TCP_ARGS:-} || rc=1
# siitdcd's DNS paths against knotd with dnsperf (options in DNS_BENCH_ARGS).
# shellcheck disable=SC2086
bash "$dir/guest-dns.sh" ${DNS_BENCH_ARGS:---names 10000} || rc=1
exit $rc
