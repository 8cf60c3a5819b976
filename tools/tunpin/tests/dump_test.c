// SPDX-License-Identifier: GPL-2.0
/* Unit tests of dump.c: JSON round trip and every kind of bad input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "../caps.h"
#include "../dump.h"
#include "../probe.h"
#include "unit.h"

static void sample(struct tp_dump *d)
{
	memset(d, 0, sizeof(*d));
	d->schema = TP_SCHEMA;
	strcpy(d->host, "host-a");
	strcpy(d->kernel, "6.1.0-40-amd64");
	strcpy(d->kernel_version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.153-1");
	strcpy(d->machine, "x86_64");
	strcpy(d->timestamp, "2026-11-26T01:45:08Z");
	d->exempt = true;
	d->caps = 0x1f;
	d->unknown = 0x200;	/* a future TUNSETOFFLOAD flag */
	d->features = 0x7173;
	d->vhost.state = TP_VHOST_ABSENT;
	strcpy(d->vhost.reason, "cannot open /dev/vhost-net: No such file "
	       "or directory");
	d->nprobes = 3;
	d->probes[0] = (struct tp_probe){ 0x11, 0, "ufo" };
	d->probes[1] = (struct tp_probe){ 0x21, EINVAL, "uso4" };
	d->probes[2] = (struct tp_probe){ 0x61, 0, "uso4+uso6" };
}

/* Parse @text as a dump: the return of dump_from_json, reason in @err. */
static int parse(const char *text, struct tp_dump *d, char *err, size_t n)
{
	json_object *o = json_tokener_parse(text);
	int ret;

	if (!o) {
		snprintf(err, n, "test JSON does not parse");
		return -2;
	}
	ret = dump_from_json(o, d, err, n);
	json_object_put(o);
	return ret;
}

/* A good dump with @from replaced by @to; must fail with @want in err. */
static void bad(const char *from, const char *to, const char *want)
{
	static const char good[] =
		"{\"schema\": 1, \"kind\": \"dump\", \"host\": \"h\", "
		"\"kernel\": \"6.1.0\", \"module\": null, "
		"\"exempt\": false, "
		"\"capabilities\": [\"csum\", \"tso4\"], "
		"\"masks\": {\"capabilities\": \"0x3\", \"unknown\": \"0x0\", "
		"\"features\": \"0x4002\"}, "
		"\"features\": [\"tap\", \"vnet_hdr\"], "
		"\"probes\": [{\"bits\": \"0x3\", \"tests\": \"tso4\", "
		"\"result\": \"accepted\"}]}";
	char text[1024], err[256] = "";
	const char *p = strstr(good, from);
	struct tp_dump d;

	if (!p) {
		failed++;
		fprintf(stderr, "dump_test: '%s' not in the good dump\n", from);
		return;
	}
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - good), good, to,
		 p + strlen(from));
	d.caps = 0x5a5;
	if (parse(text, &d, err, sizeof(err)) == -1 && strstr(err, want) &&
	    !strchr(err, '\n') && d.caps == 0x5a5) {
		passed++;
	} else {
		failed++;
		fprintf(stderr, "dump_test: %s -> %s: got '%s', want '%s'\n",
			from, to, err, want);
	}
}

