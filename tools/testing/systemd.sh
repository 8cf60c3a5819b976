#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tunpin.service, as installed (tools/testing/pkg.sh passes the packaged
# unit and tool; by default the tree's contrib/systemd and
# tools/tunpin/tunpin), KTAP:
#
#   systemd-analyze verify accepts it and modprobe@tunpin.service with its
#   drop-in, without a word; systemd-analyze security --offline rates it 4
#   or below; it is a oneshot `tunpin apply` before the hypervisors, loads
#   no module itself (modprobe@tunpin.service does) and has no privilege
#   but CAP_NET_ADMIN.
#
#   Where systemd is PID 1 (/run/systemd/system), the tool runs under the
#   unit's own sandbox: every [Service] setting but the command and its
#   output, read from the unit and passed to `systemd-run --wait -p`.
#   `tunpin probe` must find the same native set there as outside (the
#   devices and CAP_NET_ADMIN are reachable); with the module loaded,
#   `tunpin show` and `tunpin apply` of this host's own state (`tunpin
#   save --root`, so the level stays as it was and the overrides are
#   added again) must succeed. Elsewhere (a container, the VM harness,
#   whose PID 1 is not systemd) those are KTAP "# TODO" results, known
#   gaps, never passes. Needs root there: it creates a TAP.
#
#   tunpin-metrics.service and .timer: verify accepts them without a
#   word; the service rates 2 or below; a oneshot `tunpin metrics -o` of
#   node_exporter's textfile directory, skipped without it, that may write
#   that directory only, with no privilege but CAP_NET_ADMIN; the timer
#   every minute. Where systemd is PID 1, under the service's sandbox
#   (its directory staged in /run) `tunpin metrics -o` writes an
#   exposition that says whether the module is loaded, 0644.
#
# usage: systemd.sh [UNITDIR [TUNPIN]]
#   UNITDIR holds tunpin.service, modprobe@tunpin.service.d/ and
#   tunpin-metrics.service and .timer.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
unitdir=$(realpath "${1:-$src/contrib/systemd}")
tool=$(realpath "${2:-$src/tools/tunpin/tunpin}")
unit=$unitdir/tunpin.service
dropin=$unitdir/modprobe@tunpin.service.d/tunpin.conf
munit=$unitdir/tunpin-metrics.service
mtimer=$unitdir/tunpin-metrics.timer
textfile=/var/lib/prometheus/node-exporter
# The highest exposure allowed, as printed (0.0 to 10.0): issue 19 asks
# for 4 or below. --threshold= counts in tenths (0 to 100, default 100).
THRESHOLD=${TUNPIN_UNIT_THRESHOLD:-4.0}
# tunpin-metrics.service needs less (netlink, sysfs, one directory).
METRICS_THRESHOLD=${TUNPIN_METRICS_THRESHOLD:-2.0}
. "$src/selftests/ktap.sh"

tmp=$(mktemp -d)
run=''
trap 'rm -rf "$tmp" ${run:+"$run"}' EXIT

