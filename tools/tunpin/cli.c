// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8)'s command line, from the command table (cli_commands[] in
 * tunpin.c): parsing, the usage message and help, and completion.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "catalog.h"
#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The options: OPT_* bit i is options[i]; -h and --version come last. */
static const struct cli_option {
	unsigned int bit;
	const char *shortname, *longname;
	const char *arg;	/* its argument, NULL if none */
	const char *help;
} options[] = {
	{ OPT_JSON,   "-j", "--json",   NULL,   "JSON output, like ip -j" },
	{ OPT_PRETTY, "-p", "--pretty", NULL,   "pretty JSON (implies -j)" },
	{ OPT_NAME,   NULL, "--name",   "NAME", "the label: up to 63 of "
	  "A-Z a-z 0-9 . _ : + @ -" },
	{ OPT_FORCE,  NULL, "--force",  NULL,   "go below what open TAP files "
	  "were granted" },
	{ OPT_OUTPUT, "-o", "--output", "FILE", "write the dump, level or "
	  "metrics to FILE" },
	{ OPT_HOST,   NULL, "--host",   NULL,   "this host, probed now" },
	{ OPT_ROOT,   NULL, "--root",   "DIR",  "DIR/etc instead of /etc" },
	{ OPT_VERBOSE, "-v", "--verbose", NULL, "merge: every host, however "
	  "many" },
	{ OPT_REPLACE, NULL, "--replace", NULL, "merge: a host given twice, "
	  "from its last dump" },
	{ OPT_DROP,   NULL, "--drop",   "HOST", "merge without HOST "
	  "(repeatable)" },
	{ OPT_DRY_RUN, NULL, "--dry-run", NULL, "set: would it be admitted? "
	  "nothing sent" },
	{ 0,          "-h", "--help",   NULL,   "this help; with a command, "
	  "that command's" },
	{ 0,          NULL, "--version", NULL,  "the version" },
};

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
	{ "dry-run", no_argument,	NULL, 'N' },
	{ "help",    no_argument,	NULL, 'h' },
	{ "version", no_argument,	NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

#define LEVEL_TEXT							\
	"LEVEL: a catalog name (tunpin levels), else capability names\n" \
	"separated by commas or spaces (tunpin known), none or unpinned,\n" \
	"else a level or dump file; a file named like either needs a '/'.\n" \
	"DUMP, OLD, NEW: a dump, or any LEVEL but unpinned.\n"
#define CGROUP_TEXT							\
	"CGROUP: a cgroup v2 path from its root, e.g. /machine.slice.\n"

static const char *opt_name(const struct cli_option *o)
{
	return o->shortname ? o->shortname : o->longname;
}

/* The commands called @word, as cli_commands[] has them. */
static bool has_subs(const char *word)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (cli_commands[i].sub && !strcmp(cli_commands[i].word, word))
			return true;
	return false;
}

/*
 * The command @words start with, and in *@used how many words it took:
 * "override add" two, "override" alone one (the optional "list").
 */
static const struct cli_command *lookup(int nwords, char *const *words,
					int *used)
{
	const struct cli_command *opt = NULL;

	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];

		if (strcmp(words[0], d->word))
			continue;
		if (!d->sub) {
			*used = 1;
			return d;
		}
		if (nwords > 1 && !strcmp(words[1], d->sub)) {
			*used = 2;
			return d;
		}
		if (d->sub_optional)
			opt = d;
	}
	*used = 1;
	return opt;
}

