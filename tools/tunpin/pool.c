// SPDX-License-Identifier: GPL-2.0
/* tunpin(8): level documents, merge, compare, diff, and what set pins. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include "catalog.h"
#include "cli.h"
#include "pool.h"

static int fail(char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* What a label may hold, as the module's tunpin_name_valid(). */
static bool label_char(char c)
{
	return (isascii((unsigned char)c) && isalnum((unsigned char)c)) ||
	       (c && strchr("._:+@-", c));
}

bool level_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > TUNPIN_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!label_char(*p))
			return false;
	return true;
}

void native_level_name(const char *release, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "native-%s", release);

	if (n >= size)
		n = size - 1;
	if (n > TUNPIN_NAME_MAX)
		n = TUNPIN_NAME_MAX;
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (!label_char(*p))
			*p = '_';
}

void utc_now(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Capability names in table order (known bits only). */
json_object *caps_json(uint32_t bits)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < NCAPS; i++)
		if (bits & caps[i].bit)
			json_object_array_add(a,
				json_object_new_string(caps[i].name));
	return a;
}

json_object *leveldoc_to_json(const struct tp_leveldoc *l)
{
	json_object *o = json_object_new_object(), *h, *m;

	json_object_object_add(o, "schema", json_object_new_int(TP_SCHEMA));
	json_object_object_add(o, "kind", json_object_new_string("level"));
	json_object_object_add(o, "tool", json_object_new_string(TUNPIN_VERSION));
	/* written from a schema 1 level: still one (its vhost part unknown) */
	if (!l->vhost_known)
		json_object_object_add(o, "schema", json_object_new_int(1));
	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "capabilities", caps_json(l->caps));
	h = json_object_new_array();
	for (int i = 0; i < l->nhosts; i++)
		json_object_array_add(h, json_object_new_string(l->hosts[i]));
	json_object_object_add(o, "hosts", h);
	if (l->has_missing) {
		m = json_object_new_object();
		for (int i = 0; i < l->nhosts; i++)
			json_object_object_add(m, l->hosts[i],
					       caps_json(l->missing[i]));
		json_object_object_add(o, "missing", m);
	}
	if (l->vhost_known) {
		h = json_object_new_array();
		for (int i = 0; i < l->nhosts; i++)
			if (l->vhost_absent[i])
				json_object_array_add(h,
					json_object_new_string(l->hosts[i]));
		json_object_object_add(o, "vhost_absent", h);
	}
	if (l->created[0])
		json_object_object_add(o, "created",
				       json_object_new_string(l->created));
	return o;
}

