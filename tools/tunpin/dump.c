// SPDX-License-Identifier: GPL-2.0
/* tunpin(8): dumps as JSON, read strictly, written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "caps.h"
#include "errnames-gen.h"
#include "dump.h"

/* TUNGETFEATURES flags (IFF_* in <linux/if_tun.h>), in the order printed. */
static const struct cap features[] = {
	{ "tun",		0x0001, -1 },
	{ "tap",		0x0002, -1 },
	{ "no_pi",		0x1000, -1 },
	{ "one_queue",		0x2000, -1 },
	{ "vnet_hdr",		0x4000, -1 },
	{ "multi_queue",	0x0100, -1 },
	{ "napi",		0x0010, -1 },
	{ "napi_frags",		0x0020, -1 },
	{ "no_carrier",		0x0040, -1 },
	{ "detach_queue",	0x0400, -1 },
	{ "attach_queue",	0x0200, -1 },
};
#define NFEATURES (sizeof(features) / sizeof(features[0]))
#define TUNGETFEATURES_KNOWN	0x7773	/* the flags above */

static void add_string(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_object_new_string(s));
}

static void add_hex(json_object *o, const char *key, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%#x", v);
	if (!v)
		strcpy(buf, "0x0");
	add_string(o, key, buf);
}

/* Known names from @table, then every other bit alone as unknown:0x... */
static json_object *names_to_json(const struct cap *table, size_t n,
				  uint32_t bits)
{
	json_object *a = json_object_new_array();
	char buf[24];

	for (size_t i = 0; i < n; i++)
		if (bits & table[i].bit) {
			json_object_array_add(a,
				json_object_new_string(table[i].name));
			bits &= ~table[i].bit;
		}
	for (int b = 0; b < 32; b++)
		if (bits & (1u << b)) {
			snprintf(buf, sizeof(buf), "unknown:%#x", 1u << b);
			json_object_array_add(a, json_object_new_string(buf));
		}
	return a;
}

/* Capability names, then the TUNSETOFFLOAD flags the table lacks. */
static json_object *caps_list_json(uint32_t bits, uint32_t flags)
{
	json_object *a = names_to_json(caps, NCAPS, bits & TUNPIN_CAP_ALL);
	char buf[24];

	for (int b = 0; b < 32; b++)
		if (flags & (1u << b) & ~(uint32_t)TUNPIN_CAP_TAP) {
			snprintf(buf, sizeof(buf), "unknown:%#x", 1u << b);
			json_object_array_add(a, json_object_new_string(buf));
		}
	return a;
}

const char *vhost_state_name(enum tp_vhost_state s)
{
	switch (s) {
	case TP_VHOST_PROBED:
		return "probed";
	case TP_VHOST_ABSENT:
		return "absent";
	default:
		return "unknown";
	}
}

static void add_hex64(json_object *a, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)v);
	json_object_array_add(a, json_object_new_string(v ? buf : "0x0"));
}

static json_object *vhost_to_json(const struct tp_vhost *v)
{
	json_object *o = json_object_new_object(), *a, *u;
	char buf[24];

	add_string(o, "state", vhost_state_name(v->state));
	add_string(o, "device", TP_VHOST_DEV);
	if (v->state != TP_VHOST_PROBED) {
		add_string(o, "reason", v->reason);
		return o;
	}
	json_object_object_add(o, "exempt", json_object_new_boolean(v->exempt));
	json_object_object_add(o, "array", json_object_new_boolean(v->array));
	a = json_object_new_array();
	for (int k = 0; k < VHOST_WORDS; k++)
		add_hex64(a, v->features[k]);
	json_object_object_add(o, "features", a);
	u = json_object_new_array();
	for (int b = 0; b < 64 * VHOST_WORDS; b++)
		if (v->unknown[b / 64] & (1ull << (b % 64))) {
			snprintf(buf, sizeof(buf), "vhost_unknown:%d", b);
			json_object_array_add(u, json_object_new_string(buf));
		}
	json_object_object_add(o, "unknown", u);
	return o;
}

