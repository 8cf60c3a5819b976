// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin-fake: tunpin(8) itself against the fake kernel of nl_fake.c, so
 * the commands that need the module (level, override list, counters, taps,
 * monitor, show) print on a host without it (tests/fake.sh).
 */
#include "../cli.h"
#include "unit.h"

int passed, failed;	/* nl_fake.c's CHECKs */

int unit_parse(struct cli *c, ...)
{
	(void)c;
	return -1;
}

int main(int argc, char **argv)
{
	nl_fake_serve();
	return tunpin_main(argc, argv);
}
