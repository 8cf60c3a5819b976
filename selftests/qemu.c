// SPDX-License-Identifier: GPL-2.0
/*
 * The real client: QEMU (the host's qemu-system-x86_64, run in the VM) on a
 * tun TAP (ifname=), on a macvtap (fd=) and on tun with vhost=on. QMP
 * x-query-virtio-status lists what the guest is offered after QEMU probed
 * the TAP: pinned without ufo, no HOST_UFO/GUEST_UFO but TSO stays; with
 * ufo, both; unpinned, exactly the stock offer. Also vhost-net's own check
 * (f_op == &tun_fops) on a governed fd: VHOST_NET_SET_BACKEND succeeds.
 * Through the control plane: a QEMU in a cgroup with an override is offered
 * the override's level while one outside gets the host's; lowering the
 * host level below what a running QEMU was granted is refused, naming it,
 * unless forced.
 *
 * QEMU 7.2 probes only UFO (TUNSETOFFLOAD csum|ufo); csum, TSO and ECN are
 * assumed with vnet headers, so a level below "csum tso4 tso6 tso_ecn" does
 * not remove TSO from the offer: the csum-only case checks exactly that.
 */
#include "tunpin_lib.h"
#include <json-c/json.h>
#include <linux/vhost.h>
#include <signal.h>
#include <sys/wait.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_QEMU_TIMEOUT	120
#define TP_MAXFEAT	64

struct tp_offer {
	int n;
	char feat[TP_MAXFEAT][48];	/* "VIRTIO_NET_F_HOST_UFO", ... */
};

static bool tp_offered(const struct tp_offer *o, const char *name)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->feat[i], name))
			return true;
	return false;
}

static bool tp_offer_eq(const struct tp_offer *a, const struct tp_offer *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!tp_offered(b, a->feat[i]))
			return false;
	return true;
}

/* host-features.dev-features of one x-query-virtio-status reply. */
static int tp_offer_parse(const char *line, struct tp_offer *o)
{
	json_object *root, *ret, *hf, *df;
	int i, rc = -ENOENT;

	root = json_tokener_parse(line);
	if (!root)
		return -EINVAL;
	if (json_object_object_get_ex(root, "return", &ret) &&
	    json_object_object_get_ex(ret, "host-features", &hf) &&
	    json_object_object_get_ex(hf, "dev-features", &df)) {
		o->n = 0;
		for (i = 0; i < (int)json_object_array_length(df) &&
			    o->n < TP_MAXFEAT; i++) {
			const char *s = json_object_get_string(
				json_object_array_get_idx(df, i));

			snprintf(o->feat[o->n], sizeof(o->feat[0]), "%.*s",
				 (int)strcspn(s, ":"), s);
			o->n++;
		}
		rc = 0;
	}
	json_object_put(root);
	return rc;
}

struct tp_qemu {
	pid_t pid;
	FILE *in, *out;		/* QMP */
};

/*
 * Start QEMU stopped (-S) with @netdev, in cgroup @cgroup if not NULL.
 * @tapfd, if >= 0, is passed as fd 3 (for "fd=3").
 */
