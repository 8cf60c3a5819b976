// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of which VM holds what (vminfo.c), on strings recorded from
 * real kernels and a fake /proc and /sys tree made here; of precheck's and
 * set --dry-run's judgement (precheck.c); and of the canary's choice of
 * request (canary.c). Parsing only: the kernel is the VM tests' part.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../caps.h"
#include "../tapcaps.h"
#include "../canary.h"
#include "../cli.h"
#include "../precheck.h"
#include "../vminfo.h"
#include "unit.h"


/* /proc/PID/fdinfo/FD of a tun file, as 6.1 and 7.2 print it. */
static const char fdinfo_tun[] =
	"pos:\t0\nflags:\t02004002\nmnt_id:\t25\nino:\t1052\niff:\ttap0\n";
/* A tun file no TUNSETIFF attached yet: "iff:" and nothing. */
static const char fdinfo_detached[] =
	"pos:\t0\nflags:\t02\nmnt_id:\t25\nino:\t1052\niff:\t\n";
/* /dev/vhost-net's: no iff: line. */
static const char fdinfo_vhost[] = "pos:\t0\nflags:\t02\nmnt_id:\t25\nino:\t1090\n";

static void test_parsers(void)
{
	char buf[VM_CGROUP_SIZE];

	CHECK(vm_fdinfo_iff(fdinfo_tun, buf, 16) == 0 && !strcmp(buf, "tap0"));
	CHECK(vm_fdinfo_iff(fdinfo_detached, buf, 16) == -1);
	CHECK(vm_fdinfo_iff(fdinfo_vhost, buf, 16) == -1);
	CHECK(vm_fdinfo_iff("", buf, 16) == -1);
	CHECK(vm_fdinfo_iff("iff:\tabcdefghijklmnopq\n", buf, 16) == -1);

	/* cgroup v2 only; hybrid (v1 lines, then 0::); v1 only */
	CHECK(vm_cgroup_parse("0::/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator\n",
			      buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator"));
	CHECK(vm_cgroup_parse("12:pids:/user.slice\n1:name=systemd:/user.slice/x.scope\n0::/user.slice/user-0.slice/session-3.scope\n",
			      buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "/user.slice/user-0.slice/session-3.scope"));
	CHECK(vm_cgroup_parse("0::/\n", buf, sizeof(buf)) == 0 && !strcmp(buf, "/"));
	CHECK(vm_cgroup_parse("4:cpu:/a\n1:name=systemd:/a\n", buf, sizeof(buf)) == -1);
	CHECK(vm_cgroup_parse("", buf, sizeof(buf)) == -1);
	CHECK(vm_cgroup_parse("0::/abcdef\n", buf, 4) == -1);

	CHECK(vm_unescape("qemu\\x2d1\\x2dvm", 15, buf, 64) == 0 &&
	      !strcmp(buf, "qemu-1-vm"));
	CHECK(vm_unescape("a\\x2", 4, buf, 64) == -1);
	CHECK(vm_unescape("a\\xzz", 5, buf, 64) == -1);
	CHECK(vm_unescape("a\\x00", 5, buf, 64) == -1);
	CHECK(vm_unescape("abcd", 4, buf, 4) == -1);
	CHECK(vm_unescape("abc", 3, buf, 4) == 0 && !strcmp(buf, "abc"));
}

static void test_vm_of_cgroup(void)
{
	char vm[VM_NAME_SIZE];

	/* libvirt 3.x on: machine-qemu\x2dID\x2dNAME.scope */
	CHECK(vm_of_cgroup("/machine.slice/machine-qemu\\x2d1\\x2dvmtest.scope",
			   vm, sizeof(vm)) == VM_LIBVIRT && !strcmp(vm, "vmtest"));
	/* QEMU's threads in libvirt's sub-cgroups; a name with dashes */
	CHECK(vm_of_cgroup("/machine.slice/machine-qemu\\x2d12\\x2dweb\\x2d01.scope/libvirt/emulator",
			   vm, sizeof(vm)) == VM_LIBVIRT && !strcmp(vm, "web-01"));
	/* a partition slice of its own */
	CHECK(vm_of_cgroup("/machine.slice/machine-nomigrate.slice/machine-qemu\\x2d3\\x2da.b.scope/libvirt/vcpu0",
			   vm, sizeof(vm)) == VM_LIBVIRT && !strcmp(vm, "a.b"));
	/* older libvirt: no ID */
	CHECK(vm_of_cgroup("/machine.slice/machine-qemu\\x2dold.scope", vm,
			   sizeof(vm)) == VM_LIBVIRT && !strcmp(vm, "old"));
	/* a name that is digits */
	CHECK(vm_of_cgroup("/machine.slice/machine-qemu\\x2d4\\x2d42.scope", vm,
			   sizeof(vm)) == VM_LIBVIRT && !strcmp(vm, "42"));
	/* not libvirt's machine: the unit */
	CHECK(vm_of_cgroup("/machine.slice/machine-nspawn1.scope", vm,
			   sizeof(vm)) == VM_UNIT &&
	      !strcmp(vm, "machine-nspawn1.scope"));
	CHECK(vm_of_cgroup("/system.slice/firecracker@vm7.service", vm,
			   sizeof(vm)) == VM_UNIT &&
	      !strcmp(vm, "firecracker@vm7.service"));
	/* the last unit: the scope in the service's cgroup */
	CHECK(vm_of_cgroup("/system.slice/kubelet.service/pod.scope/x", vm,
			   sizeof(vm)) == VM_UNIT && !strcmp(vm, "pod.scope"));
	/* units keep systemd's escaping: that is their name */
	CHECK(vm_of_cgroup("/system.slice/system-qemu\\x2dvm.slice/qemu\\x2dvm.service",
			   vm, sizeof(vm)) == VM_UNIT &&
	      !strcmp(vm, "qemu\\x2dvm.service"));
	CHECK(vm_of_cgroup("/", vm, sizeof(vm)) == VM_NONE && !vm[0]);
	CHECK(vm_of_cgroup("/tunpin-tool-test", vm, sizeof(vm)) == VM_NONE);
	CHECK(vm_of_cgroup("/machine.slice", vm, sizeof(vm)) == VM_NONE);
	CHECK(vm_of_cgroup("/a/.scope", vm, sizeof(vm)) == VM_NONE);
	/* a malformed escape is no libvirt domain */
	CHECK(vm_of_cgroup("/machine.slice/machine-qemu\\x2.scope", vm,
			   sizeof(vm)) == VM_UNIT);

	CHECK(vm_cgroup_under("/a/b", "/a"));
	CHECK(vm_cgroup_under("/a/b", "/a/"));
	CHECK(vm_cgroup_under("/a", "/a"));
	CHECK(vm_cgroup_under("/a", "/"));
	CHECK(!vm_cgroup_under("/ab", "/a"));
	CHECK(!vm_cgroup_under("/a", "/a/b"));
}

/* --- a fake /proc and /sys ----------------------------------------------- */

static char root[64];

static void put(const char *path, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, path);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void dir(const char *path)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, path);
	mkdir(p, 0755);
}

