// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: the generic netlink family "tunpin", the typed control plane for
 * management software. Documentation/netlink/specs/tunpin.yaml describes it
 * for any netlink client. Every change needs CAP_NET_ADMIN in the initial
 * user namespace (GENL_ADMIN_PERM): root in a container cannot loosen the
 * host's policy. Reads are open to anyone, except what names the
 * processes (pids) of every user: the TAP list and the events group.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/irq_work.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include "compat/compat.h"
#include "tunpin.h"

static struct genl_family tunpin_genl_family;

enum {
	TUNPIN_MCGRP_EVENTS_IDX,
};

/*
 * Events name the processes refused: listeners need CAP_NET_ADMIN. A kernel
 * that cannot require it is offered no group (compat.h).
 */
#if TUNPIN_HAVE_EVENTS
static const struct genl_multicast_group tunpin_mcgrps[] = {
	[TUNPIN_MCGRP_EVENTS_IDX] = { .name = TUNPIN_MCGRP_EVENTS,
				      .flags = TUNPIN_MCAST_CAP_NET_ADMIN },
};
#endif

static const struct nla_policy tunpin_level_policy[TUNPIN_A_MAX + 1] = {
	[TUNPIN_A_CAPS]		= NLA_POLICY_MASK(NLA_U32, TUNPIN_CAP_ALL),
	[TUNPIN_A_UNPINNED]	= { .type = NLA_FLAG },
	[TUNPIN_A_NAME]		= { .type = NLA_NUL_STRING,
				    .len = TUNPIN_NAME_MAX },
	[TUNPIN_A_FORCE]	= { .type = NLA_FLAG },
};

static const struct nla_policy tunpin_override_policy[TUNPIN_A_MAX + 1] = {
	[TUNPIN_A_CGROUP]	= { .type = NLA_NUL_STRING,
				    .len = PATH_MAX - 1 },
	[TUNPIN_A_CAPS]		= NLA_POLICY_MASK(NLA_U32, TUNPIN_CAP_ALL),
	[TUNPIN_A_UNPINNED]	= { .type = NLA_FLAG },
	[TUNPIN_A_NAME]		= { .type = NLA_NUL_STRING,
				    .len = TUNPIN_NAME_MAX },
};

/* Operations without attributes: strict validation rejects any. */
static const struct nla_policy tunpin_none_policy[TUNPIN_A_MAX + 1] = {};

/* A level from CAPS xor UNPINNED, and an optional NAME. */
static int tunpin_parse_level(struct genl_info *info,
			      struct tunpin_level *level)
{
	struct nlattr **tb = info->attrs;

	if (!tb[TUNPIN_A_CAPS] == !tb[TUNPIN_A_UNPINNED]) {
		NL_SET_ERR_MSG(info->extack,
			       "give exactly one of TUNPIN_A_CAPS and TUNPIN_A_UNPINNED");
		return -EINVAL;
	}
	memset(level, 0, sizeof(*level));
	level->pinned = !tb[TUNPIN_A_UNPINNED];
	if (tb[TUNPIN_A_CAPS])
		level->caps = nla_get_u32(tb[TUNPIN_A_CAPS]);
	if (tb[TUNPIN_A_NAME]) {
		if (!tunpin_name_valid(nla_data(tb[TUNPIN_A_NAME]))) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[TUNPIN_A_NAME],
					    "a level name is made of [A-Za-z0-9._:+@-]");
			return -EINVAL;
		}
		nla_strscpy(level->name, tb[TUNPIN_A_NAME], sizeof(level->name));
	}
	return 0;
}

static int tunpin_put_level(struct sk_buff *skb,
			    const struct tunpin_level *level)
{
	if (nla_put_u32(skb, TUNPIN_A_CAPS, level->pinned ? level->caps : 0) ||
	    (!level->pinned && nla_put_flag(skb, TUNPIN_A_UNPINNED)) ||
	    nla_put_string(skb, TUNPIN_A_NAME, level->name))
		return -EMSGSIZE;
	return 0;
}

static int tunpin_put_who(struct sk_buff *skb)
{
	if (nla_put_u32(skb, TUNPIN_A_PID, task_tgid_nr(current)) ||
	    nla_put_string(skb, TUNPIN_A_COMM, current->comm))
		return -EMSGSIZE;
	return 0;
}