# run_cmd COMMAND...: run it, keep $last, $rc, $out, $err for check
run_cmd() {
	last="$*"
	out=$("$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
}

# The [Service] settings of the unit ($sbunit, else tunpin.service) that
# make the sandbox: all but what it runs and where its output goes, one
# KEY=VALUE a line.
sbunit=''
sandbox() {
	awk '/^\[/ { s = ($0 == "[Service]"); next }
	     s && /^[A-Za-z]+=/ && !/^(Type|RemainAfterExit|Exec[A-Za-z]*|Standard(Output|Error))=/' \
		"${sbunit:-$unit}"
}

# in_sandbox COMMAND...: COMMAND under the unit's sandbox, a transient
# service of systemd (PID 1), its stdout and stderr piped here.
in_sandbox() {
	local -a props=()
	local p

	while IFS= read -r p; do props+=(-p "$p"); done < <(sandbox)
	run_cmd systemd-run --quiet --wait --pipe --collect \
		--unit="tunpin-sandbox-test-$$-$RANDOM" "${props[@]}" -- "$@"
}

not() { ! "$@"; }

# No systemd as PID 1 (a container, the VM harness' busybox init): the
# sandbox cannot be tried here. A known gap, reported as such.
no_systemd() {
	[ -d /run/systemd/system ] && return 1
	todo="no systemd as PID 1 here (run tools/testing/systemd.sh on a systemd host)"
}

# The sandbox sees no /tmp and no /home of the host (PrivateTmp=,
# ProtectHome=): the tool and its files go to /run.
stage() {
	[ -n "$run" ] && return 0
	run=$(mktemp -d -p /run tunpin-unit-test.XXXXXX) || return 1
	chmod 0755 "$run"
	install -m 0755 "$tool" "$run/tunpin"
}

t_verify() {	# systemd-analyze verify: the unit and modprobe@tunpin, no complaint
	sed "s|^ExecStart=/usr/sbin/tunpin |ExecStart=$tool |" "$unit" \
		>"$tmp/tunpin.service"
	mkdir -p "$tmp/modprobe@tunpin.service.d"
	cp "$dropin" "$tmp/modprobe@tunpin.service.d/"
	run_cmd systemd-analyze verify --man=no "$tmp/tunpin.service" \
		modprobe@tunpin.service
	check "verify exits 0" [ "$rc" -eq 0 ]
	check "verify says nothing" [ -z "$out$err" ]
}

t_security() {	# systemd-analyze security --offline: exposure at most the threshold
	local score

	run_cmd systemd-analyze security --offline=yes --no-pager \
		--threshold="$(awk -v t="$THRESHOLD" 'BEGIN { print int(t * 10 + 0.5) }')" \
		"$unit"
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' \
		<<<"$out")
	echo "# exposure: ${score:-?} (threshold $THRESHOLD)"
	check "a score" [ -n "$score" ]
	check "at most $THRESHOLD" [ "$rc" -eq 0 ]
}

t_settings() {	# oneshot tunpin apply before the hypervisors, no module loading, CAP_NET_ADMIN only
	last="grep $unit" rc=- out=$(cat "$unit") err=''
	check "Type=oneshot" grep -qx 'Type=oneshot' "$unit"
	check "Before= libvirtd virtqemud" \
		grep -qE '^Before=.*libvirtd\.service.*virtqemud\.service' "$unit"
	check "skipped until saved" \
		grep -qx 'ConditionPathExists=/etc/tunpin/state.json' "$unit"
	check "CapabilityBoundingSet=CAP_NET_ADMIN" \
		grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$unit"
	check "ProtectKernelModules=yes" grep -qx 'ProtectKernelModules=yes' "$unit"
	check "no command runs modprobe" not grep -qE '^Exec[A-Za-z]*=.*modprobe' "$unit"
	check "Wants=modprobe@tunpin.service" \
		grep -qx 'Wants=modprobe@tunpin.service' "$unit"
	check "After=modprobe@tunpin.service" \
		grep -qx 'After=modprobe@tunpin.service' "$unit"
	check "ExecStart=tunpin apply" \
		grep -qx 'ExecStart=/usr/sbin/tunpin apply' "$unit"
	check "modprobe@tunpin only once saved" grep -qx \
		'ConditionPathExists=/etc/tunpin/state.json' "$dropin"
	check "a sandbox of 20 settings or more" [ "$(sandbox | wc -l)" -ge 20 ]
}

t_sandbox_probe() {	# under the unit's sandbox, tunpin probe finds the native set
	no_systemd && return
	check "stage the tool in /run" stage || return
	run_cmd "$run/tunpin" probe -o "$tmp/outside.json"
	check "probe outside the sandbox" [ "$rc" -eq 0 ] || return
	in_sandbox "$run/tunpin" probe -o /dev/stdout
	check "probe in the sandbox" [ "$rc" -eq 0 ] || return
	printf '%s\n' "$out" >"$tmp/inside.json"
	run_cmd python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
key = lambda d: (d["capabilities"], d["features"], d.get("exempt"),
		 d["vhost"].get("state"), d["vhost"].get("features"))
sys.exit(key(a) != key(b))' "$tmp/outside.json" "$tmp/inside.json"
	check "the same native set, features, vhost-net and exemption" [ "$rc" -eq 0 ]
}

t_sandbox_apply() {	# under the unit's sandbox, tunpin show and apply of this host's state
	local before after

	no_systemd && return
	if [ ! -d /sys/kernel/tunpin ]; then
		todo="the tunpin module is not loaded here (modprobe tunpin)"
		return
	fi
	check "stage the tool in /run" stage || return
	in_sandbox "$run/tunpin" show
	check "show in the sandbox" [ "$rc" -eq 0 ]
	run_cmd "$run/tunpin" -j level
	before=$out
	run_cmd "$run/tunpin" save --root "$run"
	check "save this host's state" [ "$rc" -eq 0 ] || return
	in_sandbox "$run/tunpin" apply --root "$run"
	check "apply in the sandbox" [ "$rc" -eq 0 ]
	run_cmd "$run/tunpin" -j level
	after=$out
	check "the level as it was" [ "$before" = "$after" ]
}

t_metrics_verify() {	# systemd-analyze verify: tunpin-metrics.timer and .service, no complaint
	sed "s|^ExecStart=/usr/sbin/tunpin |ExecStart=$tool |" "$munit" \
		>"$tmp/tunpin-metrics.service"
	cp "$mtimer" "$tmp/"
	run_cmd systemd-analyze verify --man=no "$tmp/tunpin-metrics.timer" \
		"$tmp/tunpin-metrics.service"
	check "verify exits 0" [ "$rc" -eq 0 ]
	check "verify says nothing" [ -z "$out$err" ]
}

t_metrics_security() {	# systemd-analyze security --offline: tunpin-metrics.service at most its threshold
	local score

	run_cmd systemd-analyze security --offline=yes --no-pager \
		--threshold="$(awk -v t="$METRICS_THRESHOLD" 'BEGIN { print int(t * 10 + 0.5) }')" \
		"$munit"
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' \
		<<<"$out")
	echo "# metrics exposure: ${score:-?} (threshold $METRICS_THRESHOLD)"
	check "a score" [ -n "$score" ]
	check "at most $METRICS_THRESHOLD" [ "$rc" -eq 0 ]
}

t_metrics_settings() {	# a oneshot tunpin metrics -o of the textfile directory, every minute, CAP_NET_ADMIN only
	last="grep $munit $mtimer" rc=- out=$(cat "$munit" "$mtimer") err=''
	check "Type=oneshot" grep -qx 'Type=oneshot' "$munit"
	check "ExecStart=tunpin metrics -o $textfile/tunpin.prom" grep -qx \
		"ExecStart=/usr/sbin/tunpin metrics -o $textfile/tunpin.prom" "$munit"
	check "skipped without $textfile" \
		grep -qx "ConditionPathIsDirectory=$textfile" "$munit"
	check "writes $textfile only" [ "$(grep -E '^(ReadWrite|ReadOnly|Inaccessible)Paths=' \
		"$munit")" = "ReadWritePaths=$textfile" ]
	check "ProtectSystem=strict" grep -qx 'ProtectSystem=strict' "$munit"
	check "CapabilityBoundingSet=CAP_NET_ADMIN" \
		grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' "$munit"
	check "netlink only" grep -qx 'RestrictAddressFamilies=AF_NETLINK' "$munit"
	check "no user namespace of its own (CAP_NET_ADMIN in the initial one)" \
		not grep -qE '^(PrivateUsers|DynamicUser|User)=' "$munit"
	check "the service is not installed itself" not grep -qx '\[Install\]' "$munit"
	check "the timer: every minute" grep -qx 'OnCalendar=minutely' "$mtimer"
	check "the timer: WantedBy=timers.target" \
		grep -qx 'WantedBy=timers.target' "$mtimer"
	sbunit=$munit
	check "a sandbox of 25 settings or more" [ "$(sandbox | wc -l)" -ge 25 ]
	sbunit=''
}

t_metrics_sandbox() {	# under tunpin-metrics.service's sandbox, tunpin metrics -o writes the exposition
	local want=0 prom

	no_systemd && return
	check "stage the tool in /run" stage || return
	mkdir -p "$run/textfile"
	prom=$run/textfile/tunpin.prom
	sed "s|^ReadWritePaths=.*|ReadWritePaths=$run/textfile|" "$munit" \
		>"$tmp/sandbox-metrics.service"
	sbunit=$tmp/sandbox-metrics.service
	in_sandbox "$run/tunpin" metrics -o "$prom"
	sbunit=''
	check "metrics -o in the sandbox" [ "$rc" -eq 0 ] || return
	[ -d /sys/kernel/tunpin ] && want=1
	check "tunpin_module_loaded $want" grep -qx "tunpin_module_loaded $want" "$prom"
	check "mode 0644" [ "$(stat -c %a "$prom")" = 644 ]
	check "nothing left beside it" [ "$(ls -A "$run/textfile")" = tunpin.prom ]
}

tests=(t_verify t_security t_settings t_sandbox_probe t_sandbox_apply
       t_metrics_verify t_metrics_security t_metrics_settings t_metrics_sandbox)
ktap_main
