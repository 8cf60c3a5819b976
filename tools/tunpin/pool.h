/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): pools of hosts and their levels (merge, compare, diff).
 *
 * A level document is {"schema": 1, "kind": "level", "name", "capabilities",
 * "hosts", "missing", "created"}: "hosts" are the hosts it was merged from,
 * "missing" maps each of them to what it lacks compared with the union of
 * the pool (the "unsupported by hosts" view), so every host's own set can
 * be rebuilt: union = capabilities + every missing list, and a host's set =
 * union - its missing list (- every vhost-net capability for a host in
 * "vhost_absent", whose missing list leaves the vhost-net part out).
 *
 * Nothing here does I/O on the kernel: the unit tests run it on the host.
 */
#ifndef TUNPIN_TOOL_POOL_H
#define TUNPIN_TOOL_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "caps.h"
#include "dump.h"

#define TP_POOL_MAX	16384	/* hosts in one level */
#define TP_HOST_SIZE	256	/* as struct tp_dump's host */

/*
 * The per-host arrays (4 MiB at TP_POOL_MAX) come last: only their first
 * nhosts entries are ever written or read, so a struct allocated with
 * malloc() costs memory for the hosts it holds, and clearing the head
 * (up to TP_LEVELDOC_HEAD) empties it.
 */
struct tp_leveldoc {
	char name[TUNPIN_NAME_MAX + 1];
	uint32_t caps;			/* known capabilities only */
	int nhosts;
	bool has_missing;		/* "missing" was given (merge) */
	bool vhost_known;		/* schema 2: the set has a vhost part */
	char created[32];		/* ISO 8601 UTC, "" if not given */
	uint32_t missing[TP_POOL_MAX];	/* hosts[i] lacks, vs the union */
	bool vhost_absent[TP_POOL_MAX];	/* hosts[i] has no /dev/vhost-net */
	char hosts[TP_POOL_MAX][TP_HOST_SIZE];
};
#define TP_LEVELDOC_HEAD	offsetof(struct tp_leveldoc, missing)

/* What a LEVEL on the command line was read as (level_load()). */
enum tp_doc_src {
	TP_SRC_FILE,			/* a dump or a level document */
	TP_SRC_CATALOG,			/* a catalog name or alias */
	TP_SRC_CAPS,			/* a capability list, none, unpinned */
};

/* A LEVEL named on the command line: a dump, or a level (last). */
struct tp_doc {
	enum tp_doc_src src;
	bool is_dump;
	bool unpinned;			/* TP_SRC_CAPS: "unpinned", no set */
	/* TP_SRC_CAPS: its names in table order, comma-separated, or
	 * "none": what the list stands as in a compare, diff or merge */
	char text[TP_HOST_SIZE - 8];
	struct tp_dump dump;		/* is_dump */
	struct tp_leveldoc level;	/* !is_dump */
};

/*
 * One side of a merge, compare or diff: a host (from a dump, or rebuilt
 * from a merged level), or a level standing for itself.
 */
struct tp_member {
	char name[TP_HOST_SIZE];	/* host, or "level:NAME" */
	char kernel[128];		/* "" unless from a dump */
	bool is_level;
	uint32_t caps;			/* known capabilities */
	uint32_t unknown;		/* accepted bits outside the table */
	uint32_t features;		/* TUNGETFEATURES (from a dump) */
	bool has_features;
	enum tp_vhost_state vhost;	/* what is known of its vhost-net */
	uint64_t vhost_unknown[VHOST_WORDS]; /* offered, outside the table */
	bool replaced;			/* pool_replace(): it replaced another */
};

/* Whether @m's vhost-net part can be compared: probed (or a level's). */
static inline bool member_vhost_known(const struct tp_member *m)
{
	return m->vhost == TP_VHOST_PROBED;
}

/* Whether @name may label a level: 1..TUNPIN_NAME_MAX of [A-Za-z0-9._:+@-]. */
bool level_name_valid(const char *name);

json_object *leveldoc_to_json(const struct tp_leveldoc *l);
/* 0, or -1 with a one-line reason in @err (schema, kind, names...). */
int leveldoc_from_json(json_object *o, struct tp_leveldoc *l, char *err,
		       size_t errsize);

/*
 * The one LEVEL grammar of every command (set, override add, compare,
 * diff, merge): @argc words, joined by spaces, read as the first that
 * fits of
 *  1. a catalog level (or alias): one word, e.g. linux-6.1, latest;
 *  2. a capability list: names separated by commas or spaces, or "none"
 *     or "unpinned" alone;
 *  3. a file, if one word: a dump or a level document ("-": stdin).
 * So a file named like a level or a capability needs a '/' (./csum).
 * 0, or -1 with a one-line reason in @err: a file's own ("PATH: reason"),
 * else "not a capability list, a catalog level or a readable file: ARG"
 * with the list's reason (unknown capability 'x').
 */
