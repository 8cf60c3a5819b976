// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): the per-host platform level tool.
 *
 * Talks to the tunpin module over its generic netlink family ("tunpin"),
 * prints like ethtool, or JSON with -j (-p: pretty) like ip -j.
 *
 * Exits with an enum tunpin_exit (exit.h, tunpin.8's EXIT STATUS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <json-c/json.h>
#include "caps.h"
#include "cli.h"
#include "dump.h"
#include "exit.h"
#include "metrics.h"
#include "nl.h"
#include "out.h"
#include "pool.h"
#include "poolcmd.h"
#include "precheck.h"
#include "probe.h"
#include "statecmd.h"
#include "vminfo.h"

/* Room for every name, unknown bits included. */
#define LEVEL_BUF 1024

/*
 * A TAP's TUNSETOFFLOAD flags (its bits above TUNPIN_CAP_TAP are flags of
 * a newer kernel, not vhost capabilities) or a vhost file's bits, as JSON:
 * their names, unknown bits as "unknown:0x...".
 */
static void print_file_bits(const char *key, uint32_t bits, bool vhost)
{
	char buf[LEVEL_BUF];

	if (vhost) {
		print_caps(PRINT_JSON, key, NULL, bits);
		return;
	}
	open_json_array(key);
	for (int i = 0; i < NCAPS; i++)
		if (bits & TUNPIN_CAP_TAP & caps[i].bit)
			print_string(PRINT_JSON, NULL, NULL, caps[i].name);
	for (int b = 0; b < 32; b++)
		if (bits & (1u << b) & ~(uint32_t)TUNPIN_CAP_TAP) {
			offload_unknown_print(1u << b, " ", buf, sizeof(buf));
			print_string(PRINT_JSON, NULL, NULL, buf);
		}
	close_json_array();
}

static const char *file_bits_str(uint32_t bits, bool vhost, char *buf)
{
	size_t n;

	if (vhost || !(bits & ~(uint32_t)TUNPIN_CAP_TAP)) {
		level_print(bits, true, " ", buf, LEVEL_BUF);
		return buf;
	}
	n = bits & TUNPIN_CAP_TAP ?
	    (size_t)caps_print(bits & TUNPIN_CAP_TAP, " ", buf, LEVEL_BUF) : 0;
	if (n < LEVEL_BUF - 1) {
		if (n)
			buf[n++] = ' ';
		offload_unknown_print(bits, " ", buf + n, LEVEL_BUF - n);
	}
	return buf;
}

static const char *level_str(const struct tp_level *l, char *buf)
{
	level_print(l->caps, l->pinned, " ", buf, LEVEL_BUF);
	return buf;
}

static const char *bits_str(uint32_t bits, char *buf)
{
	level_print(bits, true, " ", buf, LEVEL_BUF);
	return buf;
}

/*
 * "level" in sysfs syntax, then the same as data, in the object open;
 * the text: @fmt with the level, @name_fmt with its label if it has one.
 */
static void print_level(const struct tp_level *l, const char *fmt,
			const char *name_fmt)
{
	char buf[LEVEL_BUF];

	print_string(PRINT_ANY, "level", fmt, level_str(l, buf));
	print_bool(PRINT_JSON, "pinned", NULL, l->pinned);
	print_caps(PRINT_JSON, "capabilities", NULL, l->caps);
	print_string(PRINT_JSON, "name", NULL, l->name);
	if (l->name[0])
		print_string(PRINT_FP, NULL, name_fmt, l->name);
}

static int nl_error(struct tp_nl *h, int err)
{
	const char *msg = tp_nl_extack(h);

	if (*msg)
		fprintf(stderr, "tunpin: %s: %s\n", strerror(-err), msg);
	else
		fprintf(stderr, "tunpin: %s\n", strerror(-err));
	return TP_EXIT_ERR;
}

/* After a success: the kernel may still have said something. */
static int nl_done(struct tp_nl *h)
{
	if (*tp_nl_extack(h))
		fprintf(stderr, "tunpin: warning: %s\n", tp_nl_extack(h));
	return TP_EXIT_OK;
}

static int cmd_known(const struct cli *c)
{
	(void)c;
	open_json_array(NULL);
	for (int i = 0; i < NCAPS; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "%-20s ", caps[i].name);
		print_uint(PRINT_ANY, "bit", "%#05llx\n", caps[i].bit);
		close_json_object();
	}
	close_json_array();
	return TP_EXIT_OK;
}

