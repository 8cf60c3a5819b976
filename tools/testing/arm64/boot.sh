#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's arm64 kernel under qemu-system-aarch64 (TCG, -machine virt,
# one CPU) with an initramfs as its whole root; the console goes to stdout
# and to CONSOLE_LOG. VM runs of all lanes are serialized on
# /tmp/tunpin-vm.lock. Usage: boot.sh CACHE INITRD CONSOLE_LOG [TIMEOUT]
set -euo pipefail
. "$(dirname "$0")/common.sh"

cache=$1 initrd=$2 log=$3 timeout=${4:-600}
kver=$(cat "$cache/kver")

cmdline="console=ttyAMA0 rdinit=/init panic=-1 panic_on_warn=1 oops=panic
	 loglevel=4 mitigations=off net.ifnames=0"
set +e
t0=$(date +%s)
# The time the lock was taken goes to LOG.locked: the VM's own time is
# what the lane costs, the wait is the other lanes'.
flock /tmp/tunpin-vm.lock bash -c 'date +%s >"$0"; exec "$@"' "$log.locked" \
timeout -k 5 "$timeout" qemu-system-aarch64 \
	-machine virt -accel tcg -cpu "${TUNPIN_A64_CPU:-cortex-a57}" -smp 1 \
	-m "${TUNPIN_A64_MEM:-1G}" -display none -no-reboot -nodefaults \
	-serial stdio -monitor none \
	-kernel "$cache/kernel/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "$(echo $cmdline)" </dev/null 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
t1=$(date +%s) locked=$(cat "$log.locked" 2>/dev/null || echo "$t0")
echo "arm64: VM $((t1 - locked)) s, after $((locked - t0)) s waiting for" \
     "/tmp/tunpin-vm.lock" >&2
exit "$rc"
