// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing the "tunpin" generic netlink family: random commands (0..20),
 * nlmsg flags, genl header fields, and attribute trees (random types, the
 * nested and byte-order bits, zero-length, oversized, truncated, strings
 * with and without their NUL, a few real cgroup paths), from root with the
 * module pinned and unpinned, from an unprivileged user and from root of a
 * new user and network namespace. Every message carries NLM_F_ACK and must
 * be answered (an error, an ack, or a dump's NLMSG_DONE); an error that
 * refuses our attributes must say why (extack). The level and the
 * overrides must change only by a message the kernel accepted, and never
 * by an unprivileged one. Figures: messages, answers, errno histogram,
 * extack presence, accepted changes. 1,000,000 messages with
 * TUNPIN_STRESS=full.
 */
#include "stress.h"
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_CG		"/sys/fs/cgroup/tunpin-fuzz"
#define TP_MAXERR	140

struct tp_fuzz_stats {
	long sent, answered, unanswered, acks, dumps_done, stray;
	long errors[TP_MAXERR];		/* by errno */
	long extack;			/* errors carrying extack TLVs */
	long bad_no_extack;		/* attribute refusals without a reason */
	long changes;			/* accepted LEVEL_SET/OVERRIDE_* */
	long unpriv_accepted;		/* admin commands not EPERM (nor refused
					 * by the core first), unprivileged */
	long state_diffs;		/* state changed without an accepted change */
	uint32_t first_bad_cmd;
	int first_bad_err;
};

struct tp_fuzz {
	enum tp_who who;
	long count;
	uint64_t seed;
	struct tp_fuzz_stats st;
};

/*
 * Whether the genetlink core refuses an admin request with @err before it
 * looks at the caller's capabilities. From 6.1, for a family without
 * resv_start_op: EINVAL for a non-zero genlmsghdr.reserved or nlmsg_flags
 * beyond its own. From 6.2, which looks the do and the dump of a command up
 * apart: EOPNOTSUPP for a dump of a command that has only a do, and the
 * reverse (of the admin commands, only TAP_GET dumps).
 */
static bool tp_core_refusal(const struct nlmsghdr *nlh,
			    const struct genlmsghdr *g, int err)
{
	uint16_t flags = nlh->nlmsg_flags;
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (dump)
		flags &= ~NLM_F_DUMP;
	if (err == EINVAL)
		return g->reserved ||
		       (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO));
	return err == EOPNOTSUPP && dump != (g->cmd == TUNPIN_CMD_TAP_GET);
}

static int tp_genl_socket(uint16_t *family)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char buf[256];
	} req = {};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 5 };
	char rx[8192];
	struct nlattr *a;
	int fd, one = 1, len, size = 1 << 20;
	struct nlmsghdr *nlh;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto err;

	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = 1;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	a = (struct nlattr *)req.buf;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(TUNPIN_GENL_NAME);
	memcpy(req.buf + NLA_HDRLEN, TUNPIN_GENL_NAME,
	       sizeof(TUNPIN_GENL_NAME));
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
		goto err;
	len = recv(fd, rx, sizeof(rx), 0);
	if (len < 0)
		goto err;
	nlh = (struct nlmsghdr *)rx;
	if (!NLMSG_OK(nlh, len) || nlh->nlmsg_type == NLMSG_ERROR) {
		errno = ENOENT;
		goto err;
	}
	len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	     len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
			memcpy(family, (char *)a + NLA_HDRLEN, 2);
			return fd;
		}
	}
	errno = ENOENT;
err:
	len = -errno;
	close(fd);
	return len;
}

/* Strings the kernel may take: real cgroups among them. */
static const char *const tp_strings[] = {
	"/", "/tunpin-fuzz", "/tunpin-fuzz/", "/no/such", "relative", "",
	"pool-a", "bad name!", "..", "/tunpin-fuzz/../tunpin-fuzz",
};

