#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin merge at fleet scale, without a VM or the module: 1,000 dumps
# made from those of tests/data (six kinds of host: Linux 4.14, 6.1,
# 6.12, 6.18, 7.2, and 6.18 without /dev/vhost-net), in a shuffled order.
# The human report must stay small (under 40 lines, none over 200 bytes)
# and name what lowers the pool; -j, -o and -v keep every host; --replace
# and --drop change one host of the merged level. Prints "N passed, N
# failed"; exits 1 on any failure.
# Usage: fleet.sh [TUNPIN]
set -u

here=$(cd "$(dirname "$0")" && pwd)
tool=$(realpath "${1:-$here/../tunpin}")
data=$here/data
check_width=600
# shellcheck source=lib.sh
. "$here/lib.sh"

run() {		# run ARGS...: tunpin in $tmp, into $out $err $rc
	run_in "$tmp" "$@"
}

has() { grep -qxF -- "$1" <<<"$out"; }
says() { grep -qF -- "$1" <<<"$err"; }
lines() { wc -l <<<"$out"; }
widest() {	# widest [TEXT]: the longest line of TEXT (or $out), in bytes
	LC_ALL=C awk '{ if (length($0) > n) n = length($0) }
	END { print n + 0 }' <<<"${1-$out}"
}
jget() {	# jget JSON-FILE EXPR: a python expression of the parsed j
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>&1
}

# mkfleet DIR: the 1,000 dumps, host-NNNN.json; hv-0414 is the 4.14 one.
mkfleet() {
	python3 - "$data" "$1" <<'EOF'
import json, random, sys
data, out = sys.argv[1], sys.argv[2]
bits = {"csum": 0x1, "tso4": 0x2, "tso6": 0x4, "tso_ecn": 0x8, "ufo": 0x10,
        "uso4": 0x20, "uso6": 0x40, "udp_tunnel_gso": 0x80,
        "udp_tunnel_gso_csum": 0x100}
def load(name):
    return json.load(open("%s/%s" % (data, name)))
# 6.12: the 6.18 dump without the UDP-tunnel offloads and vhost-net's
# in_order (bit 35) and tunnel bits (word 1): the linux-6.3 set
d612 = load("v2-dump-6.18.json")
d612["kernel"] = "6.12.95"
drop = {"udp_tunnel_gso", "udp_tunnel_gso_csum", "vhost_in_order",
        "vhost_guest_udp_tunnel_gso", "vhost_host_udp_tunnel_gso"}
d612["capabilities"] = [c for c in d612["capabilities"] if c not in drop]
m = int(d612["masks"]["capabilities"], 16) & ~(0x180 | 0x20000 | 0x180000)
d612["masks"]["capabilities"] = hex(m)
d612["vhost"]["features"] = [hex(int(d612["vhost"]["features"][0], 16) &
                                 ~(1 << 35)), "0x0"]
for p in d612["probes"]:
    if p["tests"].startswith("udp_tunnel"):
        p["result"] = "EINVAL"
kinds = ([d612] * 600 + [load("v2-dump-6.18.json")] * 250 +
         [load("v2-dump-6.1.json")] * 140 + [load("v2-dump-novhost.json")] * 5 +
         [load("v2-dump-7.2.json")] * 4)
random.Random(19).shuffle(kinds)
kinds.insert(413, load("v2-dump-4.14.json"))
for i, d in enumerate(kinds, 1):
    d = dict(d, host="hv-%04d" % i)
    json.dump(d, open("%s/host-%04d.json" % (out, i), "w"))
EOF
}

mkdir "$tmp/fleet"
mkfleet "$tmp/fleet"
check "1,000 dumps made" [ "$(find "$tmp/fleet" -name 'host-*.json' | wc -l)" -eq 1000 ]

# --- the human report: small, whatever the number of hosts
s=$(date +%s%N)
run merge -o pool.json --name fleet "$tmp"/fleet/host-*.json
ms=$(( ($(date +%s%N) - s) / 1000000 ))
echo "# merge of 1,000 dumps: $ms ms"
while IFS= read -r l; do echo "#   $l"; done <<<"$out"
check "exit 0" [ $rc -eq 0 ]
check "under 40 lines ($(lines))" [ "$(lines)" -lt 40 ]
check "no line over 200 bytes ($(widest))" [ "$(widest)" -le 200 ]
check "the level: 4.14's" has "level: csum tso4 tso6 tso_ecn vhost_mrg_rxbuf vhost_notify_on_empty vhost_log_all vhost_any_layout vhost_indirect_desc vhost_event_idx vhost_version_1 vhost_access_platform"
check "hosts counted, in groups" has \
	"hosts: 1000, in 6 groups of the same capabilities and kernel (-v: every host)"
check "the largest group first, a few named" grep -qx \
	'  600 hosts, linux 6\.12\.95: linux-6\.3  (hv-[0-9]* hv-[0-9]* hv-[0-9]* \.\.\. +597)' <<<"$out"
