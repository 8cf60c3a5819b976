/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunpin(8): which VM a tracked file belongs to. The module reports each
 * open TAP or vhost-net file with the pid and comm of its owner (the last
 * process whose call on it was accepted); /proc and /sys tell the rest:
 * the TAP interfaces that process holds, its cgroup, and the VM that
 * cgroup is (a libvirt domain) or the systemd unit it is in.
 */
#ifndef TUNPIN_TOOL_VMINFO_H
#define TUNPIN_TOOL_VMINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define VM_IFNAMES_SIZE	256
#define VM_CGROUP_SIZE	4096
#define VM_NAME_SIZE	256

enum vm_source {
	VM_NONE,	/* no VM known */
	VM_LIBVIRT,	/* a libvirt domain, from its machine scope */
	VM_UNIT,	/* not libvirt's: the systemd unit of the process */
};

struct vm_info {
	/* the TAP interfaces the process holds, each once, separated by
	 * spaces; "" if none could be named */
	char ifnames[VM_IFNAMES_SIZE];
	char cgroup[VM_CGROUP_SIZE];	/* cgroup v2 path; "" if unknown */
	char vm[VM_NAME_SIZE];		/* the domain or unit; "" if none */
	enum vm_source source;
};

/*
 * What /proc and /sys say of process @pid, under @root ("" for the real
 * ones; a directory holding proc/ and sys/ for the tests). Whatever
 * cannot be read (the process is gone, no cgroup v2) is left empty.
 *
 * The interfaces: each fd of the process linked to /dev/net/tun is named
 * by the "iff:" line tun prints in its fdinfo (tun_chr_show_fdinfo(), in
 * every kernel tunpin supports); each linked to /dev/tapN (macvtap or
 * ipvtap, N its ifindex) by the interface /sys/class/macvtap/tapN (or
 * ipvtap) belongs to, else by ifindex N in this network namespace. As
 * the module reports files, not fds, every file of a process lists all
 * the TAP interfaces the process holds.
 */
void vm_info_get(const char *root, uint32_t pid, struct vm_info *vi);
/* Only the interfaces of vm_info_get(), into @buf. */
void vm_ifnames(const char *root, uint32_t pid, char *buf, size_t size);

/* "libvirt", "systemd" or NULL. */
const char *vm_source_name(enum vm_source s);

/* -j: "interfaces" (an array), "cgroup", "vm" and "vm_source" (null
 * when unknown), added to @o. */
void vm_info_json(json_object *o, const struct vm_info *vi);
/* The interfaces, separated by spaces, as a JSON array. */
json_object *vm_ifnames_json(const char *ifnames);
/* The same as lines "<indent>interfaces: ...", "cgroup:", "vm:". */
void vm_info_print(const struct vm_info *vi, const char *indent);

/* --- the parsers, for the unit tests ------------------------------------ */

/* The interface name of a tun fdinfo @text ("iff:\ttap0"): 0, or -1 if
 * it has none (not attached to an interface, or not tun's). */
int vm_fdinfo_iff(const char *text, char *name, size_t size);
/* The cgroup v2 path of a /proc/PID/cgroup @text (its "0::" line): 0, or
 * -1 if it has none. */
int vm_cgroup_parse(const char *text, char *path, size_t size);
/*
 * The VM of cgroup @path: a component machine-qemu\x2dID\x2dNAME.scope
 * (libvirt's machine scope, systemd-escaped) is domain NAME; else the
 * last component that is a *.service or *.scope is that unit (its name as
 * systemd spells it, escaped); else none.
 */
enum vm_source vm_of_cgroup(const char *path, char *vm, size_t size);
/* Undo systemd's unit name escaping (\xNN) of @len bytes of @s: 0, or -1
 * if it does not fit @size or a \x is malformed. */
int vm_unescape(const char *s, size_t len, char *out, size_t size);
/* Whether cgroup @path is @top or below it ("/a/b" is under "/a", not
 * "/ab"; every path is under "/"). */
bool vm_cgroup_under(const char *path, const char *top);

#endif
