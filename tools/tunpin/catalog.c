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

const struct tp_catalog tp_catalog[] = {
	/*
	 * What QEMU takes for granted on any TAP with a vnet header: its
	 * tap_fd_set_offload() sets csum/tso4/tso6/tso_ecn as the guest
	 * negotiates and only probes for more (tap_probe_has_ufo(),
	 * tap_probe_has_uso(), tap_probe_has_tunnel() in net/tap-linux.c).
	 * Every kernel since 2.6.27 accepts these four.
	 */
	{ "minimal", NULL, BASE, "2.6.27",
	  "the floor QEMU assumes of a vnet-header TAP" },
	/*
	 * torvalds/linux 5228ddc98fa4 (2.6.27 merge window, July 2008)
	 * adds TUNSETOFFLOAD: include/linux/if_tun.h defines TUN_F_CSUM,
	 * TUN_F_TSO4, TUN_F_TSO6 and TUN_F_TSO_ECN only (no TUN_F_UFO), and
	 * drivers/net/tun.c set_offload() takes exactly those. A later
	 * 2.6.29-era tun.c (blob at 008298231abb) still has no UFO.
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
	{ "linux-4.14", NULL, BASE, "4.14",
	  "UFO removed: TUN_F_UFO refused (EINVAL); 4.14.y later restored it" },
	/*
	 * Willem de Bruijn, "net: accept UFO datagrams from tuntap and
	 * packet" (0c19f846d582, Nov 2017, in 4.15 and backported to
	 * 4.14.y): set_offload() accepts TUN_F_UFO again, with csum, and
	 * ignores it ("arg &= ~TUN_F_UFO;", nothing is segmented by tun).
	 */
	{ "linux-4.15", NULL, BASE | C(UFO), "4.15",
	  "UFO accepted again (as a no-op, for guests that negotiated it)" },
	/*
	 * Debian linux-source-6.1 (6.1.192): include/uapi/linux/if_tun.h
	 * defines TUN_F_CSUM..TUN_F_UFO (0x01-0x10) only; set_offload()
	 * takes csum, tso4/tso6 (+ecn with either), ufo with csum.
	 */
	{ "linux-6.1", NULL, BASE | C(UFO), "4.15",
	  "same set as linux-4.15; Debian 12" },
	/*
	 * Andrew Melnychenko, "driver/net/tun: Added features for USO"
	 * (netdev, 2022, merged for 6.2): TUN_F_USO4 0x20 and TUN_F_USO6
	 * 0x40, accepted with csum and only together ("for now USO4 and USO6
	 * should work simultaneously"). Absent from 6.1 (above); kubevirt
	 * #16386 / #19000: "USO support ... landed in the mainline tun
	 * driver in kernel 6.2".
	 */
	{ "linux-6.2", NULL, BASE | C(UFO) | C(USO4) | C(USO6), "6.2",
	  "+ UDP segmentation offload (uso4 and uso6 only together)" },
	/*
	 * Paolo Abeni, "tun: enable gso over UDP tunnel support" (netdev,
	 * RFC v3 of 2025-06-06, after the 6.16 merge window; merged for
	 * 6.17): TUN_F_UDP_TUNNEL_GSO 0x080 and TUN_F_UDP_TUNNEL_GSO_CSUM
	 * 0x100, accepted with csum and a plain GSO (TSO or USO: PLAIN_GSO);
	 * the _CSUM bit only with TUN_F_UDP_TUNNEL_GSO. The 6.18 build host
	 * accepts both.
	 */
	{ "linux-6.17", NULL, BASE | C(UFO) | C(USO4) | C(USO6) |
	  C(UDP_TUNNEL_GSO) | C(UDP_TUNNEL_GSO_CSUM), "6.17",
	  "+ GSO over UDP tunnels (needs csum and a plain GSO)" },
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
