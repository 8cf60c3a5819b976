// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of catalog.c and pool.c: the catalog, level documents, merge,
 * compare, diff, what set resolves, and bad input from tests/data/.
 */
#include <libgen.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "../caps.h"
#include "../catalog.h"
#include "../pool.h"
#include "unit.h"

#define C(x)	TUNPIN_CAP_##x
#define BASE	(C(CSUM) | C(TSO4) | C(TSO6) | C(TSO_ECN))
#define ALL	TUNPIN_CAP_ALL
#define TAP	TUNPIN_CAP_TAP
/* every vhost-net since 4.8: 0x33d008000 */
#define VB	(C(VHOST_MRG_RXBUF) | C(VHOST_NOTIFY_ON_EMPTY) | C(VHOST_LOG_ALL) | \
		 C(VHOST_ANY_LAYOUT) | C(VHOST_INDIRECT_DESC) |		\
		 C(VHOST_EVENT_IDX) | C(VHOST_VERSION_1) |			\
		 C(VHOST_ACCESS_PLATFORM))
#define V617	(VB | C(VHOST_RING_RESET) | C(VHOST_IN_ORDER) |		\
		 C(VHOST_GUEST_UDP_TUNNEL_GSO) | C(VHOST_HOST_UDP_TUNNEL_GSO))

static char data[PATH_MAX];

/* tests/data next to this binary (tests/unit), wherever it runs from. */
static void find_data(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (getenv("TUNPIN_TEST_DATA")) {
		snprintf(data, sizeof(data), "%s", getenv("TUNPIN_TEST_DATA"));
		return;
	}
	if (n <= 0) {
		strcpy(data, "tests/data");
		return;
	}
	exe[n] = '\0';
	snprintf(data, sizeof(data), "%s/data", dirname(exe));
}

static const char *path(const char *name)
{
	static char buf[2][PATH_MAX + 64];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", data, name);
	return buf[i];
}

static struct tp_doc *load(const char *name, char *err, size_t errsize)
{
	static struct tp_doc doc;

	char *w[] = { (char *)path(name) };

	err[0] = '\0';
	return level_load(1, w, &doc, err, errsize) ? NULL : &doc;
}

/* level_load() of the one word @s. */
static int load1(const char *s, struct tp_doc *doc, char *err, size_t errsize)
{
	char *w[] = { (char *)s };

	return level_load(1, w, doc, err, errsize);
}

#define NOT_A_LEVEL "not a capability list, a catalog level or a readable " \
		    "file: "
#define HINT "see tunpin known, tunpin levels"

static bool one_line(const char *s)
{
	return s[0] && !strchr(s, '\n');
}

static void test_catalog(void)
{
	const struct tp_catalog *c;
	size_t aliases = 0;

	for (size_t i = 0; i < tp_catalog_len; i++) {
		const struct tp_catalog *e = &tp_catalog[i];
		uint32_t b = e->caps;

		CHECK(level_name_valid(e->name));
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(tp_catalog[j].name, e->name));
		c = catalog_find(e->name);
		CHECK(c && !c->alias);
		if (e->alias) {
			aliases++;
			CHECK(c && !strcmp(c->name, e->alias));
			continue;
		}
		CHECK(c == e && e->since && e->note && one_line(e->note));
		/* only known bits, and only what tun's set_offload() takes */
		CHECK(!(b & ~(uint32_t)ALL));
		CHECK((b & BASE) == BASE);
		CHECK(!!(b & C(USO4)) == !!(b & C(USO6)));
		CHECK(!(b & C(UDP_TUNNEL_GSO_CSUM)) || (b & C(UDP_TUNNEL_GSO)));
		CHECK(!(b & C(UDP_TUNNEL_GSO)) ||
		      (b & (C(TSO4) | C(TSO6) | C(USO4))));
	}
	CHECK(aliases == 1);
	CHECK(catalog_find("minimal")->caps == (BASE | VB));
	CHECK(catalog_find("linux-2.6.27")->caps == BASE);	/* no vhost */
	CHECK(catalog_find("linux-4.14")->caps == (BASE | VB));	/* no UFO */
	CHECK(catalog_find("linux-4.15")->caps == (BASE | C(UFO) | VB));
	CHECK(catalog_find("linux-6.1")->caps == (0x1f | VB));
	CHECK(catalog_find("linux-6.2")->caps == (0x7f | VB));
	CHECK(catalog_find("linux-6.3")->caps ==
	      (0x7f | VB | C(VHOST_RING_RESET)));
	CHECK(catalog_find("linux-6.17")->caps == (TAP | V617));
	/* the catalog's newest level names every vhost-net feature */
	CHECK((catalog_find("linux-6.17")->caps & TUNPIN_CAP_VHOST) ==
	      TUNPIN_CAP_VHOST);
	c = catalog_find("latest");
	CHECK(c && !strcmp(c->name, "linux-6.17") && c->caps == (TAP | V617));
	CHECK(!catalog_find("linux-6.4"));
	CHECK(!catalog_find(""));
	CHECK(!catalog_find("Latest"));
}

/* Parse @text as a level: the return, the reason in @err. */
static int parse_level(const char *text, struct tp_leveldoc *l, char *err,
		       size_t n)
{
	json_object *o = json_tokener_parse(text);
	int ret;

	if (!o) {
		snprintf(err, n, "test JSON does not parse");
		return -2;
	}
	ret = leveldoc_from_json(o, l, err, n);
	json_object_put(o);
	return ret;
}

static void bad_level(const char *text, const char *want)
{
	static struct tp_leveldoc l;
	char err[256] = "";
	int ret = parse_level(text, &l, err, sizeof(err));

	CHECK(ret == -1);
	CHECK(one_line(err));
	if (!strstr(err, want)) {
		failed++;
		fprintf(stderr, "%s:%d: level %s: got '%s', want '%s'\n",
			__FILE__, __LINE__, text, err, want);
	}
}

