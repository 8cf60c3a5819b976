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
# An amd64 root's variant is "required" (Priority: required: mount, awk,
# ...), plus the packages below, without their Recommends; an arm64
# root's is "extract" (below).
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
suite=${root%+backports} flavour=$arch
# SUITE-rt: the suite's PREEMPT_RT kernel, and only what building the
# module and booting need (a "refused" lane: tools/testing/matrix).
case $suite in
*-rt) suite=${suite%-rt} flavour=rt-$arch ;;
esac

# What every amd64 root holds: the build (module, tool, selftests), the
# guest's tools, a netlink client we did not write (pyroute2), a busybox
# for the nested guest's initramfs, the real clients (QEMU, libvirt) and
# the i686 compiler for the compat ioctl path; the cross compilers of the
# arm64 lanes that build in it (tools/testing/matrix: their build column).
#
# An arm64 root is both the arm64 VM's userspace and the sysroot its
# binaries are cross-built against (in the amd64 root of the same suite,
# lane-build.sh): the kernel and its headers, libc, libmnl and json-c,
# and the guest's tools. It is made with the "extract" variant: the
# packages are unpacked, none of their maintainer scripts runs (under
# qemu-user they took over 20 minutes). What the guest needs of them is
# done here (depmod) or at boot (vm/guest-init.sh: passwd, group, the
# alternatives). The kbuild programs of its headers are the amd64 ones
# of the same version, unpacked over the arm64 ones: the build host runs
# them, the guest never does.
case $arch in
amd64)
	pkgs=(
		"linux-image-$arch" "linux-headers-$arch"
		make gcc libc6-dev pkg-config libmnl-dev libjson-c-dev sparse
		kmod iproute2 procps util-linux cpio busybox-static
		python3 python3-yaml python3-pyroute2
		qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu
		libvirt-clients gcc-i686-linux-gnu libc6-dev-i386-cross
	)
	case $suite in
	bullseye | bookworm) pkgs+=(dwarves) ;;	# pahole, for BTF (6.12+)
	*) pkgs+=(pahole) ;;
	esac
	# The full lane's extras: the Ansible role's test (python3-apt: its
	# .deb install); systemd, PID 1 of the unit's test
	# (vm/guest-init.sh tunpin.systemd=1), and D-Bus (systemd-run --wait
	# needs the bus); a Prometheus text parser we did not write (tunpin
	# metrics); the JSON Schema validator (the tool's JSON, state.json).
	[ "$suite" = bookworm ] && pkgs+=(ansible-core python3-apt systemd dbus
		python3-prometheus-client python3-jsonschema)
	# Cross compilers for the lanes of other architectures built here.
	for a in $(awk -v r="$root" -v a="$arch" '!/^#/ && NF >= 5 &&
			$3 == r && $4 == a && $2 != a { print $2 }' \
			"$TUNPIN_SRC/tools/testing/matrix" | sort -u); do
		case $a in
		arm64) triplet=aarch64-linux-gnu ;;
		*) die "root.sh: no cross compiler for $a" ;;
		esac
		# The gcc release the kernel of that root was built with
		# (CONFIG_CC_VERSION_TEXT: "gcc-12 (Debian 12.2.0-14) 12.2.0",
		# or a cross gcc's name), and 32-bit ARM for the compat path.
		ar=$("$(dirname "$0")/root.sh" "$root" "$a")
		n=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="[^ ]*gcc-\([0-9]*\) .*/\1/p' \
			"$ar"/usr/src/linux-headers-"$(cat "$ar/.kver")"/.config)
		[ -n "$n" ] || die "root.sh: which gcc built the $root $a kernel?"
		pkgs+=("gcc-$n-$triplet" "libc6-dev-$a-cross")
		[ "$a" = arm64 ] &&
			pkgs+=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross)
	done
	if [ "$flavour" != "$arch" ]; then
		pkgs=(
			"linux-image-$flavour" "linux-headers-$flavour"
			make gcc libc6-dev sparse kmod iproute2 procps
			util-linux cpio busybox-static
		)
	fi
	variant=required ;;