static int tp_qemu_start(struct tp_qemu *q, const char *netdev, int tapfd,
			 const char *cgroup)
{
	int in[2], out[2];

	if (pipe(in) || pipe(out))
		return -errno;
	q->pid = fork();
	if (q->pid < 0)
		return -errno;
	if (!q->pid) {
		char procs[256], pid[16];

		if (cgroup) {
			snprintf(procs, sizeof(procs), "%s/cgroup.procs",
				 cgroup);
			snprintf(pid, sizeof(pid), "%d", getpid());
			if (tp_write_file(procs, pid, strlen(pid)))
				_exit(126);
		}
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (tapfd == 3)
			fcntl(3, F_SETFD, 0);
		else if (tapfd >= 0)
			dup2(tapfd, 3);	/* dup2 clears FD_CLOEXEC */
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-S",
		       "-machine", "q35,accel=tcg", "-display", "none",
		       "-nodefaults", "-netdev", netdev, "-device",
		       "virtio-net-pci,netdev=n0,id=nic0,romfile=",
		       "-qmp", "stdio", NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	q->in = fdopen(in[1], "w");
	q->out = fdopen(out[0], "r");
	if (!q->in || !q->out)
		return -ENOMEM;
	fputs("{\"execute\":\"qmp_capabilities\"}\n", q->in);
	fflush(q->in);
	return 0;
}

/* The virtio-net offer of a running QEMU, once it has probed the TAP. */
static int tp_qemu_query(struct tp_qemu *q, struct tp_offer *o)
{
	char line[16384];

	fputs("{\"execute\":\"x-query-virtio-status\",\"arguments\":"
	      "{\"path\":\"/machine/peripheral/nic0/virtio-backend\"}}\n",
	      q->in);
	fflush(q->in);
	while (fgets(line, sizeof(line), q->out))
		if (!tp_offer_parse(line, o))
			return 0;
	return -ENOENT;
}

static void tp_qemu_quit(struct tp_qemu *q)
{
	char line[16384];
	int status;

	fputs("{\"execute\":\"quit\"}\n", q->in);
	fclose(q->in);
	while (fgets(line, sizeof(line), q->out))
		;
	fclose(q->out);
	waitpid(q->pid, &status, 0);
}

/* Start QEMU, ask QMP for the virtio-net offer, quit. */
static int tp_qemu_offer(const char *netdev, int tapfd, struct tp_offer *o)
{
	struct tp_qemu q;
	int rc;

	rc = tp_qemu_start(&q, netdev, tapfd, NULL);
	if (rc)
		return rc;
	rc = tp_qemu_query(&q, o);
	tp_qemu_quit(&q);
	return rc;
}

FIXTURE(qemu) {
	int tapfd;		/* macvtap: the fd given to QEMU */
	char netdev[256];
	struct tp_offer stock;
};

FIXTURE_VARIANT(qemu) {
	const char *kind;	/* "tun", "macvtap", "vhost" */
};

FIXTURE_VARIANT_ADD(qemu, tun) { .kind = "tun" };
FIXTURE_VARIANT_ADD(qemu, macvtap) { .kind = "macvtap" };
FIXTURE_VARIANT_ADD(qemu, vhost) { .kind = "vhost" };

FIXTURE_SETUP(qemu)
{
	ASSERT_EQ(0, tp_module_unload());
	self->tapfd = -1;
	if (!strcmp(variant->kind, "macvtap")) {
		tp_macvtap_del("tpqmvt0");
		self->tapfd = tp_macvtap_open("tpqmvt0");
		ASSERT_LE(0, self->tapfd);
		snprintf(self->netdev, sizeof(self->netdev),
			 "tap,id=n0,fd=3,vhost=off");
	} else {
		snprintf(self->netdev, sizeof(self->netdev),
			 "tap,id=n0,ifname=tpq0,script=no,downscript=no,vhost=%s",
			 strcmp(variant->kind, "vhost") ? "off" : "on");
	}
	ASSERT_EQ(0, tp_qemu_offer(self->netdev, self->tapfd, &self->stock));
	/* The stock 6.1 kernel offers the floor and UFO. */
	ASSERT_TRUE(tp_offered(&self->stock, "VIRTIO_NET_F_HOST_UFO"));
	ASSERT_TRUE(tp_offered(&self->stock, "VIRTIO_NET_F_GUEST_UFO"));
	ASSERT_TRUE(tp_offered(&self->stock, "VIRTIO_NET_F_HOST_TSO4"));
}

FIXTURE_TEARDOWN(qemu)
{
	if (self->tapfd >= 0)
		close(self->tapfd);
	tp_macvtap_del("tpqmvt0");
	tp_module_unload();
}

TEST_F_TIMEOUT(qemu, unpinned_is_stock, TP_QEMU_TIMEOUT)
{
	struct tp_offer o;

	ASSERT_EQ(0, tp_module_load(NULL));
	ASSERT_EQ(0, tp_qemu_offer(self->netdev, self->tapfd, &o));
	EXPECT_TRUE(tp_offer_eq(&self->stock, &o));
}

TEST_F_TIMEOUT(qemu, pinned_without_ufo, TP_QEMU_TIMEOUT)
{
	static const char *const kept[] = {
		"VIRTIO_NET_F_CSUM", "VIRTIO_NET_F_GUEST_CSUM",
		"VIRTIO_NET_F_HOST_TSO4", "VIRTIO_NET_F_HOST_TSO6",
		"VIRTIO_NET_F_HOST_ECN", "VIRTIO_NET_F_GUEST_TSO4",
		"VIRTIO_NET_F_GUEST_TSO6", "VIRTIO_NET_F_GUEST_ECN",
	};
	struct tp_offer o;
	int i, missing = 0;

	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn"));
	ASSERT_EQ(0, tp_qemu_offer(self->netdev, self->tapfd, &o));
	EXPECT_FALSE(tp_offered(&o, "VIRTIO_NET_F_HOST_UFO"));
	EXPECT_FALSE(tp_offered(&o, "VIRTIO_NET_F_GUEST_UFO"));
	for (i = 0; i < (int)(sizeof(kept) / sizeof(kept[0])); i++)
		if (!tp_offered(&o, kept[i]))
			fprintf(stderr, "# %s missing\n", kept[i]), missing++;
	EXPECT_EQ(0, missing);
	/* Only UFO is gone: everything else is as stock. */
	EXPECT_EQ(self->stock.n - 2, o.n);
	EXPECT_LE(1, tp_counter("refused/ufo"));
}

TEST_F_TIMEOUT(qemu, pinned_with_ufo, TP_QEMU_TIMEOUT)
{
	struct tp_offer o;

	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn,ufo"));
	ASSERT_EQ(0, tp_qemu_offer(self->netdev, self->tapfd, &o));
	EXPECT_TRUE(tp_offer_eq(&self->stock, &o));
	EXPECT_EQ(0, tp_counter("refused/ufo"));
}

/* Level changes reach the next QEMU without a reload. */
TEST_F_TIMEOUT(qemu, level_change_no_reload, TP_QEMU_TIMEOUT)
{
	struct tp_offer o;

	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn,ufo"));
	ASSERT_EQ(0, tp_set_level("csum"));
	ASSERT_EQ(0, tp_qemu_offer(self->netdev, self->tapfd, &o));
	EXPECT_FALSE(tp_offered(&o, "VIRTIO_NET_F_HOST_UFO"));
	EXPECT_FALSE(tp_offered(&o, "VIRTIO_NET_F_GUEST_UFO"));
	/* QEMU assumes TSO/ECN with vnet headers: see the top comment. */
	EXPECT_TRUE(tp_offered(&o, "VIRTIO_NET_F_HOST_TSO4"));
	EXPECT_TRUE(tp_offered(&o, "VIRTIO_NET_F_CSUM"));
}

/* vhost-net accepts a tun fd governed by tunpin (its f_op is tun's). */
TEST(vhost_set_backend)
{
	static char ring[3 * 4096] __attribute__((aligned(4096)));
	struct vhost_vring_addr addr = {
		.index = 0,
		.desc_user_addr = (unsigned long)ring,
		.avail_user_addr = (unsigned long)ring + 4096,
		.used_user_addr = (unsigned long)ring + 8192,
	};
	struct vhost_vring_state num = { .index = 0, .num = 256 };
	struct vhost_memory mem = { .nregions = 0 };
	struct vhost_vring_file backend = { .index = 0 };
	int vfd, tfd;

	ASSERT_EQ(0, tp_module_unload());
	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn"));
	tfd = tp_tun_open("tpqv0");
	ASSERT_LE(0, tfd);
	vfd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, vfd);
	ASSERT_EQ(0, ioctl(vfd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, ioctl(vfd, VHOST_SET_MEM_TABLE, &mem));
	ASSERT_EQ(0, ioctl(vfd, VHOST_SET_VRING_NUM, &num));
	ASSERT_EQ(0, ioctl(vfd, VHOST_SET_VRING_ADDR, &addr));
	backend.fd = tfd;
	EXPECT_EQ(0, ioctl(vfd, VHOST_NET_SET_BACKEND, &backend)) {
		TH_LOG("VHOST_NET_SET_BACKEND: %s", strerror(errno));
	}
	backend.fd = -1;
	EXPECT_EQ(0, ioctl(vfd, VHOST_NET_SET_BACKEND, &backend));
	close(vfd);
	close(tfd);
	EXPECT_EQ(0, tp_module_unload());
}

#define TP_FLOOR	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)
#define TP_VM_CG	"/sys/fs/cgroup/tunpin-qemu-vm"

FIXTURE(qemu_ctl) {
	struct tp_nl *nl;
};

FIXTURE_SETUP(qemu_ctl)
{
	ASSERT_EQ(0, tp_module_unload());
	self->nl = NULL;
}

FIXTURE_TEARDOWN(qemu_ctl)
{
	if (self->nl)
		tp_nl_close(self->nl);
	rmdir(TP_VM_CG);
	tp_module_unload();
}

/* A VM that never migrates gets the native set; its neighbour does not. */
TEST_F_TIMEOUT(qemu_ctl, override_seen_by_qemu, TP_QEMU_TIMEOUT)
{
	struct tp_level native = { .pinned = false };
	struct tp_qemu in_vm, outside;
	struct tp_offer o_in, o_out;
	struct tp_nl *nl;

	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn"));
	rmdir(TP_VM_CG);
	ASSERT_EQ(0, mkdir(TP_VM_CG, 0755));
	nl = self->nl = tp_nl_open();
	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, tp_nl_override_add(nl, "/tunpin-qemu-vm", &native));

	ASSERT_EQ(0, tp_qemu_start(&in_vm, "tap,id=n0,ifname=tpqin,script=no,downscript=no,vhost=off",
				   -1, TP_VM_CG));
	ASSERT_EQ(0, tp_qemu_start(&outside, "tap,id=n0,ifname=tpqout,script=no,downscript=no,vhost=off",
				   -1, NULL));
	EXPECT_EQ(0, tp_qemu_query(&in_vm, &o_in));
	EXPECT_EQ(0, tp_qemu_query(&outside, &o_out));
	EXPECT_TRUE(tp_offered(&o_in, "VIRTIO_NET_F_HOST_UFO"));
	EXPECT_TRUE(tp_offered(&o_in, "VIRTIO_NET_F_GUEST_UFO"));
	EXPECT_FALSE(tp_offered(&o_out, "VIRTIO_NET_F_HOST_UFO"));
	EXPECT_FALSE(tp_offered(&o_out, "VIRTIO_NET_F_GUEST_UFO"));
	tp_qemu_quit(&in_vm);
	tp_qemu_quit(&outside);

	EXPECT_EQ(0, tp_nl_override_del(nl, "/tunpin-qemu-vm"));
}

