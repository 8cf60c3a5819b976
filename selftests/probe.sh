#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin probe and tunpin pin-native in the VM, the module loaded unpinned
# by the caller: the probe finds the native set, still finds it on a pinned
# host through the /dev/tunpin exemption, refuses to run unexempted on a
# pinned host, and pin-native pins exactly that set. The native set is not
# written down here: it is what this kernel's own tun answers to
# TUNSETOFFLOAD with tunpin unloaded (asked below, before any test, the way
# QEMU asks: each capability with its prerequisites), so the test holds on
# every lane (6.1: csum..ufo; 6.2+: uso4 uso6 too; 6.17+: the udp_tunnel
# bits). The vhost-net half likewise: what /dev/vhost-net answers to
# VHOST_GET_FEATURES (and VHOST_GET_FEATURES_ARRAY where the kernel has
# it) with tunpin unloaded, read here with python's ioctl, not the tool's
# code; the tool's dump of it must match unpinned and pinned, with the
# module loaded and not. With TUNPIN_OUT set, the VM's dump is saved to
# $TUNPIN_OUT/vm-probe.json (for the merge test). Prints the probe's wall
# time (median of 20) as "# probe: N.N ms (kernel X)". KTAP; exits 1 on any
# failure; leaves the host level unpinned and the module loaded.
set -u
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/json.sh"	# jget, json_ok

tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
sys=/sys/kernel/tunpin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-probe.XXXXXX")
trap 'json_stop; rm -rf "$tmp"' EXIT
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

# The stock kernel's answers, tunpin unloaded: the capabilities it accepts
# (table order), one probe each with its prerequisites (csum for all; tso4
# for tso_ecn and the tunnel bits; the two USO bits together, as tun wants
# them), then the mask. Prints "NAMES\nMASK\nRESULTS" where RESULTS is the
# answer to each probe, name=accepted|EINVAL|errno.
stock_py='
import errno, fcntl, os, struct
TUNSETIFF, TUNSETOFFLOAD = 0x400454ca, 0x400454d0
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", b"", 0x0002 | 0x1000 | 0x4000))
probes = [("csum", 0x1, 0x1), ("tso4", 0x2, 0x3), ("tso6", 0x4, 0x5),
          ("tso_ecn", 0x8, 0xb), ("ufo", 0x10, 0x11),
          ("uso4+uso6", 0x60, 0x61), ("udp_tunnel_gso", 0x80, 0x83),
          ("udp_tunnel_gso_csum", 0x100, 0x183)]
names, mask, res = [], 0, []
for name, bits, req in probes:
    try:
        fcntl.ioctl(fd, TUNSETOFFLOAD, req)
        names += name.split("+"); mask |= bits; res.append(name + "=accepted")
    except OSError as e:
        res.append(name + "=" + errno.errorcode.get(e.errno, str(e.errno)))
print(" ".join(names)); print(hex(mask)); print(" ".join(res))
'

# What /dev/vhost-net answers, as QEMU asks it: VHOST_GET_FEATURES, then
# VHOST_GET_FEATURES_ARRAY (a u64 count, 2, then the words) if the kernel
# has it. Prints "absent" without the device, else 5 lines: the vhost_*
# names (table order), the words, the capability bits of the names,
# whether the array ioctl answered, and the bits without a name.
vhost_py='
import fcntl, os, struct
GET, GET_ARRAY = 0x8008af00, 0x8008af83
table = [(15, "mrg_rxbuf"), (24, "notify_on_empty"), (26, "log_all"),
         (27, "any_layout"), (28, "indirect_desc"), (29, "event_idx"),
         (32, "version_1"), (33, "access_platform"), (35, "in_order"),
         (40, "ring_reset"), (65, "guest_udp_tunnel_gso"),
         (67, "host_udp_tunnel_gso")]
try:
    fd = os.open("/dev/vhost-net", os.O_RDWR)
except FileNotFoundError:
    print("absent"); raise SystemExit
w = [struct.unpack("Q", fcntl.ioctl(fd, GET, bytes(8)))[0], 0]
array = "false"
try:
    a = struct.unpack("3Q", fcntl.ioctl(fd, GET_ARRAY, struct.pack("3Q", 2, 0, 0)))
    w[1], array = a[2], "true"
except OSError:
    pass
feats = w[0] | w[1] << 64
names, caps = [], 0
for i, (bit, name) in enumerate(table):
    if feats >> bit & 1:
        names.append("vhost_" + name); caps |= 0x200 << i; feats &= ~(1 << bit)
