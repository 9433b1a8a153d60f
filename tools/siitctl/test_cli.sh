#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checks siitctl's behaviour that needs no kernel module: help and version
# output, usage errors (exit 2, exactly one "siitctl: " line on stderr),
# batch and replace files (every line checked, the first bad one named,
# nothing sent), and, when the module is not loaded, the "module not loaded"
# error (exit 1), which comes only after a batch file was found valid.
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
ADD_U="usage: siitctl add IPV4[/LEN] IPV6[/LEN] [ttl SECONDS] [grace SECONDS] [owner NAME] [source static|dns|container] [force]"
REFRESH_U="usage: siitctl refresh IPV4[/LEN] | IPV6[/LEN] ttl SECONDS"
expect no_command 2 "siitctl: missing command (try 'siitctl help')" --
expect unknown_command 2 "siitctl: unknown command 'frob' (try 'siitctl help')" -- frob
expect unknown_option 2 "siitctl: unknown option '-x' (try 'siitctl help')" -- -x show
expect add_missing_v4 2 "siitctl: add: missing IPv4 prefix ($ADD_U)" -- add
expect add_missing_v6 2 "siitctl: add: missing IPv6 prefix ($ADD_U)" -- add 198.51.100.7
expect add_len_range 2 "siitctl: add: 198.51.100.0/33: prefix length must be 0..32" -- add 198.51.100.0/33 2001:db8::/96
expect add_v6_len_range 2 "siitctl: add: 2001:db8::/129: prefix length must be 0..128" -- add 198.51.100.0/24 2001:db8::/129
expect add_host_bits 2 "siitctl: add: 198.51.100.1/24: address has bits set beyond /24 (did you mean 198.51.100.0/24?)" -- add 198.51.100.1/24 2001:db8::/120
expect add_swapped 2 "siitctl: add: 2001:db8::1: not an IPv4 prefix" -- add 2001:db8::1 198.51.100.7
expect add_junk 2 "siitctl: add: bogus: not a valid IPv4 address" -- add bogus 2001:db8::1
expect add_bad_flag 2 "siitctl: add: unknown argument 'forse' ($ADD_U)" -- add 198.51.100.7 2001:db8::7 forse
expect add_extra 2 "siitctl: add: unknown argument 'x' ($ADD_U)" -- add 198.51.100.7 2001:db8::7 force x
expect add_force_twice 2 "siitctl: add: force: given twice" -- add 198.51.100.7 2001:db8::7 force force
expect add_ttl_big 2 "siitctl: add: ttl: 4294967296: must be at most 4294967295" -- add 198.51.100.7 2001:db8::7 ttl 4294967296
expect add_ttl_junk 2 "siitctl: add: ttl: '5m': expected a number" -- add 198.51.100.7 2001:db8::7 ttl 5m
expect add_ttl_neg 2 "siitctl: add: ttl: '-1': expected a number" -- add 198.51.100.7 2001:db8::7 ttl -- -1
expect add_ttl_missing 2 "siitctl: add: ttl: missing seconds" -- add 198.51.100.7 2001:db8::7 ttl
expect add_ttl_twice 2 "siitctl: add: ttl: given twice" -- add 198.51.100.7 2001:db8::7 ttl 1 owner a ttl 2
expect add_owner_long 2 "siitctl: add: owner: '0123456789abcdef0123456789abcdef': longer than 31 bytes" -- add 198.51.100.7 2001:db8::7 owner 0123456789abcdef0123456789abcdef
expect add_owner_empty 2 "siitctl: add: owner: empty name" -- add 198.51.100.7 2001:db8::7 owner ""
expect add_owner_space 2 "siitctl: add: owner: name contains a space or a control character" -- add 198.51.100.7 2001:db8::7 owner "a b"
expect add_owner_missing 2 "siitctl: add: owner: missing name" -- add 198.51.100.7 2001:db8::7 ttl 5 owner
expect add_source 2 "siitctl: add: source: 'docker': expected static, dns or container" -- add 198.51.100.7 2001:db8::7 source docker
expect add_source_missing 2 "siitctl: add: source: missing value (static, dns or container)" -- add 198.51.100.7 2001:db8::7 source
expect refresh_missing 2 "siitctl: refresh: missing prefix ($REFRESH_U)" -- refresh
expect refresh_no_ttl 2 "siitctl: refresh: missing ttl ($REFRESH_U)" -- refresh 198.51.100.7
expect refresh_bad_kw 2 "siitctl: refresh: unknown argument 'owner' ($REFRESH_U)" -- refresh 198.51.100.7 owner x
expect refresh_ttl_missing 2 "siitctl: refresh: ttl: missing seconds" -- refresh 2001:db8::7 ttl
expect refresh_ttl_big 2 "siitctl: refresh: ttl: 99999999999: must be at most 4294967295" -- refresh 2001:db8::7 ttl 99999999999
expect refresh_extra 2 "siitctl: refresh: unexpected argument 'force'" -- refresh 2001:db8::7 ttl 5 force
expect refresh_len 2 "siitctl: refresh: 2001:db8::7/200: prefix length must be 0..128" -- refresh 2001:db8::7/200 ttl 5
expect show_owner_missing 2 "siitctl: show: owner: missing name" -- show owner
expect show_owner_long 2 "siitctl: show: owner: '0123456789abcdef0123456789abcdef': longer than 31 bytes" -- show owner 0123456789abcdef0123456789abcdef
expect show_owner_extra 2 "siitctl: show: unexpected argument 'x'" -- show owner web x
expect flush_extra 2 "siitctl: flush: unexpected argument 'all'" -- flush all
expect flush_owner_missing 2 "siitctl: flush: owner: missing name" -- flush owner
expect monitor_extra 2 "siitctl: monitor: unexpected argument 'x'" -- monitor x
expect replace_missing 2 "siitctl: replace: missing file (usage: siitctl replace FILE | -)" -- replace
expect replace_extra 2 "siitctl: replace: unexpected argument 'y'" -- replace x y
expect batch_no_file 2 "siitctl: option '-b' needs a file (- for standard input)" -- -b
expect batch_twice 2 "siitctl: option '--batch' given twice" -- -b x --batch y
expect batch_and_cmd 2 "siitctl: -b: unexpected argument 'show' (usage: siitctl -b FILE | -)" -- -b x show
expect batch_missing_file 1 "siitctl: $tmp/nonexistent: cannot open: No such file or directory" -- -b "$tmp/nonexistent"
expect replace_missing_file 1 "siitctl: $tmp/nonexistent: cannot open: No such file or directory" -- replace "$tmp/nonexistent"

