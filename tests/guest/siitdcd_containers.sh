# SPDX-License-Identifier: GPL-2.0
# siitdcd's container source with a real Podman serving the Docker Engine
# API: containers labelled siitdc.public=true get an entry while they run,
# on-demand and unlabelled ones do not; the IPv4 client reaches a container
# through its entry; restarts of siitdcd and of the engine reconcile; the
# proxy neighbour entries follow. Run inside the guest:
#
#   SIITDC_KO=... SIITCTL=... SIITDCD=... bash siitdcd_containers.sh
#
#   cli --- br (siitdc, siitdcd) --- srv (podman, bridge 2001:db8:c::/64)
set -u
T_GROUP=siitdcd-containers
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/podman-lib.sh"
: "${SIITDCD:=$(cd "$here/../.." && pwd)/tools/siitdcd/siitdcd}"

work=$(mktemp -d)
conf=$work/siitdcd.conf
state=$work/siitdcd.state
log=$work/siitdcd.log
URL=http://127.0.0.1:9646/metrics
PAGE='siitdc container page'
PID=

stop_daemon() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		PID=
	fi
}
cleanup() {
	stop_daemon
	podman_down
	rm -rf "$work"
}
trap cleanup EXIT

# Not through n(): a shell function run in the background is a subshell,
# and $! would be that shell, not siitdcd (ip netns exec execs it).
start_daemon() {
	ip netns exec br "$SIITDCD" -c "$conf" >>"$log" 2>&1 &
	PID=$!
}

# until_ok CMD...: polls for up to 30 s (TCG guests and podman are slow).
until_ok() {
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

metric() {
	n br curl -s --max-time 3 "$URL" | awk -v m="$1" '$1 == m { print $2 }'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }
metric_ge() { local v; v=$(metric "$1"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]; }

# entry V6: "V4 OWNER SOURCE" of the kernel's entry for V6, or nothing.
entry() {
	siitctl show | awk -v a="$1" '$2 == a || $2 == a "/128" {
		v4 = $1; sub(/\/32$/, "", v4); print v4, $4, $5 }'
}
v4_of() { entry "$1" | awk '{ print $1 }'; }
has_entry() { [ -n "$(entry "$1")" ]; }
no_entry() { [ -z "$(entry "$1")" ]; }
has_proxy() { ip -n br -6 neigh show proxy | grep -q "^$1 "; }
no_proxy() { ! has_proxy "$1"; }
fetch() { n cli wget -q -O- -T 5 "http://$1/" 2>&1; }
page_ok() { [ "$(fetch "$1")" = "$PAGE" ]; }

# run NAME [LABEL...]: a detached busybox httpd container; prints its IPv6.
run() {
	local name=$1 args=() l
	shift
	for l in "$@"; do
		args+=(--label "$l")
	done
	pm run -d --name "$name" --network "$PODMAN_NET" "${args[@]}" \
		"$PODMAN_IMAGE" >/dev/null || return 1
	addr6 "$name"
}
addr6() {
	pm inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}' "$1"
}

cat >"$conf" <<CONF
[daemon]
state-file = $state
metrics = 127.0.0.1:9646
log-level = debug
reconcile-interval = 5
[pool]
prefix = 203.0.113.0/28
quarantine = 600
[containers]
socket = $PODMAN_SOCK
ndp-proxy = b6
owner = fleet
CONF

load_module
topo_up
# The BR reaches the container network through the podman host.
ip -n br -6 route add "$PODMAN_SUBNET6" via "$SRV6"

if ! podman_up srv; then
	not_ok "podman serves the Docker API in srv"
	tail -n 30 "$PODMAN_DIR/service.log" | sed 's/^/#   /'
	summary
	exit 1
fi
ok "podman serves the Docker API in srv"

# --- A container that runs before siitdcd starts -------------------------------
E6=$(run early siitdc.public=true siitdc.owner=acme)
check "a labelled container has a global IPv6 ($E6)" test -n "$E6"
check "the BR reaches it over IPv6" n br wget -q -O /dev/null -T 5 "http://[$E6]/"

start_daemon
check "siitdcd starts" until_ok metric_is siitdcd_kernel_up 1
check "it follows the engine: a container started earlier gets an entry" \
	until_ok has_entry "$E6"
