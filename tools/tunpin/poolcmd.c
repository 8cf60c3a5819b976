// SPDX-License-Identifier: GPL-2.0
/* tunpin(8): levels, merge, compare, diff, and set's host check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "catalog.h"
#include "cli.h"
#include "dump.h"
#include "exit.h"
#include "out.h"
#include "pool.h"
#include "poolcmd.h"
#include "probe.h"


#define DEFAULT_NAME	"merged"
#define TEXT		1024	/* any capability or feature list */

/*
 * Print @o on stdout (and drop it): 0, or TP_EXIT_ERR if it could not be
 * written (said at exit, with diff's status for diff).
 */
static int put_json(json_object *o)
{
	print_json(NULL, o);
	return stdout_flush() ? TP_EXIT_ERR : TP_EXIT_OK;
}

/* Known capabilities as names, or "none". */
static const char *caps_text(uint32_t bits, char *buf)
{
	if (!bits)
		return strcpy(buf, "none");
	caps_print(bits & TUNPIN_CAP_ALL, " ", buf, TEXT);
	return buf;
}

/* Bits outside the table, one "unknown:0x200" each, as dumps write them. */
static json_object *unknown_json(uint32_t bits)
{
	json_object *a = json_object_new_array();
	char buf[24];

	for (int b = 0; b < 32; b++)
		if (bits & (1u << b) & ~(uint32_t)TUNPIN_CAP_TAP) {
			snprintf(buf, sizeof(buf), "unknown:%#x", 1u << b);
			json_object_array_add(a, json_object_new_string(buf));
		}
	return a;
}

/* vhost-net bits outside the table, one "vhost_unknown:41" each. */
static json_object *vhost_unknown_json(const uint64_t u[VHOST_WORDS])
{
	json_object *a = json_object_new_array();
	char buf[24];

	for (int b = 0; b < 64 * VHOST_WORDS; b++)
		if (u[b / 64] & (1ull << (b % 64))) {
			snprintf(buf, sizeof(buf), "vhost_unknown:%d", b);
			json_object_array_add(a, json_object_new_string(buf));
		}
	return a;
}

/* TUNGETFEATURES names, as the dump writer names them. */
static json_object *features_json(uint32_t bits)
{
	struct tp_dump *d = calloc(1, sizeof(*d));
	json_object *o, *a = NULL;

	if (!d)
		return json_object_new_array();
	d->features = bits;
	o = dump_to_json(d);
	if (json_object_object_get_ex(o, "features", &a))
		json_object_get(a);
	json_object_put(o);
	free(d);
	return a ? a : json_object_new_array();
}

/* A JSON list of strings joined by spaces; "none" if empty. */
static const char *list_text(json_object *a, char *buf)
{
	size_t len = 0, n = json_object_array_length(a);

	strcpy(buf, n ? "" : "none");
	for (size_t i = 0; i < n && len < TEXT; i++)
		len += snprintf(buf + len, TEXT - len, "%s%s", i ? " " : "",
				json_object_get_string(
					json_object_array_get_idx(a, i)));
	json_object_put(a);
	return buf;
}

/* "host (kernel 6.1.0)" or "level NAME". */
static const char *who(const struct tp_member *m, char *buf, size_t size)
{
	if (m->is_level)
		snprintf(buf, size, "level %s",
			 cli_safe(m->name + strlen("level:")));
	else if (m->kernel[0])
		snprintf(buf, size, "%s (kernel %s)", cli_safe(m->name),
			 cli_safe(m->kernel));
	else
		snprintf(buf, size, "%s", cli_safe(m->name));
	return buf;
}

static json_object *member_json(const struct tp_member *m)
{
	json_object *o = json_object_new_object();

	if (m->is_level) {
		json_object_object_add(o, "level", json_object_new_string(
			m->name + strlen("level:")));
	} else {
		json_object_object_add(o, "host",
				       json_object_new_string(m->name));
		json_object_object_add(o, "kernel", m->kernel[0] ?
			json_object_new_string(m->kernel) : NULL);
	}
	json_object_object_add(o, "capabilities", caps_json(m->caps));
	json_object_object_add(o, "vhost", json_object_new_string(
		m->is_level && m->vhost == TP_VHOST_PROBED ? "level" :
		vhost_state_name(m->vhost)));
	return o;
}

/* What of the capability sets of @a and @b can be compared: the vhost-net
 * part only if both know theirs. */
