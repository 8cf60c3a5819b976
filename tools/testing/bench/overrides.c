// SPDX-License-Identifier: GPL-2.0
/*
 * overrides CGROUP N: make the cgroup v2 directories CGROUP/o001..oN and
 * give each a tunpin override (csum tso4 tso6 tso_ecn), through the
 * tool's netlink library, in one process: a hundred `tunpin override add`
 * execs would take half a minute in the emulated VM.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "bench.h"
#include "../../tunpin/nl.h"

int main(int argc, char **argv)
{
	struct tp_level level = { .caps = BENCH_OFFLOADS, .pinned = true };
	struct tp_nl *h;
	char path[256];
	int n, err;

	if (argc != 3 || (n = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: overrides CGROUP N\n");
		return 2;
	}
	h = tp_nl_open();
	if (!h)
		die("the tunpin netlink family");
	for (int i = 1; i <= n; i++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/o%03d", argv[1],
			 i);
		if (mkdir(path, 0755) && errno != EEXIST)
			die("mkdir %s", path);
		err = tp_nl_override_add(h, path + strlen("/sys/fs/cgroup"),
					 &level);
		if (err) {
			errno = -err;
			die("override %s (%s)", path, tp_nl_extack(h));
		}
	}
	tp_nl_close(h);
	printf("# %d overrides under %s\n", n, argv[1]);
	return 0;
}
