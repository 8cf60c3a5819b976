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
# shellcheck source=lib.sh
. "$here/lib.sh"
# The vhost-net names of every kernel since 4.8, and what 6.3 to 6.17 add.
vb="vhost_mrg_rxbuf vhost_notify_on_empty vhost_log_all vhost_any_layout"
vb="$vb vhost_indirect_desc vhost_event_idx vhost_version_1 vhost_access_platform"
v617="vhost_in_order vhost_ring_reset vhost_guest_udp_tunnel_gso"
v617="$v617 vhost_host_udp_tunnel_gso"

run() {		# run ARGS...: tunpin in tests/data, into $out $err $rc
	run_in "$data" "$@"
}

has() { grep -qxF -- "$1" <<<"$out"; }
says() { grep -qF -- "$1" <<<"$err"; }
has_err() { grep -qxF -- "$1" <<<"$err"; }
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
	 linux-6.3 linux-6.17; do
	check "lists $l" grep -q "^$l (since " <<<"$out"
done
check "latest is an alias" has "latest -> linux-6.17"
check "6.1" has "linux-6.1 (since 4.15): csum tso4 tso6 tso_ecn ufo $vb"
check "2.6.27: no vhost-net" has "linux-2.6.27 (since 2.6.27): csum tso4 tso6 tso_ecn"
run levels -j
check "-j: JSON" json_ok "$out"
check "-j: latest resolved" [ "$(jget "$out" \
	'[" ".join(e["capabilities"]) for e in j if e["name"] == "latest"][0]')" = \
	"csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $vb $v617" ]

# --- merge: the 6.18 host and the 6.1 host give the 6.1 set back
run merge v2-dump-6.18.json v2-dump-6.1.json
check "exit 0" [ $rc -eq 0 ]
check "the 6.1 set" has "level: csum tso4 tso6 tso_ecn ufo $vb"
check "6.18 has more" has "hv-618 has more: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617"
check "6.1 lacks uso4" has "  uso4: hv-61"
check "6.1 lacks ring reset" has "  vhost_ring_reset: hv-61"
check "as linux-6.1" grep -q "^same set as: .*linux-6.1" <<<"$out"
run merge -o "$tmp/pool.json" --name pool-a v2-dump-6.18.json v2-dump-6.1.json
check "-o: exit 0" [ $rc -eq 0 ]
check "-o: the report on stdout" has "level: csum tso4 tso6 tso_ecn ufo $vb"
check "-o: says where on stderr, as probe -o" has_err \
	"tunpin: $tmp/pool.json: level pool-a (2 hosts): csum tso4 tso6 tso_ecn ufo $vb"
check "-o: nothing of it on stdout" [ "$(grep -c "$tmp/pool.json" <<<"$out")" = 0 ]
run -j merge -o "$tmp/pool-j.json" --name pool-a v2-dump-6.18.json v2-dump-6.1.json
check "-j -o: JSON on stdout" json_ok "$out"
check "-j -o: the summary on stderr" has_err \
	"tunpin: $tmp/pool-j.json: level pool-a (2 hosts): csum tso4 tso6 tso_ecn ufo $vb"
check "-o: a level" [ "$(jget "$(cat "$tmp/pool.json")" \
	'str(j["schema"]) + " " + j["kind"] + " " + j["name"] + " " + " ".join(j["capabilities"])')" = \
	"2 level pool-a csum tso4 tso6 tso_ecn ufo $vb" ]
check "-o: missing per host" [ "$(jget "$(cat "$tmp/pool.json")" \
	'" ".join(j["missing"]["hv-61"])')" = \
	"uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617" ]
run -j merge v2-dump-6.18.json v2-dump-6.1.json v2-dump-4.14.json
check "-j: exit 0" [ $rc -eq 0 ]
check "-j: JSON" json_ok "$out"
check "-j: 4.14 took ufo away" [ "$(jget "$out" '" ".join(j["capabilities"])')" = \
	"csum tso4 tso6 tso_ecn $vb" ]
