#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tunpin role (contrib/ansible/site.yml) with Debian's ansible-core, in
# the VM, as root, the module loaded unpinned by the caller. Two hosts, both
# this VM (ansible_connection=local): "vm", the real tool and module, and
# "hv72", contrib/ansible/test-fake-tunpin with the 7.2 dump of
# tools/tunpin/tests/data. make check's two runs are limited to "vm", with
# hv72's dump as an extra dump (tunpin_extra_dumps): the pool is what both
# have, and each run executes half the tasks. Checks: with TUNPIN_PKG_DIR
# (the .debs of tools/testing/pkg.sh) the first run installs the tunpin
# package; the role pins the VM to the merged level with the pool's name,
# saves it (tunpin save --root) and keeps it, naming the host that lowers
# the pool; a second run changes nothing, the package included. With
# TUNPIN_ANSIBLE_FULL=1, on both hosts: --check reports and changes
# nothing; when the fake host has an open TAP file granted more than the
# level, or the level is one the VM lacks, the role fails on both hosts
# and pins neither.
# KTAP; exits 1 on any failure; leaves the host level unpinned.
set -u
. "$(dirname "$0")/ktap.sh"

tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
src=${TUNPIN_SRC:?TUNPIN_SRC: the source tree}
pkgs=${TUNPIN_PKG_DIR:-}	# tunpin_*.deb, optional
playbook=$src/contrib/ansible/site.yml
data=$src/tools/tunpin/tests/data
sys=/sys/kernel/tunpin
pool=			# what the VM and hv72 both have (t_setup)
lowers=			# the host that lowers the pool, and what it lacks
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-ansible.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ansible wants a writable HOME and temporary directories of its own.
mkdir -p "$tmp/home" "$tmp/tmp" "$tmp/root" "$tmp/fake/st/hv72"
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

# hv72: the fake tool, its state in $tmp/fake/st/hv72, the real one beside
fake=$tmp/fake/tunpin-hv72
ln -s "$src/contrib/ansible/test-fake-tunpin" "$fake"
ln -s "$tool" "$tmp/fake/tunpin-real"
cp "$data/v2-dump-7.2.json" "$tmp/fake/st/hv72/dump.json"
touch "$tmp/fake/st/hv72/loaded"

# With TUNPIN_PKG_DIR (one tunpin_*.deb of this architecture) the first
# run installs the package on "vm" (tunpin_install=deb) and pins with the
# tool it installed; tunpin.service is enabled where systemctl is (not
# started: no systemd runs here). Without, "vm" uses the lane's tool.
deb='' vmvars="tunpin_bin=$tool"
if [ -n "$pkgs" ]; then
	deb=$(find "$pkgs" -maxdepth 1 \
		-name "tunpin_*_$(dpkg --print-architecture).deb" 2>/dev/null)
	[ "$(wc -l <<<"$deb")" = 1 ] || deb=''
fi
svc=false
command -v systemctl >/dev/null && svc=true
[ -n "$deb" ] && vmvars="tunpin_bin=/usr/sbin/tunpin tunpin_install=deb \
tunpin_pkg_dir=$pkgs tunpin_packages='[\"tunpin\"]' tunpin_service=$svc"

cat >"$tmp/inventory.ini" <<EOF
[tunpin_hosts]
vm $vmvars tunpin_root=$tmp/root
hv72 tunpin_bin=$fake tunpin_root=$tmp/fake/root tunpin_modprobe='["$fake", "fake-modprobe"]'