static void test_round_trip(void)
{
	struct tp_dump a, b;
	json_object *o;
	char err[256];

	sample(&a);
	o = dump_to_json(&a);
	CHECK(!strcmp(json_object_get_string(
		json_object_object_get(o, "kind")), "dump"));
	CHECK(!strcmp(json_object_to_json_string(
		json_object_object_get(o, "capabilities")),
		"[ \"csum\", \"tso4\", \"tso6\", \"tso_ecn\", \"ufo\", "
		"\"unknown:0x200\" ]"));
	CHECK(!strcmp(json_object_get_string(json_object_object_get(
		json_object_object_get(o, "masks"), "features")), "0x7173"));
	CHECK(!strcmp(json_object_get_string(json_object_object_get(
		json_object_object_get(o, "masks"), "unknown")), "0x200"));
	CHECK(json_object_is_type(json_object_object_get(o, "module"),
				  json_type_null));
	memset(&b, 0xff, sizeof(b));
	CHECK(dump_from_json(o, &b, err, sizeof(err)) == 0);
	CHECK(b.schema == 2 && b.caps == a.caps && b.unknown == a.unknown);
	CHECK(b.vhost.state == TP_VHOST_ABSENT &&
	      !strcmp(b.vhost.reason, a.vhost.reason));
	CHECK(b.features == a.features && b.exempt && !b.module[0]);
	CHECK(!strcmp(b.host, a.host) && !strcmp(b.kernel, a.kernel));
	CHECK(!strcmp(b.kernel_version, a.kernel_version));
	CHECK(!strcmp(b.machine, a.machine) &&
	      !strcmp(b.timestamp, a.timestamp));
	CHECK(b.nprobes == 3 && b.probes[1].err == EINVAL &&
	      b.probes[1].bits == 0x21 && !strcmp(b.probes[2].what,
						  "uso4+uso6"));
	json_object_put(o);

	/* A module version; no unknown bits; everything known. */
	strcpy(a.module, "0.5");
	a.unknown = 0;
	a.nprobes = 0;
	/* vhost-net probed: 7.2's words, bit 41 without a name */
	vhost_record(&a.vhost, 0x10b3d008000ull | 1ull << 41, 0,
		     (const uint64_t[]){ 0xa });
	a.caps = TUNPIN_CAP_TAP | vhost_caps(a.vhost.features, NULL);
	o = dump_to_json(&a);
	CHECK(!strcmp(json_object_to_json_string_ext(
		json_object_object_get(o, "vhost"), JSON_C_TO_STRING_PLAIN |
		JSON_C_TO_STRING_NOSLASHESCAPE),
		"{\"state\":\"probed\",\"device\":\"/dev/vhost-net\","
		"\"exempt\":false,\"array\":true,\"features\":"
		"[\"0x30b3d008000\",\"0xa\"],\"unknown\":"
		"[\"vhost_unknown:41\"]}"));
	CHECK(dump_from_json(o, &b, err, sizeof(err)) == 0);
	CHECK(!strcmp(b.module, "0.5") && b.caps == a.caps &&
	      (b.caps & TUNPIN_CAP_VHOST_IN_ORDER) &&
	      (b.caps & TUNPIN_CAP_VHOST_HOST_UDP_TUNNEL_GSO) &&
	      !b.unknown && !b.nprobes);
	CHECK(b.vhost.state == TP_VHOST_PROBED && b.vhost.array &&
	      b.vhost.unknown[0] == 1ull << 41 && !b.vhost.unknown[1]);
	json_object_put(o);
	/* no array (ENOTTY): word 1 is 0 */
	vhost_record(&a.vhost, 0x33d008000ull, ENOTTY, NULL);
	CHECK(!a.vhost.array && !a.vhost.features[1] && !a.vhost.unknown[0]);
	CHECK(vhost_no_array(ENOTTY) && vhost_no_array(EPERM) &&
	      vhost_no_array(EINVAL) && !vhost_no_array(EFAULT));

	/* The minimum a hand-written dump needs. */
	CHECK(parse("{\"schema\":1,\"kind\":\"dump\",\"host\":\"x\","
		    "\"kernel\":\"6.18\",\"capabilities\":[]}",
		    &b, err, sizeof(err)) == 0 && !b.caps && !b.features);
}

