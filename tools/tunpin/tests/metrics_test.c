// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tunpin metrics (metrics.c): the exposition of a module's
 * state and of its absence, label values escaped, the probe points parsed,
 * the atomic write. tests/metrics.sh parses the tool's output with
 * Prometheus' own parser, and this one's exposition of a loaded module
 * too: with TUNPIN_METRICS_SAMPLE=FILE set, it is written to FILE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "../caps.h"
#include "../metrics.h"
#include "unit.h"

static char *buf;
static size_t len;

/* What metrics_print() printed of @m, or NULL on its failure. */
static const char *printed(const struct tp_metrics *m)
{
	FILE *f;
	int ret;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	ret = metrics_print(f, m);
	fclose(f);
	return ret ? NULL : buf;
}

/* With TUNPIN_METRICS_SAMPLE=FILE, @text is written to FILE. */
static void sample(const char *text)
{
	const char *path = getenv("TUNPIN_METRICS_SAMPLE");
	FILE *f;

	if (!path || !text)
		return;
	f = fopen(path, "w");
	CHECK(f && fputs(text, f) != EOF && !fclose(f));
}

static const char *label(const char *s)
{
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return "";
	metrics_label(f, s);
	fclose(f);
	return buf;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static int lines_starting(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	int count = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p += !!p)
		count += !strncmp(p, prefix, n);
	return count;
}

/* The capabilities tunpin_capability_allowed says 1 of. */
static int allowed_count(const char *text)
{
	int n = 0;

	for (int i = 0; i < NCAPS; i++) {
		char line[96];

		snprintf(line, sizeof(line),
			 "tunpin_capability_allowed{capability=\"%s\"} 1",
			 caps[i].name);
		n += has_line(text, line);
	}
	return n;
}

/*
 * Every line a comment (# HELP NAME text, # TYPE NAME gauge|counter) or a
 * sample of the family declared last: NAME[{k="v",...}] VALUE, names
 * tunpin_*, a counter's samples NAME_total; each family declared once.
 */
static bool well_formed(const char *text)
{
	char fam[128] = "", type[16] = "", seen[4096] = " ";
	const char *p = text, *e;

	if (!*text || text[strlen(text) - 1] != '\n')
		return false;
	for (; *p; p = e + 1) {
		char name[128], key[160];
		size_t n;

		e = strchr(p, '\n');
		if (!strncmp(p, "# HELP ", 7)) {
			n = strcspn(p + 7, " \n");
			if (n >= sizeof(fam) || p[7 + n] != ' ')
				return false;
			memcpy(fam, p + 7, n);
			fam[n] = '\0';
			snprintf(key, sizeof(key), " %s ", fam);
			if (strncmp(fam, "tunpin_", 7) || strstr(seen, key))
				return false;
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			type[0] = '\0';
			continue;
		}
		if (!strncmp(p, "# TYPE ", 7)) {
			if (sscanf(p + 7, "%127s %15s", name, type) != 2 ||
			    strcmp(name, fam) ||
			    (strcmp(type, "gauge") && strcmp(type, "counter")))
				return false;
			continue;
		}
		if (!type[0])
			return false;	/* a sample before its TYPE */
		n = strcspn(p, "{ ");
		if (n != strlen(fam) || strncmp(p, fam, n))
			return false;
		if (!strcmp(type, "counter") &&
		    (n < 6 || strncmp(p + n - 6, "_total", 6)))
			return false;
		p += n;
		if (*p == '{') {	/* k="v" pairs, v with \\ \" \n only */
			p++;
			while (*p != '}') {
				n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
				if (!n || p[n] != '=' || p[n + 1] != '"')
					return false;
				for (p += n + 2; *p != '"'; p++) {
					if (*p == '\n' || !*p)
						return false;
					if (*p == '\\' && !strchr("\\\"n", *++p))
						return false;
				}
				p++;
				if (*p == ',')
					p++;
				else if (*p != '}')
					return false;
			}
			p++;
		}
		if (*p++ != ' ' || strspn(p, "0123456789") != (size_t)(e - p))
			return false;
	}
	return true;
}