check "6.18" grep -q '^  250 hosts, linux 6\.18\.44-fc-v782: linux-6\.17  (' <<<"$out"
check "6.1" grep -q '^  140 hosts, linux 6\.1\.0-57-amd64: linux-6\.1  (' <<<"$out"
check "no /dev/vhost-net: its TAP part" grep -q \
	'^    5 hosts, linux 6\.18\.44: level + ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum, no /dev/vhost-net  (' <<<"$out"
check "the one below: the level" has \
	"    1 host, linux 4.14.1-041401-generic: linux-4.14, the level  (hv-0414)"
check "the limiting host and what the pool gains without it" has \
	"without hv-0414 the pool gains ufo (it is linux-4.14)"
check "only hosts whose removal changes the pool" [ "$(grep -c '^without ' <<<"$out")" = 1 ]
check "what no one group lowers alone" has \
	"lacked by more than one group: uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum vhost_in_order vhost_ring_reset vhost_guest_udp_tunnel_gso vhost_host_udp_tunnel_gso (-v: by which hosts)"
check "no /dev/vhost-net: a few named" grep -qx \
	'no /dev/vhost-net (does not limit the vhost-net part): hv-[0-9]*, hv-[0-9]*, hv-[0-9]*, \.\.\. +2' <<<"$out"
check "no per-host line" [ "$(grep -c ' has more: ' <<<"$out")" = 0 ]
check "-o: said on stderr" says "tunpin: pool.json: level fleet (1000 hosts): "

# --- the full lists: -o, -j and -v
check "-o: 1,000 hosts" [ "$(jget "$tmp/pool.json" 'len(j["hosts"])')" = 1000 ]
check "-o: 1,000 missing lists" [ "$(jget "$tmp/pool.json" 'len(j["missing"])')" = 1000 ]
check "-o: hv-0414 lacks ufo" [ "$(jget "$tmp/pool.json" '" ".join(j["missing"]["hv-0414"][:1])')" = ufo ]
check "-o: 5 without vhost-net" [ "$(jget "$tmp/pool.json" 'len(j["vhost_absent"])')" = 5 ]
run -j merge "$tmp"/fleet/host-*.json
echo "$out" >"$tmp/j.json"
check "-j: exit 0" [ $rc -eq 0 ]
check "-j: every host" [ "$(jget "$tmp/j.json" 'len(j["hosts"])')" = 1000 ]
check "-j: the same level" [ "$(jget "$tmp/j.json" 'j["capabilities"]')" = \
	"$(jget "$tmp/pool.json" 'j["capabilities"]')" ]
run merge -v "$tmp"/fleet/host-*.json
check "-v: exit 0" [ $rc -eq 0 ]
check "-v: every host on the hosts line" [ "$(grep '^hosts:' <<<"$out" | tr ',' '\n' | wc -l)" = 1000 ]
check "-v: each host with more" [ "$(grep -c ' has more: ' <<<"$out")" = 999 ]
check "-v: who lacks ufo" has "  ufo: hv-0414"
check "-v: the limiting host too" has "without hv-0414 the pool gains ufo (it is linux-4.14)"
check "-v: every host without vhost-net" [ "$(grep '^no /dev/vhost-net' <<<"$out" | tr ',' '\n' | wc -l)" = 5 ]

# --- the merged level merges on, small too (no kernel releases in it)
run merge pool.json
check "the level again: exit 0" [ $rc -eq 0 ]
check "the level again: under 40 lines" [ "$(lines)" -lt 40 ]
check "the level again: no line over 200 bytes" [ "$(widest)" -le 200 ]
check "the level again: groups by set alone" grep -q '^  600 hosts: linux-6\.3  (' <<<"$out"
check "the level again: the limiting host" has "without hv-0414 the pool gains ufo (it is linux-4.14)"

# --- --replace: hv-0414 upgraded to 6.1, merged into the pool
python3 - "$data/v2-dump-6.1.json" "$tmp/hv-0414-new.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["host"] = "HV-0414"
json.dump(d, open(sys.argv[2], "w"))
EOF
run merge -o new.json pool.json hv-0414-new.json
check "a host twice: exit 2" [ $rc -eq 2 ]
check "a host twice: duplicate, --replace named" says \
	"duplicate host 'HV-0414' (as 'hv-0414'): each host may be merged once (--replace: its last dump replaces the others)"
check "a host twice: nothing written" [ ! -e "$tmp/new.json" ]
run merge --replace -o new.json pool.json hv-0414-new.json
check "--replace: exit 0" [ $rc -eq 0 ]
check "--replace: the level rises to 6.1's" grep -q '^same set as: .*linux-6\.1' <<<"$out"
check "--replace: said" has "replaced by the last dump given: HV-0414"
check "--replace: still 1,000 hosts" [ "$(jget "$tmp/new.json" 'len(j["hosts"])')" = 1000 ]
check "--replace: in its place" [ "$(jget "$tmp/new.json" 'j["hosts"][413]')" = HV-0414 ]
check "--replace: 6.1's missing list" [ "$(jget "$tmp/new.json" '" ".join(j["missing"]["HV-0414"])')" = \
	"uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum vhost_in_order vhost_ring_reset vhost_guest_udp_tunnel_gso vhost_host_udp_tunnel_gso" ]

