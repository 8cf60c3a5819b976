#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Prove Documentation/netlink/specs/tunpin.yaml true with a client the
project did not write: pyroute2 message classes built from the spec alone
(attribute numbers and types, command numbers), then every operation and
the errors the contract promises. Runs as root in the test VM with tunpin
loaded by the caller; loads nothing. KTAP on stdout, exit 1 on any failure.
Leaves the host level unpinned with no name, and no override or cgroup.
"""
import errno
import fcntl
import os
import select
import struct
import sys
import time

import yaml
from pyroute2.netlink import (NLA_F_NESTED, NLM_F_ACK, NLM_F_DUMP,
                              NLM_F_REQUEST, genlmsg, nla)
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.generic import GenericNetlinkSocket

SRC = os.environ.get('TUNPIN_SRC',
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
SPEC_PATH = os.path.join(SRC, 'Documentation/netlink/specs/tunpin.yaml')
SYS = '/sys/kernel/tunpin'
CGROUP = '/tunpin-spec-test'
CGROUP_DIR = '/sys/fs/cgroup' + CGROUP
NLA_TYPES = {'u32': 'uint32', 'u64': 'uint64', 'string': 'asciiz',
             'flag': 'flag', 'pad': 'none'}
TUNSETIFF, TUNSETOFFLOAD = 0x400454ca, 0x400454d0
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000


def msg_class(spec, set_name, base=genlmsg, retype=None, extra=()):
    """A pyroute2 message (or nest) class for one attribute-set of the
    spec. retype {attribute: pyroute2 type} and extra (nla_map entries)
    build deliberately malformed requests."""
    sets = {s['name']: s for s in spec['attribute-sets']}
    body, nla_map, value = {'__slots__': ()}, [], 1
    for a in sets[set_name]['attributes']:
        value = a.get('value', value)
        kind = (retype or {}).get(a['name'])
        if kind is None and a['type'] == 'nest':
            kind = 'nest_' + a['nested-attributes'].replace('-', '_')
            body[kind] = msg_class(spec, a['nested-attributes'], nla)
            nla_map.append((value, a['name'], kind, NLA_F_NESTED))
        else:
            nla_map.append((value, a['name'], kind or NLA_TYPES[a['type']]))
        value += 1
    body['nla_map'] = tuple(nla_map) + tuple(extra)
    return type(f'{spec["name"]}_{set_name}', (base,), body)


class Family:
    """The spec, and pyroute2 sockets speaking it."""

    def __init__(self, path):
        with open(path) as f:
            self.spec = yaml.safe_load(f)
        self.name = self.spec['name']
        self.msg = msg_class(self.spec, self.name)
        self.cmd, value = {}, 1
        for op in self.spec['operations']['list']:
            value = op.get('value', value)
            self.cmd[op['name']] = value
            value += 1
        cap = next(d for d in self.spec['definitions'] if d['name'] == 'cap')
        # (sysfs name, bit) in table order; flags entries are bit numbers
        self.caps, bit = [], cap.get('value-start', 0)
        for e in cap['entries']:
            e = e if isinstance(e, dict) else {'name': e}
            bit = e.get('value', bit)
            self.caps.append((e['name'].replace('-', '_'), 1 << bit))
            bit += 1
        self.seq = 1000

    def socket(self, group=None):
        global OLD_PYROUTE2
        try:
            sock = GenericNetlinkSocket(ext_ack=True)
        except TypeError:
            # pyroute2 before 0.6 (bullseye's 0.5.14): no ext_ack
            # argument; ask the kernel for extack ourselves.
            OLD_PYROUTE2 = True
            sock = GenericNetlinkSocket()
            sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        sock.bind(self.name, self.msg)
        if group:
            sock.add_membership(group)
        return sock

    def request(self, sock, op, attrs=(), dump=False, cls=None):
        """Send op, return the reply messages; NetlinkError on failure
        (its args[1] is the extack message, else strerror)."""
        msg = (cls or self.msg)()
        msg['cmd'] = self.cmd[op]
        msg['version'] = 1
        msg['attrs'] = list(attrs)
        self.seq += 1
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        sock.put(msg, sock.prid, flags, msg_seq=self.seq)
        return [m for m in sock.get(msg_seq=self.seq)
                if m['header']['type'] == sock.prid]

    def names(self, caps):
        return ' '.join(n for n, bit in self.caps if caps & bit) or 'none'


def sysfs(name):
    with open(f'{SYS}/{name}') as f:
        return f.read().strip()


def level_sysfs():
    return sysfs('level'), sysfs('level_name')


def expect_error(code, fn, *args, **kwargs):
    """fn must fail with code (or one of the codes); returns the error."""
    codes = code if isinstance(code, tuple) else (code,)
    try:
        fn(*args, **kwargs)
    except NetlinkError as e:
        assert e.code in codes, f'errno {e.code} ({e.args[1]}), want {codes}'
        return e
    raise AssertionError(f'succeeded, want errno {codes}')


SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
OLD_PYROUTE2 = False


class Todo(Exception):
    """A known gap of the client, not of tunpin: KTAP # TODO."""


