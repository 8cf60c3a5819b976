// SPDX-License-Identifier: GPL-2.0
/*
 * The control plane: the generic netlink family through the tool's own
 * library (tools/tunpin/nl.c), sysfs level_name, per-cgroup overrides, the
 * /dev/tunpin probe exemption, lowering admission (also of a VM whose
 * override was deleted), the "events" group and
 * who may change what (EPERM for an unprivileged user and for root in a
 * user namespace).
 */
#include "tunpin_lib.h"
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_CG		"/sys/fs/cgroup/tunpin-ctl"
#define TP_CG_CHILD	TP_CG "/vm"
#define TP_UNKNOWN_CAP	((TUNPIN_CAP_ALL + 1) & ~TUNPIN_CAP_ALL)
#define TP_ALL_OFFLOADS	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | \
			 TUN_F_TSO_ECN | TUN_F_UFO)

static struct tp_level tp_level(uint32_t caps, const char *name)
{
	struct tp_level l = { .caps = caps, .pinned = true };

	snprintf(l.name, sizeof(l.name), "%s", name);
	return l;
}

static const struct tp_level tp_unpinned = { .pinned = false };

/* Run @fn in a child process; its exit status is the result (0 = ok). */
static int tp_in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Move the calling process into cgroup @dir. */
static int tp_cgroup_enter(const char *dir)
{
	char path[256], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return tp_write_file(path, pid, strlen(pid));
}

FIXTURE(ctl) {
	struct tp_nl *nl;
};

FIXTURE_SETUP(ctl)
{
	ASSERT_EQ(0, tp_module_unload());
	ASSERT_EQ(0, tp_module_load(NULL));
	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
	rmdir(TP_CG_CHILD);
	rmdir(TP_CG);
	ASSERT_EQ(0, mkdir(TP_CG, 0755));
	ASSERT_EQ(0, mkdir(TP_CG_CHILD, 0755));
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->nl)
		tp_nl_close(self->nl);
	tp_module_unload();
	rmdir(TP_CG_CHILD);
	rmdir(TP_CG);
}