static void test_bad_dumps(void)
{
	bad("\"schema\": 1", "\"schema\": 3",
	    "unsupported schema 3 (this tunpin reads 1 to 2)");
	bad("\"schema\": 1", "\"schema\": \"1\"",
	    "unsupported schema \"1\" (this tunpin reads 1 to 2)");
	bad("\"schema\": 1,", "", "unsupported schema: none given");
	bad("\"kind\": \"dump\"", "\"kind\": \"level\"",
	    "expected a dump, got kind 'level'");
	bad("\"kind\": \"dump\",", "", "missing field 'kind'");
	bad("\"host\": \"h\",", "", "missing field 'host'");
	bad("\"host\": \"h\"", "\"host\": \"\"", "field 'host' is empty");
	bad("\"host\": \"h\"", "\"host\": 7",
	    "field 'host': expected string, got int");
	bad("\"kernel\": \"6.1.0\",", "", "missing field 'kernel'");
	bad("\"module\": null", "\"module\": 1",
	    "field 'module': expected string");
	bad("\"exempt\": false", "\"exempt\": \"no\"",
	    "field 'exempt': expected boolean");
	bad("\"capabilities\": [\"csum\", \"tso4\"], ", "",
	    "missing field 'capabilities'");
	bad("[\"csum\", \"tso4\"]", "[\"csum\", \"tso5\"]",
	    "unknown capability 'tso5'");
	bad("[\"csum\", \"tso4\"]", "[\"csum\", \"CSUM\"]",
	    "unknown capability 'CSUM'");
	bad("[\"csum\", \"tso4\"]", "[\"csum\", \"csum\"]",
	    "'csum' listed twice");
	bad("[\"csum\", \"tso4\"]", "[\"csum\", 2]", "expected names");
	bad("[\"csum\", \"tso4\"]", "[\"csum\", \"unknown:0x2\"]",
	    "unknown capability 'unknown:0x2'");	/* a known bit */
	bad("[\"csum\", \"tso4\"]", "[\"csum\", \"unknown:0x600\"]",
	    "unknown capability");			/* two bits */
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": \"3\"",
	    "masks.capabilities: bad hex mask '3'");
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": \"0xg\"",
	    "bad hex mask '0xg'");
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": \"0x\"",
	    "bad hex mask '0x'");
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": \"0x100000003\"",
	    "bad hex mask");
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": \" 0x3\"",
	    "bad hex mask");
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": 3",
	    "masks.capabilities: expected a hex string");
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": \"0x7\"",
	    "disagree");
	bad("\"capabilities\": \"0x3\"", "\"capabilities\": \"0x80000003\"",
	    "outside the table");
	bad("\"unknown\": \"0x0\"", "\"unknown\": \"0x1\"", "known bits");
	bad("\"unknown\": \"0x0\", ", "", "missing field 'masks.unknown'");
	bad("\"features\": \"0x4002\"", "\"features\": \"0x4003\"",
	    "masks.features (0x4003) and the features list (0x4002)");
	bad("\"features\": \"0x4002\"", "\"features\": \"x\"",
	    "masks.features: bad hex mask 'x'");
	bad("[\"tap\", \"vnet_hdr\"]", "[\"tap\", \"vnet\"]",
	    "unknown feature 'vnet'");
	bad("\"probes\": [", "\"probes\": [7, ", "probes[0]: expected object");
	bad("\"bits\": \"0x3\", ", "", "missing field 'bits'");
	bad("\"bits\": \"0x3\"", "\"bits\": \"0xz\"",
	    "probes[0].bits: bad hex mask '0xz'");
	bad("\"tests\": \"tso4\"", "\"tests\": \"tso9\"",
	    "probes[0]: bad tests 'tso9'");
	bad("\"tests\": \"tso4\"", "\"tests\": \"tso4+\"", "bad tests");
	bad("\"result\": \"accepted\"", "\"result\": \"EWHAT\"",
	    "probes[0]: unknown result 'EWHAT'");
}

static void test_results(void)
{
	struct tp_dump a, b;
	json_object *o;
	char err[256];

	sample(&a);
	a.nprobes = 2;
	a.probes[0].err = EPERM;
	a.probes[1].err = 4000;		/* no name: errno:4000 */
	strcpy(a.probes[1].what, "unknown:0x80000000");
	o = dump_to_json(&a);
	CHECK(!strcmp(json_object_to_json_string_ext(
		json_object_object_get(o, "probes"), JSON_C_TO_STRING_PLAIN),
		"[{\"bits\":\"0x11\",\"tests\":\"ufo\",\"result\":\"EPERM\"},"
		"{\"bits\":\"0x21\",\"tests\":\"unknown:0x80000000\","
		"\"result\":\"errno:4000\"}]"));
	CHECK(dump_from_json(o, &b, err, sizeof(err)) == 0 &&
	      b.probes[0].err == EPERM && b.probes[1].err == 4000);
	json_object_put(o);
}

