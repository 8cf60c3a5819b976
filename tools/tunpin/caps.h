/* SPDX-License-Identifier: GPL-2.0 */
/* tunpin(8): the capability table (from the uapi header) and levels. */
#ifndef TUNPIN_TOOL_CAPS_H
#define TUNPIN_TOOL_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "../../include/uapi/linux/tunpin.h"
#include "caps-gen.h"	/* generated from the uapi header */

#define NCAPS TUNPIN_NCAPS

struct cap {
	const char *name;
	uint32_t bit;	/* in a capability set (TUNPIN_A_CAPS) */
	int vbit;	/* vhost-net: its virtio feature bit; TAP offload: -1 */
};

extern const struct cap caps[NCAPS];

/* The bit of a capability name, or 0 if unknown. */
uint32_t cap_bit(const char *name, size_t len);
/* Parse names separated by spaces or commas; -1 on an unknown name. */
int caps_parse(const char *s, uint32_t *bits);
/* Names in table order separated by @sep; unknown bits as unknown:0x...;
 * returns the length that was needed, like snprintf. */
int caps_print(uint32_t bits, const char *sep, char *buf, size_t size);

/*
 * TUNSETOFFLOAD flags outside TUNPIN_CAP_TAP (a newer kernel's offloads;
 * not capability bits), one "unknown:0x200" each, as caps_print() does.
 */
int offload_unknown_print(uint32_t flags, const char *sep, char *buf,
			  size_t size);

/* The words of a vhost-net feature set: VHOST_GET_FEATURES is word 0,
 * VHOST_GET_FEATURES_ARRAY's second u64 (bits 64-127) word 1. */
#define VHOST_WORDS	2

/* The capability bits of vhost-net features @w; in @unknown (if not NULL)
 * the feature bits the table has no name for. */
uint32_t vhost_caps(const uint64_t w[VHOST_WORDS],
		    uint64_t unknown[VHOST_WORDS]);
/* The features of vhost capabilities @bits, the inverse of vhost_caps(). */
void vhost_features(uint32_t bits, uint64_t w[VHOST_WORDS]);
/* Feature bits the table lacks, one "vhost_unknown:41" each (bit number). */
int vhost_unknown_print(const uint64_t u[VHOST_WORDS], const char *sep,
			char *buf, size_t size);
/* "vhost_unknown:N": its feature bit N (0-127), or -1. */
int vhost_unknown_parse(const char *s);

/* A level: capability names separated by spaces or commas, or "none" or
 * "unpinned" alone. 0, or -1 with the reason in @err. */
int level_parse(const char *s, uint32_t *bits, bool *pinned,
		char *err, size_t errsize);
/* "unpinned", "none" or the names as caps_print() does. */
int level_print(uint32_t bits, bool pinned, const char *sep,
		char *buf, size_t size);

#endif
