#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check the netlink spec: valid against the kernel's genetlink schema, and
every name and value in it the same as in the uapi header, both ways.

Usage: spec-check.py [SPEC [HEADER [SCHEMA]]]  (defaults: this tree's)
Prints "spec-check: N checks ok", or each mismatch and exits 1.
"""
import os
import re
import sys

import jsonschema
import yaml

TOP = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
SPEC = os.path.join(TOP, 'Documentation/netlink/specs/tunpin.yaml')
HEADER = os.path.join(TOP, 'include/uapi/linux/tunpin.h')
SPDX = ('# SPDX-License-Identifier: '
        '((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)')

checks = 0
failures = []
covered = []    # the header enums the spec describes


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)


def c_name(*parts):
    return ''.join(parts).upper().replace('-', '_')


def parse_header(path):
    """The header's enumerators and #defines: ({name: value}, [names per
    enum]) and {name: value}; enum values follow C's rules."""
    text = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    values, enums = {}, []
    for body in re.findall(r'\benum\s*\w*\s*\{(.*?)\}\s*;', text, re.S):
        names, val = [], -1
        for item in filter(None, (i.strip() for i in body.split(','))):
            name, _, expr = (s.strip() for s in item.partition('='))
            if expr:
                expr = re.sub(r'\b[A-Za-z_]\w*\b',
                              lambda m: str(values[m.group(0)]), expr)
                val = eval(expr, {'__builtins__': {}})  # ints, names, - 1
            else:
                val += 1
            values[name] = val
            names.append(name)
        enums.append(names)
    defines = {}
    for name, val in re.findall(r'^#define\s+(\w+)\s+(\S.*?)\s*$', text, re.M):
        if re.fullmatch(r'"[^"]*"', val):
            defines[name] = val[1:-1]
        elif re.fullmatch(r'0[xX][0-9a-fA-F]+|\d+', val):
            defines[name] = int(val, 0)
    return values, enums, defines


def check_enum(what, expected, values, enums, prefix):
    """expected: {C name: value} from the spec. The header enum holding
    them must hold exactly them (besides UNSPEC and the MAX markers)."""
    for name, val in expected.items():
        check(values.get(name) == val,
              f'{what}: spec has {name} = {val}, header {values.get(name)}')
    enum = next((e for e in enums if set(expected) & set(e)), [])
    covered.append(enum)
    extra = [n for n in enum if n not in expected and
             n not in (prefix + 'UNSPEC', prefix + 'MAX', '__' + prefix + 'MAX')]
    check(not extra, f'{what}: header has {extra}, the spec does not')
    if prefix + 'MAX' in values:
        check(values[prefix + 'MAX'] == max(expected.values()),
              f'{what}: {prefix}MAX is {values[prefix + "MAX"]}, '
              f'spec max {max(expected.values())}')


def main(argv):
    spec_path = argv[1] if len(argv) > 1 else SPEC
    header_path = argv[2] if len(argv) > 2 else HEADER
    with open(spec_path) as f:
        first = f.readline().rstrip('\n')
        f.seek(0)
        spec = yaml.safe_load(f)
    proto = spec.get('protocol', 'genetlink')
    schema_path = argv[3] if len(argv) > 3 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(spec_path))),
        proto + '.yaml')
    with open(schema_path) as f:
        schema = yaml.safe_load(f)
    values, enums, defines = parse_header(header_path)
    fam = spec['name']

    check(first == SPDX, f'first line is not the SPDX tag: {first!r}')
    errors = ['schema: /%s: %s' % ('/'.join(map(str, e.absolute_path)),
                                   e.message)
              for e in jsonschema.Draft7Validator(schema).iter_errors(spec)]
    check(not errors, '\n'.join(errors))

    check(defines.get(c_name(fam, '-genl-name')) == fam,
          f'family name {fam!r} is not {c_name(fam, "-genl-name")}')
    check(defines.get(c_name(fam, '-genl-version')) == 1,
          'genetlink specs are version 1')
    check(spec.get('uapi-header') == f'linux/{fam}.h',
          f'uapi-header is not linux/{fam}.h')

    consts = {d['name']: d for d in spec.get('definitions', [])}
    for d in consts.values():
        if d['type'] == 'const':
            name = c_name(fam, '-', d['name'])
            check(defines.get(name) == d['value'],
                  f'const {name}: spec {d["value"]}, header {defines.get(name)}')
            continue
        prefix = c_name(fam, '-', d['name'], '-')
        expected, val = {}, d.get('value-start', 0)
        for e in d['entries']:
            e = e if isinstance(e, dict) else {'name': e}
            val = e.get('value', val)
            expected[prefix + c_name(e['name'])] = \
                1 << val if d['type'] == 'flags' else val
            val += 1
        check_enum(f'{d["type"]} {d["name"]}', expected, values, enums, prefix)
        order = [n for n in next((e for e in enums if set(expected) & set(e)), [])
                 if n in expected]
        check(order == list(expected), f'{d["name"]}: order differs')

    sets = {s['name']: s for s in spec['attribute-sets']}
    for s in sets.values():
        default = f'{fam}-a-' if s['name'] == fam else f'{fam}-a-{s["name"]}-'
        prefix = c_name(s.get('name-prefix', default))
        expected, val = {}, 1
        for a in s['attributes']:
            val = a.get('value', val)
            expected[prefix + c_name(a['name'])] = val
            val += 1
            if a['type'] == 'nest':
                check(a.get('nested-attributes') in sets,
                      f'{a["name"]}: no attribute-set {a.get("nested-attributes")}')
            if a['type'] == 'u64':
                check(any(b['type'] == 'pad' for b in s['attributes']),
                      f'{s["name"]}: u64 {a["name"]} without a pad attribute')
            mask = a.get('checks', {}).get('flags-mask')
            if mask:
                check(consts.get(mask, {}).get('type') == 'flags',
                      f'{a["name"]}: flags-mask {mask} is not a flags definition')
        check_enum(f'attribute-set {s["name"]}', expected, values, enums, prefix)

    groups = [g['name'] for g in spec.get('mcast-groups', {}).get('list', [])]
    for g in groups:
        name = c_name(fam, '-mcgrp-', g)
        check(defines.get(name) == g, f'mcast group {g}: {name} differs')

    ops = spec['operations']
    prefix = c_name(ops.get('name-prefix', f'{fam}-cmd-'))
    expected, val = {}, 1
    for op in ops['list']:
        val = op.get('value', val)
        expected[prefix + c_name(op['name'])] = val
        val += 1
        attrs = sets.get(op.get('attribute-set'), {'attributes': []})
        known = {a['name'] for a in attrs['attributes']}
        for mode in ('do', 'dump'):
            for part in ('request', 'reply'):
                used = op.get(mode, {}).get(part, {}).get('attributes', [])
                check(set(used) <= known,
                      f'op {op["name"]}: {mode} {part}: unknown {set(used) - known}')
        used = op.get('event', {}).get('attributes', [])
        check(set(used) <= known,
              f'op {op["name"]}: event: unknown {set(used) - known}')
        if 'event' in op or 'notify' in op:
            check(op.get('mcgrp') in groups,
                  f'op {op["name"]}: no mcast group {op.get("mcgrp")}')
    check_enum('operations', expected, values, enums, prefix)
    for e in enums:
        check(e in covered, f'header enum {{ {e[0]}, ... }} is not in the spec')

    for f in failures:
        print(f'spec-check: {f}', file=sys.stderr)
    if failures:
        print(f'spec-check: {len(failures)} of {checks} checks failed')
        return 1
    print(f'spec-check: {checks} checks ok')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
