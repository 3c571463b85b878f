"""The schemas k8s_validate.py checks against: the bundled built-in ones of one Kubernetes version
(kubernetes-validate's strict variant) and those of custom resources, read from their CRDs.
"""
from __future__ import annotations

import copy
import glob
import hashlib
import json
import os
from typing import Any

import importlib_resources
import yaml
from kubernetes_validate import utils as kv
from packaging.version import Version

from k8s_manifests import FastLoader

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META_REF = DEFINITIONS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


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
