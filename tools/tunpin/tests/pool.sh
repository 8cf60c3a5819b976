#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The pool commands end to end, without a VM or the module: tunpin levels,
# merge, compare and diff on the dumps and levels of tests/data/, their
# exit codes, and that bad input writes nothing. Prints "N passed, N
# failed"; exits 1 on any failure.
# Usage: pool.sh [TUNPIN]
set -u

here=$(cd "$(dirname "$0")" && pwd)
tool=$(realpath "${1:-$here/../tunpin}")
data=$here/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-pool.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 out='' err='' rc=0 last=''

check() {	# check DESCRIPTION COMMAND...
	if "${@:2}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "pool: failed: $last: $1" >&2
		echo "  rc=$rc out: ${out:0:300}" >&2
		echo "  err: ${err:0:300}" >&2
	fi
}

run() {		# run ARGS...: tunpin in tests/data, into $out $err $rc
	last="tunpin $*"
	out=$(cd "$data" && "$tool" "$@" 2>"$tmp/err"); rc=$?
	err=$(<"$tmp/err")
}

has() { grep -qxF -- "$1" <<<"$out"; }
says() { grep -qF -- "$1" <<<"$err"; }
one_error_line() { [ -z "$out" ] && [ "$(wc -l <<<"$err")" = 1 ] && \
		   [ "${err#tunpin: }" != "$err" ]; }
json_ok() { python3 -c 'import json, sys; json.loads(sys.argv[1])' "$1"; }
jget() {	# jget JSON EXPR: a python expression of the parsed j
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>&1
}

# --- levels
run levels
check "exit 0" [ $rc -eq 0 ]
for l in minimal linux-2.6.27 linux-4.14 linux-4.15 linux-6.1 linux-6.2 \
	 linux-6.17; do
	check "lists $l" grep -q "^$l (since " <<<"$out"
done
check "latest is an alias" has "latest -> linux-6.17"
check "6.1" has "linux-6.1 (since 4.15): csum tso4 tso6 tso_ecn ufo"
run levels -j
check "-j: JSON" json_ok "$out"
check "-j: latest resolved" [ "$(jget "$out" \
	'[" ".join(e["capabilities"]) for e in j if e["name"] == "latest"][0]')" = \
	"csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum" ]

# --- merge: the 6.18 host and the 6.1 VM give the 6.1 set back
run merge dump-6.18.json dump-6.1.json
check "exit 0" [ $rc -eq 0 ]
check "the 6.1 set" has "level: csum tso4 tso6 tso_ecn ufo"
check "6.18 has more" has "hv-618 has more: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum"
check "the VM lacks uso4" has "  uso4: tunpin-vm"
check "as linux-6.1" grep -q "^same set as: .*linux-6.1" <<<"$out"
run merge -o "$tmp/pool.json" --name pool-a dump-6.18.json dump-6.1.json
check "-o: exit 0" [ $rc -eq 0 ]
check "-o: says where" has "written: $tmp/pool.json"
check "-o: a level" [ "$(jget "$(cat "$tmp/pool.json")" \
	'j["kind"] + " " + j["name"] + " " + " ".join(j["capabilities"])')" = \
	"level pool-a csum tso4 tso6 tso_ecn ufo" ]
check "-o: missing per host" [ "$(jget "$(cat "$tmp/pool.json")" \
	'" ".join(j["missing"]["tunpin-vm"])')" = \
	"uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum" ]
run -j merge dump-6.18.json dump-6.1.json dump-4.14.json
check "-j: exit 0" [ $rc -eq 0 ]
check "-j: JSON" json_ok "$out"
check "-j: 4.14 took ufo away" [ "$(jget "$out" '" ".join(j["capabilities"])')" = \
	"csum tso4 tso6 tso_ecn" ]
# A merged level merges on: its hosts come back with their own sets.
run merge "$tmp/pool.json" dump-4.14.json
check "level + dump: exit 0" [ $rc -eq 0 ]
check "level + dump: 3 hosts" grep -q "^hosts: hv-618, tunpin-vm, hv-414" <<<"$out"
check "level + dump: the VM has ufo more" has "tunpin-vm has more: ufo"
run merge linux-6.2 dump-6.18.json
check "catalog + dump" has "level: csum tso4 tso6 tso_ecn ufo uso4 uso6"

# --- merge: bad input, exit 2, one line, nothing written
for bad in bad/truncated.json bad/schema-3.json bad/unknown-cap.json \
	   bad/level-unknown-cap.json bad/level-schema-3.json \
	   bad/empty.json bad/kind.json no-such.json; do
	run merge -o "$tmp/bad.json" dump-6.1.json "$bad"
	check "$bad: exit 2" [ $rc -eq 2 ]
	check "$bad: one line" one_error_line
	check "$bad: names the file" says "$bad"
	check "$bad: nothing written" [ ! -e "$tmp/bad.json" ]
