// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: vhost-net, the other half of the guest ABI a host kernel hands
 * out. With vhost=on a hypervisor offers a guest only the virtio features
 * that /dev/vhost-net reports (VHOST_GET_FEATURES, and from 6.17 on
 * VHOST_GET_FEATURES_ARRAY), so they are governed as the TAP offloads are,
 * by a kprobe on the entry of vhost_net_ioctl() (its compat_ioctl,
 * compat_ptr_ioctl, calls it). While a level governs the file:
 *  - the feature queries are answered here, the native set masked by the
 *    level; vhost-net never writes its own answer to user memory;
 *  - VHOST_SET_FEATURES(_ARRAY) with a feature outside the level fails with
 *    EOPNOTSUPP, what vhost-net answers for a feature it lacks;
 *  - a command tunpin does not know is turned into one no kernel knows, so
 *    vhost-net answers it as an older kernel would.
 * To answer without running vhost_net_ioctl(), the handler makes it return
 * at once (tunpin_regs_skip()). Kprobe handlers cannot fault pages in, and
 * where kprobes trap (int3, brk) they run as an NMI: user memory is read
 * and written without faults and without access_ok()'s warning there
 * (tunpin_user_read(), tunpin_user_write()). A buffer that is not resident
 * fails with EFAULT (fail closed); a hypervisor's buffer on its stack
 * always is.
 *
 * The native set is asked of vhost-net once, at load, before any probe is
 * armed, as a hypervisor asks it: by opening /dev/vhost-net. tunpin then
 * holds vhost_net loaded, so the module it asked is the one it governs.
 *
 * What is judged is the feature word in user memory when the call starts:
 * a thread that rewrites its own buffer while vhost-net reads it changes
 * only its own device, never what another file is offered.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kmod.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>
#include "tunpin.h"
#include "arch.h"
#include "compat/compat.h"

static u64 tunpin_vhost_native[TUNPIN_VHOST_WORDS];
static bool tunpin_vhost_has_array;	/* this kernel's vhost-net has them */
static const struct file_operations *tunpin_vhost_fops;
static struct module *tunpin_vhost_owner;

/* A command no vhost handler implements: ENOTTY, or EPERM before SET_OWNER. */
#define TUNPIN_BAD_VHOST_CMD	_IO(VHOST_VIRTIO, 0)

/* Most words of trailing space VHOST_GET_FEATURES_ARRAY zeroes here. */
#define TUNPIN_VHOST_ZERO_MAX	(PAGE_SIZE / sizeof(u64))

/*
 * vhost-net's commands (Linux 6.1) that tunpin lets through whatever the
 * level: none of them tells or sets a guest-visible feature. The feature
 * commands are judged; any other command is refused while pinned.
 */
static const unsigned int tunpin_vhost_known_cmds[] = {
	VHOST_NET_SET_BACKEND, VHOST_GET_BACKEND_FEATURES,
	VHOST_SET_BACKEND_FEATURES, VHOST_RESET_OWNER, VHOST_SET_OWNER,
	VHOST_SET_MEM_TABLE, VHOST_SET_LOG_BASE, VHOST_SET_LOG_FD,
	VHOST_SET_VRING_NUM, VHOST_SET_VRING_ADDR, VHOST_SET_VRING_BASE,
	VHOST_GET_VRING_BASE, VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL,
	VHOST_SET_VRING_ERR, VHOST_SET_VRING_ENDIAN, VHOST_GET_VRING_ENDIAN,
	VHOST_SET_VRING_BUSYLOOP_TIMEOUT, VHOST_GET_VRING_BUSYLOOP_TIMEOUT,
};

static bool tunpin_vhost_cmd_known(unsigned int cmd)
{
	return tunpin_cmd_in(tunpin_vhost_known_cmds,
			     ARRAY_SIZE(tunpin_vhost_known_cmds), cmd);
}

/*
 * User memory as copy_from_user_nofault() reaches it, for both directions
 * and every kernel. Not copy_to_user_nofault(), nor 5.10's
 * copy_from_user_nofault(): their access_ok() warns outside task context
 * (WARN_ON_IN_IRQ(), with DEBUG_ATOMIC_SLEEP). nmi_uaccess_okay(), which
 * copy_from_user_nofault() also asks and modules cannot, is true here: the
 * probe is hit only by the task's own ioctl(), never by an NMI that
 * interrupted a switch of page tables. 0 or -EFAULT.
 */
static int tunpin_user_read(void *dst, const void __user *src, size_t size)
{
	unsigned long left;

	if (!__access_ok(src, size))
		return -EFAULT;
	pagefault_disable();
	left = __copy_from_user_inatomic(dst, src, size);
	pagefault_enable();
	return left ? -EFAULT : 0;
}

