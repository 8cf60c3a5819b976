/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tunpin: pin the guest-visible capabilities of TAP devices to a level.
 *
 * enum tunpin_cap is the single source of truth for the capability table:
 * the module, the tunpin(8) tool and the documentation are generated from
 * it (tools/gen-caps.sh). Each capability's name is its identifier without
 * the TUNPIN_CAP_ prefix, in lower case ("tso_ecn"); table order is this
 * order. The values are the TUNSETOFFLOAD flags (TUN_F_* in
 * <linux/if_tun.h>; the last four postdate Linux 6.1).
 */
#ifndef _UAPI_LINUX_TUNPIN_H
#define _UAPI_LINUX_TUNPIN_H

enum tunpin_cap {
	TUNPIN_CAP_CSUM			= 0x001,	/* 2.6.27 */
	TUNPIN_CAP_TSO4			= 0x002,	/* 2.6.27 */
	TUNPIN_CAP_TSO6			= 0x004,	/* 2.6.27 */
	TUNPIN_CAP_TSO_ECN		= 0x008,	/* 2.6.27 */
	TUNPIN_CAP_UFO			= 0x010,	/* 2.6.27 */
	TUNPIN_CAP_USO4			= 0x020,	/* 6.2 */
	TUNPIN_CAP_USO6			= 0x040,	/* 6.2 */
	TUNPIN_CAP_UDP_TUNNEL_GSO	= 0x080,	/* 6.17 */
	TUNPIN_CAP_UDP_TUNNEL_GSO_CSUM	= 0x100,	/* 6.17 */
};

/* Every capability bit tunpin knows; any other bit is outside every level. */
#define TUNPIN_CAP_ALL		0x1ff

#endif /* _UAPI_LINUX_TUNPIN_H */