static const char *type_name(json_object *v)
{
	return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* @key of @o as @type: 0 (and NULL in @v if absent and !@must), or -1. */
static int member(json_object *o, const char *key, enum json_type type,
		  bool must, json_object **v, char *err, size_t errsize)
{
	*v = NULL;
	if (!json_object_object_get_ex(o, key, v)) {
		if (must)
			return fail(err, errsize, "missing field '%s'", key);
		return 0;
	}
	if (!json_object_is_type(*v, type))
		return fail(err, errsize, "field '%s': expected %s, got %s",
			    key, json_type_to_name(type), type_name(*v));
	return 0;
}

/* An array of known capability names, each once. */
static int caps_from_json(const char *what, json_object *a, uint32_t *out,
			  char *err, size_t errsize)
{
	uint32_t bits = 0, bit;

	if (!json_object_is_type(a, json_type_array))
		return fail(err, errsize, "%s: expected a list of capability "
			    "names, got %s", what, type_name(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);
		const char *s;

		if (!json_object_is_type(v, json_type_string))
			return fail(err, errsize, "%s: expected capability "
				    "names, got %s", what, type_name(v));
		s = json_object_get_string(v);
		bit = cap_bit(s, strlen(s));
		if (!bit && !strncmp(s, "unknown:", 8))
			return fail(err, errsize, "%s: '%s' cannot be in a "
				    "level (only known capabilities can be "
				    "pinned)", what, s);
		if (!bit)
			return fail(err, errsize, "%s: unknown capability "
				    "'%s' (see tunpin known)", what, s);
		if (bits & bit)
			return fail(err, errsize, "%s: '%s' listed twice", what,
				    s);
		bits |= bit;
	}
	*out = bits;
	return 0;
}

/*
 * Host names are compared without case. A pool has up to TP_POOL_MAX of
 * them, so they are sorted (by name, then by position) rather than each
 * compared with every other.
 */
struct names {
	const char *base;	/* the first name */
	size_t stride;		/* from one name to the next */
};

static const char *name_at(const struct names *v, int i)
{
	return v->base + (size_t)i * v->stride;
}

static int by_name(const void *a, const void *b, void *arg)
{
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcasecmp(name_at(arg, x), name_at(arg, y));

	return c ? c : (x > y) - (x < y);
}

/* The positions of @n names in their sorted order; NULL if out of memory. */
static int *sort_names(const struct names *v, int n)
{
	int *idx = malloc(((size_t)n + 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (int i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, (size_t)n, sizeof(*idx), by_name, (void *)v);
	return idx;
}

/*
 * The first of @n names that repeats an earlier one (case ignored), and
 * in *@first that earlier one's position (its first occurrence): as
 * checking each name against those before it would find, in n log n.
 * -1 if none; -2 if out of memory.
 */
static int find_dup(const struct names *v, int n, int *first)
{
	int *idx = sort_names(v, n), dup = -1;

	if (!idx)
		return -2;
	for (int i = 1; i < n; i++) {
		int g = i - 1;

		if (strcasecmp(name_at(v, idx[g]), name_at(v, idx[i])))
			continue;
		/* idx[g] opens the group: the lowest position */
		while (g > 0 && !strcasecmp(name_at(v, idx[g - 1]),
					    name_at(v, idx[i])))
			g--;
		if (dup < 0 || idx[i] < dup) {
			dup = idx[i];
			*first = idx[g];
		}
		while (i + 1 < n && !strcasecmp(name_at(v, idx[i]),
						name_at(v, idx[i + 1])))
			i++;
	}
	free(idx);
	return dup;
}

static int dup_host(int dup, const struct names *v, char *err,
		    size_t errsize)
{
	if (dup == -2)
		return fail(err, errsize, "out of memory");
	return fail(err, errsize, "duplicate host '%s'", name_at(v, dup));
}

static int hosts_from_json(json_object *a, struct tp_leveldoc *l, char *err,
			   size_t errsize)
{
	struct names v = { l->hosts[0], TP_HOST_SIZE };
	size_t n = json_object_array_length(a);
	int dup, first;

	if (n > TP_POOL_MAX)
		return fail(err, errsize, "more than %d hosts", TP_POOL_MAX);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		const char *s;

		/* A duplicate before the bad entry is the first error. */
		if (!json_object_is_type(o, json_type_string)) {
			dup = find_dup(&v, l->nhosts, &first);
			if (dup != -1)
				return dup_host(dup, &v, err, errsize);
			return fail(err, errsize, "hosts: expected host names, "
				    "got %s", type_name(o));
		}
		s = json_object_get_string(o);
		if (!s[0] || strlen(s) >= TP_HOST_SIZE ||
		    strlen(s) != (size_t)json_object_get_string_len(o)) {
			dup = find_dup(&v, l->nhosts, &first);
			if (dup != -1)
				return dup_host(dup, &v, err, errsize);
			return fail(err, errsize, "hosts[%zu]: bad host name",
				    i);
		}
		strcpy(l->hosts[l->nhosts++], s);
	}
	dup = find_dup(&v, l->nhosts, &first);
	if (dup != -1)
		return dup_host(dup, &v, err, errsize);
	return 0;
}

/* Where @host is in @idx, the sorted hosts of @l; -1 if absent. */
static int find_host(const struct tp_leveldoc *l, const int *idx,
		     const char *host)
{
	int lo = 0, hi = l->nhosts - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcasecmp(host, l->hosts[idx[mid]]);

		if (!c)
			return idx[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static int missing_from_json(json_object *m, struct tp_leveldoc *l,
			     char *err, size_t errsize)
{
	struct names names = { l->hosts[0], TP_HOST_SIZE };
	char what[TP_HOST_SIZE + 16];
	int *idx = sort_names(&names, l->nhosts), ret = -1;

	if (!idx)
		return fail(err, errsize, "out of memory");
	/* hosts were read first: no duplicates, a host is found once */
	json_object_object_foreach(m, host, v) {
		int i = find_host(l, idx, host);

		if (i < 0) {
			fail(err, errsize, "missing: host '%s' is not in hosts",
			     host);
			goto out;
		}
		snprintf(what, sizeof(what), "missing.%s", host);
		if (caps_from_json(what, v, &l->missing[i], err, errsize))
			goto out;
		if (l->missing[i] & l->caps) {
			fail(err, errsize, "missing: host '%s' lacks "
			     "capabilities the level has", host);
			goto out;
		}
	}
	l->has_missing = true;
	ret = 0;
out:
	free(idx);
	return ret;
}

/* "vhost_absent": hosts of the level (schema 2), each once. */
static int vhost_absent_from_json(json_object *a, struct tp_leveldoc *l,
				  char *err, size_t errsize)
{
	struct names names = { l->hosts[0], TP_HOST_SIZE };
	int *idx, ret = -1;

	if (!l->vhost_known)
		return fail(err, errsize, "vhost_absent in a schema 1 level");
	idx = sort_names(&names, l->nhosts);
	if (!idx)
		return fail(err, errsize, "out of memory");
	for (size_t k = 0; k < json_object_array_length(a); k++) {
		json_object *e = json_object_array_get_idx(a, k);
		int i = json_object_is_type(e, json_type_string) ?
			find_host(l, idx, json_object_get_string(e)) : -1;

		if (i < 0) {
			fail(err, errsize, "vhost_absent[%zu]: not a host of "
			     "the level", k);
			goto out;
		}
		if (l->vhost_absent[i]) {
			fail(err, errsize, "vhost_absent: '%s' listed twice",
			     l->hosts[i]);
			goto out;
		}
		l->vhost_absent[i] = true;
	}
	ret = 0;
out:
	free(idx);
	return ret;
}

/* @src into @dst: the head and the entries of its hosts only. */
static void leveldoc_copy(struct tp_leveldoc *dst,
			  const struct tp_leveldoc *src)
{
	memcpy(dst, src, TP_LEVELDOC_HEAD);
	memcpy(dst->missing, src->missing,
	       (size_t)src->nhosts * sizeof(src->missing[0]));
	memcpy(dst->vhost_absent, src->vhost_absent,
	       (size_t)src->nhosts * sizeof(src->vhost_absent[0]));
	memcpy(dst->hosts, src->hosts,
	       (size_t)src->nhosts * sizeof(src->hosts[0]));
}

int leveldoc_from_json(json_object *o, struct tp_leveldoc *l, char *err,
		       size_t errsize)
{
	struct tp_leveldoc *t;
	json_object *v;
	const char *s;
	int64_t schema;
	int ret = -1;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errsize, "expected a JSON object, got %s",
			    type_name(o));
	if (!json_object_object_get_ex(o, "schema", &v))
		return fail(err, errsize, "unsupported schema: none given "
			    "(this tunpin reads %d to %d)", TP_SCHEMA_MIN,
			    TP_SCHEMA);
	schema = json_object_is_type(v, json_type_int) ?
		 json_object_get_int64(v) : 0;
	if (schema < TP_SCHEMA_MIN || schema > TP_SCHEMA)
		return fail(err, errsize, "unsupported schema %s (this tunpin "
			    "reads %d to %d)", json_object_to_json_string(v),
			    TP_SCHEMA_MIN, TP_SCHEMA);
	if (member(o, "kind", json_type_string, true, &v, err, errsize))
		return -1;
	if (strcmp(json_object_get_string(v), "level"))
		return fail(err, errsize, "expected a level, got kind '%s'",
			    json_object_get_string(v));
	/* calloc: missing[] must read 0 for hosts "missing" does not list */
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail(err, errsize, "out of memory");
	if (member(o, "name", json_type_string, true, &v, err, errsize))
		goto out;
	s = json_object_get_string(v);
	if (!level_name_valid(s)) {
		fail(err, errsize, "bad level name '%.80s' (1 to %d of "
		     "A-Z a-z 0-9 . _ : + @ -)", s, TUNPIN_NAME_MAX);
		goto out;
	}
	strcpy(t->name, s);
	if (member(o, "capabilities", json_type_array, true, &v, err,
		   errsize) ||
	    caps_from_json("capabilities", v, &t->caps, err, errsize))
		goto out;
	t->vhost_known = schema >= 2;
	if (!t->vhost_known && (t->caps & TUNPIN_CAP_VHOST)) {
		fail(err, errsize, "vhost-net capabilities in a schema 1 "
		     "level");
		goto out;
	}
	if (member(o, "hosts", json_type_array, false, &v, err, errsize) ||
	    (v && hosts_from_json(v, t, err, errsize)))
		goto out;
	if (member(o, "missing", json_type_object, false, &v, err, errsize) ||
	    (v && missing_from_json(v, t, err, errsize)))
		goto out;
	if (member(o, "vhost_absent", json_type_array, false, &v, err,
		   errsize) ||
	    (v && vhost_absent_from_json(v, t, err, errsize)))
		goto out;
	if (member(o, "created", json_type_string, false, &v, err, errsize))
		goto out;
	if (v) {
		s = json_object_get_string(v);
		if (strlen(s) >= sizeof(t->created)) {
			fail(err, errsize, "field 'created' is too long");
			goto out;
		}
		strcpy(t->created, s);
	}
	leveldoc_copy(l, t);
	ret = 0;
out:
	free(t);
	return ret;
}

/* Empty @doc: the head of its level, which comes last, is enough. */
static void doc_clear(struct tp_doc *doc)
{
	memset(doc, 0, offsetof(struct tp_doc, level) + TP_LEVELDOC_HEAD);
}

static int doc_from_catalog(const struct tp_catalog *c, struct tp_doc *doc)
{
	doc_clear(doc);
	doc->src = TP_SRC_CATALOG;
	doc->level.vhost_known = true;
	snprintf(doc->level.name, sizeof(doc->level.name), "%s", c->name);
	doc->level.caps = c->caps;
	return 0;
}

/* A capability list names its own vhost-net part: what it lists. */
static int doc_from_caps(uint32_t bits, bool pinned, struct tp_doc *doc)
{
	doc_clear(doc);
	doc->src = TP_SRC_CAPS;
	doc->unpinned = !pinned;
	doc->level.vhost_known = true;
	doc->level.caps = bits;
	level_print(bits, pinned, ",", doc->text, sizeof(doc->text));
	return 0;
}

/* A dump or a level document. */
static int file_load(const char *arg, struct tp_doc *doc, char *err,
		     size_t errsize)
{
	char why[512];
	json_object *o, *v;
	const char *kind;
	int ret;

	o = json_read_file(arg, why, sizeof(why));
	if (!o)
		return fail(err, errsize, "%s", why);	/* names it */
	doc_clear(doc);
	doc->src = TP_SRC_FILE;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "kind", &v) ||
	    !json_object_is_type(v, json_type_string))
		kind = "";
	else
		kind = json_object_get_string(v);
	if (!strcmp(kind, "level")) {
		ret = leveldoc_from_json(o, &doc->level, why, sizeof(why));
	} else if (kind[0] && strcmp(kind, "dump")) {
		ret = fail(why, sizeof(why), "unknown kind '%.64s' (expected "
			   "dump or level)", kind);
	} else {
		/* A dump, or no kind: let the dump reader say what is wrong. */
		doc->is_dump = true;
		ret = dump_from_json(o, &doc->dump, why, sizeof(why));
	}
	json_object_put(o);
	if (ret)
		return fail(err, errsize, "%s: %s", arg, why);
	return 0;
}

#define LEVEL_HINT	"see tunpin known, tunpin levels"

/*
 * @text is no level: say what was tried. The capability list's reason is
 * added unless @text is one word with a '/' or a '.', which no capability
 * has (a path, a release: linux-9.9); the file's unless it is missing.
 */
static int not_a_level(const char *text, int file_err, const char *why,
		       char *err, size_t errsize)
{
	const char *blank = " \t\n,";
	bool list = strpbrk(text, blank) || !strpbrk(text, "/.");

	if (!text[strspn(text, blank)])
		return fail(err, errsize, "empty level (" LEVEL_HINT ")");
	return fail(err, errsize, "not a capability list, a catalog level or "
		    "a readable file: %s (%s%s%s%s" LEVEL_HINT ")", text,
		    list ? why : "", list ? "; " : "",
		    file_err && file_err != ENOENT ? strerror(file_err) : "",
		    file_err && file_err != ENOENT ? "; " : "");
}

int level_load(int argc, char *const argv[], struct tp_doc *doc, char *err,
	       size_t errsize)
{
	const struct tp_catalog *c;
	char words[1024], why[160];
	const char *text = words;
	struct stat st;
	uint32_t bits;
	bool pinned;
	int file_err = 0;

	if (argc == 1)
		text = argv[0];	/* a path may be longer than any list */
	else if (argc < 1 || cli_join(argc, argv, words, sizeof(words)) < 0)
		return fail(err, errsize, argc < 1 ? "no level given" :
			    "level too long");
	/* 1. a catalog name (or alias) */
	c = catalog_find(text);
	if (c)
		return doc_from_catalog(c, doc);
	/* 2. a capability list, none or unpinned */
	if (!level_parse(text, &bits, &pinned, why, sizeof(why)))
		return doc_from_caps(bits, pinned, doc);
	/* 3. a file, in one argument; "-" is stdin */
	if (argc == 1 && text[0]) {
		if (!strcmp(text, "-") || !stat(text, &st))
			return file_load(text, doc, err, errsize);
		file_err = errno;
	}
	return not_a_level(text, file_err, why, err, errsize);
}

static void member_from_dump(const struct tp_dump *d, struct tp_member *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", d->host);
	snprintf(m->kernel, sizeof(m->kernel), "%s", d->kernel);
	m->caps = d->caps & TUNPIN_CAP_ALL;
	m->unknown = d->unknown & ~(uint32_t)TUNPIN_CAP_TAP;
	m->features = d->features;
	m->has_features = true;
	m->vhost = d->vhost.state;
	memcpy(m->vhost_unknown, d->vhost.unknown, sizeof(m->vhost_unknown));
}

/* A level standing for itself: "level:NAME", a list by its names. */
static void member_from_level(const struct tp_doc *doc, struct tp_member *m)
{
	const struct tp_leveldoc *l = &doc->level;

	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "level:%s",
		 doc->src == TP_SRC_CAPS ? doc->text : l->name);
	m->is_level = true;
	m->caps = l->caps;
	m->vhost = l->vhost_known ? TP_VHOST_PROBED : TP_VHOST_UNKNOWN;
}

