#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 lane of `make check` (`make check-arm64`): install what is
# missing, fetch Debian's arm64 kernel and headers into the cache,
# cross-build tunpin.ko (W=1, no warnings), the C kselftests and the tool,
# boot qemu-system-aarch64 (TCG, -machine virt, one CPU) on an initramfs of
# arm64 binaries and run the kselftests there. Prints the KTAP result
# lines, "arm64: N s in all" and, last, "N passed, N failed": the host
# steps (setup, other architectures refused, the build) plus every
# "# Totals:" of the guest. Exits non-zero on any failure, warning, guest
# splat or a VM that did not finish.
#   BUILD              output directory (default: build; the lane uses
#                      BUILD/arm64)
#   TUNPIN_A64_TIMEOUT seconds the VM may take (default 600)
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$TUNPIN_SRC"

out=${BUILD:-$TUNPIN_SRC/build}/arm64
mkdir -p "$out"
passed=0 failed=0

finish() {
	echo "arm64: $SECONDS s in all"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

log=$out
setup() {	# packages, the kernel download; the cache directory in a file
	"$A64_DIR/deps.sh" && "$A64_DIR/fetch.sh" >"$out/cache-dir"
}
step arm64-setup setup || finish
cache=$(cat "$out/cache-dir")
step other-arch-refused "$A64_DIR/other-arch.sh"
build() {
	"$A64_DIR/build.sh" "$out" &&
	"$A64_DIR/initramfs.sh" "$cache" "$out" "$out/initrd.cpio.gz"
}
step arm64-build build || finish
grep '^arm64: .* built' "$out/arm64-build.log" | sed 's/^/    /'

echo "arm64: booting $(cat "$cache/kver") under qemu-system-aarch64"
console=$out/console.log
"$A64_DIR/boot.sh" "$cache" "$out/initrd.cpio.gz" "$console" \
	"${TUNPIN_A64_TIMEOUT:-600}" >/dev/null
# The console has CRLF line ends.
sed -i 's/\r$//' "$console"
grep -aE '^(not )?ok |^# Totals' "$console"

read -r kpass kfail < <(grep -ao '# Totals: pass:[0-9]* fail:[0-9]*' \
	"$console" | awk -F'[: ]+' '{p += $4; f += $6} END {print p+0, f+0}')
passed=$((passed + kpass))
failed=$((failed + kfail))
if ! grep -aq '^tunpin-arm64: done$' "$console"; then
	echo "FAILED: the arm64 VM did not finish (console: $console)"
	failed=$((failed + 1))
fi
if ! awk -f "$TUNPIN_SRC/tools/testing/splats.awk" "$console" \
	>"$out/splats"; then
	echo "FAILED: the arm64 guest kernel logged a splat:"
	sed 's/^/    /' "$out/splats"
	failed=$((failed + 1))
fi

finish