# --- --drop: the pool without hv-0414
run merge --drop hv-0414 -o dropped.json pool.json
check "--drop: exit 0" [ $rc -eq 0 ]
check "--drop: the level rises" grep -q '^same set as: .*linux-6\.1' <<<"$out"
check "--drop: 999 hosts" [ "$(jget "$tmp/dropped.json" 'len(j["hosts"])')" = 999 ]
check "--drop: hv-0414 gone" [ "$(jget "$tmp/dropped.json" '"hv-0414" in j["hosts"]')" = false ]
check "--drop: the same level as --replace" [ "$(jget "$tmp/dropped.json" 'j["capabilities"]')" = \
	"$(jget "$tmp/new.json" 'j["capabilities"]')" ]
run merge --drop HV-0414 --drop hv-0001 pool.json
check "--drop twice, case ignored: exit 0" [ $rc -eq 0 ]
check "--drop twice: 998 hosts" grep -q '^hosts: 998, ' <<<"$out"
run merge --drop hv-9999 -o bad.json pool.json
check "--drop of no host: exit 2" [ $rc -eq 2 ]
check "--drop of no host: says so" says "tunpin: merge: --drop hv-9999: no such host in the merge set"
check "--drop of no host: nothing written" [ ! -e "$tmp/bad.json" ]

# --- many groups, many limiting hosts: the lists are capped and counted
mkdir "$tmp/many"
python3 - "$data/v2-dump-6.18.json" "$tmp/many" <<'EOF'
import json, sys
base, out = json.load(open(sys.argv[1])), sys.argv[2]
# capability bit, and vhost-net feature bit for the vhost ones
bits = {"tso4": (0x2, None), "tso6": (0x4, None), "tso_ecn": (0x8, None),
        "ufo": (0x10, None), "uso4": (0x20, None), "uso6": (0x40, None),
        "udp_tunnel_gso": (0x80, None), "udp_tunnel_gso_csum": (0x100, None),
        "vhost_ring_reset": (0x40000, 40), "vhost_in_order": (0x20000, 35)}
# hv-l00..hv-l09 each lack one capability; hv-l10 and hv-l11 lack what
# hv-l00 and hv-l01 do, on other kernels; 18 lack nothing
lack = [(c, "6.18.44-fc-v782") for c in bits] + [("tso4", "6.18.45"),
                                                 ("tso6", "6.18.46")]
for i in range(30):
    d = json.loads(json.dumps(base))
    d["host"] = "hv-l%02d" % i if i < len(lack) else "hv-full-%02d" % i
    if i < len(lack):
        c, d["kernel"] = lack[i]
        cap, vbit = bits[c]
        d["capabilities"].remove(c)
        d["masks"]["capabilities"] = hex(int(d["masks"]["capabilities"], 16) & ~cap)
        if vbit:
            w = int(d["vhost"]["features"][0], 16) & ~(1 << vbit)
            d["vhost"]["features"][0] = hex(w)
    json.dump(d, open("%s/h%02d.json" % (out, i), "w"))
EOF
run merge "$tmp"/many/h*.json
while IFS= read -r l; do echo "#   $l"; done <<<"$out"
check "many: exit 0" [ $rc -eq 0 ]
check "many: under 40 lines" [ "$(lines)" -lt 40 ]
# (its level: line lists 11 capabilities: the table's size, not the pool's)
check "many: no other line over 200 bytes" [ "$(widest "$(grep -v '^level: ' <<<"$out")")" -le 200 ]
check "many: 13 groups" grep -q '^hosts: 30, in 13 groups' <<<"$out"
check "many: 10 shown" [ "$(grep -c '^ *[0-9][0-9]* hosts\{0,1\}, linux' <<<"$out")" = 10 ]
check "many: the rest counted" has "  ... 3 more groups, 3 hosts"
check "many: 8 limiting lines" [ "$(grep -c '^without ' <<<"$out")" = 8 ]
check "many: the rest counted" has \
	"... and 2 more groups without which the pool would gain (-v lists them)"
check "many: a group against a catalog level" has \
	"   1 host, linux 6.18.44-fc-v782: linux-6.17 - ufo  (hv-l03)"
check "many: the single hosts first" [ "$(grep '^without ' <<<"$out" | grep -c '^without hv-l0[2-9] the pool gains [a-z_0-9]* (kernel 6.18.44-fc-v782)$')" = 8 ]
run merge -v "$tmp"/many/h*.json
check "many -v: every limiting group" [ "$(grep -c '^without ' <<<"$out")" = 10 ]
check "many -v: two hosts of two kernels" has \
	"without the 2 hosts hv-l00 hv-l10 the pool gains tso4"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