/* The errno names of the C library's <errno.h> (errnames-gen.h). */
static const struct {
	const char *name;
	int err;
} tp_errnames[] = {
	TP_ERRNO_TABLE
};

static const char *errno_name(int err)
{
	for (size_t i = 0; i < sizeof(tp_errnames) / sizeof(tp_errnames[0]); i++)
		if (tp_errnames[i].err == err)
			return tp_errnames[i].name;
	return NULL;
}

/* "EINVAL" for an errno, or "errno:N" if it has no name. */
static void result_name(int err, char *buf, size_t size)
{
	const char *name = err ? errno_name(err) : "accepted";

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "errno:%d", err);
}

json_object *dump_to_json(const struct tp_dump *d)
{
	json_object *o = json_object_new_object();
	json_object *masks = json_object_new_object();
	json_object *probes = json_object_new_array();
	char buf[32];

	json_object_object_add(o, "schema", json_object_new_int(TP_SCHEMA));
	add_string(o, "kind", "dump");
	add_string(o, "tool", TUNPIN_VERSION);
	add_string(o, "host", d->host);
	add_string(o, "kernel", d->kernel);
	add_string(o, "kernel_version", d->kernel_version);
	add_string(o, "machine", d->machine);
	json_object_object_add(o, "module", d->module[0] ?
			       json_object_new_string(d->module) : NULL);
	add_string(o, "timestamp", d->timestamp);
	json_object_object_add(o, "exempt", json_object_new_boolean(d->exempt));
	json_object_object_add(o, "capabilities",
			       caps_list_json(d->caps, d->unknown));
	add_hex(masks, "capabilities", d->caps);
	add_hex(masks, "unknown", d->unknown);
	add_hex(masks, "features", d->features);
	json_object_object_add(o, "masks", masks);
	json_object_object_add(o, "features",
			       names_to_json(features, NFEATURES, d->features));
	json_object_object_add(o, "vhost", vhost_to_json(&d->vhost));
	for (int i = 0; i < d->nprobes && i < TP_PROBES_MAX; i++) {
		json_object *p = json_object_new_object();

		add_hex(p, "bits", d->probes[i].bits);
		add_string(p, "tests", d->probes[i].what);
		result_name(d->probes[i].err, buf, sizeof(buf));
		add_string(p, "result", buf);
		json_object_array_add(probes, p);
	}
	json_object_object_add(o, "probes", probes);
	return o;
}

/* Reading: every helper returns 0, or -1 with the reason in err. */
struct rd {
	char *err;
	size_t errsize;
};

