// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of TUNSETOFFLOAD, on tun and on a real macvtap: the
 * stock kernel's answer to every combination of the known bits (plus
 * unknown bits) is recorded before tunpin loads. Unpinned, every answer is
 * the same. Pinned to a level L, a request is accepted iff the stock kernel
 * accepted it and all its bits are in L; otherwise it fails with the errno
 * the stock kernel gives for a bit it does not know. The device is opened
 * before the module loads (those fds are governed too) and again after.
 * Built twice: native and -m32, for the compat ioctl path.
 */
#include "tunpin_lib.h"
#include "kselftest_harness.h"

#define TP_NKNOWN	9
#define TP_NCOMBO	(1 << TP_NKNOWN)
#define TP_MAXPROBE	(TP_NCOMBO + 64)

static const char *const tp_levels[] = {
	"none",
	"csum",
	"tso4 tso6",			/* offloads without csum */
	"csum tso4 tso6 tso_ecn",	/* the floor real levels never go below */
	"csum tso4 tso6 tso_ecn ufo",	/* linux-4.14 */
	"csum tso4 tso6 tso_ecn ufo uso4 uso6",
	"csum tso4 tso6 tso_ecn ufo uso4",	/* half of USO */
	"csum ufo",
	"csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso udp_tunnel_gso_csum",
};

/*
 * A case makes over a thousand TUNSETOFFLOAD calls (the setup's stock
 * answers, then each fd's under a level), pinned_levels nine module loads
 * and about ten thousand calls. Seconds on a stock kernel; in the KASAN
 * and lockdep guest of check-debug a macvtap call (rtnl and
 * netdev_update_features()) takes tens of milliseconds: the harness's
 * default 30 s is too short there. The runner's limit for the
 * whole test (600 s; 7200 s in check-debug) still bounds a hang.
 */
#define TP_OFFLOAD_TIMEOUT		300
#define TP_OFFLOAD_LEVELS_TIMEOUT	1200

FIXTURE(offload) {
	int fd;				/* opened before tunpin loads */
	int nprobe;
	unsigned long probe[TP_MAXPROBE];
	int stock[TP_MAXPROBE];		/* 0 or errno, before loading */
	int refuse_errno;		/* stock answer to an unknown bit */
	int kmsg;
};

FIXTURE_VARIANT(offload) {
	bool macvtap;
	const char *ifname;
};

FIXTURE_VARIANT_ADD(offload, tun) { .macvtap = false, .ifname = "tpoff0" };
FIXTURE_VARIANT_ADD(offload, macvtap) { .macvtap = true, .ifname = "tpmvt0" };

static int tp_open_dev(const FIXTURE_VARIANT(offload) *variant,
		       const char *name)
{
	return variant->macvtap ? tp_macvtap_open(name) : tp_tun_open(name);
}

/* A new fd on the fixture's device (a tun one is made anew). */
static int tp_reopen(const FIXTURE_VARIANT(offload) *variant)
{
	char path[64];

	if (!variant->macvtap)
		return tp_tun_open(variant->ifname);
	snprintf(path, sizeof(path), "/dev/tap%u",
		 if_nametoindex(variant->ifname));
	return open(path, O_RDWR | O_CLOEXEC);
}

static uint32_t tp_level_bits(const char *level)
{
	static const char *const names[] = {
		"csum", "tso4", "tso6", "tso_ecn", "ufo", "uso4", "uso6",
		"udp_tunnel_gso", "udp_tunnel_gso_csum",
	};
	char buf[256], *tok, *save;
	uint32_t bits = 0;

	snprintf(buf, sizeof(buf), "%s", level);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		for (int i = 0; i < TP_NKNOWN; i++)
			if (!strcmp(tok, names[i]))
				bits |= 1u << i;
	return bits;
}

