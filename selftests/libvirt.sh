#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The release's own libvirt as the client: libvirtd (and virtlogd) started
# by hand in the VM (no systemd), system mode, QEMU as root without
# namespaces, cgroups or a security driver; one domain (TCG, no disk,
# started paused: QEMU -S) with a libvirt-managed tap, <interface
# type='ethernet'> with <model type='virtio'/> and <driver name='vhost'/>:
# libvirt creates the TAP and passes its fd, QEMU probes it. The domain is
# a KVM one where the VM can load kvm_amd or kvm_intel (nested on TCG's
# emulated SVM): only then does libvirt open /dev/vhost-net and pass QEMU
# a vhostfd, so vhost-net's features are in the offer too. What the guest
# is offered is read through `virsh qemu-monitor-command --hmp` as
# selftests/qemu.c reads it (the NIC's device_feature registers through
# the virtio PCI configuration access capability, PCI config space only).
# Expectations from the stock answers, taken first with tunpin unloaded:
# unpinned, the stock offer; pinned, the stock offer minus the features of
# each QEMU probe (ufo: csum|ufo; uso: csum|uso4|uso6; udp_tunnel:
# csum|tso4|udp_tunnel_gso) that asks for a capability outside the level,
# and, with vhost, minus the vhost-net features the level leaves out.
# Every level keeps the stock vhost-net set but the 6.1 one.
# The module is loaded unpinned by the caller; this test unloads it for
# the stock answers and leaves it loaded, unpinned. KTAP.
set -u
. "$(dirname "$0")/ktap.sh"

sys=/sys/kernel/tunpin
dom=tunpin-lv
uri=qemu:///system
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tunpin-libvirt.XXXXXX")
daemons=
trap 'cleanup' EXIT

cleanup() {
	virsh -c $uri destroy $dom >/dev/null 2>&1
	virsh -c $uri undefine $dom >/dev/null 2>&1
	local p
	for p in $daemons; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}

# The helper: the offer of the running domain (PCI config space through
# HMP, two batches of virsh commands), the expected offer under a level,
# feature names, and the stock kernel's answers.
lv_py='
import subprocess, sys

CAPS = ["csum", "tso4", "tso6", "tso_ecn", "ufo", "uso4", "uso6",
        "udp_tunnel_gso", "udp_tunnel_gso_csum"]
# vhost-net capabilities: virtio feature bit -> name (the uapi table).
VHOST = {15: "vhost_mrg_rxbuf", 24: "vhost_notify_on_empty",
         26: "vhost_log_all", 27: "vhost_any_layout",
         28: "vhost_indirect_desc", 29: "vhost_event_idx",
         32: "vhost_version_1", 33: "vhost_access_platform",
         35: "vhost_in_order", 40: "vhost_ring_reset",
         65: "vhost_guest_udp_tunnel_gso", 67: "vhost_host_udp_tunnel_gso"}
V61 = 0x33d008000	# VHOST_GET_FEATURES of Debian 6.1
GROUPS = [("ufo", 0x11, [10, 14]), ("uso", 0x61, [54, 55, 56]),
          ("udp_tunnel", 0x83, [65, 66, 67, 68])]
NAMES = {0: "CSUM", 1: "GUEST_CSUM", 7: "GUEST_TSO4", 8: "GUEST_TSO6",
         9: "GUEST_ECN", 10: "GUEST_UFO", 11: "HOST_TSO4", 12: "HOST_TSO6",
         13: "HOST_ECN", 14: "HOST_UFO", 40: "RING_RESET", 54: "GUEST_USO4",
         55: "GUEST_USO6", 56: "HOST_USO", 65: "GUEST_UDP_TUNNEL_GSO",
         66: "GUEST_UDP_TUNNEL_GSO_CSUM", 67: "HOST_UDP_TUNNEL_GSO",
         68: "HOST_UDP_TUNNEL_GSO_CSUM"}
NIC = 0x80000000 | (2 << 11)	# bus 0, slot 2: the XML address
FMT = {1: "b", 2: "h", 4: "w"}

def virsh(dom, cmds):
    batch = "".join("qemu-monitor-command --hmp %s %s\n" % (dom, repr(c))
                    for c in cmds)
    r = subprocess.run(["virsh", "-q", "-c", "qemu:///system"], input=batch,
                       capture_output=True, text=True, check=True)
    return [l.split("=", 1)[1] for l in r.stdout.splitlines() if "=" in l]