int cli_parse(int argc, char **argv, struct cli *c)
{
	bool help = false, version = false;
	const struct cli_command *d;
	int opt, nwords, used;
	char **words;

	memset(c, 0, sizeof(*c));
	/* Its words are the line being completed: no option is parsed. */
	if (argc > 1 && !strcmp(argv[1], "__complete")) {
		c->def = lookup(1, argv + 1, &used);
		c->cmd = CLI_COMPLETE;
		c->argc = argc - 2;
		c->argv = argv + 2;
		return 0;
	}
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
		case 'N':
			c->opts |= OPT_DRY_RUN;
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

	words = argv + optind;
	nwords = argc - optind;
	if (help) {
		/* COMMAND --help: its help; anything else: all of it */
		c->cmd = CLI_HELP;
		c->def = lookup(1, (char *[]){ "help" }, &used);
		d = nwords ? lookup(nwords, words, &used) : NULL;
		if (d && !d->hidden) {
			c->topic = d->word;
			c->topic_sub = used > 1 ? d->sub : NULL;
		}
		return 0;
	}
	if (version) {
		c->cmd = CLI_VERSION;
		return 0;
	}
	if (!nwords) {
		snprintf(c->err, sizeof(c->err), "no command");
		return -1;
	}
	d = lookup(nwords, words, &used);
	if (!d) {
		snprintf(c->err, sizeof(c->err), "unknown command '%s'",
			 words[0]);
		return -1;
	}
	c->def = d;
	c->cmd = d->cmd;
	c->argv = words + used;
	c->argc = nwords - used;
	if (d->sub && used == 1 && c->argc) {
		/* "override bogus": not "override" with an argument */
		snprintf(c->err, sizeof(c->err), "unknown command '%s %s'",
			 words[0], words[1]);
		return -1;
	}
	if (c->argc < d->min) {
		snprintf(c->err, sizeof(c->err), "'%s%s%s' needs %s",
			 d->word, used > 1 ? " " : "", used > 1 ? d->sub : "",
			 d->min > 1 ? "more arguments" : "an argument");
		return -1;
	}
	if (d->max >= 0 && c->argc > d->max) {
		snprintf(c->err, sizeof(c->err), "unexpected argument '%s'",
			 c->argv[d->max]);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		unsigned int bit = options[i].bit;

		if ((c->opts & bit) && !(d->opts & bit)) {
			snprintf(c->err, sizeof(c->err),
				 "'%s' does not apply to '%s'",
				 opt_name(&options[i]), d->word);
			return -1;
		}
	}
	if (d->check && d->check(c) < 0)
		return -1;
	if (d->cmd == CLI_HELP && c->argc) {
		/* help COMMAND [SUB]: one there is */
		const struct cli_command *t = lookup(c->argc, c->argv, &used);

		if (!t || t->hidden || used < c->argc) {
			snprintf(c->err, sizeof(c->err),
				 "unknown command '%s%s%s'", c->argv[0],
				 c->argc > 1 ? " " : "",
				 c->argc > 1 ? c->argv[1] : "");
			return -1;
		}
		c->topic = t->word;
		c->topic_sub = used > 1 ? t->sub : NULL;
	}
	return 0;
}

/* --- help ---------------------------------------------------------------- */

/* Whether @args names @what as a word of its own: "LEVEL" in "[LEVEL...]". */
static bool names(const char *args, const char *what)
{
	size_t n = strlen(what);

	for (const char *p = args; (p = strstr(p, what)); p += n)
		if ((p == args || strchr(" [|", p[-1])) &&
		    (!p[n] || strchr(" ]|.", p[n])))
			return true;
	return false;
}

/* "set LEVEL... [--name NAME] [--force]": the command's synopsis. */
static void synopsis(const struct cli_command *d, char *buf, size_t size)
{
	size_t len;

	len = (size_t)snprintf(buf, size, "%s", d->word);
	if (d->sub && len < size)
		len += (size_t)snprintf(buf + len, size - len,
					d->sub_optional ? " [%s]" : " %s",
					d->sub);
	if (d->args[0] && len < size)
		len += (size_t)snprintf(buf + len, size - len, " %s", d->args);
	for (size_t i = 0; i < ARRAY_SIZE(options) && len < size; i++) {
		const struct cli_option *o = &options[i];

		if (!(d->opts & o->bit) || o->bit & (OPT_JSON | OPT_PRETTY) ||
		    names(d->args, o->longname))
			continue;
		len += (size_t)snprintf(buf + len, size - len, " [%s%s%s]",
					opt_name(o), o->arg ? " " : "",
					o->arg ? o->arg : "");
	}
	if ((d->opts & OPT_JSON) && len < size)
		snprintf(buf + len, size - len, " [-j%s]",
			 d->opts & OPT_PRETTY ? "|-p" : "");
}

static void option_line(FILE *f, const struct cli_option *o)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s", o->shortname ? o->shortname : "",
		 o->shortname ? ", " : "", o->longname, o->arg ? " " : "",
		 o->arg ? o->arg : "");
	fprintf(f, "  %-19s %s\n", buf, o->help);
}

#define SYNOPSIS_SIZE	160
#define SUMMARY_COL	33	/* where summaries start in the usage */

/* "Without the module (exit 4): set, pin-native, ...", wrapped. */
static void needs_module(FILE *f)
{
	const char *prev = "", *sep = " ";
	size_t col;

	col = (size_t)fprintf(f, "Without the module (exit 4):");
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];

		if (!d->module || !strcmp(d->word, prev))
			continue;
		prev = d->word;
		if (col + strlen(sep) + strlen(d->word) > 70) {
			fprintf(f, "%s\n", sep[0] == ',' ? "," : "");
			col = 0;
			sep = "";
		}
		col += (size_t)fprintf(f, "%s%s", sep, d->word);
		sep = ", ";
	}
	fprintf(f, ".\n");
}

