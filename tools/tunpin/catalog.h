/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): the catalog of named upstream levels (tunpin levels).
 *
 * Each entry is what a mainline kernel's tun driver accepts in
 * TUNSETOFFLOAD on a TAP with IFF_VNET_HDR, checked against upstream
 * sources (see the evidence in catalog.c). Entries are immutable: a name,
 * once shipped, always means the same set. An alias (latest) resolves to a
 * concrete entry, and that concrete name is what gets recorded.
 */
#ifndef TUNPIN_TOOL_CATALOG_H
#define TUNPIN_TOOL_CATALOG_H

#include <stddef.h>
#include <stdint.h>

struct tp_catalog {
	const char *name;
	const char *alias;	/* non-NULL: an alias of that entry */
	uint32_t caps;		/* TUNPIN_CAP_* bits; 0 for an alias */
	const char *since;	/* the first mainline release offering it */
	const char *note;	/* one line */
};

extern const struct tp_catalog tp_catalog[];
extern const size_t tp_catalog_len;

/* The concrete entry called @name (an alias resolved), or NULL. */
const struct tp_catalog *catalog_find(const char *name);

#endif
