/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TUNPIN_TOOL_TAPCAPS_H
#define TUNPIN_TOOL_TAPCAPS_H
/*
 * Short names of the TAP offload capabilities (the TUNSETOFFLOAD flags,
 * include/uapi/linux/tunpin.h), for the code that composes requests: the
 * probe, the canary and their tests.
 */
#include "../../include/uapi/linux/tunpin.h"

#define CSUM		TUNPIN_CAP_CSUM
#define TSO4		TUNPIN_CAP_TSO4
#define TSO6		TUNPIN_CAP_TSO6
#define TSO_ECN		TUNPIN_CAP_TSO_ECN
#define UFO		TUNPIN_CAP_UFO
#define USO4		TUNPIN_CAP_USO4
#define USO6		TUNPIN_CAP_USO6
#define TNL		TUNPIN_CAP_UDP_TUNNEL_GSO
#define TNL_CSUM	TUNPIN_CAP_UDP_TUNNEL_GSO_CSUM

#endif
