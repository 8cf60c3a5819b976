/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tunpin: pin the guest-visible capabilities of TAP devices to a level.
 *
 * This header is the single source of truth for the capability table: the
 * module, the tunpin(8) tool and the documentation are derived from it.
 */
#ifndef _UAPI_LINUX_TUNPIN_H
#define _UAPI_LINUX_TUNPIN_H

/*
 * TUNPIN_CAPS(X) - the capability table, in table order.
 *
 * X(ID, name, bit): ID names the constant TUNPIN_CAP_<ID>, name is the
 * string used in levels (sysfs, netlink, the tool), bit is the TUNSETOFFLOAD
 * flag (TUN_F_* in <linux/if_tun.h>; the last four postdate Linux 6.1).
 */
#define TUNPIN_CAPS(X)						\
	X(CSUM,			csum,			0x001)	\
	X(TSO4,			tso4,			0x002)	\
	X(TSO6,			tso6,			0x004)	\
	X(TSO_ECN,		tso_ecn,		0x008)	\
	X(UFO,			ufo,			0x010)	\
	X(USO4,			uso4,			0x020)	\
	X(USO6,			uso6,			0x040)	\
	X(UDP_TUNNEL_GSO,	udp_tunnel_gso,		0x080)	\
	X(UDP_TUNNEL_GSO_CSUM,	udp_tunnel_gso_csum,	0x100)

#define __TUNPIN_CAP_ENUM(id, name, bit) TUNPIN_CAP_##id = (bit),
#define __TUNPIN_CAP_MASK(id, name, bit) | (bit)

enum tunpin_cap {
	TUNPIN_CAPS(__TUNPIN_CAP_ENUM)
};

/* Every capability bit tunpin knows; any other bit is outside every level. */
#define TUNPIN_CAP_ALL		(0 TUNPIN_CAPS(__TUNPIN_CAP_MASK))

#endif /* _UAPI_LINUX_TUNPIN_H */
