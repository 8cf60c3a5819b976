// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tunpin(8)'s pure parts; prints "N passed, N failed". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../caps.h"
#include "../cli.h"
#include "unit.h"

int passed, failed;

static void test_caps_table(void)
{
	uint32_t all = 0;

	CHECK(NCAPS == 21);
	for (int i = 0; i < NCAPS; i++) {
		CHECK(!(all & caps[i].bit));	/* one bit each */
		all |= caps[i].bit;
		CHECK(cap_bit(caps[i].name, strlen(caps[i].name)) == caps[i].bit);
	}
	CHECK(all == TUNPIN_CAP_ALL);
	CHECK(TUNPIN_CAP_UFO == 0x10 && TUNPIN_CAP_UDP_TUNNEL_GSO_CSUM == 0x100);
}

static void test_caps_parse_print(void)
{
	char buf[256];
	uint32_t bits;

	CHECK(caps_parse("ufo,csum  tso4\n", &bits) == 0);
	CHECK(bits == (TUNPIN_CAP_CSUM | TUNPIN_CAP_TSO4 | TUNPIN_CAP_UFO));
	CHECK(caps_print(bits, " ", buf, sizeof(buf)) == 13);
	CHECK(!strcmp(buf, "csum tso4 ufo"));
	CHECK(caps_parse("csum bogus", &bits) == -1);
	CHECK(caps_parse("CSUM", &bits) == -1);
	caps_print(TUNPIN_CAP_USO4 | 0x800000, ",", buf, sizeof(buf));
	CHECK(!strcmp(buf, "uso4,unknown:0x800000"));
	/* vhost-net names, in table order, parsed and printed alike */
	CHECK(caps_parse("vhost_ring_reset,csum vhost_in_order", &bits) == 0);
	CHECK(bits == (TUNPIN_CAP_CSUM | TUNPIN_CAP_VHOST_RING_RESET |
		       TUNPIN_CAP_VHOST_IN_ORDER));
	caps_print(bits, " ", buf, sizeof(buf));
	CHECK(!strcmp(buf, "csum vhost_in_order vhost_ring_reset"));
	CHECK(caps_parse("ring_reset", &bits) == -1);
	/* 0x200 is vhost_mrg_rxbuf in a set, a future offload in TUNSETOFFLOAD */
	caps_print(0x200, " ", buf, sizeof(buf));
	CHECK(!strcmp(buf, "vhost_mrg_rxbuf"));
	offload_unknown_print(0x201, " ", buf, sizeof(buf));
	CHECK(!strcmp(buf, "unknown:0x200"));
	{
		uint64_t w[2] = { 0x10b3d008000ull | 1ull << 41 | 1, 0xa | 1ull << 63 };
		uint64_t u[2], back[2];
		uint32_t v = vhost_caps(w, u);

		CHECK(v == TUNPIN_CAP_VHOST);
		CHECK(u[0] == (1ull << 41 | 1) && u[1] == 1ull << 63);
		vhost_unknown_print(u, " ", buf, sizeof(buf));
		CHECK(!strcmp(buf, "vhost_unknown:0 vhost_unknown:41 vhost_unknown:127"));
		vhost_features(v, back);
		CHECK(back[0] == 0x10b3d008000ull && back[1] == 0xa);
		CHECK(vhost_unknown_parse("vhost_unknown:41") == 41);
		CHECK(vhost_unknown_parse("vhost_unknown:127") == 127);
		CHECK(vhost_unknown_parse("vhost_unknown:128") == -1);
		CHECK(vhost_unknown_parse("vhost_unknown:041") == -1);
		CHECK(vhost_unknown_parse("vhost_unknown:") == -1);
	}
	/* every vbit in the table names a distinct vhost feature */
	for (int i = 0; i < NCAPS; i++)
		CHECK((caps[i].vbit >= 0) == !!(caps[i].bit & TUNPIN_CAP_VHOST));
	/* Truncation is reported like snprintf. */
	CHECK(caps_print(TUNPIN_CAP_ALL, " ", buf, 4) > 4 && strlen(buf) == 3);
}

