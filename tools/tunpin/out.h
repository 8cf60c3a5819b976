/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): the output layer, in the spirit of iproute2's json_print.
 *
 * Every command prints through it: one call writes the text form or
 * the JSON member, as -j and -p said (out_setup(), once, for every
 * command). In text mode a print_*() of PRINT_ANY or PRINT_FP writes its
 * format with the value (strings made safe by cli_safe()); in JSON mode
 * one of PRINT_ANY or PRINT_JSON adds the value under its key to the
 * object or array open (open_json_object(), open_json_array()). When the
 * outermost one is closed the document is written, one line (-j) or
 * pretty (-p), as json_text() formats every JSON tunpin writes.
 */
#ifndef TUNPIN_TOOL_OUT_H
#define TUNPIN_TOOL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

enum output_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/* -j (@json), -p (@pretty, implies -j): for the rest of the run. */
void out_setup(bool json, bool pretty);
bool is_json_context(void);

/*
 * An object or array: in the one open (under @key in an object; @key is
 * ignored in an array), or the document itself. No-ops in text mode.
 */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);
/* Drop the document being built (an error half-way): nothing printed. */
void out_discard(void);

/* @fmt takes the value (%s, %llu, %lld); NULL: nothing in text. */
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);	/* NULL: JSON null */
void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t value);
void print_int(enum output_type t, const char *key, const char *fmt,
	       int64_t value);
/* Text: "yes" or "no" into @fmt's %s. */
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value);
/* JSON null; text: @fmt as it is. */
void print_null(enum output_type t, const char *key, const char *fmt);
/*
 * Capability bits: JSON, an array of their names (unknown bits as
 * "unknown:0x..."); text, into @fmt's %s, the names separated by spaces
 * or "none".
 */
void print_caps(enum output_type t, const char *key, const char *fmt,
		uint32_t bits);
/* A value built elsewhere (a dump, a level), taken over; JSON only. */
void print_json(const char *key, json_object *value);
/* The members of object @o, built elsewhere, into the object open. */
void print_members(json_object *o);
/* Text only: printf(). */
void print_fp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* @o as tunpin writes JSON: -p's pretty form, or one line. */
const char *json_text(json_object *o, bool pretty);

#endif
