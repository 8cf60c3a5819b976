#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Virtio feature bits for the migration test (tools/testing/migrate):
#   features.py bits BITSTRING    the bits set in a guest's
#                                 /sys/class/net/eth0/device/features
#                                 (a character per bit, bit 0 first)
#   features.py refused FILE [BITSTRING]
#                                 from QEMU's "Features 0x... unsupported.
#                                 Allowed features: 0x..." line in FILE:
#                                 "line: " the line, "stream: 0x..." what
#                                 the guest negotiated (BITSTRING, the
#                                 guest's own view, else the line's), then
#                                 "bit: BIT NAME" for each bit of it the
#                                 destination does not allow (exit 1 if
#                                 there is no line). QEMU 11.1 prints the
#                                 features already masked with the
#                                 allowed ones, which hides the culprits:
#                                 hence BITSTRING.
#   features.py names BIT...      "BIT NAME", comma-separated, one line
# Bits print as numbers, one line each, with their name where known.
import re
import sys

NAMES = {
    0: "VIRTIO_NET_F_CSUM", 1: "VIRTIO_NET_F_GUEST_CSUM",
    2: "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS", 3: "VIRTIO_NET_F_MTU",
    5: "VIRTIO_NET_F_MAC", 7: "VIRTIO_NET_F_GUEST_TSO4", 8: "VIRTIO_NET_F_GUEST_TSO6",
    9: "VIRTIO_NET_F_GUEST_ECN", 10: "VIRTIO_NET_F_GUEST_UFO",
    11: "VIRTIO_NET_F_HOST_TSO4", 12: "VIRTIO_NET_F_HOST_TSO6",
    13: "VIRTIO_NET_F_HOST_ECN", 14: "VIRTIO_NET_F_HOST_UFO",
    15: "VIRTIO_NET_F_MRG_RXBUF", 16: "VIRTIO_NET_F_STATUS",
    17: "VIRTIO_NET_F_CTRL_VQ", 18: "VIRTIO_NET_F_CTRL_RX",
    19: "VIRTIO_NET_F_CTRL_VLAN", 20: "VIRTIO_NET_F_CTRL_RX_EXTRA",
    21: "VIRTIO_NET_F_GUEST_ANNOUNCE", 22: "VIRTIO_NET_F_MQ",
    23: "VIRTIO_NET_F_CTRL_MAC_ADDR", 24: "VIRTIO_F_NOTIFY_ON_EMPTY",
    27: "VIRTIO_F_ANY_LAYOUT",
    28: "VIRTIO_RING_F_INDIRECT_DESC", 29: "VIRTIO_RING_F_EVENT_IDX",
    32: "VIRTIO_F_VERSION_1", 33: "VIRTIO_F_ACCESS_PLATFORM",
    34: "VIRTIO_F_RING_PACKED", 35: "VIRTIO_F_IN_ORDER",
    36: "VIRTIO_F_ORDER_PLATFORM", 37: "VIRTIO_F_SR_IOV",
    38: "VIRTIO_F_NOTIFICATION_DATA", 39: "VIRTIO_F_NOTIF_CONFIG_DATA",
    40: "VIRTIO_F_RING_RESET", 41: "VIRTIO_F_ADMIN_VQ",
    46: "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_MAPPED",
    47: "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM_MAPPED",
    54: "VIRTIO_NET_F_GUEST_USO4", 55: "VIRTIO_NET_F_GUEST_USO6",
    56: "VIRTIO_NET_F_HOST_USO", 57: "VIRTIO_NET_F_HASH_REPORT",
    61: "VIRTIO_NET_F_RSC_EXT", 62: "VIRTIO_NET_F_STANDBY",
    65: "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO",
    66: "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM",
    67: "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO",
    68: "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM",
}
LINE = re.compile(r"Features 0x([0-9a-fA-F]+) unsupported\. "
                  r"Allowed features: 0x([0-9a-fA-F]+)")


def show(mask, prefix=""):
    b = 0
    while mask:
        if mask & 1:
            print(prefix + str(b), NAMES.get(b, "bit%d" % b))
        mask >>= 1
        b += 1


def value(bitstring):
    return sum(1 << i for i, c in enumerate(bitstring.strip()) if c == "1")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "names":
        print(", ".join("%s %s" % (b, NAMES.get(int(b), "bit" + b))
                        for b in sys.argv[2:]))
        return 0
    if sys.argv[1:2] == ["bits"] and len(sys.argv) == 3:
        show(value(sys.argv[2]))
        return 0
    if sys.argv[1:2] != ["refused"] or len(sys.argv) not in (3, 4):
        print("usage: features.py bits BITSTRING | refused FILE [BITSTRING]"
              " | names BIT...", file=sys.stderr)
        return 2
    with open(sys.argv[2], errors="replace") as f:
        for line in f:
            m = LINE.search(line)
            if m:
                stream = int(m.group(1), 16)
                if len(sys.argv) == 4 and sys.argv[3].strip():
                    stream = value(sys.argv[3])
                print("line:", line.strip())
                print("stream: 0x%x" % stream)
                show(stream & ~int(m.group(2), 16), "bit: ")
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
