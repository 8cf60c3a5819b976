// SPDX-License-Identifier: GPL-2.0
/*
 * Random writes to every writable file of /sys/kernel/tunpin (level and
 * level_name): garbage, overlong (beyond a page too), embedded NULs,
 * unknown names, names mixed with "none"/"unpinned", partial writes (one
 * value in several write() calls on one open file), writes at an offset,
 * and valid values. Every write is judged on its own: a valid one takes
 * effect (the expected state is tracked), any other fails with EINVAL and
 * leaves the level and its label as they were; both are read back after
 * every write. The read-only files refuse to be opened for writing.
 * 100,000 writes per file with TUNPIN_STRESS=full.
 */
#include "stress.h"
#include "kselftest_harness.h"

#define TP_NAME		TP_SYSFS "/level_name"

struct tp_model {
	bool pinned;
	uint32_t caps;
	char name[80];
};

struct tp_figures {
	long writes, valid, refused, wrong, syscalls;
	long by_kind[8];
	long errno_einval, errno_other;
	long mismatches;
};

/* A write call that had to be refused, and the errno it got (0: none). */
static void tp_count_refused(struct tp_figures *fig, int err)
{
	fig->refused++;
	if (err == EINVAL)
		fig->errno_einval++;
	else
		fig->errno_other++;
}

static const char *const tp_kinds[] = {
	"valid", "garbage", "unknown-name", "mixed", "nul", "overlong",
	"partial", "offset",
};

enum { K_VALID, K_GARBAGE, K_UNKNOWN, K_MIXED, K_NUL, K_LONG, K_PARTIAL,
       K_OFFSET };

static const char tp_seps[] = " ,\t";

/* A valid level text of random caps, order, separators, duplicates. */
static int tp_gen_level(struct tp_rng *r, char *buf, int size, bool *pinned,
			uint32_t *caps)
{
	int len = 0, n, i, k;

	*pinned = true;
	*caps = 0;
	k = tp_below(r, 12);
	if (k == 0) {
		*pinned = false;
		return snprintf(buf, size, "%sunpinned%s",
				tp_below(r, 2) ? " " : "",
				tp_below(r, 2) ? "\n" : "");
	}
	if (k == 1)
		return snprintf(buf, size, "none%s", tp_below(r, 2) ? "\n" : "");
	n = 1 + tp_below(r, 12);
	for (i = 0; i < n; i++) {
		int c = tp_below(r, TP_NCAPS);

		*caps |= 1u << c;
		len += snprintf(buf + len, size - len, "%s%s",
				i ? (char[]){ tp_seps[tp_below(r, 3)], 0 } :
				    "", tp_cap_names[c]);
	}
	if (tp_below(r, 2))
		len += snprintf(buf + len, size - len, "\n");
	return len;
}

/* A valid label, optionally with its newline. */
static int tp_gen_name(struct tp_rng *r, char *buf, int size, char *name)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:+@-";
	int n = tp_below(r, 64), i;

	for (i = 0; i < n; i++)
		buf[i] = ok[tp_below(r, sizeof(ok) - 1)];
	buf[n] = '\0';
	strcpy(name, buf);
	if (!n || tp_below(r, 2))
		buf[n++] = '\n';
	return n;
}

/*
 * One invalid write of @kind for @level_file (level, else level_name):
 * returns its length; @buf may hold NULs.
 */
static int tp_gen_bad(struct tp_rng *r, int kind, bool level_file, char *buf,
		      int size)
{
	bool p;
	uint32_t c;
	int len, i;

	switch (kind) {
	case K_GARBAGE:
		len = 1 + tp_below(r, 200);
		for (i = 0; i < len; i++)
			buf[i] = 1 + tp_below(r, 255);
		/* at least one byte neither a name's nor a separator */
		buf[tp_below(r, len)] = level_file ? "!#%&*/;=?~\x7f\xff"[tp_below(r, 12)] :
						     " !#%&*/;=?~\xff"[tp_below(r, 12)];
		return len;
	case K_UNKNOWN:
		if (!level_file)
			return snprintf(buf, size, "pool a%s",
					tp_below(r, 2) ? "\n" : "");
		len = tp_gen_level(r, buf, size, &p, &c);
		if (!p || !c)
			len = 0;
		return len + snprintf(buf + len, size - len, "%s%s",
				      len ? " " : "",
				      (const char *[]){ "CSUM", "tso", "uso",
							"gso", "ufo4", "bogus",
							"unknown:0x200", "0x1",
							"-1", "all" }[tp_below(r, 10)]);
	case K_MIXED:
		if (!level_file)
			return snprintf(buf, size, "a\nb");
		return snprintf(buf, size, "%s%s%s",
				tp_below(r, 2) ? "none" : "unpinned",
				(char[]){ tp_seps[tp_below(r, 3)], 0 },
				tp_below(r, 2) ? tp_cap_names[tp_below(r, TP_NCAPS)] :
				(tp_below(r, 2) ? "none" : "unpinned"));
	case K_NUL:
		len = level_file ? tp_gen_level(r, buf, size, &p, &c) :
				   snprintf(buf, size, "pool-a");
		i = tp_below(r, len + 1);
		memmove(buf + i + 1, buf + i, len - i);
		buf[i] = '\0';
		return len + 1;
	case K_LONG:
	default:
		len = (level_file ? TP_LEVEL_MAX + 1 : 65) + tp_below(r, 3 * 4096);
		if (len > size)
			len = size;
		for (i = 0; i < len; i++)
			buf[i] = level_file ? "csum "[i % 5] : 'x';
		return len;
	}
}

