#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the debug kernel of `make check-debug` (KASAN, lockdep, debugobjects,
# kmemleak, failslab) from Debian's linux-source-6.1, configured as x86_64
# defconfig + kvm_guest.config + debug.config (beside this script), into
#   $TUNPIN_CACHE/debug-kernel/<hash of the inputs>/
# with the layout of tools/testing/vm/kernel.sh (kver, root/boot/vmlinuz-*,
# root/lib/modules/<kver> with modules.dep) plus the build tree in ./build,
# which out-of-tree modules are built against (make -C .../build M=...).
# Prints that directory. Does nothing if it is already built.
set -euo pipefail
. "$(dirname "$0")/../common.sh"

here=$(cd "$(dirname "$0")" && pwd)
tarball=/usr/src/$LINUX_SOURCE_PKG.tar.xz
[ -f "$tarball" ] || die "$tarball missing: install $LINUX_SOURCE_PKG"
srcver=$(dpkg-query -W -f='${Version}' "$LINUX_SOURCE_PKG" 2>/dev/null ||
	 stat -c %Y "$tarball")

# Everything the result depends on; any change gives a new directory.
hash=$( { echo "$srcver"; gcc --version | head -n1
	  cat "$here/debug.config" "$here/kernel.sh"; } |
	sha256sum | cut -c1-12)
base=$TUNPIN_CACHE/debug-kernel
dir=$base/$hash
[ -f "$dir/.done" ] && { echo "$dir"; exit 0; }

jobs=${TUNPIN_JOBS:-$(($(nproc) + 1))}
src=$base/src-$srcver
if [ ! -f "$src/.done" ]; then
	echo "kernel.sh: unpacking $tarball" >&2
	rm -rf "$src" && mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1
	touch "$src/.done"
fi

rm -rf "$dir" && mkdir -p "$dir"
obj=$dir/build
# The tree of an earlier recipe of the same sources is rebuilt in place:
# kbuild remakes what the changed options touch, minutes instead of the
# whole build. A tree of other sources is never reused: tar gives their
# files the archive's mtimes, which make would trust.
for old in "$base"/*/build/.srcver; do
	[ -f "$old" ] && [ "$(cat "$old")" = "$srcver" ] || continue
	echo "kernel.sh: rebuilding ${old%/.srcver} in place" >&2
	mv "${old%/.srcver}" "$obj" && rm -rf "${old%/build/.srcver}"
	break
done
mk() { nice -n 10 make -C "$src" O="$obj" -j"$jobs" "$@" >&2; }

mk defconfig
mk kvm_guest.config
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
	"$here/debug.config" >&2
mk olddefconfig

# merge_config drops what Kconfig refuses (unmet dependencies) silently:
# every line of debug.config must be in the final .config as written.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$obj/.config" || {
		echo "kernel.sh: wanted $line, got:" \
		     "$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" ||
			echo 'nothing')" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
		! grep -qE "^$opt=" "$obj/.config" || {
		echo "kernel.sh: wanted $opt off, got:" \
		     "$(grep -E "^$opt=" "$obj/.config")" >&2; bad=1; } ;;
	esac
done <"$here/debug.config"
[ $bad -eq 0 ] || die "debug.config: options lost in the merge (above)"

start=$SECONDS
mk bzImage modules
kver=$(make -s -C "$src" O="$obj" kernelrelease)
mkdir -p "$dir/root/boot"
cp "$obj/arch/x86/boot/bzImage" "$dir/root/boot/vmlinuz-$kver"
cp "$obj/System.map" "$dir/root/boot/System.map-$kver"
mk INSTALL_MOD_PATH="$dir/root" DEPMOD=/bin/true modules_install
depmod -b "$dir/root" "$kver"
echo "$kver" >"$dir/kver"
echo "$srcver" >"$obj/.srcver"
echo "kernel.sh: $kver built in $((SECONDS - start)) s ($jobs jobs)" >&2
touch "$dir/.done"
echo "$dir"
