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
#include "pool.h"
#include "poolcmd.h"
#include "probe.h"
#include "state.h"
#include "statecmd.h"
#include "vminfo.h"

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

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
	return EXIT_ERR;
}

static json_object *json_level(const struct tp_level *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pinned", json_object_new_boolean(l->pinned));
	json_object_object_add(o, "capabilities",
			       caps_json(l->pinned ? l->caps : 0));
	json_object_object_add(o, "name", json_object_new_string(l->name));
	return o;
}

struct show {
	json_object *json;	/* -j: the document being built */
	json_object *list;	/* the array being filled */
};

static int show_override(const struct tp_override *ov, void *arg)
{
	struct show *s = arg;
	char buf[LEVEL_BUF];

	if (s->json) {
		json_object *o = json_level(&ov->level);

		json_object_object_add(o, "cgroup",
				       json_object_new_string(ov->cgroup));
		json_object_array_add(s->list, o);
		return 0;
	}
	printf("\t%s: %s%s%s%s\n", cli_safe(ov->cgroup),
	       level_text(&ov->level, buf),
	       ov->level.name[0] ? " [" : "", cli_safe(ov->level.name),
	       ov->level.name[0] ? "]" : "");
	return 0;
}

static int show_tap(const struct tp_tap *t, void *arg)
{
	struct show *s = arg;
	char granted[LEVEL_BUF], active[LEVEL_BUF], ifs[256];

	vm_ifnames("", t->pid, ifs, sizeof(ifs));
	if (s->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "interfaces", vm_ifnames_json(ifs));

		json_object_object_add(o, "pid", json_object_new_int64(t->pid));
		json_object_object_add(o, "comm",
				       json_object_new_string(t->comm));
		json_object_object_add(o, "active", caps_json(t->active));
		json_object_object_add(o, "granted", caps_json(t->offered));
		json_object_object_add(o, "exempt",
				       json_object_new_boolean(t->exempt));
		json_object_object_add(o, "override",
				       json_object_new_boolean(t->override));
		json_object_array_add(s->list, o);
		return 0;
	}
	caps_print(t->offered, " ", granted, sizeof(granted));
	caps_print(t->active, " ", active, sizeof(active));
	printf("\t%s[%u]%s%s: granted %s; active %s%s%s\n",
	       cli_safe(t->comm), t->pid,
	       *ifs ? " holding " : "", ifs,
	       *granted ? granted : "nothing", *active ? active : "nothing",
	       t->exempt ? " [exempt]" : "", t->override ? " [override]" : "");
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
 * The module's probe points (/sys/kernel/tunpin/probes), into @a (JSON) or
 * printed; the number of points not armed, or -1 if the file is missing.
 */
static int show_probes(json_object *a)
{
	FILE *f = fopen("/sys/kernel/tunpin/probes", "re");
	char line[256], sym[128], kind[16], state[16];
	int bad = 0;

	if (!f)
		return -1;
	if (!a)
		printf("probes:\n");
	while (fgets(line, sizeof(line), f)) {
		long missed = 0;
		int n = sscanf(line, "%127s %15s %15s missed %ld", sym, kind,
			       state, &missed);

		if (n < 3)
			continue;
		bad += strcmp(state, "armed") != 0;
		if (a) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "symbol",
					       json_object_new_string(sym));
			json_object_object_add(o, "kind",
					       json_object_new_string(kind));
			json_object_object_add(o, "state",
					       json_object_new_string(state));
			json_object_object_add(o, "missed", n == 4 ?
				json_object_new_int64(missed) : NULL);
			json_object_array_add(a, o);
		} else {
			printf("\t%s %s: %s", cli_safe(sym), kind, state);
			if (n == 4)
				printf(", %ld returns missed", missed);
			printf("\n");
		}
	}
	fclose(f);
	return bad;
}