static uint32_t comparable(const struct tp_member *a,
			   const struct tp_member *b)
{
	if (member_vhost_known(a) && member_vhost_known(b))
		return TUNPIN_CAP_ALL;
	return TUNPIN_CAP_TAP;
}

/* The line saying why the vhost-net part was not compared. */
static void vhost_note(const struct tp_member *a, const struct tp_member *b)
{
	const struct tp_member *x = member_vhost_known(a) ? b : a;

	if (comparable(a, b) == TUNPIN_CAP_ALL)
		return;
	printf("vhost-net: not compared (%s: %s)\n", cli_safe(x->name),
	       x->vhost == TP_VHOST_ABSENT ? "no /dev/vhost-net" :
	       "vhost-net features unknown");
}

int cmd_levels(const struct cli *c)
{
	char buf[TEXT];

	(void)c;
	open_json_array(NULL);
	for (size_t i = 0; i < tp_catalog_len; i++) {
		const struct tp_catalog *e = &tp_catalog[i];
		const struct tp_catalog *r = catalog_find(e->name);

		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "%s", e->name);
		if (e->alias)
			print_string(PRINT_ANY, "alias", " -> %s\n", e->alias);
		print_caps(PRINT_JSON, "capabilities", NULL, r->caps);
		print_string(PRINT_JSON, "since", NULL, r->since);
		print_string(PRINT_JSON, "note", NULL,
			     e->alias ? r->note : e->note);
		if (!e->alias)
			print_fp(" (since %s): %s\n\tnote: %s\n", e->since,
				 caps_text(e->caps, buf), e->note);
		close_json_object();
	}
	close_json_array();
	return TP_EXIT_OK;
}

/*
 * The LEVEL at @arg (one word) into @doc: TP_EXIT_OK, or TP_EXIT_USAGE
 * with the reason said. "unpinned" is no set of capabilities: nothing to merge or compare.
 */
static int load_level(char *const *arg, struct tp_doc *doc)
{
	char err[768];

	if (level_load(1, arg, doc, err, sizeof(err))) {
		fprintf(stderr, "tunpin: %s\n", err);
		return TP_EXIT_USAGE;
	}
	if (doc->unpinned) {
		fprintf(stderr, "tunpin: unpinned is no set of capabilities: "
			"merge, compare and diff need one (none is the empty "
			"set)\n");
		return TP_EXIT_USAGE;
	}
	return TP_EXIT_OK;
}

/*
 * Load each operand into members, up to @max of them: TP_EXIT_OK, or
 * TP_EXIT_USAGE with the reason said.
 */
static int load_members(const struct cli *c, struct tp_member *m, int *n,
			int max)
{
	struct tp_doc *doc = malloc(sizeof(*doc));
	int ret = TP_EXIT_OK;

	if (!doc) {
		fprintf(stderr, "tunpin: out of memory\n");
		return TP_EXIT_ERR;
	}
	*n = 0;
	for (int i = 0; i < c->argc; i++) {
		ret = load_level(&c->argv[i], doc);
		if (ret)
			break;
		if (*n >= max) {
			fprintf(stderr, "tunpin: merge: more than %d hosts\n",
				max);
			ret = TP_EXIT_USAGE;
			break;
		}
		*n += doc_members(doc, m + *n, max + 1 - *n);
	}
	free(doc);
	return ret;
}

/*
 * The merge report. Up to REPORT_HOSTS hosts (or with -v) it names every
 * host: each one's kernel, what each has more, who lacks what. Above, the
 * lists would grow with the pool (677 lines and a 36 KB "hosts:" line for
 * 1,000 dumps): the hosts are counted in groups instead, a few named, and
 * the lists capped, so the report keeps to some 30 lines of under 200
 * bytes whatever the size of the pool.
 */
#define REPORT_HOSTS	16	/* hosts named one by one, without -v */
#define REPORT_GROUPS	10	/* group lines, without -v */
#define REPORT_LIMITS	8	/* "without HOST the pool gains" lines */
#define REPORT_NAMES	3	/* names shown of a group */
#define REPORT_NAME	40	/* bytes of a name or release shown */
#define LINE		512	/* a part of a line of the report */

/* @s cut to REPORT_NAME bytes ("..." at the end), made safe. */
static const char *short_name(const char *s)
{
	char cut[REPORT_NAME + 4];

	if (strlen(s) <= REPORT_NAME)
		return cli_safe(s);
	snprintf(cut, sizeof(cut), "%.*s...", REPORT_NAME - 3, s);
	return cli_safe(cut);
}

/* "a b c ... +N": the first @max names of @g's members, separated by
 * @sep, then how many more. */
