// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of vhost-net's feature ioctls (issue 17). Before
 * tunpin loads, the stock kernel's answers are recorded on fresh and on
 * owned (VHOST_SET_OWNER, an empty memory table) /dev/vhost-net fds:
 * VHOST_GET_FEATURES, VHOST_GET_FEATURES_ARRAY for counts 0..4 (where the
 * kernel has it: 7.2), VHOST_SET_FEATURES and VHOST_SET_FEATURES_ARRAY
 * for probes built from the stock feature set (each bit on and off, the
 * table's bits the kernel lacks, bits outside the table, random subsets),
 * and made-up ioctl commands. Nothing is written down per kernel: the
 * levels are derived from the stock answer (none, native, native without
 * each feature, the 6.1 set, every other feature, every vhost capability).
 *
 * Unpinned every answer is the stock one. Pinned to a level whose vhost
 * capabilities allow the virtio bits A: GET answers stock & A (each word
 * of the array, the words the kernel clears still zero); a SET with any
 * bit outside A fails with EOPNOTSUPP, what a kernel without the feature
 * answers, and is the stock answer otherwise; a command tunpin does not
 * know gets the stock answer to a command nobody knows, and is counted.
 * Also: an fd exempted through /dev/tunpin is stock; refusals counted,
 * logged and notified; lowering admission with a vhost fd that accepted
 * features, released by closing it; nobody fuzzing vhost ioctls changes
 * nothing root's fd is offered; a VHOST_SET_FEATURES storm from several
 * threads while the level flips; load and unload with vhost fds open.
 */
#include "stress.h"
#include <linux/vhost.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_VDEV		"/dev/vhost-net"
/* Array words probed: the kernel's (2 on 7.2) and beyond. */
#define TP_VW		4
#define TP_MAXP		160
#define TP_MAXA		64
#define TP_ARRAY_SIZE(a)	((int)(sizeof(a) / sizeof((a)[0])))

/*
 * struct vhost_features_array is { __u64 count; __u64 features[]; }: the
 * size in the command is 8. Defined here so that the lanes whose headers
 * predate it (6.1, 6.12, 5.10) ask their kernel the same question.
 */
#define TP_GET_FEATURES_ARRAY	_IOR(VHOST_VIRTIO, 0x83, __u64)
#define TP_SET_FEATURES_ARRAY	_IOW(VHOST_VIRTIO, 0x83, __u64)
#ifdef VHOST_GET_FEATURES_ARRAY
_Static_assert(VHOST_GET_FEATURES_ARRAY == TP_GET_FEATURES_ARRAY &&
	       VHOST_SET_FEATURES_ARRAY == TP_SET_FEATURES_ARRAY,
	       "the array commands are not the kernel's");
#endif

/* Made-up commands (no kernel has them) and the arguments they get. */
static const unsigned int tp_unknown_cmds[] = {
	_IO(VHOST_VIRTIO, 0xfe),
	_IOW(VHOST_VIRTIO, 0xf0, __u64),
	_IOR(VHOST_VIRTIO, 0xf1, __u64),
	_IOWR(VHOST_VIRTIO, 0x9f, struct vhost_vring_state),
	_IOW('T', 0xf5, int),
};
#define TP_NCMD		TP_ARRAY_SIZE(tp_unknown_cmds)
#define TP_NARG		3	/* NULL, vring index 0, index 0x7fffffff */

struct tp_aprobe {
	uint64_t count;
	uint64_t w[TP_VW];
};

/* The stock answers; [0] on a fresh fd, [1] on an owned one. */
static struct tp_stock {
	int get_err[2];
	uint64_t get[2];
	int aget_err[2][TP_VW + 1];		/* by count */
	uint64_t aget[2][TP_VW + 1][TP_VW + 1];	/* the words after, count + 1 */
	int nprobe;
	uint64_t probe[TP_MAXP];
	int set_err[2][TP_MAXP];
	int naprobe;
	struct tp_aprobe aprobe[TP_MAXA];
	int aset_err[2][TP_MAXA];
	int cmd_err[2][TP_NCMD][TP_NARG];
	bool has_array;
	uint64_t words[2];	/* the native set: word 0, and word 1 */
	uint32_t native;	/* its vhost capabilities */
} st;

/* The virtio bits a set of capabilities allows, by 64-bit word. */
static void tp_allowed(uint32_t caps, uint64_t a[TP_VW])
{
	memset(a, 0, sizeof(uint64_t) * TP_VW);
	for (int i = 0; i < TP_NCAPS_ALL; i++)
		if (tp_caps[i].vbit >= 0 && (caps & tp_caps[i].bit))
			a[tp_caps[i].vbit / 64] |= 1ULL << (tp_caps[i].vbit % 64);
}

/* Every virtio bit of the table (a future kernel's too). */
static void tp_table_bits(uint64_t a[TP_VW])
{
	tp_allowed(TUNPIN_CAP_VHOST, a);
}

static int tp_vopen(bool owned)
{
	struct vhost_memory mem = { .nregions = 0 };
	int fd = open(TP_VDEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (owned && (ioctl(fd, VHOST_SET_OWNER, NULL) ||
		      ioctl(fd, VHOST_SET_MEM_TABLE, &mem))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int tp_vget(int fd, uint64_t *f)
{
	*f = 0;
	return ioctl(fd, VHOST_GET_FEATURES, f) ? errno : 0;
}

static int tp_vset(int fd, uint64_t f)
{
	return ioctl(fd, VHOST_SET_FEATURES, &f) ? errno : 0;
}

/* GET_FEATURES_ARRAY for @count words: the words after it, one more than
 * asked (pre-filled: what the kernel must not touch). */
static int tp_vaget(int fd, uint64_t count, uint64_t out[TP_VW + 1])
{
	uint64_t buf[1 + TP_VW + 1];
	int err;

	for (int i = 0; i < TP_VW + 2; i++)
		buf[i] = 0xa5a5a5a5a5a5a5a5ULL;
	buf[0] = count;
	err = ioctl(fd, TP_GET_FEATURES_ARRAY, buf) ? errno : 0;
	memcpy(out, buf + 1, sizeof(uint64_t) * (TP_VW + 1));
	return err;
}

static int tp_vaset(int fd, const struct tp_aprobe *p)
{
	uint64_t buf[1 + TP_VW];

	buf[0] = p->count;
	memcpy(buf + 1, p->w, sizeof(p->w));
	return ioctl(fd, TP_SET_FEATURES_ARRAY, buf) ? errno : 0;
}

static int tp_vcmd(int fd, unsigned int cmd, int arg)
{
	struct vhost_vring_state s[2] = {
		{ .index = arg == 2 ? 0x7fffffff : 0 },
	};

	return ioctl(fd, cmd, arg ? (void *)s : NULL) ? errno : 0;
}

static void tp_add_probe(uint64_t p)
{
	for (int i = 0; i < st.nprobe; i++)
		if (st.probe[i] == p)
			return;
	if (st.nprobe < TP_MAXP)
		st.probe[st.nprobe++] = p;
}

static void tp_add_aprobe(uint64_t count, uint64_t w0, uint64_t w1,
			  uint64_t w2)
{
	struct tp_aprobe *p;

	if (st.naprobe >= TP_MAXA)
		return;
	p = &st.aprobe[st.naprobe++];
	*p = (struct tp_aprobe){ count, { w0, w1, w2, 0 } };
}

/* The probes, from the stock set; then every stock answer. */
static int tp_record_stock(void)
{
	static const int outside[] = { 0, 1, 30, 34, 41, 50, 63 };
	uint64_t table[TP_VW], s, t0, w1, t1, aw[TP_VW + 1];
	struct tp_rng r = { 0x7675686f7374ULL };
	int fd[2], k, i, b;

	memset(&st, 0, sizeof(st));
	if (access(TP_VDEV, F_OK))
		return -ENOENT;
	fd[0] = tp_vopen(false);
	fd[1] = tp_vopen(true);
	if (fd[0] < 0 || fd[1] < 0)
		return fd[0] < 0 ? fd[0] : fd[1];
	if (tp_vget(fd[1], &s))
		return -EIO;
	st.has_array = !tp_vaget(fd[1], 2, aw);
	st.words[0] = s;
	st.words[1] = st.has_array ? aw[1] : 0;
	for (i = 0; i < TP_NCAPS_ALL; i++)
		if (tp_caps[i].vbit >= 0 &&
		    st.words[tp_caps[i].vbit / 64] >> (tp_caps[i].vbit % 64) & 1)
			st.native |= tp_caps[i].bit;
	tp_table_bits(table);
	t0 = table[0];
	w1 = st.words[1];
	t1 = table[1];

	/* VHOST_SET_FEATURES: word 0. */
	tp_add_probe(0);
	tp_add_probe(s);
	for (b = 0; b < 64; b++) {
		uint64_t bit = 1ULL << b;

		if (s & bit) {
			tp_add_probe(bit);
			tp_add_probe(s & ~bit);
		} else if (t0 & bit) {	/* the table's, this kernel lacks */
			tp_add_probe(bit);
			tp_add_probe(s | bit);
		}
	}
	for (i = 0; i < TP_ARRAY_SIZE(outside); i++) {
		tp_add_probe(1ULL << outside[i]);
		tp_add_probe(s | 1ULL << outside[i]);
	}
	for (i = 0; i < 16; i++)
		tp_add_probe(s & ((uint64_t)tp_rand(&r) << 32 | tp_rand(&r)));
	for (i = 0; i < 8; i++)
		tp_add_probe((s | t0) & ((uint64_t)tp_rand(&r) << 32 | tp_rand(&r)));
	tp_add_probe(~0ULL);

	/* VHOST_SET_FEATURES_ARRAY. */
	tp_add_aprobe(0, 0, 0, 0);
	tp_add_aprobe(1, s, 0, 0);
	tp_add_aprobe(1, 1ULL << 63, 0, 0);
	tp_add_aprobe(2, s, w1, 0);
	tp_add_aprobe(2, s, 0, 0);
	tp_add_aprobe(2, s, ~0ULL, 0);
	tp_add_aprobe(2, s, 1ULL << 63, 0);	/* bit 127 */
	for (b = 0; b < 64; b++) {
		uint64_t bit = 1ULL << b;

		if ((w1 | t1) & bit)
			tp_add_aprobe(2, s, bit, 0);
		if (w1 & bit)
			tp_add_aprobe(2, s, w1 & ~bit, 0);
		if (s & bit)
			tp_add_aprobe(2, s & ~bit, w1, 0);
	}
	tp_add_aprobe(3, s, w1, 0);
	tp_add_aprobe(3, s, w1, 1);
	tp_add_aprobe(4, s, w1, 0);

	for (k = 0; k < 2; k++) {
		st.get_err[k] = tp_vget(fd[k], &st.get[k]);
		for (i = 0; i <= TP_VW; i++)
			st.aget_err[k][i] = tp_vaget(fd[k], i, st.aget[k][i]);
		for (i = 0; i < st.nprobe; i++)
			st.set_err[k][i] = tp_vset(fd[k], st.probe[i]);
		for (i = 0; i < st.naprobe; i++)
			st.aset_err[k][i] = tp_vaset(fd[k], &st.aprobe[i]);
		for (i = 0; i < TP_NCMD; i++)
			for (b = 0; b < TP_NARG; b++)
				st.cmd_err[k][i][b] = tp_vcmd(fd[k],
							      tp_unknown_cmds[i], b);
	}
	close(fd[0]);
	close(fd[1]);
	return 0;
}

static const char *tp_err(int e)
{
	return e ? strerrorname_np(e) : "0";
}

/*
 * Every recorded question on @fd (owned or not) against the stock answer
 * under @caps (@pinned: else stock). The number of wrong answers; the
 * first few are logged.
 */
static int tp_check_fd(struct __test_metadata *_metadata, int fd, int k,
		       bool pinned, uint32_t caps, const char *what)
{
	uint64_t a[TP_VW], got, aw[TP_VW + 1];
	int bad = 0, err, want, i, j;

	tp_allowed(caps, a);
	if (!pinned)
		memset(a, 0xff, sizeof(a));

	err = tp_vget(fd, &got);
	if (err != st.get_err[k] || (!err && got != (st.get[k] & a[0]))) {
		bad++;
		TH_LOG("%s: VHOST_GET_FEATURES: %s %#llx, want %s %#llx", what,
		       tp_err(err), (unsigned long long)got,
		       tp_err(st.get_err[k]),
		       (unsigned long long)(st.get[k] & a[0]));
	}
	for (i = 0; i <= TP_VW; i++) {
		err = tp_vaget(fd, i, aw);
		want = st.aget_err[k][i];
		for (j = 0; !err && !want && j <= TP_VW; j++) {
			uint64_t w = st.aget[k][i][j];

			if (j < i && st.has_array)
				w &= j < TP_VW ? a[j] : 0;
			if (aw[j] != w) {
				if (bad++ < 8)
					TH_LOG("%s: GET_FEATURES_ARRAY count %d: word %d %#llx, want %#llx",
					       what, i, j, (unsigned long long)aw[j],
					       (unsigned long long)w);
				break;
			}
		}
		if (err != want && bad++ < 8)
			TH_LOG("%s: GET_FEATURES_ARRAY count %d: %s, want %s",
			       what, i, tp_err(err), tp_err(want));
	}
	for (i = 0; i < st.nprobe; i++) {
		uint64_t p = st.probe[i];

		want = st.set_err[k][i];
		if (p & ~a[0])
			want = EOPNOTSUPP;
		err = tp_vset(fd, p);
		if (err != want && bad++ < 8)
			TH_LOG("%s: VHOST_SET_FEATURES %#llx: %s, want %s (stock %s)",
			       what, (unsigned long long)p, tp_err(err),
			       tp_err(want), tp_err(st.set_err[k][i]));
	}
	for (i = 0; i < st.naprobe; i++) {
		const struct tp_aprobe *p = &st.aprobe[i];
		bool outside = false;

		for (j = 0; j < (int)p->count && j < TP_VW; j++)
			if (p->w[j] & ~a[j])
				outside = true;
		want = st.aset_err[k][i];
		/* A kernel without the command: its answer, whatever. */
		if (st.has_array && outside)
			want = EOPNOTSUPP;
		err = tp_vaset(fd, p);
		if (err != want && bad++ < 8)
			TH_LOG("%s: SET_FEATURES_ARRAY count %llu {%#llx %#llx %#llx}: %s, want %s (stock %s)",
			       what, (unsigned long long)p->count,
			       (unsigned long long)p->w[0],
			       (unsigned long long)p->w[1],
			       (unsigned long long)p->w[2], tp_err(err),
			       tp_err(want), tp_err(st.aset_err[k][i]));
	}
	for (i = 0; i < TP_NCMD; i++)
		for (j = 0; j < TP_NARG; j++) {
			err = tp_vcmd(fd, tp_unknown_cmds[i], j);
			want = st.cmd_err[k][i][j];
			if (err != want && bad++ < 8)
				TH_LOG("%s: unknown command %#x (arg %d): %s, want %s",
				       what, tp_unknown_cmds[i], j, tp_err(err),
				       tp_err(want));
		}
	/* A SET changes nothing that GET answers. */
	err = tp_vget(fd, &got);
	if (err != st.get_err[k] || (!err && got != (st.get[k] & a[0]))) {
		bad++;
		TH_LOG("%s: VHOST_GET_FEATURES after the SETs: %#llx", what,
		       (unsigned long long)got);
	}
	return bad;
}

/* Fresh and owned fds, opened now, each checked. */
static int tp_check_new(struct __test_metadata *_metadata, bool pinned,
			uint32_t caps, const char *what)
{
	char w[160];
	int bad = 0;

	for (int k = 0; k < 2; k++) {
		int fd = tp_vopen(k);

		if (fd < 0) {
			TH_LOG("%s: open %s: %s", what, TP_VDEV, tp_err(-fd));
			return 1;
		}
		snprintf(w, sizeof(w), "%s, %s fd", what, k ? "owned" : "fresh");
		bad += tp_check_fd(_metadata, fd, k, pinned, caps, w);
		close(fd);
	}
	return bad;
}

static int tp_load_caps(uint32_t caps)
{
	char param[700], lv[640];

	snprintf(param, sizeof(param), "level=%s",
		 tp_caps_join(caps, ',', lv, sizeof(lv)));
	return tp_module_load(param);
}

/*
 * The vhost capability of the highest virtio bit of word 0 in the stock
 * set: the newest feature VHOST_SET_FEATURES (word 0 only) can ask for.
 */
static uint32_t tp_newest(void)
{
	uint32_t best = 0;
	int vbit = -1;

	for (int i = 0; i < TP_NCAPS_ALL; i++)
		if ((st.native & tp_caps[i].bit) && tp_caps[i].vbit < 64 &&
		    tp_caps[i].vbit > vbit) {
			vbit = tp_caps[i].vbit;
			best = tp_caps[i].bit;
		}
	return best;
}

static uint64_t tp_word0(uint32_t caps)
{
	uint64_t a[TP_VW];

	tp_allowed(caps, a);
	return a[0];
}

FIXTURE(vhost) {
	int kmsg;
	struct tp_nl *nl;
	mode_t mode;		/* of /dev/vhost-net, restored */
	bool chmodded;
};

FIXTURE_SETUP(vhost)
{
	ASSERT_EQ(0, tp_module_unload());
	self->nl = NULL;
	self->chmodded = false;
	ASSERT_EQ(0, tp_record_stock()) {
		TH_LOG("no usable %s", TP_VDEV);
	}
	/* Every kernel since 2.6.33 has MRG_RXBUF and friends. */
	ASSERT_NE(0, st.native & TUNPIN_CAP_VHOST_MRG_RXBUF);
	self->kmsg = tp_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(vhost)
{
	struct stat sb;

	if (self->chmodded && !stat(TP_VDEV, &sb))
		chmod(TP_VDEV, self->mode);
	if (self->nl)
		tp_nl_close(self->nl);
	close(self->kmsg);
	tp_module_unload();
}

/* What the stock kernel says, for the log (and the facts of issue 17). */
TEST_F(vhost, stock)
{
	char lv[640];
	uint64_t table[TP_VW];

	tp_diag("vhost: stock VHOST_GET_FEATURES %#llx; array ioctls: %s (word 1 %#llx); native: %s",
		(unsigned long long)st.words[0],
		st.has_array ? "yes" : "no",
		(unsigned long long)st.words[1],
		tp_caps_join(st.native, ' ', lv, sizeof(lv)));
	tp_table_bits(table);
	if ((st.words[0] & ~table[0]) || (st.words[1] & ~table[1]))
		tp_diag("vhost: stock bits outside the table (pinned, outside every level): %#llx %#llx",
			(unsigned long long)(st.words[0] & ~table[0]),
			(unsigned long long)(st.words[1] & ~table[1]));
	/* The array's word 0 is VHOST_GET_FEATURES. */
	if (st.has_array)
		EXPECT_EQ(st.get[1], st.aget[1][1][0]);
	/* The stock kernel accepts its own set on an owned fd. */
	EXPECT_EQ(0, st.set_err[1][1]);
	/* And refuses a bit it lacks with EOPNOTSUPP: the pinned errno. */
	for (int i = 0; i < st.nprobe; i++)
		if (st.probe[i] & ~st.words[0])
			EXPECT_EQ(EOPNOTSUPP, st.set_err[1][i]);
}

TEST_F(vhost, unpinned_is_stock)
{
	int fd[2];

	fd[0] = tp_vopen(false);
	fd[1] = tp_vopen(true);
	ASSERT_LE(0, fd[0]);
	ASSERT_LE(0, fd[1]);
	ASSERT_EQ(0, tp_module_load(NULL));
	EXPECT_EQ(0, tp_check_fd(_metadata, fd[0], 0, false, 0,
				 "unpinned, fresh fd from before"));
	EXPECT_EQ(0, tp_check_fd(_metadata, fd[1], 1, false, 0,
				 "unpinned, owned fd from before"));
	EXPECT_EQ(0, tp_check_new(_metadata, false, 0, "unpinned"));
	close(fd[0]);
	close(fd[1]);
}

/*
 * Each level from load (level=), on fds opened before the load and under
 * it; the fds are closed before the next reload (a governed vhost fd holds
 * the module).
 */
TEST_F_TIMEOUT(vhost, pinned_levels, 300)
{
	uint32_t levels[TP_NCAPS_ALL + 8], alt = 0;
	int n = 0, i, c, odd = 0;
	char what[700], lv[640];

	levels[n++] = TP_FLOOR;				/* no vhost feature */
	levels[n++] = 0;				/* none */
	levels[n++] = TP_FLOOR | st.native;		/* native */
	levels[n++] = TP_FLOOR | (st.native & TP_VHOST_61);	/* the 6.1 set */
	levels[n++] = TP_FLOOR | TUNPIN_CAP_VHOST;	/* all the table */
	for (c = 0; c < TP_NCAPS_ALL; c++)
		if (st.native & tp_caps[c].bit) {
			levels[n++] = TP_FLOOR | (st.native & ~tp_caps[c].bit);
			if (odd++ % 2)
				alt |= tp_caps[c].bit;
		}
	levels[n++] = TP_FLOOR | alt;			/* every other one */

	for (i = 0; i < n; i++) {
		int fd[2], bad;

		ASSERT_EQ(0, tp_module_unload());
		fd[0] = tp_vopen(false);
		fd[1] = tp_vopen(true);
		ASSERT_LE(0, fd[0]);
		ASSERT_LE(0, fd[1]);
		ASSERT_EQ(0, tp_load_caps(levels[i])) {
			TH_LOG("level=%s", tp_caps_join(levels[i], ',', lv, sizeof(lv)));
		}
		snprintf(what, sizeof(what), "level '%s'",
			 tp_caps_join(levels[i], ' ', lv, sizeof(lv)));
		bad = tp_check_fd(_metadata, fd[0], 0, true, levels[i], what);
		bad += tp_check_fd(_metadata, fd[1], 1, true, levels[i], what);
		bad += tp_check_new(_metadata, true, levels[i], what);
		EXPECT_EQ(0, bad);
		close(fd[0]);
		close(fd[1]);
	}
	/* Back to unpinned without a reload: stock again. */
	ASSERT_EQ(0, tp_set_level("unpinned"));
	EXPECT_EQ(0, tp_check_new(_metadata, false, 0, "unpinned again"));
}

/* A level written through sysfs reaches an open fd at once. */
TEST_F(vhost, level_change_open_fd)
{
	uint32_t lo = TP_FLOOR | (st.native & ~tp_newest());
	char lv[640];
	int fd;

	ASSERT_EQ(0, tp_module_load(NULL));
	fd = tp_vopen(true);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tp_set_level(tp_caps_join(lo, ' ', lv, sizeof(lv))));
	EXPECT_EQ(0, tp_check_fd(_metadata, fd, 1, true, lo, "lowered"));
	ASSERT_EQ(0, tp_set_level("unpinned"));
	EXPECT_EQ(0, tp_check_fd(_metadata, fd, 1, false, 0, "unpinned"));
	close(fd);
}

/*
 * Known commands work pinned as stock (the same sequence, the same
 * answers); unknown ones get the stock answer and are counted.
 */
#define TP_NSEQ	20

static int tp_known_seq(int fd, int out[TP_NSEQ], uint64_t *vals)
{
	static char ring[3 * 4096] __attribute__((aligned(4096)));
	struct vhost_vring_addr addr = {
		.index = 0,
		.desc_user_addr = (unsigned long)ring,
		.avail_user_addr = (unsigned long)ring + 4096,
		.used_user_addr = (unsigned long)ring + 8192,
	};
	struct vhost_vring_state num = { .index = 0, .num = 256 };
	struct vhost_vring_state base = { .index = 0, .num = 0 };
	struct vhost_memory mem = { .nregions = 0 };
	struct vhost_vring_file vf = { .index = 0 };
	uint64_t bf = 0;
	int n = 0, efd = eventfd(0, EFD_CLOEXEC);

#define TP_DO(call)	(out[n++] = (call) ? errno : 0)
	TP_DO(ioctl(fd, VHOST_GET_VRING_BASE, &base));	/* not owner */
	TP_DO(ioctl(fd, VHOST_SET_OWNER, NULL));
	TP_DO(ioctl(fd, VHOST_SET_OWNER, NULL));		/* again */
	TP_DO(ioctl(fd, VHOST_SET_MEM_TABLE, &mem));
	TP_DO(ioctl(fd, VHOST_SET_VRING_NUM, &num));
	TP_DO(ioctl(fd, VHOST_SET_VRING_BASE, &base));
	TP_DO(ioctl(fd, VHOST_SET_VRING_ADDR, &addr));
	vf.fd = efd;
	TP_DO(ioctl(fd, VHOST_SET_VRING_KICK, &vf));
	TP_DO(ioctl(fd, VHOST_SET_VRING_CALL, &vf));
	TP_DO(ioctl(fd, VHOST_SET_VRING_ERR, &vf));
	TP_DO(ioctl(fd, VHOST_GET_BACKEND_FEATURES, &bf));
	TP_DO(ioctl(fd, VHOST_SET_BACKEND_FEATURES, &bf));
	vf.fd = -1;
	TP_DO(ioctl(fd, VHOST_NET_SET_BACKEND, &vf));
	TP_DO(ioctl(fd, VHOST_GET_VRING_BASE, &base));
	TP_DO(ioctl(fd, VHOST_RESET_OWNER, NULL));
	TP_DO(ioctl(fd, VHOST_SET_OWNER, NULL));
#undef TP_DO
	vals[0] = bf;
	vals[1] = base.num;
	close(efd);
	return n;
}

TEST_F(vhost, ioctl_commands)
{
	int sfd, stock[TP_NSEQ], got[TP_NSEQ], fd[2], i, j, n, calls = 0;
	uint64_t svals[2], gvals[2];
	long long before;

	sfd = tp_vopen(false);
	ASSERT_LE(0, sfd);
	n = tp_known_seq(sfd, stock, svals);
	close(sfd);

	ASSERT_EQ(0, tp_load_caps(TP_FLOOR | (st.native & ~tp_newest())));
	sfd = tp_vopen(false);
	ASSERT_LE(0, sfd);
	tp_known_seq(sfd, got, gvals);
	close(sfd);
	for (i = 0; i < n; i++)
		EXPECT_EQ(stock[i], got[i]) {
			TH_LOG("known command #%d of the sequence: %s, stock %s",
			       i, tp_err(got[i]), tp_err(stock[i]));
		}
	EXPECT_EQ(svals[0], gvals[0]);	/* the backend features */
	EXPECT_EQ(svals[1], gvals[1]);

	before = tp_counter("refused/ioctls");
	fd[0] = tp_vopen(false);
	fd[1] = tp_vopen(true);
	ASSERT_LE(0, fd[0]);
	ASSERT_LE(0, fd[1]);
	for (int k = 0; k < 2; k++)
		for (i = 0; i < TP_NCMD; i++)
			for (j = 0; j < TP_NARG; j++) {
				int err = tp_vcmd(fd[k], tp_unknown_cmds[i], j);

				calls++;
				EXPECT_NE(0, err);
				EXPECT_EQ(st.cmd_err[k][i][j], err) {
					TH_LOG("%s fd: command %#x, arg %d: %s, stock %s",
					       k ? "owned" : "fresh",
					       tp_unknown_cmds[i], j, tp_err(err),
					       tp_err(st.cmd_err[k][i][j]));
				}
			}
	EXPECT_EQ(before + calls, tp_counter("refused/ioctls"));
	close(fd[0]);
	close(fd[1]);
}

static int tp_exempt(int ctl, int fd)
{
	__s32 v = fd;

	return ioctl(ctl, TUNPIN_EXEMPT, &v) ? errno : 0;
}

/* tunpin probe's way: that open file alone sees the stock answers. */
TEST_F(vhost, exemption)
{
	uint32_t lo = TP_FLOOR | (st.native & TP_VHOST_61 & ~tp_newest());
	int ctl, a, b;

	ASSERT_EQ(0, tp_load_caps(lo));
	a = tp_vopen(true);
	b = tp_vopen(true);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, tp_exempt(ctl, a));
	EXPECT_EQ(0, tp_check_fd(_metadata, a, 1, false, 0, "exempt"));
	EXPECT_EQ(0, tp_check_fd(_metadata, b, 1, true, lo, "not exempt"));
	/* Closing the control file ends it. */
	close(ctl);
	EXPECT_EQ(0, tp_check_fd(_metadata, a, 1, true, lo,
				 "exemption ended"));
	/* So does closing the vhost fd: a new one is not exempt. */
	ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, tp_exempt(ctl, a));
	close(a);
	a = tp_vopen(true);
	ASSERT_LE(0, a);
	EXPECT_EQ(0, tp_check_fd(_metadata, a, 1, true, lo, "reopened"));
	close(ctl);
	close(a);
	close(b);
}

struct tp_events {
	int refused;
	uint32_t caps;
	unsigned int ioctl;
};

static int tp_on_event(const struct tp_event *ev, void *arg)
{
	struct tp_events *e = arg;

	if (ev->type == TP_EV_REFUSED && ev->ioctl == VHOST_SET_FEATURES) {
		e->refused++;
		e->caps = ev->caps;
		e->ioctl = ev->ioctl;
	}
	return e->refused;
}

static void *tp_monitor(void *arg)
{
	struct tp_nl *nl = tp_nl_open();

	if (nl) {
		tp_nl_monitor(nl, tp_on_event, arg);
		tp_nl_close(nl);
	}
	return NULL;
}

TEST_F(vhost, counters_log_events)
{
	uint32_t x = tp_newest(), lo = TP_FLOOR | (st.native & ~x);
	char needle[32], name[64], lv[640], lvl[700], head[128];
	const char *msg[] = { head, needle, lvl };
	struct tp_events e = {};
	struct tp_counters c;
	pthread_t th;
	int fd, i;

	ASSERT_NE(0, x);
	ASSERT_EQ(0, tp_load_caps(lo));
	snprintf(head, sizeof(head), "tunpin: refused VHOST_SET_FEATURES %s for ",
		 tp_cap_name(x));
	snprintf(needle, sizeof(needle), "[%d]", getpid());
	snprintf(lvl, sizeof(lvl), "(level: %s)",
		 tp_caps_join(lo, ' ', lv, sizeof(lv)));
	snprintf(name, sizeof(name), "refused/%s", tp_cap_name(x));
	EXPECT_EQ(0, tp_counter(name));

	ASSERT_EQ(0, pthread_create(&th, NULL, tp_monitor, &e));
	usleep(300000);		/* let it join the group */
	fd = tp_vopen(true);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EOPNOTSUPP, tp_vset(fd, st.words[0]));
	EXPECT_EQ(0, tp_vset(fd, st.words[0] & tp_word0(lo)));
	close(fd);
	EXPECT_EQ(1, tp_counter(name));
	EXPECT_EQ(0, tp_counter("refused/vhost_mrg_rxbuf"));
	EXPECT_TRUE(tp_kmsg_find(self->kmsg, msg, 3)) {
		TH_LOG("no log line with '%s', '%s', '%s'", head, needle, lvl);
	}

	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
	ASSERT_EQ(0, tp_nl_counters(self->nl, &c));
	for (i = 0; i < c.n && c.c[i].cap != x; i++)
		;
	ASSERT_LT(i, c.n) {
		TH_LOG("COUNTERS_GET has no %s", tp_cap_name(x));
	}
	EXPECT_EQ(1, c.c[i].refused);

	for (i = 0; i < 50 && !e.refused; i++)
		usleep(100000);
	EXPECT_EQ(1, e.refused);
	EXPECT_EQ(x, e.caps);
	if (e.refused)
		pthread_join(th, NULL);
	else
		pthread_cancel(th);
}

struct tp_mine {
	int n;
};

static int tp_count_mine(const struct tp_tap *t, void *arg)
{
	struct tp_mine *m = arg;

	if ((pid_t)t->pid == getpid())
		m->n++;
	return 0;
}

/* A running VM's acked vhost features count as in use. */
TEST_F(vhost, lowering_admission)
{
	uint32_t x = tp_newest();
	struct tp_level native = { .caps = TP_FLOOR | st.native, .pinned = true };
	struct tp_level lower = { .caps = TP_FLOOR | (st.native & ~x),
				  .pinned = true };
	struct tp_level unpinned = { .pinned = false }, got;
	struct tp_mine mine = {};
	char need[32], lv[640];
	int fd, idle, ctl;

	ASSERT_EQ(0, tp_load_caps(native.caps));
	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
	idle = tp_vopen(true);		/* asks, accepts nothing */
	ASSERT_LE(0, idle);
	EXPECT_EQ(0, tp_check_fd(_metadata, idle, 1, true, native.caps,
				 "native"));
	close(idle);		/* it accepted features: closing releases them */
	idle = tp_vopen(true);
	ASSERT_LE(0, idle);
	fd = tp_vopen(true);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tp_vset(fd, st.words[0]));	/* the guest acked x */
	ASSERT_EQ(0, tp_nl_taps(self->nl, tp_count_mine, &mine));
	EXPECT_LE(1, mine.n) {
		TH_LOG("TAP_GET does not list the vhost fd");
	}

	EXPECT_EQ(-EBUSY, tp_nl_level_set(self->nl, &lower, false));
	snprintf(need, sizeof(need), "[%d]", getpid());
	EXPECT_NE(NULL, strstr(tp_nl_extack(self->nl), need)) {
		TH_LOG("extack: %s", tp_nl_extack(self->nl));
	}
	EXPECT_NE(NULL, strstr(tp_nl_extack(self->nl), tp_cap_name(x))) {
		TH_LOG("extack: %s", tp_nl_extack(self->nl));
	}
	EXPECT_EQ(-EBUSY, tp_set_level(tp_caps_join(lower.caps, ' ', lv, sizeof(lv))));
	ASSERT_EQ(0, tp_nl_level_get(self->nl, &got));
	EXPECT_EQ(native.caps, got.caps);

	/* An exempted fd does not count (tunpin probe's). */
	ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, tp_exempt(ctl, fd));
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &lower, false));
	close(ctl);
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &unpinned, false));

	/* FORCE lowers anyway, and the fd is governed by the new level. */
	EXPECT_EQ(-EBUSY, tp_nl_level_set(self->nl, &lower, false));
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &lower, true));
	EXPECT_EQ(EOPNOTSUPP, tp_vset(fd, st.words[0]));
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &unpinned, false));

	/* Closing the fd releases what it held; the idle one held nothing. */
	close(fd);
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &lower, false));
	close(idle);
}

