/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin: internal interfaces between the policy engine (policy.c), the
 * per-cgroup overrides (override.c), the per-file state (files.c), the
 * capability table (caps.c), the interposition points (probes.c) and the
 * control plane (sysfs.c, genl.c, ctl.c).
 */
#ifndef _TUNPIN_H
#define _TUNPIN_H

#include <linux/bits.h>
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

/*
 * In a set of what a file asked for or uses, never in a level: a bit
 * outside the table (an unknown TUN_F_* flag or virtio feature). Levels
 * never allow it, so lowering admission counts it as removed.
 */
#define TUNPIN_CAP_UNKNOWN	BIT(31)

/* The feature words of VHOST_GET_FEATURES_ARRAY tunpin knows (128 bits). */
#define TUNPIN_VHOST_WORDS	2

struct file;
struct kprobe;
struct netlink_ext_ack;
struct pt_regs;

/**
 * struct tunpin_level - what TAP and vhost-net file descriptors may use
 * @caps: allowed capabilities (a subset of TUNPIN_CAP_ALL)
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
void tunpin_vhost_words(u32 caps, u64 words[TUNPIN_VHOST_WORDS]);
u32 tunpin_vhost_caps(const u64 words[TUNPIN_VHOST_WORDS]);
u32 tunpin_tap_caps(unsigned long arg);

/* policy.c */
enum tunpin_verdict {
	TUNPIN_PASS,
	TUNPIN_REFUSE_ARG,	/* TUNSETOFFLOAD with bits outside the level */
	TUNPIN_REFUSE_CMD,	/* an ioctl command tunpin does not know */
};

enum tunpin_verdict tunpin_judge(struct file *file, unsigned int cmd,
				 unsigned long arg);
const struct tunpin_level *tunpin_level_governing(struct file *file);
bool tunpin_cmd_in(const unsigned int *cmds, size_t n, unsigned int cmd);
void tunpin_count_request(u32 caps);
void tunpin_refused(const struct tunpin_level *level, unsigned int cmd,
		    u32 caps);
/* Why a lowering was refused: facts for the control plane to word. */
#define TUNPIN_WHO_MAX		128
struct tunpin_refusal {
	u32 removed;		/* the capabilities in use it would remove */
	unsigned int nfiles;	/* the open files holding them */
	char who[TUNPIN_WHO_MAX];	/* "comm[pid] ...", maybe cut short */
};

int tunpin_level_set(const struct tunpin_level *level, bool force,
		     struct tunpin_refusal *why);
void tunpin_lowering_refused(const struct tunpin_refusal *why,
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

/*
 * files.c: what tunpin knows of each open TAP or vhost-net file it has
 * seen; @active is what its last accepted TUNSETOFFLOAD or
 * VHOST_SET_FEATURES asked for.
 */
struct tunpin_file_info {
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u32 active;
	u32 offered;	/* every capability accepted since open */
	bool exempt;	/* exempted through /dev/tunpin */
	bool override;	/* governed by a cgroup override */
	bool vhost;	/* a vhost-net file, not a TAP */
};

enum tunpin_verdict tunpin_file_judge(struct file *file, unsigned int cmd,
				      unsigned long arg);
void tunpin_files_lock_handler(void);
void tunpin_files_lock_admin(void);
void tunpin_files_unlock(void);
void tunpin_files_override_reset(void);
void tunpin_file_returned(struct file *file, u32 bits, bool accepted);
int tunpin_file_vhost_set(struct file *file, u32 caps);
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
int tunpin_probes_show(char *buf);
void tunpin_probes_exit(void);

/* vhost.c: vhost-net, asked for its native features at load */
int tunpin_vhost_init(void);
void tunpin_vhost_exit(void);
bool tunpin_vhost_file(const struct file *file);
const struct file_operations *tunpin_vhost_file_ops(void);
int tunpin_vhost_pre(struct kprobe *kp, struct pt_regs *regs);

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
