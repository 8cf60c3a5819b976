// SPDX-License-Identifier: GPL-2.0
/*
 * Load and unload cycles (finit_module/delete_module): each cycle loads
 * with one of a few levels, checks the level is in force, and unloads.
 * Every few cycles a TAP is used under the module while it is loaded:
 * then unloading must be refused (the module is in use) and everything
 * keeps working until the TAP is closed. A TAP opened before a load and
 * left unused under it does not hold the module, and is governed once it
 * is loaded again. tunpin needs tun and tap: without them loaded, loading
 * it fails cleanly (nothing half-installed), and they cannot be unloaded
 * under it. 1,000 cycles with TUNPIN_STRESS=full.
 * Meanwhile processes, some as nobody, loop reading the module parameter's
 * file (/sys/module/tunpin/parameters/level: it exists before the init
 * and after the exit): every read gives a level line, ENODEV or ENOENT,
 * and no reader dies (stress.h, tp_readers_start()).
 * A progress line every 100 cycles gives the time a load and an unload
 * take, so a run cut short by its time limit still says how far it got.
 */
#include "stress.h"
#include "kselftest_harness.h"

static int tp_unload_mod(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

/* Nothing of tunpin left: sysfs, the module, the control device. */
static bool tp_absent(void)
{
	return access(TP_SYSFS, F_OK) && access("/sys/module/tunpin", F_OK) &&
	       access("/dev/tunpin", F_OK);
}

FIXTURE(load) {
	int dummy;
};

FIXTURE_SETUP(load)
{
	ASSERT_EQ(0, tp_module_unload());
}

FIXTURE_TEARDOWN(load)
{
	tp_module_unload();
	tp_run("modprobe -a tun tap macvtap vhost_net");
}

TEST_F_TIMEOUT(load, cycles, 7200)
{
	static const char *const params[][2] = {
		{ "", "unpinned" },
		{ "level=csum", "csum" },
		{ "level=none", "none" },
		{ "level=csum,tso4,tso6,tso_ecn,ufo", "csum tso4 tso6 tso_ecn ufo" },
	};
	long cycles = tp_scale(16, 1000), i, busy = 0, busy_ok = 0;
	long wrong_level = 0, load_err = 0, unload_err = 0, in_use_errno = 0;
	long governed = 0;
	int old, busy_errno = 0;
	double t = tp_now(), tmax = 0, tload = 0, tunload = 0;
	struct tp_readers *rd;
	char buf[256];

	/* Opened before the first load, used only under later ones. */
	old = tp_tun_open("tpld-old");
	ASSERT_LE(0, old);
	rd = tp_readers_start(tp_scale(4, 2));
	ASSERT_NE(NULL, rd);

	for (i = 0; i < cycles; i++) {
		const char *const *p = params[i % 4];
		double t0 = tp_now(), t1;
		int err;

		if (i && i % 100 == 0)
			tp_diag("load: %ld cycles in %.1f s: a load takes %.0f ms, an unload %.0f ms (means), slowest cycle %.0f ms",
				i, tp_now() - t, 1000 * tload / i,
				1000 * tunload / i, 1000 * tmax);
		err = tp_module_load(p[0]);
		tload += tp_now() - t0;
		if (err) {
			if (!load_err++)
				TH_LOG("cycle %ld: load: %d", i, err);
			continue;
		}
		if (tp_read_file(TP_LEVEL, buf, sizeof(buf)) ||
		    strcmp(buf, p[1]))
			wrong_level++;
		if (i % 4 == 1) {	/* csum: the old TAP is governed */
			if (tp_offload(old, TUN_F_CSUM | TUN_F_UFO) == EINVAL)
				governed++;
			/* ... and now holds the module: reopen unloaded */
			close(old);
			old = -1;
		}
		if (i % 8 == 5) {	/* level csum */
			/* A TAP used under the module: unloading is refused. */
			int fd = tp_tun_open("tpld-busy");

			busy++;
			if (fd >= 0 &&
			    tp_offload(fd, TUN_F_CSUM) == 0 &&
			    tp_offload(fd, TUN_F_CSUM | TUN_F_UFO) == EINVAL) {
				err = tp_module_unload();
				if (err == 0) {
					/* It went: reload so the fd is safe. */
					in_use_errno++;
				} else {
					busy_errno = -err;
					if (tp_module_loaded() &&
					    tp_offload(fd, TUN_F_CSUM | TUN_F_UFO) == EINVAL &&
					    tp_offload(fd, TUN_F_CSUM) == 0 &&
					    !tp_set_level("csum ufo") &&
					    !tp_offload(fd, TUN_F_CSUM | TUN_F_UFO))
						busy_ok++;
				}
			}
			if (fd >= 0)
				close(fd);
		}
		t1 = tp_now();
		err = tp_module_unload();
		tunload += tp_now() - t1;
		if (err || !tp_absent()) {
			if (!unload_err++)
				TH_LOG("cycle %ld: unload: %d", i, err);
		}
		if (old < 0)
			old = tp_tun_open("tpld-old");
		if (tp_now() - t0 > tmax)
			tmax = tp_now() - t0;
	}
	if (old >= 0)
		close(old);
	t = tp_now() - t;
	tp_readers_stop(rd);
	tp_readers_report("load", rd);
	tp_diag("load: %ld cycles in %.1f s (%.0f ms each: load %.0f ms, unload %.0f ms; slowest %.0f ms), %ld load errors, %ld unload errors, %ld wrong levels",
		cycles, t, cycles ? 1000 * t / cycles : 0,
		cycles ? 1000 * tload / cycles : 0,
		cycles ? 1000 * tunload / cycles : 0, 1000 * tmax,
		load_err, unload_err, wrong_level);
	tp_diag("load: %ld unloads with a TAP in use: %ld refused (%s), all working after; %ld not refused; a TAP from before the load governed %ld times",
		busy, busy - in_use_errno, busy_errno ?
		strerrorname_np(busy_errno) : "-", in_use_errno, governed);
	EXPECT_EQ(0, load_err);
	EXPECT_EQ(0, unload_err);
	EXPECT_EQ(0, wrong_level);
	EXPECT_EQ(cycles / 4 + (cycles % 4 > 1), governed);
	EXPECT_EQ(0, in_use_errno);
	EXPECT_EQ(busy, busy_ok);
	/* delete_module answers EWOULDBLOCK for a module in use */
	EXPECT_TRUE(!busy_errno || busy_errno == EAGAIN ||
		    busy_errno == EBUSY);
	EXPECT_EQ(0, rd->died);
	EXPECT_EQ(0, rd->sum.bad);
	EXPECT_LT(0, rd->sum.levels);
	tp_readers_free(rd);
}

/* The dependencies: without tun and tap, loading fails cleanly. */
TEST_F_TIMEOUT(load, needs_tun_and_tap, 120)
{
	static const char *const users[] = { "vhost_net", "macvtap", "tap",
					     "tun" };
	int i, err, fd;

	ASSERT_EQ(0, tp_module_load(NULL));
	/* tunpin uses them: they stay. */
	EXPECT_NE(0, tp_unload_mod("tun"));
	EXPECT_NE(0, tp_unload_mod("tap"));
	ASSERT_EQ(0, tp_module_unload());

	for (i = 0; i < 4; i++) {
		err = tp_unload_mod(users[i]);
		if (err)
			SKIP(return, "cannot unload %s (%d): in use", users[i],
			     err);
	}
	err = tp_module_load("level=csum");
	EXPECT_EQ(-ENOENT, err);	/* unknown symbols */
	EXPECT_TRUE(tp_absent());

	/* tun alone is not enough */
	ASSERT_EQ(0, tp_run("modprobe tun"));
	EXPECT_EQ(-ENOENT, tp_module_load("level=csum"));
	EXPECT_TRUE(tp_absent());
	ASSERT_EQ(0, tp_run("modprobe tap"));
	ASSERT_EQ(0, tp_module_load("level=csum"));
	fd = tp_tun_open("tpld-dep");
	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, tp_offload(fd, TUN_F_CSUM | TUN_F_UFO));
	EXPECT_EQ(0, tp_offload(fd, TUN_F_CSUM));
	close(fd);
	/* macvtap loaded after tunpin: its TAPs are governed too. */
	ASSERT_EQ(0, tp_run("modprobe -a macvtap vhost_net"));
	fd = tp_macvtap_open("tpld-mvt");
	EXPECT_LE(0, fd);
	if (fd >= 0) {
		EXPECT_EQ(EINVAL, tp_offload(fd, TUN_F_CSUM | TUN_F_UFO));
		close(fd);
	}
	tp_macvtap_del("tpld-mvt");
	ASSERT_EQ(0, tp_module_unload());
	tp_diag("load: without tun and tap: ENOENT, nothing left; with them: loads and governs");
}

TEST_HARNESS_MAIN
