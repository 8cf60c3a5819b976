// SPDX-License-Identifier: GPL-2.0
/*
 * Who may do what, beyond control.c's "privileges" test (netlink LEVEL_SET,
 * OVERRIDE_ADD/DEL and TAP_GET refused, the sysfs level, TUNPIN_EXEMPT on
 * an unattached fd): an unprivileged user, and root of a new user namespace
 * with its own network namespace,
 *  - can read the level, its label, the known capabilities and the
 *    counters (sysfs and netlink), but not the overrides: their paths name
 *    VMs (libvirt's machine scopes), so OVERRIDE_GET needs CAP_NET_ADMIN;
 *  - can change neither the level nor its label (sysfs) nor any override,
 *    its own cgroup's included, nor the root cgroup's (EPERM/EACCES), and
 *    the state is exactly as before;
 *  - cannot exempt a TAP from the policy: not through /dev/tunpin with a
 *    TAP of its own, not by attaching by name to a queue of a device whose
 *    other queue root exempted, not with a TAP created in its own network
 *    namespace: the level governs every one of them;
 *  - the same for vhost-net fds (/dev/vhost-net opened to all for the
 *    test): VHOST_GET_FEATURES answers the level (here: no vhost
 *    capability), VHOST_SET_FEATURES of one outside it is refused
 *    (EOPNOTSUPP), and TUNPIN_EXEMPT of its vhost fd is refused (EPERM).
 */
#include "stress.h"
#include <linux/vhost.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_CG		"/sys/fs/cgroup/tunpin-priv"
#define TP_DEV		"tppriv0"
#define TP_LOOSE	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UFO)

struct tp_msg {
	char text[256];
};

#define TP_FAIL(m, ...) do {						\
	snprintf((m)->text, sizeof((m)->text), __VA_ARGS__);		\
	return 1;							\
} while (0)

static int tp_count_ov(const struct tp_override *ov, void *arg)
{
	if (!strcmp(ov->cgroup, "/tunpin-priv") && ov->level.pinned &&
	    ov->level.caps == TUN_F_CSUM)
		(*(int *)arg)++;
	return 0;
}

/* Attach to the multi-queue TAP root made, by its name. */
static int tp_attach(const char *name, bool create)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
					  IFF_MULTI_QUEUE };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int err = -errno;

		close(fd);
		return err;
	}
	(void)create;
	return fd;
}

/* TUNPIN_EXEMPT of @fd through /dev/tunpin is refused (or cannot be asked). */
static int tp_exempt_refused(struct tp_msg *m, int fd, const char *what)
{
	int ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC), err;
	__s32 v = fd;

	if (ctl < 0 && errno != EACCES)
		TP_FAIL(m, "open /dev/tunpin: %d", errno);
	if (ctl < 0)
		return 0;
	err = ioctl(ctl, TUNPIN_EXEMPT, &v) ? errno : 0;
	close(ctl);
	if (err != EPERM)
		TP_FAIL(m, "TUNPIN_EXEMPT %s: %d", what, err);
	return 0;
}

/* Its own vhost-net fd is governed, and it cannot exempt it. */
static int tp_unpriv_vhost(struct tp_msg *m, bool userns)
{
	uint64_t f = 0, mrg = 1ULL << TUNPIN_VHOST_BIT_MRG_RXBUF;
	int fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC), i;

	if (fd < 0)
		TP_FAIL(m, "open /dev/vhost-net: %d", errno);
	if (ioctl(fd, VHOST_GET_FEATURES, &f))
		TP_FAIL(m, "VHOST_GET_FEATURES: %d", errno);
	for (i = 0; i < TP_NCAPS_ALL; i++)
		if (tp_caps[i].vbit >= 0 && tp_caps[i].vbit < 64 &&
		    (f >> tp_caps[i].vbit & 1))
			TP_FAIL(m, "VHOST_GET_FEATURES %#llx offers %s outside the level",
				(unsigned long long)f, tp_caps[i].name);
	if (!ioctl(fd, VHOST_SET_FEATURES, &mrg) || errno != EOPNOTSUPP)
		TP_FAIL(m, "VHOST_SET_FEATURES mrg_rxbuf: %d", errno);
	if (userns) {
		if (tp_exempt_refused(m, fd, "own vhost fd"))
			return 1;
		if (!ioctl(fd, VHOST_SET_FEATURES, &mrg) || errno != EOPNOTSUPP)
			TP_FAIL(m, "VHOST_SET_FEATURES after EXEMPT: %d", errno);
	}
	close(fd);
	return 0;
}

