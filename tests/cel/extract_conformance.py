"""Write tests/cel/conformance.json from the official CEL conformance tests.

The cases come from cel-spec's tests/simple/testdata/*.textproto as the npm
package @bufbuild/cel-spec ships them, already parsed:

    npm pack @bufbuild/cel-spec && tar xzf bufbuild-cel-spec-*.tgz
    python tests/cel/extract_conformance.py package/dist/esm/testdata/conformance.js

(`node` turns the module into JSON). Each case of the files below is
classified by stackpolicy's own dialect check, so the data says what the
dialect decides:

- `value` / `error`: inside the dialect; both engines must produce the
  expected value, or an evaluation error;
- `rejected`: outside the dialect; both engines must refuse it at load with
  the same message.

Cases that need a proto type environment, a container or variable bindings
cannot be written as a policy part and are left out (the script prints how
many). `KNOWN` lists cases that may knowingly differ from the spec, with the
reason; the test reports them as expected failures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from stackpolicy.cel import CelCompileError, names_for
from stackpolicy.cel.dialect import TYPE_NAMES, check, wrapper_depth

FILES = (
    "basic",
    "comparisons",
    "conversions",
    "fields",
    "fp_math",
    "integer_math",
    "lists",
    "logic",
    "macros",
    "namespace",
    "parse",
    "plumbing",
    "string",
    "string_ext",
)

SCALARS = {"boolValue", "stringValue", "int64Value", "doubleValue", "nullValue"}

KNOWN: dict[str, str] = {}
"""`file/suite/name` -> why the case may differ from the spec."""

OUT = Path(__file__).resolve().parent / "conformance.json"


def representable(value: dict[str, Any]) -> bool:
    """Whether a policy part can return the value (plain YAML-like data)."""
    (kind, inner), *_ = value.items()
    if kind in SCALARS:
        return True
    if kind == "typeValue":
        return inner in TYPE_NAMES
    if kind == "listValue":
        return all(representable(v) for v in inner.get("values", []))
    if kind == "mapValue":
        return all(
            representable(e["key"]) and representable(e["value"]) for e in inner.get("entries", [])
        )
    return False


def walk(node: dict[str, Any], path: list[str]) -> Any:
    for suite in node.get("suites", []):
        yield from walk(suite, [*path, suite["name"]])
    for test in node.get("tests", []):
        yield path, test["original"]


def classify(case: dict[str, Any]) -> tuple[str, str]:
    """(kind, detail): the dialect's decision on the case."""
    if {"container", "typeEnv", "bindings"} & case.keys():
        return "skip", "needs a type environment, container or bindings"
    if case.get("checkOnly"):
        return "skip", "type-checker only"
    try:
        # As the test compiles it: the `assert` part of a stack-scope policy
        # without variables, so with that wrapper's depth.
        check("assert", case["expr"], names_for("stack", "assert"), wrapper_depth(False, 0))
    except CelCompileError as exc:
        return "rejected", exc.message
    if "evalError" in case:
        return "error", ""
    if "value" in case and representable(case["value"]):
        return "value", ""
    return "skip", "result is not plain data (bytes, uint, message, enum)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conformance_js", type=Path)
    args = parser.parse_args()
    dump = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            f"import {{tests}} from {json.dumps(args.conformance_js.resolve().as_uri())};"
            "process.stdout.write(JSON.stringify(tests))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cases = []
    tally: Counter[str] = Counter()
    for path, case in walk(json.loads(dump), []):
        if path[0] not in FILES:
            continue
        kind, detail = classify(case)
        tally[kind if kind != "skip" else f"skip: {detail}"] += 1
        if kind == "skip":
            continue
        ident = "/".join([*path, case["name"]])
        entry: dict[str, Any] = {"id": ident, "expr": case["expr"], "kind": kind}
        if kind == "value":
            entry["value"] = case["value"]
        if kind == "rejected":
            entry["message"] = detail
        if ident in KNOWN:
            entry["known"] = KNOWN[ident]
        cases.append(entry)
    OUT.write_text(json.dumps(cases, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    for kind, count in sorted(tally.items()):
        print(f"{count:5} {kind}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
