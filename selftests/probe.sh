#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin probe and tunpin pin-native in the VM (Linux 6.1), the module
# loaded unpinned by the caller: the probe finds the 6.1 set (no uso, no
# udp-tunnel bits), still finds it on a pinned host through the /dev/tunpin
# exemption, refuses to run unexempted on a pinned host, and pin-native
# pins exactly that set. With TUNPIN_OUT set, the VM's dump is saved to
# $TUNPIN_OUT/vm-probe.json (for the merge test). Prints the probe's wall
# time (median of 20) as "# probe: N.N ms (kernel X)". KTAP; exits 1 on any
# failure; leaves the host level unpinned and the module loaded.
set -u
. "$(dirname "$0")/ktap.sh"

tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
sys=/sys/kernel/tunpin
native="csum tso4 tso6 tso_ecn ufo"	# what Linux 6.1's tun offers
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-probe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# Asks for offload bits on a TAP of its own, as QEMU does: exit 0 if
# accepted, 1 if refused with EINVAL. Usage: BITS
try_py='
import errno, fcntl, os, struct, sys
TUNSETIFF, TUNSETOFFLOAD = 0x400454ca, 0x400454d0
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", b"", 0x0002 | 0x1000 | 0x4000))
try:
    fcntl.ioctl(fd, TUNSETOFFLOAD, int(sys.argv[1], 0))
except OSError as e:
    sys.exit(1 if e.errno == errno.EINVAL else 2)
'

# --- helpers ---------------------------------------------------------------

last=
run() {		# run ARGS...: the tool's status in $rc, output in $out, $err
	last="tunpin $*"
	"$tool" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(<"$tmp/out")
	err=$(<"$tmp/err")
}

run_nobody() {	# run_nobody ARGS...: run, as nobody
	last="tunpin $* (as nobody)"
	"${nobody[@]}" "$tool" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(<"$tmp/out")
	err=$(<"$tmp/err")
}



jget() {	# jget JSON EXPR: a python expression of the parsed j
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>&1
}

caps_of() {	# caps_of JSON: the capability list, space separated
	jget "$1" '" ".join(j["capabilities"])'
}

sysfs() {	# sysfs FILE: its content, "<missing>" if absent
	cat "$sys/$1" 2>/dev/null || echo "<missing>"
}

taps() {	# taps: the TAP devices there are now
	ls /sys/class/net | grep '^tap' | sort
}

# The label pin-native gives by default.
native_name=native-$(uname -r | tr -c 'A-Za-z0-9._:+@\n-' '_')
native_name=${native_name:0:63}

# --- tests -----------------------------------------------------------------

t_native() {		# probe -j: the 6.1 set, exempted, module version
	taps >"$tmp/taps-before"
	run probe -j
	check "exit 0" [ $rc -eq 0 ]
	check "native set is '$native'" [ "$(caps_of "$out")" = "$native" ]
	for cap in uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum; do
		check "$cap is not native on 6.1" \
			[ "$(jget "$out" "'$cap' in j['capabilities']")" = false ]
	done
	check "masks.capabilities 0x1f" [ "$(jget "$out" 'j["masks"]["capabilities"]')" = 0x1f ]
	check "no unknown bit" [ "$(jget "$out" 'j["masks"]["unknown"]')" = 0x0 ]
	check "module version" [ "$(jget "$out" 'j["module"]')" = "$(cat /sys/module/tunpin/version)" ]
	check "exempt" [ "$(jget "$out" 'j["exempt"]')" = true ]
	check "kernel" [ "$(jget "$out" 'j["kernel"]')" = "$(uname -r)" ]
	check "uso pair refused on 6.1" [ "$(jget "$out" \
		'[p["result"] for p in j["probes"] if p["tests"] == "uso4+uso6"]')" = '["EINVAL"]' ]
	check "tap and vnet_hdr features" [ "$(jget "$out" \
		'"tap" in j["features"] and "vnet_hdr" in j["features"]')" = true ]
	taps >"$tmp/taps-after"
	check "no TAP left behind" cmp -s "$tmp/taps-before" "$tmp/taps-after"
	if [ -n "${TUNPIN_OUT:-}" ]; then
		run probe -p -o "$TUNPIN_OUT/vm-probe.json"
		check "saved to \$TUNPIN_OUT/vm-probe.json" [ $rc -eq 0 -a -s "$TUNPIN_OUT/vm-probe.json" ]
		echo "# saved $TUNPIN_OUT/vm-probe.json"
	else
		echo "# TUNPIN_OUT not set: the VM dump is not saved"
	fi
}

