#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate tunpin's JSON documents against Documentation/schema/.

Usage: schema.py SCHEMADIR KIND FILE...   each FILE a document of KIND
       schema.py SCHEMADIR --dir DIR      every DIR/*.KIND.json
       schema.py SCHEMADIR --keys         every member name the schemas know
       schema.py SCHEMADIR --capabilities the capability names of each schema

KIND is dump, level or state (DIR/KIND.schema.json), or cmd-NAME: the -j
output of the command NAME ($defs/NAME of commands.schema.json; monitor's
is a document a line). Prints one line per document that does not
validate, then "N valid, N invalid"; exits 1 if any is invalid, 2 on
trouble (a schema that is not one, a file that is not JSON).
"""
import glob
import json
import os
import sys

import jsonschema

FILES = ("dump", "level", "state", "commands")


def load_schemas(d):
    schemas = {}
    for name in FILES:
        with open(os.path.join(d, name + ".schema.json")) as f:
            s = json.load(f)
        jsonschema.Draft202012Validator.check_schema(s)
        schemas[name] = s
    return schemas


def validator(schemas, kind):
    if kind.startswith("cmd-"):
        s = dict(schemas["commands"])
        name = kind[len("cmd-"):]
        if name not in s["$defs"]:
            raise KeyError("no schema for the command " + name)
        s["$ref"] = "#/$defs/" + name
    else:
        s = schemas[kind]
    return jsonschema.Draft202012Validator(s)


def documents(kind, path):
    with open(path) as f:
        text = f.read()
    if kind == "cmd-monitor":
        return [json.loads(line) for line in text.splitlines() if line]
    return [json.loads(text)]


def keys(s, out):
    if isinstance(s, dict):
        for k, v in s.items():
            if k == "properties":
                out.update(v)
            keys(v, out)
    elif isinstance(s, list):
        for v in s:
            keys(v, out)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schemas = load_schemas(argv[1])
    if argv[2] == "--keys":
        out = set()
        keys(schemas, out)
        print("\n".join(sorted(out)))
        return 0
    if argv[2] == "--capabilities":
        for name, s in schemas.items():
            print(name, " ".join(s["$defs"]["capability"]["enum"]))
        return 0
    if argv[2] == "--dir":
        work = []
        for path in sorted(glob.glob(os.path.join(argv[3], "*.json"))):
            work.append((path.rsplit(".", 2)[-2], path))
    else:
        work = [(argv[2], path) for path in argv[3:]]
    valid = invalid = 0
    for kind, path in work:
        v = validator(schemas, kind)
        for i, doc in enumerate(documents(kind, path)):
            errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
            if errors:
                invalid += 1
                e = errors[0]
                where = "/".join(str(p) for p in e.absolute_path)
                print("%s%s: not a valid %s: at /%s: %s" %
                      (path, "" if i == 0 else " (document %d)" % (i + 1),
                       kind, where, e.message[:200]))
            else:
                valid += 1
    print("%d valid, %d invalid" % (valid, invalid))
    return 1 if invalid else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, KeyError,
            jsonschema.exceptions.SchemaError) as e:
        print("schema.py: %s" % e, file=sys.stderr)
        sys.exit(2)