static const char *group_names(const struct tp_member *m,
			       const struct tp_group *g, int max,
			       const char *sep, char *buf, size_t size)
{
	size_t len = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < g->count && k < max && len < size; k++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					k ? sep : "",
					short_name(m[g->members[k]].name));
	if (k < g->count && len < size)
		snprintf(buf + len, size - len, "%s... +%d", sep,
			 g->count - k);
	return buf;
}

/* The newest catalog level with exactly @caps (linux-6.1, not the older
 * linux-4.15 of the same set), or NULL. */
static const char *catalog_same(uint32_t caps)
{
	const char *name = NULL;

	for (size_t i = 0; i < tp_catalog_len; i++)
		if (!tp_catalog[i].alias && tp_catalog[i].caps == caps)
			name = tp_catalog[i].name;
	return name;
}

/* "BASE + MORE - LESS", with the names of @more and @less: its length. */
static size_t plus_minus(const char *base, uint32_t more, uint32_t less,
			 char *buf, size_t size)
{
	char a[TEXT], b[TEXT];
	int n = snprintf(buf, size, "%s%s%s%s%s", base, more ? " + " : "",
			 more ? caps_text(more, a) : "", less ? " - " : "",
			 less ? caps_text(less, b) : "");

	return (size_t)n < size ? (size_t)n : size - 1;
}

/*
 * A group's set in few words: a catalog level's name, or "the level";
 * else the shortest of "level + MORE" (the pool level and more), of
 * "linux-6.3 + MORE - LESS" (against a catalog level) and of the names.
 * Without /dev/vhost-net, its TAP part and ", no /dev/vhost-net".
 */
static const char *set_text(const struct tp_group *g, uint32_t level,
			    char *buf, size_t size)
{
	const char *same = g->vhost_absent ? NULL : catalog_same(g->caps);
	uint32_t more = g->caps & ~level;
	char best[LINE], t[LINE];
	size_t blen;

	if (same) {
		snprintf(best, sizeof(best), "%s%s", same,
			 g->caps == level ? ", the level" : "");
	} else if (!more) {
		/* every host has the level (without the device: its TAP
		 * part): never "level - X" */
		snprintf(best, sizeof(best), "the level");
	} else {
		caps_text(g->caps, best);
		blen = strlen(best);
		if (plus_minus("level", more, 0, t, sizeof(t)) <= blen) {
			strcpy(best, t);
			blen = strlen(t);
		}
		for (size_t i = 0; i < tp_catalog_len && !g->vhost_absent;
		     i++) {
			const struct tp_catalog *e = &tp_catalog[i];

			if (e->alias ||
			    plus_minus(e->name, g->caps & ~e->caps,
				       e->caps & ~g->caps, t,
				       sizeof(t)) >= blen)
				continue;
			strcpy(best, t);
			blen = strlen(t);
		}
	}
	snprintf(buf, size, "%s%s", best,
		 g->vhost_absent ? ", no /dev/vhost-net" : "");
	return buf;
}

/* "  312 hosts, linux 6.12.95: level + uso4 uso6  (hv-001 ... +309)" */
static void print_group(const struct tp_member *m, const struct tp_group *g,
			uint32_t level, int width)
{
	char set[LINE], names[LINE];

	printf("  %*d host%s%s%s: %s  (%s)\n", width, g->count,
	       g->count == 1 ? "" : "s", g->kernel[0] ? ", linux " : "",
	       g->kernel[0] ? short_name(g->kernel) : "",
	       set_text(g, level, set, sizeof(set)),
	       group_names(m, g, REPORT_NAMES, " ", names, sizeof(names)));
}

/* "without hv-414 the pool gains ufo (it is linux-4.14)" */
static void print_limit(const struct tp_member *m, const struct tp_group *c)
{
	const char *same = c->vhost_absent ? NULL : catalog_same(c->caps);
	char gain[TEXT], loss[TEXT], whom[LINE], list[LINE], why[TEXT + 64];

	if (c->loss)
		snprintf(why, sizeof(why), " but loses %s (no host with "
			 "/dev/vhost-net left)", caps_text(c->loss, loss));
	else if (same)
		snprintf(why, sizeof(why), " (%s %s)",
			 c->count == 1 ? "it is" : "they are", same);
	else if (c->kernel && c->kernel[0])
		snprintf(why, sizeof(why), " (kernel %s)",
			 short_name(c->kernel));
	else
		why[0] = '\0';
	if (c->count == 1)
		snprintf(whom, sizeof(whom), "%s",
			 short_name(m[c->members[0]].name));
	else
		snprintf(whom, sizeof(whom), "the %d hosts %s", c->count,
			 group_names(m, c, REPORT_NAMES, " ", list,
				     sizeof(list)));
	printf("without %s the pool gains %s%s\n", whom,
	       caps_text(c->gain, gain), why);
}

