// SPDX-License-Identifier: GPL-2.0
/*
 * Slab allocation failures (failslab, /proc/thread-self/fail-nth): for
 * n = 1, 2, ... the n-th allocation of one operation fails, until the
 * operation needs fewer than n. The operations: loading the module, setting
 * the level through sysfs and netlink, TUNSETIFF and TUNSETOFFLOAD under a
 * pinned level. Every failure must come back as an error, and leave the
 * module either fully loaded (level in force, sysfs, family, /dev/tunpin,
 * probes) or absent (none of those, no probe left behind), the level old or
 * new and never anything else, a TAP ioctl refused or accepted and fully
 * accounted (listed by TAP_GET), on a TAP made under the module and on one
 * opened before it loaded; a refused offload bit is refused whatever fails
 * (fail closed). Skipped when the kernel has no failslab (Debian's
 * stock kernel); `make check-debug` runs it on a kernel that has.
 */
#include "stress.h"
#include <net/if.h>
#include "../tools/tunpin/nl.h"
#include "kselftest_harness.h"

#define TP_FS		"/sys/kernel/debug/failslab"
#define TP_MAXN		6000
#define TP_MAXERR	140

static bool tp_have_failslab(void)
{
	return !access(TP_FS "/ignore-gfp-wait", W_OK) &&
	       !access("/proc/thread-self/fail-nth", W_OK);
}

struct tp_fail {
	int fd;			/* /proc/thread-self/fail-nth */
	long runs, injected, ok, failed;
	long errs[TP_MAXERR];
};

static void tp_fail_arm(struct tp_fail *f, int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(f->fd, buf, len, 0) != len)
		abort();
}

/* Disarm; whether the armed failure was injected. */
static bool tp_fail_disarm(struct tp_fail *f)
{
	char buf[16] = "";
	bool injected;

	if (pread(f->fd, buf, sizeof(buf) - 1, 0) < 0)
		abort();
	injected = atoi(buf) == 0;
	tp_fail_arm(f, 0);
	f->runs++;
	f->injected += injected;
	return injected;
}

static void tp_fail_count(struct tp_fail *f, int err)
{
	if (!err) {
		f->ok++;
	} else {
		f->failed++;
		f->errs[err > 0 && err < TP_MAXERR ? err : 0]++;
	}
}

static void tp_fail_print(const char *what, const struct tp_fail *f,
			  long bad, double secs)
{
	char hist[512] = "";
	size_t len = 0;
	int e;

	for (e = 0; e < TP_MAXERR; e++)
		if (f->errs[e])
			len += snprintf(hist + len, sizeof(hist) - len, " %s:%ld",
					e ? strerrorname_np(e) ?: "?" : "other",
					f->errs[e]);
	tp_diag("failslab %s: %ld runs (%ld with an injected failure) in %.1f s: %ld succeeded, %ld failed (%s ), %ld inconsistent",
		what, f->runs, f->injected, secs, f->ok, f->failed,
		hist[0] ? hist : " none", bad);
}

/*
 * The figures of a case. A case in which failslab injected nothing tested
 * nothing (fail-nth ignored, or the walk started past the end): a failure.
 */
#define TP_FAIL_REPORT(what, f, bad, secs) do {				\
	tp_fail_print(what, f, bad, secs);				\
	EXPECT_LT(0, (f)->injected)					\
		TH_LOG("%s: failslab injected no failure", what);	\
} while (0)

#define TP_MODPROBE	"/proc/sys/kernel/modprobe"

FIXTURE(fs) {
	struct tp_fail f;
	char saved_wait[8], saved_verbose[8], saved_modprobe[256];
	double t;
};

FIXTURE_SETUP(fs)
{
	memset(&self->f, 0, sizeof(self->f));
	self->f.fd = -1;
	ASSERT_EQ(0, tp_module_unload());
	if (!tp_have_failslab())
		return;
	tp_read_file(TP_FS "/ignore-gfp-wait", self->saved_wait,
		     sizeof(self->saved_wait));
	tp_read_file(TP_FS "/verbose", self->saved_verbose,
		     sizeof(self->saved_verbose));
	/* GFP_KERNEL allocations may fail too; no stack dumps. */
	ASSERT_EQ(0, tp_write_file(TP_FS "/ignore-gfp-wait", "N", 1));
	ASSERT_EQ(0, tp_write_file(TP_FS "/verbose", "0", 1));
	self->f.fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->f.fd);
	self->t = tp_now();
}

