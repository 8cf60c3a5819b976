/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): `tunpin metrics`, what the module says in the Prometheus text
 * exposition format (version 0.0.4), for node_exporter's textfile
 * collector. The metrics are listed in tunpin.8 (METRICS).
 */
#ifndef TUNPIN_TOOL_METRICS_H
#define TUNPIN_TOOL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "cli.h"
#include "nl.h"

/* One line of /sys/kernel/tunpin/probes. */
struct tp_probe_point {
	char symbol[128];
	bool ret;		/* a return probe: @missed counts */
	bool armed;		/* "armed"; not: disabled, gone, unarmed */
	unsigned long long missed;	/* returns missed, for want of an instance */
};

enum { TP_FILE_TAP, TP_FILE_VHOST, TP_FILE_KINDS };
/* What judges an open file: exempt first, then an override, the level. */
enum { TP_JUDGE_LEVEL, TP_JUDGE_OVERRIDE, TP_JUDGE_EXEMPT, TP_JUDGES };

struct tp_metrics {
	bool loaded;		/* false: the module is not; nothing else set */
	struct tp_level level;
	struct tp_counters counters;
	unsigned int files[TP_FILE_KINDS][TP_JUDGES];	/* open files */
	int nprobes;
	struct tp_probe_point *probes;	/* malloc'ed, metrics_free() */
};

/* @s as a label value: backslash, double quote and newline escaped. */
void metrics_label(FILE *f, const char *s);
/* The exposition of @m; 0, or -1 if @f had an error. */
int metrics_print(FILE *f, const struct tp_metrics *m);
/*
 * The probe points from @f (/sys/kernel/tunpin/probes) into @m: 0, or -1
 * and errno (ENOMEM, EIO; EBADMSG for a line that is neither of the two
 * forms).
 */
int metrics_probes(FILE *f, struct tp_metrics *m);
/*
 * Write @len bytes of @text to @path atomically: a hidden temporary file
 * beside it (.NAME.XXXXXX, which the collector's *.prom does not match),
 * mode 0644, fsync'ed, renamed over @path, the directory fsync'ed. A
 * symbolic link's target is replaced; what is not a regular file
 * (/dev/stdout, a FIFO) is written in place. 0, or -1 and errno; on
 * failure @path is as it was.
 */
int metrics_write_file(const char *path, const char *text, size_t len);
void metrics_free(struct tp_metrics *m);

/* tunpin metrics [-o FILE]: 0, or 1 with the reason on stderr. */
int cmd_metrics(const struct cli *c);

#endif
