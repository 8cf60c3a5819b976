#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Debian packages: build the source package, tunpin and tunpin-dkms with
# `dpkg-buildpackage -us -uc` from a scratch copy of the working tree
# (`git ls-files -co --exclude-standard`: committed and uncommitted files,
# not ignored ones); run lintian on the .changes, so on the source
# (debian/copyright, control) and both packages: no error allowed, the
# warnings are listed; check what the packages hold and do, verify the
# unit, and build the packaged module sources with dkms (dkms.sh -s).
# Needs root (it installs what is missing; dkms). Ends with one line
# "N passed, N failed" and fails on any failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$TUNPIN_SRC" || exit

need_pkgs dpkg-dev debhelper dh-dkms lintian make gcc pkg-config \
	libmnl-dev libjson-c-dev systemd || die "cannot install the packages"

VER=$(tunpin_version)
[ -n "$VER" ] || die "no PACKAGE_VERSION in dkms.conf"
BUILD=${BUILD:-$TUNPIN_SRC/build}
log=$BUILD/pkg
rm -rf "$log"
mkdir -p "$log"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 todo=0

ok() { passed=$((passed + 1)); echo "ok: $1"; }
nok() {
	failed=$((failed + 1))
	echo "FAILED: $1${2:+ ($2)}"
}
# step NAME COMMAND...: a pass/fail gate, output in $log/NAME.log
step() {
	local name=$1 file
	shift
	file=$log/$(tr -c 'A-Za-z0-9._\n-' - <<<"$name" | tr -s -).log
	if "$@" >"$file" 2>&1; then
		ok "$name"
	else
		nok "$name" "log: $file"
		tail -n 30 "$file" | sed 's/^/    /'
		return 1
	fi
}
# is NAME COMMAND...: passes iff COMMAND succeeds
is() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "want '$2', got '$3'"; fi
}
# has NAME FILE PATTERN: FILE has a line matching the extended regex
has() {
	if grep -qE -- "$3" "$2"; then ok "$1"; else nok "$1" "no /$3/ in $2"; fi
}

