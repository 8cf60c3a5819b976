// SPDX-License-Identifier: GPL-2.0
/*
 * Lowering admission against racing TUNSETOFFLOAD calls (issue 18, item 2).
 * A host level that removes a capability is admitted without FORCE only if
 * no governed file uses it: a successful lowering must leave no governed
 * TAP file holding a removed bit. Before the fix, a handler judged a call
 * by the old level and recorded the bits it let through only afterwards,
 * so a lowering whose check ran in between succeeded and the VM kept ufo.
 *
 * Each round: the host level has ufo; several threads, each with a fresh
 * TAP file, ask TUNSETOFFLOAD(csum | ufo) at a random moment while the main
 * thread lowers to a level without ufo (netlink LEVEL_SET, no FORCE). If
 * the lowering succeeded, every one of those calls must have been refused
 * (EINVAL: judged by the new level), and TAP_GET must list no governed file
 * with ufo among its offered bits. If it was refused (EBUSY), some call
 * got ufo. Some hundred idle TAP files (queues of multi-queue TAPs) make
 * the admission check walk a long list, which widens the window the race
 * needs. The race needs two CPUs (the handlers run with preemption off):
 * on one CPU the invariant is still checked, but cannot be broken.
 * 400 rounds, 4 threads, 512 idle files; 4,000 rounds, 8 threads and 1,000
 * idle files with TUNPIN_STRESS=full.
 *
 * blocked_calls (issue 18, item 11): a TUNSETOFFLOAD on an unattached fd
 * sleeps in rtnl_lock() before tun finds the fd unattached (EBADFD), and
 * the kretprobe that sees it return holds an instance meanwhile. A call
 * whose return is not seen keeps its bits counted in use (fail closed), so
 * if nobody could park more calls than there are instances, every lowering
 * would fail with EBUSY naming them. Here nobody parks 256 (TUNPIN_STRESS
 * =full: 900) threads in TUNSETOFFLOAD(csum | ufo) on unattached fds while
 * root holds rtnl in turns (a TAP taken down waits for an RCU grace period
 * under it); every return must be seen (the kretprobe's missed count stays
 * put), more calls must have been in flight at once than the 64 instances
 * tunpin had before, and a lowering that removes ufo must then be admitted
 * with nobody's fds still open.
 */
#include "stress.h"
#include <pthread.h>
#include <sys/resource.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_MAXW		8
#define TP_MAXFILL	1024
#define TP_QUEUES	250	/* per filler device; tun allows 256 */
#define TP_HI		(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | \
			 TUN_F_TSO_ECN | TUN_F_UFO)
#define TP_LO		(TP_HI & ~TUN_F_UFO)

/* A queue of the multi-queue TAP @name; retries while tunpin's pool of
 * entries is being refilled (the first ioctl of a file takes one).
 */
static int tp_queue_open(const char *name)
{
	int i, fd, err = -EAGAIN;

	for (i = 0; i < 200; i++) {
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI |
				     IFF_VNET_HDR | IFF_MULTI_QUEUE };

		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
		if (!ioctl(fd, TUNSETIFF, &ifr))
			return fd;
		err = -errno;
		close(fd);
		if (err != -EBADFD && err != -ENOMEM)
			break;
		usleep(2000);
	}
	return err;
}

struct tp_worker {
	int id;
	uint32_t delay;		/* this round's, spin iterations */
	int err;		/* this round's TUNSETOFFLOAD(csum | ufo) */
	int fd;
	long accepted, refused, other, open_err;
};

static pthread_barrier_t tp_bar;
static volatile bool tp_done;
static int tp_nw;

static void tp_spin(uint32_t n)
{
	volatile uint32_t i;

	for (i = 0; i < n; i++)
		;
}

