# SPDX-License-Identifier: GPL-2.0
set -u
. "$(dirname "$0")/lib.sh"
load_module
topo_up
check "ping 4->6" n cli ping -c 2 -W 2 "$SRV4"
check "ping 6->4" n srv ping -c 2 -W 2 "$CLI6"
siitctl stats
siitctl show
summary
