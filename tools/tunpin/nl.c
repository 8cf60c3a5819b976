// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): the "tunpin" generic netlink family, on libmnl.
 *
 * Every request carries NLM_F_ACK, so each exchange ends with an ack, an
 * error or (dumps) NLMSG_DONE. Errors come with the kernel's extack message
 * (NETLINK_EXT_ACK) and without our request echoed back (NETLINK_CAP_ACK).
 * Attributes this tool does not know (a newer module) are ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "../../include/uapi/linux/tunpin.h"
#include "nl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * NLMSGERR_ATTR_MISS_TYPE (6.0) is an enum constant, which older
 * <linux/netlink.h> (bullseye's) lack and #ifdef cannot test: its ABI value.
 */
#define TP_NLMSGERR_ATTR_MISS_TYPE	5

/* A dump skb is at most 32 KiB (MNL_SOCKET_DUMP_SIZE). */
#define TP_RX_SIZE	32768
/* A request: the longest is a cgroup path plus a label. */
#define TP_TX_SIZE	8192

struct tp_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t events;	/* the "events" group, 0 if absent */
	int replies;		/* messages in reply to the last request */
	char extack[512];
	char rx[TP_RX_SIZE];
};

/* Handles one reply: 0 to go on, else a negative errno or a stop value. */
typedef int (*tp_msg_cb)(const struct nlmsghdr *nlh, void *arg);

struct tp_talk {
	struct tp_nl *h;
	tp_msg_cb cb;
	void *arg;
	int err;	/* the kernel's error, or what cb returned */
};

const char *tp_nl_extack(const struct tp_nl *h)
{
	return h->extack;
}

static void tp_str(const struct nlattr *a, char *buf, size_t size)
{
	const char *s = a ? mnl_attr_get_str(a) : "";
	size_t len = a ? strnlen(s, mnl_attr_get_payload_len(a)) : 0;

	if (len >= size)
		len = size - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
}

/* The extended ack TLVs of an NLMSG_ERROR or NLMSG_DONE, @off past the
 * header: keep the message (an error's reason, or a warning). */
static void tp_extack_parse(struct tp_nl *h, const struct nlmsghdr *nlh,
			    size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
				tp_str(a, h->extack, sizeof(h->extack));
			break;
		case TP_NLMSGERR_ATTR_MISS_TYPE:
			if (!h->extack[0] &&
			    mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
				snprintf(h->extack, sizeof(h->extack),
					 "missing attribute %u",
					 mnl_attr_get_u32(a));
			break;
		}
	}
}

static int tp_cb_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct tp_talk *t = data;
	size_t off = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	tp_extack_parse(t->h, nlh, off);
	if (!err->error)
		return MNL_CB_STOP;	/* the ack */
	t->err = err->error < 0 ? err->error : -EPROTO;
	errno = -t->err;
	return MNL_CB_ERROR;
}

/* The end of a dump: its payload is the dump's error, 0 on success. */
static int tp_cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct tp_talk *t = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	tp_extack_parse(t->h, nlh, sizeof(err));
	if (err < 0) {
		t->err = err;
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* A reply: after the callback stopped or failed, the rest is drained. */
static int tp_cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct tp_talk *t = data;

	t->h->replies++;
	if (t->cb && !t->err)
		t->err = t->cb(nlh, t->arg);
	return MNL_CB_OK;
}

/* Send @nlh, run @cb on each reply until the ack, the error or the end of
 * the dump. Returns 0, a negative errno, or what @cb stopped with. */
static int tp_talk(struct tp_nl *h, struct nlmsghdr *nlh, tp_msg_cb cb,
		   void *arg)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = tp_cb_error,
		[NLMSG_DONE] = tp_cb_done,
	};
	struct tp_talk t = { .h = h, .cb = cb, .arg = arg };
	ssize_t n;
	int ret;

	h->extack[0] = '\0';
	h->replies = 0;
	if (mnl_socket_sendto(h->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(h->sock, h->rx, sizeof(h->rx));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(h->rx, n, nlh->nlmsg_seq, h->portid,
				  tp_cb_data, &t, ctl, ARRAY_SIZE(ctl));
	} while (ret > MNL_CB_STOP);
	if (t.err)
		return t.err;
	if (ret < 0)
		return errno ? -errno : -EPROTO;
	return 0;
}

