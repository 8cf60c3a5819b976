#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: tunpin's costs, measured, never judged (the exit status
# says whether the benchmarks ran, not what they found).
#  - on this machine: `tunpin merge` of 10, 1,000 and 10,000 generated dumps
#    (wall and CPU time, peak RSS) and `tunpin probe`'s time;
#  - for each lane of the kernel matrix (TUNPIN_LANES picks some, as for
#    make check), in one boot of its VM (tools/testing/vm/run.sh, the
#    lane's Debian kernel and root under QEMU TCG): datapath and
#    control-path figures on the stock kernel and with tunpin loaded and
#    pinned, in alternating rounds (guest.sh), so every ratio is against
#    the stock kernel of the same run.
# Installs its packages, builds the module, the tool and the benchmarks in
# each lane's root (lane-build.sh). Raw lines in build/bench/raw-LANE.txt,
# the table in build/bench/report-LANE.txt, one per kernel.
# Environment: BENCH_ROUNDS, BENCH_BIG_ROUNDS, BENCH_SECS, BENCH_TAPS,
# BENCH_OVERRIDES (see guest.sh), BENCH_MERGE_RUNS (5), BENCH_ICOUNT (1).
# BENCH_ICOUNT=1 (the default) boots the VM with one vCPU under QEMU's
# -icount shift=0,sleep=off (single-threaded TCG): the guest's clocks count
# executed instructions, 1 ns each, so the kernel-side figures are
# instruction counts, independent of the host's load (they do not model
# cache misses, TLB or trap costs of real hardware). BENCH_ICOUNT=0: the
# wall clock, multi-threaded TCG, 2 vCPUs (TUNPIN_VM_CPUS), as vm/run.sh's
# default.
set -euo pipefail
. "$(dirname "$0")/../common.sh"
cd "$TUNPIN_SRC"
t0=$SECONDS

BUILD=${BUILD:-$TUNPIN_SRC/build}
out=$BUILD/bench
mkdir -p "$out"
bench=tools/testing/bench

need_pkgs make gcc libc6-dev pkg-config libmnl-dev libjson-c-dev \
	qemu-system-x86 busybox-static cpio kmod iproute2 procps python3 time
# icount: one vCPU (under icount, QEMU 7.2 did not boot this kernel with two
# in 300 s, and a second vCPU's instructions would advance the shared clock).
if [ "${BENCH_ICOUNT:-1}" = 1 ]; then
	export TUNPIN_VM_ICOUNT=${TUNPIN_VM_ICOUNT:-shift=0,sleep=off}
	export TUNPIN_VM_ACCEL=${TUNPIN_VM_ACCEL:-tcg,thread=single}
	export TUNPIN_VM_CPUS=${TUNPIN_VM_CPUS:-1}
	vm_args="-accel $TUNPIN_VM_ACCEL -icount $TUNPIN_VM_ICOUNT"
	mode="icount: kernel-side ns are virtual, 1 ns = 1 guest instruction executed"
	mode+=" (QEMU -icount shift=0), and a wait skips to the next timer; a ratio is a"
	mode+=" ratio of work done, independent of the host's load; not modelled: cache"
	mode+=" misses, TLB and trap costs of hardware"
else
	unset TUNPIN_VM_ICOUNT
	vm_args="-accel ${TUNPIN_VM_ACCEL:-tcg,thread=multi}"
	mode="wall clock: kernel-side ns are the host's, under TCG; they vary with the"
	mode+=" host's load (BENCH_ICOUNT=0)"
fi

echo "bench: building the tool for this machine"
make -s tool >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; die "the tool does not build"; }
tool=$TUNPIN_SRC/tools/tunpin/tunpin

raw=$out/host.txt
{
	echo "# command: make bench (tools/testing/bench/run.sh)"
	echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), tunpin $(git describe --always --dirty 2>/dev/null || tunpin_version)"
	echo "# host kernel: $(uname -r) $(uname -v)"
	echo "# host cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1) x $(nproc)"
	echo "# vm: TCG ($vm_args -cpu max -smp ${TUNPIN_VM_CPUS:-2})"
	echo "# mode: $mode"
} >"$raw"

