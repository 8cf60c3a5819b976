#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel under QEMU (TCG) on a Debian root and run one command in
# it. Usage:
#   run.sh [-a ARCH] [-r ROOT] [-k KERNEL_TREE] [-t SECONDS] [-o OUTDIR]
#          [-m MOUNT_DIR]... -- COMMAND...
# ARCH: amd64 (qemu-system-x86_64, the default) or arm64
# (qemu-system-aarch64 -machine virt, TUNPIN_VM_ARM64_CPU: cortex-a57).
# ROOT (TUNPIN_VM_ROOT) is the guest's userspace, shared read-only over 9p
# under a tmpfs overlay (the guest writes anywhere, the root stays as it
# is): a lane's root (vm/root.sh). KERNEL_TREE (TUNPIN_KERNEL_DIR; default
# ROOT) holds the kernel booted: .kver, boot/vmlinuz-<release>,
# lib/modules/<release> (initramfs.sh). COMMAND runs under bash in the
# guest, in OUTDIR (shared read-write; the console log, the guest's dmesg
# and exit-code land there). MOUNT_DIRs (the build directory) and the
# source tree are shared read-write at their host paths.
# Exits with COMMAND's status; 125 if the VM did not finish or the guest
# kernel logged a splat (WARN, BUG, Oops, lockdep, refcount, KASAN...:
# tools/testing/splats.awk).
# TUNPIN_VM_APPEND adds to the kernel command line (check-debug: pci=noacpi
# and no5lvl, Documentation/reliability.rst says why).
# TUNPIN_VM_ACCEL replaces tcg,thread=multi as the -accel argument.
# TUNPIN_VM_ICOUNT adds -icount with its value (bench: shift=0,sleep=off:
# the guest's clocks, TSC included, count executed instructions, 1 ns each,
# whatever the host's load; an idle guest skips to its next timer). icount
# needs one TCG thread for all vCPUs: the accel then defaults to
# tcg,thread=single. TUNPIN_VM_QEMU_ARGS: more QEMU arguments, split at
# white space. Unset, the QEMU command line is as it always was.
set -euo pipefail
. "$(dirname "$0")/../common.sh"

timeout=600 out= mdirs=() root=${TUNPIN_VM_ROOT:-} kdir=${TUNPIN_KERNEL_DIR:-}
arch=amd64
while getopts "a:r:k:t:o:m:" o; do
	case $o in
	a) arch=$OPTARG ;;
	r) root=$OPTARG ;;
	k) kdir=$OPTARG ;;
	t) timeout=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mdirs+=("$(cd "$OPTARG" && pwd)") ;;
	*) die "usage: run.sh [-a ARCH] [-r ROOT] [-k KERNEL_TREE] [-t SECONDS] [-o OUTDIR] [-m DIR]... -- COMMAND..." ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || die "run.sh: no command"

[ -n "$root" ] || die "run.sh: no root (-r or TUNPIN_VM_ROOT)"
root=$(cd "$root" && pwd) kdir=$(cd "${kdir:-$root}" && pwd)
# A kernel built from source (debug/kernel.sh) keeps its tree in ./root.
[ ! -f "$kdir/.kver" ] && [ -f "$kdir/kver" ] && kdir=$kdir/root
kver=$(cat "$kdir/.kver" 2>/dev/null || cat "$kdir/../kver") ||
	die "run.sh: $kdir is no kernel tree"
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/tunpin-vm.XXXXXX")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/exit-code" "$out/dmesg" "$out/console.log"

initrd=$TUNPIN_CACHE/initramfs/$kver-$(echo "$kdir $root" | sha1sum | cut -c1-8).cpio.gz
mkdir -p "$(dirname "$initrd")"
# Under a lock: check-debug boots two VMs of one kernel side by side.
(
	flock 8
	if [ ! -f "$initrd" ] ||
	   [ -n "$(find "$(dirname "$0")" -newer "$initrd" -type f)" ]; then
		"$(dirname "$0")/initramfs.sh" "$kdir" "$initrd.tmp" "$root"
		mv "$initrd.tmp" "$initrd"
	fi
) 8>"$initrd.lock"

printf '%s\n' "set -o pipefail" "$(printf '%q ' "$@")" >"$out/job"

virtfs=() mounts=
mdirs+=("$out" "$kdir/lib/modules/$kver")
for i in "${!mdirs[@]}"; do
	case "${mdirs[$i]}" in *[[:space:],:]*)
		die "cannot share '${mdirs[$i]}': no spaces, commas or colons" ;;
	esac
	virtfs+=(-virtfs "local,path=${mdirs[$i]},mount_tag=d$i,security_model=none,multidevs=remap")
	mounts+=${mounts:+,}d$i:${mdirs[$i]}
done

# log_buf_len: the stress tests log every level change they make, and the
# log scanned at the end (the guest's dmesg) must still begin at the boot.
case $arch in
amd64)
	qemu=(qemu-system-x86_64 -cpu max -vga none)
	console="console=ttyS0 tsc=unstable" ;;
arm64)
	qemu=(qemu-system-aarch64 -machine virt
	      -cpu "${TUNPIN_VM_ARM64_CPU:-cortex-a57}")
	console="console=ttyAMA0" ;;
*)
	die "run.sh: no VM for architecture $arch" ;;
esac
cmdline="$console panic=-1 panic_on_warn=1 oops=panic loglevel=4
	 log_buf_len=32M mitigations=off net.ifnames=0 rw
	 tunpin.init=$TUNPIN_SRC/tools/testing/vm/guest-init.sh
	 tunpin.src=$TUNPIN_SRC tunpin.mounts=$mounts tunpin.out=$out
	 tunpin.modules=$kdir/lib/modules/$kver
	 ${TUNPIN_VM_APPEND:-}"

accel=${TUNPIN_VM_ACCEL:-tcg,thread=multi} qemu_more=()
if [ -n "${TUNPIN_VM_ICOUNT:-}" ]; then
	accel=${TUNPIN_VM_ACCEL:-tcg,thread=single}
	qemu_more+=(-icount "$TUNPIN_VM_ICOUNT")
fi
read -ra more <<<"${TUNPIN_VM_QEMU_ARGS:-}"
qemu_more+=("${more[@]}")

set +e
timeout -k 5 "$timeout" "${qemu[@]}" \
	-accel "$accel" "${qemu_more[@]}" -smp "${TUNPIN_VM_CPUS:-2}" \
	-m "${TUNPIN_VM_MEM:-3G}" -display none -no-reboot \
	-serial stdio -monitor none -nodefaults \
	-kernel "$kdir/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "$(echo $cmdline)" \
	-virtfs "local,path=$root,mount_tag=root,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$TUNPIN_SRC,mount_tag=src,security_model=none,multidevs=remap" \
	"${virtfs[@]}" \
	-device virtio-rng-pci </dev/null 2>&1 | tee "$out/console.log"
qemu_rc=${PIPESTATUS[0]}
set -e

splats=(awk -f "$TUNPIN_SRC/tools/testing/splats.awk")

if [ ! -f "$out/exit-code" ]; then
	echo "run.sh: the VM did not finish the job (qemu status $qemu_rc," \
	     "timeout ${timeout}s); console: $out/console.log" >&2
	"${splats[@]}" "$out/console.log" | head -n 20 >&2 || true
	exit 125
fi
rc=$(cat "$out/exit-code")

if ! "${splats[@]}" "$out/dmesg" "$out/console.log" >"$out/splats"; then
	echo "run.sh: the guest kernel logged a splat:" >&2
	cat "$out/splats" >&2
	exit 125
fi
exit "$rc"
