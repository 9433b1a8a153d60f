# SPDX-License-Identifier: GPL-2.0
# Packet-level translation tests (tests/guest/pkt.py) on lib.sh's topology.
set -u
. "$(dirname "$0")/lib.sh"
export SIITDC_KO SIITCTL
load_module
topo_up
/usr/bin/python3 "$(dirname "$0")/pkt.py" "$@"
rc=$?
siitctl stats | sed 's/^/# stats: /'
exit $rc
