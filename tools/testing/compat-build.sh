#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build tunpin.ko for each kernel of the compat matrix (Documentation/
# compat.rst) in a build-only Debian root of its release, with that
# release's compiler, W=1 and sparse (C=2), and fail unless the build
# printed no warning, sparse checked every file and tunpin.ko was made.
# Usage: compat-build.sh [SUITE...]   (default: all four)
#   bullseye 5.10, bookworm 6.1, bookworm-backports 6.12, sid 7.2
# Roots live in $TUNPIN_COMPAT_ROOTS/<suite> (/var/tmp/tunpin-compat),
# made once by mmdebstrap with their own apt state, from the archive this
# machine's apt uses; they are entered in a private mount namespace (proc,
# dev, the tree read-only at /tunpin) and the build runs on a copy in the
# root's /tmp. Nothing stays mounted; the host's apt is not touched.
set -euo pipefail
. "$(dirname "$0")/common.sh"

roots=${TUNPIN_COMPAT_ROOTS:-/var/tmp/tunpin-compat}
suites=${*:-bullseye bookworm bookworm-backports sid}

mkroot() {	# mkroot SUITE DIR
	local suite=$1 dir=$2 uri pkgs=build-essential,linux-headers-amd64,sparse,kmod
	local opts=(--variant=apt) src dist=${1%-backports}
	uri=$(debian_uri)
	[ -n "$uri" ] || die "no Debian archive in this machine's apt sources"
	case $suite in
	bullseye) src=("deb $uri bullseye main") ;;
	bookworm) src=("deb $uri bookworm main") ;;
	bookworm-backports)
		src=("deb $uri bookworm main" "deb $uri bookworm-backports main")
		opts+=(--aptopt='APT::Default-Release "bookworm-backports"')
		pkgs+=,pahole ;;	# 6.12+ headers have a vmlinux: BTF
	sid)	src=("deb $uri sid main")
		opts+=(--aptopt='Acquire::Check-Valid-Until "false"')
		pkgs+=,pahole ;;
	*) die "unknown suite $suite" ;;
	esac
	need_pkgs mmdebstrap
	mmdebstrap "${opts[@]}" --include="$pkgs" "$dist" "$dir.new" \
		"${src[@]}" >"$dir.log" 2>&1 || die "mmdebstrap $suite: see $dir.log"
	mv "$dir.new" "$dir"
}

# In the root. A kbuild missing scripts/checker-valid.sh (Debian's 7.2)
# would turn sparse off: run its test here, then force the checker on.
# shellcheck disable=SC2016 # expanded in the root
job='
set -eu
kver=$(ls /lib/modules | tail -n1)
kdir=/lib/modules/$kver/build extra=
if grep -qs checker-valid.sh $(sed -n "s/^include //p" $kdir/Makefile) &&
   [ ! -e $kdir/scripts/checker-valid.sh ]; then
	printf "%s\n" "static inline int u(const int *q)" "{" \
		"	__typeof_unqual__(*q) v = *q;" "	return v;" "}" >/tmp/cv.c
	if sparse /tmp/cv.c 2>&1 | grep -q error; then
		echo "compat-build: this sparse is too old for $kver"; exit 1
	fi
	extra=KBUILD_CHECKSRC=2
fi
echo "compat-build: $kver, $(gcc --version | head -n1), sparse $(sparse --version)"
rm -rf /tmp/tunpin && mkdir /tmp/tunpin && cd /tunpin
cp -a --parents Kbuild dkms.conf module include tools/gen-caps.sh /tmp/tunpin
cd /tmp/tunpin && make -s -C $kdir M=$PWD clean
nc=$(ls module/*.c | wc -l) rc=0
make -C $kdir M=$PWD modules W=1 C=2 $extra >build.log 2>&1 || rc=$?
cat build.log
[ $rc -eq 0 ] || { echo "compat-build: make failed"; exit 1; }
! grep -E "warning|error" build.log || { echo "compat-build: warnings"; exit 1; }
[ $(grep -c " CHECK " build.log) -eq $nc ] ||
	{ echo "compat-build: sparse did not check all $nc files"; exit 1; }
[ -s module/tunpin.ko ] || { echo "compat-build: no tunpin.ko"; exit 1; }
'

failed=0
# shellcheck disable=SC2016 # expanded by the inner bash
for suite in $suites; do
	root=$roots/$suite
	[ -d "$root" ] || { mkdir -p "$roots"; mkroot "$suite" "$root"; }
	mkdir -p "$root/tunpin"
	if unshare --mount --propagation private bash -euc '
		mount --rbind /dev "$1/dev"
		mount -t proc proc "$1/proc"
		mount --bind -o ro "$2" "$1/tunpin"
		exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 bash -c "$3"' \
		compat-build "$root" "$TUNPIN_SRC" "$job"; then
		echo "ok: $suite"
	else
		echo "FAILED: $suite"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