TEST_F(ctl, level_get_set)
{
	struct tp_level want = tp_level(TUN_F_CSUM | TUN_F_TSO4, "pool-a");
	struct tp_level got;
	char buf[256];

	ASSERT_EQ(0, tp_nl_level_get(self->nl, &got));
	EXPECT_FALSE(got.pinned);
	EXPECT_STREQ("", got.name);

	ASSERT_EQ(0, tp_nl_level_set(self->nl, &want, false));
	ASSERT_EQ(0, tp_nl_level_get(self->nl, &got));
	EXPECT_TRUE(got.pinned);
	EXPECT_EQ(want.caps, got.caps);
	EXPECT_STREQ("pool-a", got.name);
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("csum tso4", buf);
	ASSERT_EQ(0, tp_read_file(TP_SYSFS "/level_name", buf, sizeof(buf)));
	EXPECT_STREQ("pool-a", buf);

	ASSERT_EQ(0, tp_nl_level_set(self->nl, &tp_unpinned, false));
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("unpinned", buf);
	ASSERT_EQ(0, tp_read_file(TP_SYSFS "/level_name", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

/* Every malformed request is refused with a reason and changes nothing. */
TEST_F(ctl, bad_input)
{
	struct tp_level before, after, l;
	char buf[256];

	ASSERT_EQ(0, tp_set_level("csum tso4"));
	ASSERT_EQ(0, tp_write_file(TP_SYSFS "/level_name", "keep\n", 5));
	ASSERT_EQ(0, tp_nl_level_get(self->nl, &before));

	/* the lowest bit no capability has (0x200 is vhost-net's now) */
	l = tp_level(TP_UNKNOWN_CAP | TUN_F_CSUM, "");
	EXPECT_EQ(-EINVAL, tp_nl_level_set(self->nl, &l, false));
	EXPECT_STRNE("", tp_nl_extack(self->nl));
	l = tp_level(TUN_F_CSUM, "bad name!");		/* not a label */
	EXPECT_EQ(-EINVAL, tp_nl_level_set(self->nl, &l, false));
	EXPECT_STRNE("", tp_nl_extack(self->nl));
	l = tp_level(TUN_F_CSUM, "");
	EXPECT_EQ(-ENOENT, tp_nl_override_add(self->nl, "/no/such/cgroup", &l));
	EXPECT_STRNE("", tp_nl_extack(self->nl));
	EXPECT_EQ(-EINVAL, tp_nl_override_add(self->nl, "relative", &l));
	EXPECT_EQ(-ENOENT, tp_nl_override_del(self->nl, "/tunpin-ctl"));
	EXPECT_STRNE("", tp_nl_extack(self->nl));
	ASSERT_EQ(0, tp_nl_override_add(self->nl, "/tunpin-ctl", &l));
	EXPECT_EQ(-EEXIST, tp_nl_override_add(self->nl, "/tunpin-ctl", &l));
	EXPECT_STRNE("", tp_nl_extack(self->nl));
	l.caps |= TP_UNKNOWN_CAP << 1;
	EXPECT_EQ(-EINVAL, tp_nl_override_add(self->nl, "/tunpin-ctl/vm", &l));

	/* sysfs: bad labels, NULs, overlong; bad levels */
	EXPECT_EQ(-EINVAL, tp_write_file(TP_SYSFS "/level_name", "a b", 3));
	EXPECT_EQ(-EINVAL, tp_write_file(TP_SYSFS "/level_name", "a\0b", 3));
	memset(buf, 'x', 64);
	EXPECT_EQ(-EINVAL, tp_write_file(TP_SYSFS "/level_name", buf, 64));
	EXPECT_EQ(0, tp_write_file(TP_SYSFS "/level_name", buf, 63));
	EXPECT_EQ(0, tp_write_file(TP_SYSFS "/level_name", "keep", 4));
	EXPECT_EQ(-EINVAL, tp_set_level("csum bogus"));

	ASSERT_EQ(0, tp_nl_level_get(self->nl, &after));
	EXPECT_EQ(before.caps, after.caps);
	EXPECT_EQ(before.pinned, after.pinned);
	EXPECT_STREQ("keep", after.name);
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("csum tso4", buf);
	EXPECT_EQ(0, tp_nl_override_del(self->nl, "/tunpin-ctl"));
}

static int tp_count_override(const struct tp_override *ov, void *arg)
{
	int *n = arg;

	if (!strcmp(ov->cgroup, "/tunpin-ctl/vm") && !ov->level.pinned)
		*n += 1;
	if (!strcmp(ov->cgroup, "/tunpin-ctl") && ov->level.pinned &&
	    ov->level.caps == TUN_F_CSUM && !strcmp(ov->level.name, "min"))
		*n += 10;
	return 0;
}

struct tp_probe_arg {
	const char *cgroup;
	unsigned long bits;
};

/* In a child: enter a cgroup, then TUNSETOFFLOAD on a fresh TAP. */
static int tp_offload_in(void *p)
{
	const struct tp_probe_arg *a = p;
	int fd, rc;

	if (a->cgroup && tp_cgroup_enter(a->cgroup))
		return 100;
	fd = tp_tun_open("tpctl0");
	if (fd < 0)
		return 101;
	rc = tp_offload(fd, a->bits);
	close(fd);
	return rc;
}

TEST_F(ctl, overrides)
{
	struct tp_level min = tp_level(TUN_F_CSUM, "min");
	struct tp_probe_arg vm = { TP_CG_CHILD, TP_ALL_OFFLOADS };
	struct tp_probe_arg pod = { TP_CG, TUN_F_CSUM | TUN_F_TSO4 };
	struct tp_probe_arg host = { NULL, TP_ALL_OFFLOADS };
	int n = 0;

	/* The host is pinned without ufo; a pod must migrate everywhere
	 * (csum only); one VM in it never migrates (native set).
	 */
	ASSERT_EQ(0, tp_set_level("csum tso4 tso6 tso_ecn"));
	ASSERT_EQ(0, tp_nl_override_add(self->nl, "/tunpin-ctl", &min));
	ASSERT_EQ(0, tp_nl_override_add(self->nl, "/tunpin-ctl/vm",
					&tp_unpinned));
	ASSERT_EQ(0, tp_nl_overrides(self->nl, tp_count_override, &n));
	EXPECT_EQ(11, n);

	EXPECT_EQ(EINVAL, tp_in_child(tp_offload_in, &host));
	EXPECT_EQ(0, tp_in_child(tp_offload_in, &vm));	/* deepest wins */
	EXPECT_EQ(EINVAL, tp_in_child(tp_offload_in, &pod));

	ASSERT_EQ(0, tp_nl_override_del(self->nl, "/tunpin-ctl/vm"));
	EXPECT_EQ(EINVAL, tp_in_child(tp_offload_in, &vm));
	ASSERT_EQ(0, tp_nl_override_del(self->nl, "/tunpin-ctl"));
	pod.bits = TUN_F_CSUM | TUN_F_TSO4;
	EXPECT_EQ(0, tp_in_child(tp_offload_in, &pod));
	n = 0;
	ASSERT_EQ(0, tp_nl_overrides(self->nl, tp_count_override, &n));
	EXPECT_EQ(0, n);
}

/*
 * In a private cgroup namespace rooted at /tunpin-ctl, "/vm" is
 * /tunpin-ctl/vm: an agent there would name one cgroup and override
 * another. Override changes from any cgroup namespace but the initial
 * one are refused, and change nothing.
 */
static int tp_override_in_cgns(void *arg)
{
	struct tp_level l = tp_level(TUN_F_CSUM, "");
	struct tp_nl *nl;
	int err;

	if (tp_cgroup_enter(TP_CG) || unshare(CLONE_NEWCGROUP))
		return 100;
	nl = tp_nl_open();
	if (!nl)
		return 101;
	err = tp_nl_override_add(nl, "/vm", &l);
	if (!err)
		return 1;
	if (err != -EPERM || !strstr(tp_nl_extack(nl), "cgroup namespace"))
		return 2;
	if (tp_nl_override_del(nl, "/") != -EPERM)
		return 3;
	tp_nl_close(nl);
	return 0;
}

static int tp_count_any(const struct tp_override *ov, void *arg)
{
	*(int *)arg += 1;
	return 0;
}

TEST_F(ctl, override_cgroup_namespace)
{
	int n = 0;

	EXPECT_EQ(0, tp_in_child(tp_override_in_cgns, NULL));
	ASSERT_EQ(0, tp_nl_overrides(self->nl, tp_count_any, &n));
	EXPECT_EQ(0, n);
}

/* An override holds its cgroup, not the name: no reuse by a newcomer. */
TEST_F(ctl, override_holds_cgroup)
{
	struct tp_level min = tp_level(TUN_F_CSUM, "");
	struct tp_probe_arg vm = { TP_CG_CHILD, TP_ALL_OFFLOADS };

	ASSERT_EQ(0, tp_nl_override_add(self->nl, "/tunpin-ctl/vm", &min));
	EXPECT_EQ(EINVAL, tp_in_child(tp_offload_in, &vm));
	ASSERT_EQ(0, rmdir(TP_CG_CHILD));
	ASSERT_EQ(0, mkdir(TP_CG_CHILD, 0755));
	EXPECT_EQ(0, tp_in_child(tp_offload_in, &vm));
	/* Still listed, and removable by the path it was given. */
	EXPECT_EQ(0, tp_nl_override_del(self->nl, "/tunpin-ctl/vm"));
	EXPECT_EQ(-ENOENT, tp_nl_override_del(self->nl, "/tunpin-ctl/vm"));
}

static int tp_exempt(int ctl, int fd)
{
	__s32 v = fd;

	return ioctl(ctl, TUNPIN_EXEMPT, &v) ? errno : 0;
}

TEST_F(ctl, probe_exemption)
{
	int ctl, a, b, null;

	ASSERT_EQ(0, tp_set_level("csum"));
	a = tp_tun_open("tpex0");
	b = tp_tun_open("tpex1");
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	EXPECT_EQ(EINVAL, tp_exempt(ctl, null));	/* not a TAP */
	EXPECT_EQ(EBADF, tp_exempt(ctl, 1000));
	close(null);

	ASSERT_EQ(0, tp_exempt(ctl, a));
	EXPECT_EQ(0, tp_offload(a, TP_ALL_OFFLOADS));	/* the native set */
	EXPECT_EQ(EINVAL, tp_offload(a, TP_ALL_OFFLOADS | 0x200));
	EXPECT_EQ(EINVAL, tp_offload(b, TP_ALL_OFFLOADS));	/* only a */

	/* Closing the control file ends it. */
	close(ctl);
	EXPECT_EQ(EINVAL, tp_offload(a, TP_ALL_OFFLOADS));

	/* So does closing the TAP: a new open file is not exempt, even if
	 * the kernel reuses the struct file.
	 */
	ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, tp_exempt(ctl, a));
	close(a);
	a = tp_tun_open("tpex0");
	ASSERT_LE(0, a);
	EXPECT_EQ(EINVAL, tp_offload(a, TP_ALL_OFFLOADS));
	close(ctl);
	close(a);
	close(b);
}

struct tp_taps {
	int mine;
	uint32_t offered;
};

static int tp_find_tap(const struct tp_tap *t, void *arg)
{
	struct tp_taps *f = arg;

	if ((pid_t)t->pid == getpid()) {
		f->mine++;
		f->offered |= t->offered;
	}
	return 0;
}

TEST_F(ctl, lowering_admission)
{
	struct tp_level lower = tp_level(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
					 TUN_F_TSO_ECN, "no-ufo");
	struct tp_taps taps = {};
	struct tp_level got;
	char need[64];
	int fd, ctl;

	fd = tp_tun_open("tplow0");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tp_offload(fd, TP_ALL_OFFLOADS));
	ASSERT_EQ(0, tp_offload(fd, TUN_F_CSUM));	/* still offered */
	EXPECT_EQ(EINVAL, tp_offload(fd, 0x200));	/* not accepted */
	ASSERT_EQ(0, tp_nl_taps(self->nl, tp_find_tap, &taps));
	EXPECT_EQ(1, taps.mine);
	EXPECT_EQ(TP_ALL_OFFLOADS, taps.offered);

	EXPECT_EQ(-EBUSY, tp_nl_level_set(self->nl, &lower, false));
	snprintf(need, sizeof(need), "[%d]", getpid());
	EXPECT_NE(NULL, strstr(tp_nl_extack(self->nl), "ufo"));
	EXPECT_NE(NULL, strstr(tp_nl_extack(self->nl), "1 open TAP file"));
	EXPECT_NE(NULL, strstr(tp_nl_extack(self->nl), need)) {
		TH_LOG("extack: %s", tp_nl_extack(self->nl));
	}
	EXPECT_EQ(-EBUSY, tp_set_level("csum tso4 tso6 tso_ecn"));
	ASSERT_EQ(0, tp_nl_level_get(self->nl, &got));
	EXPECT_FALSE(got.pinned);

	/* Keeping ufo is fine; an exempted file does not count. */
	lower.caps |= TUN_F_UFO;
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &lower, false));
	lower.caps &= ~TUN_F_UFO;
	ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, tp_exempt(ctl, fd));
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &lower, false));
	close(ctl);
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &tp_unpinned, false));

	/* FORCE lowers anyway; closing the file lifts the objection. */
	EXPECT_EQ(-EBUSY, tp_nl_level_set(self->nl, &lower, false));
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &lower, true));
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &tp_unpinned, false));
	close(fd);
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &lower, false));
}