static int cmd_level(struct tp_nl *h, const struct cli *c)
{
	struct tp_level l;
	int err;

	(void)c;
	err = tp_nl_level_get(h, &l);
	if (err)
		return nl_error(h, err);
	open_json_object(NULL);
	print_level(&l, "level: %s\n", "name: %s\n");
	close_json_object();
	return TP_EXIT_OK;
}

/* LEVEL operands and --name into @l; a usage error is reported. */
static int level_args(const struct cli *c, int argc, char **argv,
		      struct tp_level *l)
{
	char err[1024];

	memset(l, 0, sizeof(*l));
	/* a catalog name, capability names, or a level or dump file */
	if (level_resolve(argc, argv, &l->caps, &l->pinned, l->name,
			  sizeof(l->name), err, sizeof(err)) < 0) {
		fprintf(stderr, "tunpin: %s\n", err);
		return TP_EXIT_USAGE;
	}
	if (c->name)	/* its length was checked before */
		snprintf(l->name, sizeof(l->name), "%s", c->name);
	return TP_EXIT_OK;
}

/* The level's label, else its capabilities, for messages. */
static const char *level_label(const struct tp_level *l)
{
	static char buf[LEVEL_BUF + 2];
	char names[LEVEL_BUF];

	if (l->name[0])
		return l->name;
	snprintf(buf, sizeof(buf), "'%s'", bits_str(l->caps, names));
	return buf;
}

static int cmd_set(struct tp_nl *h, const struct cli *c,
		   const struct tp_level *l)
{
	bool force = c->opts & OPT_FORCE;
	int err;

	err = tp_nl_level_set(h, l, force);
	if (err) {
		nl_error(h, err);
		if (err == -EBUSY && !force)
			fprintf(stderr, "tunpin: --force sets it anyway\n");
		return TP_EXIT_ERR;
	}
	return nl_done(h);
}

static int print_override(const struct tp_override *ov, void *arg)
{
	(void)arg;
	open_json_object(NULL);
	print_string(PRINT_ANY, "cgroup", "%s\n", ov->cgroup);
	print_level(&ov->level, "\tlevel: %s\n", "\tname: %s\n");
	close_json_object();
	return 0;
}

static int cmd_override_list(struct tp_nl *h, const struct cli *c)
{
	int err;

	(void)c;
	open_json_array(NULL);
	err = tp_nl_overrides(h, print_override, NULL);
	if (err) {
		out_discard();
		return nl_error(h, err);
	}
	close_json_array();
	return TP_EXIT_OK;
}

static int cmd_override_add(struct tp_nl *h, const struct tp_level *l,
			    const char *cgroup)
{
	int err = tp_nl_override_add(h, cgroup, l);

	return err ? nl_error(h, err) : nl_done(h);
}

static int cmd_override_del(struct tp_nl *h, const char *cgroup)
{
	int err = tp_nl_override_del(h, cgroup);

	return err ? nl_error(h, err) : nl_done(h);
}

static const char *counter_name(uint32_t cap, char *buf, size_t size)
{
	if (!cap)
		return "unknown";
	caps_print(cap, " ", buf, size);
	return buf;
}

static int cmd_counters(struct tp_nl *h, const struct cli *c)
{
	struct tp_counters cs;
	char buf[32];
	int err;

	(void)c;
	err = tp_nl_counters(h, &cs);
	if (err)
		return nl_error(h, err);
	print_fp("%-20s %12s %12s\n", "capability", "requested", "refused");
	open_json_object(NULL);
	open_json_array("capabilities");
	for (int i = 0; i < cs.n; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "%-20s ",
			     counter_name(cs.c[i].cap, buf, sizeof(buf)));
		print_uint(PRINT_ANY, "requested", "%12llu ",
			   cs.c[i].requested);
		print_uint(PRINT_ANY, "refused", "%12llu\n", cs.c[i].refused);
		close_json_object();
	}
	close_json_array();
	print_uint(PRINT_ANY, "refused_ioctls", "refused ioctls: %llu\n",
		   cs.refused_ioctls);
	close_json_object();
	return TP_EXIT_OK;
}

