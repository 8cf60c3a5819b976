#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: install what is missing, lint (checkpatch --strict, the
# netlink spec), the tool and its unit tests on the host, the packages;
# then every lane of the kernel matrix (tools/testing/matrix): its
# binaries built in its Debian root (W=1, sparse C=2), its selftests in
# VMs of that root (an arm64 lane's cross-built in the amd64 root of its
# suite). Ends with one line
# "N passed, N failed" summing everything (the KTAP totals included) and
# exits non-zero on any failure, warning or guest splat.
# TUNPIN_LANES="6.1 7.2": some lanes; TUNPIN_TESTS="a b": some tests on
# each; TUNPIN_ARM64=0: no arm64 lanes; TUNPIN_MIGRATE=0: no migrations;
# TUNPIN_CHECK_CPUS=2: two vCPUs per VM (a race such as stress_lower's
# needs them; run one VM at a time then), one by default.
# `make check-quick` (TUNPIN_QUICK=1): the development loop: no packages,
# no arm64 lanes, no migrations, lanes 6.1 and 7.2, the kernel's tests.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$TUNPIN_SRC" || exit

BUILD=${BUILD:-$TUNPIN_SRC/build}
log=$BUILD/check
mkdir -p "$log"
rm -f "$log"/*.log "$log"/*.status
passed=0 failed=0 todo=0
pkgdir=		# the .debs this run built (pkg.sh), for selftests/ansible.sh

"$(dirname "$0")/deps.sh" || die "cannot install the dependencies"

LSRC=$("$(dirname "$0")/linux-source.sh") || die "no linux-source"
quick=${TUNPIN_QUICK:-0}
if [ "$quick" = 1 ]; then
	TUNPIN_ARM64=0
	export TUNPIN_LANES=${TUNPIN_LANES:-6.1 7.2}
fi

# count_run WHAT LOG STATUS: a script's own "N passed, N failed" (and
# "N todo") lines from LOG, counted; one failure more if it ended badly
# (STATUS) with no failed test.
count_run() {
	local p f t
	read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
		"$2" | tail -n1)
	t=$(sed -n 's/^\([0-9]*\) todo$/\1/p' "$2" | tail -n1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	todo=$((todo + ${t:-0}))
	if [ "$3" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "FAILED: $1 (status $3; log: $2)"
		tail -n 20 "$2" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

mapfile -t ksrc < <(git ls-files 'module/*.[chS]' 'include/*.h')
step module-checkpatch "$LSRC/scripts/checkpatch.pl" --strict --no-tree \
	--terse --show-types -f "${ksrc[@]}"
step netlink-spec /usr/bin/python3 tools/testing/spec-check.py
step tool-build no_warnings make -C tools/tunpin
step tool-man no_warnings man --warnings -l tools/tunpin/tunpin.8
step splats-unit tools/testing/splats-test.sh
step other-arch-refused tools/testing/other-arch.sh
# This machine's kernel, dumped for the VM to merge with its own.
step host-probe tools/tunpin/tunpin probe -o "$BUILD/host-probe.json"

# The host's tests that no VM needs run in the background, beside the
# lane builds and the first VMs: mostly one process at a time, they left
# a core idle for minutes. The packages go first, on their own: the
# VMs install them (selftests/ansible.sh). Each group's "ok:" and
# "FAILED:" lines are printed and counted when it is done (bg_done).
bg_steps() {	# bg_steps NAME STEP...: the steps ("name cmd args"), in order
	local name=$1
	shift
	{
		local s
		for s; do
			eval "step $s"
		done
		echo "bg: $name done"
	} >"$log/$name.steps" 2>&1 &
	bg_pid[$name]=$!
}
bg_done() {	# bg_done NAME: wait for the group, print and count its lines
	# (run_vms' wait may have reaped it: its lines tell, not its status)
	local f=$log/$1.steps n
	wait "${bg_pid[$1]}" 2>/dev/null
	grep -v '^bg: ' "$f" 2>/dev/null
	n=$(grep -c '^ok: ' "$f" 2>/dev/null)
	passed=$((passed + ${n:-0}))
	n=$(grep -c '^FAILED: ' "$f" 2>/dev/null)
	failed=$((failed + ${n:-0}))
	grep -qx "bg: $1 done" "$f" 2>/dev/null || {
		echo "FAILED: the $1 steps did not finish (log: $log/$1.steps)"
		failed=$((failed + 1))
	}
}
declare -A bg_pid
host=("tool-unit make -s -C tools/tunpin check")
if [ "$quick" != 1 ]; then
	# DKMS against the Debian headers, the Debian packages and lintian.
	bg_steps packages "packages tools/testing/pkg.sh"
	host+=("libvirt-hook contrib/libvirt/test-hook.sh"
	       "ansible-lint ansible-lint --offline --nocolor --profile production contrib/ansible/site.yml contrib/ansible/roles/tunpin"
	       "ansible-multihost contrib/ansible/test-multihost.sh")
fi
bg_steps host "${host[@]}"

# The kernel matrix (tools/testing/matrix): each lane's binaries built in
# its root, then its selftests in VMs of that root, two VMs at a time, one
# vCPU each (common.sh run_vms). The full lane's tests are shared out
# between two VMs by their time ("# time:" in the logs); TUNPIN_TESTS="a b"
# runs a subset on every lane.
jobs=()
for lane in $(lanes); do
	[ "${TUNPIN_ARM64:-1}" = 0 ] && [ "$(lane_get "$lane" arch)" = arm64 ] &&
		continue
	step "$lane-build" "$(dirname "$0")/lane-build.sh" "$lane" \
		"$BUILD/lanes/$lane" || continue
	grep '^lane-build: ' "$log/$lane-build.log" | sed 's/^/    /'
	class=$(lane_get "$lane" tests)
	[ "$quick" = 1 ] && [ "$class" = full ] && class=functional
	tests=${TUNPIN_TESTS:-$(bash selftests/run.sh --list "$class")}
	# A kernel tunpin refuses runs that test whatever the subset.
	[ "$class" = refused ] && tests=$(bash selftests/run.sh --list refused)
	# The tests with a VM of their own (run.sh --list alone): unit,
	# tunpin.service started by systemd, PID 1 of its VM (vm()); ansible.
	own=()
	for t in $(bash selftests/run.sh --list alone); do
		[[ " $(echo $tests) " = *" $t "* ]] || continue
		own+=("$t")
		tests=$(printf '%s\n' $tests | grep -vx "$t")
	done
	if [ -z "$tests" ]; then
		groups=()
	elif [ "$class" = full ]; then
		# shellcheck disable=SC2086 # a list of names
		vm_groups 2 "qemu offload libvirt_hook" \
			"tool probe offload_32 state" $tests
	else
		groups=("$(echo $tests)")
	fi
	for g in "${groups[@]}" "${own[@]}"; do jobs+=("$lane:$g"); done
done

# vm JOB LANE TESTS...: one VM of LANE's root (common.sh run_vms).
vm() {
	local lane=$2 out=$BUILD/lanes/$2 arch tmo
	arch=$(lane_get "$lane" arch)
	# An arm64 guest is emulated instruction by instruction (TCG
	# translates another architecture): it takes about three times as
	# long.
	# A functional lane's VM runs every kernel test in one: 5.10's took
	# 900 s on a loaded machine (its qemu test 515 s), so 1500.
	tmo=1500
	[ "$arch" = arm64 ] && tmo=2700
	local append=${TUNPIN_VM_APPEND:-}
	[ "$*" = "$1 $2 unit" ] && append+=" tunpin.systemd=1"
	TUNPIN_VM_APPEND=$append TUNPIN_VM_CPUS=${TUNPIN_CHECK_CPUS:-1} \
		"$(dirname "$0")/vm/run.sh" -a "$arch" \
		-r "$(lane_root "$lane")" \
		-t "${TUNPIN_VM_TIMEOUT:-$tmo}" -o "$out/vm$1" -m "$BUILD" -- \
		env TUNPIN_HOST_DUMP="$BUILD/host-probe.json" \
		${pkgdir:+TUNPIN_PKG_DIR="$pkgdir"} \
		TUNPIN_KO="$out/src/module/tunpin.ko" \
		TUNPIN_TOOL="$out/src/tools/tunpin/tunpin" \
		bash "$TUNPIN_SRC/selftests/run.sh" "$out/selftests" "${@:3}" \
		>"$log/$lane-vm$1.log"
}

# The VMs install the packages this run built (selftests/ansible.sh).
if [ "$quick" != 1 ]; then
	bg_done packages
	grep -q '^ok: packages ' "$log/packages.steps" && pkgdir=$BUILD/pkg
fi
# The host group still running counts as one of run_vms' jobs: one VM
# beside it, two once it is done.
run_vms check "${jobs[@]}"
bg_done host

# The unit tests (the tool's, the kernel-report scan's) and the packaging
# tests report their own counts ("N passed, N failed"), one line each.
ulogs=()
for f in tool-unit splats-unit packages libvirt-hook ansible-multihost; do
	[ -f "$log/$f.log" ] && ulogs+=("$log/$f.log")
done
read -r upass ufail < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	"${ulogs[@]}" | awk '{p += $1; f += $2} END {print p+0, f+0}')
passed=$((passed + ${upass:-0}))
failed=$((failed + ${ufail:-0}))
# Their known gaps ("N todo"; the packages': the unit's sandbox where
# systemd is not PID 1), with their reasons.
grep -h '^todo: ' "${ulogs[@]}"
todo=$((todo + $(sed -n 's/^\([0-9]*\) todo$/\1/p' "${ulogs[@]}" |
	awk '{t += $1} END {print t+0}')))

# The live migrations between kernels (tools/testing/migrate/check.sh),
# after the lanes: their VMs take both cores. TUNPIN_MIGRATE=0 skips them,
# as check-quick does.
if [ "$quick" != 1 ] && [ "${TUNPIN_MIGRATE:-1}" != 0 ]; then
	t0=$SECONDS
	TUNPIN_MIGRATE_BUILT=$BUILD/lanes \
		"$(dirname "$0")/migrate/check.sh" >"$log/migrate.log" 2>&1
	mrc=$?
	grep -aE '^(ok|FAILED|check-migrate):|^[^ ]+ (source|destination): (not )?ok ' \
		"$log/migrate.log" | sed 's/^/migrate: /'
	count_run "the migrations" "$log/migrate.log" "$mrc"
	echo "check: the migrations took $((SECONDS - t0)) s"
fi

echo "check: $todo todo (known gaps, KTAP \"# TODO\", listed above)"
echo "check: $SECONDS s in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