FIXTURE_TEARDOWN(fs)
{
	if (self->f.fd >= 0) {
		tp_fail_arm(&self->f, 0);
		close(self->f.fd);
		tp_write_file(TP_FS "/ignore-gfp-wait", self->saved_wait,
			      strlen(self->saved_wait));
		tp_write_file(TP_FS "/verbose", self->saved_verbose,
			      strlen(self->saved_verbose));
	}
	if (self->saved_modprobe[0])
		tp_write_file(TP_MODPROBE, self->saved_modprobe,
			      strlen(self->saved_modprobe));
	tp_module_unload();
}

#define TP_NEED_FAILSLAB() do {						\
	if (!tp_have_failslab())					\
		SKIP(return, "no failslab in this kernel (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)"); \
} while (0)

/* Whether the TUNSETOFFLOAD of a fresh TAP is refused (probes in place). */
static int tp_refuses(unsigned long bits)
{
	int fd = tp_tun_open("tpfs-chk"), err;

	if (fd < 0)
		return -1;
	err = tp_offload(fd, bits);
	close(fd);
	return err == EINVAL;
}

/*
 * tp_refuses() attaches to this TAP, made persistent before the load walk:
 * making and removing a net device at every run would be most of the
 * run's time in the KASAN guest.
 */
static int tp_persist(const char *name, int on)
{
	int fd = tp_tun_open(name), err = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, TUNSETPERSIST, on))
		err = -errno;
	close(fd);
	return err;
}

static bool tp_family_present(void)
{
	struct tp_nl *nl = tp_nl_open();

	if (!nl)
		return false;
	tp_nl_close(nl);
	return true;
}

/* What of the module is in place, as a word per part, for the log. */
static void tp_module_parts(char *buf, size_t size)
{
	int r = tp_refuses(TUN_F_CSUM | TUN_F_UFO);

	snprintf(buf, size, "sysfs:%s module:%s dev:%s family:%s probes:%s",
		 access(TP_SYSFS, F_OK) ? "no" : "yes",
		 access("/sys/module/tunpin", F_OK) ? "no" : "yes",
		 access("/dev/tunpin", F_OK) ? "no" : "yes",
		 tp_family_present() ? "yes" : "no",
		 r < 0 ? "?" : r ? "yes" : "no");
}

/*
 * What tunpin said of a failed load: its kernel log lines since the last
 * call (@kmsg: /dev/kmsg, non-blocking), joined, after the errno.
 */
static void tp_load_said(int kmsg, int err, char *sig, size_t size)
{
	char rec[1024];
	size_t len;
	ssize_t n;

	len = snprintf(sig, size, "%d", err);
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) != 0) {
		char *msg, *end;

		if (n < 0) {
			if (errno == EPIPE)	/* overwritten: go on */
				continue;
			break;			/* EAGAIN: no more */
		}
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg || strncmp(++msg, "tunpin: ", 8))
			continue;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		if (len < size)
			len += snprintf(sig + len, size - len, "|%s", msg);
	}
}

/*
 * Every n (every 8th in quick mode), but where loads keep failing the same
 * way: kprobes allocates a kretprobe's 1,024 instances one by one, and a
 * failure at any of them is the same failed registration to tunpin. After
 * 8 loads refused with the same errno and the same words from tunpin, with
 * none refused otherwise in between (loads that got through their injected
 * failure come between them), the step doubles (up to 64 times); a load
 * refused otherwise, or one with no failure injected, sends the walk back
 * to the last refused alike, to go on one by one. A load
 * takes ~3 s in the KASAN guest. TUNPIN_FAILSLAB_FROM starts further on,
 * to replay a case.
 */
