// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): precheck and set --dry-run, from the files the module
 * tracks (TUNPIN_CMD_TAP_GET) and what /proc says of their processes
 * (vminfo.c).
 *
 * precheck: a guest keeps what it negotiated when it migrates, and what
 * it can have negotiated is what its TAP and vhost-net files were
 * granted since they were opened; a host whose level lacks any of it
 * cannot take the VM. set --dry-run: the module refuses a host level
 * that removes what a file governed by the host level was granted
 * (tunpin_files_in_use()), unless forced; the same judgement, from the
 * same data, without sending the level. A TUNSETOFFLOAD running at that
 * moment counts for the module too and cannot be seen from here: the
 * dry run can only be as fresh as the dump it reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "caps.h"
#include "dump.h"
#include "exit.h"
#include "precheck.h"

#define TEXT 1024

int vm_select_parse(const char *arg, struct vm_select *sel, char *err,
		    size_t errsize)
{
	memset(sel, 0, sizeof(*sel));
	sel->arg = arg;
	if (!arg[0]) {
		snprintf(err, errsize, "an empty VM");
		return -1;
	}
	if (strspn(arg, "0123456789") == strlen(arg)) {
		char *end;
		unsigned long pid = strtoul(arg, &end, 10);

		if (!pid || pid > 0x7fffffff || strlen(arg) > 10) {
			snprintf(err, errsize, "not a pid: %.32s", arg);
			return -1;
		}
		sel->kind = SEL_PID;
		sel->pid = (uint32_t)pid;
		return 0;
	}
	if (arg[0] == '/') {
		if (strlen(arg) >= VM_CGROUP_SIZE) {
			snprintf(err, errsize, "cgroup path too long");
			return -1;
		}
		sel->kind = SEL_CGROUP;
		return 0;
	}
	if (strlen(arg) >= VM_NAME_SIZE) {
		snprintf(err, errsize, "VM name too long");
		return -1;
	}
	sel->kind = SEL_NAME;
	return 0;
}

int precheck_check(struct cli *c)
{
	struct vm_select sel;

	return vm_select_parse(c->argv[0], &sel, c->err, sizeof(c->err));
}

bool vm_select_match(const struct vm_select *sel, uint32_t pid,
		     const struct vm_info *vi)
{
	switch (sel->kind) {
	case SEL_PID:
		return pid == sel->pid;
	case SEL_CGROUP:
		return vi->cgroup[0] && vm_cgroup_under(vi->cgroup, sel->arg);
	case SEL_NAME:
		return vi->source != VM_NONE && !strcmp(vi->vm, sel->arg);
	}
	return false;
}

void granted_add(struct granted *g, const struct tp_tap *t)
{
	/* a TAP's bits are TUNSETOFFLOAD flags: above the TAP part, none
	 * is a vhost-net capability */
	uint32_t known = t->vhost ? TUNPIN_CAP_ALL : TUNPIN_CAP_TAP;

	g->caps |= t->offered & known;
	g->unknown |= t->offered & ~known;
}

struct granted granted_missing(const struct granted *g,
			       const struct tp_level *target)
{
	struct granted m = { 0 };

	if (target->pinned) {
		m.caps = g->caps & ~target->caps;
		m.unknown = g->unknown;	/* outside every level */
	}
	return m;
}

void granted_print(const struct granted *g, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (g->caps)
		n = (size_t)caps_print(g->caps, " ", buf, size);
	if (g->unknown && n + 1 < size) {
		if (n)
			buf[n++] = ' ';
		offload_unknown_print(g->unknown, " ", buf + n, size - n);
	}
}

static json_object *granted_json(const struct granted *g)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < NCAPS; i++)
		if (g->caps & caps[i].bit)
			json_object_array_add(a,
				json_object_new_string(caps[i].name));
	for (int b = 0; b < 32; b++) {
		char buf[32];

		if (!(g->unknown & (1u << b)))
			continue;
		offload_unknown_print(1u << b, " ", buf, sizeof(buf));
		json_object_array_add(a, json_object_new_string(buf));
	}
	return a;
}

uint32_t set_would_remove(const struct tp_tap *t, const struct tp_level *l)
{
	if (!l->pinned || t->exempt || t->override)
		return 0;
	return t->offered & ~l->caps;
}

/* --- the files, collected ------------------------------------------------- */

struct entry {
	struct tp_tap tap;
	struct vm_info vi;
};

struct entries {
	struct entry *e;
	size_t n, size;
};

