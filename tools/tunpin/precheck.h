/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): what the open TAP and vhost-net files were granted, against
 * a level: `tunpin precheck VM TARGET` (may this VM migrate to a host of
 * TARGET?) and `tunpin set --dry-run LEVEL` (would the module admit it?).
 * Each returns tunpin's exit code.
 */
#ifndef TUNPIN_TOOL_PRECHECK_H
#define TUNPIN_TOOL_PRECHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "cli.h"
#include "nl.h"
#include "vminfo.h"

int cmd_precheck(struct tp_nl *h, const struct cli *c,
		 const struct tp_level *target);
/* Its VM operand, checked before the module is looked for (.check). */
int precheck_check(struct cli *c);
/* set --dry-run, once the host was found able to provide @l. */
int cmd_set_dry_run(struct tp_nl *h, const struct cli *c,
		    const struct tp_level *l);

/* --- the pure parts, for the unit tests --------------------------------- */

/* precheck's VM: a pid (digits), a cgroup (from /), or a domain name. */
struct vm_select {
	enum { SEL_PID, SEL_CGROUP, SEL_NAME } kind;
	uint32_t pid;
	const char *arg;	/* the operand */
};

/* 0, or -1 with the reason in @err (pid 0 or too big, a name or path too
 * long, an empty word). */
int vm_select_parse(const char *arg, struct vm_select *sel, char *err,
		    size_t errsize);
/* Whether the file of process @pid, @vi, belongs to @sel: by pid; by
 * cgroup, the process's being @sel's or below it; by name, the libvirt
 * domain or systemd unit it is in being @sel's. */
bool vm_select_match(const struct vm_select *sel, uint32_t pid,
		     const struct vm_info *vi);

/* What files were granted: capabilities, and bits of none (unknown). */
struct granted {
	uint32_t caps;		/* TAP offloads and vhost-net features */
	uint32_t unknown;	/* TUNSETOFFLOAD flags outside the table */
};

void granted_add(struct granted *g, const struct tp_tap *t);
/* What @g has that a host of @target lacks (nothing if unpinned). */
struct granted granted_missing(const struct granted *g,
			       const struct tp_level *target);
/* "csum tso4 unknown:0x80000000", "" if nothing. */
void granted_print(const struct granted *g, char *buf, size_t size);

/*
 * What setting @l would take from file @t, as the module judges it
 * (tunpin_files_in_use()): what it was granted outside a pinned @l,
 * unless it is exempt or governed by an override.
 */
uint32_t set_would_remove(const struct tp_tap *t, const struct tp_level *l);

#endif
