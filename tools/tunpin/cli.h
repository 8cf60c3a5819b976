/* SPDX-License-Identifier: GPL-2.0 */
/* tunpin(8): the command line, parsed without side effects. */
#ifndef TUNPIN_TOOL_CLI_H
#define TUNPIN_TOOL_CLI_H

#include <stddef.h>

enum cli_cmd {
	CLI_HELP,
	CLI_VERSION,
	CLI_KNOWN,
	CLI_LEVEL,
	CLI_SET,
	CLI_OVERRIDE_LIST,
	CLI_OVERRIDE_ADD,
	CLI_OVERRIDE_DEL,
	CLI_COUNTERS,
	CLI_TAPS,
	CLI_MONITOR,
	CLI_PROBE,
	CLI_PIN_NATIVE,
	CLI_LEVELS,
	CLI_MERGE,
	CLI_COMPARE,
	CLI_DIFF,
	CLI_SHOW,
	CLI_SAVE,
	CLI_APPLY,
};

/* Options, as given on the command line. */
enum {
	OPT_JSON	= 1 << 0,	/* -j, --json */
	OPT_PRETTY	= 1 << 1,	/* -p, --pretty (implies -j) */
	OPT_NAME	= 1 << 2,	/* --name NAME */
	OPT_FORCE	= 1 << 3,	/* --force */
	OPT_OUTPUT	= 1 << 4,	/* -o, --output FILE */
	OPT_HOST	= 1 << 5,	/* --host: this host, probed now */
	OPT_ROOT	= 1 << 6,	/* --root DIR: save/apply under DIR */
	OPT_VERBOSE	= 1 << 7,	/* -v, --verbose: merge's full report */
	OPT_REPLACE	= 1 << 8,	/* --replace: merge, a host's last dump */
	OPT_DROP	= 1 << 9,	/* --drop HOST: merge without HOST */
};

#define CLI_DROP_MAX	256	/* --drop given this many times at most */

struct cli {
	enum cli_cmd cmd;
	unsigned int opts;	/* OPT_* */
	const char *name;	/* --name */
	const char *output;	/* -o */
	const char *root;	/* --root */
	const char *drop[CLI_DROP_MAX];	/* each --drop, in order */
	int ndrop;
	int argc;		/* the operands after the command words */
	char **argv;
	char err[160];		/* why cli_parse() failed */
};

/*
 * Parse tunpin's command line; options may come anywhere (getopt_long
 * permutes @argv). 0, or -1 with a usage error in c->err.
 */
int cli_parse(int argc, char **argv, struct cli *c);
/*
 * @s for human output: control characters (C0, DEL) written as \n, \t,
 * \r or \xNN, so a string from a file or the kernel (a host name, a
 * level name, a kernel version, a process name, a cgroup path) cannot
 * forge a line or move the terminal. Returns one of a few static buffers
 * used in turn: at most CLI_SAFE_BUFS of them in one printf.
 */
#define CLI_SAFE_BUFS	8
const char *cli_safe(const char *s);
/* Join words with single spaces; -1 if @buf is too small. */
int cli_join(int argc, char *const argv[], char *buf, size_t size);

#endif
