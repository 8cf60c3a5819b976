#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the VM's initramfs: busybox-static, the virtio/9p modules of the
# unpacked kernel (with their dependencies) and ./init. Usage:
#   initramfs.sh KERNEL_DIR OUTPUT
set -euo pipefail
. "$(dirname "$0")/../common.sh"

kdir=$1 out=$2
kver=$(cat "$kdir/kver")
mods=$kdir/root/lib/modules/$kver
want=(virtio_pci 9pnet_virtio 9p)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,newroot,lib/modules/"$kver"}

cp /bin/busybox "$work/bin/busybox"
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
	cp "$mods/$path" "$work/lib/modules/$kver/$path"
}
for m in "${want[@]}"; do
	path=$(grep -m1 -o "^[^:]*/$m\.ko" "$mods/modules.dep") ||
		die "module $m not found in $mods"
	add "$path"
done
for p in "${!seen[@]}"; do grep "^$p:" "$mods/modules.dep"; done \
	>"$work/lib/modules/$kver/modules.dep"
echo "${want[*]}" >"$work/modules"

(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
