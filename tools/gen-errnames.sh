#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Generate the errno name table from the C library's <errno.h>, as the
# compiler sees it: dumps name results the same on every release (glibc
# before 2.32, bullseye's, has no strerrorname_np()). Aliases (EWOULDBLOCK,
# ENOTSUP, EDEADLOCK) are left out, as strerrorname_np() leaves them.
# Usage: gen-errnames.sh CC
set -e
echo "/* Generated from <errno.h> by gen-errnames.sh: do not edit. */"
echo "#define TP_ERRNO_TABLE \\"
printf '#include <errno.h>\n' | $1 -dM -E - |
	sed -n 's/^#define \(E[A-Z0-9]*\) \([0-9][0-9]*\)$/\2 \1/p' | sort -n |
	awk 'BEGIN { n = 0 } { printf "\t{ \"%s\", %s }, \\\n", $2, $2; n++ }
	     END { if (n < 100) { print "gen-errnames.sh: only " n " errnos" > "/dev/stderr"; exit 1 } }'
echo
