#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin-pool.yml across several hosts, without the module or a VM: three
# inventory hosts on this machine (ansible_connection=local), each with a
# fake tunpin (probe copies a dump, compare goes to the real tool against
# that dump, level/set/save keep a JSON file), the real tool for merge on
# the controller. What selftests/ansible.sh (one host, in the VM, the real
# module) cannot show: the pool is the intersection of all the hosts, and
# no host is pinned unless every host can be (one incompatible, one without
# the module, one that cannot be probed). Needs ansible-core; no root.
# Prints "N passed, N failed"; exits 1 on any failure. About 3 minutes.
# Usage: test-multihost.sh [TUNPIN]   (default: tools/tunpin/tunpin)
set -u

here=$(cd "$(dirname "$0")" && pwd)
real=$(realpath "${1:-$here/../../tools/tunpin/tunpin}")
data=$here/../../tools/tunpin/tests/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-multihost.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

mkdir -p "$tmp/home" "$tmp/tmp"
export HOME=$tmp/home TMPDIR=$tmp/tmp ANSIBLE_NOCOLOR=1
export ANSIBLE_LOCAL_TEMP=$tmp/home/.ansible/tmp
export ANSIBLE_REMOTE_TEMP=$tmp/home/.ansible/tmp

# The fake tool: its host is in its name (tunpin-HOST), its state in st/HOST.
cat >"$tmp/fake" <<EOF
#!/bin/bash
h=\${0##*/tunpin-}
d=$tmp/st/\$h
j=
[ "\$1" = -j ] && { j=-j; shift; }
case \$1 in
probe)	cp "\$d/dump.json" "\$3" ;;
compare) exec "$real" \$j compare "\$2" "\$d/dump.json" ;;
level)	[ -e "\$d/loaded" ] || { echo "tunpin: module not loaded" >&2; exit 4; }
	cat "\$d/level.json" ;;
set)	[ -e "\$d/loaded" ] || exit 4
	"$real" compare "\$2" "\$d/dump.json" >/dev/null || exit 3
	python3 - "\$2" "\$4" "\$d/level.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["capabilities"]
json.dump({"level": " ".join(c), "pinned": True, "caps": c,
	   "name": sys.argv[2]}, open(sys.argv[3], "w"))
PY
	;;
save)	mkdir -p "\$3/etc/tunpin"
	python3 - "\$d/level.json" "\$3/etc/tunpin/state.json" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
json.dump({"schema": 1, "kind": "saved", "overrides": [], "level": {
	"name": l["name"], "pinned": l["pinned"], "capabilities": l["caps"]}},
	open(sys.argv[2], "w"))
PY
	;;
*)	echo "fake tunpin: \$*" >&2; exit 2 ;;
esac
EOF
chmod +x "$tmp/fake"

# mkdump OUT HOST [CAP...]: the 6.18 dump renamed HOST, without CAPs
mkdump() {
	python3 - "$data/dump-6.18.json" "$@" <<'EOF'
import json, sys
bits = {"csum": 1, "tso4": 2, "tso6": 4, "tso_ecn": 8, "ufo": 16, "uso4": 32,
	"uso6": 64, "udp_tunnel_gso": 128, "udp_tunnel_gso_csum": 256}
d = json.load(open(sys.argv[1]))
d["host"], drop = sys.argv[3], set(sys.argv[4:])
d["capabilities"] = [c for c in d["capabilities"] if c not in drop]
d["masks"]["capabilities"] = hex(sum(bits[c] for c in d["capabilities"]))
for p in d["probes"]:
	if drop & set(p["tests"].split("+")):
		p["result"] = "EINVAL"
json.dump(d, open(sys.argv[2], "w"))
EOF
}

reset() {	# three loaded, unpinned hosts: a and c 6.18, b without udp-tunnel
	rm -rf "$tmp/st" "$tmp/root-"*
	local h
	for h in a b c; do
		mkdir -p "$tmp/st/$h"
		ln -sf fake "$tmp/tunpin-$h"
		touch "$tmp/st/$h/loaded"
		echo '{"level": "unpinned", "pinned": false, "caps": [], "name": ""}' \
			>"$tmp/st/$h/level.json"
	done
	mkdump "$tmp/st/a/dump.json" hv-a
	mkdump "$tmp/st/b/dump.json" hv-b udp_tunnel_gso udp_tunnel_gso_csum
	mkdump "$tmp/st/c/dump.json" hv-c
}
mkdump "$tmp/old.json" hv-old ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum

{
	echo "[tunpin_hosts]"
	for h in a b c; do
		echo "$h tunpin_bin=$tmp/tunpin-$h tunpin_root=$tmp/root-$h"
	done
	echo "[tunpin_hosts:vars]"
	echo "ansible_connection=local"
	echo "ansible_python_interpreter=/usr/bin/python3"
	echo "tunpin_become=false"
	echo "tunpin_controller_bin=$real"
} >"$tmp/inventory.ini"

play() {	# play ARGS...: status in $rc, output in $out
	ansible-playbook -i "$tmp/inventory.ini" "$here/tunpin-pool.yml" "$@" \
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
	for h in a b c; do
		python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))
print(sys.argv[2] + "=" + j["level"] + "/" + j["name"])' "$tmp/st/$h/level.json" $h
	done | paste -sd ' '
}
recap() { grep -E '^[abc] +:' <<<"$out" | sed 's/ *: */ /' | awk '{print $1, $3}' | paste -sd ' '; }
pool="csum tso4 tso6 tso_ecn"
unpinned="a=unpinned/ b=unpinned/ c=unpinned/"

# the pool: the three hosts and hv-old, from a file
reset
play -e pool_name=pool-a -e "extra_dumps=$tmp/old.json"
check "apply: exit 0" [ $rc -eq 0 ]
check "apply: every host pinned" [ "$(levels)" = "a=$pool/pool-a b=$pool/pool-a c=$pool/pool-a" ]
check "apply: lowering hosts" says "lowers the pool: hv-b (lacks udp_tunnel_gso udp_tunnel_gso_csum), hv-old (lacks ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum)"
check "apply: saved" grep -q '"name": "pool-a"' "$tmp/root-b/etc/tunpin/state.json"
check "apply: changed" [ "$(recap)" = "a changed=2 b changed=2 c changed=2" ]
play -e pool_name=pool-a -e "extra_dumps=$tmp/old.json"
check "again: changed=0" [ "$(recap)" = "a changed=0 b changed=0 c changed=0" ]

# without hv-old the pool is higher: b's set
reset
play -e pool_name=pool-b --check
check "check: exit 0" [ $rc -eq 0 ]
check "check: nothing changed" [ "$(levels)" = "$unpinned" ]
check "check: what would be" says "b (hv-b, kernel 6.18.44-fc-v782) against pool-b: identical; would be pinned: unpinned -> csum tso4 tso6 tso_ecn ufo uso4 uso6"
check "check: counted as changed" [ "$(recap)" = "a changed=1 b changed=1 c changed=1" ]

# a given level b lacks: nobody is pinned
reset
play -e pool_name=pool-x -e "tunpin_level_file=$tmp/st/a/dump.json"
check "incompatible: fails" [ $rc -ne 0 ]
check "incompatible: names b" says "cannot be pinned to pool-x: b (lacks udp_tunnel_gso udp_tunnel_gso_csum of the level pool-x)"
check "incompatible: nobody pinned" [ "$(levels)" = "$unpinned" ]

# b without the module: nobody is pinned
reset
rm "$tmp/st/b/loaded"
play -e pool_name=pool-a
check "no module: fails" [ $rc -ne 0 ]
check "no module: names b" says "b (has no tunpin module loaded (modprobe tunpin))"
check "no module: nobody pinned" [ "$(levels)" = "$unpinned" ]

# c cannot be probed: no pool level
reset
rm "$tmp/st/c/dump.json"
play -e pool_name=pool-a
check "no probe: fails" [ $rc -ne 0 ]
check "no probe: says so" says "a host that could not be probed has no dump"
check "no probe: nobody pinned" [ "$(levels)" = "$unpinned" ]

check "no temporary files left" [ -z "$(find "$TMPDIR" -maxdepth 1 -name 'tunpin-pool.*')" ]

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