int doc_members(const struct tp_doc *doc, struct tp_member *m, int max)
{
	const struct tp_leveldoc *l = &doc->level;
	uint32_t uni = l->caps;
	int n;

	if (max < 1)
		return 0;
	if (doc->is_dump) {
		member_from_dump(&doc->dump, m);
		return 1;
	}
	if (!l->nhosts) {
		member_from_level(doc, m);
		return 1;
	}
	for (int i = 0; i < l->nhosts; i++)
		uni |= l->missing[i];
	n = l->nhosts < max ? l->nhosts : max;
	for (int i = 0; i < n; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		snprintf(m[i].name, sizeof(m[i].name), "%s", l->hosts[i]);
		m[i].caps = uni & ~l->missing[i];
		m[i].is_level = !strncmp(l->hosts[i], "level:", 6);
		m[i].vhost = !l->vhost_known ? TP_VHOST_UNKNOWN :
			     l->vhost_absent[i] ? TP_VHOST_ABSENT :
			     TP_VHOST_PROBED;
		/* its missing list leaves the vhost part out: it has none */
		if (m[i].vhost == TP_VHOST_ABSENT)
			m[i].caps &= ~(uint32_t)TUNPIN_CAP_VHOST;
	}
	return n;
}

void doc_summary(const struct tp_doc *doc, struct tp_member *m)
{
	if (doc->is_dump)
		member_from_dump(&doc->dump, m);
	else
		member_from_level(doc, m);
}