# Batch and replace files: every line is checked before anything is sent,
# so a bad line fails (exit 2, naming the line) whether or not the module is
# loaded, and before the "module not loaded" error when it is not.
{
	echo "# a comment, then a blank line"
	echo
	echo "add 198.51.100.7 2001:db8:6::7 ttl 300 owner web"
	echo "add 198.51.100.8/33 2001:db8:6::8"
	echo "add 198.51.100.9 2001:db8:6::9"
} >"$tmp/bad4"
expect batch_bad_line 2 "siitctl: $tmp/bad4:4: add: 198.51.100.8/33: prefix length must be 0..32" -- -b "$tmp/bad4"
expect replace_bad_line 2 "siitctl: $tmp/bad4:4: add: 198.51.100.8/33: prefix length must be 0..32" -- replace "$tmp/bad4"

# batch_stdin NAME LINES STATUS MESSAGE: "siitctl -b -" with LINES (printf
# %b escapes) on standard input; stderr must be "siitctl: <stdin>:MESSAGE".
batch_stdin() {
	name=$1 lines=$2 want_rc=$3 want_err=$4
	printf '%b' "$lines" >"$tmp/in"
	"$BIN" -b - <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		bad "$name" "exit $rc, want $want_rc (stderr: $(cat "$tmp/err"))"
	elif [ "$(cat "$tmp/err")" != "siitctl: <stdin>:$want_err" ]; then
		bad "$name" "stderr '$(cat "$tmp/err")', want 'siitctl: <stdin>:$want_err'"
	elif [ -s "$tmp/out" ]; then
		bad "$name" "stdout not empty"
	else
		ok "$name"
	fi
}
batch_stdin batch_unknown_cmd 'add 192.0.2.1 2001:db8::1\nfrob 1 2\n' 2 \
	"2: unknown command 'frob' (expected add, del or refresh)"
