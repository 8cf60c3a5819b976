/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin: where tunpin_regs_skip() (arch.h) sends a probed function on
 * x86-64: straight back to its caller, with %rax as the handler set it,
 * as the kernel's just_return_func (arch/x86/lib/error-inject.c) does for
 * fault injection; modules cannot reach that one. Its address is taken, so
 * with IBT it must begin with ENDBR: SYM_TYPED_FUNC_START() puts it there
 * (SYM_FUNC_START() did until 6.13); 5.10 has neither IBT nor the macro.
 */
#include <linux/linkage.h>
#if __has_include(<linux/cfi_types.h>)
#include <linux/cfi_types.h>
#define TUNPIN_FUNC_START	SYM_TYPED_FUNC_START
#else
#define TUNPIN_FUNC_START	SYM_FUNC_START
#endif

/* RET came with the return-thunk mitigations (5.17, and 5.10.y). */
#ifndef RET
#define RET ret
#endif

TUNPIN_FUNC_START(tunpin_just_return)
	RET
SYM_FUNC_END(tunpin_just_return)
