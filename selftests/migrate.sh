#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The real live migration, one side of it (make check-migrate,
# tools/testing/migrate/check.sh). Two host VMs run this side by side on
# the same root and QEMU: the source on the newer kernel, the destination
# on the older one. They talk through files in a shared directory, the
# mailbox (a file appears whole: written aside, then renamed).
#
# The operator's workflow: `tunpin probe` on both hosts, `tunpin merge` of
# the two dumps (on the source), `tunpin set` of the pool level. Then, case
# by case, the source runs a real guest (nested KVM: the source kernel,
# virtio_net, a heartbeat a second on its serial console) under QEMU on a
# TAP (-netdev tap,vhost=off|on), waits until its driver negotiated, and
# migrates it live into a file, which it hands over through the mailbox
# while it boots the next case's guest; the destination starts the same
# QEMU command line with -incoming from that file. (The file is written
# and read in each host's tmpfs and copied through the mailbox with large
# blocks: QEMU's own small writes to 9p run at about 3 MB/s under TCG.)
#   unpinned: the load must fail with QEMU's "Features 0x... unsupported"
#     naming what the guest negotiated and the destination lacks (USO from
#     6.12, UDP-tunnel GSO from 7.2): the scenario is real.
#   pinned, vhost=off: the load must succeed and the guest keep running
#     on the destination (its heartbeat goes on, query-status running).
#   pinned, vhost=on: the same, now that tunpin governs vhost-net's
#     features too: the pool level masks what the newer vhost-net offers
#     (6.12 -> 6.1: VIRTIO_F_RING_RESET, which 6.1's vhost-net lacks;
#     7.2 -> 6.12: VIRTIO_F_IN_ORDER, offered by QEMU only with
#     in_order=on, which MIGRATE_VHOST_NET_ARGS gives the vhost=on cases
#     of that pair). A refusal fails the case, naming the features; the
#     unpinned vhost=on case must still be refused.
# Both hosts are pinned to the pool level in the pinned cases (it is the
# older host's native set, which `tunpin set` must accept there) and
# unpinned in the others.
#
# The mailbox: ROLE.json (each host's dump), level.json (the pool level,
# from the source), case-K.env and case-K.mig (the source's save of case
# K, taken by the destination), ROLE.done (the exit status: a peer that
# ended posts nothing more); each side's guest consoles and QEMU messages,
# case-K.ROLE.console and case-K.ROLE.qemu, stay there for the record.
#
# Usage: migrate.sh source|destination MAILBOX
# Environment: TUNPIN_KO (this kernel's tunpin.ko), TUNPIN_TOOL (tunpin(8)),
#   MIGRATE_KERNEL, MIGRATE_INITRD (the nested guest's kernel and
#   initramfs, tools/testing/migrate/initramfs.sh: the same files on both
#   sides), MIGRATE_WAIT (s, default 1800: the longest wait for the peer's
#   next message), MIGRATE_MEM (the nested guest's memory, MiB, 128),
#   MIGRATE_NET_ARGS (more virtio-net-pci properties, on both sides, e.g.
#   ",in_order=on": QEMU offers VIRTIO_F_IN_ORDER only then),
#   MIGRATE_VHOST_NET_ARGS (more of them for the vhost=on cases only).
# Output: KTAP; "# TODO" cases are in neither the pass nor the fail count
# of "# Totals:" but in "# todo: N". Exit 1 on a failure.
set -u
export PATH=$PATH:/usr/sbin:/sbin

role=${1:-} mbox=${2:-}
case $role in
source) peer=destination ;;
destination) peer=source ;;
*) echo "usage: migrate.sh source|destination MAILBOX" >&2; exit 2 ;;
esac
[ -d "$mbox" ] || { echo "migrate.sh: no mailbox $mbox" >&2; exit 2; }
TUNPIN_SRC=$(cd "$(dirname "$0")/.." && pwd)
mig=$TUNPIN_SRC/tools/testing/migrate
tool=${TUNPIN_TOOL:-$TUNPIN_SRC/tools/tunpin/tunpin}
ko=${TUNPIN_KO:-$TUNPIN_SRC/module/tunpin.ko}
wait_max=${MIGRATE_WAIT:-1800}
mem=${MIGRATE_MEM:-128}
work=$(mktemp -d)

