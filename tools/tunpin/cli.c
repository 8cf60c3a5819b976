// SPDX-License-Identifier: GPL-2.0
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct cli_verb {
	const char *word, *sub;	/* sub: NULL for a one-word command */
	enum cli_cmd cmd;
	int min, max;		/* operands; max -1: no limit */
	unsigned int opts;	/* the options it takes */
} verbs[] = {
	{ "known",    NULL,   CLI_KNOWN,	 0,  0, OPT_JSON | OPT_PRETTY },
	{ "level",    NULL,   CLI_LEVEL,	 0,  0, OPT_JSON | OPT_PRETTY },
	{ "set",      NULL,   CLI_SET,		 1, -1, OPT_NAME | OPT_FORCE },
	{ "override", "list", CLI_OVERRIDE_LIST, 0,  0, OPT_JSON | OPT_PRETTY },
	{ "override", "add",  CLI_OVERRIDE_ADD,	 2, -1, OPT_NAME },
	{ "override", "del",  CLI_OVERRIDE_DEL,	 1,  1, 0 },
	{ "override", NULL,   CLI_OVERRIDE_LIST, 0,  0, OPT_JSON | OPT_PRETTY },
	{ "counters", NULL,   CLI_COUNTERS,	 0,  0, OPT_JSON | OPT_PRETTY },
	{ "taps",     NULL,   CLI_TAPS,		 0,  0, OPT_JSON | OPT_PRETTY },
	{ "monitor",  NULL,   CLI_MONITOR,	 0,  0, OPT_JSON },
	{ "probe",    NULL,   CLI_PROBE,	 0,  0,
	  OPT_JSON | OPT_PRETTY | OPT_OUTPUT },
	{ "pin-native", NULL, CLI_PIN_NATIVE,	 0,  0, OPT_NAME | OPT_FORCE },
	{ "levels",   NULL,   CLI_LEVELS,	 0,  0, OPT_JSON | OPT_PRETTY },
	{ "merge",    NULL,   CLI_MERGE,	 0, -1,
	  OPT_JSON | OPT_PRETTY | OPT_OUTPUT | OPT_NAME },
	{ "compare",  NULL,   CLI_COMPARE,	 1,  2,
	  OPT_JSON | OPT_PRETTY | OPT_HOST },
	{ "diff",     NULL,   CLI_DIFF,		 2,  2, OPT_JSON | OPT_PRETTY },
	{ "show",     NULL,   CLI_SHOW,		 0,  0, OPT_JSON | OPT_PRETTY },
	{ "status",   NULL,   CLI_SHOW,		 0,  0, OPT_JSON | OPT_PRETTY },
	{ "save",     NULL,   CLI_SAVE,		 0,  0, OPT_ROOT },
	{ "apply",    NULL,   CLI_APPLY,	 0,  0, OPT_ROOT | OPT_FORCE },
};

static const char *const opt_names[] = {
	"-j", "-p", "--name", "--force", "-o", "--host", "--root",
	"-v", "--replace", "--drop",
};

/* Options of one command beside those its verbs[] entry lists. */
static const struct {
	enum cli_cmd cmd;
	unsigned int opts;
} more_opts[] = {
	{ CLI_MERGE, OPT_VERBOSE | OPT_REPLACE | OPT_DROP },
};

static unsigned int verb_opts(const struct cli_verb *v)
{
	unsigned int opts = v->opts;

	for (size_t i = 0; i < ARRAY_SIZE(more_opts); i++)
		if (more_opts[i].cmd == v->cmd)
			opts |= more_opts[i].opts;
	return opts;
}

static const struct option longopts[] = {
	{ "json",    no_argument,	NULL, 'j' },
	{ "pretty",  no_argument,	NULL, 'p' },
	{ "name",    required_argument,	NULL, 'n' },
	{ "force",   no_argument,	NULL, 'f' },
	{ "output",  required_argument,	NULL, 'o' },
	{ "host",    no_argument,	NULL, 'H' },
	{ "root",    required_argument,	NULL, 'R' },
	{ "verbose", no_argument,	NULL, 'v' },
	{ "replace", no_argument,	NULL, 'X' },
	{ "drop",    required_argument,	NULL, 'D' },
	{ "help",    no_argument,	NULL, 'h' },
	{ "version", no_argument,	NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const struct cli_verb *cli_verb(int nwords, char **words)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		const struct cli_verb *v = &verbs[i];

		if (strcmp(words[0], v->word))
			continue;
		if (!v->sub)
			return v;
		if (nwords > 1 && !strcmp(words[1], v->sub))
			return v;
	}
	return NULL;
}

