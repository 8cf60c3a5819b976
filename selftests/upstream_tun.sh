#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's own tun selftest (tools/testing/selftests/net/tun.c of
# Debian's linux-source-6.1, built unmodified as upstream_tun by
# selftests/Makefile) run three times: stock (tunpin unloaded), with tunpin
# loaded unpinned, and pinned to the native level (what the stock kernel's
# tun accepts, asked before tunpin loads). Each run's KTAP results must be
# those of the stock run, test for test. The module is loaded unpinned by
# the caller; this test unloads it for the stock run and leaves it loaded,
# unpinned. KTAP.
set -u
. "$(dirname "$0")/ktap.sh"

sys=/sys/kernel/tunpin
bin=${TUNPIN_UPSTREAM_TUN:-$PWD/upstream_tun}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-upstream.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The stock native set, in sysfs syntax (as probe.sh asks for it).
native_py='
import fcntl, os, struct
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH22x", b"", 0x0002 | 0x1000 | 0x4000))
names = []
for name, req in [("csum", 0x1), ("tso4", 0x3), ("tso6", 0x5), ("tso_ecn", 0xb),
                  ("ufo", 0x11), ("uso4 uso6", 0x61), ("udp_tunnel_gso", 0x83),
                  ("udp_tunnel_gso_csum", 0x183)]:
    try:
        fcntl.ioctl(fd, 0x400454d0, req)
        names.append(name)
    except OSError:
        pass
print(" ".join(names))
'

# run_upstream NAME: run it, its results ("ok tun.x" / "not ok tun.x", the
# numbers and diagnostics dropped) in $tmp/NAME.results.
run_upstream() {
	last="$bin ($1)"
	"$bin" >"$tmp/$1.out" 2>&1
	rc=$?
	out=$(<"$tmp/$1.out")
	err=
	sed -nE 's/^(ok|not ok) [0-9]+ (.*)$/\1 \2/p' "$tmp/$1.out" \
		>"$tmp/$1.results"
	echo "# $1: exit $rc, $(grep -c '^ok' "$tmp/$1.results") ok," \
	     "$(grep -c '^not ok' "$tmp/$1.results") not ok"
}

same_as_stock() {	# same_as_stock NAME: NAME's results are stock's
	check "exit $stock_rc, as stock" [ "$rc" -eq "$stock_rc" ]
	check "the same results as stock" cmp -s "$tmp/stock.results" "$tmp/$1.results" ||
		diff "$tmp/stock.results" "$tmp/$1.results" | sed 's/^/#     /'
}

no_bin="no $bin: the lane's build has no net/tun.c (tools/testing/lane-build.sh copies only kselftest*.h into KSFT_DIR)"

have_stock() {	# have_stock: the stock run is there (else the test says why)
	if [ ! -x "$bin" ]; then
		todo=$no_bin
		return 1
	fi
	[ -n "$stock_rc" ] || { check "a stock run" false; return 1; }
}

stock_rc=
t_stock() {		# stock, tunpin unloaded: the reference results
	if [ ! -x "$bin" ]; then
		todo=$no_bin
		return
	fi
	check "unload tunpin" rmmod tunpin || return
	native=$(python3 -c "$native_py")
	run_upstream stock
	stock_rc=$rc
	check "insmod tunpin" insmod "$TUNPIN_KO"
	check "a result for each test" [ -s "$tmp/stock.results" ]
	check "its totals line" grep -q '^# Totals: ' <<<"$out"
	sed 's/^/# stock: /' "$tmp/stock.results"
	grep -q '^not ok' "$tmp/stock.results" &&
		echo "# the stock kernel fails some: they must fail the same way below"
}

t_unpinned() {		# tunpin loaded, unpinned: as stock
	have_stock || return
	check "unpinned" [ "$(cat $sys/level)" = unpinned ]
	run_upstream unpinned
	same_as_stock unpinned
}

t_pinned_native() {	# pinned to the native level: as stock
	have_stock || return
	echo "$native" >"$sys/level"
	check "pinned to '$native'" [ "$(cat $sys/level)" = "$native" ]
	run_upstream pinned
	same_as_stock pinned
	echo unpinned >"$sys/level"
}

tests=(t_stock t_unpinned t_pinned_native)

ktap_main