static void link_to(const char *path, const char *target)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, path);
	if (symlink(target, p))
		perror(p);
}

static void rm_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", root);
}

static void test_fake_proc(void)
{
	static const char *const dirs[] = {
		"proc", "proc/4242", "proc/4242/fd", "proc/4242/fdinfo",
		"proc/77", "proc/77/fd", "proc/77/fdinfo",
		"sys", "sys/class", "sys/class/macvtap", "sys/class/ipvtap",
	};
	struct vm_info vi;

	snprintf(root, sizeof(root), "%s/tunpin-vminfo.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		CHECK(!"mkdtemp");
		return;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		dir(dirs[i]);
	/* QEMU of libvirt's vmtest: two queues of tap0, one of tap1, a
	 * macvtap (/dev/tap7, of macvtap0), an ipvtap (/dev/tap9), its
	 * vhost-net and other files */
	link_to("proc/4242/fd/0", "/dev/null");
	link_to("proc/4242/fd/3", "/dev/net/tun");
	put("proc/4242/fdinfo/3", fdinfo_tun);
	link_to("proc/4242/fd/4", "/dev/net/tun");
	put("proc/4242/fdinfo/4", fdinfo_tun);
	link_to("proc/4242/fd/5", "/dev/net/tun");
	put("proc/4242/fdinfo/5", "pos:\t0\nflags:\t02\niff:\ttap1\n");
	link_to("proc/4242/fd/6", "/dev/vhost-net");
	put("proc/4242/fdinfo/6", fdinfo_vhost);
	link_to("proc/4242/fd/7", "/dev/tap7");
	link_to("sys/class/macvtap/tap7", "../../devices/virtual/net/macvtap0/tap7");
	link_to("proc/4242/fd/8", "/dev/tap9");
	link_to("sys/class/ipvtap/tap9", "../../devices/virtual/net/ipvtap3/tap9");
	link_to("proc/4242/fd/9", "/dev/tap12x");
	link_to("proc/4242/fd/10", "/dev/tap13");	/* no such class entry */
	link_to("proc/4242/fd/11", "socket:[1234]");
	put("proc/4242/cgroup", "0::/machine.slice/machine-qemu\\x2d1\\x2dvmtest.scope/libvirt/emulator\n");
	/* a process with an unattached tun file, in a plain cgroup */
	link_to("proc/77/fd/3", "/dev/net/tun");
	put("proc/77/fdinfo/3", fdinfo_detached);
	put("proc/77/cgroup", "0::/tunpin-tool-test\n");

	vm_info_get(root, 4242, &vi);
	CHECK(!strcmp(vi.ifnames, "tap0 tap1 macvtap0 ipvtap3") ||
	      /* readdir's order is the file system's */
	      (strstr(vi.ifnames, "tap0") && strstr(vi.ifnames, "tap1") &&
	       strstr(vi.ifnames, "macvtap0") && strstr(vi.ifnames, "ipvtap3") &&
	       strlen(vi.ifnames) == strlen("tap0 tap1 macvtap0 ipvtap3")));
	CHECK(!strcmp(vi.cgroup, "/machine.slice/machine-qemu\\x2d1\\x2dvmtest.scope/libvirt/emulator"));
	CHECK(vi.source == VM_LIBVIRT && !strcmp(vi.vm, "vmtest"));

	vm_info_get(root, 77, &vi);
	CHECK(!vi.ifnames[0] && !strcmp(vi.cgroup, "/tunpin-tool-test") &&
	      vi.source == VM_NONE && !vi.vm[0]);
	/* a process gone: nothing known */
	vm_info_get(root, 5, &vi);
	CHECK(!vi.ifnames[0] && !vi.cgroup[0] && vi.source == VM_NONE);

	/* -j: "interfaces" an array, the rest null when unknown */
	{
		json_object *o = json_object_new_object();
		const char *s;

		vm_info_json(o, &vi);
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE);
		CHECK(!strcmp(s, "{\"interfaces\":[],\"cgroup\":null,\"vm\":null,\"vm_source\":null}"));
		json_object_put(o);
		o = json_object_new_object();
		vm_info_get(root, 4242, &vi);
		vm_info_json(o, &vi);
		CHECK(json_object_array_length(json_object_object_get(o, "interfaces")) == 4);
		CHECK(!strcmp(json_object_get_string(json_object_object_get(o, "vm")), "vmtest"));
		CHECK(!strcmp(json_object_get_string(json_object_object_get(o, "vm_source")), "libvirt"));
		json_object_put(o);
	}
	rm_tree();
}

