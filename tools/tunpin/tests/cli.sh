#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The command line of the built tool, without a VM or the module: the help
# made from the command table (every command in -h and `help`, COMMAND
# --help that command's only, each in tunpin.8's synopsis), usage errors
# (exit 2) before "module not loaded" (exit 4), and the bash completion.
# Prints "N passed, N failed"; exits 1 on any failure.
# Usage: cli.sh [TUNPIN]
set -u

here=$(cd "$(dirname "$0")" && pwd)
tool=$(realpath "${1:-$here/../tunpin}")
man=$here/../tunpin.8
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 out='' err='' rc=0 last=''

check() {	# check DESCRIPTION COMMAND...
	if "${@:2}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "cli: failed: $last: $1" >&2
		echo "  rc=$rc out: ${out:0:300}" >&2
		echo "  err: ${err:0:300}" >&2
	fi
}

run() {		# run ARGS...: tunpin, into $out $err $rc
	last="tunpin $*"
	out=$("$tool" "$@" 2>"$tmp/err"); rc=$?
	err=$(<"$tmp/err")
}

one_error_line() { [ -z "$out" ] && [ "$(wc -l <<<"$err")" = 1 ] && \
		   [ "${err#tunpin: }" != "$err" ]; }

# --- help, from the command table
mapfile -t cmds < <("$tool" __complete "")
check "the table has its commands" [ ${#cmds[@]} -ge 18 ]
run -h
check "-h: exit 0" [ $rc -eq 0 ]
check "-h: usage on stdout" grep -q '^usage: tunpin' <<<"$out"
usage=$out
run help
check "help: exit 0" [ $rc -eq 0 ]
check "help: as -h" [ "$out" = "$usage" ]
run
check "no command: exit 2" [ $rc -eq 2 ]
check "no command: usage on stderr" [ "$err" = "$usage" ]
for cmd in "${cmds[@]}"; do
	check "-h lists $cmd" grep -qE "^  $cmd( |\$)" <<<"$usage"
	check "tunpin.8's synopsis has $cmd" grep -qE "^\\.B tunpin ${cmd//-/\\\\-}\$" "$man"
	run "$cmd" --help
	check "$cmd --help: exit 0" [ $rc -eq 0 ]
	check "$cmd --help: its usage first" grep -q "^usage: tunpin $cmd" <<<"${out%%$'\n'*}"
	check "$cmd --help: as help $cmd" [ "$out" = "$("$tool" help "$cmd")" ]
	# that command's only: no usage line of another
	check "$cmd --help: only $cmd" [ -z "$(grep '^usage: ' <<<"$out" |
		grep -v "^usage: tunpin $cmd\\( \\|\$\\)")" ]
done
for opt in --json --pretty --name --force --output --host --root --help --version; do
	check "-h has $opt" grep -q -- "$opt" <<<"$usage"
done
run override add --help
check "override add --help: that one" [ "$(grep -c '^usage: ' <<<"$out")" = 1 ]
run override --help
check "override --help: its three" [ "$(grep -c '^usage: tunpin override' <<<"$out")" = 3 ]
run help bogus
check "help bogus: exit 2" [ $rc -eq 2 ]
check "help bogus: one line" one_error_line

# --- usage errors come before the module is looked for
if [ ! -d /sys/module/tunpin ]; then
	long=$(printf 'n%.0s' $(seq 300))
	for args in "set" "set bogus" "set csum,tso_e" "set csum -j" "set csum --name" \
		    "set csum --name $long" "override add /x" "override add /x bogus" \
		    "override del" "override del /a /b" "override bogus" "override list x" \
		    "level extra" "level --force" "pin-native x" "pin-native -j" \
		    "pin-native --name $long" "show x" "status -o x" "save x" "apply --host" \
		    "monitor -p" "taps --force" "counters x" "level -x" "set --bogus csum"; do
		# shellcheck disable=SC2086
		run $args
		check "'tunpin ${args:0:40}': exit 2" [ $rc -eq 2 ]
		check "'tunpin ${args:0:40}': one line" one_error_line
		check "'tunpin ${args:0:40}': not the module" [ "${err#*module not loaded}" = "$err" ]
	done
	for args in "set csum" "set csum tso4 --name a --force" "set linux-6.1" \
		    "override add /x csum" "override del /x" "override" "override list" \
		    "level" "show" "status" "counters" "taps" "monitor" "pin-native" \
		    "save" "apply"; do
		# shellcheck disable=SC2086
		run $args
		check "'tunpin $args': exit 4" [ $rc -eq 4 ]
		check "'tunpin $args': says so" grep -q "module not loaded" <<<"$err"
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
