"""The bucket side of the notebook home backups (notebook_backup.py runs them): where each user's days live,
the copier's upload and the hub namespace's put-back download, listing days, retention, and the presigned
URLs a tenant namespace's put-back Job reads with. Shipped beside notebook_backup.py in the same ConfigMap
(backup.ts), so the script imports it from its own folder.
"""

import datetime as dt
import json
import os
import uuid
from pathlib import Path

SOURCE_DIR = Path("/backup-source")
TARGET_DIR = Path("/restore-target")


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"notebook-backup: environment variable {name} is not set")
    return value


def backup_prefix(user, day, root=None):
    return f"{root or env('BACKUP_PREFIX', 'backups')}/{user}/{day.isoformat()}/"


def tenant_prefixes():
    """Tenant namespace -> backup prefix (no trailing slash), from $BACKUP_TENANTS (backup.ts)."""
    return json.loads(os.environ.get("BACKUP_TENANTS") or "{}")


def restore_manifests_root():
    return f"{env('BACKUP_PREFIX', 'backups')}/restores/"


def expired_days(days, today, retention_days):
    """The backup days (ISO dates) that are older than the retention window."""
    oldest_kept = today - dt.timedelta(days=retention_days - 1)
    return sorted(d for d in days if dt.date.fromisoformat(d) < oldest_kept)


def s3_client():
    import boto3  # in the single-user image

    return boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)


def copy(user, s3, bucket, source=SOURCE_DIR, today=None):
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
    """Expired days of every user: the hub namespace's (`backups/<user>/`) and each tenant's."""
    hub_root = env("BACKUP_PREFIX", "backups") + "/"
    reserved = {hub_root + "tenants/", restore_manifests_root()}
    users = [p for p in _common_prefixes(s3, bucket, hub_root) if p not in reserved]
    for root in tenant_prefixes().values():
        users += _common_prefixes(s3, bucket, root + "/")
    removed = 0
    for user_prefix in users:
        days = {p[len(user_prefix):].strip("/"): p for p in _common_prefixes(s3, bucket, user_prefix)}
        for day in expired_days([d for d in days if _is_date(d)], today, retention_days):
            _delete_all(s3, bucket, days[day])
            removed += 1
    return removed


def prune_restore_manifests(s3, bucket, now=None, keep=dt.timedelta(days=1)):
    """Restore manifests (their URLs have long expired) older than a day."""
    now = now or dt.datetime.now(dt.timezone.utc)
    old = [o["Key"] for o in _objects(s3, bucket, restore_manifests_root()) if now - o["LastModified"] > keep]
    for i in range(0, len(old), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in old[i : i + 1000]]})
    return len(old)


def _objects(s3, bucket, prefix):
    return [o for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix) for o in page.get("Contents", [])]


def _delete_all(s3, bucket, prefix):
    keys = [o["Key"] for o in _objects(s3, bucket, prefix)]
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]]})


def _safe_destination(dest, rel):
    """The file a backup's relative key lands in, or None if the key would escape the restore folder."""
    out = (dest / rel).resolve()
    return out if dest.resolve() in out.parents else None


def put_back(user, day, s3, bucket, target=TARGET_DIR):
    prefix = backup_prefix(user, day)
    dest = target / f"restored-{day.isoformat()}"
    count = 0
    for obj in _objects(s3, bucket, prefix):
        out = _safe_destination(dest, obj["Key"][len(prefix):])
        if out is None:
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, obj["Key"], str(out))
        count += 1
    print(f"notebook-backup: {user}: {count} file(s) from s3://{bucket}/{prefix} into {dest}")
    return count


def backup_roots():
    """Where backups may be, hub namespace first: [(namespace or None for the hub's, root prefix)]."""
    return [(None, env("BACKUP_PREFIX", "backups")), *tenant_prefixes().items()]


def list_days(user, s3, bucket, root=None):
    prefix = f"{root or env('BACKUP_PREFIX', 'backups')}/{user}/"
    days = sorted(d for d in (p[len(prefix):].strip("/") for p in _common_prefixes(s3, bucket, prefix)) if _is_date(d))
    print(f"notebook-backup: {user}: {len(days)} day(s) in s3://{bucket}/{prefix}: {' '.join(days)}")
    return days


def list_everywhere(user, s3, bucket):
    """The user's days under every root (a user moved into a tenant keeps the hub namespace's days)."""
    return {root: days for _, root in backup_roots() if (days := list_days(user, s3, bucket, root))}


def presign_day(s3, bucket, prefix, expires):
    """Presigned GETs for every file of one backup day, and a manifest object listing them."""
    files = [
        {"path": o["Key"][len(prefix):], "url": s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": o["Key"]}, ExpiresIn=expires)}
        for o in _objects(s3, bucket, prefix)
    ]
    key = f"{restore_manifests_root()}{uuid.uuid4().hex}.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({"prefix": prefix, "files": files}).encode())
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires), len(files)


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
