#!/usr/bin/env python3
"""Strict Kubernetes schema validation of manifest files, offline.

Built-in kinds are checked against the official OpenAPI schema of one Kubernetes version, as bundled
(strict variant: unknown fields are errors) by the pinned `kubernetes-validate` package. Custom resources
are checked against the openAPIV3Schema of their CustomResourceDefinition, read from the given CRD
folders (upstream CRD manifests at the pinned chart versions) and from CRDs in the validated files
themselves; unknown fields are errors there too, except where the CRD preserves unknown fields. A kind
with no schema in either place is an error: nothing is waved through unvalidated.

Every finding names file:line, the object (kind namespace/name), the field path and the problem:

    charts/x/out.yaml:12: Deployment default/web: .spec.template.spec.containers[0].imagePullPolcy:
      unknown field (Source: x/templates/deployment.yaml)

usage: k8s_validate.py --kubernetes-version 1.34 [--crd-dir DIR ...] [--partial] [--list-kinds] FILE...
exit status: 0 all valid, 1 findings, 2 usage or setup error.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, Iterator

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

sys.dont_write_bytecode = True  # no __pycache__ in the checkout (this file imports its siblings)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# CrdIndex is also imported from here by check_charts.py.
from k8s_manifests import fmt_path, load_documents, node_line  # noqa: E402
from k8s_schemas import CrdIndex, builtin_schema_dir, read_bundled  # noqa: E402


class Validator:
    def __init__(self, k8s_version: str, crds: CrdIndex, partial: bool = False) -> None:
        self.partial = partial
        self.schema_dir, self.schema_version = builtin_schema_dir(k8s_version)
        definitions = read_bundled(f"{self.schema_dir}/_definitions.json")
        self.registry = Resource.from_contents(definitions) @ Registry()
        self.crds = crds
        self.cache: dict[tuple[str, str], Any] = {}

    def builtin_schema(self, api_version: str, kind: str) -> Any:
        # Same file naming as kubernetes-validate: rbac.authorization.k8s.io/v1 -> rbac-v1.
        group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        schema = read_bundled(f"{self.schema_dir}/{kind.lower()}-{group_version}.json")
        # The bundled file name drops the group's domain: make sure the group really matches.
        if schema is not None:
            enum = ((schema.get("properties") or {}).get("apiVersion") or {}).get("enum")
            if enum and api_version not in enum:
                return None
        return schema

    def validator_for(self, api_version: str, kind: str) -> tuple[Any, str]:
        key = (api_version, kind)
        if key not in self.cache:
            if key in self.crds.schemas:
                schema, what = self.crds.schemas[key], f"CRD {self.crds.origin[key]}"
            else:
                schema, what = self.builtin_schema(api_version, kind), f"Kubernetes {self.schema_version}"
            validator = None
            if schema is not None:
                validator = jsonschema.Draft202012Validator(schema, registry=self.registry)
            self.cache[key] = (validator, what)
        return self.cache[key]

    def findings(self, doc: Any, node: yaml.Node) -> Iterator[tuple[list[Any], str]]:
        if not isinstance(doc, dict):
            yield [], f"a manifest must be a mapping, got {type(doc).__name__}"
            return
        api_version, kind = doc.get("apiVersion"), doc.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            yield [], "apiVersion and kind are required"
            return
        validator, _ = self.validator_for(api_version, kind)
        if validator is None:
            yield ["kind"], (
                f"no schema for {kind} {api_version}: not a Kubernetes {self.schema_version} kind and "
                "no pinned CRD defines it (add its CRD module to tools/checks/pins.sh)"
            )
            return
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
            if self.partial and err.validator == "required":
                continue  # a server-side apply patch names only the fields it owns
            yield from explain(err)


def explain(err: ValidationError) -> Iterator[tuple[list[Any], str]]:
    path = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set((err.schema.get("properties") or {}).keys())
        patterns = list((err.schema.get("patternProperties") or {}).keys())
        extras = [
            k for k in err.instance if k not in allowed and not any(re.search(p, k) for p in patterns)
        ]
        for k in extras or ["?"]:
            yield path + [k], "unknown field"
        return
    if err.validator in ("oneOf", "anyOf") and err.context:
        inner = best_match(err.context)
        if err.validator == "oneOf" and all(c.validator == "type" for c in err.context):
            types = sorted({json.dumps(c.validator_value) for c in err.context})
            yield path, f"{json.dumps(err.instance)[:80]} is not of type {' or '.join(types)}"
            return
        yield from explain(inner)
        return
    msg = err.message
    if len(msg) > 300:
        msg = msg[:300] + "..."
    yield path, msg


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kubernetes-version", required=True)
    ap.add_argument("--crd-dir", action="append", default=[])
    ap.add_argument("--partial", action="store_true", help="patches: missing required fields are fine")
    ap.add_argument("--list-kinds", action="store_true", help="print the custom resource kinds known")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args(argv)

    crds = CrdIndex()
    for d in args.crd_dir:
        crds.add_dir(d)
    if args.list_kinds:
        for (api_version, kind), origin in sorted(crds.origin.items()):
            print(f"{api_version} {kind} ({origin})")
        return 0
    docs: list[tuple[str, Any, yaml.Node, str]] = []
    problems = 0
    for f in args.files:
        try:
            for value, node, source in load_documents(f):
                docs.append((f, value, node, source))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = mark.line + 1 if mark else 0
            print(f"{f}:{line}: not valid YAML: {getattr(e, 'problem', e)}")
            problems += 1
    # CRDs shipped in the validated files define kinds for the other documents.
    for f, value, _, _ in docs:
        if isinstance(value, dict) and value.get("kind") == "CustomResourceDefinition":
            crds.add_crd(value, f)

    validator = Validator(args.kubernetes_version, crds, partial=args.partial)
    kinds: dict[str, int] = {}
    for f, value, node, source in docs:
        meta = value.get("metadata") if isinstance(value, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        kind = value.get("kind", "?") if isinstance(value, dict) else "?"
        obj = f"{kind} {meta.get('namespace') + '/' if meta.get('namespace') else ''}{meta.get('name', '(no name)')}"
        kinds[kind] = kinds.get(kind, 0) + 1
        where = f" (Source: {source})" if source else ""
        found = sorted(((node_line(node, p), fmt_path(p), m) for p, m in validator.findings(value, node)))
        for line, field, message in found:
            problems += 1
            print(f"{f}:{line}: {obj}: {field}: {message}{where}")
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no objects"
    print(
        f"k8s-validate: {len(docs)} objects in {len(args.files)} file(s) against Kubernetes "
        f"{validator.schema_version} (strict) + {len(crds.schemas)} CRD versions: {summary}; {problems} finding(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
