// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): show (status), save and apply.
 *
 * show puts everything an operator needs on one screen, in the spirit of
 * ethtool -k: each capability on or off, and why it is off ([pinned]: this
 * kernel has it, the level hides it; [not in this kernel]). save and apply
 * persist the level and the overrides (state.c) and put them back at boot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "canary.h"
#include "caps.h"
#include "cli.h"
#include "dump.h"
#include "exit.h"
#include "out.h"
#include "pool.h"
#include "poolcmd.h"
#include "probe.h"
#include "state.h"
#include "statecmd.h"
#include "vminfo.h"

#define LEVEL_BUF 1024

static const char *level_text(const struct tp_level *l, char *buf)
{
	level_print(l->caps, l->pinned, " ", buf, LEVEL_BUF);
	return buf;
}

static int kernel_error(struct tp_nl *h, int err, const char *what)
{
	const char *msg = tp_nl_extack(h);

	fprintf(stderr, "tunpin: %s: %s%s%s\n", what, strerror(-err),
		*msg ? ": " : "", msg);
	return TP_EXIT_ERR;
}

/* A level as data, in the object open. */
static void json_level(const struct tp_level *l)
{
	print_bool(PRINT_JSON, "pinned", NULL, l->pinned);
	print_caps(PRINT_JSON, "capabilities", NULL, l->pinned ? l->caps : 0);
	print_string(PRINT_JSON, "name", NULL, l->name);
}

static int show_override(const struct tp_override *ov, void *arg)
{
	char buf[LEVEL_BUF];

	(void)arg;
	open_json_object(NULL);
	json_level(&ov->level);
	print_string(PRINT_ANY, "cgroup", "\t%s: ", ov->cgroup);
	print_fp("%s%s%s%s\n", level_text(&ov->level, buf),
		 ov->level.name[0] ? " [" : "", cli_safe(ov->level.name),
		 ov->level.name[0] ? "]" : "");
	close_json_object();
	return 0;
}

/* Known capabilities (the JSON drops unknown bits), or "nothing". */
static const char *caps_or_nothing(uint32_t bits, char *buf)
{
	caps_print(bits, " ", buf, LEVEL_BUF);
	return *buf ? buf : "nothing";
}

static int show_tap(const struct tp_tap *t, void *arg)
{
	char buf[LEVEL_BUF], ifs[256];

	(void)arg;
	vm_ifnames("", t->pid, ifs, sizeof(ifs));
	open_json_object(NULL);
	print_json("interfaces", vm_ifnames_json(ifs));
	print_uint(PRINT_JSON, "pid", NULL, t->pid);
	print_string(PRINT_ANY, "comm", "\t%s", t->comm);
	print_uint(PRINT_FP, NULL, "[%llu]", t->pid);
	print_string(PRINT_FP, NULL, *ifs ? " holding %s" : "%s", ifs);
	print_json("active", caps_json(t->active));
	print_json("granted", caps_json(t->offered));
	print_fp(": granted %s", caps_or_nothing(t->offered, buf));
	print_fp("; active %s", caps_or_nothing(t->active, buf));
	print_bool(PRINT_JSON, "exempt", NULL, t->exempt);
	print_bool(PRINT_JSON, "override", NULL, t->override);
	print_fp("%s%s\n", t->exempt ? " [exempt]" : "",
		 t->override ? " [override]" : "");
	close_json_object();
	return 0;
}

/* Why a capability is off, or NULL if it is on. */
static const char *cap_off(uint32_t bit, const struct tp_level *l,
			   const struct tp_dump *native)
{
	if (native && !(native->caps & bit))
		return "not in this kernel";
	if (l->pinned && !(l->caps & bit))
		return "pinned";
	return NULL;
}

/*
 * The module's probe points (/sys/kernel/tunpin/probes), "probes" in the
 * object open; the number of points not armed, or -1 if the file is
 * missing (JSON null).
 */
static int show_probes(void)
{
	FILE *f = fopen("/sys/kernel/tunpin/probes", "re");
	char line[256], sym[128], kind[16], state[16];
	int bad = 0;

	if (!f) {
		print_null(PRINT_JSON, "probes", NULL);
		return -1;
	}
	print_fp("probes:\n");
	open_json_array("probes");
	while (fgets(line, sizeof(line), f)) {
		long missed = 0;
		int n = sscanf(line, "%127s %15s %15s missed %ld", sym, kind,
			       state, &missed);

		if (n < 3)
			continue;
		bad += strcmp(state, "armed") != 0;
		open_json_object(NULL);
		print_string(PRINT_ANY, "symbol", "\t%s", sym);
		print_string(PRINT_ANY, "kind", " %s", kind);
		print_string(PRINT_ANY, "state", ": %s", state);
		if (n == 4)
			print_int(PRINT_ANY, "missed", ", %lld returns missed",
				  missed);
		else
			print_null(PRINT_JSON, "missed", NULL);
		print_fp("\n");
		close_json_object();
	}
	close_json_array();
	fclose(f);
	return bad;
}

