/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): the saved state (tunpin save / tunpin apply).
 *
 * ROOT/etc/tunpin/state.json holds the host level with its label and the
 * overrides; ROOT/etc/modprobe.d/tunpin.conf carries the level as the
 * module parameter, so the pin is in force from load, before any VM
 * starts and before any userspace runs.
 */
#ifndef TUNPIN_TOOL_STATE_H
#define TUNPIN_TOOL_STATE_H

#include <stddef.h>
#include "caps.h"
#include "nl.h"

#define TP_STATE_FILE		"/etc/tunpin/state.json"
#define TP_MODPROBE_FILE	"/etc/modprobe.d/tunpin.conf"
#define TP_STATE_OVERRIDES	TUNPIN_OVERRIDES_MAX

struct tp_state {
	struct tp_level level;
	int noverrides;
	struct tp_override *overrides;	/* malloc'd */
};

void state_free(struct tp_state *st);
/* Write @st under @root ("" for /): 0, or -1 with the reason in @err. */
int state_write(const char *root, const struct tp_state *st, char *err,
		size_t errsize);
/* Read it back: 0, or -1 with a one-line reason in @err. */
int state_read(const char *root, struct tp_state *st, char *err,
	       size_t errsize);

#endif
