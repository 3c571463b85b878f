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
import copy
import glob
import hashlib
import json
import os
import re
import sys
from typing import Any, Iterator

import importlib_resources
import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match
from kubernetes_validate import utils as kv
from packaging.version import Version
from referencing import Registry, Resource

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META_REF = DEFINITIONS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


# ---------------------------------------------------------------------------------------------------
# YAML with line numbers


class Loader(yaml.SafeLoader):
    """SafeLoader that reads a bare `=` (PyYAML's "value" tag, found in CRD enums) as the string "="."""


Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


class FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml-backed loader for the large upstream CRD files (no line numbers needed there)."""


FastLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load_documents(path: str) -> Iterator[tuple[Any, yaml.Node, str]]:
    """Yields (value, node, source comment) per non-empty document of a multi-document YAML file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    for node in yaml.compose_all(text, Loader=Loader):
        if node is None:
            continue
        value = construct(node)
        if value is None:
            continue
        yield value, node, source_comment(lines, node.start_mark.line)


def construct(node: yaml.Node) -> Any:
    loader = Loader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def source_comment(lines: list[str], start: int) -> str:
    """The `# Source: ...` comment helm template (and our plan export) puts above each document."""
    i = min(start, len(lines) - 1)
    while i >= 0:
        line = lines[i].strip()
        if line.startswith("# Source:"):
            return line[len("# Source:") :].strip()
        if line == "---" and i < start:
            break
        i -= 1
    return ""


def node_line(node: yaml.Node, path: list[Any]) -> int:
    """1-based line of the deepest node along `path` (a key's own line for mapping keys)."""
    line = node.start_mark.line
    cur = node
    for part in path:
        if isinstance(cur, yaml.MappingNode):
            nxt = None
            for k, v in cur.value:
                if k.value == str(part):
                    line, nxt = k.start_mark.line, v
                    break
            if nxt is None:
                break
            cur = nxt
        elif isinstance(cur, yaml.SequenceNode) and isinstance(part, int) and part < len(cur.value):
            cur = cur.value[part]
            line = cur.start_mark.line
        else:
            break
    return line + 1


def fmt_path(path: list[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out or "."


# ---------------------------------------------------------------------------------------------------
# Schemas


def builtin_schema_dir(version: str) -> tuple[str, str]:
    """The bundled strict schema folder for the newest bundled version not newer than `version`."""
    want = Version(kv.major_minor(version.lstrip("v")))
    known = [v for v in kv.all_versions() if Version(kv.major_minor(v)) <= want]
    if not known or Version(kv.major_minor(kv.latest_version())) < want:
        raise SystemExit(
            f"kubernetes-validate bundles schemas for {kv.all_versions()[0]}..{kv.latest_version()}, "
            f"not {version}"
        )
    return f"kubernetes-json-schema/v{known[-1]}-local-strict", kv.major_minor(known[-1])


def read_bundled(name: str) -> Any:
    ref = importlib_resources.files("kubernetes_validate").joinpath(name)
    if not ref.is_file():
        return None
    return json.loads(ref.read_text(encoding="utf-8"))


def structural_to_jsonschema(schema: Any, embedded: bool = False) -> Any:
    """A CRD's structural openAPIV3Schema as JSON Schema, closed like the API server prunes/rejects."""
    if isinstance(schema, list):
        return [structural_to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    s = {k: structural_to_jsonschema(v) for k, v in schema.items() if k not in ("properties",)}
    if "properties" in schema:
        s["properties"] = {
            k: structural_to_jsonschema(v, bool(v.get("x-kubernetes-embedded-resource")))
            for k, v in schema["properties"].items()
        }
    if "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        s["additionalProperties"] = structural_to_jsonschema(schema["additionalProperties"])
    if schema.get("x-kubernetes-int-or-string"):
        s.pop("type", None)
        if "anyOf" not in s:
            s["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and "type" in s:
        s["type"] = [s["type"], "null"]
    if embedded or schema.get("x-kubernetes-embedded-resource"):
        props = s.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    preserve = schema.get("x-kubernetes-preserve-unknown-fields")
    if s.get("type") == "object" and "additionalProperties" not in schema and not preserve:
        # The API server drops unknown fields of structural schemas; `kubectl apply` (field validation
        # Strict, the default since 1.27) rejects them. Either way they are a mistake in our manifest.
        s["additionalProperties"] = False
        s.setdefault("properties", {})
    return s


class CrdIndex:
    """openAPIV3 schemas of custom resources by (apiVersion, kind)."""

    def __init__(self) -> None:
        self.schemas: dict[tuple[str, str], dict] = {}
        self.origin: dict[tuple[str, str], str] = {}

    def add_crd(self, crd: dict, origin: str) -> None:
        spec = crd.get("spec") or {}
        group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
        for ver in spec.get("versions") or []:
            raw = ((ver.get("schema") or {}).get("openAPIV3Schema")) or {"type": "object"}
            if not ver.get("served", True):
                continue
            schema = structural_to_jsonschema(copy.deepcopy(raw))
            props = schema.setdefault("properties", {})
            props["apiVersion"] = {"const": f"{group}/{ver['name']}"}
            props["kind"] = {"const": kind}
            props["metadata"] = {"$ref": OBJECT_META_REF}
            key = (f"{group}/{ver['name']}", kind)
            self.schemas[key] = schema
            self.origin[key] = origin

    def add_dir(self, folder: str) -> int:
        crds = load_crd_dir(folder)
        for origin, doc in crds:
            self.add_crd(doc, origin)
        return len(crds)


def load_crd_dir(folder: str) -> list[tuple[str, dict]]:
    """The CRDs of a folder's YAML files, as (file, CRD); cached as JSON (parsing them takes seconds)."""
    files = sorted(glob.glob(os.path.join(folder, "*.yaml")) + glob.glob(os.path.join(folder, "*.yml")))
    if not files:
        raise SystemExit(f"no CRD manifests in {folder}")
    stamp = [[os.path.basename(f), os.path.getsize(f), int(os.path.getmtime(f))] for f in files]
    cache_dir = os.path.join(
        os.environ.get("ARTEFACTS_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "datavis-artefacts"),
        "crd-json",
    )
    cache = os.path.join(cache_dir, hashlib.sha256(os.path.abspath(folder).encode()).hexdigest()[:16] + ".json")
    try:
        with open(cache, encoding="utf-8") as fh:
            cached = json.load(fh)
        if cached.get("stamp") == stamp:
            return [(o, d) for o, d in cached["crds"]]
    except (OSError, ValueError):
        pass
    crds: list[tuple[str, dict]] = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for doc in yaml.load_all(fh, Loader=FastLoader):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    crds.append((os.path.relpath(f, folder), doc))
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{cache}.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"folder": folder, "stamp": stamp, "crds": crds}, fh, default=str)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home only costs the parse next time
    return crds


# ---------------------------------------------------------------------------------------------------
# Validation


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