static int collect(const struct tp_tap *t, void *arg)
{
	struct entries *es = arg;

	if (es->n == es->size) {
		size_t size = es->size ? 2 * es->size : 16;
		struct entry *e = realloc(es->e, size * sizeof(*e));

		if (!e)
			return -ENOMEM;
		es->e = e;
		es->size = size;
	}
	es->e[es->n].tap = *t;
	vm_info_get("", t->pid, &es->e[es->n].vi);
	es->n++;
	return 0;
}

static int kernel_error(struct tp_nl *h, int err)
{
	const char *msg = tp_nl_extack(h);

	fprintf(stderr, "tunpin: taps: %s%s%s\n", strerror(-err),
		*msg ? ": " : "", msg);
	if (err == -EPERM)
		fprintf(stderr, "tunpin: reading the open files is for root\n");
	return TP_EXIT_ERR;
}

static int collect_all(struct tp_nl *h, struct entries *es)
{
	int err;

	memset(es, 0, sizeof(*es));
	err = tp_nl_taps(h, collect, es);
	if (err) {
		free(es->e);
		return kernel_error(h, err);
	}
	return TP_EXIT_OK;
}

static const char *level_label(const struct tp_level *l, char *buf)
{
	if (l->name[0])
		snprintf(buf, TEXT, "%s", l->name);
	else
		level_print(l->caps, l->pinned, " ", buf, TEXT);
	return buf;
}

/* "qemu-system-x86[1234]: /dev/vhost-net, vm vmtest, tap0" */
static void entry_print(const struct entry *e, const char *bits)
{
	printf("\t%s[%u]%s%s%s%s%s: %s\n", cli_safe(e->tap.comm), e->tap.pid,
	       e->tap.vhost ? " " TP_VHOST_DEV : "",
	       e->vi.source != VM_NONE ? (e->vi.source == VM_LIBVIRT ?
					  " vm " : " unit ") : "",
	       e->vi.source != VM_NONE ? cli_safe(e->vi.vm) : "",
	       e->vi.ifnames[0] ? " holding " : "",
	       e->vi.ifnames[0] ? cli_safe(e->vi.ifnames) : "", bits);
}

/* --- precheck ------------------------------------------------------------ */

/* The deepest cgroup all of @a's and @b's paths are in, into @a. */
static void common_cgroup(char *a, const char *b)
{
	size_t i = 0, last = 0;

	while (a[i] && a[i] == b[i]) {
		i++;
		if (a[i] == '/' || (!a[i] && (b[i] == '/' || !b[i])))
			last = i;
	}
	a[last ? last : 1] = '\0';
}

static json_object *string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