# A merged level merges on: its hosts come back with their own sets.
run merge "$tmp/pool.json" v2-dump-4.14.json
check "level + dump: exit 0" [ $rc -eq 0 ]
check "level + dump: 3 hosts" grep -q "^hosts: hv-618, hv-61, hv-414" <<<"$out"
check "level + dump: 6.1 has ufo more" has "hv-61 has more: ufo"
run merge linux-6.2 v2-dump-6.18.json
check "catalog + dump" has "level: csum tso4 tso6 tso_ecn ufo uso4 uso6 $vb"
run merge linux-6.3 v2-dump-6.18.json
check "catalog 6.3 + dump" has "level: csum tso4 tso6 tso_ecn ufo uso4 uso6 $vb vhost_ring_reset"

# --- merge: who lowers the pool, and what it would gain without them
run merge v2-dump-6.18.json v2-dump-6.1.json v2-dump-4.14.json
check "limiting: the 4.14 host" has "without hv-414 the pool gains ufo (it is linux-4.14)"
check "limiting: only those whose removal raises the pool" \
	[ "$(grep -c '^without ' <<<"$out")" = 1 ]
check "small pool: every host named" grep -q "^hosts: hv-618 (kernel" <<<"$out"
check "small pool: no groups" [ "$(grep -c '^  [0-9]* host' <<<"$out")" = 0 ]
run merge v2-dump-6.18.json v2-dump-6.1.json
check "limiting: 6.1, as its catalog level" has \
	"without hv-61 the pool gains uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617 (it is linux-6.1)"
run merge -v v2-dump-6.18.json v2-dump-6.1.json
check "-v: the same report for a small pool" has "hv-618 has more: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617"
run merge v2-dump-novhost.json v2-dump-6.1.json
check "limiting: the last host with vhost-net" has \
	"without hv-61 the pool gains uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum but loses $vb (no host with /dev/vhost-net left)"
run merge -v linux-6.1 v2-dump-6.1.json
check "identical sets: nobody limits" [ "$(grep -c '^without ' <<<"$out")" = 0 ]

# --- merge --replace: a host's last dump replaces the others
run merge --replace -o "$tmp/r.json" v2-dump-6.1.json v2-dump-6.18.json v2-dump-6.1-again.json
check "--replace: exit 0" [ $rc -eq 0 ]
check "--replace: said" has "replaced by the last dump given: HV-61"
check "--replace: in the first one's place, as the last names it" \
	[ "$(jget "$(cat "$tmp/r.json")" '" ".join(j["hosts"])')" = "HV-61 hv-618" ]
run merge --replace "$tmp/pool.json" v2-dump-4.14.json
check "--replace: no duplicate: exit 0" [ $rc -eq 0 ]
check "--replace: no duplicate, nothing replaced" [ "$(grep -c '^replaced' <<<"$out")" = 0 ]
run merge --replace -o "$tmp/r.json" "$tmp/pool.json" v2-dump-6.1-again.json
check "--replace: a host of a merged level: exit 0" [ $rc -eq 0 ]
check "--replace: a host of a merged level, replaced" \
	[ "$(jget "$(cat "$tmp/r.json")" '" ".join(j["hosts"])')" = "hv-618 HV-61" ]

# --- merge --drop HOST: a merged level without that host, merged again
run merge --drop hv-61 -o "$tmp/d.json" "$tmp/pool.json"
check "--drop: exit 0" [ $rc -eq 0 ]
check "--drop: the pool rises" has \
	"level: csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $vb $v617"
check "--drop: said" has "dropped: hv-61"
check "--drop: gone from the level" [ "$(jget "$(cat "$tmp/d.json")" '" ".join(j["hosts"])')" = hv-618 ]
check "--drop: its name kept" [ "$(jget "$(cat "$tmp/d.json")" 'j["name"]')" = merged ]
run merge --drop HV-618 --drop hv-61 --name pool-a "$tmp/pool.json" v2-dump-4.14.json
check "--drop twice, case ignored" has "dropped: HV-618, hv-61"
check "--drop twice: the 4.14 host alone" grep -q "^hosts: hv-414 (kernel" <<<"$out"
run merge --drop hv-61 -o "$tmp/bad.json" v2-dump-6.1.json
check "--drop of every host: exit 2" [ $rc -eq 2 ]
check "--drop of every host: says so" has_err "tunpin: merge: no host left after --drop"
check "--drop of every host: nothing written" [ ! -e "$tmp/bad.json" ]
run merge --drop hv-99 -o "$tmp/bad.json" "$tmp/pool.json"
check "--drop of no host: exit 2" [ $rc -eq 2 ]
check "--drop of no host: one line" one_error_line
check "--drop of no host: says so" has_err "tunpin: merge: --drop hv-99: no such host in the merge set"
check "--drop of no host: nothing written" [ ! -e "$tmp/bad.json" ]
run compare --drop hv-61 linux-6.1 v2-dump-6.1.json
check "--drop is merge's: exit 2" [ $rc -eq 2 ]