static void test_level_parse_print(void)
{
	char buf[256], err[128];
	uint32_t bits = 0x55;
	bool pinned = false;

	CHECK(level_parse("csum, tso4", &bits, &pinned, err, sizeof(err)) == 0);
	CHECK(bits == (TUNPIN_CAP_CSUM | TUNPIN_CAP_TSO4) && pinned);
	CHECK(level_parse(" none\n", &bits, &pinned, err, sizeof(err)) == 0);
	CHECK(bits == 0 && pinned);
	CHECK(level_parse("unpinned", &bits, &pinned, err, sizeof(err)) == 0);
	CHECK(bits == 0 && !pinned);
	/* Errors leave the outputs alone and say why. */
	bits = 0x55;
	pinned = true;
	CHECK(level_parse("csum,bogus", &bits, &pinned, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, "unknown capability 'bogus'"));
	CHECK(bits == 0x55 && pinned);
	CHECK(level_parse("unpinned", &bits, &pinned, err, 4) == 0 && !pinned);
	pinned = true;
	CHECK(level_parse("csum unpinned", &bits, &pinned, err, sizeof(err)) == -1);
	CHECK(pinned && strstr(err, "alone"));
	CHECK(level_parse("none none", &bits, &pinned, err, sizeof(err)) == -1);
	CHECK(level_parse(" , ", &bits, &pinned, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, "empty level"));
	CHECK(level_parse("", &bits, &pinned, err, sizeof(err)) == -1);
	CHECK(level_parse("None", &bits, &pinned, err, sizeof(err)) == -1);
	CHECK(level_parse("nonesuch", &bits, &pinned, err, sizeof(err)) == -1);
	/* A tiny error buffer truncates, never overflows. */
	CHECK(level_parse("bogus", &bits, &pinned, err, 4) == -1 &&
	      strlen(err) == 3);

	CHECK(level_print(0x1ff, false, " ", buf, sizeof(buf)) == 8);
	CHECK(!strcmp(buf, "unpinned"));
	CHECK(level_print(0, true, " ", buf, sizeof(buf)) == 4);
	CHECK(!strcmp(buf, "none"));
	level_print(TUNPIN_CAP_TSO6 | TUNPIN_CAP_UFO, true, ",", buf, sizeof(buf));
	CHECK(!strcmp(buf, "tso6,ufo"));
}

int unit_parse(struct cli *c, ...)
{
	static char *argv[16];
	int argc = 0;
	va_list ap;

	argv[argc++] = "tunpin";
	va_start(ap, c);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return cli_parse(argc, argv, c);
}