struct tp_qemu_taps {
	pid_t pid;
	uint32_t offered;
};

static int tp_qemu_tap(const struct tp_tap *t, void *arg)
{
	struct tp_qemu_taps *f = arg;

	if ((pid_t)t->pid == f->pid)
		f->offered |= t->offered;
	return 0;
}

/* EVC's rule: no lowering below what a running VM was offered. */
TEST_F_TIMEOUT(qemu_ctl, lowering_refused_while_qemu_runs, TP_QEMU_TIMEOUT)
{
	struct tp_level floor = { .caps = TP_FLOOR, .pinned = true };
	struct tp_qemu_taps taps = {};
	struct tp_level got;
	struct tp_offer o;
	struct tp_qemu q;
	struct tp_nl *nl;
	char pid[32];

	ASSERT_EQ(0, tp_module_load(NULL));
	nl = self->nl = tp_nl_open();
	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, tp_qemu_start(&q, "tap,id=n0,ifname=tpqlow,script=no,downscript=no,vhost=off",
				   -1, NULL));
	ASSERT_EQ(0, tp_qemu_query(&q, &o));
	ASSERT_TRUE(tp_offered(&o, "VIRTIO_NET_F_HOST_UFO"));

	taps.pid = q.pid;
	EXPECT_EQ(0, tp_nl_taps(nl, tp_qemu_tap, &taps));
	EXPECT_TRUE(taps.offered & TUN_F_UFO);

	EXPECT_EQ(-EBUSY, tp_nl_level_set(nl, &floor, false));
	snprintf(pid, sizeof(pid), "qemu-system-x86[%d]", q.pid);
	EXPECT_NE(NULL, strstr(tp_nl_extack(nl), pid)) {
		TH_LOG("extack: %s", tp_nl_extack(nl));
	}
	EXPECT_NE(NULL, strstr(tp_nl_extack(nl), "ufo"));
	ASSERT_EQ(0, tp_nl_level_get(nl, &got));
	EXPECT_FALSE(got.pinned);

	EXPECT_EQ(0, tp_nl_level_set(nl, &floor, true));
	ASSERT_EQ(0, tp_nl_level_get(nl, &got));
	EXPECT_TRUE(got.pinned);
	EXPECT_EQ(TP_FLOOR, got.caps);

	tp_qemu_quit(&q);
}

TEST_HARNESS_MAIN
