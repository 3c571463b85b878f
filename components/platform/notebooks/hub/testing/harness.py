"""Runs a real JupyterHub on 127.0.0.1 with the configuration the plan generates, and drives it over HTTP as
a person with a browser would (cookies, forms with their _xsrf field, redirects).

- `plan(stack, **config)`: `npm run plan -- --stack <stack> --json --config k=v ...`, the contract's JSON.
- `hub_values(plan)`: the jupyterhub release's values merged onto the z2jh 4.4.0 chart defaults (Helm's
  coalescing), `plan_config_maps(plan)`: the ConfigMaps the plan puts in the hub's namespace.
- `Hub`: `jupyterhub -f testing/z2jh_local_config.py` (z2jh's mapping of the values) with
  configurable-http-proxy (the version of the chart's proxy image) and the stand-in spawner.
- `Browser`: a requests session that signs up, signs in, starts servers and follows the hub's OAuth
  redirects into the single-user server.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import requests
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[4]
# ../shared/chart-schemas beside the repository (a worktree may sit one level deeper).
_SCHEMAS = [Path(os.environ["DATAVIS_CHART_SCHEMAS"])] if os.environ.get("DATAVIS_CHART_SCHEMAS") else [
    REPO.parent / "shared" / "chart-schemas",
    REPO.parent.parent / "shared" / "chart-schemas",
]
CHART_DEFAULTS = next((d for d in _SCHEMAS if d.exists()), _SCHEMAS[0]) / "jupyterhub-4.4.0.values.yaml"
CHP_VERSION = "5.2.0"  # z2jh 4.4.0's proxy.chp.image.tag (jupyterhub/values.yaml line 224)


def chp_binary():
    if os.environ.get("CHP_BIN"):
        return os.environ["CHP_BIN"]
    cache = Path(os.environ.get("DATAVIS_CACHE", Path.home() / ".cache" / "datavis"))
    return str(cache / "configurable-http-proxy" / CHP_VERSION / "node_modules" / ".bin" / "configurable-http-proxy")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_plans = {}

# The package index the servers' init containers install the notebook extras from (conftest.py serves one on
# 127.0.0.1 for the whole session): every plan names it, so no hub test downloads from the internet.
PACKAGE_INDEX = None


def plan(stack="edge", **config):
    """The offline plan's JSON document (cached per stack and overrides)."""
    if PACKAGE_INDEX is not None:
        config.setdefault("notebookPackageIndex", PACKAGE_INDEX.url)
    key = (stack, tuple(sorted(config.items())))
    if key not in _plans:
        args = ["npm", "run", "-s", "plan", "--", "--stack", stack, "--json"]
        for k, v in sorted(config.items()):
            args += ["--config", f"{k}={v}"]
        done = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
        if done.returncode not in (0, 1) or not done.stdout.strip():
            raise RuntimeError(f"plan failed ({done.returncode}): {done.stderr[-2000:]}")
        _plans[key] = json.loads(done.stdout)
    return _plans[key]


def release(plan_doc, name):
    for r in plan_doc["resources"]:
        if r["type"] == "kubernetes:helm.sh/v3:Release" and r["inputs"].get("name") == name:
            return r["inputs"]
    raise KeyError(f"no release {name} in the plan")


def coalesce(defaults, overrides):
    """Helm's merge of user values onto chart defaults: maps merge key by key, anything else replaces."""
    if isinstance(defaults, dict) and isinstance(overrides, dict):
        out = dict(defaults)
        for k, v in overrides.items():
            out[k] = coalesce(defaults.get(k), v) if k in defaults else v
        return out
    return overrides


def hub_values(plan_doc):
    defaults = yaml.safe_load(CHART_DEFAULTS.read_text())
    return coalesce(defaults, release(plan_doc, "jupyterhub")["values"])


