#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Generate the capability table from enum tunpin_cap in the uapi header, for
# the module and the tool alike: { name, capability bit, virtio feature bit
# of a vhost-net capability (TUNPIN_VHOST_BIT_*) or -1 for a TAP offload }.
# Usage: gen-caps.sh include/uapi/linux/tunpin.h
set -e
echo "/* Generated from $(basename "$1") by gen-caps.sh: do not edit. */"
n=$(grep -c '^[[:space:]]*TUNPIN_CAP_[A-Z0-9_]*[[:space:]]*=' "$1")
[ "$n" -gt 0 ] || { echo "gen-caps.sh: no capabilities in $1" >&2; exit 1; }
echo "#define TUNPIN_NCAPS $n"
echo "#define TUNPIN_CAP_TABLE \\"
sed -n 's/^[[:space:]]*TUNPIN_CAP_\([A-Z0-9_]*\)[[:space:]]*=.*/\1/p' "$1" |
while read -r id; do
	case $id in
	VHOST_*)
		vbit=TUNPIN_VHOST_BIT_${id#VHOST_}
		grep -q "^#define $vbit[[:space:]]" "$1" || {
			echo "gen-caps.sh: TUNPIN_CAP_$id has no $vbit" >&2
			exit 1
		} ;;
	*)	vbit=-1 ;;
	esac
	printf '\t{ "%s", TUNPIN_CAP_%s, %s }, \\\n' \
		"$(echo "$id" | tr 'A-Z' 'a-z')" "$id" "$vbit"
done
echo
