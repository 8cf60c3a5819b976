#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make (or reuse) the Debian root a lane's VM boots: the suite's own
# userspace (compiler, libmnl, json-c, QEMU, libvirt, Python), with the
# suite's kernel image and headers installed in it, so the module, the tool
# and the tests are built and run as on that release. Usage:
#   root.sh ROOT [ARCH]        ROOT as in tools/testing/matrix
# Prints the root's directory. The kernel release is in its .kver.
# Each recipe has its own directory, so a root in use by a VM is never
# replaced under it; the old one is removed once it is stale.
#
# The variant is "required" (Priority: required: mount, awk, ...), plus
# the packages below, without their Recommends.
# Roots live in the cache ($TUNPIN_CACHE/roots/ROOT-ARCH-RECIPE). One is
# made anew when what it holds changes (the packages, the sources, the
# mmdebstrap options: the RECIPE hash), or when it is older than
# TUNPIN_ROOT_DAYS days (default 14): the archive moves on (sid daily,
# security updates). Made with mmdebstrap, from the
# Debian archive this machine's apt uses, with its own apt state: nothing
# of another suite touches the host's apt. A failed download names the
# package and fails.
set -euo pipefail
. "$(dirname "$0")/../common.sh"

root=${1:?usage: root.sh ROOT [ARCH]} arch=${2:-amd64}
suite=${root%+backports}

# What every root holds: the build (module, tool, selftests), the guest's
# tools, a netlink client we did not write (pyroute2), and a busybox for
# the nested guest's initramfs; an amd64 root also the real clients (QEMU,
# libvirt) and the i686 compiler for the compat ioctl path; an arm64 one
# the armhf compiler for it.
pkgs=(
	"linux-image-$arch" "linux-headers-$arch"
	make gcc libc6-dev pkg-config libmnl-dev libjson-c-dev sparse
	kmod iproute2 procps util-linux cpio busybox-static
	python3 python3-yaml python3-pyroute2
)
case $arch in
amd64)
	pkgs+=(qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu
	       libvirt-clients gcc-i686-linux-gnu libc6-dev-i386-cross) ;;
arm64)
	pkgs+=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross) ;;
*)
	die "root.sh: no root for architecture $arch" ;;
esac
case $suite in
bullseye | bookworm) pkgs+=(dwarves) ;;	# pahole, for BTF (6.12+)
*) pkgs+=(pahole) ;;
esac
# The full lane's extras: the Ansible playbook's test.
[ "$suite" = bookworm ] && [ "$arch" = amd64 ] && pkgs+=(ansible-core)

uri=$(debian_uri) sec=$(debian_uri security)
[ -n "$uri" ] || die "no Debian archive in this machine's apt sources"
sources=("deb $uri $suite main")
case $suite in
bookworm | bullseye)
	sources+=("deb $uri $suite-updates main")
	[ -n "$sec" ] && sources+=("deb $sec $suite-security main") ;;
esac
aptopts=(--aptopt='Acquire::Check-Valid-Until "false"'
	 --aptopt='APT::Install-Recommends "false"')
if [ "$root" != "$suite" ]; then
	sources+=("deb $uri $suite-backports main")
	aptopts+=(--aptopt="APT::Default-Release \"$suite-backports\"")
fi

variant=required
# The kernel's postinst would build an initramfs nobody boots (with
# initramfs-tools or dracut, whichever the suite picks): the VM has its own
# (vm/initramfs.sh).
# shellcheck disable=SC2016 # expanded by mmdebstrap's hook
noinitrd='for f in /usr/sbin/update-initramfs /usr/bin/dracut; do chroot "$1" dpkg-divert --local --rename --add "$f" && ln -s /bin/true "$1$f"; done'
recipe=$(printf '%s\n' "$root" "$arch" "$variant" "$noinitrd" "${pkgs[@]}" \
	 "${sources[@]}" "${aptopts[@]}" | sha256sum | cut -c1-12)
dir=$TUNPIN_CACHE/roots/$root-$arch-$recipe
max_age=${TUNPIN_ROOT_DAYS:-14}

fresh() {
	[ -f "$dir/.recipe" ] && [ "$(cat "$dir/.recipe")" = "$recipe" ] &&
		[ -z "$(find "$dir/.recipe" -mtime +"$max_age")" ]
}

mkdir -p "$TUNPIN_CACHE/roots"
exec 9>"$dir.lock"
flock 9
if ! fresh; then
	need_pkgs mmdebstrap
	# Another architecture's maintainer scripts run under qemu-user.
	if [ "$arch" != "$(dpkg --print-architecture)" ]; then
		need_pkgs qemu-user-static binfmt-support
		[ -e /proc/sys/fs/binfmt_misc/register ] ||
			mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
		update-binfmts --enable >/dev/null 2>&1 || true
	fi
	echo "root.sh: making the $root $arch root (${#pkgs[@]} packages)" >&2
	rm -rf "$dir.new"
	if ! mmdebstrap --variant="$variant" --arch="$arch" "${aptopts[@]}" \
		--include="$(IFS=,; echo "${pkgs[*]}")" \
		--essential-hook="$noinitrd" \
		"$suite" "$dir.new" "${sources[@]}" >"$dir.log" 2>&1; then
		grep -E '^(E|W): |unable to locate|has no installation candidate|Depends:' \
			"$dir.log" | head -n 20 >&2
		die "cannot make the $root $arch root (log: $dir.log)"
	fi
	kver=$(ls "$dir.new/lib/modules")
	[ "$(wc -w <<<"$kver")" -eq 1 ] ||
		die "the $root root has kernels '$kver', not one"
	echo "$kver" >"$dir.new/.kver"
	echo "$recipe" >"$dir.new/.recipe"
	rm -rf "$dir"
	mv "$dir.new" "$dir"
	echo "root.sh: $root $arch root with $kver: $(du -sh "$dir" | cut -f1)" >&2
	# Other recipes of this root, once stale, go.
	find "$TUNPIN_CACHE/roots" -maxdepth 2 -path "*/$root-$arch-*/.recipe" \
		-mtime +"$max_age" -printf '%h\n' | while read -r old; do
			[ "$old" = "$dir" ] || rm -rf "$old" "$old.lock" "$old.log"
		done
fi
echo "$dir"
