// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "caps.h"

const struct cap caps[NCAPS] = {
	TUNPIN_CAP_TABLE
};

uint32_t cap_bit(const char *name, size_t len)
{
	for (int i = 0; i < NCAPS; i++)
		if (strlen(caps[i].name) == len &&
		    !memcmp(caps[i].name, name, len))
			return caps[i].bit;
	return 0;
}

int caps_parse(const char *s, uint32_t *bits)
{
	const char *sep = " ,\t\n";
	uint32_t out = 0;

	while (*s) {
		size_t len;
		uint32_t bit;

		s += strspn(s, sep);
		len = strcspn(s, sep);
		if (!len)
			break;
		bit = cap_bit(s, len);
		if (!bit)
			return -1;
		out |= bit;
		s += len;
	}
	*bits = out;
	return 0;
}

/* Append @word (a %s or %#x format and its value) to @buf at @len. */
#define APPEND(fmt, ...)						\
	(len += (size_t)snprintf(buf + (len < size ? len : size),	\
				 len < size ? size - len : 0,		\
				 "%s" fmt, len ? sep : "", __VA_ARGS__))

int caps_print(uint32_t bits, const char *sep, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (int i = 0; i < NCAPS; i++)
		if (bits & caps[i].bit)
			APPEND("%s", caps[i].name);
	bits &= ~(uint32_t)TUNPIN_CAP_ALL;
	if (bits)
		APPEND("unknown:%#x", bits);
	return (int)len;
}

int offload_unknown_print(uint32_t flags, const char *sep, char *buf,
			  size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (int b = 0; b < 32; b++)
		if (flags & (1u << b) & ~(uint32_t)TUNPIN_CAP_TAP)
			APPEND("unknown:%#x", 1u << b);
	return (int)len;
}

uint32_t vhost_caps(const uint64_t w[VHOST_WORDS],
		    uint64_t unknown[VHOST_WORDS])
{
	uint64_t left[VHOST_WORDS] = { w[0], w[1] };
	uint32_t bits = 0;

	for (int i = 0; i < NCAPS; i++) {
		int v = caps[i].vbit;

		if (v < 0 || v >= 64 * VHOST_WORDS)
			continue;
		if (left[v / 64] & (1ull << (v % 64))) {
			bits |= caps[i].bit;
			left[v / 64] &= ~(1ull << (v % 64));
		}
	}
	if (unknown)
		for (int k = 0; k < VHOST_WORDS; k++)
			unknown[k] = left[k];
	return bits;
}

void vhost_features(uint32_t bits, uint64_t w[VHOST_WORDS])
{
	for (int k = 0; k < VHOST_WORDS; k++)
		w[k] = 0;
	for (int i = 0; i < NCAPS; i++) {
		int v = caps[i].vbit;

		if (v >= 0 && v < 64 * VHOST_WORDS && (bits & caps[i].bit))
			w[v / 64] |= 1ull << (v % 64);
	}
}

int vhost_unknown_print(const uint64_t u[VHOST_WORDS], const char *sep,
			char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (int b = 0; b < 64 * VHOST_WORDS; b++)
		if (u[b / 64] & (1ull << (b % 64)))
			APPEND("vhost_unknown:%d", b);
	return (int)len;
}

int vhost_unknown_parse(const char *s)
{
	const char *p = "vhost_unknown:";
	size_t n = strlen(p);
	int v = 0;

	if (strncmp(s, p, n) || !s[n] || strlen(s + n) > 3 ||
	    strspn(s + n, "0123456789") != strlen(s + n) ||
	    (s[n] == '0' && s[n + 1]))
		return -1;
	for (s += n; *s; s++)
		v = v * 10 + (*s - '0');
	return v < 64 * VHOST_WORDS ? v : -1;
}

int level_parse(const char *s, uint32_t *bits, bool *pinned,
		char *err, size_t errsize)
{
	const char *sep = " ,\t\n";
	uint32_t out = 0;
	bool special = false, pin = true;
	int words = 0;

	for (;;) {
		size_t len;
		uint32_t bit;

		s += strspn(s, sep);
		len = strcspn(s, sep);
		if (!len)
			break;
		words++;
		if (len == 4 && !memcmp(s, "none", 4)) {
			special = true;
		} else if (len == 8 && !memcmp(s, "unpinned", 8)) {
			special = true;
			pin = false;
		} else {
			bit = cap_bit(s, len);
			if (!bit) {
				snprintf(err, errsize,
					 "unknown capability '%.*s'",
					 (int)len, s);
				return -1;
			}
			out |= bit;
		}
		s += len;
	}
	if (!words) {
		snprintf(err, errsize, "empty level");
		return -1;
	}
	if (special && words > 1) {
		snprintf(err, errsize,
			 "'none' and 'unpinned' stand alone in a level");
		return -1;
	}
	*bits = out;
	*pinned = pin;
	return 0;
}

int level_print(uint32_t bits, bool pinned, const char *sep,
		char *buf, size_t size)
{
	if (!pinned)
		return snprintf(buf, size, "unpinned");
	if (!bits)
		return snprintf(buf, size, "none");
	return caps_print(bits, sep, buf, size);
}