def offer(dom):
    cmds = []
    for reg in range(0, 256, 4):
        cmds += ["o /w 0xcf8 %#x" % (NIC | reg), "i /w 0xcfc"]
    cfg = b"".join(int(v, 16).to_bytes(4, "little") for v in virsh(dom, cmds))
    if len(cfg) != 256 or cfg[0:4] not in (bytes.fromhex("f41a0010"),
                                           bytes.fromhex("f41a4110")):
        sys.exit("no virtio-net at 00:02.0: %r" % cfg[0:4])
    cap, common, pcicap, n = cfg[0x34], None, None, 0
    while 0x40 <= cap < 0xff and n < 48:
        if cfg[cap] == 9 and cfg[cap + 3] == 1 and common is None:
            common = (cfg[cap + 4], int.from_bytes(cfg[cap + 8:cap + 12], "little"))
        if cfg[cap] == 9 and cfg[cap + 3] == 5:
            pcicap = cap
        cap, n = cfg[cap + 1], n + 1
    if common is None or pcicap is None:
        sys.exit("no common or PCI-access capability")
    def w(reg, size, val):
        return ["o /w 0xcf8 %#x" % (NIC | reg & ~3),
                "o /%s %#x %#x" % (FMT[size], 0xcfc + (reg & 3), val)]
    def access(off):
        return (w(pcicap + 4, 1, common[0]) + w(pcicap + 8, 4, common[1] + off)
                + w(pcicap + 12, 4, 4))
    cmds = []
    for sel in range(4):
        cmds += access(0) + w(pcicap + 16, 4, sel)	# device_feature_select
        cmds += access(4) + ["o /w 0xcf8 %#x" % (NIC | pcicap + 16),
                             "i /w 0xcfc"]	# device_feature
    words = [int(v, 16) for v in virsh(dom, cmds)]
    if len(words) != 4:
        sys.exit("device_feature: %r" % words)
    print(hex(sum(v << (32 * i) for i, v in enumerate(words))))

def expect(stock, level, vnative="0", vlevel="0"):
    f = int(stock, 0)
    for name, probe, feats in GROUPS:
        if probe & ~int(level, 0):
            for b in feats:
                f &= ~(1 << b)
    # With vhost, a feature vhost-net offers but the level lacks is gone.
    f &= ~(int(vnative, 0) & ~int(vlevel, 0))
    print(hex(f))

def names(f):
    f = int(f, 0)
    print(" ".join(NAMES.get(b, "bit%d" % b) for b in range(128) if f >> b & 1))

def stock():
    import fcntl, os, struct
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH22x", b"", 0x0002 | 0x1000 | 0x4000))
    def ok(bits):
        try:
            fcntl.ioctl(fd, 0x400454d0, bits)
            return True
        except OSError:
            return False
    native = 0
    for i, req in enumerate([0x1, 0x3, 0x5, 0xb, 0x11, 0x61, 0x61, 0x83, 0x183]):
        if ok(req):
            native |= 1 << i
    print(hex(native), " ".join(g[0] for g in GROUPS if ok(g[1])))

def vstock():
    # VHOST_GET_FEATURES, and word 1 from VHOST_GET_FEATURES_ARRAY
    import fcntl, os, struct
    fd = os.open("/dev/vhost-net", os.O_RDWR)
    b = bytearray(8)
    fcntl.ioctl(fd, 0x8008af00, b)
    f = struct.unpack("Q", b)[0]
    a = bytearray(struct.pack("3Q", 2, 0, 0))
    try:
        fcntl.ioctl(fd, 0x8008af83, a)
        f |= struct.unpack("3Q", a)[2] << 64
    except OSError:
        pass
    print(hex(f))

def level(bits, vbits="0"):
    print(" ".join([c for i, c in enumerate(CAPS) if int(bits, 0) >> i & 1] +
                   [n for b, n in sorted(VHOST.items())
                    if int(vbits, 0) >> b & 1]))

{"offer": offer, "expect": expect, "names": names, "stock": stock,
 "vstock": vstock, "level": level, "v61": lambda: print(hex(V61))}[
    sys.argv[1]](*sys.argv[2:])
'
lv() { python3 -c "$lv_py" "$@"; }

has() {		# has OFFER BIT: the feature is in the offer (128 bits)
	python3 -c 'import sys; sys.exit(not int(sys.argv[1], 0) >> int(sys.argv[2]) & 1)' \
		"$1" "$2"
}

