#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's arm64 kernel, its headers and the arm64 userspace the
# guest needs into the cache, with `apt-get download` + `dpkg-deb -x`:
# nothing of arm64 is installed on the host. Prints the cache directory:
#   kbuild/   linux-headers-<abi>-arm64 + -common + the host's
#             linux-kbuild-6.1 (its scripts are amd64 binaries), so M=
#             modules cross-build with vermagic and Module.symvers of
#             Debian's arm64 image; KDIR is in ./kdir
#   kernel/   linux-image-<abi>-arm64 (vmlinuz: gzip'd Image), depmod run;
#             the release is in ./kver
#   sysroot/  arm64 libc, libmnl, json-c (static), busybox-static, iproute2
#             and the libraries ip needs
set -euo pipefail
. "$(dirname "$0")/common.sh"

abi=$(a64_abi)
kver=$abi-arm64
dir=$(a64_cache)
[ -f "$dir/.done" ] && { echo "$dir"; exit 0; }

"$A64_DIR/deps.sh" >&2
rm -rf "$dir" && mkdir -p "$dir/deb"
# apt's sandbox user cannot write into a root-owned cache: fetch as root.
# Stale lists (a newer point release) get one apt-get update.
dl() { (cd "$dir/deb" && apt-get download -q -o APT::Sandbox::User=root "$@") >&2; }
get() { dl "$@" || { apt-get update -qq >&2 && dl "$@"; }; }

get "linux-image-$kver" "linux-headers-$kver" "linux-headers-$abi-common" ||
	die "apt-get download of the arm64 $abi kernel failed"
# The kbuild scripts are host programs, of the same source version.
srcver=$(dpkg-deb -f "$dir"/deb/linux-headers-"$abi"-common_*.deb Version)
get "linux-kbuild-6.1:$(dpkg --print-architecture)=$srcver" ||
	die "apt-get download linux-kbuild-6.1=$srcver failed"

# Userspace: ip (iproute2, as the tests call it) is dynamic, so the guest
# gets arm64's glibc and ip's libraries too; libmnl has no static archive
# in Debian (libmnl-dev ships the .so only), so the programs that use it
# link it dynamically as well.
user=(libc6 libmnl0 libmnl-dev libjson-c-dev busybox-static iproute2
      libbpf1 libelf1 zlib1g libbsd0 libmd0 libcap2 libselinux1
      libpcre2-8-0 libtirpc3 libgssapi-krb5-2 libkrb5-3 libk5crypto3
      libkrb5support0 libcom-err2 libkeyutils1 libssl3 libdb5.3
      libxtables12)
get "${user[@]/%/:arm64}" || die "apt-get download of arm64 userspace failed"

mkdir -p "$dir/kbuild" "$dir/kernel" "$dir/sysroot"
for f in "$dir"/deb/linux-headers-*.deb "$dir"/deb/linux-kbuild-*.deb; do
	dpkg-deb -x "$f" "$dir/kbuild"
done
# The arch Makefile includes the common one by its absolute path.
kdir=$dir/kbuild/usr/src/linux-headers-$kver
sed -i "s|^include /usr/src/|include $dir/kbuild/usr/src/|" "$kdir/Makefile"
echo "$kdir" >"$dir/kdir"

dpkg-deb -x "$dir"/deb/linux-image-"$kver"_*.deb "$dir/kernel"
depmod -b "$dir/kernel" "$kver"
echo "$kver" >"$dir/kver"

for f in "$dir"/deb/*_arm64.deb; do
	case $f in */linux-*) continue ;; esac
	dpkg-deb -x "$f" "$dir/sysroot"
done
# json-c links statically: drop the shared library's link-time name.
rm -f "$dir"/sysroot/usr/lib/aarch64-linux-gnu/libjson-c.so
rm -rf "$dir/deb"
touch "$dir/.done"
echo "$dir"