/*
 * @lead then @syn, wrapped before a " [" so that no line passes 79
 * columns; a continuation is indented by @indent.
 */
static void put_synopsis(FILE *f, const char *lead, const char *syn,
			 int indent)
{
	int col = fprintf(f, "%s", lead);

	while (*syn) {
		const char *next = strstr(syn + 1, " [");
		int len = next ? (int)(next - syn) : (int)strlen(syn);

		if (col + len > 79 && *syn == ' ') {
			col = fprintf(f, "\n%*s", indent, "") - 1;
			syn++;
			len--;
		}
		col += fprintf(f, "%.*s", len, syn);
		syn += len;
	}
	fputc('\n', f);
}

void cli_usage(FILE *f)
{
	char buf[SYNOPSIS_SIZE];

	fprintf(f, "usage: tunpin [-j|-p] COMMAND [ARGS]\n"
		"       tunpin help [COMMAND] | COMMAND --help | --version\n");
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];

		if (d->hidden)
			continue;
		synopsis(d, buf, sizeof(buf));
		if (strlen(buf) <= SUMMARY_COL - 3)
			fprintf(f, "  %-*s %s\n", SUMMARY_COL - 3, buf,
				d->summary);
		else {
			put_synopsis(f, "  ", buf, 4);
			fprintf(f, "%*s%s\n", SUMMARY_COL, "", d->summary);
		}
	}
	fprintf(f, "options:\n");
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		option_line(f, &options[i]);
	fprintf(f, LEVEL_TEXT CGROUP_TEXT);
	needs_module(f);
	fprintf(f, "More: tunpin(8).\n");
}

static void help_one(FILE *f, const struct cli_command *d)
{
	char buf[SYNOPSIS_SIZE];

	synopsis(d, buf, sizeof(buf));
	put_synopsis(f, "usage: tunpin ", buf, 14);
	fputs(d->help, f);
	if (d->opts) {
		fprintf(f, "options:\n");
		for (size_t i = 0; i < ARRAY_SIZE(options); i++)
			if (d->opts & options[i].bit)
				option_line(f, &options[i]);
	}
	if (names(d->args, "LEVEL") || names(d->args, "DUMP") ||
	    names(d->args, "OLD"))
		fputs(LEVEL_TEXT, f);
	if (names(d->args, "CGROUP"))
		fputs(CGROUP_TEXT, f);
	if (d->module)
		fprintf(f, "It needs the tunpin module (exit 4 without it).\n");
}

int cli_help(FILE *f, const char *word, const char *sub)
{
	int n = 0;

	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];

		if (d->hidden || strcmp(d->word, word) ||
		    (sub && (!d->sub || strcmp(d->sub, sub))))
			continue;
		if (n++)
			fputc('\n', f);
		help_one(f, d);
	}
	return n ? 0 : -1;
}

/* --- completion ---------------------------------------------------------- */

/* What an operand is, for completion. */
enum operand { OPERAND_NONE, OPERAND_LEVEL, OPERAND_COMMAND };

/* Operand @k (from 0) of @d: what it is, from d->args. */
static enum operand operand_kind(const struct cli_command *d, int k)
{
	const char *p = d->args;
	enum operand kind;
	int i = 0;

	if (d->max >= 0 && k >= d->max)
		return OPERAND_NONE;
	while (*p) {
		size_t n;
		char tok[32];

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (!n)
			break;
		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		p += n;
		if (tok[0] == '-' || (tok[0] == '[' && tok[1] == '-'))
			continue;	/* an option, not an operand */
		kind = names(tok, "LEVEL") || names(tok, "DUMP") ||
		       names(tok, "OLD") || names(tok, "NEW") ? OPERAND_LEVEL :
		       names(tok, "COMMAND") ? OPERAND_COMMAND : OPERAND_NONE;
		/* "..." : it and every operand after it */
		if (i == k || strstr(tok, "..."))
			return kind;
		i++;
	}
	return OPERAND_NONE;
}

/* Print @s if it starts with @prefix. */
static void candidate(FILE *f, const char *s, const char *prefix)
{
	if (!strncmp(s, prefix, strlen(prefix)))
		fprintf(f, "%s\n", s);
}

/* Whether the capability @name is among the names of @words. */
static bool listed(const char *name, int n, char *const words[], size_t last)
{
	size_t len = strlen(name);

	for (int i = 0; i < n; i++) {
		const char *s = words[i];
		size_t end = i == n - 1 ? last : strlen(s);

		for (size_t at = 0; at < end; ) {
			size_t w;

			at += strspn(s + at, " ,");
			w = strcspn(s + at, " ,");
			if (at + w > end)
				w = end - at;
			if (w == len && !memcmp(s + at, name, len))
				return true;
			at += w;
		}
	}
	return false;
}

