#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# contrib/ansible/tunpin-pool.yml with Debian's ansible-core, in the VM, as
# root, the module loaded unpinned by the caller. The inventory is this VM
# (localhost, ansible_connection=local); the pool is the VM, probed by the
# playbook, plus one more host from a dump file (extra_dumps): the VM's own
# dump renamed "hv-old" and without ufo, so hv-old lowers the pool to
# "csum tso4 tso6 tso_ecn". Checks: the playbook pins the VM to the merged
# level with the pool's name and saves it (tunpin save --root), saying which
# host lowers the pool; a second run changes nothing; --check reports and
# changes nothing; a level the VM lacks is reported and refused.
# KTAP; exits 1 on any failure; leaves the host level unpinned.
set -u
. "$(dirname "$0")/ktap.sh"

tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
src=${TUNPIN_SRC:?TUNPIN_SRC: the source tree}
playbook=$src/contrib/ansible/tunpin-pool.yml
sys=/sys/kernel/tunpin
pool=			# the VM's set without ufo (t_setup)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-ansible.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ansible wants a writable HOME and temporary directories; the host root,
# /usr included, is read-only in the VM.
mkdir -p "$tmp/home" "$tmp/tmp" "$tmp/root"
export HOME=$tmp/home TMPDIR=$tmp/tmp
export ANSIBLE_LOCAL_TEMP=$tmp/home/.ansible/tmp
export ANSIBLE_REMOTE_TEMP=$tmp/home/.ansible/tmp
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PIPELINING=1
export PYTHONDONTWRITEBYTECODE=1
# Ansible's processes poll each other every millisecond by default: in a
# one-vCPU guest under TCG that polling took half the CPU and doubled the
# playbook's time. A task's end noticed 50 ms late costs nothing here.
export ANSIBLE_CONFIG=$tmp/ansible.cfg
printf '[defaults]\ninternal_poll_interval = 0.05\n' >"$ANSIBLE_CONFIG"

cat >"$tmp/inventory.ini" <<EOF
[tunpin_hosts]
localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3

[tunpin_hosts:vars]
tunpin_bin=$tool
tunpin_become=false
tunpin_root=$tmp/root
EOF

# --- helpers ---------------------------------------------------------------

last=
play() {	# play ARGS...: the playbook's status in $rc, output in $out
	local s=$SECONDS
	last="ansible-playbook ${*}"
	ansible-playbook -i "$tmp/inventory.ini" "$playbook" "$@" \
		>"$tmp/out" 2>&1
	rc=$?
	out=$(<"$tmp/out")
	echo "# ansible-playbook $*: exit $rc, $((SECONDS - s)) s"
}


says() { grep -qF -- "$1" <<<"$out"; }

sysfs() {	# sysfs FILE: its content, "<missing>" if absent
	cat "$sys/$1" 2>/dev/null || echo "<missing>"
}

recap() {	# recap: the PLAY RECAP counters of localhost, e.g. "changed=0"
	sed -n 's/^localhost *: //p' <<<"$out"
}

leftovers() {	# leftovers: the playbook's temporary directories still there
	find "$TMPDIR" -maxdepth 1 -name 'tunpin-pool.*'
}

jget() {	# jget FILE EXPR: a python expression of the parsed j
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>&1
}

# mkdump IN OUT HOST [-CAP|+CAP...]: IN renamed HOST, capabilities removed
# or added, the masks and the probes' results to match.
mkdump() {
	python3 - "$@" <<'EOF'
import json, sys
names = ["csum", "tso4", "tso6", "tso_ecn", "ufo", "uso4", "uso6",
	"udp_tunnel_gso", "udp_tunnel_gso_csum", "vhost_mrg_rxbuf",
	"vhost_notify_on_empty", "vhost_log_all", "vhost_any_layout",
	"vhost_indirect_desc", "vhost_event_idx", "vhost_version_1",
	"vhost_access_platform", "vhost_in_order", "vhost_ring_reset",
	"vhost_guest_udp_tunnel_gso", "vhost_host_udp_tunnel_gso"]
bits = {c: 1 << i for i, c in enumerate(names)}	# the uapi table, in order
d = json.load(open(sys.argv[1]))
d["host"] = sys.argv[3]
caps = set(d["capabilities"])
for a in sys.argv[4:]:
	(caps.discard if a[0] == "-" else caps.add)(a[1:])
d["capabilities"] = [c for c in bits if c in caps]
d["masks"]["capabilities"] = hex(sum(bits[c] for c in caps))
for p in d.get("probes", []):
	if p["tests"].startswith("unknown:"):
		continue
	tested = set(p["tests"].split("+"))
	p["result"] = "accepted" if tested <= caps else "EINVAL"
json.dump(d, open(sys.argv[2], "w"), indent=2)
EOF
}

# tunpin save may not be there yet: try it, into a scratch root
saves=1 save=true
"$tool" save --root "$tmp/scratch" >/dev/null 2>&1 || saves=0 save=false

# --- tests -----------------------------------------------------------------