static int print_tap(const struct tp_tap *t, void *arg)
{
	char buf[LEVEL_BUF];
	struct vm_info vi;

	(void)arg;
	vm_info_get("", t->pid, &vi);
	open_json_object(NULL);
	print_uint(PRINT_ANY, "pid", "pid %llu", t->pid);
	print_string(PRINT_ANY, "comm", " (%s)", t->comm);
	print_bool(PRINT_JSON, "vhost", NULL, t->vhost);
	print_fp("%s\n", t->vhost ? ": " TP_VHOST_DEV : "");
	print_file_bits("active", t->active, t->vhost);
	print_string(PRINT_FP, NULL, "\tactive: %s\n",
		     file_bits_str(t->active, t->vhost, buf));
	print_file_bits("granted", t->offered, t->vhost);
	print_string(PRINT_FP, NULL, "\toffered: %s\n",
		     file_bits_str(t->offered, t->vhost, buf));
	print_bool(PRINT_ANY, "exempt", "\texempt: %s\n", t->exempt);
	print_bool(PRINT_ANY, "override", "\toverride: %s\n", t->override);
	if (is_json_context()) {
		json_object *o = json_object_new_object();

		vm_info_json(o, &vi);
		print_members(o);
	} else {
		vm_info_print(&vi, "\t");
	}
	close_json_object();
	return 0;
}

static int cmd_taps(struct tp_nl *h, const struct cli *c)
{
	int err;

	(void)c;
	open_json_array(NULL);
	err = tp_nl_taps(h, print_tap, NULL);
	if (err) {
		out_discard();
		return nl_error(h, err);
	}
	close_json_array();
	return TP_EXIT_OK;
}

/* Each event a document of its own, one a line. */
static int print_event(const struct tp_event *ev, void *arg)
{
	char buf[LEVEL_BUF];

	(void)arg;
	open_json_object(NULL);
	switch (ev->type) {
	case TP_EV_LEVEL:
		print_string(PRINT_JSON, "event", NULL, "level");
		print_level(&ev->level, "level %s", " [%s]");
		print_fp(" by %s[%u]\n", cli_safe(ev->comm), ev->pid);
		break;
	case TP_EV_REFUSED:
		print_string(PRINT_JSON, "event", NULL, "refused");
		print_uint(PRINT_JSON, "ioctl", NULL, ev->ioctl);
		print_file_bits("capabilities", ev->caps,
				ev->ioctl != TUNSETOFFLOAD);
		if (ev->ioctl == TUNSETOFFLOAD)
			print_fp("refused TUNSETOFFLOAD %s",
				 file_bits_str(ev->caps, false, buf));
		else if (ev->caps)
			print_fp("refused ioctl %#x %s", ev->ioctl,
				 bits_str(ev->caps, buf));
		else
			print_fp("refused ioctl %#x", ev->ioctl);
		print_fp(" for %s[%u]\n", cli_safe(ev->comm), ev->pid);
		break;
	case TP_EV_LOST:
		print_string(PRINT_ANY, "event", "events %s\n", "lost");
		break;
	}
	if (ev->type != TP_EV_LOST) {
		print_uint(PRINT_JSON, "pid", NULL, ev->pid);
		print_string(PRINT_JSON, "comm", NULL, ev->comm);
	}
	close_json_object();
	fflush(stdout);
	return 0;
}

static int cmd_monitor(struct tp_nl *h, const struct cli *c)
{
	int err = tp_nl_monitor(h, print_event, NULL);

	(void)c;
	if (err == -ENOENT) {
		fprintf(stderr, "tunpin: the module has no events group\n");
		return TP_EXIT_ERR;
	}
	return nl_error(h, err);
}