static int tp_unpriv(void *arg)
{
	struct tp_msg *m = arg;
	static const char *const ro[] = {
		"level", "level_name", "known", "requested/ufo",
		"refused/unknown", "refused/ioctls",
	};
	struct tp_level l = { .caps = TP_LOOSE, .pinned = true }, got;
	struct tp_counters c;
	char path[128], buf[256];
	int i, n = 0, fd, err;
	bool userns = getuid() == 0;
	struct tp_nl *nl;

	/* Reads. */
	for (i = 0; i < (int)(sizeof(ro) / sizeof(ro[0])); i++) {
		snprintf(path, sizeof(path), TP_SYSFS "/%s", ro[i]);
		if (tp_read_file(path, buf, sizeof(buf)))
			TP_FAIL(m, "cannot read %s", path);
	}
	nl = tp_nl_open();
	if (!nl)
		TP_FAIL(m, "no netlink: %d", errno);
	if (tp_nl_level_get(nl, &got) || !got.pinned ||
	    got.caps != TUN_F_CSUM || strcmp(got.name, "priv"))
		TP_FAIL(m, "LEVEL_GET");
	if (tp_nl_counters(nl, &c) || c.n < 10)
		TP_FAIL(m, "COUNTERS_GET");
	err = tp_nl_overrides(nl, tp_count_ov, &n);
	if (err != -EPERM || n)
		TP_FAIL(m, "OVERRIDE_GET: %d, %d listed: override paths name VMs",
			err, n);

	/* Changes. */
	err = tp_write_file(TP_SYSFS "/level_name", "mine", 4);
	if (err != -EACCES && err != -EPERM)
		TP_FAIL(m, "level_name write: %d", err);
	err = tp_write_file(TP_LEVEL, "unpinned\n", 9);
	if (err != -EACCES && err != -EPERM)
		TP_FAIL(m, "level write: %d", err);
	if ((err = tp_nl_override_add(nl, "/tunpin-priv/mine", &l)) != -EPERM)
		TP_FAIL(m, "OVERRIDE_ADD of its own cgroup: %d", err);
	if ((err = tp_nl_override_add(nl, "/", &l)) != -EPERM)
		TP_FAIL(m, "OVERRIDE_ADD /: %d", err);
	if ((err = tp_nl_override_del(nl, "/tunpin-priv")) != -EPERM)
		TP_FAIL(m, "OVERRIDE_DEL: %d", err);
	l.pinned = false;
	if ((err = tp_nl_level_set(nl, &l, true)) != -EPERM)
		TP_FAIL(m, "LEVEL_SET unpinned: %d", err);
	tp_nl_close(nl);

	if (tp_unpriv_vhost(m, userns))
		return 1;

	/* Exemption. */
	if (userns) {
		/* A TAP in its own network namespace, and /dev/tunpin. */
		fd = tp_tun_open(TP_DEV);
		if (fd < 0)
			TP_FAIL(m, "TAP in its own netns: %d", fd);
		if ((err = tp_offload(fd, TP_LOOSE)) != EINVAL)
			TP_FAIL(m, "own netns TAP, TUNSETOFFLOAD ufo: %d", err);
		if (tp_exempt_refused(m, fd, "own TAP"))
			return 1;
		if ((err = tp_offload(fd, TP_LOOSE)) != EINVAL)
			TP_FAIL(m, "own netns TAP after EXEMPT: %d", err);
		if ((err = tp_offload(fd, TUN_F_CSUM)) != 0)
			TP_FAIL(m, "own netns TAP, csum: %d", err);
		close(fd);
		return 0;
	}
	if (open("/dev/tunpin", O_RDWR | O_CLOEXEC) >= 0 || errno != EACCES)
		TP_FAIL(m, "/dev/tunpin opened, or not EACCES: %d", errno);
	/* Its queue of the device whose other queue is exempt. */
	fd = tp_attach(TP_DEV, false);
	if (fd < 0)
		TP_FAIL(m, "attach to %s by name: %d", TP_DEV, fd);
	if ((err = tp_offload(fd, TP_LOOSE)) != EINVAL)
		TP_FAIL(m, "TUNSETOFFLOAD ufo on the named device: %d", err);
	if ((err = tp_offload(fd, TUN_F_CSUM)) != 0)
		TP_FAIL(m, "TUNSETOFFLOAD csum on the named device: %d", err);
	close(fd);
	/* A device of its own is refused by the kernel. */
	fd = tp_tun_open("tppriv-mine");
	if (fd >= 0 || fd != -EPERM)
		TP_FAIL(m, "nobody created a TAP: %d", fd);
	return 0;
}

