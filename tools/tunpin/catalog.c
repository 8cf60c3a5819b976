// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): the named upstream levels.
 *
 * What matters is what set_offload() in drivers/net/tun.c accepts: it
 * consumes the bits it knows (each behind its prerequisites: csum first,
 * TSO_ECN only with TSO4 or TSO6, ...) and returns -EINVAL if any bit is
 * left, which is exactly how QEMU and tunpin probe a kernel. A flag defined
 * in <linux/if_tun.h> but refused by set_offload() is not offered.
 *
 * Levels are not monotonic in the kernel version: UFO was accepted, then
 * refused in 4.14 (UFO removal), then accepted again from 4.15 on. Hence
 * separate entries for 4.14 and 4.15; never extend an existing entry, add
 * a new name instead.
 */
#include <string.h>
#include "caps.h"
#include "catalog.h"

#define C(x)	TUNPIN_CAP_##x
#define BASE	(C(CSUM) | C(TSO4) | C(TSO6) | C(TSO_ECN))
/*
 * The vhost-net half: what VHOST_GET_FEATURES on /dev/vhost-net reports
 * (VHOST_NET_FEATURES in drivers/vhost/net.c, VHOST_FEATURES in vhost.h).
 * VHOST_BASE is every vhost-net since 4.8 (6b1e6cc7855b "vhost: new device
 * IOTLB API" added VIRTIO_F_IOMMU_PLATFORM, now ACCESS_PLATFORM, bit 33);
 * measured 0x33d008000 on Debian 6.1.0-57. The commits of each bit are
 * in include/uapi/linux/tunpin.h.
 */
#define VHOST_BASE (C(VHOST_MRG_RXBUF) | C(VHOST_NOTIFY_ON_EMPTY) |	\
		    C(VHOST_LOG_ALL) | C(VHOST_ANY_LAYOUT) |		\
		    C(VHOST_INDIRECT_DESC) | C(VHOST_EVENT_IDX) |		\
		    C(VHOST_VERSION_1) | C(VHOST_ACCESS_PLATFORM))

