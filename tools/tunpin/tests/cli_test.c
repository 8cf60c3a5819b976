// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the command table (cli_commands[], tunpin.c) and what is
 * made from it (cli.c): the checks cli_parse() makes from it, the usage
 * message, each command's help, and the completion (tunpin __complete).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../caps.h"
#include "../catalog.h"
#include "../cli.h"
#include "unit.h"

/* A FILE to print into, then what was printed (valid to the next one). */
static char *cap_buf;
static size_t cap_len;

static FILE *cap_open(void)
{
	free(cap_buf);
	cap_buf = NULL;
	return open_memstream(&cap_buf, &cap_len);
}

static const char *cap_close(FILE *f)
{
	fclose(f);
	return cap_buf;
}

static const char *usage_text(void)
{
	FILE *f = cap_open();

	cli_usage(f);
	return cap_close(f);
}

static const char *help_text(const char *word, const char *sub)
{
	FILE *f = cap_open();

	cli_help(f, word, sub);
	return cap_close(f);
}


/* The completion of the words up to NULL, the last being completed. */
static const char *complete(const char *first, ...)
{
	static char *words[16];
	int n = 0;
	va_list ap;
	FILE *f;

	words[n++] = (char *)first;
	va_start(ap, first);
	while (n < 16 && (words[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	f = cap_open();
	cli_complete(f, n, words);
	return cap_close(f);
}

#define COMPLETE(...) complete(__VA_ARGS__, (char *)NULL)

/* Whether @text has the line @line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

static bool lines_within(const char *text, size_t cols)
{
	for (const char *p = text; *p; ) {
		size_t n = strcspn(p, "\n");

		if (n > cols)
			return false;
		p += n + (p[n] == '\n');
	}
	return true;
}

/* "usage: tunpin WORD[ SUB]" or, in the usage message, "  WORD[ SUB]". */
static void prefix_of(const struct cli_command *d, const char *lead,
		      char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", lead, d->word,
		 d->sub ? (d->sub_optional ? " [" : " ") : "",
		 d->sub ? d->sub : "", d->sub && d->sub_optional ? "]" : "");
}

/* Whether a line of @text starts with @prefix and a blank or its end. */
static bool has_prefix_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; (p = strstr(p, prefix)); p += n)
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

static void test_table(void)
{
	static const char *const known[] = {
		"LEVEL", "LEVEL...", "DUMP", "DUMP...", "OLD", "NEW", "CGROUP",
		"[COMMAND]", "[DUMP|--host]", "VM",
	};
	int bad = 0;

	CHECK(cli_ncommands > 20);
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];
		char args[128], *tok, *save;

		CHECK(d->word && d->word[0] && d->run && d->args);
		CHECK(d->max < 0 || d->min <= d->max);
		/* a LEVEL made of the last operands: needed, and sent */
		CHECK(!d->level_arg || (d->level_arg <= d->min && d->module &&
					d->max < 0));
		if (d->hidden)
			continue;
		CHECK(d->summary[0] && strlen(d->summary) <= 46);
		CHECK(d->help[0] && d->help[strlen(d->help) - 1] == '\n');
		CHECK(lines_within(d->help, 72));
		/* the operands are words the help and completion know */
		snprintf(args, sizeof(args), "%s", d->args);
		for (tok = strtok_r(args, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			size_t k = 0;

			while (k < sizeof(known) / sizeof(known[0]) &&
			       strcmp(tok, known[k]))
				k++;
			if (k == sizeof(known) / sizeof(known[0])) {
				bad++;
				fprintf(stderr, "%s: unknown operand '%s'\n",
					d->word, tok);
			}
		}
		/* an option in the operands is one it takes */
		CHECK(!strstr(d->args, "--host") || (d->opts & OPT_HOST));
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(d->word, cli_commands[j].word) ||
			      (d->sub && cli_commands[j].sub &&
			       strcmp(d->sub, cli_commands[j].sub)));
	}
	CHECK(bad == 0);
}

static void test_usage(void)
{
	const char *u = usage_text();
	char buf[128];

	CHECK(strstr(u, "usage: tunpin [-j|-p] COMMAND [ARGS]\n") == u);
	CHECK(lines_within(u, 79));
	/* every command of the table, with its summary; not __complete */
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];

		prefix_of(d, "  ", buf, sizeof(buf));
		if (d->hidden) {
			CHECK(!strstr(u, d->word));
			continue;
		}
		if (!has_prefix_line(u, buf) || !strstr(u, d->summary)) {
			failed++;
			fprintf(stderr, "usage lacks '%s'\n", buf);
		} else {
			passed++;
		}
	}
	/* the ones -h used to leave out */
	CHECK(has_prefix_line(u, "  show") && has_prefix_line(u, "  status") &&
	      has_prefix_line(u, "  save [--root DIR]") &&
	      has_prefix_line(u, "  apply") && strstr(u, "  --root DIR"));
	CHECK(has_line(u, "  set LEVEL... [--name NAME] [--force] [--dry-run]"));
	CHECK(has_line(u, "  precheck VM LEVEL... [-j|-p]   may VM migrate to LEVEL: exit 0, or 3"));
	CHECK(has_line(u, "  override [list] [-j|-p]        the per-cgroup levels"));
	CHECK(strstr(u, "\nLEVEL: a catalog name"));
	CHECK(strstr(u, "Without the module (exit 4): set, pin-native, level,"));
}

