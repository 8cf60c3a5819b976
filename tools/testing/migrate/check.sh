#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check-migrate`: the real live migration of a running guest from a
# newer host kernel to an older one, unpinned and pinned by tunpin, the
# same QEMU on both sides. Two pairs (TUNPIN_MIGRATE_PAIRS picks some):
#   6.12-6.1   source 6.12, destination 6.1, on the 6.12 lane's root
#              (bookworm+backports: QEMU 10.0, probes UFO and USO)
#   7.2-6.12   source 7.2, destination 6.12, on the 7.2 lane's root
#              (sid: QEMU 11.1, probes UDP-tunnel GSO too)
# Each host VM (tools/testing/vm/run.sh) boots once per pair, source and
# destination side by side, both pairs at once, and runs
# selftests/migrate.sh, which prints KTAP: the destination boots the older
# kernel tree on the newer root.
# The module of each kernel is its own lane's (built in its own root),
# the tool the lane's whose root the VMs boot (tools/testing/lane-build.sh).
# The nested guest is the source kernel with its virtio_net
# (tools/testing/migrate/initramfs.sh).
# Ends with "N todo" (the known failures, KTAP "# TODO", counted apart)
# and "N passed, N failed"; exits non-zero on any failure. Outputs in
# $BUILD/migrate: log/ (the gates, each VM's console), PAIR/SIDE.ktap,
# PAIR/mbox (the mailbox: dumps, level, the guests' consoles, QEMU's
# messages).
# TUNPIN_MIGRATE_TIMEOUT: a host VM's limit (s, 2400).
# TUNPIN_MIGRATE_BUILT: a directory of lane builds to use (make check's).
# TUNPIN_MIGRATE_NET_ARGS: more virtio-net-pci properties (",in_order=on").
# TUNPIN_MIGRATE_CPUS: each host VM's vCPUs (1: with two, TCG once let a
# host kernel trip over its own text patching, an int3 Oops in
# __schedule() as QEMU's KVM VM was destroyed).
set -uo pipefail
. "$(dirname "$0")/../common.sh"
cd "$TUNPIN_SRC" || exit
testing=$TUNPIN_SRC/tools/testing

BUILD=${BUILD:-$TUNPIN_SRC/build}
top=$BUILD/migrate
log=$top/log
mkdir -p "$log"
passed=0 failed=0 todo=0

# pair name: source lane, destination lane (the VMs boot the source's root)
declare -A pair_lanes=([6.12-6.1]="6.12 6.1" [7.2-6.12]="7.2 6.12")
# More virtio-net-pci properties for a pair's vhost=on cases: QEMU offers
# VIRTIO_F_IN_ORDER, what 7.2's vhost-net has and 6.12's lacks, only with
# in_order=on (6.12's RING_RESET, which 6.1 lacks, is on by default).
declare -A pair_vhost_args=([7.2-6.12]=",in_order=on")
all_pairs="6.12-6.1 7.2-6.12"
pairs=${TUNPIN_MIGRATE_PAIRS:-$all_pairs}
for p in $pairs; do
	[ -n "${pair_lanes[$p]:-}" ] || die "no pair '$p' (pairs: $all_pairs)"
done

# The roots and the builds the pairs need: every lane's module, the tool
# of each source lane.
declare -A need_module need_tool root_of
for p in $pairs; do
	read -r s d <<<"${pair_lanes[$p]}"
	need_module[$s]=1 need_module[$d]=1 need_tool[$s]=1
done

# A root (tools/testing/vm/root.sh) missing, or its making failing, is a
# failure that names it.
get_root() {	# get_root LANE: its root's directory in root_of[LANE]
	local lane=$1 r dir
	r=$(lane_get "$lane" root) || return 1
	if dir=$(lane_root "$lane" 2>"$log/root-$lane.log") &&
	   [ -f "$dir/.kver" ]; then
		root_of[$lane]=$dir
		passed=$((passed + 1))
		echo "ok: root of lane $lane: $r, kernel $(cat "${root_of[$lane]}/.kver")"
	else
		failed=$((failed + 1))
		echo "FAILED: the $r root of lane $lane (log: $log/root-$lane.log)"
		sed 's/^/    /' "$log/root-$lane.log" | tail -n 20
		return 1
	fi
}

# build_lane LANE: tunpin.ko (if needed) and the tool (if needed) in the
# lane's root, into $top/lanes/LANE/src. The module's W=1/sparse gate is
# make check's: here the .ko must exist; a warning is shown, not failed.
build_lane() {
	local lane=$1 out=$top/lanes/$1 rc=0 built
	# make check's own build of the lane (TUNPIN_MIGRATE_BUILT: its lanes'
	# directory), gated there: its binaries.
	built=${TUNPIN_MIGRATE_BUILT:-}/$lane/src
	if [ -n "${TUNPIN_MIGRATE_BUILT:-}" ] && [ -f "$built/module/tunpin.ko" ] &&
	   { [ -z "${need_tool[$lane]:-}" ] || [ -x "$built/tools/tunpin/tunpin" ]; }; then
		rm -rf "$out"
		mkdir -p "$out/src/module" "$out/src/tools/tunpin"
		cp "$built/module/tunpin.ko" "$out/src/module/"
		[ -z "${need_tool[$lane]:-}" ] ||
			cp "$built/tools/tunpin/tunpin" "$out/src/tools/tunpin/"
		echo "check-migrate: lane $lane: the binaries of make check's build"
		return 0
	fi
	"$testing/lane-build.sh" "$lane" "$out" copy module || rc=$?
	[ -f "$out/src/module/tunpin.ko" ] || { echo "no tunpin.ko"; return 1; }
	[ $rc -eq 0 ] || echo "check-migrate: the module's W=1 gate failed (status $rc); the .ko is used"
	if [ -n "${need_tool[$lane]:-}" ]; then
		"$testing/lane-build.sh" "$lane" "$out" tool || return 1
		[ -x "$out/src/tools/tunpin/tunpin" ] || { echo "no tunpin tool"; return 1; }
	fi
}