int pool_merge(const struct tp_member *m, int n, const char *name,
	       const char *created, struct tp_merge *out, char *err,
	       size_t errsize)
{
	struct tp_leveldoc *l = &out->level;
	uint32_t and = TUNPIN_CAP_ALL, unk = ~(uint32_t)0, own;
	uint64_t vunk[VHOST_WORDS] = { ~0ull, ~0ull };
	struct names v = { m->name, sizeof(*m) };
	int dup, first, nunknown = 0, nvhost = 0;
	size_t len;

	memset(out, 0, offsetof(struct tp_merge, level) + TP_LEVELDOC_HEAD);
	if (n <= 0)
		return fail(err, errsize, "empty merge set: no dumps given");
	if (n > TP_POOL_MAX)
		return fail(err, errsize, "more than %d hosts", TP_POOL_MAX);
	if (!level_name_valid(name))
		return fail(err, errsize, "bad level name '%.80s' (1 to %d of "
			    "A-Z a-z 0-9 . _ : + @ -)", name, TUNPIN_NAME_MAX);
	dup = find_dup(&v, n, &first);
	if (dup == -2)
		return fail(err, errsize, "out of memory");
	if (dup >= 0 && strcmp(m[first].name, m[dup].name))
		return fail(err, errsize, "duplicate host '%s' (as '%s'): each "
			    "host may be merged once (--replace: its last dump "
			    "replaces the others)", m[dup].name, m[first].name);
	if (dup >= 0)
		return fail(err, errsize, "duplicate host '%s': each host may "
			    "be merged once (--replace: its last dump replaces "
			    "the others)", m[dup].name);
	for (int i = 0; i < n; i++)
		nunknown += m[i].vhost == TP_VHOST_UNKNOWN;
	if (nunknown) {
		len = (size_t)snprintf(err, errsize, "the vhost-net features "
				       "of %d host%s are unknown (a schema 1 "
				       "dump or level, or a probe that could "
				       "not read %s):", nunknown,
				       nunknown > 1 ? "s" : "", TP_VHOST_DEV);
		for (int i = 0, k = 0; i < n && len < errsize; i++)
			if (m[i].vhost == TP_VHOST_UNKNOWN)
				len += (size_t)snprintf(err + len, errsize - len,
							"%s %s", k++ ? "," : "",
							m[i].name);
		if (len < errsize)
			snprintf(err + len, errsize - len, "; probe them again "
				 "with this tunpin");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(l->hosts[l->nhosts++], TP_HOST_SIZE, "%s", m[i].name);
		/* no /dev/vhost-net: it does not limit the vhost part */
		l->vhost_absent[i] = m[i].vhost == TP_VHOST_ABSENT;
		nvhost += !l->vhost_absent[i];
		own = m[i].caps | (l->vhost_absent[i] ? TUNPIN_CAP_VHOST : 0);
		and &= own;
		out->uni |= m[i].caps;
		/* levels accept no unknown bit: they end the common ones */
		unk &= m[i].is_level ? 0 : m[i].unknown;
		for (int k = 0; k < VHOST_WORDS && !l->vhost_absent[i]; k++)
			vunk[k] &= m[i].is_level ? 0 : m[i].vhost_unknown[k];
	}
	if (!nvhost)
		and &= ~(uint32_t)TUNPIN_CAP_VHOST;
	for (int k = 0; k < VHOST_WORDS; k++)
		out->vhost_unknown[k] = nvhost ? vunk[k] : 0;
	for (int i = 0; i < n; i++)
		l->missing[i] = out->uni & ~(m[i].caps | (l->vhost_absent[i] ?
					     TUNPIN_CAP_VHOST : 0));
	l->has_missing = true;
	l->vhost_known = true;
	l->caps = and;
	out->unknown = unk & ~(uint32_t)TUNPIN_CAP_TAP;
	strcpy(l->name, name);
	snprintf(l->created, sizeof(l->created), "%s", created ? created : "");
	return 0;
}