const struct tp_catalog tp_catalog[] = {
	/*
	 * What QEMU takes for granted on any TAP with a vnet header: its
	 * tap_fd_set_offload() sets csum/tso4/tso6/tso_ecn as the guest
	 * negotiates and only probes for more (tap_probe_has_ufo(),
	 * tap_probe_has_uso(), tap_probe_has_tunnel() in net/tap-linux.c).
	 * Every kernel since 2.6.27 accepts these four.
	 */
	{ "minimal", NULL, BASE | VHOST_BASE, "2.6.27",
	  "the floor QEMU assumes of a vnet-header TAP; vhost-net as 4.8+" },
	/*
	 * torvalds/linux 5228ddc98fa4 (2.6.27 merge window, July 2008)
	 * adds TUNSETOFFLOAD: include/linux/if_tun.h defines TUN_F_CSUM,
	 * TUN_F_TSO4, TUN_F_TSO6 and TUN_F_TSO_ECN only (no TUN_F_UFO), and
	 * drivers/net/tun.c set_offload() takes exactly those. A later
	 * 2.6.29-era tun.c (blob at 008298231abb) still has no UFO. No
	 * vhost-net yet (2.6.33): no vhost-net feature.
	 */
	{ "linux-2.6.27", NULL, BASE, "2.6.27",
	  "TUNSETOFFLOAD appears: checksum, TSO, ECN; no UFO yet" },
	/*
	 * The UFO removal merged for 4.14 dropped TUN_F_UFO from
	 * set_offload(): the flag stays in the uapi header but is refused
	 * with EINVAL (firecracker-microvm/firecracker#1902: TUNSETOFFLOAD
	 * with UFO fails with EINVAL on 4.14.1). It had happened once
	 * before, from 3.18 (3d0ad09412ff "drivers/net: Disable UFO through
	 * virtio", Oct 2014; aschils/packetdrill_mptcp#32 sees EINVAL on
	 * 3.18) until that was reverted.
	 */
	{ "linux-4.14", NULL, BASE | VHOST_BASE, "4.14",
	  "UFO removed: TUN_F_UFO refused (EINVAL); 4.14.y later restored it" },
	/*
	 * Willem de Bruijn, "net: accept UFO datagrams from tuntap and
	 * packet" (0c19f846d582, Nov 2017, in 4.15 and backported to
	 * 4.14.y): set_offload() accepts TUN_F_UFO again, with csum, and
	 * ignores it ("arg &= ~TUN_F_UFO;", nothing is segmented by tun).
	 */
	{ "linux-4.15", NULL, BASE | C(UFO) | VHOST_BASE, "4.15",
	  "UFO accepted again (as a no-op, for guests that negotiated it)" },
	/*
	 * Debian linux-source-6.1 (6.1.192): include/uapi/linux/if_tun.h
	 * defines TUN_F_CSUM..TUN_F_UFO (0x01-0x10) only; set_offload()
	 * takes csum, tso4/tso6 (+ecn with either), ufo with csum.
	 * VHOST_GET_FEATURES on Debian's 6.1.0-57: 0x33d008000 (VHOST_BASE).
	 */
	{ "linux-6.1", NULL, BASE | C(UFO) | VHOST_BASE, "4.15",
	  "same set as linux-4.15; Debian 12" },
	/*
	 * Andrew Melnychenko, "driver/net/tun: Added features for USO"
	 * (netdev, 2022, merged for 6.2): TUN_F_USO4 0x20 and TUN_F_USO6
	 * 0x40, accepted with csum and only together ("for now USO4 and USO6
	 * should work simultaneously"). Absent from 6.1 (above); kubevirt
	 * #16386 / #19000: "USO support ... landed in the mainline tun
	 * driver in kernel 6.2".
	 */
	{ "linux-6.2", NULL, BASE | C(UFO) | C(USO4) | C(USO6) | VHOST_BASE,
	  "6.2", "+ UDP segmentation offload (uso4 and uso6 only together)" },
	/*
	 * Kangjie Xu, "vhost-net: support VIRTIO_F_RING_RESET" (313389be06ff,
	 * Aug 2022, in mst's pull for the 6.3 merge window with the zoned
	 * virtio-blk work): VHOST_NET_FEATURES gains bit 40. Absent from
	 * Debian 6.1 (0x33d008000), present in 6.12 (0x1033d008000).
	 */
	{ "linux-6.3", NULL, BASE | C(UFO) | C(USO4) | C(USO6) | VHOST_BASE |
	  C(VHOST_RING_RESET), "6.3", "+ vhost-net ring reset (bit 40)" },
	/*
	 * Paolo Abeni, "tun: enable gso over UDP tunnel support" (netdev,
	 * RFC v3 of 2025-06-06, after the 6.16 merge window; merged for
	 * 6.17): TUN_F_UDP_TUNNEL_GSO 0x080 and TUN_F_UDP_TUNNEL_GSO_CSUM
	 * 0x100, accepted with csum and a plain GSO (TSO or USO: PLAIN_GSO);
	 * the _CSUM bit only with TUN_F_UDP_TUNNEL_GSO. The 6.18 build host
	 * accepts both.
	 *
	 * vhost-net, same merge window: Jason Wang, "vhost_net: basic
	 * in_order support" (45347e79b544, mst's pull of 2025-08-01 on
	 * 6.16-rc6) adds VIRTIO_F_IN_ORDER (bit 35); Paolo Abeni,
	 * "vhost-net: allow configuring extended features" (333c515d1896:
	 * VHOST_GET/SET_FEATURES_ARRAY) and "vhost/net: enable gso over UDP
	 * tunnel support." (bbca931fce26, net-next) put
	 * VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO (65) and
	 * VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO (67) in the second word; the
	 * _CSUM bits 66 and 68 are not in vhost_net_features. Debian 7.2.13:
	 * VHOST_GET_FEATURES 0x10b3d008000.
	 */
	{ "linux-6.17", NULL, BASE | C(UFO) | C(USO4) | C(USO6) |
	  C(UDP_TUNNEL_GSO) | C(UDP_TUNNEL_GSO_CSUM) | VHOST_BASE |
	  C(VHOST_RING_RESET) | C(VHOST_IN_ORDER) |
	  C(VHOST_GUEST_UDP_TUNNEL_GSO) | C(VHOST_HOST_UDP_TUNNEL_GSO), "6.17",
	  "+ GSO over UDP tunnels (TAP and vhost-net), vhost-net in order" },
	/* The newest entry: moves when a new one is added. */
	{ "latest", "linux-6.17", 0, NULL, "alias" },
};

const size_t tp_catalog_len = sizeof(tp_catalog) / sizeof(tp_catalog[0]);

static const struct tp_catalog *lookup(const char *name)
{
	for (size_t i = 0; i < tp_catalog_len; i++)
		if (!strcmp(tp_catalog[i].name, name))
			return &tp_catalog[i];
	return NULL;
}

const struct tp_catalog *catalog_find(const char *name)
{
	const struct tp_catalog *c = lookup(name);

	if (c && c->alias)
		c = lookup(c->alias);
	return c;
}
