// SPDX-License-Identifier: GPL-2.0
/* tunpin(8): main() alone, so the unit tests can link the command table. */
#include "cli.h"

int main(int argc, char **argv)
{
	return tunpin_main(argc, argv);
}
