"""Notebook home backups into the notebooks bucket, and restores from it.

  notebook_backup.py run                      every user's volume: one copier Job each, then prune
  notebook_backup.py copy USER                (in a copier Job) upload /backup-source to the bucket
  notebook_backup.py list USER                the days backed up for USER
  notebook_backup.py restore USER DATE        start a Job that puts DATE's backup into the user's volume
  notebook_backup.py put-back USER DATE       (in that Job) download into /restore-target/restored-DATE/

Backups land at s3://$BACKUP_BUCKET/$BACKUP_PREFIX/<user>/<YYYY-MM-DD>/<path>; days older than
$BACKUP_RETENTION_DAYS are deleted by `run`. The Kubernetes API is called with the pod's own service
account (list PVCs and pods, create Jobs in its namespace); S3 through boto3 with the credentials the
platform injects (workload identity or keys; $AWS_ENDPOINT_URL for S3-compatible stores).
Settings come from the environment the platform sets on the CronJob (see backup.ts).
"""

import datetime as dt
import json
import os
import ssl
import sys
import urllib.request
from pathlib import Path

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
HOME_LABEL = "datavis.io/notebook-home=true"


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"notebook-backup: environment variable {name} is not set")
    return value


def backup_prefix(user, day):
    return f"{env('BACKUP_PREFIX', 'backups')}/{user}/{day.isoformat()}/"


def expired_days(days, today, retention_days):
    """The backup days (ISO dates) that are older than the retention window."""
    oldest_kept = today - dt.timedelta(days=retention_days - 1)
    return sorted(d for d in days if dt.date.fromisoformat(d) < oldest_kept)


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


def job_manifest(kind, user, pvc, day, node_of_server=None):
    """A copier (kind=copy, volume read-only) or restorer (kind=put-back) Job for one user's volume."""
    template = json.loads(env("BACKUP_POD_TEMPLATE"))  # image, env, resources, security: set by backup.ts
    container = template["containers"][0]
    container["args"] = [kind, user] + ([day.isoformat()] if kind == "put-back" else [])
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


def s3_client():
    import boto3  # in the single-user image

    return boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


# --- steps --------------------------------------------------------------------------------------------------
def run(today=None):
    today = today or dt.datetime.now(dt.timezone.utc).date()
    ns = namespace()
    pvcs = kube("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims?labelSelector={HOME_LABEL.replace('=', '%3D')}")
    nodes = server_nodes(ns)
    started = 0
    for pvc in pvcs.get("items", []):
        user = user_of(pvc)
        if not user:
            continue
        kube("POST", f"/apis/batch/v1/namespaces/{ns}/jobs", job_manifest("copy", user, pvc["metadata"]["name"], today, nodes.get(user)))
        started += 1
    removed = prune(s3_client(), env("BACKUP_BUCKET"), today, int(env("BACKUP_RETENTION_DAYS")))
    print(f"notebook-backup: started {started} copy job(s) for {today}; removed {removed} expired day(s)")


def copy(user, s3, bucket, source=Path("/backup-source"), today=None):
    today = today or dt.datetime.now(dt.timezone.utc).date()
    prefix = backup_prefix(user, today)
    count = 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            s3.upload_file(str(path), bucket, prefix + path.relative_to(source).as_posix())
            count += 1
    print(f"notebook-backup: {user}: {count} file(s) to s3://{bucket}/{prefix}")
    return count


def prune(s3, bucket, today, retention_days):
    root = env("BACKUP_PREFIX", "backups") + "/"
    removed = 0
    for user_prefix in _common_prefixes(s3, bucket, root):
        days = {p[len(user_prefix):].strip("/"): p for p in _common_prefixes(s3, bucket, user_prefix)}
        for day in expired_days([d for d in days if _is_date(d)], today, retention_days):
            keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=days[day]) for o in page.get("Contents", [])]
            for i in range(0, len(keys), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]]})
            removed += 1
    return removed


def put_back(user, day, s3, bucket, target=Path("/restore-target")):
    prefix = backup_prefix(user, day)
    dest = target / f"restored-{day.isoformat()}"
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(prefix):]
            out = (dest / rel).resolve()
            if dest.resolve() not in out.parents:
                continue  # a key that would escape the restore folder
            out.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(out))
            count += 1
    print(f"notebook-backup: {user}: {count} file(s) from s3://{bucket}/{prefix} into {dest}")
    return count


def list_days(user, s3, bucket):
    prefix = f"{env('BACKUP_PREFIX', 'backups')}/{user}/"
    days = sorted(d for d in (p[len(prefix):].strip("/") for p in _common_prefixes(s3, bucket, prefix)) if _is_date(d))
    print(f"notebook-backup: {user}: {len(days)} day(s) in s3://{bucket}/{prefix}: {' '.join(days)}")
    return days


def restore(user, day):
    ns = namespace()
    pvcs = kube("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims?labelSelector={HOME_LABEL.replace('=', '%3D')}")
    match = [p for p in pvcs.get("items", []) if user_of(p) == user]
    if not match:
        raise SystemExit(f"notebook-backup: no notebook volume for user {user}")
    job = kube("POST", f"/apis/batch/v1/namespaces/{ns}/jobs", job_manifest("put-back", user, match[0]["metadata"]["name"], day, server_nodes(ns).get(user)))
    print(f"notebook-backup: restore job {job['metadata']['name']} puts {day} back into ~/restored-{day}/ of {user}")


def _common_prefixes(s3, bucket, prefix):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        out += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return out


def _is_date(text):
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False


def main(argv):
    if argv[:1] == ["run"]:
        run()
    elif len(argv) == 2 and argv[0] == "copy":
        copy(argv[1], s3_client(), env("BACKUP_BUCKET"))
    elif len(argv) == 2 and argv[0] == "list":
        list_days(argv[1], s3_client(), env("BACKUP_BUCKET"))
    elif len(argv) == 3 and argv[0] == "restore":
        restore(argv[1], dt.date.fromisoformat(argv[2]))
    elif len(argv) == 3 and argv[0] == "put-back":
        put_back(argv[1], dt.date.fromisoformat(argv[2]), s3_client(), env("BACKUP_BUCKET"))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
