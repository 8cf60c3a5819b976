#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin metrics on this host, without a VM or the module: exactly
# tunpin_module_loaded 0 (exit 0), -o written atomically (a new inode,
# mode 0644 whatever the umask, nothing left beside it, a link's target
# replaced), failures that exit 1 and write nothing (a missing directory,
# /dev/full). Every exposition, and the unit test's of a loaded module
# (TUNPIN_METRICS_SAMPLE), is parsed by Prometheus' own parser
# (python3-prometheus-client's text_string_to_metric_families), which
# must reject broken ones, so this test can fail. Prints "N passed, N
# failed"; exits 1 on any failure.
# Usage: metrics.sh [TUNPIN [UNIT]]
set -u

here=$(cd "$(dirname "$0")" && pwd)
tool=$(realpath "${1:-$here/../tunpin}")
unit=$(realpath "${2:-$here/unit}")
check_width=600
# shellcheck source=lib.sh
. "$here/lib.sh"
# Debian's python3 and its python3-prometheus-client, not another one
# found first in PATH.
python=/usr/bin/python3

run() {		# run ARGS...: tunpin in $tmp, into $out $err $rc
	last="tunpin $*"
	out=$(cd "$tmp" && "$tool" "$@" 2>"$tmp/err"); rc=$?
	err=$(<"$tmp/err")
}

# parse FILE: FILE through Prometheus' parser, one line a family ("NAME
# TYPE SAMPLES"), into $out; fails if the parser refuses it, or a family
# is undocumented, untyped, not tunpin_*, or split (node_exporter's
# parser refuses a family whose lines are not together).
parse() {
	last="parse $(basename "$1")"
	out=$("$python" - "$1" 2>"$tmp/err" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
for f in text_string_to_metric_families(text):
    if not f.name.startswith("tunpin_") or not f.documentation or \
       f.type not in ("gauge", "counter") or not f.samples:
        sys.exit("bad family: %r %r %r" % (f.name, f.type, f.documentation))
    print(f.name, f.type, len(f.samples))
done, cur = set(), None
for line in text.splitlines():
    name = line.split()[2] if line.startswith("# ") else \
        line.split("{")[0].split()[0]
    if name.endswith("_total"):
        name = name[:-6]
    if name != cur:
        if name in done:
            sys.exit("family %s split" % name)
        done.add(name)
        cur = name
EOF
); rc=$?
	err=$(<"$tmp/err")
	[ $rc -eq 0 ]
}

# value FILE SAMPLE [LABELS]: the value of SAMPLE (with LABELS, a python
# dict) as the parser reads it, into $out.
value() {
	last="value $2 ${3:-}"
	out=$("$python" - "$@" 2>"$tmp/err" <<'EOF'
import ast, sys
from prometheus_client.parser import text_string_to_metric_families
labels = ast.literal_eval(sys.argv[3]) if len(sys.argv) > 3 else {}
for f in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in f.samples:
        if s.name == sys.argv[2] and s.labels == labels:
            print(int(s.value))
EOF
); rc=$?
	err=$(<"$tmp/err")
}

not() { ! "$@"; }

if ! "$python" -c 'import prometheus_client.parser' 2>/dev/null; then
	echo "metrics: no python3-prometheus-client (tools/testing/deps.sh)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# --- the parser is real: it refuses what is not the format
printf '# TYPE tunpin_x gauge\ntunpin_x{a="b} 1\n' >"$tmp/broken1.prom"
printf '# TYPE tunpin_x gauge\ntunpin_x one\n' >"$tmp/broken2.prom"
printf '# TYPE tunpin_x gauge\ntunpin_x{a="b"\n' >"$tmp/broken3.prom"
for b in 1 2 3; do
	check "broken $b: refused by the parser" not parse "$tmp/broken$b.prom"
done
printf '# HELP tunpin_x x\n# TYPE tunpin_x gauge\ntunpin_x 1\n# HELP tunpin_y y\n# TYPE tunpin_y gauge\ntunpin_y 1\ntunpin_x 2\n' \
	>"$tmp/split.prom"
check "a split family: refused" not parse "$tmp/split.prom"

# --- the unit test's exposition of a loaded module, as Prometheus reads it
last="TUNPIN_METRICS_SAMPLE=... $unit"
TUNPIN_METRICS_SAMPLE=$tmp/loaded.prom "$unit" >/dev/null 2>&1
check "the unit test wrote its sample" [ -s "$tmp/loaded.prom" ]
check "loaded: parsed" parse "$tmp/loaded.prom"
families=$out
for f in "tunpin_module_loaded gauge 1" "tunpin_pinned gauge 1" \
	 "tunpin_level_info gauge 1" "tunpin_capability_allowed gauge 21" \
	 "tunpin_requests counter 3" "tunpin_refusals counter 3" \
	 "tunpin_refused_ioctls counter 1" "tunpin_open_files gauge 6" \
	 "tunpin_probe_armed gauge 3" "tunpin_probe_missed_returns counter 1"; do
	out=$families
	check "loaded: $f" grep -qxF "$f" <<<"$families"
