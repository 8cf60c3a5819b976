// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c against a fake kernel: this file defines libmnl's socket calls, so
 * the linker binds nl.o to them instead of the library's (the attribute
 * helpers still come from libmnl). Requests are checked as the module
 * would parse them; replies are built as the module would send them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "../../../include/uapi/linux/tunpin.h"
#include "../nl.h"
#include "unit.h"

#define FAKE_FAMILY	0x20
#define FAKE_GROUP	7
#define FAKE_PORTID	4242

/* What the fake kernel replies: a function of the request. */
typedef void (*responder)(const struct nlmsghdr *req);

static struct {
	bool family_present;
	responder respond;
	/* queued datagrams, handed out one per recvfrom() */
	char dgram[8][8192];
	size_t len[8];
	int head, tail;
	int recv_errno;		/* fail the next recvfrom() once */
	/* the last request, as sent */
	char req[8192];
	unsigned int group;	/* joined through setsockopt() */
	int ext_ack, cap_ack;
	int dirty;		/* requests with non-zero alignment padding */
	bool serving;		/* nl_fake_serve(): tunpin-fake's kernel */
} fk;

static struct mnl_socket *const fake_sock = (struct mnl_socket *)&fk;

static void queue_events(void);

struct mnl_socket *mnl_socket_open(int bus)
{
	return bus == NETLINK_GENERIC ? fake_sock : NULL;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	return nl == fake_sock && !groups && !pid ? 0 : -1;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	(void)nl;
	if (len != sizeof(int))
		return -1;
	if (type == NETLINK_EXT_ACK)
		fk.ext_ack = *(int *)buf;
	else if (type == NETLINK_CAP_ACK)
		fk.cap_ack = *(int *)buf;
	else if (type == NETLINK_ADD_MEMBERSHIP)
		fk.group = *(unsigned int *)buf;
	else
		return -1;
	if (type == NETLINK_ADD_MEMBERSHIP && fk.serving)
		queue_events();
	return 0;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	return nl == fake_sock ? 0 : -1;
}

/* A new datagram to fill. */
static char *dgram_new(void)
{
	fk.len[fk.tail] = 0;
	return fk.dgram[fk.tail];
}

static void dgram_add(const struct nlmsghdr *nlh)
{
	fk.len[fk.tail] += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void dgram_end(void)
{
	fk.tail++;
}

static struct nlmsghdr *put_msg(const struct nlmsghdr *req, uint16_t type,
				uint16_t flags)
{
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(fk.dgram[fk.tail] + fk.len[fk.tail]);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req ? req->nlmsg_seq : 0;
	nlh->nlmsg_pid = req ? FAKE_PORTID : 0;
	return nlh;
}

/* A genetlink message of our family; complete it, then dgram_add(). */
static struct nlmsghdr *put_genl(const struct nlmsghdr *req, uint8_t cmd,
				 uint16_t flags)
{
	struct nlmsghdr *nlh = put_msg(req, FAKE_FAMILY, flags);
	struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));

	genl->cmd = cmd;
	genl->version = TUNPIN_GENL_VERSION;
	return nlh;
}

/* The ack (error 0) or error, capped, with a message if @msg. */
static void put_ack(const struct nlmsghdr *req, int error, const char *msg)
{
	struct nlmsghdr *nlh = put_msg(req, NLMSG_ERROR, NLM_F_CAPPED);
	struct nlmsgerr *err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));

	err->error = error;
	err->msg = *req;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	dgram_add(nlh);
}

static void put_done(const struct nlmsghdr *req, int error, const char *msg)
{
	struct nlmsghdr *nlh = put_msg(req, NLMSG_DONE, NLM_F_MULTI);
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	*e = error;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	dgram_add(nlh);
}

