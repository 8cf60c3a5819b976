#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the guest after switch_root into the lane's root (vm/init).
# Gives the guest fresh proc/sys/dev, the unpacked kernel's modules at
# /lib/modules, the shared directories at their host paths, then runs the job
# ($out/job) and records its exit code in $out/exit-code. Powers off.
# With tunpin.systemd=1 on the kernel command line, systemd becomes PID 1
# and runs the job as a service (tunpin-job.service, after basic.target:
# journald, udev, the bus socket are up), so that a test can start units
# (tools/testing/systemd.sh); that service calls this script again with
# --job OUT, which runs the job and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 TERM=dumb

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	# (the root may be gone by then: no "command not found")
	sleep 30 2>/dev/null
}

run_job() {	# run_job OUT: the job, its exit code and the guest's log; off
	echo "guest-init: running the job ($(uname -r), $(nproc) cpus${2:+, $2})"
	cd "$1" && bash "$1/job" </dev/null
	echo $? >"$1/exit-code"
	dmesg >"$1/dmesg"
	poweroff_now
}

if [ "${1:-}" = --job ]; then
	run_job "$2" "under systemd"
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
# devtmpfs has no /dev/fd, which bash's <(...) needs.
ln -s /proc/self/fd /dev/fd
mount -t tmpfs tmpfs /dev/shm
# /tmp, /run and /var/tmp are the root's own: the root is an overlay on a
# tmpfs already (vm/init), and a tmpfs here would hide a source tree or
# build directory shared at a path below them.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

for arg in $(</proc/cmdline); do
	case "$arg" in
	tunpin.mounts=*) mounts=${arg#*=} ;;
	tunpin.modules=*) moddir=${arg#*=} ;;
	tunpin.out=*) out=${arg#*=} ;;
	tunpin.systemd=1) systemd=1 ;;
	esac
done

# Shared directories, each at its host path (it may sit under /tmp).
IFS=, read -ra pairs <<<"$mounts"
for p in "${pairs[@]}"; do
	tag=${p%%:*} path=${p#*:}
	mkdir -p "$path" 2>/dev/null
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 "$tag" "$path" ||
		echo "guest-init: cannot mount $tag at $path"
done

kver=$(uname -r)
mount -t tmpfs tmpfs /lib/modules
mkdir -p "/lib/modules/$kver"
mount --bind "$moddir" "/lib/modules/$kver"

# A root unpacked without its maintainer scripts (vm/root.sh's extract
# variant: the arm64 roots) gets here, in the overlay, what they would
# have made and the tests use: the users and groups (the tests setuid to
# nobody), the libraries' cache, awk (an alternative), nsswitch.conf.
if [ ! -e /etc/passwd ] && [ -e /usr/share/base-passwd/passwd.master ]; then
	cp /usr/share/base-passwd/passwd.master /etc/passwd
	cp /usr/share/base-passwd/group.master /etc/group
	[ -e /etc/nsswitch.conf ] ||
		cp /usr/share/base-files/nsswitch.conf /etc/nsswitch.conf 2>/dev/null
	[ -e /usr/bin/awk ] || ln -s mawk /usr/bin/awk
	ldconfig
fi

ip link set lo up
hostname tunpin-vm

if [ "${systemd:-0}" = 1 ] && [ ! -x /lib/systemd/systemd ]; then
	echo "guest-init: tunpin.systemd=1, but this root has no systemd"
elif [ "${systemd:-0}" = 1 ]; then
	# Its output on the console, as the job's is otherwise (run.sh keeps
	# the console); systemd's own messages go to the kernel log.
	mkdir -p /etc/systemd/system /etc/systemd/system.conf.d
	printf '[Manager]\nShowStatus=no\n' \
		>/etc/systemd/system.conf.d/tunpin-quiet.conf
	cat >/etc/systemd/system/tunpin-job.service <<-EOF
	[Unit]
	Description=The VM's job (tools/testing/vm/run.sh)
	Wants=basic.target
	After=basic.target

	[Service]
	Type=oneshot
	Environment=PATH=$PATH HOME=$HOME LANG=$LANG TERM=$TERM
	ExecStart=/bin/bash $0 --job $out
	StandardInput=null
	StandardOutput=tty
	StandardError=inherit
	TTYPath=/dev/console
	EOF
	exec /lib/systemd/systemd --unit=tunpin-job.service --show-status=no
fi
run_job "$out"
