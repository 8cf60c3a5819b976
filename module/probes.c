// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: the interposition points. A kprobe on the entry of each TAP ioctl
 * handler hands the call to the policy engine and, to refuse it, rewrites
 * its arguments so that the kernel's own code refuses it with its own errno
 * (EBADFD on an unattached tun fd, EINVAL otherwise). A kretprobe on the
 * same handlers records which TUNSETOFFLOAD calls the kernel accepted, and a
 * kprobe on tun's, tap's and vhost-net's release forgets the file. A kprobe
 * on vhost-net's ioctl handler hands its calls to vhost.c. f_op is left
 * alone, so vhost-net's f_op checks still hold, and the datapath is never
 * touched.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/if_tun.h>
#include <linux/if_tap.h>
#include <linux/sockios.h>
#include <linux/sysfs.h>
#include "tunpin.h"
#include "arch.h"

/*
 * Offload bits every kernel refuses: all but TUN_F_CSUM, within 32 bits so
 * the compat path's truncation keeps them. tun consumes offloads only along
 * with TUN_F_CSUM; tap masks the bits it knows. Either way: -EINVAL.
 */
#define TUNPIN_BAD_OFFLOAD	0xfffffffeUL
/*
 * Commands no tun or tap handler implements: they end in their default
 * case. tun copies in a struct ifreq for socket-type (0x89) commands before
 * deciding, so an unknown one is replaced by one of the same type, keeping
 * that copy (and its -EFAULT) as the kernel would do it.
 */
#define TUNPIN_BAD_CMD		_IO('T', 0)
#define TUNPIN_BAD_SOCK_CMD	(SIOCDEVPRIVATE + 15)

/*
 * Taking these addresses makes tun and tap dependencies of tunpin: modprobe
 * loads them first, and they cannot be unloaded from under the probes.
 */
static void *const tunpin_deps[] __used = { tun_get_socket, tap_get_socket };

static int tunpin_ioctl_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct file *file = tunpin_regs_file(regs);
	unsigned int cmd = tunpin_regs_cmd(regs);
	unsigned long arg = tunpin_regs_arg(regs);
	enum tunpin_verdict verdict = tunpin_file_judge(file, cmd, arg);

	switch (verdict) {
	case TUNPIN_PASS:
		break;
	case TUNPIN_REFUSE_ARG:
		tunpin_regs_set_arg(regs, TUNPIN_BAD_OFFLOAD);
		break;
	case TUNPIN_REFUSE_CMD:
		if (_IOC_TYPE(cmd) == SOCK_IOC_TYPE)
			tunpin_regs_set_cmd(regs, TUNPIN_BAD_SOCK_CMD);
		else
			tunpin_regs_set_cmd(regs, TUNPIN_BAD_CMD);
		break;
	}
	return 0;
}

/* What the kretprobe carries from the entry to the return of the handler. */
struct tunpin_call {
	struct file *file;
	unsigned long arg;
};

static int tunpin_ioctl_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct tunpin_call *call = (struct tunpin_call *)ri->data;

	if (tunpin_regs_cmd(regs) != TUNSETOFFLOAD)
		return 1;	/* not watched: no return handler */
	call->file = tunpin_regs_file(regs);
	call->arg = tunpin_regs_arg(regs);
	return 0;
}

static int tunpin_ioctl_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct tunpin_call *call = (struct tunpin_call *)ri->data;

	tunpin_file_returned(call->file, call->arg,
			     regs_return_value(regs) == 0);
	return 0;
}

static int tunpin_release_pre(struct kprobe *kp, struct pt_regs *regs)
{
	tunpin_file_released(tunpin_regs_released(regs));
	return 0;
}

/*
 * Only there to keep the kprobe from being optimized, and to have ftrace
 * honour a changed instruction pointer (FTRACE_OPS_FL_IPMODIFY):
 * tunpin_vhost_pre() may make the probed function return at once.
 */
static void tunpin_skip_post(struct kprobe *kp, struct pt_regs *regs,
			     unsigned long flags)
{
}

#define TUNPIN_MAXACTIVE	1024

/* "module:symbol" pins the lookup to the right module when tun/tap are. */
#define TUNPIN_SYM(mod, cfg, sym)	(IS_MODULE(cfg) ? #mod ":" #sym : #sym)

#define TUNPIN_IOCTL(mod, cfg, sym)					\
	{ .kp.symbol_name = TUNPIN_SYM(mod, cfg, sym),			\
	  .entry_handler = tunpin_ioctl_entry,				\
	  .handler = tunpin_ioctl_ret,					\
	  .data_size = sizeof(struct tunpin_call),			\
	  .maxactive = TUNPIN_MAXACTIVE }

static int tunpin_tap_open_pre(struct kprobe *kp, struct pt_regs *regs);

