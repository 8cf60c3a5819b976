// SPDX-License-Identifier: GPL-2.0
/*
 * tunpin(8): probe the native capabilities on a throw-away TAP.
 *
 * The TAP is created with an empty name (the kernel picks tapN) and goes
 * away when its file is closed. Each capability is tried the way tun's
 * set_offload() wants it (drivers/net/tun.c):
 *   - every offload needs csum;
 *   - tso_ecn needs tso4 or tso6;
 *   - uso4 and uso6 are accepted only together (6.2+);
 *   - udp_tunnel_gso needs csum plus a plain GSO (tso4, tso6 or uso), and
 *     udp_tunnel_gso_csum needs udp_tunnel_gso too (6.17+).
 * Bits outside the table are tried one by one on top of the native set, so
 * that a future kernel's new bit shows up as unknown:0x....
 *
 * The vhost-net half is read as QEMU reads it with vhost=on: open
 * /dev/vhost-net (a throw-away device, gone when closed), exempted through
 * /dev/tunpin like the TAP, VHOST_GET_FEATURES and, where the kernel has
 * it (6.17+), VHOST_GET_FEATURES_ARRAY for the bits above 63.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include "caps.h"
#include "tapcaps.h"
#include "probe.h"

#define SYS_TUNPIN	"/sys/kernel/tunpin"

/*
 * VHOST_GET_FEATURES_ARRAY (<linux/vhost.h> of 6.17+): the size in the
 * command is that of struct vhost_features_array { __u64 count; __u64
 * features[]; }, one u64; defined here for older headers.
 */
#define TP_VHOST_GET_FEATURES_ARRAY	_IOR(VHOST_VIRTIO, 0x83, __u64)

