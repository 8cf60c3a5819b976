#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a lane's binaries inside its root, with the release's own compiler,
# headers and libraries: tunpin.ko against the root's kernel (W=1, sparse
# C=2: no warning may be printed, and sparse must really run), the tool and
# the kselftests. Usage:
#   lane-build.sh LANE OUTDIR [PART...]
# PARTs: copy (the tree into OUTDIR/src), module, tool, selftests, bench
# (make bench's programs, in OUTDIR/bench); all but bench, in that order,
# by default (a "refused" lane, tools/testing/matrix: copy and module).
# OUTDIR/src is a copy of the tree (the build happens there, so lanes never
# share objects), OUTDIR/selftests the test binaries. The root is entered
# in a private mount namespace (proc, dev and OUTDIR at /tunpin): nothing
# stays mounted, nothing in the cached root changes.
# A lane whose build architecture (tools/testing/matrix) is not its own is
# cross-built in the root of that architecture and the same suite, with
# the suite's cross compiler, against the lane's root mounted read-only at
# /sysroot: its kernel headers (its /usr/src over the build root's, and
# its linux-kbuild, the amd64 programs of the same version: vm/root.sh),
# its libc, libmnl and json-c (gcc --sysroot, pkg-config in /sysroot). The
# 32-bit compat test is built static with the 32-bit ARM compiler.
set -euo pipefail
. "$(dirname "$0")/common.sh"

lane=${1:?usage: lane-build.sh LANE OUTDIR [PART...]} out=${2:?usage: lane-build.sh LANE OUTDIR [PART...]}
shift 2
parts=${*:-copy module tool selftests}
# On a kernel tunpin refuses (tools/testing/matrix: "refused") the module
# is built W=1 without sparse: PREEMPT_RT's spinlocks are rtmutexes, whose
# lock annotations sparse reads as a context imbalance in every function
# that takes one, and the module never runs there.
sparse=1
if [ "$(lane_get "$lane" tests)" = refused ]; then
	sparse=0
	[ $# -eq 0 ] && parts="copy module"
fi
root=$(build_root "$lane")
sysroot=$(lane_root "$lane")
kver=$(cat "$sysroot/.kver")
arch=$(lane_get "$lane" arch) cross=
if [ "$arch" != "$(lane_get "$lane" build)" ]; then
	case $arch in
	arm64) cross=aarch64-linux-gnu- cross32=arm-linux-gnueabihf- ;;
	*) die "lane-build.sh: no cross compiler for $arch" ;;
	esac
fi
lsrc=$("$(dirname "$0")/linux-source.sh")

mkdir -p "$out" "$root/tunpin" "$root/sysroot"
out=$(cd "$out" && pwd)
if [[ " $parts " = *" copy "* ]]; then
	rm -rf "$out/src" "$out/ksft"
	mkdir -p "$out/src" "$out/ksft" "$out/selftests"
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
kdir=/lib/modules/$KVER/build kmake=() cc=gcc
if [ -n "$CROSS" ]; then
	# The kernel'"'"'s compiler is "gcc-N (Debian R) V" (built natively) or
	# "aarch64-linux-gnu-gcc-N (Debian R) V", ours the cross gcc-N, whose
	# Debian revision R may lag (bookworm: 12.2.0-14 for 12.2.0-14+deb12u1).
	# The same gcc release V, checked here, stands in for the Debian
	# headers'"'"' own check of the whole text.
	kdir=/usr/src/linux-headers-$KVER
	want=$(sed -n "s/^CONFIG_CC_VERSION_TEXT=\"[^ ]*gcc-\{0,1\}\([0-9]*\) \(.*\)\"$/\1 \2/p" \
		$kdir/.config)
	n=${want%% *}
	cc=${CROSS}gcc${n:+-$n}
	command -v $cc >/dev/null ||
		{ echo "lane-build: no $cc in the build root (the kernel: $want)"; exit 1; }
	have=$($cc --version | head -n1)
	[ "${have##* }" = "${want##* }" ] ||
		{ echo "lane-build: $cc is $have, the kernel'"'"'s ${want#* }"; exit 1; }
	echo "lane-build: the kernel'"'"'s gcc: ${want#* }"
	kmake=(ARCH=$KARCH CROSS_COMPILE=$CROSS CC=$cc
	       DEBIAN_KERNEL_NO_CC_VERSION_CHECK=1)
	ucc="$cc --sysroot=/sysroot"
	export PKG_CONFIG_SYSROOT_DIR=/sysroot
	export PKG_CONFIG_LIBDIR=/sysroot/usr/lib/$TRIPLET/pkgconfig:/sysroot/usr/share/pkgconfig
fi
echo "lane-build: $($cc --version | head -n1), $KVER"
quiet() {	# quiet COMMAND...: fails on a warning, prints everything
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	echo "$out"
	[ $rc -eq 0 ] && ! grep -E "warning:|error:" <<<"$out" >/dev/null
}
for part in $PARTS; do
	case $part in
	module)
		checksrc=
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
		make -C $kdir M=/tunpin/src "${kmake[@]}" clean >/dev/null
		if [ "$SPARSE" = 0 ]; then
			echo "lane-build: W=1 only: tunpin refuses this kernel"
			quiet make -j$JOBS -C $kdir M=/tunpin/src "${kmake[@]}" modules W=1 \
				>/tunpin/module.log || { cat /tunpin/module.log; exit 1; }
			cat /tunpin/module.log
			continue
		fi
		quiet make -j$JOBS -C $kdir M=/tunpin/src "${kmake[@]}" modules W=1 C=2 $checksrc \
			>/tunpin/module.log || { cat /tunpin/module.log; exit 1; }
		cat /tunpin/module.log
		grep -q " CHECK " /tunpin/module.log ||
			{ echo "lane-build: sparse did not run"; exit 1; } ;;
	tool)
		quiet make -j$JOBS -C /tunpin/src/tools/tunpin ${ucc:+CC="$ucc"} ;;
	selftests)
		quiet make -j$JOBS -C /tunpin/src/selftests OUTPUT=/tunpin/selftests \
			KSFT_DIR=/tunpin/ksft ${ucc:+CC="$ucc"} \
			${CROSS32:+CC32=${CROSS32}gcc} ;;
	bench)
		quiet make -j$JOBS -C /tunpin/src/tools/testing/bench OUTPUT=/tunpin/bench ;;
	esac
done
'
case $arch in
arm64) karch=arm64 triplet=aarch64-linux-gnu ;;
*) karch=x86 triplet=x86_64-linux-gnu ;;
esac
unshare --mount --propagation private bash -euc '
	root=$1 out=$2 sysroot=$6
	mount --rbind /dev "$root/dev"
	mount -t proc proc "$root/proc"
	mount --bind "$out" "$root/tunpin"
	if [ -n "$7" ]; then
		mount --bind -o ro "$sysroot" "$root/sysroot"
		mount --bind "$sysroot/usr/src" "$root/usr/src"
		for kb in "$sysroot"/usr/lib/linux-kbuild-*; do
			mkdir -p "$root/usr/lib/${kb##*/}"
			mount --bind "$kb" "$root/usr/lib/${kb##*/}"
		done
	fi
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/tunpin LANG=C.UTF-8 KVER="$3" PARTS="$5" CROSS="$7" \
		CROSS32="$8" KARCH="$9" TRIPLET="${10}" SPARSE="${11}" \
		JOBS="${12}" bash -c "$4"' \
	lane-build "$root" "$out" "$kver" "$job" "$parts" "$sysroot" \
	"$cross" "${cross32:-}" "$karch" "$triplet" "$sparse" "$(nproc)"
