#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The nested guest's initramfs (tools/testing/migrate): a static busybox,
# virtio_net and the modules it needs from a kernel tree (decompressed;
# none if built in; virtio_pci too if it is a module), and ./init
# (guest-init). Usage:
#   initramfs.sh KERNEL_TREE BUSYBOX OUTPUT
# /modules lists the modules in load order (dependencies first).
set -euo pipefail
. "$(dirname "$0")/../common.sh"

kdir=${1:?usage: initramfs.sh KERNEL_TREE BUSYBOX OUTPUT}
bb=${2:?usage: initramfs.sh KERNEL_TREE BUSYBOX OUTPUT}
out=${3:?usage: initramfs.sh KERNEL_TREE BUSYBOX OUTPUT}
kver=$(cat "$kdir/.kver") || die "$kdir is no kernel tree"
mods=$kdir/lib/modules/$kver
[ -f "$mods/modules.dep" ] || die "no $mods/modules.dep"
[ -x "$bb" ] || die "no busybox at $bb (busybox-static)"
if command -v file >/dev/null; then
	file -L "$bb" | grep -q 'statically linked' ||
		die "$bb is not a static busybox (busybox-static)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,lib/modules}
cp "$bb" "$work/bin/busybox"
cp "$(dirname "$0")/guest-init" "$work/init"
chmod 0755 "$work/init" "$work/bin/busybox"

# The closure over modules.dep, dependencies first, as plain .ko files.
declare -A seen
order=()
add() {
	local path=$1 line dep name
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	line=$(grep -m1 "^$path:" "$mods/modules.dep") ||
		die "$path not in $mods/modules.dep"
	for dep in ${line#*:}; do add "$dep"; done
	name=$(basename "$path")
	name=${name%.xz} name=${name%.zst} name=${name%.gz}
	case $path in
	*.ko.xz) xz -dc "$mods/$path" >"$work/lib/modules/$name" ;;
	*.ko.zst) zstd -qdc "$mods/$path" >"$work/lib/modules/$name" ;;
	*.ko.gz) gzip -dc "$mods/$path" >"$work/lib/modules/$name" ;;
	*) cp "$mods/$path" "$work/lib/modules/$name" ;;
	esac
	order+=("$name")
}
for m in virtio_pci virtio_net; do
	grep -q "/$m\.ko" "$mods/modules.builtin" 2>/dev/null && continue
	path=$(grep -m1 -o "^[^:]*/$m\.ko[^:]*" "$mods/modules.dep") ||
		die "module $m not found in $mods"
	add "$path"
done
printf '%s\n' "${order[@]}" >"$work/modules"

(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