# tunpin merge: generated dumps (cached), BENCH_MERGE_RUNS runs each.
echo "bench: tunpin merge and tunpin probe on this machine"
runs=${BENCH_MERGE_RUNS:-5}
for n in 10 1000 10000; do
	d=$out/dumps-$n
	if [ ! -f "$d/.done" ]; then
		rm -rf "$d"
		"$bench/gen-dumps.sh" "$n" "$d"
		touch "$d/.done"
	fi
	for ((i = 0; i < runs; i++)); do
		/usr/bin/time -f '%e %U %S %M' -o "$out/time" \
			"$tool" merge -o "$out/merged-$n.json" "$d"/host-*.json \
			>/dev/null
		cat "$out/time"
	done | sort -n | awk -v n="$n" -v runs="$runs" '
		{ wall[NR] = $1; cpu[NR] = $2 + $3; if ($4 > rss) rss = $4 }
		END {
			# sorted by wall time; CPU time sorted here
			m = int((NR + 1) / 2)
			for (i = 2; i <= NR; i++) for (j = i; j > 1 && cpu[j-1] > cpu[j]; j--) {
				t = cpu[j]; cpu[j] = cpu[j-1]; cpu[j-1] = t }
			printf "merge n=%d runs=%d wall_s=%.2f cpu_s=%.2f rss_kb=%d\n",
				n, NR, wall[m], cpu[m], rss
		}'
done | tee -a "$raw"
hosts=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["hosts"]))' \
	"$out/merged-10000.json")
echo "# merged-10000.json holds $hosts hosts" | tee -a "$raw"
# tunpin probe: the whole command's wall and CPU time, and the probe's
# own time as the tool prints it ("probed: ... in N ms").
python3 - "$tool" >>"$raw" <<'EOF'
import re, resource, subprocess, sys, time
for i in range(10):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    out = subprocess.run([sys.argv[1], "probe"], capture_output=True,
                         text=True, check=True).stdout
    wall = (time.monotonic() - t0) * 1000
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000
    m = re.search(r"^probed: .* in ([0-9.]+) ms$", out, re.M)
    print(f"hprobe wall_ms={wall:.1f} cpu_ms={cpu:.1f} "
          f"probe_ms={m.group(1) if m else ''}")
EOF

# The VMs, a lane at a time; serialized with every other VM user of this
# machine.
vm_rc=0
for lane in $(lanes); do
	# The figures are x86-64 instruction counts: amd64 lanes only, and
	# not a kernel tunpin refuses to load on.
	[ "$(lane_get "$lane" arch)" = amd64 ] || continue
	[ "$(lane_get "$lane" tests)" != refused ] || continue
	lout=$out/lanes/$lane
	echo "bench: lane $lane: building in its root"
	tools/testing/lane-build.sh "$lane" "$lout" copy module tool bench \
		>"$out/build-$lane.log" 2>&1 ||
		{ cat "$out/build-$lane.log"; die "lane $lane does not build"; }
	root=$(lane_root "$lane")
	lraw=$out/raw-$lane.txt
	{
		cat "$raw"
		echo "# lane: $lane, kernel $(cat "$root/.kver"), $(chroot "$root" \
			qemu-system-x86_64 --version | head -n1)"
	} >"$lraw"
	echo "bench: lane $lane: booting $(cat "$root/.kver")"
	set +e
	flock /tmp/tunpin-vm.lock tools/testing/vm/run.sh -r "$root" \
		-t "${BENCH_VM_TIMEOUT:-900}" -o "$lout/vm" -m "$BUILD" -- env \
		TUNPIN_KO="$lout/src/module/tunpin.ko" \
		TUNPIN_TOOL="$lout/src/tools/tunpin/tunpin" \
		${BENCH_ROUNDS:+BENCH_ROUNDS=$BENCH_ROUNDS} \
		${BENCH_BIG_ROUNDS:+BENCH_BIG_ROUNDS=$BENCH_BIG_ROUNDS} \
		${BENCH_SECS:+BENCH_SECS=$BENCH_SECS} \
		${BENCH_TAPS:+BENCH_TAPS=$BENCH_TAPS} \
		${BENCH_OVERRIDES:+BENCH_OVERRIDES=$BENCH_OVERRIDES} \
		bash "$TUNPIN_SRC/$bench/guest.sh" "$lout/bench" >"$out/vm-$lane.log" 2>&1
	rc=$?
	set -e
	grep -aE '^(datapath|ioctl|probe) |^# ' "$out/vm-$lane.log" | tr -d '\r' >>"$lraw"
	echo "# bench: $((SECONDS - t0)) s in all" >>"$lraw"
	echo "== lane $lane"
	python3 "$bench/summary.py" "$lraw" | tee "$out/report-$lane.txt"
	if [ "$rc" -ne 0 ]; then
		echo "bench: lane $lane: the VM run failed (status $rc); console: $lout/vm/console.log" >&2
		vm_rc=1
	fi
done
echo "bench: $((SECONDS - t0)) s in all; raw: $out/raw-LANE.txt, tables: $out/report-LANE.txt"
exit "$vm_rc"
