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

int caps_print(uint32_t bits, const char *sep, char *buf, size_t size)
{
	size_t len = 0;
	int n;

	if (size)
		buf[0] = '\0';
	for (int i = 0; i < NCAPS; i++) {
		if (!(bits & caps[i].bit))
			continue;
		n = snprintf(buf + (len < size ? len : size),
			     len < size ? size - len : 0, "%s%s",
			     len ? sep : "", caps[i].name);
		len += n;
	}
	bits &= ~(uint32_t)TUNPIN_CAP_ALL;
	if (bits) {
		n = snprintf(buf + (len < size ? len : size),
			     len < size ? size - len : 0, "%sunknown:%#x",
			     len ? sep : "", bits);
		len += n;
	}
	return (int)len;
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
