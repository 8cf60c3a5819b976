// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): show's live self-check, the canary (see canary.h).
 *
 * The TAP is made as a hypervisor makes one (IFF_TAP | IFF_NO_PI, no
 * name: the kernel picks tapN) and never exempted: unlike the probe's,
 * it is judged by the level in force, the override of the tool's own
 * cgroup if one covers it, else the host level. Its refusal is a real
 * one: counted, logged and announced like a guest's, under the tool's
 * name. The file is closed, and the TAP gone, before anything is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include "caps.h"
#include "tapcaps.h"
#include "canary.h"
#include "cli.h"
#include "vminfo.h"

#define KPROBES_ENABLED	"/sys/kernel/debug/kprobes/enabled"

#define USO		(USO4 | USO6)

uint32_t canary_outside(uint32_t level, uint32_t native)
{
	uint32_t out = ~level & TUNPIN_CAP_TAP, bit, plain;

	if (!out)
		return 0;
	/* one the kernel has: unenforced, it would be accepted */
	bit = out & native ? out & native : out;
	bit &= -bit;		/* the first, in table order */
	plain = !(native & TSO4) && (native & TSO6) ? TSO6 :
		!(native & (TSO4 | TSO6)) && (native & USO) ? USO : TSO4;
	switch (bit) {
	case CSUM:
		return CSUM;
	case TSO_ECN:
		return CSUM | (plain == USO ? TSO4 : plain) | TSO_ECN;
	case TUNPIN_CAP_USO4:
	case TUNPIN_CAP_USO6:
		return CSUM | USO;
	case TNL:
		return CSUM | plain | TNL;
	case TNL_CSUM:
		return CSUM | plain | TNL | TNL_CSUM;
	default:	/* tso4, tso6, ufo */
		return CSUM | bit;
	}
}

int canary_kprobes_state(void)
{
	char buf[8] = "";
	int fd = open(KPROBES_ENABLED, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	return buf[0] == '0' ? 0 : buf[0] == '1' ? 1 : -1;
}

/* The deepest override over the tool's own cgroup. */
struct own_override {
	const char *self;
	struct tp_override found;
	size_t depth;		/* strlen of its path; 0: none */
};

static int find_override(const struct tp_override *ov, void *arg)
{
	struct own_override *o = arg;
	size_t n = strlen(ov->cgroup);

	if (n > o->depth && vm_cgroup_under(o->self, ov->cgroup)) {
		o->found = *ov;
		o->depth = n;
	}
	return 0;
}

/* What the counters of @bits say: refusals, or requests. */
static uint64_t counted(const struct tp_counters *cs, uint32_t bits,
			bool refused)
{
	uint64_t sum = 0;

	for (int i = 0; i < cs->n; i++)
		if (cs->c[i].cap & bits)
			sum += refused ? cs->c[i].refused : cs->c[i].requested;
	return sum;
}

static void untried(struct canary_half *half, const char *why)
{
	half->result = CANARY_UNTRIED;
	snprintf(half->why, sizeof(half->why), "%s", why);
}

static const char *names(uint32_t bits, char *buf, size_t size)
{
	caps_print(bits, " ", buf, size);
	return buf;
}

/* TUNSETOFFLOAD @bits, outside the level by @outside: must be refused. */
static void try_refused(struct tp_nl *h, int fd, uint32_t bits,
			uint32_t outside, struct canary_half *half)
{
	struct tp_counters before, after;
	char req[96], out[96];
	int e;

	half->request = bits;
	names(bits, req, sizeof(req));
	names(outside, out, sizeof(out));
	if (tp_nl_counters(h, &before)) {
		untried(half, "the counters could not be read");
		return;
	}
	e = ioctl(fd, TUNSETOFFLOAD, (unsigned long)bits) ? errno : 0;
	half->result = CANARY_FAILED;
	if (!e) {
		snprintf(half->why, sizeof(half->why),
			 "TUNSETOFFLOAD %s was accepted, though %s is outside the level",
			 req, out);
		return;
	}
	if (e != EINVAL) {
		snprintf(half->why, sizeof(half->why),
			 "TUNSETOFFLOAD %s failed with %s, not EINVAL", req,
			 strerror(e));
		return;
	}
	if (tp_nl_counters(h, &after)) {
		untried(half, "the counters could not be read");
		return;
	}
	if (counted(&after, outside, true) <= counted(&before, outside, true)) {
		snprintf(half->why, sizeof(half->why),
			 "TUNSETOFFLOAD %s was refused, but not by tunpin (the refusals of %s did not grow)",
			 req, out);
		return;
	}
	half->result = CANARY_OK;
	snprintf(half->why, sizeof(half->why), "%s refused (%s outside the level)",
		 req, out);
}

/* TUNSETOFFLOAD @bits, inside the level: must be accepted, and seen. */
static void try_accepted(struct tp_nl *h, int fd, uint32_t bits,
			 struct canary_half *half)
{
	struct tp_counters before, after;
	char req[96];
	int e;

	half->request = bits;
	names(bits, req, sizeof(req));
	if (tp_nl_counters(h, &before)) {
		untried(half, "the counters could not be read");
		return;
	}
	e = ioctl(fd, TUNSETOFFLOAD, (unsigned long)bits) ? errno : 0;
	half->result = CANARY_FAILED;
	if (e) {
		snprintf(half->why, sizeof(half->why),
			 "TUNSETOFFLOAD %s, inside the level, failed: %s", req,
			 strerror(e));
		return;
	}
	if (tp_nl_counters(h, &after)) {
		untried(half, "the counters could not be read");
		return;
	}
	if (counted(&after, bits, false) <= counted(&before, bits, false)) {
		snprintf(half->why, sizeof(half->why),
			 "TUNSETOFFLOAD %s was accepted without tunpin seeing it (its requests did not grow)",
			 req);
		return;
	}
	half->result = CANARY_OK;
	snprintf(half->why, sizeof(half->why), "%s accepted", req);
}

void canary_run(struct tp_nl *h, const struct tp_level *host,
		uint32_t native, bool native_known, struct canary *r)
{
	struct own_override own = { 0 };
	const struct tp_level *l = host;
	struct vm_info self;
	struct ifreq ifr;
	uint32_t out;
	char why[160];
	int fd;

	memset(r, 0, sizeof(*r));
	r->kprobes = canary_kprobes_state();
	vm_info_get("", (uint32_t)getpid(), &self);
	own.self = self.cgroup;
	if (self.cgroup[0] && !tp_nl_overrides(h, find_override, &own) &&
	    own.depth) {
		snprintf(r->override, sizeof(r->override), "%s",
			 own.found.cgroup);
		l = &own.found.level;
	}
	if (!native_known)
		native = TUNPIN_CAP_TAP;	/* the counters tell */
	native &= TUNPIN_CAP_TAP;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)	/* a device node for root */
			snprintf(why, sizeof(why), "the canary needs CAP_NET_ADMIN");
		else
			snprintf(why, sizeof(why), "cannot open /dev/net/tun: %s",
				 strerror(e));
		untried(&r->refused, why);
		untried(&r->accepted, why);
		return;
	}
	memset(&ifr, 0, sizeof(ifr));	/* no name: the kernel picks tapN */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int e = errno;

		if (e == EPERM)
			snprintf(why, sizeof(why), "the canary needs CAP_NET_ADMIN");
		else
			snprintf(why, sizeof(why), "cannot create a TAP: %s",
				 strerror(e));
		close(fd);
		untried(&r->refused, why);
		untried(&r->accepted, why);
		return;
	}

	out = l->pinned ? canary_outside(l->caps, native) : 0;
	if (!l->pinned)
		untried(&r->refused, "unpinned: no capability is outside the level");
	else if (!out)
		untried(&r->refused, "the level allows every TAP offload");
	else
		try_refused(h, fd, out, out & ~l->caps, &r->refused);

	if (l->pinned && !(l->caps & CSUM))
		untried(&r->accepted, "the level allows no TAP offload");
	else if (!(native & CSUM))
		untried(&r->accepted, "this kernel offers no TAP offload");
	else
		try_accepted(h, fd, CSUM, &r->accepted);
	close(fd);
}