/* Up to REPORT_HOSTS hosts (or with -v): each one named. */
static void print_hosts(const struct tp_merge *r, const struct tp_member *m,
			int n)
{
	const struct tp_leveldoc *l = &r->level;
	char buf[TEXT], w[TP_HOST_SIZE + 160];

	printf("hosts:");
	for (int i = 0; i < n; i++)
		printf("%s %s", i ? "," : "", who(&m[i], w, sizeof(w)));
	printf("\n");
	for (int i = 0; i < n; i++) {
		/* without /dev/vhost-net it has no vhost-net feature more */
		uint32_t more = m[i].caps & ~l->caps &
				~(l->vhost_absent[i] ? TUNPIN_CAP_VHOST : 0u);

		if (more)
			printf("%s has more: %s\n", cli_safe(m[i].name),
			       caps_text(more, buf));
	}
	if (r->uni & ~l->caps) {
		printf("unsupported by hosts:\n");
		for (int k = 0; k < NCAPS; k++) {
			if (!(r->uni & ~l->caps & caps[k].bit))
				continue;
			printf("  %s:", caps[k].name);
			for (int i = 0, first = 1; i < n; i++)
				if (l->missing[i] & caps[k].bit) {
					printf("%s %s", first ? "" : ",",
					       cli_safe(m[i].name));
					first = 0;
				}
			printf("\n");
		}
	}
}

/* Above REPORT_HOSTS hosts: the groups, the largest first. */
static void print_groups(const struct tp_report *rep,
			 const struct tp_member *m, int n, uint32_t level)
{
	char buf[16];
	int width, rest = 0;

	printf("hosts: %d, in %d group%s of the same capabilities and "
	       "kernel (-v: every host)\n", n, rep->ngroups,
	       rep->ngroups == 1 ? "" : "s");
	width = snprintf(buf, sizeof(buf), "%d", rep->groups[0].count);
	for (int k = 0; k < rep->ngroups; k++)
		if (k < REPORT_GROUPS)
			print_group(m, &rep->groups[k], level, width);
		else
			rest += rep->groups[k].count;
	if (rep->ngroups > REPORT_GROUPS)
		printf("  ... %d more groups, %d host%s\n",
		       rep->ngroups - REPORT_GROUPS, rest, rest == 1 ? "" : "s");
}

/* "PREFIX a, b, c": the members @pick chooses; compact: 3 and "... +N". */
static void print_some(const char *prefix, const struct tp_member *m, int n,
		       bool (*pick)(const struct tp_member *, int, const void *),
		       const void *arg, bool compact)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		if (!pick(m, i, arg))
			continue;
		if (!compact || k < REPORT_NAMES)
			printf("%s %s", k ? "," : prefix, compact ?
			       short_name(m[i].name) : cli_safe(m[i].name));
		k++;
	}
	if (compact && k > REPORT_NAMES)
		printf(", ... +%d", k - REPORT_NAMES);
	if (k)
		printf("\n");
}

static bool pick_absent(const struct tp_member *m, int i, const void *arg)
{
	const struct tp_leveldoc *l = arg;

	(void)m;
	return l->vhost_absent[i];
}

static bool pick_replaced(const struct tp_member *m, int i, const void *arg)
{
	(void)arg;
	return m[i].replaced;
}

