#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's kernel image for the VM and unpack it into the cache.
# Nothing is installed: `apt-get download` + `dpkg-deb -x`.
# Prints the unpacked tree's directory; its kernel release is in ./kver.
set -euo pipefail
. "$(dirname "$0")/../common.sh"

kver=${TUNPIN_KVER:-$(debian_kver)}
dir=$TUNPIN_CACHE/kernel/$kver
if [ ! -f "$dir/.done" ]; then
	rm -rf "$dir" && mkdir -p "$dir/deb"
	(cd "$dir/deb" && { apt-get download -q "linux-image-$kver" ||
		{ apt-get update -qq && apt-get download -q "linux-image-$kver"; }
	} >&2) || die "apt-get download linux-image-$kver failed"
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	rm -rf "$dir/deb"
	# The package leaves modules.dep to its postinst: make it here.
	depmod -b "$dir/root" "$kver"
	echo "$kver" >"$dir/kver"
	touch "$dir/.done"
fi
echo "$dir"
