# shellcheck shell=bash
# shellcheck disable=SC2154 # $here and $tool: set by the test sourcing it
# SPDX-License-Identifier: GPL-2.0
# Sourced by the tool's host tests (cli.sh, fake.sh, fleet.sh, metrics.sh,
# pool.sh), after they set $here and $tool: the JSON they make kept for
# schema.sh (json_keep.sh), a scratch directory $tmp removed at exit, the
# counters and check. Each test ends with "N passed, N failed", which
# tools/testing/check.sh sums. check_width: how much of $out a failure
# shows (300 bytes unless set before).

# shellcheck source=json_keep.sh
. "$here/json_keep.sh"
test_name=$(basename "$0" .sh)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-$test_name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 out='' err='' rc=0 last=''

check() {	# check DESCRIPTION COMMAND...
	if "${@:2}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "$test_name: failed: ${last:0:200}: $1" >&2
		echo "  rc=$rc out: ${out:0:${check_width:-300}}" >&2
		echo "  err: ${err:0:300}" >&2
	fi
}

run_in() {	# run_in DIR ARGS...: $tool ARGS in DIR, into $out $err $rc
	local dir=$1
	shift
	last="tunpin $*"
	out=$(cd "$dir" && "$tool" "$@" 2>"$tmp/err")
	rc=$?
	err=$(<"$tmp/err")
	keep_run_json "$dir" "$@"
}