static void *tp_work(void *arg)
{
	struct tp_worker *w = arg;
	char name[IFNAMSIZ];

	snprintf(name, sizeof(name), "tplw%d", w->id);
	for (;;) {
		/* 1: a fresh file on the worker's device */
		w->fd = tp_queue_open(name);
		if (w->fd < 0)
			w->open_err++;
		pthread_barrier_wait(&tp_bar);
		if (tp_done)
			break;
		/* 2: go */
		pthread_barrier_wait(&tp_bar);
		tp_spin(w->delay);
		w->err = w->fd < 0 ? -1 : tp_offload(w->fd, TUN_F_CSUM |
							 TUN_F_UFO);
		if (!w->err)
			w->accepted++;
		else if (w->err == EINVAL)
			w->refused++;
		else
			w->other++;
		/* 3: the main thread checks, the file still open */
		pthread_barrier_wait(&tp_bar);
		pthread_barrier_wait(&tp_bar);
		if (w->fd >= 0)
			close(w->fd);
	}
	if (w->fd >= 0)
		close(w->fd);
	return NULL;
}

struct tp_scan {
	long files, holding;
	uint32_t first_offered;
	pid_t first_pid;
};

static int tp_scan_tap(const struct tp_tap *t, void *arg)
{
	struct tp_scan *s = arg;

	s->files++;
	if (t->exempt || t->override || t->vhost || !(t->offered & TUN_F_UFO))
		return 0;
	if (!s->holding++) {
		s->first_offered = t->offered;
		s->first_pid = t->pid;
	}
	return 0;
}

FIXTURE(lower) {
	struct tp_nl *nl;
	int fill[TP_MAXFILL];
	int nfill;
};

FIXTURE_SETUP(lower)
{
	struct rlimit rl = { 4096, 4096 };

	self->nl = NULL;
	self->nfill = 0;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(0, tp_module_unload());
	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn,ufo"));
	self->nl = tp_nl_open();
	ASSERT_NE(NULL, self->nl);
}

FIXTURE_TEARDOWN(lower)
{
	int i;

	for (i = 0; i < self->nfill; i++)
		close(self->fill[i]);
	if (self->nl)
		tp_nl_close(self->nl);
	tp_module_unload();
}