int cmd_precheck(struct tp_nl *h, const struct cli *c,
		 const struct tp_level *target)
{
	bool json = c->opts & (OPT_JSON | OPT_PRETTY);
	struct granted g = { 0 }, m;
	char err[128], buf[TEXT], cgroup[VM_CGROUP_SIZE] = "";
	char ifnames[VM_IFNAMES_SIZE] = "", pidtext[TEXT] = "";
	const struct vm_info *vm = NULL;
	struct vm_select sel;
	struct entries es;
	json_object *o, *pids;
	size_t nmatch = 0;
	int ret;

	if (vm_select_parse(c->argv[0], &sel, err, sizeof(err))) {
		fprintf(stderr, "tunpin: %s\n", err);
		return TP_EXIT_USAGE;
	}
	ret = collect_all(h, &es);
	if (ret)
		return ret;
	pids = json_object_new_array();
	for (size_t i = 0; i < es.n; i++) {
		const struct entry *e = &es.e[i];
		bool seen = false;

		if (!vm_select_match(&sel, e->tap.pid, &e->vi))
			continue;
		granted_add(&g, &e->tap);
		for (size_t j = 0; j < i && !seen; j++)
			seen = es.e[j].tap.pid == e->tap.pid &&
			       vm_select_match(&sel, es.e[j].tap.pid,
					       &es.e[j].vi);
		if (!seen) {
			size_t len = strlen(pidtext);

			json_object_array_add(pids,
				json_object_new_int64(e->tap.pid));
			if (len + 12 < sizeof(pidtext))
				snprintf(pidtext + len, sizeof(pidtext) - len,
					 " %u", e->tap.pid);
			for (const char *p = e->vi.ifnames; *p; ) {
				size_t n = strcspn(p, " ");
				size_t len = strlen(ifnames);

				if (len + n + 2 < sizeof(ifnames))
					snprintf(ifnames + len,
						 sizeof(ifnames) - len,
						 "%s%.*s", len ? " " : "",
						 (int)n, p);
				p += n + (p[n] == ' ');
			}
		}
		if (!vm && e->vi.source != VM_NONE)
			vm = &e->vi;
		if (!nmatch++)
			snprintf(cgroup, sizeof(cgroup), "%s", e->vi.cgroup);
		else if (cgroup[0] && e->vi.cgroup[0])
			common_cgroup(cgroup, e->vi.cgroup);
	}
	if (!nmatch) {
		json_object_put(pids);
		free(es.e);
		fprintf(stderr, "tunpin: %s %s has no TAP or vhost-net file the module tracks (not running here, not using them, or started before the module was loaded): cannot tell\n",
			sel.kind == SEL_PID ? "process" :
			sel.kind == SEL_CGROUP ? "cgroup" : "VM",
			cli_safe(sel.arg));
		return TP_EXIT_ERR;
	}
	if (sel.kind == SEL_CGROUP)
		snprintf(cgroup, sizeof(cgroup), "%s", sel.arg);
	m = granted_missing(&g, target);

	if (json) {
		o = json_object_new_object();
		json_object_object_add(o, "vm", vm ?
				       json_object_new_string(vm->vm) : NULL);
		json_object_object_add(o, "vm_source", vm ?
			json_object_new_string(vm_source_name(vm->source)) :
			NULL);
		json_object_object_add(o, "cgroup", string_or_null(cgroup));
		json_object_object_add(o, "pids", pids);
		json_object_object_add(o, "interfaces",
				       vm_ifnames_json(ifnames));
		json_object_object_add(o, "granted", granted_json(&g));
		{
			json_object *t = json_object_new_object();

			json_object_object_add(t, "name",
				json_object_new_string(target->name));
			json_object_object_add(t, "pinned",
				json_object_new_boolean(target->pinned));
			json_object_object_add(t, "capabilities",
				granted_json(&(struct granted){
					.caps = target->pinned ?
						target->caps : 0 }));
			json_object_object_add(o, "target", t);
		}
		json_object_object_add(o, "missing", granted_json(&m));
		json_object_object_add(o, "ok",
			json_object_new_boolean(!m.caps && !m.unknown));
		print_json(NULL, o);	/* -j, -p: as every command */
	} else {
		json_object_put(pids);
		if (vm)
			printf("vm: %s (%s)\n", cli_safe(vm->vm),
			       vm->source == VM_LIBVIRT ? "libvirt domain" :
							  "systemd unit");
		else
			printf("vm: unknown\n");
		printf("cgroup: %s\n", cgroup[0] ? cli_safe(cgroup) : "unknown");
		printf("pids:%s\n", pidtext);
		printf("interfaces: %s\n", ifnames[0] ? cli_safe(ifnames) :
		       "none known");
		granted_print(&g, buf, sizeof(buf));
		printf("granted: %s\n", buf[0] ? buf : "nothing");
		printf("target: %s\n", cli_safe(level_label(target, buf)));
		granted_print(&m, buf, sizeof(buf));
		if (buf[0])
			printf("will fail: target lacks %s\n", buf);
		else
			printf("ok\n");
	}
	free(es.e);
	return m.caps || m.unknown ? TP_EXIT_BELOW : TP_EXIT_OK;
}

/* --- set --dry-run ------------------------------------------------------- */

int cmd_set_dry_run(struct tp_nl *h, const struct cli *c,
		    const struct tp_level *l)
{
	bool force = c->opts & OPT_FORCE;
	char label[TEXT], buf[TEXT];
	struct granted removed = { 0 };
	struct entries es;
	unsigned int nfiles = 0;
	int ret;

	level_label(l, label);
	ret = collect_all(h, &es);
	if (ret)
		return ret;
	for (size_t i = 0; i < es.n; i++) {
		struct tp_tap t = es.e[i].tap;

		t.offered = set_would_remove(&es.e[i].tap, l);
		if (!t.offered)
			continue;
		granted_add(&removed, &t);
		nfiles++;
	}
	if (!nfiles) {
		printf("set %s: would be admitted: no open file governed by the host level was granted anything it lacks\n",
		       cli_safe(label));
	} else {
		granted_print(&removed, buf, sizeof(buf));
		printf("set %s: %s: it takes %s from %u open file%s governed by the host level:\n",
		       cli_safe(label), force ? "would be admitted with --force"
					      : "would be refused",
		       buf, nfiles, nfiles == 1 ? "" : "s");
		for (size_t i = 0; i < es.n; i++) {
			struct tp_tap t = es.e[i].tap;
			struct granted one = { 0 };

			t.offered = set_would_remove(&es.e[i].tap, l);
			if (!t.offered)
				continue;
			granted_add(&one, &t);
			granted_print(&one, buf, sizeof(buf));
			entry_print(&es.e[i], buf);
		}
		if (!force)
			printf("(--force sets it anyway)\n");
	}
	printf("nothing was changed (--dry-run)\n");
	free(es.e);
	return nfiles && !force ? TP_EXIT_BELOW : TP_EXIT_OK;
}
