// SPDX-License-Identifier: GPL-2.0
/*
 * The real client: QEMU (the host's qemu-system-x86_64, run in the VM) on a
 * tun TAP (ifname=), on a macvtap (fd=) and on tun with vhost=on. QMP
 * x-query-virtio-status lists what the guest is offered after QEMU probed
 * the TAP: pinned without ufo, no HOST_UFO/GUEST_UFO but TSO stays; with
 * ufo, both; unpinned, exactly the stock offer. Also vhost-net's own check
 * (f_op == &tun_fops) on a governed fd: VHOST_NET_SET_BACKEND succeeds.
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

/*
 * Start QEMU stopped (-S) with @netdev, ask QMP for the virtio-net offer,
 * quit. @tapfd, if >= 0, is passed as fd 3 (for "fd=3").
 */
static int tp_qemu_offer(const char *netdev, int tapfd, struct tp_offer *o)
{
	static const char qmp[] =
		"{\"execute\":\"qmp_capabilities\"}\n"
		"{\"execute\":\"x-query-virtio-status\",\"arguments\":"
		"{\"path\":\"/machine/peripheral/nic0/virtio-backend\"}}\n"
		"{\"execute\":\"quit\"}\n";
	int in[2], out[2], status, rc = -ENOENT;
	char line[16384];
	pid_t pid;
	FILE *f;

	if (pipe(in) || pipe(out))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
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
	if (write(in[1], qmp, sizeof(qmp) - 1) != sizeof(qmp) - 1)
		rc = -EIO;
	f = fdopen(out[0], "r");
	while (f && fgets(line, sizeof(line), f))
		if (rc && !tp_offer_parse(line, o))
			rc = 0;
	if (f)
		fclose(f);
	close(in[1]);
	waitpid(pid, &status, 0);
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

TEST_HARNESS_MAIN
