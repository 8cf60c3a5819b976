// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: what tunpin knows of each open TAP file, keyed by its struct file
 * (never by a name a tenant could reuse), without looking inside tun's or
 * tap's private structures:
 *  - the capabilities the kernel accepted on it (TUNSETOFFLOAD returned 0),
 *    for lowering admission and for "tunpin taps";
 *  - the capabilities of TUNSETOFFLOAD calls still running, counted as in
 *    use until their return is seen (fail closed: a return the kretprobe
 *    missed leaves them counted);
 *  - whether /dev/tunpin exempted it, and through which control file.
 * An entry is made, before the call runs, by the first TUNSETIFF or
 * TUNSETOFFLOAD tunpin lets through (or by an exemption), and freed when the
 * file is released (a kprobe on tun's and tap's release). Each entry holds
 * a reference on the module: tunpin cannot be unloaded while a TAP file it
 * governs is open. If an entry cannot be made, the ioctl is refused.
 * Lookups are RCU; changes take a spinlock, as they come from kprobe
 * handlers (atomic context).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/if_tun.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "tunpin.h"

struct tunpin_file {
	struct hlist_node node;
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

/* With tunpin_files_lock held: the entry of @file, made if needed. */
static struct tunpin_file *tunpin_file_get(const struct file *file,
					   struct tunpin_file *spare)
{
	struct tunpin_file *tf = tunpin_file_lookup(file);

	if (tf || !spare)
		return tf;
	spare->file = file;
	hash_add_rcu(tunpin_files, &spare->node, (unsigned long)file);
	return spare;
}

static void tunpin_file_owner(struct tunpin_file_info *fi)
{
	fi->pid = task_tgid_nr(current);
	strscpy(fi->comm, current->group_leader->comm, sizeof(fi->comm));
}

/* A new entry, holding a module reference; ERR_PTR() if none can be had. */
static struct tunpin_file *tunpin_file_alloc(gfp_t gfp)
{
	struct tunpin_file *tf;

	if (!try_module_get(THIS_MODULE))	/* being unloaded */
		return ERR_PTR(-ENODEV);
	tf = kzalloc(sizeof(*tf), gfp);
	if (!tf) {
		module_put(THIS_MODULE);
		return ERR_PTR(-ENOMEM);
	}
	return tf;
}

static void tunpin_file_free(struct tunpin_file *tf)
{
	kfree(tf);
	module_put(THIS_MODULE);
}

/**
 * tunpin_file_watch - account for a TAP ioctl before it runs
 * @file: the TAP file
 * @cmd: the ioctl command
 * @arg: its argument
 * @pass: whether tunpin lets the call through
 *
 * TUNSETIFF and TUNSETOFFLOAD make @file's entry. A TUNSETOFFLOAD is
 * counted until tunpin_file_returned() sees it return, and the bits of one
 * let through count as in use meanwhile.
 *
 * Context: kprobe pre-handler of the ioctl, in the calling task; atomic.
 * Return: 0, or -ENOMEM or -ENODEV if @file needed an entry and none could
 * be made: the caller refuses the call.
 */
int tunpin_file_watch(struct file *file, unsigned int cmd, unsigned long arg,
		      bool pass)
{
	struct tunpin_file *spare = NULL, *tf;

	if (cmd != TUNSETIFF && cmd != TUNSETOFFLOAD)
		return 0;
	rcu_read_lock();
	tf = tunpin_file_lookup(file);
	rcu_read_unlock();
	/* Entries are removed only on release, which cannot run under us. */
	if (!tf) {
		spare = tunpin_file_alloc(GFP_ATOMIC);
		if (IS_ERR(spare)) {
			pr_warn_ratelimited("cannot track a TAP of %s[%d] (%ld): refusing its ioctl 0x%x\n",
					    current->comm, task_pid_nr(current),
					    PTR_ERR(spare), cmd);
			return PTR_ERR(spare);
		}
	}
	spin_lock(&tunpin_files_lock);
	tf = tunpin_file_get(file, spare);
	if (cmd == TUNSETOFFLOAD) {
		tf->inflight++;
		if (pass)
			tf->pending |= arg;
	}
	if (tf == spare)
		tunpin_file_owner(&tf->info);
	spin_unlock(&tunpin_files_lock);
	if (spare && tf != spare)
		tunpin_file_free(spare);
	return 0;
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

	spin_lock(&tunpin_files_lock);
	tf = tunpin_file_lookup(file);
	if (tf && accepted) {
		tf->info.active = bits;
		tf->info.offered |= bits;
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
 * tunpin_file_released - @file is being released: forget it
 * @file: a tun or tap file
 *
 * Context: kprobe handler of the release; atomic.
 */
void tunpin_file_released(struct file *file)
{
	struct tunpin_file *tf;

	spin_lock(&tunpin_files_lock);
	tf = tunpin_file_lookup(file);
	if (tf) {
		hash_del_rcu(&tf->node);
		if (tf->exempt_owner)
			atomic_dec(&tunpin_nexempt);
	}
	spin_unlock(&tunpin_files_lock);
	if (tf) {
		kfree_rcu(tf, rcu);
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
	struct tunpin_file *spare, *tf;

	spare = tunpin_file_alloc(GFP_KERNEL);
	if (IS_ERR(spare))
		return PTR_ERR(spare);
	spin_lock(&tunpin_files_lock);
	tf = tunpin_file_get(file, spare);
	if (!tf->exempt_owner)
		atomic_inc(&tunpin_nexempt);
	tf->exempt_owner = owner;
	tf->info.exempt = true;
	tunpin_file_owner(&tf->info);
	spin_unlock(&tunpin_files_lock);
	if (tf != spare)
		tunpin_file_free(spare);
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

/*
 * Called once the probes and the control device are gone: at unload, when
 * no entry is left (each holds a module reference), or when loading failed
 * after some probes were in place.
 */
void tunpin_files_exit(void)
{
	struct hlist_node *tmp;
	struct tunpin_file *tf;
	int bkt;

	hash_for_each_safe(tunpin_files, bkt, tmp, tf, node) {
		hash_del(&tf->node);
		kfree(tf);
	}
	atomic_set(&tunpin_nexempt, 0);
}