static void print_probe(const struct tp_dump *d, double ms)
{
	json_object *o = dump_to_json(d), *a;
	char buf[LEVEL_BUF];

	printf("host: %s\n", cli_safe(d->host));
	printf("kernel: %s %s (%s)\n", cli_safe(d->kernel),
	       cli_safe(d->kernel_version), cli_safe(d->machine));
	if (d->module[0])
		printf("module: tunpin %s%s\n", cli_safe(d->module),
		       d->exempt ? " (probe exempted)" : "");
	else
		printf("module: not loaded\n");
	printf("probed: %s in %.1f ms\n", cli_safe(d->timestamp), ms);
	for (int i = 0; i < NCAPS; i++)
		if (caps[i].vbit < 0 || d->vhost.state == TP_VHOST_PROBED)
			printf("%s: %s\n", caps[i].name,
			       d->caps & caps[i].bit ? "on" : "off");
	offload_unknown_print(d->unknown, " ", buf, sizeof(buf));
	printf("unknown bits: %s\n", buf[0] ? buf : "none");
	if (d->vhost.state == TP_VHOST_PROBED) {
		vhost_unknown_print(d->vhost.unknown, " ", buf, sizeof(buf));
		printf("vhost-net: 0x%llx 0x%llx%s%s\n",
		       (unsigned long long)d->vhost.features[0],
		       (unsigned long long)d->vhost.features[1],
		       d->vhost.array ? "" : " (no VHOST_GET_FEATURES_ARRAY)",
		       d->vhost.exempt ? " (probe exempted)" : "");
		printf("unknown vhost bits: %s\n", buf[0] ? buf : "none");
	} else {
		printf("vhost-net: %s (%s)\n",
		       vhost_state_name(d->vhost.state),
		       cli_safe(d->vhost.reason));
	}
	printf("features:");
	a = json_object_object_get(o, "features");
	for (size_t i = 0; i < json_object_array_length(a); i++)
		printf(" %s", cli_safe(json_object_get_string(
			json_object_array_get_idx(a, i))));
	printf("\n");
	json_object_put(o);
}

static int cmd_probe(const struct cli *c)
{
	char err[512], buf[LEVEL_BUF];
	struct timespec t0, t1;
	struct tp_dump d;
	json_object *o;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (tp_probe(&d, err, sizeof(err))) {
		fprintf(stderr, "tunpin: probe: %s\n", err);
		return TP_EXIT_ERR;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!c->output && !is_json_context()) {
		print_probe(&d, (t1.tv_sec - t0.tv_sec) * 1e3 +
			    (t1.tv_nsec - t0.tv_nsec) / 1e6);
		return TP_EXIT_OK;
	}
	o = dump_to_json(&d);
	if (!c->output) {	/* a write error is said at exit */
		print_json(NULL, o);
		return TP_EXIT_OK;
	}
	if (json_write_file(c->output, o, c->opts & OPT_PRETTY)) {
		fprintf(stderr, "tunpin: %s: %s\n", c->output ? c->output :
			"stdout", strerror(errno));
		json_object_put(o);
		return TP_EXIT_ERR;
	}
	json_object_put(o);
	if (c->output) {
		caps_print(d.caps, " ", buf, sizeof(buf));
		fprintf(stderr, "tunpin: %s: %s (kernel %s): %s%s%s\n",
			cli_safe(c->output), cli_safe(d.host),
			cli_safe(d.kernel), buf[0] ? buf : "none",
			d.vhost.state == TP_VHOST_PROBED ? "" : "; vhost-net ",
			d.vhost.state == TP_VHOST_PROBED ? "" :
			vhost_state_name(d.vhost.state));
	}
	return TP_EXIT_OK;
}

