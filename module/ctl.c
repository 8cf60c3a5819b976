// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: /dev/tunpin, the control device. An administrator (CAP_NET_ADMIN
 * in the initial user namespace) passes the number of an open TAP or
 * vhost-net file descriptor with TUNPIN_EXEMPT; exactly that open file is
 * then judged by no level until it, or this control file, is closed.
 * tunpin(8) uses it to probe the native capabilities of a pinned host on a
 * throw-away TAP and vhost-net file.
 * Nothing is keyed by a name or a number a tenant could reuse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/if_tun.h>
#include <linux/if_tap.h>
#include <linux/uaccess.h>
#include "tunpin.h"

static bool tunpin_governed(struct file *file)
{
	return !IS_ERR(tun_get_socket(file)) || !IS_ERR(tap_get_socket(file)) ||
	       tunpin_vhost_file(file);
}

static long tunpin_ctl_ioctl(struct file *ctl, unsigned int cmd,
			     unsigned long arg)
{
	struct file *file;
	bool vhost;
	__s32 fd;
	int err;

	if (cmd != TUNPIN_EXEMPT)
		return -ENOTTY;
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (get_user(fd, (__s32 __user *)arg))
		return -EFAULT;
	file = fget(fd);
	if (!file)
		return -EBADF;
	vhost = tunpin_vhost_file(file);
	err = tunpin_governed(file) ? tunpin_file_exempt_set(file, ctl) : -EINVAL;
	fput(file);
	if (!err)
		pr_info("%s fd %d of %s[%d] exempted until closed\n",
			vhost ? "vhost-net" : "TAP", fd,
			current->comm, task_pid_nr(current));
	return err;
}

static int tunpin_ctl_release(struct inode *inode, struct file *ctl)
{
	tunpin_file_exempt_drop(ctl);
	return 0;
}

static const struct file_operations tunpin_ctl_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= tunpin_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= tunpin_ctl_release,
	.llseek		= noop_llseek,
};

static struct miscdevice tunpin_ctl_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "tunpin",
	.fops	= &tunpin_ctl_fops,
	.mode	= 0600,
};

int tunpin_ctl_init(void)
{
	return misc_register(&tunpin_ctl_dev);
}

void tunpin_ctl_exit(void)
{
	misc_deregister(&tunpin_ctl_dev);
}
