// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin: the capability table and the textual form of a level.
 *
 * A level is written as capability names separated by spaces or commas, or
 * as "none" (nothing allowed) or "unpinned" (nothing enforced). It is read
 * back as the names in table order, separated by single spaces.
 */

#include <linux/kernel.h>
#include <linux/ctype.h>
#include <linux/string.h>
#include <linux/errno.h>
#include "tunpin.h"

const struct tunpin_cap_entry tunpin_caps[TUNPIN_NCAPS] = {
	TUNPIN_CAP_TABLE
};

static int tunpin_cap_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < TUNPIN_NCAPS; i++)
		if (strlen(tunpin_caps[i].name) == len &&
		    !memcmp(tunpin_caps[i].name, name, len))
			return i;
	return -ENOENT;
}

static bool tunpin_is_sep(char c)
{
	return c == ' ' || c == ',' || c == '\t' || c == '\n';
}

/**
 * tunpin_level_parse - parse the textual form of a level
 * @buf: NUL-terminated text (a trailing newline is fine)
 * @level: filled in on success only
 *
 * Return: 0, or -EINVAL for an unknown name, an empty or overlong string,
 * or "none"/"unpinned" mixed with names.
 */
int tunpin_level_parse(const char *buf, struct tunpin_level *level)
{
	size_t n = strnlen(buf, TUNPIN_LEVEL_MAX + 1);
	bool none = false, unpinned = false;
	const char *p = buf, *end = buf + n;
	unsigned int words = 0;
	u32 caps = 0;

	if (n > TUNPIN_LEVEL_MAX)
		return -EINVAL;

	while (p < end) {
		const char *w;
		size_t len;
		int i;

		while (p < end && tunpin_is_sep(*p))
			p++;
		if (p == end)
			break;
		w = p;
		while (p < end && !tunpin_is_sep(*p))
			p++;
		len = p - w;
		words++;

		if (len == 4 && !memcmp(w, "none", 4)) {
			none = true;
			continue;
		}
		if (len == 8 && !memcmp(w, "unpinned", 8)) {
			unpinned = true;
			continue;
		}
		i = tunpin_cap_lookup(w, len);
		if (i < 0)
			return -EINVAL;
		caps |= tunpin_caps[i].bit;
	}

	if (!words || ((none || unpinned) && words != 1))
		return -EINVAL;

	level->caps = caps;
	level->pinned = !unpinned;
	level->name[0] = '\0';
	return 0;
}

/**
 * tunpin_name_valid - whether @name may label a level
 * @name: NUL-terminated
 *
 * A label is printed in logs and sysfs: at most TUNPIN_NAME_MAX characters
 * of [A-Za-z0-9._:+@-]; the empty string means "no label".
 */
bool tunpin_name_valid(const char *name)
{
	size_t n = strnlen(name, TUNPIN_NAME_MAX + 1);
	const char *p;

	if (n > TUNPIN_NAME_MAX)
		return false;
	for (p = name; *p; p++)
		if (!(isascii(*p) && isalnum(*p)) && !strchr("._:+@-", *p))
			return false;
	return true;
}

/**
 * tunpin_bits_print - print a capability set as capability names
 * @bits: the set; TUNPIN_CAP_UNKNOWN prints as "unknown", any other bit
 *        outside the table as "unknown:0x..."
 * @buf: output
 * @size: size of @buf
 *
 * Return: the length printed, as scnprintf().
 */
int tunpin_bits_print(unsigned long bits, char *buf, size_t size)
{
	int i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < TUNPIN_NCAPS; i++)
		if (bits & tunpin_caps[i].bit)
			len += scnprintf(buf + len, size - len, "%s%s",
					 len ? " " : "", tunpin_caps[i].name);
	if (bits & TUNPIN_CAP_UNKNOWN)
		len += scnprintf(buf + len, size - len, "%sunknown",
				 len ? " " : "");
	bits &= ~(unsigned long)(TUNPIN_CAP_ALL | TUNPIN_CAP_UNKNOWN);
	if (bits)
		len += scnprintf(buf + len, size - len, "%sunknown:%#lx",
				 len ? " " : "", bits);
	return len;
}

/**
 * tunpin_level_print - print a level in its textual form (no newline)
 * @level: the level
 * @buf: output
 * @size: size of @buf
 *
 * Return: the length printed, as scnprintf().
 */
int tunpin_level_print(const struct tunpin_level *level, char *buf,
		       size_t size)
{
	if (!level->pinned)
		return scnprintf(buf, size, "unpinned");
	if (!level->caps)
		return scnprintf(buf, size, "none");
	return tunpin_bits_print(level->caps, buf, size);
}

/**
 * tunpin_vhost_words - the virtio feature words a capability set allows
 * @caps: a capability set
 * @words: out: VHOST_GET_FEATURES_ARRAY's words 0 and 1
 */
void tunpin_vhost_words(u32 caps, u64 words[TUNPIN_VHOST_WORDS])
{
	int i;

	words[0] = 0;
	words[1] = 0;
	for (i = 0; i < TUNPIN_NCAPS; i++)
		if (tunpin_caps[i].vbit >= 0 && (caps & tunpin_caps[i].bit))
			words[tunpin_caps[i].vbit / 64] |=
				BIT_ULL(tunpin_caps[i].vbit % 64);
}

/**
 * tunpin_vhost_caps - the capability set of virtio feature words
 * @words: VHOST_SET_FEATURES_ARRAY's words 0 and 1
 *
 * Return: the capabilities, with TUNPIN_CAP_UNKNOWN if a bit is outside
 * the table.
 */
u32 tunpin_vhost_caps(const u64 words[TUNPIN_VHOST_WORDS])
{
	u64 known[TUNPIN_VHOST_WORDS];
	u32 caps = 0;
	int i;

	for (i = 0; i < TUNPIN_NCAPS; i++) {
		int b = tunpin_caps[i].vbit;

		if (b >= 0 && (words[b / 64] & BIT_ULL(b % 64)))
			caps |= tunpin_caps[i].bit;
	}
	tunpin_vhost_words(TUNPIN_CAP_VHOST, known);
	if ((words[0] & ~known[0]) || (words[1] & ~known[1]))
		caps |= TUNPIN_CAP_UNKNOWN;
	return caps;
}

/**
 * tunpin_tap_caps - the capability set of a TUNSETOFFLOAD argument
 * @arg: TUN_F_* flags
 *
 * Return: the capabilities, with TUNPIN_CAP_UNKNOWN if a flag is outside
 * the table.
 */
u32 tunpin_tap_caps(unsigned long arg)
{
	return (arg & TUNPIN_CAP_TAP) |
	       (arg & ~(unsigned long)TUNPIN_CAP_TAP ? TUNPIN_CAP_UNKNOWN : 0);
}