/* Append a random attribute (tree) at @p, at most @room bytes. */
static int tp_gen_attr(struct tp_rng *r, char *p, int room, int depth)
{
	struct nlattr *a = (struct nlattr *)p;
	int type, plen, i, k;
	bool fill = false;

	if (room < NLA_HDRLEN)
		return 0;
	type = tp_below(r, 4) ? tp_below(r, 21) : tp_rand(r) & 0xffff;
	if (!tp_below(r, 8))
		type |= NLA_F_NESTED;
	if (!tp_below(r, 32))
		type |= NLA_F_NET_BYTEORDER;
	a->nla_type = type;

	switch (tp_below(r, 10)) {
	case 0:		/* zero-length */
		plen = 0;
		break;
	case 1:		/* u32, the common case */
	case 2:
		plen = 4;
		*(uint32_t *)(p + NLA_HDRLEN) = tp_below(r, 2) ?
			tp_rand(r) & TUNPIN_CAP_ALL : tp_rand(r);
		break;
	case 3:		/* u8, u16, u64 and odd sizes */
		plen = 1 + tp_below(r, 9);
		fill = true;
		break;
	case 4:		/* a known string, with or without its NUL */
		k = tp_below(r, sizeof(tp_strings) / sizeof(tp_strings[0]));
		plen = strlen(tp_strings[k]) + tp_below(r, 2);
		if (NLA_HDRLEN + plen > room)
			return 0;
		memcpy(p + NLA_HDRLEN, tp_strings[k], plen);
		break;
	case 5:		/* oversized */
		plen = 60 + tp_below(r, 4200);
		fill = tp_below(r, 2);
		break;
	case 6:		/* nested */
	case 7:
		if (depth < 4) {
			plen = 0;
			k = tp_below(r, 4);
			for (i = 0; i < k; i++)
				plen += tp_gen_attr(r, p + NLA_HDRLEN + plen,
						    room - NLA_HDRLEN - plen,
						    depth + 1);
			a->nla_type |= tp_below(r, 2) ? NLA_F_NESTED : 0;
			break;
		}
		/* fall through */
	default:	/* random bytes */
		plen = tp_below(r, 80);
		fill = true;
		break;
	}
	if (NLA_HDRLEN + plen > room)
		plen = room - NLA_HDRLEN;
	if (fill)		/* random content */
		for (i = 0; i + 4 <= plen; i += 4)
			*(uint32_t *)(p + NLA_HDRLEN + i) = tp_rand(r);
	a->nla_len = NLA_HDRLEN + plen;
	switch (tp_below(r, 24)) {
	case 0:		/* says more than it has (truncated) */
		a->nla_len += 1 + tp_below(r, 64);
		break;
	case 1:		/* shorter than its header */
		a->nla_len = tp_below(r, NLA_HDRLEN);
		break;
	}
	return NLA_ALIGN(NLA_HDRLEN + plen) <= room ?
		NLA_ALIGN(NLA_HDRLEN + plen) : room;
}