/* The module's parser, for a piece of a partial write (no NULs in it). */
static bool tp_caps_valid(const char *text, bool *pinned, uint32_t *caps)
{
	char buf[TP_LEVEL_MAX + 1], *tok, *save;
	bool special = false;
	int words = 0, i;

	if (strlen(text) > TP_LEVEL_MAX)
		return false;
	*pinned = true;
	*caps = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, " ,\t\n", &save); tok;
	     tok = strtok_r(NULL, " ,\t\n", &save)) {
		words++;
		if (!strcmp(tok, "none")) {
			special = true;
			continue;
		}
		if (!strcmp(tok, "unpinned")) {
			special = true;
			*pinned = false;
			continue;
		}
		for (i = 0; i < TP_NCAPS; i++)
			if (!strcmp(tok, tp_cap_names[i]))
				break;
		if (i == TP_NCAPS)
			return false;
		*caps |= 1u << i;
	}
	return words && !(special && words != 1);
}

/* The module's rule for a label write; the label into @name. */
static bool tp_name_valid(const char *text, char *name)
{
	size_t n = strlen(text), i;

	if (n >= 65)
		return false;
	memcpy(name, text, n + 1);
	if (n && name[n - 1] == '\n')
		name[--n] = '\0';
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:+@-", name[i]))
			return false;
	return true;
}

static int tp_read_state(struct tp_model *m)
{
	char buf[512];

	if (tp_read_file(TP_LEVEL, buf, sizeof(buf)))
		return -1;
	m->pinned = strcmp(buf, "unpinned") != 0;
	m->caps = tp_caps_of(buf);
	return tp_read_file(TP_NAME, m->name, sizeof(m->name));
}

static bool tp_same(const struct tp_model *a, const struct tp_model *b)
{
	return a->pinned == b->pinned && (!a->pinned || a->caps == b->caps) &&
	       !strcmp(a->name, b->name);
}

/* write(2) on a fresh open file (or at @off); 0 or the errno. */
static int tp_write_at(const char *path, const char *buf, int len, long off)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = off ? pwrite(fd, buf, len, off) : write(fd, buf, len);
	if (n < 0)
		err = errno;
	else if (n != len && len <= 4096)
		err = EIO;	/* a short write we did not expect */
	close(fd);
	return err;
}