# The cases, in order: the level of both hosts, and vhost.
cases=("unpinned off" "pinned off" "unpinned on" "pinned on")

# The virtio-net feature bits a guest negotiates only if QEMU found the
# TAP offload (QEMU's peer_has_uso(), peer_has_tunnel()).
declare -A cap_bits=(
	[uso4]="54 56" [uso6]="55 56"
	[udp_tunnel_gso]="65 67" [udp_tunnel_gso_csum]="66 68"
)

qemu_pid=
finish() {
	local rc=$?
	[ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null
	echo "$rc" >"$mbox/$role.done"
	rm -rf "$work"
}
trap finish EXIT

# --- the mailbox ------------------------------------------------------
post() {	# post NAME: stdin into MAILBOX/NAME, whole
	cat >"$mbox/.$1.$role" && mv -f "$mbox/.$1.$role" "$mbox/$1"
}

await() {	# await NAME: until MAILBOX/NAME exists; 1 if the peer ended first
	local t0=$SECONDS
	while [ ! -e "$mbox/$1" ]; do
		if [ -e "$mbox/$peer.done" ]; then
			[ -e "$mbox/$1" ] && return 0
			echo "# the $peer ended (status $(cat "$mbox/$peer.done")) without posting $1"
			return 1
		fi
		if [ $((SECONDS - t0)) -ge "$wait_max" ]; then
			echo "# no $1 from the $peer in $wait_max s"
			return 1
		fi
		sleep 1
	done
}

get() {		# get FILE KEY: the value of KEY=... in FILE
	sed -n "s/^$2=//p" "$1" | head -n1
}

# --- KTAP -------------------------------------------------------------
n=0 pass=0 fail=0 todo=0
report() {	# report 0|1 DESCRIPTION [TODO-REASON]: 0 is ok
	local line
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then line="ok $n $2"; else line="not ok $n $2"; fi
	if [ $# -ge 3 ]; then
		todo=$((todo + 1))
		echo "$line # TODO $3"
	elif [ "$1" -eq 0 ]; then
		pass=$((pass + 1))
		echo "$line"
	else
		fail=$((fail + 1))
		echo "$line"
	fi
}

diag() { sed 's/^/#   /'; }

# --- the nested guest -------------------------------------------------
qmp() { QMP_WAIT=${QMP_WAIT:-10} /usr/bin/python3 "$mig/qmp.py" "$work/qmp.sock" "$@"; }

# start_qemu K VHOST [ARG...]: the guest of case K in the background
# ($qemu_pid), console MAILBOX/case-K.ROLE.console, QEMU's own output
# MAILBOX/case-K.ROLE.qemu. One command line on both sides, but for
# where the console goes and -incoming. qboot and i440fx: the guest boots
# in about 20 s here rather than 30 to 45 with SeaBIOS and q35. The queue
# notifications by port I/O (modern-pio-notify): fewer MMIO exits in the
# nested SVM that TCG emulates (see the retry in source_case).
start_qemu() {
	local k=$1 vhost=$2 dev=${MIGRATE_NET_ARGS:-}
	shift 2
	[ "$vhost" = on ] && dev+=${MIGRATE_VHOST_NET_ARGS:-}
	rm -f "$work/qmp.sock" "$mbox/case-$k.$role.console"
	qemu-system-x86_64 -M pc -accel kvm -cpu qemu64 -smp 1 -m "$mem" \
		-bios /usr/share/qemu/qboot.rom \
		-nodefaults -no-user-config -display none \
		-kernel "$MIGRATE_KERNEL" -initrd "$MIGRATE_INITRD" \
		-append "console=ttyS0 panic=-1 quiet mitigations=off" \
		-serial "file:$mbox/case-$k.$role.console" \
		-qmp "unix:$work/qmp.sock,server=on,wait=off" \
		-netdev "tap,id=n0,ifname=mig0,script=no,downscript=no,vhost=$vhost" \
		-device "virtio-net-pci,netdev=n0,id=net0,mac=52:54:00:4d:49:47,modern-pio-notify=on$dev" \
		"$@" </dev/null >"$mbox/case-$k.$role.qemu" 2>&1 &
	qemu_pid=$!
}

stop_qemu() {
	[ -n "$qemu_pid" ] || return 0
	qmp quit >/dev/null 2>&1
	for _ in $(seq 50); do
		kill -0 "$qemu_pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -9 "$qemu_pid" 2>/dev/null
	wait "$qemu_pid" 2>/dev/null
	qemu_pid=
}

heartbeats() {	# heartbeats CONSOLE: the heartbeat numbers in it, a line each
	sed -n 's/^migrate-guest: heartbeat \([0-9]*\).*/\1/p' "$1" 2>/dev/null
}

# The TAP offloads the source offers and the pool level lacks (from
# MAILBOX/source.json and level.json), and their virtio bits.
extra_caps() {
	/usr/bin/python3 -c '
import json, sys
src = json.load(open(sys.argv[1]))["capabilities"]
lvl = json.load(open(sys.argv[2]))["capabilities"]
print(" ".join(c for c in src if c not in lvl))' \
		"$mbox/source.json" "$mbox/level.json"
}

extra_bits() {	# extra_bits CAP...: their virtio bits, sorted, unique
	local c
	for c; do echo "${cap_bits[$c]:-}"; done | tr ' ' '\n' | grep . |
		sort -n -u | tr '\n' ' ' | sed 's/ $//'
}

set_level() {	# set_level unpinned|pinned
	if [ "$1" = pinned ]; then
		"$tool" set "$mbox/level.json"
	else
		"$tool" set unpinned
	fi
}

# --- the steps ----------------------------------------------------------
broken=
setup() {
	hostname "migrate-$role"
	modprobe -a tun tap vhost_net || return 1
	modprobe kvm_amd 2>/dev/null || modprobe kvm_intel || return 1
	[ -c /dev/kvm ] || { echo "# no /dev/kvm"; return 1; }
	for f in "$ko" "$tool" "$MIGRATE_KERNEL" "$MIGRATE_INITRD"; do
		[ -e "$f" ] || { echo "# missing: $f"; return 1; }
	done
	insmod "$ko" || return 1
	qemu_version=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
	[ -n "$qemu_version" ]
}

probe() {
	"$tool" probe -o "$work/$role.json" 2>&1 | diag
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	post "$role.json" <"$work/$role.json"
	caps=$(/usr/bin/python3 -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["capabilities"]))' "$work/$role.json")
}

merge() {
	await destination.json || return 1
	"$tool" merge --name migrate-pool -o "$work/level.json" \
		"$mbox/source.json" "$mbox/destination.json" 2>&1 | diag
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	post level.json <"$work/level.json"
	extra=$(extra_caps)
	[ -n "$extra" ] || { echo "# the source offers nothing the destination lacks: no scenario"; return 1; }
}

level() {
	await level.json || return 1
	extra=$(extra_caps)
	"$tool" compare "$mbox/level.json" --host 2>&1 | diag
	[ "${PIPESTATUS[0]}" -eq 0 ]
}

# boot_guest K VHOST: start the guest, wait until its driver is up and
# it beat twice; its feature bits in $feat, or why not in $why.
boot_guest() {
	local k=$1 vhost=$2 t0=$SECONDS c=$mbox/case-$1.$role.console
	why=''
	start_qemu "$k" "$vhost"
	while :; do
		[ "$(heartbeats "$c" | tail -n1)" -ge 2 ] 2>/dev/null && break
		if ! kill -0 "$qemu_pid" 2>/dev/null; then
			why="QEMU ended: $(tail -n 3 "$mbox/case-$k.$role.qemu" | tr '\n' ' ')"
			break
		fi
		if grep -q '^KVM internal error' "$mbox/case-$k.$role.qemu"; then
			why="$(grep -m1 '^KVM internal error' "$mbox/case-$k.$role.qemu")"
			break
		fi
		if [ $((SECONDS - t0)) -ge 300 ]; then
			why="the guest did not beat twice in 300 s"
			break
		fi
		sleep 0.5
	done
	feat=$(sed -n 's/^migrate-guest: eth0 up, features \([01]*\).*/\1/p' "$c")
	[ -n "$why" ] || [ -n "$feat" ] || why="the guest did not bring eth0 up"
}

# source_case K LEVEL VHOST: boot, negotiate, migrate into case-K.mig,
# post case-K.env (handover).
source_case() {
	local k=$1 lvl=$2 vhost=$3 t0=$SECONDS t1 st bits want b hb why='' neg='' try
	rm -f "$mbox/case-$k.mig" "$work/case-$k.mig"
	feat=''
	set_level "$lvl" 2>&1 | diag
	if [ "${PIPESTATUS[0]}" -ne 0 ]; then
		why="tunpin set ($lvl) failed"
	else
		# Nested SVM under TCG: now and then the source's KVM stops
		# the guest with "KVM internal error. Suberror: 3" (an event
		# being delivered at an MMIO exit) while virtio_net probes,
		# before anything was negotiated: the emulator's, not the
		# scenario's; that boot is done again, twice at most.
		for try in 1 2 3; do
			boot_guest "$k" "$vhost"
			if [[ $why != "KVM internal error"* ]] || [ $try -eq 3 ]; then
				break
			fi
			echo "# retry: case $k: $why (attempt $try), booting again"
			cp "$mbox/case-$k.$role.qemu" "$mbox/case-$k.$role.qemu.$try"
			stop_qemu
		done
	fi
	echo "# time: case $k guest up $((SECONDS - t0)) s"
	if [ -z "$why" ]; then
		# What the driver negotiated, as the guest sees it (its
		# virtio_net is up: DRIVER_OK). Not x-query-virtio-status:
		# QEMU 11.1.3 aborts on it for virtio-net ("visit_start_struct:
		# Assertion `!(v->type & VISITOR_OUTPUT) || *obj' failed").
		bits=$(/usr/bin/python3 "$mig/features.py" bits "$feat" | awk '{print $1}')
		# shellcheck disable=SC2086 # a list of names
		want=$(extra_bits $extra)
		for b in $want; do
			grep -qx "$b" <<<"$bits" && neg+="${neg:+ }$b"
		done
		echo "# the guest negotiated, of the bits of '$extra' ($want): ${neg:-none}"
		# vhost-net's newer features (RING_RESET 40, IN_ORDER 35), for
		# the record: the destination's load is the judge.
		[ "$vhost" = on ] &&
			echo "# vhost=on: the guest negotiated RING_RESET: $(grep -qx 40 <<<"$bits" && echo yes || echo no), IN_ORDER: $(grep -qx 35 <<<"$bits" && echo yes || echo no)"
		if [ "$lvl" = unpinned ] && [ "$neg" != "$want" ]; then
			why="unpinned, the guest did not negotiate all of $want"
		elif [ "$lvl" = pinned ] && [ -n "$neg" ]; then
			why="pinned, the guest still negotiated $neg"
		fi
	fi
	if [ -z "$why" ]; then
		t1=$SECONDS
		qmp migrate "{\"uri\": \"file:$work/case-$k.mig\"}" >/dev/null ||
			why="QMP migrate failed"
		while [ -z "$why" ]; do
			st=$(qmp query-migrate)
			case $st in
			*'"status": "completed"'*) break ;;
			*'"status": "failed"'* | '') why="migration failed: $st" ;;
			esac
			[ $((SECONDS - t1)) -lt 900 ] ||
				why="the migration did not complete in 900 s"
			sleep 1
		done
		[ -n "$why" ] || [[ $(qmp query-status) = *postmigrate* ]] ||
			why="not in postmigrate after the migration"
		echo "# time: case $k migration $((SECONDS - t1)) s," \
		     "$(($(stat -c %s "$work/case-$k.mig" 2>/dev/null || echo 0) >> 20)) MiB"
	fi
	hb=$(heartbeats "$mbox/case-$k.$role.console" | tail -n1)
	stop_qemu
	handover "$k" "$why" "${hb:-0}" "$neg" "$feat" &
	if [ -z "$why" ]; then
		report 0 "source: $lvl vhost=$vhost: guest negotiated ${neg:-none of $want}, saved at heartbeat $hb"
	else
		tail -n 5 "$mbox/case-$k.$role.qemu" 2>/dev/null | diag
		report 1 "source: $lvl vhost=$vhost: $why"
	fi
}