static void respond_ctrl(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;
	struct nlattr *grps, *grp;

	dgram_new();
	if (!fk.family_present) {
		put_ack(req, -ENOENT, NULL);
		dgram_end();
		return;
	}
	nlh = put_msg(req, GENL_ID_CTRL, 0);
	((struct genlmsghdr *)mnl_nlmsg_put_extra_header(nlh,
		sizeof(struct genlmsghdr)))->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TUNPIN_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 3);
	mnl_attr_nest_end(nlh, grp);
	grp = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKE_GROUP);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, TUNPIN_MCGRP_EVENTS);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	dgram_add(nlh);
	put_ack(req, 0, NULL);
	dgram_end();
}

/*
 * Whether a request sends bytes nobody wrote: the padding after each
 * attribute's payload (and after the headers) must be zeroes, as the
 * kernel would see stack garbage there otherwise.
 */
static bool req_dirty(const struct nlmsghdr *req)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		const unsigned char *p = mnl_attr_get_payload(a);
		size_t len = mnl_attr_get_payload_len(a), i;

		for (i = len; i < MNL_ALIGN(len); i++)
			if (p[i])
				return true;
	}
	return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(req))->reserved;
}

/* Fill what the next call's frame will be with garbage. */
static void __attribute__((noinline)) stack_poison(void)
{
	volatile unsigned char junk[3 * 8192];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = 0xa5;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	if (len > sizeof(fk.req) || req->nlmsg_len != len ||
	    req->nlmsg_pid || !(req->nlmsg_flags & NLM_F_REQUEST)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(fk.req, buf, len);
	if (req_dirty(req))
		fk.dirty++;
	fk.head = fk.tail = 0;
	if (req->nlmsg_type == GENL_ID_CTRL)
		respond_ctrl(req);
	else if (req->nlmsg_type == FAKE_FAMILY && fk.respond)
		fk.respond(req);
	else
		return -1;
	return len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t size)
{
	(void)nl;
	if (fk.recv_errno) {
		errno = fk.recv_errno;
		fk.recv_errno = 0;
		return -1;
	}
	if (fk.head == fk.tail) {
		errno = EAGAIN;		/* a real socket would block */
		return -1;
	}
	if (fk.len[fk.head] > size) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, fk.dgram[fk.head], fk.len[fk.head]);
	return fk.len[fk.head++];
}

/* The last request's command and attributes, as the module parses them. */
static const struct nlattr *req_tb[TUNPIN_A_MAX + 1];
static int req_unknown;

