#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host packages of the arm64 lane: arm64 as a foreign dpkg architecture
# (for `apt-get download PKG:arm64`; nothing of arm64 is installed), the
# cross compilers, qemu-system-aarch64. Idempotent; root only when
# something is missing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" -eq 0 ] || die "run as root: dpkg --add-architecture arm64"
	echo "tunpin: adding arm64 as a foreign architecture"
	dpkg --add-architecture arm64
	apt-get update -qq
fi
# The arm64 package lists may be missing even with the architecture added.
if ! apt-cache show libmnl0:arm64 >/dev/null 2>&1; then
	[ "$(id -u)" -eq 0 ] || die "run as root: apt-get update"
	apt-get update -qq
fi
need_pkgs "${A64_HOST_PKGS[@]}"