/*
 * A LEVEL: @cur the word being completed, @prev the LEVEL's words before
 * it (set csum tso4 <TAB>). A capability list completes its last element
 * after the last comma, and leaves out the names it has.
 */
static void complete_level(FILE *f, const char *cur, int nprev,
			   char *const prev[])
{
	const char *comma = strrchr(cur, ',');
	const char *last = comma ? comma + 1 : cur;
	size_t keep = (size_t)(last - cur);
	char buf[1024];
	char *words[64];
	int n = 0;

	for (int i = 0; i < nprev && n < 63; i++)
		words[n++] = prev[i];
	words[n++] = (char *)cur;
	for (int i = 0; i < NCAPS; i++) {
		if (listed(caps[i].name, n, words, keep))
			continue;
		snprintf(buf, sizeof(buf), "%.*s%s", (int)keep, cur,
			 caps[i].name);
		candidate(f, buf, cur);
	}
	if (keep || nprev)
		return;		/* a list goes on: no catalog name, no file */
	for (size_t i = 0; i < tp_catalog_len; i++)
		candidate(f, tp_catalog[i].name, cur);
	candidate(f, "none", cur);
	candidate(f, "unpinned", cur);
	fprintf(f, ":json\n");
}

static void complete_commands(FILE *f, const char *cur)
{
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];
		bool seen = false;

		if (d->hidden)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(cli_commands[j].word, d->word);
		if (!seen)
			candidate(f, d->word, cur);
	}
}

static void complete_subs(FILE *f, const char *word, const char *cur)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (cli_commands[i].sub && !strcmp(cli_commands[i].word, word))
			candidate(f, cli_commands[i].sub, cur);
}

/* The option @s if it takes an argument (not as --name=x), else NULL. */
static const struct cli_option *takes_arg(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct cli_option *o = &options[i];

		if (o->arg && ((o->shortname && !strcmp(s, o->shortname)) ||
			       !strcmp(s, o->longname)))
			return o;
	}
	return NULL;
}

void cli_complete(FILE *f, int argc, char *const argv[])
{
	const char *cur = argc ? argv[argc - 1] : "";
	const struct cli_option *arg = NULL;
	const struct cli_command *d = NULL;
	char *pos[64];
	int npos = 0, used = 0, start;
	bool dashdash = false;

	/* The words before the one completed: options and operands. */
	for (int i = 0; i < argc - 1; i++) {
		const char *w = argv[i];

		if (arg) {
			arg = NULL;	/* the option's argument */
		} else if (!dashdash && !strcmp(w, "--")) {
			dashdash = true;
		} else if (!dashdash && w[0] == '-' && w[1]) {
			arg = takes_arg(w);
		} else if (npos < 64) {
			pos[npos++] = (char *)w;
		}
	}
	if (arg) {
		if (!strcmp(arg->arg, "FILE"))
			fprintf(f, ":file\n");
		else if (!strcmp(arg->arg, "DIR"))
			fprintf(f, ":dir\n");
		return;
	}
	if (npos) {
		d = lookup(npos, pos, &used);
		if (!d || d->hidden)
			return;
	}
	if (!dashdash && cur[0] == '-') {
		for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
			const struct cli_option *o = &options[i];

			if (d && o->bit && !(d->opts & o->bit))
				continue;
			if (d && !o->bit && strcmp(o->longname, "--help"))
				continue;
			if (o->shortname)
				candidate(f, o->shortname, cur);
			candidate(f, o->longname, cur);
		}
		return;
	}
	if (!d) {
		complete_commands(f, cur);
		return;
	}
	if (d->sub && used == 1) {
		/* "override <TAB>": its subcommands */
		if (npos == 1)
			complete_subs(f, d->word, cur);
		return;
	}
	/* set and override add join their last operands into one LEVEL */
	start = npos - used;
	if (d->level_arg && start >= d->level_arg - 1)
		start = d->level_arg - 1;
	switch (operand_kind(d, npos - used)) {
	case OPERAND_LEVEL:
		complete_level(f, cur, npos - used - start, pos + used + start);
		break;
	case OPERAND_COMMAND:
		complete_commands(f, cur);
		break;
	default:
		/* help override <TAB>: the command's subcommands */
		if (npos > used && operand_kind(d, npos - used - 1) ==
		    OPERAND_COMMAND && has_subs(pos[npos - 1]))
			complete_subs(f, pos[npos - 1], cur);
		break;
	}
}

/* --- words --------------------------------------------------------------- */

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