last=
runv() {	# runv ARGS...: virsh's status in $rc, output in $out, $err
	last="virsh $*"
	virsh -c $uri "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(<"$tmp/out")
	err=$(<"$tmp/err")
}

qemu_of() {	# qemu_of: the domain's QEMU command line, one argument a line
	local pid
	pid=$(cat /run/libvirt/qemu/$dom.pid 2>/dev/null) || return 1
	tr '\0' '\n' <"/proc/$pid/cmdline"
}

# start_offer VAR: start the domain paused, its offer in VAR, destroy it;
# the time each of the three took.
start_offer() {
	local o t=("$EPOCHREALTIME")
	runv start --paused $dom
	check "virsh start --paused" [ $rc -eq 0 ] || return 1
	qemu_of >"$tmp/cmdline"
	t+=("$EPOCHREALTIME")
	last="the offer through virsh qemu-monitor-command --hmp"
	o=$(lv offer $dom 2>"$tmp/err")
	rc=$? out=$o err=$(<"$tmp/err")
	check "the offer read" [ $rc -eq 0 ] && [ -n "$o" ]
	t+=("$EPOCHREALTIME")
	runv destroy $dom
	check "virsh destroy" [ $rc -eq 0 ]
	t+=("$EPOCHREALTIME")
	LC_ALL=C awk -v a="${t[*]}" 'BEGIN { split(a, t, " ")
		printf "# start %.1f s, offer read %.1f s, destroy %.1f s\n",
			t[2] - t[1], t[3] - t[2], t[4] - t[3] }'
	printf -v "$1" %s "$o"
}

# pinned LEVELBITS [VHOSTBITS]: the offer under that level equals the stock
# offer minus the groups whose probe the level refuses, and with vhost
# minus the vhost-net features the level leaves out. VHOSTBITS: the virtio
# bits of the level's vhost-net part (default: the stock vhost-net set).
pinned() {
	local want got lvl vl=${2:-$vnative}
	lvl=$(lv level "$1" "$vl")
	echo "$lvl" >"$sys/level"
	check "pinned to '$lvl'" [ "$(cat $sys/level)" = "${lvl:-none}" ]
	start_offer got || return
	if [ "$vhost" = 1 ]; then
		want=$(lv expect "$stock" "$1" "$vnative" "$vl")
	else
		want=$(lv expect "$stock" "$1")
	fi
	got_last=$got
	echo "# pinned to '$lvl': $(lv names "$got")"
	check "the stock offer minus what '$lvl' removes" [ "$got" = "$want" ] ||
		echo "# want: $(lv names "$want")"
	refused_ufo=$(cat $sys/refused/ufo)
	echo unpinned >"$sys/level"
}

# --- tests -----------------------------------------------------------------

t_daemon() {		# libvirtd started by hand, system mode
	mkdir -p /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu \
		 /var/cache/libvirt/qemu
	# QEMU as root, nothing the VM lacks (namespaces, cgroup
	# controllers, a security driver); its output to a file.
	cat >/etc/libvirt/qemu.conf <<-EOF
	user = "root"
	group = "root"
	dynamic_ownership = 0
	remember_owner = 0
	namespaces = [ ]
	cgroup_controllers = [ ]
	security_driver = "none"
	stdio_handler = "file"
	EOF
	# libvirt resolves its built-in QEMU user (Debian's libvirt-qemu)
	# before it reads qemu.conf; the package's postinst, which creates
	# it, never ran in the lane's root.
	if ! getent passwd libvirt-qemu >/dev/null; then
		getent group libvirt-qemu >/dev/null ||
			groupadd -r libvirt-qemu
		useradd -r -g libvirt-qemu -d /var/lib/libvirt \
			-s /usr/sbin/nologin libvirt-qemu
		check "the user libvirt-qemu" getent passwd libvirt-qemu >/dev/null
		echo "# added the user libvirt-qemu (the root has none)"
	fi
	# In the foreground, in the background: their pids, their logs.
	virtlogd >"$tmp/virtlogd.log" 2>&1 &
	daemons+=" $!"
	libvirtd >"$tmp/libvirtd.log" 2>&1 &
	daemons+=" $!"
	local i
	for i in $(seq 60); do
		virsh -c $uri version >/dev/null 2>&1 && break
		sleep 1
	done
	runv version
	check "virsh version" [ $rc -eq 0 ] || {
		grep -v ' info \| warning ' "$tmp/libvirtd.log" | tail -n 20 |
			sed 's/^/#     libvirtd: /'
		return
	}
	echo "$out" | sed 's/^/# /'
}