static int tunpin_user_write(void __user *dst, const void *src, size_t size)
{
	unsigned long left;

	if (!__access_ok(dst, size))
		return -EFAULT;
	pagefault_disable();
	left = __copy_to_user_inatomic(dst, src, size);
	pagefault_enable();
	return left ? -EFAULT : 0;
}

/* VHOST_GET_FEATURES: the native word 0 as the level allows it. */
static long tunpin_vhost_get(u64 __user *featurep, const u64 *allowed)
{
	u64 features = tunpin_vhost_native[0] & allowed[0];

	return tunpin_user_write(featurep, &features, sizeof(features));
}

/* VHOST_GET_FEATURES_ARRAY: as 7.2's vhost-net, each word masked. */
static long tunpin_vhost_get_array(u64 __user *featurep, const u64 *allowed)
{
	static const u64 zeroes[8];
	u64 words[TUNPIN_VHOST_WORDS], count, n, rest;
	u64 __user *p = featurep + 1;
	int i;

	if (tunpin_user_read(&count, featurep, sizeof(count)))
		return -EFAULT;
	n = min_t(u64, count, TUNPIN_VHOST_WORDS);
	for (i = 0; i < TUNPIN_VHOST_WORDS; i++)
		words[i] = tunpin_vhost_native[i] & allowed[i];
	if (tunpin_user_write(p, words, n * sizeof(u64)))
		return -EFAULT;
	/* Zero the trailing space the caller provided, as vhost-net does. */
	rest = count - n;
	if (rest > TUNPIN_VHOST_ZERO_MAX)
		return -EFAULT;
	p += n;
	while (rest) {
		n = min_t(u64, rest, ARRAY_SIZE(zeroes));
		if (tunpin_user_write(p, zeroes, n * sizeof(u64)))
			return -EFAULT;
		p += n;
		rest -= n;
	}
	return 0;
}

/*
 * The feature words a VHOST_SET_FEATURES(_ARRAY) asks for: 0, or -EFAULT
 * if they cannot be read here.
 */
static int tunpin_vhost_asked(unsigned int cmd, u64 __user *featurep,
			      u64 *words)
{
	u64 count;

	words[0] = 0;
	words[1] = 0;
	if (cmd == VHOST_SET_FEATURES)
		return tunpin_user_read(words, featurep, sizeof(u64));
	/* Words past the second: vhost-net itself refuses any bit in them. */
	if (tunpin_user_read(&count, featurep, sizeof(count)))
		return -EFAULT;
	count = min_t(u64, count, TUNPIN_VHOST_WORDS);
	return tunpin_user_read(words, featurep + 1, count * sizeof(u64));
}

/*
 * VHOST_SET_FEATURES(_ARRAY): 0 to let it through, or the error it fails
 * with. What is let through counts as in use on @file. The judgement and
 * that record are one step against a level change (tunpin_level_set()).
 */
static long tunpin_vhost_set(struct file *file, unsigned int cmd,
			     u64 __user *featurep)
{
	const struct tunpin_level *level;
	u64 words[TUNPIN_VHOST_WORDS], allowed[TUNPIN_VHOST_WORDS];
	u32 caps;
	int err;

	err = tunpin_vhost_asked(cmd, featurep, words);
	/* Unreadable here: if let through, whatever it is counts as in use. */
	caps = err ? TUNPIN_CAP_UNKNOWN : tunpin_vhost_caps(words);
	if (!err)
		tunpin_count_request(caps);

	tunpin_files_lock_handler();
	level = tunpin_level_governing(file);
	if (level && err)
		goto out;
	if (level) {
		tunpin_vhost_words(level->caps, allowed);
		if ((words[0] & ~allowed[0]) || (words[1] & ~allowed[1])) {
			tunpin_refused(level, cmd, caps & ~level->caps);
			err = -EOPNOTSUPP;
			goto out;
		}
	}
	err = tunpin_file_vhost_set(file, caps);
out:
	tunpin_files_unlock();
	return err;
}

/**
 * tunpin_vhost_pre - kprobe pre-handler on vhost_net_ioctl()
 * @kp: the kprobe
 * @regs: the registers at its entry
 *
 * Context: the calling task; atomic, maybe NMI.
 * Return: 1 if the call is answered here (tunpin_regs_skip()), else 0.
 */