FIXTURE(priv) {
	int ctl, q0;
	mode_t tun_mode, vhost_mode;
	struct tp_nl *nl;
};

FIXTURE_SETUP(priv)
{
	struct tp_level l = { .caps = TUN_F_CSUM, .pinned = true };
	struct stat st;
	__s32 v;

	self->q0 = self->ctl = -1;
	ASSERT_EQ(0, tp_module_unload());
	ASSERT_EQ(0, tp_module_load("level=csum"));
	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
	strcpy(l.name, "priv");
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &l, false));
	rmdir(TP_CG "/mine");
	rmdir(TP_CG);
	ASSERT_EQ(0, mkdir(TP_CG, 0755));
	ASSERT_EQ(0, mkdir(TP_CG "/mine", 0755));
	l.name[0] = '\0';
	ASSERT_EQ(0, tp_nl_override_add(self->nl, "/tunpin-priv", &l));

	/* As udev makes it (devtmpfs alone gives 0600). */
	ASSERT_EQ(0, stat("/dev/net/tun", &st));
	self->tun_mode = st.st_mode & 07777;
	ASSERT_EQ(0, chmod("/dev/net/tun", 0666));
	ASSERT_EQ(0, stat("/dev/vhost-net", &st));
	self->vhost_mode = st.st_mode & 07777;
	ASSERT_EQ(0, chmod("/dev/vhost-net", 0666));
	/* A multi-queue TAP nobody may attach to; root's queue is exempt. */
	self->q0 = tp_attach(TP_DEV, true);
	ASSERT_LE(0, self->q0);
	ASSERT_EQ(0, ioctl(self->q0, TUNSETOWNER, 65534));
	ASSERT_EQ(0, ioctl(self->q0, TUNSETPERSIST, 1));
	self->ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ctl);
	v = self->q0;
	ASSERT_EQ(0, ioctl(self->ctl, TUNPIN_EXEMPT, &v));
	ASSERT_EQ(0, tp_offload(self->q0, TP_LOOSE));
}

FIXTURE_TEARDOWN(priv)
{
	if (self->q0 >= 0) {
		ioctl(self->q0, TUNSETPERSIST, 0);
		close(self->q0);
	}
	if (self->ctl >= 0)
		close(self->ctl);
	if (self->nl) {
		tp_nl_override_del(self->nl, "/tunpin-priv");
		tp_nl_close(self->nl);
	}
	tp_module_unload();
	if (self->tun_mode)
		chmod("/dev/net/tun", self->tun_mode);
	if (self->vhost_mode)
		chmod("/dev/vhost-net", self->vhost_mode);
	rmdir(TP_CG "/mine");
	rmdir(TP_CG);
}

static void tp_state(struct tp_nl *nl, char *s, size_t size)
{
	struct tp_level l = {};
	int n = 0;
	char buf[256] = "";

	tp_nl_level_get(nl, &l);
	tp_nl_overrides(nl, tp_count_ov, &n);
	tp_read_file(TP_LEVEL, buf, sizeof(buf));
	snprintf(s, size, "%d:%x:%s:%d:%s", l.pinned, l.caps, l.name, n, buf);
}

static void tp_as(struct __test_metadata *_metadata, FIXTURE_DATA(priv) *self,
		  enum tp_who who)
{
	struct tp_msg m = {};
	char before[512], after[512];
	int rc;

	tp_state(self->nl, before, sizeof(before));
	rc = tp_run_as(who, tp_unpriv, &m, &m, sizeof(m));
	EXPECT_EQ(0, rc) {
		TH_LOG("%s: %s", tp_who_name[who], m.text);
	}
	tp_state(self->nl, after, sizeof(after));
	EXPECT_STREQ(before, after);
	/* root's exempted queue still is, nobody's never was */
	EXPECT_EQ(0, tp_offload(self->q0, TP_LOOSE));
	if (!rc)
		tp_diag("privilege: %s reads level, label, known, counters, not overrides; sysfs and netlink changes refused; its TAPs and vhost-net fds governed; state unchanged (%s)",
			tp_who_name[who], after);
}

TEST_F(priv, nobody)
{
	tp_as(_metadata, self, TP_NOBODY);
}

TEST_F(priv, userns_root)
{
	tp_as(_metadata, self, TP_USERNS);
}

TEST_HARNESS_MAIN