/*
 * A VM granted ufo under an override keeps it once the override is gone:
 * its file counts for the host level again, and a host lowering that
 * removes ufo is refused, naming the VM, unless forced (issue 18, item 4).
 */
struct tp_vm {
	int go[2], done[2];	/* parent -> VM: quit; VM -> parent: result */
	pid_t pid;
};

static int tp_vm_run(struct tp_vm *vm)
{
	char c;
	int fd, rc;

	close(vm->go[1]);	/* EOF on go: the parent is done */
	close(vm->done[0]);
	if (tp_cgroup_enter(TP_CG_CHILD))
		return 100;
	fd = tp_tun_open("tpctl-vm");
	rc = fd < 0 ? 101 : tp_offload(fd, TP_ALL_OFFLOADS);
	if (write(vm->done[1], &rc, sizeof(rc)) != sizeof(rc))
		return 102;
	if (read(vm->go[0], &c, 1) < 0)	/* until the parent says */
		return 103;
	if (fd >= 0)
		close(fd);
	return 0;
}

static int tp_vm_start(struct tp_vm *vm)
{
	int rc = -1;

	if (pipe(vm->go) || pipe(vm->done))
		return -errno;
	vm->pid = fork();
	if (vm->pid < 0)
		return -errno;
	if (!vm->pid)
		_exit(tp_vm_run(vm));
	close(vm->go[0]);
	close(vm->done[1]);
	if (read(vm->done[0], &rc, sizeof(rc)) != sizeof(rc))
		return -EIO;
	return rc;
}