static struct nlmsghdr *tp_msg(struct tp_nl *h, char *buf, uint16_t family,
			       uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/*
	 * libmnl (1.0.4) leaves an attribute's alignment padding as the
	 * buffer had it: without this, bytes of our stack went to the
	 * kernel (valgrind: sendto of uninitialised bytes). Every request
	 * buffer is TP_TX_SIZE.
	 */
	memset(buf, 0, TP_TX_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++h->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

static struct nlmsghdr *tp_req(struct tp_nl *h, char *buf, uint8_t cmd,
			       uint16_t flags)
{
	return tp_msg(h, buf, h->family, cmd, TUNPIN_GENL_VERSION, flags);
}

/* Our family's id and the "events" group from the controller's reply. */
static int tp_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a, *grp, *ga;
	struct tp_nl *h = arg;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			h->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a) {
				const char *name = NULL;
				uint32_t id = 0;

				mnl_attr_for_each_nested(ga, grp) {
					int type = mnl_attr_get_type(ga);

					if (type == CTRL_ATTR_MCAST_GRP_NAME &&
					    mnl_attr_validate(ga, MNL_TYPE_NUL_STRING) >= 0)
						name = mnl_attr_get_str(ga);
					if (type == CTRL_ATTR_MCAST_GRP_ID &&
					    mnl_attr_validate(ga, MNL_TYPE_U32) >= 0)
						id = mnl_attr_get_u32(ga);
				}
				if (name && !strcmp(name, TUNPIN_MCGRP_EVENTS))
					h->events = id;
			}
			break;
		}
	}
	return 0;
}

void tp_nl_close(struct tp_nl *h)
{
	if (!h)
		return;
	if (h->sock)
		mnl_socket_close(h->sock);
	free(h);
}

struct tp_nl *tp_nl_open(void)
{
	struct nlmsghdr *nlh;
	char buf[TP_TX_SIZE];
	struct tp_nl *h;
	int one = 1, err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!h->sock || mnl_socket_bind(h->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	h->portid = mnl_socket_get_portid(h->sock);
	/* Without them (before Linux 4.12) errors just lack the reason. */
	mnl_socket_setsockopt(h->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(h->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nlh = tp_msg(h, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TUNPIN_GENL_NAME);
	err = tp_talk(h, nlh, tp_family_cb, h);
	if (!err && !h->family)
		err = -ENOENT;
	if (err) {
		errno = -err;
		goto fail;
	}
	return h;

fail:
	err = errno;
	tp_nl_close(h);
	errno = err;
	return NULL;
}

/* Types of the attributes we read; the others are skipped. */
static const enum mnl_attr_data_type tp_policy[TUNPIN_A_MAX + 1] = {
	[TUNPIN_A_CAPS]		  = MNL_TYPE_U32,
	[TUNPIN_A_UNPINNED]	  = MNL_TYPE_FLAG,
	[TUNPIN_A_NAME]		  = MNL_TYPE_NUL_STRING,
	[TUNPIN_A_KNOWN]	  = MNL_TYPE_U32,
	[TUNPIN_A_CGROUP]	  = MNL_TYPE_NUL_STRING,
	[TUNPIN_A_COUNTER]	  = MNL_TYPE_NESTED,
	[TUNPIN_A_REFUSED_IOCTLS] = MNL_TYPE_U64,
	[TUNPIN_A_PID]		  = MNL_TYPE_U32,
	[TUNPIN_A_COMM]		  = MNL_TYPE_NUL_STRING,
	[TUNPIN_A_ACTIVE]	  = MNL_TYPE_U32,
	[TUNPIN_A_OFFERED]	  = MNL_TYPE_U32,
	[TUNPIN_A_EXEMPT]	  = MNL_TYPE_FLAG,
	[TUNPIN_A_IOCTL]	  = MNL_TYPE_U32,
	[TUNPIN_A_OVERRIDE]	  = MNL_TYPE_FLAG,
	[TUNPIN_A_VHOST]	  = MNL_TYPE_FLAG,
};

typedef const struct nlattr *tp_attrs[TUNPIN_A_MAX + 1];

static int tp_parse_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type > TUNPIN_A_MAX || type == TUNPIN_A_COUNTER)
		return MNL_CB_OK;	/* multi-attr: walked by its user */
	if (mnl_attr_validate(a, tp_policy[type]) < 0)
		return MNL_CB_ERROR;
	tb[type] = a;
	return MNL_CB_OK;
}

static int tp_parse(const struct nlmsghdr *nlh, tp_attrs tb)
{
	memset(tb, 0, sizeof(tp_attrs));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr) ||
	    mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tp_parse_cb,
			   tb) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