/* --- precheck and set --dry-run ------------------------------------------ */

static void test_select(void)
{
	struct vm_select sel;
	struct vm_info vi = { .cgroup = "/machine.slice/machine-qemu\\x2d1\\x2dvmtest.scope/libvirt/emulator",
			      .vm = "vmtest", .source = VM_LIBVIRT };
	struct vm_info unit = { .cgroup = "/system.slice/fc.service",
				.vm = "fc.service", .source = VM_UNIT };
	char err[128];

	CHECK(vm_select_parse("4242", &sel, err, sizeof(err)) == 0 &&
	      sel.kind == SEL_PID && sel.pid == 4242);
	CHECK(vm_select_match(&sel, 4242, &vi) && !vm_select_match(&sel, 42, &vi));
	CHECK(vm_select_parse("0", &sel, err, sizeof(err)) == -1 &&
	      strstr(err, "not a pid"));
	CHECK(vm_select_parse("4294967296", &sel, err, sizeof(err)) == -1);
	CHECK(vm_select_parse("", &sel, err, sizeof(err)) == -1);
	CHECK(vm_select_parse("vmtest", &sel, err, sizeof(err)) == 0 &&
	      sel.kind == SEL_NAME);
	CHECK(vm_select_match(&sel, 1, &vi) && !vm_select_match(&sel, 1, &unit));
	CHECK(vm_select_parse("fc.service", &sel, err, sizeof(err)) == 0 &&
	      vm_select_match(&sel, 1, &unit));
	CHECK(vm_select_parse("/machine.slice/machine-qemu\\x2d1\\x2dvmtest.scope",
			      &sel, err, sizeof(err)) == 0 &&
	      sel.kind == SEL_CGROUP);
	CHECK(vm_select_match(&sel, 1, &vi) && !vm_select_match(&sel, 1, &unit));
	CHECK(vm_select_parse("/machine.slice/machine-qemu", &sel, err,
			      sizeof(err)) == 0 && !vm_select_match(&sel, 1, &vi));
	CHECK(vm_select_parse("/", &sel, err, sizeof(err)) == 0 &&
	      vm_select_match(&sel, 1, &vi) && vm_select_match(&sel, 1, &unit));
	/* a process whose cgroup is unknown is in none */
	CHECK(!vm_select_match(&sel, 1, &(struct vm_info){ 0 }));
	/* the command line: checked before the module is looked for */
	{
		struct cli c;

		CHECK(PARSE(&c, "precheck", "vmtest", "linux-6.1") == 0 &&
		      c.cmd == CLI_PRECHECK && c.argc == 2);
		CHECK(PARSE(&c, "precheck", "vmtest", "csum", "tso4", "-j") == 0 &&
		      c.argc == 3 && (c.opts & OPT_JSON));
		CHECK(PARSE(&c, "precheck", "0", "csum") == -1 &&
		      strstr(c.err, "not a pid"));
		CHECK(PARSE(&c, "precheck", "vmtest") == -1);
		CHECK(PARSE(&c, "precheck", "vmtest", "csum", "--force") == -1);
		CHECK(PARSE(&c, "set", "--dry-run", "csum") == 0 &&
		      (c.opts & OPT_DRY_RUN) && c.cmd == CLI_SET);
		CHECK(PARSE(&c, "set", "csum", "--dry-run", "--force") == 0 &&
		      (c.opts & (OPT_DRY_RUN | OPT_FORCE)) ==
		      (OPT_DRY_RUN | OPT_FORCE));
		CHECK(PARSE(&c, "override", "add", "/a", "csum", "--dry-run") == -1 &&
		      strstr(c.err, "'--dry-run' does not apply"));
	}
}

