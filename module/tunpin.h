/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin: internal interfaces between the policy engine (policy.c), the
 * per-cgroup overrides (override.c), the per-file state (files.c), the
 * capability table (caps.c), the interposition points (probes.c) and the
 * control plane (sysfs.c, genl.c, ctl.c).
 */
#ifndef _TUNPIN_H
#define _TUNPIN_H

#include <linux/types.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <uapi/linux/tunpin.h>
#include "caps-gen.h"	/* TUNPIN_NCAPS, TUNPIN_CAP_TABLE: from the uapi */

/* Longest level string we accept or print: every name once, plus slack. */
#define TUNPIN_LEVEL_MAX	512

/* The capability table, in table order. */
struct tunpin_cap_entry {
	const char *name;
	u32 bit;	/* in a capability set (struct tunpin_level's caps) */
	int vbit;	/* vhost-net: its virtio feature bit; TAP offload: -1 */
};

extern const struct tunpin_cap_entry tunpin_caps[TUNPIN_NCAPS];

struct file;
struct netlink_ext_ack;

/**
 * struct tunpin_level - what TAP file descriptors may use
 * @caps: allowed TUNSETOFFLOAD bits (a subset of TUNPIN_CAP_ALL)
 * @pinned: false: enforce nothing (stock behaviour)
 * @name: the administrator's label ("pool-a", "linux-6.1"), may be empty
 * @rcu: for freeing after a level change
 */
struct tunpin_level {
	u32 caps;
	bool pinned;
	char name[TUNPIN_NAME_MAX + 1];
	struct rcu_head rcu;
};

/* caps.c */
int tunpin_level_parse(const char *buf, struct tunpin_level *level);
bool tunpin_name_valid(const char *name);
int tunpin_level_print(const struct tunpin_level *level, char *buf,
		       size_t size);
int tunpin_bits_print(unsigned long bits, char *buf, size_t size);

/* policy.c */
enum tunpin_verdict {
	TUNPIN_PASS,
	TUNPIN_REFUSE_ARG,	/* TUNSETOFFLOAD with bits outside the level */
	TUNPIN_REFUSE_CMD,	/* an ioctl command tunpin does not know */
};

enum tunpin_verdict tunpin_judge(struct file *file, unsigned int cmd,
				 unsigned long arg);
int tunpin_level_set(const struct tunpin_level *level, bool force,
		     struct netlink_ext_ack *extack);
int tunpin_level_rename(const char *name);
void tunpin_level_get(struct tunpin_level *level);
int tunpin_level_emit(char *buf);
int tunpin_policy_init(const struct tunpin_level *level);
void tunpin_policy_exit(void);

/* Per-capability counters; index TUNPIN_NCAPS counts unknown bits. */
u64 tunpin_count_requested(unsigned int idx);
u64 tunpin_count_refused(unsigned int idx);
u64 tunpin_count_refused_ioctls(void);

/* override.c: per-cgroup levels; the deepest override of a task wins. */
const struct tunpin_level *tunpin_override_find(struct task_struct *task);
int tunpin_override_add(const char *path, const struct tunpin_level *level,
			struct netlink_ext_ack *extack);
int tunpin_override_del(const char *path, struct netlink_ext_ack *extack);
int tunpin_override_walk(long *pos,
			 int (*fn)(void *ctx, const char *path,
				   const struct tunpin_level *level),
			 void *ctx);
void tunpin_override_exit(void);

/* files.c: what tunpin knows of each open TAP file it has seen. */
struct tunpin_file_info {
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u32 active;	/* bits of the last accepted TUNSETOFFLOAD */
	u32 offered;	/* every bit accepted since open */
	bool exempt;	/* exempted through /dev/tunpin */
	bool override;	/* governed by a cgroup override */
};

int tunpin_file_watch(struct file *file, unsigned int cmd, unsigned long arg,
		      bool pass);
void tunpin_file_returned(struct file *file, u32 bits, bool accepted);
void tunpin_file_released(struct file *file);
bool tunpin_file_exempt(struct file *file);
int tunpin_file_exempt_set(struct file *file, const void *owner);
void tunpin_file_exempt_drop(const void *owner);
u32 tunpin_files_in_use(u32 caps, unsigned int *nfiles, char *who,
			size_t size);
int tunpin_files_walk(long *pos,
		      int (*fn)(void *ctx, const struct tunpin_file_info *fi),
		      void *ctx);
int tunpin_files_init(void);
void tunpin_files_exit(void);

/* probes.c */
int tunpin_probes_init(void);
void tunpin_probes_exit(void);

/* sysfs.c */
int tunpin_sysfs_init(void);
void tunpin_sysfs_exit(void);

/* genl.c */
int tunpin_genl_init(void);
void tunpin_genl_exit(void);
void tunpin_genl_notify_level(const struct tunpin_level *level);
void tunpin_genl_notify_refused(unsigned int cmd, u32 bits);

/* ctl.c: /dev/tunpin */
int tunpin_ctl_init(void);
void tunpin_ctl_exit(void);

#endif /* _TUNPIN_H */