static void print_merge(const struct tp_merge *r, const struct tp_member *m,
			int n, bool verbose)
{
	const struct tp_leveldoc *l = &r->level;
	bool compact = n > REPORT_HOSTS && !verbose, same = false;
	struct tp_report rep;
	char buf[TEXT];

	printf("level: %s\n", caps_text(l->caps, buf));
	printf("name: %s\n", cli_safe(l->name));
	for (size_t i = 0; i < tp_catalog_len; i++)
		if (!tp_catalog[i].alias && tp_catalog[i].caps == l->caps) {
			printf("%s%s", same ? " " : "same set as: ",
			       tp_catalog[i].name);
			same = true;
		}
	if (same)
		printf("\n");
	if (pool_report(m, n, r, &rep)) {
		fprintf(stderr, "tunpin: out of memory: no report\n");
		return;
	}
	if (compact)
		print_groups(&rep, m, n, l->caps);
	else
		print_hosts(r, m, n);
	/* who lowers the pool, and what it would gain without them */
	for (int k = 0; k < rep.nlimiting && (!compact || k < REPORT_LIMITS);
	     k++)
		print_limit(m, &rep.classes[k]);
	if (compact && rep.nlimiting > REPORT_LIMITS)
		printf("... and %d more groups without which the pool would "
		       "gain (-v lists them)\n", rep.nlimiting - REPORT_LIMITS);
	if (compact && rep.lacked_apart)
		printf("lacked by more than one group: %s (-v: by which "
		       "hosts)\n", caps_text(rep.lacked_apart, buf));
	pool_report_free(&rep);
	if (r->unknown)
		printf("every host also accepts %s, which this tunpin cannot "
		       "pin\n", list_text(unknown_json(r->unknown), buf));
	if (r->vhost_unknown[0] || r->vhost_unknown[1]) {
		vhost_unknown_print(r->vhost_unknown, " ", buf, TEXT);
		printf("every host's vhost-net also offers %s, which this "
		       "tunpin cannot pin\n", buf);
	}
	print_some("no /dev/vhost-net (does not limit the vhost-net part):",
		   m, n, pick_absent, l, compact);
	print_some("replaced by the last dump given:", m, n, pick_replaced,
		   NULL, compact);
}

int cmd_merge(const struct cli *c)
{
	/* --replace and --drop: more than a pool may be given */
	int max = c->opts & (OPT_REPLACE | OPT_DROP) ? 2 * TP_POOL_MAX :
		  TP_POOL_MAX;
	struct tp_member *m = calloc((size_t)max + 1, sizeof(*m));
	struct tp_merge *r = calloc(1, sizeof(*r));
	char err[768], now[32], buf[TEXT];
	const char *text;
	json_object *o;
	size_t len;
	int n, k, ret;

	if (!m || !r) {
		fprintf(stderr, "tunpin: out of memory\n");
		ret = TP_EXIT_ERR;
		goto out;
	}
	ret = load_members(c, m, &n, max);
	if (ret)
		goto out;
	if ((c->opts & OPT_REPLACE) && (n = pool_replace(m, n)) < 0) {
		fprintf(stderr, "tunpin: out of memory\n");
		ret = TP_EXIT_ERR;
		goto out;
	}
	for (int i = 0; i < c->ndrop; i++) {
		k = pool_drop(m, n, c->drop[i]);
		if (k < 0) {
			fprintf(stderr, "tunpin: merge: --drop %s: no such host "
				"in the merge set\n", cli_safe(c->drop[i]));
			ret = TP_EXIT_USAGE;
			goto out;
		}
		n = k;
	}
	if (c->ndrop && !n) {
		fprintf(stderr, "tunpin: merge: no host left after --drop\n");
		ret = TP_EXIT_USAGE;
		goto out;
	}
	utc_now(now, sizeof(now));
	if (pool_merge(m, n, c->name ? c->name : DEFAULT_NAME, now, r, err,
		       sizeof(err))) {
		fprintf(stderr, "tunpin: merge: %s\n", err);
		ret = TP_EXIT_USAGE;
		goto out;
	}
	o = leveldoc_to_json(&r->level);
	/* never a level that no tunpin would read back */
	text = json_text(o, c->opts & OPT_PRETTY);
	len = text ? strlen(text) : 0;
	if (len + 1 > TP_INPUT_MAX) {
		fprintf(stderr, "tunpin: merge: the level would have %zu bytes, "
			"over the %s tunpin reads: not written\n", len + 1,
			TP_INPUT_MAX_TEXT);
		json_object_put(o);
		ret = TP_EXIT_ERR;
		goto out;
	}
	if (c->output && json_write_file(c->output, o, c->opts & OPT_PRETTY)) {
		fprintf(stderr, "tunpin: %s: %s\n", c->output, strerror(errno));
		json_object_put(o);
		ret = TP_EXIT_ERR;
		goto out;
	}
	if (is_json_context()) {
		ret = put_json(o);
	} else {
		json_object_put(o);
		print_merge(r, m, n, c->opts & OPT_VERBOSE);
		/* as the hosts of the report: a few of them in a big pool */
		k = n > REPORT_HOSTS && !(c->opts & OPT_VERBOSE) ?
		    REPORT_NAMES : c->ndrop;
		for (int i = 0; i < c->ndrop && i < k; i++)
			printf("%s %s", i ? "," : "dropped:",
			       k < c->ndrop ? short_name(c->drop[i]) :
			       cli_safe(c->drop[i]));
		if (c->ndrop > k)
			printf(", ... +%d", c->ndrop - k);
		if (c->ndrop)
			printf("\n");
	}
	/* what -o wrote, on stderr as for probe -o, after the report */
	stdout_flush();
	if (c->output && ret == TP_EXIT_OK)
		fprintf(stderr, "tunpin: %s: level %s (%d host%s): %s\n",
			cli_safe(c->output), cli_safe(r->level.name), n,
			n == 1 ? "" : "s", caps_text(r->level.caps, buf));
out:
	free(m);
	free(r);
	return ret;
}

