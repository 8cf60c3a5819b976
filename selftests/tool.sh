#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin(8) against the module: the whole generic netlink family, driven
# through the tool and checked against /sys/kernel/tunpin. Runs as root in
# the VM with the module loaded by the caller; TUNPIN_TOOL is the tool.
# TAP files are opened by small python3 helpers. KTAP; exits 1 on any
# failure. Leaves the host level unpinned and removes what it created.
set -u
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/json.sh"	# jget, json_ok

tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
sys=/sys/kernel/tunpin
cgname=tunpin-tool-test
cgpath=/$cgname
cgdir=/sys/fs/cgroup/$cgname
vmcg=/tunpin-tool-vm		# a plain cgroup a TAP holder is moved into
# A libvirt machine scope, as systemd escapes it: the domain is vmtest.
scope='/machine.slice/machine-qemu\x2d1\x2dvmtest.scope'
kprobes=/sys/kernel/debug/kprobes/enabled
kprobes_off=		# set while this test has disarmed kprobes
made=()			# cgroup directories this test made, deepest last
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-tool.XXXXXX")
pids=()		# helpers and monitors to stop at the end

# Opens a TAP and asks for offload bits, as QEMU does. Usage: IFNAME BITS
# MODE; MODE hold: print "ready" and keep the file open (exit 1 if
# refused); try: exit 0 if accepted, 1 if refused with EINVAL.
holder_py='
import errno, fcntl, os, struct, sys, time
TUNSETIFF, TUNSETOFFLOAD = 0x400454ca, 0x400454d0
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
name, bits, mode = sys.argv[1], int(sys.argv[2], 0), sys.argv[3]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(),
            IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
try:
    fcntl.ioctl(fd, TUNSETOFFLOAD, bits)
except OSError as e:
    print("refused:", os.strerror(e.errno), flush=True)
    sys.exit(1 if e.errno == errno.EINVAL else 2)
if mode == "hold":
    print("ready", flush=True)
    time.sleep(3600)
'

# --- helpers ---------------------------------------------------------------

last=			# the last tool run, for diagnostics
run() {		# run ARGS...: the tool's status in $rc, output in $out, $err
	last="tunpin $*"
	"$tool" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(<"$tmp/out")
	err=$(<"$tmp/err")
}



sysfs() {	# sysfs FILE: its content, "<missing>" if absent
	cat "$sys/$1" 2>/dev/null || echo "<missing>"
}

# The tool's view of the host level agrees with sysfs (level and label).
level_agrees() {	# level_agrees LEVEL NAME
	local j
	[ "$(sysfs level)" = "$1" ] || { echo "#   sysfs level: $(sysfs level)"; return 1; }
	[ "$(sysfs level_name)" = "$2" ] || { echo "#   sysfs level_name: $(sysfs level_name)"; return 1; }
	run level -j
	[ $rc -eq 0 ] && json_ok "$out" || return 1
	j=$out
	[ "$(jget "$j" 'j["level"]')" = "$1" ] &&
	[ "$(jget "$j" 'j["name"]')" = "$2" ] &&
	[ "$(jget "$j" 'j["pinned"]')" = "$([ "$1" = unpinned ] && echo false || echo true)" ] &&
	[ "$(jget "$j" '" ".join(j["capabilities"]) or "-"')" = \
	  "$(case $1 in none|unpinned) echo -;; *) echo "$1";; esac)" ] || return 1
	run level
	[ $rc -eq 0 ] && grep -qx "level: $1" <<<"$out" || return 1
	if [ -n "$2" ]; then grep -qx "name: $2" <<<"$out"; else ! grep -q '^name:' <<<"$out"; fi
}

# A failure the kernel explained: exit 1, "tunpin: <strerror>: <reason>".
kernel_refused() {	# kernel_refused STRERROR
	[ "$rc" -eq 1 ] && grep -qE "^tunpin: $1: .+" <<<"$err"
}

start_holder() {	# start_holder IFNAME BITS [CGROUP_DIR]: its pid in $holder
	local f=$tmp/holder-$1
	(
		if [ -n "${3:-}" ]; then echo $BASHPID >"$3/cgroup.procs" || exit 1; fi
		exec python3 -c "$holder_py" "$1" "$2" hold
	) >"$f" 2>&1 &
	holder=$!
	pids+=("$holder")
	wait_for "$f" '^ready' 30 "$holder" && return 0
	echo "#   holder $1 did not start$(kill -0 "$holder" 2>/dev/null &&
					 echo " in 30 s"):"
	indent holder <"$f"
	return 1
}