/* Reply to @info with a @cmd message that @fill fills. */
static int tunpin_reply(struct genl_info *info, u8 cmd,
			int (*fill)(struct sk_buff *msg))
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tunpin_genl_family, 0, cmd);
	if (!hdr || fill(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int tunpin_fill_level(struct sk_buff *msg)
{
	struct tunpin_level level;

	tunpin_level_get(&level);
	if (tunpin_put_level(msg, &level) ||
	    nla_put_u32(msg, TUNPIN_A_KNOWN, TUNPIN_CAP_ALL))
		return -EMSGSIZE;
	return 0;
}

static int tunpin_level_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return tunpin_reply(info, TUNPIN_CMD_LEVEL_GET, tunpin_fill_level);
}

/*
 * The message of a refused lowering names capabilities and processes, so it
 * is formatted, and it must live until netlink_ack() copies it, after the
 * handler returned. It is written into one of a few static slots, reused
 * only after that many later refusals (their last byte is never written
 * and stays NUL); where the kernel has NL_SET_ERR_MSG_FMT() (6.2) and the
 * message fits its buffer, which is in the extack itself, the extack gets
 * a copy (compat.h), and no later refusal can change it.
 *
 * A slot holds the longest message whole: the format's 68 characters of
 * text, a u32 (10 digits), the plural's "s", the bits (at most
 * TUNPIN_LEVEL_MAX - 1 characters), the processes (TUNPIN_WHO_MAX - 1), the
 * terminating NUL and the byte never written.
 */
#define TUNPIN_MSG_MAX		(68 + 10 + 1 + TUNPIN_LEVEL_MAX + TUNPIN_WHO_MAX)
#define TUNPIN_MSG_SLOTS	8
static char tunpin_msgs[TUNPIN_MSG_SLOTS][TUNPIN_MSG_MAX];
static atomic_t tunpin_msg_next;

/**
 * tunpin_lowering_refused - say why tunpin_level_set() refused a lowering
 * @why: what it filled in
 * @extack: the request's, or NULL (sysfs): the kernel log says it anyway
 */
void tunpin_lowering_refused(const struct tunpin_refusal *why,
			     struct netlink_ext_ack *extack)
{
	unsigned int slot = (unsigned int)atomic_inc_return(&tunpin_msg_next);
	char *msg = tunpin_msgs[slot % TUNPIN_MSG_SLOTS];
	char bits[TUNPIN_LEVEL_MAX];

	tunpin_bits_print(why->removed, bits, sizeof(bits));
	snprintf(msg, TUNPIN_MSG_MAX - 1,
		 "level removes %s in use by %u open TAP file%s: %s; set FORCE to lower anyway",
		 bits, why->nfiles, why->nfiles == 1 ? "" : "s", why->who);
	pr_notice("refused level change: %s\n", msg);
	if (extack && !tunpin_extack_fmt(extack, msg))
		extack->_msg = msg;	/* NL_SET_ERR_MSG() takes literals only */
}

static int tunpin_level_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tunpin_refusal why;
	struct tunpin_level level;
	int err;

	err = tunpin_parse_level(info, &level);
	if (err)
		return err;
	err = tunpin_level_set(&level, info->attrs[TUNPIN_A_FORCE], &why);
	if (err == -EBUSY)
		tunpin_lowering_refused(&why, info->extack);
	return err;
}

