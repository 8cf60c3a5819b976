#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cross-build everything the arm64 guest runs, into OUT (default
# build/arm64): tunpin.ko against Debian's arm64 headers (W=1, not a single
# warning), the C kselftests (static; the compat-path one for 32-bit ARM if
# the kernel has CONFIG_COMPAT) and the tool. The module and the tool are
# built from a copy of their sources (a64_src in common.sh), so the x86
# objects in module/ and tools/tunpin/ are left alone; OUT gets tunpin.ko,
# the tool and tests/. Usage: build.sh [OUT]
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$(mkdir -p "${1:-$TUNPIN_SRC/build/arm64}" && cd "${1:-$TUNPIN_SRC/build/arm64}" && pwd)
cache=$("$A64_DIR/fetch.sh")
kdir=$(cat "$cache/kdir")
sysroot=$cache/sysroot
src=$(a64_src)
lsrc=$("$TUNPIN_SRC/tools/testing/linux-source.sh")
jobs=$(nproc)

# The copy: only changed files are rewritten, so make rebuilds only them.
sync_tree() {
	local f
	(cd "$TUNPIN_SRC" && find Kbuild dkms.conf include tools/gen-caps.sh \
		tools/gen-errnames.sh module tools/tunpin -type f \
		\( -name '*.[ch]' -o -name Kbuild -o -name 'Kbuild.*' \
		   -o -name Makefile -o -name dkms.conf -o -name '*.sh' \) \
		! -name '*.mod.c' ! -name caps-gen.h ! -name errnames-gen.h) |
	while read -r f; do
		cmp -s "$TUNPIN_SRC/$f" "$src/$f" && continue
		mkdir -p "$src/$(dirname "$f")"
		cp "$TUNPIN_SRC/$f" "$src/$f"
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

# The module builds beside the userspace programs: most of kbuild's time
# is spent in serial steps.
kmake() { make -C "$kdir" M="$src" ARCH=arm64 CROSS_COMPILE="$A64_CROSS" "$@"; }
module() {
	local t=$SECONDS
	if ! no_warnings kmake W=1 -j"$jobs" modules; then
		# Not a single object of a build that warned is kept: the next
		# run compiles (and warns) again.
		kmake clean >/dev/null 2>&1
		return 1
	fi
	cp "$src/module/tunpin.ko" "$out/tunpin.ko"
	echo "arm64: module built ($((SECONDS - t)) s)"
}
echo "arm64: module against $(basename "$kdir")"
module >"$out/module.log" 2>&1 &
module_pid=$!
t=$SECONDS

# pkg-config finds libmnl and json-c in the arm64 sysroot.
export PKG_CONFIG_SYSROOT_DIR=$sysroot
export PKG_CONFIG_LIBDIR=$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig
ksft=(-C "$TUNPIN_SRC/selftests" KSFT_DIR="$lsrc/tools/testing/selftests"
      OUTPUT="$out/tests")
sysinc=-I$sysroot/usr/include
# Static, but for the users of libmnl (see fetch.sh).
make -s -j"$jobs" "${ksft[@]}" CC="${A64_CROSS}gcc -static" \
	"$out/tests/module" "$out/tests/datapath" "$out/tests/offload" >&2
make -s "${ksft[@]}" CC="${A64_CROSS}gcc $sysinc" "$out/tests/control" >&2
if grep -qx 'CONFIG_COMPAT=y' "$cache/kernel/boot/config-$(cat "$cache/kver")"
then
	make -s "${ksft[@]}" CC32="${A64_CROSS32}gcc" "$out/tests/offload_32" >&2
else
	rm -f "$out/tests/offload_32"	# the runner reports it skipped
fi

echo "arm64: selftests built ($((SECONDS - t)) s)"
t=$SECONDS
make -s -j"$jobs" -C "$src/tools/tunpin" CC="${A64_CROSS}gcc" tunpin >&2
cp "$src/tools/tunpin/tunpin" "$out/tunpin"
echo "arm64: tool built ($((SECONDS - t)) s)"

if ! wait "$module_pid"; then
	cat "$out/module.log" >&2
	die "arm64 module build failed or warned"
fi
tail -n1 "$out/module.log"