static struct kprobe tunpin_kprobes[] = {
	{ .symbol_name = TUNPIN_SYM(tun, CONFIG_TUN, tun_chr_ioctl),
	  .pre_handler = tunpin_ioctl_pre },
#ifdef CONFIG_COMPAT
	{ .symbol_name = TUNPIN_SYM(tun, CONFIG_TUN, tun_chr_compat_ioctl),
	  .pre_handler = tunpin_ioctl_pre },
#endif
	/* macvtap and ipvtap; their compat_ioctl, compat_ptr_ioctl, calls it */
	{ .symbol_name = TUNPIN_SYM(tap, CONFIG_TAP, tap_ioctl),
	  .pre_handler = tunpin_ioctl_pre },
#if IS_ENABLED(CONFIG_VHOST_NET)
	/* vhost-net; its compat_ioctl, compat_ptr_ioctl, calls it */
	{ .symbol_name = TUNPIN_SYM(vhost_net, CONFIG_VHOST_NET,
				    vhost_net_ioctl),
	  .pre_handler = tunpin_vhost_pre,
	  .post_handler = tunpin_skip_post },
#endif
	{ .symbol_name = TUNPIN_SYM(tap, CONFIG_TAP, tap_open),
	  .pre_handler = tunpin_tap_open_pre,
	  .post_handler = tunpin_skip_post },
	{ .symbol_name = TUNPIN_SYM(tun, CONFIG_TUN, tun_chr_close),
	  .pre_handler = tunpin_release_pre },
	{ .symbol_name = TUNPIN_SYM(tap, CONFIG_TAP, tap_release),
	  .pre_handler = tunpin_release_pre },
#if IS_ENABLED(CONFIG_VHOST_NET)
	{ .symbol_name = TUNPIN_SYM(vhost_net, CONFIG_VHOST_NET,
				    vhost_net_release),
	  .pre_handler = tunpin_release_pre },
#endif
};

/*
 * An instance is held only during a TUNSETOFFLOAD call, which mostly waits
 * for RTNL. Anyone may open /dev/net/tun, and a TUNSETOFFLOAD on an
 * unattached fd waits for RTNL too, so local users can hold many at once:
 * 1024 (about 64 KiB) are far more than hypervisors configuring TAPs at
 * once. If more run at once, the return of the excess is not seen
 * (counted, "missed" in /sys/kernel/tunpin/probes). That never affects
 * what is enforced; for lowering admission the bits of such a call stay
 * counted as in use, on its own file, until that file is closed (files.c):
 * it errs on the side of refusing, and the refusal names the process.
 */
static struct kretprobe tunpin_kretprobes[] = {
	TUNPIN_IOCTL(tun, CONFIG_TUN, tun_chr_ioctl),
#ifdef CONFIG_COMPAT
	TUNPIN_IOCTL(tun, CONFIG_TUN, tun_chr_compat_ioctl),
#endif
	TUNPIN_IOCTL(tap, CONFIG_TAP, tap_ioctl),
};

/* Set once every probe is registered, cleared before any is unregistered. */
static bool tunpin_probes_armed;

static const char *tunpin_probe_state(struct kprobe *kp)
{
	if (!READ_ONCE(tunpin_probes_armed))
		return "unarmed";
	return kprobe_gone(kp) ? "gone" : kprobe_disabled(kp) ? "disabled" :
	       "armed";
}

/**
 * tunpin_probes_show - one line per probe point: "SYMBOL entry STATE" or
 * "SYMBOL return STATE missed N"
 * @buf: a PAGE_SIZE sysfs buffer
 *
 * STATE is "armed", "disabled", "gone" (its module went away) or
 * "unarmed" (tunpin is loading or unloading); N counts the calls whose
 * return was not seen for want of an instance.
 *
 * Return: the length printed.
 */
int tunpin_probes_show(char *buf)
{
	int i, len = 0;

	for (i = 0; i < ARRAY_SIZE(tunpin_kprobes); i++)
		len += sysfs_emit_at(buf, len, "%s entry %s\n",
				     tunpin_kprobes[i].symbol_name,
				     tunpin_probe_state(&tunpin_kprobes[i]));
	for (i = 0; i < ARRAY_SIZE(tunpin_kretprobes); i++)
		len += sysfs_emit_at(buf, len, "%s return %s missed %d\n",
				     tunpin_kretprobes[i].kp.symbol_name,
				     tunpin_probe_state(&tunpin_kretprobes[i].kp),
				     READ_ONCE(tunpin_kretprobes[i].nmissed));
	return len;
}

/* Whether @fn is the function the entry kprobe on @sym sits in. */
static bool tunpin_probed(const void *fn, const char *sym)
{
	size_t n = strlen(sym);
	int i;

	for (i = 0; i < ARRAY_SIZE(tunpin_kprobes); i++) {
		const char *name = tunpin_kprobes[i].symbol_name;
		size_t len = strlen(name);

		if (len < n || strcmp(name + len - n, sym))
			continue;
		/* The probe may sit past an ENDBR or a BTI landing pad. */
		return fn && (unsigned long)tunpin_kprobes[i].addr -
			     (unsigned long)fn < 16;
	}
	return false;
}

/*
 * Whether @fops call exactly what tunpin probes: unlocked_ioctl is @ioctl,
 * compat_ioctl @compat or compat_ptr_ioctl() (which calls unlocked_ioctl),
 * and no other ioctl-like entry point is set. Returns NULL if so, else
 * the name of the first operation that is not covered.
 */
