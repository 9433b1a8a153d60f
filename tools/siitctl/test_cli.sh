#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checks siitctl's behaviour that needs no kernel module: help and version
# output, usage errors (exit 2, exactly one "siitctl: " line on stderr), and,
# when the module is not loaded, the "module not loaded" error (exit 1).
#
# usage: test_cli.sh path/to/siitctl

set -u
BIN=${1:?usage: test_cli.sh path/to/siitctl}
pass=0
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

ok()   { echo "ok $1"; pass=$((pass + 1)); }
bad()  { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# expect NAME STATUS STDERR_LINE -- ARGS...: runs siitctl ARGS, checks the
# exit status and that stderr is exactly STDERR_LINE ("" for nothing).
expect() {
	name=$1 want_rc=$2 want_err=$3
	shift 4
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		bad "$name" "exit $rc, want $want_rc (stderr: $(cat "$tmp/err"))"
		return
	fi
	if [ -z "$want_err" ]; then
		if [ -s "$tmp/err" ]; then
			bad "$name" "unexpected stderr: $(cat "$tmp/err")"
			return
		fi
	else
		printf '%s\n' "$want_err" >"$tmp/want"
		if ! cmp -s "$tmp/err" "$tmp/want"; then
			bad "$name" "stderr '$(cat "$tmp/err")', want '$want_err'"
			return
		fi
	fi
	ok "$name"
}

# Usage and parse errors: exit 2, before any contact with the kernel.
expect no_command 2 "siitctl: missing command (try 'siitctl help')" --
expect unknown_command 2 "siitctl: unknown command 'frob' (try 'siitctl help')" -- frob
expect unknown_option 2 "siitctl: unknown option '-x' (try 'siitctl help')" -- -x show
expect add_missing_v4 2 "siitctl: add: missing IPv4 prefix (usage: siitctl add IPV4[/LEN] IPV6[/LEN] [force])" -- add
expect add_missing_v6 2 "siitctl: add: missing IPv6 prefix (usage: siitctl add IPV4[/LEN] IPV6[/LEN] [force])" -- add 198.51.100.7
expect add_len_range 2 "siitctl: add: 198.51.100.0/33: prefix length must be 0..32" -- add 198.51.100.0/33 2001:db8::/96
expect add_v6_len_range 2 "siitctl: add: 2001:db8::/129: prefix length must be 0..128" -- add 198.51.100.0/24 2001:db8::/129
expect add_host_bits 2 "siitctl: add: 198.51.100.1/24: address has bits set beyond /24 (did you mean 198.51.100.0/24?)" -- add 198.51.100.1/24 2001:db8::/120
expect add_swapped 2 "siitctl: add: 2001:db8::1: not an IPv4 prefix" -- add 2001:db8::1 198.51.100.7
expect add_junk 2 "siitctl: add: bogus: not a valid IPv4 address" -- add bogus 2001:db8::1
expect add_bad_flag 2 "siitctl: add: unknown argument 'forse' (usage: siitctl add IPV4[/LEN] IPV6[/LEN] [force])" -- add 198.51.100.7 2001:db8::7 forse
expect add_extra 2 "siitctl: add: unexpected argument 'x'" -- add 198.51.100.7 2001:db8::7 force x
expect del_missing 2 "siitctl: del: missing prefix (usage: siitctl del IPV4[/LEN] | IPV6[/LEN])" -- del
expect del_junk 2 "siitctl: del: 2001:db8::zz: not a valid IPv6 address" -- del 2001:db8::zz
expect get_prefix 2 "siitctl: get: 198.51.100.0/24: expected an address, not a prefix" -- get 198.51.100.0/24
expect get_extra 2 "siitctl: get: unexpected argument '1.2.3.4'" -- get 198.51.100.7 1.2.3.4
expect show_extra 2 "siitctl: show: unexpected argument 'all'" -- show all
expect set_unknown 2 "siitctl: set: unknown setting 'pool4' (known: pool6)" -- set pool4 192.0.2.0/24
expect set_pool6_len 2 "siitctl: set: pool6: 64:ff9b::/95: pool6 prefix length must be 32, 40, 48, 56, 64 or 96" -- set pool6 64:ff9b::/95
expect set_pool6_v4 2 "siitctl: set: pool6: 192.0.2.0/24: not an IPv6 prefix" -- set pool6 192.0.2.0/24
expect set_pool6_missing 2 "siitctl: set: pool6: missing prefix (usage: siitctl set pool6 PREFIX | none)" -- set pool6

# Help and version: stdout, exit 0.
for h in help -h --help; do
	expect "help_$h" 0 "" -- $h
	grep -q '^Usage: siitctl' "$tmp/out" || bad "help_${h}_text" "no usage text"
done
expect version_V 0 "" -- -V
grep -q '^siitctl ' "$tmp/out" || bad version_text "no version text"
expect version_long 0 "" -- --version

# Without the module, every command that needs it says so (exit 1).
if [ ! -d /sys/module/siitdc ]; then
	msg="siitctl: siitdc module not loaded"
	expect nomod_show 1 "$msg" -- show
	expect nomod_show_json 1 "$msg" -- -j show
	expect nomod_show_json_after 1 "$msg" -- show --json
	expect nomod_add 1 "$msg" -- add 198.51.100.7 2001:db8:6::7
	expect nomod_stats 1 "$msg" -- stats -j
	expect nomod_config 1 "$msg" -- config
	expect nomod_flush 1 "$msg" -- flush
	expect nomod_set 1 "$msg" -- set pool6 none
	[ -s "$tmp/out" ] && bad nomod_stdout "stdout not empty"
else
	echo "skip nomod_*: siitdc module is loaded"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
