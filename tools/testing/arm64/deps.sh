#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host packages of the arm64 lane: arm64 as a foreign dpkg architecture
# (for `apt-get download PKG:arm64`; nothing of arm64 is installed), the
# cross compilers, qemu-system-aarch64. Idempotent; root only when
# something is missing. Runs beside the x86 lane's deps.sh: while apt or
# dpkg is locked, it waits (up to 10 minutes).
set -euo pipefail
. "$(dirname "$0")/common.sh"

retry() {	# retry COMMAND...: until it succeeds, 120 times 5 s at most
	local i
	for i in $(seq 120); do
		"$@" && return 0
		echo "tunpin: '$*' failed (apt busy?), retrying" >&2
		sleep 5
	done
	return 1
}
update() { apt-get update -qq; }
add_arch() { dpkg --add-architecture arm64 && update; }

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" -eq 0 ] || die "run as root: dpkg --add-architecture arm64"
	echo "tunpin: adding arm64 as a foreign architecture"
	retry add_arch || die "dpkg --add-architecture arm64 failed"
fi
# The arm64 package lists may be missing even with the architecture added.
if ! apt-cache show libmnl0:arm64 >/dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] || die "run as root: apt-get update"
	retry update || die "apt-get update failed"
fi
retry need_pkgs "${A64_HOST_PKGS[@]}" || die "cannot install ${A64_HOST_PKGS[*]}"
