// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath is untouched: with tunpin loaded (unpinned or pinned), a
 * frame written to a tun TAP fd comes out of the interface and a frame sent
 * on the interface is read from the fd. Unloading while traffic flows on
 * governed fds is clean, and the fds keep working.
 */
#include "tunpin_lib.h"
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include "kselftest_harness.h"

#define TP_IF	"tpdata0"
#define TP_ETHERTYPE	0x88b5	/* local experimental */

struct tp_frame {
	struct virtio_net_hdr vnet;
	struct ethhdr eth;
	char payload[64];
} __attribute__((packed));

FIXTURE(datapath) {
	int fd;		/* the tun TAP fd */
	int sock;	/* AF_PACKET on the interface */
};

FIXTURE_VARIANT(datapath) {
	const char *param;	/* NULL: module not loaded */
};

FIXTURE_VARIANT_ADD(datapath, stock) { .param = NULL };
FIXTURE_VARIANT_ADD(datapath, unpinned) { .param = "" };
FIXTURE_VARIANT_ADD(datapath, pinned) { .param = "level=csum,tso4,tso6" };

FIXTURE_SETUP(datapath)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };

	ASSERT_EQ(0, tp_module_unload());
	if (variant->param)
		ASSERT_EQ(0, tp_module_load(variant->param));
	self->fd = tp_tun_open(TP_IF);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tp_run("ip link set " TP_IF " up"));

	self->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
			    htons(TP_ETHERTYPE));
	ASSERT_LE(0, self->sock);
	sll.sll_protocol = htons(TP_ETHERTYPE);
	sll.sll_ifindex = if_nametoindex(TP_IF);
	ASSERT_EQ(0, bind(self->sock, (struct sockaddr *)&sll, sizeof(sll)));
}

FIXTURE_TEARDOWN(datapath)
{
	close(self->sock);
	close(self->fd);
	tp_module_unload();
}

static void tp_frame_fill(struct tp_frame *f, int seq)
{
	memset(f, 0, sizeof(*f));
	memset(f->eth.h_dest, 0xff, ETH_ALEN);
	memcpy(f->eth.h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	f->eth.h_proto = htons(TP_ETHERTYPE);
	snprintf(f->payload, sizeof(f->payload), "tunpin frame %d", seq);
}

static bool tp_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 2000) == 1;
}

TEST_F(datapath, tap_to_interface)
{
	struct tp_frame f;
	char buf[2048];
	ssize_t n;

	tp_frame_fill(&f, 1);
	ASSERT_EQ((ssize_t)sizeof(f), write(self->fd, &f, sizeof(f)));
	ASSERT_TRUE(tp_readable(self->sock));
	n = recv(self->sock, buf, sizeof(buf), 0);
	ASSERT_EQ((ssize_t)(sizeof(f) - sizeof(f.vnet)), n);
	EXPECT_EQ(0, memcmp(buf, &f.eth, n));
}

TEST_F(datapath, interface_to_tap)
{
	struct tp_frame f;
	char buf[2048];
	ssize_t n;

	tp_frame_fill(&f, 2);
	ASSERT_EQ((ssize_t)(sizeof(f) - sizeof(f.vnet)),
		  send(self->sock, &f.eth, sizeof(f) - sizeof(f.vnet), 0));
	/* Skip what the stack sends on its own (IPv6 autoconf, MLD). */
	do {
		ASSERT_TRUE(tp_readable(self->fd));
		n = read(self->fd, buf, sizeof(buf));
		ASSERT_LT((ssize_t)sizeof(f.vnet), n);
	} while (((struct ethhdr *)(buf + sizeof(f.vnet)))->h_proto !=
		 htons(TP_ETHERTYPE));
	ASSERT_EQ((ssize_t)sizeof(f), n);
	EXPECT_EQ(0, memcmp(buf + sizeof(f.vnet), &f.eth, n - sizeof(f.vnet)));
}

struct tp_writer {
	int fd;
	volatile bool stop;
	long sent, failed;
};

static void *tp_writer_run(void *arg)
{
	struct tp_writer *w = arg;
	struct tp_frame f;

	tp_frame_fill(&f, 3);
	while (!w->stop) {
		if (write(w->fd, &f, sizeof(f)) == (ssize_t)sizeof(f))
			w->sent++;
		else
			w->failed++;
	}
	return NULL;
}

/*
 * rmmod while frames flow through a TAP opened under the module: refused
 * while it is open (the module is in use: delete_module(O_NONBLOCK) says
 * EWOULDBLOCK), the frames keep flowing; closed, it unloads.
 */
TEST_F(datapath, unload_under_traffic)
{
	struct tp_writer w = { .fd = self->fd };
	pthread_t t;
	long before;

	if (!variant->param)
		SKIP(return, "needs the module loaded");
	ASSERT_EQ(0, pthread_create(&t, NULL, tp_writer_run, &w));
	usleep(200000);
	before = w.sent;
	EXPECT_EQ(-EWOULDBLOCK, tp_module_unload());
	EXPECT_TRUE(tp_module_loaded());
	usleep(200000);
	w.stop = true;
	pthread_join(t, NULL);
	EXPECT_LT(before, w.sent);
	EXPECT_EQ(0, w.failed);
	/* Still governed: a working TAP under the level. */
	EXPECT_EQ(0, tp_offload(self->fd, TUN_F_CSUM | TUN_F_TSO4));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, tp_module_unload());
	EXPECT_FALSE(tp_module_loaded());
}

TEST_HARNESS_MAIN
