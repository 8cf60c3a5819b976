/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tunpin selftests: loading the module, the sysfs
 * level, TAP devices (tun and macvtap) and the kernel log. They return 0 or
 * a negative errno, like the kernel, so ASSERT_EQ(0, ...) reads naturally.
 */
#ifndef _TUNPIN_LIB_H
#define _TUNPIN_LIB_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "../include/uapi/linux/tunpin.h"

/*
 * glibc before 2.32 (bullseye's) has no strerrorname_np(); the tests use
 * the names in messages only.
 */
#if defined(__GLIBC__) && !__GLIBC_PREREQ(2, 32)
static inline const char *strerrorname_np(int err)
{
	(void)err;
	return "errno";
}
#endif

#define TP_SYSFS	"/sys/kernel/tunpin"
#define TP_LEVEL	TP_SYSFS "/level"

/* TUNSETOFFLOAD flags beyond the TAP offloads (TUNPIN_CAP_TAP): a future
 * kernel's, and nonsense. */
#define TP_UNKNOWN_BITS	{ 0x200, 0x400, 0x8000, 0x80000000UL }

static inline int tp_run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == 0 ? 0 : -ECHILD;
}

static inline int tp_module_load(const char *params)
{
	const char *ko = getenv("TUNPIN_KO");
	int fd, rc;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = syscall(SYS_finit_module, fd, params ? params : "", 0);
	rc = rc ? -errno : 0;
	close(fd);
	return rc;
}

static inline int tp_module_unload(void)
{
	if (syscall(SYS_delete_module, "tunpin", O_NONBLOCK))
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

static inline bool tp_module_loaded(void)
{
	return access(TP_SYSFS, F_OK) == 0;
}

static inline int tp_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	n = n < 0 ? -errno : (n == (ssize_t)len ? 0 : -EIO);
	close(fd);
	return n;
}

static inline int tp_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static inline int tp_set_level(const char *level)
{
	return tp_write_file(TP_LEVEL, level, strlen(level));
}

static inline long long tp_counter(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), TP_SYSFS "/%s", name);
	if (tp_read_file(path, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

/* A tun device in TAP mode with vnet headers, as hypervisors create it. */
static inline int tp_tun_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* A macvtap on a dummy parent; returns the open /dev/tapN. */
static inline int tp_macvtap_open(const char *name)
{
	char path[64];
	unsigned int idx;
	int fd, i;

	if (tp_run("ip link add %s-p type dummy && "
		   "ip link add link %s-p name %s type macvtap mode bridge && "
		   "ip link set %s-p up && ip link set %s up",
		   name, name, name, name, name))
		return -ECHILD;
	idx = if_nametoindex(name);
	if (!idx)
		return -ENODEV;
	snprintf(path, sizeof(path), "/dev/tap%u", idx);
	/* devtmpfs creates the node asynchronously. */
	for (i = 0; i < 100; i++) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	return fd < 0 ? -errno : fd;
}

static inline void tp_macvtap_del(const char *name)
{
	tp_run("ip link del %s-p 2>/dev/null", name);
}

/* 0 if TUNSETOFFLOAD accepted @bits, else the positive errno. */
static inline int tp_offload(int fd, unsigned long bits)
{
	return ioctl(fd, TUNSETOFFLOAD, bits) ? errno : 0;
}

/* /dev/kmsg positioned at its end: read what is logged from now on. */
static inline int tp_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a record logged since tp_kmsg_open() contains every @needle. */
static inline bool tp_kmsg_find(int fd, const char *const *needles, int n)
{
	char rec[2048];
	ssize_t len;

	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE) {
		int i;

		if (len <= 0)
			continue;
		rec[len] = '\0';
		for (i = 0; i < n && strstr(rec, needles[i]); i++)
			;
		if (i == n)
			return true;
	}
	return false;
}

/*
 * The capability table of <linux/tunpin.h>, in its order: each name, its
 * bit in a capability set, and for a vhost-net capability its virtio
 * feature bit (-1 for a TAP offload). The asserts below keep it in step
 * with the header's enum.
 */
struct tp_cap {
	const char *name;
	uint32_t bit;
	int vbit;
};

static const struct tp_cap tp_caps[] = {
	{ "csum", TUNPIN_CAP_CSUM, -1 },
	{ "tso4", TUNPIN_CAP_TSO4, -1 },
	{ "tso6", TUNPIN_CAP_TSO6, -1 },
	{ "tso_ecn", TUNPIN_CAP_TSO_ECN, -1 },
	{ "ufo", TUNPIN_CAP_UFO, -1 },
	{ "uso4", TUNPIN_CAP_USO4, -1 },
	{ "uso6", TUNPIN_CAP_USO6, -1 },
	{ "udp_tunnel_gso", TUNPIN_CAP_UDP_TUNNEL_GSO, -1 },
	{ "udp_tunnel_gso_csum", TUNPIN_CAP_UDP_TUNNEL_GSO_CSUM, -1 },
	{ "vhost_mrg_rxbuf", TUNPIN_CAP_VHOST_MRG_RXBUF,
	  TUNPIN_VHOST_BIT_MRG_RXBUF },
	{ "vhost_notify_on_empty", TUNPIN_CAP_VHOST_NOTIFY_ON_EMPTY,
	  TUNPIN_VHOST_BIT_NOTIFY_ON_EMPTY },
	{ "vhost_log_all", TUNPIN_CAP_VHOST_LOG_ALL, TUNPIN_VHOST_BIT_LOG_ALL },
	{ "vhost_any_layout", TUNPIN_CAP_VHOST_ANY_LAYOUT,
	  TUNPIN_VHOST_BIT_ANY_LAYOUT },
	{ "vhost_indirect_desc", TUNPIN_CAP_VHOST_INDIRECT_DESC,
	  TUNPIN_VHOST_BIT_INDIRECT_DESC },
	{ "vhost_event_idx", TUNPIN_CAP_VHOST_EVENT_IDX,
	  TUNPIN_VHOST_BIT_EVENT_IDX },
	{ "vhost_version_1", TUNPIN_CAP_VHOST_VERSION_1,
	  TUNPIN_VHOST_BIT_VERSION_1 },
	{ "vhost_access_platform", TUNPIN_CAP_VHOST_ACCESS_PLATFORM,
	  TUNPIN_VHOST_BIT_ACCESS_PLATFORM },
	{ "vhost_in_order", TUNPIN_CAP_VHOST_IN_ORDER, TUNPIN_VHOST_BIT_IN_ORDER },
	{ "vhost_ring_reset", TUNPIN_CAP_VHOST_RING_RESET,
	  TUNPIN_VHOST_BIT_RING_RESET },
	{ "vhost_guest_udp_tunnel_gso", TUNPIN_CAP_VHOST_GUEST_UDP_TUNNEL_GSO,
	  TUNPIN_VHOST_BIT_GUEST_UDP_TUNNEL_GSO },
	{ "vhost_host_udp_tunnel_gso", TUNPIN_CAP_VHOST_HOST_UDP_TUNNEL_GSO,
	  TUNPIN_VHOST_BIT_HOST_UDP_TUNNEL_GSO },
};

#define TP_NCAPS_ALL	((int)(sizeof(tp_caps) / sizeof(tp_caps[0])))

/* The TAP offloads every kernel has, which QEMU takes for granted. */
#define TP_FLOOR	(TUNPIN_CAP_CSUM | TUNPIN_CAP_TSO4 | TUNPIN_CAP_TSO6 | \
			 TUNPIN_CAP_TSO_ECN)