int pool_replace(struct tp_member *m, int n)
{
	struct names v = { m->name, sizeof(*m) };
	int *idx = sort_names(&v, n), k = 0;
	bool *gone = calloc((size_t)n + 1, sizeof(*gone));

	if (!idx || !gone) {
		free(idx);
		free(gone);
		return -1;
	}
	/* sorted by name, then position: a run is one host, first to last */
	for (int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !strcasecmp(name_at(&v, idx[i]),
						     name_at(&v, idx[j])); j++)
			gone[idx[j]] = true;
		if (j - i > 1) {
			m[idx[i]] = m[idx[j - 1]];
			m[idx[i]].replaced = true;
		}
	}
	for (int i = 0; i < n; i++)
		if (!gone[i])
			m[k++] = m[i];
	free(idx);
	free(gone);
	return k;
}

int pool_drop(struct tp_member *m, int n, const char *host)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (strcasecmp(m[i].name, host))
			m[k++] = m[i];
	return k == n ? -1 : k;
}

/* The set a member brings to the merge: no /dev/vhost-net, no limit on
 * the vhost-net part. */
static uint32_t member_own(const struct tp_member *m)
{
	return m->caps | (m->vhost == TP_VHOST_ABSENT ? TUNPIN_CAP_VHOST : 0);
}

