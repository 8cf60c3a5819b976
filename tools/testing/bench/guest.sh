#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (tools/testing/bench/run.sh boots it): the datapath and
# control-path benchmarks on the stock kernel and with tunpin loaded and
# pinned, in alternating rounds of the same boot (stock then pinned, then
# pinned then stock, ...; rmmod in between), and `tunpin probe`'s time.
# Prints the raw measurements, one per line, tagged "state=stock|pinned
# round=N"; summary.py makes the table. Usage: guest.sh BINDIR
# Environment: TUNPIN_KO, TUNPIN_TOOL; BENCH_ROUNDS (8), BENCH_BIG_ROUNDS
# (3), BENCH_SECS (0.5), BENCH_TAPS (1000), BENCH_TAPS_MQ (1: the TAPs are
# queues of multi-queue devices, 250 each; 0: a device each, whose closing
# takes about 20 ms each under TCG), BENCH_OVERRIDES (100).
#
# Besides stock and pinned, each round of part 1 measures the control path
# with two empty trace kprobes (tracefs, an entry and a return probe on
# tun_chr_ioctl, as tunpin places them) and no module: state=kprobes, the
# price of the interposition mechanism alone; with the entry probe alone
# (state=kprobe): the floor of one ftrace-based probe on the function; and
# with the return probe alone (state=kretprobe).
set -u
bin=$1
ko=${TUNPIN_KO:?TUNPIN_KO: the module}
tool=${TUNPIN_TOOL:?TUNPIN_TOOL: the tunpin binary}
rounds=${BENCH_ROUNDS:-8}
big_rounds=${BENCH_BIG_ROUNDS:-3}
secs=${BENCH_SECS:-0.5}
ntaps=${BENCH_TAPS:-1000}
mqopt=
[ "${BENCH_TAPS_MQ:-1}" = 1 ] && mqopt=-m
novr=${BENCH_OVERRIDES:-100}
sys=/sys/kernel/tunpin
# The pin: QEMU's minimal set, below this kernel's (ufo refused).
level="csum tso4 tso6 tso_ecn"
cg=/tunpin-bench

load() {
	insmod "$ko" && echo "$level" >"$sys/level" &&
		[ "$(cat "$sys/level")" = "$level" ] ||
		{ echo "# cannot load and pin tunpin" >&2; exit 1; }
}

unload() {	# the TAP files may still be being released: retry
	local i
	for i in $(seq 100); do
		rmmod tunpin 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod tunpin || exit 1
}

trace=/sys/kernel/tracing
kprobes_on() {	# trace kprobes where tunpin puts its own; $1: entry|ret alone
	{ [ "${1:-}" = ret ] ||
	  echo 'p:tpbench_entry tun:tun_chr_ioctl' >>"$trace/kprobe_events"; } &&
	{ [ "${1:-}" = entry ] ||
	  echo 'r:tpbench_return tun:tun_chr_ioctl' >>"$trace/kprobe_events"; } &&
	echo 0 >"$trace/tracing_on" &&
	echo 1 >"$trace/events/kprobes/enable"
}

kprobes_off() {
	echo 0 >"$trace/events/kprobes/enable"
	echo >"$trace/kprobe_events"
	echo 1 >"$trace/tracing_on"
}

tag() { sed -u "s/^\([a-z]*\) /\1 state=$1 round=$2 ${3:+$3 }/"; }


modprobe -a tun tap || exit 1
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
echo "# guest kernel: $(uname -r) $(uname -v)"
echo "# guest cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	head -n1) x $(nproc)"
echo "# pinned level: $level"
echo "# guest clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# What a guest ns is: a loop of 10^8 instructions, timed.
"$bin/clockcheck" -n 100 -r 3 | sed 's/^/# guest clock check: /'
cpu=$(($(nproc) - 1))	# datapath's CPU: the last

order() {	# the states of round $1, alternating which comes first
	if [ $(($1 % 2)) -eq 1 ]; then echo stock pinned; else echo pinned stock; fi
}

# 1. Datapath and control path, no other TAP open.
for ((r = 1; r <= rounds; r++)); do
	for st in $(order "$r"); do
		[ "$st" = pinned ] && load
		for d in tx rx; do
			for s in 64 65535; do
				"$bin/datapath" -d "$d" -s "$s" -t "$secs" -c "$cpu" |
					tag "$st" "$r"
			done
		done
		"$bin/ioctl" -i 20000 -o 5 -r 9 | tag "$st" "$r"
		if [ "$st" = pinned ] && [ "$r" = 1 ]; then
			# What tunpin hooks: no datapath function is in it.
			sed 's/^/# tunpin kprobe: /' /sys/kernel/debug/kprobes/list
			echo "# ftrace-hooked functions while pinned:" \
				$(sed 's/ .*//' "$trace/enabled_functions")
		fi
		[ "$st" = pinned ] && unload
	done
	if kprobes_on; then
		"$bin/ioctl" -i 20000 -o 5 -r 9 | tag kprobes "$r"
		kprobes_off
		kprobes_on ret &&
			"$bin/ioctl" -i 20000 -o 5 -r 9 | tag kretprobe "$r"
		kprobes_off
		kprobes_on entry &&
			"$bin/ioctl" -i 20000 -o 5 -r 9 | tag kprobe "$r"
		kprobes_off
	else
		echo "# no trace kprobes here: state=kprobes not measured"
	fi
done

# 2. The control path with $ntaps governed TAPs open: without overrides
# (ovr=0), then with $novr overrides (ovr=$novr), measured outside them
# (the host level governs) and in the last one. Stock runs the same
# programs (the cgroups exist, there is nothing to override).
mkdir -p $(for ((i = 1; i <= novr; i++)); do
	printf '/sys/fs/cgroup%s/o%03d ' "$cg" "$i"; done)
last=$(printf '%s/o%03d' "$cg" "$novr")
for ((r = 1; r <= big_rounds; r++)); do
	for st in $(order "$r"); do
		[ "$st" = pinned ] && load
		"$bin/ioctl" -n "$ntaps" $mqopt -i 20000 -o 5 -r 9 |
			tag "$st" "$r" ovr=0
		if [ "$st" = pinned ]; then
			"$bin/overrides" "$cg" "$novr" >/dev/null || exit 1
			echo "# round $r: $("$tool" override list | grep -c '^/') overrides"
		fi
		"$bin/ioctl" -n "$ntaps" $mqopt -i 20000 -o 5 -r 9 -C "$last" |
			tag "$st" "$r" ovr="$novr"
		[ "$st" = pinned ] && unload
	done
done

# 3. tunpin probe: the whole command (exec included) and the probe alone,
# stock (no module) and pinned (the probe exempts its TAP), 10 runs each.
for st in stock pinned; do
	[ "$st" = pinned ] && load
	for ((i = 1; i <= 10; i++)); do
		s=$(date +%s%N)
		"$tool" probe >/tmp/probe.out 2>&1 || { cat /tmp/probe.out; exit 1; }
		e=$(date +%s%N)
		echo "probe state=$st round=$i wall_us=$(((e - s) / 1000)) probe_ms=$(sed -n 's/^probed: .* in \([0-9.]*\) ms$/\1/p' /tmp/probe.out)"
	done
	[ "$st" = pinned ] && unload
done
echo "# done"
