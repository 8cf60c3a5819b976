// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): which VM a tracked file belongs to, from /proc and /sys (see
 * vminfo.h). Nothing here asks the kernel more than a file read: the tool
 * never looks into another process but through /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "vminfo.h"

#define PATH_SIZE	(VM_CGROUP_SIZE + 64)

/* A small file into @buf, NUL-terminated: its length, or -1. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)len < size - 1 &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* The line after the one @p is in, or NULL. */
static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p && p[1] ? p + 1 : NULL;
}

static void copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int vm_fdinfo_iff(const char *text, char *name, size_t size)
{
	for (const char *p = text; p; p = next_line(p)) {
		size_t n;

		if (strncmp(p, "iff:", 4))
			continue;
		p += 4;
		p += strspn(p, " \t");
		n = strcspn(p, "\n");
		if (!n || n >= size)
			return -1;
		copy(name, size, p, n);
		return 0;
	}
	return -1;
}

int vm_cgroup_parse(const char *text, char *path, size_t size)
{
	for (const char *p = text; p; p = next_line(p)) {
		size_t n;

		if (strncmp(p, "0::", 3))
			continue;
		p += 3;
		n = strcspn(p, "\n");
		if (!n || *p != '/' || n >= size)
			return -1;
		copy(path, size, p, n);
		return 0;
	}
	return -1;
}

int vm_unescape(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned int ch = (unsigned char)s[i];

		if (ch == '\\') {
			if (i + 3 >= len || s[i + 1] != 'x' ||
			    !isxdigit((unsigned char)s[i + 2]) ||
			    !isxdigit((unsigned char)s[i + 3]))
				return -1;
			ch = (unsigned int)strtoul((char[]){ s[i + 2], s[i + 3],
							    '\0' }, NULL, 16);
			if (!ch)
				return -1;
			i += 3;
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !memcmp(s + len - n, suffix, n);
}

/*
 * libvirt's machine name, "qemu-ID-NAME" (libvirt 3.x on; older ones
 * said "qemu-NAME"), unescaped: NAME into @vm. False if not libvirt's.
 */
static bool libvirt_domain(const char *comp, size_t len, char *vm,
			   size_t size)
{
	static const char pre[] = "machine-", suf[] = ".scope";
	char machine[VM_NAME_SIZE];
	const char *p;
	size_t digits;

	if (len <= sizeof(pre) - 1 + sizeof(suf) - 1 ||
	    strncmp(comp, pre, sizeof(pre) - 1) || !ends_with(comp, len, suf))
		return false;
	if (vm_unescape(comp + sizeof(pre) - 1,
			len - (sizeof(pre) - 1) - (sizeof(suf) - 1), machine,
			sizeof(machine)))
		return false;
	if (strncmp(machine, "qemu-", 5) || !machine[5])
		return false;
	p = machine + 5;
	digits = strspn(p, "0123456789");
	if (digits && p[digits] == '-' && p[digits + 1])
		p += digits + 1;
	copy(vm, size, p, strlen(p));
	return true;
}

enum vm_source vm_of_cgroup(const char *path, char *vm, size_t size)
{
	const char *unit = NULL, *p = path;
	size_t unit_len = 0;

	vm[0] = '\0';
	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (!n)
			break;
		if (libvirt_domain(p, n, vm, size))
			return VM_LIBVIRT;
		if (ends_with(p, n, ".service") || ends_with(p, n, ".scope")) {
			unit = p;
			unit_len = n;
		}
		p += n;
	}
	if (!unit)
		return VM_NONE;
	copy(vm, size, unit, unit_len);
	return VM_UNIT;
}

bool vm_cgroup_under(const char *path, const char *top)
{
	size_t n = strlen(top);

	while (n && top[n - 1] == '/')
		n--;		/* "/" and "/a/" as "" and "/a" */
	return !strncmp(path, top, n) && (path[n] == '/' || !path[n]);
}

/* Add @name to the list in @buf unless it is there. */
static void add_name(char *buf, size_t size, const char *name)
{
	size_t len = strlen(buf), n = strlen(name);

	for (const char *p = buf; *p; ) {
		size_t w = strcspn(p, " ");

		if (w == n && !memcmp(p, name, n))
			return;
		p += w + (p[w] == ' ');
	}
	if (len + (len ? 1 : 0) + n + 1 > size)
		return;
	snprintf(buf + len, size - len, "%s%s", len ? " " : "", name);
}

