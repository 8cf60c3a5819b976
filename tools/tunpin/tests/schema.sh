#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The JSON Schemas of Documentation/schema/ (draft 2020-12, validated with
# Debian's python3-jsonschema): every JSON document the host tests made
# (kept in JSONDIR by json_keep.sh: dumps, levels, the state file, each
# command's -j output) validates; the fixtures of tests/data validate and
# its bad/ ones do not; a document with a wrong type, or with the keys of
# before (caps, offered), is rejected; the schemas know tunpin's
# capabilities; every key they name is in tunpin.8's JSON section, once.
# Prints "N passed, N failed"; exits 1 on any failure.
# Usage: schema.sh JSONDIR [TUNPIN]
set -u

here=$(cd "$(dirname "$0")" && pwd)
kept=${1:?usage: schema.sh JSONDIR [TUNPIN]}
tool=$(realpath "${2:-$here/../tunpin}")
schemas=$(realpath "$here/../../../Documentation/schema")
man=$here/../tunpin.8
data=$here/data
# Debian's jsonschema, not one a Python of one's own may have
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-schema.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 out='' rc=0 last=''

check() {	# check DESCRIPTION COMMAND...
	if "${@:2}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "schema: failed: $last: $1" >&2
		echo "  rc=$rc out: ${out:0:600}" >&2
	fi
}

validate() {	# validate KIND FILE... | --dir DIR: into $out $rc
	last="schema.py $*"
	out=$("$py" "$here/schema.py" "$schemas" "$@" 2>&1); rc=$?
}

last="python3-jsonschema"
check "Debian's python3-jsonschema" "$py" -c 'import jsonschema'

# --- what the tests made
validate --dir "$kept"
check "every document the tests kept validates" [ $rc -eq 0 ]
check "some were kept" [ "$(sed -n 's/ valid, .*//p' <<<"$out")" -gt 0 ]
for kind in dump level state cmd-known cmd-level cmd-override-list \
	    cmd-counters cmd-taps cmd-monitor cmd-show cmd-levels \
	    cmd-compare cmd-diff cmd-precheck; do
	check "one at least: $kind" compgen -G "$kept/*.$kind.json"
done

# --- the fixtures: older tunpins' dumps and levels, and the bad ones
for f in "$data"/*.json; do
	case $(basename "$f") in
	level-*) kind=level ;;
	*) kind=dump ;;
	esac
	validate "$kind" "$f"
	check "$(basename "$f"): a valid $kind" [ $rc -eq 0 ]
done
for f in "$data"/bad/*.json; do
	case $(basename "$f") in
	# JSON Schema cannot say "a host of hosts": tunpin's reader does
	level-missing-overlap.json|level-missing-stranger.json) continue ;;
	level-*) kind=level ;;
	*) kind=dump ;;
	esac
	validate "$kind" "$f"
	check "bad/$(basename "$f"): rejected" [ $rc -ne 0 ]
done

# --- wrong types and the keys of before: rejected, the place named
wrong() {	# wrong KIND FILE PYTHON: FILE changed by PYTHON (on d) is not a KIND
	"$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[3], "w"))' "$2" "$3" "$tmp/wrong.json"
	validate "$1" "$tmp/wrong.json"
	[ $rc -eq 1 ] && grep -q "not a valid $1: at /" <<<"$out"
}
"$tool" merge -o "$tmp/level.json" "$data/v2-dump-6.18.json" "$data/v2-dump-6.1.json" 2>/dev/null
check "a dump's exempt as a string" wrong dump "$data/v2-dump-6.18.json" 'd["exempt"] = "no"'
check "a dump's vhost features as a number" wrong dump "$data/v2-dump-6.18.json" \
	'd["vhost"]["features"] = 7'
check "a schema 2 dump without vhost" wrong dump "$data/v2-dump-6.18.json" 'del d["vhost"]'
check "a level's capabilities as a string" wrong level "$tmp/level.json" \
	'd["capabilities"] = "csum tso4"'
check "a level's hosts as an object" wrong level "$tmp/level.json" 'd["hosts"] = {}'
check "a level with a key it never had" wrong level "$tmp/level.json" 'd["caps"] = []'
state=$(compgen -G "$kept/*.state.json" | head -n1)
if [ -n "$state" ]; then
	check "a state's pinned as a number" wrong state "$state" 'd["level"]["pinned"] = 1'
	check "an override without its cgroup" wrong state "$state" \
		'd["overrides"] = [{"pinned": True, "capabilities": []}]'
fi
printf '%s\n' '{"level":"csum","pinned":true,"caps":["csum"],"name":""}' >"$tmp/old-level.json"
validate cmd-level "$tmp/old-level.json"
check "level -j as before (caps): rejected" [ $rc -eq 1 ]
printf '%s\n' '[{"pid":1,"comm":"q","vhost":false,"active":[],"offered":[],"exempt":false,"override":false}]' \
	>"$tmp/old-taps.json"
validate cmd-taps "$tmp/old-taps.json"
check "taps -j as before (offered): rejected" [ $rc -eq 1 ]

# --- the capabilities, as tunpin knows them
known=$("$tool" known | awk '{ print $1 }' | tr '\n' ' ')
last="schema.py --capabilities"
while read -r name list; do
	check "$name.schema.json: tunpin known's capabilities" [ "$list " = "$known" ]
done < <("$py" "$here/schema.py" "$schemas" --capabilities)

# --- every key in tunpin.8's JSON section, once; none there they lack
section=$(sed -n '/^\.SH JSON/,/^\.SH /p' "$man")
documented=$(sed -n '/^\.T[PQ]$/{n;s/^\.B \([a-z_]*\)$/\1/p}' <<<"$section" | sort)
mapfile -t keys < <("$py" "$here/schema.py" "$schemas" --keys)
last="tunpin.8's JSON section"
check "has keys" [ -n "$documented" ]
for k in "${keys[@]}"; do
	check "documents $k once" [ "$(grep -cx -- "$k" <<<"$documented")" = 1 ]
done
for k in $documented; do
	check "$k is a key of the schemas" printf '%s\n' "${keys[@]}" | grep -qx -- "$k"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
