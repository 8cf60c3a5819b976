// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): the saved state, see state.h. Files are written atomically
 * (a temporary file renamed over the old one), so a crash leaves the old
 * state or the new one, never half of either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "caps.h"
#include "out.h"
#include "pool.h"
#include "state.h"

#define LEVEL_BUF 1024

void state_free(struct tp_state *st)
{
	free(st->overrides);
	st->overrides = NULL;
	st->noverrides = 0;
}

static json_object *level_json(const struct tp_level *l)
{
	json_object *o = json_object_new_object(), *a;

	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "pinned", json_object_new_boolean(l->pinned));
	a = json_object_new_array();
	for (int i = 0; i < NCAPS; i++)
		if (l->pinned && (l->caps & caps[i].bit))
			json_object_array_add(a,
				json_object_new_string(caps[i].name));
	json_object_object_add(o, "capabilities", a);
	return o;
}

static int level_from_json(json_object *o, struct tp_level *l,
			   const char *where, char *err, size_t errsize)
{
	json_object *name, *pinned, *a;
	size_t i, n;

	memset(l, 0, sizeof(*l));
	/* "caps": the key tunpin -j level once used, in a hand-made file */
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "pinned", &pinned) ||
	    !json_object_is_type(pinned, json_type_boolean) ||
	    (!json_object_object_get_ex(o, "capabilities", &a) &&
	     !json_object_object_get_ex(o, "caps", &a)) ||
	    !json_object_is_type(a, json_type_array)) {
		snprintf(err, errsize, "%s: needs \"pinned\" and \"capabilities\"",
			 where);
		return -1;
	}
	l->pinned = json_object_get_boolean(pinned);
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *s = json_object_get_string(e);
		uint32_t bit;

		bit = json_object_is_type(e, json_type_string) ?
		      cap_bit(s, strlen(s)) : 0;
		if (!bit) {
			snprintf(err, errsize, "%s: unknown capability \"%s\"",
				 where, s ? s : "?");
			return -1;
		}
		l->caps |= bit;
	}
	if (json_object_object_get_ex(o, "name", &name) &&
	    json_object_is_type(name, json_type_string))
		snprintf(l->name, sizeof(l->name), "%s",
			 json_object_get_string(name));
	return 0;
}

/* Create the directories of @path, like mkdir -p of its dirname. */
static int mkdirs(const char *path)
{
	char dir[4096], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Write @text to @path atomically. */
static int write_atomic(const char *path, const char *text, char *err,
			size_t errsize)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (mkdirs(path) || !(f = fopen(tmp, "w"))) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fputs(text, f) == EOF || fflush(f) || fsync(fileno(f))) {
		snprintf(err, errsize, "%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path)) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int state_write(const char *root, const struct tp_state *st, char *err,
		size_t errsize)
{
	char path[4096], stamp[32], lvl[LEVEL_BUF], conf[LEVEL_BUF + 512];
	json_object *o = json_object_new_object(), *a;
	int ret;

	utc_now(stamp, sizeof(stamp));
	json_object_object_add(o, "schema", json_object_new_int(1));
	json_object_object_add(o, "kind", json_object_new_string("saved"));
	json_object_object_add(o, "tool", json_object_new_string(TUNPIN_VERSION));
	json_object_object_add(o, "saved", json_object_new_string(stamp));
	json_object_object_add(o, "level", level_json(&st->level));
	a = json_object_new_array();
	for (int i = 0; i < st->noverrides; i++) {
		json_object *ov = level_json(&st->overrides[i].level);

		json_object_object_add(ov, "cgroup",
			json_object_new_string(st->overrides[i].cgroup));
		json_object_array_add(a, ov);
	}
	json_object_object_add(o, "overrides", a);

	snprintf(path, sizeof(path), "%s%s", root, TP_STATE_FILE);
	ret = write_atomic(path, json_text(o, true), err, errsize);
	json_object_put(o);
	if (ret)
		return ret;

	level_print(st->level.caps, st->level.pinned, ",", lvl, sizeof(lvl));
	snprintf(conf, sizeof(conf),
		 "# Written by tunpin save (%s): the level tunpin pins at load,\n"
		 "# before any VM starts. tunpin apply (tunpin.service) restores\n"
		 "# its label and the per-cgroup overrides from %s.\n"
		 "options tunpin level=%s\n", stamp, TP_STATE_FILE, lvl);
	snprintf(path, sizeof(path), "%s%s", root, TP_MODPROBE_FILE);
	return write_atomic(path, conf, err, errsize);
}

int state_read(const char *root, struct tp_state *st, char *err,
	       size_t errsize)
{
	json_object *o, *v, *a;
	char path[4096];
	size_t i, n;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s%s", root, TP_STATE_FILE);
	o = json_object_from_file(path);
	if (!o) {
		snprintf(err, errsize, "%s: %s", path,
			 access(path, R_OK) ? strerror(errno) :
					      "not valid JSON");
		return -1;
	}
	if (!json_object_object_get_ex(o, "schema", &v) ||
	    json_object_get_int(v) != 1 ||
	    !json_object_object_get_ex(o, "kind", &v) ||
	    strcmp(json_object_get_string(v), "saved")) {
		snprintf(err, errsize, "%s: not a tunpin state of schema 1",
			 path);
		goto fail;
	}
	if (!json_object_object_get_ex(o, "level", &v) ||
	    level_from_json(v, &st->level, path, err, errsize))
		goto fail;
	if (!json_object_object_get_ex(o, "overrides", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) > TP_STATE_OVERRIDES) {
		snprintf(err, errsize, "%s: bad \"overrides\"", path);
		goto fail;
	}
	n = json_object_array_length(a);
	st->overrides = calloc(n ? n : 1, sizeof(*st->overrides));
	if (!st->overrides) {
		snprintf(err, errsize, "%s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i), *cg;
		struct tp_override *ov = &st->overrides[i];

		if (level_from_json(e, &ov->level, path, err, errsize))
			goto fail;
		if (!json_object_object_get_ex(e, "cgroup", &cg) ||
		    !json_object_is_type(cg, json_type_string)) {
			snprintf(err, errsize, "%s: an override without \"cgroup\"",
				 path);
			goto fail;
		}
		snprintf(ov->cgroup, sizeof(ov->cgroup), "%s",
			 json_object_get_string(cg));
		st->noverrides++;
	}
	json_object_put(o);
	return 0;

fail:
	json_object_put(o);
	state_free(st);
	return -1;
}