static int cmd_pin_native(struct tp_nl *h, const struct cli *c)
{
	char err[512], buf[LEVEL_BUF];
	struct tp_level l;
	struct tp_dump d;
	int ret;

	if (tp_probe(&d, err, sizeof(err))) {
		fprintf(stderr, "tunpin: probe: %s\n", err);
		return TP_EXIT_ERR;
	}
	if (d.vhost.state == TP_VHOST_UNKNOWN) {
		/* pinning would hide every vhost-net feature: fail closed */
		fprintf(stderr, "tunpin: the native vhost-net features are "
			"unknown (%s): not pinned\n", d.vhost.reason);
		return TP_EXIT_ERR;
	}
	if (d.unknown) {
		offload_unknown_print(d.unknown, " ", buf, sizeof(buf));
		fprintf(stderr, "tunpin: warning: this kernel also offers %s, "
			"which tunpin cannot pin\n", buf);
	}
	if (d.vhost.state == TP_VHOST_PROBED &&
	    (d.vhost.unknown[0] | d.vhost.unknown[1])) {
		vhost_unknown_print(d.vhost.unknown, " ", buf, sizeof(buf));
		fprintf(stderr, "tunpin: warning: its vhost-net also offers "
			"%s, which tunpin cannot pin\n", buf);
	}
	memset(&l, 0, sizeof(l));
	l.caps = d.caps;
	l.pinned = true;
	if (c->name)	/* its length was checked before */
		snprintf(l.name, sizeof(l.name), "%s", c->name);
	else
		native_level_name(d.kernel, l.name, sizeof(l.name));
	ret = cmd_set(h, c, &l);
	if (ret == TP_EXIT_OK)
		printf("level: %s\nname: %s\n", bits_str(l.caps, buf),
		       cli_safe(l.name));
	return ret;
}

/* The exit status of a write error on stdout: 1, or diff's 2. */
static int stdout_trouble = TP_EXIT_ERR;
static bool stdout_checked;	/* close_stdout() registered */

/*
 * At exit: what was printed must have reached stdout. A full disk or a
 * closed pipe is an error, said on stderr, whatever the command returned.
 */
static void close_stdout(void)
{
	int bad = stdout_flush();

	if (!bad)
		return;
	fprintf(stderr, "tunpin: stdout: %s\n", strerror(bad));
	_exit(stdout_trouble);
}

/*
 * The handlers of the command table, all alike: @h is NULL for a command
 * that needs no module, @l the LEVEL of set and override add.
 */
static int run_help(struct tp_nl *h, const struct cli *c,
		    const struct tp_level *l)
{
	(void)h, (void)l;
	if (c->topic)
		cli_help(stdout, c->topic, c->topic_sub);
	else
		cli_usage(stdout);
	return TP_EXIT_OK;
}

static int run_complete(struct tp_nl *h, const struct cli *c,
			const struct tp_level *l)
{
	(void)h, (void)l;
	cli_complete(stdout, c->argc, c->argv);
	return TP_EXIT_OK;
}

#define LOCAL(fn)							\
static int run_##fn(struct tp_nl *h, const struct cli *c,		\
		    const struct tp_level *l)				\
{									\
	(void)h, (void)l;						\
	return cmd_##fn(c);						\
}
LOCAL(known)
LOCAL(probe)
LOCAL(levels)
LOCAL(merge)
LOCAL(compare)
LOCAL(diff)
LOCAL(metrics)

#define MODULE(fn)							\
static int run_##fn(struct tp_nl *h, const struct cli *c,		\
		    const struct tp_level *l)				\
{									\
	(void)l;							\
	return cmd_##fn(h, c);						\
}
MODULE(level)
MODULE(override_list)
MODULE(counters)
MODULE(taps)
MODULE(monitor)
MODULE(pin_native)
MODULE(show)
MODULE(save)
MODULE(apply)

static int run_set(struct tp_nl *h, const struct cli *c,
		   const struct tp_level *l)
{
	/* Never pin above what this host offers: nothing is sent. */
	int ret = set_check_host(l->pinned ? l->caps : 0, level_label(l));

	if (ret)
		return ret;
	return c->opts & OPT_DRY_RUN ? cmd_set_dry_run(h, c, l) :
				       cmd_set(h, c, l);
}

static int run_precheck(struct tp_nl *h, const struct cli *c,
			const struct tp_level *l)
{
	return cmd_precheck(h, c, l);
}