e4=$(v4_of "$E6")
check_eq "source container, owner from siitdc.owner" "$e4 acme container" \
	"$(entry "$E6")"
check "the IPv4 client fetches the page of the early container" page_ok "$e4"
check "its proxy neighbour entry is on b6" until_ok has_proxy "$E6"

# --- Start and remove while siitdcd runs ------------------------------------
W6=$(run web siitdc.public=true siitdc.owner=acme)
check "a container started now gets an entry" until_ok has_entry "$W6"
w4=$(v4_of "$W6")
check_eq "source container, owner acme" "$w4 acme container" "$(entry "$W6")"
check "the IPv4 client fetches its page through the BR" page_ok "$w4"
check "its proxy neighbour entry is on b6" until_ok has_proxy "$W6"
D6=$(run dflt siitdc.public=true)
check "a container without siitdc.owner gets an entry" until_ok has_entry "$D6"
check_eq "owned by the configured default owner" "fleet" \
	"$(entry "$D6" | awk '{ print $2 }')"

# The engine sends events in order: once the sentinel's entry is there,
# the events of the two before it were handled.
L6=$(run lazy siitdc.public=on-demand siitdc.owner=acme)
P6=$(run plain)
S6=$(run sentinel siitdc.public=true)
check "(sentinel entry)" until_ok has_entry "$S6"
check "siitdc.public=on-demand: no entry (DNS path only)" no_entry "$L6"
check "unlabelled: no entry" no_entry "$P6"
check "no proxy neighbour entries for them" sh -c \
	"! ip -n br -6 neigh show proxy | grep -q -e '^$L6 ' -e '^$P6 '"

pm rm -f -t 0 web >/dev/null
check "podman rm: the entry goes" until_ok no_entry "$W6"
check_fails "and the IPv4 client no longer reaches it" page_ok "$w4"
check "and its proxy neighbour entry goes" until_ok no_proxy "$W6"
check "metrics: container events counted" \
	metric_ge siitdcd_container_events_total 5

# --- siitdcd restart --------------------------------------------------------
s4=$(v4_of "$S6")
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
check_eq "SIGTERM exits 0" 0 "$rc"
check "entries stay while siitdcd is down" has_entry "$S6"
check_fails "and it is really down" n br curl -s --max-time 2 "$URL"
pm rm -f -t 0 early >/dev/null
Z6=$(run zdown siitdc.public=true siitdc.owner=beta)
start_daemon
check "restart: a container started while siitdcd was down gets an entry" \
	until_ok has_entry "$Z6"
check_eq "with its owner" "beta container" \
	"$(entry "$Z6" | awk '{ print $2, $3 }')"
check "restart: the entry of a container removed meanwhile goes" \
	until_ok no_entry "$E6"
check "and its proxy neighbour entry" until_ok no_proxy "$E6"
check_eq "restart: a running container keeps its IPv4" "$s4" "$(v4_of "$S6")"
check "restart: its page is still served" page_ok "$s4"
check "metrics: the reconcile counted the removal" \
	metric_ge siitdcd_reconcile_removed_total 1

# --- The engine restarts ----------------------------------------------------
old=$PODMAN_SVC_PID
podman_service_stop
check_fails "the podman service is down" kill -0 "$old"
pm rm -f -t 0 zdown >/dev/null
R6=$(run rstart siitdc.public=true)
check "podman service back up" podman_service_start
check "siitdcd reconnects" until_ok metric_ge siitdcd_container_reconnects_total 1
check "engine restart: the entry of a container removed meanwhile goes" \
	until_ok no_entry "$Z6"
check "engine restart: a container started meanwhile gets an entry" \
	until_ok has_entry "$R6"
check_eq "engine restart: the others keep their IPv4" "$s4" "$(v4_of "$S6")"
W6b=$(run web2 siitdc.public=true siitdc.owner=acme)
check "events flow again after the reconnect" until_ok has_entry "$W6b"
check "the IPv4 client fetches its page" page_ok "$(v4_of "$W6b")"

check "siitdcd ran throughout" kill -0 "$PID"
check "no NDP errors" metric_is siitdcd_ndp_errors_total 0
stop_daemon
if [ "$T_FAIL" -ne 0 ]; then
	echo "# siitdcd log (tail):"
	tail -n 40 "$log" | sed 's/^/#   /'
fi
summary
