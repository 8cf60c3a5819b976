// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): metrics, the module's state in the Prometheus text exposition
 * format for node_exporter's textfile collector: read over the same
 * netlink requests as level, counters and taps, and from the probe points
 * in /sys/kernel/tunpin/probes as show reads them. Everything is gathered
 * and formatted before anything is written, so a failure writes nothing.
 * Without the module it says only tunpin_module_loaded 0, and succeeds:
 * the collector sees a host without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "caps.h"
#include "dump.h"
#include "exit.h"
#include "metrics.h"

#define LEVEL_BUF 1024
#define PROBES_FILE "/sys/kernel/tunpin/probes"

static const char *const file_kinds[TP_FILE_KINDS] = { "tap", "vhost" };
static const char *const judges[TP_JUDGES] = { "level", "override", "exempt" };

void metrics_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* A family's # HELP and # TYPE lines. */
static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} */
static void sample1(FILE *f, const char *name, const char *label,
		    const char *value)
{
	fprintf(f, "%s{%s=\"", name, label);
	metrics_label(f, value);
	fputs("\"} ", f);
}

static const char *counter_label(uint32_t cap, char *buf, size_t size)
{
	if (!cap)
		return "unknown";
	caps_print(cap, " ", buf, size);
	return buf;
}

int metrics_print(FILE *f, const struct tp_metrics *m)
{
	const struct tp_counters *cs = &m->counters;
	const struct tp_level *l = &m->level;
	char buf[LEVEL_BUF];
	bool rets = false;

	family(f, "tunpin_module_loaded", "gauge",
	       "Whether the tunpin module is loaded (0: no other tunpin metric).");
	fprintf(f, "tunpin_module_loaded %d\n", m->loaded);
	if (!m->loaded)
		return ferror(f) ? -1 : 0;

	family(f, "tunpin_pinned", "gauge",
	       "Whether the host level is pinned (0: unpinned, nothing enforced).");
	fprintf(f, "tunpin_pinned %d\n", l->pinned);
	family(f, "tunpin_level_info", "gauge",
	       "The host level: its label and capabilities (comma-separated, none or unpinned).");
	level_print(l->caps, l->pinned, ",", buf, sizeof(buf));
	fputs("tunpin_level_info{name=\"", f);
	metrics_label(f, l->name);
	fputs("\",capabilities=\"", f);
	metrics_label(f, buf);
	fputs("\"} 1\n", f);
	family(f, "tunpin_capability_allowed", "gauge",
	       "Whether the host level allows the capability.");
	for (int i = 0; i < NCAPS; i++) {
		sample1(f, "tunpin_capability_allowed", "capability",
			caps[i].name);
		fprintf(f, "%d\n", !l->pinned || (l->caps & caps[i].bit));
	}

	family(f, "tunpin_requests_total", "counter",
	       "TUNSETOFFLOAD and VHOST_SET_FEATURES calls that asked for the capability.");
	for (int i = 0; i < cs->n; i++) {
		sample1(f, "tunpin_requests_total", "capability",
			counter_label(cs->c[i].cap, buf, sizeof(buf)));
		fprintf(f, "%llu\n", (unsigned long long)cs->c[i].requested);
	}
	family(f, "tunpin_refusals_total", "counter",
	       "Those calls refused for the capability.");
	for (int i = 0; i < cs->n; i++) {
		sample1(f, "tunpin_refusals_total", "capability",
			counter_label(cs->c[i].cap, buf, sizeof(buf)));
		fprintf(f, "%llu\n", (unsigned long long)cs->c[i].refused);
	}
	family(f, "tunpin_refused_ioctls_total", "counter",
	       "Unknown ioctl commands refused on TAP and vhost-net files.");
	fprintf(f, "tunpin_refused_ioctls_total %llu\n",
		(unsigned long long)cs->refused_ioctls);

	family(f, "tunpin_open_files", "gauge",
	       "Open TAP and vhost-net files the module tracks, by kind and by what judges them.");
	for (int k = 0; k < TP_FILE_KINDS; k++)
		for (int j = 0; j < TP_JUDGES; j++)
			fprintf(f, "tunpin_open_files{kind=\"%s\",judge=\"%s\"} %u\n",
				file_kinds[k], judges[j], m->files[k][j]);

	family(f, "tunpin_probe_armed", "gauge",
	       "Whether the probe point is armed (0: the level is not enforced there).");
	for (int i = 0; i < m->nprobes; i++) {
		fputs("tunpin_probe_armed{symbol=\"", f);
		metrics_label(f, m->probes[i].symbol);
		fprintf(f, "\",kind=\"%s\"} %d\n",
			m->probes[i].ret ? "return" : "entry", m->probes[i].armed);
		rets |= m->probes[i].ret;
	}
	if (rets)
		family(f, "tunpin_probe_missed_returns_total", "counter",
		       "Returns the return probe missed for want of an instance.");
	for (int i = 0; i < m->nprobes; i++) {
		if (!m->probes[i].ret)
			continue;
		sample1(f, "tunpin_probe_missed_returns_total", "symbol",
			m->probes[i].symbol);
		fprintf(f, "%llu\n", m->probes[i].missed);
	}
	return ferror(f) ? -1 : 0;
}