struct tp_vmine {
	int n, flagged;
	uint32_t offered;
};

static int tp_find_vhost(const struct tp_tap *t, void *arg)
{
	struct tp_vmine *m = arg;

	if ((pid_t)t->pid != getpid())
		return 0;
	m->n++;
	if (t->vhost) {
		m->flagged++;
		m->offered = t->offered;
	}
	return 0;
}

/*
 * TAP_GET lists a vhost fd with TUNPIN_A_VHOST and, as offered, the
 * capabilities of the features it set.
 */
TEST_F(vhost, tap_get_vhost_flag)
{
	uint32_t caps = TP_FLOOR | st.native;
	struct tp_vmine m = {};
	int fd;

	ASSERT_EQ(0, tp_load_caps(caps));
	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
	fd = tp_vopen(true);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tp_vset(fd, st.words[0]));
	ASSERT_EQ(0, tp_nl_taps(self->nl, tp_find_vhost, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(1, m.flagged);
	EXPECT_EQ(0, m.offered & ~(uint32_t)TUNPIN_CAP_VHOST);
	EXPECT_EQ(st.words[0], tp_word0(m.offered));
	close(fd);
}

#define TP_VCG		"/sys/fs/cgroup/tunpin-vhost"

/* What a vhost-net fd of a child in cgroup @cg is told, and may set. */
struct tp_vin {
	uint64_t get;
	int set;	/* VHOST_SET_FEATURES of the stock word 0 */
};

static int tp_vin(const char *cg, struct tp_vin *out)
{
	int pfd[2], wst, err, fd;
	char pid[32];
	pid_t child;

	if (pipe(pfd))
		return -errno;
	child = fork();
	if (child < 0)
		return -errno;
	if (!child) {
		struct tp_vin r = { 0, -1 };

		close(pfd[0]);
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (cg && tp_write_file(TP_VCG "/cgroup.procs", pid,
					strlen(pid)))
			_exit(1);
		fd = tp_vopen(true);
		if (fd < 0 || tp_vget(fd, &r.get))
			_exit(2);
		r.set = tp_vset(fd, st.words[0]);
		_exit(write(pfd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 3);
	}
	close(pfd[1]);
	err = read(pfd[0], out, sizeof(*out)) == sizeof(*out) ? 0 : -EIO;
	close(pfd[0]);
	if (waitpid(child, &wst, 0) < 0 || !WIFEXITED(wst) || WEXITSTATUS(wst))
		err = -ECHILD;
	return err;
}

/*
 * A cgroup override governs the vhost-net fds of its tasks as it does
 * their TAPs: the host level leaves the newest feature out, the VM's
 * override allows the native set; deleting it brings the host level back.
 */
TEST_F(vhost, cgroup_override)
{
	uint32_t x = tp_newest();
	struct tp_level native = { .caps = TP_FLOOR | st.native, .pinned = true };
	struct tp_vin in, out;

	ASSERT_EQ(0, tp_load_caps(TP_FLOOR | (st.native & ~x)));
	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
	rmdir(TP_VCG);
	ASSERT_EQ(0, mkdir(TP_VCG, 0755));
	ASSERT_EQ(0, tp_nl_override_add(self->nl, "/tunpin-vhost", &native));

	ASSERT_EQ(0, tp_vin(TP_VCG, &in));
	ASSERT_EQ(0, tp_vin(NULL, &out));
	EXPECT_EQ(st.words[0], in.get);
	EXPECT_EQ(0, in.set);
	EXPECT_EQ(st.words[0] & ~tp_word0(x), out.get);
	EXPECT_EQ(EOPNOTSUPP, out.set);

	ASSERT_EQ(0, tp_nl_override_del(self->nl, "/tunpin-vhost"));
	ASSERT_EQ(0, tp_vin(TP_VCG, &in));
	EXPECT_EQ(st.words[0] & ~tp_word0(x), in.get);
	EXPECT_EQ(EOPNOTSUPP, in.set);
	rmdir(TP_VCG);
}

/*
 * rmmod is refused while a governed vhost fd is open, as for a TAP. 200
 * cycles at full scale: about 1.5 s each in make check-debug's KASAN guest,
 * which outlasted the 300 s this test had.
 */
TEST_F_TIMEOUT(vhost, load_unload, 1800)
{
	uint32_t lo = TP_FLOOR | (st.native & ~tp_newest());
	long cycles = tp_scale(8, 200), i, refused = 0, held = 0;
	int old, fd, err;
	uint64_t f;

	/* tunpin holds vhost_net while it is loaded (no vhost fd open,
	 * which would hold it anyway). */
	ASSERT_EQ(0, tp_load_caps(lo));
	if (!syscall(SYS_delete_module, "vhost_net", O_NONBLOCK)) {
		held++;
		tp_run("modprobe vhost_net");
	}
	ASSERT_EQ(0, tp_module_unload());

	old = tp_vopen(true);	/* open across every load, used unloaded */
	ASSERT_LE(0, old);
	ASSERT_EQ(0, tp_vset(old, st.words[0]));
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, tp_load_caps(lo));
		fd = tp_vopen(true);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, tp_vget(fd, &f));
		EXPECT_EQ(st.words[0] & tp_word0(lo), f);
		EXPECT_EQ(0, tp_vset(fd, st.words[0] & tp_word0(lo)));
		err = tp_module_unload();
		if (err) {
			refused++;
			/* Still governed, still working. */
			EXPECT_EQ(EOPNOTSUPP, tp_vset(fd, st.words[0]));
			EXPECT_EQ(0, tp_vget(fd, &f));
			EXPECT_EQ(st.words[0] & tp_word0(lo), f);
		}
		close(fd);
		ASSERT_EQ(0, tp_module_unload());
		EXPECT_FALSE(tp_module_loaded());
		/* Unloaded: the old fd is stock again. */
		EXPECT_EQ(0, tp_vget(old, &f));
		EXPECT_EQ(st.words[0], f);
		EXPECT_EQ(0, tp_vset(old, st.words[0]));
	}
	close(old);
	tp_diag("vhost: %ld load/unload cycles, rmmod with a governed vhost fd refused %ld times",
		cycles, refused);
	EXPECT_EQ(0, held) {
		TH_LOG("vhost_net could be unloaded under tunpin");
	}
	EXPECT_EQ(cycles, refused);
}