TEST_F_TIMEOUT(lower, race_offload, 3000)
{
	struct tp_level hi = { .caps = TP_HI, .pinned = true };
	struct tp_level lo = { .caps = TP_LO, .pinned = true };
	static struct tp_worker w[TP_MAXW];
	long rounds = tp_scale(400, 4000), nfill = tp_scale(512, 1000);
	long r, lowered = 0, busy = 0, lower_err = 0, raise_err = 0;
	long violations = 0, holding = 0, busy_unexplained = 0;
	long acc = 0, ref = 0, oth = 0, open_err = 0;
	struct tp_rng rng = { tp_seed() };
	pthread_t th[TP_MAXW];
	uint64_t seed = rng.s;
	int i, first_err = 0, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char name[IFNAMSIZ], first_msg[512] = "";
	double t = tp_now();

	tp_nw = tp_scale(4, 8);
	/* The idle files: every one is walked by the admission check. */
	for (i = 0; i < nfill; i++) {
		snprintf(name, sizeof(name), "tplf%d", i / TP_QUEUES);
		self->fill[i] = tp_queue_open(name);
		ASSERT_LE(0, self->fill[i]) {
			TH_LOG("idle file %d: %d", i, self->fill[i]);
		}
		self->nfill++;
	}
	/* Each worker's device outlives the worker's files. */
	for (i = 0; i < tp_nw; i++) {
		snprintf(name, sizeof(name), "tplw%d", i);
		self->fill[self->nfill] = tp_queue_open(name);
		ASSERT_LE(0, self->fill[self->nfill]);
		self->nfill++;
	}
	tp_diag("lower: seed %#llx, %d CPUs, %d threads, %d idle files, %ld rounds%s",
		(unsigned long long)seed, ncpu, tp_nw, self->nfill, rounds,
		ncpu < 2 ? " (one CPU: the race cannot happen here)" : "");

	tp_done = false;
	ASSERT_EQ(0, pthread_barrier_init(&tp_bar, NULL, tp_nw + 1));
	for (i = 0; i < tp_nw; i++) {
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, tp_work, &w[i]));
	}
	for (r = 0; r < rounds; r++) {
		struct tp_scan scan = {};
		int err, got = 0;

		if (tp_nl_level_set(self->nl, &hi, false))
			raise_err++;
		/* 1: the workers have fresh files */
		pthread_barrier_wait(&tp_bar);
		for (i = 0; i < tp_nw; i++)
			w[i].delay = tp_below(&rng, 1u << tp_below(&rng, 17));
		/* 2: go */
		pthread_barrier_wait(&tp_bar);
		err = tp_nl_level_set(self->nl, &lo, false);
		/* 3: every call has returned */
		pthread_barrier_wait(&tp_bar);
		for (i = 0; i < tp_nw; i++)
			got += !w[i].err;
		if (!err) {
			lowered++;
			if (tp_nl_taps(self->nl, tp_scan_tap, &scan))
				lower_err++;
			holding += scan.holding;
			if (got || scan.holding) {
				violations++;
				if (violations == 1)
					snprintf(first_msg, sizeof(first_msg),
						 "round %ld: lowering succeeded, %d calls got ufo, %ld governed files hold it (pid %d, offered %#x)",
						 r, got, scan.holding,
						 scan.first_pid,
						 scan.first_offered);
			}
		} else if (err == -EBUSY) {
			busy++;
			if (!got)
				busy_unexplained++;
		} else {
			if (!lower_err++)
				first_err = err;
		}
		/* 4: the workers close their files */
		pthread_barrier_wait(&tp_bar);
	}
	tp_done = true;
	pthread_barrier_wait(&tp_bar);
	for (i = 0; i < tp_nw; i++) {
		pthread_join(th[i], NULL);
		acc += w[i].accepted;
		ref += w[i].refused;
		oth += w[i].other;
		open_err += w[i].open_err;
	}
	pthread_barrier_destroy(&tp_bar);
	t = tp_now() - t;

	tp_diag("lower: %ld rounds in %.1f s: %ld lowerings admitted, %ld refused (EBUSY), %ld other errors (first %d), %ld raises failed",
		rounds, t, lowered, busy, lower_err, first_err, raise_err);
	tp_diag("lower: TUNSETOFFLOAD(csum|ufo): %ld accepted, %ld refused (EINVAL), %ld other, %ld files not opened",
		acc, ref, oth, open_err);
	tp_diag("lower: %ld admitted lowerings left a governed file with ufo (%ld files in all), %ld refusals with no call holding ufo",
		violations, holding, busy_unexplained);
	if (first_msg[0])
		tp_diag("lower: first: %s", first_msg);
	EXPECT_EQ(0, violations);
	EXPECT_EQ(0, busy_unexplained);
	EXPECT_EQ(0, lower_err);
	EXPECT_EQ(0, raise_err);
	EXPECT_EQ(0, oth);
	EXPECT_EQ(0, open_err);
	/*
	 * Both outcomes happened: the calls really raced the lowering. On one
	 * CPU which outcome a round has is the scheduler's choice (a run of
	 * make check had 400 refused, none admitted): a known gap there, once
	 * every check above has passed. Two vCPUs run the race:
	 * TUNPIN_CHECK_CPUS=2, or check-debug with TUNPIN_DEBUG_VMS=1.
	 */
	if (ncpu < 2 && !(lowered && busy) && _metadata->passed)
		SKIP(return, "TODO: one CPU: %ld lowerings admitted, %ld refused; both outcomes need two CPUs (TUNPIN_CHECK_CPUS=2)",
		     lowered, busy);
	EXPECT_LT(0, lowered);
	EXPECT_LT(0, busy);
}