struct report_sort {
	const struct tp_member *m;
	bool kernel;		/* groups: the kernel release too */
};

/* Members by set, vhost-net state (and kernel), then position. */
static int by_set(const void *a, const void *b, void *arg)
{
	const struct report_sort *rs = arg;
	int x = *(const int *)a, y = *(const int *)b, c;
	const struct tp_member *p = &rs->m[x], *q = &rs->m[y];
	bool pa = p->vhost == TP_VHOST_ABSENT, qa = q->vhost == TP_VHOST_ABSENT;

	if (p->caps != q->caps)
		return p->caps < q->caps ? -1 : 1;
	if (pa != qa)
		return pa ? 1 : -1;
	if (rs->kernel && (c = strcmp(p->kernel, q->kernel)))
		return c;
	return (x > y) - (x < y);
}

/* The runs of @idx (sorted by by_set()) as groups: their number. */
static int runs(const struct tp_member *m, const int *idx, int n,
		bool kernel, struct tp_group *g)
{
	int ng = 0;

	for (int i = 0, j; i < n; i = j) {
		const struct tp_member *a = &m[idx[i]];

		g[ng] = (struct tp_group){
			.caps = a->caps,
			.vhost_absent = a->vhost == TP_VHOST_ABSENT,
			.kernel = a->kernel,
			.members = &idx[i],
		};
		for (j = i; j < n; j++) {
			const struct tp_member *b = &m[idx[j]];

			if (b->caps != a->caps ||
			    (b->vhost == TP_VHOST_ABSENT) != g[ng].vhost_absent ||
			    (kernel && strcmp(b->kernel, a->kernel)))
				break;
			if (g[ng].kernel && strcmp(b->kernel, a->kernel))
				g[ng].kernel = NULL;
		}
		g[ng++].count = j - i;
	}
	return ng;
}

