/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): the "tunpin" generic netlink family, on libmnl.
 *
 * Every call returns 0 or a negative errno; after a kernel refusal,
 * tp_nl_extack() has the kernel's explanation (or ""). Dump callbacks
 * return 0 to go on; anything else stops the walk (the call then returns
 * it, once the dump is drained).
 */
#ifndef TUNPIN_TOOL_NL_H
#define TUNPIN_TOOL_NL_H

#include <stdbool.h>
#include <stdint.h>

struct tp_nl;

/*
 * The kernel takes labels of at most TUNPIN_NAME_MAX (63) characters; there
 * is room for longer ones so that the kernel, not the tool, judges them.
 */
#define TP_NAME_SIZE 256

struct tp_level {
	uint32_t caps;		/* allowed capability bits; 0 if !pinned */
	bool pinned;		/* false: unpinned, enforce nothing */
	char name[TP_NAME_SIZE]; /* label, "" if none */
};

/* One per capability in table order, then the unknown bits (cap == 0). */
struct tp_counter {
	uint32_t cap;
	uint64_t requested;
	uint64_t refused;
};

struct tp_counters {
	int n;
	struct tp_counter c[33];	/* every bit of a u32, and unknown */
	uint64_t refused_ioctls;
};

struct tp_override {
	char cgroup[4096];	/* as given to OVERRIDE_ADD */
	struct tp_level level;
};

struct tp_tap {
	uint32_t pid;
	char comm[32];
	uint32_t active;	/* the last accepted TUNSETOFFLOAD */
	uint32_t offered;	/* everything accepted since open */
	bool exempt;		/* exempted through /dev/tunpin */
	bool override;		/* governed by a cgroup override */
	bool vhost;		/* a vhost-net file: capability bits above */
};

enum tp_event_type { TP_EV_LEVEL, TP_EV_REFUSED, TP_EV_LOST };

struct tp_event {
	enum tp_event_type type;
	uint32_t pid;		/* the setter, or the refused process */
	char comm[32];
	struct tp_level level;	/* TP_EV_LEVEL: the new level */
	uint32_t ioctl;		/* TP_EV_REFUSED: the command */
	uint32_t caps;		/* TP_EV_REFUSED: refused bits, 0 for ioctls */
};

typedef int (*tp_override_cb)(const struct tp_override *ov, void *arg);
typedef int (*tp_tap_cb)(const struct tp_tap *tap, void *arg);
typedef int (*tp_event_cb)(const struct tp_event *ev, void *arg);

/* NULL and errno set on failure: ENOENT when the family is absent. */
struct tp_nl *tp_nl_open(void);
void tp_nl_close(struct tp_nl *h);
/* The kernel's message about the last error, or "". */
const char *tp_nl_extack(const struct tp_nl *h);

int tp_nl_level_get(struct tp_nl *h, struct tp_level *level);
int tp_nl_level_set(struct tp_nl *h, const struct tp_level *level,
		    bool force);
int tp_nl_counters(struct tp_nl *h, struct tp_counters *c);
int tp_nl_overrides(struct tp_nl *h, tp_override_cb cb, void *arg);
int tp_nl_override_add(struct tp_nl *h, const char *cgroup,
		       const struct tp_level *level);
int tp_nl_override_del(struct tp_nl *h, const char *cgroup);
int tp_nl_taps(struct tp_nl *h, tp_tap_cb cb, void *arg);
/* Join the "events" group and call @cb for each event until it returns
 * non-zero (returned) or receiving fails. An overrun of the socket (events
 * dropped) is reported as one TP_EV_LOST event and monitoring goes on. */
int tp_nl_monitor(struct tp_nl *h, tp_event_cb cb, void *arg);

#endif
