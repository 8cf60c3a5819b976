// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: the policy engine. Holds the level in force and judges each TAP
 * ioctl against it. tunpin_judge() runs in the kprobe pre-handler: it must
 * not sleep, and reads the level under RCU.
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
#include "tunpin.h"

static struct tunpin_level __rcu *tunpin_cur;
static DEFINE_MUTEX(tunpin_level_lock);

/* Index TUNPIN_NCAPS counts bits outside the table. */
static atomic_long_t tunpin_requested[TUNPIN_NCAPS + 1];
static atomic_long_t tunpin_refused[TUNPIN_NCAPS + 1];
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

static bool tunpin_cmd_known(unsigned int cmd)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(tunpin_known_cmds); i++)
		if (tunpin_known_cmds[i] == cmd)
			return true;
	return false;
}

static void tunpin_count_bits(atomic_long_t *counters, unsigned long bits)
{
	int i;

	for (i = 0; i < TUNPIN_NCAPS; i++)
		if (bits & tunpin_caps[i].bit)
			atomic_long_inc(&counters[i]);
	if (bits & ~(unsigned long)TUNPIN_CAP_ALL)
		atomic_long_inc(&counters[TUNPIN_NCAPS]);
}

static void tunpin_log_refusal(const struct tunpin_level *level,
			       unsigned int cmd, unsigned long refused)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	char what[TUNPIN_LEVEL_MAX], lvl[TUNPIN_LEVEL_MAX];

	if (!__ratelimit(&rs))
		return;
	tunpin_level_print(level, lvl, sizeof(lvl));
	if (cmd == TUNSETOFFLOAD) {
		tunpin_bits_print(refused, what, sizeof(what));
		pr_notice("refused TUNSETOFFLOAD %s for %s[%d] (level: %s)\n",
			  what, current->comm, task_pid_nr(current), lvl);
	} else {
		pr_notice("refused unknown ioctl %#x for %s[%d] (level: %s)\n",
			  cmd, current->comm, task_pid_nr(current), lvl);
	}
}

/**
 * tunpin_judge - decide on one TAP ioctl
 * @cmd: the ioctl command
 * @arg: its argument (for TUNSETOFFLOAD: the requested bits)
 *
 * Context: any; does not sleep.
 * Return: what the interposition point must do with the call.
 */
enum tunpin_verdict tunpin_judge(unsigned int cmd, unsigned long arg)
{
	enum tunpin_verdict verdict = TUNPIN_PASS;
	const struct tunpin_level *level;
	unsigned long refused;

	if (cmd == TUNSETOFFLOAD)
		tunpin_count_bits(tunpin_requested, arg);

	rcu_read_lock();
	level = rcu_dereference(tunpin_cur);
	if (!level->pinned)
		goto out;

	if (cmd == TUNSETOFFLOAD) {
		refused = arg & ~(unsigned long)level->caps;
		if (!refused)
			goto out;
		tunpin_count_bits(tunpin_refused, refused);
		verdict = TUNPIN_REFUSE_ARG;
	} else if (!tunpin_cmd_known(cmd)) {
		refused = 0;
		atomic_long_inc(&tunpin_refused_ioctls);
		verdict = TUNPIN_REFUSE_CMD;
	} else {
		goto out;
	}
	tunpin_log_refusal(level, cmd, refused);
out:
	rcu_read_unlock();
	return verdict;
}

/**
 * tunpin_level_set - put a level in force; the next ioctl sees it
 * @level: the new level (copied)
 *
 * Context: process; may sleep.
 * Return: 0 or -ENOMEM.
 */
int tunpin_level_set(const struct tunpin_level *level)
{
	char was[TUNPIN_LEVEL_MAX], now[TUNPIN_LEVEL_MAX];
	struct tunpin_level *new, *old;

	new = kmemdup(level, sizeof(*level), GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	mutex_lock(&tunpin_level_lock);
	old = rcu_replace_pointer(tunpin_cur, new,
				  lockdep_is_held(&tunpin_level_lock));
	mutex_unlock(&tunpin_level_lock);

	tunpin_level_print(old, was, sizeof(was));
	tunpin_level_print(new, now, sizeof(now));
	pr_info("level set to %s (was %s) by %s[%d]\n", now, was,
		current->comm, task_pid_nr(current));
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
	level->caps = cur->caps;
	level->pinned = cur->pinned;
	rcu_read_unlock();
}

/**
 * tunpin_level_emit - print the level in force and a newline
 * @buf: a PAGE_SIZE buffer (sysfs show, module parameter get)
 *
 * Return: the length printed.
 */
int tunpin_level_emit(char *buf)
{
	struct tunpin_level level;
	int len;

	tunpin_level_get(&level);
	len = tunpin_level_print(&level, buf, PAGE_SIZE - 1);
	buf[len++] = '\n';
	return len;
}

u64 tunpin_count_requested(unsigned int idx)
{
	return atomic_long_read(&tunpin_requested[idx]);
}

u64 tunpin_count_refused(unsigned int idx)
{
	return atomic_long_read(&tunpin_refused[idx]);
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
	RCU_INIT_POINTER(tunpin_cur, first);
	return 0;
}

/* Called once the probes are gone: nobody reads the level any more. */
void tunpin_policy_exit(void)
{
	kfree(rcu_dereference_protected(tunpin_cur, true));
	RCU_INIT_POINTER(tunpin_cur, NULL);
}
