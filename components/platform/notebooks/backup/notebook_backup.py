"""Notebook home backups into the notebooks bucket, and restores from it.

  notebook_backup.py run                      every user's volume: one copier Job each, then prune
  notebook_backup.py copy USER [DATE]         (in a copier Job) upload /backup-source to the bucket
  notebook_backup.py list USER                the days backed up for USER (every namespace's prefix)
  notebook_backup.py restore USER DATE        start a Job that puts DATE's backup into the user's volume
  notebook_backup.py put-back USER DATE       (in that Job, hub namespace) download into /restore-target/restored-DATE/
  notebook_backup.py put-back-urls USER DATE  (in that Job, tenant namespace) the same from presigned URLs

Volumes of the hub's namespace are backed up to s3://$BACKUP_BUCKET/$BACKUP_PREFIX/<user>/<YYYY-MM-DD>/<path>;
those of a tenant namespace (the $BACKUP_TENANTS map: namespace -> prefix) to <prefix>/<user>/<YYYY-MM-DD>/.
Days older than $BACKUP_RETENTION_DAYS are deleted by `run`.

Who holds what: the controller (`run`, `list`, `restore`; the hub namespace's service account) lists
volumes and pods and creates Jobs in its namespace and in the tenant namespaces, and uses the platform's
backup identity (read, list, delete). A copier Job in a tenant namespace holds the tenant's write-only
identity (upload under the tenant's prefix: a student of that tenant can take it, and can read nothing
with it); a put-back Job there holds no key at all, only presigned GET URLs for that user's day, handed
over in a manifest that only its own presigned URL (in the Job's spec, which students cannot read) reaches.
S3 through boto3 (workload identity or keys; $AWS_ENDPOINT_URL for S3-compatible stores), in backup_store.py,
which the same ConfigMap mounts beside this file.
Settings come from the environment the platform sets on the CronJob (see backup.ts).
"""

import datetime as dt
import json
import os
import ssl
import sys
import urllib.request
from pathlib import Path

from backup_store import (  # noqa: F401 (all re-exported as notebook_backup.X)
    SOURCE_DIR,
    TARGET_DIR,
    _common_prefixes,
    _delete_all,
    _is_date,
    _objects,
    _safe_destination,
    backup_prefix,
    backup_roots,
    copy,
    env,
    expired_days,
    list_days,
    list_everywhere,
    presign_day,
    prune,
    prune_restore_manifests,
    put_back,
    restore_manifests_root,
    s3_client,
    tenant_prefixes,
)

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
HOME_LABEL = "datavis.io/notebook-home=true"
# Environment a put-back Job of a tenant namespace must not get: it reads through presigned URLs only.
KEY_ENV = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}