[tunpin_hosts:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
tunpin_become=false
tunpin_service=false
tunpin_controller_bin=$tool
tunpin_artifact_dir=$tmp/artifacts
EOF

# make check's runs: the VM alone, hv72 by its dump (a playbook run under
# TCG takes minutes, and one host halves it)
vm_only=(--limit vm -e "tunpin_extra_dumps=$tmp/fake/st/hv72/dump.json")

# --- helpers ---------------------------------------------------------------

play() {	# play ARGS...: the playbook's status in $rc, output in $out
	local s=$SECONDS
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

changed() {	# changed HOST: its PLAY RECAP "changed" count
	sed -n "s/^$1 *: .*changed=\([0-9]*\).*/\1/p" <<<"$out"
}

leftovers() {	# leftovers: the role's temporary directories still there
	find "$TMPDIR" -maxdepth 1 -name 'tunpin-role.*'
}

jget() {	# jget FILE EXPR: a python expression of the parsed j
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>&1
}

fake_level() {	# fake_level: hv72's "LEVEL/NAME"
	jget "$tmp/fake/st/hv72/level.json" 'j["level"] + "/" + j["name"]'
}

unpin() {	# unpin: both hosts unpinned, without a label; no open file on hv72
	echo unpinned >"$sys/level"
	echo >"$sys/level_name"
	echo '{"level": "unpinned", "pinned": false, "capabilities": [], "name": ""}' \
		>"$tmp/fake/st/hv72/level.json"
	rm -f "$tmp/fake/st/hv72/taps.json"
}

unchanged() {	# unchanged WHAT: both hosts still unpinned
	check "$1: vm's level unchanged" [ "$(sysfs level)" = unpinned ]
	check "$1: vm's label unchanged" [ -z "$(sysfs level_name)" ]
	check "$1: hv72's level unchanged" [ "$(fake_level)" = unpinned/ ]
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

t_setup() {		# ansible-core, the VM's dump, the pool expected
	check "ansible-playbook installed (tools/testing/deps.sh)" \
		command -v ansible-playbook >/dev/null
	echo "# ansible-core $(dpkg-query -W -f='${Version}' ansible-core 2>&1)"
	"$tool" probe -o "$tmp/vm.json" >/dev/null
	rc=$?
	check "tunpin probe -o: exit 0" [ $rc -eq 0 ]
	# the pool: the intersection, in the table's order (the tool's merge)
	pool=$(python3 -c 'import json, sys
vm, hv = (json.load(open(f))["capabilities"] for f in sys.argv[1:])
print(" ".join(c for c in hv if c in vm))' "$tmp/vm.json" "$tmp/fake/st/hv72/dump.json")
	lowers=$(python3 -c 'import json, sys
vm, hv = (json.load(open(f)) for f in sys.argv[1:])
def lacks(a, b):
	m = [c for c in b["capabilities"] if c not in a["capabilities"]]
	return "%s (lacks %s)" % (a["host"], " ".join(m)) if m else ""
print(", ".join(x for x in (lacks(vm, hv), lacks(hv, vm)) if x) or "no host")' \
		"$tmp/vm.json" "$tmp/fake/st/hv72/dump.json")
	echo "# pool: $pool; lowers the pool: $lowers"
	check "the pool has vhost-net's base set" \
		grep -q ' vhost_mrg_rxbuf .* vhost_version_1' <<<" $pool "
	# a newer host (the VM's set with uso): a level the VM lacks
	mkdump "$tmp/vm.json" "$tmp/hv-new.json" hv-new +uso4 +uso6
	unpin
	[ $saves -eq 1 ] || echo "# tunpin save is not there yet: not exercised"
}

t_apply() {		# install (a package if given), probe, merge, gate, set, save, keep
	play "${vm_only[@]}" -e tunpin_pool=pool-a -e tunpin_save=$save
	check "exit 0" [ $rc -eq 0 ]
	check "prints which host lowers the pool" says "lowers the pool: $lowers"
	check "pool level printed" says "pool pool-a: $pool"
	check "sysfs level '$pool'" [ "$(sysfs level)" = "$pool" ]
	check "sysfs level_name pool-a" [ "$(sysfs level_name)" = pool-a ]
	check "vm changed" [ "$(changed vm)" -gt 0 ]
	check "level kept" [ "$(jget "$tmp/artifacts/pool-a.json" \
		'j["name"] + ": " + " ".join(j["capabilities"])')" = "pool-a: $pool" ]
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

t_install() {		# tunpin_install=deb: that run installed the package first
	if [ -z "$deb" ]; then
		# make check passes it (pkg.sh's packages)
		todo="no TUNPIN_PKG_DIR with one tunpin_*.deb of this architecture"
		return
	fi
	check "tunpin installed: $(basename "$deb")" [ "$(dpkg-query -W \
		-f='${Status} ${Version}' tunpin 2>&1)" = "install ok installed $(dpkg-deb -f "$deb" Version)" ]
	check "/usr/sbin/tunpin runs" /usr/sbin/tunpin --version
	[ $svc = true ] && check "tunpin.service enabled" \
		systemctl is-enabled --quiet tunpin.service
	check "the installed tool's level" \
		[ "$(/usr/sbin/tunpin level 2>&1 | head -n1)" = "level: $pool" ]
}

t_again() {		# a second run changes nothing (nor installs again)
	cp "$tmp/root/etc/tunpin/state.json" "$tmp/state-before" 2>/dev/null
	cp "$tmp/artifacts/pool-a.json" "$tmp/kept-before" 2>/dev/null
	play "${vm_only[@]}" -e tunpin_pool=pool-a -e tunpin_save=$save
	check "exit 0" [ $rc -eq 0 ]
	check "changed=0" [ "$(changed vm)" = 0 ]
	check "says it is in place" says "level already in place"
	check "sysfs level '$pool'" [ "$(sysfs level)" = "$pool" ]
	check "sysfs level_name pool-a" [ "$(sysfs level_name)" = pool-a ]
	check "the kept level untouched" cmp -s "$tmp/kept-before" \
		"$tmp/artifacts/pool-a.json"
	if [ $saves -eq 1 ]; then
		check "state not saved again" cmp -s "$tmp/state-before" \
			"$tmp/root/etc/tunpin/state.json"
	fi
}

t_gate() {		# hv72 has a VM granted more than the pool: neither pinned
	local more
	unpin
	check "unpinned again" [ "$(sysfs level)" = unpinned ]
	# a capability hv72 has and the pool lacks, else one no level has
	more=$(python3 -c 'import json, sys
hv = json.load(open(sys.argv[1]))["capabilities"]
print(([c for c in hv if c not in sys.argv[2].split()] + ["unknown:0x80000"])[0])' \
		"$tmp/fake/st/hv72/dump.json" "$pool")
	cat >"$tmp/fake/st/hv72/taps.json" <<EOF
[{"pid": 4242, "comm": "qemu-system-x86", "vhost": false, "active": ["csum"],
  "granted": ["csum", "$more"], "exempt": false, "override": false}]
EOF
	play -e tunpin_pool=pool-g
	check "fails" [ $rc -ne 0 ]
	check "names hv72, its VM and what it uses" \
		says "cannot be pinned to pool-g: hv72 (open TAP files were granted $more, outside the level: qemu-system-x86[4242]"
	check "fails on the VM too" grep -q "^fatal: \[vm\]" <<<"$out"
	check "says nothing was pinned" says "nothing was pinned on any host"
	unchanged gate
	check "no level kept" [ ! -e "$tmp/artifacts/pool-g.json" ]
	check "no temporary files left" [ -z "$(leftovers)" ]
	rm -f "$tmp/fake/st/hv72/taps.json"
}

t_check() {		# --check: compares, reports, changes nothing
	unpin
	cp "$tmp/root/etc/tunpin/state.json" "$tmp/state-before" 2>/dev/null
	play --check -e tunpin_pool=pool-c
	check "exit 0" [ $rc -eq 0 ]
	check "reports the comparison" \
		says "vm (tunpin-vm, kernel $(uname -r)) against pool-c: "
	check "reports what would change" \
		says "would be pinned: unpinned -> $pool"
	check "prints which host lowers the pool" says "lowers the pool: $lowers"
	check "counts the hosts as changed" [ "$(changed vm)" -gt 0 ] &&
		[ "$(changed hv72)" -gt 0 ]
	unchanged check
	check "no level kept" [ ! -e "$tmp/artifacts/pool-c.json" ]
	if [ $saves -eq 1 ]; then
		check "state unchanged" cmp -s "$tmp/state-before" \
			"$tmp/root/etc/tunpin/state.json"
	fi
	check "no temporary files left" [ -z "$(leftovers)" ]
}

t_incompatible() {	# a level the VM lacks, given: neither host pinned
	unpin
	play -e tunpin_pool=pool-b -e "tunpin_level_file=$tmp/hv-new.json"
	check "fails" [ $rc -ne 0 ]
	check "reports the comparison" \
		says "against pool-b: incompatible, missing: uso4 uso6"
	check "names the incompatible host" \
		says "cannot be pinned to pool-b: vm (lacks uso4 uso6 of the level pool-b)"
	check "says nothing was pinned" says "nothing was pinned on any host"
	unchanged incompatible
	check "no temporary files left" [ -z "$(leftovers)" ]
}

t_restore() {		# back to unpinned, no label
	unpin
	check "unpinned" [ "$(sysfs level)" = unpinned ]
}

# Each playbook run takes minutes under TCG (two hosts: up to six), and
# this test has 900 s (selftests/run.sh): make check runs two against the
# module, the first installing (with TUNPIN_PKG_DIR) and pinning, the
# second changing nothing; TUNPIN_ANSIBLE_FULL=1 adds the gate, --check
# and a level the VM lacks, which contrib/ansible/test-multihost.sh runs
# on the build machine too.
tests=(t_setup t_apply t_install t_again)
[ -n "${TUNPIN_ANSIBLE_FULL:-}" ] && tests+=(t_gate t_check t_incompatible)
tests+=(t_restore)

ktap_main