print(" ".join(names)); print(hex(w[0]), hex(w[1])); print(hex(caps))
print(array)
print(" ".join("vhost_unknown:%d" % b for b in range(128) if feats >> b & 1))
'
vhost_read() {	# vhost_read: vhost_py into $v_names $v_words $v_caps $v_array $v_unknown
	{ read -r v_names; read -r v_words; read -r v_caps; read -r v_array
	  read -r v_unknown; } < <(python3 -c "$vhost_py")
}

if [ -d /sys/module/tunpin ] && ! rmmod tunpin; then
	echo "probe.sh: cannot unload tunpin to ask the stock kernel" >&2
	exit 1
fi
{ read -r native; read -r native_mask; read -r stock_answers; } < \
	<(python3 -c "$stock_py")
# native and native_mask: the TAP part; stock_vhost: the vhost-net one.
vhost_read
stock_vhost=$v_names stock_vwords=$v_words stock_vcaps=$v_caps
stock_varray=$v_array stock_vunknown=$v_unknown
insmod "$TUNPIN_KO" || exit 1
tap_caps="csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum"
vhost_caps="vhost_mrg_rxbuf vhost_notify_on_empty vhost_log_all"
vhost_caps+=" vhost_any_layout vhost_indirect_desc vhost_event_idx"
vhost_caps+=" vhost_version_1 vhost_access_platform vhost_in_order"
vhost_caps+=" vhost_ring_reset vhost_guest_udp_tunnel_gso vhost_host_udp_tunnel_gso"
all_caps="$tap_caps $vhost_caps"
# The whole native set, as the tool lists it: TAP names, then vhost_*.
all_native=$native${stock_vhost:+ $stock_vhost}
all_mask=$(printf '%#x' $((native_mask | ${stock_vcaps:-0})))
non_native=$(for c in $all_caps; do
	[[ " $all_native " = *" $c "* ]] || echo "$c"; done | xargs)

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



caps_of() {	# caps_of JSON: the capability list, space separated
	jget "$1" '" ".join(j["capabilities"])'
}

sysfs() {	# sysfs FILE: its content, "<missing>" if absent
	cat "$sys/$1" 2>/dev/null || echo "<missing>"
}

taps() {	# taps: the TAP devices there are now
	ls /sys/class/net | grep '^tap' | sort
}

# vhost_matches WHAT JSON EXEMPT: the dump's vhost-net part is what
# /dev/vhost-net answered with tunpin unloaded, read through the
# exemption (EXEMPT true) or not.
vhost_matches() {
	if [ "$stock_vhost$stock_vwords" = absent ]; then
		check "$1: no /dev/vhost-net: absent" \
			[ "$(jget "$2" 'j["vhost"]["state"]')" = absent ]
		return
	fi
	check "$1: vhost-net probed" [ "$(jget "$2" 'j["vhost"]["state"]')" = probed ]
	check "$1: vhost-net words $stock_vwords" \
		[ "$(jget "$2" '" ".join(j["vhost"]["features"])')" = "$stock_vwords" ]
	check "$1: VHOST_GET_FEATURES_ARRAY $stock_varray, as stock" \
		[ "$(jget "$2" 'j["vhost"]["array"]')" = "$stock_varray" ]
	check "$1: unknown vhost bits '$stock_vunknown'" \
		[ "$(jget "$2" '" ".join(j["vhost"]["unknown"])')" = "$stock_vunknown" ]
	check "$1: vhost-net exempt $3" [ "$(jget "$2" 'j["vhost"]["exempt"]')" = "$3" ]
}

# The label pin-native gives by default.
native_name=native-$(uname -r | tr -c 'A-Za-z0-9._:+@\n-' '_')
native_name=${native_name:0:63}

# --- tests -----------------------------------------------------------------

t_stock() {		# the stock kernel's answers (tunpin unloaded): the native set
	echo "# stock $(uname -r): native '$native' ($native_mask); $stock_answers"
	echo "# stock vhost-net: $stock_vwords (array: $stock_varray): '$stock_vhost'${stock_vunknown:+ + $stock_vunknown}"
	check "/dev/vhost-net answered" [ "$stock_vhost$stock_vwords" != absent ]
	# Every vhost-net since 4.8 offers these 8 (0x33d008000).
	check "the 8 vhost-net features of every kernel since 4.8" \
		[ "$(cut -d' ' -f1-8 <<<"$stock_vhost")" = "$(cut -d' ' -f1-8 <<<"$vhost_caps")" ]
	check "bits 64 and up only through the array ioctl" \
		[ "$stock_varray" = true -o "${stock_vwords#* }" = 0x0 ]
	# Every kernel since 4.15 has the floor and UFO, in table order.
	check "the floor and ufo first" [ "${native:0:26}" = "csum tso4 tso6 tso_ecn ufo" ]
	check "uso4 and uso6 together or not at all" \
		[ "$(grep -o 'uso[46]' <<<"$native" | wc -l)" != 1 ]
	check "the udp_tunnel_gso_csum bit only with udp_tunnel_gso" bash -c \
		'[[ $1 != *udp_tunnel_gso_csum* || " $1 " = *" udp_tunnel_gso "* ]]' \
		_ "$native"
}

