#!/usr/bin/env python3
"""Checks a k3s registries.yaml against k3s's documented format and says where each pull would go.

Format and pull rules from the k3s documentation, "Private Registry Configuration"
(https://docs.k3s.io/installation/private-registry):
- the file has two sections, `mirrors` and `configs`;
- `mirrors.<registry>` has `endpoint` (a list of URLs, tried in order) and optionally `rewrite` (regex -> repl);
  `"*"` is the wildcard mirror used for registries with no entry of their own;
- `configs.<registry host[:port]>` has `auth` (`username`, `password`, `auth`, `identitytoken`) and/or `tls`
  (`cert_file`, `key_file`, `ca_file`, `insecure_skip_verify`);
- an image's registry is its first name component when that contains a `.` or a `:` (or is `localhost`),
  otherwise docker.io; the "default endpoint" https://<registry>/v2 (https://index.docker.io/v2 for
  docker.io) is tried last unless the node runs with `disable-default-registry-endpoint`.

usage: check_registries.py FILE [--pull IMAGE=ENDPOINT]... [--ca-file HOST=PATH] [--auth HOST=USER:PASS]
                               [--no-configs] [--disable-default-endpoint]
Exit 0 when the file is well formed and every expectation holds; otherwise prints each problem, exit 1.
"""
import argparse
import sys
from urllib.parse import urlparse

import yaml

TOP = {"mirrors", "configs"}
MIRROR = {"endpoint": list, "rewrite": dict}
CONFIG = {"auth": dict, "tls": dict}
AUTH = {"username": str, "password": str, "auth": str, "identitytoken": str}
TLS = {"cert_file": str, "key_file": str, "ca_file": str, "insecure_skip_verify": bool}


def check_keys(where, value, allowed, problems):
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a mapping, got {type(value).__name__}")
        return
    for key, item in value.items():
        if key not in allowed:
            problems.append(f"{where}.{key}: not a k3s registries.yaml key (expected one of {sorted(allowed)})")
        elif isinstance(allowed, dict) and not isinstance(item, allowed[key]):
            problems.append(f"{where}.{key}: expected {allowed[key].__name__}, got {type(item).__name__}")


def validate(doc):
    problems = []
    check_keys("registries.yaml", doc, TOP, problems)
    if not isinstance(doc, dict):
        return problems
    for name, mirror in (doc.get("mirrors") or {}).items():
        where = f"mirrors.{name}"
        check_keys(where, mirror, MIRROR, problems)
        if not isinstance(mirror, dict):
            continue
        for url in mirror.get("endpoint") or []:
            parsed = urlparse(url) if isinstance(url, str) else None
            if not parsed or parsed.scheme not in ("http", "https") or not parsed.netloc:
                problems.append(f"{where}.endpoint: {url!r} is not an http:// or https:// URL")
        if not mirror.get("endpoint"):
            problems.append(f"{where}.endpoint: empty (each mirror needs at least one endpoint)")
    for host, config in (doc.get("configs") or {}).items():
        where = f"configs.{host}"
        check_keys(where, config, CONFIG, problems)
        if not isinstance(config, dict):
            continue
        if "auth" in config:
            check_keys(f"{where}.auth", config["auth"], AUTH, problems)
        if "tls" in config:
            check_keys(f"{where}.tls", config["tls"], TLS, problems)
        if "://" in str(host) or "/" in str(host):
            problems.append(f"{where}: configs are keyed by registry host[:port], not a URL")
    return problems


def registry_of(image):
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def endpoints(doc, image, disable_default):
    registry = registry_of(image)
    mirrors = doc.get("mirrors") or {}
    entry = mirrors.get(registry) or mirrors.get("*") or {}
    found = list(entry.get("endpoint") or [])
    if not disable_default:
        found.append("https://index.docker.io" if registry == "docker.io" else f"https://{registry}")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--pull", action="append", default=[], help="IMAGE=ENDPOINT: the first endpoint tried")
    ap.add_argument("--ca-file", action="append", default=[], help="HOST=PATH")
    ap.add_argument("--auth", action="append", default=[], help="HOST=USER:PASS")
    ap.add_argument("--no-configs", action="store_true")
    ap.add_argument("--disable-default-endpoint", action="store_true")
    args = ap.parse_args()

    with open(args.file, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    problems = validate(doc)
    if not problems:
        for spec in args.pull:
            image, _, want = spec.partition("=")
            got = endpoints(doc, image, args.disable_default_endpoint)
            if not got or got[0] != want:
                problems.append(f"pull {image}: first endpoint {got[:1]}, expected {want}")
        configs = doc.get("configs") or {}
        for spec in args.ca_file:
            host, _, path = spec.partition("=")
            have = ((configs.get(host) or {}).get("tls") or {}).get("ca_file")
            if have != path:
                problems.append(f"configs.{host}.tls.ca_file is {have!r}, expected {path!r}")
        for spec in args.auth:
            host, _, cred = spec.partition("=")
            user, _, password = cred.partition(":")
            have = (configs.get(host) or {}).get("auth") or {}
            if have.get("username") != user or have.get("password") != password:
                problems.append(f"configs.{host}.auth is {sorted(have)}, expected username {user!r} and its password")
        if args.no_configs and configs:
            problems.append(f"configs present ({sorted(configs)}), expected none")
    for p in problems:
        print(f"{args.file}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