t_setup() {		# ansible-core, the VM's dump, hv-old's dump
	check "ansible-playbook installed (tools/testing/deps.sh)" \
		command -v ansible-playbook >/dev/null
	echo "# ansible-core $(dpkg-query -W -f='${Version}' ansible-core 2>&1)"
	"$tool" probe -o "$tmp/vm.json" >/dev/null
	rc=$?
	check "tunpin probe -o: exit 0" [ $rc -eq 0 ]
	check "the VM has ufo" [ "$(jget "$tmp/vm.json" '"ufo" in j["capabilities"]')" = true ]
	pool=$(jget "$tmp/vm.json" \
		'" ".join(c for c in j["capabilities"] if c != "ufo")')
	check "the VM has vhost-net's base set" \
		grep -q ' vhost_mrg_rxbuf .* vhost_version_1' <<<" $pool "
	mkdump "$tmp/vm.json" "$tmp/hv-old.json" hv-old -ufo
	check "hv-old: the VM's set without ufo" \
		[ "$(jget "$tmp/hv-old.json" '" ".join(j["capabilities"])')" = "$pool" ]
	# a newer host (the VM's set with uso): a level the VM lacks
	mkdump "$tmp/vm.json" "$tmp/hv-new.json" hv-new +uso4 +uso6
	echo unpinned >"$sys/level"
	[ $saves -eq 1 ] || echo "# tunpin save is not there yet: not exercised"
}

t_apply() {		# probe, merge, set, save: hv-old lowers the pool
	play -e pool_name=pool-a -e "extra_dumps=$tmp/hv-old.json" \
	     -e tunpin_save=$save
	check "exit 0" [ $rc -eq 0 ]
	check "merge output: ufo lacking on hv-old" says '"  ufo: hv-old"'
	check "prints which host lowers the pool" \
		says "lowers the pool: hv-old (lacks ufo)"
	check "pool level printed" says "pool pool-a: $pool"
	check "sysfs level '$pool'" [ "$(sysfs level)" = "$pool" ]
	check "sysfs level_name pool-a" [ "$(sysfs level_name)" = pool-a ]
	check "changed" grep -q 'changed=[1-9]' <<<"$(recap)"
	if [ $saves -eq 1 ]; then
		local st=$tmp/root/etc/tunpin/state.json
		check "saved: the level" [ "$(jget "$st" \
			'" ".join(j["level"]["capabilities"]) + " / " + j["level"]["name"]')" = \
			"$pool / pool-a" ]
		check "saved: modprobe.d" grep -qx "options tunpin level=${pool// /,}" \
			"$tmp/root/etc/modprobe.d/tunpin.conf"
	fi
	check "no temporary files left" [ -z "$(leftovers)" ]
}

t_again() {		# a second run changes nothing
	cp "$tmp/root/etc/tunpin/state.json" "$tmp/state-before" 2>/dev/null
	play -e pool_name=pool-a -e "extra_dumps=$tmp/hv-old.json" \
	     -e tunpin_save=$save
	check "exit 0" [ $rc -eq 0 ]
	check "changed=0" grep -q 'changed=0' <<<"$(recap)"
	check "says it is in place" says "level already in place"
	check "sysfs level '$pool'" [ "$(sysfs level)" = "$pool" ]
	check "sysfs level_name pool-a" [ "$(sysfs level_name)" = pool-a ]
	if [ $saves -eq 1 ]; then
		check "state not saved again" cmp -s "$tmp/state-before" \
			"$tmp/root/etc/tunpin/state.json"
	fi
}

t_check() {		# --check: compares, reports, changes nothing
	echo unpinned >"$sys/level"
	echo >"$sys/level_name"
	check "unpinned again" [ "$(sysfs level)" = unpinned ]
	cp "$tmp/root/etc/tunpin/state.json" "$tmp/state-before" 2>/dev/null
	play --check -e pool_name=pool-a -e "extra_dumps=$tmp/hv-old.json"
	check "exit 0" [ $rc -eq 0 ]
	check "reports the comparison" \
		says "localhost (tunpin-vm, kernel $(uname -r)) against pool-a: superset"
	check "reports what would change" \
		says "would be pinned: unpinned -> $pool"
	check "prints which host lowers the pool" \
		says "lowers the pool: hv-old (lacks ufo)"
	check "counts the host as changed" grep -q 'changed=1' <<<"$(recap)"
	check "level unchanged" [ "$(sysfs level)" = unpinned ]
	check "label unchanged" [ -z "$(sysfs level_name)" ]
	if [ $saves -eq 1 ]; then
		check "state unchanged" cmp -s "$tmp/state-before" \
			"$tmp/root/etc/tunpin/state.json"
	fi
	check "no temporary files left" [ -z "$(leftovers)" ]
}

t_incompatible() {	# --check, a level the VM lacks: reported, refused
	# (tunpin_level_file: a level given, not merged; the same gate
	# stops a real run before anything is set)
	play --check -e pool_name=pool-b -e "tunpin_level_file=$tmp/hv-new.json"
	check "fails" [ $rc -ne 0 ]
	check "reports the comparison" \
		says "against pool-b: incompatible, missing: uso4 uso6"
	check "names the incompatible host" \
		says "cannot be pinned to pool-b: localhost (lacks uso4 uso6 of the level pool-b)"
	check "says nothing was changed" says "nothing was changed on any host"
	check "level unchanged" [ "$(sysfs level)" = unpinned ]
	check "label unchanged" [ -z "$(sysfs level_name)" ]
	check "no temporary files left" [ -z "$(leftovers)" ]
}

t_restore() {		# back to unpinned, no label
	echo unpinned >"$sys/level"
	echo >"$sys/level_name"
	check "unpinned" [ "$(sysfs level)" = unpinned ]
}

# Each playbook run takes over a minute under TCG: make check runs the two
# the issue asks for (a real run, --check); TUNPIN_ANSIBLE_FULL=1 adds
# idempotence and the incompatible host (contrib/ansible/test-multihost.sh
# covers several hosts on the build machine).
if [ -n "${TUNPIN_ANSIBLE_FULL:-}" ]; then
	tests=(t_setup t_apply t_again t_check t_incompatible t_restore)
else
	tests=(t_setup t_apply t_check t_restore)
fi

ktap_main
