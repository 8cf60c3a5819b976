#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin show, save and apply in the VM, the module loaded unpinned by the
# caller (written for 6.1; the native set, TAP and vhost-net, is what
# tunpin probe finds, which selftests/probe.sh checks):
#  - show: the loud warning when unpinned; each capability on, off
#    [pinned] or off [not in this kernel]; overrides; taps (root only);
#  - save writes the state and modprobe.d/tunpin.conf; real modprobe (with
#    that configuration and a depmod'ed module tree of our own) loads the
#    module pinned to the saved level with no userspace step;
#  - apply puts back the label and the overrides, and refuses, changing
#    nothing, a saved level above what this kernel offers (exit 3).
# KTAP; exits 1 on any failure; leaves the module loaded and unpinned.
set -u

tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
src=${TUNPIN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
ko=${TUNPIN_KO:?TUNPIN_KO: tunpin.ko}
sys=/sys/kernel/tunpin
kver=$(uname -r)
cg=/sys/fs/cgroup/tunpin-state
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-state.XXXXXX")
trap 'rm -rf "$tmp"; rmdir "$cg" 2>/dev/null' EXIT

# The native set (TAP, then vhost_*) and the first capability it lacks.
native=$("$tool" probe -j | python3 -c '
import json, sys; print(" ".join(json.load(sys.stdin)["capabilities"]))')
lacks=$(for c in $(<$sys/known); do
	[[ " $native " = *" $c "* ]] || { echo "$c"; break; }; done)

n=0 pass=0 fail=0 skip=0
t_skip() {	# t_skip DESCRIPTION REASON: one KTAP test skipped
	n=$((n + 1)) skip=$((skip + 1))
	echo "ok $n $1 # SKIP $2"
}

t() {		# t DESCRIPTION COMMAND...: one KTAP test
	n=$((n + 1))
	if "${@:2}" >"$tmp/log" 2>&1; then
		pass=$((pass + 1))
		echo "ok $n $1"
	else
		fail=$((fail + 1))
		echo "not ok $n $1"
		sed 's/^/#   /' "$tmp/log"
	fi
}

has() {		# has TEXT: stdin contains the line TEXT
	grep -qxF -- "$1" || { echo "missing: '$1'"; return 1; }
}

level_is() {	# level_is LEVEL [NAME]
	local l name
	l=$(<$sys/level)
	name=$(<$sys/level_name)
	[ "$l" = "$1" ] && [ "$name" = "${2-$name}" ] ||
		{ echo "level '$l' [$name], want '$1' [${2-}]"; return 1; }
}

show_unpinned() {
	echo unpinned >$sys/level
	"$tool" show >"$tmp/show" || return 1
	cat "$tmp/show"
	grep -q '^WARNING: unpinned' "$tmp/show" &&
		has $'\tufo: on' <"$tmp/show" || return 1
	# the probe points, every one armed (show exits 1 otherwise)
	has $'\ttun:tun_chr_ioctl entry: armed' <"$tmp/show" &&
		has $'\tvhost_net:vhost_net_ioctl entry: armed' <"$tmp/show" &&
		has $'\ttun:tun_chr_ioctl return: armed, 0 returns missed' \
			<"$tmp/show" || return 1
	if [ -n "$lacks" ]; then
		has $'\t'"$lacks: off [not in this kernel]" <"$tmp/show"
	else	# this kernel offers every capability tunpin knows
		! grep -q 'not in this kernel' "$tmp/show"
	fi
}

show_pinned() {
	"$tool" set csum,tso4,tso6,tso_ecn --name pool-a || return 1
	"$tool" show >"$tmp/show" || return 1
	cat "$tmp/show"
	! grep -q WARNING "$tmp/show" &&
		has 'level: csum tso4 tso6 tso_ecn [pool-a]' <"$tmp/show" &&
		has "native: $native (kernel $kver)" <"$tmp/show" &&
		has $'\ttso4: on' <"$tmp/show" &&
		has $'\tufo: off [pinned]' <"$tmp/show" &&
		"$tool" show -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
caps = {c["name"]: c for c in d["capabilities"]}
assert d["level"]["name"] == "pool-a" and d["warning"] is None
assert caps["ufo"]["reason"] == "pinned" and caps["tso4"]["on"]
assert "ufo" in d["native"] and d["taps"] is not None'
}

save() {
	mkdir -p "$cg"
	"$tool" override add /tunpin-state unpinned --name vm-native &&
		"$tool" save --root "$tmp/root" || return 1
	cat "$tmp/root/etc/modprobe.d/tunpin.conf"
	has 'options tunpin level=csum,tso4,tso6,tso_ecn' \
		<"$tmp/root/etc/modprobe.d/tunpin.conf" &&
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "saved" and d["level"]["name"] == "pool-a"
assert d["overrides"][0]["cgroup"] == "/tunpin-state"
assert d["overrides"][0]["pinned"] is False' \
		"$tmp/root/etc/tunpin/state.json" || return 1
	# as Documentation/schema/state.schema.json says (the full lane's root
	# has python3-jsonschema: tools/testing/vm/root.sh)
	python3 "$src/tools/tunpin/tests/schema.py" "$src/Documentation/schema" \
		state "$tmp/root/etc/tunpin/state.json"
}

# modprobe as at boot: our module in a tree of our own, with tun and tap,
# and the saved configuration; no tunpin command runs. (Newer Debian
# kernels ship them compressed: tun.ko.xz.)
boot_pin() {
	local mods=$tmp/mods/lib/modules/$kver
	mkdir -p "$mods/extra" "$mods/kernel/drivers/net" &&
		cp "$ko" "$mods/extra/" &&
		cp "/lib/modules/$kver/kernel/drivers/net/"{tun,tap}.ko* \
			"$mods/kernel/drivers/net/" &&
		depmod -b "$tmp/mods" "$kver" || return 1
	rmmod tunpin || return 1
	modprobe -d "$tmp/mods" -C "$tmp/root/etc/modprobe.d" tunpin ||
		return 1
	level_is "csum tso4 tso6 tso_ecn" ""
}

apply() {
	"$tool" override list -j | grep -q tunpin-state && return 1
	"$tool" apply --root "$tmp/root" || return 1
	level_is "csum tso4 tso6 tso_ecn" pool-a &&
		"$tool" override list -j | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert [x["cgroup"] for x in o] == ["/tunpin-state"], o
assert o[0]["pinned"] is False and o[0]["name"] == "vm-native"'
}

apply_again() {	# idempotent: the override is replaced, not doubled
	"$tool" apply --root "$tmp/root" &&
		[ "$("$tool" override list -j |
			python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ]
}

apply_above_host() {
	# a capability this kernel lacks (6.1: uso4; the pair, as tun wants)
	python3 - "$tmp/root/etc/tunpin/state.json" $lacks <<'EOF' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
d["level"]["capabilities"] += ["uso4", "uso6"] if sys.argv[2] == "uso4" else [sys.argv[2]]
d["level"]["name"] = "above"
json.dump(d, open(sys.argv[1], "w"))
EOF
	echo unpinned >$sys/level
	"$tool" apply --root "$tmp/root"
	local rc=$?
	echo "exit $rc"
	[ $rc -eq 3 ] && level_is unpinned
}

apply_bad_state() {
	echo unpinned >$sys/level
	echo '{"schema": 1, "kind": "saved", "level": {' \
		>"$tmp/root/etc/tunpin/state.json"
	"$tool" apply --root "$tmp/root"
	[ $? -eq 2 ] && level_is unpinned
}

# QEMU's virtio-net offer (QMP x-query-virtio-status), one feature a line.
qemu_offer() {
	python3 - <<'EOF'
import json, subprocess
q = subprocess.Popen(
    ["qemu-system-x86_64", "-S", "-machine", "q35,accel=tcg", "-display",
     "none", "-nodefaults", "-netdev",
     "tap,id=n0,ifname=tpstate0,script=no,downscript=no,vhost=off",
     "-device", "virtio-net-pci,netdev=n0,id=nic0,romfile=", "-qmp", "stdio"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
q.stdin.write('{"execute":"qmp_capabilities"}\n'
              '{"execute":"x-query-virtio-status","arguments":'
              '{"path":"/machine/peripheral/nic0/virtio-backend"}}\n'
              '{"execute":"quit"}\n')
q.stdin.flush()
for line in q.stdout:
    r = json.loads(line).get("return")
    if isinstance(r, dict) and "host-features" in r:
        for f in r["host-features"]["dev-features"]:
            print(f.split(":")[0])
q.wait()
EOF
}

# The pool's level, merged from this host and one that lacks ufo, set with
# the tool: QEMU offers exactly that; pin-native gives UFO back.
e2e_merged() {
	"$tool" probe -o "$tmp/me.json" &&
		python3 - "$tmp/me.json" "$tmp/old.json" <<'EOF' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
d["host"] = "hv-old"
d["capabilities"].remove("ufo")
d["masks"]["capabilities"] = hex(int(d["masks"]["capabilities"], 16) & ~0x10)
d["probes"] = [p for p in d["probes"] if p["tests"] != "ufo"]
json.dump(d, open(sys.argv[2], "w"))
EOF
	"$tool" merge --name pool-e2e -o "$tmp/pool.json" "$tmp/me.json" \
		"$tmp/old.json" && "$tool" set "$tmp/pool.json" || return 1
	level_is "$(sed 's/ ufo / /' <<<"$native")" pool-e2e || return 1
	qemu_offer >"$tmp/offer" || return 1
	cat "$tmp/offer"
	! grep -qx 'VIRTIO_NET_F_HOST_UFO' "$tmp/offer" &&
		! grep -qx 'VIRTIO_NET_F_GUEST_UFO' "$tmp/offer" &&
		grep -qx 'VIRTIO_NET_F_HOST_TSO4' "$tmp/offer" || return 1
	"$tool" pin-native && qemu_offer >"$tmp/offer" &&
		grep -qx 'VIRTIO_NET_F_HOST_UFO' "$tmp/offer" &&
		grep -qx 'VIRTIO_NET_F_GUEST_UFO' "$tmp/offer"
}

echo "TAP version 13"
echo "1..9"
t "show: unpinned is a loud warning; what the kernel lacks is said" \
	show_unpinned
t "show: ethtool -k style, [pinned] for what the level hides" show_pinned
t "save: state.json and modprobe.d/tunpin.conf" save
t "boot: modprobe with the saved options pins at load" boot_pin
t "apply: the label and the overrides come back" apply
t "apply: twice is the same as once" apply_again
if [ -n "$lacks" ]; then
	t "apply: a saved level above this kernel: exit 3, nothing set" \
		apply_above_host
else
	t_skip "apply: a saved level above this kernel: exit 3, nothing set" \
		"this kernel offers every capability tunpin knows"
fi
t "apply: a broken state file: exit 2, nothing set" apply_bad_state
t "e2e: a merged level set with the tool is exactly QEMU's offer" e2e_merged
"$tool" override del /tunpin-state >/dev/null 2>&1
echo unpinned >$sys/level
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ $fail -eq 0 ]
