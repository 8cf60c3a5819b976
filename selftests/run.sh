#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM: every selftest binary, KTAP. Each binary prints its
# own KTAP (with a "# Totals:" line); this runner adds its own checks (each
# binary exited cleanly, left tunpin unloaded and the kernel log clean of
# reports while it ran; the log clean as a whole) with a "# Totals:" line.
# Usage: run.sh BINDIR [TEST...]
#        run.sh --list [full|functional|nokvm|refused]   the tests of a lane
#        run.sh --list alone   the tests that get a VM of their own
# The one list of the tests: each is of the kernel (run on every lane of
# tools/testing/matrix: what the module does depends on the kernel it
# runs on, what a client is offered on the kernel and the client), of the
# tool (tunpin(8) and what drives it: the full lane only) or of the stress
# set (the full lane only, and `make check-debug`). nokvm: the kernel's
# but for the hypervisors' (qemu, libvirt: they need KVM, which a lane
# without it, an arm64 TCG guest, lacks). refused: a kernel tunpin does
# not support (PREEMPT_RT): only that it refuses to load there.
set -u
kernel=(module datapath offload offload_32 control vhost genl_spec probe qemu
	privilege libvirt upstream_tun)
tool=(tool state ansible libvirt_hook unit)
stress=(stress_genl stress_sysfs stress_threads stress_lower stress_load failslab)
all=("${kernel[@]}" "${tool[@]}" "${stress[@]}")
# The tests that get a VM of their own (tools/testing/check.sh): unit,
# whose PID 1 must be systemd; ansible, whose two playbook runs take as
# long as the rest of a VM's tests.
alone=(ansible unit)
if [ "${1:-}" = --list ]; then
	case ${2:-full} in
	full) printf '%s\n' "${all[@]}" ;;
	functional) printf '%s\n' "${kernel[@]}" ;;
	nokvm) printf '%s\n' "${kernel[@]}" | grep -vxE 'qemu|libvirt' ;;
	refused) echo refused ;;
	alone) printf '%s\n' "${alone[@]}" ;;
	*) echo "run.sh: no test class '$2'" >&2; exit 2 ;;
	esac
	exit 0
fi
bin=$1
shift
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${all[@]}")
# TUNPIN_STRESS=full: the stress tests at the counts of issue 7 (long).
export TUNPIN_STRESS=${TUNPIN_STRESS:-quick}
# A test's time limit (s); TUNPIN_TEST_LIMIT sets it (check-debug: the
# KASAN guest is ~10x slower than Debian's kernel).
limit=600
[ "$TUNPIN_STRESS" = full ] && limit=7200
limit=${TUNPIN_TEST_LIMIT:-$limit}

export TUNPIN_KO=${TUNPIN_KO:-$(dirname "$0")/../module/tunpin.ko}
TUNPIN_SRC=$(cd "$(dirname "$0")/.." && pwd)
export TUNPIN_SRC
export TUNPIN_TOOL=${TUNPIN_TOOL:-$TUNPIN_SRC/tools/tunpin/tunpin}

# The scripts (genl_spec: a netlink client we did not write, driven by the
# YAML spec; tool, probe: tunpin(8); ansible: contrib/ansible's role;
# libvirt_hook: contrib/libvirt's hook; libvirt: the release's libvirt;
# upstream_tun: the kernel's own tun selftest) expect the module loaded,
# unpinned; unit (tools/testing/systemd.sh: tunpin.service started by
# systemd, which must be PID 1) loads it through the unit.
run_one() {
	case $1 in
	genl_spec | tool | probe | state | ansible | libvirt_hook | libvirt | \
	upstream_tun)
		insmod "$TUNPIN_KO" || return 1
		"$TUNPIN_SRC/selftests/$1".*
		local rc=$?
		rmmod tunpin || rc=1
		return $rc ;;
	unit)	# tunpin.service under systemd, PID 1 of this VM (check.sh)
		"$TUNPIN_SRC/tools/testing/systemd.sh" \
			"$TUNPIN_SRC/contrib/systemd" "$TUNPIN_TOOL" ;;
	refused)
		"$TUNPIN_SRC/selftests/refused.sh" ;;
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

