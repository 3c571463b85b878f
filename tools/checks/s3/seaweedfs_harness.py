"""A real S3 API server on loopback for tests: SeaweedFS (`weed server -s3`), and a small S3 client.

Reusable by any test that needs S3 semantics (the Spark jobs, per-tenant identities):

    from seaweedfs_harness import SeaweedS3, S3Error
    identities = {"identities": [{"name": "admin", "credentials": [{"accessKey": "AK", "secretKey": "SK"}],
                                  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
    with SeaweedS3(weed_binary(), identities, workdir) as s3:      # started on free loopback ports
        s3.endpoint                                               # "http://127.0.0.1:<port>"
        admin = s3.client("AK", "SK")                             # SigV4, path-style, region us-east-1
        admin.create_bucket("datasets"); admin.put_object("datasets", "raw/a.csv", b"...")
        admin.list_keys("datasets", "raw/"); admin.get_object("datasets", "raw/a.csv")
        # a refused request raises S3Error(status=403, code="AccessDenied")

`identities` is SeaweedFS's `-s3.config` document (weed/s3api/auth_credentials.go: identities with
credentials and actions such as "Read", "Write:bucket", "Read:bucket/prefix"). `weed_binary()` is the binary
tools/checks/s3/build-seaweedfs.sh builds and caches (or $SEAWEEDFS_BIN). From a shell:

    python3 tools/checks/s3/seaweedfs_harness.py serve --config identities.json [--dir DIR]

prints `S3_ENDPOINT=http://127.0.0.1:<port>` once the S3 API answers, and serves until SIGTERM/SIGINT.
Everything listens on 127.0.0.1 only; the data lives in `workdir` (a temporary folder by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"


def weed_binary() -> str:
    """$SEAWEEDFS_BIN, else the cached build (built now if missing: minutes on a cold cache)."""
    if os.environ.get("SEAWEEDFS_BIN"):
        return os.environ["SEAWEEDFS_BIN"]
    out = subprocess.run(["bash", str(HERE / "build-seaweedfs.sh")], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def free_ports(n: int) -> list[int]:
    """n distinct free TCP ports on 127.0.0.1 (SeaweedFS also needs each service's gRPC port: pass both)."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code = status, code


class S3Client:
    """Path-style S3 requests signed with AWS Signature Version 4 (enough for tests; no retries)."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, region: str = REGION):
        self.endpoint, self.access_key, self.secret_key, self.region = endpoint.rstrip("/"), access_key, secret_key, region

    def _sign(self, method: str, path: str, query: dict, body: bytes) -> dict:
        now = dt.datetime.now(dt.timezone.utc)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        host = urllib.parse.urlsplit(self.endpoint).netloc
        payload = hashlib.sha256(body).hexdigest()
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(str(v), safe='-_.~')}"
            for k, v in sorted(query.items())
        )
        headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical = "\n".join(
            [method, urllib.parse.quote(path, safe="/-_.~"), canonical_query,
             "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload]
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = f"AWS4{self.secret_key}".encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
        )
        return headers

    def request(self, method: str, path: str, query: dict | None = None, body: bytes = b"") -> bytes:
        query = query or {}
        headers = self._sign(method, path, query, body)
        url = self.endpoint + urllib.parse.quote(path, safe="/-_.~")
        if query:
            url += "?" + urllib.parse.urlencode(sorted(query.items()), quote_via=urllib.parse.quote)
        req = urllib.request.Request(url, data=body if method in ("PUT", "POST") else None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf8", "replace")
            code = re.search(r"<Code>([^<]+)</Code>", text)
            raise S3Error(e.code, code.group(1) if code else "", text[:300]) from None

    def list_buckets(self) -> list[str]:
        root = ElementTree.fromstring(self.request("GET", "/"))
        return [e.text for e in root.iter() if e.tag.endswith("Name")]

    def create_bucket(self, bucket: str) -> None:
        try:
            self.request("PUT", f"/{bucket}")
        except S3Error as e:
            if e.code not in ("BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
                raise

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        self.request("PUT", f"/{bucket}/{key}", body=body)

    def get_object(self, bucket: str, key: str) -> bytes:
        return self.request("GET", f"/{bucket}/{key}")

    def delete_object(self, bucket: str, key: str) -> None:
        self.request("DELETE", f"/{bucket}/{key}")

    def list_keys(self, bucket: str, prefix: str = "") -> dict[str, int]:
        """{key: size} of every object under prefix (ListObjectsV2, all pages)."""
        keys, token = {}, None
        while True:
            q = {"list-type": "2", "prefix": prefix, "max-keys": "1000"}
            if token:
                q["continuation-token"] = token
            root = ElementTree.fromstring(self.request("GET", f"/{bucket}", q))
            ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
            for c in root.findall(f"{ns}Contents"):
                keys[c.findtext(f"{ns}Key")] = int(c.findtext(f"{ns}Size") or 0)
            if root.findtext(f"{ns}IsTruncated") != "true":
                return keys
            token = root.findtext(f"{ns}NextContinuationToken")


class SeaweedS3:
    """`weed server` with master, volume, filer and S3 gateway, every port free and on 127.0.0.1."""

    def __init__(self, weed: str, identities: dict, workdir: str | Path | None = None):
        self.weed, self.identities = weed, identities
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="seaweedfs-")
        self.workdir = Path(workdir or self._tmp.name)
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""
        self.log_path = self.workdir / "weed.log"

    def _admin_keys(self) -> tuple[str, str]:
        for ident in self.identities.get("identities", []):
            if "Admin" in ident.get("actions", []) and ident.get("credentials"):
                c = ident["credentials"][0]
                return c["accessKey"], c["secretKey"]
        raise ValueError("identities: no identity with the Admin action (needed to check that S3 is up)")

    def start(self, timeout: float = 300) -> "SeaweedS3":
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(json.dumps(self.identities))
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
        self.endpoint = f"http://127.0.0.1:{s3}"
        args = [
            self.weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.workdir / 'data'}",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.volumeSizeLimitMB=64",
            # No anonymous usage report (weed/command/server.go: -master.telemetry defaults to true).
            "-master.telemetry=false",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            # Fixed default ports (8181, 9101) would collide between parallel servers: off.
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        return self._launch(args, "weed", "SeaweedFS S3", timeout, 0.5)

    def _launch(self, args: list[str], program: str, server: str, timeout: float, poll: float):
        """Starts `args` in its own session, logging to log_path, and waits until S3 answers (or fails)."""
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        client = self.client(*self._admin_keys())
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{program} exited with {self.proc.returncode}: {self.tail()}")
            try:
                client.list_buckets()
                return self
            except (OSError, S3Error):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{server} did not answer within {timeout:.0f} s: {self.tail()}")
                time.sleep(poll)

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def client(self, access_key: str, secret_key: str) -> S3Client:
        return S3Client(self.endpoint, access_key, secret_key)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> "SeaweedS3":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class MotoS3(SeaweedS3):
    """Fallback where SeaweedFS cannot be built: moto's server mode (`moto_server`, from PyPI) on a free
    loopback port, same interface. moto accepts any key pair and enforces no identity: use it only for
    tests of S3 semantics, never for access-control tests. Seen here: Hadoop S3A 3.4.1 (AWS SDK 2.24.6)
    uploads to moto 5.1.14 fail with "Status Code: 100" (Expect: 100-continue), so the Spark tests use
    SeaweedFS; this stays for plain S3 clients (S3Client)."""

    def start(self, timeout: float = 120) -> "MotoS3":
        self.workdir.mkdir(parents=True, exist_ok=True)
        (port,) = free_ports(1)
        self.endpoint = f"http://127.0.0.1:{port}"
        moto = Path(sys.executable).parent / "moto_server"
        return self._launch([str(moto), "-H", "127.0.0.1", "-p", str(port)], "moto_server", "moto", timeout, 0.3)


def s3_server(identities: dict, workdir: str | Path | None = None) -> SeaweedS3:
    """SeaweedFS, or moto where $DATAVIS_S3_SERVER=moto (the documented fallback)."""
    if os.environ.get("DATAVIS_S3_SERVER") == "moto":
        return MotoS3("", identities, workdir)
    return SeaweedS3(weed_binary(), identities, workdir)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="SeaweedFS S3 on loopback for tests")
    sub = p.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="start, print S3_ENDPOINT=..., serve until SIGTERM/SIGINT")
    serve.add_argument("--config", required=True, help="identities JSON (SeaweedFS -s3.config)")
    serve.add_argument("--dir", default=None, help="data folder (default: a temporary one)")
    args = p.parse_args(argv)
    server = SeaweedS3(weed_binary(), json.loads(Path(args.config).read_text()), args.dir)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    server.start()
    print(f"S3_ENDPOINT={server.endpoint}", flush=True)
    try:
        while not stop and server.proc.poll() is None:
            time.sleep(0.5)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