declare -A lane_ok
for lane in $(printf '%s\n' "${!need_module[@]}" | sort -V); do
	get_root "$lane" || continue
	if step "build-$lane" build_lane "$lane"; then
		lane_ok[$lane]=1
		grep -E '^(lane-build|check-migrate): ' "$log/build-$lane.log" |
			sed 's/^/    /'
		grep -m3 'warning:' "$log/build-$lane.log" | sed 's/^/    /'
	fi
done

# side PAIR ROLE ROOT KERNEL_TREE LANE: one host VM; its KTAP in
# $top/PAIR/ROLE.ktap, console in $log/PAIR-ROLE.log, status in
# $top/PAIR/ROLE.status.
side() {
	local pair=$1 role=$2 root=$3 ktree=$4 lane=$5 tlane=$6 pd=$top/$1
	# shellcheck disable=SC2016 # expanded in the guest
	TUNPIN_VM_CPUS=${TUNPIN_MIGRATE_CPUS:-1} "$testing/vm/run.sh" \
		-r "$root" -k "$ktree" -t "${TUNPIN_MIGRATE_TIMEOUT:-2400}" \
		-o "$pd/$role" -m "$top" -- \
		env TUNPIN_KO="$top/lanes/$lane/src/module/tunpin.ko" \
		TUNPIN_TOOL="$top/lanes/$tlane/src/tools/tunpin/tunpin" \
		MIGRATE_KERNEL="$pd/vmlinuz" MIGRATE_INITRD="$pd/initrd.gz" \
		KTAP="$pd/$role.ktap" MIGRATE_NET_ARGS="${TUNPIN_MIGRATE_NET_ARGS:-}" \
		MIGRATE_VHOST_NET_ARGS="${pair_vhost_args[$pair]:-}" \
		bash -c 'bash "$0" "$@" 2>&1 | tee "$KTAP"; exit "${PIPESTATUS[0]}"' \
		"$TUNPIN_SRC/selftests/migrate.sh" "$role" "$pd/mbox" \
		>"$log/$pair-$role.log" 2>&1
	local rc=$?
	echo $rc >"$pd/$role.status"
	# A VM that died said nothing to its peer: say it, so the peer stops
	# waiting for it.
	[ -e "$pd/mbox/$role.done" ] || echo "vm:$rc" >"$pd/mbox/$role.done"
}

ran=()
for p in $pairs; do
	read -r s d <<<"${pair_lanes[$p]}"
	pd=$top/$p
	if [ -z "${lane_ok[$s]:-}" ] || [ -z "${lane_ok[$d]:-}" ]; then
		failed=$((failed + 1))
		echo "FAILED: pair $p: not run (lane $s or $d has no root or build)"
		continue
	fi
	root=${root_of[$s]}
	skver=$(cat "${root_of[$s]}/.kver") dkver=$(cat "${root_of[$d]}/.kver")
	rm -rf "$pd"
	mkdir -p "$pd/mbox"
	if ! step "$p-guest" "$testing/migrate/initramfs.sh" "${root_of[$s]}" \
		"$root/bin/busybox" "$pd/initrd.gz"; then
		failed=$((failed + 1))
		echo "FAILED: pair $p: not run (no nested guest)"
		continue
	fi
	cp "${root_of[$s]}/boot/vmlinuz-$skver" "$pd/vmlinuz"
	echo "check-migrate: pair $p: $skver -> $dkver on the $(lane_get "$s" root)" \
	     "root, $(chroot "$root" qemu-system-x86_64 --version 2>/dev/null | head -n1)"
	# Both pairs at once: a pair's destination waits for its source
	# most of the time, and one pair kept 1.2 cores busy of two.
	{
		t0=$SECONDS
		side "$p" source "$root" "${root_of[$s]}" "$s" "$s" &
		side "$p" destination "$root" "${root_of[$d]}" "$d" "$s" &
		wait
		echo "$((SECONDS - t0))" >"$pd/took"
	} &
	ran+=("$p")
done
wait

for p in "${ran[@]}"; do
	pd=$top/$p
	echo "check-migrate: pair $p took $(cat "$pd/took" 2>/dev/null) s"
	for role in source destination; do
		k=$pd/$role.ktap
		grep -aE '^(not )?ok |^# (todo|Totals|time|retry):|^# QEMU|^#   refused' "$k" 2>/dev/null |
			sed "s/^/$p $role: /"
		read -r kp kf < <(grep -ao '# Totals: pass:[0-9]* fail:[0-9]*' "$k" 2>/dev/null |
			awk -F'[: ]+' '{p += $4; f += $6} END {print p+0, f+0}')
		kt=$(sed -n 's/^# todo: \([0-9]*\)$/\1/p' "$k" 2>/dev/null | tail -n1)
		passed=$((passed + kp)) failed=$((failed + kf)) todo=$((todo + ${kt:-0}))
		status=$(cat "$pd/$role.status" 2>/dev/null || echo 125)
		if [ "$status" -ne 0 ] && [ "$kf" -eq 0 ]; then
			failed=$((failed + 1))
			echo "FAILED: pair $p $role VM (status $status; console: $log/$p-$role.log)"
			grep -a -E 'run.sh:|tunpin-init:|guest-init:' "$log/$p-$role.log" |
				tail -n 10 | sed 's/^/    /'
		fi
	done
done

echo "check-migrate: $SECONDS s in all"
echo "$todo todo"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