batch_stdin batch_del_extra '\n\n\ndel 192.0.2.1 2001:db8::1\n' 2 \
	"4: del: unexpected argument '2001:db8::1'"
batch_stdin batch_refresh_no_ttl 'refresh 192.0.2.1\n' 2 \
	"1: refresh: missing ttl ($REFRESH_U)"
batch_stdin batch_owner_long 'add 192.0.2.1 2001:db8::1 owner abcdefghijabcdefghijabcdefghijxy\n' 2 \
	"1: add: owner: 'abcdefghijabcdefghijabcdefghijxy': longer than 31 bytes"
batch_stdin batch_ttl_big '  add 192.0.2.1 2001:db8::1 ttl 4294967296 # too long\n' 2 \
	"1: add: ttl: 4294967296: must be at most 4294967295"
batch_stdin batch_crlf 'add 192.0.2.1 2001:db8::1\r\nadd 192.0.2.1\r\n' 2 \
	"2: add: missing IPv6 prefix ($ADD_U)"
batch_stdin batch_nul 'add 192.0.2.1 2001:db8::1\nadd 192.0.2.1\0 2001:db8::1\n' 2 \
	"2: line contains a NUL byte"
batch_stdin batch_too_many_words 'del 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n' 2 \
	"1: more than 16 words"
batch_stdin batch_comment_word 'add 192.0.2.1 2001:db8::1 #owner x\nadd 192.0.2.2 2001:db8::2 owner x#y junk\n' 2 \
	"2: add: unknown argument 'junk' ($ADD_U)"
long=$(printf '%01100d' 0)
batch_stdin batch_long_line "add $long\n" 2 "1: line longer than 1024 bytes"

# The first bad line is the one reported, even late in a long file.
i=0
while [ $i -lt 3000 ]; do
	echo "add 10.$((i / 256)).$((i % 256)).1 2001:db8::$i:1 ttl 60 owner bulk"
	i=$((i + 1))
done >"$tmp/big.ok"
cp "$tmp/big.ok" "$tmp/big"
echo "add 10.255.255.1 2001:db8::zz" >>"$tmp/big"
echo "add 10.255.255.2/33 2001:db8::1" >>"$tmp/big"
expect batch_big_bad_last 2 "siitctl: $tmp/big:3001: add: 2001:db8::zz: not a valid IPv6 address" -- -b "$tmp/big"
expect batch_big_bad_stdin 2 "siitctl: <stdin>:3001: add: 2001:db8::zz: not a valid IPv6 address" -- -b - <"$tmp/big"
# A pipe given by name cannot be read twice: it is copied first.
cat "$tmp/big" | "$BIN" -b /dev/stdin >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] &&
   [ "$(cat "$tmp/err")" = "siitctl: /dev/stdin:3001: add: 2001:db8::zz: not a valid IPv6 address" ]; then
	ok batch_pipe_path
else
	bad batch_pipe_path "exit $rc, stderr $(cat "$tmp/err")"
