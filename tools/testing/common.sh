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
# The PREEMPT_RT flavour's, which DKMS must skip (dkms.sh).
TUNPIN_RT_HPKG=${TUNPIN_RT_HPKG:-linux-headers-rt-amd64}

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
	echo "tunpin: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Another run may be installing beside us: wait for apt's locks.
	apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 &&
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

# run_vms NAME JOB...: for each JOB "LANE:TEST TEST...", the caller's
# "vm J LANE TEST..." (a VM of $vm_cpus vCPUs: output in
# $BUILD/lanes/LANE/vmJ, log $log/LANE-vmJ.log), TUNPIN_PARALLEL (default
# 2) at a time; then each VM's results (with the log lines $VM_GREP
# matches), counted in $passed and $failed (and "# TODO" results in
# $todo, shown with their reasons). A VM that ended badly with no
# failed test (it died, or its kernel logged a report after the last test:
# its splats file) is one failure more.
run_vms() {
	local name=$1 j t0=$SECONDS kpass kfail status secs lane tests jl
	local -a lanes_of=()
	shift
	# shellcheck disable=SC2034 # read by the caller's vm
	vm_cpus=1
	# shellcheck disable=SC2034
	[ $# -eq 1 ] && vm_cpus=2
	j=0
	for job; do
		lane=${job%%:*} tests=${job#*:}
		lanes_of[j]=$lane
		while [ "$(jobs -rp | wc -l)" -ge "${TUNPIN_PARALLEL:-2}" ]; do
			wait -n
		done
		echo "$name: VM $j boots lane $lane for: $tests"
		rm -f "$log/$lane-vm$j.status"
		# shellcheck disable=SC2086 # a list of names
		{
			local t=$SECONDS
			vm "$j" "$lane" $tests
			echo "$? $((SECONDS - t))" >"$log/$lane-vm$j.status"
		} &
		j=$((j + 1))
	done
	wait
	echo "$name: the VMs took $((SECONDS - t0)) s"
	for j in "${!lanes_of[@]}"; do
		lane=${lanes_of[j]} jl=$log/${lanes_of[j]}-vm$j.log
		read -r status secs < <(cat "$log/$lane-vm$j.status" 2>/dev/null ||
			echo 125 0)
		echo "$name: lane $lane VM $j: $secs s (log: $jl)"
		grep -aE "^(not )?ok |^# (Totals|time|todo):${VM_GREP:+|$VM_GREP}" "$jl" |
			sed "s/^/$lane: /"
		read -r kpass kfail < <(grep -ao '# Totals: pass:[0-9]* fail:[0-9]*' \
			"$jl" | awk -F'[: ]+' '{p += $4; f += $6} END {print p+0, f+0}')
		passed=$((passed + kpass))
		failed=$((failed + kfail))
		# Known gaps: KTAP "# TODO" lines, in neither count.
		todo=$((${todo:-0} + $(grep -acE '^(not )?ok .*# (SKIP )?TODO' "$jl")))
		if [ "$status" -ne 0 ] && [ "$kfail" -eq 0 ]; then
			echo "FAILED: lane $lane VM $j (status $status;" \
			     "console: $BUILD/lanes/$lane/vm$j/console.log)"
			[ -s "$BUILD/lanes/$lane/vm$j/splats" ] &&
				sed 's/^/    /' "$BUILD/lanes/$lane/vm$j/splats" | head -n 60
			failed=$((failed + 1))
		fi
	done
}

# The lanes of tools/testing/matrix, a name a line (TUNPIN_LANES: a subset,
# in the matrix's order; an unknown name is an error).
lanes() {
	local all want l
	all=$(awk '!/^#/ && NF { print $1 }' "$TUNPIN_SRC/tools/testing/matrix")
	want=${TUNPIN_LANES:-$all}
	for l in $want; do
		grep -qxF "$l" <<<"$all" || die "no lane '$l' in tools/testing/matrix"
	done
	for l in $all; do
		[[ " $(echo $want) " = *" $l "* ]] && echo "$l"
	done
}

# lane_get LANE FIELD: arch, root, build or tests of a lane.
lane_get() {
	awk -v l="$1" -v f="$2" '
		!/^#/ && $1 == l {
			if (f == "arch") print $2
			else if (f == "root") print $3
			else if (f == "build") print $4
			else if (f == "tests") print $5
			found = 1
		}
		END { exit !found }' "$TUNPIN_SRC/tools/testing/matrix" ||
		die "no lane '$1' in tools/testing/matrix"
}

# debian_uri [security]: the Debian archive this machine's apt uses (its
# sources, one-line or deb822), for roots of other suites: the project
# names no mirror of its own.
debian_uri() {
	local want=${1:-main} f files=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 0
	cat "${files[@]}" |
		awk -v want="$want" '
		function pick(uri, suites) {
			sec = suites ~ /-security/
			if ((want == "security") == sec && !done) {
				print uri; done = 1
			}
		}
		/^deb / {
			line = $0; sub(/\[[^]]*\] */, "", line)
			split(line, w, " "); pick(w[2], w[3])
		}
		/^URIs:/ { uri = $2 }
		/^Suites:/ { $1 = ""; if (uri != "") pick(uri, $0) }
		/^$/ { uri = "" }'
}

# lane_root LANE: the lane's root directory (made if need be: vm/root.sh).
lane_root() {
	"$TUNPIN_SRC/tools/testing/vm/root.sh" "$(lane_get "$1" root)" \
		"$(lane_get "$1" arch)"
}

# build_root LANE: the root the lane's binaries are built in: the lane's
# own, or the root of the same suite of its build architecture.
build_root() {
	"$TUNPIN_SRC/tools/testing/vm/root.sh" "$(lane_get "$1" root)" \
		"$(lane_get "$1" build)"
}