static uint32_t tp_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static void tp_level_from(tp_attrs tb, struct tp_level *level)
{
	level->pinned = !tb[TUNPIN_A_UNPINNED];
	level->caps = tp_u32(tb[TUNPIN_A_CAPS]);
	tp_str(tb[TUNPIN_A_NAME], level->name, sizeof(level->name));
}

static int tp_put_level(struct nlmsghdr *nlh, const struct tp_level *level)
{
	bool ok;

	if (level->pinned)
		ok = mnl_attr_put_u32_check(nlh, TP_TX_SIZE, TUNPIN_A_CAPS,
					    level->caps);
	else
		ok = mnl_attr_put_check(nlh, TP_TX_SIZE, TUNPIN_A_UNPINNED,
					0, NULL);
	if (ok && level->name[0])
		ok = mnl_attr_put_strz_check(nlh, TP_TX_SIZE, TUNPIN_A_NAME,
					     level->name);
	return ok ? 0 : -EMSGSIZE;
}


static int tp_level_cb(const struct nlmsghdr *nlh, void *arg)
{
	tp_attrs tb;
	int err = tp_parse(nlh, tb);

	if (!err)
		tp_level_from(tb, arg);
	return err;
}

int tp_nl_level_get(struct tp_nl *h, struct tp_level *level)
{
	char buf[TP_TX_SIZE];
	int ret;

	ret = tp_talk(h, tp_req(h, buf, TUNPIN_CMD_LEVEL_GET, NLM_F_ACK),
		      tp_level_cb, level);
	if (!ret && !h->replies)
		ret = -EBADMSG;		/* acked without a reply */
	return ret;
}

int tp_nl_level_set(struct tp_nl *h, const struct tp_level *level,
		    bool force)
{
	char buf[TP_TX_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = tp_req(h, buf, TUNPIN_CMD_LEVEL_SET, NLM_F_ACK);
	err = tp_put_level(nlh, level);
	if (err)
		return err;
	if (force)
		mnl_attr_put(nlh, TUNPIN_A_FORCE, 0, NULL);
	return tp_talk(h, nlh, NULL, NULL);
}

static int tp_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return -EBADMSG;
	*v = mnl_attr_get_u64(a);
	return 0;
}

