/* SPDX-License-Identifier: GPL-2.0 */
/* tunpin(8): the command line, parsed without side effects. */
#ifndef TUNPIN_TOOL_CLI_H
#define TUNPIN_TOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
	CLI_METRICS,
	CLI_PROBE,
	CLI_PIN_NATIVE,
	CLI_LEVELS,
	CLI_MERGE,
	CLI_COMPARE,
	CLI_DIFF,
	CLI_SHOW,
	CLI_SAVE,
	CLI_APPLY,
	CLI_PRECHECK,
	CLI_COMPLETE,
};

struct cli;
struct tp_nl;
struct tp_level;

/*
 * One command, all tunpin knows of it: the words, the operands and
 * options it takes (checked by cli_parse() before anything is opened),
 * its handler, and its help. Help, usage and completion are made from
 * the table of them, cli_commands[] (tunpin.c).
 */
struct cli_command {
	const char *word, *sub;	/* sub: NULL for a one-word command */
	bool sub_optional;	/* "override" alone is "override list" */
	enum cli_cmd cmd;
	const char *args;	/* its operands as help shows them; in it,
				 * LEVEL DUMP OLD NEW are levels, COMMAND a
				 * command; "..." repeats the last */
	int min, max;		/* operands; max -1: no limit */
	unsigned int opts;	/* the options it takes (OPT_*) */
	/* 1 + the first operand that starts a LEVEL made of all the rest,
	 * resolved before anything is sent (set, override add); 0: none */
	int level_arg;
	bool module;		/* needs the module: exit 4 without it */
	bool hidden;		/* not in help (__complete) */
	/* @h: NULL unless .module; @l: the LEVEL if .level_arg */
	int (*run)(struct tp_nl *h, const struct cli *c,
		   const struct tp_level *l);
	/* more usage checks of the operands, by cli_parse(): 0, or -1 with
	 * the reason in c->err; NULL: none */
	int (*check)(struct cli *c);
	const char *summary;	/* one line, for the usage message */
	const char *help;	/* sentences, lines of up to 72 columns */
};

extern const struct cli_command cli_commands[];
extern const size_t cli_ncommands;

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
	OPT_DRY_RUN	= 1 << 10,	/* --dry-run: set, judged, not sent */
};

#define CLI_DROP_MAX	256	/* --drop given this many times at most */

struct cli {
	enum cli_cmd cmd;
	const struct cli_command *def;	/* NULL for CLI_VERSION */
	/* CLI_HELP: the command (and sub) to help with; NULL: all */
	const char *topic, *topic_sub;
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
 * Parse tunpin's command line against cli_commands[]; options may come
 * anywhere (getopt_long permutes @argv). -h or --help anywhere asks for
 * the help of the command given (CLI_HELP, c->topic), or of all. 0, or -1
 * with a usage error in c->err: unknown command or option, operands too
 * few or too many, an option the command does not take.
 */
int cli_parse(int argc, char **argv, struct cli *c);
/* The usage message: every command of the table, the options, LEVEL. */
void cli_usage(FILE *f);
/*
 * The help of the commands called @word (@sub, if not NULL): its synopsis,
 * text, options and operands. -1 if there is none.
 */
int cli_help(FILE *f, const char *word, const char *sub);
/*
 * `tunpin __complete WORD...`: the candidates for the last of @argv (the
 * words after "tunpin", the one being completed last, maybe ""), one a
 * line, then ":file", ":json" or ":dir" if file names, JSON files or
 * directories fit too. A capability list completes its last element and
 * keeps what comes before: "csum,tso_e" gives "csum,tso_ecn".
 */
void cli_complete(FILE *f, int argc, char *const argv[]);
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

/* The version, PACKAGE_VERSION of dkms.conf (the Makefile says it). */
#ifndef TUNPIN_VERSION
#error "TUNPIN_VERSION is set by tools/tunpin/Makefile, from dkms.conf"
#endif

/* tunpin(8) itself: main() calls it (main.c). */
int tunpin_main(int argc, char **argv);

#endif
