# SPDX-License-Identifier: GPL-2.0
# Shared by the guest suites that need a real Podman: a root Podman with
# all of its state in a private tmpfs, a local busybox image (no registry)
# and an IPv6 bridge network, serving the Docker Engine API over a unix
# socket. Sourced after lib.sh, not run.
#
#   podman_up NS    storage, image, network "siitdc6" and the API service,
#                   all in network namespace NS (normally srv)
#   pm ARGS...      the podman CLI with this configuration, in NS
#   podman_service_start / podman_service_stop
#   podman_down     stops everything and forgets the state
#
# The guest's root is a read-only 9p tree under a tmpfs overlay and only
# cgroup v2 is mounted, so: the vfs storage driver (overlayfs cannot stack
# its upper dir on the overlay root), cgroupfs as cgroup manager (no
# systemd), events in a file (no journald), crun.

PODMAN_DIR=${PODMAN_DIR:-/tmp/siitdc-podman}
PODMAN_SOCK=${PODMAN_SOCK:-/run/siitdc-podman/podman.sock}
PODMAN_NET=siitdc6
PODMAN_SUBNET6=2001:db8:c::/64
PODMAN_GW6=2001:db8:c::1
PODMAN_IMAGE=localhost/siitdc-busybox:latest
PODMAN_NS=
PODMAN_SVC_PID=

_podman_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# nsenter, not "ip netns exec": the latter remounts /sys in a new mount
# namespace, which hides the cgroup2 mount from crun.
pm() {
	nsenter --net="/run/netns/$PODMAN_NS" env \
		CONTAINERS_CONF="$PODMAN_DIR/containers.conf" \
		CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$PODMAN_DIR/registries.conf" \
		podman "$@"
}

_podman_conf() {
	mkdir -p "$PODMAN_DIR"
	mountpoint -q "$PODMAN_DIR" || mount -t tmpfs -o mode=0700 podman "$PODMAN_DIR"
	mkdir -p "$PODMAN_DIR"/{graph,run,net,tmp} "$(dirname "$PODMAN_SOCK")"
	cat >"$PODMAN_DIR/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "$PODMAN_DIR/run"
graphroot = "$PODMAN_DIR/graph"
CONF
	cat >"$PODMAN_DIR/containers.conf" <<CONF
[containers]
log_driver = "k8s-file"
netns = "bridge"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
runtime = "crun"
tmp_dir = "$PODMAN_DIR/tmp"
[network]
network_backend = "${PODMAN_NET_BACKEND:-cni}"
network_config_dir = "$PODMAN_DIR/net"
cni_plugin_dirs = ["/usr/lib/cni"]
CONF
	cat >"$PODMAN_DIR/registries.conf" <<CONF
unqualified-search-registries = []
CONF
}

podman_service_start() {
	rm -f "$PODMAN_SOCK"
	# Not through pm(): a function run in the background is a subshell,
	# and killing that would leave the service running.
	nsenter --net="/run/netns/$PODMAN_NS" env \
		CONTAINERS_CONF="$PODMAN_DIR/containers.conf" \
		CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$PODMAN_DIR/registries.conf" \
		podman system service --time=0 "unix://$PODMAN_SOCK" \
		>>"$PODMAN_DIR/service.log" 2>&1 &
	PODMAN_SVC_PID=$!
	local i
	for i in $(seq 300); do
		[ -S "$PODMAN_SOCK" ] && return 0
		sleep 0.1
	done
	echo "# podman service did not create $PODMAN_SOCK" >&2
	tail -n 20 "$PODMAN_DIR/service.log" | sed 's/^/#   /' >&2
	return 1
}

# SIGTERM, then SIGKILL after 3 s, like a service manager's stop: on SIGTERM
# the service waits for its clients' open event streams to end.
podman_service_stop() {
	local i
	[ -n "$PODMAN_SVC_PID" ] || return 0
	kill "$PODMAN_SVC_PID" 2>/dev/null || true
	for i in $(seq 30); do
		kill -0 "$PODMAN_SVC_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$PODMAN_SVC_PID" 2>/dev/null || true
	wait "$PODMAN_SVC_PID" 2>/dev/null || true
	PODMAN_SVC_PID=
	rm -f "$PODMAN_SOCK"
}

podman_up() {
	PODMAN_NS=$1
	_podman_conf || return 1
	bash "$_podman_lib_dir/../../scripts/podman-image" "$PODMAN_DIR/bb.tar" || return 1
	pm import -q --change 'CMD ["/bin/httpd", "-f", "-p", "80", "-h", "/www"]' \
		"$PODMAN_DIR/bb.tar" "$PODMAN_IMAGE" >/dev/null || return 1
	pm network create --ipv6 --disable-dns --subnet "$PODMAN_SUBNET6" \
		--gateway "$PODMAN_GW6" "$PODMAN_NET" >/dev/null || return 1
	podman_service_start
}

podman_down() {
	[ -n "$PODMAN_NS" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1 || true
	podman_service_stop
	pm network rm -f "$PODMAN_NET" >/dev/null 2>&1 || true
	umount "$PODMAN_DIR" 2>/dev/null || true
	PODMAN_NS=
}
