#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DKMS: Debian's dkms adds, builds and installs tunpin.ko for Debian's 6.1
# kernel (common.sh's debian_kver) from the source tree `make install-dkms`
# produces, or, with -s DIR, from DIR/tunpin-<version> (pkg.sh passes the
# unpacked tunpin-dkms package's usr/src). Everything happens in scratch
# source, dkms and module trees (--sourcetree, --dkmstree, --installtree,
# --no-depmod, a scratch signing key): /usr/src, /var/lib/dkms and
# /lib/modules are not touched. Needs root (dkms does). Ends with one line
# "N passed, N failed" and fails on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$TUNPIN_SRC" || exit

src=
while getopts s: opt; do
	case $opt in
	s) src=$(cd "$OPTARG" && pwd) || die "no directory $OPTARG" ;;
	*) die "usage: $0 [-s SOURCETREE]" ;;
	esac
done

[ "$(id -u)" -eq 0 ] || die "dkms needs root"
need_pkgs dkms kmod make gcc "$TUNPIN_HPKG" "$TUNPIN_RT_HPKG" ||
	die "cannot install dkms"

VER=$(tunpin_version)
[ -n "$VER" ] || die "no PACKAGE_VERSION in dkms.conf"
KVER=$(debian_kver)
ARCH=$(uname -m)
BUILD=${BUILD:-$TUNPIN_SRC/build}
log=$BUILD/dkms
rm -rf "$log"
mkdir -p "$log"
tmp=$(mktemp -d)
# A signing key of our own: dkms signs with /var/lib/dkms/mok.key,
# creating it, unless told otherwise (these come from the environment).
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
if [ -z "$src" ]; then
	src=$tmp/src
	make -s install-dkms DESTDIR="$tmp" DKMSDIR=/src/tunpin-"$VER" ||
		die "make install-dkms failed"
fi
trees=(--sourcetree "$src" --dkmstree "$tmp/dkms" --installtree "$tmp/modules")
mkdir -p "$tmp/dkms" "$tmp/modules/$KVER"
passed=0 failed=0

cleanup() {
	dkms remove -m tunpin -v "$VER" --all "${trees[@]}" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok: $1"; }
nok() {
	failed=$((failed + 1))
	echo "FAILED: $1${2:+ ($2)}"
}
# step NAME COMMAND...: a pass/fail gate, output in $log/NAME.log
step() {
	local name=$1
	shift
	if "$@" >"$log/$name.log" 2>&1; then
		ok "$name"
	else
		nok "$name" "log: $log/$name.log"
		tail -n 30 "$log/$name.log" | sed 's/^/    /'
		# the compiler's own words, if dkms got that far
		[ -f "$tmp/dkms/tunpin/$VER/build/make.log" ] &&
			tail -n 30 "$tmp/dkms/tunpin/$VER/build/make.log" |
			sed 's/^/    make.log: /'
	fi
}
dkms_() { dkms "$@" -m tunpin -v "$VER" "${trees[@]}"; }
status() { dkms status -m tunpin -v "$VER" -k "$KVER" "${trees[@]}" 2>&1; }
# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "want '$2', got '$3'"; fi
}

echo "dkms: tunpin $VER for $KVER ($ARCH), sources in $src/tunpin-$VER"
bad=
for f in dkms.conf Kbuild Makefile module/Kbuild module/main.c \
	 include/uapi/linux/tunpin.h tools/gen-caps.sh; do
	[ -f "$src/tunpin-$VER/$f" ] || bad+=" no $f;"
done
# module/caps-gen.h is generated at build time, by the shipped generator.
[ -e "$src/tunpin-$VER/module/caps-gen.h" ] && bad+=" a generated caps-gen.h;"
if [ -z "$bad" ]; then ok "source tree"; else nok "source tree" "${bad# }"; fi

step add dkms_ add
step build dkms_ build -k "$KVER"
ko=$(find "$tmp/dkms/tunpin/$VER/$KVER/$ARCH/module" -name 'tunpin.ko*' \
	2>/dev/null | head -n1)
if [ -n "$ko" ]; then
	ok "built $(basename "$ko")"
	expect "modinfo version" "$VER" "$(modinfo -F version "$ko")"
	expect "modinfo depends" "tap,tun" \
		"$(modinfo -F depends "$ko" | tr ',' '\n' | sort | paste -sd,)"
	expect "modinfo vermagic" "$KVER" \
		"$(modinfo -F vermagic "$ko" | cut -d' ' -f1)"
else
	nok "built tunpin.ko" "none under $tmp/dkms/tunpin/$VER/$KVER/$ARCH"
fi
expect "status built" "tunpin/$VER, $KVER, $ARCH: built" "$(status)"

step install dkms_ install -k "$KVER" --no-depmod
inst=$(find "$tmp/modules/$KVER/updates/dkms" -name 'tunpin.ko*' 2>/dev/null)
if [ -n "$inst" ]; then
	ok "installed in updates/dkms"
else
	nok "installed in updates/dkms" "$(find "$tmp/modules" -type f)"
fi
expect "status installed" "tunpin/$VER, $KVER, $ARCH: installed" "$(status)"

# What a kernel upgrade runs (/etc/kernel/postinst.d/dkms ->
# dkms_autoinstaller -> dkms autoinstall): builds and installs every
# AUTOINSTALL="yes" module not yet installed for that kernel.
step unbuild dkms_ unbuild -k "$KVER" --no-depmod
expect "status added" "tunpin/$VER: added" \
	"$(dkms status -m tunpin -v "$VER" "${trees[@]}" 2>&1)"
step autoinstall dkms autoinstall -k "$KVER" --no-depmod "${trees[@]}"
expect "status autoinstalled" "tunpin/$VER, $KVER, $ARCH: installed" "$(status)"

# A PREEMPT_RT kernel (Debian's linux-image-rt-*), which tunpin refuses
# (module/main.c): dkms.conf's BUILD_EXCLUSIVE_CONFIG excludes it, so an
# upgrade to one builds nothing rather than a module that will not load.
# dkms says so and exits 77, its "skipped".
RTKVER=$(TUNPIN_HPKG=$TUNPIN_RT_HPKG debian_kver)
out=$(dkms_ build -k "$RTKVER" 2>&1) && rc=0 || rc=$?
echo "$out" >"$log/build-rt.log"
expect "RT kernel $RTKVER: build skipped (77)" 77 "$rc"
if grep -q BUILD_EXCLUSIVE <<<"$out"; then
	ok "RT kernel: dkms names BUILD_EXCLUSIVE"
else
	nok "RT kernel: dkms names BUILD_EXCLUSIVE" "log: $log/build-rt.log"
fi
expect "RT kernel: no tunpin.ko" "" \
	"$(find "$tmp/dkms/tunpin/$VER/$RTKVER" -name 'tunpin.ko*' 2>/dev/null)"

step remove dkms_ remove --all --no-depmod
expect "status removed" "" \
	"$(dkms status -m tunpin "${trees[@]}" 2>&1)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