static int fail(struct rd *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *type_name(json_object *v)
{
	return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* The member @key of @o, of type @type; @must: missing is an error. */
static int member(struct rd *r, json_object *o, const char *key,
		  enum json_type type, bool must, json_object **v)
{
	*v = NULL;
	if (!json_object_object_get_ex(o, key, v)) {
		if (must)
			return fail(r, "missing field '%s'", key);
		return 0;
	}
	if (!json_object_is_type(*v, type))
		return fail(r, "field '%s': expected %s, got %s", key,
			    json_type_to_name(type), type_name(*v));
	return 0;
}

static int get_string(struct rd *r, json_object *o, const char *key,
		      bool must, char *buf, size_t size)
{
	json_object *v;
	const char *s;

	if (member(r, o, key, json_type_string, must, &v))
		return -1;
	if (!v)
		return 0;
	s = json_object_get_string(v);
	if (must && !s[0])
		return fail(r, "field '%s' is empty", key);
	if (strlen(s) >= size)
		return fail(r, "field '%s' is too long (%zu > %zu)", key,
			    strlen(s), size - 1);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return fail(r, "field '%s' contains a NUL", key);
	snprintf(buf, size, "%s", s);
	return 0;
}

/* A mask: "0x" and 1 to 8 hex digits. */
static int parse_hex(struct rd *r, const char *what, json_object *v,
		     uint32_t *out)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return fail(r, "%s: expected a hex string like \"0x7f\", got %s",
			    what, type_name(v));
	s = json_object_get_string(v);
	n = strlen(s);
	if (n < 3 || n > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != n - 2)
		return fail(r, "%s: bad hex mask '%s'", what, s);
	*out = (uint32_t)strtoul(s + 2, NULL, 16);
	return 0;
}

/* "unknown:0x200": exactly one bit outside @known. */
static int parse_unknown(const char *s, uint32_t known, uint32_t *bit)
{
	const char *h;
	unsigned long v;
	size_t n;

	if (strncmp(s, "unknown:0x", 10))
		return -1;
	h = s + strlen("unknown:");
	n = strlen(h);
	if (n < 3 || n > 10 || strspn(h + 2, "0123456789abcdef") != n - 2)
		return -1;
	v = strtoul(h + 2, NULL, 16);
	if (!v || (v & (v - 1)) || (v & known))
		return -1;
	*bit = (uint32_t)v;
	return 0;
}

/*
 * A list of names from @table, or unknown:0x... bits (outside @known):
 * their bits, the unknown ones apart in @unk (or with the rest if NULL).
 */
static int parse_names(struct rd *r, const char *key, json_object *a,
		       const struct cap *table, size_t n, uint32_t known,
		       uint32_t *out, uint32_t *unk)
{
	uint32_t bits = 0, ubits = 0, bit;

	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);
		const char *s;
		size_t j;

		if (!json_object_is_type(v, json_type_string))
			return fail(r, "field '%s': expected names, got %s",
				    key, type_name(v));
		s = json_object_get_string(v);
		for (j = 0; j < n; j++)
			if (!strcmp(s, table[j].name))
				break;
		if (j < n) {
			bit = table[j].bit;
			if (bits & bit)
				return fail(r, "field '%s': '%s' listed twice",
					    key, s);
			bits |= bit;
			continue;
		}
		if (parse_unknown(s, known, &bit))
			return fail(r, "field '%s': unknown %s '%s'", key,
				    table == caps ? "capability" : "feature",
				    s);
		if (ubits & bit)
			return fail(r, "field '%s': '%s' listed twice", key, s);
		ubits |= bit;
	}
	if (unk) {
		*out = bits;
		*unk = ubits;
	} else {
		*out = bits | ubits;
	}
	return 0;
}

/* A 64-bit word: "0x" and 1 to 16 hex digits. */
static int parse_hex64(struct rd *r, const char *what, json_object *v,
		       uint64_t *out)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return fail(r, "%s: expected a hex string like \"0x33d008000\", "
			    "got %s", what, type_name(v));
	s = json_object_get_string(v);
	n = strlen(s);
	if (n < 3 || n > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != n - 2)
		return fail(r, "%s: bad hex word '%s'", what, s);
	*out = strtoull(s + 2, NULL, 16);
	return 0;
}

/* "vhost" of a schema 2 dump; @vcaps: the vhost names of its capabilities. */
static int parse_vhost(struct rd *r, json_object *o, uint32_t vcaps,
		       struct tp_vhost *vh)
{
	json_object *v, *a;
	uint64_t unk[VHOST_WORDS] = { 0 }, left[VHOST_WORDS];
	const char *s;
	char what[40];
	size_t n;

