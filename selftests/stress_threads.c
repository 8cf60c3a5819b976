// SPDX-License-Identifier: GPL-2.0
/*
 * 32 threads open fresh TAPs (TUNGETFEATURES, TUNSETIFF, a few
 * TUNSETOFFLOAD with random bits, unknown bits included, close) while
 * another thread changes the host level (with FORCE) and adds and removes
 * overrides, on the workers' cgroup and on one they are not in, as fast as
 * it can. Each change is bracketed by a generation counter, so every
 * TUNSETOFFLOAD answer is checked against the levels that were in force at
 * some moment of the call: accepted only if one of them allows every bit
 * (and the stock kernel does), refused with the kernel's EINVAL only if
 * one of them refuses. A bit outside every level accepted is a hole. Then
 * kmemleak is asked (when the kernel has it). 60 s with TUNPIN_STRESS=full.
 */
#include "stress.h"
#include <pthread.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_CG		"/sys/fs/cgroup/tunpin-stress"
#define TP_CG2		"/sys/fs/cgroup/tunpin-other"
#define TP_NWORKERS	32
#define TP_RING		(1 << 16)

/* The TUNSETOFFLOAD arguments the workers use. */
#define TP_NPAT		36
static unsigned long tp_pat[TP_NPAT];
static int tp_stock[TP_NPAT];		/* the kernel's answer, unloaded */

struct tp_eff {
	bool pinned;
	uint32_t caps;
};

static const struct tp_eff tp_levels[] = {
	{ false, 0 }, { true, 0 }, { true, TUN_F_CSUM },
	{ true, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN },
	{ true, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN |
		TUN_F_UFO },
	{ true, TUN_F_CSUM | TUN_F_UFO },
	{ true, TUNPIN_CAP_TAP },
};
#define TP_NLEVELS	(int)(sizeof(tp_levels) / sizeof(tp_levels[0]))

static unsigned long tp_gen;		/* odd while a change is made */
static struct tp_eff tp_ring[TP_RING];	/* by generation / 2 */
static volatile bool tp_stop;		/* workers */
static volatile bool tp_stop_flip;	/* the flipper, once they are done */

struct tp_worker {
	int id;
	long opens, getfeatures, setiff, offloads, accepted, refused;
	long bad_other, inconsistent, hole, ring_overrun, setiff_err;
	unsigned long first_bad_bits, first_g0, first_g1;
	int first_bad_err;
};

struct tp_flipper {
	long host, host_fail, ov_add, ov_del, decoy, errs;
};

static bool tp_allows(const struct tp_eff *e, int p)
{
	if (tp_stock[p])
		return false;
	return !e->pinned || !(tp_pat[p] & ~(unsigned long)e->caps);
}

static void tp_check(struct tp_worker *w, int p, int err, unsigned long g0,
		     unsigned long g1)
{
	bool can_accept = false, can_refuse = false, hole = true;
	unsigned long e;

	if (g1 - g0 >= TP_RING) {
		w->ring_overrun++;
		return;
	}
	for (e = g0 & ~1UL; e <= ((g1 + 1) & ~1UL); e += 2) {
		const struct tp_eff *lv = &tp_ring[(e / 2) % TP_RING];

		if (tp_allows(lv, p))
			can_accept = true;
		else
			can_refuse = true;
		if (!lv->pinned || !(tp_pat[p] & ~(unsigned long)lv->caps))
			hole = false;
	}
	if (!err) {
		w->accepted++;
		if (hole)
			w->hole++;
		if (!can_accept)
			goto bad;
	} else if (err == EINVAL) {
		w->refused++;
		if (!can_refuse)
			goto bad;
	} else {
		w->bad_other++;
		goto bad;
	}
	return;
bad:
	w->inconsistent++;
	if (!w->first_bad_err) {
		w->first_bad_bits = tp_pat[p];
		w->first_bad_err = err ?: -1;
		w->first_g0 = g0;
		w->first_g1 = g1;
	}
}

static void *tp_work(void *arg)
{
	struct tp_worker *w = arg;
	struct tp_rng r = { (uint64_t)(w->id + 1) * 0x9e3779b97f4a7c15ULL };
	char name[IFNAMSIZ];

	snprintf(name, sizeof(name), "tpst%d", w->id);
	while (!tp_stop) {
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI |
						  IFF_VNET_HDR };
		unsigned int features;
		int fd, k;

		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			w->setiff_err++;
			continue;
		}
		w->opens++;
		if (ioctl(fd, TUNGETFEATURES, &features) ||
		    !(features & IFF_VNET_HDR))
			w->setiff_err++;
		w->getfeatures++;
		strcpy(ifr.ifr_name, name);
		w->setiff++;
		if (ioctl(fd, TUNSETIFF, &ifr)) {
			w->setiff_err++;
			close(fd);
			continue;
		}
		for (k = 0; k < 4; k++) {
			int p = tp_below(&r, TP_NPAT), err;
			unsigned long g0, g1;

			g0 = __atomic_load_n(&tp_gen, __ATOMIC_SEQ_CST);
			err = tp_offload(fd, tp_pat[p]);
			g1 = __atomic_load_n(&tp_gen, __ATOMIC_SEQ_CST);
			w->offloads++;
			tp_check(w, p, err, g0, g1);
		}
		close(fd);
	}
	return NULL;
}

