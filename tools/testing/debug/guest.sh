#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the debug kernel's VM (tools/testing/debug/check.sh): the whole
# selftest suite at full stress scale, then kmemleak. Usage:
#   guest.sh BINDIR [TEST...]      (TUNPIN_KO: the module built for it)
# KTAP: selftests/run.sh's own, then this script's checks with their totals.
set -u
src=$(cd "$(dirname "$0")/../../.." && pwd)
bin=$1
shift
dbg=/sys/kernel/debug
leaks=$dbg/kmemleak

pass=0 fail=0 n=0
result() {	# result OK|FAIL DESCRIPTION
	n=$((n + 1))
	if [ "$1" = OK ]; then
		pass=$((pass + 1)); echo "ok $n $2"
	else
		fail=$((fail + 1)); echo "not ok $n $2"
	fi
}
has() {		# has DESCRIPTION COMMAND...
	if "${@:2}"; then result OK "$1"; else result FAIL "$1"; fi
}

# Boot-time suspects are not ours: scan once and forget them (docs:
# dev-tools/kmemleak, "clear"), so only the suite's allocations count.
if [ -w "$leaks" ]; then
	echo scan >"$leaks"
	echo clear >"$leaks"
fi

t0=$SECONDS
# The KASAN guest is ~10x slower than Debian's kernel: a test may take up to
# 2 h whatever the scale.
env TUNPIN_STRESS="${TUNPIN_STRESS:-full}" \
	TUNPIN_TEST_LIMIT="${TUNPIN_TEST_LIMIT:-7200}" \
	bash "$src/selftests/run.sh" "$bin" "$@"
suite_rc=$?
echo "# debug: the suite took $((SECONDS - t0)) s (status $suite_rc)"

echo "TAP version 13"
echo "1..5"
has "debug: KASAN is on" grep -q 'KernelAddressSanitizer initialized' \
	<(dmesg)
has "debug: failslab is there" test -d "$dbg/failslab"
# Lockdep turns itself off after its first report (or when it runs out of
# room): still on at the end means it watched the whole suite.
has "debug: lockdep still on" grep -Eq '^ *debug_locks: *1$' \
	/proc/lockdep_stats
t0=$SECONDS
if [ -w "$leaks" ]; then
	# Two scans a few seconds apart (docs: an object must be seen
	# unreferenced by more than one scan before it is reported).
	echo scan >"$leaks"
	sleep 6
	echo scan >"$leaks"
	cat "$leaks" >/tmp/kmemleak
	nleaks=$(grep -c '^unreferenced object' /tmp/kmemleak)
	echo "# debug: kmemleak scans took $((SECONDS - t0)) s"
	sed 's/^/# kmemleak: /' /tmp/kmemleak | head -n 200
	[ "$nleaks" -eq 0 ] || cp /tmp/kmemleak kmemleak.txt
	has "debug: kmemleak: no leak ($nleaks suspected)" [ "$nleaks" -eq 0 ]
else
	result FAIL "debug: kmemleak: no $leaks"
fi
if rep=$(dmesg | awk -f "$src/tools/testing/splats.awk"); then
	result OK "debug: dmesg is clean after the scans"
else
	echo "$rep" | sed 's/^/# /'
	result FAIL "debug: dmesg is clean after the scans"
fi
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$suite_rc" -eq 0 ] && [ "$fail" -eq 0 ]
