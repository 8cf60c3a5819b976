// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): the output layer, see out.h. The JSON is built with json-c
 * and written when its outermost object or array is closed, through
 * stdio like the text, so that a write error is caught the same way
 * (stdout_flush()) whatever the mode.
 */
#include <stdarg.h>
#include <stdio.h>
#include "caps.h"
#include "cli.h"
#include "dump.h"
#include "out.h"

#define OUT_DEPTH	16

static struct {
	bool json, pretty;
	int depth;
	json_object *stack[OUT_DEPTH];	/* [0] is the document */
} out;

void out_setup(bool json, bool pretty)
{
	out.json = json || pretty;
	out.pretty = pretty;
}

bool is_json_context(void)
{
	return out.json;
}

const char *json_text(json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		(pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
		 JSON_C_TO_STRING_PLAIN);

	return json_object_to_json_string_ext(o, flags);
}

/* The document, on one line or pretty, and a newline. */
static void put_document(json_object *o)
{
	const char *s = json_text(o, out.pretty);

	if (s) {
		fputs(s, stdout);
		putchar('\n');
	}
	json_object_put(o);
	stdout_flush();	/* an error is kept for the exit status */
}

/* @v into the object or array open, under @key; the document if none. */
static void add(const char *key, json_object *v)
{
	json_object *top;

	if (!out.depth) {
		put_document(v);
		return;
	}
	top = out.stack[out.depth - 1];
	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, v);
	else
		json_object_object_add(top, key, v);
}

static bool wanted(enum output_type t)
{
	return t & (out.json ? PRINT_JSON : PRINT_FP);
}

static void open_container(const char *key, json_object *c)
{
	if (!out.json)
		return;
	if (out.depth == OUT_DEPTH) {	/* a bug: nothing nests that deep */
		json_object_put(c);
		return;
	}
	if (out.depth)
		add(key, c);	/* the parent owns it */
	out.stack[out.depth++] = c;
}

static void close_container(void)
{
	if (!out.json || !out.depth)
		return;
	if (!--out.depth)
		put_document(out.stack[0]);
}

void open_json_object(const char *key)
{
	if (out.json)
		open_container(key, json_object_new_object());
}

void close_json_object(void)
{
	close_container();
}

void open_json_array(const char *key)
{
	if (out.json)
		open_container(key, json_object_new_array());
}

void close_json_array(void)
{
	close_container();
}

void out_discard(void)
{
	if (out.depth)
		json_object_put(out.stack[0]);
	out.depth = 0;
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (!wanted(t))
		return;
	if (out.json)
		add(key, value ? json_object_new_string(value) : NULL);
	else if (fmt)
		printf(fmt, value ? cli_safe(value) : "");
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t value)
{
	if (!wanted(t))
		return;
	if (out.json)
		add(key, json_object_new_uint64(value));
	else if (fmt)
		printf(fmt, (unsigned long long)value);
}

void print_int(enum output_type t, const char *key, const char *fmt,
	       int64_t value)
{
	if (!wanted(t))
		return;
	if (out.json)
		add(key, json_object_new_int64(value));
	else if (fmt)
		printf(fmt, (long long)value);
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (!wanted(t))
		return;
	if (out.json)
		add(key, json_object_new_boolean(value));
	else if (fmt)
		printf(fmt, value ? "yes" : "no");
}

void print_null(enum output_type t, const char *key, const char *fmt)
{
	if (!wanted(t))
		return;
	if (out.json)
		add(key, NULL);
	else if (fmt)
		fputs(fmt, stdout);
}

void print_caps(enum output_type t, const char *key, const char *fmt,
		uint32_t bits)
{
	char buf[1024];

	if (!wanted(t))
		return;
	if (!out.json) {
		level_print(bits, true, " ", buf, sizeof(buf));
		if (fmt)
			printf(fmt, buf);
		return;
	}
	open_json_array(key);
	for (int i = 0; i < NCAPS; i++)
		if (bits & caps[i].bit)
			add(NULL, json_object_new_string(caps[i].name));
	bits &= ~(uint32_t)TUNPIN_CAP_ALL;
	if (bits) {
		caps_print(bits, " ", buf, sizeof(buf));
		add(NULL, json_object_new_string(buf));
	}
	close_json_array();
}

void print_json(const char *key, json_object *value)
{
	if (out.json)
		add(key, value);
	else
		json_object_put(value);
}

void print_members(json_object *o)
{
	if (out.json) {
		json_object_object_foreach(o, key, v)
			add(key, json_object_get(v));
	}
	json_object_put(o);
}

void print_fp(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
