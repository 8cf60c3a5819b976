# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # $log, $passed, $failed: the caller's
# Shared settings of the test harness, sourced by the scripts beside it.

TUNPIN_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TUNPIN_CACHE=${TUNPIN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tunpin}
# depmod and friends live in sbin, which a CI environment may not list.
export PATH=$PATH:/usr/sbin:/sbin
# The Debian headers metapackage the module is built against; the VM boots
# the image of the same release (linux-image-<release>).
TUNPIN_HPKG=${TUNPIN_HPKG:-linux-headers-amd64}

die() { echo "tunpin: $*" >&2; exit 1; }

# The concrete kernel release behind the metapackage, e.g. 6.1.0-56-amd64:
# from the installed headers package (no apt lists needed), else apt-cache.
debian_kver() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' "$TUNPIN_HPKG" 2>/dev/null ||
	      apt-cache depends "$TUNPIN_HPKG" 2>/dev/null |
	      sed -n 's/^ *Depends: //p')
	dep=$(sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p' <<<"$dep" | head -n1)
	[ -n "$dep" ] || die "cannot resolve $TUNPIN_HPKG (install it, or apt-get update)"
	echo "$dep"
}

# The Linux source tree version the selftest harness headers come from.
LINUX_SOURCE_PKG=${LINUX_SOURCE_PKG:-linux-source-6.1}

# need_pkgs PKG...: install the Debian packages among PKG that are missing
# (root only; like deps.sh, for the scripts with their own short lists).
need_pkgs() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] ||
		die "missing packages: ${missing[*]} (run as root or install them)"
	echo "tunpin: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# The arm64 lane may be installing beside us: wait for apt's locks.
	apt-get -o DPkg::Lock::Timeout=600 update -qq &&
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# The version, PACKAGE_VERSION in dkms.conf (its one home).
tunpin_version() {
	sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$TUNPIN_SRC/dkms.conf"
}

# The gates of the check scripts (check.sh, debug/check.sh): they count in
# the caller's $passed and $failed and keep each log in $log.
step() {	# step NAME COMMAND...: a pass/fail gate, output in $log/NAME.log
	local name=$1 t0=$SECONDS
	shift
	if "$@" >"$log/$name.log" 2>&1; then
		passed=$((passed + 1))
		echo "ok: $name ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1))
		echo "FAILED: $name (log: $log/$name.log)"
		tail -n 40 "$log/$name.log" | sed 's/^/    /'
		return 1
	fi
}

# A command (a make run) that must not print a single compiler or sparse
# warning.
no_warnings() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] && ! grep -E 'warning:|error:' <<<"$out" >/dev/null
}

# The selftests run in two VMs side by side, one vCPU each: under TCG a
# vCPU is a host thread, these machines have two cores, and a test is
# mostly one process at a time, so two one-vCPU VMs take about half as
# long as one VM with two vCPUs.
# share_out "HEAVY0" "HEAVY1" TEST...: the tests of each VM, a line each,
# in the order given: the long tests named in HEAVYn go to VM n, the
# others are dealt alternately. An empty line is a VM with nothing to do.
share_out() {
	local h0=" $1 " h1=" $2 " t g=("" "") i=0
	shift 2
	for t; do
		if [[ $h0 = *" $t "* ]]; then
			g[0]+=" $t"
		elif [[ $h1 = *" $t "* ]]; then
			g[1]+=" $t"
		else
			g[i]+=" $t"
			i=$((1 - i))
		fi
	done
	printf '%s\n' "${g[0]# }" "${g[1]# }"
}

# vm_groups ONE "HEAVY0" "HEAVY1" TEST...: the VMs' tests in $groups,
# one VM's a word list: all in one VM if ONE is 1, else share_out's two.
vm_groups() {
	if [ "$1" -eq 1 ]; then
		groups=("${*:4}")
	else
		mapfile -t groups < <(share_out "${@:2}" | grep .)
	fi
}

# run_vms NAME WHAT [REGEX]: the caller's "vm J TEST..." (a VM of
# $vm_cpus vCPUs, output in $BUILD/vmJ, log $log/vmJ.log) for each of
# $groups at once; then each VM's results (with the log lines REGEX
# matches), counted in $passed and $failed. A VM that ended badly with no
# failed test (it died, or its kernel logged a report after the last
# test: $BUILD/vmJ/splats) is one failure more.
run_vms() {
	local name=$1 j t0=$SECONDS kpass kfail status
	# shellcheck disable=SC2034 # read by the caller's vm
	vm_cpus=1
	# shellcheck disable=SC2034
	[ ${#groups[@]} -eq 1 ] && vm_cpus=2
	for j in "${!groups[@]}"; do
		echo "$name: VM $j boots $2 for: ${groups[j]}"
		rm -f "$log/vm$j.status"
		# shellcheck disable=SC2086 # a list of names
		{ vm "$j" ${groups[j]}; echo $? >"$log/vm$j.status"; } &
	done
	wait
	echo "$name: the VMs took $((SECONDS - t0)) s"
	for j in "${!groups[@]}"; do
		echo "$name: VM $j (log: $log/vm$j.log)"
		grep -aE "^(not )?ok |^# (Totals|time):${3:+|$3}" "$log/vm$j.log"
		read -r kpass kfail < <(grep -ao '# Totals: pass:[0-9]* fail:[0-9]*' \
			"$log/vm$j.log" |
			awk -F'[: ]+' '{p += $4; f += $6} END {print p+0, f+0}')
		passed=$((passed + kpass))
		failed=$((failed + kfail))
		status=$(cat "$log/vm$j.status" 2>/dev/null || echo 125)
		if [ "$status" -ne 0 ] && [ "$kfail" -eq 0 ]; then
			echo "FAILED: VM $j (status $status;" \
			     "console: $BUILD/vm$j/console.log)"
			[ -s "$BUILD/vm$j/splats" ] &&
				sed 's/^/    /' "$BUILD/vm$j/splats" | head -n 60
			failed=$((failed + 1))
		fi
	done
}
