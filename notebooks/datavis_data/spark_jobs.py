"""Spark jobs from a notebook: submit a SparkApplication to your own tenant and watch it.

A notebook server in a tenant namespace runs as the tenant's `notebook` service account, which may create,
watch and delete SparkApplications there, and read a driver's log (components/platform/tenancy). The
platform registers example applications in every tenant (`example-batch-etl`, ...): a new job starts as a
copy of one (image, jars, S3 and database settings, volumes) with its own name and arguments, so a student
writes no Kubernetes YAML. The driver runs as the tenant's `spark` account, with the tenant's credentials.
"""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

GROUP, VERSION, PLURAL = "sparkoperator.k8s.io", "v1beta2", "sparkapplications"
NAMESPACE_FILE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
DONE = {"COMPLETED", "FAILED", "SUBMISSION_FAILED", "FAILING_DONE"}


def own_namespace() -> str:
    """The namespace this server runs in: its tenant's."""
    return NAMESPACE_FILE.read_text().strip()


def job_name(user: str, label: str, stamp: float | None = None) -> str:
    """A DNS-1123 name for a job of `user`: `<user>-<label>-<time>`, at most 50 characters (the operator
    appends `-driver` and executor suffixes to it, and pod names stop at 63)."""
    clean = re.sub(r"[^a-z0-9-]+", "-", f"{user}-{label}".lower()).strip("-")
    suffix = str(int(stamp if stamp is not None else time.time()))[-6:]
    return f"{clean[: 50 - len(suffix) - 1].rstrip('-')}-{suffix}"


# `s3a://<bucket>/tenants/<dir>`: a class's prefix, where <dir> is the class's name (edge: its own keys) or its
# namespace `tenant-<name>` (AWS: the Pod Identity policy names the prefix by the namespace session tag).
_TENANT_PATH = re.compile(r"(s3a://[^/\s]+/tenants/)([^/\s]+)")


def own_prefixes(spec, namespace: str):
    """The spec with every `s3a://<bucket>/tenants/<dir>` of another class moved to the class of `namespace`.

    The platform registers its examples in the first class only, and an instructor copies one into another
    class as it is: its event-log folder (sparkConf and the driver's init container) and checkpoints still
    name the first class's prefix, which this class's keys or role are refused (403, and the job fails).
    A `tenant-` dir is the AWS form (namespace), any other the edge form (class name)."""
    name = namespace.removeprefix("tenant-")

    def move(m: re.Match) -> str:
        d = m.group(2)
        if d in (name, namespace):
            return m.group(0)
        return m.group(1) + (namespace if d.startswith("tenant-") else name)

    if isinstance(spec, str):
        return _TENANT_PATH.sub(move, spec)
    if isinstance(spec, list):
        return [own_prefixes(v, namespace) for v in spec]
    if isinstance(spec, dict):
        return {k: own_prefixes(v, namespace) for k, v in spec.items()}
    return spec


def application_from_template(template: dict, name: str, arguments: list[str] | None = None,
                              owner: str | None = None) -> dict:
    """A new SparkApplication: the template's spec with its own name, arguments and a run-once policy, its
    event logs and checkpoints under its own class's prefix (own_prefixes)."""
    spec = own_prefixes(copy.deepcopy(template["spec"]), template["metadata"]["namespace"])
    if arguments is not None:
        spec["arguments"] = list(arguments)
    spec["restartPolicy"] = {"type": "Never"}
    labels = {"app.kubernetes.io/part-of": "datavis", "datavis.io/submitted-from": "notebook"}
    if owner:
        labels["datavis.io/owner"] = re.sub(r"[^A-Za-z0-9_.-]+", "-", owner)[:63].strip("-_.")
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "SparkApplication",
        "metadata": {"name": name, "namespace": template["metadata"]["namespace"], "labels": labels},
        "spec": spec,
    }


def load_template(api, namespace: str, name: str) -> dict:
    """The SparkApplication `name` of your tenant to start from. The platform registers its examples in the
    first tenant of its config only; elsewhere an instructor (a tenant owner) copies one into the class."""
    from kubernetes.client.exceptions import ApiException

    try:
        return api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
    except ApiException as e:
        if e.status == 404:
            raise RuntimeError(
                f"no SparkApplication {name!r} in {namespace} to start from: ask your instructor to copy the "
                f"platform's example into it (docs/notebooks-platform.md, 'Spark from a notebook')"
            ) from None
        raise


def submit(api, application: dict) -> dict:
    """Creates the application with a kubernetes.client.CustomObjectsApi; returns what the API stored."""
    ns = application["metadata"]["namespace"]
    return api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, application)


def wait(api, namespace: str, name: str, timeout: float = 1800, every: float = 10) -> dict:
    """Polls the application's status until it is done (or `timeout` seconds pass); returns the status."""
    deadline = time.monotonic() + timeout
    while True:
        app = api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
        state = (app.get("status") or {}).get("applicationState", {}).get("state", "")
        if state in DONE or time.monotonic() > deadline:
            return app.get("status") or {}
        time.sleep(every)