static void test_leveldoc(void)
{
	static struct tp_leveldoc l, back;
	char err[256], n64[80];
	json_object *o;

	memset(&l, 0, sizeof(l));
	strcpy(l.name, "pool-a");
	l.caps = 0x1f;
	l.nhosts = 2;
	strcpy(l.hosts[0], "a");
	strcpy(l.hosts[1], "b");
	l.missing[1] = 0x1e0;
	l.has_missing = true;
	strcpy(l.created, "2026-11-26T02:00:00Z");
	o = leveldoc_to_json(&l);
	CHECK(leveldoc_from_json(o, &back, err, sizeof(err)) == 0);
	json_object_put(o);
	CHECK(!strcmp(back.name, "pool-a") && back.caps == 0x1f);
	CHECK(back.nhosts == 2 && !strcmp(back.hosts[1], "b"));
	CHECK(back.has_missing && !back.missing[0] && back.missing[1] == 0x1e0);
	CHECK(!strcmp(back.created, "2026-11-26T02:00:00Z"));

	/* The least: no hosts, no missing, no created. */
	CHECK(parse_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
			  "\"capabilities\":[]}", &back, err,
			  sizeof(err)) == 0);
	CHECK(!back.caps && !back.nhosts && !back.has_missing);

	bad_level("[]", "expected a JSON object");
	bad_level("{\"kind\":\"level\",\"name\":\"x\",\"capabilities\":[]}",
		  "unsupported schema: none given");
	bad_level("{\"schema\":3,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[]}", "unsupported schema 3");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[\"vhost_ring_reset\"]}",
		  "vhost-net capabilities in a schema 1 level");
	bad_level("{\"schema\":2,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[],\"hosts\":[\"a\"],"
		  "\"vhost_absent\":[\"b\"]}", "not a host of the level");
	bad_level("{\"schema\":\"1\",\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[]}", "unsupported schema \"1\"");
	bad_level("{\"schema\":1,\"kind\":\"dump\",\"name\":\"x\","
		  "\"capabilities\":[]}", "expected a level, got kind 'dump'");
	bad_level("{\"schema\":1,\"name\":\"x\",\"capabilities\":[]}",
		  "missing field 'kind'");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"capabilities\":[]}",
		  "missing field 'name'");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"\","
		  "\"capabilities\":[]}", "bad level name ''");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"a/b\","
		  "\"capabilities\":[]}", "bad level name 'a/b'");
	memset(n64, 'n', 64);
	n64[64] = '\0';
	{
		char text[256];

		snprintf(text, sizeof(text), "{\"schema\":1,\"kind\":\"level\","
			 "\"name\":\"%s\",\"capabilities\":[]}", n64);
		bad_level(text, "bad level name");
		n64[63] = '\0';
		snprintf(text, sizeof(text), "{\"schema\":1,\"kind\":\"level\","
			 "\"name\":\"%s\",\"capabilities\":[]}", n64);
		CHECK(parse_level(text, &back, err, sizeof(err)) == 0);
	}
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\"}",
		  "missing field 'capabilities'");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":\"csum\"}",
		  "field 'capabilities': expected array");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[\"csum\",\"warp\"]}",
		  "unknown capability 'warp'");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[\"CSUM\"]}", "unknown capability 'CSUM'");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[\"unknown:0x200\"]}",
		  "'unknown:0x200' cannot be in a level");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[\"csum\",\"csum\"]}", "listed twice");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[1]}", "expected capability names");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[],\"hosts\":[\"a\",\"A\"]}",
		  "duplicate host 'A'");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[],\"hosts\":[\"\"]}", "bad host name");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[],\"hosts\":[7]}", "expected host names");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[],\"hosts\":[\"a\"],"
		  "\"missing\":{\"b\":[]}}", "host 'b' is not in hosts");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[\"csum\"],\"hosts\":[\"a\"],"
		  "\"missing\":{\"a\":[\"csum\"]}}", "lacks capabilities the "
		  "level has");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[],\"hosts\":[\"a\"],"
		  "\"missing\":{\"a\":[\"warp\"]}}",
		  "missing.a: unknown capability 'warp'");
	bad_level("{\"schema\":1,\"kind\":\"level\",\"name\":\"x\","
		  "\"capabilities\":[],\"created\":1}",
		  "field 'created': expected string");
}

/* A file of tests/data/bad: refused with @want in a one-line reason. */
static void bad_file(const char *name, const char *want)
{
	char err[768];
	struct tp_doc *d = load(name, err, sizeof(err));

	CHECK(!d);
	CHECK(one_line(err));
	CHECK(strstr(err, path(name)) == err);	/* names the file first */
	if (!strstr(err, want)) {
		failed++;
		fprintf(stderr, "%s:%d: %s: got '%s', want '%s'\n", __FILE__,
			__LINE__, name, err, want);
	}
}