# --- merge: hosts without /dev/vhost-net do not limit the vhost-net part
run merge -o "$tmp/novhost.json" v2-dump-6.18.json v2-dump-novhost.json
check "no vhost-net: exit 0" [ $rc -eq 0 ]
check "no vhost-net: the 6.18 vhost set" has \
	"level: csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $vb $v617"
check "no vhost-net: named" has \
	"no /dev/vhost-net (does not limit the vhost-net part): hv-novhost"
check "no vhost-net: recorded" [ "$(jget "$(cat "$tmp/novhost.json")" \
	'" ".join(j["vhost_absent"])')" = hv-novhost ]
# Rebuilt from the level, it still has no vhost-net feature more.
run merge "$tmp/novhost.json" v2-dump-4.14.json
check "level without vhost-net + dump: exit 0" [ $rc -eq 0 ]
check "level without vhost-net + dump: TAP more only" has \
	"hv-novhost has more: ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum"
check "level without vhost-net + dump: 6.18 has the vhost more" has \
	"hv-618 has more: ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617"
run merge v2-dump-novhost.json
check "no host with vhost-net: no vhost feature" has \
	"level: csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum"

# --- merge: bits outside the table every host offers are reported
run merge v2-dump-6.18.json v2-dump-future.json
check "unknown TAP bit: not common" [ "$(grep -c 'cannot pin' <<<"$out")" = 0 ]
run merge v2-dump-7.2.json v2-dump-future.json v2-dump-novhost.json
check "unknown vhost bit: exit 0" [ $rc -eq 0 ]
check "unknown vhost bit: every host with vhost-net offers it" has \
	"every host's vhost-net also offers vhost_unknown:41, which this tunpin cannot pin"
run merge v2-dump-future.json
check "unknown TAP and vhost bits of one host" has \
	"every host also accepts unknown:0x200, which this tunpin cannot pin"
check "unknown vhost bit of one host" has \
	"every host's vhost-net also offers vhost_unknown:41, which this tunpin cannot pin"

# --- merge: a schema 1 dump (an older tunpin) cannot say its vhost-net set
run merge -o "$tmp/bad.json" v2-dump-6.18.json dump-6.1.json
check "schema 1: exit 2" [ $rc -eq 2 ]
check "schema 1: one line" one_error_line
check "schema 1: names the host" says \
	"the vhost-net features of 1 host are unknown (a schema 1 dump or level, or a probe that could not read /dev/vhost-net): tunpin-vm; probe them again with this tunpin"
check "schema 1: nothing written" [ ! -e "$tmp/bad.json" ]

# --- merge: bad input, exit 2, one line, nothing written
for bad in bad/truncated.json bad/schema-3.json bad/unknown-cap.json \
	   bad/level-unknown-cap.json bad/level-schema-3.json \
	   bad/empty.json bad/kind.json no-such.json; do
	run merge -o "$tmp/bad.json" v2-dump-6.1.json "$bad"
	check "$bad: exit 2" [ $rc -eq 2 ]
	check "$bad: one line" one_error_line
	check "$bad: names the file" says "$bad"
	check "$bad: nothing written" [ ! -e "$tmp/bad.json" ]
