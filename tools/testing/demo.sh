#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot the VM, load tunpin, show a real QEMU offering UFO to a
# guest, pin a level without it, show the same QEMU offer without UFO.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$TUNPIN_SRC"

"$(dirname "$0")/deps.sh"
lane=${TUNPIN_DEMO_LANE:-6.1}
out=$TUNPIN_SRC/build/lanes/$lane
echo "demo: building tunpin.ko in the $lane lane's root"
mkdir -p "$out"
"$(dirname "$0")/lane-build.sh" "$lane" "$out" copy module tool \
	>"$out/demo-build.log" 2>&1 || { cat "$out/demo-build.log"; exit 1; }
root=$(lane_root "$lane")
echo "demo: booting Debian's $(cat "$root/.kver") under QEMU (about 10 s)"
"$(dirname "$0")/vm/run.sh" -r "$root" -t 300 -o "$out/demo" -m "$TUNPIN_SRC/build" -- \
	bash "$TUNPIN_SRC/tools/testing/demo-guest.sh" \
	"$out/src/module/tunpin.ko" | grep -v '^\[ *[0-9.]*\] \(sysrq\|reboot\)'