TEST_F_TIMEOUT(fs, module_load, 5400)
{
	int ko, kmsg, n, err, bad = 0, base = tp_scale(8, 1), step;
	int prev = 0, same = 0, skipped = 0;
	double t_load = 0, t_check = 0, t0;
	const char *path = getenv("TUNPIN_KO");
	const char *from = getenv("TUNPIN_FAILSLAB_FROM");
	char buf[256], sig[512], prev_sig[512] = "";
	struct tp_readers *rd;

	TP_NEED_FAILSLAB();
	ASSERT_NE(NULL, path);
	ko = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ko);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg);
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));
	ASSERT_EQ(0, tp_persist("tpfs-chk", 1));
	/*
	 * No module autoloading during the walk: asking for the family of an
	 * absent module makes genetlink run modprobe (1.6 s of each check in
	 * the KASAN guest); with kernel.modprobe empty, request_module()
	 * answers ENOENT at once, as the failed modprobe would.
	 */
	ASSERT_EQ(0, tp_read_file(TP_MODPROBE, self->saved_modprobe,
				  sizeof(self->saved_modprobe)));
	ASSERT_EQ(0, tp_write_file(TP_MODPROBE, "\n", 1));
	/*
	 * Readers of the parameter's file through failed loads too: 2 at
	 * full scale, as in stress_load (with 4, the loads of 100 runs took
	 * 283 s instead of 182 s in the KASAN guest's one vCPU).
	 */
	rd = tp_readers_start(tp_scale(4, 2));
	ASSERT_NE(NULL, rd);
	step = base;
	for (n = from && atoi(from) > 1 ? atoi(from) : 1; n <= TP_MAXN;
	     n += step) {
		bool injected, full, absent;

		if (self->f.runs && self->f.runs % 100 == 0)
			tp_diag("failslab module load: n=%d after %ld runs, %.0f s (loads %.0f s, checks %.0f s)",
				n, self->f.runs, tp_now() - self->t, t_load,
				t_check);
		tp_load_said(kmsg, 0, sig, sizeof(sig));	/* said before */
		t0 = tp_now();
		tp_fail_arm(&self->f, n);
		err = syscall(SYS_finit_module, ko, "level=csum", 0) ?
			errno : 0;
		injected = tp_fail_disarm(&self->f);
		t_load += tp_now() - t0;
		tp_fail_count(&self->f, err);
		tp_load_said(kmsg, err, sig, sizeof(sig));
		t0 = tp_now();

		full = !tp_read_file(TP_LEVEL, buf, sizeof(buf)) &&
		       !strcmp(buf, "csum") && !access("/dev/tunpin", F_OK) &&
		       tp_family_present() &&
		       tp_refuses(TUN_F_CSUM | TUN_F_UFO) == 1;
		absent = access(TP_SYSFS, F_OK) &&
			 access("/sys/module/tunpin", F_OK) &&
			 access("/dev/tunpin", F_OK) && !tp_family_present() &&
			 tp_refuses(TUN_F_CSUM | TUN_F_UFO) == 0;
		if (err ? !absent : !full) {
			tp_module_parts(buf, sizeof(buf));
			if (bad++ < 5)
				TH_LOG("n=%d: load %s (injected: %s), but not %s: %s",
				       n, err ? strerrorname_np(err) : "ok",
				       injected ? "yes" : "no",
				       err ? "absent" : "fully loaded", buf);
			if (bad == 1 && system("dmesg | tail -n 40 | sed 's/^/# dmesg: /'"))
				TH_LOG("no dmesg");
		}
		/* a failed load that left the module in: keep going clean */
		if (!err || !access("/sys/module/tunpin", F_OK))
			ASSERT_EQ(0, tp_module_unload());
		t_check += tp_now() - t0;
		/*
		 * A load that got through its injected failure (checked fully
		 * loaded above) neither ends nor extends a run of loads
		 * refused alike: along a kretprobe's instances such loads come
		 * between the refused ones, the failure having fallen on an
		 * allocation its caller copes without (kmemleak's object for
		 * the module's allocation, which it then takes from a pool).
		 */
		if (injected && !err) {
			skipped += step - base;
			continue;
		}
		if (step > base && strcmp(sig, prev_sig)) {
			/* changed within the stride: walk it one by one */
			skipped -= step - base;
			n = prev;
			step = base;
			same = 0;
			continue;
		}
		if (!injected)
			break;
		same = strcmp(sig, prev_sig) ? 0 : same + 1;
		prev = n;
		strcpy(prev_sig, sig);
		if (same >= 8 && err && strchr(sig, '|'))
			step = step < 64 * base ? 2 * step : step;
		skipped += step - base;
	}
	close(kmsg);
	close(ko);
	tp_persist("tpfs-chk", 0);
	EXPECT_EQ(0, tp_write_file(TP_MODPROBE, self->saved_modprobe,
				   strlen(self->saved_modprobe)));
	self->saved_modprobe[0] = '\0';
	tp_readers_stop(rd);
	TP_FAIL_REPORT("module load", &self->f, bad, tp_now() - self->t);
	tp_diag("failslab module load: walked up to n=%d; %d n skipped within runs of loads refused alike; loads %.0f s, checks and unloads %.0f s",
		n, skipped / base, t_load, t_check);
	tp_readers_report("module load", rd);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, rd->died);
	EXPECT_EQ(0, rd->sum.bad);
	tp_readers_free(rd);
}

