# SPDX-License-Identifier: GPL-2.0
# Shared settings of the arm64 lane, sourced by the scripts beside it (on
# top of ../common.sh). The arm64 kernel is Debian's, of the same ABI
# number as the x86-64 one the main VM boots: 6.1.0-56-amd64 -> 6.1.0-56-arm64.
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

A64_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
A64_CROSS=aarch64-linux-gnu-
A64_CROSS32=arm-linux-gnueabihf-
# Packages the host needs: the cross compilers (64-bit and, for the compat
# ioctl path, 32-bit), their C libraries, QEMU, the initramfs tools.
A64_HOST_PKGS=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	       gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	       qemu-system-arm make pkg-config cpio kmod)

# The ABI number shared by both architectures (6.1.0-56).
a64_abi() {
	local k
	k=$(debian_kver) || return 1
	echo "${k%-*}"
}

# The unpacked cache of this ABI: kbuild/ (headers), kernel/ (image and
# modules), sysroot/ (arm64 libraries and programs). fetch.sh fills it.
a64_cache() {
	echo "$TUNPIN_CACHE/arm64/$(a64_abi)"
}

# Where the module and the tool are cross-built: a copy of their sources,
# one per checkout, outside the tree. Not under build/: the x86 lane's
# `make M=<tree> clean` deletes every *.o and *.ko below the tree.
a64_src() {
	echo "$TUNPIN_CACHE/arm64/src/$(echo "$TUNPIN_SRC" | sha1sum | cut -c1-12)"
}