# handover K WHY HEARTBEAT NEGOTIATED FEATURES: the saved file into the
# mailbox (large blocks), then case-K.env (saved=1 or 0, why=, heartbeat=,
# negotiated=: the bits of the source-only offloads the guest negotiated,
# features=: all it negotiated); the status in $work/handover-K.
handover() {
	local k=$1 why=$2 t0=$SECONDS rc=0
	if [ -z "$why" ]; then
		dd if="$work/case-$k.mig" of="$mbox/.case-$k.mig" bs=1M \
			status=none && mv -f "$mbox/.case-$k.mig" "$mbox/case-$k.mig" ||
			why="cannot copy the file into the mailbox"
		[ -z "$why" ] || rc=1
	fi
	rm -f "$work/case-$k.mig"
	{
		if [ -z "$why" ]; then echo saved=1; else echo saved=0; fi
		echo "why=$why"
		echo "heartbeat=$3"
		echo "negotiated=$4"
		echo "features=$5"
	} | post "case-$k.env"
	echo "$rc $((SECONDS - t0))" >"$work/handover-$k"
}

# destination_case K LEVEL VHOST: load case-K.mig and judge the outcome.
destination_case() {
	local k=$1 lvl=$2 vhost=$3 t0 st hb loaded='' refused='' rbits='' why='' got
	local desc="destination: $lvl vhost=$vhost" first last
	if ! await "case-$k.env"; then
		report 1 "$desc: nothing from the source"
		return
	fi
	if [ "$(get "$mbox/case-$k.env" saved)" != 1 ]; then
		report 1 "$desc: the source saved nothing ($(get "$mbox/case-$k.env" why))"
		return
	fi
	hb=$(get "$mbox/case-$k.env" heartbeat)
	neg=$(get "$mbox/case-$k.env" negotiated)
	set_level "$lvl" 2>&1 | diag
	if [ "${PIPESTATUS[0]}" -ne 0 ]; then
		report 1 "$desc: tunpin set ($lvl) failed"
		return
	fi
	t0=$SECONDS
	if ! dd if="$mbox/case-$k.mig" of="$work/case-$k.mig" bs=1M status=none; then
		report 1 "$desc: cannot copy the file from the mailbox"
		return
	fi
	rm -f "$mbox/case-$k.mig"
	echo "# time: case $k copy $((SECONDS - t0)) s"
	t0=$SECONDS
	start_qemu "$k" "$vhost" -incoming "file:$work/case-$k.mig"
	while [ $((SECONDS - t0)) -lt 900 ]; do
		kill -0 "$qemu_pid" 2>/dev/null || break
		st=$(QMP_WAIT=2 qmp query-status 2>/dev/null)
		[[ $st = *'"status": "running"'* ]] && { loaded=1; break; }
		sleep 2
	done
	echo "# time: case $k load $((SECONDS - t0)) s"
	if [ -n "$loaded" ]; then
		# The heartbeat goes on from where the source stopped, no reboot.
		t0=$SECONDS
		while [ $((SECONDS - t0)) -lt 180 ]; do
			last=$(heartbeats "$mbox/case-$k.$role.console" | tail -n1)
			[ "${last:-0}" -ge $((hb + 3)) ] && break
			sleep 1
		done
		first=$(heartbeats "$mbox/case-$k.$role.console" | head -n1)
		echo "# heartbeat: $hb on the source, ${first:-none}..${last:-none} here"
		if [ "${last:-0}" -lt $((hb + 3)) ]; then
			why="the guest's heartbeat stopped (source $hb, here ${first:-none}..${last:-none})"
		elif [ "$first" -le "$hb" ] || [ "$first" -gt $((hb + 2)) ] ||
		     grep -q '^migrate-guest: .* up$' "$mbox/case-$k.$role.console"; then
			why="the guest did not go on from heartbeat $hb (here $first..$last)"
		elif ! [[ $(qmp query-status) = *'"status": "running"'* ]]; then
			why="query-status is not running"
		fi
	elif kill -0 "$qemu_pid" 2>/dev/null; then
		why="the load did not end in 900 s"
	else
		wait "$qemu_pid"
		got=$?
		qemu_pid=
		if refused=$(/usr/bin/python3 "$mig/features.py" refused \
				"$mbox/case-$k.$role.qemu" \
				"$(get "$mbox/case-$k.env" features)"); then
			rbits=$(sed -n 's/^bit: \([0-9]*\) .*/\1/p' <<<"$refused" | tr '\n' ' ')
			echo "# the guest's features: $(sed -n 's/^stream: //p' <<<"$refused")"
			sed -n 's/^bit: /#   refused: bit /p' <<<"$refused"
			refused=$(sed -n 's/^line: \(qemu-system-x86_64: \)\{0,1\}//p' <<<"$refused")
			echo "# QEMU (exit $got): $refused"
		else
			why="QEMU ended (exit $got) with no Features line: $(grep -v '^$' \
				"$mbox/case-$k.$role.qemu" | tail -n 2 | tr '\n' ' ')"
		fi
	fi
	stop_qemu
	rm -f "$work/case-$k.mig"
	tail -n 4 "$mbox/case-$k.$role.qemu" | diag

	# The offloads' bits the guest negotiated on the source: all refused?
	local missing='' b
	for b in $neg; do
		[[ " $rbits " = *" $b "* ]] || missing+=" $b"
	done
	local named
	# shellcheck disable=SC2086 # a list of numbers
	named=$(/usr/bin/python3 "$mig/features.py" names $rbits)
	case $lvl-$vhost in
	unpinned-*)
		if [ -n "$why" ]; then
			report 1 "$desc: $why"
		elif [ -n "$loaded" ]; then
			report 1 "$desc: loaded though the guest negotiated $neg (no scenario)"
		elif [ -z "$neg" ] || [ -n "$missing" ]; then
			report 1 "$desc: refused, but not for$missing of the guest's $neg: $refused"
		else
			report 0 "$desc: refused as expected: $refused (refused: $named)"
		fi ;;
	pinned-off)
		if [ -n "$why" ]; then
			report 1 "$desc: $why"
		elif [ -n "$loaded" ]; then
			report 0 "$desc: loaded, running, heartbeat $hb -> $last"
		else
			report 1 "$desc: refused: $refused (refused: $named)"
		fi ;;
	pinned-on)
		local offl=
		for b in $rbits; do
			for c in "${!cap_bits[@]}"; do
				[[ " ${cap_bits[$c]} " = *" $b "* ]] && offl=1
			done
		done
		if [ -n "$why" ]; then
			report 1 "$desc: $why"
		elif [ -n "$loaded" ]; then
			report 0 "$desc: loaded, running, heartbeat $hb -> $last"
		elif [ -n "$offl" ]; then
			report 1 "$desc: refused for a TAP offload: $refused (refused: $named)"
		else
			report 1 "$desc: refused for vhost-net's features: $refused (refused: $named)"
		fi ;;
	esac
}