static void tp_storm(struct __test_metadata *_metadata, bool level_file,
		     long count, uint64_t seed, struct tp_figures *fig)
{
	const char *path = level_file ? TP_LEVEL : TP_NAME;
	struct tp_rng r = { seed | 1 };
	struct tp_model want, got;
	static char buf[16384];
	long i;

	ASSERT_EQ(0, tp_read_state(&want));
	for (i = 0; i < count; i++) {
		int kind = tp_below(&r, 8), len, err;
		bool valid = false;
		struct tp_model next = want;

		if (kind == K_PARTIAL) {
			/* one value cut in pieces, each its own write() */
			int fd = open(path, O_WRONLY | O_CLOEXEC), off = 0;
			bool p;
			uint32_t c;

			ASSERT_LE(0, fd);
			len = level_file ? tp_gen_level(&r, buf, sizeof(buf), &p, &c) :
					   tp_gen_name(&r, buf, sizeof(buf), next.name);
			while (off < len) {
				int piece = 1 + tp_below(&r, len - off);
				char one[512];
				bool pp;
				uint32_t cc;

				/* how the module must judge this piece */
				memcpy(one, buf + off, piece);
				one[piece] = '\0';
				fig->syscalls++;
				err = write(fd, buf + off, piece) < 0 ? errno : 0;
				if (level_file) {
					struct tp_model m = want;

					/* the piece parses on its own, or not */
					valid = tp_caps_valid(one, &pp, &cc);
					if (valid) {
						m.pinned = pp;
						m.caps = cc;
						m.name[0] = '\0';
						want = m;
					}
				} else {
					valid = tp_name_valid(one, next.name);
					if (valid)
						strcpy(want.name, next.name);
				}
				if (valid ? err != 0 : err != EINVAL)
					fig->wrong++;
				if (valid)
					fig->valid++;
				else
					tp_count_refused(fig, err);
				off += piece;
			}
			close(fd);
			fig->by_kind[kind]++;
			fig->writes++;
			ASSERT_EQ(0, tp_read_state(&got));
			if (!tp_same(&got, &want)) {
				fig->mismatches++;
				want = got;
			}
			continue;
		}
		if (kind == K_VALID || kind == K_OFFSET) {
			if (level_file) {
				len = tp_gen_level(&r, buf, sizeof(buf),
						   &next.pinned, &next.caps);
				next.name[0] = '\0';
			} else {
				len = tp_gen_name(&r, buf, sizeof(buf),
						  next.name);
			}
			valid = true;
		} else {
			len = tp_gen_bad(&r, kind, level_file, buf,
					 sizeof(buf));
		}
		fig->syscalls++;
		err = tp_write_at(path, buf, len,
				  kind == K_OFFSET ? 1 + tp_below(&r, 4000) : 0);
		fig->writes++;
		fig->by_kind[kind]++;
		if (valid) {
			fig->valid++;
			if (err)
				fig->wrong++;
			else
				want = next;
		} else {
			tp_count_refused(fig, err);
			if (err != EINVAL && fig->errno_other == 1)
				TH_LOG("%s: %s kind %s: errno %d", path,
				       err ? "refused" : "accepted",
				       tp_kinds[kind], err);
		}
		ASSERT_EQ(0, tp_read_state(&got));
		if (!tp_same(&got, &want)) {
			if (!fig->mismatches)
				TH_LOG("%s: after a %s write: %d:%x:'%s', expected %d:%x:'%s'",
				       path, tp_kinds[kind], got.pinned,
				       got.caps, got.name, want.pinned,
				       want.caps, want.name);
			fig->mismatches++;
			want = got;
		}
	}
}

FIXTURE(sysfs) {
	uint64_t seed;
};

FIXTURE_SETUP(sysfs)
{
	ASSERT_EQ(0, tp_module_unload());
	ASSERT_EQ(0, tp_module_load("level=csum,tso4"));
	self->seed = tp_seed();
	tp_diag("sysfs: seed %#llx", (unsigned long long)self->seed);
}

FIXTURE_TEARDOWN(sysfs)
{
	tp_module_unload();
}

static void tp_fig_report(const char *file, const struct tp_figures *f,
			  double secs)
{
	char kinds[512];
	size_t len = 0;
	int k;

	kinds[0] = '\0';
	for (k = 0; k < 8; k++)
		len += snprintf(kinds + len, sizeof(kinds) - len, " %s:%ld",
				tp_kinds[k], f->by_kind[k]);
	tp_diag("sysfs %s: %ld writes (%ld write calls) in %.1f s:%s",
		file, f->writes, f->syscalls, secs, kinds);
	tp_diag("sysfs %s: of the write calls, %ld valid, %ld refused (EINVAL %ld, other %ld), %ld answered wrongly; %ld times the state was not the expected one",
		file, f->valid, f->refused, f->errno_einval,
		f->errno_other, f->wrong, f->mismatches);
}

TEST_F_TIMEOUT(sysfs, storm, 3600)
{
	long count = tp_scale(4000, 100000);
	static const char *const ro[] = {
		"known", "requested/csum", "requested/unknown", "refused/ufo",
		"refused/unknown", "refused/ioctls",
	};
	struct tp_figures fl = {}, fn = {};
	char path[128], buf[256];
	double t;
	int i, fd;

	t = tp_now();
	tp_storm(_metadata, true, count, self->seed, &fl);
	tp_fig_report("level", &fl, tp_now() - t);
	t = tp_now();
	tp_storm(_metadata, false, count, self->seed * 3, &fn);
	tp_fig_report("level_name", &fn, tp_now() - t);

	EXPECT_EQ(0, fl.wrong);
	EXPECT_EQ(0, fl.errno_other);
	EXPECT_EQ(0, fl.mismatches);
	EXPECT_EQ(0, fn.wrong);
	EXPECT_EQ(0, fn.errno_other);
	EXPECT_EQ(0, fn.mismatches);

	for (i = 0; i < (int)(sizeof(ro) / sizeof(ro[0])); i++) {
		snprintf(path, sizeof(path), TP_SYSFS "/%s", ro[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		EXPECT_EQ(-1, fd) {
			TH_LOG("%s opened for writing", path);
		}
		EXPECT_EQ(EACCES, errno);
		if (fd >= 0)
			close(fd);
	}
	/* And the level is still one that was written. */
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	tp_diag("sysfs: read-only files refuse writers; level at the end: %s",
		buf);
}

TEST_HARNESS_MAIN
