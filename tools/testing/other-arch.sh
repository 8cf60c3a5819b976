#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Any architecture but x86-64 and arm64 refuses to build, naming what to
# port: module/arch.h preprocessed as for a kernel of neither (a stub
# <linux/ptrace.h>; kbuild defines CONFIG_X86_64 or CONFIG_ARM64, or not).
set -euo pipefail
. "$(dirname "$0")/common.sh"

stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/linux"
echo 'struct pt_regs;' >"$stub/linux/ptrace.h"
for arch in "" -DCONFIG_X86_64 -DCONFIG_ARM64; do
	out=$(echo '#include "arch.h"' | gcc $arch -E -o /dev/null \
		-I"$stub" -I"$TUNPIN_SRC/module" -x c - 2>&1) && rc=0 || rc=$?
	case "$arch:$rc" in
	:0) die "arch.h builds for an unknown architecture" ;;
	:*) grep -q 'error: #error .*port the tunpin_regs_\*() helpers' <<<"$out" ||
		die "arch.h refuses without naming the helpers: $out" ;;
	*:0) ;;
	*) die "arch.h fails with $arch: $out" ;;
	esac
done
echo "ok: only x86-64 and arm64 build; others are told to port tunpin_regs_*()"