# --- Kubernetes API (stdlib only) ------------------------------------------------------------------------
def kube(method, path, body=None):
    host = os.environ["KUBERNETES_SERVICE_HOST"]
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    ctx = ssl.create_default_context(cafile=str(SA_DIR / "ca.crt"))
    req = urllib.request.Request(
        f"https://{host}:{port}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Authorization": f"Bearer {(SA_DIR / 'token').read_text().strip()}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def namespace():
    return (SA_DIR / "namespace").read_text().strip()


def job_manifest(kind, user, pvc, day, node_of_server=None, tenant_prefix=None, manifest_url=None):
    """A copier (kind=copy, volume read-only) or restorer (kind=put-back) Job for one user's volume.

    tenant_prefix: the volume is in a tenant namespace; the Job runs there from the tenant's template
    (its write-only identity) with that prefix. A put-back there gets `manifest_url` and no key at all.
    """
    source = "BACKUP_TENANT_POD_TEMPLATE" if tenant_prefix else "BACKUP_POD_TEMPLATE"
    template = json.loads(env(source))  # image, env, resources, security: set by backup.ts
    container = template["containers"][0]
    # The day is the controller's: a copier that starts after midnight still files under the run's day.
    container["args"] = [kind, user, day.isoformat()]
    if tenant_prefix:
        extra = [{"name": "BACKUP_PREFIX", "value": tenant_prefix}]
        if kind == "put-back":
            container["args"][0] = "put-back-urls"
            extra.append({"name": "BACKUP_RESTORE_MANIFEST_URL", "value": manifest_url})
            # No identity: not the writer's keys, not the account its Pod Identity association names.
            template["serviceAccountName"] = "default"
        drop = {"BACKUP_PREFIX"} | (KEY_ENV if kind == "put-back" else set())
        container["env"] = [e for e in container.get("env", []) if e["name"] not in drop] + extra
    mount = "/backup-source" if kind == "copy" else "/restore-target"
    container["volumeMounts"] = container.get("volumeMounts", []) + [
        {"name": "home", "mountPath": mount, "readOnly": kind == "copy"}
    ]
    template["volumes"] = template.get("volumes", []) + [
        {"name": "home", "persistentVolumeClaim": {"claimName": pvc, "readOnly": kind == "copy"}}
    ]
    if node_of_server:
        # A ReadWriteOnce volume in use can only be mounted on the node that runs the user's server.
        template["nodeName"] = node_of_server
    safe = "".join(ch if ch.isalnum() else "-" for ch in user.lower())[:30].strip("-") or "user"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "generateName": f"notebook-{kind}-{safe}-",
            "labels": {"app.kubernetes.io/name": "notebook-backup", "datavis.io/backup-step": kind},
        },
        "spec": {
            "backoffLimit": 2,
            "ttlSecondsAfterFinished": 86400,
            "activeDeadlineSeconds": 3600,
            "template": {"metadata": {"labels": {"app.kubernetes.io/name": "notebook-backup"}}, "spec": template},
        },
    }


def user_of(pvc):
    labels = pvc["metadata"].get("labels", {})
    annotations = pvc["metadata"].get("annotations", {})
    return annotations.get("hub.jupyter.org/username") or labels.get("hub.jupyter.org/username")


def server_nodes(ns):
    pods = kube("GET", f"/api/v1/namespaces/{ns}/pods?labelSelector=component%3Dsingleuser-server")
    nodes = {}
    for pod in pods.get("items", []):
        user = pod["metadata"].get("annotations", {}).get("hub.jupyter.org/username")
        if user and pod["spec"].get("nodeName"):
            nodes[user] = pod["spec"]["nodeName"]
    return nodes


# --- steps --------------------------------------------------------------------------------------------------
def home_volumes(ns):
    return kube("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims?labelSelector={HOME_LABEL.replace('=', '%3D')}")


def run(today=None):
    today = today or dt.datetime.now(dt.timezone.utc).date()
    hub_ns = namespace()
    started, failures = 0, []
    # The hub's namespace with the platform's identity, then each tenant namespace with the tenant's writer.
    for ns, tenant_prefix in [(hub_ns, None), *tenant_prefixes().items()]:
        try:
            nodes = server_nodes(ns)
            for pvc in home_volumes(ns).get("items", []):
                user = user_of(pvc)
                if not user:
                    continue
                job = job_manifest("copy", user, pvc["metadata"]["name"], today, nodes.get(user), tenant_prefix)
                kube("POST", f"/apis/batch/v1/namespaces/{ns}/jobs", job)
                started += 1
        except Exception as e:  # one namespace's trouble must not cost the others their backup
            failures.append(f"{ns}: {e}")
            print(f"notebook-backup: {ns}: {e}", file=sys.stderr)
    s3, bucket = s3_client(), env("BACKUP_BUCKET")
    removed = prune(s3, bucket, today, int(env("BACKUP_RETENTION_DAYS")))
    prune_restore_manifests(s3, bucket)
    print(f"notebook-backup: started {started} copy job(s) for {today}; removed {removed} expired day(s)")
    if failures:
        raise SystemExit(f"notebook-backup: {len(failures)} namespace(s) not backed up: {'; '.join(failures)}")