def plan_config_maps(plan_doc, namespace="jupyterhub"):
    maps = {}
    for r in plan_doc["resources"]:
        if r["type"] == "kubernetes:core/v1:ConfigMap":
            meta = r["inputs"].get("metadata", {})
            if meta.get("namespace") == namespace:
                maps[meta["name"]] = r["inputs"].get("data", {})
    return maps


class Hub:
    """One JupyterHub process (and its proxy) on 127.0.0.1, configured from chart values."""

    def __init__(self, values, config_maps=None, config_overrides=None, pod_namespace="jupyterhub", env=None, db_url=None):
        """`config_overrides`: {Section: {trait: value}} this machine supplies instead of the outside world
        (an identity provider's URLs); "{hub_url}" in a string is this hub's URL. `env`: the hub pod's
        environment from Secrets (hub.extraEnv's valueFrom entries), e.g. OAUTH_CLIENT_SECRET, and anything
        this machine supplies instead (PGSSLMODE for a local PostgreSQL without TLS); hub.extraEnv's plain
        values are set as the chart sets them. `db_url`: hub.db.url with this machine's database server."""
        self.extra_env = dict(env or {})
        self.db_url = db_url
        # Its own folder in /tmp, readable on the way down by the servers' uid 1000 (pytest's are not).
        self.state = Path(tempfile.mkdtemp(prefix="datavis-hub-"))
        os.chmod(self.state, 0o755)
        self._set_values(values)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The chart's Secret: every service's api token (the values' own, or generated as z2jh does).
        self.secrets = {
            f"hub.services.{k}.apiToken": (s.get("apiToken") if s.get("apiToken") not in (None, "[secret]") else secrets.token_hex(32))
            for k, s in (values["hub"].get("services") or {}).items()
        }
        (self.state / "secrets.json").write_text(json.dumps(self.secrets))
        (self.state / "configmaps.json").write_text(json.dumps(config_maps or {}))
        runtime = {
            "port": self.port,
            "hub_port": free_port(),
            "proxy_api_port": free_port(),
            "chp": chp_binary(),
            "state_dir": str(self.state),
            "config_maps_file": str(self.state / "configmaps.json"),
            "singleuser_python": sys.executable,
            "pod_namespace": pod_namespace,
            "config_overrides": config_overrides or {},
            "db_url": db_url,
        }
        (self.state / "runtime.json").write_text(json.dumps(runtime))
        self.proc = None
        self.log_path = self.state / "hub.log"

    def _set_values(self, values):
        # The hub pod's volume (/srv/jupyterhub) is this hub's state directory.
        values = json.loads(json.dumps(values))
        log = values["custom"]["datavis"]["activityLog"]
        log["directory"] = log["directory"].replace("/srv/jupyterhub", str(self.state), 1)
        self.values = values
        (self.state / "values.json").write_text(json.dumps(values))

    def upgrade(self, values):
        """`helm upgrade` with new values: the hub pod restarts with them (its database and volume stay,
        user servers keep running, as z2jh's cleanup_servers=False and the pod's checksum/secret do)."""
        self._stop_hub()
        self._set_values(values)
        return self.start()

    def start(self, timeout=300):
        env = {
            **os.environ,
            "DATAVIS_HUB_VALUES": str(self.state / "values.json"),
            "DATAVIS_HUB_SECRETS": str(self.state / "secrets.json"),
            "DATAVIS_HUB_RUNTIME": str(self.state / "runtime.json"),
            "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(16),
            **{k: v for k, v in (self.values["hub"].get("extraEnv") or {}).items() if isinstance(v, str)},
            **self.extra_env,
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        }
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            # z2jh's hub command adds --upgrade-db when hub.db.upgrade is true (templates/hub/deployment.yaml).
            [sys.executable, "-m", "jupyterhub", "-f", str(HERE / "z2jh_local_config.py")]
            + (["--upgrade-db"] if self.db_url and self.values["hub"].get("db", {}).get("upgrade") else []),
            cwd=self.state,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if requests.get(self.url + "/hub/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        tail = self.tail()
        self.stop()
        raise RuntimeError(f"the hub did not answer in {timeout}s:\n{tail}")

    def _stop_hub(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()

    def stop(self):
        """Stops the hub and every server it left running (cleanup_servers is off, as in z2jh)."""
        self._stop_hub()
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if f"HOME={self.state}/".encode() in environ.read_bytes():
                    os.kill(int(environ.parent.name), 15)
            except (OSError, ValueError):
                pass
        if not os.environ.get("DATAVIS_KEEP_HUB"):
            shutil.rmtree(self.state, ignore_errors=True)

    def tail(self, n=80):
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def activity(self):
        """Events of the activity log file, one dict per line."""
        directory = self.values["custom"]["datavis"]["activityLog"]["directory"]
        path = Path(directory) / "events.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


_XSRF_FIELD = re.compile(r'name="_xsrf"\s+value="([^"]+)"')


class Browser:
    """A person's browser: cookies, forms with their _xsrf token, redirects followed."""

    def __init__(self, hub):
        self.hub = hub
        self.s = requests.Session()

    def url(self, path):
        return urljoin(self.hub.url, path)

    def get(self, path, **kw):
        kw.setdefault("timeout", 60)
        return self.s.get(self.url(path), **kw)

    def xsrf(self, html=""):
        m = _XSRF_FIELD.search(html)
        if m:
            return m.group(1)
        return self.s.cookies.get("_xsrf", path="/hub/") or self.s.cookies.get("_xsrf") or ""

    def submit(self, page, data, action=None, **kw):
        """Opens a page and posts its form (with the page's _xsrf), as clicking its button does."""
        form = self.get(page)
        kw.setdefault("timeout", 120)
        return self.s.post(self.url(action or page), data={**data, "_xsrf": self.xsrf(form.text)}, **kw)

    def sign_up(self, username, password):
        return self.submit(
            "/hub/signup", {"username": username, "signup_password": password, "signup_password_confirmation": password}
        )

    def sign_in(self, username, password):
        return self.submit("/hub/login", {"username": username, "password": password})

    def register(self, username, password):
        """Signs up, then signs in, as a new local user does; fails with the hub's log if that did not work."""
        self.sign_up(username, password)
        self.sign_in(username, password)
        assert self.signed_in_as() == username, self.hub.tail()
        return self

    def signed_in_as(self):
        r = self.get("/hub/api/user", headers={"X-XSRFToken": self.xsrf()})
        return r.json().get("name") if r.status_code == 200 else None

    def start_server(self, profile=None):
        """The spawn page's form: the chosen profile, then the redirect chain into the server."""
        data = {"profile": profile} if profile else {}
        return self.submit("/hub/spawn", data)

    def api(self, method, path, **kw):
        """The hub's REST API with the browser's session (what the admin page does)."""
        headers = {"X-XSRFToken": self.xsrf(), **kw.pop("headers", {})}
        kw.setdefault("timeout", 120)
        return self.s.request(method, self.url("/hub/api" + path), headers=headers, **kw)

    def server_api(self, username, method, path, **kw):
        """The single-user server's REST API (Jupyter Server) through the proxy, with the user's cookies."""
        base = f"/user/{username}"
        headers = kw.pop("headers", {})
        kw.setdefault("timeout", 60)
        for attempt in range(2):
            token = next((c.value for c in self.s.cookies if c.name == "_xsrf" and c.path.startswith(base)), "")
            r = self.s.request(
                method, self.url(base + "/api" + path), headers={"X-XSRFToken": token, **headers}, **kw
            )
            if r.status_code != 403 or attempt:
                return r
            # No valid cookie for this server (first visit, or a new server since): the person opens
            # JupyterLab, and the hub's OAuth sets the server's cookie on the way.
            lab = self.get(base + "/lab")
            assert lab.status_code == 200, f"{base}/lab answered {lab.status_code}"


def wait_until(predicate, timeout=300, every=0.5, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
