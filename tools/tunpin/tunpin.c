// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): the per-host platform level tool.
 */
#include <stdio.h>
#include <string.h>
#include "caps.h"

#define TUNPIN_VERSION "0.1"

static int cmd_known(void)
{
	for (int i = 0; i < NCAPS; i++)
		printf("%-20s %#05x\n", caps[i].name, caps[i].bit);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tunpin known\n"
		   "       tunpin --version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "known"))
		return cmd_known();
	if (!strcmp(argv[1], "--version")) {
		printf("tunpin %s\n", TUNPIN_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "tunpin: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