# The kernel's reports (tools/testing/splats.awk) in the log since the
# marker line MARK (all of it if MARK scrolled out), as "# " lines.
splats() {
	dmesg | awk -v m="$1" 'seen { print; next } index($0, m) { seen = 1 }
			       { line[NR] = $0 }
			       END { if (!seen) for (i = 1; i <= NR; i++)
					     print line[i] }' |
		awk -f "$TUNPIN_SRC/tools/testing/splats.awk" | sed 's/^/# /'
}

# The processes of session $1 (field 6 of /proc/PID/stat, after the
# command name in parentheses) but zombies, which hold nothing.
session() {
	local want=$1 f st
	for f in /proc/[0-9]*/stat; do
		read -r st 2>/dev/null <"$f" || continue
		st=${st##*) }
		# shellcheck disable=SC2086 # the fields
		set -- $st
		{ [ "$4" = "$want" ] && [ "$1" != Z ]; } || continue
		f=${f#/proc/}
		echo "${f%/stat}"
	done
}
# reap SID: kill what is left of a test's session (a test killed by
# timeout leaves the kselftest child and its children running); false if
# anything was left.
reap() {
	local left
	left=$(session "$1")
	[ -n "$left" ] || return 0
	echo "# left running: $(for p in $left; do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null; echo -n '; '
	done)"
	for _ in $(seq 50); do
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $left 2>/dev/null
		sleep 0.2
		left=$(session "$1")
		[ -n "$left" ] || break
	done
	[ -z "$left" ] || echo "# still running after SIGKILL: $left"
	return 1
}

# A test that empties kernel.modprobe (failslab's load walk) and is
# killed before it restores it would leave later tests without module
# autoloading: put it back here, and say so.
modprobe_path=$(cat /proc/sys/kernel/modprobe)

echo "TAP version 13"
echo "1..$((${#tests[@]} + 1))"
for t in "${tests[@]}"; do
	echo "# selftests: tunpin: $t"
	mark="tunpin-selftests: $t starts"
	echo "$mark" >/dev/kmsg
	t0=$SECONDS
	# ansible: two playbook runs, 190 s each under TCG on a slow
	# machine, 330 s beside other VMs; qemu: some 60 QEMU starts, which
	# 5.10's QEMU 5.2 once made in 450 s.
	tl=$limit
	case $t in ansible | qemu) tl=$((limit * 3 / 2)) ;; esac
	# A session of its own (setsid: this subshell leads no group, so
	# the session is its pid): timeout signals only its own process
	# group, and a kselftest test runs in a group of its own.
	(cd "$bin" && export -f run_one &&
	 exec setsid -w timeout -k 5 $tl bash -c 'run_one "$0"' "$t") &
	sid=$!
	wait $sid
	rc=$?
	echo "# time: $t $((SECONDS - t0)) s"
	why=
	[ $rc -eq 0 ] || why=" exit=$rc"
	[ $rc -eq 124 ] && why=" timed out after $tl s"
	if ! reap $sid; then
		why+=" left processes running"
	fi
	# A test that dies (or times out) with the module loaded would fail
	# every later one with EEXIST: unload it here, and say so.
	if [ -d /sys/module/tunpin ]; then
		rmmod tunpin 2>/dev/null
		why+=" left tunpin loaded"
	fi
	if [ "$(cat /proc/sys/kernel/modprobe)" != "$modprobe_path" ]; then
		echo "$modprobe_path" >/proc/sys/kernel/modprobe
		why+=" left kernel.modprobe changed"
	fi
	rep=$(splats "$mark")
	if [ -n "$rep" ]; then
		echo "$rep"
		why+=" kernel report"
	fi
	if [ -z "$why" ]; then
		result OK "selftests: tunpin: $t"
	else
		result FAIL "selftests: tunpin: $t #$why"
	fi
done

if rep=$(dmesg | awk -f "$TUNPIN_SRC/tools/testing/splats.awk"); then
	result OK "dmesg is clean"
else
	echo "$rep" | sed 's/^/# /'
	result FAIL "dmesg is clean"
fi
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