	if (!json_object_is_type(o, json_type_object))
		return fail(r, "field 'vhost': expected object, got %s",
			    type_name(o));
	if (member(r, o, "state", json_type_string, true, &v))
		return -1;
	s = json_object_get_string(v);
	if (!strcmp(s, "probed"))
		vh->state = TP_VHOST_PROBED;
	else if (!strcmp(s, "absent"))
		vh->state = TP_VHOST_ABSENT;
	else if (!strcmp(s, "unknown"))
		vh->state = TP_VHOST_UNKNOWN;
	else
		return fail(r, "vhost.state: '%.32s' is none of probed, "
			    "absent, unknown", s);
	if (vh->state != TP_VHOST_PROBED) {
		if (vcaps)
			return fail(r, "vhost-net capabilities listed, but "
				    "vhost.state is %s", s);
		return get_string(r, o, "reason", true, vh->reason,
				  sizeof(vh->reason));
	}
	if (member(r, o, "exempt", json_type_boolean, false, &v))
		return -1;
	vh->exempt = v && json_object_get_boolean(v);
	if (member(r, o, "array", json_type_boolean, false, &v))
		return -1;
	vh->array = v && json_object_get_boolean(v);
	if (member(r, o, "features", json_type_array, true, &a))
		return -1;
	n = json_object_array_length(a);
	if (n < 1 || n > VHOST_WORDS)
		return fail(r, "vhost.features: 1 or %d words, got %zu",
			    VHOST_WORDS, n);
	for (size_t k = 0; k < n; k++) {
		snprintf(what, sizeof(what), "vhost.features[%zu]", k);
		if (parse_hex64(r, what, json_object_array_get_idx(a, k),
				&vh->features[k]))
			return -1;
	}
	if (vhost_caps(vh->features, left) != vcaps)
		return fail(r, "vhost.features and the vhost-net names of the "
			    "capabilities list disagree");
	if (member(r, o, "unknown", json_type_array, false, &a))
		return -1;
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		int b = json_object_is_type(e, json_type_string) ?
			vhost_unknown_parse(json_object_get_string(e)) : -1;

		if (b < 0)
			return fail(r, "vhost.unknown[%zu]: expected "
				    "vhost_unknown:N", i);
		unk[b / 64] |= 1ull << (b % 64);
	}
	for (int k = 0; k < VHOST_WORDS; k++)
		if (unk[k] != left[k])
			return fail(r, "vhost.unknown and the feature bits "
				    "without a name disagree");
	memcpy(vh->unknown, unk, sizeof(unk));
	return 0;
}

/* The inverse of result_name(). */
static int parse_result(const char *s, int *err)
{
	/* A dump names the same few errnos again and again: the last one. */
	static const char *last_name;
	static int last_err;
	char *end;

	if (!strcmp(s, "accepted")) {
		*err = 0;
		return 0;
	}
	if (!strncmp(s, "errno:", 6)) {
		long v = strtol(s + 6, &end, 10);

		if (end == s + 6 || *end || v <= 0 || v > 4095)
			return -1;
		*err = (int)v;
		return 0;
	}
	if (last_name && !strcmp(last_name, s)) {
		*err = last_err;
		return 0;
	}
	for (size_t i = 0; i < sizeof(tp_errnames) / sizeof(tp_errnames[0]); i++) {
		if (!strcmp(tp_errnames[i].name, s)) {
			last_name = tp_errnames[i].name;
			last_err = tp_errnames[i].err;
			*err = last_err;
			return 0;
		}
	}
	return -1;
}

/* "tests": capability names (or unknown:0x...) joined by '+'. */
static bool valid_tests(const char *s)
{
	char buf[sizeof(((struct tp_probe *)0)->what)];
	char *save, *w;
	uint32_t bit;

	if (!s[0] || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	if (buf[0] == '+' || buf[strlen(buf) - 1] == '+' || strstr(buf, "++"))
		return false;
	for (w = strtok_r(buf, "+", &save); w; w = strtok_r(NULL, "+", &save))
		if (!(cap_bit(w, strlen(w)) & TUNPIN_CAP_TAP) &&
		    parse_unknown(w, TUNPIN_CAP_TAP, &bit))
			return false;
	return true;
}

static int parse_probes(struct rd *r, json_object *a, struct tp_dump *d)
{
	size_t n = json_object_array_length(a);

	if (n > TP_PROBES_MAX)
		return fail(r, "field 'probes': more than %d probes",
			    TP_PROBES_MAX);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(a, i), *v;
		struct tp_probe *t = &d->probes[i];
		char what[32];

		if (!json_object_is_type(p, json_type_object))
			return fail(r, "probes[%zu]: expected object, got %s",
				    i, type_name(p));
		snprintf(what, sizeof(what), "probes[%zu].bits", i);
		if (member(r, p, "bits", json_type_string, true, &v) ||
		    parse_hex(r, what, v, &t->bits))
			return -1;
		if (member(r, p, "tests", json_type_string, true, &v))
			return -1;
		if (!valid_tests(json_object_get_string(v)))
			return fail(r, "probes[%zu]: bad tests '%s'", i,
				    json_object_get_string(v));
		snprintf(t->what, sizeof(t->what), "%s",
			 json_object_get_string(v));
		if (member(r, p, "result", json_type_string, true, &v))
			return -1;
		if (parse_result(json_object_get_string(v), &t->err))
			return fail(r, "probes[%zu]: unknown result '%s'", i,
				    json_object_get_string(v));
	}
	d->nprobes = (int)n;
	return 0;
}

