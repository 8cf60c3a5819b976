#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# contrib/libvirt/qemu (the libvirt hook) against the module, in the VM, as
# root, the module loaded unpinned by the caller; no libvirt, no systemd:
# the cgroups a systemd host would have for the partition /machine/nomigrate
# and for a VM's scope in it are made by hand, and the hook is called as
# libvirt calls it (NAME OP SUBOP -, the domain XML on stdin). Checks: at
# "prepare begin" the partition's slice gets an override with the level of
# /etc/tunpin/libvirt.conf (here a copy), and again is a no-op; a process
# in a VM scope below it is offered ufo while the host level hides it; an
# override with another level, a VM asking for a level its partition does
# not give, and a partition with no cgroup are refused; "started" says
# where QEMU runs. KTAP; exits 1 on any failure; leaves the host level
# unpinned, no override and no cgroup behind.
set -u
. "$(dirname "$0")/ktap.sh"

tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
src=${TUNPIN_SRC:?TUNPIN_SRC: the source tree}
hook=$src/contrib/libvirt/qemu
sys=/sys/kernel/tunpin
cgroot=/sys/fs/cgroup
slice=/machine.slice/machine-nomigrate.slice
scope=$slice/machine-qemu\\x2d1\\x2dvm1.scope
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-hook.XXXXXX")
pids=()
made_machine=0

# TUNSETOFFLOAD on a TAP of its own, as QEMU probes: exit 0 if accepted, 1
# if refused with EINVAL. Usage: BITS
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