t_native() {		# probe -j: the stock set, exempted, module version
	local cap want
	taps >"$tmp/taps-before"
	run probe -j
	check "exit 0" [ $rc -eq 0 ]
	check "native set is the stock '$all_native'" [ "$(caps_of "$out")" = "$all_native" ]
	vhost_matches "loaded, unpinned" "$out" true
	vhost_read
	check "unpinned: an ordinary vhost-net file is offered the stock words" \
		[ "$v_words" = "$stock_vwords" ]
	for cap in $non_native; do
		check "$cap is not native on $(uname -r)" \
			[ "$(jget "$out" "'$cap' in j['capabilities']")" = false ]
	done
	check "masks.capabilities $all_mask" [ "$(jget "$out" 'j["masks"]["capabilities"]')" = "$all_mask" ]
	check "no unknown bit" [ "$(jget "$out" 'j["masks"]["unknown"]')" = 0x0 ]
	check "module version" [ "$(jget "$out" 'j["module"]')" = "$(cat /sys/module/tunpin/version)" ]
	check "exempt" [ "$(jget "$out" 'j["exempt"]')" = true ]
	check "kernel" [ "$(jget "$out" 'j["kernel"]')" = "$(uname -r)" ]
	want=accepted
	[[ " $native " = *" uso4 "* ]] || want=EINVAL
	check "uso pair $want, as stock" [ "$(jget "$out" \
		'[p["result"] for p in j["probes"] if p["tests"] == "uso4+uso6"]')" = "[\"$want\"]" ]
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
	local c l lines=()
	for c in $all_caps; do
		if [[ " $all_native " = *" $c "* ]]; then
			lines+=("$c: on")
		else
			lines+=("$c: off")
		fi
	done
	for l in "${lines[@]}" "unknown bits: none" \
		 "kernel: $(uname -r) $(uname -v) ($(uname -m))"; do
		check "'$l'" grep -qxF "$l" <<<"$out"
	done
	check "vhost-net line" grep -qx "vhost-net: ${stock_vwords}$(
		[ "$stock_varray" = true ] || echo ' (no VHOST_GET_FEATURES_ARRAY)') (probe exempted)" <<<"$out"
	check "features line" grep -q '^features: .*vnet_hdr' <<<"$out"
	check "module line" grep -qx "module: tunpin $(cat /sys/module/tunpin/version) (probe exempted)" <<<"$out"
}

t_pinned() {		# pinned low: root still probes the native set
	local w
	echo csum vhost_version_1 >"$sys/level"
	check "pinned to csum vhost_version_1" [ "$(sysfs level)" = "csum vhost_version_1" ]
	# The pin holds for an ordinary TAP: tso4 is refused...
	python3 -c "$try_py" 0x3
	check "an ordinary TAP is pinned (tso4 refused)" [ $? -eq 1 ]
	# ... and an ordinary vhost-net file: the stock words & VERSION_1 ...
	w=$(printf '%#x 0x0' $((${stock_vwords%% *} & (1 << 32))))
	vhost_read
	check "an ordinary vhost-net file is pinned ($w)" [ "$v_words" = "$w" ]
	# ... but not for the probe's own, exempted, TAP and vhost-net file.
	run probe -j
	check "exit 0" [ $rc -eq 0 ]
	check "native set is '$all_native'" [ "$(caps_of "$out")" = "$all_native" ]
	check "exempt" [ "$(jget "$out" 'j["exempt"]')" = true ]
	vhost_matches "pinned" "$out" true
	check "still pinned" [ "$(sysfs level)" = "csum vhost_version_1" ]
	echo csum >"$sys/level"
	vhost_read
	check "pinned to csum: an ordinary vhost-net file is offered none" \
		[ "$v_words" = "0x0 0x0" ]
	run probe -j
	vhost_matches "pinned to csum" "$out" true
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
	check "sysfs level is the native set" [ "$(sysfs level)" = "$all_native" ]
	vhost_read
	check "an ordinary vhost-net file is offered the stock words" \
		[ "$v_words" = "$stock_vwords" ]
	check "level_name $native_name" [ "$(sysfs level_name)" = "$native_name" ]
	check "level_name starts with native-" [ "${native_name#native-}" != "$native_name" ]
	check "prints the level" grep -qx "level: $all_native" <<<"$out"
	# QEMU's way: every native capability accepted, the others (and a
	# bit no kernel knows) refused as the stock kernel refuses them.
	python3 -c "$try_py" 0x3
	check "tso4 accepted" [ $? -eq 0 ]
	python3 -c "$try_py" "$native_mask"
	check "the native set at once accepted" [ $? -eq 0 ]
	python3 -c "$try_py" $((native_mask | 0x200))
	check "an unknown bit refused" [ $? -eq 1 ]
}