static void test_labels(void)
{
	CHECK(!strcmp(label("pool-a"), "pool-a"));
	CHECK(!strcmp(label(""), ""));
	CHECK(!strcmp(label("a\"b"), "a\\\"b"));
	CHECK(!strcmp(label("a\\b"), "a\\\\b"));
	CHECK(!strcmp(label("a\nb"), "a\\nb"));
	CHECK(!strcmp(label("\\n"), "\\\\n"));	/* not a newline */
	CHECK(!strcmp(label("x\"} 1\ny 2"), "x\\\"} 1\\ny 2"));
	/* tabs, other bytes, UTF-8: as they are */
	CHECK(!strcmp(label("a\tb h\xc3\xb6st {}="), "a\tb h\xc3\xb6st {}="));
}

/* The module not loaded: exactly module_loaded 0, with its HELP and TYPE. */
static void test_absent(void)
{
	struct tp_metrics m = { 0 };
	const char *t = printed(&m);

	CHECK(t && !strcmp(t,
		"# HELP tunpin_module_loaded Whether the tunpin module is loaded (0: no other tunpin metric).\n"
		"# TYPE tunpin_module_loaded gauge\n"
		"tunpin_module_loaded 0\n"));
	CHECK(well_formed(t));
	/* whatever else @m holds */
	m.level.pinned = true;
	m.nprobes = 1;
	m.probes = &(struct tp_probe_point){ .symbol = "x", .armed = true };
	CHECK(lines_starting(printed(&m), "tunpin_") == 1);
}