killall_in() {	# killall_in: stop our processes and whatever is in the scope
	local p
	for p in "${pids[@]}" $(cat "$cgroot$scope/cgroup.procs" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	pids=()
}

cleanup() {
	killall_in
	"$tool" override del "$slice" >/dev/null 2>&1
	rmdir "$cgroot$scope" "$cgroot$slice" 2>/dev/null
	[ $made_machine -eq 1 ] && rmdir "$cgroot/machine.slice" 2>/dev/null
	echo unpinned >"$sys/level"
	rm -rf "$tmp"
}
trap cleanup EXIT

export TUNPIN=$tool TUNPIN_LIBVIRT_CONF=$tmp/libvirt.conf
export TUNPIN_VMS_CONF=$tmp/vms.conf TUNPIN_QEMU_RUNDIR=$tmp/run
mkdir -p "$tmp/run"

# --- helpers ---------------------------------------------------------------

# domain NAME [PARTITION] [METADATA-LEVEL]: a domain XML as libvirt formats it
domain() {
	echo "<domain type='kvm' id='1'>"
	echo "  <name>$1</name>"
	if [ -n "${3:-}" ]; then
		echo "  <metadata>"
		echo "    <tunpin:level xmlns:tunpin=\"urn:tunpin:libvirt:1\">$3</tunpin:level>"
		echo "  </metadata>"
	fi
	if [ -n "${2:-}" ]; then
		echo "  <resource>"
		echo "    <partition>$2</partition>"
		echo "  </resource>"
	fi
	echo "</domain>"
}

last=
hook() {	# hook VM OP SUBOP [PARTITION] [LEVEL]: status in $rc, $out, $err
	last="hook $*"
	domain "$1" "${4:-}" "${5:-}" | sh "$hook" "$1" "$2" "$3" - \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(<"$tmp/out")
	err=$(<"$tmp/err")
}


says() { grep -qF -- "$1" <<<"$err"; }

# overrides_of CGROUP: the levels of the overrides listed for CGROUP
overrides_of() {
	"$tool" -j override list | python3 -c '
import json, sys
print(" / ".join(o["level"] for o in json.load(sys.stdin) if o["cgroup"] == sys.argv[1]))' "$1"
}

in_cgroup() {	# in_cgroup CGROUP COMMAND...: run COMMAND in CGROUP
	(echo "$BASHPID" >"$cgroot$1/cgroup.procs" && exec "${@:2}")
}

# --- tests -----------------------------------------------------------------

t_setup() {		# the cgroups of a systemd host, the host level without ufo
	[ -d "$cgroot/machine.slice" ] || made_machine=1
	mkdir -p "$cgroot$scope"
	check "the scope's cgroup" [ -d "$cgroot$scope" ]
	echo "csum tso4 tso6 tso_ecn" >"$sys/level"
	check "host level without ufo" [ "$(cat "$sys/level")" = "csum tso4 tso6 tso_ecn" ]
	printf '%s\n' "# partition level" \
		"/machine/nomigrate unpinned   # VMs that never migrate" >"$tmp/libvirt.conf"
}

t_nothing() {		# a VM in the default partition: nothing done
	hook vm0 prepare begin
	check "exit 0" [ $rc -eq 0 ]
	check "silent" [ -z "$out$err" ]
	check "no override" [ -z "$("$tool" override list)" ]
}

t_prepare() {		# prepare: the partition's slice gets its override
	hook vm1 prepare begin /machine/nomigrate
	check "exit 0" [ $rc -eq 0 ]
	check "nothing on stdout" [ -z "$out" ]
	check "says so" says "override for $slice added: unpinned"
	check "override listed" [ "$(overrides_of "$slice")" = unpinned ]
	hook vm2 prepare begin /machine/nomigrate
	check "again: exit 0" [ $rc -eq 0 ]
	check "again: still one override" [ "$(overrides_of "$slice")" = unpinned ]
}

t_offer() {		# a VM's scope in the partition is offered ufo
	in_cgroup "$scope" python3 -c "$try_py" 0x11
	check "ufo accepted in the VM's scope" [ $? -eq 0 ]
	python3 -c "$try_py" 0x11
	check "ufo refused outside" [ $? -eq 1 ]
	in_cgroup "$scope" python3 -c "$try_py" 0x3
	check "tso4 accepted in the VM's scope" [ $? -eq 0 ]
}

t_started() {		# started: QEMU under the partition's override
	(echo "$BASHPID" >"$cgroot$scope/cgroup.procs" && exec sleep 60) &
	pids+=($!)
	echo $! >"$tmp/run/vm1.pid"
	sleep 0.5
	hook vm1 started begin /machine/nomigrate
	check "exit 0" [ $rc -eq 0 ]
	check "says where" says "QEMU [$!] runs in $scope, under the override of partition /machine/nomigrate (unpinned)"
	sleep 60 &
	pids+=($!)
	echo $! >"$tmp/run/vm2.pid"
	hook vm2 started begin /machine/nomigrate
	check "elsewhere: exit 0" [ $rc -eq 0 ]
	check "elsewhere: warns" says "warning: QEMU [$!] runs in"
}

t_mismatch() {		# another level configured: refused, override kept
	echo "/machine/nomigrate csum,tso4,tso6,tso_ecn" >"$tmp/libvirt.conf"
	hook vm1 prepare begin /machine/nomigrate
	check "exit 1" [ $rc -eq 1 ]
	check "says which" says "has an override with level 'unpinned', not 'csum,tso4,tso6,tso_ecn'"
	check "override kept" [ "$(overrides_of "$slice")" = unpinned ]
	echo "/machine/nomigrate unpinned" >"$tmp/libvirt.conf"
}

t_wish() {		# a VM asking for a level its partition does not give
	hook vm3 prepare begin "" unpinned
	check "metadata, default partition: exit 1" [ $rc -eq 1 ]
	check "metadata, default partition: hint" \
		says "put it in partition /machine/nomigrate"
	echo "vm4 unpinned" >"$tmp/vms.conf"
	hook vm4 prepare begin
	check "vms.conf, default partition: exit 1" [ $rc -eq 1 ]
	hook vm4 prepare begin /machine/nomigrate
	check "vms.conf, right partition: exit 0" [ $rc -eq 0 ]
}

t_no_cgroup() {		# a partition with no cgroup (and no systemd): refused
	echo "/machine/gone unpinned" >>"$tmp/libvirt.conf"
	hook vm5 prepare begin /machine/gone
	check "exit 1" [ $rc -eq 1 ]
	check "says why" says "partition /machine/gone has no cgroup /machine.slice/machine-gone.slice"
}

t_cleanup() {		# no override, no cgroup, unpinned
	killall_in
	"$tool" override del "$slice"
	check "override deleted" [ -z "$("$tool" override list)" ]
	rmdir "$cgroot$scope" "$cgroot$slice"
	check "cgroups removed" [ ! -d "$cgroot$slice" ]
	echo unpinned >"$sys/level"
	check "unpinned" [ "$(cat "$sys/level")" = unpinned ]
}

tests=(t_setup t_nothing t_prepare t_offer t_started t_mismatch t_wish
       t_no_cgroup t_cleanup)

ktap_main
