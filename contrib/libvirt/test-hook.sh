#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The libvirt hook's logic (contrib/libvirt/qemu), without libvirt, systemd
# or the module: a fake tunpin keeps overrides in a file (one per path, as
# the module keeps one per live cgroup; merge goes to the real tool), a fake
# systemctl makes slice directories, a temporary directory stands in for
# /sys/fs/cgroup. The hook runs under dash (/bin/sh on Debian) and bash.
# Prints "N passed, N failed"; exits 1 on any failure. No root needed.
# Usage: test-hook.sh [TUNPIN]   (default: tools/tunpin/tunpin)
set -u

here=$(cd "$(dirname "$0")" && pwd)
hook=$here/qemu
real=$(realpath "${1:-$here/../../tools/tunpin/tunpin}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-hook.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

mkdir -p "$tmp/bin" "$tmp/cg" "$tmp/etc" "$tmp/run"
cat >"$tmp/bin/tunpin" <<EOF
#!/bin/bash
# fake tunpin: overrides in \$FAKE/overrides, "PATH<tab>LEVEL" lines
echo "tunpin \$*" >>"$tmp/calls"
ov=$tmp/overrides
case "\$1 \${2:-}" in
"override add")
	[ -e "$tmp/nomodule" ] && { echo "tunpin: module not loaded" >&2; exit 4; }
	[ -d "$tmp/cg\$3" ] || { echo "tunpin: No such file or directory: no such cgroup in the cgroup v2 hierarchy" >&2; exit 1; }
	if [ -e "\$ov" ] && cut -f1 "\$ov" | grep -qxF -- "\$3"; then
		echo "tunpin: File exists: this cgroup has an override already" >&2
		exit 1
	fi
	printf '%s\t%s\n' "\$3" "\$(tr ',' ' ' <<<"\$4")" >>"\$ov" ;;
"override list")
	[ -e "$tmp/nomodule" ] && exit 4
	[ -e "\$ov" ] || exit 0
	while IFS=\$'\t' read -r p l; do
		printf '%s\n\tlevel: %s\n' "\$p" "\$l"
	done <"\$ov" ;;
"merge "*)
	exec "$real" "\$@" ;;
*)	echo "fake tunpin: \$*" >&2; exit 2 ;;
esac
EOF
cat >"$tmp/bin/systemctl" <<EOF
#!/bin/bash
# fake systemctl: start machine-X.slice makes its cgroup directory
echo "systemctl \$*" >>"$tmp/calls"
[ -e "$tmp/nosystemd" ] && { echo "Failed to start \$2: Unit \$2 not found." >&2; exit 5; }
[ "\$1" = start ] && mkdir -p "$tmp/cg/machine.slice/\$2"
EOF
chmod +x "$tmp/bin/tunpin" "$tmp/bin/systemctl"

export TUNPIN=$tmp/bin/tunpin TUNPIN_CGROUP_ROOT=$tmp/cg
export TUNPIN_LIBVIRT_CONF=$tmp/etc/libvirt.conf TUNPIN_VMS_CONF=$tmp/etc/vms.conf
export TUNPIN_QEMU_RUNDIR=$tmp/run
export PATH=$tmp/bin:$PATH

# domain NAME [PARTITION] [METADATA-LEVEL]: a domain XML as libvirt formats it
domain() {
	echo "<domain type='kvm' id='7'>"
	echo "  <name>$1</name>"
	echo "  <uuid>d2a5c2b6-3f5b-4f0e-9a4e-0b8f1d7c9e11</uuid>"
	if [ -n "${3:-}" ]; then
		echo "  <metadata>"
		echo "    <tunpin:level xmlns:tunpin=\"urn:tunpin:libvirt:1\">$3</tunpin:level>"
		echo "  </metadata>"
	fi
	echo "  <memory unit='KiB'>1048576</memory>"
	if [ -n "${2:-}" ]; then
		echo "  <resource>"
		echo "    <partition>$2</partition>"
		echo "  </resource>"
	fi
	echo "  <devices>"
	echo "    <interface type='network'><source network='default'/></interface>"
	echo "  </devices>"
	echo "</domain>"
}

shell=''
hook() {	# hook VM OP SUB XML...: the hook's status, stdout and stderr
	local vm=$1 op=$2 sub=$3
	shift 3
	: >"$tmp/calls"
	domain "$vm" "$@" | "$shell" "$hook" "$vm" "$op" "$sub" - \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(<"$tmp/out") err=$(<"$tmp/err") calls=$(<"$tmp/calls")
}

