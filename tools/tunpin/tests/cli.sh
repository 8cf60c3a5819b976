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
# shellcheck source=lib.sh
. "$here/lib.sh"

run() {		# run ARGS...: tunpin, into $out $err $rc
	run_in "$PWD" "$@"
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
for opt in --json --pretty --name --force --output --host --root --dry-run --help --version; do
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
		    "monitor -p" "taps --force" "counters x" "level -x" "set --bogus csum" \
		    "precheck" "precheck vm1" "precheck 0 csum" \
		    "precheck 99999999999 csum" "precheck vm1 bogus" "precheck vm1 csum,tso_e" \
		    "precheck vm1 csum --force" "precheck vm1 csum --dry-run" \
		    "set --dry-run" "set --dry-run bogus" "set csum --dry-run -j" \
		    "taps --dry-run" "show --dry-run" "apply --dry-run"; do
		# shellcheck disable=SC2086
		run $args
		check "'tunpin ${args:0:40}': exit 2" [ $rc -eq 2 ]
		check "'tunpin ${args:0:40}': one line" one_error_line
		check "'tunpin ${args:0:40}': not the module" [ "${err#*module not loaded}" = "$err" ]
	done
	for args in "set csum" "set csum tso4 --name a --force" "set linux-6.1" \
		    "override add /x csum" "override del /x" "override" "override list" \
		    "level" "show" "status" "counters" "taps" "monitor" "pin-native" \
		    "save" "apply" "set --dry-run csum" "set csum --dry-run --force" \
		    "precheck vm1 linux-6.1" "precheck 4242 csum tso4 -j" \
		    "precheck /machine.slice csum,tso4"; do
		# shellcheck disable=SC2086
		run $args
		check "'tunpin $args': exit 4" [ $rc -eq 4 ]
		check "'tunpin $args': says so" grep -q "module not loaded" <<<"$err"
	done
fi

# --- the bash completion: its candidates from `tunpin __complete`
# bash-completion's _init_completion and _filedir, as far as they matter
# here (the package need not be installed): the words, and which files.
complete_words() {	# complete_words WORD...: COMPREPLY for the last word
	last="completion of tunpin ${*}"
	# shellcheck disable=SC2016
	out=$(bash -c '
		_init_completion() {
			words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
			cur=${words[cword]} prev=${words[cword - 1]}
		}
		_filedir() { COMPREPLY+=("<files${1:+ $1}>"); }
		. "$1" || exit
		shift
		COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
		_tunpin
		printf "%s\n" "${COMPREPLY[@]}"' _ "$here/../completion/tunpin" \
		"$tool" "$@" 2>"$tmp/err"); rc=$?
	err=$(<"$tmp/err")
}

check "bash -n completion/tunpin" bash -n "$here/../completion/tunpin"
complete_words set csum,tso_e
check "csum,tso_e: csum,tso_ecn, the prefix kept" [ "$out" = csum,tso_ecn ]
check "csum,tso_e: nothing said" [ $rc -eq 0 ] && [ -z "$err" ]
complete_words compare linux-6.1 csum,tso4,ts
check "compare: the last element of a list" [ "$out" = $'csum,tso4,tso6\ncsum,tso4,tso_ecn' ]
complete_words override add /vm csum,vhost_ring
check "override add: a list" [ "$out" = csum,vhost_ring_reset ]
complete_words set csum tso4 ts
check "set: later words of the list" [ "$out" = $'tso6\ntso_ecn' ]
complete_words precheck vm1 csum,tso_e
check "precheck: its TARGET is a LEVEL" [ "$out" = csum,tso_ecn ]
complete_words set --dry
check "set: --dry-run" [ "$out" = --dry-run ]
complete_words compare ""
check "a LEVEL: catalog levels" grep -qx linux-6.1 <<<"$out"
check "a LEVEL: capabilities" grep -qx csum <<<"$out"
check "a LEVEL: none, unpinned" grep -qx none <<<"$out" && grep -qx unpinned <<<"$out"
check "a LEVEL: JSON files" [ "${out##*$'\n'}" = "<files json>" ]
complete_words ov
check "commands" [ "$out" = override ]
complete_words s
check "commands: all of the table" [ "$out" = $'set\nshow\nstatus\nsave' ]
complete_words override ""
check "subcommands" [ "$out" = $'list\nadd\ndel' ]
complete_words probe -o ""
check "-o: files" [ "$out" = "<files>" ]
complete_words save --root ""
check "--root: directories" [ "$out" = "<files -d>" ]
complete_words set --f
check "options of the command" [ "$out" = --force ]
complete_words level --f
check "no option it does not take" [ -z "$out" ]
complete_words -j ""
check "after an option: commands" grep -qx probe <<<"$out"
complete_words help over
check "help: commands" [ "$out" = override ]

# --- the zsh completion (zsh itself is not needed here): it asks the tool
# too, and knows every kind of file the tool may ask for
zsh_comp=$here/../completion/_tunpin
check "_tunpin: #compdef tunpin" [ "$(head -n1 "$zsh_comp")" = "#compdef tunpin" ]
check "_tunpin: asks tunpin __complete" grep -q '__complete "${(@Q)words\[2,CURRENT\]}"' "$zsh_comp"
for words in "probe -o" "compare" "save --root"; do
	# shellcheck disable=SC2086
	kind=$("$tool" __complete $words "" | sed -n 's/^://p')
	last="tunpin __complete $words ''"
	check "$words: a kind of file" [ -n "$kind" ]
	check "_tunpin knows :$kind" grep -q "^($kind) " "$zsh_comp"
	check "completion/tunpin knows :$kind" grep -qE "^\s+$kind\) " "$here/../completion/tunpin"
done

# --- the version has one home, dkms.conf's PACKAGE_VERSION: --version, the
# "tool" of every JSON document tunpin writes, the module's MODULE_VERSION
# and the packages' (debian/changelog) say it
top=$here/../../..
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
last="the version ($version)"
check "dkms.conf has one" [ -n "$version" ]
run --version
check "--version" [ "$out" = "tunpin $version" ]
check "debian/changelog" [ "$(sed -n '1s/^tunpin (\([^)-]*\)[^)]*).*/\1/p' \
	"$top/debian/changelog")" = "$version" ]
check "the module's, from dkms.conf" grep -q '^CFLAGS_main.o := -DTUNPIN_VERSION=' "$top/module/Kbuild"
check "the module's MODULE_VERSION" grep -q '^MODULE_VERSION(TUNPIN_VERSION);' "$top/module/main.c"
check "tunpin.8's header" [ "$(sed -n 's/^\.TH .*"tunpin \([^"]*\)".*/\1/p' "$man")" = "$version" ]
check "no version written in the tool" [ -z "$(grep -n '#define TUNPIN_VERSION' "$here"/../*.[ch])" ]
tool_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["tool"])'; }
run merge -j "$here/data/v2-dump-6.18.json" "$here/data/v2-dump-6.1.json"
check "a level's tool" [ "$(tool_of <<<"$out")" = "$version" ]
run probe -j
check "a dump's tool" [ "$(tool_of <<<"$out")" = "$version" ]

# --- exit.h's statuses are tunpin.8's: every one documented, and diff's
# as diff(1)'s
enum_value() { sed -n "s/^\s*TP_EXIT_$1\s*= \([0-9]\),.*/\1/p" "$here/../exit.h"; }
exit_status=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$man")
last="exit.h and tunpin.8"
check "the statuses are 0 to 4" [ "$(sed -n '/^Every other command:/,$s/^\.B \([0-9]\)$/\1/p' \
	<<<"$exit_status" | tr '\n' ' ')" = "0 1 2 3 4 " ]
for s in OK:0 ERR:1 USAGE:2 BELOW:3 NOMOD:4 SAME:0 DIFFERENT:1 TROUBLE:2; do
	check "TP_EXIT_${s%:*} is ${s#*:}" [ "$(enum_value "${s%:*}")" = "${s#*:}" ]
done
check "diff as diff(1)" grep -q '^\.BR diff (1):$' <<<"$exit_status"
for cmd in compare set apply; do
	check "3 is $cmd's" grep -qE "^\.BR? .*\b$cmd\b" <<<"$(sed -n '/^\.B 3$/,/^\.TP/p' <<<"$exit_status")"
done
# no number for a status in the commands: the enum's names
check "no status by number" [ -z "$(grep -nE 'return [1-4];|_exit\([0-9]\)' \
	"$here"/../{tunpin,statecmd,poolcmd,metrics,precheck}.c)" ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