/* The TAP files, gathered: the JSON says null if they cannot all be. */
struct taps {
	struct tp_tap *t;
	size_t n, size;
};

static int collect_tap(const struct tp_tap *t, void *arg)
{
	struct taps *ts = arg;

	if (ts->n == ts->size) {
		size_t size = ts->size ? 2 * ts->size : 64;
		struct tp_tap *p = realloc(ts->t, size * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ts->t = p;
		ts->size = size;
	}
	ts->t[ts->n++] = *t;
	return 0;
}

static int collect_override(const struct tp_override *ov, void *arg);

int cmd_show(struct tp_nl *h, const struct cli *c)
{
	struct tp_counters cnt;
	struct tp_dump native, *nat = &native;
	char buf[LEVEL_BUF], why[256];
	struct tp_state ovs = { 0 };
	struct taps taps = { 0 };
	struct canary canary;
	struct tp_level l;
	int err, unarmed;

	(void)c;
	err = tp_nl_level_get(h, &l);
	if (err)
		return kernel_error(h, err, "level");
	err = tp_nl_counters(h, &cnt);
	if (err)
		return kernel_error(h, err, "counters");
	/*
	 * Not root on a pinned host: say so below. Nor while kprobes are
	 * disarmed globally: the probe's TAP is exempted through /dev/tunpin,
	 * and tunpin would not see it closed, so its entry (and a module
	 * reference) would outlive it.
	 */
	if (canary_kprobes_state() == 0) {
		snprintf(why, sizeof(why), "kprobes are disabled globally");
		nat = NULL;
	} else if (tp_probe(&native, why, sizeof(why))) {
		nat = NULL;
	}
	canary_run(h, &l, nat ? nat->caps : 0, nat, &canary);

	if (!l.pinned)
		print_fp("WARNING: unpinned: guests are offered whatever this kernel offers,\n"
			 "WARNING: and the next kernel upgrade changes their ABI (tunpin pin-native)\n");
	open_json_object(NULL);
	open_json_object("level");
	json_level(&l);
	close_json_object();
	print_fp("level: %s%s%s%s\n", level_text(&l, buf),
		 l.name[0] ? " [" : "", cli_safe(l.name), l.name[0] ? "]" : "");
	if (nat) {
		print_json("native", caps_json(nat->caps));
		print_fp("native: %s (kernel %s)\n",
			 level_text(&(struct tp_level){ .caps = nat->caps,
							.pinned = true }, buf),
			 cli_safe(nat->kernel));
	} else {
		print_null(PRINT_JSON, "native", NULL);
		print_fp("native: unknown (%s)\n", why);
	}
	if (l.pinned)
		print_null(PRINT_JSON, "warning", NULL);
	else
		print_string(PRINT_JSON, "warning", NULL, "unpinned");
	print_fp("capabilities:\n");
	open_json_array("capabilities");
	for (int i = 0; i < NCAPS; i++) {
		const char *off = cap_off(caps[i].bit, &l, nat);

		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "\t%s: ", caps[i].name);
		print_bool(PRINT_JSON, "on", NULL, !off);
		print_fp("%s", off ? "off" : "on");
		if (off)
			print_string(PRINT_ANY, "reason", " [%s]", off);
		else
			print_null(PRINT_JSON, "reason", NULL);
		print_fp("\n");
		close_json_object();
	}
	close_json_array();

	print_fp("overrides:\n");
	ovs.overrides = calloc(TP_STATE_OVERRIDES, sizeof(*ovs.overrides));
	err = ovs.overrides ? tp_nl_overrides(h, collect_override, &ovs) :
			      -ENOMEM;
	if (err && err != -EPERM) {
		state_free(&ovs);
		out_discard();
		return kernel_error(h, err, "overrides");
	}
	if (err) {	/* the rest is for anyone: the canary says so */
		print_null(PRINT_JSON, "overrides", NULL);
		print_fp("\t(root only: they name VMs)\n");
	} else {
		open_json_array("overrides");
		for (int i = 0; i < ovs.noverrides; i++)
			show_override(&ovs.overrides[i], NULL);
		close_json_array();
	}
	state_free(&ovs);
	print_fp("taps:\n");
	err = tp_nl_taps(h, collect_tap, &taps);
	if (err) {
		print_null(PRINT_JSON, "taps", NULL);
	} else {
		open_json_array("taps");
		for (size_t i = 0; i < taps.n; i++)
			show_tap(&taps.t[i], NULL);
		close_json_array();
	}
	free(taps.t);
	if (err == -EPERM) {
		print_fp("\t(root only: they name the processes of every user)\n");
	} else if (err && !is_json_context()) {
		out_discard();
		return kernel_error(h, err, "taps");
	}

	print_fp("refused:\n");
	open_json_object("refused");
	for (int i = 0; i < cnt.n; i++) {
		if (cnt.c[i].cap && !caps_print(cnt.c[i].cap, " ", buf,
						sizeof(buf)))
			buf[0] = '\0';
		print_uint(PRINT_JSON, cnt.c[i].cap ? buf : "unknown", NULL,
			   cnt.c[i].refused);
		print_fp("\t%s: %llu\n", cnt.c[i].cap ? buf : "unknown bits",
			 (unsigned long long)cnt.c[i].refused);
	}
	print_uint(PRINT_ANY, "ioctls", "\tunknown ioctls: %llu\n",
		   cnt.refused_ioctls);
	close_json_object();
	unarmed = show_probes();
	if (is_json_context())
		print_json("enforcement", canary_json(&canary));
	else
		canary_print(&canary);
	close_json_object();
	if (unarmed > 0) {
		if (!is_json_context())
			fprintf(stderr, "tunpin: %d probe point%s not armed: the level is not enforced there\n",
				unarmed, unarmed == 1 ? " is" : "s are");
		return TP_EXIT_ERR;
	}
	return canary_failed(&canary) ? TP_EXIT_ERR : TP_EXIT_OK;
}