done
run merge -o "$tmp/bad.json" bad/truncated.json v2-dump-6.1.json
check "truncated" says "truncated JSON"
run merge -o "$tmp/bad.json" v2-dump-6.1.json bad/schema-3.json
check "wrong schema" says "unsupported schema 3 (this tunpin reads 1 to 2)"
run merge -o "$tmp/bad.json" v2-dump-6.1.json bad/unknown-cap.json
check "unknown capability" says "unknown capability 'warp'"
run merge -o "$tmp/bad.json" v2-dump-6.1.json v2-dump-6.1-again.json
check "duplicate host: exit 2" [ $rc -eq 2 ]
check "duplicate host: one line" one_error_line
check "duplicate host: names it" says "duplicate host 'HV-61'"
check "duplicate host: nothing written" [ ! -e "$tmp/bad.json" ]
run merge -o "$tmp/bad.json" v2-dump-6.1.json v2-dump-6.1.json
check "same file twice: exit 2" [ $rc -eq 2 ]
run merge -o "$tmp/bad.json"
check "empty set: exit 2" [ $rc -eq 2 ]
check "empty set: one line" one_error_line
check "empty set: says so" says "empty merge set"
check "empty set: nothing written" [ ! -e "$tmp/bad.json" ]
run merge --name "bad name" -o "$tmp/bad.json" v2-dump-6.1.json
check "bad name: exit 2" [ $rc -eq 2 ]
check "bad name: nothing written" [ ! -e "$tmp/bad.json" ]
run merge -o "$tmp/no/such/dir/pool.json" v2-dump-6.1.json
check "unwritable: exit 1" [ $rc -eq 1 ]
run merge --host dump-6.1.json
check "--host is compare's: exit 2" [ $rc -eq 2 ]

# --- merge: never a level tunpin could not read back (over 8 MiB)
python3 - "$tmp" <<'EOF'
import json, sys
for k in range(2):
    hosts = ["h%d-%05d-" % (k, i) + "x" * 180 for i in range(8192)]
    json.dump({"schema": 2, "kind": "level", "name": "big%d" % k,
               "capabilities": ["csum"], "hosts": hosts,
               "missing": {h: ["tso4"] for h in hosts}, "vhost_absent": hosts},
              open("%s/big%d.json" % (sys.argv[1], k), "w"))
EOF
run -p merge -o "$tmp/bad.json" "$tmp/big0.json" "$tmp/big1.json"
check "level over 8 MiB: exit 1" [ $rc -eq 1 ]
check "level over 8 MiB: says why" says "over the 8 MiB tunpin reads: not written"
check "level over 8 MiB: nothing written" [ ! -e "$tmp/bad.json" ]
check "level over 8 MiB: nothing printed" [ -z "$out" ]
rm -f "$tmp/big0.json" "$tmp/big1.json"

# --- write errors: a full disk is an error in text mode too
for cmd in "merge v2-dump-6.1.json" "compare linux-6.1 v2-dump-6.1.json" \
	   "levels" "known" "-j merge v2-dump-6.1.json"; do
	last="tunpin $cmd >/dev/full"
	# shellcheck disable=SC2086 # the words of the command
	err=$(cd "$data" && "$tool" $cmd 2>&1 >/dev/full); rc=$?
	check "exit 1" [ $rc -eq 1 ]
	check "says so" has_err "tunpin: stdout: No space left on device"
done
run merge -o /dev/full v2-dump-6.1.json
check "-o /dev/full: exit 1" [ $rc -eq 1 ]
check "-o /dev/full: says so" has_err "tunpin: /dev/full: No space left on device"
check "-o /dev/full: no summary" [ "$(wc -l <<<"$err")" = 1 ]

# --- compare: identical / superset 0, incompatible 3
run compare linux-6.1 dump-6.1.json
check "identical: exit 0" [ $rc -eq 0 ]
check "identical" has "tunpin-vm (kernel 6.1.0-56-amd64) against level linux-6.1: identical"
check "schema 1: vhost-net not compared" has \
	"vhost-net: not compared (tunpin-vm: vhost-net features unknown)"
