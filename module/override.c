// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: per-VM overrides. An override gives the tasks of a cgroup v2
 * subtree their own level instead of the host level: the native set for a
 * VM that never migrates, the minimal set for one that must migrate
 * everywhere. libvirt (a scope per VM), KubeVirt (a pod cgroup) and
 * Firecracker's jailer (a cgroup per microVM) all put a VM's processes in
 * one subtree, so none of them needs to change.
 *
 * Paths are resolved, and references to the cgroups taken, when an override
 * is added; the ioctl path then looks the calling task's cgroup and its
 * ancestors up, deepest first, in a hash keyed by cgroup, under RCU: its
 * cost grows with the depth of the hierarchy, not with the number of
 * overrides, and it never sleeps or looks at names.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/cgroup.h>
#include <linux/hashtable.h>
#include <linux/nsproxy.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <net/netlink.h>
#include "tunpin.h"

struct tunpin_override {
	struct list_head list;		/* in the order they were added */
	struct hlist_node node;		/* in tunpin_override_hash */
	struct cgroup *cgrp;
	struct tunpin_level level;
	char path[];
};

static LIST_HEAD(tunpin_overrides);
static DEFINE_HASHTABLE(tunpin_override_hash, 8);
static unsigned int tunpin_noverrides;
static DEFINE_MUTEX(tunpin_override_lock);

/**
 * tunpin_override_find - the level of @task's deepest override
 * @task: the task (current, in the ioctl path)
 *
 * Context: RCU read side; the level stays valid until it is left.
 * Return: the level, or NULL if no override covers the task.
 */
const struct tunpin_level *tunpin_override_find(struct task_struct *task)
{
	const struct tunpin_override *ov;
	struct cgroup *cgrp;

	if (list_empty(&tunpin_overrides))
		return NULL;
	for (cgrp = task_dfl_cgroup(task); cgrp; cgrp = cgroup_parent(cgrp))
		hash_for_each_possible_rcu(tunpin_override_hash, ov, node,
					   (unsigned long)cgrp)
			if (ov->cgrp == cgrp)
				return &ov->level;
	return NULL;
}

static struct tunpin_override *tunpin_override_lookup(struct cgroup *cgrp)
{
	struct tunpin_override *ov;

	list_for_each_entry(ov, &tunpin_overrides, list)
		if (ov->cgrp == cgrp)
			return ov;
	return NULL;
}

/*
 * Override paths are of the initial cgroup namespace, the one tunpin
 * prints and lists them in: cgroup_get_from_path() resolves in the
 * caller's, so an agent in a private cgroup namespace would name one
 * cgroup and override another. Such callers are refused.
 */
static int tunpin_override_ns_check(struct netlink_ext_ack *extack)
{
	if (current->nsproxy->cgroup_ns == init_task.nsproxy->cgroup_ns)
		return 0;
	NL_SET_ERR_MSG(extack,
		       "override paths are of the initial cgroup namespace: call from it");
	return -EPERM;
}

/**
 * tunpin_override_add - give a cgroup subtree its own level
 * @path: the cgroup's path in the cgroup v2 hierarchy, from its root
 * @level: the level (copied)
 * @extack: for the reason of a refusal; may be NULL
 *
 * Return: 0, -EPERM (called from another cgroup namespace), -ENOENT (no
 * such cgroup), -EEXIST (it has an override already),
 * -ENOSPC (TUNPIN_OVERRIDES_MAX reached), -EINVAL or -ENOMEM.
 */
int tunpin_override_add(const char *path, const struct tunpin_level *level,
			struct netlink_ext_ack *extack)
{
	struct tunpin_override *ov;
	struct cgroup *cgrp;
	char lvl[TUNPIN_LEVEL_MAX];
	int err;

	if (path[0] != '/') {
		NL_SET_ERR_MSG(extack, "cgroup path must start with '/'");
		return -EINVAL;
	}
	err = tunpin_override_ns_check(extack);
	if (err)
		return err;
	cgrp = cgroup_get_from_path(path);
	if (IS_ERR(cgrp)) {
		NL_SET_ERR_MSG(extack, "no such cgroup in the cgroup v2 hierarchy");
		return PTR_ERR(cgrp) == -ENOTDIR ? -ENOTDIR : -ENOENT;
	}
	ov = kzalloc(struct_size(ov, path, strlen(path) + 1), GFP_KERNEL);
	if (!ov) {
		err = -ENOMEM;
		goto err_put;
	}
	ov->cgrp = cgrp;
	ov->level = *level;
	strcpy(ov->path, path);

