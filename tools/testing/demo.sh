#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot the VM, load tunpin, show a real QEMU offering UFO to a
# guest, pin a level without it, show the same QEMU offer without UFO.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$TUNPIN_SRC"

"$(dirname "$0")/deps.sh"
kver=$(debian_kver)
echo "demo: building tunpin.ko for $kver"
mkdir -p build
make -s -C "/lib/modules/$kver/build" M="$TUNPIN_SRC" modules \
	>build/demo-build.log 2>&1 || { cat build/demo-build.log; exit 1; }
echo "demo: booting Debian's $kver under QEMU (about 10 s)"
"$(dirname "$0")/vm/run.sh" -t 300 -o "$TUNPIN_SRC/build/demo" -- \
	bash "$TUNPIN_SRC/tools/testing/demo-guest.sh" \
	"$TUNPIN_SRC/module/tunpin.ko" | grep -v '^\[ *[0-9.]*\] \(sysrq\|reboot\)'