def put_back_urls(user, day, manifest_url, target=TARGET_DIR):
    """In a tenant namespace: the restore manifest (its own presigned URL) lists presigned GETs, one a file."""
    manifest = json.loads(_fetch(manifest_url))
    dest = target / f"restored-{day.isoformat()}"
    count = 0
    for item in manifest["files"]:
        out = _safe_destination(dest, item["path"])
        if out is None:
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(_fetch(item["url"]))
        count += 1
    print(f"notebook-backup: {user}: {count} file(s) of {day} (presigned) into {dest}")
    return count


def _fetch(url):
    with urllib.request.urlopen(url, timeout=300) as resp:
        return resp.read()


def restore(user, day, s3=None, bucket=None):
    """Finds the user's volume (hub namespace, then the tenants'), and the day under any root, and starts
    the put-back Job next to the volume."""
    s3, bucket = s3 or s3_client(), bucket or env("BACKUP_BUCKET")
    hub_ns, tenants = namespace(), tenant_prefixes()
    found = None
    for ns in [hub_ns, *tenants]:
        match = [p for p in home_volumes(ns).get("items", []) if user_of(p) == user]
        if match:
            found = (ns, match[0]["metadata"]["name"])
            break
    if not found:
        raise SystemExit(f"notebook-backup: no notebook volume for user {user}")
    ns, pvc = found
    own_root = tenants.get(ns) or env("BACKUP_PREFIX", "backups")
    roots = [own_root] + [r for _, r in backup_roots() if r != own_root]
    source = next((r for r in roots if _objects(s3, bucket, backup_prefix(user, day, r))), None)
    if source is None:
        raise SystemExit(f"notebook-backup: no backup of {user} on {day}")
    node = server_nodes(ns).get(user)
    if ns == hub_ns:
        # The hub's namespace: its put-back Job reads with the platform's identity, from wherever the day is.
        job = job_manifest("put-back", user, pvc, day, node)
        c = job["spec"]["template"]["spec"]["containers"][0]
        c["env"] = [e for e in c.get("env", []) if e["name"] != "BACKUP_PREFIX"] + [{"name": "BACKUP_PREFIX", "value": source}]
    else:
        # No key that reads backups goes to a tenant namespace: presigned URLs for this user's day only.
        url, _ = presign_day(s3, bucket, backup_prefix(user, day, source), int(env("BACKUP_URL_SECONDS", "3600")))
        job = job_manifest("put-back", user, pvc, day, node, tenants[ns], url)
    created = kube("POST", f"/apis/batch/v1/namespaces/{ns}/jobs", job)
    print(f"notebook-backup: restore job {ns}/{created['metadata']['name']} puts {day} back into ~/restored-{day}/ of {user}")
    return ns, created


def main(argv):
    if argv[:1] == ["run"]:
        run()
    elif len(argv) in (2, 3) and argv[0] == "copy":
        day = dt.date.fromisoformat(argv[2]) if len(argv) == 3 else None
        copy(argv[1], s3_client(), env("BACKUP_BUCKET"), SOURCE_DIR, today=day)
    elif len(argv) == 2 and argv[0] == "list":
        list_everywhere(argv[1], s3_client(), env("BACKUP_BUCKET"))
    elif len(argv) == 3 and argv[0] == "restore":
        restore(argv[1], dt.date.fromisoformat(argv[2]))
    elif len(argv) == 3 and argv[0] == "put-back":
        put_back(argv[1], dt.date.fromisoformat(argv[2]), s3_client(), env("BACKUP_BUCKET"), TARGET_DIR)
    elif len(argv) == 3 and argv[0] == "put-back-urls":
        put_back_urls(argv[1], dt.date.fromisoformat(argv[2]), env("BACKUP_RESTORE_MANIFEST_URL"), TARGET_DIR)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])