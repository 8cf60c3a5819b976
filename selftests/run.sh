#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM: every selftest binary, KTAP. Each binary prints its
# own KTAP (with a "# Totals:" line); this runner adds its own checks (each
# binary exited cleanly, the kernel log is clean) with a "# Totals:" line.
# Usage: run.sh BINDIR [TEST...]
set -u
bin=$1
shift
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(module datapath offload offload_32 control
				  genl_spec tool probe state ansible
				  libvirt_hook qemu stress_genl stress_sysfs
				  stress_threads stress_load failslab privilege)
# TUNPIN_STRESS=full: the stress tests at the counts of issue 7 (long).
export TUNPIN_STRESS=${TUNPIN_STRESS:-quick}
limit=600
[ "$TUNPIN_STRESS" = full ] && limit=7200

export TUNPIN_KO=${TUNPIN_KO:-$(dirname "$0")/../module/tunpin.ko}
export TUNPIN_SRC=$(cd "$(dirname "$0")/.." && pwd)
export TUNPIN_TOOL=${TUNPIN_TOOL:-$TUNPIN_SRC/tools/tunpin/tunpin}

# The scripts (genl_spec: a netlink client we did not write, driven by the
# YAML spec; tool, probe: tunpin(8); ansible: contrib/ansible's playbook;
# libvirt_hook: contrib/libvirt's hook) expect the module loaded, unpinned.
run_one() {
	case $1 in
	genl_spec | tool | probe | state | ansible | libvirt_hook)
		insmod "$TUNPIN_KO" || return 1
		"$TUNPIN_SRC/selftests/$1".*
		local rc=$?
		rmmod tunpin || rc=1
		return $rc ;;
	*)
		"./$1" ;;
	esac
}

# What the suite needs loaded; tunpin itself is loaded by the tests.
modprobe -a tun tap macvtap dummy vhost_net || exit 1

pass=0 fail=0 n=0
result() {	# result OK|FAIL DESCRIPTION
	n=$((n + 1))
	if [ "$1" = OK ]; then
		pass=$((pass + 1)); echo "ok $n $2"
	else
		fail=$((fail + 1)); echo "not ok $n $2"
	fi
}

echo "TAP version 13"
echo "1..$((${#tests[@]} + 1))"
for t in "${tests[@]}"; do
	echo "# selftests: tunpin: $t"
	(cd "$bin" && export -f run_one && timeout -k 5 $limit bash -c 'run_one "$0"' "$t")
	rc=$?
	if [ $rc -eq 0 ]; then
		result OK "selftests: tunpin: $t"
	else
		result FAIL "selftests: tunpin: $t # exit=$rc"
	fi
done

splat='WARNING:|BUG:|Oops|DEBUG_LOCKS_WARN_ON|refcount_t:|KASAN|UBSAN|Call Trace:'
if dmesg | grep -E "$splat"; then
	result FAIL "dmesg is clean"
else
	result OK "dmesg is clean"
fi
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
