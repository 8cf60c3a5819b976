#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the VM's initramfs: busybox-static, the virtio, 9p and overlay
# modules of a kernel tree (with their dependencies; none if built in) and
# ./init. Usage:
#   initramfs.sh KERNEL_TREE OUTPUT [ROOT]
# busybox comes from ROOT (the root the VM boots: its architecture), else
# from KERNEL_TREE, else from this machine.
# A kernel tree holds .kver (the release), boot/vmlinuz-<release> and
# lib/modules/<release>: a lane's root (vm/root.sh) is one.
set -euo pipefail
. "$(dirname "$0")/../common.sh"

kdir=$1 out=$2 root=${3:-$1}
kver=$(cat "$kdir/.kver" 2>/dev/null || cat "$kdir/../kver")
mods=$kdir/lib/modules/$kver
want=(virtio_pci 9pnet_virtio 9p overlay)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,newroot,lib/modules/"$kver"}

for bb in "$root/bin/busybox" "$kdir/bin/busybox" /bin/busybox; do
	[ -x "$bb" ] && break
done
cp "$bb" "$work/bin/busybox"
cp "$(dirname "$0")/init" "$work/init"

# The closure of $want over modules.dep, copied at the same paths.
declare -A seen
add() {
	local path=$1 line dep
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	line=$(grep -m1 "^$path:" "$mods/modules.dep") ||
		die "$path not in modules.dep"
	for dep in ${line#*:}; do add "$dep"; done
	mkdir -p "$work/lib/modules/$kver/$(dirname "$path")"
	# busybox's modprobe loads plain ELF only: decompress (6.12+ ship xz).
	case $path in
	*.ko.xz) xz -dc "$mods/$path" >"$work/lib/modules/$kver/${path%.xz}" ;;
	*.ko.zst) zstd -qdc "$mods/$path" >"$work/lib/modules/$kver/${path%.zst}" ;;
	*.ko.gz) gzip -dc "$mods/$path" >"$work/lib/modules/$kver/${path%.gz}" ;;
	*) cp "$mods/$path" "$work/lib/modules/$kver/$path" ;;
	esac
}
mods_want=()
for m in "${want[@]}"; do
	grep -q "/$m\.ko" "$mods/modules.builtin" 2>/dev/null && continue
	mods_want+=("$m")
	path=$(grep -m1 -o "^[^:]*/$m\.ko[^:]*" "$mods/modules.dep") ||
		die "module $m not found in $mods"
	add "$path"
done
for p in "${!seen[@]}"; do grep "^$p:" "$mods/modules.dep"; done |
	sed -E 's/\.ko\.(xz|zst|gz)/.ko/g' >"$work/lib/modules/$kver/modules.dep"
echo "${mods_want[*]}" >"$work/modules"

(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
