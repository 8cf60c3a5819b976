# SPDX-License-Identifier: GPL-2.0
# The reports in a kernel log (dmesg or a serial console): prints each line
# that is one (WARN, BUG, Oops, lockdep, refcount, KASAN, UBSAN, kmemleak,
# a stack dump, an RCU stall, a hung task) and exits 1 if there is any.
# Usage: awk -f splats.awk LOG...      (every lane's scan is this one)
#
# One kind of stack dump is not a report: the kernel's own account of an
# allocation that failslab made fail on purpose (selftests/failslab.c).
# warn_alloc() ("vmalloc error:", "page allocation failure:") and sysctl
# registration ("sysctl could not get directory:") dump the stack of the
# caller; when that caller is the failslab selftest ("Comm: failslab" on the
# CPU line after it), the dump up to its </TASK> is skipped. Anything else
# in it (a KASAN or lockdep report has its own header) still counts.
# lockdep's reports are WARNINGs: a bare "lockdep" would match the debug
# kernel's boot banner.
#
# A report starts its log line: the keyword is at the start of the line or
# right after a "] " (the timestamp, the caller id, or a console line that
# a process's output began). Anywhere else it is text someone chose: tunpin
# logs level labels, and a label may read "xBUG:y" ([A-Za-z0-9._:+@-], so
# it can hold neither a "]" nor a space).

BEGIN {
	report = "(^|\\] )" \
		 "(WARNING:|BUG:|BUG [^ ]+ \\(|Oops|Kernel panic|" \
		 "DEBUG_LOCKS_WARN_ON|refcount_t:|KASAN:|UBSAN:|" \
		 "kmemleak: .*new suspected|general protection fault|" \
		 "Internal error|Call [Tt]race:|watchdog: BUG:|rcu: INFO:|" \
		 "INFO: task .* blocked|INFO: rcu)"
	alloc_fail = "vmalloc error:|page allocation failure:|" \
		     "sysctl could not get directory:"
	found = 0
}

$0 ~ alloc_fail { after_fail = 4; next }
after_fail > 0 && /CPU: .* Comm: failslab / { skip = 80 }
after_fail > 0 { after_fail-- }
skip > 0 {	# to its </TASK>, or 80 lines at most
	skip = /<\/TASK>/ ? 0 : skip - 1
	if ($0 ~ report && $0 !~ /Call [Tt]race:/) {
		print
		found = 1
	}
	next
}
$0 ~ report { print; found = 1 }
END { exit found }
