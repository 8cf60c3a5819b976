/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin: the only architecture-specific code. At a kprobe on the entry of
 * an ioctl handler, long (*)(struct file *, unsigned int cmd,
 * unsigned long arg), read the arguments and rewrite the second and third in
 * the saved registers; the hooked function runs with what we leave there.
 * At a release handler, int (*)(struct inode *, struct file *), read the
 * file. Return values are read with the kernel's regs_return_value().
 *
 * tunpin_regs_skip() makes the probed function return @ret at once, without
 * running: the pre-handler then returns 1, and the kprobe must not be
 * optimized (give it a post_handler), as Documentation/trace/kprobes.rst
 * says of changing the execution path. It is what the kernel's own
 * override_function_with_return() does for fault injection.
 */
#ifndef _TUNPIN_ARCH_H
#define _TUNPIN_ARCH_H

#include <linux/ptrace.h>

#if defined(CONFIG_X86_64)

static inline struct file *tunpin_regs_file(struct pt_regs *regs)
{
	return (struct file *)regs->di;
}

static inline struct file *tunpin_regs_released(struct pt_regs *regs)
{
	return (struct file *)regs->si;
}

static inline unsigned int tunpin_regs_cmd(struct pt_regs *regs)
{
	return regs->si;
}

static inline unsigned long tunpin_regs_arg(struct pt_regs *regs)
{
	return regs->dx;
}

static inline void tunpin_regs_set_cmd(struct pt_regs *regs, unsigned int cmd)
{
	regs->si = cmd;
}

static inline void tunpin_regs_set_arg(struct pt_regs *regs, unsigned long arg)
{
	regs->dx = arg;
}

/* Returns to the probed function's caller with %rax as the handler left it. */
void tunpin_just_return(void);

static inline void tunpin_regs_skip(struct pt_regs *regs, long ret)
{
	regs_set_return_value(regs, ret);
	regs->ip = (unsigned long)tunpin_just_return;
}

#elif defined(CONFIG_ARM64)

static inline struct file *tunpin_regs_file(struct pt_regs *regs)
{
	return (struct file *)regs->regs[0];
}

static inline struct file *tunpin_regs_released(struct pt_regs *regs)
{
	return (struct file *)regs->regs[1];
}

static inline unsigned int tunpin_regs_cmd(struct pt_regs *regs)
{
	return regs->regs[1];
}

static inline unsigned long tunpin_regs_arg(struct pt_regs *regs)
{
	return regs->regs[2];
}

static inline void tunpin_regs_set_cmd(struct pt_regs *regs, unsigned int cmd)
{
	regs->regs[1] = cmd;
}

static inline void tunpin_regs_set_arg(struct pt_regs *regs, unsigned long arg)
{
	regs->regs[2] = arg;
}

static inline void tunpin_regs_skip(struct pt_regs *regs, long ret)
{
	regs_set_return_value(regs, ret);
	instruction_pointer_set(regs, procedure_link_pointer(regs));
}

#else
/*
 * Another architecture (ppc64le, s390x, riscv64, ...): implement the seven
 * tunpin_regs_*() helpers above (file, released, cmd, arg, set_cmd,
 * set_arg, skip) for its calling convention, here; nothing else is needed.
 */
#error "tunpin: no register access for this architecture: port the tunpin_regs_*() helpers (arch.h)"
#endif

#endif /* _TUNPIN_ARCH_H */