/* @arg as one side: TP_EXIT_OK, or TP_EXIT_USAGE with the reason said. */
static int load_side(char *const *arg, struct tp_member *m)
{
	struct tp_doc *doc = malloc(sizeof(*doc));
	int ret;

	if (!doc) {
		fprintf(stderr, "tunpin: out of memory\n");
		return TP_EXIT_ERR;
	}
	ret = load_level(arg, doc);
	if (!ret)
		doc_summary(doc, m);
	free(doc);
	return ret;
}

/* This host, probed now: TP_EXIT_OK or TP_EXIT_ERR. */
static int probe_side(struct tp_member *m)
{
	struct tp_dump *d = malloc(sizeof(*d));
	struct tp_doc *doc = malloc(sizeof(*doc));
	char err[512];
	int ret = TP_EXIT_OK;

	if (!d || !doc) {
		fprintf(stderr, "tunpin: out of memory\n");
		ret = TP_EXIT_ERR;
	} else if (tp_probe(d, err, sizeof(err))) {
		fprintf(stderr, "tunpin: probe: %s\n", err);
		ret = TP_EXIT_ERR;
	} else {
		memset(doc, 0, sizeof(*doc));
		doc->is_dump = true;
		doc->dump = *d;
		doc_summary(doc, m);
	}
	free(d);
	free(doc);
	return ret;
}

/* What else than the capabilities @host has more or less than @ref. */
struct tp_others {
	uint32_t unknown_more, unknown_missing;	/* TAP flags outside the table */
	uint64_t vhost_more[VHOST_WORDS], vhost_missing[VHOST_WORDS];
	uint32_t features_more, features_missing; /* both from dumps */
};

/* The kinds of what differs besides the capabilities, "" if nothing:
 * "unknown bits, unknown vhost bits and features". */
static const char *others_text(const struct tp_others *o, char *buf,
			       size_t size)
{
	const char *kind[3];
	size_t len = 0;
	int n = 0;

	if (o->unknown_more | o->unknown_missing)
		kind[n++] = "unknown bits";
	if (o->vhost_more[0] | o->vhost_more[1] | o->vhost_missing[0] |
	    o->vhost_missing[1])
		kind[n++] = "unknown vhost bits";
	if (o->features_more | o->features_missing)
		kind[n++] = "features";
	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					!i ? "" : i == n - 1 ? " and " : ", ",
					kind[i]);
	return buf;
}

static void compare_others(const struct tp_member *ref,
			   const struct tp_member *host, bool vhost,
			   struct tp_others *o)
{
	memset(o, 0, sizeof(*o));
	o->unknown_more = host->unknown & ~ref->unknown;
	o->unknown_missing = ref->unknown & ~host->unknown;
	for (int k = 0; k < VHOST_WORDS && vhost; k++) {
		o->vhost_more[k] = host->vhost_unknown[k] &
				   ~ref->vhost_unknown[k];
		o->vhost_missing[k] = ref->vhost_unknown[k] &
				      ~host->vhost_unknown[k];
	}
	if (ref->has_features && host->has_features) {
		o->features_more = host->features & ~ref->features;
		o->features_missing = ref->features & ~host->features;
	}
}

