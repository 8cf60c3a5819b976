/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): what this kernel natively offers, found the way hypervisors
 * find it: TUNSETOFFLOAD on a throw-away TAP.
 */
#ifndef TUNPIN_TOOL_PROBE_H
#define TUNPIN_TOOL_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dump.h"

/*
 * Probe this host into @d: 0, or -1 with a one-line reason in @err. With
 * the tunpin module loaded the throw-away TAP is exempted through
 * /dev/tunpin, so a pinned host still shows its native set; if it is
 * pinned and the exemption is refused (not root), the probe fails rather
 * than report the pinned set.
 */
int tp_probe(struct tp_dump *d, char *err, size_t errsize);

/*
 * The vhost-net part, for the unit tests: record VHOST_GET_FEATURES
 * (@word0) and VHOST_GET_FEATURES_ARRAY's second word (@word1, if @aerr,
 * its errno, is 0) in @v, names and unknown bits; and whether an errno of
 * VHOST_GET_FEATURES_ARRAY means "no array" (word 1 is then 0).
 */
void vhost_record(struct tp_vhost *v, uint64_t word0, int aerr,
		  const uint64_t *word1);
bool vhost_no_array(int err);

#endif