def has_extack(e):
    if e.args[1] and e.args[1] != os.strerror(e.code):
        return True
    if OLD_PYROUTE2:
        raise Todo('this pyroute2 (before 0.6) does not report the '
                   'kernel\'s extack message')
    return False


def drain(sock):
    """Drop what events are already queued."""
    while select.select([sock], [], [], 0)[0]:
        sock.recv(65536)


def wait_event(sock, cmd, timeout=3.0):
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return None
        for m in sock.marshal.parse(sock.recv(65536)):
            if m['header']['type'] == sock.prid and m['cmd'] == cmd:
                return m


def open_tap():
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH22x', b'', IFF_TAP | IFF_NO_PI))
    return fd


class Tests:
    def __init__(self, fam):
        self.fam = fam
        self.sock = fam.socket()
        self.events = fam.socket('events')
        self.tap = None
        with open('/proc/self/comm') as f:
            self.comm = f.read().strip()

    def req(self, op, attrs=(), **kwargs):
        return self.fam.request(self.sock, op, attrs, **kwargs)

    def check_level(self, caps, name):
        """The level in force, through netlink and sysfs."""
        (m,) = self.req('level-get')
        unpinned = caps is None
        assert bool(m.get_attr('unpinned')) == unpinned, 'unpinned flag'
        assert m.get_attr('caps') == (0 if unpinned else caps), \
            f'caps {m.get_attr("caps"):#x}'
        assert m.get_attr('name') == name, f'name {m.get_attr("name")!r}'
        assert m.get_attr('known') == sum(b for _, b in self.fam.caps), 'known'
        want = 'unpinned' if unpinned else self.fam.names(caps)
        assert level_sysfs() == (want, name), f'sysfs {level_sysfs()}'

    def unchanged(self, op, attrs, codes, cls=None, extack=True):
        """A malformed request fails with codes and changes nothing."""
        before = level_sysfs()
        e = expect_error(codes, self.req, op, attrs, cls=cls)
        assert not extack or has_extack(e), f'no extack message: {e.args}'
        assert level_sysfs() == before, f'level changed: {level_sysfs()}'

    # Each test_* runs in this order; a docstring line is its description.
    def test_family(self):
        """the spec's family and mcast group resolve"""
        assert 'events' in self.sock.mcast_groups, self.sock.mcast_groups

    def test_level_get(self):
        """level-get matches sysfs; the spec's capability names are known"""
        (m,) = self.req('level-get')
        assert m['cmd'] == self.fam.cmd['level-get'], m['cmd']
        assert sysfs('known') == ' '.join(n for n, _ in self.fam.caps)
        level, name = level_sysfs()
        unpinned = level == 'unpinned'
        caps = None if unpinned else m.get_attr('caps')
        self.check_level(caps, name)

    def test_level_set(self):
        """level-set with caps and name takes effect"""
        self.req('level-set', [('caps', 0x7), ('name', 'spec-test.1')])
        self.check_level(0x7, 'spec-test.1')

    def test_level_ntf(self):
        """level-set announces level-ntf to events"""
        drain(self.events)
        self.req('level-set', [('caps', 0x3), ('name', 'spec:ntf@2')])
        m = wait_event(self.events, self.fam.cmd['level-ntf'])
        assert m, 'no level-ntf'
        got = {k: m.get_attr(k) for k in
               ('caps', 'unpinned', 'name', 'known', 'pid', 'comm')}
        want = {'caps': 0x3, 'unpinned': None, 'name': 'spec:ntf@2',
                'known': sum(b for _, b in self.fam.caps),
                'pid': os.getpid(), 'comm': self.comm}
        assert got == want, got
        self.check_level(0x3, 'spec:ntf@2')

    def test_counters(self):
        """counters-get: one nest per capability, then unknown; = sysfs"""
        (m,) = self.req('counters-get')
        nests = m.get_attrs('counter')
        want = [(n, b) for n, b in self.fam.caps] + [('unknown', 0)]
        assert [c.get_attr('cap') for c in nests] == [b for _, b in want]
        for c, (n, _) in zip(nests, want):
            for k in ('requested', 'refused'):
                assert c.get_attr(k) == int(sysfs(f'{k}/{n}')), f'{k}/{n}'
        assert m.get_attr('refused-ioctls') == int(sysfs('refused/ioctls'))

    def test_unknown_bit(self):
        """level-set with an unknown capability bit: EINVAL, unchanged"""
        outside = sum(b for _, b in self.fam.caps) + 1
        self.unchanged('level-set', [('caps', outside | 0x1)], errno.EINVAL)

    def test_long_name(self):
        """level-set with a 64-character name: error, unchanged"""
        self.unchanged('level-set', [('caps', 0x1), ('name', 'n' * 64)],
                       (errno.EINVAL, errno.ERANGE))

    def test_name_charset(self):
        """level-set with a name outside the charset: EINVAL, unchanged"""
        self.unchanged('level-set', [('caps', 0x1), ('name', 'a b')],
                       errno.EINVAL)

    def test_no_level(self):
        """level-set with neither caps nor unpinned: EINVAL, unchanged"""
        self.unchanged('level-set', [('name', 'x')], errno.EINVAL)

    def test_both(self):
        """level-set with both caps and unpinned: EINVAL, unchanged"""
        self.unchanged('level-set', [('caps', 0x1), ('unpinned', True)],
                       errno.EINVAL)

    def test_wrong_length(self):
        """level-set with a 2-byte caps: EINVAL, unchanged"""
        cls = msg_class(self.fam.spec, 'tunpin', retype={'caps': 'uint16'})
        self.unchanged('level-set', [('caps', 0x1)], errno.EINVAL, cls)

    def test_unknown_attr(self):
        """level-set with an attribute the spec lacks: EINVAL, unchanged"""
        bogus = max(e[0] for e in self.fam.msg.nla_map) + 1
        cls = msg_class(self.fam.spec, 'tunpin', extra=[(bogus, 'bogus', 'uint32')])
        self.unchanged('level-set', [('caps', 0x1), ('bogus', 1)],
                       errno.EINVAL, cls)

    def test_override_add(self):
        """override-add on a new cgroup"""
        os.makedirs(CGROUP_DIR, exist_ok=True)
        self.req('override-add', [('cgroup', CGROUP), ('caps', 0x1),
                                  ('name', 'spec-cg')])

    def test_override_get(self):
        """override-get dump shows it"""
        got = [{k: m.get_attr(k) for k in ('cgroup', 'caps', 'unpinned', 'name')}
               for m in self.req('override-get', dump=True)]
        want = {'cgroup': CGROUP, 'caps': 0x1, 'unpinned': None, 'name': 'spec-cg'}
        assert want in got, got

    def test_override_dup(self):
        """override-add again: EEXIST"""
        expect_error(errno.EEXIST, self.req, 'override-add',
                     [('cgroup', CGROUP), ('unpinned', True)])

    def test_override_nocg(self):
        """override-add on a missing cgroup: ENOENT with a message"""
        e = expect_error(errno.ENOENT, self.req, 'override-add',
                         [('cgroup', CGROUP + '-missing'), ('caps', 0x1)])
        assert has_extack(e), e.args

    def test_override_del(self):
        """override-del removes it from the dump"""
        self.req('override-del', [('cgroup', CGROUP)])
        got = [m.get_attr('cgroup') for m in self.req('override-get', dump=True)]
        assert CGROUP not in got, got

    def test_override_del_again(self):
        """override-del again: ENOENT"""
        expect_error(errno.ENOENT, self.req, 'override-del', [('cgroup', CGROUP)])

    def test_tap_get(self):
        """tap-get dump shows a TAP after an accepted TUNSETOFFLOAD"""
        self.tap = open_tap()
        fcntl.ioctl(self.tap, TUNSETOFFLOAD, 0x1)
        got = [{k: m.get_attr(k) for k in
                ('pid', 'comm', 'active', 'offered', 'exempt', 'override')}
               for m in self.req('tap-get', dump=True)]
        want = {'pid': os.getpid(), 'comm': self.comm, 'active': 0x1,
                'offered': 0x1, 'exempt': None, 'override': None}
        assert want in got, got

    def test_refused_ntf(self):
        """a refused TUNSETOFFLOAD announces refused-ntf"""
        for attempt in range(2):    # the kernel rate-limits: 10 per 5 s
            if attempt:
                time.sleep(5.5)
            drain(self.events)
            try:
                fcntl.ioctl(self.tap, TUNSETOFFLOAD, 0x5)
                raise AssertionError('tso6 accepted outside the level')
            except OSError as e:
                assert e.errno == errno.EINVAL, e
            m = wait_event(self.events, self.fam.cmd['refused-ntf'])
            if m:
                break
        assert m, 'no refused-ntf'
        got = {k: m.get_attr(k) for k in ('pid', 'comm', 'ioctl', 'caps')}
        want = {'pid': os.getpid(), 'comm': self.comm,
                'ioctl': TUNSETOFFLOAD, 'caps': 0x4}
        assert got == want, got

    def test_lowering(self):
        """level-set below an open TAP's offer: EBUSY naming it, unchanged"""
        e = expect_error(errno.EBUSY, self.req, 'level-set', [('caps', 0x2)])
        if not has_extack(e):
            raise AssertionError(f'no extack message: {e.args}')
        assert 'csum' in e.args[1] and str(os.getpid()) in e.args[1], e.args
        self.check_level(0x3, 'spec:ntf@2')

    def test_force(self):
        """level-set with force lowers it anyway"""
        self.req('level-set', [('caps', 0x0), ('force', True)])
        self.check_level(0x0, '')

    def test_unprivileged(self):
        """as nobody: level-get works, level-set and tap-get EPERM"""
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                sock = self.fam.socket()
                self.fam.request(sock, 'level-get')
                expect_error(errno.EPERM, self.fam.request, sock, 'level-set',
                             [('unpinned', True)])
                expect_error(errno.EPERM, self.fam.request, sock, 'tap-get',
                             dump=True)
                code = 0
            except BaseException as e:  # reported through the exit code
                print(f'# child: {e!r}', flush=True)
            os._exit(code)
        assert os.waitpid(pid, 0)[1] == 0, 'see the child line above'

    def test_restore(self):
        """level-set unpinned restores the stock behaviour"""
        if self.tap is not None:
            os.close(self.tap)
            self.tap = None
        self.req('level-set', [('unpinned', True)])
        self.check_level(None, '')

    def cleanup(self):
        if self.tap is not None:
            os.close(self.tap)
        for op, attrs in (('override-del', [('cgroup', CGROUP)]),
                          ('level-set', [('unpinned', True)])):
            try:
                self.req(op, attrs)
            except NetlinkError:
                pass
        if os.path.isdir(CGROUP_DIR):
            os.rmdir(CGROUP_DIR)


def main():
    tests = [getattr(Tests, n) for n in Tests.__dict__ if n.startswith('test_')]
    print('TAP version 13')
    print(f'1..{len(tests)}')
    if not os.path.isdir(SYS):
        print(f'# {SYS} is missing: load tunpin first')
    passed = failed = todo = 0
    try:
        t = Tests(Family(SPEC_PATH))
    except Exception as e:
        print(f'# setup: {e!r}')
        t = None
    for k, fn in enumerate(tests, 1):
        desc = fn.__doc__.strip()
        try:
            if t is None:
                raise RuntimeError('no setup')
            fn(t)
            passed += 1
            print(f'ok {k} {desc}')
        except Todo as e:
            todo += 1
            print(f'not ok {k} {desc} # TODO {e}')
        except Exception as e:
            failed += 1
            print(f'# {fn.__name__}: {e!r}')
            print(f'not ok {k} {desc}')
        sys.stdout.flush()
    if t is not None:
        t.cleanup()
    if todo:
        print(f'# todo: {todo}')
    print(f'# Totals: pass:{passed} fail:{failed} xfail:0 xpass:0 skip:0 error:0')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