FIXTURE_SETUP(offload)
{
	static const unsigned long unknown[] = TP_UNKNOWN_BITS;
	static const unsigned long bases[] = {
		0, TUNPIN_CAP_CSUM,
		TUNPIN_CAP_CSUM | TUNPIN_CAP_TSO4 | TUNPIN_CAP_UFO,
		TUNPIN_CAP_TAP,
	};
	int i, j, n = 0;

	/* The bits we call "known" are the table's TAP offloads, in its
	 * order (the vhost-net capabilities are no TUNSETOFFLOAD flags). */
	ASSERT_EQ(TP_NCOMBO - 1, TUNPIN_CAP_TAP);
	ASSERT_EQ(0, tp_module_unload());
	if (variant->macvtap)
		tp_macvtap_del(variant->ifname);

	for (i = 0; i < TP_NCOMBO; i++)
		self->probe[n++] = i;
	for (i = 0; i < (int)(sizeof(unknown) / sizeof(unknown[0])); i++)
		for (j = 0; j < (int)(sizeof(bases) / sizeof(bases[0])); j++)
			self->probe[n++] = bases[j] | unknown[i];
	if (sizeof(long) == 8)	/* beyond 32 bits: native calls only */
		self->probe[n++] = TUNPIN_CAP_CSUM | (1UL << (sizeof(long) * 8 - 1));
	self->nprobe = n;

	self->fd = tp_open_dev(variant, variant->ifname);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < n; i++)
		self->stock[i] = tp_offload(self->fd, self->probe[i]);
	self->refuse_errno = tp_offload(self->fd, unknown[0]);
	ASSERT_NE(0, self->refuse_errno);
	/* Sanity of the stock kernel: the floor and UFO are there. */
	ASSERT_EQ(0, tp_offload(self->fd, TUNPIN_CAP_CSUM | TUNPIN_CAP_UFO));

	self->kmsg = tp_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(offload)
{
	close(self->kmsg);
	close(self->fd);
	tp_module_unload();
	if (variant->macvtap)
		tp_macvtap_del(variant->ifname);
}

/* Every probe on @fd against the stock answers under level @bits. */
static int tp_check_level(struct __test_metadata *_metadata,
			  FIXTURE_DATA(offload) *self, int fd, const char *lname,
			  bool pinned, uint32_t bits)
{
	int i, bad = 0;

	for (i = 0; i < self->nprobe; i++) {
		unsigned long v = self->probe[i];
		int want = self->stock[i], got;

		if (pinned && !want && (v & ~(unsigned long)bits))
			want = self->refuse_errno;
		got = tp_offload(fd, v);
		if (got != want && bad++ < 5)
			TH_LOG("level '%s': TUNSETOFFLOAD %#lx: got %s, want %s",
			       lname, v, got ? strerror(got) : "accepted",
			       want ? strerror(want) : "accepted");
	}
	return bad;
}

TEST_F_TIMEOUT(offload, unpinned_is_stock, TP_OFFLOAD_TIMEOUT)
{
	int fd2;

	ASSERT_EQ(0, tp_module_load(NULL));
	EXPECT_EQ(0, tp_check_level(_metadata, self, self->fd, "unpinned",
				    false, 0));
	fd2 = tp_open_dev(variant, variant->macvtap ? "tpmvt1" : "tpoff1");
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, tp_check_level(_metadata, self, fd2, "unpinned",
				    false, 0));
	close(fd2);
	if (variant->macvtap)
		tp_macvtap_del("tpmvt1");
}

/*
 * Each level from module load (level=), on an fd opened before the load
 * and on one opened under it. Reloading, rather than writing the level,
 * keeps lowering admission out of the way: these fds were granted every
 * capability of the previous level. A TAP tunpin governed holds the module
 * (the unload is refused while it is open), so both are closed first.
 */
TEST_F_TIMEOUT(offload, pinned_levels, TP_OFFLOAD_LEVELS_TIMEOUT)
{
	const char *name2 = variant->macvtap ? "tpmvt1" : "tpoff1";
	char param[256];
	int i, fd2;

	for (i = 0; i < (int)(sizeof(tp_levels) / sizeof(tp_levels[0])); i++) {
		uint32_t bits = tp_level_bits(tp_levels[i]);
		char *p;

		snprintf(param, sizeof(param), "level=%s", tp_levels[i]);
		for (p = param; (p = strchr(p, ' ')); )
			*p = ',';
		close(self->fd);
		ASSERT_EQ(0, tp_module_unload());
		self->fd = tp_reopen(variant);
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, tp_module_load(param));
		fd2 = tp_open_dev(variant, name2);	/* under the module */
		ASSERT_LE(0, fd2);
		EXPECT_EQ(0, tp_check_level(_metadata, self, self->fd,
					    tp_levels[i], true, bits));
		EXPECT_EQ(0, tp_check_level(_metadata, self, fd2,
					    tp_levels[i], true, bits));
		close(fd2);
		if (variant->macvtap)
			tp_macvtap_del(name2);
	}
	/* Back to unpinned: stock again, without a reload. */
	ASSERT_EQ(0, tp_set_level("unpinned"));
	EXPECT_EQ(0, tp_check_level(_metadata, self, self->fd, "unpinned",
				    false, 0));
}