done
value "$tmp/loaded.prom" tunpin_level_info \
	"{'name': 'pool-\"a\"\\\\b', 'capabilities': 'csum,tso4'}"
check "loaded: an escaped label read back" [ "$out" = 1 ]
value "$tmp/loaded.prom" tunpin_refusals_total "{'capability': 'unknown'}"
check "loaded: the unknown bits' refusals" [ "$out" = 2 ]
value "$tmp/loaded.prom" tunpin_open_files "{'kind': 'vhost', 'judge': 'exempt'}"
check "loaded: open files by kind and judge" [ "$out" = 4 ]

# --- without the module
if [ -d /sys/module/tunpin ]; then
	echo "metrics: the tunpin module is loaded here: its absence not tested" >&2
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi
absent='# HELP tunpin_module_loaded Whether the tunpin module is loaded (0: no other tunpin metric).
# TYPE tunpin_module_loaded gauge
tunpin_module_loaded 0'
run metrics
check "no module: exit 0" [ $rc -eq 0 ]
check "no module: exactly module_loaded 0" [ "$out" = "$absent" ]
check "no module: nothing on stderr" [ -z "$err" ]
printf '%s\n' "$out" >"$tmp/stdout.prom"
check "no module: parsed" parse "$tmp/stdout.prom"
check "no module: one family" [ "$out" = "tunpin_module_loaded gauge 1" ]
value "$tmp/stdout.prom" tunpin_module_loaded
check "no module: 0" [ "$out" = 0 ]

# --- -o FILE: atomic, 0644, nothing else in the directory
mkdir "$tmp/textfile"
prom=$tmp/textfile/tunpin.prom
run metrics -o "$prom"
check "-o: exit 0" [ $rc -eq 0 ]
check "-o: nothing on stdout or stderr" [ -z "$out$err" ]
check "-o: the exposition" [ "$(cat "$prom")" = "$absent" ]
check "-o: parsed" parse "$prom"
echo stale >"$prom"
chmod 0600 "$prom"
ino=$(stat -c %i "$prom")
last="(umask 077; tunpin metrics -o $prom)"
(umask 077; "$tool" metrics -o "$prom" 2>"$tmp/err"); rc=$?
err=$(<"$tmp/err") out=''
check "-o again: exit 0" [ $rc -eq 0 ]
check "-o again: replaced" [ "$(cat "$prom")" = "$absent" ]
check "-o again: renamed over it, a new file" [ "$(stat -c %i "$prom")" != "$ino" ]
check "-o again: mode 0644 under umask 077" [ "$(stat -c %a "$prom")" = 644 ]
check "-o: nothing left beside it" [ "$(ls -A "$tmp/textfile")" = tunpin.prom ]
ln -s textfile/tunpin.prom "$tmp/link.prom"
echo stale >"$prom"
run metrics -o link.prom
check "-o LINK: exit 0" [ $rc -eq 0 ]
check "-o LINK: still a link" [ -L "$tmp/link.prom" ]
check "-o LINK: its target written" [ "$(cat "$prom")" = "$absent" ]
run metrics -o -
check "-o -: exit 0" [ $rc -eq 0 ]
check "-o -: standard output" [ "$out" = "$absent" ]

# --- failures: exit 1, the reason on stderr, nothing written
run metrics -o "$tmp/missing/tunpin.prom"
check "missing directory: exit 1" [ $rc -eq 1 ]
check "missing directory: says so" \
	[ "$err" = "tunpin: $tmp/missing/tunpin.prom: No such file or directory" ]
check "missing directory: nothing written" [ ! -e "$tmp/missing" ]
last="tunpin metrics >/dev/full"
"$tool" metrics >/dev/full 2>"$tmp/err"; rc=$?
err=$(<"$tmp/err") out=''
check "stdout /dev/full: exit 1" [ $rc -eq 1 ]
check "stdout /dev/full: says so" [ "$err" = "tunpin: stdout: No space left on device" ]
run metrics -o /dev/full
check "-o /dev/full: exit 1" [ $rc -eq 1 ]
check "-o /dev/full: says so" [ "$err" = "tunpin: /dev/full: No space left on device" ]
check "-o /dev/full: still the device" [ -c /dev/full ]
mkdir "$tmp/dir.prom"
run metrics -o "$tmp/dir.prom"
check "-o DIR: exit 1" [ $rc -eq 1 ]
check "-o DIR: says why" [ -n "$err" ]
check "-o DIR: nothing in it" [ -z "$(ls -A "$tmp/dir.prom")" ]

# --- usage errors: exit 2 (before anything is opened)
for args in "metrics x" "metrics -j" "metrics -p" "metrics --force" "metrics -o"; do
	# shellcheck disable=SC2086
	run $args
	check "'tunpin $args': exit 2" [ $rc -eq 2 ]
	check "'tunpin $args': stdout empty" [ -z "$out" ]
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