# One version: dkms.conf's (the tool's Makefile passes it to the tool); the
# changelog (dpkg's) and the man page's copy must agree with it.
expect "version: debian/changelog" "$VER" "$(dpkg-parsechangelog -S Version)"
expect "version: tunpin.8" "$VER" "$(sed -n \
	's/^\.TH .*"tunpin \([^"]*\)".*/\1/p' tools/tunpin/tunpin.8)"

src=$tmp/tunpin-$VER
mkdir -p "$src"
git ls-files -co --exclude-standard -z |
	while IFS= read -r -d '' f; do	# not those deleted, not yet committed
		[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
	done | xargs -0 cp -a --parents -t "$src" ||
	die "cannot copy the working tree"
echo "pkg: building tunpin $VER in $src"
if ! step dpkg-buildpackage env -C "$src" dpkg-buildpackage -us -uc; then
	echo "$passed passed, $failed failed"
	exit 1
fi
cp "$tmp"/tunpin*_* "$log"/

arch=$(dpkg --print-architecture)
tool=$tmp/tunpin_${VER}_$arch.deb
dkms=$tmp/tunpin-dkms_${VER}_all.deb
changes=$tmp/tunpin_${VER}_$arch.changes
for f in "$tool" "$dkms" "$changes" "$tmp/tunpin_$VER.dsc"; do
	is "built $(basename "$f")" test -f "$f"
done

# lintian: errors fail; warnings, and the info, pedantic and experimental
# tags, are listed.
lintian --tag-display-limit 0 -I -E --pedantic "$changes" \
	>"$log/lintian.log" 2>&1
grep -E '^[EWIPX]: ' "$log/lintian.log" | sed 's/^/    lintian: /'
nerr=$(grep -c '^E: ' "$log/lintian.log")
nwarn=$(grep -c '^W: ' "$log/lintian.log")
nother=$(grep -cE '^[IPX]: ' "$log/lintian.log")
expect "lintian: no errors" 0 "$nerr"
echo "pkg: lintian: $nerr errors, $nwarn warnings, $nother info/pedantic/experimental (log: $log/lintian.log)"

# What the packages hold.
for p in "$tool" "$dkms"; do
	d=$tmp/x/$(basename "$p" .deb)
	mkdir -p "$d"
	dpkg-deb -x "$p" "$d"
	dpkg-deb -e "$p" "$d/DEBIAN"
done
t=$tmp/x/tunpin_${VER}_$arch
k=$tmp/x/tunpin-dkms_${VER}_all
for f in usr/sbin/tunpin usr/share/man/man8/tunpin.8.gz \
	 usr/share/bash-completion/completions/tunpin \
	 lib/systemd/system/tunpin.service \
	 lib/systemd/system/modprobe@tunpin.service.d/tunpin.conf \
	 lib/systemd/system/tunpin-metrics.service \
	 lib/systemd/system/tunpin-metrics.timer \
	 usr/share/doc/tunpin/copyright; do
	is "tunpin: /$f" test -f "$t/$f"
done
for f in dump level state commands; do
	is "tunpin: the $f schema" test -f "$t/usr/share/tunpin/schema/$f.schema.json"
done
# contrib/ as examples, each directory whole but for its tests (they run
# in the tree), uncompressed; the libvirt hook executable; the Ansible role
# in Ansible's roles path, its site.yml and README.md examples.
ex=usr/share/doc/tunpin/examples
for d in libvirt systemd; do
	expect "tunpin: /$ex/$d is contrib/$d" \
		"$(git ls-files -co --exclude-standard "contrib/$d" |
		   sed "s|^contrib/$d/||" | grep -v '^test-' | sort)" \
		"$(find "$t/$ex/$d" -type f -printf '%P\n' 2>/dev/null | sort)"
done
is "tunpin: /$ex/libvirt/qemu executable" test -x "$t/$ex/libvirt/qemu"
roles=usr/share/ansible/roles
expect "tunpin: /$roles/tunpin is contrib/ansible/roles/tunpin" \
	"$(git ls-files -co --exclude-standard contrib/ansible/roles/tunpin |
	   sed 's|^contrib/ansible/roles/tunpin/||' | grep -vx README.md | sort)" \
	"$(find "$t/$roles/tunpin" -type f -printf '%P\n' 2>/dev/null | sort)"
expect "tunpin: /$ex/ansible is the role's site.yml and README.md" \
	"README.md site.yml" \
	"$(find "$t/$ex/ansible" -type f -printf '%P\n' 2>/dev/null | sort | paste -sd ' ')"
is "tunpin: nothing else in /$ex" test -z \
	"$(find "$t/$ex" -mindepth 1 -maxdepth 1 ! -name ansible ! -name libvirt \
	   ! -name systemd)"
ks=usr/src/tunpin-$VER
for f in dkms.conf Kbuild Makefile module/Kbuild module/main.c \
	 module/tunpin.h include/uapi/linux/tunpin.h tools/gen-caps.sh; do
	is "tunpin-dkms: /$ks/$f" test -f "$k/$ks/$f"
done
expect "tunpin-dkms: all of module/ shipped" \
	"$(git ls-files -co --exclude-standard module | sed 's|^module/||' | sort)" \
	"$(find "$k/$ks/module" -type f -printf '%P\n' | sort)"
expect "tunpin: sbin/tunpin runs" "tunpin $VER" "$("$t/usr/sbin/tunpin" --version)"
expect "tunpin-dkms: Architecture" all "$(dpkg-deb -f "$dkms" Architecture)"
has "tunpin-dkms: Depends dkms" <(dpkg-deb -f "$dkms" Depends) '(^|, )dkms'
has "tunpin: Depends kmod" <(dpkg-deb -f "$tool" Depends) '(^|, )kmod(,|$| )'
has "tunpin: Depends libmnl, libjson-c" <(dpkg-deb -f "$tool" Depends) \
	'libmnl0.*libjson-c5|libjson-c5.*libmnl0'
# dh_dkms: dkms add/build/install on installation, remove on removal.
has "tunpin-dkms: postinst runs dkms" "$k/DEBIAN/postinst" \
	'/usr/lib/dkms/common.postinst'
has "tunpin-dkms: postinst names tunpin $VER" "$k/DEBIAN/postinst" \
	"^DKMS_VERSION=$VER\$"
has "tunpin-dkms: prerm removes" "$k/DEBIAN/prerm" 'dkms remove'
# dh_installsystemd --no-start: enabled, not started.
has "tunpin: postinst enables tunpin.service" "$t/DEBIAN/postinst" \
	'deb-systemd-helper .*enable.*tunpin.service'
if grep -q 'deb-systemd-invoke .*start' "$t/DEBIAN/postinst"; then
	nok "tunpin: postinst does not start tunpin.service"
else
	ok "tunpin: postinst does not start tunpin.service"
fi
# --no-enable --no-start: the metrics timer is known to
# deb-systemd-helper (purged with the package), enabled only again
# where the operator had enabled it.
has "tunpin: postinst knows tunpin-metrics.timer" "$t/DEBIAN/postinst" \
	"deb-systemd-helper update-state 'tunpin-metrics.timer'"
expect "tunpin: postinst does not enable tunpin-metrics.timer unasked" \
	"$(grep -c "deb-systemd-helper enable 'tunpin-metrics.timer'" "$t/DEBIAN/postinst")" \
	"$(grep -c "was-enabled 'tunpin-metrics.timer'" "$t/DEBIAN/postinst")"
has "tunpin: postrm purges the saved state" "$t/DEBIAN/postrm" \
	'rm -f /etc/tunpin/state.json /etc/modprobe.d/tunpin.conf'

# The units as shipped, against the shipped tool: tools/testing/systemd.sh
# --static (KTAP): verify, the exposure, the settings of tunpin.service and
# of tunpin-metrics.service and .timer. The units started by a real
# systemd, and the tool under their sandboxes, are the full lane's "unit"
# test, in a VM whose PID 1 is systemd.
bash "$TUNPIN_SRC/tools/testing/systemd.sh" --static "$t/lib/systemd/system" \
	"$t/usr/sbin/tunpin" >"$log/systemd.log" 2>&1
urc=$?
ufail=$failed
while IFS= read -r line; do
	case $line in
	"not ok "*"# TODO"*)
		todo=$((todo + 1))
		echo "todo: unit: ${line#not ok [0-9]* }" ;;
	"ok "*)	ok "unit: ${line#ok [0-9]* }" ;;
	*)	nok "unit: ${line#not ok [0-9]* }" "log: $log/systemd.log" ;;
	esac
done < <(grep -E '^(not )?ok ' "$log/systemd.log")
sed -n -e 's/^# exposure: /pkg: unit exposure (systemd-analyze security): /p' \
	-e 's/^# metrics exposure: /pkg: tunpin-metrics.service exposure: /p' \
	"$log/systemd.log"
[ "$urc" -ne 0 ] && [ "$failed" -eq "$ufail" ] &&
	nok "unit: tools/testing/systemd.sh" "status $urc; log: $log/systemd.log"

# The packaged module sources build and install with dkms.
step "tunpin-dkms: dkms builds the packaged sources" \
	env BUILD="$log" "$TUNPIN_SRC/tools/testing/dkms.sh" -s "$k/usr/src"

echo "$todo todo"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
