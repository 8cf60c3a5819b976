# SPDX-License-Identifier: GPL-2.0
# Shared settings of the test harness, sourced by the scripts beside it.

TUNPIN_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TUNPIN_CACHE=${TUNPIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tunpin}
# The Debian metapackage that names the VM's kernel; its headers package
# (linux-headers-<same suffix>) is what the module is built against.
TUNPIN_KPKG=${TUNPIN_KPKG:-linux-image-amd64}

die() { echo "tunpin: $*" >&2; exit 1; }

# The concrete kernel release behind the metapackage, e.g. 6.1.0-56-amd64.
debian_kver() {
	local dep
	dep=$(apt-cache depends "$TUNPIN_KPKG" 2>/dev/null |
	      sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n1)
	[ -n "$dep" ] || die "cannot resolve $TUNPIN_KPKG (apt-get update?)"
	echo "$dep"
}

# The Linux source tree version the selftest harness headers come from.
LINUX_SOURCE_PKG=${LINUX_SOURCE_PKG:-linux-source-6.1}
