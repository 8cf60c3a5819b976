#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check-debug`: build the debug kernel (KASAN, lockdep, debugobjects,
# kmemleak, failslab; cached, tools/testing/debug/kernel.sh), tunpin.ko
# against it, boot it (panic_on_warn=1) and run the selftest suite at
# full stress scale (TUNPIN_STRESS=full) and a kmemleak scan in it
# (guest.sh), in two VMs side by side. Any report is a failure. Ends with
# "N passed, N failed".
# Every selftest but ansible and unit (Documentation/testing.rst says why).
# TUNPIN_TESTS="a b" runs a subset (shared out the same way);
# TUNPIN_DEBUG_VMS=1 runs it all in one VM; TUNPIN_FAILSLAB_FROM=N replays
# failslab's module-load case from the N-th allocation; TUNPIN_VM_LOCK=FILE
# serialises the VM runs with others' (flock); TUNPIN_VM_TIMEOUT,
# TUNPIN_VM_MEM as for vm/run.sh.
set -uo pipefail
. "$(dirname "$0")/../common.sh"
cd "$TUNPIN_SRC" || exit
here=$TUNPIN_SRC/tools/testing/debug

BUILD=${BUILD:-$TUNPIN_SRC/build}/debug
log=$BUILD/check
mkdir -p "$log"
passed=0 failed=0

finish() {
	echo "check-debug: $SECONDS s in all"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}


deps() {
	"$TUNPIN_SRC/tools/testing/deps.sh" &&
	need_pkgs make gcc flex bison bc libelf-dev libssl-dev rsync xz-utils
}
step deps deps || finish

step kernel "$here/kernel.sh" || finish
kdir=$(tail -n 1 "$log/kernel.log")
kver=$(cat "$kdir/kver")

# The module from a copy of the sources: the stock build's module/*.o
# in the tree stay as they are.
mod_build() {
	mkdir -p "$BUILD/src" &&
	rsync -a --delete --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
		--exclude='*.order' --exclude='*.symvers' \
		--exclude=caps-gen.h --include='/module/***' \
		--include='/include/***' --include=/tools/ \
		--include=/tools/gen-caps.sh --include=/Kbuild \
		--include=/dkms.conf --exclude='*' \
		"$TUNPIN_SRC/" "$BUILD/src/" &&
	no_warnings make -C "$kdir/build" M="$BUILD/src" modules
}
# A warning fails the step; only a missing tunpin.ko stops the run.
step module-build mod_build
[ -f "$BUILD/src/module/tunpin.ko" ] || finish
step tool-build make -C tools/tunpin || finish
step host-probe tools/tunpin/tunpin probe -o "$BUILD/host-probe.json"
LSRC=$("$TUNPIN_SRC/tools/testing/linux-source.sh") || die "no linux-source"
step selftests-build make -C selftests OUTPUT="$BUILD/selftests" \
	KSFT_DIR="$LSRC/tools/testing/selftests" || finish

# Two VMs side by side, one vCPU each (common.sh share_out). The long tests
# are split between them by their cost in the KASAN guest (failslab +
# stress_load about as long as stress_genl + stress_sysfs + tool).
# TUNPIN_DEBUG_VMS=1: everything in one VM (two vCPUs).
# shellcheck disable=SC2046,SC2086 # a list of names
vm_groups "${TUNPIN_DEBUG_VMS:-2}" "failslab stress_load" \
	"stress_genl stress_sysfs tool" \
	${TUNPIN_TESTS:-$(bash selftests/run.sh --list full |
		grep -vxE 'ansible|unit')}

# vm J LANE TESTS...: one VM (common.sh run_vms) of the debug kernel on
# the 6.1 lane's root (bookworm: the selftests are built on this bookworm
# machine). TUNPIN_CACHE: run.sh keeps the initramfs there; the kernel's
# own directory keeps it apart from other debug builds.
# pci=noacpi and no5lvl: Documentation/reliability.rst says why.
# shellcheck disable=SC2154 # vm_cpus: set by run_vms
vm() {
	env TUNPIN_CACHE="$kdir" \
		TUNPIN_VM_MEM="${TUNPIN_VM_MEM:-4G}" TUNPIN_VM_CPUS=$vm_cpus \
		TUNPIN_VM_APPEND="pci=noacpi no5lvl ${TUNPIN_VM_APPEND:-}" \
		"$TUNPIN_SRC/tools/testing/vm/run.sh" -r "$root" -k "$kdir" \
		-t "${TUNPIN_VM_TIMEOUT:-14400}" -o "$BUILD/lanes/$2/vm$1" \
		-m "$BUILD" -- \
		env TUNPIN_KO="$BUILD/src/module/tunpin.ko" \
		TUNPIN_TOOL="$TUNPIN_SRC/tools/tunpin/tunpin" \
		TUNPIN_HOST_DUMP="$BUILD/host-probe.json" \
		TUNPIN_STRESS="${TUNPIN_STRESS:-full}" \
		TUNPIN_FAILSLAB_FROM="${TUNPIN_FAILSLAB_FROM:-}" \
		bash "$here/guest.sh" "$BUILD/selftests" "${@:3}" >"$log/$2-vm$1.log"
}

if [ -n "${TUNPIN_VM_LOCK:-}" ]; then
	exec 9>"$TUNPIN_VM_LOCK"
	flock 9
fi
root=$("$TUNPIN_SRC/tools/testing/vm/root.sh" bookworm) || finish
echo "check-debug: $kver (TUNPIN_STRESS=${TUNPIN_STRESS:-full})"
VM_GREP="^# debug:" run_vms check-debug "${groups[@]/#/debug:}"
finish