static void test_cli(void)
{
	char buf[16];
	struct cli c;

	CHECK(PARSE(&c, "level") == 0 && c.cmd == CLI_LEVEL && !c.opts);
	CHECK(PARSE(&c, "level", "-j") == 0 && c.opts == OPT_JSON);
	CHECK(PARSE(&c, "-j", "level") == 0 && c.opts == OPT_JSON);
	CHECK(PARSE(&c, "level", "--json", "-p") == 0 &&
	      c.opts == (OPT_JSON | OPT_PRETTY));
	CHECK(PARSE(&c, "-jp", "counters") == 0 && c.cmd == CLI_COUNTERS);
	CHECK(PARSE(&c, "taps") == 0 && c.cmd == CLI_TAPS && c.argc == 0);
	CHECK(PARSE(&c, "monitor", "-j") == 0 && c.cmd == CLI_MONITOR);
	CHECK(PARSE(&c, "known") == 0 && c.cmd == CLI_KNOWN);
	CHECK(PARSE(&c, "--version") == 0 && c.cmd == CLI_VERSION);
	CHECK(PARSE(&c, "set", "csum", "-h") == 0 && c.cmd == CLI_HELP);

	/* set: options anywhere, the level in one or more words */
	CHECK(PARSE(&c, "set", "csum,tso4") == 0 && c.cmd == CLI_SET);
	CHECK(c.argc == 1 && !strcmp(c.argv[0], "csum,tso4") && !c.name);
	CHECK(PARSE(&c, "set", "--force", "csum", "tso4", "--name", "pool-a") == 0);
	CHECK(c.opts == (OPT_FORCE | OPT_NAME) && !strcmp(c.name, "pool-a"));
	CHECK(c.argc == 2 && !strcmp(c.argv[0], "csum") &&
	      !strcmp(c.argv[1], "tso4"));
	CHECK(PARSE(&c, "set", "--name=x", "none") == 0 && !strcmp(c.name, "x"));
	CHECK(PARSE(&c, "set", "--", "none") == 0 && c.argc == 1);

	/* override */
	CHECK(PARSE(&c, "override") == 0 && c.cmd == CLI_OVERRIDE_LIST);
	CHECK(PARSE(&c, "override", "list", "-j") == 0 &&
	      c.cmd == CLI_OVERRIDE_LIST && c.opts == OPT_JSON);
	CHECK(PARSE(&c, "override", "add", "/vm1", "csum", "--name", "a") == 0);
	CHECK(c.cmd == CLI_OVERRIDE_ADD && c.argc == 2 &&
	      !strcmp(c.argv[0], "/vm1") && !strcmp(c.name, "a"));
	CHECK(PARSE(&c, "override", "del", "/vm1") == 0 &&
	      c.cmd == CLI_OVERRIDE_DEL && !strcmp(c.argv[0], "/vm1"));

	/* usage errors */
	CHECK(PARSE(&c, "bogus") == -1 && strstr(c.err, "unknown command 'bogus'"));
	CHECK(PARSE(&c, "override", "bogus") == -1 &&
	      strstr(c.err, "'override bogus'"));
	CHECK(PARSE(&c, "-j") == -1 && !strcmp(c.err, "no command"));
	CHECK(PARSE(&c, "set") == -1 && strstr(c.err, "needs an argument"));
	CHECK(PARSE(&c, "override", "add", "/vm1") == -1);
	CHECK(PARSE(&c, "override", "del") == -1);
	CHECK(PARSE(&c, "override", "del", "/a", "/b") == -1 &&
	      strstr(c.err, "'/b'"));
	CHECK(PARSE(&c, "level", "extra") == -1 && strstr(c.err, "'extra'"));
	CHECK(PARSE(&c, "level", "-x") == -1 && strstr(c.err, "'-x'"));
	CHECK(PARSE(&c, "level", "--bogus") == -1 && strstr(c.err, "'--bogus'"));
	CHECK(PARSE(&c, "set", "csum", "--name") == -1 &&
	      strstr(c.err, "needs an argument"));
	CHECK(PARSE(&c, "level", "--force") == -1 &&
	      strstr(c.err, "'--force' does not apply to 'level'"));
	CHECK(PARSE(&c, "set", "csum", "-j") == -1);
	CHECK(PARSE(&c, "set", "csum", "-p") == -1 && strstr(c.err, "'-p'"));
	CHECK(PARSE(&c, "monitor", "-p") == -1);
	CHECK(PARSE(&c, "override", "del", "/a", "--name", "x") == -1);
	CHECK(PARSE(&c, "taps", "--force") == -1);

	{
		char *const w[] = { "csum", "tso4", "ufo" };

		CHECK(cli_join(3, w, buf, sizeof(buf)) == 0 &&
		      !strcmp(buf, "csum tso4 ufo"));
		CHECK(cli_join(0, w, buf, sizeof(buf)) == 0 && !buf[0]);
		CHECK(cli_join(3, w, buf, 13) == -1);
		CHECK(cli_join(3, w, buf, 14) == 0);
	}
}

/*
 * cli_safe(): what human output prints of strings from files and the
 * kernel. A host name "a\nlevel: unpinned" must not print a second line
 * a script would read as the level; ESC must not reach the terminal.
 */
static void test_cli_safe(void)
{
	static char big[4097];
	const char *a, *b;
	char s[4];
	int ch, bad = 0;

	CHECK(!strcmp(cli_safe("host-a.example"), "host-a.example"));
	CHECK(!strcmp(cli_safe(""), ""));
	CHECK(!strcmp(cli_safe("a\nlevel: unpinned"), "a\\nlevel: unpinned"));
	CHECK(!strcmp(cli_safe("\x1b[2K\rlevel: x"), "\\x1b[2K\\rlevel: x"));
	CHECK(!strcmp(cli_safe("a\tb\x7f\x01"), "a\\tb\\x7f\\x01"));
	/* cgroup paths keep systemd's escapes; UTF-8 passes */
	CHECK(!strcmp(cli_safe("machine-qemu\\x2d1.scope"),
		      "machine-qemu\\x2d1.scope"));
	CHECK(!strcmp(cli_safe("h\xc3\xb6st"), "h\xc3\xb6st"));
	/* every control character escaped, nothing else touched */
	for (ch = 1; ch < 256; ch++) {
		s[0] = ch;
		s[1] = '\0';
		a = cli_safe(s);
		if ((ch < 0x20 || ch == 0x7f) ? (a[0] != '\\' || strchr(a, ch)) :
		    strcmp(a, s))
			bad++;
	}
	CHECK(bad == 0);
	/* buffers are used in turn: two results in one printf */
	a = cli_safe("one");
	b = cli_safe("two\n");
	CHECK(!strcmp(a, "one") && !strcmp(b, "two\\n"));
	/* a 4096-byte path of control characters, whole */
	memset(big, '\n', sizeof(big) - 1);
	a = cli_safe(big);
	CHECK(strlen(a) == 2 * (sizeof(big) - 1) && !strchr(a, '\n'));
	memset(big, 0x1b, sizeof(big) - 1);
	a = cli_safe(big);
	CHECK(strlen(a) == 4 * (sizeof(big) - 1) && !strchr(a, 0x1b));
}

