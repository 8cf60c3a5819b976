#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The commands that need the module, on the host: tests/tunpin-fake is
# tunpin on the fake kernel of nl_fake.c (a level pool-a, two overrides,
# two TAPs, ten counters, two events). Their text output is compared with
# tests/data/fake/, their JSON checked for the key vocabulary. Prints "N
# passed, N failed"; exits 1 on any failure.
# Usage: fake.sh [TUNPIN-FAKE]
set -u

here=$(cd "$(dirname "$0")" && pwd)
tool=$(realpath "${1:-$here/tunpin-fake}")
data=$here/data/fake
# shellcheck source=lib.sh
. "$here/lib.sh"

run() {		# run ARGS...: tunpin-fake, into $out $err $rc
	run_in "$PWD" "$@"
}

jget() {	# jget JSON EXPR: a python expression of the parsed j
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>&1
}

# --- the text, as it was
for cmd in level "override list" counters taps; do
	run $cmd
	check "exit 0" [ $rc -eq 0 ]
	check "the text of $cmd" [ "$out" = "$(<"$data/${cmd// /-}.txt")" ]
done
# show's canary is a real TAP on this host, where no module enforces: it
# fails (exit 1), and says so in words of this kernel's
run show
check "show: exit 0 or the canary's 1" [ $rc -le 1 ]
check "the text of show" [ "$(sed -e 's/^native: .*/native: X/' -e '/^enforcement: /d' \
	<<<"$out")" = "$(<"$data/show.txt")" ]
# the fake kernel's events run out: EAGAIN, as a socket would block
run monitor
check "monitor: exit 1 when they run out" [ $rc -eq 1 ]
check "the text of monitor" [ "$out" = "$(<"$data/monitor.txt")" ]

# --- one key vocabulary: "capabilities", "granted", a capability's "name"
run -j level
check "level -j: capabilities" [ "$(jget "$out" '" ".join(j["capabilities"])')" = \
	"csum tso4 tso6 tso_ecn ufo" ]
check "level -j: no caps" [ "$(jget "$out" '"caps" in j')" = false ]
run -j override list
check "override list -j: capabilities" [ "$(jget "$out" \
	'" ".join(j[0]["capabilities"])')" = "csum tso4" ]
run -j taps
check "taps -j: granted, as show says" [ "$(jget "$out" '" ".join(j[0]["granted"])')" = \
	"csum tso4 tso6 tso_ecn ufo" ]
check "taps -j: no offered" [ "$(jget "$out" '"offered" in j[0]')" = false ]
run -j show
check "show -j: granted" [ "$(jget "$out" '" ".join(j["taps"][0]["granted"])')" = \
	"csum tso4 tso6 tso_ecn ufo" ]
run -j counters
check "counters -j: capabilities, by name" [ "$(jget "$out" \
	'" ".join(c["name"] for c in j["capabilities"])')" = \
	"csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum unknown" ]
run -j monitor
check "monitor -j: capabilities" [ "$(head -n1 <<<"$out" | python3 -c \
	'import json, sys; print(" ".join(json.load(sys.stdin)["capabilities"]))')" = "csum tso4" ]

# --- save, apply: the state file, and one with the key of before
run save --root "$tmp/root"
check "save: exit 0" [ $rc -eq 0 ]
check "save: capabilities" grep -q '"capabilities": \[' "$tmp/root/etc/tunpin/state.json"
check "save: the tool's version" grep -q "\"tool\": \"$("$tool" --version | cut -d' ' -f2)\"" \
	"$tmp/root/etc/tunpin/state.json"
keep_json state "$tmp/root/etc/tunpin/state.json"
run apply --root "$tmp/root"
check "apply: exit 0" [ $rc -eq 0 ]
check "apply: the saved level" grep -qx "applied level csum tso4 tso6 tso_ecn ufo \\[pool-a\\] and 2 of 2 overrides" <<<"$out"
mkdir -p "$tmp/old/etc/tunpin"
cat >"$tmp/old/etc/tunpin/state.json" <<'EOF'
{"schema": 1, "kind": "saved", "saved": "2025-01-01T00:00:00Z",
 "level": {"name": "old", "pinned": true, "caps": ["csum", "tso4"]},
 "overrides": [{"cgroup": "/a", "pinned": true, "caps": ["csum"], "name": ""}]}
EOF
run apply --root "$tmp/old"
check "apply: \"caps\" still read" grep -qx "applied level csum tso4 \\[old\\] and 1 of 1 override" <<<"$out"

# --- -j and -p, one place for every command: -j one line, -p the same
# document pretty, "key": value as the dumps have always been
same_doc() {	# same_doc JSON JSON: but for merge's time of creation
	python3 -c 'import json, sys
a, b = (json.loads(x) for x in sys.argv[1:])
for x in a, b:
    x.pop("created", None) if isinstance(x, dict) else None
sys.exit(a != b)' "$1" "$2"
}
d=$here/data
for cmd in level "override list" counters taps show known levels \
	   "merge $d/v2-dump-6.18.json $d/v2-dump-6.1.json" \
	   "compare linux-6.1 $d/v2-dump-6.1.json" \
	   "diff $d/v2-dump-6.1.json $d/v2-dump-6.18.json" "precheck 123 csum"; do
	# shellcheck disable=SC2086 # the words of $cmd
	run -j $cmd
	j=$out
	check "-j $cmd: one line" [ "$(wc -l <<<"$j")" = 1 ]
	# shellcheck disable=SC2086
	run -p $cmd
	check "-p $cmd: more lines" [ "$(wc -l <<<"$out")" -gt 1 ]
	check "-p $cmd: \"key\": value" grep -q '^ *"[a-z_]*": ' <<<"$out"
	check "-p $cmd: no \"key\":value" [ -z "$(grep '^ *"[a-z_]*":[^ ]' <<<"$out")" ]
	check "-p $cmd: the document of -j" same_doc "$j" "$out"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
