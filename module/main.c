// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: pin the guest-visible capabilities of TAP devices to a level.
 *
 * Hypervisors decide which virtio-net offloads a guest gets by probing the
 * host's TAP devices, so a host kernel upgrade silently changes the guest
 * ABI and breaks live migration back to older hosts. tunpin makes every
 * capability outside an administrator-chosen level look exactly as it does
 * on a kernel that lacks it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include "tunpin.h"

/* The level named by the module parameter; unpinned without one. */
static struct tunpin_level tunpin_boot_level;

static int level_param_set(const char *val, const struct kernel_param *kp)
{
	struct tunpin_level level;
	int err = -EINVAL;

	if (val)
		err = tunpin_level_parse(val, &level);
	if (err) {
		pr_err("invalid level= '%s'\n", val);
		return err;
	}
	tunpin_boot_level = level;
	return 0;
}

static int level_param_get(char *buf, const struct kernel_param *kp)
{
	return tunpin_level_emit(buf);
}

static const struct kernel_param_ops level_param_ops = {
	.set = level_param_set,
	.get = level_param_get,
};

module_param_cb(level, &level_param_ops, NULL, 0444);
MODULE_PARM_DESC(level,
		 "level in force from load: capability names, \"none\" or \"unpinned\"");

static int __init tunpin_init(void)
{
	char buf[TUNPIN_LEVEL_MAX];
	int err;

	/*
	 * The kprobe handlers spin on spin_trylock() of a spinlock_t, which
	 * PREEMPT_RT makes a sleeping lock whose holder can be preempted on
	 * the handler's own CPU: the spin might never end. Until the
	 * handlers are RT-safe, refuse (dkms.conf skips such kernels too).
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		pr_err("PREEMPT_RT kernels are not supported: the probe handlers are not RT-safe; not loading\n");
		return -EOPNOTSUPP;
	}

	err = tunpin_policy_init(&tunpin_boot_level);
	if (err)
		return err;
	err = tunpin_files_init();
	if (err)
		goto err_policy;
	err = tunpin_sysfs_init();
	if (err)
		goto err_policy;
	err = tunpin_genl_init();
	if (err)
		goto err_sysfs;
	err = tunpin_ctl_init();
	if (err)
		goto err_genl;
	err = tunpin_vhost_init();
	if (err)
		goto err_ctl;
	err = tunpin_probes_init();
	if (err)
		goto err_vhost;

	tunpin_level_print(&tunpin_boot_level, buf, sizeof(buf));
	if (tunpin_boot_level.pinned)
		pr_info("loaded, level: %s\n", buf);
	else
		pr_info("loaded unpinned: TAP capabilities are not restricted\n");
	return 0;

err_vhost:
	tunpin_vhost_exit();
err_ctl:
	tunpin_ctl_exit();
err_genl:
	tunpin_genl_exit();
err_sysfs:
	tunpin_sysfs_exit();
err_policy:
	/* Probes in place for a while may have made entries, netlink overrides. */
	tunpin_files_exit();
	tunpin_override_exit();
	tunpin_policy_exit();
	return err;
}

static void __exit tunpin_exit(void)
{
	tunpin_probes_exit();
	tunpin_vhost_exit();
	tunpin_ctl_exit();
	tunpin_genl_exit();
	tunpin_sysfs_exit();
	tunpin_files_exit();
	tunpin_override_exit();
	tunpin_policy_exit();
	pr_info("unloaded\n");
}

module_init(tunpin_init);
module_exit(tunpin_exit);

MODULE_DESCRIPTION("Pin the guest-visible capabilities of TAP devices and vhost-net");
/* tunpin_vhost_init() opens /dev/vhost-net: have it there to open. */
MODULE_SOFTDEP("pre: vhost_net");
MODULE_LICENSE("GPL");
MODULE_VERSION(TUNPIN_VERSION);	/* from dkms.conf, by module/Kbuild */