unload() {
	"$tool" set unpinned >/dev/null || return 1
	rmmod tunpin
}

# --- the run ------------------------------------------------------------
echo "TAP version 13"
if [ "$role" = source ]; then
	echo "1..$((${#cases[@]} + 5))"
else
	echo "1..$((${#cases[@]} + 4))"
fi
echo "# migrate: $role, $(uname -r), mailbox $mbox${MIGRATE_NET_ARGS:+, virtio-net-pci$MIGRATE_NET_ARGS}${MIGRATE_VHOST_NET_ARGS:+, with vhost=on$MIGRATE_VHOST_NET_ARGS}"

setup >"$work/setup.log" 2>&1
rc=$?
diag <"$work/setup.log"
if [ $rc -eq 0 ]; then
	report 0 "$role: $(uname -r), QEMU $qemu_version, /dev/kvm, tunpin.ko loaded"
else
	broken="setup failed"
	report 1 "$role: setup (kvm, tun, vhost_net, tunpin.ko)"
fi

if [ -n "$broken" ]; then
	report 1 "$role: tunpin probe (not run: $broken)"
elif probe; then
	report 0 "$role: tunpin probe: $caps"
else
	broken="probe failed"
	report 1 "$role: tunpin probe"
fi

if [ "$role" = source ]; then
	if [ -n "$broken" ]; then
		report 1 "source: tunpin merge (not run: $broken)"
	elif merge; then
		report 0 "source: tunpin merge: pool level $(/usr/bin/python3 -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["capabilities"]))' "$mbox/level.json"); only the source offers $extra"
	else
		broken="no pool level"
		report 1 "source: tunpin merge"
	fi
