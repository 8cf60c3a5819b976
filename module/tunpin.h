/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin: internal interfaces between the policy engine (policy.c), the
 * capability table (caps.c), the interposition points (probes.c) and the
 * control plane (sysfs.c).
 */
#ifndef _TUNPIN_H
#define _TUNPIN_H

#include <linux/types.h>
#include <linux/rcupdate.h>
#include <uapi/linux/tunpin.h>
#include "caps-gen.h"	/* TUNPIN_NCAPS, TUNPIN_CAP_TABLE: from the uapi */

/* Longest level string we accept or print: every name once, plus slack. */
#define TUNPIN_LEVEL_MAX	256

/* The capability table, in table order. */
struct tunpin_cap_entry {
	const char *name;
	u32 bit;
};

extern const struct tunpin_cap_entry tunpin_caps[TUNPIN_NCAPS];

/**
 * struct tunpin_level - what TAP file descriptors may use
 * @caps: allowed TUNSETOFFLOAD bits (a subset of TUNPIN_CAP_ALL)
 * @pinned: false: enforce nothing (stock behaviour)
 * @rcu: for freeing after a level change
 */
struct tunpin_level {
	u32 caps;
	bool pinned;
	struct rcu_head rcu;
};

/* caps.c */
int tunpin_level_parse(const char *buf, struct tunpin_level *level);
int tunpin_level_print(const struct tunpin_level *level, char *buf,
		       size_t size);
int tunpin_bits_print(unsigned long bits, char *buf, size_t size);

/* policy.c */
enum tunpin_verdict {
	TUNPIN_PASS,
	TUNPIN_REFUSE_ARG,	/* TUNSETOFFLOAD with bits outside the level */
	TUNPIN_REFUSE_CMD,	/* an ioctl command tunpin does not know */
};

enum tunpin_verdict tunpin_judge(unsigned int cmd, unsigned long arg);
int tunpin_level_set(const struct tunpin_level *level);
void tunpin_level_get(struct tunpin_level *level);
int tunpin_level_emit(char *buf);
int tunpin_policy_init(const struct tunpin_level *level);
void tunpin_policy_exit(void);

/* Per-capability counters; index TUNPIN_NCAPS counts unknown bits. */
u64 tunpin_count_requested(unsigned int idx);
u64 tunpin_count_refused(unsigned int idx);
u64 tunpin_count_refused_ioctls(void);

/* probes.c */
int tunpin_probes_init(void);
void tunpin_probes_exit(void);

/* sysfs.c */
int tunpin_sysfs_init(void);
void tunpin_sysfs_exit(void);

#endif /* _TUNPIN_H */