done
run merge -o "$tmp/bad.json" bad/truncated.json dump-6.1.json
check "truncated" says "truncated JSON"
run merge -o "$tmp/bad.json" dump-6.1.json bad/schema-3.json
check "wrong schema" says "unsupported schema 2 (this tunpin reads 1)"
run merge -o "$tmp/bad.json" dump-6.1.json bad/unknown-cap.json
check "unknown capability" says "unknown capability 'warp'"
run merge -o "$tmp/bad.json" dump-6.1.json dump-6.1-again.json
check "duplicate host: exit 2" [ $rc -eq 2 ]
check "duplicate host: one line" one_error_line
check "duplicate host: names it" says "duplicate host 'TUNPIN-VM'"
check "duplicate host: nothing written" [ ! -e "$tmp/bad.json" ]
run merge -o "$tmp/bad.json" dump-6.1.json dump-6.1.json
check "same file twice: exit 2" [ $rc -eq 2 ]
run merge -o "$tmp/bad.json"
check "empty set: exit 2" [ $rc -eq 2 ]
check "empty set: one line" one_error_line
check "empty set: says so" says "empty merge set"
check "empty set: nothing written" [ ! -e "$tmp/bad.json" ]
run merge --name "bad name" -o "$tmp/bad.json" dump-6.1.json
check "bad name: exit 2" [ $rc -eq 2 ]
check "bad name: nothing written" [ ! -e "$tmp/bad.json" ]
run merge -o "$tmp/no/such/dir/pool.json" dump-6.1.json
check "unwritable: exit 1" [ $rc -eq 1 ]
run merge --host dump-6.1.json
check "--host is compare's: exit 2" [ $rc -eq 2 ]

# --- compare: identical / superset 0, incompatible 3
run compare linux-6.1 dump-6.1.json
check "identical: exit 0" [ $rc -eq 0 ]
check "identical" has "tunpin-vm (kernel 6.1.0-56-amd64) against level linux-6.1: identical"
run compare "$tmp/pool.json" dump-6.18.json
check "superset: exit 0" [ $rc -eq 0 ]
check "superset" grep -q ": superset$" <<<"$out"
check "superset: more" has "more: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum"
run compare linux-6.2 dump-6.1.json
check "incompatible: exit 3" [ $rc -eq 3 ]
check "incompatible: missing" has "missing: uso4 uso6"
run -j compare "$tmp/pool.json" dump-4.14.json
check "-j incompatible: exit 3" [ $rc -eq 3 ]
check "-j: JSON" json_ok "$out"
check "-j: result" [ "$(jget "$out" 'j["result"]')" = incompatible ]
check "-j: missing ufo" [ "$(jget "$out" '" ".join(j["missing"])')" = ufo ]
run compare dump-6.1.json dump-4.14.json
check "dump vs dump: exit 3" [ $rc -eq 3 ]
check "dump vs dump: missing" has "missing: ufo"
check "dump vs dump: features" has "features missing: napi napi_frags no_carrier"
run compare linux-6.1 dump-6.1.json --host
check "DUMP and --host: exit 2" [ $rc -eq 2 ]
run compare linux-9.9 dump-6.1.json
check "unknown level: exit 2" [ $rc -eq 2 ]
check "unknown level: one line" one_error_line
run compare linux-6.1 bad/truncated.json
check "bad dump: exit 2" [ $rc -eq 2 ]
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
	run compare minimal --host
	check "--host: this kernel offers the minimal level" [ $rc -eq 0 ]
	check "--host: names the kernel" grep -q "(kernel $(uname -r)) against level minimal" <<<"$out"
fi

# --- diff: what a kernel upgrade would expose
run diff dump-6.1.json dump-6.18.json
check "exit 0" [ $rc -eq 0 ]
check "kernel" has "kernel: 6.1.0-56-amd64 -> 6.18.44-fc-v782"
check "added" has "added: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum"
check "removed" has "removed: none"
check "no feature change" [ "$(grep -c '^features' <<<"$out")" = 0 ]
run diff dump-4.14.json dump-6.1.json
check "4.14 to 6.1: ufo" has "added: ufo"
check "4.14 to 6.1: features" has "features added: napi napi_frags no_carrier"
run diff dump-6.18.json dump-future.json
check "unknown bits" has "unknown bits added: unknown:0x200"
run diff linux-4.14 linux-4.15
check "levels: ufo came back" has "added: ufo"
run -j diff dump-6.18.json dump-4.14.json
check "-j: JSON" json_ok "$out"
check "-j: removed" [ "$(jget "$out" '" ".join(j["removed"])')" = \
	"ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum" ]
run diff dump-6.1.json bad/no-schema.json
check "bad input: exit 2" [ $rc -eq 2 ]
check "bad input: one line" one_error_line
run diff dump-6.1.json
check "one operand: exit 2" [ $rc -eq 2 ]

# --- set resolves its level before anything is sent
run set linux-9.9
check "set: unknown level: exit 2" [ $rc -eq 2 ]
run set bad/truncated.json
check "set: bad file: exit 2" [ $rc -eq 2 ]
check "set: bad file: says why" says "truncated JSON"
run set csum bogus
check "set: unknown capability: exit 2" [ $rc -eq 2 ]
check "set: names it" says "unknown capability 'bogus'"
if [ ! -d /sys/module/tunpin ]; then
	run set linux-6.1
	check "set without the module: exit 4" [ $rc -eq 4 ]
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