else
	if [ -n "$broken" ]; then
		report 1 "destination: the pool level (not run: $broken)"
	elif level; then
		report 0 "destination: this host provides the pool level (tunpin compare); the source has $extra more"
	else
		broken="no pool level"
		report 1 "destination: the pool level from the source, which this host provides"
	fi
fi

k=0
for c in "${cases[@]}"; do
	k=$((k + 1))
	read -r lvl vhost <<<"$c"
	echo "# case $k: $lvl, vhost=$vhost"
	if [ -n "$broken" ]; then
		report 1 "$role: $lvl vhost=$vhost (not run: $broken)"
	elif [ "$role" = source ]; then
		source_case "$k" "$lvl" "$vhost"
	else
		destination_case "$k" "$lvl" "$vhost"
	fi
done

if [ "$role" = source ]; then
	# The files still on their way into the mailbox.
	wait
	bad=''
	for ((k = 1; k <= ${#cases[@]}; k++)); do
		[ -f "$work/handover-$k" ] || continue
		read -r rc secs <"$work/handover-$k"
		echo "# time: case $k hand-over $secs s"
		[ "$rc" -eq 0 ] || bad+=" $k"
	done
	if [ -z "$bad" ] && [ -z "$broken" ]; then
		report 0 "source: every saved guest handed over through the mailbox"
	else
		report 1 "source: every saved guest handed over through the mailbox${bad:+ (failed:$bad)}${broken:+ (not run: $broken)}"
	fi
fi

if [ -d /sys/module/tunpin ] && unload 2>&1 | diag &&
   [ ! -d /sys/module/tunpin ]; then
	report 0 "$role: unpinned again, tunpin.ko unloaded"
else
	report 1 "$role: unpinned again, tunpin.ko unloaded"
fi

echo "# todo: $todo"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" -eq 0 ]