static int req_attr(const struct nlattr *a, void *data)
{
	(void)data;
	if (mnl_attr_get_type(a) > TUNPIN_A_MAX)
		req_unknown++;
	else
		req_tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int req_cmd(void)
{
	const struct nlmsghdr *req = (const void *)fk.req;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(req);

	memset(req_tb, 0, sizeof(req_tb));
	req_unknown = 0;
	mnl_attr_parse(req, sizeof(*genl), req_attr, NULL);
	return genl->version == TUNPIN_GENL_VERSION ? genl->cmd : -1;
}

static uint16_t req_flags(void)
{
	return ((const struct nlmsghdr *)fk.req)->nlmsg_flags;
}

static const char *req_str(int type)
{
	const struct nlattr *a = req_tb[type];

	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(a);
}

static bool req_u32(int type, uint32_t val)
{
	const struct nlattr *a = req_tb[type];

	return a && mnl_attr_get_payload_len(a) == 4 &&
	       mnl_attr_get_u32(a) == val;
}

static bool req_flag(int type)
{
	return req_tb[type] && !mnl_attr_get_payload_len(req_tb[type]);
}

/* Responders, one per scenario. */

static void respond_ack(const struct nlmsghdr *req)
{
	dgram_new();
	put_ack(req, 0, NULL);
	dgram_end();
}

static void respond_busy(const struct nlmsghdr *req)
{
	dgram_new();
	put_ack(req, -EBUSY, "level removes ufo in use by 1 open TAP file: "
		"qemu-system-x86[123]; set FORCE to lower anyway");
	dgram_end();
}

static void respond_level(const struct nlmsghdr *req, bool pinned)
{
	struct nlmsghdr *nlh;

	dgram_new();
	nlh = put_genl(req, TUNPIN_CMD_LEVEL_GET, 0);
	mnl_attr_put_u32(nlh, TUNPIN_A_CAPS, pinned ? 0x1f : 0);
	if (!pinned)
		mnl_attr_put(nlh, TUNPIN_A_UNPINNED, 0, NULL);
	mnl_attr_put_strz(nlh, TUNPIN_A_NAME, pinned ? "pool-a" : "");
	mnl_attr_put_u32(nlh, TUNPIN_A_KNOWN, TUNPIN_CAP_ALL);
	mnl_attr_put_u32(nlh, TUNPIN_A_MAX + 5, 1);	/* a newer module */
	dgram_add(nlh);
	put_ack(req, 0, NULL);
	dgram_end();
}

static void respond_pinned(const struct nlmsghdr *req)
{
	respond_level(req, true);
}

static void respond_unpinned(const struct nlmsghdr *req)
{
	respond_level(req, false);
}

static void respond_counters(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	dgram_new();
	nlh = put_genl(req, TUNPIN_CMD_COUNTERS_GET, 0);
	for (int i = 0; i <= 9; i++) {
		nest = mnl_attr_nest_start(nlh, TUNPIN_A_COUNTER);
		mnl_attr_put_u32(nlh, TUNPIN_A_COUNTER_CAP, i < 9 ? 1u << i : 0);
		mnl_attr_put(nlh, TUNPIN_A_COUNTER_PAD, 0, NULL);
		mnl_attr_put_u64(nlh, TUNPIN_A_COUNTER_REQUESTED, 100 + i);
		mnl_attr_put_u64(nlh, TUNPIN_A_COUNTER_REFUSED,
				 i == 4 ? 1ull << 40 : 0);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_put(nlh, TUNPIN_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TUNPIN_A_REFUSED_IOCTLS, 7);
	dgram_add(nlh);
	put_ack(req, 0, NULL);
	dgram_end();
}

/* A dump over three datagrams: two overrides, then NLMSG_DONE. */
static void respond_overrides(const struct nlmsghdr *req)
{
	static const char *const paths[] = { "/machine.slice/vm1.scope", "/b" };
	struct nlmsghdr *nlh;

	for (int i = 0; i < 2; i++) {
		dgram_new();
		nlh = put_genl(req, TUNPIN_CMD_OVERRIDE_GET, NLM_F_MULTI);
		mnl_attr_put_strz(nlh, TUNPIN_A_CGROUP, paths[i]);
		mnl_attr_put_u32(nlh, TUNPIN_A_CAPS, i ? 0 : 0x3);
		if (i)
			mnl_attr_put(nlh, TUNPIN_A_UNPINNED, 0, NULL);
		mnl_attr_put_strz(nlh, TUNPIN_A_NAME, i ? "" : "vm1");
		dgram_add(nlh);
		dgram_end();
	}
	dgram_new();
	put_done(req, 0, NULL);
	dgram_end();
}

static void respond_dump_eperm(const struct nlmsghdr *req)
{
	dgram_new();
	put_done(req, -EPERM, "not allowed");
	dgram_end();
}

static void respond_taps(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;

	dgram_new();
	nlh = put_genl(req, TUNPIN_CMD_TAP_GET, NLM_F_MULTI);
	mnl_attr_put_u32(nlh, TUNPIN_A_PID, 123);
	mnl_attr_put_strz(nlh, TUNPIN_A_COMM, "qemu-system-x86");
	mnl_attr_put_u32(nlh, TUNPIN_A_ACTIVE, 0xf);
	mnl_attr_put_u32(nlh, TUNPIN_A_OFFERED, 0x1f);
	mnl_attr_put(nlh, TUNPIN_A_EXEMPT, 0, NULL);
	dgram_add(nlh);
	nlh = put_genl(req, TUNPIN_CMD_TAP_GET, NLM_F_MULTI);
	mnl_attr_put_u32(nlh, TUNPIN_A_PID, 124);
	mnl_attr_put_strz(nlh, TUNPIN_A_COMM, "x");
	mnl_attr_put(nlh, TUNPIN_A_OVERRIDE, 0, NULL);
	dgram_add(nlh);
	put_done(req, 0, NULL);
	dgram_end();
}

/* A malformed reply: CAPS of the wrong size. */
static void respond_bad(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;

	dgram_new();
	nlh = put_genl(req, TUNPIN_CMD_LEVEL_GET, 0);
	mnl_attr_put_u16(nlh, TUNPIN_A_CAPS, 3);
	dgram_add(nlh);
	put_ack(req, 0, NULL);
	dgram_end();
}

static int ov_seen;
static struct tp_override ov_got[2];

static int on_override(const struct tp_override *ov, void *arg)
{
	if (ov_seen < 2)
		ov_got[ov_seen] = *ov;
	ov_seen++;
	return arg ? *(int *)arg : 0;
}

static int taps_seen;
static struct tp_tap taps_got[2];

static int on_tap(const struct tp_tap *t, void *arg)
{
	(void)arg;
	if (taps_seen < 2)
		taps_got[taps_seen] = *t;
	taps_seen++;
	return 0;
}

static int ev_seen;
static struct tp_event ev_got[4];

static int on_event(const struct tp_event *ev, void *arg)
{
	(void)arg;
	if (ev_seen < 4)
		ev_got[ev_seen] = *ev;
	return ++ev_seen == 3 ? 99 : 0;
}

static void queue_events(void)
{
	struct nlmsghdr *nlh;

	fk.head = fk.tail = 0;
	dgram_new();
	nlh = put_genl(NULL, TUNPIN_CMD_LEVEL_NTF, 0);
	mnl_attr_put_u32(nlh, TUNPIN_A_CAPS, 0x3);
	mnl_attr_put_strz(nlh, TUNPIN_A_NAME, "p");
	mnl_attr_put_u32(nlh, TUNPIN_A_KNOWN, TUNPIN_CAP_ALL);
	mnl_attr_put_u32(nlh, TUNPIN_A_PID, 55);
	mnl_attr_put_strz(nlh, TUNPIN_A_COMM, "tunpin");
	dgram_add(nlh);
	nlh = put_genl(NULL, TUNPIN_CMD_MAX + 1, 0);	/* a newer event */
	dgram_add(nlh);
	dgram_end();
	dgram_new();
	nlh = put_genl(NULL, TUNPIN_CMD_REFUSED_NTF, 0);
	mnl_attr_put_u32(nlh, TUNPIN_A_PID, 66);
	mnl_attr_put_strz(nlh, TUNPIN_A_COMM, "qemu");
	mnl_attr_put_u32(nlh, TUNPIN_A_IOCTL, 0x400454d0);
	mnl_attr_put_u32(nlh, TUNPIN_A_CAPS, 0x10);
	dgram_add(nlh);
	dgram_end();
}

void test_nl(void)
{
	struct tp_level l = { 0 };
	struct tp_counters cs;
	struct tp_nl *h;
	int stop = 5;

	/* The family is absent: ENOENT, the "module not loaded" case. */
	fk.family_present = false;
	errno = 0;
	CHECK(!tp_nl_open() && errno == ENOENT);

	fk.family_present = true;
	fk.dirty = 0;
	stack_poison();
	h = tp_nl_open();
	CHECK(h != NULL);
	if (!h)
		return;
	CHECK(fk.ext_ack == 1 && fk.cap_ack == 1);
	/* "tunpin" and its NUL leave a byte of padding: zero, not stack */
	CHECK(fk.dirty == 0);

	fk.respond = respond_pinned;
	CHECK(tp_nl_level_get(h, &l) == 0);
	CHECK(req_cmd() == TUNPIN_CMD_LEVEL_GET && (req_flags() & NLM_F_ACK));
	CHECK(l.pinned && l.caps == 0x1f && !strcmp(l.name, "pool-a"));
	fk.respond = respond_unpinned;
	CHECK(tp_nl_level_get(h, &l) == 0);
	CHECK(!l.pinned && l.caps == 0 && !strcmp(l.name, ""));
	fk.respond = respond_ack;	/* an ack without the reply */
	CHECK(tp_nl_level_get(h, &l) == -EBADMSG);
	fk.respond = respond_bad;
	CHECK(tp_nl_level_get(h, &l) == -EBADMSG);

	/* LEVEL_SET: CAPS xor UNPINNED, NAME only if set, FORCE. */
	fk.respond = respond_ack;
	l = (struct tp_level){ .caps = 0x3, .pinned = true };
	strcpy(l.name, "pool-b");
	CHECK(tp_nl_level_set(h, &l, true) == 0);
	CHECK(req_cmd() == TUNPIN_CMD_LEVEL_SET && !req_unknown);
	CHECK(req_u32(TUNPIN_A_CAPS, 0x3) && !req_tb[TUNPIN_A_UNPINNED]);
	CHECK(req_str(TUNPIN_A_NAME) && !strcmp(req_str(TUNPIN_A_NAME), "pool-b"));
	CHECK(req_flag(TUNPIN_A_FORCE));
	CHECK(!strcmp(tp_nl_extack(h), ""));
	l = (struct tp_level){ .caps = 0, .pinned = true };
	CHECK(tp_nl_level_set(h, &l, false) == 0);
	CHECK(req_cmd() == TUNPIN_CMD_LEVEL_SET);
	CHECK(req_u32(TUNPIN_A_CAPS, 0) && !req_tb[TUNPIN_A_NAME] &&
	      !req_tb[TUNPIN_A_FORCE] && !req_tb[TUNPIN_A_UNPINNED]);
	l = (struct tp_level){ .pinned = false };
	CHECK(tp_nl_level_set(h, &l, false) == 0);
	CHECK(req_cmd() == TUNPIN_CMD_LEVEL_SET);
	CHECK(req_flag(TUNPIN_A_UNPINNED) && !req_tb[TUNPIN_A_CAPS]);
	/* A refusal: the errno and the kernel's reason. */
	fk.respond = respond_busy;
	l = (struct tp_level){ .caps = 0xf, .pinned = true };
	CHECK(tp_nl_level_set(h, &l, false) == -EBUSY);
	CHECK(strstr(tp_nl_extack(h), "level removes ufo in use") != NULL);
	/* The next request starts with no message. */
	fk.respond = respond_ack;
	CHECK(tp_nl_level_set(h, &l, false) == 0 && !*tp_nl_extack(h));
	/* A label longer than the kernel takes is sent: the kernel judges. */
	{
		static struct tp_level big = { .pinned = true };

		memset(big.name, 'a', sizeof(big.name) - 1);
		CHECK(tp_nl_level_set(h, &big, false) == 0);
		CHECK(req_cmd() == TUNPIN_CMD_LEVEL_SET && req_str(TUNPIN_A_NAME));
		CHECK(req_str(TUNPIN_A_NAME) && strlen(req_str(TUNPIN_A_NAME)) == sizeof(big.name) - 1);
	}

	fk.respond = respond_counters;
	CHECK(tp_nl_counters(h, &cs) == 0);
	CHECK(req_cmd() == TUNPIN_CMD_COUNTERS_GET);
	CHECK(cs.n == 10 && cs.c[0].cap == 1 && cs.c[8].cap == 0x100);
	CHECK(cs.c[9].cap == 0 && cs.c[9].requested == 109);
	CHECK(cs.c[4].refused == 1ull << 40 && cs.refused_ioctls == 7);

	fk.respond = respond_overrides;
	ov_seen = 0;
	CHECK(tp_nl_overrides(h, on_override, NULL) == 0);
	CHECK(req_cmd() == TUNPIN_CMD_OVERRIDE_GET &&
	      (req_flags() & NLM_F_DUMP) == NLM_F_DUMP);
	CHECK(ov_seen == 2);
	CHECK(!strcmp(ov_got[0].cgroup, "/machine.slice/vm1.scope"));
	CHECK(ov_got[0].level.pinned && ov_got[0].level.caps == 3 &&
	      !strcmp(ov_got[0].level.name, "vm1"));
	CHECK(!strcmp(ov_got[1].cgroup, "/b") && !ov_got[1].level.pinned);
	/* A callback's stop value is returned, after the dump is drained. */
	ov_seen = 0;
	CHECK(tp_nl_overrides(h, on_override, &stop) == 5 && ov_seen == 1);
	CHECK(fk.head == fk.tail);
	fk.respond = respond_dump_eperm;
	CHECK(tp_nl_overrides(h, on_override, NULL) == -EPERM);
	CHECK(!strcmp(tp_nl_extack(h), "not allowed"));

	fk.respond = respond_ack;
	l = (struct tp_level){ .caps = 0x1, .pinned = true };
	CHECK(tp_nl_override_add(h, "/vm1", &l) == 0);
	CHECK(req_cmd() == TUNPIN_CMD_OVERRIDE_ADD && req_u32(TUNPIN_A_CAPS, 1));
	CHECK(req_str(TUNPIN_A_CGROUP) && !strcmp(req_str(TUNPIN_A_CGROUP), "/vm1"));
	CHECK(tp_nl_override_del(h, "/vm1") == 0);
	CHECK(req_cmd() == TUNPIN_CMD_OVERRIDE_DEL && !req_tb[TUNPIN_A_CAPS]);
	CHECK(req_str(TUNPIN_A_CGROUP) &&
	      !strcmp(req_str(TUNPIN_A_CGROUP), "/vm1"));
	{
		static char path[9000];

		memset(path, 'x', sizeof(path) - 1);
		CHECK(tp_nl_override_del(h, path) == -EMSGSIZE);
	}

	fk.respond = respond_taps;
	CHECK(tp_nl_taps(h, on_tap, NULL) == 0 && taps_seen == 2);
	CHECK(req_cmd() == TUNPIN_CMD_TAP_GET);
	CHECK(taps_got[0].pid == 123 && !strcmp(taps_got[0].comm, "qemu-system-x86"));
	CHECK(taps_got[0].active == 0xf && taps_got[0].offered == 0x1f);
	CHECK(taps_got[0].exempt && !taps_got[0].override);
	CHECK(taps_got[1].pid == 124 && !taps_got[1].exempt &&
	      taps_got[1].override && taps_got[1].offered == 0);

	/* monitor: joins the group, reports a lost burst, skips unknown events */
	queue_events();
	fk.recv_errno = ENOBUFS;
	CHECK(tp_nl_monitor(h, on_event, NULL) == 99);
	CHECK(fk.group == FAKE_GROUP);
	CHECK(ev_seen == 3 && ev_got[0].type == TP_EV_LOST);
	CHECK(ev_got[1].type == TP_EV_LEVEL && ev_got[1].level.pinned &&
	      ev_got[1].level.caps == 3 && !strcmp(ev_got[1].level.name, "p") &&
	      ev_got[1].pid == 55 && !strcmp(ev_got[1].comm, "tunpin"));
	CHECK(ev_got[2].type == TP_EV_REFUSED && ev_got[2].pid == 66 &&
	      ev_got[2].ioctl == 0x400454d0 && ev_got[2].caps == 0x10 &&
	      !strcmp(ev_got[2].comm, "qemu"));
	/* A receive error ends it. */
	fk.recv_errno = EBADF;
	CHECK(tp_nl_monitor(h, on_event, NULL) == -EBADF);

	CHECK(fk.dirty == 0);	/* no request sent garbage */
	tp_nl_close(h);
}

/* tests/tunpin-fake: a module at level pool-a, answering every command. */
static void respond_any(const struct nlmsghdr *req)
{
	switch (req_cmd()) {
	case TUNPIN_CMD_LEVEL_GET:
		respond_pinned(req);
		break;
	case TUNPIN_CMD_COUNTERS_GET:
		respond_counters(req);
		break;
	case TUNPIN_CMD_OVERRIDE_GET:
		respond_overrides(req);
		break;
	case TUNPIN_CMD_TAP_GET:
		respond_taps(req);
		break;
	default:
		respond_ack(req);
	}
}

void nl_fake_serve(void)
{
	fk.family_present = true;
	fk.serving = true;
	fk.respond = respond_any;
}