t_human() {		# probe: ethtool -k style
	run probe
	check "exit 0" [ $rc -eq 0 ]
	for l in "csum: on" "ufo: on" "uso4: off" "udp_tunnel_gso_csum: off" \
		 "unknown bits: none" "kernel: $(uname -r) $(uname -v) ($(uname -m))"; do
		check "'$l'" grep -qxF "$l" <<<"$out"
	done
	check "features line" grep -q '^features: .*vnet_hdr' <<<"$out"
	check "module line" grep -qx "module: tunpin $(cat /sys/module/tunpin/version) (probe exempted)" <<<"$out"
}

t_pinned() {		# pinned to csum: root still probes the native set
	echo csum >"$sys/level"
	check "pinned to csum" [ "$(sysfs level)" = csum ]
	# The pin holds for an ordinary TAP: tso4 is refused...
	python3 -c "$try_py" 0x3
	check "an ordinary TAP is pinned (tso4 refused)" [ $? -eq 1 ]
	# ... but not for the probe's own, exempted, TAP.
	run probe -j
	check "exit 0" [ $rc -eq 0 ]
	check "native set is '$native'" [ "$(caps_of "$out")" = "$native" ]
	check "exempt" [ "$(jget "$out" 'j["exempt"]')" = true ]
	check "still pinned to csum" [ "$(sysfs level)" = csum ]
}

t_nobody_pinned() {	# as nobody on a pinned host: a clear refusal
	check "pinned to csum" [ "$(sysfs level)" = csum ]
	run_nobody probe -j
	check "exit 1" [ $rc -eq 1 ]
	check "nothing on stdout" [ -z "$out" ]
	check "says why" grep -qx "tunpin: probe: the module is pinned (level: csum) and the probe cannot be exempted (.*): run as root" <<<"$err"
	run_nobody probe -o "$tmp/nobody.json"
	check "-o: exit 1" [ $rc -eq 1 ]
	check "-o: nothing written" [ ! -e "$tmp/nobody.json" ]
}

t_nobody_unpinned() {	# as nobody, unpinned: no TAP, no dump
	echo unpinned >"$sys/level"
	run_nobody probe -j
	check "exit 1" [ $rc -eq 1 ]
	check "nothing on stdout" [ -z "$out" ]
	check "one line on stderr" [ "$(wc -l <<<"$err")" -eq 1 ]
	check "no TAP, says why" grep -q '^tunpin: probe: cannot' <<<"$err"
}

t_pin_native() {	# pin-native: exactly the native set, native-<release>
	echo csum >"$sys/level"
	run pin-native
	check "exit 0" [ $rc -eq 0 ]
	check "sysfs level is the native set" [ "$(sysfs level)" = "$native" ]
	check "level_name $native_name" [ "$(sysfs level_name)" = "$native_name" ]
	check "level_name starts with native-" [ "${native_name#native-}" != "$native_name" ]
	check "prints the level" grep -qx "level: $native" <<<"$out"
	# QEMU's way: uso is now refused, tso4 still accepted.
	python3 -c "$try_py" 0x3
	check "tso4 accepted" [ $? -eq 0 ]
	python3 -c "$try_py" 0x61
	check "uso refused" [ $? -eq 1 ]
}

t_pin_native_name() {	# pin-native --name NAME
	run pin-native --name pool-a
	check "exit 0" [ $rc -eq 0 ]
	check "sysfs level is the native set" [ "$(sysfs level)" = "$native" ]
	check "level_name pool-a" [ "$(sysfs level_name)" = pool-a ]
	run pin-native --name 'bad name!'
	check "bad name: exit 1" [ $rc -eq 1 ]
	check "bad name: level_name kept" [ "$(sysfs level_name)" = pool-a ]
	run_nobody pin-native
	check "as nobody: exit 1" [ $rc -eq 1 ]
	check "as nobody: level kept" [ "$(sysfs level)" = "$native" ]
}