t_pin_native_name() {	# pin-native --name NAME
	run pin-native --name pool-a
	check "exit 0" [ $rc -eq 0 ]
	check "sysfs level is the native set" [ "$(sysfs level)" = "$all_native" ]
	check "level_name pool-a" [ "$(sysfs level_name)" = pool-a ]
	run pin-native --name 'bad name!'
	check "bad name: exit 1" [ $rc -eq 1 ]
	check "bad name: level_name kept" [ "$(sysfs level_name)" = pool-a ]
	run_nobody pin-native
	check "as nobody: exit 1" [ $rc -eq 1 ]
	check "as nobody: level kept" [ "$(sysfs level)" = "$all_native" ]
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
	check "probe: native set" [ "$(caps_of "$out")" = "$all_native" ]
	check "probe: module null" [ "$(jget "$out" 'j["module"]')" = null ]
	check "probe: not exempt" [ "$(jget "$out" 'j["exempt"]')" = false ]
	vhost_matches "unloaded" "$out" false
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

t_merge_real() {	# merge: the build host's real dump and this VM's: the common set
	local host=${TUNPIN_HOST_DUMP:-} hname vname hcaps hvhost common hmore vmore c
	local shown
	check "TUNPIN_HOST_DUMP names the build host's dump (make check)" \
		[ -s "$host" ] || return
	run probe -o "$tmp/vm.json"
	check "the VM probed" [ $rc -eq 0 ]
	hcaps=$(caps_of "$(<"$host")")
	hvhost=$(jget "$(<"$host")" 'j.get("vhost", {}).get("state", "unknown")')
	check "the build host's vhost-net is known ($hvhost)" [ "$hvhost" != unknown ] ||
		return
	common= hmore= vmore= shown=$hcaps
	for c in $all_caps; do
		# no /dev/vhost-net on the build host: it does not limit the
		# vhost part, and has none of it more
		[ "$hvhost" = absent ] && [ "${c#vhost_}" != "$c" ] && hcaps+=" $c"
		case "$([[ " $hcaps " = *" $c "* ]] && echo h)$([[ " $all_native " = *" $c "* ]] && echo v)" in
		hv) common+=" $c" ;;
		h) [ "$hvhost" = absent ] && [ "${c#vhost_}" != "$c" ] ||
			hmore+=" $c" ;;
		v) vmore+=" $c" ;;
		esac
	done
	echo "# build host: $shown (vhost-net $hvhost); this VM: $all_native"
	run merge -j "$host" "$tmp/vm.json"
	check "exit 0" [ $rc -eq 0 ]
	check "the common set '${common# }'" \
		[ "$(jget "$out" '" ".join(j["capabilities"])')" = "${common# }" ]
	hname=$(jget "$(<"$host")" 'j["host"]')
	vname=$(jget "$(<"$tmp/vm.json")" 'j["host"]')
	run merge "$host" "$tmp/vm.json"
	echo "$out" | sed 's/^/#     merge: /'
	has_more "the build host" "$hname" "$hmore"
	has_more "this VM" "$vname" "$vmore"
}

# has_more WHO HOST MORE: merge's $out names HOST as having MORE (the
# capabilities with a leading space), or, MORE empty, not at all.
has_more() {
	if [ -n "$3" ]; then
		check "$1 named as having more" grep -qxF \
			"$2 has more:$3" <<<"$out"
	else
		check "$1 has nothing more" not_grep "^$2 has more:" <<<"$out"
	fi
}

not_grep() {	# not_grep RE: stdin has no line matching RE
	! grep -q "$1"
}

t_restore() {		# back to unpinned, no label
	echo unpinned >"$sys/level"
	echo >"$sys/level_name"
	check "unpinned" [ "$(sysfs level)" = unpinned ]
	check "no label" [ -z "$(sysfs level_name)" ]
}

tests=(t_stock t_native t_human t_pinned t_nobody_pinned t_nobody_unpinned
       t_pin_native t_pin_native_name t_usage t_no_module t_merge_real t_bench
       t_restore)

ktap_main