/* The first line of a small file, without its newline: 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Copy @src into @dst, cut to fit. */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void describe_host(struct tp_dump *d)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	if (gethostname(d->host, sizeof(d->host) - 1) || !d->host[0])
		copy(d->host, sizeof(d->host), "localhost");
	if (!uname(&u)) {
		copy(d->kernel, sizeof(d->kernel), u.release);
		copy(d->kernel_version, sizeof(d->kernel_version), u.version);
		copy(d->machine, sizeof(d->machine), u.machine);
	}
	if (gmtime_r(&now, &tm))
		strftime(d->timestamp, sizeof(d->timestamp),
			 "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One TUNSETOFFLOAD, recorded: 0 if accepted, else the errno. */
static int try(int fd, struct tp_dump *d, uint32_t bits, const char *what)
{
	int err = ioctl(fd, TUNSETOFFLOAD, (unsigned long)bits) ? errno : 0;

	if (d->nprobes < TP_PROBES_MAX) {
		struct tp_probe *p = &d->probes[d->nprobes++];

		p->bits = bits;
		p->err = err;
		copy(p->what, sizeof(p->what), what);
	}
	return err;
}

static void probe_offloads(int fd, struct tp_dump *d)
{
	uint32_t c = 0, plain;
	char what[24];

	if (!try(fd, d, CSUM, "csum"))
		c |= CSUM;
	if (!try(fd, d, CSUM | TSO4, "tso4"))
		c |= TSO4;
	if (!try(fd, d, CSUM | TSO6, "tso6"))
		c |= TSO6;
	if (!try(fd, d, CSUM | (c & TSO4 ? TSO4 : TSO6) | TSO_ECN, "tso_ecn"))
		c |= TSO_ECN;
	if (!try(fd, d, CSUM | UFO, "ufo"))
		c |= UFO;
	/* Alone, for the record: tun wants both. */
	try(fd, d, CSUM | USO4, "uso4");
	try(fd, d, CSUM | USO6, "uso6");
	if (!try(fd, d, CSUM | USO4 | USO6, "uso4+uso6"))
		c |= USO4 | USO6;
	/* The tunnel bits ride on a plain GSO. */
	plain = c & TSO4 ? TSO4 : c & TSO6 ? TSO6 : c & (USO4 | USO6);
	try(fd, d, CSUM | plain | TNL_CSUM, "udp_tunnel_gso_csum");
	if (!try(fd, d, CSUM | plain | TNL, "udp_tunnel_gso")) {
		c |= TNL;
		if (!try(fd, d, CSUM | plain | TNL | TNL_CSUM,
			 "udp_tunnel_gso_csum"))
			c |= TNL_CSUM;
	}
	d->caps = c & (c & CSUM ? TUNPIN_CAP_TAP : 0);

	/* Every other bit, on top of what the kernel accepts today. */
	for (int b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;

		if (bit & TUNPIN_CAP_TAP)
			continue;
		snprintf(what, sizeof(what), "unknown:%#x", bit);
		if (!try(fd, d, CSUM | d->caps | bit, what))
			d->unknown |= bit;
	}
	if (!(c & CSUM))
		d->unknown = 0;
}

/* The module's level as sysfs shows it; "unpinned" if unreadable. */
static bool module_pinned(char *level, size_t size)
{
	if (read_line(SYS_TUNPIN "/level", level, size) || !level[0])
		copy(level, size, "unknown");
	return strcmp(level, "unpinned") != 0;
}

static int refuse_pinned(const char *level, const char *why, int e,
			 char *err, size_t errsize)
{
	snprintf(err, errsize, "the module is pinned (level: %s) and the "
		 "probe cannot be exempted (%s: %s): run as root", level, why,
		 strerror(e));
	return -1;
}

void vhost_record(struct tp_vhost *v, uint64_t word0, int aerr,
		  const uint64_t *word1)
{
	v->state = TP_VHOST_PROBED;
	v->features[0] = word0;
	v->array = !aerr;
	v->features[1] = aerr ? 0 : *word1;
	vhost_caps(v->features, v->unknown);
}

bool vhost_no_array(int err)
{
	/* no such ioctl (ENOTTY, as vhost answers), or refused by a module */
	return err == ENOTTY || err == EPERM || err == EINVAL ||
	       err == EOPNOTSUPP;
}

/*
 * The native vhost-net features into d->vhost and d->caps. Without the
 * device the dump says why; a host pinned whose probe cannot be exempted
 * leaves the set unknown (never the pinned one). -1 only for the pinned
 * host refused by TUNPIN_EXEMPT without privilege, as for the TAP.
 */
static int probe_vhost(struct tp_dump *d, int ctl, bool pinned,
		       const char *level, char *err, size_t errsize)
{
	struct tp_vhost *v = &d->vhost;
	struct { uint64_t count; uint64_t features[VHOST_WORDS]; } arr;
	uint64_t w0 = 0;
	int fd, e, aerr;

	fd = open(TP_VHOST_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		v->state = e == ENOENT || e == ENODEV || e == ENXIO ?
			   TP_VHOST_ABSENT : TP_VHOST_UNKNOWN;
		snprintf(v->reason, sizeof(v->reason), "cannot open %s: %s",
			 TP_VHOST_DEV, strerror(e));
		return 0;
	}
	if (ctl >= 0) {
		if (!ioctl(ctl, TUNPIN_EXEMPT, &fd)) {
			v->exempt = true;
		} else if (pinned) {
			e = errno;
			close(fd);
			if (e == EPERM || e == EACCES)
				return refuse_pinned(level, "TUNPIN_EXEMPT on "
						     TP_VHOST_DEV, e, err,
						     errsize);
			v->state = TP_VHOST_UNKNOWN;
			snprintf(v->reason, sizeof(v->reason), "pinned, and "
				 "TUNPIN_EXEMPT refused %s: %s", TP_VHOST_DEV,
				 strerror(e));
			return 0;
		}
	}
	if (ioctl(fd, VHOST_GET_FEATURES, &w0)) {
		e = errno;
		close(fd);
		v->state = TP_VHOST_UNKNOWN;
		snprintf(v->reason, sizeof(v->reason), "VHOST_GET_FEATURES: "
			 "%s", strerror(e));
		return 0;
	}
	memset(&arr, 0, sizeof(arr));
	arr.count = VHOST_WORDS;
	aerr = ioctl(fd, TP_VHOST_GET_FEATURES_ARRAY, &arr) ? errno : 0;
	close(fd);
	if (aerr && !vhost_no_array(aerr)) {
		v->state = TP_VHOST_UNKNOWN;
		snprintf(v->reason, sizeof(v->reason), "VHOST_GET_FEATURES_"
			 "ARRAY: %s", strerror(aerr));
		return 0;
	}
	if (!aerr && arr.features[0] != w0) {
		v->state = TP_VHOST_UNKNOWN;
		snprintf(v->reason, sizeof(v->reason), "VHOST_GET_FEATURES "
			 "(%#llx) and the array's first word (%#llx) differ",
			 (unsigned long long)w0,
			 (unsigned long long)arr.features[0]);
		return 0;
	}
	vhost_record(v, w0, aerr, &arr.features[1]);
	d->caps |= vhost_caps(v->features, NULL);
	return 0;
}

int tp_probe(struct tp_dump *d, char *err, size_t errsize)
{
	bool loaded = !access(SYS_TUNPIN, F_OK), pinned = false;
	char level[1024] = "";
	struct ifreq ifr;
	int ctl = -1, tap, e;

	memset(d, 0, sizeof(*d));
	d->schema = TP_SCHEMA;
	describe_host(d);
	if (loaded) {
		if (read_line("/sys/module/tunpin/version", d->module,
			      sizeof(d->module)) || !d->module[0])
			copy(d->module, sizeof(d->module), "unknown");
		pinned = module_pinned(level, sizeof(level));
		ctl = open("/dev/tunpin", O_RDWR | O_CLOEXEC);
		if (ctl < 0 && pinned)
			return refuse_pinned(level, "/dev/tunpin", errno, err,
					     errsize);
	}

	tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tap < 0) {
		e = errno;
		snprintf(err, errsize, "cannot open /dev/net/tun: %s",
			 strerror(e));
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));	/* no name: the kernel picks tapN */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(tap, TUNSETIFF, &ifr)) {
		e = errno;
		snprintf(err, errsize, "cannot create a throw-away TAP: %s%s",
			 strerror(e), e == EPERM ?
			 " (CAP_NET_ADMIN is needed)" : "");
		goto fail;
	}
	if (ctl >= 0) {
		if (!ioctl(ctl, TUNPIN_EXEMPT, &tap)) {
			d->exempt = true;
		} else if (pinned) {
			e = errno;
			refuse_pinned(level, "TUNPIN_EXEMPT", e, err, errsize);
			goto fail;
		}
	}

	probe_offloads(tap, d);
	if (ioctl(tap, TUNGETFEATURES, &d->features)) {
		e = errno;
		snprintf(err, errsize, "TUNGETFEATURES: %s", strerror(e));
		goto fail;
	}
	if (probe_vhost(d, ctl, pinned, level, err, errsize))
		goto fail;
	close(tap);
	if (ctl >= 0)
		close(ctl);
	return 0;
fail:
	if (tap >= 0)
		close(tap);
	if (ctl >= 0)
		close(ctl);
	return -1;
}