/* nobody fuzzing vhost ioctls (/dev/vhost-net made 0666 for it). */
struct tp_fuzz_out {
	long calls, ok, efault, reopen;
	int outside_err;	/* SET_FEATURES outside the level */
	int ctl_err;		/* opening /dev/tunpin */
	int open_err;
};

static const unsigned int tp_fuzz_cmds[] = {
	VHOST_GET_FEATURES, VHOST_SET_FEATURES, VHOST_SET_OWNER,
	VHOST_RESET_OWNER, VHOST_SET_MEM_TABLE, VHOST_SET_LOG_BASE,
	VHOST_SET_LOG_FD, VHOST_SET_VRING_NUM, VHOST_SET_VRING_ADDR,
	VHOST_SET_VRING_BASE, VHOST_GET_VRING_BASE, VHOST_SET_VRING_KICK,
	VHOST_SET_VRING_CALL, VHOST_SET_VRING_ERR, VHOST_NET_SET_BACKEND,
	VHOST_SET_BACKEND_FEATURES, VHOST_GET_BACKEND_FEATURES,
	TP_GET_FEATURES_ARRAY, TP_SET_FEATURES_ARRAY, TUNPIN_EXEMPT,
	TUNSETOFFLOAD,
};

static void tp_fuzz(uint64_t seed, long n, uint64_t outside,
		    struct tp_fuzz_out *o)
{
	struct tp_rng r = { seed | 1 };
	int fds[4], i, k;
	uint8_t *page, *buf;

