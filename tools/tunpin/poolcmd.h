/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): the commands that work without the module: levels, merge,
 * compare, diff; and set's check that the host can provide a level.
 * Each returns tunpin's exit code (see tunpin.c).
 */
#ifndef TUNPIN_TOOL_POOLCMD_H
#define TUNPIN_TOOL_POOLCMD_H

#include <stdint.h>
#include "cli.h"

int cmd_levels(const struct cli *c);
int cmd_merge(const struct cli *c);
int cmd_compare(const struct cli *c);
int cmd_diff(const struct cli *c);

/*
 * Probe this host and refuse (exit 3) a level with capabilities it lacks;
 * 1 if the probe fails, 0 if the host can provide @caps. @label names the
 * level in the message.
 */
int set_check_host(uint32_t caps, const char *label);

#endif