static void test_granted(void)
{
	struct tp_tap tap = { .pid = 1, .offered = CSUM | TSO4 | USO4 | USO6 };
	struct tp_tap vh = { .pid = 1, .vhost = true,
			     .offered = TUNPIN_CAP_VHOST_VERSION_1 |
					TUNPIN_CAP_VHOST_RING_RESET };
	/* a TAP flag outside the table, as the module reports it: bit 31 */
	struct tp_tap odd = { .pid = 2, .offered = CSUM | 0x80000000u };
	struct tp_level l61 = { .pinned = true,
				.caps = CSUM | TSO4 | TSO6 | TSO_ECN | UFO |
					TUNPIN_CAP_VHOST_VERSION_1 };
	struct tp_level unp = { .pinned = false };
	struct granted g = { 0 }, m;
	char buf[512];

	granted_add(&g, &tap);
	granted_add(&g, &vh);
	CHECK(g.caps == (CSUM | TSO4 | USO4 | USO6 | TUNPIN_CAP_VHOST_VERSION_1 |
			 TUNPIN_CAP_VHOST_RING_RESET) && !g.unknown);
	m = granted_missing(&g, &l61);
	granted_print(&m, buf, sizeof(buf));
	CHECK(!strcmp(buf, "uso4 uso6 vhost_ring_reset"));
	m = granted_missing(&g, &unp);
	CHECK(!m.caps && !m.unknown);
	granted_add(&g, &odd);
	CHECK(g.unknown == 0x80000000u);
	m = granted_missing(&g, &l61);
	granted_print(&m, buf, sizeof(buf));
	CHECK(!strcmp(buf, "uso4 uso6 vhost_ring_reset unknown:0x80000000"));
	granted_print(&(struct granted){ 0 }, buf, sizeof(buf));
	CHECK(!buf[0]);
	/* a TAP flag that is a vhost bit's number is no vhost capability */
	g = (struct granted){ 0 };
	granted_add(&g, &(struct tp_tap){ .offered = CSUM | 0x200 });
	CHECK(g.caps == CSUM && g.unknown == 0x200);

	/* set --dry-run judges as tunpin_files_in_use() does */
	CHECK(set_would_remove(&tap, &l61) == (USO4 | USO6));
	CHECK(set_would_remove(&vh, &l61) == TUNPIN_CAP_VHOST_RING_RESET);
	CHECK(set_would_remove(&tap, &unp) == 0);
	tap.exempt = true;
	CHECK(set_would_remove(&tap, &l61) == 0);
	tap.exempt = false;
	tap.override = true;
	CHECK(set_would_remove(&tap, &l61) == 0);
	CHECK(set_would_remove(&odd, &l61) == 0x80000000u);
	CHECK(set_would_remove(&odd, &(struct tp_level){ .pinned = true,
							 .caps = CSUM }) ==
	      0x80000000u);
}