t_usage() {		# options that do not apply: exit 2
	run probe --force
	check "probe --force: exit 2" [ $rc -eq 2 ]
	run pin-native -j
	check "pin-native -j: exit 2" [ $rc -eq 2 ]
	run probe -o
	check "probe -o (no FILE): exit 2" [ $rc -eq 2 ]
	run probe extra
	check "probe extra: exit 2" [ $rc -eq 2 ]
	run probe -o /nonexistent/dir/x.json
	check "unwritable -o: exit 1" [ $rc -eq 1 ]
}

t_no_module() {		# without the module: probe works, pin-native exit 4
	echo unpinned >"$sys/level"
	if ! rmmod tunpin; then
		check "rmmod tunpin" false
		return
	fi
	run probe -j
	check "probe: exit 0" [ $rc -eq 0 ]
	check "probe: native set" [ "$(caps_of "$out")" = "$native" ]
	check "probe: module null" [ "$(jget "$out" 'j["module"]')" = null ]
	check "probe: not exempt" [ "$(jget "$out" 'j["exempt"]')" = false ]
	run pin-native
	check "pin-native: exit 4" [ $rc -eq 4 ]
	check "reload the module" insmod "$TUNPIN_KO"
	check "unpinned" [ "$(sysfs level)" = unpinned ]
}

t_bench() {		# the probe's time, median of 20 (< 50 ms wanted)
	local i s
	# The probe itself (TAP created, probed, destroyed), as timed by the
	# tool; then the whole command, exec and dynamic loading included.
	for i in $(seq 20); do
		s=$(date +%s%N)
		"$tool" probe >"$tmp/human" 2>&1
		echo "$(( ($(date +%s%N) - s) / 1000 )) $(sed -n 's/^probed: .* in \([0-9.]*\) ms$/\1/p' "$tmp/human")"
	done >"$tmp/times"
	check "20 timed probes" [ "$(awk 'NF == 2' "$tmp/times" | wc -l)" -eq 20 ]
	printf '# probe: %s ms (kernel %s)\n' \
		"$(awk '{print $2}' "$tmp/times" | sort -n | sed -n 10p)" "$(uname -r)"
	printf '# probe command: %s ms wall, exec included (kernel %s)\n' \
		"$(awk '{printf "%.1f\n", $1 / 1000}' "$tmp/times" | sort -n | sed -n 10p)" \
		"$(uname -r)"
}

t_merge_real() {	# merge: the build host's real dump and this VM's give the 6.1 set
	local host=${TUNPIN_HOST_DUMP:-} hname
	check "TUNPIN_HOST_DUMP names the build host's dump (make check)" \
		[ -s "$host" ] || return
	run probe -o "$tmp/vm.json"
	check "the VM probed" [ $rc -eq 0 ]
	run merge -j "$host" "$tmp/vm.json"
	check "exit 0" [ $rc -eq 0 ]
	check "the 6.1 set back" \
		[ "$(jget "$out" '" ".join(j["capabilities"])')" = "$native" ]
	hname=$(jget "$(<"$host")" 'j["host"]')
	run merge "$host" "$tmp/vm.json"
	echo "$out" | sed 's/^/#     merge: /'
	check "the build host named as having more" grep -qxF \
		"$hname has more: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum" \
		<<<"$out"
}

t_restore() {		# back to unpinned, no label
	echo unpinned >"$sys/level"
	echo >"$sys/level_name"
	check "unpinned" [ "$(sysfs level)" = unpinned ]
	check "no label" [ -z "$(sysfs level_name)" ]
}

tests=(t_native t_human t_pinned t_nobody_pinned t_nobody_unpinned
       t_pin_native t_pin_native_name t_usage t_no_module t_merge_real t_bench
       t_restore)

ktap_main