run compare linux-6.1 v2-dump-6.1.json
check "schema 2: identical" has "hv-61 (kernel 6.1.0-57-amd64) against level linux-6.1: identical"
check "schema 2: vhost-net compared" [ "$(grep -c '^vhost-net' <<<"$out")" = 0 ]
run compare linux-6.3 v2-dump-6.1.json
check "6.3 on 6.1: exit 3" [ $rc -eq 3 ]
check "6.3 on 6.1: no ring reset" has "missing: uso4 uso6 vhost_ring_reset"
run compare linux-6.17 v2-dump-novhost.json
check "no vhost-net: TAP only" has "hv-novhost (kernel 6.18.44) against level linux-6.17: identical"
check "no vhost-net: says so" has "vhost-net: not compared (hv-novhost: no /dev/vhost-net)"
run compare "$tmp/pool.json" v2-dump-6.18.json
check "superset: exit 0" [ $rc -eq 0 ]
check "superset" grep -q ": superset$" <<<"$out"
check "superset: more" has "more: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617"
run compare linux-6.2 v2-dump-6.1.json
check "incompatible: exit 3" [ $rc -eq 3 ]
check "incompatible: missing" has "missing: uso4 uso6"
run -j compare "$tmp/pool.json" v2-dump-4.14.json
check "-j incompatible: exit 3" [ $rc -eq 3 ]
check "-j: JSON" json_ok "$out"
check "-j: result" [ "$(jget "$out" 'j["result"]')" = incompatible ]
check "-j: missing ufo" [ "$(jget "$out" '" ".join(j["missing"])')" = ufo ]
run compare v2-dump-6.1.json v2-dump-4.14.json
check "dump vs dump: exit 3" [ $rc -eq 3 ]
check "dump vs dump: missing" has "missing: ufo"
check "dump vs dump: features" has "features missing: napi napi_frags no_carrier"
# Capabilities alike, but unknown bits or features differ: not "identical".
run compare v2-dump-6.18.json v2-dump-future.json
check "unknown bits: exit 0" [ $rc -eq 0 ]
check "unknown bits: not identical" has \
	"hv-future (kernel 7.3.0) against hv-618 (kernel 6.18.44-fc-v782): same capabilities, but unknown bits and unknown vhost bits differ"
check "unknown bits: the TAP flag" has "unknown bits more: unknown:0x200"
check "unknown bits: the vhost bit" has "unknown vhost bits more: vhost_unknown:41"
run compare v2-dump-future.json v2-dump-6.18.json
check "unknown bits missing" has "unknown bits missing: unknown:0x200"
check "unknown vhost bits missing" has "unknown vhost bits missing: vhost_unknown:41"
run compare linux-6.17 v2-dump-future.json
check "level: the host accepts what it cannot pin" has \
	"hv-future (kernel 7.3.0) against level linux-6.17: same capabilities, but unknown bits and unknown vhost bits differ"
run -j compare linux-6.17 v2-dump-future.json
check "-j: result stays the capabilities' verdict" [ "$(jget "$out" 'j["result"]')" = identical ]
check "-j: differences" [ "$(jget "$out" '", ".join(j["differences"])')" = \
	"unknown bits, unknown vhost bits" ]
check "-j: unknown_more" [ "$(jget "$out" '" ".join(j["unknown_more"] + j["vhost_unknown_more"])')" = \
	"unknown:0x200 vhost_unknown:41" ]
run compare v2-dump-4.14.json v2-dump-6.1.json
check "superset, features more" has "features more: napi napi_frags no_carrier"
run -j compare v2-dump-4.14.json v2-dump-6.1.json
check "-j: features_more" [ "$(jget "$out" '" ".join(j["features_more"])')" = \
	"napi napi_frags no_carrier" ]
check "-j: differences, capabilities first" [ "$(jget "$out" '", ".join(j["differences"])')" = \
	"capabilities, features" ]
run -j compare linux-6.1 v2-dump-6.1.json
check "-j: identical, no difference" [ "$(jget "$out" 'j["result"] + str(len(j["differences"]))')" = identical0 ]
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

# --- diff: what a kernel upgrade would expose; exits like diff(1)
run diff v2-dump-6.1.json v2-dump-6.18.json
check "different: exit 1" [ $rc -eq 1 ]
check "kernel" has "kernel: 6.1.0-57-amd64 -> 6.18.44-fc-v782"
check "added" has "added: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617"
check "removed" has "removed: none"
check "no feature change" [ "$(grep -c '^features' <<<"$out")" = 0 ]
run diff dump-6.1.json dump-6.18.json
check "schema 1: TAP only" has "added: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum"
check "schema 1: says so" has "vhost-net: not compared (tunpin-vm: vhost-net features unknown)"
run diff v2-dump-4.14.json v2-dump-6.1.json
check "4.14 to 6.1: ufo" has "added: ufo"
check "4.14 to 6.1: features" has "features added: napi napi_frags no_carrier"
run diff v2-dump-6.18.json v2-dump-future.json
check "unknown bits" has "unknown bits added: unknown:0x200"
check "unknown vhost bits" has "unknown vhost bits added: vhost_unknown:41"
run -j diff v2-dump-future.json v2-dump-6.18.json
check "-j: unknown vhost bits removed" [ "$(jget "$out" \
	'" ".join(j["vhost_unknown_removed"])')" = vhost_unknown:41 ]