static void test_loaded(void)
{
	struct tp_probe_point pts[] = {
		{ .symbol = "tun_chr_ioctl", .armed = true },
		{ .symbol = "tap_ioctl", .armed = false },
		{ .symbol = "tun_chr_open", .ret = true, .armed = true,
		  .missed = 3 },
	};
	struct tp_metrics m = {
		.loaded = true,
		.level = { .caps = TUNPIN_CAP_CSUM | TUNPIN_CAP_TSO4,
			   .pinned = true, .name = "pool-\"a\"\\b" },
		.counters = {
			.n = 3,
			.c = { { TUNPIN_CAP_CSUM, 12, 0 },
			       { TUNPIN_CAP_UFO, 7, 5 },
			       { 0, 2, 2 } },
			.refused_ioctls = 9,
		},
		.files = { [TP_FILE_TAP] = { 2, 1, 0 },
			   [TP_FILE_VHOST] = { 1, 0, 4 } },
		.nprobes = 3,
		.probes = pts,
	};
	const char *t = printed(&m);

	CHECK(t && well_formed(t));
	if (!t)
		return;
	sample(t);
	CHECK(has_line(t, "tunpin_module_loaded 1"));
	CHECK(has_line(t, "tunpin_pinned 1"));
	CHECK(has_line(t, "tunpin_level_info{name=\"pool-\\\"a\\\"\\\\b\","
			  "capabilities=\"csum,tso4\"} 1"));
	/* every capability the tool knows, in or out of the level */
	CHECK(lines_starting(t, "tunpin_capability_allowed{") == NCAPS);
	CHECK(allowed_count(t) == 2);
	CHECK(has_line(t, "tunpin_capability_allowed{capability=\"csum\"} 1"));
	CHECK(has_line(t, "tunpin_capability_allowed{capability=\"ufo\"} 0"));
	CHECK(has_line(t, "tunpin_capability_allowed{capability=\"vhost_in_order\"} 0"));
	/* the module's counters, one a row, the unknown bits as "unknown" */
	CHECK(has_line(t, "# TYPE tunpin_requests_total counter"));
	CHECK(has_line(t, "tunpin_requests_total{capability=\"csum\"} 12"));
	CHECK(has_line(t, "tunpin_requests_total{capability=\"ufo\"} 7"));
	CHECK(has_line(t, "tunpin_requests_total{capability=\"unknown\"} 2"));
	CHECK(has_line(t, "tunpin_refusals_total{capability=\"csum\"} 0"));
	CHECK(has_line(t, "tunpin_refusals_total{capability=\"ufo\"} 5"));
	CHECK(has_line(t, "tunpin_refusals_total{capability=\"unknown\"} 2"));
	CHECK(lines_starting(t, "tunpin_refusals_total{") == 3);
	CHECK(has_line(t, "tunpin_refused_ioctls_total 9"));
	/* open files: every kind and judge, zeros included */
	CHECK(lines_starting(t, "tunpin_open_files{") == 6);
	CHECK(has_line(t, "tunpin_open_files{kind=\"tap\",judge=\"level\"} 2"));
	CHECK(has_line(t, "tunpin_open_files{kind=\"tap\",judge=\"override\"} 1"));
	CHECK(has_line(t, "tunpin_open_files{kind=\"tap\",judge=\"exempt\"} 0"));
	CHECK(has_line(t, "tunpin_open_files{kind=\"vhost\",judge=\"level\"} 1"));
	CHECK(has_line(t, "tunpin_open_files{kind=\"vhost\",judge=\"exempt\"} 4"));
	/* probe points; missed returns of return probes only */
	CHECK(has_line(t, "tunpin_probe_armed{symbol=\"tun_chr_ioctl\",kind=\"entry\"} 1"));
	CHECK(has_line(t, "tunpin_probe_armed{symbol=\"tap_ioctl\",kind=\"entry\"} 0"));
	CHECK(has_line(t, "tunpin_probe_armed{symbol=\"tun_chr_open\",kind=\"return\"} 1"));
	CHECK(has_line(t, "tunpin_probe_missed_returns_total{symbol=\"tun_chr_open\"} 3"));
	CHECK(lines_starting(t, "tunpin_probe_missed_returns_total{") == 1);
	/* each family documented and typed, once */
	CHECK(lines_starting(t, "# HELP ") == 10);
	CHECK(lines_starting(t, "# TYPE ") == 10);

	/* unpinned: everything allowed, the level says so */
	m.level = (struct tp_level){ .pinned = false };
	t = printed(&m);
	CHECK(t && well_formed(t));
	CHECK(has_line(t, "tunpin_pinned 0"));
	CHECK(has_line(t, "tunpin_level_info{name=\"\",capabilities=\"unpinned\"} 1"));
	CHECK(lines_starting(t, "tunpin_capability_allowed{") == NCAPS);
	CHECK(allowed_count(t) == NCAPS);
	/* pinned to none: nothing allowed; no return probe, no family */
	m.level = (struct tp_level){ .pinned = true };
	m.nprobes = 2;
	t = printed(&m);
	CHECK(t && well_formed(t));
	CHECK(has_line(t, "tunpin_level_info{name=\"\",capabilities=\"none\"} 1"));
	CHECK(allowed_count(t) == 0);
	CHECK(!strstr(t, "tunpin_probe_missed_returns_total"));
	CHECK(lines_starting(t, "# HELP ") == 9);

	/* the checker itself rejects what is not the format */
	CHECK(!well_formed("tunpin_x 1\n"));
	CHECK(!well_formed("# HELP tunpin_x x\n# TYPE tunpin_x gauge\n"
			   "tunpin_x{a=\"b} 1\n"));
	CHECK(!well_formed("# HELP tunpin_x x\n# TYPE tunpin_x counter\n"
			   "tunpin_x 1\n"));
	CHECK(!well_formed("# HELP tunpin_x x\n# TYPE tunpin_x gauge\n"
			   "tunpin_x 1\n# HELP tunpin_x x\n"));
	free(buf);
	buf = NULL;
}

