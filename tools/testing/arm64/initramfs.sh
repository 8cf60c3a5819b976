#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 guest's whole root, as an initramfs: busybox-static (arm64),
# iproute2's ip, the modules the tests load (with their dependencies), the
# cross-built tests, tool and tunpin.ko, the shared libraries the dynamic
# ones need (found by their DT_NEEDED in the arm64 sysroot) and ./init.
# Usage: initramfs.sh CACHE BUILD OUTPUT
set -euo pipefail
. "$(dirname "$0")/common.sh"

cache=$1 build=$2 out=$3
kver=$(cat "$cache/kver")
mods=$cache/kernel/lib/modules/$kver
sysroot=$cache/sysroot
want=(tun tap macvlan macvtap dummy vhost_net)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,sbin,dev,proc,sys,tmp,run,lib/aarch64-linux-gnu} \
	 "$work/lib/modules/$kver" "$work/tunpin/tests"
cp "$sysroot/bin/busybox" "$work/bin/busybox"
cp "$sysroot/bin/ip" "$work/sbin/ip"
cp "$A64_DIR/init" "$work/init"
# tunpin.ko from where it was built (a clean of the tree may delete BUILD's
# copy while this runs).
cp "$(a64_src)/module/tunpin.ko" "$work/tunpin/"
cp "$build/tunpin" "$work/tunpin/"
cp "$build"/tests/* "$work/tunpin/tests/"

# The closure of $want over modules.dep, at the same paths.
declare -A seen
add_mod() {
	local path=$1 line dep
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	line=$(grep -m1 "^$path:" "$mods/modules.dep") ||
		die "$path not in modules.dep"
	for dep in ${line#*:}; do add_mod "$dep"; done
	mkdir -p "$work/lib/modules/$kver/$(dirname "$path")"
	cp "$mods/$path" "$work/lib/modules/$kver/$path"
}
for m in "${want[@]}"; do
	path=$(grep -m1 -o "^[^:]*/$m\.ko[^:]*" "$mods/modules.dep") ||
		die "module $m not found in $mods"
	add_mod "$path"
done
for p in "${!seen[@]}"; do grep "^$p:" "$mods/modules.dep"; done \
	>"$work/lib/modules/$kver/modules.dep"

# The shared libraries of the dynamic programs, by DT_NEEDED, closed over.
declare -A have
add_lib() {
	local name=$1 d f
	[ -n "${have[$name]:-}" ] && return
	have[$name]=1
	for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
		f=$sysroot/$d/$name
		[ -e "$f" ] || continue
		cp -L "$f" "$work/lib/aarch64-linux-gnu/$name"
		needed "$f"
		return
	done
	die "$name: not in the arm64 sysroot (add its package to fetch.sh)"
}
needed() {
	local n
	for n in $(LC_ALL=C readelf -d "$1" |
		   sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		add_lib "$n"
	done
}
for f in "$work/sbin/ip" "$work/tunpin/tunpin" "$work"/tunpin/tests/*; do
	needed "$f"
done
add_lib ld-linux-aarch64.so.1
ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$work/lib/ld-linux-aarch64.so.1"

(cd "$work" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
