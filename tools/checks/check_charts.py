#!/usr/bin/env python3
"""`helm lint --strict` and `helm template` on the project's own charts, with their default values and
with the values the program passes to them.

A chart is any folder with a Chart.yaml under the given roots (default: <repo>/charts), except the
subcharts vendored in a chart's own charts/ folder. The program's values come from the releases.json
files export-plan.ts writes: every release whose chart is a local path resolving to one of these charts.
Rendering uses the Kubernetes version the stacks pin and advertises the API versions of the pinned CRDs
(so templates gated on `.Capabilities.APIVersions` render what a real cluster would get).

Rendered manifests are written to <out>/<chart>__<variant>.yaml for the schema check (k8s_validate.py).
Every finding is printed as `<chart dir>: <variant>: <helm's message>` (helm's messages name the template
file and line). The last line is `check-charts: N passed, M failed`. Exit 1 if anything failed.

usage: check_charts.py --helm HELM --kubernetes-version 1.34 --out DIR [--repo ROOT]
                       [--releases releases.json ...] [--crd-dir DIR ...] [CHART_ROOT_OR_DIR ...]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from k8s_validate import CrdIndex  # noqa: E402


def discover(roots: list[str]) -> list[str]:
    charts: list[str] = []
    for root in roots:
        if os.path.isfile(os.path.join(root, "Chart.yaml")):
            charts.append(os.path.normpath(root))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in ("node_modules", ".git"))
            if "Chart.yaml" in filenames:
                charts.append(os.path.normpath(dirpath))
                dirnames[:] = []  # subcharts belong to their parent chart
    return sorted(set(charts))


def run(cmd: list[str]) -> tuple[int, str]:
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def lint_findings(output: str) -> list[str]:
    keep = []
    for line in output.splitlines():
        s = line.strip()
        if s.startswith(("[ERROR]", "[WARNING]")) or (s.startswith("Error:") and "linted" not in s):
            keep.append(s)
    return keep


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubernetes-version", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repo", default=os.getcwd())
    ap.add_argument("--releases", action="append", default=[])
    ap.add_argument("--crd-dir", action="append", default=[])
    ap.add_argument("roots", nargs="*")
    args = ap.parse_args(argv)

    repo = os.path.abspath(args.repo)
    roots = args.roots or [os.path.join(repo, "charts")]
    charts = discover([r for r in roots if os.path.isdir(r)])
    os.makedirs(args.out, exist_ok=True)
    kube = f"v{args.kubernetes_version}.0" if args.kubernetes_version.count(".") == 1 else args.kubernetes_version
    crds = CrdIndex()
    for d in args.crd_dir:
        crds.add_dir(d)
    api_flags: list[str] = []
    for api_version, kind in sorted(crds.schemas):
        api_flags += ["--api-versions", f"{api_version}/{kind}", "--api-versions", api_version]

    # The program's values per chart dir.
    by_chart: dict[str, list[tuple[str, dict]]] = {c: [] for c in charts}
    passed = failed = 0
    for rel_file in args.releases:
        stack = os.path.basename(os.path.dirname(rel_file))
        with open(rel_file, encoding="utf-8") as f:
            releases = json.load(f)
        for r in releases:
            chart = r.get("chart", "")
            if chart.endswith(".tgz") or not (chart.startswith((".", "/")) or chart.startswith("charts/")):
                continue  # an upstream chart: its values are checked by chart-values.ts
            local = os.path.normpath(chart if os.path.isabs(chart) else os.path.join(repo, chart))
            match = next((c for c in charts if os.path.abspath(c) == local), None)
            if match is None:
                print(f"{rel_file}: {stack} release {r.get('name')}: chart {chart} is not a chart folder (no Chart.yaml)")
                failed += 1
                continue
            by_chart[match].append((f"{stack}-{r.get('name')}", r))

    for chart in charts:
        name = os.path.basename(chart)
        variants: list[tuple[str, str, str, list[str]]] = [("defaults", name, "default", [])]
        for label, r in by_chart[chart]:
            values_file = os.path.join(args.out, f"{name}__{label}.values.json")
            with open(values_file, "w", encoding="utf-8") as f:
                json.dump(r.get("values") or {}, f, indent=2)
            variants.append((label, r.get("name") or name, r.get("namespace") or "default", ["-f", values_file]))
        for label, release, namespace, values in variants:
            rc, out = run([args.helm, "lint", "--strict", "--quiet", "--kube-version", kube, chart, *values])
            findings = lint_findings(out)
            if rc != 0 or findings:
                failed += 1
                for line in findings or out.strip().splitlines()[-3:]:
                    print(f"{chart}: lint ({label}): {line}")
            else:
                passed += 1
                print(f"{chart}: lint ({label}): ok")
            rc, out = run(
                [args.helm, "template", release, chart, "--namespace", namespace, "--kube-version", kube,
                 "--include-crds", *api_flags, *values]
            )
            if rc != 0:
                failed += 1
                for line in out.strip().splitlines()[-5:]:
                    print(f"{chart}: template ({label}): {line}")
                continue
            rendered = os.path.join(args.out, f"{name}__{label}.yaml")
            with open(rendered, "w", encoding="utf-8") as f:
                f.write(out)
            docs = len(re.findall(r"^# Source: ", out, flags=re.M))
            passed += 1
            print(f"{chart}: template ({label}): ok, {docs} manifests -> {rendered}")
    if not charts:
        print(f"check-charts: no charts under {', '.join(roots)}")
    print(f"check-charts: {len(charts)} chart(s); {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
