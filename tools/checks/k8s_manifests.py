"""Multi-document YAML manifests read with line numbers, for k8s_validate.py's file:line findings.

Also the libyaml-backed loader k8s_schemas.py reads the large upstream CRD files with.
"""
from __future__ import annotations

from typing import Any, Iterator

import yaml


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
