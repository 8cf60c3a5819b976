# SPDX-License-Identifier: GPL-2.0
# The KTAP runner shared by the script selftests (sourced). A test is a
# shell function t_NAME whose definition line ends in "# DESCRIPTION"; it
# asserts with check, may set skip=REASON or, for a known gap, todo=REASON
# (reported "not ok ... # TODO REASON", an expected failure: counted as
# xfail, not as a failure), and leaves the output of the
# command it ran last in $last, $rc, $out and $err for the diagnostics.
# ktap_main runs the functions named in $tests, each one's time after it
# ("# case time: NAME N s"), and prints the totals.

indent() {	# indent LABEL: stdin as KTAP diagnostics
	sed "s/^/#     $1: /"
}

ok=1
check() {	# check DESCRIPTION COMMAND...: one assertion of the test
	"${@:2}" && return 0
	ok=0
	echo "#   failed: $1"
	echo "#   after: ${last:-} (exit ${rc:--})"
	tail -n 60 <<<"${out:-}" | indent out
	indent err <<<"${err:-}"
	return 1
}

ktap_main() {	# ktap_main: run "${tests[@]}"; status 1 on any failure
	local t desc n=0 pass=0 fail=0 skipped=0 xfail=0 t0

	echo "TAP version 13"
	echo "1..${#tests[@]}"
	for t in "${tests[@]}"; do
		n=$((n + 1))
		ok=1 skip='' todo='' rc=- out='' err='' last=''
		desc=$(sed -n "s/^$t() {[[:space:]]*# //p" "$0")
		t0=$SECONDS
		"$t"
		echo "# case time: ${t#t_} $((SECONDS - t0)) s"
		if [ -n "$todo" ]; then
			xfail=$((xfail + 1))
			echo "not ok $n ${t#t_}: $desc # TODO $todo"
		elif [ -n "$skip" ]; then
			skipped=$((skipped + 1))
			echo "ok $n ${t#t_}: $desc # SKIP $skip"
		elif [ $ok -eq 1 ]; then
			pass=$((pass + 1))
			echo "ok $n ${t#t_}: $desc"
		else
			fail=$((fail + 1))
			echo "not ok $n ${t#t_}: $desc"
		fi
	done
	echo "# Totals: pass:$pass fail:$fail xfail:$xfail xpass:0 skip:$skipped error:0"
	[ $fail -eq 0 ]
}