static int popcount(uint32_t x)
{
	return __builtin_popcount(x);
}

/* Groups: the largest first, then the first given. */
static int by_size(const void *a, const void *b)
{
	const struct tp_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->members[0] > y->members[0]) - (x->members[0] < y->members[0]);
}

/* Classes: those that limit the level first, the fewest hosts to remove
 * first, then those that gain the most; then the others as given. */
static int by_limit(const void *a, const void *b)
{
	const struct tp_group *x = a, *y = b;

	if (!x->gain != !y->gain)
		return x->gain ? -1 : 1;
	if (x->gain && x->count != y->count)
		return x->count < y->count ? -1 : 1;
	if (x->gain && popcount(x->gain) != popcount(y->gain))
		return popcount(x->gain) > popcount(y->gain) ? -1 : 1;
	return (x->members[0] > y->members[0]) - (x->members[0] < y->members[0]);
}

int pool_report(const struct tp_member *m, int n, const struct tp_merge *r,
		struct tp_report *rep)
{
	struct report_sort rs = { m, true };
	uint32_t *before = NULL, *after = NULL, gained = 0;
	int *cidx, nprobed = 0;

	memset(rep, 0, sizeof(*rep));
	rep->idx = malloc(2 * ((size_t)n + 1) * sizeof(*rep->idx));
	rep->groups = calloc((size_t)n + 1, sizeof(*rep->groups));
	rep->classes = calloc((size_t)n + 1, sizeof(*rep->classes));
	before = malloc(((size_t)n + 2) * sizeof(*before));
	after = malloc(((size_t)n + 2) * sizeof(*after));
	if (!rep->idx || !rep->groups || !rep->classes || !before || !after) {
		free(before);
		free(after);
		pool_report_free(rep);
		return -1;
	}
	cidx = rep->idx + n + 1;
	for (int i = 0; i < n; i++) {
		rep->idx[i] = cidx[i] = i;
		nprobed += m[i].vhost != TP_VHOST_ABSENT;
	}
	qsort_r(rep->idx, (size_t)n, sizeof(int), by_set, &rs);
	rep->ngroups = runs(m, rep->idx, n, true, rep->groups);
	rs.kernel = false;
	qsort_r(cidx, (size_t)n, sizeof(int), by_set, &rs);
	rep->nclasses = runs(m, cidx, n, false, rep->classes);