bool canary_failed(const struct canary *r)
{
	return r->kprobes == 0 || r->refused.result == CANARY_FAILED ||
	       r->accepted.result == CANARY_FAILED;
}

static const char *result_name(enum canary_result res)
{
	return res == CANARY_OK ? "ok" : res == CANARY_FAILED ? "failed" :
	       "untried";
}

static const char *status(const struct canary *r)
{
	if (canary_failed(r))
		return "failed";
	if (r->refused.result == CANARY_UNTRIED &&
	    r->accepted.result == CANARY_UNTRIED)
		return "unchecked";
	return "working";
}

void canary_print(const struct canary *r)
{
	const struct canary_half *half[] = { &r->refused, &r->accepted };
	const char *sep = "";

	if (canary_failed(r)) {
		if (r->kprobes == 0) {
			printf("enforcement: FAILED: kprobes are disabled globally (" KPROBES_ENABLED " is 0): nothing is enforced\n");
			fprintf(stderr, "tunpin: kprobes are disabled globally: nothing is enforced (echo 1 >" KPROBES_ENABLED ")\n");
		}
		for (int i = 0; i < 2; i++) {
			if (half[i]->result != CANARY_FAILED)
				continue;
			printf("enforcement: FAILED: %s\n", half[i]->why);
			fprintf(stderr, "tunpin: enforcement is not working: %s\n",
				half[i]->why);
		}
		return;
	}
	if (!strcmp(status(r), "unchecked")) {
		printf("enforcement: not checked: %s", r->refused.why);
		if (strcmp(r->refused.why, r->accepted.why))
			printf("; %s", r->accepted.why);
		printf("\n");
		return;
	}
	printf("enforcement: working: on a fresh TAP, ");
	for (int i = 0; i < 2; i++)
		if (half[i]->result == CANARY_OK) {
			printf("%s%s", sep, half[i]->why);
			sep = ", ";
		}
	for (int i = 0; i < 2; i++)
		if (half[i]->result == CANARY_UNTRIED)
			printf(" (the %s half not tried: %s)",
			       i ? "accepting" : "refusing", half[i]->why);
	if (r->override[0])
		printf(" [judged by the override of %s]", cli_safe(r->override));
	printf("\n");
}

static json_object *half_json(const struct canary_half *half)
{
	json_object *o = json_object_new_object(), *a = NULL;

	json_object_object_add(o, "result", json_object_new_string(
			       result_name(half->result)));
	if (half->request) {
		a = json_object_new_array();
		for (int i = 0; i < NCAPS; i++)
			if (half->request & caps[i].bit)
				json_object_array_add(a,
					json_object_new_string(caps[i].name));
	}
	json_object_object_add(o, "request", a);
	json_object_object_add(o, "reason", json_object_new_string(half->why));
	return o;
}

json_object *canary_json(const struct canary *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(status(r)));
	json_object_object_add(o, "kprobes_enabled", r->kprobes < 0 ? NULL :
			       json_object_new_boolean(r->kprobes));
	json_object_object_add(o, "override", r->override[0] ?
			       json_object_new_string(r->override) : NULL);
	json_object_object_add(o, "refused", half_json(&r->refused));
	json_object_object_add(o, "accepted", half_json(&r->accepted));
	return o;
}