fi
printf 'add 192.0.2.1 2001:db8::1\ndel 192.0.2.1\n' >"$tmp/repl_del"
expect replace_del 2 "siitctl: $tmp/repl_del:2: del: not allowed here (only add lines)" -- replace "$tmp/repl_del"
printf 'refresh 192.0.2.1 ttl 5\n' >"$tmp/in"
expect replace_refresh 2 "siitctl: <stdin>:1: refresh: not allowed here (only add lines)" -- replace - <"$tmp/in"
# Comments and blank lines only: nothing to do, nothing sent.
printf '# nothing\n\n   \n\t# still nothing\n' >"$tmp/empty"
expect batch_empty 0 "" -- -b "$tmp/empty"
expect batch_empty_stdin 0 "" -- -b - </dev/null
expect del_missing 2 "siitctl: del: missing prefix (usage: siitctl del IPV4[/LEN] | IPV6[/LEN])" -- del
expect del_junk 2 "siitctl: del: 2001:db8::zz: not a valid IPv6 address" -- del 2001:db8::zz
expect get_prefix 2 "siitctl: get: 198.51.100.0/24: expected an address, not a prefix" -- get 198.51.100.0/24
expect get_extra 2 "siitctl: get: unexpected argument '1.2.3.4'" -- get 198.51.100.7 1.2.3.4
expect show_extra 2 "siitctl: show: unexpected argument 'all'" -- show all
expect set_unknown 2 "siitctl: set: unknown setting 'pool4'" -- set pool4 192.0.2.0/24
expect set_unknown_later 2 "siitctl: set: unknown setting 'foo'" -- set tos 0 foo 1
expect set_missing 2 "siitctl: set: missing setting (usage: siitctl set KEY VALUE [KEY VALUE]..., see 'siitctl help')" -- set
expect set_missing_value 2 "siitctl: set: zeroize-tc: missing value (usage: siitctl set zeroize-tc on | off)" -- set lowest-ipv6-mtu 1400 zeroize-tc
expect set_twice 2 "siitctl: set: tos: given twice" -- set tos 1 tos 2
expect set_pool6791v4_v6 2 "siitctl: set: pool6791v4: 2001:db8::/64: not an IPv4 prefix" -- set pool6791v4 2001:db8::/64
expect set_pool6791v4_bits 2 "siitctl: set: pool6791v4: 192.0.2.1/24: address has bits set beyond /24 (did you mean 192.0.2.0/24?)" -- set pool6791v4 192.0.2.1/24
expect set_pool6791v6_v4 2 "siitctl: set: pool6791v6: 192.0.2.0/24: not an IPv6 prefix" -- set pool6791v6 192.0.2.0/24
expect set_pool6791v6_missing 2 "siitctl: set: pool6791v6: missing prefix (usage: siitctl set pool6791v6 IPV6-PREFIX | none)" -- set pool6791v6
expect set_mtu_low 2 "siitctl: set: lowest-ipv6-mtu: 1279: must be at least 1280" -- set lowest-ipv6-mtu 1279
expect set_mtu_big 2 "siitctl: set: lowest-ipv6-mtu: 4294967296: must be at most 4294967295" -- set lowest-ipv6-mtu 4294967296
expect set_mtu_junk 2 "siitctl: set: lowest-ipv6-mtu: '1500b': expected a number" -- set lowest-ipv6-mtu 1500b
expect set_plateaus_order 2 "siitctl: set: mtu-plateaus: must be strictly descending" -- set mtu-plateaus 1492,1500
expect set_plateaus_dup 2 "siitctl: set: mtu-plateaus: must be strictly descending" -- set mtu-plateaus 1500,1500
expect set_plateaus_range 2 "siitctl: set: mtu-plateaus: 67: each value must be 68..65535" -- set mtu-plateaus 1500,67
expect set_plateaus_range_hi 2 "siitctl: set: mtu-plateaus: 65536: each value must be 68..65535" -- set mtu-plateaus 65536
expect set_plateaus_empty 2 "siitctl: set: mtu-plateaus: '1500,,68': empty item in list" -- set mtu-plateaus 1500,,68
expect set_plateaus_many 2 "siitctl: set: mtu-plateaus: at most 16 values" -- set mtu-plateaus 1700,1600,1500,1400,1300,1200,1100,1000,900,800,700,600,500,400,300,200,100
expect set_zeroize 2 "siitctl: set: zeroize-tc: 'yes': expected on or off" -- set zeroize-tc yes
expect set_override_tos 2 "siitctl: set: override-tos: '1': expected on or off" -- set override-tos 1
expect set_tos_big 2 "siitctl: set: tos: 256: must be at most 255" -- set tos 256
expect set_tos_junk 2 "siitctl: set: tos: '0x10': expected a number" -- set tos 0x10
expect set_udp 2 "siitctl: set: udp-zero-csum: 'fix': expected drop or compute" -- set udp-zero-csum fix
expect set_hairpin 2 "siitctl: set: hairpin: 'x': expected off, simple or intrinsic" -- set hairpin x
expect set_random 2 "siitctl: set: random-6791: 'no': expected on or off" -- set random-6791 no
expect set_icmp_errors 2 "siitctl: set: icmp-errors: '': expected on or off" -- set icmp-errors ""
expect set_ratelimit 2 "siitctl: set: icmp-ratelimit: '10/s': expected a number" -- set icmp-ratelimit 10/s
expect set_deny_bits 2 "siitctl: set: denylist4: 10.0.0.1/8: address has bits set beyond /8 (did you mean 10.0.0.0/8?)" -- set denylist4 10.0.0.1/8
expect set_deny_v6 2 "siitctl: set: denylist4: 2001:db8::/32: not an IPv4 prefix" -- set denylist4 10.0.0.0/8,2001:db8::/32
expect set_deny_twice 2 "siitctl: set: denylist4: 10.0.0.0/8: listed twice" -- set denylist4 10.0.0.0/8,10.0.0.0/8
expect set_deny_empty 2 "siitctl: set: denylist4: '10.0.0.0/8,': empty item in list" -- set denylist4 10.0.0.0/8,
# A bad pair anywhere fails the whole command before the kernel is asked.
expect set_bad_last 2 "siitctl: set: hairpin: 'on': expected off, simple or intrinsic" -- set lowest-ipv6-mtu 1400 zeroize-tc on hairpin on
expect set_pool6_len 2 "siitctl: set: pool6: 64:ff9b::/95: pool6 prefix length must be 32, 40, 48, 56, 64 or 96" -- set pool6 64:ff9b::/95
expect set_pool6_v4 2 "siitctl: set: pool6: 192.0.2.0/24: not an IPv6 prefix" -- set pool6 192.0.2.0/24
expect set_pool6_missing 2 "siitctl: set: pool6: missing prefix (usage: siitctl set pool6 PREFIX | none)" -- set pool6

