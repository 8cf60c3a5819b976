// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: the policy engine. Holds the host level and judges each TAP
 * ioctl against the level that governs it (tunpin_level_governing(): none
 * for an exempted file, the calling task's cgroup override if it has one,
 * else the host level); vhost.c judges vhost-net's through the same.
 * tunpin_judge() runs in the kprobe pre-handler: it must not sleep, and
 * reads everything under RCU.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/ratelimit.h>
#include <linux/sockios.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <net/netlink.h>
#include "tunpin.h"

static struct tunpin_level __rcu *tunpin_cur;
static DEFINE_MUTEX(tunpin_level_lock);

/* Index TUNPIN_NCAPS counts bits outside the table. */
static atomic_long_t tunpin_requested[TUNPIN_NCAPS + 1];
static atomic_long_t tunpin_refused_caps[TUNPIN_NCAPS + 1];
static atomic_long_t tunpin_refused_ioctls;

/*
 * Every ioctl command of tun and tap (macvtap/ipvtap) that tunpin knows
 * (Linux 6.1). A command outside this list may expose something a level
 * cannot describe, so it is refused while pinned, as an old kernel would.
 */
static const unsigned int tunpin_known_cmds[] = {
	TUNSETNOCSUM, TUNSETDEBUG, TUNSETIFF, TUNSETPERSIST, TUNSETOWNER,
	TUNSETLINK, TUNSETGROUP, TUNGETFEATURES, TUNSETOFFLOAD,
	TUNSETTXFILTER, TUNGETIFF, TUNGETSNDBUF, TUNSETSNDBUF,
	TUNATTACHFILTER, TUNDETACHFILTER, TUNGETVNETHDRSZ, TUNSETVNETHDRSZ,
	TUNSETQUEUE, TUNSETIFINDEX, TUNGETFILTER, TUNSETVNETLE, TUNGETVNETLE,
	TUNSETVNETBE, TUNGETVNETBE, TUNSETSTEERINGEBPF, TUNSETFILTEREBPF,
	TUNSETCARRIER, TUNGETDEVNETNS,
	SIOCGIFHWADDR, SIOCSIFHWADDR, SIOCGSKNS,
};

/**
 * tunpin_cmd_in - whether @cmd is one of the @n commands of @cmds
 * @cmds: ioctl commands
 * @n: how many
 * @cmd: the command
 */
bool tunpin_cmd_in(const unsigned int *cmds, size_t n, unsigned int cmd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cmds[i] == cmd)
			return true;
	return false;
}

static bool tunpin_cmd_known(unsigned int cmd)
{
	return tunpin_cmd_in(tunpin_known_cmds, ARRAY_SIZE(tunpin_known_cmds),
			     cmd);
}

static void tunpin_count_bits(atomic_long_t *counters, u32 caps)
{
	int i;

	for (i = 0; i < TUNPIN_NCAPS; i++)
		if (caps & tunpin_caps[i].bit)
			atomic_long_inc(&counters[i]);
	if (caps & TUNPIN_CAP_UNKNOWN)
		atomic_long_inc(&counters[TUNPIN_NCAPS]);
}

static const char *tunpin_cmd_name(unsigned int cmd)
{
	return cmd == TUNSETOFFLOAD ? "TUNSETOFFLOAD" :
	       cmd == VHOST_SET_FEATURES ? "VHOST_SET_FEATURES" :
	       "VHOST_SET_FEATURES_ARRAY";
}

/**
 * tunpin_count_request - count what a TUNSETOFFLOAD or VHOST_SET_FEATURES
 * asked for, whatever the level
 * @caps: the capabilities asked for (tunpin_tap_caps(), tunpin_vhost_caps())
 */
void tunpin_count_request(u32 caps)
{
	tunpin_count_bits(tunpin_requested, caps);
}

/**
 * tunpin_refused - count, log and announce a refusal
 * @level: the level that refused
 * @cmd: the ioctl command
 * @caps: for TUNSETOFFLOAD and VHOST_SET_FEATURES(_ARRAY), the refused
 *        capabilities; 0 for a command tunpin does not know
 *
 * Context: any; does not sleep.
 */