/* The interface of /dev/tapN: its /sys/class/macvtap or ipvtap entry
 * links to .../net/IFNAME/tapN; else ifindex N here (real /sys only). */
static bool tap_dev_name(const char *root, unsigned long idx, char *name,
			 size_t size)
{
	static const char *const classes[] = { "macvtap", "ipvtap" };
	char path[PATH_SIZE], link[512];

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		ssize_t n;
		char *end, *start;

		snprintf(path, sizeof(path), "%s/sys/class/%s/tap%lu", root,
			 classes[i], idx);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		end = strrchr(link, '/');
		if (!end)
			continue;
		*end = '\0';
		start = strrchr(link, '/');
		start = start ? start + 1 : link;
		if (*start && strlen(start) < size) {
			snprintf(name, size, "%s", start);
			return true;
		}
	}
	if (root[0] || idx > 0x7fffffff)
		return false;
	return if_indextoname((unsigned int)idx, name) != NULL;
}

void vm_ifnames(const char *root, uint32_t pid, char *buf, size_t size)
{
	char path[PATH_SIZE], link[64], text[1024], name[IF_NAMESIZE + 1];
	struct dirent *e;
	DIR *d;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/proc/%u/fd", root, pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		unsigned long idx;
		char *end;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/proc/%u/fd/%s", root, pid,
			 e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, "/dev/net/tun")) {
			snprintf(path, sizeof(path), "%s/proc/%u/fdinfo/%s",
				 root, pid, e->d_name);
			if (read_text(path, text, sizeof(text)) < 0 ||
			    vm_fdinfo_iff(text, name, sizeof(name)))
				continue;
		} else if (!strncmp(link, "/dev/tap", 8) &&
			   isdigit((unsigned char)link[8])) {
			idx = strtoul(link + 8, &end, 10);
			if (*end || !tap_dev_name(root, idx, name,
						  sizeof(name)))
				continue;
		} else {
			continue;
		}
		add_name(buf, size, name);
	}
	closedir(d);
}

void vm_info_get(const char *root, uint32_t pid, struct vm_info *vi)
{
	char path[PATH_SIZE], text[VM_CGROUP_SIZE + 512];

	memset(vi, 0, sizeof(*vi));
	vm_ifnames(root, pid, vi->ifnames, sizeof(vi->ifnames));
	snprintf(path, sizeof(path), "%s/proc/%u/cgroup", root, pid);
	if (read_text(path, text, sizeof(text)) < 0 ||
	    vm_cgroup_parse(text, vi->cgroup, sizeof(vi->cgroup)))
		vi->cgroup[0] = '\0';
	else
		vi->source = vm_of_cgroup(vi->cgroup, vi->vm, sizeof(vi->vm));
}

const char *vm_source_name(enum vm_source s)
{
	switch (s) {
	case VM_LIBVIRT:
		return "libvirt";
	case VM_UNIT:
		return "systemd";
	default:
		return NULL;
	}
}

json_object *vm_ifnames_json(const char *ifnames)
{
	json_object *a = json_object_new_array();
	char name[VM_IFNAMES_SIZE];

	for (const char *p = ifnames; *p; ) {
		size_t n = strcspn(p, " ");

		copy(name, sizeof(name), p, n);
		if (n)
			json_object_array_add(a, json_object_new_string(name));
		p += n + (p[n] == ' ');
	}
	return a;
}

static json_object *string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

void vm_info_json(json_object *o, const struct vm_info *vi)
{
	json_object_object_add(o, "interfaces", vm_ifnames_json(vi->ifnames));
	json_object_object_add(o, "cgroup", string_or_null(vi->cgroup));
	json_object_object_add(o, "vm", string_or_null(vi->vm));
	json_object_object_add(o, "vm_source",
			       string_or_null(vm_source_name(vi->source)));
}

void vm_info_print(const struct vm_info *vi, const char *indent)
{
	printf("%sinterfaces: %s\n", indent,
	       vi->ifnames[0] ? cli_safe(vi->ifnames) : "none known");
	printf("%scgroup: %s\n", indent,
	       vi->cgroup[0] ? cli_safe(vi->cgroup) : "unknown");
	if (vi->source == VM_NONE)
		printf("%svm: unknown\n", indent);
	else
		printf("%svm: %s (%s)\n", indent, cli_safe(vi->vm),
		       vi->source == VM_LIBVIRT ? "libvirt domain" :
						  "systemd unit");
}