static struct tp_level tp_nl_of(const struct tp_eff *e)
{
	struct tp_level l = { .caps = e->caps, .pinned = e->pinned };

	return l;
}

static void *tp_flip(void *arg)
{
	struct tp_flipper *f = arg;
	struct tp_rng r = { 0x1234567 };
	struct tp_eff host = tp_levels[4], ov = {};
	bool has_ov = false, has_decoy = false;
	unsigned long g = 0;
	struct tp_nl *nl = tp_nl_open();

	if (!nl) {
		f->errs++;
		return NULL;
	}
	while (!tp_stop_flip) {
		int what = tp_below(&r, 4), err;
		struct tp_eff nhost = host, nov = ov, want;
		bool nhas = has_ov;
		struct tp_level l;

		if (what <= 1) {
			nhost = tp_levels[tp_below(&r, TP_NLEVELS)];
		} else if (what == 2) {
			nhas = !has_ov;
			if (nhas)
				nov = tp_levels[tp_below(&r, TP_NLEVELS)];
		}
		want = nhas ? nov : nhost;
		/* The level the change may put in force, before it can. */
		tp_ring[((g + 2) / 2) % TP_RING] = want;
		__atomic_store_n(&tp_gen, g + 1, __ATOMIC_SEQ_CST);
		switch (what) {
		case 0:
		case 1:
			l = tp_nl_of(&nhost);
			err = tp_nl_level_set(nl, &l, true);
			f->host++;
			if (err)
				f->host_fail++;
			else
				host = nhost;
			break;
		case 2:
			if (nhas) {
				l = tp_nl_of(&nov);
				err = tp_nl_override_add(nl, "/tunpin-stress",
							 &l);
				f->ov_add++;
			} else {
				err = tp_nl_override_del(nl, "/tunpin-stress");
				f->ov_del++;
			}
			if (err) {
				f->errs++;
			} else {
				has_ov = nhas;
				ov = nov;
			}
			break;
		default:	/* a cgroup the workers are not in */
			l = (struct tp_level){ .pinned = false };
			err = has_decoy ?
				tp_nl_override_del(nl, "/tunpin-other") :
				tp_nl_override_add(nl, "/tunpin-other", &l);
			f->decoy++;
			if (err)
				f->errs++;
			else
				has_decoy = !has_decoy;
			break;
		}
		tp_ring[((g + 2) / 2) % TP_RING] = has_ov ? ov : host;
		g += 2;
		__atomic_store_n(&tp_gen, g, __ATOMIC_SEQ_CST);
	}
	/* The workers are gone: no generation to bump any more. */
	tp_nl_override_del(nl, "/tunpin-stress");
	tp_nl_override_del(nl, "/tunpin-other");
	tp_nl_close(nl);
	return NULL;
}

/* kmemleak: -1 if the kernel has none, else the suspects naming us. */
static int tp_kmemleak(const char *cmd, int *all)
{
	static char buf[1 << 20];
	int fd, n, ours = 0;
	char *p;

	if (access("/sys/kernel/debug/kmemleak", F_OK))
		return -1;
	if (tp_write_file("/sys/kernel/debug/kmemleak", cmd, strlen(cmd)))
		return -1;
	if (!all)
		return 0;
	fd = open("/sys/kernel/debug/kmemleak", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	*all = 0;
	for (p = strstr(buf, "unreferenced object"); p;
	     p = strstr(p + 1, "unreferenced object")) {
		char *end = strstr(p + 1, "unreferenced object");

		(*all)++;
		if (end)
			*end = '\0';
		if (strstr(p, "tunpin") || strstr(p, "tun_") ||
		    strstr(p, "tap_")) {
			ours++;
			if (ours == 1)
				tp_diag("kmemleak: %.1500s", p);
		}
		if (end)
			*end = 'u';
	}
	return ours;
}

FIXTURE(threads) {
	int dummy;
};

FIXTURE_SETUP(threads)
{
	static const unsigned long extra[] = {
		TUNPIN_CAP_USO4, TUNPIN_CAP_UDP_TUNNEL_GSO, 0x200, 0x80000000UL,
	};
	int fd, p;

	ASSERT_EQ(0, tp_module_unload());
	for (p = 0; p < 32; p++)
		tp_pat[p] = p;
	for (p = 32; p < TP_NPAT; p++)
		tp_pat[p] = TUN_F_CSUM | TUN_F_TSO4 | extra[p - 32];
	/* The stock kernel's answers, on one fresh TAP each. */
	for (p = 0; p < TP_NPAT; p++) {
		fd = tp_tun_open("tpst-stock");
		ASSERT_LE(0, fd);
		tp_stock[p] = tp_offload(fd, tp_pat[p]);
		close(fd);
	}
	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn,ufo"));
	rmdir(TP_CG);
	rmdir(TP_CG2);
	ASSERT_EQ(0, mkdir(TP_CG, 0755));
	ASSERT_EQ(0, mkdir(TP_CG2, 0755));
}

FIXTURE_TEARDOWN(threads)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	tp_write_file("/sys/fs/cgroup/cgroup.procs", pid, strlen(pid));
	tp_module_unload();
	rmdir(TP_CG);
	rmdir(TP_CG2);
}