int cmd_compare(const struct cli *c)
{
	struct tp_member ref, host;
	struct tp_others x;
	uint32_t missing, extra, mask;
	enum tp_verdict v;
	char buf[TEXT], kinds[64], w1[TP_HOST_SIZE + 160],
	     w2[TP_HOST_SIZE + 160];
	json_object *o, *d;
	int ret;

	if (c->argc == 2 && (c->opts & OPT_HOST)) {
		fprintf(stderr, "tunpin: compare: a DUMP or --host, not both "
			"(tunpin -h for help)\n");
		return TP_EXIT_USAGE;
	}
	ret = load_side(&c->argv[0], &ref);
	if (!ret)
		ret = c->argc == 2 ? load_side(&c->argv[1], &host) :
				     probe_side(&host);
	if (ret)
		return ret;
	mask = comparable(&ref, &host);
	v = pool_compare(ref.caps & mask, host.caps & mask, &missing, &extra);
	compare_others(&ref, &host, mask == TUNPIN_CAP_ALL, &x);
	others_text(&x, kinds, sizeof(kinds));
	if (is_json_context()) {
		o = json_object_new_object();
		json_object_object_add(o, "reference", member_json(&ref));
		json_object_object_add(o, "candidate", member_json(&host));
		json_object_object_add(o, "result",
				       json_object_new_string(verdict_name(v)));
		json_object_object_add(o, "missing", caps_json(missing));
		json_object_object_add(o, "more", caps_json(extra));
		json_object_object_add(o, "features_missing",
				       features_json(x.features_missing));
		json_object_object_add(o, "features_more",
				       features_json(x.features_more));
		json_object_object_add(o, "unknown_missing",
				       unknown_json(x.unknown_missing));
		json_object_object_add(o, "unknown_more",
				       unknown_json(x.unknown_more));
		json_object_object_add(o, "vhost_unknown_missing",
				       vhost_unknown_json(x.vhost_missing));
		json_object_object_add(o, "vhost_unknown_more",
				       vhost_unknown_json(x.vhost_more));
		/* what differs: empty if the two are the same in all */
		d = json_object_new_array();
		if (v != TP_IDENTICAL)
			json_object_array_add(d,
				json_object_new_string("capabilities"));
		if (x.unknown_more | x.unknown_missing)
			json_object_array_add(d,
				json_object_new_string("unknown bits"));
		if (x.vhost_more[0] | x.vhost_more[1] | x.vhost_missing[0] |
		    x.vhost_missing[1])
			json_object_array_add(d,
				json_object_new_string("unknown vhost bits"));
		if (x.features_more | x.features_missing)
			json_object_array_add(d,
				json_object_new_string("features"));
		json_object_object_add(o, "differences", d);
		json_object_object_add(o, "vhost_compared",
			json_object_new_boolean(mask == TUNPIN_CAP_ALL));
		ret = put_json(o);
		return ret ? ret : v == TP_INCOMPATIBLE ? TP_EXIT_BELOW : TP_EXIT_OK;
	}
	/* the same capabilities are not identical if anything else differs */
	if (v == TP_IDENTICAL && kinds[0])
		printf("%s against %s: same capabilities, but %s differ\n",
		       who(&host, w1, sizeof(w1)), who(&ref, w2, sizeof(w2)),
		       kinds);
	else
		printf("%s against %s: %s\n", who(&host, w1, sizeof(w1)),
		       who(&ref, w2, sizeof(w2)), verdict_name(v));
	if (missing)
		printf("missing: %s\n", caps_text(missing, buf));
	if (extra)
		printf("more: %s\n", caps_text(extra, buf));
	if (x.unknown_missing)
		printf("unknown bits missing: %s\n",
		       list_text(unknown_json(x.unknown_missing), buf));
	if (x.unknown_more)
		printf("unknown bits more: %s\n",
		       list_text(unknown_json(x.unknown_more), buf));
	if (x.vhost_missing[0] | x.vhost_missing[1])
		printf("unknown vhost bits missing: %s\n",
		       list_text(vhost_unknown_json(x.vhost_missing), buf));
	if (x.vhost_more[0] | x.vhost_more[1])
		printf("unknown vhost bits more: %s\n",
		       list_text(vhost_unknown_json(x.vhost_more), buf));
	if (x.features_missing)
		printf("features missing: %s\n",
		       list_text(features_json(x.features_missing), buf));
	if (x.features_more)
		printf("features more: %s\n",
		       list_text(features_json(x.features_more), buf));
	vhost_note(&ref, &host);
	return v == TP_INCOMPATIBLE ? TP_EXIT_BELOW : TP_EXIT_OK;
}

/* Whether @d has a difference a guest could see (the kernel release and
 * the host name are not one). */
static bool diff_differs(const struct tp_diff *d)
{
	return d->added | d->removed | d->unknown_added | d->unknown_removed |
	       d->features_added | d->features_removed |
	       d->vhost_unknown_added[0] | d->vhost_unknown_added[1] |
	       d->vhost_unknown_removed[0] | d->vhost_unknown_removed[1];
}