static int tp_vm_stop(struct tp_vm *vm)
{
	int status;

	close(vm->go[1]);
	close(vm->done[0]);
	if (waitpid(vm->pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

struct tp_vm_taps {
	pid_t pid;
	int n, override;
	uint32_t offered;
};

static int tp_find_vm(const struct tp_tap *t, void *arg)
{
	struct tp_vm_taps *f = arg;

	if ((pid_t)t->pid == f->pid) {
		f->n++;
		f->override += t->override;
		f->offered |= t->offered;
	}
	return 0;
}

TEST_F(ctl, lowering_after_override_del)
{
	struct tp_level hi = tp_level(TP_ALL_OFFLOADS, "hi");
	struct tp_level noufo = tp_level(TP_ALL_OFFLOADS & ~TUN_F_UFO, "");
	struct tp_level csum = tp_level(TUN_F_CSUM, "");
	struct tp_vm_taps taps = {};
	struct tp_vm vm;
	char need[64];

	/* The host lacks ufo; the VM's cgroup may have it. */
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &noufo, false));
	ASSERT_EQ(0, tp_nl_override_add(self->nl, "/tunpin-ctl/vm",
					&tp_unpinned));
	ASSERT_EQ(0, tp_vm_start(&vm));		/* it gets ufo */
	taps.pid = vm.pid;
	ASSERT_EQ(0, tp_nl_taps(self->nl, tp_find_vm, &taps));
	EXPECT_EQ(1, taps.n);
	EXPECT_EQ(1, taps.override);
	EXPECT_EQ(TP_ALL_OFFLOADS, taps.offered);
	/* Under its override it does not hold the host back. */
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &csum, false));
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &hi, false));

	/* The override goes: the VM is the host level's now. */
	ASSERT_EQ(0, tp_nl_override_del(self->nl, "/tunpin-ctl/vm"));
	memset(&taps, 0, sizeof(taps));
	taps.pid = vm.pid;
	ASSERT_EQ(0, tp_nl_taps(self->nl, tp_find_vm, &taps));
	EXPECT_EQ(1, taps.n);
	EXPECT_EQ(0, taps.override);
	EXPECT_EQ(-EBUSY, tp_nl_level_set(self->nl, &noufo, false));
	snprintf(need, sizeof(need), "[%d]", vm.pid);
	EXPECT_NE(NULL, strstr(tp_nl_extack(self->nl), "ufo"));
	EXPECT_NE(NULL, strstr(tp_nl_extack(self->nl), need)) {
		TH_LOG("extack: %s", tp_nl_extack(self->nl));
	}
	EXPECT_EQ(-EBUSY, tp_set_level("csum tso4 tso6 tso_ecn"));
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &noufo, true));
	EXPECT_EQ(0, tp_vm_stop(&vm));
	/* Gone with the VM: lowering further is admitted. */
	EXPECT_EQ(0, tp_nl_level_set(self->nl, &csum, false));
}