static int run_override_add(struct tp_nl *h, const struct cli *c,
			    const struct tp_level *l)
{
	return cmd_override_add(h, l, c->argv[0]);
}

static int run_override_del(struct tp_nl *h, const struct cli *c,
			    const struct tp_level *l)
{
	(void)l;
	return cmd_override_del(h, c->argv[0]);
}

#define J	(OPT_JSON | OPT_PRETTY)

/*
 * Every command: tunpin -h, tunpin help [COMMAND], COMMAND --help and the
 * completion (tunpin __complete) are made from this table, in its order.
 */
const struct cli_command cli_commands[] = {
	{ .word = "probe", .cmd = CLI_PROBE, .args = "",
	  .opts = J | OPT_OUTPUT, .run = run_probe,
	  .summary = "what this kernel natively offers",
	  .help = "Find this kernel's native capabilities the way hypervisors do:\n"
		  "TUNSETOFFLOAD on a throw-away TAP, the features of\n"
		  "/dev/vhost-net. The dump goes to FILE with -o. Works without\n"
		  "the module; on a pinned host the probe is exempted (root only).\n" },
	{ .word = "merge", .cmd = CLI_MERGE, .args = "DUMP...", .max = -1,
	  .opts = J | OPT_OUTPUT | OPT_NAME | OPT_VERBOSE | OPT_REPLACE |
		  OPT_DROP, .run = run_merge,
	  .summary = "the pool level: what all offer",
	  .help = "The pool level: what every DUMP offers (a level file's hosts come\n"
		  "back with their own sets). Says which host lacks what, which have\n"
		  "more and what the pool would gain without each; past 16 hosts in\n"
		  "groups of one set and kernel (-v: every host). Named --name\n"
		  "(default: merged); -o writes it to FILE. --replace: a host given\n"
		  "twice from its last dump; --drop HOST: without HOST.\n" },
	{ .word = "compare", .cmd = CLI_COMPARE, .args = "LEVEL [DUMP|--host]",
	  .min = 1, .max = 2, .opts = J | OPT_HOST, .run = run_compare,
	  .summary = "may a host join: exit 0, or 3",
	  .help = "Compare a host (DUMP, or this host probed now with --host) with\n"
		  "LEVEL: identical or superset (exit 0), or incompatible (exit 3),\n"
		  "with what it lacks; unknown bits and feature flags that differ\n"
		  "are said too.\n" },
	{ .word = "diff", .cmd = CLI_DIFF, .args = "OLD NEW", .min = 2,
	  .max = 2, .opts = J, .run = run_diff,
	  .summary = "what changes from OLD to NEW",
	  .help = "What changes between two dumps or levels, e.g. before and after a\n"
		  "kernel upgrade: capabilities, unknown bits and TUNGETFEATURES\n"
		  "flags added or removed. Exits like diff(1): 0 the same, 1\n"
		  "different, 2 trouble.\n" },
	{ .word = "levels", .cmd = CLI_LEVELS, .args = "", .opts = J,
	  .run = run_levels,
	  .summary = "the catalog of upstream levels",
	  .help = "The catalog of named, immutable upstream levels (linux-6.1, ...);\n"
		  "latest is an alias, resolved to a concrete name.\n" },
	{ .word = "set", .cmd = CLI_SET, .args = "LEVEL...", .min = 1,
	  .max = -1, .opts = OPT_NAME | OPT_FORCE | OPT_DRY_RUN, .level_arg = 1,
	  .module = true, .run = run_set,
	  .summary = "pin this host to a level",
	  .help = "Pin this host to LEVEL. A level above this host is refused\n"
		  "(exit 3) and nothing is sent. The module refuses to take away\n"
		  "what open TAP files were granted, unless --force. The label is\n"
		  "the level's name, or --name. --dry-run: say whether it would be\n"
		  "admitted and which files and VMs would block it (exit 3), and\n"
		  "change nothing.\n" },
	{ .word = "pin-native", .cmd = CLI_PIN_NATIVE, .args = "",
	  .opts = OPT_NAME | OPT_FORCE, .module = true, .run = run_pin_native,
	  .summary = "pin this host to what it offers",
	  .help = "Probe this host and pin it to exactly what it offers now: the\n"
		  "freeze before a kernel upgrade. The label is native-RELEASE, or\n"
		  "--name.\n" },
	{ .word = "level", .cmd = CLI_LEVEL, .args = "", .opts = J,
	  .module = true, .run = run_level,
	  .summary = "the host level",
	  .help = "The host level and its label.\n" },
	{ .word = "show", .cmd = CLI_SHOW, .args = "", .opts = J,
	  .module = true, .run = run_show,
	  .summary = "level, overrides, TAPs, counters",
	  .help = "Everything at once: the level, the overrides, the TAP files and\n"
		  "what each was granted, the refusal counters, the probe points,\n"
		  "and a canary: on a fresh TAP, a capability outside the level\n"
		  "must be refused and one inside accepted (root). Exits 1 if a\n"
		  "probe point is not armed or enforcement is not working.\n" },
	{ .word = "status", .cmd = CLI_SHOW, .args = "", .opts = J,
	  .module = true, .run = run_show,
	  .summary = "the same as show",
	  .help = "The same as tunpin show.\n" },
	{ .word = "override", .sub = "list", .sub_optional = true,
	  .cmd = CLI_OVERRIDE_LIST, .args = "", .opts = J, .module = true,
	  .run = run_override_list,
	  .summary = "the per-cgroup levels",
	  .help = "The per-cgroup overrides: each cgroup and its level.\n" },
	{ .word = "override", .sub = "add", .cmd = CLI_OVERRIDE_ADD,
	  .args = "CGROUP LEVEL...", .min = 2, .max = -1, .opts = OPT_NAME,
	  .level_arg = 2, .module = true, .run = run_override_add,
	  .summary = "a level for a cgroup's tasks",
	  .help = "Give the tasks of the cgroup v2 subtree CGROUP their own level\n"
		  "instead of the host level; the deepest override wins. unpinned:\n"
		  "the native set, for a VM that never migrates.\n" },
	{ .word = "override", .sub = "del", .cmd = CLI_OVERRIDE_DEL,
	  .args = "CGROUP", .min = 1, .max = 1, .module = true,
	  .run = run_override_del,
	  .summary = "remove a cgroup's override",
	  .help = "Remove the override of CGROUP.\n" },
	{ .word = "counters", .cmd = CLI_COUNTERS, .args = "", .opts = J,
	  .module = true, .run = run_counters,
	  .summary = "requests and refusals",
	  .help = "Requests and refusals per capability, and refused ioctls.\n" },
	{ .word = "taps", .cmd = CLI_TAPS, .args = "", .opts = J,
	  .module = true, .run = run_taps,
	  .summary = "the TAP files tunpin saw",
	  .help = "The open TAP and /dev/vhost-net files the module tracks: process,\n"
		  "last accepted and granted capabilities, exemption, override,\n"
		  "and the process's TAP interfaces, cgroup and VM. Root only.\n" },
	{ .word = "metrics", .cmd = CLI_METRICS, .args = "",
	  .opts = OPT_OUTPUT, .run = run_metrics,
	  .summary = "the state for Prometheus",
	  .help = "The level, the refusal counters, the open TAP and vhost-net files\n"
		  "and the probe points in the Prometheus text format, for\n"
		  "node_exporter's textfile collector; -o writes FILE atomically.\n"
		  "Without the module: tunpin_module_loaded 0 alone, exit 0. The\n"
		  "open files are read as root only.\n" },
	{ .word = "precheck", .cmd = CLI_PRECHECK, .args = "VM LEVEL...",
	  .min = 2, .max = -1, .opts = J, .level_arg = 2, .module = true,
	  .run = run_precheck, .check = precheck_check,
	  .summary = "may VM migrate to LEVEL: exit 0, or 3",
	  .help = "Before a migration: what the TAP and vhost-net files of VM were\n"
		  "granted, against the target host's LEVEL (its dump, or the\n"
		  "level): ok (exit 0), or what the target lacks (exit 3). VM is a\n"
		  "libvirt domain (or systemd unit), a cgroup (/...) or a pid.\n"
		  "Exit 1 if the module tracks no file of VM. Root only.\n" },
	{ .word = "monitor", .cmd = CLI_MONITOR, .args = "", .opts = OPT_JSON,
	  .module = true, .run = run_monitor,
	  .summary = "print events until killed",
	  .help = "Print level changes and refusals as they happen, until\n"
		  "interrupted. Root only.\n" },
	{ .word = "save", .cmd = CLI_SAVE, .args = "", .opts = OPT_ROOT,
	  .module = true, .run = run_save,
	  .summary = "keep the level for the next boot",
	  .help = "Write the level in force and the overrides to\n"
		  "/etc/tunpin/state.json, and the level to\n"
		  "/etc/modprobe.d/tunpin.conf (under DIR with --root).\n" },
	{ .word = "apply", .cmd = CLI_APPLY, .args = "",
	  .opts = OPT_ROOT | OPT_FORCE, .module = true, .run = run_apply,
	  .summary = "set the saved level (at boot)",
	  .help = "Check that this host can provide the saved level (exit 3 if\n"
		  "not), set it with its label and restore the overrides.\n"
		  "tunpin.service runs it at boot.\n" },
	{ .word = "known", .cmd = CLI_KNOWN, .args = "", .opts = J,
	  .run = run_known,
	  .summary = "the capabilities tunpin knows",
	  .help = "The capabilities tunpin knows, with their bits.\n" },
	{ .word = "help", .cmd = CLI_HELP, .args = "[COMMAND]", .max = 2,
	  .run = run_help,
	  .summary = "this help, or COMMAND's",
	  .help = "The usage message, or the help of COMMAND (as COMMAND --help).\n" },
	{ .word = "__complete", .cmd = CLI_COMPLETE, .args = "", .max = -1,
	  .hidden = true, .run = run_complete,
	  .summary = "", .help = "" },
};