static int tp_counter_parse(const struct nlattr *nest, struct tp_counter *c)
{
	const struct nlattr *a;
	int err = 0;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TUNPIN_A_COUNTER_CAP:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			c->cap = mnl_attr_get_u32(a);
			break;
		case TUNPIN_A_COUNTER_REQUESTED:
			err = tp_u64(a, &c->requested);
			break;
		case TUNPIN_A_COUNTER_REFUSED:
			err = tp_u64(a, &c->refused);
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

static int tp_counters_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct tp_counters *c = arg;
	const struct nlattr *a;
	int err = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		struct tp_counter ctr = { 0 };

		switch (mnl_attr_get_type(a)) {
		case TUNPIN_A_COUNTER:
			err = tp_counter_parse(a, &ctr);
			if (!err && c->n < (int)ARRAY_SIZE(c->c))
				c->c[c->n++] = ctr;
			break;
		case TUNPIN_A_REFUSED_IOCTLS:
			err = tp_u64(a, &c->refused_ioctls);
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

int tp_nl_counters(struct tp_nl *h, struct tp_counters *c)
{
	char buf[TP_TX_SIZE];
	int ret;

	memset(c, 0, sizeof(*c));
	ret = tp_talk(h, tp_req(h, buf, TUNPIN_CMD_COUNTERS_GET, NLM_F_ACK),
		      tp_counters_cb, c);
	if (!ret && !h->replies)
		ret = -EBADMSG;
	return ret;
}

struct tp_override_walk {
	tp_override_cb cb;
	void *arg;
};

static int tp_override_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct tp_override_walk *w = arg;
	struct tp_override ov;
	tp_attrs tb;
	int err = tp_parse(nlh, tb);

	if (err)
		return err;
	tp_str(tb[TUNPIN_A_CGROUP], ov.cgroup, sizeof(ov.cgroup));
	tp_level_from(tb, &ov.level);
	return w->cb(&ov, w->arg);
}

int tp_nl_overrides(struct tp_nl *h, tp_override_cb cb, void *arg)
{
	struct tp_override_walk w = { .cb = cb, .arg = arg };
	char buf[TP_TX_SIZE];

	return tp_talk(h, tp_req(h, buf, TUNPIN_CMD_OVERRIDE_GET, NLM_F_DUMP),
		       tp_override_msg, &w);
}

int tp_nl_override_add(struct tp_nl *h, const char *cgroup,
		       const struct tp_level *level)
{
	char buf[TP_TX_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = tp_req(h, buf, TUNPIN_CMD_OVERRIDE_ADD, NLM_F_ACK);
	if (!mnl_attr_put_strz_check(nlh, sizeof(buf), TUNPIN_A_CGROUP, cgroup))
		return -EMSGSIZE;
	err = tp_put_level(nlh, level);
	return err ? err : tp_talk(h, nlh, NULL, NULL);
}

int tp_nl_override_del(struct tp_nl *h, const char *cgroup)
{
	char buf[TP_TX_SIZE];
	struct nlmsghdr *nlh;

	nlh = tp_req(h, buf, TUNPIN_CMD_OVERRIDE_DEL, NLM_F_ACK);
	if (!mnl_attr_put_strz_check(nlh, sizeof(buf), TUNPIN_A_CGROUP, cgroup))
		return -EMSGSIZE;
	return tp_talk(h, nlh, NULL, NULL);
}

struct tp_tap_walk {
	tp_tap_cb cb;
	void *arg;
};

static int tp_tap_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct tp_tap_walk *w = arg;
	struct tp_tap tap;
	tp_attrs tb;
	int err = tp_parse(nlh, tb);

	if (err)
		return err;
	tap.pid = tp_u32(tb[TUNPIN_A_PID]);
	tp_str(tb[TUNPIN_A_COMM], tap.comm, sizeof(tap.comm));
	tap.active = tp_u32(tb[TUNPIN_A_ACTIVE]);
	tap.offered = tp_u32(tb[TUNPIN_A_OFFERED]);
	tap.exempt = tb[TUNPIN_A_EXEMPT];
	tap.override = tb[TUNPIN_A_OVERRIDE];
	tap.vhost = tb[TUNPIN_A_VHOST];
	return w->cb(&tap, w->arg);
}

int tp_nl_taps(struct tp_nl *h, tp_tap_cb cb, void *arg)
{
	struct tp_tap_walk w = { .cb = cb, .arg = arg };
	char buf[TP_TX_SIZE];

	return tp_talk(h, tp_req(h, buf, TUNPIN_CMD_TAP_GET, NLM_F_DUMP),
		       tp_tap_msg, &w);
}

struct tp_mon {
	struct tp_nl *h;
	tp_event_cb cb;
	void *arg;
	int ret;	/* what cb returned, or a parse error */
};

static int tp_event_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct tp_mon *m = data;
	struct tp_event ev = { 0 };
	tp_attrs tb;

	if (nlh->nlmsg_type != m->h->family)
		return MNL_CB_OK;
	m->ret = tp_parse(nlh, tb);
	if (m->ret)
		return MNL_CB_ERROR;
	switch (genl->cmd) {
	case TUNPIN_CMD_LEVEL_NTF:
		ev.type = TP_EV_LEVEL;
		tp_level_from(tb, &ev.level);
		break;
	case TUNPIN_CMD_REFUSED_NTF:
		ev.type = TP_EV_REFUSED;
		ev.ioctl = tp_u32(tb[TUNPIN_A_IOCTL]);
		ev.caps = tp_u32(tb[TUNPIN_A_CAPS]);
		break;
	default:
		return MNL_CB_OK;	/* a newer module's event */
	}
	ev.pid = tp_u32(tb[TUNPIN_A_PID]);
	tp_str(tb[TUNPIN_A_COMM], ev.comm, sizeof(ev.comm));
	m->ret = m->cb(&ev, m->arg);
	return m->ret ? MNL_CB_STOP : MNL_CB_OK;
}

int tp_nl_monitor(struct tp_nl *h, tp_event_cb cb, void *arg)
{
	struct tp_mon m = { .h = h, .cb = cb, .arg = arg };
	const struct tp_event lost = { .type = TP_EV_LOST };
	unsigned int grp = h->events;
	ssize_t n;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(h->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(h->sock, h->rx, sizeof(h->rx));
		if (n < 0 && errno == ENOBUFS) {
			m.ret = cb(&lost, arg);
			if (m.ret)
				return m.ret;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Notifications: sequence 0, from the kernel (port 0). */
		if (mnl_cb_run(h->rx, n, 0, 0, tp_event_msg, &m) < 0 && !m.ret)
			return -errno;
		if (m.ret)
			return m.ret;
	}
}