static int parse_masks(struct rd *r, json_object *m, uint32_t names,
		       uint32_t unames, struct tp_dump *d, bool *has_features)
{
	json_object *v;
	uint32_t c, u;

	if (!json_object_object_get_ex(m, "capabilities", &v))
		return fail(r, "missing field 'masks.capabilities'");
	if (parse_hex(r, "masks.capabilities", v, &c))
		return -1;
	if (!json_object_object_get_ex(m, "unknown", &v))
		return fail(r, "missing field 'masks.unknown'");
	if (parse_hex(r, "masks.unknown", v, &u))
		return -1;
	if (c & ~(uint32_t)TUNPIN_CAP_ALL)
		return fail(r, "masks.capabilities %#x has bits outside the "
			    "table (%#x)", c, TUNPIN_CAP_ALL);
	if (u & TUNPIN_CAP_TAP)
		return fail(r, "masks.unknown %#x has known bits", u);
	if (c != names || u != unames)
		return fail(r, "masks (%#x, unknown %#x) and the capabilities "
			    "list (%#x, unknown %#x) disagree", c, u, names,
			    unames);
	*has_features = json_object_object_get_ex(m, "features", &v);
	if (*has_features && parse_hex(r, "masks.features", v, &d->features))
		return -1;
	return 0;
}