	/* the level without class k: what all the other classes have */
	before[0] = after[rep->nclasses] = TUNPIN_CAP_ALL;
	for (int k = 0; k < rep->nclasses; k++)
		before[k + 1] = before[k] & member_own(&m[rep->classes[k].members[0]]);
	for (int k = rep->nclasses - 1; k >= 0; k--)
		after[k] = after[k + 1] & member_own(&m[rep->classes[k].members[0]]);
	for (int k = 0; k < rep->nclasses && rep->nclasses > 1; k++) {
		struct tp_group *c = &rep->classes[k];
		uint32_t without = before[k] & after[k + 1];

		/* no host with /dev/vhost-net left: no vhost-net part */
		if (nprobed - (c->vhost_absent ? 0 : c->count) == 0)
			without &= ~(uint32_t)TUNPIN_CAP_VHOST;
		c->gain = without & ~r->level.caps;
		c->loss = r->level.caps & ~without;
		rep->nlimiting += c->gain != 0;
		gained |= c->gain;
	}
	rep->lacked_apart = r->uni & ~r->level.caps & ~gained;
	qsort(rep->groups, (size_t)rep->ngroups, sizeof(*rep->groups), by_size);
	qsort(rep->classes, (size_t)rep->nclasses, sizeof(*rep->classes),
	      by_limit);
	free(before);
	free(after);
	return 0;
}

void pool_report_free(struct tp_report *rep)
{
	free(rep->idx);
	free(rep->groups);
	free(rep->classes);
	memset(rep, 0, sizeof(*rep));
}

enum tp_verdict pool_compare(uint32_t level, uint32_t host,
			     uint32_t *missing, uint32_t *extra)
{
	*missing = level & ~host;
	*extra = host & ~level;
	if (*missing)
		return TP_INCOMPATIBLE;
	return *extra ? TP_SUPERSET : TP_IDENTICAL;
}

const char *verdict_name(enum tp_verdict v)
{
	switch (v) {
	case TP_IDENTICAL:
		return "identical";
	case TP_SUPERSET:
		return "superset";
	default:
		return "incompatible";
	}
}

void pool_diff(const struct tp_member *old, const struct tp_member *new,
	       struct tp_diff *d)
{
	memset(d, 0, sizeof(*d));
	d->added = new->caps & ~old->caps;
	d->removed = old->caps & ~new->caps;
	d->unknown_added = new->unknown & ~old->unknown;
	d->unknown_removed = old->unknown & ~new->unknown;
	if (old->has_features && new->has_features) {
		d->features_added = new->features & ~old->features;
		d->features_removed = old->features & ~new->features;
	}
	for (int k = 0; k < VHOST_WORDS && member_vhost_known(old) &&
			member_vhost_known(new); k++) {
		d->vhost_unknown_added[k] = new->vhost_unknown[k] &
					    ~old->vhost_unknown[k];
		d->vhost_unknown_removed[k] = old->vhost_unknown[k] &
					      ~new->vhost_unknown[k];
	}
	d->kernel_changed = strcmp(old->kernel, new->kernel) != 0;
}

int level_resolve(int argc, char *const argv[], uint32_t *caps,
		  bool *pinned, char *name, size_t namesize, char *err,
		  size_t errsize)
{
	struct tp_doc *doc = malloc(sizeof(*doc));
	int ret = 0;

	if (!doc)
		return fail(err, errsize, "out of memory");
	if (level_load(argc, argv, doc, err, errsize)) {
		ret = -1;
	} else if (doc->src == TP_SRC_CAPS) {
		*caps = doc->level.caps;
		*pinned = !doc->unpinned;
		if (namesize)
			name[0] = '\0';
	} else if (doc->is_dump ? doc->dump.vhost.state == TP_VHOST_UNKNOWN :
		   !doc->level.vhost_known) {
		/* pinned, it would hide every vhost-net feature: refuse */
		ret = fail(err, errsize, "%s: its vhost-net features are "
			   "unknown (%s): probe or merge again with this "
			   "tunpin", argv[0], doc->is_dump ?
			   doc->dump.vhost.reason : "a schema 1 level");
	} else if (doc->is_dump) {
		*caps = doc->dump.caps & TUNPIN_CAP_ALL;
		*pinned = true;
		native_level_name(doc->dump.kernel, name, namesize);
	} else {
		/* a catalog level's concrete name, a level file's name */
		*caps = doc->level.caps;
		*pinned = true;
		snprintf(name, namesize, "%s", doc->level.name);
	}
	free(doc);
	return ret;
}
