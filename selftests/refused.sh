#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# On a kernel tunpin does not support (PREEMPT_RT: its probe handlers spin
# on a spinlock_t, module/main.c), loading fails with EOPNOTSUPP and a
# message that says why, and leaves nothing behind: no module, no sysfs
# directory, no generic netlink family, no kprobe.
# The test of a "refused" lane (tools/testing/matrix). KTAP.
set -u
. "$(dirname "$0")/ktap.sh"

ko=${TUNPIN_KO:?TUNPIN_KO names tunpin.ko}

t_kernel_is_rt() {	# the kernel booted is a PREEMPT_RT kernel
	last="uname -v; /sys/kernel/realtime"
	out=$(uname -v) rc=0
	check "PREEMPT_RT in uname -v" grep -q PREEMPT_RT <<<"$out"
	check "/sys/kernel/realtime is 1" [ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ]
}

t_load_refused() {	# insmod fails with EOPNOTSUPP and says why in the log
	local mark="refused.sh: load starts $$"

	echo "$mark" >/dev/kmsg
	last="insmod $ko"
	out=$(insmod "$ko" 2>&1) && rc=0 || rc=$?
	err=$(dmesg | sed -n "/$mark/,\$p")
	check "insmod fails" [ "$rc" -ne 0 ]
	check "with EOPNOTSUPP" grep -q "Operation not supported" <<<"$out"
	check "the log says why" grep -q \
		"tunpin: PREEMPT_RT kernels are not supported: the probe handlers are not RT-safe; not loading" \
		<<<"$err"
}

t_nothing_left() {	# no module, sysfs directory, family or kprobe remains
	local kp=/sys/kernel/debug/kprobes/list

	check "no /sys/module/tunpin" [ ! -e /sys/module/tunpin ]
	check "no /sys/kernel/tunpin" [ ! -e /sys/kernel/tunpin ]
	last="genl ctrl get name nlctrl; genl ctrl get name tunpin"
	out=$(genl ctrl get name nlctrl 2>&1) && rc=0 || rc=$?
	check "genl answers for nlctrl" [ "$rc" -eq 0 ]
	out=$(genl ctrl get name tunpin 2>&1) && rc=0 || rc=$?
	check "no tunpin family" [ "$rc" -ne 0 ]
	[ -e "$kp" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	last="cat $kp"
	out=$(cat "$kp" 2>&1) && rc=0 || rc=$?
	check "the kprobes list is readable" [ "$rc" -eq 0 ]
	check "no probe on tun, tap or vhost-net" no_probe "$out"
}

no_probe() {	# no_probe KPROBES_LIST
	! grep -qE 'tun_chr_|tap_(ioctl|open|release)|vhost_net_' <<<"$1"
}

tests=(t_kernel_is_rt t_load_refused t_nothing_left)
ktap_main
