#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `tunpin probe` on the build machine's own kernel (no module, never
# loaded here): the capabilities it reports must match the kernel release
# (uso4 and uso6 from 6.2, the udp-tunnel bits from 6.17; the machines of
# this project run 6.18, so all nine). Needs root (a TAP is created and
# destroyed). Prints "N passed, N failed"; exits 1 on any failure.
# Usage: host-probe.sh [TUNPIN]
set -u

tool=${1:-$(dirname "$0")/../tunpin}
# shellcheck source=json_keep.sh
. "$(dirname "$0")/json_keep.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-host-probe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() {	# check DESCRIPTION COMMAND...
	if "${@:2}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "host-probe: failed: $1" >&2
	fi
}

jget() {	# jget FILE EXPR: a python expression of the parsed j
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>&1
}

has() {		# has CAP: the dump lists it
	[ "$(jget "$tmp/dump.json" "'$1' in j['capabilities']")" = true ]
}

hasnt() {	# hasnt CAP
	! has "$1"
}

# The kernel release as one number: 6.18 -> 618.
IFS=.- read -r major minor _ <<<"$(uname -r)"
release=$((major * 100 + minor))

"$tool" probe -j >"$tmp/dump.json" 2>"$tmp/err"
rc=$?
keep_json dump "$tmp/dump.json"
check "probe -j exits 0 ($(cat "$tmp/err"))" [ $rc -eq 0 ]
check "a dump, schema 2" [ "$(jget "$tmp/dump.json" \
	'"%s %s" % (j["schema"], j["kind"])')" = "2 dump" ]
check "kernel is uname -r" [ "$(jget "$tmp/dump.json" 'j["kernel"]')" = "$(uname -r)" ]
check "host is hostname" [ "$(jget "$tmp/dump.json" 'j["host"]')" = "$(hostname)" ]
for cap in csum tso4 tso6 tso_ecn ufo; do
	check "$cap is native" has $cap
done
for cap in uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum; do
	since=602
	case $cap in udp_tunnel*) since=617 ;; esac
	if [ $release -ge $since ]; then
		check "$cap is native on $(uname -r)" has $cap
	else
		check "$cap is not native on $(uname -r)" hasnt $cap
	fi
done
check "masks agree with the list" [ "$(jget "$tmp/dump.json" '
sum(1 << i for i, c in enumerate(["csum", "tso4", "tso6", "tso_ecn", "ufo",
    "uso4", "uso6", "udp_tunnel_gso", "udp_tunnel_gso_csum"])
    if c in j["capabilities"]) == int(j["masks"]["capabilities"], 16)')" = true ]
check "no unknown bit" [ "$(jget "$tmp/dump.json" 'j["masks"]["unknown"]')" = 0x0 ]
check "features: tap vnet_hdr" [ "$(jget "$tmp/dump.json" \
	'"tap" in j["features"] and "vnet_hdr" in j["features"]')" = true ]
# tun takes uso4 and uso6 only together: alone, each is refused.
if [ $release -ge 602 ]; then
	check "uso4 alone refused, recorded" [ "$(jget "$tmp/dump.json" \
		'[p["result"] for p in j["probes"] if p["tests"] == "uso4"]')" = '["EINVAL"]' ]
fi
check "bits 0x200.. tried one by one" [ "$(jget "$tmp/dump.json" \
	'len([p for p in j["probes"] if p["tests"].startswith("unknown:")])')" = 23 ]

# vhost-net: the words VHOST_GET_FEATURES gives an independent reader
# (python's ioctl), or the dump says why there are none.
if [ -e /dev/vhost-net ]; then
	native=$(python3 -c '
import fcntl, struct
with open("/dev/vhost-net", "rb+", buffering=0) as f:
    b = fcntl.ioctl(f, 0x8008af00, bytes(8))   # VHOST_GET_FEATURES
print(hex(struct.unpack("Q", b)[0]))' 2>&1)
	check "vhost-net probed" [ "$(jget "$tmp/dump.json" 'j["vhost"]["state"]')" = probed ]
	check "vhost-net word 0 is VHOST_GET_FEATURES ($native)" [ "$(jget "$tmp/dump.json" \
		'j["vhost"]["features"][0]')" = "$native" ]
else
	check "no /dev/vhost-net: state absent" [ "$(jget "$tmp/dump.json" \
		'j["vhost"]["state"]')" = absent ]
	check "no /dev/vhost-net: a reason" [ "$(jget "$tmp/dump.json" \
		'"No such file" in j["vhost"]["reason"]')" = true ]
	check "no /dev/vhost-net: no vhost name" [ "$(jget "$tmp/dump.json" \
		'[c for c in j["capabilities"] if c.startswith("vhost_")]')" = '[]' ]
fi

# -o: the same kind of document in a file, nothing on stdout.
"$tool" probe -o "$tmp/o.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
keep_json dump "$tmp/o.json"
check "probe -o exits 0" [ $rc -eq 0 ]
check "probe -o prints nothing on stdout" [ ! -s "$tmp/out" ]
check "probe -o writes the dump" [ "$(jget "$tmp/o.json" 'j["masks"]')" = \
	"$(jget "$tmp/dump.json" 'j["masks"]')" ]
check "no temporary file left" [ -z "$(ls "$tmp" | grep '^o\.json\.')" ]

# A full disk: exit 1 and said, in text as with -o; the -o summary on
# stderr, as merge -o's.
"$tool" probe >/dev/full 2>"$tmp/err"
rc=$?
check "probe >/dev/full exits 1" [ $rc -eq 1 ]
check "probe >/dev/full says so" grep -qx 'tunpin: stdout: No space left on device' "$tmp/err"
"$tool" probe -o "$tmp/o.json" 2>"$tmp/err" >/dev/null
check "probe -o: its summary on stderr" grep -q "^tunpin: $tmp/o.json: $(hostname) (kernel $(uname -r)): csum " "$tmp/err"

# The human form, like ethtool -k.
"$tool" probe >"$tmp/human" 2>&1
check "human form: csum: on" grep -qx 'csum: on' "$tmp/human"
check "human form: unknown bits" grep -qx 'unknown bits: none' "$tmp/human"
if [ -e /dev/vhost-net ]; then
	check "human form: vhost-net words" grep -q '^vhost-net: 0x' "$tmp/human"
else
	check "human form: says there is no vhost-net" \
		grep -qx 'vhost-net: absent (cannot open /dev/vhost-net: No such file or directory)' "$tmp/human"
fi

# Benchmark (reported, not judged here): median of 20 probes, as timed by
# the tool itself (TAP created, probed, destroyed).
for i in $(seq 20); do
	"$tool" probe 2>&1 | sed -n 's/^probed: .* in \([0-9.]*\) ms$/\1/p'
done | sort -n | sed -n 10p >"$tmp/ms"
check "20 timed probes" [ -s "$tmp/ms" ]
printf '# probe: %s ms (kernel %s)\n' "$(<"$tmp/ms")" "$(uname -r)"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