TEST_F_TIMEOUT(threads, storm, 600)
{
	static struct tp_worker w[TP_NWORKERS];
	struct tp_worker sum = {};
	struct tp_flipper f = {};
	pthread_t th[TP_NWORKERS], flipper;
	long secs = tp_scale(4, 60);
	int i, leaks, all = 0;
	char pid[32];
	double t;

	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, tp_write_file(TP_CG "/cgroup.procs", pid, strlen(pid)));
	tp_kmemleak("clear", NULL);

	t = tp_now();
	tp_stop = tp_stop_flip = false;
	tp_ring[0] = tp_levels[4];	/* as loaded */
	ASSERT_EQ(0, pthread_create(&flipper, NULL, tp_flip, &f));
	for (i = 0; i < TP_NWORKERS; i++) {
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, tp_work, &w[i]));
	}
	sleep(secs);
	tp_stop = true;
	for (i = 0; i < TP_NWORKERS; i++) {
		pthread_join(th[i], NULL);
		sum.opens += w[i].opens;
		sum.getfeatures += w[i].getfeatures;
		sum.setiff += w[i].setiff;
		sum.setiff_err += w[i].setiff_err;
		sum.offloads += w[i].offloads;
		sum.accepted += w[i].accepted;
		sum.refused += w[i].refused;
		sum.bad_other += w[i].bad_other;
		sum.inconsistent += w[i].inconsistent;
		sum.hole += w[i].hole;
		sum.ring_overrun += w[i].ring_overrun;
		if (w[i].first_bad_err && !sum.first_bad_err) {
			sum.first_bad_err = w[i].first_bad_err;
			sum.first_bad_bits = w[i].first_bad_bits;
			sum.first_g0 = w[i].first_g0;
			sum.first_g1 = w[i].first_g1;
		}
	}
	tp_stop_flip = true;
	pthread_join(flipper, NULL);
	t = tp_now() - t;

	tp_diag("threads: %d workers for %.1f s: %ld fresh TAPs (TUNGETFEATURES %ld, TUNSETIFF %ld, %ld errors), %ld TUNSETOFFLOAD: %ld accepted, %ld refused (EINVAL), %ld other errno",
		TP_NWORKERS, t, sum.opens, sum.getfeatures, sum.setiff,
		sum.setiff_err, sum.offloads, sum.accepted, sum.refused,
		sum.bad_other);
	tp_diag("threads: flipper: %ld host levels (%ld failed), %ld overrides added, %ld removed, %ld on another cgroup, %ld errors; generation %lu",
		f.host, f.host_fail, f.ov_add, f.ov_del, f.decoy, f.errs,
		tp_gen);
	tp_diag("threads: %ld answers inconsistent with every level in force during the call, %ld bits outside every level accepted, %ld unchecked",
		sum.inconsistent, sum.hole, sum.ring_overrun);
	EXPECT_EQ(0, sum.inconsistent) {
		TH_LOG("first: bits %#lx answered %d in generations %lu..%lu, levels %d:%#x .. %d:%#x",
		       sum.first_bad_bits, sum.first_bad_err, sum.first_g0,
		       sum.first_g1, tp_ring[sum.first_g0 / 2].pinned,
		       tp_ring[sum.first_g0 / 2].caps,
		       tp_ring[(sum.first_g1 + 1) / 2].pinned,
		       tp_ring[(sum.first_g1 + 1) / 2].caps);
	}
	EXPECT_EQ(0, sum.hole);
	EXPECT_EQ(0, sum.setiff_err);
	EXPECT_EQ(0, f.errs);
	EXPECT_EQ(0, f.host_fail);
	EXPECT_LT(0, sum.accepted);
	EXPECT_LT(0, sum.refused);

	/* Every TAP is closed: what the module allocated must be freed. */
	ASSERT_EQ(0, tp_module_unload());
	usleep(500000);
	if (tp_kmemleak("scan", NULL) < 0) {
		tp_diag("kmemleak: not in this kernel, not scanned");
		return;
	}
	sleep(6);	/* kmemleak reports objects older than 5 s */
	leaks = tp_kmemleak("scan", &all);
	tp_diag("kmemleak: %d suspects, %d of them in tun/tap/tunpin", all,
		leaks);
	EXPECT_EQ(0, leaks);
}

TEST_HARNESS_MAIN
