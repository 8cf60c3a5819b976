/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): what this kernel natively offers, found the way hypervisors
 * find it: TUNSETOFFLOAD on a throw-away TAP.
 */
#ifndef TUNPIN_TOOL_PROBE_H
#define TUNPIN_TOOL_PROBE_H

#include <stddef.h>
#include "dump.h"

/*
 * Probe this host into @d: 0, or -1 with a one-line reason in @err. With
 * the tunpin module loaded the throw-away TAP is exempted through
 * /dev/tunpin, so a pinned host still shows its native set; if it is
 * pinned and the exemption is refused (not root), the probe fails rather
 * than report the pinned set.
 */
int tp_probe(struct tp_dump *d, char *err, size_t errsize);

#endif
