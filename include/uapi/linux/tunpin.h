/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tunpin: pin the guest-visible capabilities of TAP devices to a level.
 *
 * enum tunpin_cap is the single source of truth for the capability table:
 * the module, the tunpin(8) tool and the documentation are generated from
 * it (tools/gen-caps.sh). Each capability's name is its identifier without
 * the TUNPIN_CAP_ prefix, in lower case ("tso_ecn", "vhost_ring_reset");
 * table order is this order, and each value is one bit of a capability set
 * (the u32 of TUNPIN_A_CAPS). A set covers both halves of the guest ABI a
 * host kernel hands out:
 *  - TAP offloads: the value is the TUNSETOFFLOAD flag itself (TUN_F_* in
 *    <linux/if_tun.h>; the last four postdate Linux 6.1);
 *  - vhost-net features (TUNPIN_CAP_VHOST_*): the virtio feature bit that
 *    VHOST_GET_FEATURES (bits 0-63) or VHOST_GET_FEATURES_ARRAY (64 on)
 *    reports is TUNPIN_VHOST_BIT_<same suffix>. Only features some
 *    kernel's vhost-net offers are here: 7.2's (vhost_net_bits[]) offers
 *    the UDP-tunnel GSO features but not their _CSUM variants.
 * The comment is the first upstream release (and, for vhost-net, the
 * torvalds/linux commit that put the bit in VHOST_NET_FEATURES or
 * VHOST_FEATURES); tools/tunpin/catalog.c cites the evidence. "?": the
 * release is not confirmed against upstream history yet.
 *
 * The generic netlink family "tunpin" is described, for any netlink client,
 * by Documentation/netlink/specs/tunpin.yaml; keep the two in step.
 */
#ifndef _UAPI_LINUX_TUNPIN_H
#define _UAPI_LINUX_TUNPIN_H

#include <linux/types.h>
#include <linux/ioctl.h>

enum tunpin_cap {
	TUNPIN_CAP_CSUM			= 0x000001,	/* 2.6.27 */
	TUNPIN_CAP_TSO4			= 0x000002,	/* 2.6.27 */
	TUNPIN_CAP_TSO6			= 0x000004,	/* 2.6.27 */
	TUNPIN_CAP_TSO_ECN		= 0x000008,	/* 2.6.27 */
	TUNPIN_CAP_UFO			= 0x000010,	/* 2.6.x; not 4.14.0 */
	TUNPIN_CAP_USO4			= 0x000020,	/* 6.2 */
	TUNPIN_CAP_USO6			= 0x000040,	/* 6.2 */
	TUNPIN_CAP_UDP_TUNNEL_GSO	= 0x000080,	/* 6.17 */
	TUNPIN_CAP_UDP_TUNNEL_GSO_CSUM	= 0x000100,	/* 6.17 */
	TUNPIN_CAP_VHOST_MRG_RXBUF	= 0x000200,	/* 2.6.36: 8dd014adfea6 */
	TUNPIN_CAP_VHOST_NOTIFY_ON_EMPTY = 0x000400,	/* 2.6.33: 3a4d5c94e959 */
	TUNPIN_CAP_VHOST_LOG_ALL	= 0x000800,	/* 2.6.33: 3a4d5c94e959 */
	TUNPIN_CAP_VHOST_ANY_LAYOUT	= 0x001000,	/* 2.6.33: 3a4d5c94e959 */
	TUNPIN_CAP_VHOST_INDIRECT_DESC	= 0x002000,	/* 2.6.33? */
	TUNPIN_CAP_VHOST_EVENT_IDX	= 0x004000,	/* 3.0: 8ea8cf89e19a */
	TUNPIN_CAP_VHOST_VERSION_1	= 0x008000,	/* 4.0: 41e3e42108bc */
	TUNPIN_CAP_VHOST_ACCESS_PLATFORM = 0x010000,	/* 4.8: 6b1e6cc7855b */
	TUNPIN_CAP_VHOST_IN_ORDER	= 0x020000,	/* 6.17: 45347e79b544 */
	TUNPIN_CAP_VHOST_RING_RESET	= 0x040000,	/* 6.3: 313389be06ff */
	TUNPIN_CAP_VHOST_GUEST_UDP_TUNNEL_GSO = 0x080000,	/* 6.17: bbca931fce26 */
	TUNPIN_CAP_VHOST_HOST_UDP_TUNNEL_GSO = 0x100000,	/* 6.17: bbca931fce26 */
};

/* The virtio feature bit of each vhost-net capability. */
#define TUNPIN_VHOST_BIT_MRG_RXBUF			15
#define TUNPIN_VHOST_BIT_NOTIFY_ON_EMPTY		24
#define TUNPIN_VHOST_BIT_LOG_ALL			26
/* ANY_LAYOUT's bit is also VHOST_NET_F_VIRTIO_NET_HDR; LOG_ALL is VHOST_F_LOG_ALL */
#define TUNPIN_VHOST_BIT_ANY_LAYOUT			27
#define TUNPIN_VHOST_BIT_INDIRECT_DESC			28
#define TUNPIN_VHOST_BIT_EVENT_IDX			29
#define TUNPIN_VHOST_BIT_VERSION_1			32
#define TUNPIN_VHOST_BIT_ACCESS_PLATFORM		33
#define TUNPIN_VHOST_BIT_IN_ORDER			35
#define TUNPIN_VHOST_BIT_RING_RESET			40
#define TUNPIN_VHOST_BIT_GUEST_UDP_TUNNEL_GSO		65
#define TUNPIN_VHOST_BIT_HOST_UDP_TUNNEL_GSO		67

