#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# A minimal QMP client for the migration test (tools/testing/migrate):
#   qmp.py SOCKET COMMAND [ARGUMENTS-JSON]
# connects (waiting up to QMP_WAIT seconds, default 60, for the socket),
# negotiates capabilities, sends one command and prints its "return" as
# JSON on one line. An "error" reply is printed on stderr, exit 1. Events
# are skipped.
import json
import os
import socket
import sys
import time


def main():
    if len(sys.argv) < 3:
        print("usage: qmp.py SOCKET COMMAND [ARGUMENTS-JSON]", file=sys.stderr)
        return 2
    path, cmd = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + float(os.environ.get("QMP_WAIT", "60"))
    while True:
        try:
            s.connect(path)
            break
        except OSError:
            if time.monotonic() > deadline:
                print(f"qmp.py: cannot connect to {path}", file=sys.stderr)
                return 1
            time.sleep(0.2)
    s.settimeout(120)
    f = s.makefile("rw")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise EOFError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    reply()  # the greeting
    for c, a in (("qmp_capabilities", None), (cmd, args)):
        req = {"execute": c}
        if a is not None:
            req["arguments"] = a
        f.write(json.dumps(req) + "\n")
        f.flush()
        msg = reply()
        if "error" in msg:
            print(f"qmp.py: {c}: {msg['error'].get('desc', msg['error'])}",
                  file=sys.stderr)
            return 1
    print(json.dumps(msg.get("return")))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError, ValueError) as e:
        print(f"qmp.py: {e}", file=sys.stderr)
        sys.exit(1)
