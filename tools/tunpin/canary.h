/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): show's live self-check. A level proves nothing by being set:
 * a module half loaded, a probe point lost or kprobes disarmed globally
 * (/sys/kernel/debug/kprobes/enabled at 0) leave it set and unenforced.
 * The canary asks the kernel as a hypervisor would, on a fresh TAP that
 * is not exempt: one capability outside the level must be refused, and
 * by tunpin (its refusal counter moves), one inside it accepted, and seen
 * by tunpin (its request counter moves).
 */
#ifndef TUNPIN_TOOL_CANARY_H
#define TUNPIN_TOOL_CANARY_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "nl.h"

enum canary_result {
	CANARY_UNTRIED,	/* could not be tried; @why says why: no failure */
	CANARY_OK,
	CANARY_FAILED,	/* @why says what the kernel did */
};

struct canary_half {
	enum canary_result result;
	uint32_t request;	/* the TUNSETOFFLOAD flags tried */
	char why[512];
};

struct canary {
	/* 1 enabled, 0 disabled globally, -1 unknown (debugfs unreadable) */
	int kprobes;
	/* the level that judges the canary: an override's cgroup, or ""
	 * for the host level */
	char override[4096];
	struct canary_half refused;	/* a capability outside the level */
	struct canary_half accepted;	/* one inside it */
};

/*
 * Run the canary on this host, pinned to @host; @native is this kernel's
 * native TAP set if @native_known. Never fails: a half that cannot be
 * run (no CAP_NET_ADMIN, unpinned, nothing to try) is CANARY_UNTRIED.
 */
void canary_run(struct tp_nl *h, const struct tp_level *host,
		uint32_t native, bool native_known, struct canary *r);
/* /sys/kernel/debug/kprobes/enabled: 1, 0 (disarmed globally), -1 unknown. */
int canary_kprobes_state(void);

/* Enforcement is shown not to work: kprobes disabled, or a half failed. */
bool canary_failed(const struct canary *r);
/* "enforcement: ..." (and, on failure, a loud line on standard error). */
void canary_print(const struct canary *r);
/* -j: {"status", "kprobes_enabled", "override", "refused", "accepted"}. */
json_object *canary_json(const struct canary *r);

/*
 * The pure part, for the unit tests: the TUNSETOFFLOAD request that asks
 * for the first TAP capability outside @level (one @native has, if any),
 * with what tun requires with it (drivers/net/tun.c set_offload(): csum
 * for every offload, a TSO under tso_ecn, uso4 and uso6 together, a plain
 * GSO under the UDP tunnel bits); 0 if the level has every one.
 */
uint32_t canary_outside(uint32_t level, uint32_t native);

#endif