const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

int tunpin_main(int argc, char **argv)
{
	const struct cli_command *d;
	struct tp_level level, *l = NULL;
	struct tp_nl *h;
	struct cli c;
	int ret;

	if (argc < 2) {
		cli_usage(stderr);
		return TP_EXIT_USAGE;
	}
	/* Usage errors first, before anything is opened or sent. */
	if (cli_parse(argc, argv, &c) < 0) {
		fprintf(stderr, "tunpin: %s (tunpin -h for help)\n", c.err);
		return TP_EXIT_USAGE;
	}
	/* diff exits like diff(1): 1 is "different", trouble is 2 */
	stdout_trouble = c.cmd == CLI_DIFF ? TP_EXIT_TROUBLE : TP_EXIT_ERR;
	if (!stdout_checked) {
		atexit(close_stdout);
		stdout_checked = true;
	}
	out_setup(c.opts & OPT_JSON, c.opts & OPT_PRETTY);
	if (c.cmd == CLI_VERSION) {
		printf("tunpin %s\n", TUNPIN_VERSION);
		return TP_EXIT_OK;
	}
	d = c.def;
	if (d->level_arg) {
		ret = level_args(&c, c.argc - (d->level_arg - 1),
				 c.argv + d->level_arg - 1, &level);
		if (ret)
			return ret;
		l = &level;
	}
	if (!d->module)
		return d->run(NULL, &c, l);
	if (c.name && strlen(c.name) >= sizeof(level.name)) {
		fprintf(stderr, "tunpin: name too long\n");
		return TP_EXIT_USAGE;
	}

	h = tp_nl_open();
	if (!h && errno == ENOENT) {
		fprintf(stderr, "tunpin: module not loaded (no \"%s\" generic netlink family)\n",
			TUNPIN_GENL_NAME);
		return TP_EXIT_NOMOD;
	}
	if (!h) {
		fprintf(stderr, "tunpin: netlink: %s\n", strerror(errno));
		return TP_EXIT_ERR;
	}
	ret = d->run(h, &c, l);
	tp_nl_close(h);
	return ret;
}
