#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# gen-dumps.sh N DIR: N `tunpin probe` dumps of distinct hosts in DIR
# (host-00001.json...), the real dumps of tools/tunpin/tests/data (Linux
# 4.14, 6.1 and 6.18, the probes included) in turn, each with its own
# host name: what `tunpin merge` of a pool of N hosts reads.
set -euo pipefail
n=$1 dir=$2
data=$(dirname "$0")/../../tunpin/tests/data
mkdir -p "$dir"
pre=() post=()
for k in 4.14 6.1 6.18; do
	t=$(<"$data/dump-$k.json")
	pre+=("${t%%\"host\": *}")
	t=${t#*\"host\": \"}
	post+=("${t#*\"}")
done
for ((i = 1; i <= n; i++)); do
	k=$((i % 3))
	printf -v f '%s/host-%05d.json' "$dir" "$i"
	printf '%s"host": "hv-%05d"%s\n' "${pre[k]}" "$i" "${post[k]}" >"$f"
done