static int collect_override(const struct tp_override *ov, void *arg)
{
	struct tp_state *st = arg;

	if (st->noverrides >= TP_STATE_OVERRIDES)
		return -ENOSPC;
	st->overrides[st->noverrides++] = *ov;
	return 0;
}

int cmd_save(struct tp_nl *h, const struct cli *c)
{
	const char *root = c->root ? c->root : "";
	struct tp_state st = { 0 };
	char err[512], buf[LEVEL_BUF];
	int ret;

	ret = tp_nl_level_get(h, &st.level);
	if (ret)
		return kernel_error(h, ret, "level");
	st.overrides = calloc(TP_STATE_OVERRIDES, sizeof(*st.overrides));
	if (!st.overrides) {
		perror("tunpin");
		return TP_EXIT_ERR;
	}
	ret = tp_nl_overrides(h, collect_override, &st);
	if (ret) {
		state_free(&st);
		return kernel_error(h, ret, "overrides");
	}
	ret = state_write(root, &st, err, sizeof(err));
	if (ret)
		fprintf(stderr, "tunpin: %s\n", err);
	else
		printf("saved level %s and %d override%s to %s%s; pinned at load by %s%s\n",
		       level_text(&st.level, buf), st.noverrides,
		       st.noverrides == 1 ? "" : "s", cli_safe(root),
		       TP_STATE_FILE, cli_safe(root), TP_MODPROBE_FILE);
	state_free(&st);
	return ret ? TP_EXIT_ERR : TP_EXIT_OK;
}

int cmd_apply(struct tp_nl *h, const struct cli *c)
{
	const char *root = c->root ? c->root : "";
	char err[512], buf[LEVEL_BUF];
	struct tp_state st;
	int ret, missing = 0;

	if (state_read(root, &st, err, sizeof(err))) {
		fprintf(stderr, "tunpin: %s\n", err);
		return TP_EXIT_USAGE;
	}
	/* A downgraded host below its saved level must not start VMs. */
	ret = set_check_host(st.level.pinned ? st.level.caps : 0,
			     st.level.name[0] ? st.level.name :
			     level_text(&st.level, buf));
	if (ret) {
		fprintf(stderr, "tunpin: the saved level was not applied: VMs started here would not match the pool\n");
		state_free(&st);
		return ret;
	}
	ret = tp_nl_level_set(h, &st.level, c->opts & OPT_FORCE);
	if (ret) {
		kernel_error(h, ret, "level");
		state_free(&st);
		return TP_EXIT_ERR;
	}
	for (int i = 0; i < st.noverrides; i++) {
		const struct tp_override *ov = &st.overrides[i];

		ret = tp_nl_override_add(h, ov->cgroup, &ov->level);
		if (ret == -EEXIST) {	/* replace it with the saved one */
			ret = tp_nl_override_del(h, ov->cgroup);
			if (!ret)
				ret = tp_nl_override_add(h, ov->cgroup,
							 &ov->level);
		}
		if (ret == -ENOENT) {
			fprintf(stderr, "tunpin: warning: cgroup %s does not exist (yet): its override is not restored\n",
				ov->cgroup);
			missing++;
		} else if (ret) {
			kernel_error(h, ret, ov->cgroup);
			state_free(&st);
			return TP_EXIT_ERR;
		}
	}
	printf("applied level %s%s%s%s and %d of %d override%s\n",
	       level_text(&st.level, buf), st.level.name[0] ? " [" : "",
	       cli_safe(st.level.name), st.level.name[0] ? "]" : "",
	       st.noverrides - missing, st.noverrides,
	       st.noverrides == 1 ? "" : "s");
	state_free(&st);
	return TP_EXIT_OK;
}