	memset(o, 0, sizeof(*o));
	/* The arguments end at a guard page: a count or a length the
	 * kernel believes stops there (EFAULT), not in our memory. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || mprotect(page + 4096, 4096, PROT_NONE)) {
		o->open_err = errno;
		return;
	}
	buf = page + 4096 - 256;
	for (k = 0; k < 4; k++) {
		fds[k] = open(TP_VDEV, O_RDWR | O_CLOEXEC);
		if (fds[k] < 0) {
			o->open_err = errno;
			return;
		}
	}
	o->outside_err = tp_vset(fds[0], outside);
	i = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	o->ctl_err = i < 0 ? errno : 0;
	if (i >= 0)
		close(i);
	for (long c = 0; c < n; c++) {
		unsigned int cmd;
		void *arg;

		k = tp_below(&r, 4);
		if (!tp_below(&r, 256)) {
			close(fds[k]);
			fds[k] = open(TP_VDEV, O_RDWR | O_CLOEXEC);
			o->reopen++;
			if (fds[k] < 0) {
				o->open_err = errno;
				return;
			}
			continue;
		}
		switch (tp_below(&r, 4)) {
		case 0:
		case 1:
			cmd = tp_fuzz_cmds[tp_below(&r, TP_ARRAY_SIZE(tp_fuzz_cmds))];
			break;
		case 2:
			cmd = _IOC(tp_below(&r, 4), VHOST_VIRTIO,
				   tp_below(&r, 256), tp_below(&r, 128));
			break;
		default:
			cmd = tp_rand(&r);
			break;
		}
		for (i = 0; i < 256; i += 4)
			*(uint32_t *)(buf + i) = tp_rand(&r);
		if (tp_below(&r, 2))	/* a plausible count, index or fd */
			*(uint64_t *)buf = tp_below(&r, 8);
		switch (tp_below(&r, 8)) {
		case 0:
			arg = NULL;
			break;
		case 1:
			arg = (void *)(uintptr_t)tp_below(&r, 4096);
			break;
		case 2:
			arg = (void *)0xffffffff81000000UL;
			break;
		case 3:
			arg = buf + 256 - 8;
			break;
		default:
			arg = buf;
			break;
		}
		if (ioctl(fds[k], cmd, arg) == 0)
			o->ok++;
		else if (errno == EFAULT)
			o->efault++;
		o->calls++;
	}
	for (k = 0; k < 4; k++)
		close(fds[k]);
}