static bool has_subs(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (verbs[i].sub && !strcmp(verbs[i].word, word))
			return true;
	return false;
}

int cli_parse(int argc, char **argv, struct cli *c)
{
	bool help = false, version = false;
	const struct cli_verb *v;
	int opt, nwords;
	char **words;

	memset(c, 0, sizeof(*c));
	optind = 0;	/* glibc: start afresh */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jphvo:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c->opts |= OPT_JSON;
			break;
		case 'p':
			c->opts |= OPT_PRETTY;
			break;
		case 'n':
			c->opts |= OPT_NAME;
			c->name = optarg;
			break;
		case 'f':
			c->opts |= OPT_FORCE;
			break;
		case 'o':
			c->opts |= OPT_OUTPUT;
			c->output = optarg;
			break;
		case 'H':
			c->opts |= OPT_HOST;
			break;
		case 'R':
			c->opts |= OPT_ROOT;
			c->root = optarg;
			break;
		case 'v':
			c->opts |= OPT_VERBOSE;
			break;
		case 'X':
			c->opts |= OPT_REPLACE;
			break;
		case 'D':
			if (c->ndrop == CLI_DROP_MAX) {
				snprintf(c->err, sizeof(c->err),
					 "more than %d --drop", CLI_DROP_MAX);
				return -1;
			}
			c->opts |= OPT_DROP;
			c->drop[c->ndrop++] = optarg;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case ':':
			snprintf(c->err, sizeof(c->err),
				 "option '%s' needs an argument",
				 argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				snprintf(c->err, sizeof(c->err),
					 "unknown option '-%c'", optopt);
			else
				snprintf(c->err, sizeof(c->err),
					 "unknown option '%s'",
					 argv[optind - 1]);
			return -1;
		}
	}
	if (help || version) {
		c->cmd = help ? CLI_HELP : CLI_VERSION;
		return 0;
	}

	words = argv + optind;
	nwords = argc - optind;
	if (!nwords) {
		snprintf(c->err, sizeof(c->err), "no command");
		return -1;
	}
	v = cli_verb(nwords, words);
	if (!v) {
		snprintf(c->err, sizeof(c->err), "unknown command '%s'",
			 words[0]);
		return -1;
	}
	c->cmd = v->cmd;
	c->argv = words + (v->sub ? 2 : 1);
	c->argc = nwords - (v->sub ? 2 : 1);
	if (c->argc < v->min) {
		snprintf(c->err, sizeof(c->err), "'%s%s%s' needs %s",
			 v->word, v->sub ? " " : "", v->sub ? v->sub : "",
			 v->min > 1 ? "more arguments" : "an argument");
		return -1;
	}
	if (!v->sub && c->argc && has_subs(v->word)) {
		/* "override bogus": not "override" with an argument */
		snprintf(c->err, sizeof(c->err), "unknown command '%s %s'",
			 words[0], words[1]);
		return -1;
	}
	if (v->max >= 0 && c->argc > v->max) {
		snprintf(c->err, sizeof(c->err), "unexpected argument '%s'",
			 c->argv[v->max]);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(opt_names); i++) {
		unsigned int bit = 1u << i;

		if ((c->opts & bit) && !(verb_opts(v) & bit)) {
			snprintf(c->err, sizeof(c->err),
				 "'%s' does not apply to '%s'", opt_names[i],
				 v->word);
			return -1;
		}
	}
	return 0;
}

int cli_join(int argc, char *const argv[], char *buf, size_t size)
{
	size_t len = 0;

	if (!size)
		return -1;
	buf[0] = '\0';
	for (int i = 0; i < argc; i++) {
		int n = snprintf(buf + len, size - len, "%s%s",
				 i ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += n;
	}
	return 0;
}

/* Room for a 4096-byte cgroup path, each byte escaped as \xNN. */
#define CLI_SAFE_SIZE	(4 * 4096 + 1)

const char *cli_safe(const char *s)
{
	static char bufs[CLI_SAFE_BUFS][CLI_SAFE_SIZE];
	static unsigned int next;
	char *buf = bufs[next++ % CLI_SAFE_BUFS];
	size_t n = 0;

	for (; *s && n + 5 <= CLI_SAFE_SIZE; s++) {
		unsigned char ch = *s;

		if (ch >= 0x20 && ch != 0x7f) {
			buf[n++] = ch;
			continue;
		}
		buf[n++] = '\\';
		switch (ch) {
		case '\n':
			buf[n++] = 'n';
			break;
		case '\t':
			buf[n++] = 't';
			break;
		case '\r':
			buf[n++] = 'r';
			break;
		default:
			n += sprintf(buf + n, "x%02x", ch);
		}
	}
	buf[n] = '\0';
	return buf;
}
