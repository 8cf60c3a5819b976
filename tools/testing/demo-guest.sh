#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`, the part that runs in the VM. Usage: demo-guest.sh TUNPIN_KO
set -eu
ko=$1

say() { printf '\n== %s\n' "$*"; }

# What a stopped QEMU offers its guest on a fresh TAP, from QMP.
offer() {
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		'{"execute":"x-query-virtio-status","arguments":{"path":"/machine/peripheral/nic0/virtio-backend"}}' \
		'{"execute":"quit"}' |
	timeout 120 qemu-system-x86_64 -S -machine q35,accel=tcg \
		-display none -nodefaults \
		-netdev tap,id=n0,ifname=demo0,script=no,downscript=no,vhost=off \
		-device virtio-net-pci,netdev=n0,id=nic0,romfile= -qmp stdio |
	grep -o 'VIRTIO_NET_F_\(HOST\|GUEST\)_\(TSO4\|TSO6\|ECN\|UFO\|USO\)[^:]*' |
	sort | tr '\n' ' '
	echo
}

modprobe -a tun tap
say "A Debian $(uname -r) host. QEMU probes the TAP and offers the guest:"
offer

say "Load tunpin (unpinned: nothing changes)"
insmod "$ko"
dmesg | grep tunpin: | tail -n1
echo "level: $(cat /sys/kernel/tunpin/level)"
offer

say "Pin the pool's level: a platform without UFO"
echo "csum tso4 tso6 tso_ecn" >/sys/kernel/tunpin/level
echo "level: $(cat /sys/kernel/tunpin/level)"
echo "QEMU now offers (no HOST_UFO/GUEST_UFO: migratable to that pool):"
offer
echo "refused ufo probes: $(cat /sys/kernel/tunpin/refused/ufo)"
dmesg | grep 'tunpin: refused' | tail -n1

say "Unpin: the native offer is back, no reload"
echo unpinned >/sys/kernel/tunpin/level
offer
rmmod tunpin
say "Done: tunpin unloaded cleanly"