stop() {	# stop PID: kill it and wait for it (its files are closed then)
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

wait_for() {	# wait_for FILE REGEX [SECONDS [PID]]: a line appears (PID lives)
	local end=$((SECONDS + ${3:-10}))
	while [ $SECONDS -lt "$end" ]; do
		grep -qE "$2" "$1" && return 0
		[ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || break
		sleep 0.2
	done
	grep -qE "$2" "$1"
}

tap_of() {	# tap_of PID: its entry in `tunpin taps -j` in $tap, or null
	tap=null
	run taps -j
	if [ $rc -ne 0 ] || ! json_ok "$out"; then
		return 0
	fi
	tap=$(jget "$out" "next((t for t in j if t['pid'] == $1), None)")
}

cleanup() {
	local i
	[ -z "$kprobes_off" ] || echo 1 >"$kprobes"
	for p in "${pids[@]}"; do stop "$p"; done
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do rmdir "${made[i]}" 2>/dev/null; done
	"$tool" override del "$cgpath" >/dev/null 2>&1
	echo unpinned 2>/dev/null >"$sys/level"
	rmdir "$cgdir" 2>/dev/null
	rm -rf "$tmp"
	json_stop
}
trap cleanup EXIT

make_cgroup() {	# make_cgroup PATH: /sys/fs/cgroup/PATH, made if missing
	local d=/sys/fs/cgroup sub
	local -a parts
	IFS=/ read -ra parts <<<"${1#/}"
	for sub in "${parts[@]}"; do
		d=$d/$sub
		[ -d "$d" ] && continue
		mkdir "$d" || return 1
		made+=("$d")
	done
}

# --- the tests, in order: each builds on the state the previous left -------

t_known() {	# known lists exactly what the module knows
	run known
	check "exit 0" [ $rc -eq 0 ]
	check "same names as sysfs known" \
		[ "$(awk '{print $1}' <<<"$out" | xargs)" = "$(sysfs known)" ]
	run known -j
	check "known -j is JSON" json_ok "$out"
	check "21 capabilities (9 TAP, 12 vhost-net)" [ "$(jget "$out" 'len(j)')" = 21 ]
	check "the vhost-net ones after the TAP ones" [ "$(jget "$out" \
		'[c["name"].startswith("vhost_") for c in j] == [False] * 9 + [True] * 12')" = true ]
}

t_set_unpinned() {	# set unpinned, read back through level and sysfs
	run set unpinned
	check "exit 0" [ $rc -eq 0 ]
	check "silent" [ -z "$out$err" ]
	check "level agrees" level_agrees unpinned ""
}

t_set_list() {	# set a list separated by commas, then by spaces
	run set csum,tso4
	check "comma list: exit 0" [ $rc -eq 0 ]
	check "level agrees" level_agrees "csum tso4" ""
	run set tso6 csum "tso4 tso_ecn"
	check "words: exit 0" [ $rc -eq 0 ]
	check "level agrees" level_agrees "csum tso4 tso6 tso_ecn" ""
	local native
	# Every capability (through sysfs: set refuses what this host lacks):
	# a level of over 400 characters, read back by the tool.
	sysfs known >"$sys/level"
	check "every known name: the tool reads it back" \
		level_agrees "$(sysfs known)" ""
	# The native set, TAP and vhost-net (all 21 on 7.2).
	native=$("$tool" probe -j | python3 -c '
import json, sys; print(" ".join(json.load(sys.stdin)["capabilities"]))')
	run set "$native"
	check "the native set: exit 0" [ $rc -eq 0 ]
	check "level agrees" level_agrees "$native" ""
	run set vhost_version_1 csum vhost_event_idx
	check "TAP and vhost-net names: exit 0" [ $rc -eq 0 ]
	check "level agrees, in table order" \
		level_agrees "csum vhost_event_idx vhost_version_1" ""
}

t_set_name() {	# --name labels the level; a set without it clears the label
	run set csum tso4 tso6 --name pool-a
	check "exit 0" [ $rc -eq 0 ]
	check "level and label agree" level_agrees "csum tso4 tso6" pool-a
	run set csum tso4 tso6
	check "exit 0 without --name" [ $rc -eq 0 ]
	check "label cleared" level_agrees "csum tso4 tso6" ""
	run set --name pool-b csum
	check "--name first: exit 0" [ $rc -eq 0 ]
	check "level and label agree" level_agrees csum pool-b
}

t_set_none() {		# none pins to nothing, which is not unpinned
	run set none
	check "exit 0" [ $rc -eq 0 ]
	check "level agrees" level_agrees none ""
}

t_bad_cap() {		# an unknown capability is refused by the tool: exit 2
	run set csum --name keep
	check "setup" [ $rc -eq 0 ]
	run set csum bogus --name other
	check "exit 2" [ $rc -eq 2 ]
	check "names it" grep -q "unknown capability 'bogus'" <<<"$err"
	check "nothing changed" level_agrees csum keep
	run set CSUM
	check "names are lower case: exit 2" [ $rc -eq 2 ]
	run set none,csum
	check "none with names: exit 2" [ $rc -eq 2 ]
	run set ""
	check "empty level: exit 2" [ $rc -eq 2 ]
	check "nothing changed" level_agrees csum keep
}

t_usage() {		# usage errors: exit 2, before the kernel is asked
	local args
	for args in "" "bogus" "set" "level extra" "level --force" "level -x" \
		    "set csum -j" "override add $cgpath" "override del" \
		    "override bogus" "set csum --name"; do
		# shellcheck disable=SC2086
		run $args
		check "'tunpin $args': exit 2" [ $rc -eq 2 ]
		check "'tunpin $args': says why" grep -qE '^(tunpin: |usage: )' <<<"$err"
	done
	run --version
	check "--version" [ $rc -eq 0 ]
	run -h
	check "-h: usage on stdout" [ $rc -eq 0 ]
	check "-h: usage on stdout" grep -q '^usage: tunpin' <<<"$out"
}

t_bad_name() {		# the kernel judges labels: exit 1, nothing changes
	local n63 n64
	n63=$(printf 'n%.0s' $(seq 63))
	n64=${n63}n
	run set csum tso4 --name "$n64"
	check "64 characters: kernel refuses" kernel_refused "Invalid argument"
	check "nothing changed" level_agrees csum keep
	run set csum tso4 --name "bad/name"
	check "bad character: kernel refuses" kernel_refused "Invalid argument"
	check "nothing changed" level_agrees csum keep
	run set csum tso4 --name "$n63"
	check "63 characters: exit 0" [ $rc -eq 0 ]
	check "level and label agree" level_agrees "csum tso4" "$n63"
}

t_counters() {		# counters agree with sysfs, in table order
	local j names c
	run counters -j
	check "exit 0" [ $rc -eq 0 ]
	check "JSON" json_ok "$out" || return
	j=$out
	names="$(sysfs known) unknown"
	check "one per capability, then unknown" \
		[ "$(jget "$j" '" ".join(c["name"] for c in j["capabilities"])')" = "$names" ]
	for c in $names; do
		check "requested $c" [ "$(jget "$j" "[c['requested'] for c in j['capabilities'] if c['name'] == '$c'][0]")" = "$(sysfs "requested/$c")" ]
		check "refused $c" [ "$(jget "$j" "[c['refused'] for c in j['capabilities'] if c['name'] == '$c'][0]")" = "$(sysfs "refused/$c")" ]
	done
	check "refused ioctls" [ "$(jget "$j" 'j["refused_ioctls"]')" = "$(sysfs refused/ioctls)" ]
	run counters
	check "human: exit 0" [ $rc -eq 0 ]
	check "human: a row per capability" [ "$(grep -cE '^[a-z_0-9]+ +[0-9]+ +[0-9]+$' <<<"$out")" = \
		$(($(wc -w <<<"$(sysfs known)") + 1)) ]
	check "human: refused ioctls" grep -qx "refused ioctls: $(sysfs refused/ioctls)" <<<"$out"
	run -p counters
	check "-p is JSON" json_ok "$out"
}

holder1=
t_taps() {		# an open TAP file shows with its process and bits
	local t
	run set unpinned
	check "unpinned" [ $rc -eq 0 ]
	start_holder tptool0 0x1f || { ok=0; return; }
	holder1=$holder
	tap_of "$holder1"
	t=$tap
	check "listed: $t" [ "$t" != null ]
	check "comm" [ "$(jget "$t" 'j["comm"]')" = "$(cat /proc/$holder1/comm)" ]
	check "granted" [ "$(jget "$t" '" ".join(j["granted"])')" = "csum tso4 tso6 tso_ecn ufo" ]
	check "active" [ "$(jget "$t" '" ".join(j["active"])')" = "csum tso4 tso6 tso_ecn ufo" ]
	check "not exempt" [ "$(jget "$t" 'j["exempt"]')" = false ]
	check "no override" [ "$(jget "$t" 'j["override"]')" = false ]
	run taps
	check "human: exit 0" [ $rc -eq 0 ]
	check "human: listed" grep -q "^pid $holder1 (" <<<"$out"
	check "human: offered" grep -qx $'\toffered: csum tso4 tso6 tso_ecn ufo' <<<"$out"
}

holder_cg='' holder_vm=''
t_taps_vm() {		# taps names each file's interfaces, cgroup and VM
	local t cg
	tap_of "$holder1"
	t=$tap
	check "listed: $t" [ "$t" != null ]
	check "its interface" [ "$(jget "$t" 'j["interfaces"]')" = '["tptool0"]' ]
	cg=$(sed -n 's/^0:://p' "/proc/$holder1/cgroup")
	check "its cgroup: $cg" [ "$(jget "$t" 'j["cgroup"]')" = "$cg" ]
	run taps
	check "human: its interface" grep -qx $'\tinterfaces: tptool0' <<<"$out"
	# a process moved into a test cgroup
	make_cgroup "$vmcg" || { ok=0; return; }
	start_holder tptool3 0x1f "/sys/fs/cgroup$vmcg" || { ok=0; return; }
	holder_cg=$holder
	tap_of "$holder_cg"
	t=$tap
	check "in $vmcg: listed" [ "$t" != null ]
	check "in $vmcg: its cgroup" [ "$(jget "$t" 'j["cgroup"]')" = "$vmcg" ]
	check "in $vmcg: no VM" [ "$(jget "$t" 'j["vm"]')" = null ]
	check "in $vmcg: its interface" [ "$(jget "$t" 'j["interfaces"]')" = '["tptool3"]' ]
	# a libvirt domain's machine scope
	make_cgroup "$scope" || { ok=0; return; }
	start_holder tptool4 0x1f "/sys/fs/cgroup$scope" || { ok=0; return; }
	holder_vm=$holder
	tap_of "$holder_vm"
	t=$tap
	check "in the scope: listed" [ "$t" != null ]
	check "in the scope: its cgroup" [ "$(jget "$t" 'j["cgroup"]')" = "$scope" ]
	check "in the scope: vm vmtest" [ "$(jget "$t" 'j["vm"]')" = vmtest ]
	check "in the scope: from libvirt" [ "$(jget "$t" 'j["vm_source"]')" = libvirt ]
	run taps
	check "human: the domain" grep -qx $'\tvm: vmtest (libvirt domain)' <<<"$out"
	check "human: the cgroup" grep -qxF "	cgroup: $scope" <<<"$out"
}

t_dry_run() {		# set --dry-run judges as the module would, changes nothing
	local before
	before=$(sysfs level)
	run set --dry-run csum tso4 tso6 tso_ecn
	check "below what the TAPs were granted: exit 3" [ $rc -eq 3 ]
	check "would be refused" grep -q 'would be refused: it takes ufo from [0-9]* open files' <<<"$out"
	check "names the VM" grep -qxF $'\t'"python3[$holder_vm] vm vmtest holding tptool4: ufo" <<<"$out"
	check "names the process" grep -q "\[$holder1\].* holding tptool0: ufo\$" <<<"$out"
	check "nothing changed" [ "$(sysfs level)" = "$before" ]
	run set --dry-run csum tso4 tso6 tso_ecn --force
	check "--force: exit 0" [ $rc -eq 0 ]
	check "--force: admitted" grep -q 'would be admitted with --force' <<<"$out"
	check "nothing changed" [ "$(sysfs level)" = "$before" ]
	run set --dry-run csum tso4 tso6 tso_ecn ufo
	check "what they were granted: exit 0" [ $rc -eq 0 ]
	check "admitted" grep -q 'would be admitted' <<<"$out"
	check "nothing changed" [ "$(sysfs level)" = "$before" ]
	run set --dry-run unpinned
	check "unpinned: exit 0" [ $rc -eq 0 ]
	check "nothing changed" level_agrees unpinned ""
}

t_precheck() {		# precheck by name, cgroup and pid: exit 3 or 0
	local j
	run precheck vmtest csum tso4 tso6 tso_ecn
	check "by name: exit 3" [ $rc -eq 3 ]
	check "by name: names ufo" grep -qx 'will fail: target lacks ufo' <<<"$out"
	check "by name: the VM" grep -qx 'vm: vmtest (libvirt domain)' <<<"$out"
	check "by name: its pid" grep -qx "pids: $holder_vm" <<<"$out"
	run precheck vmtest csum,tso4,tso6,tso_ecn,ufo
	check "by name, a target with ufo: exit 0" [ $rc -eq 0 ]
	check "by name: ok" grep -qx ok <<<"$out"
	run precheck "$scope" linux-4.14
	check "by cgroup, linux-4.14: exit 3" [ $rc -eq 3 ]
	check "by cgroup: names ufo" grep -qx 'will fail: target lacks ufo' <<<"$out"
	run precheck /machine.slice linux-4.15
	check "by a parent cgroup, linux-4.15: exit 0" [ $rc -eq 0 ]
	run precheck "$holder_cg" csum tso4
	check "by pid: exit 3" [ $rc -eq 3 ]
	check "by pid: names what is lacked" grep -qx 'will fail: target lacks tso6 tso_ecn ufo' <<<"$out"
	run precheck "$holder_cg" unpinned
	check "by pid, unpinned: exit 0" [ $rc -eq 0 ]
	run precheck -j vmtest csum tso4 tso6 tso_ecn
	check "-j: exit 3" [ $rc -eq 3 ]
	check "-j: JSON" json_ok "$out" || return
	j=$out
	check "-j: vm" [ "$(jget "$j" 'j["vm"]')" = vmtest ]
	check "-j: cgroup" [ "$(jget "$j" 'j["cgroup"]')" = "$scope" ]
	check "-j: pids" [ "$(jget "$j" 'j["pids"]')" = "[$holder_vm]" ]
	check "-j: granted" [ "$(jget "$j" '" ".join(j["granted"])')" = "csum tso4 tso6 tso_ecn ufo" ]
	check "-j: missing" [ "$(jget "$j" 'j["missing"]')" = '["ufo"]' ]
	check "-j: not ok" [ "$(jget "$j" 'j["ok"]')" = false ]
	check "-j: the target" [ "$(jget "$j" '" ".join(j["target"]["capabilities"])')" = "csum tso4 tso6 tso_ecn" ]
	run precheck no-such-vm csum
	check "no such VM: exit 1" [ $rc -eq 1 ]
	check "no such VM: says so" grep -q 'no-such-vm has no TAP or vhost-net file' <<<"$err"
	run precheck $$ csum
	check "a process without a TAP: exit 1" [ $rc -eq 1 ]
	run precheck 0 csum
	check "pid 0: exit 2" [ $rc -eq 2 ]
}

t_canary() {		# show's canary: working when enforced, loud when not
	local j
	run show
	check "unpinned: exit 0" [ $rc -eq 0 ]
	check "unpinned: the refusing half not tried" \
		grep -q '^enforcement: working: on a fresh TAP, csum accepted (the refusing half not tried: unpinned' <<<"$out"
	run set csum tso4 tso6 tso_ecn ufo
	check "pinned: exit 0" [ $rc -eq 0 ]
	run show
	check "pinned: exit 0" [ $rc -eq 0 ]
	check "pinned: working" grep -qE '^enforcement: working: on a fresh TAP, csum .+ refused \(.+ outside the level\), csum accepted$' <<<"$out"
	run status -j
	check "status -j: exit 0" [ $rc -eq 0 ]
	check "status -j: JSON" json_ok "$out" || return
	j=$out
	check "-j: working" [ "$(jget "$j" 'j["enforcement"]["status"]')" = working ]
	check "-j: refused" [ "$(jget "$j" 'j["enforcement"]["refused"]["result"]')" = ok ]
	check "-j: accepted" [ "$(jget "$j" 'j["enforcement"]["accepted"]["result"]')" = ok ]
	check "-j: the canary is no tracked file now" \
		[ "$(jget "$j" "[t for t in j['taps'] if t['comm'] == 'tunpin']")" = "[]" ]
	if [ ! -w "$kprobes" ]; then
		[ $ok -eq 0 ] || skip="no $kprobes (debugfs) to disarm kprobes with"
	else
		kprobes_off=1
		echo 0 >"$kprobes"
		run show
		echo 1 >"$kprobes"
		kprobes_off=
		check "kprobes disarmed: exit 1" [ $rc -eq 1 ]
		check "kprobes disarmed: said" grep -q '^enforcement: FAILED: kprobes are disabled globally' <<<"$out"
		check "kprobes disarmed: the refusal failed" \
			grep -q '^enforcement: FAILED: TUNSETOFFLOAD .* was \(accepted\|refused, but not by tunpin\)' <<<"$out"
		check "kprobes disarmed: loud on stderr" grep -q 'nothing is enforced' <<<"$err"
		run show
		check "kprobes armed again: exit 0" [ $rc -eq 0 ]
		check "kprobes armed again: working" grep -q '^enforcement: working' <<<"$out"
	fi
	stop "$holder_cg"
	stop "$holder_vm"
	run set unpinned
	check "back to unpinned" [ $rc -eq 0 ]
}

t_lowering() {		# a level below what a TAP was given: EBUSY, then --force
	run set csum tso4 tso6 tso_ecn --name lower
	check "refused with EBUSY and the reason" kernel_refused "Device or resource busy"
	check "the reason names ufo" grep -q 'ufo' <<<"$err"
	check "points at --force" grep -q -- '--force' <<<"$err"
	check "nothing changed" level_agrees unpinned ""
	run set csum tso4 tso6 tso_ecn --name lower --force
	check "--force: exit 0" [ $rc -eq 0 ]
	check "level agrees" level_agrees "csum tso4 tso6 tso_ecn" lower
}

t_monitor() {		# monitor prints level changes and refusals as they come
	local mon=$tmp/monitor mjson=$tmp/monitor.json m1 m2 l
	"$tool" monitor >"$mon" 2>&1 &
	m1=$!
	"$tool" monitor -j >"$mjson" 2>&1 &
	m2=$!
	pids+=("$m1" "$m2")
	# A monitor has joined once it sees an event: set until both did.
	for l in csum "csum tso4" csum "csum tso4" csum "csum tso4" csum "csum tso4" csum csum; do
		"$tool" set "$l" --force --name mon >/dev/null 2>&1
		sleep 0.5
		grep -q '^level csum' "$mon" && grep -q '"event":"level"' "$mjson" && break
	done
	"$tool" set csum --force --name mon >/dev/null 2>&1
	last="monitor (while setting levels)" rc=- out=$(cat "$mon") err=
	check "a level event" grep -qE '^level csum( tso4)? \[mon\] by .+\[[0-9]+\]$' "$mon"
	# A TUNSETOFFLOAD beyond the level ("csum" now) is refused and told.
	python3 -c "$holder_py" tptool1 0x11 try >"$tmp/try" 2>&1
	check "ufo refused to a new TAP" [ $? -eq 1 ]
	check "a refused event" wait_for "$mon" '^refused TUNSETOFFLOAD ufo for .+\[[0-9]+\]$'
	out=$(cat "$mon")
	check "monitor still running" kill -0 "$m1" 2>/dev/null
	stop "$m1"
	check "-j: a level event" wait_for "$mjson" '"event":"level"'
	check "-j: a refused event" wait_for "$mjson" '"event":"refused"'
	stop "$m2"
	out=$(cat "$mjson")
	check "-j: one JSON document per line" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$mjson" 2>/dev/null
}

t_metrics() {		# metrics: the level, a refusal, the open TAP, the probes, for Prometheus
	local before c n probes prom=$tmp/metrics/tunpin.prom
	run set csum --force --name mon
	check "setup: level csum [mon]" [ $rc -eq 0 ]
	before=$(sysfs refused/ufo)
	python3 -c "$holder_py" tptool2 0x11 try >"$tmp/try" 2>&1
	check "ufo refused to a new TAP" [ $? -eq 1 ]
	check "sysfs counted it" [ "$(sysfs refused/ufo)" = $((before + 1)) ]
	run metrics
	check "exit 0" [ $rc -eq 0 ]
	check "nothing on stderr" [ -z "$err" ]
	check "module loaded" grep -qx 'tunpin_module_loaded 1' <<<"$out"
	check "pinned" grep -qx 'tunpin_pinned 1' <<<"$out"
	check "the level" grep -qxF 'tunpin_level_info{name="mon",capabilities="csum"} 1' <<<"$out"
	check "csum allowed" grep -qxF 'tunpin_capability_allowed{capability="csum"} 1' <<<"$out"
	check "ufo not" grep -qxF 'tunpin_capability_allowed{capability="ufo"} 0' <<<"$out"
	check "every known capability" [ "$(grep -c '^tunpin_capability_allowed{' <<<"$out")" = \
		"$(wc -w <<<"$(sysfs known)")" ]
	for c in $(sysfs known) unknown; do
		check "requests $c as sysfs" grep -qxF \
			"tunpin_requests_total{capability=\"$c\"} $(sysfs "requested/$c")" <<<"$out"
		check "refusals $c as sysfs" grep -qxF \
			"tunpin_refusals_total{capability=\"$c\"} $(sysfs "refused/$c")" <<<"$out"
	done
	check "the refusal counted for ufo" grep -qxF \
		"tunpin_refusals_total{capability=\"ufo\"} $((before + 1))" <<<"$out"
	check "refused ioctls" grep -qx \
		"tunpin_refused_ioctls_total $(sysfs refused/ioctls)" <<<"$out"
	check "holder tptool0 open" kill -0 "$holder1" 2>/dev/null
	# the open files as taps -j lists them, by kind and judge
	n=$("$tool" taps -j | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(sum(1 for f in t if not f["vhost"] and not f["exempt"] and not f["override"]))')
	check "taps -j lists the open TAP" [ "$n" -ge 1 ]
	check "the open TAPs counted ($n, judged by the level)" \
		grep -qxF "tunpin_open_files{kind=\"tap\",judge=\"level\"} $n" <<<"$out"
	check "six open-file series" [ "$(grep -c '^tunpin_open_files{' <<<"$out")" = 6 ]
	probes=$(grep -c . "$sys/probes")
	check "a probe_armed per probe point" \
		[ "$(grep -c '^tunpin_probe_armed{' <<<"$out")" = "$probes" ]
	check "all armed" [ "$(grep -c '^tunpin_probe_armed{.*} 1$' <<<"$out")" = "$probes" ]
	check "missed returns per return probe" \
		[ "$(grep -c '^tunpin_probe_missed_returns_total{' <<<"$out")" = \
		  "$(grep -c ' return ' "$sys/probes")" ]
	printf '%s\n' "$out" >"$tmp/metrics.prom"
	# The full lane's root has it (tools/testing/vm/root.sh).
	if check "python3-prometheus-client here" \
		python3 -c 'import prometheus_client.parser'; then
		check "Prometheus' parser reads it" python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
f = {m.name: m for m in text_string_to_metric_families(open(sys.argv[1]).read())}
assert f["tunpin_module_loaded"].samples[0].value == 1
assert [s.value for s in f["tunpin_refusals"].samples
        if s.labels == {"capability": "ufo"}] == [int(sys.argv[2])]
assert all(m.documentation and m.type in ("gauge", "counter") for m in f.values())' \
			"$tmp/metrics.prom" $((before + 1))
	fi
	mkdir -p "$tmp/metrics"
	run metrics -o "$prom"
	check "-o: exit 0" [ $rc -eq 0 ]
	check "-o: silent" [ -z "$out$err" ]
	check "-o: mode 0644" [ "$(stat -c %a "$prom")" = 644 ]
	check "-o: the same families" [ "$(grep -c '^# TYPE' "$prom")" = \
		"$(grep -c '^# TYPE' "$tmp/metrics.prom")" ]
	local as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	check "nobody runs the tool (as in t_unprivileged)" \
		"${as[@]}" "$tool" --version || return
	last="tunpin metrics (as nobody)"
	out=$("${as[@]}" "$tool" metrics 2>"$tmp/err"); rc=$?; err=$(<"$tmp/err")
	check "as nobody: exit 1 (the open files are root's)" [ $rc -eq 1 ]
	check "as nobody: prints nothing" [ -z "$out" ]
	check "as nobody: says why" grep -q '^tunpin: taps: Operation not permitted' <<<"$err"
}

t_override_add() {	# add an override on a new cgroup, list it
	local j
	mkdir -p "$cgdir"
	run override list -j
	check "list -j: exit 0" [ $rc -eq 0 ]
	check "list -j: JSON" json_ok "$out"
	check "nothing yet" [ "$(jget "$out" "[o for o in j if o['cgroup'] == '$cgpath']")" = "[]" ]
	run override add "$cgpath" csum tso4 tso6 tso_ecn ufo --name vm-a
	check "add: exit 0" [ $rc -eq 0 ]
	run override list -j
	check "list -j: JSON" json_ok "$out" || return
	j=$(jget "$out" "next((o for o in j if o['cgroup'] == '$cgpath'), None)")
	check "listed: $j" [ "$j" != null ]
	check "its level" [ "$(jget "$j" 'j["level"]')" = "csum tso4 tso6 tso_ecn ufo" ]
	check "its label" [ "$(jget "$j" 'j["name"]')" = vm-a ]
	check "pinned" [ "$(jget "$j" 'j["pinned"]')" = true ]
	run override
	check "human: exit 0" [ $rc -eq 0 ]
	check "human: listed" grep -qx "$cgpath" <<<"$out"
	check "human: level" grep -qx $'\tlevel: csum tso4 tso6 tso_ecn ufo' <<<"$out"
	check "host level untouched" level_agrees csum mon
}

t_schemas() {		# every -j output, from the module, as Documentation/schema says
	local src=${TUNPIN_SRC:-$(dirname "$0")/..} cmd kind n=0
	# The full lane's root has it (tools/testing/vm/root.sh).
	check "python3-jsonschema here" python3 -c 'import jsonschema' || return
	mkdir -p "$tmp/json"
	for cmd in level "override list" counters taps show status known levels; do
		# shellcheck disable=SC2086 # the words of $cmd
		run -j $cmd
		check "$cmd -j: exit 0" [ $rc -eq 0 ]
		kind=${cmd/ /-}
		[ "$kind" = status ] && kind=show
		n=$((n + 1))
		printf '%s\n' "$out" >"$tmp/json/$n.cmd-$kind.json"
	done
	cp "$tmp/monitor.json" "$tmp/json/monitor.cmd-monitor.json"
	"$tool" probe -o "$tmp/json/probe.dump.json" 2>/dev/null
	check "probe -o: exit 0" [ $? -eq 0 ]
	last="schema.py --dir $tmp/json"
	out=$(python3 "$src/tools/tunpin/tests/schema.py" "$src/Documentation/schema" \
		--dir "$tmp/json" 2>&1); rc=$?
	check "every document valid" [ $rc -eq 0 ]
}

t_override_errors() {	# duplicates, missing and malformed cgroups: the reason shown
	run override add "$cgpath" csum
	check "duplicate: EEXIST with the reason" kernel_refused "File exists"
	run override add "$cgpath-missing" csum
	check "missing cgroup: ENOENT with the reason" kernel_refused "No such file or directory"
	run override add "$cgname" csum
	check "relative path: refused" [ $rc -eq 1 ]
	run override add "$cgpath" bogus
	check "unknown capability: exit 2" [ $rc -eq 2 ]
	run override list -j
	check "still one override" [ "$(jget "$out" "len([o for o in j if o['cgroup'].startswith('$cgpath')])")" = 1 ]
	check "unchanged" [ "$(jget "$out" "[o['level'] for o in j if o['cgroup'] == '$cgpath'][0]")" = "csum tso4 tso6 tso_ecn ufo" ]
}

holder2=
t_override_governs() {	# in the cgroup, the override's level decides
	local t
	start_holder tptool2 0x1f "$cgdir" || { ok=0; return; }
	holder2=$holder
	tap_of "$holder2"
	t=$tap
	check "accepted beyond the host level, listed: $t" [ "$t" != null ]
	check "governed by the override" [ "$(jget "$t" 'j["override"]')" = true ]
	check "granted" [ "$(jget "$t" '" ".join(j["granted"])')" = "csum tso4 tso6 tso_ecn ufo" ]
	tap_of "$holder1"
	check "the other TAP is not: $tap" [ "$(jget "$tap" 'j["override"]')" = false ]
}

t_override_del() {	# delete it; a second delete finds nothing
	stop "$holder2"
	tap_of "$holder2"
	check "taps: exit 0" [ $rc -eq 0 ]
	check "a closed TAP is no longer listed" [ "$tap" = null ]
	run override del "$cgpath"
	check "del: exit 0" [ $rc -eq 0 ]
	run override list -j
	check "gone" [ "$(jget "$out" "[o for o in j if o['cgroup'] == '$cgpath']")" = "[]" ]
	run override del "$cgpath"
	check "again: ENOENT" [ $rc -eq 1 ]
	check "again: ENOENT" grep -q '^tunpin: No such file or directory' <<<"$err"
}

t_unprivileged() {	# reading the level needs nothing; changes need CAP_NET_ADMIN
	local as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	if ! "${as[@]}" "$tool" --version >/dev/null 2>&1; then
		skip="cannot run the tool as nobody"
		return 0
	fi
	last="tunpin level (as nobody)"
	out=$("${as[@]}" "$tool" level 2>"$tmp/err"); rc=$?; err=$(<"$tmp/err")
	check "level: exit 0" [ $rc -eq 0 ]
	last="tunpin set none (as nobody)"
	out=$("${as[@]}" "$tool" set none 2>"$tmp/err"); rc=$?; err=$(<"$tmp/err")
	check "set: EPERM" [ $rc -eq 1 ]
	check "set: EPERM" grep -q '^tunpin: Operation not permitted' <<<"$err"
	last="tunpin taps (as nobody)"
	out=$("${as[@]}" "$tool" taps 2>"$tmp/err"); rc=$?; err=$(<"$tmp/err")
	check "taps: EPERM" [ $rc -eq 1 ]
	last="tunpin show (as nobody)"
	out=$("${as[@]}" "$tool" show 2>"$tmp/err"); rc=$?; err=$(<"$tmp/err")
	check "show: the canary needs CAP_NET_ADMIN" \
		grep -qx 'enforcement: not checked: the canary needs CAP_NET_ADMIN' <<<"$out"
	check "show: no failure" [ $rc -eq 0 ]
	last="tunpin precheck (as nobody)"
	out=$("${as[@]}" "$tool" precheck "$holder1" csum 2>"$tmp/err"); rc=$?; err=$(<"$tmp/err")
	check "precheck: EPERM" [ $rc -eq 1 ]
	check "level unchanged" level_agrees csum mon
}

t_restore() {		# back to unpinned, nothing left behind
	stop "$holder1"
	run set unpinned
	check "exit 0" [ $rc -eq 0 ]
	check "level agrees" level_agrees unpinned ""
	run override list -j
	check "no override of ours" [ "$(jget "$out" "[o for o in j if o['cgroup'].startswith('$cgpath')]")" = "[]" ]
	rmdir "$cgdir"
	check "cgroup removed" [ ! -d "$cgdir" ]
}

tests=(t_known t_set_unpinned t_set_list t_set_name t_set_none t_bad_cap
       t_usage t_bad_name t_counters t_taps t_taps_vm t_dry_run t_precheck
       t_canary t_lowering t_monitor t_metrics
       t_override_add t_schemas t_override_errors t_override_governs t_override_del
       t_unprivileged t_restore)

if [ ! -x "$tool" ] || [ ! -d "$sys" ]; then
	echo "# no tool at $tool or no $sys"
fi
ktap_main