/*
 * The vhost-net features of Linux 6.1 (Debian 6.1.0-57 answers
 * 0x33d008000 to VHOST_GET_FEATURES: bits 15 24 26 27 28 29 32 33).
 */
#define TP_VHOST_61	(TUNPIN_CAP_VHOST_MRG_RXBUF | \
			 TUNPIN_CAP_VHOST_NOTIFY_ON_EMPTY | \
			 TUNPIN_CAP_VHOST_LOG_ALL | TUNPIN_CAP_VHOST_ANY_LAYOUT | \
			 TUNPIN_CAP_VHOST_INDIRECT_DESC | \
			 TUNPIN_CAP_VHOST_EVENT_IDX | TUNPIN_CAP_VHOST_VERSION_1 | \
			 TUNPIN_CAP_VHOST_ACCESS_PLATFORM)
/* One entry per bit of TUNPIN_CAP_ALL, TAP offloads first. */
_Static_assert(TP_NCAPS_ALL == __builtin_popcount(TUNPIN_CAP_ALL),
	       "tp_caps[] is not the uapi table");
_Static_assert(TUNPIN_CAP_TAP == (1u << 9) - 1 &&
	       TUNPIN_CAP_VHOST == ((1u << TP_NCAPS_ALL) - 1) - TUNPIN_CAP_TAP,
	       "tp_caps[] is not the uapi table's order");

/* The capability's name of @bit (one bit), or NULL. */
static inline const char *tp_cap_name(uint32_t bit)
{
	for (int i = 0; i < TP_NCAPS_ALL; i++)
		if (tp_caps[i].bit == bit)
			return tp_caps[i].name;
	return NULL;
}

/* A level's names in table order joined with @sep ("," for level=, " " as
 * sysfs prints it); "none" for no capability. */
static inline const char *tp_caps_join(uint32_t caps, char sep, char *buf,
				       size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < TP_NCAPS_ALL && n < size; i++)
		if (caps & tp_caps[i].bit)
			n += snprintf(buf + n, size - n, "%s%s",
				      n ? (char[]){ sep, 0 } : "",
				      tp_caps[i].name);
	if (!n)
		snprintf(buf, size, "none");
	return buf;
}

#endif /* _TUNPIN_LIB_H */