/* The TAP offloads, the vhost-net features, and every capability. */
#define TUNPIN_CAP_TAP		0x0001ff
#define TUNPIN_CAP_VHOST	0x1ffe00
/* Every capability tunpin knows; any other bit is outside every level. */
#define TUNPIN_CAP_ALL		0x1fffff	/* TUNPIN_CAP_TAP | TUNPIN_CAP_VHOST */

#define TUNPIN_GENL_NAME	"tunpin"
#define TUNPIN_GENL_VERSION	1
#define TUNPIN_MCGRP_EVENTS	"events"

/* Longest level name (label), without the terminating NUL. */
#define TUNPIN_NAME_MAX		63
/* Most per-cgroup overrides at once. */
#define TUNPIN_OVERRIDES_MAX	256

enum {
	TUNPIN_CMD_UNSPEC,
	TUNPIN_CMD_LEVEL_GET,		/* do: the host level */
	TUNPIN_CMD_LEVEL_SET,		/* do, admin: set the host level */
	TUNPIN_CMD_COUNTERS_GET,	/* do: requests and refusals */
	TUNPIN_CMD_OVERRIDE_GET,	/* dump: the per-cgroup overrides */
	TUNPIN_CMD_OVERRIDE_ADD,	/* do, admin */
	TUNPIN_CMD_OVERRIDE_DEL,	/* do, admin */
	TUNPIN_CMD_TAP_GET,		/* dump, admin: TAP files tunpin saw */
	TUNPIN_CMD_LEVEL_NTF,		/* events: the host level changed */
	TUNPIN_CMD_REFUSED_NTF,		/* events: a request was refused */

	__TUNPIN_CMD_MAX,
	TUNPIN_CMD_MAX = __TUNPIN_CMD_MAX - 1
};

enum {
	TUNPIN_A_UNSPEC,
	TUNPIN_A_PAD,
	TUNPIN_A_CAPS,		/* u32: allowed (or refused) capability bits */
	TUNPIN_A_UNPINNED,	/* flag: enforce nothing (the native set) */
	TUNPIN_A_NAME,		/* string: the level's label, e.g. "pool-a" */
	TUNPIN_A_FORCE,		/* flag: set even below what open TAPs use */
	TUNPIN_A_KNOWN,		/* u32: every capability bit tunpin knows */
	TUNPIN_A_CGROUP,	/* string: cgroup v2 path, e.g. "/machine.slice" */
	TUNPIN_A_COUNTER,	/* nest, multi-attr: TUNPIN_A_COUNTER_* */
	TUNPIN_A_REFUSED_IOCTLS, /* u64: unknown ioctl commands refused */
	TUNPIN_A_PID,		/* u32 */
	TUNPIN_A_COMM,		/* string */
	TUNPIN_A_ACTIVE,	/* u32: bits of the last accepted TUNSETOFFLOAD */
	TUNPIN_A_OFFERED,	/* u32: every bit accepted since open */
	TUNPIN_A_EXEMPT,	/* flag: exempted through /dev/tunpin */
	TUNPIN_A_IOCTL,		/* u32: the refused ioctl command */
	TUNPIN_A_OVERRIDE,	/* flag: governed by a cgroup override */
	TUNPIN_A_VHOST,		/* flag: a vhost-net file, not a TAP */

	__TUNPIN_A_MAX,
	TUNPIN_A_MAX = __TUNPIN_A_MAX - 1
};

enum {
	TUNPIN_A_COUNTER_UNSPEC,
	TUNPIN_A_COUNTER_PAD,
	TUNPIN_A_COUNTER_CAP,		/* u32: the bit; 0 for unknown bits */
	TUNPIN_A_COUNTER_REQUESTED,	/* u64 */
	TUNPIN_A_COUNTER_REFUSED,	/* u64 */

	__TUNPIN_A_COUNTER_MAX,
	TUNPIN_A_COUNTER_MAX = __TUNPIN_A_COUNTER_MAX - 1
};

/*
 * /dev/tunpin, the control device (CAP_NET_ADMIN). TUNPIN_EXEMPT takes the
 * number of an open TAP file descriptor (/dev/net/tun or /dev/tapN) or
 * /dev/vhost-net file descriptor and exempts exactly that open file from
 * every level until it, or the control file, is closed: this is how
 * tunpin(8) probes the native set on a pinned host. Nothing is keyed by
 * name, so nothing can be reused by a tenant.
 */
#define TUNPIN_EXEMPT		_IOW('T', 0xf0, __s32)

#endif /* _UAPI_LINUX_TUNPIN_H */