run diff v2-dump-future.json v2-dump-novhost.json
check "unknown vhost bits: not compared without the device" \
	[ "$(grep -c 'vhost bits' <<<"$out")" = 0 ]
run diff linux-4.14 linux-4.15
check "levels: ufo came back" has "added: ufo"
run -j diff v2-dump-6.18.json v2-dump-4.14.json
check "-j: JSON" json_ok "$out"
check "-j: removed" [ "$(jget "$out" '" ".join(j["removed"])')" = \
	"ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum $v617" ]
check "-j: vhost compared" [ "$(jget "$out" 'j["vhost_compared"]')" = true ]
run diff dump-6.1.json bad/no-schema.json
check "bad input: exit 2" [ $rc -eq 2 ]
check "bad input: one line" one_error_line
run diff dump-6.1.json
check "one operand: exit 2" [ $rc -eq 2 ]
run diff v2-dump-6.1.json v2-dump-6.1-again.json
check "same set, another host name: exit 0" [ $rc -eq 0 ]
check "same: nothing added" has "added: none"
run diff linux-6.1 linux-6.1
check "a level and itself: exit 0" [ $rc -eq 0 ]
run -j diff v2-dump-6.1.json v2-dump-6.1.json
check "-j same: exit 0" [ $rc -eq 0 ]
run -j diff v2-dump-6.1.json v2-dump-4.14.json
check "-j different: exit 1" [ $rc -eq 1 ]
check "-j different: JSON" json_ok "$out"
run diff v2-dump-6.18.json v2-dump-future.json
check "unknown bits only: different, exit 1" [ $rc -eq 1 ]
run diff v2-dump-6.1.json no-such.json
check "no such file: trouble, exit 2" [ $rc -eq 2 ]
run diff v2-dump-6.1.json "$tmp/null.json"
check "null: trouble, exit 2" [ $rc -eq 2 ]
for j in "" -j; do
	last="tunpin $j diff same same >/dev/full"
	err=$(cd "$data" && "$tool" $j diff v2-dump-6.1.json v2-dump-6.1.json \
	      2>&1 >/dev/full); rc=$?
	check "write error: trouble, exit 2" [ $rc -eq 2 ]
	check "write error: says so" has_err "tunpin: stdout: No space left on device"
	last="tunpin $j diff old new >/dev/full"
	err=$(cd "$data" && "$tool" $j diff v2-dump-6.1.json v2-dump-6.18.json \
	      2>&1 >/dev/full); rc=$?
	check "write error, different: still trouble, exit 2" [ $rc -eq 2 ]
done

# --- input that is JSON but no document of tunpin's, and inputs too big
printf 'null\n' >"$tmp/null.json"
run compare linux-6.1 "$tmp/null.json"
check "null: exit 2" [ $rc -eq 2 ]
check "null: one line" one_error_line
check "null: names the file" has_err \
	"tunpin: $tmp/null.json: not a tunpin dump or level: JSON null, expected an object"