int metrics_probes(FILE *f, struct tp_metrics *m)
{
	char line[256], kind[16], state[16];
	struct tp_probe_point p, *a;
	int n;

	while (fgets(line, sizeof(line), f)) {
		memset(&p, 0, sizeof(p));
		n = sscanf(line, "%127s %15s %15s missed %llu", p.symbol, kind,
			   state, &p.missed);
		p.ret = n >= 3 && !strcmp(kind, "return");
		if (n < 3 || (!p.ret && strcmp(kind, "entry")) ||
		    (p.ret && n != 4) || !strchr(line, '\n')) {
			errno = EBADMSG;
			return -1;
		}
		p.armed = !strcmp(state, "armed");
		a = realloc(m->probes, (m->nprobes + 1) * sizeof(*a));
		if (!a)
			return -1;
		m->probes = a;
		m->probes[m->nprobes++] = p;
	}
	if (ferror(f)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

void metrics_free(struct tp_metrics *m)
{
	free(m->probes);
	m->probes = NULL;
	m->nprobes = 0;
}

int metrics_write_file(const char *path, const char *text, size_t len)
{
	char real[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	struct stat st;
	char *slash;
	int fd, e;

	/* Not a regular file (/dev/stdout, a FIFO): written in place. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (tp_write_all(fd, text, len)) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		return close(fd);
	}
	/* A symbolic link: replace its target, not the link. */
	if (realpath(path, real))
		path = real;
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	slash = strrchr(dir, '/');
	base = slash ? path + (slash - dir) + 1 : path;
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (!*base) {
		errno = EISDIR;
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* the collector runs as another user: readable by all, whatever
	 * the umask (the unit's is 0077) */
	if (fchmod(fd, 0644) || tp_write_all(fd, text, len) || fsync(fd)) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) || rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	/* the rename itself, on disk */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static int count_file(const struct tp_tap *t, void *arg)
{
	struct tp_metrics *m = arg;

	m->files[t->vhost ? TP_FILE_VHOST : TP_FILE_TAP]
		[t->exempt ? TP_JUDGE_EXEMPT :
		 t->override ? TP_JUDGE_OVERRIDE : TP_JUDGE_LEVEL]++;
	return 0;
}

static int kernel_error(struct tp_nl *h, int err, const char *what)
{
	const char *msg = tp_nl_extack(h);

	fprintf(stderr, "tunpin: %s: %s%s%s\n", what, strerror(-err),
		*msg ? ": " : "", msg);
	return TP_EXIT_ERR;
}

/* What the module says, into @m; @h NULL: it is not loaded. */
static int gather(struct tp_nl *h, struct tp_metrics *m)
{
	FILE *f;
	int err;

	if (!h)
		return TP_EXIT_OK;
	m->loaded = true;
	err = tp_nl_level_get(h, &m->level);
	if (err)
		return kernel_error(h, err, "level");
	err = tp_nl_counters(h, &m->counters);
	if (err)
		return kernel_error(h, err, "counters");
	err = tp_nl_taps(h, count_file, m);
	if (err == -EPERM) {
		fprintf(stderr, "tunpin: taps: %s (the open files: root only)\n",
			strerror(-err));
		return TP_EXIT_ERR;
	}
	if (err)
		return kernel_error(h, err, "taps");
	f = fopen(PROBES_FILE, "re");
	if (!f || metrics_probes(f, m)) {
		fprintf(stderr, "tunpin: %s: %s\n", PROBES_FILE,
			strerror(errno));
		if (f)
			fclose(f);
		return TP_EXIT_ERR;
	}
	fclose(f);
	return TP_EXIT_OK;
}

int cmd_metrics(const struct cli *c)
{
	struct tp_metrics m = { 0 };
	struct tp_nl *h;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	h = tp_nl_open();
	if (!h && errno != ENOENT) {
		fprintf(stderr, "tunpin: netlink: %s\n", strerror(errno));
		return TP_EXIT_ERR;
	}
	ret = gather(h, &m);
	if (h)
		tp_nl_close(h);
	if (ret) {
		metrics_free(&m);
		return ret;
	}
	f = open_memstream(&text, &len);
	ret = f ? metrics_print(f, &m) : -1;
	if (f && fclose(f))
		ret = -1;
	if (ret) {
		fprintf(stderr, "tunpin: metrics: %s\n", strerror(ENOMEM));
		metrics_free(&m);
		free(text);
		return TP_EXIT_ERR;
	}
	metrics_free(&m);
	if (c->output && strcmp(c->output, "-")) {
		ret = metrics_write_file(c->output, text, len);
		if (ret)
			fprintf(stderr, "tunpin: %s: %s\n", cli_safe(c->output),
				strerror(errno));
	} else {
		/* a write error is found at exit (tunpin.c) */
		fwrite(text, 1, len, stdout);
	}
	free(text);
	return ret ? TP_EXIT_ERR : TP_EXIT_OK;
}
