// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin.ko as a module: loads and unloads cleanly, starts unpinned (and
 * says so) or pinned by level=, refuses a bad level=, and its sysfs level
 * file takes good input and refuses bad input without changing anything.
 */
#include "tunpin_lib.h"
#include "kselftest_harness.h"

FIXTURE(mod) {
	int kmsg;
};

FIXTURE_SETUP(mod)
{
	ASSERT_EQ(0, tp_module_unload());
	self->kmsg = tp_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(mod)
{
	close(self->kmsg);
	tp_module_unload();
}

TEST_F(mod, load_unpinned_unload)
{
	const char *msg[] = { "tunpin: loaded unpinned" };
	const char *bye[] = { "tunpin: unloaded" };
	char buf[256];

	ASSERT_EQ(0, tp_module_load(NULL));
	ASSERT_TRUE(tp_module_loaded());
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("unpinned", buf);
	EXPECT_TRUE(tp_kmsg_find(self->kmsg, msg, 1));
	ASSERT_EQ(0, tp_module_unload());
	EXPECT_FALSE(tp_module_loaded());
	EXPECT_TRUE(tp_kmsg_find(self->kmsg, bye, 1));
}

TEST_F(mod, param_pins_at_load)
{
	const char *msg[] = { "tunpin: loaded, level: csum tso4 tso6 tso_ecn" };
	char buf[256];

	ASSERT_EQ(0, tp_module_load("level=tso6,csum,tso_ecn,tso4"));
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("csum tso4 tso6 tso_ecn", buf);
	ASSERT_EQ(0, tp_read_file("/sys/module/tunpin/parameters/level",
				  buf, sizeof(buf)));
	EXPECT_STREQ("csum tso4 tso6 tso_ecn", buf);
	EXPECT_TRUE(tp_kmsg_find(self->kmsg, msg, 1));
}

TEST_F(mod, param_none)
{
	char buf[256];

	ASSERT_EQ(0, tp_module_load("level=none"));
	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("none", buf);
}

TEST_F(mod, bad_param_refuses_load)
{
	static const char *const bad[] = {
		"level=ufo,bogus", "level=", "level=none,csum",
		"level=unpinned,csum", "level=CSUM",
	};
	int i;

	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		EXPECT_EQ(-EINVAL, tp_module_load(bad[i])) {
			TH_LOG("%s was accepted", bad[i]);
		}
		EXPECT_FALSE(tp_module_loaded());
	}
}

/* Every name of the table, in its order (the uapi, through tp_caps[]). */
TEST_F(mod, known)
{
	char buf[640], want[640];

	ASSERT_EQ(0, tp_module_load(NULL));
	ASSERT_EQ(0, tp_read_file(TP_SYSFS "/known", buf, sizeof(buf)));
	EXPECT_STREQ(tp_caps_join(TUNPIN_CAP_ALL, ' ', want, sizeof(want)),
		     buf);
	EXPECT_NE(NULL, strstr(buf, "udp_tunnel_gso_csum vhost_mrg_rxbuf "));
}

/* Every probe point is listed, armed, with no missed return. */
TEST_F(mod, probes_armed)
{
	static const char *const want[] = {
		"tun_chr_ioctl entry armed", "tap_ioctl entry armed",
		"vhost_net_ioctl entry armed", "tun_chr_close entry armed",
		"tap_release entry armed", "vhost_net_release entry armed",
		"tap_open entry armed",
		"tun_chr_ioctl return armed missed 0",
		"tap_ioctl return armed missed 0",
	};
	char buf[2048], *line;
	size_t i;

	ASSERT_EQ(0, tp_module_load(NULL));
	ASSERT_EQ(0, tp_read_file(TP_SYSFS "/probes", buf, sizeof(buf)));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool found = strstr(buf, want[i]);

		EXPECT_TRUE(found) {
			TH_LOG("no '%s' in:\n%s", want[i], buf);
		}
	}
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		bool armed = strstr(line, " armed");

		EXPECT_TRUE(armed) {
			TH_LOG("not armed: %s", line);
		}
	}
}

/* Good writes and what reads back; every write goes over the previous. */
TEST_F(mod, sysfs_level_good)
{
	static const char *const good[][2] = {
		{ "csum", "csum" },
		{ "ufo csum\n", "csum ufo" },
		{ "csum,tso4,,tso6  tso_ecn", "csum tso4 tso6 tso_ecn" },
		{ "udp_tunnel_gso_csum\tuso4", "uso4 udp_tunnel_gso_csum" },
		{ "csum csum", "csum" },
		{ "none\n", "none" },
		{ "unpinned", "unpinned" },
		{ "csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso "
		  "udp_tunnel_gso_csum",
		  "csum tso4 tso6 tso_ecn ufo uso4 uso6 udp_tunnel_gso "
		  "udp_tunnel_gso_csum" },
	};
	char buf[256];
	int i;

	ASSERT_EQ(0, tp_module_load(NULL));
	for (i = 0; i < (int)(sizeof(good) / sizeof(good[0])); i++) {
		ASSERT_EQ(0, tp_set_level(good[i][0]));
		ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
		EXPECT_STREQ(good[i][1], buf);
	}
}

/*
 * Bad writes fail with EINVAL and leave the level as it was. (A zero-length
 * write never reaches the module: sysfs answers it with 0 by itself.)
 */
TEST_F(mod, sysfs_level_bad)
{
	static const char *const bad[] = {
		"\n", " , ", "bogus", "csum bogus", "CSUM", "csum;tso4",
		"none csum", "unpinned none", "csum unpinned", "0x1", "-1",
		"csum\xff", "unknown:0x200",
	};
	char buf[256], longbuf[1024];
	int i;

	ASSERT_EQ(0, tp_module_load("level=csum,ufo"));
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		EXPECT_EQ(-EINVAL, tp_set_level(bad[i])) {
			TH_LOG("'%s' was accepted", bad[i]);
		}
	}
	/* An embedded NUL must not hide what follows it. */
	EXPECT_EQ(-EINVAL, tp_write_file(TP_LEVEL, "csum\0bogus", 10));
	/* Overlong: valid names, but more than any level can need. */
	longbuf[0] = '\0';
	while (strlen(longbuf) < sizeof(longbuf) - 8)
		strcat(longbuf, "csum ");
	EXPECT_EQ(-EINVAL, tp_set_level(longbuf));

	ASSERT_EQ(0, tp_read_file(TP_LEVEL, buf, sizeof(buf)));
	EXPECT_STREQ("csum ufo", buf);
}

TEST_F(mod, level_change_logged)
{
	const char *msg[] = { "tunpin: level set to csum (was unpinned)" };

	ASSERT_EQ(0, tp_module_load(NULL));
	ASSERT_EQ(0, tp_set_level("csum"));
	EXPECT_TRUE(tp_kmsg_find(self->kmsg, msg, 1));
}

TEST_HARNESS_MAIN