arm64)
	pkgs=(
		"linux-image-$arch" "linux-headers-$arch"
		libc6-dev libmnl-dev libjson-c-dev
		base-files base-passwd libc-bin bash dash coreutils grep sed
		mawk findutils diffutils hostname mount util-linux procps kmod
		iproute2 busybox-static python3 python3-yaml python3-pyroute2
	)
	variant=extract ;;
*)
	die "root.sh: no root for architecture $arch" ;;
esac

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
if [ "${root%+backports}" != "$root" ]; then
	sources+=("deb $uri $suite-backports main")
	aptopts+=(--aptopt="APT::Default-Release \"$suite-backports\"")
fi

# The kernel's postinst would build an initramfs nobody boots (with
# initramfs-tools or dracut, whichever the suite picks): the VM has its own
# (vm/initramfs.sh).
# shellcheck disable=SC2016 # expanded by mmdebstrap's hook
noinitrd='for f in /usr/sbin/update-initramfs /usr/bin/dracut; do chroot "$1" dpkg-divert --local --rename --add "$f" && ln -s /bin/true "$1$f"; done'
hooks=$noinitrd
mmopts=(--essential-hook="$noinitrd")
if [ "$variant" = extract ]; then
	# Merged /usr, as every suite since bookworm has it (the symlinks
	# usrmerge's or base-files' scripts would make), before unpacking;
	# after it, the amd64 linux-kbuild of the version the headers use,
	# over the arm64 one, from the root's own apt (the archives are still
	# there), so that M= builds run on the build host.
	# shellcheck disable=SC2016 # expanded by mmdebstrap's hook
	usrmerge='for d in bin sbin lib; do mkdir -p "$1/usr/$d" && ln -s "usr/$d" "$1/$d"; done'
	# shellcheck disable=SC2016
	kbuild='set -e; cd "$1/var/cache/apt/archives"; set -- "$1" linux-kbuild-*_'"$arch"'.deb; [ -f "$2" ]; p=$(dpkg-deb -f "$2" Package) v=$(dpkg-deb -f "$2" Version); mkdir -p "$1/tmp/kb"; cd "$1/tmp/kb"; APT_CONFIG=$MMDEBSTRAP_APT_CONFIG apt-get download -q -o APT::Sandbox::User=root "$p:amd64=$v"; dpkg-deb -x "$p"_*_amd64.deb "$1"; cd /; rm -rf "$1/tmp/kb"'
	mmopts=(--architectures=amd64 --setup-hook="$usrmerge"
		--extract-hook="$kbuild")
	hooks=${mmopts[*]}
fi
recipe=$(printf '%s\n' "$root" "$arch" "$variant" "$hooks" "${pkgs[@]}" \
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
	echo "root.sh: making the $root $arch root (${#pkgs[@]} packages)" >&2
	rm -rf "$dir.new"
	if ! mmdebstrap --variant="$variant" --arch="$arch" "${aptopts[@]}" \
		--include="$(IFS=,; echo "${pkgs[*]}")" \
		"${mmopts[@]}" "$suite" "$dir.new" "${sources[@]}" >"$dir.log" 2>&1; then
		grep -E '^(E|W): |unable to locate|has no installation candidate|Depends:' \
			"$dir.log" | head -n 20 >&2
		die "cannot make the $root $arch root (log: $dir.log)"
	fi
	kver=$(ls "$dir.new/lib/modules")
	[ "$(wc -w <<<"$kver")" -eq 1 ] ||
		die "the $root root has kernels '$kver', not one"
	# What the kernel's postinst would make: the modules' index
	# (vm/initramfs.sh and modprobe read it) and, of what a newer image
	# ships in /usr/lib/modules/RELEASE, /boot/vmlinuz-RELEASE and
	# config-RELEASE (vm/run.sh, lane-build.sh).
	if [ "$variant" = extract ]; then
		depmod -b "$dir.new" "$kver"
		for f in vmlinuz config; do
			[ -e "$dir.new/boot/$f-$kver" ] ||
				cp "$dir.new/usr/lib/modules/$kver/$f" "$dir.new/boot/$f-$kver"
		done
	fi
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