static void test_files(void)
{
	char err[768];
	struct tp_doc *d;

	/* Schema 1: they load, their vhost-net set unknown. */
	d = load("dump-6.18.json", err, sizeof(err));
	CHECK(d && d->is_dump && d->src == TP_SRC_FILE && d->dump.caps == TAP);
	CHECK(d && !strcmp(d->dump.host, "hv-618"));
	CHECK(d && d->dump.schema == 1 &&
	      d->dump.vhost.state == TP_VHOST_UNKNOWN &&
	      strstr(d->dump.vhost.reason, "schema 1"));
	d = load("dump-6.1.json", err, sizeof(err));
	CHECK(d && d->is_dump && d->dump.caps == 0x1f && !d->dump.unknown);
	d = load("dump-future.json", err, sizeof(err));
	/* unknown:0x200 is a TUNSETOFFLOAD flag, not vhost_mrg_rxbuf */
	CHECK(d && d->dump.caps == TAP && d->dump.unknown == 0x200);
	d = load("level-pool-x.json", err, sizeof(err));
	CHECK(d && !d->is_dump && d->level.caps == BASE && !d->level.nhosts);
	CHECK(d && !d->level.vhost_known);
	/* Schema 2. */
	d = load("v2-dump-6.1.json", err, sizeof(err));
	CHECK(d && d->dump.caps == (0x1f | VB) &&
	      d->dump.vhost.state == TP_VHOST_PROBED &&
	      d->dump.vhost.features[0] == 0x33d008000ull &&
	      !d->dump.vhost.features[1] && !d->dump.vhost.array);
	d = load("v2-dump-7.2.json", err, sizeof(err));
	CHECK(d && d->dump.caps == (TAP | V617) && d->dump.vhost.array &&
	      d->dump.vhost.features[1] == 0xa &&
	      d->dump.vhost.unknown[0] == 1ull << 41 &&
	      !d->dump.vhost.unknown[1]);
	d = load("v2-dump-novhost.json", err, sizeof(err));
	CHECK(d && d->dump.caps == TAP &&
	      d->dump.vhost.state == TP_VHOST_ABSENT &&
	      strstr(d->dump.vhost.reason, "No such file"));

	bad_file("bad/truncated.json", "truncated JSON");
	bad_file("bad/empty.json", "empty file");
	bad_file("bad/not-json.json", "invalid JSON");
	bad_file("bad/trailing.json", "invalid JSON");	/* a 2nd document */
	bad_file("bad/schema-3.json", "unsupported schema 3 (this tunpin "
		 "reads 1 to 2)");
	bad_file("bad/no-schema.json", "unsupported schema: none given");
	bad_file("bad/unknown-cap.json", "unknown capability 'warp'");
	bad_file("bad/kind.json", "unknown kind 'pool'");
	bad_file("bad/level-schema-3.json", "unsupported schema 3");
	bad_file("bad/level-unknown-cap.json", "unknown capability 'warp'");
	bad_file("bad/level-unknown-bit.json", "cannot be in a level");
	bad_file("bad/level-dup-hosts.json", "duplicate host 'a'");
	bad_file("bad/level-missing-stranger.json", "not in hosts");
	bad_file("bad/level-missing-overlap.json", "lacks capabilities");
	bad_file("bad/level-bad-name.json", "bad level name 'bad name'");
	bad_file("bad/level-no-name.json", "missing field 'name'");
	/* a missing file: not a level at all, the one message */
	CHECK(!load("no-such-file.json", err, sizeof(err)));
	CHECK(strstr(err, NOT_A_LEVEL) == err && one_line(err) &&
	      strstr(err, path("no-such-file.json")));

	/* Catalog names need no file; anything else must be one. */
	{
		static struct tp_doc doc;

		CHECK(load1("linux-6.2", &doc, err, sizeof(err)) == 0);
		CHECK(doc.src == TP_SRC_CATALOG && !doc.is_dump &&
		      doc.level.caps == (0x7f | VB) && doc.level.vhost_known);
		CHECK(load1("latest", &doc, err, sizeof(err)) == 0);
		CHECK(!strcmp(doc.level.name, "linux-6.17"));
		CHECK(load1("linux-6.4", &doc, err, sizeof(err)) == -1);
		CHECK(!strcmp(err, NOT_A_LEVEL "linux-6.4 (" HINT ")"));
		CHECK(load1("./latest", &doc, err, sizeof(err)) == -1);
		CHECK(!strcmp(err, NOT_A_LEVEL "./latest (" HINT ")"));
	}
}

static struct tp_member host(const char *name, const char *kernel,
			     uint32_t caps, uint32_t unknown)
{
	struct tp_member m;

	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.kernel, sizeof(m.kernel), "%s", kernel);
	m.caps = caps;
	m.unknown = unknown;
	m.features = 0x7173;
	m.has_features = true;
	m.vhost = TP_VHOST_PROBED;
	return m;
}

