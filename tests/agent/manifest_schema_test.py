#!/usr/bin/env python3
"""docs/manifest.schema.json agrees with the manifest parser (src/agent/manifest.cc).

  manifest_schema_test.py OUTPOST DOCS_DIR WORK_DIR

1. The schema is valid draft 2020-12, and every JSON example in docs/manifest.md that is a
   manifest passes both the schema and `outpost manifest check`.
2. Every field the schema names is one the parser reads: each is given a value of the wrong
   type in an example that has it, and both the schema and the parser refuse that, the parser
   naming the field's path. A field the examples never use fails the test (the docs must show
   every field).
3. Each object's fields are the same set in both: the parser's "unknown field" error lists the
   fields it takes, which must be the schema's properties of that object.
Exit code 77 (skipped): no jsonschema module (Debian's python3-jsonschema, in scripts/setup).
"""
import copy
import json
import os
import re
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("skipping: no python3 jsonschema module (apt-get install python3-jsonschema)")
    sys.exit(77)

outpost, docs, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
schema = json.load(open(os.path.join(docs, "manifest.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []


def check(manifest, name):
    """(exit code, stderr) of `outpost manifest check` on `manifest` (an object, or raw text)."""
    path = os.path.join(work, name + ".json")
    with open(path, "w") as f:
        f.write(manifest if isinstance(manifest, str) else json.dumps(manifest, indent=1))
    r = subprocess.run([outpost, "manifest", "check", path], capture_output=True, text=True)
    return r.returncode, r.stderr


def schema_ok(manifest):
    return validator.is_valid(manifest)


# 1. The examples.
text = open(os.path.join(docs, "manifest.md")).read()
examples = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]
examples = [e for e in examples if isinstance(e, dict) and "deployment_id" in e]
if len(examples) < 2:
    failures.append(f"expected at least 2 manifest examples in docs/manifest.md, found {len(examples)}")
for i, e in enumerate(examples):
    if not schema_ok(e):
        failures.append(f"example {i}: schema refuses it: {next(validator.iter_errors(e)).message}")
    code, err = check(e, f"example{i}")
    if code != 0:
        failures.append(f"example {i}: outpost manifest check exits {code}: {err.strip()}")


def resolve(node):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


def schema_fields(node, path):
    """(path, property schema) for every property, as the parser writes paths: a.b[].c."""
    node = resolve(node)
    if node.get("type") == "array" and "items" in node:
        yield from schema_fields(node["items"], path + "[]")
    for key, sub in node.get("properties", {}).items():
        p = f"{path}.{key}" if path else key
        yield p, resolve(sub)
        if key != "config":  # free-form: the module's own
            yield from schema_fields(sub, p)


def locate(obj, parts):
    """Every concrete (path text, parent, key) in `obj` matching parts like ['modules[]', 'name']."""
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    key = head[:-2] if head.endswith("[]") else head
    if not isinstance(obj, dict) or key not in obj:
        return
    if not head.endswith("[]"):
        if not rest:
            yield key, obj, key
        else:
            for p, parent, k in locate(obj[key], rest):
                yield f"{key}.{p}", parent, k
        return
    for i, element in enumerate(obj[key]):
        if not rest:
            yield f"{key}[{i}]", obj[key], i
        else:
            for p, parent, k in locate(element, rest):
                yield f"{key}[{i}].{p}", parent, k


def wrong_value(prop):
    # An object is wrong for every field but the object-typed ones, which get an array.
    return [["wrong"]] if resolve(prop).get("type") == "object" else {"wrong": [1]}


# 2. Every field the schema names is read by the parser.
fields = list(schema_fields(schema, ""))
for path, prop in fields:
    parts = path.split(".")
    found = None
    for i, e in enumerate(examples):
        for where in locate(e, parts):
            found = (i, where)
            break
        if found:
            break
    if not found:
        failures.append(f"{path}: the schema names it but no example in docs/manifest.md uses it")
        continue
    i, (concrete, _, _) = found
    m = copy.deepcopy(examples[i])
    _, parent, key = next(locate(m, parts))
    parent[key] = wrong_value(prop)
    if schema_ok(m):
        failures.append(f"{concrete}: the schema accepts a wrong-typed value")
    code, err = check(m, "wrong-" + concrete.replace("[", "_").replace("]", "").replace(".", "-"))
    if code != 4 or f": {concrete}: " not in err:
        failures.append(f"{concrete}: the parser does not refuse a wrong-typed value by this path "
                        f"(exit {code}: {err.strip()})")

# 3. The same members per object, and unknown members refused by both.
objects = [("", schema)] + [(p, s) for p, s in fields if s.get("type") == "object" and not p.endswith("config")]
objects += [(p + "[]", resolve(s["items"])) for p, s in fields
            if s.get("type") == "array" and resolve(s["items"]).get("type") == "object"]
for path, node in objects:
    parts = path.split(".") if path else []
    for i, e in enumerate(examples):
        m = copy.deepcopy(e)
        if parts:
            hits = list(locate(m, parts))
            if not hits:
                continue
            concrete, parent, key = hits[0]
            target = parent[key]
        else:
            concrete, target = "", m
        target["not_a_field"] = 1
        if schema_ok(m):
            failures.append(f"{concrete or '(top level)'}: the schema accepts an unknown member")
        code, err = check(m, "unknown-" + (concrete or "top").replace("[", "_").replace("]", "").replace(".", "-"))
        taken = re.search(r"unknown field \(this object takes: ([^)]*)\)", err)
        if code != 4 or not taken:
            failures.append(f"{concrete or '(top level)'}: the parser does not refuse an unknown member "
                            f"(exit {code}: {err.strip()})")
        else:
            parser_set = set(taken.group(1).split(", "))
            schema_set = set(resolve(node).get("properties", {}))
            if parser_set != schema_set:
                failures.append(f"{concrete or '(top level)'}: the parser takes {sorted(parser_set)}, "
                                f"the schema names {sorted(schema_set)}")
        break

for f in failures:
    print("FAIL:", f)
print(f"{len(examples)} examples, {len(fields)} schema fields, {len(objects)} objects checked; "
      f"{len(failures)} failures")
sys.exit(1 if failures else 0)
