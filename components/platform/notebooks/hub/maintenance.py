# Read-only maintenance mode for the hub (loaded by the z2jh chart as hub.extraConfig).
#
# Settings come from the chart's `custom.datavis.maintenance` values, written by the platform layer:
#   enabled: bool   the platform is read-only: users can look at their data, not change it
#   message: str    why; shown on every hub page (hub.templateVars.announcement)
# In maintenance:
#   - servers start with the home volume mounted read-only (users open and read their notebooks; saving
#     fails), with Jupyter's runtime files in /tmp so the server itself can start;
#   - servers that were running before maintenance began (started before this hub process: the hub pod is
#     restarted whenever the chart values change, z2jh templates/hub/deployment.yaml `checksum/secret`)
#     are stopped by the `datavis-maintenance` service, so nobody keeps writing; the banner says why;
#   - local sign-up is closed (no new accounts while read-only).
# Dashboards, the database and the buckets are untouched; scheduled runs are suspended by the platform.
import datetime
import sys

from z2jh import get_config

_maintenance = get_config("custom.datavis.maintenance", {}) or {}

# The service's program: stops every server started before `since`, then keeps checking (a hub restart
# during maintenance re-reads no state, so anything older than the hub is stopped again).
MAINTENANCE_STOPPER = r"""
import json, os, sys, time, urllib.request
api = os.environ["JUPYTERHUB_API_URL"].rstrip("/")
token = os.environ["JUPYTERHUB_API_TOKEN"]
since = sys.argv[1]
def call(method, path):
    req = urllib.request.Request(api + path, method=method, headers={"Authorization": "token " + token})
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
        return json.loads(body) if body else None
while True:
    try:
        for user in call("GET", "/users?state=active") or []:
            for name, server in (user.get("servers") or {}).items():
                if server.get("started") and server["started"] < since:
                    path = "/users/%s/servers/%s" % (user["name"], name) if name else "/users/%s/server" % user["name"]
                    print("maintenance: stopping %s's server %r started %s" % (user["name"], name, server["started"]), flush=True)
                    call("DELETE", path)
    except Exception as e:  # the hub may still be starting; try again
        print("maintenance: %s" % e, file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("DATAVIS_MAINTENANCE_EVERY", "30")))
"""

if _maintenance.get("enabled"):
    _home = get_config("singleuser.storage.homeMountPath", "/home/jovyan")
    # z2jh has put the home volume's mount into c.KubeSpawner.volume_mounts before extraConfig runs
    # (jupyterhub_config.py 4.4.0 lines 284-290 and 362; a dict since KubeSpawner 7).
    _mounts = c.KubeSpawner.volume_mounts if "volume_mounts" in c.KubeSpawner else {}  # noqa: F821
    for _mount in _mounts.values() if isinstance(_mounts, dict) else _mounts:
        if _mount.get("mountPath") == _home:
            _mount["readOnly"] = True
    c.KubeSpawner.volume_mounts = _mounts  # noqa: F821 (c is the hub's config)
    # Jupyter Server writes its runtime files under $HOME/.local/share/jupyter unless told otherwise.
    _env = dict(c.KubeSpawner.environment) if "environment" in c.KubeSpawner else {}  # noqa: F821
    _env.update({"JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime", "IPYTHONDIR": "/tmp/ipython"})
    c.KubeSpawner.environment = _env  # noqa: F821

    # UTC, in the form of the REST API's `started` (ISO 8601 with Z), so the strings compare in time order.
    _since = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    c.JupyterHub.services.append(  # noqa: F821
        {"name": "datavis-maintenance", "command": [sys.executable, "-c", MAINTENANCE_STOPPER, _since]}
    )
    c.JupyterHub.load_roles.append(  # noqa: F821
        {
            "name": "datavis-maintenance",
            "scopes": ["list:users", "read:servers", "delete:servers"],
            "services": ["datavis-maintenance"],
        }
    )
    # Local sign-in: no new accounts while read-only.
    c.NativeAuthenticator.enable_signup = False  # noqa: F821