vhost=0 vnative=0
t_define() {		# a domain with a libvirt-managed tap, vhost asked for
	local type=qemu
	# libvirt opens /dev/vhost-net for KVM domains only
	# (qemuInterfaceOpenVhostNet): nested KVM where the VM can.
	modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
	if [ -c /dev/kvm ]; then
		type=kvm vhost=1
		vnative=$(lv vstock)
		echo "# /dev/kvm: a KVM domain, vhost-net's stock set $vnative"
	fi
	cat >"$tmp/dom.xml" <<-EOF
	<domain type='$type'>
	  <name>$dom</name>
	  <memory unit='MiB'>64</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='q35'>hvm</type></os>
	  <devices>
	    <emulator>$(command -v qemu-system-x86_64)</emulator>
	    <interface type='ethernet'>
	      <target dev='tplv0'/>
	      <model type='virtio'/>
	      <driver name='vhost'/>
	      <rom enabled='no'/>
	      <address type='pci' domain='0' bus='0' slot='2' function='0'/>
	    </interface>
	    <memballoon model='none'/>
	  </devices>
	</domain>
	EOF
	runv define "$tmp/dom.xml"
	check "virsh define" [ $rc -eq 0 ]
}

stock=
t_stock() {		# tunpin unloaded: the stock offer, as the kernel's answers say
	local native probes g
	check "unload tunpin" rmmod tunpin || return
	read -r native probes < <(lv stock)
	echo "# stock kernel: native '$(lv level "$native")'; QEMU's probes accepted: $probes"
	start_offer stock
	check "insmod tunpin" insmod "$TUNPIN_KO"
	[ -n "$stock" ] || return
	echo "# stock offer: $(lv names "$stock")"
	check "a libvirt-managed tap: QEMU got its fd" \
		grep -q '"type":"tap","fd":\|^tap,fd=' "$tmp/cmdline"
	check "HOST_TSO4 offered" has "$stock" 11
	check "HOST_UFO offered (every kernel since 4.15)" has "$stock" 14
	# The groups a QEMU probes show iff the kernel accepts the probe;
	# an older QEMU does not know the later ones (USO 8.2, tunnel 10.2).
	for g in uso:56 udp_tunnel:67; do
		if ! [[ " $probes " = *" ${g%:*} "* ]]; then
			check "no ${g%:*} features: the stock kernel refuses the probe" \
				not has "$stock" "${g#*:}"
		fi
	done
}

t_vhost() {		# <driver name='vhost'/>: does QEMU get a vhost fd?
	check "QEMU's command line" [ -s "$tmp/cmdline" ] || return
	if [ "$vhost" = 1 ]; then
		check "vhostfd passed" grep -q 'vhostfd\|"vhost":true' "$tmp/cmdline"
	else
		todo="libvirt opens /dev/vhost-net only for KVM domains (qemuInterfaceOpenVhostNet); this VM cannot load kvm_amd or kvm_intel: this is vhost=off"
	fi
}

t_unpinned() {		# unpinned: exactly the stock offer
	local got
	[ -n "$stock" ] || { check "a stock offer" false; return; }
	check "unpinned" [ "$(cat $sys/level)" = unpinned ]
	start_offer got || return
	check "the stock offer" [ "$got" = "$stock" ] ||
		echo "# got: $(lv names "$got")"
}

t_native() {		# pinned to the native set: the stock offer
	[ -n "$stock" ] || { check "a stock offer" false; return; }
	pinned "$(lv stock | cut -d' ' -f1)"
}

t_linux_6_1() {		# pinned to linux-6.1 (the floor and ufo; 6.1's vhost-net)
	[ -n "$stock" ] || { check "a stock offer" false; return; }
	pinned 0x1f "$(lv v61)"
	if [ "$vhost" = 1 ]; then
		check "no RING_RESET (bit 40) with vhost" not has "$got_last" 40
		check "no IN_ORDER (bit 35) with vhost" not has "$got_last" 35
	fi
}

t_floor() {		# pinned to the floor: no UFO, USO or tunnel; TSO stays
	local r0
	[ -n "$stock" ] || { check "a stock offer" false; return; }
	r0=$(cat $sys/refused/ufo)
	pinned 0xf
	check "refused/ufo counted" [ "$refused_ufo" -gt "$r0" ]
}

not() { ! "$@"; }

tests=(t_daemon t_define t_stock t_vhost t_unpinned t_native t_linux_6_1
       t_floor)

ktap_main
