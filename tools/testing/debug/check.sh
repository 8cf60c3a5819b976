#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check-debug`: build the debug kernel (KASAN, lockdep, debugobjects,
# kmemleak, failslab; cached, tools/testing/debug/kernel.sh), tunpin.ko
# against it, boot it (panic_on_warn=1) and run the whole selftest suite at
# full stress scale (TUNPIN_STRESS=full) and a kmemleak scan in it
# (guest.sh). Any report is a failure. Ends with "N passed, N failed".
# TUNPIN_TESTS="a b" runs a subset; TUNPIN_FAILSLAB_FROM=N replays failslab's
# module-load case from the N-th allocation; TUNPIN_VM_LOCK=FILE serialises
# the VM run with others' (flock); TUNPIN_VM_TIMEOUT, TUNPIN_VM_MEM as for
# vm/run.sh.
set -uo pipefail
. "$(dirname "$0")/../common.sh"
cd "$TUNPIN_SRC"
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

echo "check-debug: booting $kver for the suite (TUNPIN_STRESS=${TUNPIN_STRESS:-full})"
vmout=$BUILD/vm
lock=()
[ -n "${TUNPIN_VM_LOCK:-}" ] && lock=(flock "$TUNPIN_VM_LOCK")
t0=$SECONDS
# TUNPIN_CACHE: run.sh keeps the initramfs there, named after the release;
# the kernel's own directory keeps it apart from other debug builds.
"${lock[@]}" env TUNPIN_KERNEL_DIR="$kdir" TUNPIN_CACHE="$kdir" \
	TUNPIN_VM_MEM="${TUNPIN_VM_MEM:-4G}" \
	TUNPIN_VM_APPEND="pci=noacpi log_buf_len=16M ${TUNPIN_VM_APPEND:-}" \
	"$TUNPIN_SRC/tools/testing/vm/run.sh" -t "${TUNPIN_VM_TIMEOUT:-14400}" \
	-o "$vmout" -m "$BUILD" -- \
	env TUNPIN_KO="$BUILD/src/module/tunpin.ko" \
	TUNPIN_HOST_DUMP="$BUILD/host-probe.json" \
	TUNPIN_STRESS="${TUNPIN_STRESS:-full}" \
	TUNPIN_FAILSLAB_FROM="${TUNPIN_FAILSLAB_FROM:-}" \
	bash "$here/guest.sh" "$BUILD/selftests" ${TUNPIN_TESTS:-} |
	tee "$log/vm.log" | grep -aE '^(not )?ok |^# Totals|^# debug:'
vm_rc=${PIPESTATUS[0]}
echo "check-debug: the VM run took $((SECONDS - t0)) s (status $vm_rc)"

read -r kpass kfail < <(grep -ao '# Totals: pass:[0-9]* fail:[0-9]*' \
	"$log/vm.log" | awk -F'[: ]+' '{p += $4; f += $6} END {print p+0, f+0}')
passed=$((passed + kpass))
failed=$((failed + kfail))
# A dead VM or a splat after the last test is one failure more.
if [ "$vm_rc" -ne 0 ] && [ "$kfail" -eq 0 ]; then
	echo "FAILED: the VM run (status $vm_rc; console: $vmout/console.log)"
	[ -f "$vmout/splats" ] && sed 's/^/    /' "$vmout/splats" | head -n 60
	failed=$((failed + 1))
fi
finish