static const char *tunpin_fops_uncovered(const struct file_operations *fops,
					 const char *ioctl, const char *compat)
{
	if (!tunpin_probed(fops->unlocked_ioctl, ioctl))
		return "unlocked_ioctl";
	if (IS_ENABLED(CONFIG_COMPAT) && fops->compat_ioctl &&
	    (!compat || !tunpin_probed(fops->compat_ioctl, compat)) &&
	    fops->compat_ioctl != compat_ptr_ioctl)
		return "compat_ioctl";
#ifdef TUNPIN_COMPAT_FOP_URING_CMD
	if (fops->uring_cmd)
		return "uring_cmd";
#endif
	return NULL;
}

static int tunpin_check_fops(const char *what,
			     const struct file_operations *fops,
			     const char *ioctl, const char *compat)
{
	const char *op = tunpin_fops_uncovered(fops, ioctl, compat);

	if (!op)
		return 0;
	pr_err("%s's %s is not what tunpin probes (unlocked_ioctl %ps, compat_ioctl %ps); not loading\n",
	       what, op, fops->unlocked_ioctl, fops->compat_ioctl);
	return -EINVAL;
}

/*
 * tap's file operations cannot be checked at load: only a macvtap or
 * ipvtap device's file reaches them, and loading makes none. They are
 * checked at every open of such a file instead (tap_open(inode, file): the
 * file is where a release handler's is), after chrdev_open() gave it tap's
 * f_op, and an open of a file whose operations tunpin does not cover fails
 * with EPERM: no such file exists while tunpin is loaded.
 */
static int tunpin_tap_open_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct file *file = tunpin_regs_released(regs);
	const char *op = tunpin_fops_uncovered(file->f_op, "tap_ioctl", NULL);

	if (likely(!op))
		return 0;
	pr_err_ratelimited("a macvtap or ipvtap file's %s is not what tunpin probes (unlocked_ioctl %ps): refusing its open by %s[%d]\n",
			   op, file->f_op->unlocked_ioctl, current->comm,
			   task_pid_nr(current));
	tunpin_regs_skip(regs, -EPERM);
	return 1;
}

/*
 * At load, the entry points are checked against the file operations the
 * kernel really calls: tun's, from a /dev/net/tun file, and vhost-net's
 * (vhost.c kept them); tap's at each open (tunpin_tap_open_pre()).
 */
static int tunpin_probes_verify(void)
{
	const struct file_operations *vfops;
	struct file *f;
	int err;

	f = filp_open("/dev/net/tun", O_RDWR, 0);
	if (IS_ERR(f)) {
		pr_err("cannot open /dev/net/tun (%ld) to check the probe points; not loading\n",
		       PTR_ERR(f));
		return PTR_ERR(f);
	}
	err = tunpin_check_fops("/dev/net/tun", f->f_op, "tun_chr_ioctl",
				IS_ENABLED(CONFIG_COMPAT) ?
				"tun_chr_compat_ioctl" : NULL);
	filp_close(f, NULL);
	vfops = tunpin_vhost_file_ops();
	if (!err && vfops)
		err = tunpin_check_fops("/dev/vhost-net", vfops,
					"vhost_net_ioctl", NULL);
	return err;
}

int tunpin_probes_init(void)
{
	int i, j, err;

	/* Release hooks and recorders first: enforcement starts last. */
	for (j = 0; j < ARRAY_SIZE(tunpin_kretprobes); j++) {
		err = register_kretprobe(&tunpin_kretprobes[j]);
		if (err) {
			pr_err("cannot probe the return of %s (%d); not loading\n",
			       tunpin_kretprobes[j].kp.symbol_name, err);
			goto unwind_ret;
		}
	}
	for (i = ARRAY_SIZE(tunpin_kprobes) - 1; i >= 0; i--) {
		err = register_kprobe(&tunpin_kprobes[i]);
		if (err) {
			pr_err("cannot probe %s (%d); not loading: a partial policy would not be enforced\n",
			       tunpin_kprobes[i].symbol_name, err);
			goto unwind;
		}
	}
	err = tunpin_probes_verify();
	if (err) {
		i = -1;
		goto unwind;
	}
	WRITE_ONCE(tunpin_probes_armed, true);
	return 0;

unwind:
	while (++i < ARRAY_SIZE(tunpin_kprobes))
		unregister_kprobe(&tunpin_kprobes[i]);
unwind_ret:
	while (j--)
		unregister_kretprobe(&tunpin_kretprobes[j]);
	return err;
}

void tunpin_probes_exit(void)
{
	int i;

	WRITE_ONCE(tunpin_probes_armed, false);
	for (i = 0; i < ARRAY_SIZE(tunpin_kprobes); i++)
		unregister_kprobe(&tunpin_kprobes[i]);
	for (i = 0; i < ARRAY_SIZE(tunpin_kretprobes); i++)
		unregister_kretprobe(&tunpin_kretprobes[i]);
}
