#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build and the tests need, if missing.
# Everything the project needs comes from here: a machine prepared by hand
# proves nothing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(
	make gcc libc6-dev pkg-config	# the tool
	gcc-i686-linux-gnu libc6-dev-i386-cross	# the compat-path test
	libmnl-dev libjson-c-dev	# netlink and JSON, like ethtool
	linux-headers-amd64		# the module's build tree
	linux-headers-rt-amd64		# DKMS must skip PREEMPT_RT (dkms.sh)
	"$LINUX_SOURCE_PKG"		# checkpatch.pl, kselftest_harness.h
	sparse				# make C=2
	qemu-system-x86 busybox-static	# the VM
	qemu-system-arm			# the arm64 lanes' VM
	cpio kmod iproute2 procps	# initramfs, modules, guest tools
	python3-pyroute2 python3-yaml	# a netlink client we did not write
	python3-jsonschema		# the YAML spec, tunpin's JSON: schemas
	python3-prometheus-client	# tunpin metrics, parsed by Prometheus' parser
	ansible-core ansible-lint	# contrib/ansible's role
	man-db groff-base		# the man page lint
	# pkg.sh and dkms.sh: all installed here, at once
	dpkg-dev debhelper dh-dkms lintian systemd dkms
)

need_pkgs "${pkgs[@]}"