	mutex_lock(&tunpin_override_lock);
	if (tunpin_override_lookup(cgrp)) {
		NL_SET_ERR_MSG(extack, "this cgroup has an override already");
		err = -EEXIST;
	} else if (tunpin_noverrides >= TUNPIN_OVERRIDES_MAX) {
		NL_SET_ERR_MSG(extack, "too many overrides");
		err = -ENOSPC;
	} else {
		list_add_tail_rcu(&ov->list, &tunpin_overrides);
		hash_add_rcu(tunpin_override_hash, &ov->node,
			     (unsigned long)cgrp);
		tunpin_noverrides++;
		err = 0;
	}
	mutex_unlock(&tunpin_override_lock);
	if (err)
		goto err_free;

	tunpin_level_print(level, lvl, sizeof(lvl));
	pr_info("override for cgroup %s: %s by %s[%d]\n", path, lvl,
		current->comm, task_pid_nr(current));
	return 0;

err_free:
	kfree(ov);
err_put:
	cgroup_put(cgrp);
	return err;
}

/**
 * tunpin_override_del - give a cgroup subtree back to the host level
 * @path: as given to tunpin_override_add(), or another path of that cgroup
 * @extack: for the reason of a refusal; may be NULL
 *
 * The path as given finds the override even after its cgroup was removed.
 *
 * Context: process; waits for the ioctl paths to let go of the override.
 * Return: 0, -EPERM (called from another cgroup namespace) or -ENOENT.
 */
int tunpin_override_del(const char *path, struct netlink_ext_ack *extack)
{
	struct tunpin_override *ov, *found = NULL;
	struct cgroup *cgrp;
	int err;

	err = tunpin_override_ns_check(extack);
	if (err)
		return err;
	cgrp = cgroup_get_from_path(path);
	mutex_lock(&tunpin_override_lock);
	list_for_each_entry(ov, &tunpin_overrides, list) {
		if (!strcmp(ov->path, path) ||
		    (!IS_ERR(cgrp) && ov->cgrp == cgrp)) {
			found = ov;
			list_del_rcu(&ov->list);
			hash_del_rcu(&ov->node);
			tunpin_noverrides--;
			break;
		}
	}
	mutex_unlock(&tunpin_override_lock);
	if (!IS_ERR(cgrp))
		cgroup_put(cgrp);
	if (!found) {
		NL_SET_ERR_MSG(extack, "no override for this cgroup");
		return -ENOENT;
	}
	pr_info("override for cgroup %s removed by %s[%d]\n", found->path,
		current->comm, task_pid_nr(current));
	/* Its VMs are the host level's now, for lowering admission too. */
	tunpin_files_override_reset();
	synchronize_rcu();
	cgroup_put(found->cgrp);
	kfree(found);
	return 0;
}

/**
 * tunpin_override_walk - call @fn for the overrides from *@pos on
 * @pos: the cursor, 0 to start; advanced past each override @fn took
 * @fn: returns 0 to go on, anything else to stop (and not advance)
 * @ctx: for @fn
 *
 * Return: what @fn returned last, or 0 when done.
 */
int tunpin_override_walk(long *pos,
			 int (*fn)(void *ctx, const char *path,
				   const struct tunpin_level *level),
			 void *ctx)
{
	const struct tunpin_override *ov;
	long i = 0;
	int err = 0;

	mutex_lock(&tunpin_override_lock);
	list_for_each_entry(ov, &tunpin_overrides, list) {
		if (i++ < *pos)
			continue;
		err = fn(ctx, ov->path, &ov->level);
		if (err)
			break;
		(*pos)++;
	}
	mutex_unlock(&tunpin_override_lock);
	return err;
}

/* Called once the probes are gone. */
void tunpin_override_exit(void)
{
	struct tunpin_override *ov, *tmp;

	list_for_each_entry_safe(ov, tmp, &tunpin_overrides, list) {
		list_del(&ov->list);
		hash_del(&ov->node);
		cgroup_put(ov->cgrp);
		kfree(ov);
	}
	tunpin_noverrides = 0;
}