int tunpin_vhost_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct file *file = tunpin_regs_file(regs);
	unsigned int cmd = tunpin_regs_cmd(regs);
	u64 __user *featurep = (u64 __user *)tunpin_regs_arg(regs);
	const struct tunpin_level *level;
	u64 allowed[TUNPIN_VHOST_WORDS];
	long ret = 0;
	bool skip = false;

	switch (cmd) {
	case VHOST_GET_FEATURES:
	case VHOST_SET_FEATURES:
		break;
	case VHOST_GET_FEATURES_ARRAY:
	case VHOST_SET_FEATURES_ARRAY:
		if (tunpin_vhost_has_array)
			break;
		return 0;	/* unknown to this kernel, and answered so */
	default:
		if (tunpin_vhost_cmd_known(cmd))
			return 0;
		break;
	}

	rcu_read_lock();
	level = tunpin_level_governing(file);
	if (level)
		tunpin_vhost_words(level->caps, allowed);
	switch (cmd) {
	case VHOST_GET_FEATURES:
		if (level) {
			ret = tunpin_vhost_get(featurep, allowed);
			skip = true;
		}
		break;
	case VHOST_GET_FEATURES_ARRAY:
		if (level) {
			ret = tunpin_vhost_get_array(featurep, allowed);
			skip = true;
		}
		break;
	case VHOST_SET_FEATURES:
	case VHOST_SET_FEATURES_ARRAY:
		ret = tunpin_vhost_set(file, cmd, featurep);
		skip = ret;
		break;
	default:
		if (level) {
			tunpin_refused(level, cmd, 0);
			tunpin_regs_set_cmd(regs, TUNPIN_BAD_VHOST_CMD);
		}
		break;
	}
	rcu_read_unlock();

	if (!skip)
		return 0;
	tunpin_regs_skip(regs, ret);
	return 1;
}

/* vhost-net's file operations, or NULL if this kernel has no vhost-net. */
const struct file_operations *tunpin_vhost_file_ops(void)
{
	return tunpin_vhost_fops;
}

/**
 * tunpin_vhost_file - whether @file is a vhost-net file
 * @file: any file
 */
bool tunpin_vhost_file(const struct file *file)
{
	return tunpin_vhost_fops && file->f_op == tunpin_vhost_fops;
}

/*
 * Ask vhost-net for its features as a hypervisor does, in the address
 * space of the process loading tunpin: a page of its own for the answer.
 */
static int tunpin_vhost_ask(struct file *f)
{
	unsigned long addr;
	u64 __user *u;
	long err;

	if (!current->mm || !f->f_op->unlocked_ioctl)
		return -EINVAL;
	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return addr;
	u = (u64 __user *)addr;

	err = f->f_op->unlocked_ioctl(f, VHOST_GET_FEATURES, addr);
	if (!err && get_user(tunpin_vhost_native[0], u))
		err = -EFAULT;
	/* Word 1 from the array variant, where this kernel has it. */
	if (!err && !put_user(TUNPIN_VHOST_WORDS, u) &&
	    !f->f_op->unlocked_ioctl(f, VHOST_GET_FEATURES_ARRAY, addr) &&
	    !get_user(tunpin_vhost_native[1], u + 2))
		tunpin_vhost_has_array = true;
	vm_munmap(addr, PAGE_SIZE);
	return err;
}

int tunpin_vhost_init(void)
{
	struct file *f;
	int err;

	if (!IS_ENABLED(CONFIG_VHOST_NET)) {
		pr_info("this kernel has no vhost-net: nothing of it to govern\n");
		return 0;
	}
	f = filp_open("/dev/vhost-net", O_RDWR, 0);
	/*
	 * No device node until vhost_net is loaded (unless udev made a
	 * static one): load it, as MODULE_SOFTDEP has modprobe do, for insmod
	 * and finit_module. Only then: request_module() runs modprobe even
	 * when vhost_net is loaded (Documentation/reliability.rst: its cost).
	 */
	if (IS_ERR(f) && PTR_ERR(f) == -ENOENT && IS_MODULE(CONFIG_VHOST_NET)) {
		request_module("vhost_net");
		f = filp_open("/dev/vhost-net", O_RDWR, 0);
	}
	if (IS_ERR(f)) {
		pr_err("cannot open /dev/vhost-net (%ld) to ask its features; not loading\n",
		       PTR_ERR(f));
		return PTR_ERR(f);
	}
	err = tunpin_vhost_ask(f);
	if (err) {
		pr_err("cannot ask /dev/vhost-net for its features (%d); not loading\n",
		       err);
	} else if (!try_module_get(f->f_op->owner)) {
		err = -ENODEV;
	} else {
		tunpin_vhost_owner = f->f_op->owner;
		tunpin_vhost_fops = f->f_op;
		pr_info("vhost-net's native features: %#llx %#llx%s\n",
			tunpin_vhost_native[0], tunpin_vhost_native[1],
			tunpin_vhost_has_array ? "" : " (no array ioctls)");
	}
	filp_close(f, NULL);
	return err;
}

void tunpin_vhost_exit(void)
{
	tunpin_vhost_fops = NULL;
	module_put(tunpin_vhost_owner);
	tunpin_vhost_owner = NULL;
}