struct tp_events {
	int level, refused;
	uint32_t refused_caps;
};

static int tp_on_event(const struct tp_event *ev, void *arg)
{
	struct tp_events *e = arg;

	if (ev->type == TP_EV_LEVEL && ev->level.pinned &&
	    !strcmp(ev->level.name, "ev"))
		e->level++;
	if (ev->type == TP_EV_REFUSED && ev->ioctl == TUNSETOFFLOAD) {
		e->refused++;
		e->refused_caps = ev->caps;
	}
	return e->level && e->refused;
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

TEST_F(ctl, events)
{
	struct tp_level l = tp_level(TUN_F_CSUM, "ev");
	struct tp_events e = {};
	pthread_t th;
	int fd, i;

	ASSERT_EQ(0, pthread_create(&th, NULL, tp_monitor, &e));
	usleep(300000);		/* let it join the group */
	ASSERT_EQ(0, tp_nl_level_set(self->nl, &l, false));
	fd = tp_tun_open("tpev0");
	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, tp_offload(fd, TUN_F_CSUM | TUN_F_UFO));
	close(fd);
	for (i = 0; i < 50 && !(e.level && e.refused); i++)
		usleep(100000);
	EXPECT_EQ(1, e.level);
	EXPECT_LE(1, e.refused);
	EXPECT_EQ(TUN_F_UFO, e.refused_caps);
	if (e.level && e.refused)
		pthread_join(th, NULL);
	else
		pthread_cancel(th);
}