/* tun: an fd not attached to a device keeps the kernel's EBADFD. */
TEST_F_TIMEOUT(offload, unattached_keeps_errno, TP_OFFLOAD_TIMEOUT)
{
	int fd, stock;

	if (variant->macvtap)
		SKIP(return, "a macvtap fd is always attached");
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	stock = tp_offload(fd, TUNPIN_CAP_CSUM | TUNPIN_CAP_UFO);
	ASSERT_EQ(EBADFD, stock);
	ASSERT_EQ(0, tp_module_load("level=csum"));
	EXPECT_EQ(stock, tp_offload(fd, TUNPIN_CAP_CSUM | TUNPIN_CAP_UFO));
	EXPECT_EQ(stock, tp_offload(fd, TUNPIN_CAP_CSUM));
	close(fd);
}

/*
 * Known commands pass while pinned; unknown ones are refused the way the
 * kernel refuses a command it does not implement, and are counted.
 */
TEST_F_TIMEOUT(offload, ioctl_commands, TP_OFFLOAD_TIMEOUT)
{
	static const unsigned int unknown_cmds[] = {
		_IO('T', 250), _IOR('T', 240, unsigned int),
		_IOW('T', 241, unsigned int), 0x89ff,
	};
	unsigned int feat = 0, feat2 = 0;
	struct ifreq ifr;
	int hdrsz = 0, stock[4], i;
	long long before;

	for (i = 0; i < 4; i++)
		stock[i] = ioctl(self->fd, unknown_cmds[i], 0) ? errno : 0;
	ASSERT_EQ(0, ioctl(self->fd, TUNGETFEATURES, &feat));

	ASSERT_EQ(0, tp_module_load("level=none"));
	EXPECT_EQ(0, ioctl(self->fd, TUNGETFEATURES, &feat2));
	EXPECT_EQ(feat, feat2);
	EXPECT_EQ(0, ioctl(self->fd, TUNGETIFF, &ifr));
	EXPECT_EQ(0, ioctl(self->fd, TUNGETVNETHDRSZ, &hdrsz));
	EXPECT_EQ(10, hdrsz);
	EXPECT_EQ(0, tp_offload(self->fd, 0));

	before = tp_counter("refused/ioctls");
	for (i = 0; i < 4; i++) {
		int got = ioctl(self->fd, unknown_cmds[i], 0) ? errno : 0;

		EXPECT_NE(0, got);
		EXPECT_EQ(stock[i], got) {
			TH_LOG("cmd %#x", unknown_cmds[i]);
		}
	}
	EXPECT_EQ(before + 4, tp_counter("refused/ioctls"));
}

TEST_F_TIMEOUT(offload, counters_and_log, TP_OFFLOAD_TIMEOUT)
{
	char needle[128];
	const char *msg[] = {
		"tunpin: refused TUNSETOFFLOAD ufo uso4 uso6 for ",
		needle,
		"(level: csum tso4 tso6 tso_ecn)",
	};
	/* A TUN_F_* flag outside the table is "unknown", whatever its value. */
	const char *unk[] = { "TUNSETOFFLOAD unknown for " };

	snprintf(needle, sizeof(needle), "[%d]", getpid());
	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn"));
	EXPECT_EQ(0, tp_counter("refused/ufo"));
	EXPECT_EQ(self->refuse_errno,
		  tp_offload(self->fd, TUNPIN_CAP_CSUM | TUNPIN_CAP_UFO |
			     TUNPIN_CAP_USO4 | TUNPIN_CAP_USO6));
	EXPECT_EQ(0, tp_offload(self->fd, TUNPIN_CAP_CSUM | TUNPIN_CAP_TSO4));
	EXPECT_EQ(1, tp_counter("refused/ufo"));
	EXPECT_EQ(1, tp_counter("refused/uso4"));
	EXPECT_EQ(0, tp_counter("refused/csum"));
	EXPECT_EQ(2, tp_counter("requested/csum"));
	EXPECT_EQ(1, tp_counter("requested/tso4"));
	EXPECT_TRUE(tp_kmsg_find(self->kmsg, msg, 3));

	EXPECT_NE(0, tp_offload(self->fd, TUNPIN_CAP_CSUM | 0x200));
	EXPECT_EQ(1, tp_counter("refused/unknown"));
	EXPECT_EQ(1, tp_counter("requested/unknown"));
	EXPECT_TRUE(tp_kmsg_find(self->kmsg, unk, 1));
}

TEST_HARNESS_MAIN
