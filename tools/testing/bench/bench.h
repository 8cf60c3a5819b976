/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the tunpin benchmarks: TAP devices with vnet headers,
 * the monotonic clock, sorting samples. Benchmarks report; they never fail
 * on a time.
 */
#ifndef TUNPIN_BENCH_H
#define TUNPIN_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>

static inline void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static inline void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(1);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A TAP as hypervisors make it: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, named
 * @name (a "%d" pattern is allowed). Returns the fd, the name in @out.
 */
static inline int tap_open(const char *name, unsigned short extra, char *out)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | extra;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (out)
		snprintf(out, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

/* What QEMU asks for once the guest negotiated TSO. */
#define BENCH_OFFLOADS	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline double cmp_median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

#endif