int dump_from_json(json_object *o, struct tp_dump *d, char *err,
		   size_t errsize)
{
	struct rd rd = { err, errsize }, *r = &rd;
	struct tp_dump t;
	json_object *v;
	uint32_t names, unames, feats;
	bool mask_features = false;
	const char *kind;
	int64_t schema;

	memset(&t, 0, sizeof(t));
	if (!json_object_is_type(o, json_type_object))
		return fail(r, "expected a JSON object, got %s", type_name(o));
	if (!json_object_object_get_ex(o, "schema", &v))
		return fail(r, "unsupported schema: none given (this tunpin "
			    "reads %d to %d)", TP_SCHEMA_MIN, TP_SCHEMA);
	schema = json_object_is_type(v, json_type_int) ?
		 json_object_get_int64(v) : 0;
	if (schema < TP_SCHEMA_MIN || schema > TP_SCHEMA)
		return fail(r, "unsupported schema %s (this tunpin reads %d "
			    "to %d)", json_object_to_json_string(v),
			    TP_SCHEMA_MIN, TP_SCHEMA);
	t.schema = (int)schema;
	if (member(r, o, "kind", json_type_string, true, &v))
		return -1;
	kind = json_object_get_string(v);
	if (strcmp(kind, "dump"))
		return fail(r, "expected a dump, got kind '%s'", kind);
	if (get_string(r, o, "host", true, t.host, sizeof(t.host)) ||
	    get_string(r, o, "kernel", true, t.kernel, sizeof(t.kernel)) ||
	    get_string(r, o, "kernel_version", false, t.kernel_version,
		       sizeof(t.kernel_version)) ||
	    get_string(r, o, "machine", false, t.machine,
		       sizeof(t.machine)) ||
	    get_string(r, o, "timestamp", false, t.timestamp,
		       sizeof(t.timestamp)))
		return -1;
	if (json_object_object_get_ex(o, "module", &v) && v &&
	    get_string(r, o, "module", false, t.module, sizeof(t.module)))
		return -1;
	if (member(r, o, "exempt", json_type_boolean, false, &v))
		return -1;
	t.exempt = v && json_object_get_boolean(v);
	if (member(r, o, "capabilities", json_type_array, true, &v) ||
	    parse_names(r, "capabilities", v, caps, NCAPS, TUNPIN_CAP_TAP,
			&names, &unames))
		return -1;
	t.caps = names;
	t.unknown = unames;
	if (member(r, o, "masks", json_type_object, false, &v) ||
	    (v && parse_masks(r, v, names, unames, &t, &mask_features)))
		return -1;
	if (t.schema < 2) {
		if (names & TUNPIN_CAP_VHOST)
			return fail(r, "vhost-net capabilities in a schema %d "
				    "dump", t.schema);
		t.vhost.state = TP_VHOST_UNKNOWN;
		snprintf(t.vhost.reason, sizeof(t.vhost.reason),
			 "a schema %d dump: probed before tunpin knew "
			 "vhost-net", t.schema);
	} else if (member(r, o, "vhost", json_type_object, true, &v) ||
		   parse_vhost(r, v, names & TUNPIN_CAP_VHOST, &t.vhost)) {
		return -1;
	}
	if (member(r, o, "features", json_type_array, false, &v))
		return -1;
	if (v) {
		if (parse_names(r, "features", v, features, NFEATURES,
				TUNGETFEATURES_KNOWN, &feats, NULL))
			return -1;
		if (mask_features && t.features != feats)
			return fail(r, "masks.features (%#x) and the features "
				    "list (%#x) disagree", t.features, feats);
		t.features = feats;
	}
	if (member(r, o, "probes", json_type_array, false, &v) ||
	    (v && parse_probes(r, v, &t)))
		return -1;
	*d = t;
	return 0;
}

/*
 * The whole of @fd, NUL-terminated, if it has at most TP_INPUT_MAX bytes:
 * NULL with errno on failure, EFBIG if it has more. A regular file is
 * measured first (and refused unread); anything else (a pipe, stdin) is
 * read up to one byte past the cap.
 */
