#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tunpin role (site.yml) across several hosts, without the module or a
# VM: three inventory hosts on this machine (ansible_connection=local), each
# with test-fake-tunpin (its dump, its level and open TAP files in files)
# and the real tool for merge on the controller. The hosts' dumps are of
# three kernels (tests/data: 6.18, 7.2, 6.1), so the pool is the 6.1 host's
# set. Checks: the first run loads the module, pins and saves every host and
# keeps the level; a second run changes nothing (the artifact kept); --check
# (with the dump of a 4.14 host outside the play) reports and changes
# nothing; the gate refuses on every host, with nothing pinned anywhere,
# when one host cannot take the level (an open TAP file granted more, a
# level one host lacks, a module that does not load, a probe that fails);
# --force and a new pool level. What selftests/ansible.sh (in the VM, the
# real module) cannot show. Needs ansible-core; no root. About six minutes.
# Prints "N passed, N failed"; exits 1 on any failure.
# Usage: test-multihost.sh [TUNPIN]   (default: tools/tunpin/tunpin)
set -u

here=$(cd "$(dirname "$0")" && pwd)
real=$(realpath "${1:-$here/../../tools/tunpin/tunpin}")
data=$here/../../tools/tunpin/tests/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-multihost.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 rc=0 out=

mkdir -p "$tmp/home" "$tmp/tmp"
export HOME=$tmp/home TMPDIR=$tmp/tmp ANSIBLE_NOCOLOR=1
export ANSIBLE_LOCAL_TEMP=$tmp/home/.ansible/tmp
export ANSIBLE_REMOTE_TEMP=$tmp/home/.ansible/tmp
export ANSIBLE_RETRY_FILES_ENABLED=0 PYTHONDONTWRITEBYTECODE=1
ln -s "$here/test-fake-tunpin" "$tmp/fake"
ln -s "$real" "$tmp/tunpin-real"
hosts="a b c"

reset() {	# three hosts, the module not loaded: 6.18, 7.2 and 6.1
	local h
	rm -rf "$tmp/st" "$tmp/root-"* "$tmp/artifacts"
	for h in $hosts; do
		mkdir -p "$tmp/st/$h"
		ln -sf fake "$tmp/tunpin-$h"
		echo '{"level": "unpinned", "pinned": false, "capabilities": [], "name": ""}' \
			>"$tmp/st/$h/level.json"
	done
	cp "$data/v2-dump-6.18.json" "$tmp/st/a/dump.json"
	cp "$data/v2-dump-7.2.json" "$tmp/st/b/dump.json"
	cp "$data/v2-dump-6.1.json" "$tmp/st/c/dump.json"
}

{
	echo "[tunpin_hosts]"
	for h in $hosts; do
		echo "$h tunpin_bin=$tmp/tunpin-$h tunpin_root=$tmp/root-$h" \
		     "tunpin_modprobe='[\"$tmp/tunpin-$h\", \"fake-modprobe\"]'"
	done
	echo "[tunpin_hosts:vars]"
	echo "ansible_connection=local"
	echo "ansible_python_interpreter=/usr/bin/python3"
	echo "tunpin_become=false"
	echo "tunpin_service=false"
	echo "tunpin_controller_bin=$real"
	echo "tunpin_artifact_dir=$tmp/artifacts"
} >"$tmp/inventory.ini"

play() {	# play ARGS...: status in $rc, output in $out
	ansible-playbook -i "$tmp/inventory.ini" "$here/site.yml" "$@" \
		>"$tmp/out" 2>&1
	rc=$?
	out=$(<"$tmp/out")
}

check() {	# check DESCRIPTION COMMAND...
	if "${@:2}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "multihost: failed: $1 (rc=$rc)" >&2
		tail -n 40 <<<"$out" | sed 's/^/  /' >&2
	fi
}

says() { grep -qF -- "$1" <<<"$out"; }
levels() {	# levels: "a=LEVEL/NAME b=... c=..."
	local h
	for h in $hosts; do
		python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))
