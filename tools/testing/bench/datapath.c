// SPDX-License-Identifier: GPL-2.0
/*
 * Packets and bytes per second through a TAP, as a hypervisor moves them:
 * vnet headers, and GSO frames where asked.
 *
 *   datapath [-d tx|rx] [-s SIZE] [-t SECONDS] [-b BATCH] [-c CPU]
 *
 * tx: written on the TAP fd (what a guest sends: tun_get_user), read on a
 *     packet socket bound to the TAP with PACKET_VNET_HDR;
 * rx: written on that packet socket (dev_queue_xmit into the TAP, what a
 *     guest receives: tun_net_xmit), read on the TAP fd.
 * SIZE is the Ethernet frame: 64 is a plain UDP frame, anything above 1514
 * is one TCP/IPv4 GSO frame (gso_size 1448, the TAP offloads TSO). 65535
 * is the largest a TAP is given whole: the stack segments a GSO skb of
 * gso_max_size (65536) bytes or more before tun sees it.
 *
 * One thread on one CPU (-c, default 1) writes BATCH frames (default 32),
 * then reads them back, for SECONDS after a 0.2 s warm-up: the figures are
 * of frames delivered, and measure the CPU cost of both halves of the
 * path without cross-CPU wakeups (which, under TCG, cost more than the
 * path). A frame not read back within 20 ms is counted as lost.
 *
 * Prints one line: "datapath dir=tx size=64 secs=... pkts=... pps=...
 * Bps=... lost=...". Bps counts frame bytes (vnet header excluded).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/virtio_net.h>
#include "bench.h"

#define MAX_FRAME	(14 + 65535)
#define VNET		sizeof(struct virtio_net_hdr)

static int tapfd, pktfd;
static bool tx;			/* writer on the TAP fd */
static size_t frame_len;
static unsigned char frame[VNET + MAX_FRAME];
static unsigned long long rcv_pkts, rcv_bytes;

static uint16_t ip_csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void build_frame(size_t len)
{
	struct virtio_net_hdr *vh = (void *)frame;
	unsigned char *eth = frame + VNET;
	struct iphdr *ip = (void *)(eth + 14);
	bool gso = len > 1514;

	memset(frame, 0, sizeof(frame));
	memcpy(eth, "\x02\0\0\0\0\x02" "\x02\0\0\0\0\x01" "\x08\x00", 14);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(len - 14));
	ip->ttl = 64;
	ip->saddr = htonl(0xc0000201);	/* 192.0.2.1 -> 192.0.2.2 */
	ip->daddr = htonl(0xc0000202);
	if (gso) {
		struct tcphdr *th = (void *)(ip + 1);

		ip->protocol = IPPROTO_TCP;
		ip->frag_off = htons(0x4000);	/* DF */
		th->source = htons(40000);
		th->dest = htons(5201);
		th->doff = 5;
		th->ack = 1;
		th->window = htons(65535);
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = 1448;
		vh->hdr_len = 14 + 20 + 20;
		vh->csum_start = 14 + 20;
		vh->csum_offset = offsetof(struct tcphdr, check);
	} else {
		struct udphdr *uh = (void *)(ip + 1);

		ip->protocol = IPPROTO_UDP;
		uh->source = htons(40000);
		uh->dest = htons(9);
		uh->len = htons((uint16_t)(len - 14 - 20));
	}
	ip->check = ip_csum(ip, 20);
	frame_len = len;
}

/*
 * One batch: @batch frames written, then read back (frames that are not
 * ours are skipped). A frame that does not arrive within 20 ms is lost.
 */
static unsigned long long lost;

