// SPDX-License-Identifier: GPL-2.0
/*
 * What the guest's clocks measure: times a loop of a known number of
 * instructions with clock_gettime(CLOCK_MONOTONIC) and with rdtsc.
 *
 *   clockcheck [-n MILLIONS_OF_INSNS] [-r RUNS]
 *
 * The loop is "1: dec %rcx; jnz 1b", two instructions an iteration. Under
 * QEMU's -icount shift=0 every clock of the guest counts executed
 * instructions, 1 ns each: ns_per_insn is then 1.00 and a little more (the
 * timer interrupts that fall inside the loop), whatever the host's load,
 * and tsc_per_insn the same (QEMU's TSC counts icount ns). In wall-clock
 * mode both vary with the host.
 *
 * Prints one line a run: "clock insns=... ns=... ns_per_insn=...
 * tsc=... tsc_per_insn=...".
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <x86intrin.h>
#include "bench.h"

static void spin(uint64_t iters)
{
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(iters) : : "cc");
}

int main(int argc, char **argv)
{
	uint64_t insns = 100000000, t0, c0, ns, tsc;
	int runs = 3, o;

	while ((o = getopt(argc, argv, "n:r:")) != -1) {
		switch (o) {
		case 'n':
			insns = strtoull(optarg, NULL, 0) * 1000000;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: clockcheck [-n MILLIONS] [-r RUNS]\n");
			return 2;
		}
	}
	if (insns < 2 || runs < 1) {
		fprintf(stderr, "clockcheck: bad arguments\n");
		return 2;
	}
	spin(1000000);		/* the loop's pages and translation */
	for (int r = 0; r < runs; r++) {
		t0 = now_ns();
		c0 = __rdtsc();
		spin(insns / 2);
		tsc = __rdtsc() - c0;
		ns = now_ns() - t0;
		printf("clock insns=%llu ns=%llu ns_per_insn=%.4f tsc=%llu "
		       "tsc_per_insn=%.4f\n", (unsigned long long)insns,
		       (unsigned long long)ns, (double)ns / (double)insns,
		       (unsigned long long)tsc, (double)tsc / (double)insns);
		fflush(stdout);
	}
	return 0;
}
