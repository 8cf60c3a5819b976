/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): platform dumps and levels, in memory and as JSON.
 *
 * A dump is what one host's kernel natively offers, found the way
 * hypervisors find it (tunpin probe). A level is what a pool agrees on
 * (tunpin merge) or a named upstream level (tunpin levels). Both are
 * JSON documents with "schema": TP_SCHEMA and "kind": "dump" | "level".
 */
#ifndef TUNPIN_TOOL_DUMP_H
#define TUNPIN_TOOL_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "out.h"

/*
 * Schema 2 adds "vhost", the native vhost-net features; schema 1 dumps
 * and levels still load, their vhost-net part unknown.
 */
#define TP_SCHEMA	2
#define TP_SCHEMA_MIN	1
#define TP_PROBES_MAX	64
#define TP_VHOST_DEV	"/dev/vhost-net"
/*
 * The largest JSON document tunpin reads (a dump, a level): anything
 * bigger is refused before it is read. A dump is about 5 KB; a level of
 * TP_POOL_MAX hosts with 40-character names about 5 MB pretty-printed.
 * json-c's objects cost up to 40 times the text, so this also bounds what
 * a hostile file can cost (about 300 MB at the cap). merge refuses to
 * write a level it could not read back.
 */
#define TP_INPUT_MAX	(8u << 20)
#define TP_INPUT_MAX_TEXT "8 MiB"

/* What a dump knows of the host's vhost-net. */
enum tp_vhost_state {
	TP_VHOST_UNKNOWN,	/* schema 1, or it could not be read: reason */
	TP_VHOST_ABSENT,	/* no /dev/vhost-net on the host: reason */
	TP_VHOST_PROBED,	/* features read (VHOST_GET_FEATURES) */
};

struct tp_vhost {
	enum tp_vhost_state state;
	char reason[160];	/* why not probed */
	bool array;		/* VHOST_GET_FEATURES_ARRAY answered */
	bool exempt;		/* read through the /dev/tunpin exemption */
	uint64_t features[2];	/* raw: word 0 and bits 64-127 */
	uint64_t unknown[2];	/* of those, bits the table has no name for */
};

/* One TUNSETOFFLOAD the probe tried, and the kernel's answer. */
struct tp_probe {
	uint32_t bits;		/* the argument */
	int err;		/* 0: accepted, else the positive errno */
	char what[24];		/* the capability (or "unknown:0x200") it tests */
};

struct tp_dump {
	int schema;		/* TP_SCHEMA */
	char host[256];		/* gethostname() */
	char kernel[128];	/* uname -r */
	char kernel_version[256]; /* uname -v */
	char machine[32];	/* uname -m */
	char module[32];	/* tunpin module version; "" if not loaded */
	char timestamp[32];	/* ISO 8601, UTC: 2026-11-26T01:45:08Z */
	bool exempt;		/* probed through the /dev/tunpin exemption */
	uint32_t caps;		/* native capabilities, TAP and vhost-net */
	uint32_t unknown;	/* TUNSETOFFLOAD flags outside TUNPIN_CAP_TAP */
	uint32_t features;	/* TUNGETFEATURES, raw */
	struct tp_vhost vhost;
	int nprobes;
	struct tp_probe probes[TP_PROBES_MAX];
};

/* "probed", "absent" or "unknown". */
const char *vhost_state_name(enum tp_vhost_state s);

/* The JSON form of a dump (new reference). */
json_object *dump_to_json(const struct tp_dump *d);
/*
 * A dump from its JSON form: 0, or -1 with a one-line reason in @err
 * (wrong schema or kind, missing field, unknown capability name...).
 */
int dump_from_json(json_object *o, struct tp_dump *d, char *err,
		   size_t errsize);
/*
 * Read a JSON object from @path ("-": stdin), of up to TP_INPUT_MAX bytes
 * (a bigger file is refused unread): NULL + "PATH: reason" in @err on
 * failure, a document that is not an object (null, an array...) included.
 */
json_object *json_read_file(const char *path, char *err, size_t errsize);
/* Write @o to @path ("-" or NULL: stdout), pretty or not: 0 or -1/errno. */
int json_write_file(const char *path, json_object *o, bool pretty);
/*
 * fflush(stdout): 0, or the errno of the first write to it that failed
 * (kept: a later flush of an empty buffer succeeds, errno gone).
 */
int stdout_flush(void);
/* write(2) all of @len bytes of @s to @fd, again on EINTR: 0, or -1 (errno). */
int tp_write_all(int fd, const char *s, size_t len);

#endif