static void test_help(void)
{
	FILE *devnull = fopen("/dev/null", "w");
	char want[128], other[128];
	const char *h;

	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];
		int n = 0;

		if (d->hidden) {
			CHECK(cli_help(devnull, d->word, NULL) == -1);
			continue;
		}
		h = help_text(d->word, d->sub);
		prefix_of(d, "usage: tunpin ", want, sizeof(want));
		CHECK(strstr(h, want) == h && strstr(h, d->help));
		CHECK(lines_within(h, 79));
		/* that command's help only */
		for (const char *p = h; (p = strstr(p, "usage: ")); p++)
			n++;
		CHECK(n == 1);
		for (size_t j = 0; j < cli_ncommands; j++) {
			if (j == i || cli_commands[j].hidden)
				continue;
			prefix_of(&cli_commands[j], "usage: tunpin ", other,
				  sizeof(other));
			CHECK(!has_prefix_line(h, other));
		}
		CHECK(!strstr(h, "exit 4") == !d->module);
		CHECK(!strstr(h, "\nLEVEL:") == !(strstr(d->args, "LEVEL") ||
						 strstr(d->args, "DUMP") ||
						 strstr(d->args, "OLD")));
	}
	/* a command with subcommands: each of them */
	h = help_text("override", NULL);
	CHECK(has_prefix_line(h, "usage: tunpin override [list]") &&
	      has_prefix_line(h, "usage: tunpin override add") &&
	      has_prefix_line(h, "usage: tunpin override del"));
	h = help_text("set", NULL);
	CHECK(strstr(h, "  --force ") && strstr(h, "  --name NAME ") &&
	      !strstr(h, "--json") && !strstr(h, "--root"));
	CHECK(cli_help(devnull, "bogus", NULL) == -1);
	CHECK(cli_help(devnull, "override", "bogus") == -1);
	fclose(devnull);
}

static void test_parse_help(void)
{
	struct cli c;

	/* COMMAND --help, -h anywhere: that command */
	CHECK(PARSE(&c, "set", "--help") == 0 && c.cmd == CLI_HELP &&
	      !strcmp(c.topic, "set") && !c.topic_sub);
	CHECK(PARSE(&c, "-h", "compare") == 0 && !strcmp(c.topic, "compare"));
	CHECK(PARSE(&c, "override", "add", "-h") == 0 &&
	      !strcmp(c.topic, "override") && !strcmp(c.topic_sub, "add"));
	CHECK(PARSE(&c, "override", "-h") == 0 &&
	      !strcmp(c.topic, "override") && !c.topic_sub);
	/* without a command, or an unknown one: all of it, as before */
	CHECK(PARSE(&c, "-h") == 0 && c.cmd == CLI_HELP && !c.topic);
	CHECK(PARSE(&c, "bogus", "--help") == 0 && !c.topic);
	CHECK(PARSE(&c, "__complete", "-h") == 0 && c.cmd == CLI_COMPLETE);
	/* help [COMMAND [SUB]] */
	CHECK(PARSE(&c, "help") == 0 && c.cmd == CLI_HELP && !c.topic);
	CHECK(PARSE(&c, "help", "merge") == 0 && !strcmp(c.topic, "merge"));
	CHECK(PARSE(&c, "help", "override", "del") == 0 &&
	      !strcmp(c.topic_sub, "del"));
	CHECK(PARSE(&c, "help", "bogus") == -1 &&
	      strstr(c.err, "unknown command 'bogus'"));
	CHECK(PARSE(&c, "help", "set", "csum") == -1);
	CHECK(PARSE(&c, "help", "override", "bogus") == -1);
	CHECK(PARSE(&c, "help", "__complete") == -1);
	CHECK(PARSE(&c, "help", "a", "b", "c") == -1);
	CHECK(PARSE(&c, "help", "-j") == -1);
	/* __complete: its words are a command line, none is parsed */
	CHECK(PARSE(&c, "__complete", "set", "-o", "") == 0 &&
	      c.cmd == CLI_COMPLETE && c.argc == 3 && !c.opts &&
	      !strcmp(c.argv[1], "-o"));
	/* every command: its handler, its words */
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *d = &cli_commands[i];
		char *argv[8] = { "tunpin", (char *)d->word, (char *)d->sub };
		char *ops[] = { "csum", "csum", "csum" };
		int argc = d->sub ? 3 : 2;

		if (d->cmd == CLI_COMPLETE || d->cmd == CLI_HELP)
			continue;
		for (int k = 0; k < d->min; k++)
			argv[argc++] = ops[k];
		CHECK(cli_parse(argc, argv, &c) == 0 && c.def == d &&
		      c.cmd == d->cmd && c.argc == d->min);
		/* one operand too few: a usage error, before anything */
		if (d->min) {
			CHECK(cli_parse(argc - 1, argv, &c) == -1 &&
			      strstr(c.err, "needs"));
		}
	}
}

