#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpack the few files we use from Debian's linux-source tarball (checkpatch,
# the kselftest harness headers and the kernel's own tun selftest) into the
# cache; print the directory.
# They are used where they are, never copied into the tree.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tarball=/usr/src/$LINUX_SOURCE_PKG.tar.xz
[ -f "$tarball" ] || die "$tarball missing: install $LINUX_SOURCE_PKG"
dir=$TUNPIN_CACHE/$LINUX_SOURCE_PKG
top=$(basename "$tarball" .tar.xz)
files=(
	scripts/checkpatch.pl scripts/spelling.txt
	scripts/const_structs.checkpatch
	tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/net/tun.c
)
# .done holds the list unpacked: a longer list unpacks anew.
if [ ! -f "$dir/.done" ] || [ "$tarball" -nt "$dir/.done" ] ||
   [ "$(cat "$dir/.done")" != "${files[*]}" ]; then
	rm -rf "$dir" && mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=1 \
		"${files[@]/#/$top/}"
	echo "${files[*]}" >"$dir/.done"
fi
echo "$dir"