/* What a caller without CAP_NET_ADMIN in the initial namespace may do. */
static int tp_unprivileged_checks(void)
{
	struct tp_level l = tp_level(TP_ALL_OFFLOADS, "loose"), got;
	struct tp_taps taps = {};
	struct tp_nl *nl = tp_nl_open();
	int rc = 0, ctl, fd;
	__s32 v;

	if (!nl)
		return 10;
	if (tp_nl_level_get(nl, &got))			/* reads are open */
		rc = 11;
	else if (tp_nl_level_set(nl, &l, true) != -EPERM)
		rc = 12;
	else if (tp_nl_override_add(nl, "/", &l) != -EPERM)
		rc = 13;
	else if (tp_nl_override_del(nl, "/tunpin-ctl") != -EPERM)
		rc = 14;
	else if (tp_nl_taps(nl, tp_find_tap, &taps) != -EPERM)
		rc = 15;	/* pids of other users */
	else if (tp_set_level("unpinned") != -EACCES &&
		 tp_set_level("unpinned") != -EPERM)
		rc = 16;
	tp_nl_close(nl);
	if (rc)
		return rc;

	/* /dev/tunpin: not openable, or no use without the capability. */
	ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
	if (ctl >= 0) {
		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		v = fd;
		if (fd < 0 || !ioctl(ctl, TUNPIN_EXEMPT, &v) || errno != EPERM)
			rc = 17;
		close(fd);
		close(ctl);
	} else if (errno != EACCES) {
		rc = 18;
	}
	return rc;
}

static int tp_no_event(const struct tp_event *ev, void *arg)
{
	return 30;	/* an event reached a listener without the capability */
}

/*
 * Events name every user's processes: joining the group needs CAP_NET_ADMIN,
 * and a kernel that cannot require it is offered no group (ENOENT;
 * Documentation/compat.rst). A join that worked would wait for an event:
 * the alarm ends this process then, which fails the test too.
 */
static int tp_events_closed(void)
{
	struct tp_nl *nl = tp_nl_open();
	int err;

	if (!nl)
		return 20;
	alarm(5);
	err = tp_nl_monitor(nl, tp_no_event, NULL);
	alarm(0);
	tp_nl_close(nl);
	return err == -EPERM || err == -ENOENT ? 0 : 21;
}

static int tp_as_nobody(void *unused)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 1;
	return tp_unprivileged_checks() ?: tp_events_closed();
}

static int tp_as_userns_root(void *unused)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 2;
	if (tp_write_file("/proc/self/setgroups", "deny", 4) ||
	    tp_write_file("/proc/self/uid_map", "0 0 1", 5) ||
	    tp_write_file("/proc/self/gid_map", "0 0 1", 5))
		return 3;
	return tp_unprivileged_checks();
}

TEST_F(ctl, privileges)
{
	char buf[64];

	ASSERT_EQ(0, tp_set_level("csum"));
	EXPECT_EQ(0, tp_in_child(tp_as_nobody, NULL));
	EXPECT_EQ(0, tp_in_child(tp_as_userns_root, NULL));
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("csum", buf);
}

TEST_HARNESS_MAIN