static void test_merge(void)
{
	static struct tp_member m[TP_POOL_MAX + 2], back[TP_POOL_MAX];
	static struct tp_merge r, r2;
	static struct tp_doc doc;
	char err[256];
	json_object *o;
	int n;

	/* The 6.18 build host and the 6.1 VM: the 6.1 set, 6.18 has more. */
	m[0] = host("hv-618", "6.18.44", ALL, 0);
	m[1] = host("tunpin-vm", "6.1.0-56-amd64", 0x1f, 0);
	CHECK(pool_merge(m, 2, "pool-a", "2026-11-26T02:00:00Z", &r, err,
			 sizeof(err)) == 0);
	CHECK(r.level.caps == 0x1f && r.uni == ALL && !r.unknown);
	CHECK(r.level.nhosts == 2 && r.level.has_missing);
	CHECK(r.level.missing[0] == 0);
	CHECK(r.level.missing[1] == (ALL & ~0x1fu));
	CHECK(!strcmp(r.level.name, "pool-a"));
	CHECK(!strcmp(r.level.created, "2026-11-26T02:00:00Z"));

	/* Written and read back, it stands for the same hosts again. */
	o = leveldoc_to_json(&r.level);
	memset(&doc, 0, sizeof(doc));
	CHECK(leveldoc_from_json(o, &doc.level, err, sizeof(err)) == 0);
	json_object_put(o);
	n = doc_members(&doc, back, TP_POOL_MAX);
	CHECK(n == 2 && back[0].caps == ALL && back[1].caps == 0x1f);
	CHECK(!strcmp(back[1].name, "tunpin-vm") && !back[1].is_level);
	/* ... so merging it with a third host is merging the three. */
	back[2] = host("hv-414", "4.14.1", BASE, 0);
	CHECK(pool_merge(back, 3, "pool-b", NULL, &r2, err, sizeof(err)) == 0);
	CHECK(r2.level.caps == BASE && r2.uni == ALL);
	CHECK(r2.level.missing[0] == 0);
	CHECK(r2.level.missing[1] == (ALL & ~0x1fu));
	CHECK(r2.level.missing[2] == (ALL & ~BASE));
	CHECK(!r2.level.created[0]);

	/* A level without hosts stands for itself. */
	memset(&doc, 0, sizeof(doc));
	strcpy(doc.level.name, "linux-6.1");
	doc.level.caps = 0x1f;
	doc.level.vhost_known = true;
	CHECK(doc_members(&doc, back, TP_POOL_MAX) == 1);
	CHECK(back[0].is_level && !strcmp(back[0].name, "level:linux-6.1"));
	m[2] = back[0];
	m[3] = host("hv-future", "7.3.0", ALL, 0x200);
	CHECK(pool_merge(m, 4, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == 0x1f && !r.unknown);

	/* Bits outside the table every host accepts are reported. */
	m[0] = host("hv-future", "7.3.0", ALL, 0x600);
	m[1] = host("hv-future2", "7.3.0", ALL, 0x200);
	CHECK(pool_merge(m, 2, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == ALL && r.unknown == 0x200);

	/* One host alone: its own set, lacking nothing. */
	CHECK(pool_merge(m, 1, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == ALL && r.level.missing[0] == 0);

	/* Bad sets. */
	CHECK(pool_merge(m, 0, "p", NULL, &r, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, "empty merge set: no dumps given"));
	m[1] = host("HV-FUTURE", "7.3.0", ALL, 0);
	CHECK(pool_merge(m, 2, "p", NULL, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "duplicate host 'HV-FUTURE' (as 'hv-future')"));
	m[1] = host("hv-future", "7.3.0", ALL, 0);
	CHECK(pool_merge(m, 2, "p", NULL, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "duplicate host 'hv-future'") && one_line(err));
	/* The first host that repeats an earlier one is named, as that one. */
	m[0] = host("a", "6.1", 0x1f, 0);
	m[1] = host("b", "6.1", 0x1f, 0);
	m[2] = host("B", "6.1", 0x1f, 0);
	m[3] = host("a", "6.1", 0x1f, 0);
	CHECK(pool_merge(m, 4, "p", NULL, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "duplicate host 'B' (as 'b')"));
	m[2] = host("c", "6.1", 0x1f, 0);
	CHECK(pool_merge(m, 4, "p", NULL, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "duplicate host 'a': each"));
	m[0] = host("hv-future", "7.3.0", ALL, 0);
	m[1] = host("other", "7.3.0", ALL, 0);
	CHECK(pool_merge(m, 2, "bad name", NULL, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "bad level name 'bad name'"));
	CHECK(pool_merge(m, 2, "", NULL, &r, err, sizeof(err)) == -1);
	for (int i = 0; i < TP_POOL_MAX + 1; i++) {
		char name[32];

		snprintf(name, sizeof(name), "h%d", i);
		m[i] = host(name, "6.1", 0x1f, 0);
	}
	CHECK(pool_merge(m, TP_POOL_MAX, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(pool_merge(m, TP_POOL_MAX + 1, "p", NULL, &r, err,
			 sizeof(err)) == -1);
	CHECK(strstr(err, "more than"));
}

static void test_merge_files(void)
{
	static struct tp_member m[TP_POOL_MAX];
	static struct tp_merge r;
	static struct tp_doc doc;
	char err[768];
	struct tp_doc *d;
	int n = 0;

	d = load("dump-6.18.json", err, sizeof(err));
	CHECK(d);
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	d = load("dump-6.1.json", err, sizeof(err));
	CHECK(d);
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	CHECK(n == 2);
	/* Schema 1 dumps: their vhost-net sets unknown, merge names them. */
	CHECK(pool_merge(m, n, "merged", NULL, &r, err, sizeof(err)) == -1);
	CHECK(one_line(err) && strstr(err, "of 2 hosts are unknown") &&
	      strstr(err, ": hv-618, tunpin-vm;") &&
	      strstr(err, "probe them again"));
	/* Schema 2: the vhost-net sets intersect like the TAP ones. */
	n = 0;
	d = load("v2-dump-7.2.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	d = load("v2-dump-6.1.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	CHECK(n == 2);
	CHECK(pool_merge(m, n, "merged", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == catalog_find("linux-6.1")->caps);
	CHECK(r.level.missing[1] == ((TAP & ~0x1fu) | (V617 & ~VB)));
	/* A host without /dev/vhost-net does not limit the vhost part. */
	d = load("v2-dump-novhost.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	CHECK(pool_merge(m, 2, "merged", NULL, &r, err, sizeof(err)) == 0);
	CHECK(pool_merge(m, n, "merged", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == catalog_find("linux-6.1")->caps);
	CHECK(!r.level.vhost_absent[0] && r.level.vhost_absent[2]);
	CHECK(r.level.missing[2] == 0);
	/* alone with the 7.2 host: the 7.2 vhost set, no more */
	m[1] = m[2];
	CHECK(pool_merge(m, 2, "merged", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == (TAP | V617));
	/* only hosts without the device: no vhost feature at all */
	CHECK(pool_merge(m + 1, 1, "merged", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == TAP && r.level.vhost_absent[0]);
	/* Unknown vhost bits: those every host with the device offers. */
	n = 0;
	d = load("v2-dump-7.2.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	d = load("v2-dump-future.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	d = load("v2-dump-novhost.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	CHECK(n == 3);
	CHECK(pool_merge(m, n, "merged", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.vhost_unknown[0] == 1ull << 41 && !r.vhost_unknown[1]);
	d = load("v2-dump-6.1.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	CHECK(pool_merge(m, n, "merged", NULL, &r, err, sizeof(err)) == 0);
	CHECK(!r.vhost_unknown[0] && !r.vhost_unknown[1]);
	/* Rebuilt from the level, the host without the device has no
	 * vhost-net capability. */
	doc.is_dump = false;
	memcpy(&doc.level, &r.level, sizeof(doc.level));
	CHECK(doc_members(&doc, m, TP_POOL_MAX) == 4);
	CHECK(m[2].vhost == TP_VHOST_ABSENT && m[2].caps == TAP);
	CHECK(m[0].caps == (TAP | V617));
	n = 2;
	d = load("dump-6.1.json", err, sizeof(err));
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	/* The same VM dumped twice is a duplicate host. */
	d = load("dump-6.1-again.json", err, sizeof(err));
	CHECK(d);
	if (d)
		n += doc_members(d, m + n, TP_POOL_MAX - n);
	CHECK(pool_merge(m, n, "merged", NULL, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "duplicate host 'TUNPIN-VM'"));
}

/* merge --replace and --drop: the members left, in their order. */
static void test_replace_drop(void)
{
	static struct tp_member m[8];
	static struct tp_merge r;
	char err[256];
	int n;

	m[0] = host("a", "6.1", 0x1f, 0);
	m[1] = host("b", "6.1", 0x1f, 0);
	m[2] = host("A", "6.18", ALL, 0);	/* a again, upgraded */
	m[3] = host("c", "4.14", BASE, 0);
	m[4] = host("a", "7.2", ALL, 0x200);	/* and again: the last */
	CHECK(pool_merge(m, 5, "p", NULL, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "duplicate host 'A' (as 'a')") &&
	      strstr(err, "--replace"));
	n = pool_replace(m, 5);
	CHECK(n == 3);
	CHECK(!strcmp(m[0].name, "a") && !strcmp(m[0].kernel, "7.2") &&
	      m[0].caps == ALL && m[0].unknown == 0x200 && m[0].replaced);
	CHECK(!strcmp(m[1].name, "b") && !m[1].replaced);
	CHECK(!strcmp(m[2].name, "c") && !m[2].replaced);
	CHECK(pool_merge(m, n, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == BASE && r.level.nhosts == 3);
	/* nothing twice: nothing changes */
	CHECK(pool_replace(m, n) == 3 && !strcmp(m[2].name, "c"));
	CHECK(pool_replace(m, 0) == 0);
	/* --drop: case ignored, every member of that name */
	CHECK(pool_drop(m, n, "C") == 2);
	CHECK(!strcmp(m[0].name, "a") && !strcmp(m[1].name, "b"));
	CHECK(pool_drop(m, 2, "c") == -1);
	CHECK(pool_drop(m, 2, "") == -1);
	CHECK(pool_drop(m, 2, "a") == 1 && !strcmp(m[0].name, "b"));
	CHECK(pool_drop(m, 1, "b") == 0);
}

/* The groups of a merge, and what the pool gains without each class. */
static void test_report(void)
{
	static struct tp_member m[8];
	static struct tp_merge r;
	struct tp_report rep;
	char err[256];

	/* 3 on 6.18 (two kernels), 2 on 6.1, 1 on 4.14, 1 without vhost */
	m[0] = host("a", "6.18.1", ALL, 0);
	m[1] = host("b", "6.1", 0x1f | VB, 0);
	m[2] = host("c", "6.18.1", ALL, 0);
	m[3] = host("d", "4.14", BASE | VB, 0);
	m[4] = host("e", "6.18.2", ALL, 0);
	m[5] = host("f", "6.1", 0x1f | VB, 0);
	m[6] = host("g", "6.18.1", TAP, 0);
	m[6].vhost = TP_VHOST_ABSENT;
	CHECK(pool_merge(m, 7, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == (BASE | VB));
	CHECK(pool_report(m, 7, &r, &rep) == 0);
	CHECK(rep.ngroups == 5);
	/* the largest first, then as given; members in their order */
	CHECK(rep.groups[0].count == 2 && rep.groups[0].caps == ALL &&
	      !strcmp(rep.groups[0].kernel, "6.18.1") &&
	      rep.groups[0].members[0] == 0 && rep.groups[0].members[1] == 2);
	CHECK(rep.groups[1].count == 2 && rep.groups[1].members[0] == 1 &&
	      rep.groups[1].members[1] == 5);
	CHECK(rep.groups[2].count == 1 && rep.groups[2].members[0] == 3);
	CHECK(rep.groups[3].members[0] == 4 &&
	      !strcmp(rep.groups[3].kernel, "6.18.2"));
	CHECK(rep.groups[4].members[0] == 6 && rep.groups[4].vhost_absent);
	/* classes: the set alone; d alone lowers the pool (ufo) */
	CHECK(rep.nclasses == 4 && rep.nlimiting == 1);
	CHECK(rep.classes[0].count == 1 && rep.classes[0].members[0] == 3 &&
	      rep.classes[0].gain == C(UFO) && !rep.classes[0].loss &&
	      !strcmp(rep.classes[0].kernel, "4.14"));
	/* the 6.18 class spans two kernels; the others gain nothing */
	for (int k = 1; k < 4; k++)
		CHECK(!rep.classes[k].gain);
	CHECK(rep.classes[1].count == 3 && rep.classes[1].kernel == NULL);
	/* what b and d both lack is lacked apart */
	CHECK(rep.lacked_apart == (ALL & ~(BASE | VB | C(UFO))));
	pool_report_free(&rep);

	/* f alone on 4.14 limits (ufo); the 6.1 class does not, since f
	 * lacks what it lacks too. */
	m[1] = host("b", "6.1", 0x1f | VB, 0);
	m[3] = host("d", "6.1", 0x1f | VB, 0);
	m[5] = host("f", "4.14", BASE | VB, 0);
	m[4] = host("e", "6.1", 0x1f | VB, 0);
	CHECK(pool_merge(m, 6, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(pool_report(m, 6, &r, &rep) == 0);
	CHECK(rep.nlimiting == 1 && rep.classes[0].members[0] == 5);
	pool_report_free(&rep);
	m[5] = host("f", "6.1", 0x1f | VB, 0);
	m[1] = host("b", "6.2", 0x7f | VB, 0);
	CHECK(pool_merge(m, 6, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(r.level.caps == (0x1f | VB));
	CHECK(pool_report(m, 6, &r, &rep) == 0);
	/* d, e, f (6.1) lower uso4 uso6 below b and the 6.18 ones */
	CHECK(rep.nlimiting == 1 && rep.classes[0].count == 3 &&
	      rep.classes[0].gain == (C(USO4) | C(USO6)) &&
	      !strcmp(rep.classes[0].kernel, "6.1"));
	/* what b lacks too (the tunnel offloads, 6.17's vhost-net) */
	CHECK(rep.lacked_apart == (ALL & ~(0x7fu | VB)));
	pool_report_free(&rep);

	/* The last host with /dev/vhost-net: without it, no vhost part. */
	m[0] = host("a", "6.1", 0x1f | VB, 0);
	m[1] = host("n", "6.18", TAP, 0);
	m[1].vhost = TP_VHOST_ABSENT;
	CHECK(pool_merge(m, 2, "p", NULL, &r, err, sizeof(err)) == 0);
	CHECK(pool_report(m, 2, &r, &rep) == 0);
	CHECK(rep.nlimiting == 1 && rep.classes[0].members[0] == 0 &&
	      rep.classes[0].gain == (TAP & ~0x1fu) &&
	      rep.classes[0].loss == VB);
	pool_report_free(&rep);

	/* One class alone: removing it leaves no pool, so no gain. */
	CHECK(pool_report(m, 1, &r, &rep) == 0);
	CHECK(rep.ngroups == 1 && rep.nclasses == 1 && !rep.nlimiting);
	pool_report_free(&rep);

	/* A fleet: 16384 hosts of two sets, in n log n. */
	{
		static struct tp_member big[TP_POOL_MAX];

		for (int i = 0; i < TP_POOL_MAX; i++) {
			char name[32];

			snprintf(name, sizeof(name), "h%05d", i);
			big[i] = host(name, i % 3 ? "6.18" : "6.1",
				      i % 3 ? ALL : 0x1f | VB, 0);
		}
		CHECK(pool_merge(big, TP_POOL_MAX, "p", NULL, &r, err,
				 sizeof(err)) == 0);
		CHECK(pool_report(big, TP_POOL_MAX, &r, &rep) == 0);
		CHECK(rep.ngroups == 2 && rep.groups[0].count == 10922 &&
		      rep.groups[1].count == 5462 && rep.nlimiting == 1 &&
		      rep.classes[0].count == 5462);
		pool_report_free(&rep);
	}
}

static void test_compare_diff(void)
{
	struct tp_member a, b;
	struct tp_diff d;
	uint32_t miss, extra;

	CHECK(pool_compare(0x1f, 0x1f, &miss, &extra) == TP_IDENTICAL);
	CHECK(!miss && !extra);
	CHECK(pool_compare(0x1f, ALL, &miss, &extra) == TP_SUPERSET);
	CHECK(!miss && extra == (ALL & ~0x1fu));
	CHECK(pool_compare(0x7f, 0x1f, &miss, &extra) == TP_INCOMPATIBLE);
	CHECK(miss == (C(USO4) | C(USO6)) && !extra);
	/* incompatible wins even when the host has more elsewhere */
	CHECK(pool_compare(C(UFO) | BASE, BASE | C(USO4) | C(USO6), &miss,
			   &extra) == TP_INCOMPATIBLE);
	CHECK(miss == C(UFO) && extra == (C(USO4) | C(USO6)));
	CHECK(pool_compare(0, 0, &miss, &extra) == TP_IDENTICAL);
	CHECK(!strcmp(verdict_name(TP_SUPERSET), "superset"));
	CHECK(!strcmp(verdict_name(TP_INCOMPATIBLE), "incompatible"));
	CHECK(!strcmp(verdict_name(TP_IDENTICAL), "identical"));

	/* An upgrade from the 6.1 VM to the 6.18 host. */
	a = host("vm", "6.1.0-56-amd64", 0x1f, 0);
	a.features = 0x7133;
	b = host("vm", "6.18.44", ALL, 0x200);
	pool_diff(&a, &b, &d);
	CHECK(d.added == (ALL & ~0x1fu) && !d.removed);
	CHECK(d.unknown_added == 0x200 && !d.unknown_removed);
	CHECK(d.features_added == 0x40 && !d.features_removed);
	CHECK(d.kernel_changed);
	/* ... and back: what a downgrade would take away. */
	pool_diff(&b, &a, &d);
	CHECK(d.removed == (ALL & ~0x1fu) && !d.added);
	CHECK(d.unknown_removed == 0x200 && d.features_removed == 0x40);
	/* Levels have no features to compare. */
	b.has_features = false;
	pool_diff(&a, &b, &d);
	CHECK(!d.features_added && !d.features_removed);
	pool_diff(&a, &a, &d);
	CHECK(!d.added && !d.removed && !d.kernel_changed);
	/* vhost-net bits outside the table: only when both sides know */
	a.vhost = b.vhost = TP_VHOST_PROBED;
	memset(a.vhost_unknown, 0, sizeof(a.vhost_unknown));
	memset(b.vhost_unknown, 0, sizeof(b.vhost_unknown));
	b.vhost_unknown[0] = 1ull << 41;
	b.vhost_unknown[1] = 1ull << 6;
	pool_diff(&a, &b, &d);
	CHECK(d.vhost_unknown_added[0] == 1ull << 41 &&
	      d.vhost_unknown_added[1] == 1ull << 6 &&
	      !d.vhost_unknown_removed[0] && !d.vhost_unknown_removed[1]);
	pool_diff(&b, &a, &d);
	CHECK(d.vhost_unknown_removed[0] == 1ull << 41 &&
	      !d.vhost_unknown_added[0]);
	a.vhost = TP_VHOST_ABSENT;
	pool_diff(&a, &b, &d);
	CHECK(!d.vhost_unknown_added[0] && !d.vhost_unknown_added[1]);
}

/* level_resolve() of the words up to NULL. */
static int resolve(uint32_t *caps, bool *pinned, char *name, size_t namesize,
		   char *err, size_t errsize, ...)
{
	char *w[8];
	int n = 0;
	va_list ap;

	va_start(ap, errsize);
	while (n < 8 && (w[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	return level_resolve(n, w, caps, pinned, name, namesize, err, errsize);
}

#define RESOLVE(...) resolve(&caps, &pinned, name, sizeof(name), err, \
			     sizeof(err), __VA_ARGS__, (char *)NULL)

static void test_resolve(void)
{
	char name[TUNPIN_NAME_MAX + 1], err[768];
	uint32_t caps = 0x55;
	bool pinned = false;

	CHECK(RESOLVE("linux-6.2") == 0);
	CHECK(caps == (0x7f | VB) && pinned && !strcmp(name, "linux-6.2"));
	CHECK(RESOLVE("latest") == 0);
	CHECK(caps == (TAP | V617) && !strcmp(name, "linux-6.17"));
	/* schema 1: pinned, their sets would hide every vhost feature */
	CHECK(RESOLVE(path("dump-6.1.json")) == -1);
	CHECK(strstr(err, "vhost-net features are unknown") && one_line(err));
	CHECK(RESOLVE(path("level-pool-x.json")) == -1);
	CHECK(strstr(err, "a schema 1 level"));
	CHECK(RESOLVE(path("v2-dump-6.1.json")) == 0);
	CHECK(caps == (0x1f | VB) && pinned &&
	      !strcmp(name, "native-6.1.0-57-amd64"));
	CHECK(RESOLVE(path("v2-dump-7.2.json")) == 0);
	CHECK(caps == (TAP | V617));	/* vhost_unknown:41 cannot be pinned */
	/* Capability names, none, unpinned: no name. */
	strcpy(name, "x");
	CHECK(RESOLVE("csum,tso4") == 0);
	CHECK(caps == (C(CSUM) | C(TSO4)) && pinned && !name[0]);
	CHECK(RESOLVE("tso6 csum tso4 tso_ecn") == 0);
	CHECK(caps == BASE);
	/* in several words, as `tunpin set tso6 csum "tso4 tso_ecn"` */
	CHECK(RESOLVE("tso6", "csum", "tso4 tso_ecn") == 0 && caps == BASE);
	CHECK(RESOLVE("none") == 0);
	CHECK(!caps && pinned);
	CHECK(RESOLVE("unpinned") == 0);
	CHECK(!caps && !pinned);
	/* Errors say why, on one line. */
	CHECK(RESOLVE("csum bogus") == -1);
	CHECK(strstr(err, "unknown capability 'bogus'") && one_line(err));
	CHECK(RESOLVE("csum", "bogus") == -1);
	CHECK(!strcmp(err, NOT_A_LEVEL "csum bogus (unknown capability "
		      "'bogus'; " HINT ")"));
	CHECK(RESOLVE("linux-9.9") == -1);
	CHECK(!strcmp(err, NOT_A_LEVEL "linux-9.9 (" HINT ")"));
	CHECK(RESOLVE(path("bad/truncated.json")) == -1);
	CHECK(strstr(err, "truncated JSON"));
	CHECK(RESOLVE(path("bad/level-unknown-cap.json")) == -1);
	CHECK(strstr(err, "unknown capability 'warp'"));
	CHECK(RESOLVE("") == -1);
	CHECK(!strcmp(err, "empty level (" HINT ")"));
	/* A word with a '/' among others is a list, never a path. */
	CHECK(RESOLVE("csum a/b") == -1);
	CHECK(strstr(err, "unknown capability 'a/b'"));
	/* Several words are never a file. */
	CHECK(RESOLVE(path("v2-dump-6.1.json"), "csum") == -1);
	CHECK(strstr(err, NOT_A_LEVEL) == err);
}

/* @text into the file @dir/@name. */
static void put(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/*
 * The one LEVEL grammar (level_load()): every form, its precedence
 * (catalog, then capability list, then file), and the one error.
 */
static void test_grammar(void)
{
	static struct tp_doc doc;
	char dir[PATH_MAX], cwd[PATH_MAX], err[768], sub[PATH_MAX + 16];
	char *two[] = { "csum", "tso4 tso_ecn" }, *list_file[2];
	const char *level = "{\"schema\": 2, \"kind\": \"level\", "
			    "\"name\": \"from-file\", \"capabilities\": "
			    "[\"csum\", \"ufo\"]}\n";

	/* 1. catalog names and aliases */
	CHECK(load1("linux-6.1", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_CATALOG && !strcmp(doc.level.name, "linux-6.1"));
	CHECK(load1("minimal", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_CATALOG);
	/* 2. capability lists: commas, spaces, several words; none, unpinned */
	CHECK(load1("csum,tso4,tso6,tso_ecn,ufo", &doc, err, sizeof(err)) == 0);
	CHECK(doc.src == TP_SRC_CAPS && !doc.is_dump && !doc.unpinned &&
	      doc.level.caps == (BASE | C(UFO)) && doc.level.vhost_known &&
	      !strcmp(doc.text, "csum,tso4,tso6,tso_ecn,ufo"));
	CHECK(load1("ufo csum, tso4", &doc, err, sizeof(err)) == 0 &&
	      !strcmp(doc.text, "csum,tso4,ufo"));
	CHECK(level_load(2, two, &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_CAPS &&
	      doc.level.caps == (C(CSUM) | C(TSO4) | C(TSO_ECN)));
	CHECK(load1("vhost_ring_reset", &doc, err, sizeof(err)) == 0 &&
	      doc.level.caps == C(VHOST_RING_RESET));
	CHECK(load1("none", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_CAPS && !doc.level.caps && !doc.unpinned &&
	      !strcmp(doc.text, "none"));
	CHECK(load1("unpinned", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_CAPS && doc.unpinned &&
	      !strcmp(doc.text, "unpinned"));
	/* 3. files: dumps and levels */
	CHECK(load1(path("v2-dump-6.1.json"), &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_FILE && doc.is_dump);
	CHECK(load1(path("level-pool-x.json"), &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_FILE && !doc.is_dump);

	/* Precedence: a file named like a level or a capability needs a '/'. */
	snprintf(dir, sizeof(dir), "%s/tunpin-grammar.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	put(dir, "csum", level);
	put(dir, "linux-6.1", level);
	put(dir, "pool.json", level);
	snprintf(sub, sizeof(sub), "%s/sub.json", dir);
	CHECK(mkdir(sub, 0700) == 0);
	CHECK(chdir(dir) == 0);
	CHECK(load1("csum", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_CAPS && doc.level.caps == C(CSUM));
	CHECK(load1("./csum", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_FILE && !strcmp(doc.level.name, "from-file"));
	CHECK(load1("linux-6.1", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_CATALOG);
	CHECK(load1("./linux-6.1", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_FILE);
	/* a word that is neither is a file, '/' or not */
	CHECK(load1("pool.json", &doc, err, sizeof(err)) == 0 &&
	      doc.src == TP_SRC_FILE &&
	      doc.level.caps == (C(CSUM) | C(UFO)));
	/* several words are a list, never a file */
	list_file[0] = "pool.json";
	list_file[1] = "csum";
	CHECK(level_load(2, list_file, &doc, err, sizeof(err)) == -1 &&
	      !strcmp(err, NOT_A_LEVEL "pool.json csum (unknown capability "
		      "'pool.json'; " HINT ")"));
	/* a file that exists but is no document says what is wrong with it */
	CHECK(load1("sub.json", &doc, err, sizeof(err)) == -1 &&
	      !strcmp(err, "sub.json: Is a directory"));
	CHECK(chdir(cwd) == 0);
	snprintf(sub, sizeof(sub), "%s/csum", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/linux-6.1", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/pool.json", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/sub.json", dir);
	rmdir(sub);
	CHECK(rmdir(dir) == 0);

	/* The one error: what was tried, and the list's reason if a list. */
	CHECK(load1("csum,tso_e", &doc, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, NOT_A_LEVEL "csum,tso_e (unknown capability "
		      "'tso_e'; " HINT ")"));
	CHECK(load1("CSUM", &doc, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, NOT_A_LEVEL "CSUM (unknown capability 'CSUM'; "
		      HINT ")"));
	CHECK(load1("none,csum", &doc, err, sizeof(err)) == -1);
	CHECK(strstr(err, NOT_A_LEVEL "none,csum (") == err &&
	      strstr(err, "stand alone"));
	CHECK(load1("no-such/dump.json", &doc, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, NOT_A_LEVEL "no-such/dump.json (" HINT ")"));
	CHECK(load1("linux-6.99", &doc, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, NOT_A_LEVEL "linux-6.99 (" HINT ")"));
	CHECK(load1(" , ", &doc, err, sizeof(err)) == -1);
	CHECK(!strcmp(err, "empty level (" HINT ")"));
	CHECK(level_load(0, two, &doc, err, sizeof(err)) == -1 &&
	      one_line(err));
	/* a bad file names itself first */
	CHECK(load1(path("bad/truncated.json"), &doc, err, sizeof(err)) == -1);
	CHECK(strstr(err, path("bad/truncated.json")) == err &&
	      strstr(err, "truncated JSON") && one_line(err));
}

static void test_names(void)
{
	char buf[TUNPIN_NAME_MAX + 1], big[200];

	CHECK(level_name_valid("pool-a_1.2:x+y@z"));
	CHECK(!level_name_valid(""));
	CHECK(!level_name_valid("a b"));
	CHECK(!level_name_valid("a/b"));
	CHECK(!level_name_valid("é"));
	native_level_name("6.1.0-56-amd64", buf, sizeof(buf));
	CHECK(!strcmp(buf, "native-6.1.0-56-amd64") && level_name_valid(buf));
	native_level_name("6.1 #1/x", buf, sizeof(buf));
	CHECK(!strcmp(buf, "native-6.1__1_x"));
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	native_level_name(big, buf, sizeof(buf));
	CHECK(strlen(buf) == TUNPIN_NAME_MAX && level_name_valid(buf));
	utc_now(big, sizeof(big));
	CHECK(strlen(big) == 20 && big[10] == 'T' && big[19] == 'Z');
}

void test_pool(void)
{
	find_data();
	test_catalog();
	test_leveldoc();
	test_files();
	test_merge();
	test_merge_files();
	test_replace_drop();
	test_report();
	test_compare_diff();
	test_resolve();
	test_grammar();
	test_names();
}