/* Fork as nobody with nothing of ours open but the result pipe. */
static int tp_fuzz_as_nobody(uint64_t seed, long n, uint64_t outside,
			     struct tp_fuzz_out *o)
{
	int p[2], status;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		struct tp_fuzz_out out = {};

		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[1])
				close(fd);
		if (tp_become_nobody())
			_exit(250);
		tp_fuzz(seed, n, outside, &out);
		if (write(p[1], &out, sizeof(out)) != sizeof(out))
			_exit(252);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], o, sizeof(*o)) != sizeof(*o))
		memset(o, 0, sizeof(*o));
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F_TIMEOUT(vhost, unprivileged_fuzz, 400)
{
	uint32_t lo = TP_FLOOR | (st.native & ~tp_newest());
	uint64_t seed = tp_seed(), f0, f1, aw0[TP_VW + 1], aw1[TP_VW + 1];
	long n = tp_scale(20000, 400000);
	struct tp_fuzz_out o[2];
	char before[700], after[700];
	struct stat sb;
	int fd, rc;

	ASSERT_EQ(0, stat(TP_VDEV, &sb));
	self->mode = sb.st_mode & 07777;
	self->chmodded = true;
	ASSERT_EQ(0, chmod(TP_VDEV, 0666));
	ASSERT_EQ(0, tp_load_caps(lo));
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, before, sizeof(before)));
	fd = tp_vopen(true);		/* root's VM */
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tp_vset(fd, st.words[0] & tp_word0(lo)));
	ASSERT_EQ(0, tp_vget(fd, &f0));
	tp_vaget(fd, 2, aw0);

	tp_diag("vhost: fuzz seed %#llx (TUNPIN_SEED), 2 x %ld ioctls as nobody",
		(unsigned long long)seed, n);
	for (int i = 0; i < 2; i++) {
		rc = tp_fuzz_as_nobody(seed + 2 * i, n, st.words[0], &o[i]);
		EXPECT_EQ(0, rc);
		EXPECT_EQ(0, o[i].open_err) {
			TH_LOG("nobody cannot open %s: %s", TP_VDEV,
			       tp_err(o[i].open_err));
		}
		/* nobody is governed too, and gets no exemption. */
		EXPECT_EQ(EOPNOTSUPP, o[i].outside_err);
		EXPECT_NE(0, o[i].ctl_err);
		tp_diag("vhost: fuzzer %d: %ld calls, %ld accepted, %ld EFAULT, %ld reopens",
			i, o[i].calls, o[i].ok, o[i].efault, o[i].reopen);
	}

	/* Root's fd is offered what it was, and the level is the same. */
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, after, sizeof(after)));
	EXPECT_STREQ(before, after);
	ASSERT_EQ(0, tp_vget(fd, &f1));
	EXPECT_EQ(f0, f1);
	tp_vaget(fd, 2, aw1);
	EXPECT_EQ(0, memcmp(aw0, aw1, sizeof(aw0)));
	EXPECT_EQ(0, tp_check_fd(_metadata, fd, 1, true, lo, "root's fd after the fuzz"));
	close(fd);
	EXPECT_EQ(0, tp_check_new(_metadata, true, lo, "after the fuzz"));
}

