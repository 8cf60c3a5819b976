// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: what tunpin knows of each open TAP file, keyed by its struct file
 * (never by a name a tenant could reuse), without looking inside tun's or
 * tap's private structures:
 *  - the capabilities the kernel accepted on it (TUNSETOFFLOAD returned 0),
 *    for lowering admission and for "tunpin taps";
 *  - whether /dev/tunpin exempted it, and through which control file.
 * An entry is made on the first accepted TUNSETOFFLOAD or exemption and
 * freed when the file is released (a kprobe on tun's and tap's release).
 * Lookups are RCU; changes take a spinlock, as they come from kprobe
 * handlers (atomic context).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/hashtable.h>
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

/**
 * tunpin_file_accepted - the kernel accepted TUNSETOFFLOAD @bits on @file
 * @file: the TAP file
 * @bits: the TUNSETOFFLOAD argument
 *
 * Context: kretprobe handler of the ioctl, in the calling task; atomic.
 */
void tunpin_file_accepted(struct file *file, u32 bits)
{
	struct tunpin_file *spare = NULL, *tf;
	bool override, known;

	rcu_read_lock();
	override = tunpin_override_find(current);
	known = tunpin_file_lookup(file);
	rcu_read_unlock();

	/* Entries are removed only on release, which cannot run under us. */
	if (!known)
		spare = kzalloc(sizeof(*spare), GFP_ATOMIC);
	spin_lock(&tunpin_files_lock);
	tf = tunpin_file_get(file, spare);
	if (tf) {
		tf->info.active = bits;
		tf->info.offered |= bits;
		tf->info.override = override;
		tunpin_file_owner(&tf->info);
	}
	spin_unlock(&tunpin_files_lock);
	if (tf != spare)
		kfree(spare);
	if (!tf)
		pr_warn_ratelimited("out of memory: offloads accepted on a TAP of %s[%d] are not tracked\n",
				    current->comm, task_pid_nr(current));
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
	if (tf)
		kfree_rcu(tf, rcu);
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

	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	spin_lock(&tunpin_files_lock);
	tf = tunpin_file_get(file, spare);
	if (!tf->exempt_owner)
		atomic_inc(&tunpin_nexempt);
	tf->exempt_owner = owner;
	tf->info.exempt = true;
	tunpin_file_owner(&tf->info);
	spin_unlock(&tunpin_files_lock);
	if (tf != spare)
		kfree(spare);
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
 * Only files governed by the host level count: not the exempted ones, not
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

		if (fi->exempt || fi->override || !(fi->offered & ~caps))
			continue;
		removed |= fi->offered & ~caps;
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

/* Called once the probes and the control device are gone. */
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