int level_load(int argc, char *const argv[], struct tp_doc *doc, char *err,
	       size_t errsize);
/* The members @doc stands for in a merge; their number (<= @max). */
int doc_members(const struct tp_doc *doc, struct tp_member *m, int max);
/* @doc as one side of a compare or diff. */
void doc_summary(const struct tp_doc *doc, struct tp_member *m);

struct tp_merge {
	uint32_t uni;			/* the union of the members */
	uint32_t unknown;		/* bits outside the table all accept */
	/* vhost-net feature bits outside the table that every host with
	 * /dev/vhost-net offers */
	uint64_t vhost_unknown[VHOST_WORDS];
	struct tp_leveldoc level;	/* the pool level, hosts and missing */
};

/*
 * The pool level of @n members: their intersection, and what each lacks
 * compared with the union. A host without /dev/vhost-net does not limit
 * the vhost-net part (it is recorded in vhost_absent); with no host that
 * has one, the level has no vhost-net feature. -1 with the reason in @err
 * on an empty set, too many hosts, a duplicate host, a bad @name, or a
 * host whose vhost-net set is unknown (a schema 1 dump or level, or a
 * probe that could not read it): those are named.
 */
int pool_merge(const struct tp_member *m, int n, const char *name,
	       const char *created, struct tp_merge *out, char *err,
	       size_t errsize);

/*
 * merge --replace: of the members with the same host name (case
 * ignored), the last one given takes the place of the first, marked
 * replaced, and the others go. The number of members left (the order
 * kept), or -1 if out of memory.
 */
int pool_replace(struct tp_member *m, int n);
/*
 * merge --drop @host: every member called @host (case ignored) goes. The
 * number of members left, or -1 if none is called @host.
 */
int pool_drop(struct tp_member *m, int n, const char *host);

/*
 * The members of a merge in groups: same capability set, same vhost-net
 * state, and (for groups, not for classes) same kernel release.
 */
struct tp_group {
	uint32_t caps;		/* each member's (tp_member.caps) */
	bool vhost_absent;	/* each has no /dev/vhost-net */
	const char *kernel;	/* each one's release ("" if not known); in
				 * a class, NULL if they differ */
	int count;
	const int *members;	/* their positions, in the order given */
	/* classes: what the pool level would gain without them, and lose
	 * (the vhost-net part, with the last hosts that have the device) */
	uint32_t gain, loss;
};

struct tp_report {
	struct tp_group *groups;	/* by set and kernel, largest first */
	int ngroups;
	/* by set alone: first the nlimiting ones whose removal would raise
	 * the level (the fewest hosts first), then the others */
	struct tp_group *classes;
	int nclasses, nlimiting;
	uint32_t lacked_apart;		/* lacked, but by no class alone */
	int *idx;			/* the members' positions */
};

/*
 * @m, the @n members @r was merged from, in groups and classes: 0, or -1
 * if out of memory. pool_report_free() frees what it holds.
 */
int pool_report(const struct tp_member *m, int n, const struct tp_merge *r,
		struct tp_report *rep);
void pool_report_free(struct tp_report *rep);

enum tp_verdict { TP_IDENTICAL, TP_SUPERSET, TP_INCOMPATIBLE };

/* Whether @host can provide @level; what it lacks and what it has more. */
enum tp_verdict pool_compare(uint32_t level, uint32_t host,
			     uint32_t *missing, uint32_t *extra);
const char *verdict_name(enum tp_verdict v);

struct tp_diff {
	uint32_t added, removed;		/* capabilities */
	uint32_t unknown_added, unknown_removed;
	uint32_t features_added, features_removed; /* both from dumps */
	/* vhost-net feature bits outside the table (both sides known) */
	uint64_t vhost_unknown_added[VHOST_WORDS];
	uint64_t vhost_unknown_removed[VHOST_WORDS];
	bool kernel_changed;
};

void pool_diff(const struct tp_member *old, const struct tp_member *new,
	       struct tp_diff *d);

/*
 * What `tunpin set LEVEL...` pins, by level_load(): a catalog name or alias
 * (its concrete name), a dump file ("native-<kernel release>", as
 * pin-native names it), a level file (its name), a capability list,
 * "none" or "unpinned" (no name). A file whose vhost-net part is unknown
 * is refused. 0, or -1 with the reason in @err.
 */
int level_resolve(int argc, char *const argv[], uint32_t *caps,
		  bool *pinned, char *name, size_t namesize, char *err,
		  size_t errsize);

/* "native-<release>" cut to what a label may hold. */
void native_level_name(const char *release, char *buf, size_t size);

/* Capability names in table order, as a JSON array (known bits only). */
json_object *caps_json(uint32_t bits);

/* Now, as ISO 8601 UTC (2026-11-26T01:45:08Z). */
void utc_now(char *buf, size_t size);

#endif
