/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the stress, fault and privilege selftests: the scale
 * (TUNPIN_STRESS=full for the counts of issue 7, quick otherwise), a seeded
 * PRNG (TUNPIN_SEED to replay a run), KTAP diagnostics with figures, the
 * capability bits of a level written as text, and running a function as
 * another user or as root of a new user and network namespace.
 */
#ifndef _TUNPIN_STRESS_H
#define _TUNPIN_STRESS_H

#include "tunpin_lib.h"
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <ctype.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static inline bool tp_full(void)
{
	const char *s = getenv("TUNPIN_STRESS");

	return s && !strcmp(s, "full");
}

/* @quick normally, @full with TUNPIN_STRESS=full. */
static inline long tp_scale(long quick, long full)
{
	return tp_full() ? full : quick;
}

static inline double tp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A KTAP diagnostic line, written at once (tests fork). */
static inline void tp_diag(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "# ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	if (write(STDOUT_FILENO, line, strlen(line)) < 0)
		return;
}

/* xorshift64*: fast, and a run is replayed from its printed seed. */
struct tp_rng {
	uint64_t s;
};

static inline uint64_t tp_seed(void)
{
	const char *s = getenv("TUNPIN_SEED");

	if (s && *s)
		return strtoull(s, NULL, 0);
	return (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
}

static inline uint32_t tp_rand(struct tp_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (r->s * 0x2545F4914F6CDD1DULL) >> 32;
}

/* Uniform in [0, n). */
static inline uint32_t tp_below(struct tp_rng *r, uint32_t n)
{
	return n ? tp_rand(r) % n : 0;
}

/* The TAP offloads' names (TUNPIN_CAP_TAP, bit i is 1 << i); the whole
 * table, vhost-net's too, is tp_caps[] (tunpin_lib.h). */
static const char *const tp_cap_names[] = {
	"csum", "tso4", "tso6", "tso_ecn", "ufo", "uso4", "uso6",
	"udp_tunnel_gso", "udp_tunnel_gso_csum",
};
#define TP_NCAPS	9
_Static_assert(TUNPIN_CAP_TAP == (1u << TP_NCAPS) - 1, "the TAP offloads");

/* The longest level text the module takes (TUNPIN_LEVEL_MAX, module/tunpin.h:
 * every name of the table once, plus slack). */
#define TP_LEVEL_MAX	512

/* The bits of a level as sysfs prints it ("none" is 0). */
static inline uint32_t tp_caps_of(const char *text)
{
	char buf[512], *tok, *save;
	uint32_t bits = 0;
	int i;

	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		for (i = 0; i < TP_NCAPS; i++)
			if (!strcmp(tok, tp_cap_names[i]))
				bits |= 1u << i;
	return bits;
}

/* The canonical text of a level (what reading sysfs gives). */
static inline void tp_caps_text(bool pinned, uint32_t caps, char *buf,
				size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	if (!pinned) {
		snprintf(buf, size, "unpinned");
		return;
	}
	if (!caps) {
		snprintf(buf, size, "none");
		return;
	}
	for (i = 0; i < TP_NCAPS; i++)
		if (caps & (1u << i))
			len += snprintf(buf + len, size - len, "%s%s",
					len ? " " : "", tp_cap_names[i]);
}

/* Become nobody (uid and gid 65534, no groups). */
static inline int tp_become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -errno;
	return 0;
}

/* Become root of a new user namespace with its own network namespace. */
static inline int tp_become_userns_root(void)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return -errno;
	if (tp_write_file("/proc/self/setgroups", "deny", 4) ||
	    tp_write_file("/proc/self/uid_map", "0 0 1", 5) ||
	    tp_write_file("/proc/self/gid_map", "0 0 1", 5))
		return -EPERM;
	return 0;
}

/*
 * /dev/net/tun as udev makes it, 0666 (devtmpfs alone gives 0600), for
 * unprivileged openers. Returns the mode to give back to tp_tun_mode(), or
 * -errno.
 */
static inline int tp_tun_open_to_all(void)
{
	struct stat st;

	if (stat("/dev/net/tun", &st) || chmod("/dev/net/tun", 0666))
		return -errno;
	return st.st_mode & 07777;
}

static inline void tp_tun_mode(int mode)
{
	if (mode >= 0)
		chmod("/dev/net/tun", mode);
}

enum tp_who { TP_ROOT, TP_NOBODY, TP_USERNS };

static const char *const tp_who_name[] = { "root", "nobody", "userns-root" };

/*
 * Run @fn(@arg) in a child as @who; the child may send back @size bytes of
 * results through @out. Returns @fn's value (0..255), or 128 + a signal.
 */
static inline int tp_run_as(enum tp_who who, int (*fn)(void *), void *arg,
			    void *out, size_t size)
{
	int status, p[2];
	ssize_t n = 0;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int rc = 0;

		close(p[0]);
		if (who == TP_NOBODY && tp_become_nobody())
			_exit(250);
		if (who == TP_USERNS && tp_become_userns_root())
			_exit(251);
		rc = fn(arg);
		if (out && write(p[1], out, size) != (ssize_t)size)
			rc = rc ?: 252;
		_exit(rc);
	}
	close(p[1]);
	if (out)
		n = read(p[0], out, size);
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (out && n != (ssize_t)size && WIFEXITED(status) &&
	    !WEXITSTATUS(status))
		return 253;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