TEST_F_TIMEOUT(fs, level_set, 1800)
{
	static const char *const lv[2] = { "csum tso4", "csum" };
	int n, fd, bad = 0, lost = 0, err;
	struct tp_level want;
	char buf[256];

	TP_NEED_FAILSLAB();
	ASSERT_EQ(0, tp_module_load("level=csum"));
	/* sysfs */
	fd = open(TP_LEVEL, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (n = 1; n <= TP_MAXN; n++) {
		const char *old = lv[n % 2], *new = lv[(n + 1) % 2];
		bool injected;

		ASSERT_EQ(0, tp_set_level(old));
		tp_fail_arm(&self->f, n);
		err = write(fd, new, strlen(new)) < 0 ? errno : 0;
		injected = tp_fail_disarm(&self->f);
		tp_fail_count(&self->f, err);
		ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
		if (strcmp(buf, err ? old : new) && !bad++)
			TH_LOG("sysfs n=%d: write %d, level '%s'", n, err, buf);
		if (!injected)
			break;
	}
	close(fd);
	TP_FAIL_REPORT("level set (sysfs)", &self->f, bad, tp_now() - self->t);
	EXPECT_EQ(0, bad);

	/* netlink: a lost ack may hide a change made, never a change */
	memset(&self->f.errs, 0, sizeof(self->f.errs));
	self->f.runs = self->f.injected = self->f.ok = self->f.failed = 0;
	bad = 0;
	self->t = tp_now();
	for (n = 1; n <= TP_MAXN; n++) {
		const char *old = lv[n % 2], *new = lv[(n + 1) % 2];
		struct tp_nl *nl;
		bool injected;

		ASSERT_EQ(0, tp_set_level(old));
		nl = tp_nl_open();
		ASSERT_NE(NULL, nl);
		want = (struct tp_level){ .caps = tp_caps_of(new),
					  .pinned = true };
		strcpy(want.name, "fs");
		tp_fail_arm(&self->f, n);
		err = -tp_nl_level_set(nl, &want, false);
		injected = tp_fail_disarm(&self->f);
		tp_nl_close(nl);
		tp_fail_count(&self->f, err);
		ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
		if (err && !strcmp(buf, new))
			lost++;
		else if (strcmp(buf, err ? old : new) && !bad++)
			TH_LOG("netlink n=%d: set %d, level '%s'", n, err, buf);
		if (!injected)
			break;
	}
	TP_FAIL_REPORT("level set (netlink)", &self->f, bad,
		       tp_now() - self->t);
	tp_diag("failslab level set (netlink): %d errors after the change was made (the answer lost)",
		lost);
	EXPECT_EQ(0, bad);
}

struct tp_mine {
	int n;
	uint32_t offered;
};

static int tp_find_mine(const struct tp_tap *t, void *arg)
{
	struct tp_mine *m = arg;

	if ((pid_t)t->pid == getpid()) {
		m->n++;
		m->offered |= t->offered;
	}
	return 0;
}

TEST_F_TIMEOUT(fs, tap_ioctls, 1800)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int n, fd, err, bad = 0, holes = 0;
	struct tp_nl *nl;

	TP_NEED_FAILSLAB();
	ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn"));
	nl = tp_nl_open();
	ASSERT_NE(NULL, nl);

	/* TUNSETIFF: a device and a governed file, or an error and none */
	strcpy(ifr.ifr_name, "tpfs0");
	for (n = 1; n <= TP_MAXN; n++) {
		bool injected;

		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		tp_fail_arm(&self->f, n);
		err = ioctl(fd, TUNSETIFF, &ifr) ? errno : 0;
		injected = tp_fail_disarm(&self->f);
		tp_fail_count(&self->f, err);
		if (err ? if_nametoindex("tpfs0") != 0 :
			  (!if_nametoindex("tpfs0") ||
			   tp_offload(fd, TUN_F_CSUM | TUN_F_UFO) != EINVAL)) {
			if (!bad++)
				TH_LOG("TUNSETIFF n=%d: %d, device %s", n, err,
				       if_nametoindex("tpfs0") ? "present" :
								 "absent");
		}
		close(fd);
		if (!injected)
			break;
	}
	TP_FAIL_REPORT("TUNSETIFF", &self->f, bad, tp_now() - self->t);
	EXPECT_EQ(0, bad);

	/* TUNSETOFFLOAD: accepted and accounted, or refused; never a hole */
	memset(&self->f.errs, 0, sizeof(self->f.errs));
	self->f.runs = self->f.injected = self->f.ok = self->f.failed = 0;
	bad = 0;
	self->t = tp_now();
	for (n = 1; n <= TP_MAXN; n++) {
		struct tp_mine m = {};
		bool injected, inj2;

		fd = tp_tun_open("tpfs1");
		ASSERT_LE(0, fd);
		tp_fail_arm(&self->f, n);
		err = tp_offload(fd, TUN_F_CSUM | TUN_F_TSO4);
		injected = tp_fail_disarm(&self->f);
		tp_fail_count(&self->f, err);
		ASSERT_EQ(0, tp_nl_taps(nl, tp_find_mine, &m));
		if (err ? err != EINVAL || (m.offered & TUN_F_TSO4) :
			  m.n != 1 || m.offered != (TUN_F_CSUM | TUN_F_TSO4)) {
			if (!bad++)
				TH_LOG("TUNSETOFFLOAD n=%d: %d, listed %d offered %#x",
				       n, err, m.n, m.offered);
		}
		/* outside the level: refused whatever fails */
		tp_fail_arm(&self->f, n);
		err = tp_offload(fd, TUN_F_CSUM | TUN_F_UFO);
		inj2 = tp_fail_disarm(&self->f);
		self->f.runs--;
		self->f.injected -= inj2;
		if (err != EINVAL)
			holes++;
		close(fd);
		if (!injected && !inj2)
			break;
	}
	tp_nl_close(nl);
	TP_FAIL_REPORT("TUNSETOFFLOAD", &self->f, bad, tp_now() - self->t);
	tp_diag("failslab TUNSETOFFLOAD: %d refused bits let through", holes);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, holes);
}