/* The missed-return count of the kretprobe on @sym ("mod:sym"), or -1. */
static long tp_missed(const char *sym)
{
	char buf[4096], name[128], *line, *save = NULL, *colon;
	long n = -1, m;

	if (tp_read_file(TP_SYSFS "/probes", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%127s return %*s missed %ld", name, &m) != 2)
			continue;
		colon = strchr(name, ':');
		if (!strcmp(colon ? colon + 1 : name, sym))
			n = m;
	}
	return n;
}

struct tp_blocked {
	int nthreads;
	volatile int stop;
	int inflight, max_inflight;	/* __atomic, shared with the child */
	long calls, badfd, other, open_err;
};

static struct tp_blocked *tp_blk;

static void *tp_blocked_thread(void *arg)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	long calls = 0, badfd = 0, other = 0;

	(void)arg;
	if (fd < 0) {
		__atomic_add_fetch(&tp_blk->open_err, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!tp_blk->stop) {
		int n = __atomic_add_fetch(&tp_blk->inflight, 1,
					   __ATOMIC_RELAXED);
		int max = __atomic_load_n(&tp_blk->max_inflight,
					  __ATOMIC_RELAXED);
		int err;

		while (n > max && !__atomic_compare_exchange_n(
				&tp_blk->max_inflight, &max, n, false,
				__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		err = tp_offload(fd, TUN_F_CSUM | TUN_F_UFO);
		__atomic_sub_fetch(&tp_blk->inflight, 1, __ATOMIC_RELAXED);
		calls++;
		if (err == EBADFD)
			badfd++;
		else
			other++;
	}
	__atomic_add_fetch(&tp_blk->calls, calls, __ATOMIC_RELAXED);
	__atomic_add_fetch(&tp_blk->badfd, badfd, __ATOMIC_RELAXED);
	__atomic_add_fetch(&tp_blk->other, other, __ATOMIC_RELAXED);
	/* The fd stays open until the process exits: after the lowering. */
	return NULL;
}

/* In nobody's child: park the threads; wait for root's word on @wfd. */
static int tp_blocked_child(int wfd)
{
	pthread_t *th = calloc(tp_blk->nthreads, sizeof(*th));
	int i, n = 0;
	char c;

	if (!th || tp_become_nobody())
		return 1;
	for (i = 0; i < tp_blk->nthreads; i++)
		n += !pthread_create(&th[i], NULL, tp_blocked_thread, NULL);
	if (n != tp_blk->nthreads)
		return 2;
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	/* every call returned; hold the fds until root has lowered */
	if (write(wfd, "j", 1) != 1 || read(wfd, &c, 1) != 1)
		return 3;
	return 0;
}

/* Root takes @name down and up again and again: rtnl held in turns. */
static void *tp_flapper(void *arg)
{
	const char *name = arg;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {};

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	while (s >= 0 && !tp_blk->stop) {
		ifr.ifr_flags = IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
		ifr.ifr_flags = 0;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
	return NULL;
}

TEST_F_TIMEOUT(lower, blocked_calls, 1200)
{
	struct tp_level lo = { .caps = TP_LO, .pinned = true };
	long missed0 = tp_missed("tun_chr_ioctl"), missed1;
	double secs = tp_scale(10, 30), t = tp_now();
	int sv[2], status, flapfd, err, mode = tp_tun_open_to_all();
	pthread_t flap;
	pid_t pid;
	char c;

	ASSERT_LE(0, missed0);
	ASSERT_LE(0, mode);
	tp_blk = mmap(NULL, sizeof(*tp_blk), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, tp_blk);
	memset(tp_blk, 0, sizeof(*tp_blk));
	tp_blk->nthreads = tp_scale(256, 900);
	flapfd = tp_tun_open("tplflap0");
	ASSERT_LE(0, flapfd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		_exit(tp_blocked_child(sv[1]));
	}
	close(sv[1]);
	ASSERT_EQ(0, pthread_create(&flap, NULL, tp_flapper, "tplflap0"));
	while (tp_now() - t < secs)
		usleep(100000);
	tp_blk->stop = 1;
	pthread_join(flap, NULL);
	/* nobody's threads have all returned; their fds are still open */
	ASSERT_EQ(1, read(sv[0], &c, 1));
	missed1 = tp_missed("tun_chr_ioctl");
	err = tp_nl_level_set(self->nl, &lo, false);
	ASSERT_EQ(1, write(sv[0], "j", 1));
	close(sv[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(flapfd);
	tp_tun_mode(mode);
	tp_diag("blocked_calls: %d threads of nobody, %.0f s: %ld calls (%ld EBADFD, %ld other), up to %d in flight at once, %ld fds not opened; returns missed: %ld; lowering: %d",
		tp_blk->nthreads, secs, tp_blk->calls, tp_blk->badfd,
		tp_blk->other, tp_blk->max_inflight, tp_blk->open_err,
		missed1 - missed0, err);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, tp_blk->open_err);
	EXPECT_EQ(0, tp_blk->other);
	EXPECT_EQ(0, missed1 - missed0);
	EXPECT_EQ(0, err);
	/* Past tunpin's old 64 instances, or the test proved nothing. */
	EXPECT_LT(64, tp_blk->max_inflight);
	munmap(tp_blk, sizeof(*tp_blk));
}

TEST_HARNESS_MAIN