static int tunpin_put_counter(struct sk_buff *skb, u32 cap, unsigned int idx)
{
	struct nlattr *nest = nla_nest_start(skb, TUNPIN_A_COUNTER);

	if (!nest ||
	    nla_put_u32(skb, TUNPIN_A_COUNTER_CAP, cap) ||
	    nla_put_u64_64bit(skb, TUNPIN_A_COUNTER_REQUESTED,
			      tunpin_count_requested(idx),
			      TUNPIN_A_COUNTER_PAD) ||
	    nla_put_u64_64bit(skb, TUNPIN_A_COUNTER_REFUSED,
			      tunpin_count_refused(idx), TUNPIN_A_COUNTER_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tunpin_fill_counters(struct sk_buff *msg)
{
	unsigned int i;

	for (i = 0; i <= TUNPIN_NCAPS; i++)
		if (tunpin_put_counter(msg, i < TUNPIN_NCAPS ?
					    tunpin_caps[i].bit : 0, i))
			return -EMSGSIZE;
	return nla_put_u64_64bit(msg, TUNPIN_A_REFUSED_IOCTLS,
				 tunpin_count_refused_ioctls(), TUNPIN_A_PAD);
}

static int tunpin_counters_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	return tunpin_reply(info, TUNPIN_CMD_COUNTERS_GET,
			    tunpin_fill_counters);
}

/* Where a dump writes: @skb, answering the request of @cb. */
struct tunpin_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static void *tunpin_dump_put(struct tunpin_dump *d, u8 cmd)
{
	return genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid,
			   d->cb->nlh->nlmsg_seq, &tunpin_genl_family,
			   NLM_F_MULTI, cmd);
}

/* Fill one dump message; -EMSGSIZE stops the walk until the next round. */
static int tunpin_override_fill(void *ctx, const char *path,
				const struct tunpin_level *level)
{
	struct tunpin_dump *d = ctx;
	struct sk_buff *skb = d->skb;
	void *hdr;

	hdr = tunpin_dump_put(d, TUNPIN_CMD_OVERRIDE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, TUNPIN_A_CGROUP, path) ||
	    tunpin_put_level(skb, level)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int tunpin_walk_done(struct sk_buff *skb, int err)
{
	/* A full message ends this round; the cursor resumes the next. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int tunpin_override_get_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	struct tunpin_dump d = { .skb = skb, .cb = cb };

	return tunpin_walk_done(skb, tunpin_override_walk(&cb->args[0],
							  tunpin_override_fill,
							  &d));
}

static int tunpin_override_add_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct tunpin_level level;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TUNPIN_A_CGROUP))
		return -EINVAL;
	err = tunpin_parse_level(info, &level);
	if (err)
		return err;
	return tunpin_override_add(nla_data(info->attrs[TUNPIN_A_CGROUP]),
				   &level, info->extack);
}

static int tunpin_override_del_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct nlattr **tb = info->attrs;

	if (GENL_REQ_ATTR_CHECK(info, TUNPIN_A_CGROUP))
		return -EINVAL;
	if (tb[TUNPIN_A_CAPS] || tb[TUNPIN_A_UNPINNED] || tb[TUNPIN_A_NAME]) {
		NL_SET_ERR_MSG(info->extack, "only TUNPIN_A_CGROUP is expected");
		return -EINVAL;
	}
	return tunpin_override_del(nla_data(tb[TUNPIN_A_CGROUP]),
				   info->extack);
}

static int tunpin_tap_fill(void *ctx, const struct tunpin_file_info *fi)
{
	struct tunpin_dump *d = ctx;
	struct sk_buff *skb = d->skb;
	void *hdr;

	hdr = tunpin_dump_put(d, TUNPIN_CMD_TAP_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, TUNPIN_A_PID, fi->pid) ||
	    nla_put_string(skb, TUNPIN_A_COMM, fi->comm) ||
	    nla_put_u32(skb, TUNPIN_A_ACTIVE, fi->active) ||
	    nla_put_u32(skb, TUNPIN_A_OFFERED, fi->offered) ||
	    (fi->exempt && nla_put_flag(skb, TUNPIN_A_EXEMPT)) ||
	    (fi->override && nla_put_flag(skb, TUNPIN_A_OVERRIDE)) ||
	    (fi->vhost && nla_put_flag(skb, TUNPIN_A_VHOST))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int tunpin_tap_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct tunpin_dump d = { .skb = skb, .cb = cb };

	return tunpin_walk_done(skb, tunpin_files_walk(&cb->args[0],
						       tunpin_tap_fill, &d));
}

static const struct genl_ops tunpin_genl_ops[] = {
	{
		.cmd = TUNPIN_CMD_LEVEL_GET,
		.doit = tunpin_level_get_doit,
		.policy = tunpin_none_policy,
		.maxattr = TUNPIN_A_MAX,
	},
	{
		.cmd = TUNPIN_CMD_LEVEL_SET,
		.doit = tunpin_level_set_doit,
		.policy = tunpin_level_policy,
		.maxattr = TUNPIN_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TUNPIN_CMD_COUNTERS_GET,
		.doit = tunpin_counters_get_doit,
		.policy = tunpin_none_policy,
		.maxattr = TUNPIN_A_MAX,
	},
	{
		.cmd = TUNPIN_CMD_OVERRIDE_GET,
		.dumpit = tunpin_override_get_dumpit,
		.policy = tunpin_none_policy,
		.maxattr = TUNPIN_A_MAX,
		.flags = GENL_ADMIN_PERM,	/* the paths name VMs */
	},
	{
		.cmd = TUNPIN_CMD_OVERRIDE_ADD,
		.doit = tunpin_override_add_doit,
		.policy = tunpin_override_policy,
		.maxattr = TUNPIN_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TUNPIN_CMD_OVERRIDE_DEL,
		.doit = tunpin_override_del_doit,
		.policy = tunpin_override_policy,
		.maxattr = TUNPIN_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TUNPIN_CMD_TAP_GET,
		.dumpit = tunpin_tap_get_dumpit,
		.policy = tunpin_none_policy,
		.maxattr = TUNPIN_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family tunpin_genl_family __ro_after_init = {
	.name		= TUNPIN_GENL_NAME,
	.version	= TUNPIN_GENL_VERSION,
	.maxattr	= TUNPIN_A_MAX,
	.netnsok	= true,	/* so containers are told EPERM, not ENOENT */
	/*
	 * No .resv_start_op, as for any new family: from 6.1 the core checks
	 * every command as a new one (genlmsghdr.reserved zero, only its own
	 * nlmsg_flags, no attributes for an op without a policy). Attributes
	 * are strictly validated on every kernel anyway.
	 */
	.module		= THIS_MODULE,
	.ops		= tunpin_genl_ops,
	.n_ops		= ARRAY_SIZE(tunpin_genl_ops),
#if TUNPIN_HAVE_EVENTS
	.mcgrps		= tunpin_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(tunpin_mcgrps),
#endif
};

static bool tunpin_genl_up;

/**
 * tunpin_genl_notify_level - announce a new host level to "events"
 * @level: the level now in force
 *
 * Does nothing on a kernel offered no events group (compat.h).
 *
 * Context: process.
 */
void tunpin_genl_notify_level(const struct tunpin_level *level)
{
	struct sk_buff *msg;
	void *hdr;

	if (!TUNPIN_HAVE_EVENTS || !tunpin_genl_up ||
	    !genl_has_listeners(&tunpin_genl_family, &init_net,
				TUNPIN_MCGRP_EVENTS_IDX))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &tunpin_genl_family, 0,
			  TUNPIN_CMD_LEVEL_NTF);
	if (!hdr || tunpin_put_level(msg, level) ||
	    nla_put_u32(msg, TUNPIN_A_KNOWN, TUNPIN_CAP_ALL) ||
	    tunpin_put_who(msg)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&tunpin_genl_family, msg, 0,
			  TUNPIN_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/*
 * Refusals happen in kprobe handlers, where we cannot send: the last one is
 * parked here and a work item announces it. Callers rate-limit.
 */
static struct {
	spinlock_t lock;	/* protects the fields below */
	pid_t pid;
	char comm[TASK_COMM_LEN];
	unsigned int cmd;
	u32 bits;
} tunpin_refusal = {
	.lock = __SPIN_LOCK_UNLOCKED(tunpin_refusal.lock),
};

static void tunpin_refused_work(struct work_struct *work)
{
	char comm[TASK_COMM_LEN];
	unsigned long flags;
	unsigned int cmd;
	struct sk_buff *msg;
	void *hdr;
	pid_t pid;
	u32 bits;

	spin_lock_irqsave(&tunpin_refusal.lock, flags);
	pid = tunpin_refusal.pid;
	memcpy(comm, tunpin_refusal.comm, sizeof(comm));
	cmd = tunpin_refusal.cmd;
	bits = tunpin_refusal.bits;
	spin_unlock_irqrestore(&tunpin_refusal.lock, flags);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &tunpin_genl_family, 0,
			  TUNPIN_CMD_REFUSED_NTF);
	if (!hdr || nla_put_u32(msg, TUNPIN_A_PID, pid) ||
	    nla_put_string(msg, TUNPIN_A_COMM, comm) ||
	    nla_put_u32(msg, TUNPIN_A_IOCTL, cmd) ||
	    nla_put_u32(msg, TUNPIN_A_CAPS, bits)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&tunpin_genl_family, msg, 0,
			  TUNPIN_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

static DECLARE_WORK(tunpin_refused_wk, tunpin_refused_work);

/* schedule_work() is not for NMI context; an irq_work is. */
static void tunpin_refused_irq_work(struct irq_work *iw)
{
	schedule_work(&tunpin_refused_wk);
}

static DEFINE_IRQ_WORK(tunpin_refused_iw, tunpin_refused_irq_work);

/**
 * tunpin_genl_notify_refused - announce a refusal to "events"
 * @cmd: the refused ioctl command
 * @bits: for TUNSETOFFLOAD, the refused bits; else 0
 *
 * Context: any (kprobe handler, maybe in NMI context); the caller
 * rate-limits. While the previous refusal is being parked or read, this one
 * is not announced (it is still logged and counted). Does nothing on a
 * kernel offered no events group.
 */
void tunpin_genl_notify_refused(unsigned int cmd, u32 bits)
{
	unsigned long flags;

	if (!TUNPIN_HAVE_EVENTS || !READ_ONCE(tunpin_genl_up))
		return;
	if (!spin_trylock_irqsave(&tunpin_refusal.lock, flags))
		return;
	tunpin_refusal.pid = task_tgid_nr(current);
	strscpy(tunpin_refusal.comm, current->comm, TASK_COMM_LEN);
	tunpin_refusal.cmd = cmd;
	tunpin_refusal.bits = bits;
	spin_unlock_irqrestore(&tunpin_refusal.lock, flags);
	irq_work_queue(&tunpin_refused_iw);
}

int tunpin_genl_init(void)
{
	int err = genl_register_family(&tunpin_genl_family);

	if (!err)
		WRITE_ONCE(tunpin_genl_up, true);
	return err;
}

/* Called once the probes are gone: no refusal is parked after this. */
void tunpin_genl_exit(void)
{
	WRITE_ONCE(tunpin_genl_up, false);
	irq_work_sync(&tunpin_refused_iw);
	cancel_work_sync(&tunpin_refused_wk);
	genl_unregister_family(&tunpin_genl_family);
}
