// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of one TAP control call, as a hypervisor makes them:
 *
 *   ioctl [-n TAPS] [-m] [-i ITERS] [-o OPEN_ITERS] [-r SAMPLES] [-C CGROUP]
 *
 * getfeatures  TUNGETFEATURES on an attached TAP fd (the cheapest call:
 *              what tunpin adds is most visible here)
 * setoffload   TUNSETOFFLOAD csum|tso4|tso6|tso_ecn (QEMU's call once the
 *              guest negotiated TSO; the kernel recomputes the features)
 * open         open("/dev/net/tun") + TUNSETIFF + close: a TAP created and
 *              destroyed
 *
 * Each op runs SAMPLES samples of ITERS calls (OPEN_ITERS for open); the
 * line gives the per-call median over the samples, and the fastest and
 * slowest sample. -n keeps TAPS governed TAPs open meanwhile, each after
 * TUNSETIFF and TUNSETOFFLOAD (-m: as queues of multi-queue TAPs, 250 per
 * device, rather than a device each). With -C, every op is measured
 * again once this process has moved into the cgroup v2 directory CGROUP
 * (where=cgroup; before: where=root). An untimed sample precedes each op.
 * setoffload runs ITERS/4 calls a sample, open at most 5 samples.
 *
 * Prints "ioctl op=getfeatures taps=N where=root ns=MEDIAN min=... max=...",
 * nanoseconds per call.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <sys/resource.h>
#include "bench.h"

static int samples = 15;
static const char *where = "root";

static void report(const char *op, int taps, uint64_t *ns, int n,
		   unsigned long iters)
{
	double med = cmp_median(ns, n);

	printf("ioctl op=%s taps=%d where=%s ns=%.1f min=%.1f max=%.1f\n", op,
	       taps, where, med / iters, (double)ns[0] / iters, (double)ns[n - 1] / iters);
	fflush(stdout);
}

static void bench_getfeatures(int fd, int taps, unsigned long iters)
{
	uint64_t ns[samples];
	unsigned int feat;

	for (int s = -1; s < samples; s++) {
		uint64_t t0 = now_ns();

		for (unsigned long i = 0; i < iters; i++)
			if (ioctl(fd, TUNGETFEATURES, &feat))
				die("TUNGETFEATURES");
		if (s >= 0)
			ns[s] = now_ns() - t0;
	}
	report("getfeatures", taps, ns, samples, iters);
}

static void bench_setoffload(int fd, int taps, unsigned long iters)
{
	uint64_t ns[samples];

	for (int s = -1; s < samples; s++) {
		uint64_t t0 = now_ns();

		for (unsigned long i = 0; i < iters; i++)
			if (ioctl(fd, TUNSETOFFLOAD,
				  (unsigned long)BENCH_OFFLOADS))
				die("TUNSETOFFLOAD");
		if (s >= 0)
			ns[s] = now_ns() - t0;
	}
	report("setoffload", taps, ns, samples, iters);
}

static void bench_open(int taps, unsigned long iters)
{
	int n = samples < 5 ? samples : 5;	/* 20 ms a TAP under TCG */
	uint64_t ns[n];

	for (int s = -1; s < n; s++) {
		uint64_t t0 = now_ns();

		for (unsigned long i = 0; i < iters; i++) {
			int fd = tap_open("tpbench-o", 0, NULL);

			if (fd < 0)
				die("open+TUNSETIFF");
			close(fd);
		}
		if (s >= 0)
			ns[s] = now_ns() - t0;
	}
	report("open", taps, ns, n, iters);
}

/* Move this process into the cgroup v2 directory @cgroup. */
static void join(const char *cgroup)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.procs", cgroup);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		die("%s", path);
}

int main(int argc, char **argv)
{
	unsigned long iters = 20000, open_iters = 20;
	const char *cgroup = NULL;
	struct rlimit rl;
	bool mq = false;
	int ntaps = 0, fd, o, *taps;
	uint64_t t0;

	while ((o = getopt(argc, argv, "n:mi:o:r:C:")) != -1) {
		switch (o) {
		case 'n':
			ntaps = atoi(optarg);
			break;
		case 'm':
			mq = true;
			break;
		case 'i':
			iters = strtoul(optarg, NULL, 0);
			break;
		case 'o':
			open_iters = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			samples = atoi(optarg);
			break;
		case 'C':
			cgroup = optarg;
			break;
		default:
			fprintf(stderr, "usage: ioctl [-n TAPS] [-m] [-i ITERS] "
				"[-o OPEN_ITERS] [-r SAMPLES] [-C CGROUP]\n");
			return 2;
		}
	}
	if (samples < 1 || samples > 1000 || !iters || !open_iters ||
	    ntaps < 0) {
		fprintf(stderr, "ioctl: bad arguments\n");
		return 2;
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)ntaps + 64;
	if (ntaps + 64 > 1024 && setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE");
	taps = calloc((size_t)ntaps + 1, sizeof(*taps));
	if (!taps)
		die("calloc");
	t0 = now_ns();
	for (int i = 0; i < ntaps; i++) {
		char name[IFNAMSIZ];

		if (mq)
			snprintf(name, sizeof(name), "tpbmq%d", i / 250);
		else
			snprintf(name, sizeof(name), "tpbg%d", i);
		taps[i] = tap_open(name, mq ? IFF_MULTI_QUEUE : 0, NULL);
		if (taps[i] < 0)
			die("governed TAP %d", i);
		if (ioctl(taps[i], TUNSETOFFLOAD, (unsigned long)BENCH_OFFLOADS))
			die("TUNSETOFFLOAD on governed TAP %d", i);
	}
	if (ntaps)
		printf("# %d governed TAPs%s opened in %.0f ms\n", ntaps,
		       mq ? " (multi-queue)" : "", (now_ns() - t0) / 1e6);

	fd = tap_open("tpbench-i", 0, NULL);
	if (fd < 0)
		die("TUNSETIFF");
	for (;;) {
		bench_getfeatures(fd, ntaps, iters);
		bench_setoffload(fd, ntaps, iters / 4 ? iters / 4 : 1);
		bench_open(ntaps, open_iters);
		if (!cgroup)
			break;
		join(cgroup);
		where = "cgroup";
		cgroup = NULL;
	}
	close(fd);

	t0 = now_ns();
	for (int i = 0; i < ntaps; i++)
		close(taps[i]);
	if (ntaps)
		printf("# %d governed TAPs closed in %.0f ms\n", ntaps,
		       (now_ns() - t0) / 1e6);
	free(taps);
	return 0;
}