static void run_batch(int wfd, int rfd, int batch)
{
	static unsigned char buf[VNET + MAX_FRAME + 64];
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	int got = 0;

	for (int i = 0; i < batch; i++)
		if (write(wfd, frame, VNET + frame_len) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN)
				die("write");
			lost++;
			batch--;
			i--;
		}
	while (got < batch) {
		ssize_t n = read(rfd, buf, sizeof(buf));

		if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, 20) == 0) {
				lost += (unsigned long long)(batch - got);
				return;
			}
			continue;
		}
		if (n < 0)
			die("read");
		if ((size_t)n != VNET + frame_len)
			continue;	/* not ours */
		got++;
		rcv_pkts++;
		rcv_bytes += frame_len;
	}
}

int main(int argc, char **argv)
{
	int batch = 32, cpu = 1;
	double secs = 1.0;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	char name[IFNAMSIZ], path[128];
	unsigned long long p0, b0, p1, b1;
	struct ifreq ifr;
	cpu_set_t set;
	size_t size = 64;
	uint64_t t0, t1;
	int one = 1, big = 64 << 20, s, o, wfd, rfd;
	FILE *f;

	tx = true;
	while ((o = getopt(argc, argv, "d:s:t:b:c:")) != -1) {
		switch (o) {
		case 'd':
			tx = strcmp(optarg, "rx") != 0;
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'b':
			batch = atoi(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: datapath [-d tx|rx] [-s SIZE] "
				"[-t SECONDS] [-b BATCH] [-c CPU]\n");
			return 2;
		}
	}
	if (size < 60 || size > MAX_FRAME || batch < 1 || batch > 256) {
		fprintf(stderr, "datapath: SIZE 60..%d, BATCH 1..256\n",
			MAX_FRAME);
		return 2;
	}
	build_frame(size);

	tapfd = tap_open("tpbench%d", 0, name);
	if (tapfd < 0)
		die("TUNSETIFF");
	if (ioctl(tapfd, TUNSETOFFLOAD, (unsigned long)BENCH_OFFLOADS))
		die("TUNSETOFFLOAD");
	/* No IPv6 chatter (router solicitations, DAD) on the TAP. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	f = fopen(path, "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS");
	close(s);

	pktfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (pktfd < 0)
		die("AF_PACKET");
	if (setsockopt(pktfd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		die("PACKET_VNET_HDR");
	/* Our own transmissions (rx) are not to be read back. */
	setsockopt(pktfd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	if (setsockopt(pktfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) ||
	    setsockopt(pktfd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)))
		die("SO_RCVBUFFORCE");
	sll.sll_ifindex = (int)if_nametoindex(name);
	if (!sll.sll_ifindex || bind(pktfd, (void *)&sll, sizeof(sll)))
		die("bind %s", name);

	/* Both ends non-blocking: run_batch() polls for late frames. */
	if (fcntl(tapfd, F_SETFL, O_NONBLOCK) ||
	    fcntl(pktfd, F_SETFL, O_NONBLOCK))
		die("O_NONBLOCK");
	CPU_ZERO(&set);
	CPU_SET(cpu < sysconf(_SC_NPROCESSORS_ONLN) ? cpu : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);

	wfd = tx ? tapfd : pktfd;
	rfd = tx ? pktfd : tapfd;
	for (t0 = now_ns(); now_ns() - t0 < 200000000;)	/* warm up */
		run_batch(wfd, rfd, batch);
	p0 = rcv_pkts;
	b0 = rcv_bytes;
	t0 = now_ns();
	do
		run_batch(wfd, rfd, batch);
	while ((t1 = now_ns()) - t0 < (uint64_t)(secs * 1e9));
	p1 = rcv_pkts;
	b1 = rcv_bytes;

	printf("datapath dir=%s size=%zu secs=%.3f pkts=%llu pps=%.0f Bps=%.0f lost=%llu\n",
	       tx ? "tx" : "rx", size, (t1 - t0) / 1e9, p1 - p0,
	       (p1 - p0) / ((t1 - t0) / 1e9),
	       (b1 - b0) / ((t1 - t0) / 1e9), lost);
	close(pktfd);
	close(tapfd);
	return 0;
}
