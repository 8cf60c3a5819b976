#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Generate the capability table from enum tunpin_cap in the uapi header, for
# the module and the tool alike. Usage: gen-caps.sh include/uapi/linux/tunpin.h
set -e
echo "/* Generated from $(basename "$1") by gen-caps.sh: do not edit. */"
n=$(grep -c '^[[:space:]]*TUNPIN_CAP_[A-Z0-9_]*[[:space:]]*=' "$1")
[ "$n" -gt 0 ] || { echo "gen-caps.sh: no capabilities in $1" >&2; exit 1; }
echo "#define TUNPIN_NCAPS $n"
echo "#define TUNPIN_CAP_TABLE \\"
sed -n 's/^[[:space:]]*TUNPIN_CAP_\([A-Z0-9_]*\)[[:space:]]*=.*/\1/p' "$1" |
while read -r id; do
	printf '\t{ "%s", TUNPIN_CAP_%s }, \\\n' \
		"$(echo "$id" | tr 'A-Z' 'a-z')" "$id"
done
echo