check() {	# check DESCRIPTION COMMAND...
	if "${@:2}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "hook ($shell): failed: $1 (rc=$rc)" >&2
		echo "  stdout: $out" >&2
		echo "  stderr: $err" >&2
		echo "  calls: $calls" >&2
	fi
}

says() { grep -qF -- "$1" <<<"$err"; }
quiet_ok() { [ "$rc" -eq 0 ] && [ -z "$calls$out$err" ]; }
not() { ! "$@"; }
called() { grep -qxF -- "$1" <<<"$calls"; }
reset() {
	rm -rf "${tmp:?}/cg" "$tmp/overrides" "$tmp/nomodule" "$tmp/nosystemd" \
	       "$tmp/etc/libvirt.conf" "$tmp/etc/vms.conf"
	mkdir -p "$tmp/cg"
}

nomigrate=/machine.slice/machine-nomigrate.slice

for shell in sh bash; do
	# nothing configured: nothing done, nothing printed
	reset
	hook vm1 prepare begin
	check "no config: exit 0" [ $rc -eq 0 ]
	check "no config: no call" [ -z "$calls" ]
	check "no config: silent" [ -z "$out$err" ]
	hook vm1 prepare begin /machine/nomigrate
	check "no config, a partition: exit 0" [ $rc -eq 0 ]
	check "no config, a partition: no call" [ -z "$calls" ]

	# a partition with a level; its slice exists
	reset
	printf '%s\n' "# partition level" "/machine/nomigrate unpinned  # never migrates" \
		"/machine/anywhere csum,tso4,tso6,tso_ecn" >"$tmp/etc/libvirt.conf"
	mkdir -p "$tmp/cg$nomigrate"
	hook vm1 prepare begin /machine/nomigrate
	check "partition: exit 0" [ $rc -eq 0 ]
	check "partition: override added" called "tunpin override add $nomigrate unpinned"
	check "partition: slice not started (it exists)" not grep -q systemctl <<<"$calls"
	check "partition: says so" says "override for $nomigrate added: unpinned"
	check "partition: nothing on stdout" [ -z "$out" ]
	hook vm2 prepare begin /machine/nomigrate
	check "there already: exit 0" [ $rc -eq 0 ]
	check "there already: listed" called "tunpin override list"
	hook vm3 prepare begin
	check "default partition: exit 0" [ $rc -eq 0 ]
	check "default partition: no call" [ -z "$calls" ]

	# the slice does not exist yet: systemctl starts it
	hook vm4 prepare begin /machine/anywhere
	check "slice started: exit 0" [ $rc -eq 0 ]
	check "slice started: systemctl" called "systemctl start machine-anywhere.slice"
	check "slice started: override" \
		called "tunpin override add /machine.slice/machine-anywhere.slice csum,tso4,tso6,tso_ecn"
	# the same level, spelled otherwise in the list ("csum tso4 ...")
	hook vm4 prepare begin /machine/anywhere
	check "there already, other spelling: exit 0" [ $rc -eq 0 ]

	# the override there has another level: refused, nothing changed
	printf '%s\n' "/machine/nomigrate csum,tso4" >"$tmp/etc/libvirt.conf"
	hook vm1 prepare begin /machine/nomigrate
	check "other level: exit 1" [ $rc -eq 1 ]
	check "other level: says which" says "has an override with level 'unpinned', not 'csum,tso4'"
	check "other level: no del" not grep -q 'override del' <<<"$calls"
	check "other level: one override" [ "$(wc -l <"$tmp/overrides")" -eq 2 ]

	# no slice and systemctl fails: refused
	reset
	echo "/machine/gone unpinned" >"$tmp/etc/libvirt.conf"
	touch "$tmp/nosystemd"
	hook vm1 prepare begin /machine/gone
	check "no slice: exit 1" [ $rc -eq 1 ]
	check "no slice: says which" says "partition /machine/gone has no cgroup /machine.slice/machine-gone.slice"

	# the module is not loaded: refused
	reset
	echo "/machine/nomigrate unpinned" >"$tmp/etc/libvirt.conf"
	mkdir -p "$tmp/cg$nomigrate"
	touch "$tmp/nomodule"
	hook vm1 prepare begin /machine/nomigrate
	check "no module: exit 1" [ $rc -eq 1 ]
	check "no module: says so" says "the tunpin module is not loaded"

	# escaping: /machine/no-migrate/db is machine-no\x2dmigrate-db.slice
	reset
	echo "/machine/no-migrate/db unpinned" >"$tmp/etc/libvirt.conf"
	esc='/machine.slice/machine-no\x2dmigrate.slice/machine-no\x2dmigrate-db.slice'
	mkdir -p "$tmp/cg$esc"
	hook vm1 prepare begin /machine/no-migrate/db
	check "escaped: exit 0" [ $rc -eq 0 ]
	check "escaped: the slice's path" called "tunpin override add $esc unpinned"

	# partitions the hook refuses to map
	# shellcheck disable=SC2016 # a partition named so
	for p in /machine/a_b/ /machine//x /other/x /machinery '/machine/$(id)'; do
		reset
		echo "$p unpinned" >"$tmp/etc/libvirt.conf"
		hook vm1 prepare begin "$p"
		check "partition '$p': exit 1" [ $rc -eq 1 ]
		check "partition '$p': no override" not grep -q 'override add' <<<"$calls"
	done

	# a VM that asks for a level (metadata) in the wrong partition: refused
	reset
	printf '%s\n' "/machine/nomigrate unpinned" "/machine/anywhere minimal" \
		>"$tmp/etc/libvirt.conf"
	mkdir -p "$tmp/cg$nomigrate"
	hook vm1 prepare begin "" unpinned
	check "wish, default partition: exit 1" [ $rc -eq 1 ]
	check "wish, default partition: hint" \
		says "asks for level 'unpinned', but its partition /machine has the host level: put it in partition /machine/nomigrate"
	check "wish, default partition: no override" not grep -q 'override add' <<<"$calls"
	hook vm1 prepare begin /machine/anywhere unpinned
	check "wish, other partition: exit 1" [ $rc -eq 1 ]
	check "wish, other partition: says which" says "has level 'minimal'"
	hook vm1 prepare begin /machine/nomigrate unpinned
	check "wish met: exit 0" [ $rc -eq 0 ]
	check "wish met: override" called "tunpin override add $nomigrate unpinned"
	# a catalog name matches its capabilities (minimal: the TAP floor and
	# the vhost-net features every kernel since 4.8 has)
	minimal=csum,tso4,tso6,tso_ecn,vhost_mrg_rxbuf
	minimal+=,vhost_notify_on_empty,vhost_log_all,vhost_any_layout
	minimal+=,vhost_indirect_desc,vhost_event_idx,vhost_version_1
	minimal+=,vhost_access_platform
	echo "/machine/anywhere $minimal" >"$tmp/etc/libvirt.conf"
	mkdir -p "$tmp/cg/machine.slice/machine-anywhere.slice"
	hook vm1 prepare begin /machine/anywhere minimal
	check "wish by catalog name: exit 0" [ $rc -eq 0 ]
	hook vm1 prepare begin "" linux-6.1
	check "wish, no partition has it: exit 1" [ $rc -eq 1 ]
	check "wish, no partition has it: hint" says "list a partition with that level"

	# a VM that asks in vms.conf
	reset
	echo "/machine/nomigrate unpinned" >"$tmp/etc/libvirt.conf"
	echo "db1 unpinned" >"$tmp/etc/vms.conf"
	mkdir -p "$tmp/cg$nomigrate"
	hook db1 prepare begin
	check "vms.conf, default partition: exit 1" [ $rc -eq 1 ]
	hook db2 prepare begin
	check "vms.conf, another VM: exit 0" [ $rc -eq 0 ]
	hook db1 prepare begin /machine/nomigrate
	check "vms.conf, right partition: exit 0" [ $rc -eq 0 ]

	# migrate begin (the destination): checked, nothing on stdout
	hook db1 migrate begin
	check "migrate, default partition: exit 1" [ $rc -eq 1 ]
	hook db1 migrate begin /machine/nomigrate
	check "migrate: exit 0" [ $rc -eq 0 ]
	check "migrate: nothing on stdout (the XML stays)" [ -z "$out" ]

	# started: says where QEMU runs; release: nothing
	sleep 30 &
	echo $! >"$tmp/run/db1.pid"
	hook db1 started begin /machine/nomigrate
	check "started: exit 0" [ $rc -eq 0 ]
	check "started: not under the slice, says so" says "warning: QEMU [$!] runs in"
	check "started: no change" [ -z "$calls" ]
	kill $! 2>/dev/null
	wait 2>/dev/null
	hook db1 release end /machine/nomigrate
	check "release: exit 0, nothing" quiet_ok
	hook db1 stopped end /machine/nomigrate
	check "stopped: exit 0, nothing" quiet_ok
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
