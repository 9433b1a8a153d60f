# SPDX-License-Identifier: GPL-2.0
# A real authoritative DNS server (Debian's knotd) for the guest tests and
# benchmarks of siitdcd's DNS path. Sourced, not run.
#
#   knot_start NS ADDR ZONE ZONEFILE DIR: knotd in namespace NS, listening
#       on ADDR port 53 (UDP and TCP), authoritative for ZONE from
#       ZONEFILE; its config, rundir and database in DIR. Waits until it
#       answers the zone's SOA. Sets KNOT_PID.
#   knot_stop: stops it (SIGTERM, then waits).
#   zone_header ZONE NSADDR: the SOA/NS part of a zone file, on stdout.
#
# Everything lives in DIR: the host's / is read-only in the guest, and
# nothing here needs /etc/knot or /var/lib/knot.

KNOT_PID=

zone_header() {	# ZONE NSADDR
	cat <<EOF
\$ORIGIN $1.
\$TTL 300
@	3600	SOA	ns hostmaster 1 3600 900 604800 60
@	3600	NS	ns
ns	3600	AAAA	$2
EOF
}

knot_start() {	# NS ADDR ZONE ZONEFILE DIR
	local ns=$1 addr=$2 zone=$3 zfile=$4 dir=$5 i
	mkdir -p "$dir/db"
	cp "$zfile" "$dir/$zone.zone"
	# zonefile-sync -1 and journal-content none: the zone is served
	# exactly as written, never rewritten or kept in a journal.
	# udp-workers 1: a single-vCPU guest gains nothing from more threads,
	# and one worker keeps the benchmark's upstream figure repeatable.
	cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    listen: "$addr@53"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: "$dir/knot.log"
    any: notice
database:
    storage: "$dir/db"
template:
  - id: default
    storage: "$dir"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: $zone
EOF
	if ! knotc -c "$dir/knot.conf" conf-check >"$dir/check.log" 2>&1; then
		echo "# knot config rejected:" >&2
		sed 's/^/#   /' "$dir/check.log" >&2
		return 1
	fi
	ip netns exec "$ns" knotd -c "$dir/knot.conf" >>"$dir/knot.log" 2>&1 &
	KNOT_PID=$!
	for i in $(seq 100); do
		if ip netns exec "$ns" kdig +short +time=1 +retry=0 \
			@"$addr" SOA "$zone" 2>/dev/null | grep -q hostmaster; then
			return 0
		fi
		kill -0 "$KNOT_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "# knotd in $ns does not answer for $zone at $addr:" >&2
	tail -n 20 "$dir/knot.log" | sed 's/^/#   /' >&2
	return 1
}

knot_stop() {
	[ -n "$KNOT_PID" ] || return 0
	kill "$KNOT_PID" 2>/dev/null
	wait "$KNOT_PID" 2>/dev/null
	KNOT_PID=
}