print(sys.argv[2] + "=" + j["level"] + "/" + j["name"])' "$tmp/st/$h/level.json" "$h"
	done | paste -sd ' '
}
recap() {	# recap: "a changed=N b changed=N c changed=N"
	grep -E '^[abc] +:' <<<"$out" | sed 's/ *: */ /' | awk '{print $1, $3}' |
		paste -sd ' '
}
sets() { cat "$tmp"/st/*/log 2>/dev/null | grep -c '^ set '; }
pool=$(python3 -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["capabilities"]))' "$data/v2-dump-6.1.json")
high=$(python3 -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["capabilities"]))' "$data/v2-dump-7.2.json")
unpinned="a=unpinned/ b=unpinned/ c=unpinned/"
lacks="uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum vhost_in_order vhost_ring_reset vhost_guest_udp_tunnel_gso vhost_host_udp_tunnel_gso"

# --- a first run: every host loaded, pinned, saved; the level kept ---------
reset
play -e tunpin_pool=pool-a
check "apply: exit 0" [ $rc -eq 0 ]
check "apply: modules loaded" [ -e "$tmp/st/a/loaded" ] && [ -e "$tmp/st/c/loaded" ]
check "apply: every host pinned" [ "$(levels)" = "a=$pool/pool-a b=$pool/pool-a c=$pool/pool-a" ]
check "apply: the host that lowers the pool" says "lowers the pool: hv-61 (lacks $lacks)"
check "apply: saved" grep -q '"name": "pool-a"' "$tmp/root-b/etc/tunpin/state.json"
check "apply: modprobe.d" grep -qx "options tunpin level=${pool// /,}" \
	"$tmp/root-c/etc/modprobe.d/tunpin.conf"
check "apply: level kept" [ "$(python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); print(j["name"], " ".join(j["hosts"]))' \
	"$tmp/artifacts/pool-a.json")" = "pool-a hv-618 hv-72 hv-61" ]
check "apply: every host changed" grep -qE '^a changed=[1-9].* b changed=[1-9].* c changed=[1-9]' <<<"$(recap)"
cp "$tmp/artifacts/pool-a.json" "$tmp/kept.json"
cp "$tmp/root-a/etc/tunpin/state.json" "$tmp/state-a.json"
sleep 1	# a new merge has a new creation time

# --- a second run: nothing changes -----------------------------------------
n=$(sets)
play -e tunpin_pool=pool-a
check "again: exit 0" [ $rc -eq 0 ]
check "again: changed=0" [ "$(recap)" = "a changed=0 b changed=0 c changed=0" ]
check "again: in place" says "a (hv-618, kernel 6.18.44-fc-v782) against pool-a: superset; level already in place"
check "again: not set again" [ "$(sets)" = "$n" ]
check "again: not saved again" cmp -s "$tmp/state-a.json" "$tmp/root-a/etc/tunpin/state.json"
check "again: the kept level untouched" cmp -s "$tmp/kept.json" "$tmp/artifacts/pool-a.json"
play -e tunpin_pool=pool-a --check
check "again --check: changed=0" [ "$(recap)" = "a changed=0 b changed=0 c changed=0" ]

# --- without c: the pool rises, the kept level is replaced -----------------
play -e tunpin_pool=pool-a --limit a,b
check "rise: exit 0" [ $rc -eq 0 ]
check "rise: a and b pinned higher, c left" [ "$(levels)" = "a=$high/pool-a b=$high/pool-a c=$pool/pool-a" ]
check "rise: the kept level replaced" [ "$(python3 -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["hosts"]))' "$tmp/artifacts/pool-a.json")" = "hv-618 hv-72" ]

# --- --check, a 4.14 host outside the play: reports, changes nothing -------
reset
for h in $hosts; do touch "$tmp/st/$h/loaded"; done
play -e tunpin_pool=pool-b --check -e "tunpin_extra_dumps=$data/v2-dump-4.14.json"
check "check: exit 0" [ $rc -eq 0 ]
check "check: the extra dump lowers the pool" says "lowers the pool: hv-61 (lacks $lacks), hv-414 (lacks ufo $lacks)"
pool=${pool/ ufo/}
check "check: nothing pinned" [ "$(levels)" = "$unpinned" ]
check "check: nothing set or saved" [ "$(sets)" = 0 ] && [ ! -e "$tmp/root-a" ]
check "check: no level kept" [ ! -e "$tmp/artifacts/pool-b.json" ]
check "check: what would be" says "b (hv-72, kernel 7.2.13+deb14-amd64) against pool-b: superset; would be pinned: unpinned -> $pool"
check "check: counted as changed" grep -qE '^a changed=[1-9].* b changed=[1-9].* c changed=[1-9]' <<<"$(recap)"
pool=$(python3 -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["capabilities"]))' "$data/v2-dump-6.1.json")

# --- a's VM was granted uso4 (outside the pool): nobody is pinned ----------
reset
cat >"$tmp/st/a/taps.json" <<EOT
[{"pid": 4242, "comm": "qemu-system-x86", "vhost": false, "active": ["csum", "uso4"],
  "granted": ["csum", "tso4", "uso4"], "exempt": false, "override": false},
 {"pid": 4243, "comm": "qemu-nomigrate", "vhost": false, "active": ["udp_tunnel_gso"],
  "granted": ["csum", "udp_tunnel_gso"], "exempt": false, "override": true},
 {"pid": 77, "comm": "tunpin", "vhost": false, "active": ["uso6"],
  "granted": ["uso6"], "exempt": true, "override": false}]
EOT
play -e tunpin_pool=pool-a
check "busy: fails" [ $rc -ne 0 ]
check "busy: names a, its VM and what it uses" says "cannot be pinned to pool-a: a (open TAP files were granted uso4, outside the level: qemu-system-x86[4242] (tunpin_force=true lowers it anyway))"
check "busy: fails on every host" [ "$(grep -c "\"msg\": \"cannot be pinned to pool-a: .*nothing was pinned on any host" <<<"$out")" = 3 ]
check "busy: no level kept" [ ! -e "$tmp/artifacts" ]
check "busy: nobody pinned" [ "$(levels)" = "$unpinned" ] && [ "$(sets)" = 0 ]
play -e tunpin_pool=pool-a -e tunpin_force=true
check "busy, forced: exit 0" [ $rc -eq 0 ]
check "busy, forced: every host pinned" [ "$(levels)" = "a=$pool/pool-a b=$pool/pool-a c=$pool/pool-a" ]

# --- a level c lacks, given: nobody is pinned -------------------------------
reset
play -e tunpin_pool=pool-x -e "tunpin_level_file=$data/v2-dump-7.2.json"
check "incompatible: fails" [ $rc -ne 0 ]
check "incompatible: names c" says "c (lacks $lacks of the level pool-x)"
check "incompatible: a and b could" says "this host can, but not every host"
check "incompatible: nobody pinned" [ "$(levels)" = "$unpinned" ] && [ "$(sets)" = 0 ]
check "incompatible: no level kept" [ ! -e "$tmp/artifacts" ]

# --- b's module does not load: nobody is pinned -----------------------------
reset
touch "$tmp/st/b/nomodule"
play -e tunpin_pool=pool-a
check "no module: fails" [ $rc -ne 0 ]
check "no module: says so" says "Module tunpin not found"
check "no module: names b" says "no pool level: failed before the merge: b"
check "no module: nobody pinned" [ "$(levels)" = "$unpinned" ] && [ "$(sets)" = 0 ]

# --- c cannot be probed: no pool level --------------------------------------
reset
rm "$tmp/st/c/dump.json"
play -e tunpin_pool=pool-a
check "no probe: fails" [ $rc -ne 0 ]
check "no probe: names c" says "no pool level: failed before the merge: c"
check "no probe: nobody pinned" [ "$(levels)" = "$unpinned" ] && [ "$(sets)" = 0 ]
check "no probe: no level kept" [ ! -e "$tmp/artifacts/pool-a.json" ]

check "no temporary files left" [ -z "$(find "$TMPDIR" -maxdepth 1 -name 'tunpin-role.*')" ]

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