static int probes_of(const char *text, struct tp_metrics *m)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	memset(m, 0, sizeof(*m));
	if (!f)
		return -2;
	ret = metrics_probes(f, m);
	fclose(f);
	return ret;
}

static void test_probes(void)
{
	struct tp_metrics m;

	CHECK(probes_of("tun_chr_ioctl entry armed\n"
			"tap_ioctl entry disabled\n"
			"vhost_net_ioctl entry gone\n"
			"tun_chr_open return armed missed 0\n"
			"__tun_chr_ioctl return unarmed missed 17\n", &m) == 0);
	CHECK(m.nprobes == 5);
	if (m.nprobes == 5) {
		CHECK(!strcmp(m.probes[0].symbol, "tun_chr_ioctl") &&
		      m.probes[0].armed && !m.probes[0].ret);
		CHECK(!m.probes[1].armed && !m.probes[2].armed);
		CHECK(m.probes[3].ret && m.probes[3].armed &&
		      !m.probes[3].missed);
		CHECK(!strcmp(m.probes[4].symbol, "__tun_chr_ioctl") &&
		      m.probes[4].ret && !m.probes[4].armed &&
		      m.probes[4].missed == 17);
	}
	metrics_free(&m);
	CHECK(probes_of("", &m) == 0 && m.nprobes == 0 && !m.probes);
	/* what is neither form is refused, not guessed */
	CHECK(probes_of("tun_chr_ioctl armed\n", &m) == -1 && errno == EBADMSG);
	metrics_free(&m);
	CHECK(probes_of("x middle armed\n", &m) == -1 && errno == EBADMSG);
	metrics_free(&m);
	CHECK(probes_of("x return armed\n", &m) == -1 && errno == EBADMSG);
	metrics_free(&m);
	CHECK(probes_of("x entry armed", &m) == -1);	/* cut short */
	metrics_free(&m);
	CHECK(probes_of("\n", &m) == -1 && errno == EBADMSG);
	metrics_free(&m);
	CHECK(probes_of("x\n", &m) == -1 && errno == EBADMSG);
	metrics_free(&m);
}

static void test_write(void)
{
	char dir[] = "/tmp/tunpin-metrics-test.XXXXXX", path[64], got[16];
	struct stat st;
	mode_t mask;
	FILE *f;
	int n = -1;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/tunpin.prom", dir);
	mask = umask(077);
	CHECK(metrics_write_file(path, "a 1\n", 4) == 0);
	CHECK(metrics_write_file(path, "b 2\n", 4) == 0);	/* replaced */
	umask(mask);
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0644 &&
	      st.st_size == 4);
	f = fopen(path, "r");
	if (f) {
		n = fread(got, 1, sizeof(got), f);
		fclose(f);
	}
	CHECK(n == 4 && !memcmp(got, "b 2\n", 4));
	/* no temporary file left behind */
	snprintf(path, sizeof(path), "ls -A %s | grep -qvx tunpin.prom", dir);
	CHECK(system(path) != 0);
	/* a missing directory: the reason, nothing written */
	snprintf(path, sizeof(path), "%s/no/tunpin.prom", dir);
	CHECK(metrics_write_file(path, "a 1\n", 4) == -1 && errno == ENOENT);
	/* in place: what is not a regular file (a build chroot may lack
	 * the devices: nothing is created in their place) */
	if (!stat("/dev/null", &st) && S_ISCHR(st.st_mode))
		CHECK(metrics_write_file("/dev/null", "a 1\n", 4) == 0);
	if (!stat("/dev/full", &st) && S_ISCHR(st.st_mode))
		CHECK(metrics_write_file("/dev/full", "a 1\n", 4) == -1 &&
		      errno == ENOSPC);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

void test_metrics(void)
{
	test_labels();
	test_absent();
	test_loaded();
	test_probes();
	test_write();
}