/*
 * Threads storm VHOST_SET_FEATURES (and GET) on their own fds while
 * another flips the host level (netlink, FORCE). A generation counter
 * brackets each change, so each answer is checked against the levels in
 * force at some point of the call: an accepted SET must be within one of
 * them (and accepted stock), an EOPNOTSUPP must come from one that
 * refuses it (or from the stock kernel), GET must be one's mask.
 */
#define TP_NSTORM	3
#define TP_RING		(1 << 16)
#define TP_NSLEVELS	4

static uint32_t tp_slevels[TP_NSLEVELS];
static uint32_t tp_sring[TP_RING];
static unsigned long tp_sgen;
static volatile bool tp_sstop;

struct tp_sworker {
	int id;
	long sets, accepted, refused, gets, hole, inconsistent, other, overrun;
	uint64_t first_bad;
	int first_err;
};

static void *tp_storm_work(void *arg)
{
	struct tp_sworker *w = arg;
	struct tp_rng r = { (uint64_t)(w->id + 1) * 0x9e3779b97f4a7c15ULL };
	int fd = tp_vopen(true);

	if (fd < 0) {
		w->other++;
		return NULL;
	}
	while (!tp_sstop) {
		int p = tp_below(&r, st.nprobe), err, want = st.set_err[1][p];
		bool get = !tp_below(&r, 4), can_accept = false, can_refuse = false;
		unsigned long g0, g1, e;
		uint64_t f = 0;

		g0 = __atomic_load_n(&tp_sgen, __ATOMIC_SEQ_CST);
		err = get ? tp_vget(fd, &f) : tp_vset(fd, st.probe[p]);
		g1 = __atomic_load_n(&tp_sgen, __ATOMIC_SEQ_CST);
		if (g1 - g0 >= TP_RING) {
			w->overrun++;
			continue;
		}
		for (e = g0 & ~1UL; e <= ((g1 + 1) & ~1UL); e += 2) {
			uint64_t a = tp_word0(tp_sring[(e / 2) % TP_RING]);

			if (get ? f == (st.get[1] & a) : !(st.probe[p] & ~a))
				can_accept = true;
			else
				can_refuse = true;
		}
		if (get) {
			w->gets++;
			if (err || !can_accept)
				goto bad;
			continue;
		}
		w->sets++;
		if (!err) {
			w->accepted++;
			if (want || !can_accept) {
				w->hole++;
				goto bad;
			}
		} else if (err == EOPNOTSUPP) {
			w->refused++;
			if (want != EOPNOTSUPP && !can_refuse)
				goto bad;
		} else if (err != want || !can_accept) {
			w->other++;
			goto bad;
		}
		continue;
bad:
		w->inconsistent++;
		if (!w->first_err) {
			w->first_bad = get ? f : st.probe[p];
			w->first_err = get ? -1 : err ?: -2;
		}
	}
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(vhost, set_storm, 300)
{
	struct tp_sworker w[TP_NSTORM] = {};
	double secs = tp_scale(8, 60), t0;
	struct tp_rng r = { 0x51 };
	pthread_t th[TP_NSTORM];
	unsigned long g = 0;
	long flips = 0, flip_err = 0, sets = 0;
	struct tp_level l = { .pinned = true };

	tp_slevels[0] = TP_FLOOR | st.native;
	tp_slevels[1] = TP_FLOOR | (st.native & ~tp_newest());
	tp_slevels[2] = TP_FLOOR | (st.native & TP_VHOST_61);
	tp_slevels[3] = TP_FLOOR;
	ASSERT_EQ(0, tp_load_caps(tp_slevels[0]));
	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
	tp_sring[0] = tp_slevels[0];
	tp_sgen = 0;
	tp_sstop = false;
	for (int i = 0; i < TP_NSTORM; i++) {
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, tp_storm_work, &w[i]));
	}
	t0 = tp_now();
	while (tp_now() - t0 < secs) {
		uint32_t next = tp_slevels[tp_below(&r, TP_NSLEVELS)];
		uint32_t cur = tp_sring[(g / 2) % TP_RING];
		int err;

		/* What the change may put in force, before it can. */
		tp_sring[((g + 2) / 2) % TP_RING] = next;
		__atomic_store_n(&tp_sgen, g + 1, __ATOMIC_SEQ_CST);
		l.caps = next;
		err = tp_nl_level_set(self->nl, &l, true);
		flips++;
		if (err)
			flip_err++;
		tp_sring[((g + 2) / 2) % TP_RING] = err ? cur : next;
		g += 2;
		__atomic_store_n(&tp_sgen, g, __ATOMIC_SEQ_CST);
		usleep(tp_below(&r, 2000));
	}
	tp_sstop = true;
	for (int i = 0; i < TP_NSTORM; i++) {
		pthread_join(th[i], NULL);
		sets += w[i].sets;
		tp_diag("vhost storm: worker %d: %ld SET (%ld accepted, %ld EOPNOTSUPP), %ld GET, %ld inconsistent (%ld holes, %ld other errnos), %ld ring overruns",
			i, w[i].sets, w[i].accepted, w[i].refused, w[i].gets,
			w[i].inconsistent, w[i].hole, w[i].other, w[i].overrun);
		EXPECT_EQ(0, w[i].inconsistent) {
			TH_LOG("worker %d: first: %#llx answered %d", i,
			       (unsigned long long)w[i].first_bad, w[i].first_err);
		}
		EXPECT_EQ(0, w[i].hole);
	}
	tp_diag("vhost storm: %ld level changes (%ld failed) in %.1f s", flips,
		flip_err, tp_now() - t0);
	EXPECT_EQ(0, flip_err);
	EXPECT_LT(0, sets);
}

TEST_HARNESS_MAIN