void tunpin_refused(const struct tunpin_level *level, unsigned int cmd,
		    u32 caps)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	char what[TUNPIN_LEVEL_MAX], lvl[TUNPIN_LEVEL_MAX];

	if (caps)
		tunpin_count_bits(tunpin_refused_caps, caps);
	else
		atomic_long_inc(&tunpin_refused_ioctls);
	if (!__ratelimit(&rs))
		return;
	tunpin_genl_notify_refused(cmd, caps);
	tunpin_level_print(level, lvl, sizeof(lvl));
	if (caps) {
		tunpin_bits_print(caps, what, sizeof(what));
		pr_notice("refused %s %s for %s[%d] (level: %s)\n",
			  tunpin_cmd_name(cmd), what, current->comm,
			  task_pid_nr(current), lvl);
	} else {
		pr_notice("refused unknown ioctl %#x for %s[%d] (level: %s)\n",
			  cmd, current->comm, task_pid_nr(current), lvl);
	}
}

/**
 * tunpin_level_governing - the level that judges @file's calls now
 * @file: a TAP or vhost-net file
 *
 * None for an exempted file, else the calling task's cgroup override if it
 * has one, else the host level.
 *
 * Context: RCU read side; the level is valid until it ends.
 * Return: the level, or NULL if it enforces nothing (exempt or unpinned).
 */
const struct tunpin_level *tunpin_level_governing(struct file *file)
{
	const struct tunpin_level *level;

	if (tunpin_file_exempt(file))
		return NULL;
	level = tunpin_override_find(current);
	if (!level)
		level = rcu_dereference(tunpin_cur);
	return level->pinned ? level : NULL;
}

/**
 * tunpin_judge - decide on one TAP ioctl
 * @file: the TAP file
 * @cmd: the ioctl command
 * @arg: its argument (for TUNSETOFFLOAD: the requested TUN_F_* flags)
 *
 * A TUNSETOFFLOAD flag outside the table is outside every level.
 *
 * Context: any; does not sleep.
 * Return: what the interposition point must do with the call.
 */
enum tunpin_verdict tunpin_judge(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	enum tunpin_verdict verdict = TUNPIN_PASS;
	const struct tunpin_level *level;
	u32 refused;

	if (cmd == TUNSETOFFLOAD)
		tunpin_count_request(tunpin_tap_caps(arg));
	else if (tunpin_cmd_known(cmd))
		return TUNPIN_PASS;	/* whatever the level */

	rcu_read_lock();
	level = tunpin_level_governing(file);
	if (!level)
		goto out;
	if (cmd == TUNSETOFFLOAD) {
		refused = tunpin_tap_caps(arg) & ~level->caps;
		if (!refused)
			goto out;
		verdict = TUNPIN_REFUSE_ARG;
	} else {
		refused = 0;
		verdict = TUNPIN_REFUSE_CMD;
	}
	tunpin_refused(level, cmd, refused);
out:
	rcu_read_unlock();
	return verdict;
}

/**
 * tunpin_level_set - put a host level in force; the next ioctl sees it
 * @level: the new level (copied)
 * @force: even if open TAP files governed by the host level have had
 *         capabilities accepted that the new level removes
 * @why: filled in with the reason of a refusal (tunpin_lowering_refused()
 *       words it)
 *
 * Lowering admission, as VMware EVC does it: a level that removes what
 * running VMs were offered is refused unless forced.
 *
 * Context: process; may sleep.
 * Return: 0, -EBUSY (lowering refused) or -ENOMEM.
 */
int tunpin_level_set(const struct tunpin_level *level, bool force,
		     struct tunpin_refusal *why)
{
	char was[TUNPIN_LEVEL_MAX], now[TUNPIN_LEVEL_MAX];
	char name[TUNPIN_NAME_MAX + 1];
	struct tunpin_level *new, *old;

