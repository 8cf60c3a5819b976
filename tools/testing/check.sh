#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: install what is missing, build, lint (W=1, sparse C=2,
# checkpatch --strict), run the unit tests on the host, boot two VMs and
# run the kselftests in them; the arm64 lane runs alongside. Ends with one
# line "N passed, N failed" summing everything (the KTAP totals included)
# and exits non-zero on any failure, warning or guest splat.
# TUNPIN_TESTS, TUNPIN_VMS: see the VMs below.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$TUNPIN_SRC" || exit

BUILD=${BUILD:-$TUNPIN_SRC/build}
log=$BUILD/check
mkdir -p "$log"
passed=0 failed=0

"$(dirname "$0")/deps.sh" || die "cannot install the dependencies"

KVER=$(debian_kver)
KDIR=/lib/modules/$KVER/build
LSRC=$("$(dirname "$0")/linux-source.sh") || die "no linux-source"
KERNEL_DIR=$("$(dirname "$0")/vm/kernel.sh") || die "no kernel for the VM"
export TUNPIN_KERNEL_DIR=$KERNEL_DIR

# The arm64 lane (tools/testing/arm64/check.sh: its own packages, Debian's
# arm64 kernel, cross builds, one-CPU qemu-system-aarch64) runs beside the
# host steps below, which mostly leave a core idle; the x86 VM waits for
# it, so the two guests never share the CPUs. It starts once the Linux
# source is unpacked, which it needs too. TUNPIN_ARM64=0 skips it.
a64_pid=
if [ "${TUNPIN_ARM64:-1}" != 0 ]; then
	"$(dirname "$0")/arm64/check.sh" >"$log/arm64.log" 2>&1 &
	a64_pid=$!
	a64_t0=$SECONDS
fi

kmake() { make -C "$KDIR" M="$TUNPIN_SRC" "$@"; }
# One build for both gates: W=1 compiler warnings and sparse (C=2).
step module-build-W1-sparse no_warnings kmake clean modules W=1 C=2
mapfile -t ksrc < <(git ls-files 'module/*.[ch]' 'include/*.h')
step module-checkpatch "$LSRC/scripts/checkpatch.pl" --strict --no-tree \
	--terse --show-types -f "${ksrc[@]}"
step netlink-spec /usr/bin/python3 tools/testing/spec-check.py
step tool-build no_warnings make -C tools/tunpin
step tool-unit make -s -C tools/tunpin check
step tool-man no_warnings man --warnings -l tools/tunpin/tunpin.8
step splats-unit tools/testing/splats-test.sh
# This machine's kernel, dumped for the VM to merge with its own.
step host-probe tools/tunpin/tunpin probe -o "$BUILD/host-probe.json"
# DKMS against the Debian headers, the Debian packages and lintian.
step packages tools/testing/pkg.sh
step libvirt-hook contrib/libvirt/test-hook.sh
step selftests-build make -C selftests OUTPUT="$BUILD/selftests" \
	KSFT_DIR="$LSRC/tools/testing/selftests"

# The unit tests (the tool's, the kernel-report scan's) and the packaging
# tests report their own counts ("N passed, N failed"), one line each.
read -r upass ufail < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	"$log/tool-unit.log" "$log/splats-unit.log" "$log/packages.log" \
	"$log/libvirt-hook.log" |
	awk '{p += $1; f += $2} END {print p+0, f+0}')
passed=$((passed + ${upass:-0}))
failed=$((failed + ${ufail:-0}))

if [ -n "$a64_pid" ]; then
	wait "$a64_pid"
	a64_rc=$?
	grep -aE '^(ok|not ok|FAILED|arm64:)' "$log/arm64.log" | sed 's/^/arm64: /'
	read -r apass afail < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
		"$log/arm64.log" | tail -n1)
	passed=$((passed + ${apass:-0}))
	failed=$((failed + ${afail:-0}))
	if [ "$a64_rc" -ne 0 ] && [ "${afail:-0}" -eq 0 ]; then
		echo "FAILED: the arm64 lane (status $a64_rc; log: $log/arm64.log)"
		tail -n 20 "$log/arm64.log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	echo "check: the arm64 lane ended $((SECONDS - a64_t0)) s after it started"
fi

# The selftests in two VMs side by side (common.sh share_out), the long
# ones split by their time on Debian's kernel (ansible + qemu + offload +
# libvirt_hook about as long as tool + probe + offload_32 + state: "# time:"
# in the logs). TUNPIN_VMS=1: one VM with two vCPUs. TUNPIN_TESTS="a b":
# a subset, shared out the same way.
# shellcheck disable=SC2046 # a list of names
vm_groups "${TUNPIN_VMS:-2}" "ansible qemu offload libvirt_hook" \
	"tool probe offload_32 state" \
	${TUNPIN_TESTS:-$(bash selftests/run.sh --list)}

# shellcheck disable=SC2154 # vm_cpus: set by run_vms
vm() {	# vm JOB TESTS...: one VM (common.sh run_vms)
	TUNPIN_VM_CPUS=$vm_cpus "$(dirname "$0")/vm/run.sh" \
		-t "${TUNPIN_VM_TIMEOUT:-900}" -o "$BUILD/vm$1" -m "$BUILD" -- \
		env TUNPIN_HOST_DUMP="$BUILD/host-probe.json" \
		bash "$TUNPIN_SRC/selftests/run.sh" "$BUILD/selftests" "${@:2}" \
		>"$log/vm$1.log"
}

run_vms check "$KVER"

echo "check: $SECONDS s in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