/*
 * A TAP opened before the module loaded has no entry yet: its first
 * TUNSETOFFLOAD under the module makes it, and if that fails the call is
 * refused (EINVAL), never accepted unaccounted.
 */
TEST_F_TIMEOUT(fs, offload_first_entry, 1800)
{
	int n, fd, err, bad = 0;
	struct tp_nl *nl;

	TP_NEED_FAILSLAB();
	for (n = 1; n <= TP_MAXN; n++) {
		struct tp_mine m = {};
		bool injected;

		ASSERT_EQ(0, tp_module_unload());
		fd = tp_tun_open("tpfs2");
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, tp_module_load("level=csum,tso4,tso6,tso_ecn"));
		tp_fail_arm(&self->f, n);
		err = tp_offload(fd, TUN_F_CSUM | TUN_F_TSO4);
		injected = tp_fail_disarm(&self->f);
		tp_fail_count(&self->f, err);
		nl = tp_nl_open();
		ASSERT_NE(NULL, nl);
		ASSERT_EQ(0, tp_nl_taps(nl, tp_find_mine, &m));
		tp_nl_close(nl);
		if (err ? err != EINVAL || (m.offered & TUN_F_TSO4) :
			  m.n != 1 || m.offered != (TUN_F_CSUM | TUN_F_TSO4)) {
			if (!bad++)
				TH_LOG("first TUNSETOFFLOAD n=%d: %d, listed %d offered %#x",
				       n, err, m.n, m.offered);
		}
		if (tp_offload(fd, TUN_F_CSUM | TUN_F_UFO) != EINVAL && !bad++)
			TH_LOG("n=%d: ufo let through", n);
		close(fd);
		if (!injected)
			break;
	}
	TP_FAIL_REPORT("first TUNSETOFFLOAD of a TAP from before the load",
		       &self->f, bad, tp_now() - self->t);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