	new = kmemdup(level, sizeof(*level), GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	/*
	 * The check and the change are one step for the ioctl handlers: they
	 * judge a call and record what it may use under the same lock, so a
	 * call judged by the old level is counted in use here, and any later
	 * one is judged by the new level.
	 */
	mutex_lock(&tunpin_level_lock);
	tunpin_files_lock_admin();
	why->removed = 0;
	if (new->pinned && !force)
		why->removed = tunpin_files_in_use(new->caps, &why->nfiles,
						   why->who, sizeof(why->who));
	if (why->removed) {
		tunpin_files_unlock();
		mutex_unlock(&tunpin_level_lock);
		kfree(new);
		return -EBUSY;
	}
	old = rcu_replace_pointer(tunpin_cur, new,
				  lockdep_is_held(&tunpin_level_lock));
	tunpin_files_unlock();
	tunpin_genl_notify_level(new);
	/* Once the mutex is dropped, another writer may free @new. */
	tunpin_level_print(old, was, sizeof(was));
	tunpin_level_print(new, now, sizeof(now));
	strscpy(name, new->name, sizeof(name));
	mutex_unlock(&tunpin_level_lock);

	pr_info("level set to %s%s%s%s (was %s)%s by %s[%d]\n", now,
		name[0] ? " [" : "", name, name[0] ? "]" : "",
		was, force ? " with force" : "", current->comm,
		task_pid_nr(current));
	kfree_rcu(old, rcu);
	return 0;
}

/**
 * tunpin_level_rename - relabel the host level, leaving what it allows
 * @name: a valid label (tunpin_name_valid())
 *
 * Return: 0 or -ENOMEM.
 */
int tunpin_level_rename(const char *name)
{
	struct tunpin_level *new, *old;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	mutex_lock(&tunpin_level_lock);
	old = rcu_dereference_protected(tunpin_cur,
					lockdep_is_held(&tunpin_level_lock));
	new->caps = old->caps;
	new->pinned = old->pinned;
	strscpy(new->name, name, sizeof(new->name));
	rcu_assign_pointer(tunpin_cur, new);
	tunpin_genl_notify_level(new);
	mutex_unlock(&tunpin_level_lock);

	/* @name is the caller's; @old is freed by nobody but us. */
	pr_info("level renamed to \"%s\" (was \"%s\") by %s[%d]\n", name,
		old->name, current->comm, task_pid_nr(current));
	kfree_rcu(old, rcu);
	return 0;
}

/**
 * tunpin_level_get - copy the level in force
 * @level: output
 */
void tunpin_level_get(struct tunpin_level *level)
{
	const struct tunpin_level *cur;

	rcu_read_lock();
	cur = rcu_dereference(tunpin_cur);
	*level = *cur;
	rcu_read_unlock();
}

/**
 * tunpin_level_emit - print the level in force and a newline
 * @buf: a PAGE_SIZE buffer (sysfs show, module parameter get)
 *
 * The module parameter's file exists before tunpin_policy_init() and after
 * tunpin_policy_exit(): there is no level then.
 *
 * Return: the length printed, or -ENODEV while loading or unloading.
 */
int tunpin_level_emit(char *buf)
{
	const struct tunpin_level *cur;
	int len;

	rcu_read_lock();
	cur = rcu_dereference(tunpin_cur);
	if (!cur) {
		rcu_read_unlock();
		return -ENODEV;
	}
	len = tunpin_level_print(cur, buf, PAGE_SIZE - 1);
	rcu_read_unlock();
	buf[len++] = '\n';
	return len;
}

u64 tunpin_count_requested(unsigned int idx)
{
	return atomic_long_read(&tunpin_requested[idx]);
}

u64 tunpin_count_refused(unsigned int idx)
{
	return atomic_long_read(&tunpin_refused_caps[idx]);
}

u64 tunpin_count_refused_ioctls(void)
{
	return atomic_long_read(&tunpin_refused_ioctls);
}

int tunpin_policy_init(const struct tunpin_level *level)
{
	struct tunpin_level *first;

	first = kmemdup(level, sizeof(*level), GFP_KERNEL);
	if (!first)
		return -ENOMEM;
	/* The module parameter's readers may look already. */
	rcu_assign_pointer(tunpin_cur, first);
	return 0;
}

/*
 * Called once the probes and the control plane are gone; the module
 * parameter's readers may still look (tunpin_level_emit()).
 */
void tunpin_policy_exit(void)
{
	struct tunpin_level *last;

	last = rcu_replace_pointer(tunpin_cur, NULL, true);
	synchronize_rcu();
	kfree(last);
}