int cmd_show(struct tp_nl *h, const struct cli *c)
{
	bool json = c->opts & (OPT_JSON | OPT_PRETTY);
	struct show s = { 0 };
	struct tp_counters cnt;
	struct tp_dump native, *nat = &native;
	char buf[LEVEL_BUF], why[256];
	struct canary canary;
	json_object *a;
	struct tp_level l;
	int err, unarmed;

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

	if (json) {
		s.json = json_object_new_object();
		json_object_object_add(s.json, "level", json_level(&l));
		json_object_object_add(s.json, "native", nat ?
				       caps_json(nat->caps) : NULL);
		json_object_object_add(s.json, "warning", l.pinned ? NULL :
			json_object_new_string("unpinned"));
		a = json_object_new_array();
		for (int i = 0; i < NCAPS; i++) {
			json_object *o = json_object_new_object();
			const char *off = cap_off(caps[i].bit, &l, nat);

			json_object_object_add(o, "name",
				json_object_new_string(caps[i].name));
			json_object_object_add(o, "on",
				json_object_new_boolean(!off));
			json_object_object_add(o, "reason",
				off ? json_object_new_string(off) : NULL);
			json_object_array_add(a, o);
		}
		json_object_object_add(s.json, "capabilities", a);
	} else {
		if (!l.pinned)
			printf("WARNING: unpinned: guests are offered whatever this kernel offers,\n"
			       "WARNING: and the next kernel upgrade changes their ABI (tunpin pin-native)\n");
		printf("level: %s%s%s%s\n", level_text(&l, buf),
		       l.name[0] ? " [" : "", cli_safe(l.name),
		       l.name[0] ? "]" : "");
		if (nat)
			printf("native: %s (kernel %s)\n",
			       level_text(&(struct tp_level){ .caps = nat->caps,
							      .pinned = true },
					  buf), cli_safe(nat->kernel));
		else
			printf("native: unknown (%s)\n", why);
		printf("capabilities:\n");
		for (int i = 0; i < NCAPS; i++) {
			const char *off = cap_off(caps[i].bit, &l, nat);

			printf("\t%s: %s%s%s%s\n", caps[i].name,
			       off ? "off" : "on", off ? " [" : "",
			       off ? off : "", off ? "]" : "");
		}
		printf("overrides:\n");
	}

	s.list = json_object_new_array();
	err = tp_nl_overrides(h, show_override, &s);
	if (err && err != -EPERM) {
		json_object_put(s.list);
		json_object_put(s.json);
		return kernel_error(h, err, "overrides");
	}
	if (err && !json)	/* the rest is for anyone: the canary says so */
		printf("\t(root only: they name VMs)\n");
	if (json) {
		json_object_object_add(s.json, "overrides", err ? NULL : s.list);
		if (err)
			json_object_put(s.list);
		s.list = json_object_new_array();
	} else {
		printf("taps:\n");
	}
	err = tp_nl_taps(h, show_tap, &s);
	if (json) {
		json_object_object_add(s.json, "taps", err ? NULL : s.list);
		if (err)
			json_object_put(s.list);
	} else {
		json_object_put(s.list);
		if (err == -EPERM)
			printf("\t(root only: they name the processes of every user)\n");
		else if (err)
			return kernel_error(h, err, "taps");
	}

	if (json) {
		json_object *r = json_object_new_object();

		for (int i = 0; i < cnt.n; i++)
			if (cnt.c[i].cap)
				json_object_object_add(r,
					caps_print(cnt.c[i].cap, " ", buf,
						   sizeof(buf)) ? buf : "",
					json_object_new_int64(cnt.c[i].refused));
			else
				json_object_object_add(r, "unknown",
					json_object_new_int64(cnt.c[i].refused));
		json_object_object_add(r, "ioctls",
			json_object_new_int64(cnt.refused_ioctls));
		json_object_object_add(s.json, "refused", r);
		r = json_object_new_array();
		unarmed = show_probes(r);
		json_object_object_add(s.json, "probes", unarmed < 0 ? NULL : r);
		if (unarmed < 0)
			json_object_put(r);
		json_object_object_add(s.json, "enforcement",
				       canary_json(&canary));
		puts(json_object_to_json_string_ext(s.json,
			(c->opts & OPT_PRETTY ? JSON_C_TO_STRING_PRETTY :
						JSON_C_TO_STRING_PLAIN) |
			JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(s.json);
		return unarmed > 0 || canary_failed(&canary) ? EXIT_ERR :
							       EXIT_OK;
	}
	printf("refused:\n");
	for (int i = 0; i < cnt.n; i++) {
		if (cnt.c[i].cap)
			caps_print(cnt.c[i].cap, " ", buf, sizeof(buf));
		printf("\t%s: %llu\n", cnt.c[i].cap ? buf : "unknown bits",
		       (unsigned long long)cnt.c[i].refused);
	}
	printf("\tunknown ioctls: %llu\n",
	       (unsigned long long)cnt.refused_ioctls);
	unarmed = show_probes(NULL);
	canary_print(&canary);
	if (unarmed > 0) {
		fprintf(stderr, "tunpin: %d probe point%s not armed: the level is not enforced there\n",
			unarmed, unarmed == 1 ? " is" : "s are");
		return EXIT_ERR;
	}
	return canary_failed(&canary) ? EXIT_ERR : EXIT_OK;
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
		return EXIT_ERR;
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
	return ret ? EXIT_ERR : EXIT_OK;
}

int cmd_apply(struct tp_nl *h, const struct cli *c)
{
	const char *root = c->root ? c->root : "";
	char err[512], buf[LEVEL_BUF];
	struct tp_state st;
	int ret, missing = 0;

	if (state_read(root, &st, err, sizeof(err))) {
		fprintf(stderr, "tunpin: %s\n", err);
		return EXIT_USAGE;
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
		return EXIT_ERR;
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
			return EXIT_ERR;
		}
	}
	printf("applied level %s%s%s%s and %d of %d override%s\n",
	       level_text(&st.level, buf), st.level.name[0] ? " [" : "",
	       cli_safe(st.level.name), st.level.name[0] ? "]" : "",
	       st.noverrides - missing, st.noverrides,
	       st.noverrides == 1 ? "" : "s");
	state_free(&st);
	return EXIT_OK;
}