/* --- the canary ---------------------------------------------------------- */

static void test_canary_outside(void)
{
	uint32_t all = TUNPIN_CAP_TAP, n61 = CSUM | TSO4 | TSO6 | TSO_ECN | UFO;

	/* the first capability outside, with what tun needs with it */
	CHECK(canary_outside(0, all) == CSUM);
	CHECK(canary_outside(CSUM, all) == (CSUM | TSO4));
	CHECK(canary_outside(CSUM | TSO4 | TSO6, all) ==
	      (CSUM | TSO4 | TSO_ECN));
	CHECK(canary_outside(CSUM | TSO6 | TSO_ECN | UFO | USO4 | USO6, n61) ==
	      (CSUM | TSO4));
	CHECK(canary_outside(n61, all) == (CSUM | USO4 | USO6));
	CHECK(canary_outside(n61 | USO4 | USO6, all) == (CSUM | TSO4 | TNL));
	CHECK(canary_outside(n61 | USO4 | USO6 | TNL, all) ==
	      (CSUM | TSO4 | TNL | TNL_CSUM));
	CHECK(canary_outside(all, all) == 0);
	CHECK(canary_outside(all | TUNPIN_CAP_VHOST, all) == 0);
	/* one the kernel has, first: 6.1 pinned to linux-4.14 (no ufo) */
	CHECK(canary_outside(CSUM | TSO4 | TSO6 | TSO_ECN, n61) == (CSUM | UFO));
	/* the level has all the kernel has: one it lacks (counters tell) */
	CHECK(canary_outside(n61, n61) == (CSUM | USO4 | USO6));
	/* tso_ecn on a kernel without tso4 rides on tso6 */
	CHECK(canary_outside(CSUM | TSO6, CSUM | TSO6 | TSO_ECN) ==
	      (CSUM | TSO6 | TSO_ECN));
	/* the vhost-net part of a level is not the canary's */
	CHECK(canary_outside(n61 | USO4 | USO6 | TNL | TNL_CSUM, all) == 0);
}

void test_vminfo(void)
{
	test_parsers();
	test_vm_of_cgroup();
	test_fake_proc();
	test_select();
	test_granted();
	test_canary_outside();
}