printf '[]' >"$tmp/array.json"
run merge -o "$tmp/bad.json" v2-dump-6.1.json "$tmp/array.json"
check "array: exit 2" [ $rc -eq 2 ]
check "array: says so" says "$tmp/array.json: not a tunpin dump or level: JSON array"
check "array: nothing written" [ ! -e "$tmp/bad.json" ]
last="tunpin diff - v2-dump-6.1.json <<<null"
err=$(cd "$data" && "$tool" diff - v2-dump-6.1.json <<<null 2>&1 >/dev/null); rc=$?
check "null on stdin: exit 2" [ $rc -eq 2 ]
check "null on stdin: names it" says "<stdin>: not a tunpin dump or level: JSON null"
# 50 MB: refused before it is read, in little memory (maxrss in KB)
truncate -s 50M "$tmp/big.json"
maxrss() {	# maxrss CMD...: run it (stdin from $in), its exit code and maxrss
	python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], stdin=open(sys.argv[1], "rb"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
sys.stderr.write(r.stderr.decode())
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
read -r rc kb < <(maxrss /dev/null "$tool" compare linux-6.1 "$tmp/big.json" 2>"$tmp/err")
err=$(<"$tmp/err") last="tunpin compare linux-6.1 big.json (50 MB)"
check "50 MB file: exit 2" [ "$rc" -eq 2 ]
check "50 MB file: says why" says "$tmp/big.json: too big: over the 8 MiB a dump or level may have (not read)"
check "50 MB file: maxrss under 16 MB ($kb KB)" [ "$kb" -lt 16384 ]
head -c 50M /dev/zero | tr '\0' ' ' >"$tmp/big-pipe.json"
read -r rc kb < <(maxrss "$tmp/big-pipe.json" "$tool" merge - 2>"$tmp/err")
err=$(<"$tmp/err") last="tunpin merge - <50 MB"
check "50 MB on stdin: exit 2" [ "$rc" -eq 2 ]
check "50 MB on stdin: says why" says "<stdin>: too big: over the 8 MiB"
check "50 MB on stdin: maxrss under 32 MB ($kb KB)" [ "$kb" -lt 32768 ]
rm -f "$tmp/big.json" "$tmp/big-pipe.json"

# --- one LEVEL grammar: a capability list wherever a level goes
nal="not a capability list, a catalog level or a readable file"
run compare csum,tso4,tso6,tso_ecn,ufo v2-dump-6.1.json
check "compare LIST DUMP: exit 0" [ $rc -eq 0 ]
check "compare LIST DUMP: named by its names" has \
	"hv-61 (kernel 6.1.0-57-amd64) against level csum,tso4,tso6,tso_ecn,ufo: superset"
run compare "csum tso4 uso4" v2-dump-6.1.json
check "compare, spaces: incompatible, exit 3" [ $rc -eq 3 ]
check "compare, spaces: missing uso4" has "missing: uso4"
run -j compare none v2-dump-6.1.json
check "compare none -j: exit 0" [ $rc -eq 0 ]
check "compare none -j: the level" [ "$(jget "$out" 'j["reference"]["level"]')" = none ]
run diff linux-6.1 csum,tso4
check "diff CATALOG LIST: exit 1, they differ" [ $rc -eq 1 ]
check "diff CATALOG LIST: new" has "new: level csum,tso4"
run merge v2-dump-6.18.json csum,tso4,ufo
check "merge DUMP LIST: exit 0" [ $rc -eq 0 ]
check "merge DUMP LIST: the list caps it" has "level: csum tso4 ufo"
for cmd in "compare csum,tso_e v2-dump-6.1.json" "compare v2-dump-6.1.json csum,tso_e" \
	   "diff csum,tso_e linux-6.1" "merge v2-dump-6.1.json csum,tso_e" \
	   "set csum,tso_e" "override add /x csum,tso_e"; do
	# shellcheck disable=SC2086
	run $cmd
	check "$cmd: exit 2" [ $rc -eq 2 ]
	check "$cmd: one line" one_error_line
	check "$cmd: says what was tried" says "tunpin: $nal: csum,tso_e (unknown capability 'tso_e'"
done
run compare no-such-dir/x.json v2-dump-6.1.json
check "missing file: exit 2" [ $rc -eq 2 ]
check "missing file: says what was tried" says "tunpin: $nal: no-such-dir/x.json ("
for cmd in "compare unpinned v2-dump-6.1.json" "diff linux-6.1 unpinned" \
	   "merge unpinned"; do
	# shellcheck disable=SC2086
	run $cmd
	check "$cmd: exit 2" [ $rc -eq 2 ]
	check "$cmd: says why" says "unpinned is no set of capabilities"
done
# precedence: a word that is a capability list or catalog name is that
mkdir "$tmp/prec"
cp "$data/level-pool-x.json" "$tmp/prec/csum"
out=$(cd "$tmp/prec" && "$tool" compare csum "$data/v2-dump-6.1.json" 2>&1); rc=$?
last="tunpin compare csum (a file csum here)"
check "a file named csum: the capability wins" grep -qx \
	"hv-61 (kernel 6.1.0-57-amd64) against level csum: superset" <<<"$out"
out=$(cd "$tmp/prec" && "$tool" compare ./csum "$data/v2-dump-6.1.json" 2>&1); rc=$?
last="tunpin compare ./csum"
check "./csum: the file" grep -q "against level pool-x: superset" <<<"$out"

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