static char *slurp(int fd, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	struct stat st;
	char *buf, *nbuf;
	ssize_t n;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if (st.st_size > (off_t)TP_INPUT_MAX) {
			errno = EFBIG;
			return NULL;
		}
		cap = (size_t)st.st_size + 2;	/* one more: EOF in one read */
	}
	buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		if (cap - len < 2) {
			if (len > TP_INPUT_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			/* never more than the cap and the byte that passes it */
			nbuf = realloc(buf, cap * 2 > TP_INPUT_MAX + 2 ?
					    TP_INPUT_MAX + 2 : cap * 2);
			if (!nbuf) {
				free(buf);
				return NULL;
			}
			buf = nbuf;
			cap = cap * 2 > TP_INPUT_MAX + 2 ? TP_INPUT_MAX + 2 :
							  cap * 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	if (len > TP_INPUT_MAX) {	/* it grew while it was read */
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/*
 * Whether the first @len bytes of @buf are one whole JSON document: then
 * what the strict tokener stopped at is data after it.
 */
static bool complete(const char *buf, size_t len)
{
	struct json_tokener *tok;
	json_object *o;
	bool ok;

	if (!len || !(tok = json_tokener_new()))
		return false;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	ok = o && json_tokener_get_error(tok) == json_tokener_success;
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

json_object *json_read_file(const char *path, char *err, size_t errsize)
{
	bool in = !strcmp(path, "-");
	const char *name = in ? "<stdin>" : path;
	struct json_tokener *tok;
	enum json_tokener_error je;
	json_object *o;
	size_t len, off;
	char *buf;
	int fd;

	fd = in ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsize, "%s: %s", name, strerror(errno));
		return NULL;
	}
	buf = slurp(fd, &len);
	if (!buf && errno == EFBIG) {
		snprintf(err, errsize, "%s: too big: over the %s a dump or "
			 "level may have (not read)", name, TP_INPUT_MAX_TEXT);
		if (!in)
			close(fd);
		return NULL;
	}
	if (!buf) {
		snprintf(err, errsize, "%s: %s", name, strerror(errno));
		if (!in)
			close(fd);
		return NULL;
	}
	if (!in)
		close(fd);
	if (strspn(buf, " \t\r\n") == len) {
		snprintf(err, errsize, "%s: empty file, expected JSON", name);
		free(buf);
		return NULL;
	}
	if (strlen(buf) != len) {
		snprintf(err, errsize, "%s: invalid JSON: NUL byte at offset "
			 "%zu", name, strlen(buf));
		free(buf);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errsize, "%s: out of memory", name);
		free(buf);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	je = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (je == json_tokener_continue) {
		/* A bare number may only end at EOF: finish it. */
		o = json_tokener_parse_ex(tok, "", 1);
		je = json_tokener_get_error(tok);
		/* (NULL and success: it was null, said below) */
		if (je != json_tokener_success) {
			snprintf(err, errsize, "%s: truncated JSON (ends at "
				 "offset %zu inside a value)", name, len);
			json_object_put(o);
			o = NULL;
			goto out;
		}
	}
	if (je != json_tokener_success) {
		if (complete(buf, off))
			snprintf(err, errsize, "%s: invalid JSON: trailing "
				 "data at offset %zu", name, off);
		else
			snprintf(err, errsize, "%s: invalid JSON at offset "
				 "%zu: %s", name, off,
				 json_tokener_error_desc(je));
		o = NULL;
		goto out;
	}
	if (off < len && strspn(buf + off, " \t\r\n") != len - off) {
		snprintf(err, errsize, "%s: invalid JSON: trailing data at "
			 "offset %zu", name, off + strspn(buf + off, " \t\r\n"));
		json_object_put(o);
		o = NULL;
		goto out;
	}
	/* JSON null parses to NULL: it must not pass for a failure unsaid */
	if (!json_object_is_type(o, json_type_object)) {
		enum json_type t = json_object_get_type(o);

		snprintf(err, errsize, "%s: not a tunpin dump or level: JSON %s, "
			 "expected an object", name,
			 t == json_type_int || t == json_type_double ? "number" :
			 json_type_to_name(t));
		json_object_put(o);
		o = NULL;
	}
out:
	json_tokener_free(tok);
	free(buf);
	return o;
}

int stdout_flush(void)
{
	static int first;

	if (fflush(stdout) && !first)
		first = errno ? errno : EIO;
	if (ferror(stdout) && !first)
		first = EIO;
	return first;
}

int tp_write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int json_write_file(const char *path, json_object *o, bool pretty)
{
	const char *s = json_text(o, pretty);
	char tmp[PATH_MAX], real[PATH_MAX];
	struct stat st;
	mode_t mask;
	int fd, e;

	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	if (!path || !strcmp(path, "-")) {
		if (tp_write_all(1, s, strlen(s)) || tp_write_all(1, "\n", 1))
			return -1;
		return 0;
	}
	/* Not a regular file (a FIFO, /dev/stdout): written in place. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (tp_write_all(fd, s, strlen(s)) || tp_write_all(fd, "\n", 1)) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		return close(fd);
	}
	/* A symbolic link: replace its target, not the link. */
	if (realpath(path, real))
		path = real;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	mask = umask(0);
	umask(mask);
	/* A file replaced keeps its mode; a new one gets 0666 & ~umask. */
	if (fchmod(fd, !stat(path, &st) ? st.st_mode & 07777 : 0666 & ~mask) || tp_write_all(fd, s, strlen(s)) ||
	    tp_write_all(fd, "\n", 1) || fsync(fd)) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) || rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}
