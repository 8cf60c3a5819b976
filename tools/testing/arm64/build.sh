#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cross-build everything the arm64 guest runs, into OUT (default
# build/arm64): tunpin.ko against Debian's arm64 headers (W=1, not a single
# warning), the C kselftests (static; the compat-path one for 32-bit ARM if
# the kernel has CONFIG_COMPAT) and the tool. The module and the tool are
# built from a copy of their sources (OUT/src), so the x86 objects in
# module/ and tools/tunpin/ are left alone. Usage: build.sh [OUT]
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$(mkdir -p "${1:-$TUNPIN_SRC/build/arm64}" && cd "${1:-$TUNPIN_SRC/build/arm64}" && pwd)
cache=$("$A64_DIR/fetch.sh")
kdir=$(cat "$cache/kdir")
sysroot=$cache/sysroot
lsrc=$("$TUNPIN_SRC/tools/testing/linux-source.sh")
jobs=$(nproc)

# The copy: only changed files are rewritten, so make rebuilds only them.
sync_tree() {
	local f
	(cd "$TUNPIN_SRC" && find Kbuild dkms.conf include tools/gen-caps.sh \
		module tools/tunpin -type f \
		\( -name '*.[ch]' -o -name Kbuild -o -name Makefile \
		   -o -name dkms.conf -o -name '*.sh' \) \
		! -name '*.mod.c' ! -name caps-gen.h) |
	while read -r f; do
		cmp -s "$TUNPIN_SRC/$f" "$out/src/$f" && continue
		mkdir -p "$out/src/$(dirname "$f")"
		cp "$TUNPIN_SRC/$f" "$out/src/$f"
	done
}
sync_tree

# A make run that must not print a single compiler warning.
no_warnings() {
	local log rc=0
	log=$("$@" 2>&1) || rc=$?
	echo "$log"
	[ $rc -eq 0 ] && ! grep -E 'warning:|error:' <<<"$log" >/dev/null
}

t=$SECONDS
echo "arm64: module against $(basename "$kdir")"
no_warnings make -C "$kdir" M="$out/src" ARCH=arm64 \
	CROSS_COMPILE="$A64_CROSS" W=1 -j"$jobs" modules >&2 ||
	die "arm64 module build failed or warned"
cp "$out/src/module/tunpin.ko" "$out/tunpin.ko"
echo "arm64: module built ($((SECONDS - t)) s)"
t=$SECONDS

# pkg-config finds libmnl and json-c in the arm64 sysroot.
export PKG_CONFIG_SYSROOT_DIR=$sysroot
export PKG_CONFIG_LIBDIR=$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig
ksft=(-C "$TUNPIN_SRC/selftests" KSFT_DIR="$lsrc/tools/testing/selftests"
      OUTPUT="$out/tests")
sysinc=-I$sysroot/usr/include
echo "arm64: selftests"
# Static, but for the users of libmnl (see fetch.sh).
make -s -j"$jobs" "${ksft[@]}" CC="${A64_CROSS}gcc -static" \
	"$out/tests/module" "$out/tests/datapath" "$out/tests/offload" >&2
make -s "${ksft[@]}" CC="${A64_CROSS}gcc $sysinc" "$out/tests/control" >&2
rm -f "$out/tests/offload_32"
if grep -qx 'CONFIG_COMPAT=y' "$cache/kernel/boot/config-$(cat "$cache/kver")"
then
	make -s "${ksft[@]}" CC32="${A64_CROSS32}gcc" "$out/tests/offload_32" >&2
fi

echo "arm64: selftests built ($((SECONDS - t)) s)"
t=$SECONDS
make -s -j"$jobs" -C "$out/src/tools/tunpin" CC="${A64_CROSS}gcc" tunpin >&2
cp "$out/src/tools/tunpin/tunpin" "$out/tunpin"
echo "arm64: tool built ($((SECONDS - t)) s)"