static void test_complete(void)
{
	const char *s;

	/* a capability list: the last element, the prefix kept */
	CHECK(!strcmp(COMPLETE("set", "csum,tso_e"), "csum,tso_ecn\n"));
	CHECK(!strcmp(COMPLETE("compare", "csum,tso4,tso"),
		      "csum,tso4,tso6\ncsum,tso4,tso_ecn\n"));
	CHECK(!strcmp(COMPLETE("override", "add", "/vm", "csum,ud"),
		      "csum,udp_tunnel_gso\ncsum,udp_tunnel_gso_csum\n"));
	s = COMPLETE("set", "csum,");
	CHECK(strstr(s, "csum,tso4\n") && !strstr(s, "csum,csum") &&
	      !strstr(s, "linux") && !strstr(s, ":json"));
	/* the first element: names, catalog levels, none, unpinned, files */
	s = COMPLETE("set", "");
	CHECK(strstr(s, "csum\n") && strstr(s, "linux-6.1\n") &&
	      strstr(s, "latest\n") && strstr(s, "none\n") &&
	      strstr(s, "unpinned\n") && strstr(s, ":json\n"));
	CHECK(!strcmp(COMPLETE("merge", "v2.json", "linux-6.1"),
		      "linux-6.1\nlinux-6.17\n:json\n"));
	CHECK(!strcmp(COMPLETE("diff", "a.json", "un"), "unpinned\n:json\n"));
	/* set's later words are more of the same list */
	s = COMPLETE("set", "csum", "tso4", "ts");
	CHECK(!strcmp(s, "tso6\ntso_ecn\n"));
	/* commands, subcommands, options */
	CHECK(!strcmp(COMPLETE("s"), "set\nshow\nstatus\nsave\n"));
	CHECK(!strcmp(COMPLETE("-j", "l"), "levels\nlevel\n"));
	CHECK(!strcmp(COMPLETE("override", ""), "list\nadd\ndel\n"));
	CHECK(!strcmp(COMPLETE("override", "add", ""), ""));
	CHECK(!strcmp(COMPLETE("override", "del", "/a", ""), ""));
	CHECK(!strcmp(COMPLETE("set", "--"),
		      "--name\n--force\n--dry-run\n--help\n"));
	/* precheck VM LEVEL...: no candidates for VM, a LEVEL after it */
	CHECK(!strcmp(COMPLETE("precheck", ""), ""));
	CHECK(!strcmp(COMPLETE("precheck", "vm1", "csum,tso_e"),
		      "csum,tso_ecn\n"));
	CHECK(strstr(COMPLETE("precheck", "/m", "linux-6."), "linux-6.1\n"));
	CHECK(!strcmp(COMPLETE("precheck", "vm1", "csum", "ts"),
		      "tso4\ntso6\ntso_ecn\n"));
	CHECK(!strcmp(COMPLETE("compare", "-"),
		      "-j\n--json\n-p\n--pretty\n--host\n-h\n--help\n"));
	CHECK(!strcmp(COMPLETE("probe", "-o", ""), ":file\n"));
	CHECK(!strcmp(COMPLETE("save", "--root", ""), ":dir\n"));
	CHECK(!strcmp(COMPLETE("set", "--name", ""), ""));
	CHECK(!strcmp(COMPLETE("--name", "x", "set", "csum,tso_e"),
		      "csum,tso_ecn\n"));
	CHECK(!strcmp(COMPLETE("level", ""), ""));
	CHECK(!strcmp(COMPLETE("compare", "a", "b", ""), ""));
	CHECK(!strcmp(COMPLETE("help", "ov"), "override\n"));
	CHECK(!strcmp(COMPLETE("help", "override", "a"), "add\n"));
	CHECK(!strcmp(COMPLETE("bogus", ""), ""));
	CHECK(!strcmp(COMPLETE("__complete", ""), ""));
	CHECK(!strcmp(COMPLETE("_"), ""));
	s = COMPLETE("");
	CHECK(strstr(s, "probe\n") && strstr(s, "override\n") &&
	      !strstr(s, "__complete"));
	/* override once, though three commands */
	CHECK(strstr(s, "override\n") && !strstr(strstr(s, "override\n") + 1,
						"override\n"));
}

void test_cli_table(void)
{
	test_table();
	test_usage();
	test_help();
	test_parse_help();
	test_complete();
}