static int tp_put(char *p, int room, uint16_t type, const void *data,
		  int len)
{
	struct nlattr *a = (struct nlattr *)p;

	if (NLA_HDRLEN + len > room)
		return 0;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(p + NLA_HDRLEN, data, len);
	memset(p + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return NLA_ALIGN(NLA_HDRLEN + len);
}

/*
 * A plausible request: the attributes the family knows, well formed, in
 * random combinations; some are valid changes the kernel accepts.
 */
static int tp_gen_plausible(struct tp_rng *r, char *p, int room)
{
	uint32_t caps = tp_rand(r) & TUNPIN_CAP_ALL;
	int len = 0, k;
	const char *s;

	if (tp_below(r, 8))
		len += tp_put(p + len, room - len, TUNPIN_A_CAPS, &caps, 4);
	else
		len += tp_put(p + len, room - len, TUNPIN_A_UNPINNED, NULL, 0);
	if (!tp_below(r, 3)) {
		k = tp_below(r, sizeof(tp_strings) / sizeof(tp_strings[0]));
		s = tp_strings[k];
		len += tp_put(p + len, room - len, TUNPIN_A_NAME, s,
			      strlen(s) + 1);
	}
	if (tp_below(r, 2)) {
		s = tp_strings[tp_below(r, 4)];
		len += tp_put(p + len, room - len, TUNPIN_A_CGROUP, s,
			      strlen(s) + 1);
	}
	if (!tp_below(r, 4))
		len += tp_put(p + len, room - len, TUNPIN_A_FORCE, NULL, 0);
	return len;
}

/* The answer to one request: its error (0 for an ack or a done). */
struct tp_answer {
	bool answered, done, extack;
	int err;
};

static void tp_answer_msg(const struct nlmsghdr *nlh, uint32_t seq,
			  struct tp_answer *ans, struct tp_fuzz_stats *st)
{
	const struct nlmsgerr *e;
	int off;

	if (nlh->nlmsg_seq != seq) {
		st->stray++;
		return;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		e = NLMSG_DATA(nlh);
		ans->answered = true;
		ans->err = -e->error;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		ans->extack = (nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
			      NLMSG_LENGTH(off) < nlh->nlmsg_len;
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		ans->answered = ans->done = true;
		ans->err = -*(int *)NLMSG_DATA(nlh);
		ans->extack = nlh->nlmsg_flags & NLM_F_ACK_TLVS;
	}
}

static bool tp_cmd_admin(uint8_t cmd)
{
	return cmd == TUNPIN_CMD_LEVEL_SET || cmd == TUNPIN_CMD_OVERRIDE_ADD ||
	       cmd == TUNPIN_CMD_OVERRIDE_DEL || cmd == TUNPIN_CMD_TAP_GET;
}

static bool tp_cmd_changes(uint8_t cmd)
{
	return cmd == TUNPIN_CMD_LEVEL_SET || cmd == TUNPIN_CMD_OVERRIDE_ADD ||
	       cmd == TUNPIN_CMD_OVERRIDE_DEL;
}

/* The level and the overrides, as one comparable string. */
static int tp_ov_cat(const struct tp_override *ov, void *arg)
{
	char *s = arg;
	size_t len = strlen(s);

	snprintf(s + len, 4096 - len, "|%s=%d:%x:%s", ov->cgroup,
		 ov->level.pinned, ov->level.caps, ov->level.name);
	return 0;
}

static int tp_state(char *s)
{
	struct tp_nl *nl = tp_nl_open();
	struct tp_level l;
	int err;

	if (!nl)
		return -errno;
	err = tp_nl_level_get(nl, &l);
	if (!err) {
		snprintf(s, 4096, "%d:%x:%s", l.pinned, l.caps, l.name);
		err = tp_nl_overrides(nl, tp_ov_cat, s);
	}
	tp_nl_close(nl);
	return err;
}

/* The fuzzer proper: @f->count messages as whoever we are now. */
static int tp_fuzz_run(void *arg)
{
	struct tp_fuzz *f = arg;
	struct tp_fuzz_stats *st = &f->st;
	struct tp_rng r = { f->seed | 1 };
	static char tx[16384], rx[65536];
	char before[4096] = "", now[4096];
	bool root = f->who == TP_ROOT;
	uint16_t family = 0;
	long i;
	int fd;

	fd = tp_genl_socket(&family);
	if (fd < 0)
		return 10;
	if (root && tp_state(before))
		return 11;

	for (i = 0; i < f->count; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)tx;
		struct genlmsghdr *g = NLMSG_DATA(nlh);
		struct tp_answer ans = {};
		uint32_t seq = i + 2;
		int len, n, room;
		bool full_hdr = true;

		memset(tx, 0, NLMSG_HDRLEN + GENL_HDRLEN);
		nlh->nlmsg_type = family;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		if (!tp_below(&r, 4))
			nlh->nlmsg_flags |= tp_rand(&r) & 0xff00 &
					    ~NLM_F_ACK_TLVS;
		if (!tp_below(&r, 8))
			nlh->nlmsg_flags |= NLM_F_DUMP;
		if (!tp_below(&r, 200))
			nlh->nlmsg_flags &= ~NLM_F_REQUEST;
		nlh->nlmsg_seq = seq;
		g->cmd = tp_below(&r, 21);
		g->version = tp_below(&r, 8) ? TUNPIN_GENL_VERSION :
					       tp_rand(&r);
		if (!tp_below(&r, 16))
			g->reserved = tp_rand(&r);
		len = NLMSG_HDRLEN + GENL_HDRLEN;
		room = sizeof(tx) - len;
		if (!tp_below(&r, 64))
			room = 64;
		n = tp_below(&r, 6);
		if (!tp_below(&r, 8)) {
			g->cmd = 1 + tp_below(&r, 7);
			len += tp_gen_plausible(&r, tx + len, room);
			n = 0;
		}
		while (n-- > 0 && room > NLA_HDRLEN) {
			int k = tp_gen_attr(&r, tx + len, room, 0);

			len += k;
			room -= k;
		}
		if (!tp_below(&r, 100)) {	/* a genl header cut short */
			len = NLMSG_HDRLEN + tp_below(&r, GENL_HDRLEN);
			full_hdr = false;
		}
		nlh->nlmsg_len = len;

		if (send(fd, tx, len, 0) < 0) {
			st->unanswered++;
			continue;
		}
		st->sent++;
		while (!ans.answered) {
			struct nlmsghdr *m;
			int got = recv(fd, rx, sizeof(rx), 0);

			if (got < 0)
				break;
			for (m = (struct nlmsghdr *)rx; NLMSG_OK(m, got);
			     m = NLMSG_NEXT(m, got))
				tp_answer_msg(m, seq, &ans, st);
		}
		if (!ans.answered) {
			st->unanswered++;
			if (!st->first_bad_cmd)
				st->first_bad_cmd = 0x10000 | g->cmd;
			continue;
		}
		st->answered++;
		if (ans.done)
			st->dumps_done++;
		if (!ans.err) {
			st->acks++;
		} else {
			st->errors[ans.err < TP_MAXERR ? ans.err : 0]++;
			st->extack += ans.extack;
			/* Refusals of attributes by the module's own ops. */
			if (full_hdr && ans.err == EINVAL && !ans.extack &&
			    tp_cmd_changes(g->cmd) && root &&
			    (nlh->nlmsg_flags & NLM_F_REQUEST)) {
				st->bad_no_extack++;
				if (!st->first_bad_cmd)
					st->first_bad_cmd = g->cmd;
			}
		}
		if (!(nlh->nlmsg_flags & NLM_F_REQUEST) ||
		    !tp_cmd_admin(g->cmd) || !full_hdr)
			continue;
		if (!root) {
			if (ans.err != EPERM &&
			    !tp_core_refusal(nlh, g, ans.err)) {
				st->unpriv_accepted++;
				if (!st->first_bad_err) {
					st->first_bad_cmd = g->cmd;
					st->first_bad_err = ans.err ?: -1;
				}
			}
		} else if (!ans.err && tp_cmd_changes(g->cmd) &&
			   !(nlh->nlmsg_flags & NLM_F_DUMP &&
			     (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)) {
			/* Accepted: this is the state from now on. */
			st->changes++;
			if (tp_state(before))
				return 12;
		}
		if (root && !(i % 512)) {
			if (tp_state(now))
				return 13;
			if (strcmp(now, before)) {
				st->state_diffs++;
				snprintf(before, sizeof(before), "%s", now);
			}
		}
	}
	if (root) {
		if (tp_state(now))
			return 14;
		if (strcmp(now, before))
			st->state_diffs++;
	}
	close(fd);
	return 0;
}

static void tp_fuzz_report(const char *what, const struct tp_fuzz *f,
			   double secs)
{
	const struct tp_fuzz_stats *st = &f->st;
	char hist[1024];
	size_t len = 0;
	int e;

	hist[0] = '\0';
	for (e = 0; e < TP_MAXERR; e++)
		if (st->errors[e])
			len += snprintf(hist + len, sizeof(hist) - len, " %s:%ld",
					e ? strerrorname_np(e) ?: "?" : "other",
					st->errors[e]);
	tp_diag("genl %s: %ld messages in %.1f s, %ld answered, %ld unanswered, %ld acks (%ld dumps done), %ld stray",
		what, st->sent, secs, st->answered, st->unanswered, st->acks,
		st->dumps_done, st->stray);
	tp_diag("genl %s: errno histogram:%s; %ld errors with extack, %ld attribute refusals without",
		what, hist, st->extack, st->bad_no_extack);
	tp_diag("genl %s: %ld accepted changes, %ld admin requests not refused with EPERM, %ld unexplained state changes",
		what, st->changes, st->unpriv_accepted, st->state_diffs);
}

FIXTURE(genl) {
	uint64_t seed;
	long per_phase;
	struct tp_fuzz_stats total;
	double t0;
};

FIXTURE_SETUP(genl)
{
	ASSERT_EQ(0, tp_module_unload());
	ASSERT_EQ(0, tp_module_load("level=csum,tso4"));
	rmdir(TP_CG);
	ASSERT_EQ(0, mkdir(TP_CG, 0755));
	self->seed = tp_seed();
	/* Four phases of equal size: 1,000,000 in all when full. */
	self->per_phase = tp_scale(20000, 250000);
	self->t0 = tp_now();
	tp_diag("genl: seed %#llx (TUNPIN_SEED replays it)",
		(unsigned long long)self->seed);
}

FIXTURE_TEARDOWN(genl)
{
	tp_module_unload();
	rmdir(TP_CG);
}

static void tp_fuzz_add(struct tp_fuzz_stats *t, const struct tp_fuzz_stats *s)
{
	int e;

	t->sent += s->sent;
	t->answered += s->answered;
	t->unanswered += s->unanswered;
	t->changes += s->changes;
	t->state_diffs += s->state_diffs;
	t->unpriv_accepted += s->unpriv_accepted;
	t->bad_no_extack += s->bad_no_extack;
	t->acks += s->acks;
	t->extack += s->extack;
	for (e = 0; e < TP_MAXERR; e++)
		t->errors[e] += s->errors[e];
}

static int tp_fuzz_phase(struct __test_metadata *_metadata,
			 FIXTURE_DATA(genl) *self, enum tp_who who,
			 const char *what, uint64_t salt)
{
	char before[4096], after[4096];
	struct tp_fuzz f = { .who = who, .count = self->per_phase,
			     .seed = self->seed ^ salt };
	double t = tp_now();
	int rc;

	if (tp_state(before))
		return -1;
	rc = tp_run_as(who, tp_fuzz_run, &f, &f, sizeof(f));
	tp_fuzz_report(what, &f, tp_now() - t);
	tp_fuzz_add(&self->total, &f.st);
	EXPECT_EQ(0, rc);
	EXPECT_EQ(0, f.st.unanswered);
	EXPECT_EQ(self->per_phase, f.st.sent);
	EXPECT_EQ(0, f.st.state_diffs);
	EXPECT_EQ(0, f.st.unpriv_accepted) {
		TH_LOG("cmd %u answered %d", f.st.first_bad_cmd,
		       f.st.first_bad_err);
	}
	EXPECT_EQ(0, f.st.bad_no_extack) {
		TH_LOG("cmd %#x: EINVAL without extack", f.st.first_bad_cmd);
	}
	if (who != TP_ROOT) {
		/* Nothing from the unprivileged changes anything. */
		if (tp_state(after))
			return -1;
		EXPECT_STREQ(before, after);
	}
	return 0;
}

TEST_F_TIMEOUT(genl, fuzz, 3600)
{
	struct tp_nl *nl;
	struct tp_level pinned = { .caps = TUN_F_CSUM | TUN_F_TSO4,
				   .pinned = true };
	struct tp_level l;
	char buf[256];

	/* root, pinned, with an override in place */
	nl = tp_nl_open();
	ASSERT_NE(NULL, nl);
	strcpy(pinned.name, "fuzz");
	ASSERT_EQ(0, tp_nl_level_set(nl, &pinned, false));
	ASSERT_EQ(0, tp_nl_override_add(nl, "/tunpin-fuzz", &pinned));
	ASSERT_EQ(0, tp_fuzz_phase(_metadata, self, TP_ROOT, "root pinned",
				   1));

	/* root, unpinned, no override */
	tp_nl_override_del(nl, "/tunpin-fuzz");
	tp_nl_override_del(nl, "/");
	l = (struct tp_level){ .pinned = false };
	ASSERT_EQ(0, tp_nl_level_set(nl, &l, false));
	ASSERT_EQ(0, tp_fuzz_phase(_metadata, self, TP_ROOT, "root unpinned",
				   2));

	/* the unprivileged, against a pinned host with an override */
	tp_nl_override_del(nl, "/tunpin-fuzz");
	tp_nl_override_del(nl, "/");
	ASSERT_EQ(0, tp_nl_level_set(nl, &pinned, false));
	ASSERT_EQ(0, tp_nl_override_add(nl, "/tunpin-fuzz", &pinned));
	ASSERT_EQ(0, tp_fuzz_phase(_metadata, self, TP_NOBODY, "nobody", 3));
	ASSERT_EQ(0, tp_fuzz_phase(_metadata, self, TP_USERNS, "userns-root",
				   4));
	tp_nl_override_del(nl, "/tunpin-fuzz");
	tp_nl_close(nl);

	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("csum tso4", buf);
	tp_diag("genl: %ld messages, %ld unanswered, %ld accepted changes (root), %ld unexplained state changes, %ld unprivileged not EPERM, level after: %s, %.1f s",
		self->total.sent, self->total.unanswered, self->total.changes,
		self->total.state_diffs, self->total.unpriv_accepted, buf,
		tp_now() - self->t0);
}

TEST_HARNESS_MAIN
