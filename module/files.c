// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: what tunpin knows of each open TAP or vhost-net file, keyed by
 * its struct file (never by a name a tenant could reuse), without looking
 * inside tun's, tap's or vhost-net's private structures:
 *  - the capabilities the kernel accepted on it (TUNSETOFFLOAD returned 0;
 *    a VHOST_SET_FEATURES tunpin let through), for lowering admission and
 *    for "tunpin taps";
 *  - the capabilities of TUNSETOFFLOAD calls still running, counted as in
 *    use until their return is seen (fail closed: a return the kretprobe
 *    missed leaves them counted);
 *  - whether /dev/tunpin exempted it, and through which control file.
 * An entry is made, before the call runs, by the first TUNSETIFF or
 * TUNSETOFFLOAD tunpin lets through (or by an exemption), and freed when the
 * file is released (a kprobe on tun's, tap's and vhost-net's release); for
 * a vhost-net file, by its first VHOST_SET_FEATURES. Each entry holds
 * a reference on the module: tunpin cannot be unloaded while a TAP file it
 * governs is open. If an entry cannot be made, the ioctl is refused.
 *
 * Kprobe handlers may run in NMI context: where kprobes are not ftrace
 * based (an int3 or brk trap: arm64, kernels without KPROBES_ON_FTRACE),
 * the trap is entered as an NMI. There the handlers allocate nothing, free
 * nothing and take no lock but by trylock:
 *  - entries come from a pool of spares, topped up from an irq_work (hard
 *    irq context, where GFP_ATOMIC is allowed) whenever it runs low; an
 *    empty pool refuses the ioctl like a failed allocation;
 *  - released entries go to a list that an irq_work hands to kfree_rcu();
 *  - tunpin_files_lock is taken there by spinning on spin_trylock(): no
 *    handler runs on a CPU that holds it (it is never held across a probed
 *    function), so spinning waits only for other CPUs.
 * Lookups are RCU.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/hardirq.h>
#include <linux/hashtable.h>
#include <linux/if_tun.h>
#include <linux/irq_work.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "tunpin.h"

struct tunpin_file {
	struct hlist_node node;
	struct llist_node spare;	/* in the pool, or released */
	const struct file *file;
	const void *exempt_owner;	/* the /dev/tunpin file, or NULL */
	struct tunpin_file_info info;
	unsigned int inflight;	/* TUNSETOFFLOAD calls not yet returned */
	u32 pending;		/* the bits they asked for, as let through */
	struct rcu_head rcu;
};

#define TUNPIN_FILES_BITS	10
static DEFINE_HASHTABLE(tunpin_files, TUNPIN_FILES_BITS);
static DEFINE_SPINLOCK(tunpin_files_lock);
static atomic_t tunpin_nexempt;

static struct tunpin_file *tunpin_file_lookup(const struct file *file)
{
	struct tunpin_file *tf;

	hash_for_each_possible_rcu(tunpin_files, tf, node, (unsigned long)file)
		if (tf->file == file)
			return tf;
	return NULL;
}

/* tunpin_files_lock from a kprobe handler, maybe in NMI context. */
void tunpin_files_lock_handler(void)
	__acquires(&tunpin_files_lock)
{
	while (!spin_trylock(&tunpin_files_lock))
		cpu_relax();
}

/* tunpin_files_lock from process context (tunpin_level_set()). */
void tunpin_files_lock_admin(void)
	__acquires(&tunpin_files_lock)
{
	spin_lock(&tunpin_files_lock);
}

void tunpin_files_unlock(void)
	__releases(&tunpin_files_lock)
{
	spin_unlock(&tunpin_files_lock);
}

static void tunpin_file_owner(struct tunpin_file_info *fi)
{
	fi->pid = task_tgid_nr(current);
	strscpy(fi->comm, current->group_leader->comm, sizeof(fi->comm));
}

/*
 * The pool of spare entries: llist_add() from anywhere; removal only under
 * tunpin_files_lock (llist_del_first() needs one remover at a time).
 */
#define TUNPIN_SPARES	32
static LLIST_HEAD(tunpin_spares);
static atomic_t tunpin_nspares = ATOMIC_INIT(0);

static void tunpin_spares_fill(gfp_t gfp)
{
	struct tunpin_file *tf;

	while (atomic_read(&tunpin_nspares) < TUNPIN_SPARES) {
		tf = kzalloc(sizeof(*tf), gfp);
		if (!tf)
			return;
		llist_add(&tf->spare, &tunpin_spares);
		atomic_inc(&tunpin_nspares);
	}
}

static void tunpin_spares_irq_work(struct irq_work *work)
{
	tunpin_spares_fill(GFP_ATOMIC);
}

static DEFINE_IRQ_WORK(tunpin_spares_iw, tunpin_spares_irq_work);

/* Released entries, for kfree_rcu() outside NMI context. */
static LLIST_HEAD(tunpin_released);

static void tunpin_released_irq_work(struct irq_work *work)
{
	struct tunpin_file *tf, *next;

	llist_for_each_entry_safe(tf, next, llist_del_all(&tunpin_released),
				  spare)
		kfree_rcu(tf, rcu);
}

static DEFINE_IRQ_WORK(tunpin_released_iw, tunpin_released_irq_work);

/*
 * With tunpin_files_lock held: a spare entry holding a module reference,
 * or an ERR_PTR() if none can be had. Allocates only outside NMI context,
 * when the pool is empty: where kprobes are ftrace based (x86-64's
 * kernels) the handlers never run in NMI context, so a user who drains
 * the pool with TAPs of their own (/dev/net/tun is 0666) cannot make
 * another's TUNSETIFF or TUNSETOFFLOAD fail. Such an entry is charged to
 * the caller's memory cgroup, like the tun or tap file it is for (far
 * larger), whose number the kernel bounds per user.
 */
static struct tunpin_file *tunpin_spare_take(void)
{
	struct tunpin_file *tf = NULL;
	struct llist_node *node;

	if (!try_module_get(THIS_MODULE))	/* being unloaded */
		return ERR_PTR(-ENODEV);
	node = llist_del_first(&tunpin_spares);
	if (atomic_read(&tunpin_nspares) <= TUNPIN_SPARES / 2)
		irq_work_queue(&tunpin_spares_iw);
	if (node) {
		atomic_dec(&tunpin_nspares);
		return llist_entry(node, struct tunpin_file, spare);
	}
	if (!in_nmi())
		tf = kzalloc(sizeof(*tf),
			     GFP_ATOMIC | __GFP_ACCOUNT | __GFP_NOWARN);
	if (!tf) {
		module_put(THIS_MODULE);
		return ERR_PTR(-ENOMEM);
	}
	return tf;
}

/*
 * With tunpin_files_lock held: the entry of @file; if it has none, one made
 * from a spare, owned by the calling process, or an ERR_PTR() if none can be
 * had (tunpin_spare_take()). Does not allocate.
 */
static struct tunpin_file *tunpin_file_get(const struct file *file)
{
	struct tunpin_file *tf = tunpin_file_lookup(file);

	if (tf)
		return tf;
	tf = tunpin_spare_take();
	if (IS_ERR(tf))
		return tf;
	tf->file = file;
	hash_add_rcu(tunpin_files, &tf->node, (unsigned long)file);
	tunpin_file_owner(&tf->info);
	return tf;
}

/**
 * tunpin_file_judge - judge a TAP ioctl, and account for it before it runs
 * @file: the TAP file
 * @cmd: the ioctl command
 * @arg: its argument
 *
 * TUNSETIFF and TUNSETOFFLOAD make @file's entry. A TUNSETOFFLOAD is
 * counted until tunpin_file_returned() sees it return, and the bits of one
 * let through count as in use meanwhile. The judgement (tunpin_judge())
 * and that record are made under tunpin_files_lock, which a level change
 * holds from its admission check to its publication.
 *
 * Context: kprobe pre-handler of the ioctl, in the calling task; atomic,
 * maybe NMI.
 * Return: the verdict; a call let through for which no entry could be had
 * is refused.
 */
enum tunpin_verdict tunpin_file_judge(struct file *file, unsigned int cmd,
				      unsigned long arg)
{
	enum tunpin_verdict verdict;
	struct tunpin_file *tf;

	if (cmd != TUNSETIFF && cmd != TUNSETOFFLOAD)
		return tunpin_judge(file, cmd, arg);
	tunpin_files_lock_handler();
	verdict = tunpin_judge(file, cmd, arg);
	tf = tunpin_file_get(file);
	if (IS_ERR(tf)) {
		spin_unlock(&tunpin_files_lock);
		pr_warn_ratelimited("cannot track a TAP of %s[%d] (%ld): refusing its ioctl 0x%x\n",
				    current->comm, task_pid_nr(current),
				    PTR_ERR(tf), cmd);
		if (verdict == TUNPIN_PASS)
			verdict = cmd == TUNSETOFFLOAD ? TUNPIN_REFUSE_ARG :
							 TUNPIN_REFUSE_CMD;
		return verdict;
	}
	if (cmd == TUNSETOFFLOAD) {
		tf->inflight++;
		if (verdict == TUNPIN_PASS)
			tf->pending |= tunpin_tap_caps(arg);
	}
	spin_unlock(&tunpin_files_lock);
	return verdict;
}

/**
 * tunpin_file_returned - TUNSETOFFLOAD @bits on @file returned
 * @file: the TAP file
 * @bits: the TUNSETOFFLOAD argument
 * @accepted: whether the kernel accepted it (returned 0)
 *
 * Context: kretprobe handler of the ioctl, in the calling task; atomic.
 */
void tunpin_file_returned(struct file *file, u32 bits, bool accepted)
{
	struct tunpin_file *tf;
	bool override;

	rcu_read_lock();
	override = tunpin_override_find(current);
	rcu_read_unlock();

	tunpin_files_lock_handler();
	tf = tunpin_file_lookup(file);
	if (tf && accepted) {
		tf->info.active = tunpin_tap_caps(bits);
		tf->info.offered |= tf->info.active;
		tf->info.override = override;
		tunpin_file_owner(&tf->info);
	}
	/*
	 * An entry made by another thread's call while this one was refused
	 * for want of memory may see one return more than it counted.
	 */
	if (tf && tf->inflight && !--tf->inflight)
		tf->pending = 0;
	spin_unlock(&tunpin_files_lock);
}

/**
 * tunpin_file_vhost_set - a VHOST_SET_FEATURES(_ARRAY) is let through
 * @file: the vhost-net file
 * @caps: what it asks for (tunpin_vhost_caps())
 *
 * Whether vhost-net then accepts it is not looked at: its capabilities
 * count as in use from now on (lowering admission errs towards refusing).
 *
 * Context: kprobe pre-handler of the ioctl, in the calling task; atomic,
 * maybe NMI; under tunpin_files_lock (tunpin_files_lock_handler()), taken
 * before the call was judged.
 * Return: 0, or -ENOMEM or -ENODEV if no entry could be had: the caller
 * refuses the call.
 */
int tunpin_file_vhost_set(struct file *file, u32 caps)
	__must_hold(&tunpin_files_lock)
{
	struct tunpin_file *tf;
	bool override;

	rcu_read_lock();
	override = tunpin_override_find(current);
	rcu_read_unlock();

	tf = tunpin_file_get(file);
	if (IS_ERR(tf)) {
		pr_warn_ratelimited("cannot track a vhost-net file of %s[%d] (%ld): refusing its VHOST_SET_FEATURES\n",
				    current->comm, task_pid_nr(current),
				    PTR_ERR(tf));
		return PTR_ERR(tf);
	}
	tf->info.vhost = true;
	tf->info.active = caps;
	tf->info.offered |= caps;
	tf->info.override = override;
	tunpin_file_owner(&tf->info);
	return 0;
}

/**
 * tunpin_file_released - @file is being released: forget it
 * @file: a tun or tap file
 *
 * Context: kprobe handler of the release; atomic, maybe NMI.
 */
void tunpin_file_released(struct file *file)
{
	struct tunpin_file *tf;

	tunpin_files_lock_handler();
	tf = tunpin_file_lookup(file);
	if (tf) {
		hash_del_rcu(&tf->node);
		if (tf->exempt_owner)
			atomic_dec(&tunpin_nexempt);
	}
	spin_unlock(&tunpin_files_lock);
	if (tf) {
		llist_add(&tf->spare, &tunpin_released);
		irq_work_queue(&tunpin_released_iw);
		module_put(THIS_MODULE);
	}
}

/**
 * tunpin_file_exempt - whether @file is exempt from every level
 * @file: a TAP file
 *
 * Context: RCU read side.
 */
bool tunpin_file_exempt(struct file *file)
{
	const struct tunpin_file *tf;

	if (!atomic_read(&tunpin_nexempt))
		return false;
	tf = tunpin_file_lookup(file);
	return tf && tf->exempt_owner;
}

/**
 * tunpin_file_exempt_set - exempt @file until it or @owner is released
 * @file: a TAP file the caller holds a reference to
 * @owner: the /dev/tunpin file
 *
 * Return: 0 or -ENOMEM.
 */
int tunpin_file_exempt_set(struct file *file, const void *owner)
{
	struct tunpin_file *tf;

	tunpin_spares_fill(GFP_KERNEL);
	spin_lock(&tunpin_files_lock);
	tf = tunpin_file_get(file);
	if (IS_ERR(tf)) {
		spin_unlock(&tunpin_files_lock);
		return PTR_ERR(tf);
	}
	if (!tf->exempt_owner)
		atomic_inc(&tunpin_nexempt);
	tf->exempt_owner = owner;
	tf->info.exempt = true;
	tunpin_file_owner(&tf->info);
	spin_unlock(&tunpin_files_lock);
	return 0;
}

/**
 * tunpin_file_exempt_drop - end the exemptions made through @owner
 * @owner: a /dev/tunpin file being released
 */
void tunpin_file_exempt_drop(const void *owner)
{
	struct tunpin_file *tf;
	int bkt;

	spin_lock(&tunpin_files_lock);
	hash_for_each(tunpin_files, bkt, tf, node) {
		if (tf->exempt_owner != owner)
			continue;
		tf->exempt_owner = NULL;
		tf->info.exempt = false;
		atomic_dec(&tunpin_nexempt);
	}
	spin_unlock(&tunpin_files_lock);
}

/**
 * tunpin_files_override_reset - an override is gone: recount every file
 *
 * A file's override flag was sampled at its last accepted call. Which
 * files the deleted override governed is not known here, so every file
 * counts as governed by the host level again until its next accepted call
 * samples the flag anew: lowering admission errs towards refusing.
 */
void tunpin_files_override_reset(void)
{
	struct tunpin_file *tf;
	int bkt;

	spin_lock(&tunpin_files_lock);
	hash_for_each(tunpin_files, bkt, tf, node)
		tf->info.override = false;
	spin_unlock(&tunpin_files_lock);
}

/**
 * tunpin_files_in_use - what a host level of @caps would take away
 * @caps: the capabilities of the new host level
 * @nfiles: out: how many open files lose something
 * @who: out: their processes, as "comm[pid]" separated by ", "
 * @size: size of @who
 *
 * What a file uses: every bit accepted on it since open, and the bits of
 * its TUNSETOFFLOAD calls still running. Only files governed by the host
 * level count: not the exempted ones, not
 * those of tasks under an override.
 *
 * Return: the capabilities in use that @caps lacks.
 */
u32 tunpin_files_in_use(u32 caps, unsigned int *nfiles, char *who,
			size_t size)
{
	const struct tunpin_file *tf;
	size_t len = 0;
	u32 removed = 0;
	int bkt;

	*nfiles = 0;
	who[0] = '\0';
	rcu_read_lock();
	hash_for_each_rcu(tunpin_files, bkt, tf, node) {
		const struct tunpin_file_info *fi = &tf->info;
		u32 used = fi->offered | READ_ONCE(tf->pending);

		if (fi->exempt || fi->override || !(used & ~caps))
			continue;
		removed |= used & ~caps;
		(*nfiles)++;
		if (len < size - 1)
			len += scnprintf(who + len, size - len, "%s%s[%d]",
					 len ? ", " : "", fi->comm, fi->pid);
	}
	rcu_read_unlock();
	return removed;
}

/**
 * tunpin_files_walk - call @fn for the tracked files from *@pos on
 * @pos: the cursor, 0 to start; advanced past each file @fn took
 * @fn: returns 0 to go on, anything else to stop (and not advance); must
 *      not sleep
 * @ctx: for @fn
 *
 * Return: what @fn returned last, or 0 when done.
 */
int tunpin_files_walk(long *pos,
		      int (*fn)(void *ctx, const struct tunpin_file_info *fi),
		      void *ctx)
{
	const struct tunpin_file *tf;
	long i = 0;
	int bkt, err = 0;

	rcu_read_lock();
	hash_for_each_rcu(tunpin_files, bkt, tf, node) {
		if (i++ < *pos)
			continue;
		err = fn(ctx, &tf->info);
		if (err)
			break;
		(*pos)++;
	}
	rcu_read_unlock();
	return err;
}

/* The first spares, before any probe is in place. */
int tunpin_files_init(void)
{
	tunpin_spares_fill(GFP_KERNEL);
	return atomic_read(&tunpin_nspares) ? 0 : -ENOMEM;
}

/*
 * Called once the probes and the control device are gone: at unload, when
 * no entry is left (each holds a module reference), or when loading failed
 * after some probes were in place.
 */
void tunpin_files_exit(void)
{
	struct tunpin_file *tf, *next;
	struct hlist_node *tmp;
	int bkt;

	irq_work_sync(&tunpin_spares_iw);
	irq_work_sync(&tunpin_released_iw);
	hash_for_each_safe(tunpin_files, bkt, tmp, tf, node) {
		hash_del(&tf->node);
		kfree(tf);
	}
	atomic_set(&tunpin_nexempt, 0);
	llist_for_each_entry_safe(tf, next, llist_del_all(&tunpin_spares),
				  spare)
		kfree(tf);
	atomic_set(&tunpin_nspares, 0);
	/* kfree_rcu() callbacks do not run module code: nothing to wait for */
}
