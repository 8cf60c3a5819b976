#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a lane's binaries inside its root, with the release's own compiler,
# headers and libraries: tunpin.ko against the root's kernel (W=1, sparse
# C=2: no warning may be printed, and sparse must really run), the tool and
# the kselftests. Usage:
#   lane-build.sh LANE OUTDIR [PART...]
# PARTs: copy (the tree into OUTDIR/src), module, tool, selftests, bench
# (make bench's programs, in OUTDIR/bench); all but bench, in that order,
# by default. OUTDIR/src is a copy of the tree (the build happens there, so lanes never
# share objects), OUTDIR/selftests the test binaries. The root is entered
# in a private mount namespace (proc, dev and OUTDIR at /tunpin): nothing
# stays mounted, nothing in the cached root changes.
set -euo pipefail
. "$(dirname "$0")/common.sh"

lane=${1:?usage: lane-build.sh LANE OUTDIR [PART...]} out=${2:?usage: lane-build.sh LANE OUTDIR [PART...]}
shift 2
parts=${*:-copy module tool selftests}
root=$(lane_root "$lane")
kver=$(cat "$root/.kver")
lsrc=$("$(dirname "$0")/linux-source.sh")

mkdir -p "$out" "$root/tunpin"
out=$(cd "$out" && pwd)
if [[ " $parts " = *" copy "* ]]; then
	rm -rf "$out/src" "$out/ksft"
	mkdir -p "$out/src" "$out/ksft"
	(cd "$TUNPIN_SRC" && git ls-files -z --cached --others --exclude-standard |
		cpio -0pdm --quiet "$out/src")
	cp "$lsrc"/tools/testing/selftests/kselftest*.h "$out/ksft/"
	# The kernel's own tun selftest (selftests/upstream_tun.sh).
	if [ -f "$lsrc/tools/testing/selftests/net/tun.c" ]; then
		mkdir -p "$out/ksft/net"
		cp "$lsrc/tools/testing/selftests/net/tun.c" "$out/ksft/net/"
	fi
fi

# In the root: the module (kbuild prints "CHECK" for each file sparse
# checks: none means it did not run), the tool, the selftests.
# shellcheck disable=SC2016 # expanded in the root
job='
set -e
echo "lane-build: $(gcc --version | head -n1), $KVER"
quiet() {	# quiet COMMAND...: fails on a warning, prints everything
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	echo "$out"
	[ $rc -eq 0 ] && ! grep -E "warning:|error:" <<<"$out" >/dev/null
}
for part in $PARTS; do
	case $part in
	module)
		kdir=/lib/modules/$KVER/build checksrc=
		# A kbuild without the scripts/checker-valid.sh its Makefile
		# runs (Debian 7.2) turns sparse off: its test here, then
		# sparse forced on (Documentation/compat.rst).
		if grep -qs checker-valid.sh \
			$(sed -n "s/^include //p" $kdir/Makefile) $kdir/Makefile &&
		   [ ! -e $kdir/scripts/checker-valid.sh ]; then
			printf "%s\n" "static inline int u(const int *q)" "{" \
				"	__typeof_unqual__(*q) v = *q;" "	return v;" \
				"}" >/tmp/cv.c
			if sparse /tmp/cv.c 2>&1 | grep -q error; then
				echo "lane-build: this sparse is too old for $KVER"
				exit 1
			fi
			checksrc=KBUILD_CHECKSRC=2
			echo "lane-build: $kdir has no checker-valid.sh: $checksrc"
		fi
		make -C $kdir M=/tunpin/src clean >/dev/null
		quiet make -C $kdir M=/tunpin/src modules W=1 C=2 $checksrc \
			>/tunpin/module.log || { cat /tunpin/module.log; exit 1; }
		cat /tunpin/module.log
		grep -q " CHECK " /tunpin/module.log ||
			{ echo "lane-build: sparse did not run"; exit 1; } ;;
	tool)
		quiet make -C /tunpin/src/tools/tunpin ;;
	selftests)
		quiet make -C /tunpin/src/selftests OUTPUT=/tunpin/selftests \
			KSFT_DIR=/tunpin/ksft ;;
	bench)
		quiet make -C /tunpin/src/tools/testing/bench OUTPUT=/tunpin/bench ;;
	esac
done
'
unshare --mount --propagation private bash -euc '
	root=$1 out=$2
	mount --rbind /dev "$root/dev"
	mount -t proc proc "$root/proc"
	mount --bind "$out" "$root/tunpin"
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/tunpin LANG=C.UTF-8 KVER="$3" PARTS="$5" bash -c "$4"' \
	lane-build "$root" "$out" "$kver" "$job" "$parts"
