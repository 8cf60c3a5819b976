/* SPDX-License-Identifier: GPL-2.0 */
/* tunpin(8): show (status), save and apply; see statecmd.c. */
#ifndef TUNPIN_TOOL_STATECMD_H
#define TUNPIN_TOOL_STATECMD_H

#include "cli.h"
#include "nl.h"

int cmd_show(struct tp_nl *h, const struct cli *c);
int cmd_save(struct tp_nl *h, const struct cli *c);
int cmd_apply(struct tp_nl *h, const struct cli *c);

#endif