/* Like diff(1): TP_EXIT_SAME if the same, TP_EXIT_DIFFERENT if not,
 * TP_EXIT_TROUBLE if the inputs could not be read or the output written. */
int cmd_diff(const struct cli *c)
{
	struct tp_member old, new;
	struct tp_diff d;
	char buf[TEXT], w[TP_HOST_SIZE + 160];
	json_object *o;
	uint32_t mask;
	int ret, same;

	ret = load_side(&c->argv[0], &old);
	if (!ret)
		ret = load_side(&c->argv[1], &new);
	if (ret)
		return TP_EXIT_TROUBLE;
	mask = comparable(&old, &new);
	old.caps &= mask;
	new.caps &= mask;
	pool_diff(&old, &new, &d);
	same = diff_differs(&d) ? TP_EXIT_DIFFERENT : TP_EXIT_SAME;
	if (is_json_context()) {
		o = json_object_new_object();
		json_object_object_add(o, "old", member_json(&old));
		json_object_object_add(o, "new", member_json(&new));
		json_object_object_add(o, "kernel_changed",
			json_object_new_boolean(d.kernel_changed));
		json_object_object_add(o, "added", caps_json(d.added));
		json_object_object_add(o, "removed", caps_json(d.removed));
		json_object_object_add(o, "unknown_added",
				       unknown_json(d.unknown_added));
		json_object_object_add(o, "unknown_removed",
				       unknown_json(d.unknown_removed));
		json_object_object_add(o, "vhost_unknown_added",
			vhost_unknown_json(d.vhost_unknown_added));
		json_object_object_add(o, "vhost_unknown_removed",
			vhost_unknown_json(d.vhost_unknown_removed));
		json_object_object_add(o, "features_added",
				       features_json(d.features_added));
		json_object_object_add(o, "features_removed",
				       features_json(d.features_removed));
		json_object_object_add(o, "vhost_compared",
			json_object_new_boolean(mask == TUNPIN_CAP_ALL));
		return put_json(o) ? TP_EXIT_TROUBLE : same;
	}
	printf("old: %s\n", who(&old, w, sizeof(w)));
	printf("new: %s\n", who(&new, w, sizeof(w)));
	if (d.kernel_changed && old.kernel[0] && new.kernel[0])
		printf("kernel: %s -> %s\n", cli_safe(old.kernel),
		       cli_safe(new.kernel));
	printf("added: %s\n", caps_text(d.added, buf));
	printf("removed: %s\n", caps_text(d.removed, buf));
	if (d.unknown_added)
		printf("unknown bits added: %s\n",
		       list_text(unknown_json(d.unknown_added), buf));
	if (d.unknown_removed)
		printf("unknown bits removed: %s\n",
		       list_text(unknown_json(d.unknown_removed), buf));
	if (d.vhost_unknown_added[0] | d.vhost_unknown_added[1])
		printf("unknown vhost bits added: %s\n",
		       list_text(vhost_unknown_json(d.vhost_unknown_added),
				 buf));
	if (d.vhost_unknown_removed[0] | d.vhost_unknown_removed[1])
		printf("unknown vhost bits removed: %s\n",
		       list_text(vhost_unknown_json(d.vhost_unknown_removed),
				 buf));
	if (d.features_added)
		printf("features added: %s\n",
		       list_text(features_json(d.features_added), buf));
	if (d.features_removed)
		printf("features removed: %s\n",
		       list_text(features_json(d.features_removed), buf));
	vhost_note(&old, &new);
	return same;
}

int set_check_host(uint32_t caps_wanted, const char *label)
{
	struct tp_member host;
	uint32_t missing, extra;
	char buf[TEXT];
	int ret;

	if (!caps_wanted)
		return TP_EXIT_OK;	/* none and unpinned: every host can */
	ret = probe_side(&host);
	if (ret) {
		fprintf(stderr, "tunpin: cannot check that this host provides "
			"the level\n");
		return ret;
	}
	/* without /dev/vhost-net the vhost-net part cannot be provided,
	 * nor is it needed */
	if (host.vhost == TP_VHOST_ABSENT)
		caps_wanted &= TUNPIN_CAP_TAP;
	if (pool_compare(caps_wanted, host.caps, &missing, &extra) !=
	    TP_INCOMPATIBLE)
		return TP_EXIT_OK;
	fprintf(stderr, "tunpin: this host cannot provide %s (kernel %s): "
		"level %s is above the host\n", caps_text(missing, buf),
		host.kernel, label);
	return TP_EXIT_BELOW;
}
