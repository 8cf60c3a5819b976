#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The unit test of splats.awk, the one scan every lane trusts: each report
# below (the shapes the kernel prints them in) must be found on its own,
# and none of the clean logs may be. Ends with "N passed, N failed".
set -u
scan=$(dirname "$0")/splats.awk
pass=0 fail=0

check() {	# check found|clean WHAT: the log on stdin
	local out rc
	out=$(awk -f "$scan")
	rc=$?
	if { [ "$1" = found ] && [ $rc -eq 1 ] && [ -n "$out" ]; } ||
	   { [ "$1" = clean ] && [ $rc -eq 0 ] && [ -z "$out" ]; }; then
		pass=$((pass + 1))
		echo "ok: $1: $2"
	else
		fail=$((fail + 1))
		echo "FAILED: expected $1 (status $rc): $2"
		[ -z "$out" ] || echo "$out" | sed 's/^/    /'
	fi
}

while IFS= read -r line; do
	check found "$line" <<<"$line"
done <<'EOF'
[   12.345678] WARNING: CPU: 1 PID: 230 at net/core/dev.c:3300 skb_warn_bad_offload+0x1/0x2
[   12.345678] WARNING: possible circular locking dependency detected
[   12.345678] BUG: KASAN: slab-use-after-free in tunpin_level_get+0x31/0x80 [tunpin]
[   12.345678] BUG: sleeping function called from invalid context at mm/slab.h:742
[   12.345678] BUG kmalloc-64 (Not tainted): Poison overwritten
[   12.345678] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [stress_threads:310]
[   12.345678] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN
[   12.345678] Oops: 0000 [#1] PREEMPT SMP NOPTI
[   12.345678] Internal error: Oops: 0000000096000005 [#1] SMP
[   12.345678] Kernel panic - not syncing: panic_on_warn set ...
[   12.345678] refcount_t: underflow; use-after-free.
[   12.345678] UBSAN: shift-out-of-bounds in module/caps.c:120:9
[   12.345678] DEBUG_LOCKS_WARN_ON(1)
[   12.345678] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[   12.345678] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
[   12.345678] INFO: task kworker/0:1:12 blocked for more than 120 seconds.
[   12.345678] Call Trace:
[   12.345678][    T1] BUG: unable to handle page fault for address: ffffffffc0000000
WARNING: CPU: 0 PID: 1 at kernel/module/main.c:1 load_module+0x1/0x2
ok 5 selftests: tunpin: control[   12.345678] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2
EOF

check clean "a label holding BUG: and WARNING:" <<'EOF'
[  509.419625] tunpin: level renamed to "K9+6Tq9IGWBUG:@z2dO5SN0djRfmZNO4R@4w" (was "VKNOUuKnu0:52QR6GF2vKuUV1lu5E") by stress_sysfs[2306]
[  509.419898] tunpin: level set to 6.1 [a:WARNING:Oops] by tunpin[2310]
[    0.000000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.000000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15726)
ok 14 selftests: tunpin: stress_sysfs
EOF

# The kernel's account of an allocation failslab failed on purpose.
dump() {	# dump COMM
	cat <<EOF
[   50.100000] failslab: vmalloc error: size 8192, vm_struct allocation failed, mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null)
[   50.100001] CPU: 0 PID: 300 Comm: $1 Not tainted 6.1.0-tunpin-debug #1
[   50.100002] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)
[   50.100003] Call Trace:
[   50.100004]  <TASK>
[   50.100005]  dump_stack_lvl+0x45/0x5e
[   50.100006]  warn_alloc+0x1e7/0x250
[   50.100007]  </TASK>
[   50.100008] tunpin: out of memory loading the policy
EOF
}
dump failslab | check clean "failslab's own allocation-failure dump"
dump stress_threads | check found "the same dump from another task"
{ dump failslab; echo "[   50.2] BUG: KASAN: double-free in kfree+0x1/0x2"; } |
	check found "a report after failslab's dump"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