/* Write @text to a temporary file; its path in @path. */
static void put(char *path, const char *text)
{
	FILE *f;

	strcpy(path, "/tmp/tunpin-dump-test.XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* json_read_file() on @text must fail with @want in a one-line error. */
static void bad_file(const char *text, const char *want)
{
	char path[64], err[512] = "";
	json_object *o;

	put(path, text);
	o = json_read_file(path, err, sizeof(err));
	if (!o && strstr(err, want) && !strncmp(err, path, strlen(path)) &&
	    !strchr(err, '\n')) {
		passed++;
	} else {
		failed++;
		fprintf(stderr, "dump_test: read '%s': got '%s', want '%s'\n",
			text, err, want);
	}
	json_object_put(o);
	unlink(path);
}

static void test_files(void)
{
	char path[64], err[512];
	struct tp_dump a, b;
	json_object *o, *r;
	struct stat st;

	bad_file("{\"schema\": 1, \"kind\": \"du", "truncated JSON");
	bad_file("{\"schema\": 1, \"kind\": \"dump\"", "truncated JSON");
	bad_file("{\"schema\": 1,, }", "invalid JSON at offset 13");
	bad_file("{\"a\": 1} x", "invalid JSON: trailing data at offset 9");
	bad_file("{\"a\": 1}{}", "invalid JSON: trailing data at offset 8");
	bad_file("{\"a\": 1}]", "invalid JSON: trailing data at offset 8");
	bad_file("{\"a\": [1}", "invalid JSON at offset 8");
	bad_file("", "empty file");
	bad_file(" \n", "empty file");
	bad_file("[1, 2", "truncated JSON");
	bad_file("nul\n", "invalid JSON");
	/* Valid JSON, but no document of tunpin's: named, never unsaid. */
	bad_file("null", "not a tunpin dump or level: JSON null, expected an "
		 "object");
	bad_file(" null\n", "JSON null, expected an object");
	bad_file("[]", "not a tunpin dump or level: JSON array, expected");
	bad_file("7", "JSON number, expected an object");
	bad_file("\"x\"", "JSON string, expected an object");
	bad_file("true", "JSON boolean, expected an object");

	/* TP_INPUT_MAX bytes are read; one more is refused, unread. */
	{
		char *big = malloc(TP_INPUT_MAX + 2);

		CHECK(big != NULL);
		if (big) {
			memset(big, ' ', TP_INPUT_MAX + 1);
			memcpy(big, "{\"a\": 1}", 8);
			big[TP_INPUT_MAX] = '\0';
			put(path, big);
			o = json_read_file(path, err, sizeof(err));
			CHECK(o && json_object_is_type(o, json_type_object));
			json_object_put(o);
			unlink(path);
			big[TP_INPUT_MAX] = ' ';
			big[TP_INPUT_MAX + 1] = '\0';
			free(big);
		}
		put(path, "");
		CHECK(truncate(path, TP_INPUT_MAX + 1) == 0);
		o = json_read_file(path, err, sizeof(err));
		CHECK(!o && strstr(err, path) == err &&
		      strstr(err, "too big: over the " TP_INPUT_MAX_TEXT) &&
		      !strchr(err, '\n'));
		/* 50 MB of a sparse file: refused before a byte is read */
		CHECK(truncate(path, 50 << 20) == 0);
		o = json_read_file(path, err, sizeof(err));
		CHECK(!o && strstr(err, "too big"));
		unlink(path);
	}

	/* Trailing white space is fine. */
	put(path, "{\"a\": 1}\n\n");
	o = json_read_file(path, err, sizeof(err));
	CHECK(o && json_object_is_type(o, json_type_object));
	json_object_put(o);
	unlink(path);

	o = json_read_file("/nonexistent/tunpin.json", err, sizeof(err));
	CHECK(!o && !strcmp(err, "/nonexistent/tunpin.json: "
			    "No such file or directory"));

	/* Atomic write, then read back. */
	sample(&a);
	put(path, "old contents");
	o = dump_to_json(&a);
	CHECK(json_write_file(path, o, true) == 0);
	r = json_read_file(path, err, sizeof(err));
	CHECK(r && dump_from_json(r, &b, err, sizeof(err)) == 0 &&
	      b.caps == a.caps && b.nprobes == a.nprobes);
	json_object_put(r);
	CHECK(json_write_file(path, o, false) == 0);
	r = json_read_file(path, err, sizeof(err));
	CHECK(r && dump_from_json(r, &b, err, sizeof(err)) == 0);
	json_object_put(r);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	unlink(path);
	/* A device is written in place, never replaced. */
	errno = 0;
	CHECK(json_write_file("/dev/full", o, false) == -1 && errno == ENOSPC);
	CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
	/* Through a symbolic link: the target is replaced, the link stays;
	 * so is the target's mode. */
	{
		char link[80];
		struct stat lst;

		put(path, "old");
		chmod(path, 0600);
		snprintf(link, sizeof(link), "%s.link", path);
		CHECK(symlink(path, link) == 0);
		CHECK(json_write_file(link, o, false) == 0);
		CHECK(lstat(link, &lst) == 0 && S_ISLNK(lst.st_mode));
		CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
		r = json_read_file(path, err, sizeof(err));
		CHECK(r && dump_from_json(r, &b, err, sizeof(err)) == 0);
		json_object_put(r);
		unlink(link);
		unlink(path);
	}
	/* A directory that does not exist: an error, errno kept. */
	errno = 0;
	CHECK(json_write_file("/nonexistent/x.json", o, false) == -1 &&
	      errno == ENOENT);
	json_object_put(o);
}

void test_dump(void)
{
	test_round_trip();
	test_bad_dumps();
	test_results();
	test_files();
}