/* probe and pin-native: -o FILE, --name, --force. */
static void test_cli_probe(void)
{
	struct cli c;

	CHECK(PARSE(&c, "probe") == 0 && c.cmd == CLI_PROBE && !c.opts &&
	      !c.output);
	CHECK(PARSE(&c, "probe", "-j") == 0 && c.opts == OPT_JSON);
	CHECK(PARSE(&c, "probe", "-o", "d.json") == 0 &&
	      c.opts == OPT_OUTPUT && !strcmp(c.output, "d.json"));
	CHECK(PARSE(&c, "-p", "probe", "--output=x") == 0 &&
	      c.opts == (OPT_PRETTY | OPT_OUTPUT) && !strcmp(c.output, "x"));
	CHECK(PARSE(&c, "probe", "-o") == -1 &&
	      strstr(c.err, "'-o' needs an argument"));
	CHECK(PARSE(&c, "probe", "x") == -1 &&
	      strstr(c.err, "unexpected argument 'x'"));
	CHECK(PARSE(&c, "probe", "--force") == -1 &&
	      strstr(c.err, "'--force' does not apply to 'probe'"));
	CHECK(PARSE(&c, "level", "-o", "x") == -1 &&
	      strstr(c.err, "'-o' does not apply to 'level'"));
	CHECK(PARSE(&c, "pin-native") == 0 && c.cmd == CLI_PIN_NATIVE);
	CHECK(PARSE(&c, "pin-native", "--name", "a", "--force") == 0 &&
	      c.opts == (OPT_NAME | OPT_FORCE) && !strcmp(c.name, "a"));
	CHECK(PARSE(&c, "pin-native", "-j") == -1);
	CHECK(PARSE(&c, "pin-native", "csum") == -1);
}

/* merge: -v, --replace, --drop HOST (repeated); merge's alone. */
static void test_cli_merge(void)
{
	struct cli c;

	CHECK(PARSE(&c, "merge", "-v", "a.json") == 0 && c.cmd == CLI_MERGE &&
	      c.opts == OPT_VERBOSE && c.argc == 1);
	CHECK(PARSE(&c, "merge", "--verbose", "--replace", "a.json",
		    "b.json") == 0 && c.opts == (OPT_VERBOSE | OPT_REPLACE) &&
	      c.argc == 2 && !c.ndrop);
	CHECK(PARSE(&c, "merge", "--drop", "hv-1", "pool.json", "--drop=hv-2",
		    "-o", "x") == 0 && c.opts == (OPT_DROP | OPT_OUTPUT) &&
	      c.ndrop == 2 && !strcmp(c.drop[0], "hv-1") &&
	      !strcmp(c.drop[1], "hv-2") && c.argc == 1 &&
	      !strcmp(c.argv[0], "pool.json"));
	CHECK(PARSE(&c, "merge", "pool.json", "--drop") == -1 &&
	      strstr(c.err, "'--drop' needs an argument"));
	CHECK(PARSE(&c, "compare", "linux-6.1", "a.json", "-v") == -1 &&
	      strstr(c.err, "'-v' does not apply to 'compare'"));
	CHECK(PARSE(&c, "diff", "a", "b", "--replace") == -1 &&
	      strstr(c.err, "'--replace' does not apply to 'diff'"));
	CHECK(PARSE(&c, "set", "a", "--drop", "x") == -1 &&
	      strstr(c.err, "'--drop' does not apply to 'set'"));
	CHECK(PARSE(&c, "level", "-v") == -1);
}

int main(void)
{
	test_caps_table();
	test_caps_parse_print();
	test_level_parse_print();
	test_cli();
	test_cli_probe();
	test_cli_merge();
	test_cli_safe();
	test_nl();
	test_dump();
	test_pool();
	test_cli_table();
	test_metrics();
	test_vminfo();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
