# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Sourced by the host tests: every JSON document tunpin makes in them is
# kept in $TUNPIN_JSON_OUT (if set), as NAME.KIND.json, for schema.sh to
# validate against Documentation/schema/. KIND: dump, level, state, or
# cmd-COMMAND for a command's -j output.

json_kept=0
json_test=$(basename "$0" .sh)

keep_json() {	# keep_json KIND FILE: a copy of FILE, a document of KIND
	[ -n "${TUNPIN_JSON_OUT:-}" ] && [ -f "$2" ] && [ -s "$2" ] || return 0
	json_kept=$((json_kept + 1))
	cp -- "$2" "$TUNPIN_JSON_OUT/$json_test-$json_kept.$1.json"
}

keep_out() {	# keep_out KIND: $out, a document of KIND
	[ -n "${TUNPIN_JSON_OUT:-}" ] || return 0
	json_kept=$((json_kept + 1))
	printf '%s\n' "$out" >"$TUNPIN_JSON_OUT/$json_test-$json_kept.$1.json"
}

# keep_run_json DIR ARGS...: what `tunpin ARGS` (run in DIR) made: its -j
# output ($out), its -o file. Call it after run, with $rc and $out set.
keep_run_json() {
	local dir=$1 a cmd='' json=0 file='' prev=''
	shift
	[ -n "${TUNPIN_JSON_OUT:-}" ] || return 0
	for a; do
		case $prev in
		-o|--output) file=$a ;;
		esac
		if [ -n "$prev" ]; then
			prev=''
			continue
		fi
		case $a in
		--json|--pretty) json=1 ;;
		-o|--output|--name|--root|--drop) prev=$a ;;
		--output=*) file=${a#*=} ;;
		--*) ;;
		-*o) [[ $a == *[jp]* ]] && json=1; prev=-o ;;
		-*o?*) [[ ${a%%o*} == *[jp]* ]] && json=1; file=${a#*o} ;;
		-*) [[ $a == *[jp]* ]] && json=1 ;;
		*) if [ -z "$cmd" ]; then cmd=$a
		   elif [ "$cmd" = override ] && [ "$a" = list ]; then cmd=override-list
		   fi ;;
		esac
	done
	[ "$cmd" = override ] && cmd=override-list
	# shellcheck disable=SC2154 # $rc and $out: the caller's run() set them
	# -j output: a document, or monitor's document a line
	if [ "$json" = 1 ] && [ -n "$out" ] && [ "$rc" -ne 2 ]; then
		case $cmd in
		probe) keep_out dump ;;
		merge) keep_out level ;;
		status) keep_out cmd-show ;;
		*) keep_out "cmd-$cmd" ;;
		esac
	fi
	[ -n "$file" ] && [ "$file" != - ] && [ "$rc" -eq 0 ] || return 0
	[ "${file#/}" = "$file" ] && file=$dir/$file
	case $cmd in
	probe) keep_json dump "$file" ;;
	merge) keep_json level "$file" ;;
	esac
}