# Help and version: stdout, exit 0.
for h in help -h --help; do
	expect "help_$h" 0 "" -- $h
	grep -q '^Usage: siitctl' "$tmp/out" || bad "help_${h}_text" "no usage text"
done
grep -q '^  hairpin off | simple | intrinsic' "$tmp/out" ||
	bad help_settings "help does not list the settings"
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
	expect nomod_set_many 1 "$msg" -- set lowest-ipv6-mtu 1400 zeroize-tc on
	expect nomod_set_all 1 "$msg" -- set pool6 64:ff9b::/96 \
		pool6791v4 192.0.2.0/24 pool6791v6 none lowest-ipv6-mtu 1280 \
		mtu-plateaus 65535,32000,17914,8166,4352,2002,1492,1006,508,296,68 \
		zeroize-tc off override-tos off tos 0 udp-zero-csum drop \
		hairpin intrinsic random-6791 on icmp-errors on \
		icmp-ratelimit 1000 denylist4 none
	expect nomod_config_json 1 "$msg" -- config -j
	expect nomod_add_all 1 "$msg" -- add 198.51.100.7 2001:db8:6::7 ttl 300 owner web source container force
	expect nomod_refresh 1 "$msg" -- refresh 198.51.100.7 ttl 0
	expect nomod_get 1 "$msg" -- get 198.51.100.7
	expect nomod_show_owner 1 "$msg" -- show owner web -j
	expect nomod_flush_owner 1 "$msg" -- flush owner web
	expect nomod_monitor 1 "$msg" -- monitor -j
	expect nomod_batch 1 "$msg" -- -b "$tmp/big.ok"
	expect nomod_batch_stdin 1 "$msg" -- -b - <"$tmp/big.ok"
	expect nomod_replace 1 "$msg" -- replace "$tmp/big.ok"
	expect nomod_replace_stdin 1 "$msg" -- replace - <"$tmp/big.ok"
	# An empty replace file still replaces (empties) the table.
	expect nomod_replace_empty 1 "$msg" -- replace "$tmp/empty"
	[ -s "$tmp/out" ] && bad nomod_stdout "stdout not empty"
else
	echo "skip nomod_*: siitdc module is loaded"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
