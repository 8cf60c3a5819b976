/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): its exit statuses, as tunpin.8's EXIT STATUS documents them.
 * Every command returns one of these, never a number.
 */
#ifndef TUNPIN_TOOL_EXIT_H
#define TUNPIN_TOOL_EXIT_H

enum tunpin_exit {
	TP_EXIT_OK	= 0,	/* success; compare: identical or superset */
	/*
	 * A runtime error, or the kernel refused the request (the reason
	 * is printed), or what was printed could not be written.
	 */
	TP_EXIT_ERR	= 1,
	/*
	 * A usage error or bad input (unknown command, option or
	 * capability, bad JSON, a file over the cap, duplicate hosts, an
	 * empty merge set...): nothing was sent or written.
	 */
	TP_EXIT_USAGE	= 2,
	/* compare: incompatible; set, apply: above what this host offers */
	TP_EXIT_BELOW	= 3,
	TP_EXIT_NOMOD	= 4,	/* the tunpin module is not loaded */

	/* diff's, as diff(1)'s */
	TP_EXIT_SAME	  = 0,
	TP_EXIT_DIFFERENT = 1,
	TP_EXIT_TROUBLE	  = 2,
};

#endif