/*
 * Readers of the module parameter's file (issue 18, item 1): it is
 * readable by anyone, and exists from the module's sysfs setup before its
 * init until after its exit. Processes loop open/read/close on it, every
 * other one as nobody, while a test loads and unloads; each read must give
 * a level line (words of [a-z0-9_] separated by single spaces, one
 * newline) or fail with ENODEV (no level yet, or no more), and an open
 * succeed or fail with ENOENT (not loaded) or ENODEV (being removed). A reader killed by a signal (an oops in the read)
 * counts as bad, and the kernel log scan of run.sh sees the report.
 */
#define TP_PARAM	"/sys/module/tunpin/parameters/level"
#define TP_MAXREADERS	8

struct tp_reader_stat {
	long reads, levels, nodev, absent, bad;
	int first_errno;
	char first_bad[64];
};

struct tp_readers {
	volatile int stop;
	int n;
	pid_t pid[TP_MAXREADERS];
	struct tp_reader_stat st[TP_MAXREADERS];
	struct tp_reader_stat sum;
	int died, nobody;
};

static inline bool tp_level_line(const char *buf, ssize_t len)
{
	ssize_t i;

	if (len < 2 || buf[len - 1] != '\n' || buf[0] == ' ' ||
	    buf[len - 2] == ' ')
		return false;
	for (i = 0; i < len - 1; i++)
		if (!(islower((unsigned char)buf[i]) ||
		      isdigit((unsigned char)buf[i]) || buf[i] == '_' ||
		      (buf[i] == ' ' && buf[i + 1] != ' ')))
			return false;
	return true;
}

static inline void tp_reader_loop(struct tp_readers *rd,
				  struct tp_reader_stat *st)
{
	char buf[4096];

	while (!rd->stop) {
		int fd, err = 0;
		ssize_t len = -1;

		/*
		 * Thousands of reads a second each, not a busy loop: each open
		 * holds the file active, which an unload waits out (busy
		 * readers made a cycle 8x slower).
		 */
		usleep(tp_full() ? 1000 : 200);
		fd = open(TP_PARAM, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			err = errno;
		} else {
			len = read(fd, buf, sizeof(buf) - 1);
			if (len < 0)
				err = errno;
			close(fd);
		}
		st->reads++;
		/* not there, or being removed (kernfs: ENODEV) */
		if (fd < 0 && (err == ENOENT || err == ENODEV)) {
			st->absent++;
			continue;
		}
		if (fd >= 0 && len < 0 && (err == ENODEV || err == ENOENT)) {
			st->nodev++;
			continue;
		}
		if (len >= 0 && tp_level_line(buf, len)) {
			st->levels++;
			continue;
		}
		if (!st->bad++) {
			st->first_errno = err;
			if (len >= 0) {
				if (len >= (ssize_t)sizeof(st->first_bad))
					len = sizeof(st->first_bad) - 1;
				memcpy(st->first_bad, buf, len);
				st->first_bad[len] = '\0';
			}
		}
	}
}

/* Close every file descriptor from @first on. */
static inline void tp_close_from(int first)
{
	int fd;

#ifdef SYS_close_range
	if (!syscall(SYS_close_range, first, ~0U, 0))
		return;
#endif
	for (fd = first; fd < 65536; fd++)
		close(fd);
}

/* Start @n readers (every other one as nobody); NULL on failure. */
static inline struct tp_readers *tp_readers_start(int n)
{
	struct tp_readers *rd;
	int i;

	rd = mmap(NULL, sizeof(*rd), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rd == MAP_FAILED)
		return NULL;
	memset(rd, 0, sizeof(*rd));
	for (i = 0; i < n && i < TP_MAXREADERS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (!pid) {
			/* an ASSERT ends the test: end with it */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* hold none of the test's files (a TAP holds the module) */
			tp_close_from(3);
			if ((i & 1) && tp_become_nobody())
				_exit(250);
			tp_reader_loop(rd, &rd->st[i]);
			_exit(0);
		}
		rd->pid[rd->n++] = pid;
		rd->nobody += i & 1;
	}
	return rd;
}

/* Stop them; the sums in @rd->sum, and how many died of a signal. */
static inline void tp_readers_stop(struct tp_readers *rd)
{
	int i, status;

	rd->stop = 1;
	for (i = 0; i < rd->n; i++) {
		struct tp_reader_stat *st = &rd->st[i];

		if (waitpid(rd->pid[i], &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			rd->died++;
		rd->sum.reads += st->reads;
		rd->sum.levels += st->levels;
		rd->sum.nodev += st->nodev;
		rd->sum.absent += st->absent;
		rd->sum.bad += st->bad;
		if (st->bad && !rd->sum.first_errno && !rd->sum.first_bad[0]) {
			rd->sum.first_errno = st->first_errno;
			memcpy(rd->sum.first_bad, st->first_bad,
			       sizeof(st->first_bad));
		}
	}
}

static inline void tp_readers_report(const char *test,
				     const struct tp_readers *rd)
{
	tp_diag("%s: %d readers of the level parameter (%d as nobody): %ld reads, %ld levels, %ld ENODEV, %ld absent, %ld bad (first: errno %d, \"%.40s\"), %d died",
		test, rd->n, rd->nobody, rd->sum.reads, rd->sum.levels,
		rd->sum.nodev, rd->sum.absent, rd->sum.bad,
		rd->sum.first_errno, rd->sum.first_bad, rd->died);
}

static inline void tp_readers_free(struct tp_readers *rd)
{
	munmap(rd, sizeof(*rd));
}

#endif /* _TUNPIN_STRESS_H */
