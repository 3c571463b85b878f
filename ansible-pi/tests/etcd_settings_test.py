#!/usr/bin/env python3
"""The k3s servers take the etcd snapshot settings the platform states, from a real kube-apiserver.

Starts etcd and kube-apiserver from K8S_BIN (tools/cluster/build.sh), then runs the k3s_server role's
platform-etcd-settings tasks (tests/etcd-settings.yml) the way site.yml does on a booted site, and reads
the config.yaml each server would start with: first with no platform deployed (the inventory's values),
then with the Secret the edge program registers (tests/lib/edge-etcd-secret.ts, keys included), then with
the object-store copy turned off in the stack.

Prints "ok    NAME" / "FAIL  NAME" per check; exit 0 when all pass.
usage: etcd_settings_test.py K8S_BIN
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

from apiserver import ApiServer

HERE = os.path.dirname(os.path.abspath(__file__))
ANSIBLE_PI = os.path.dirname(HERE)
REPO = os.path.dirname(ANSIBLE_PI)
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"  {'ok   ' if ok else 'FAIL '} {name}" + ("" if ok or not detail else f"\n        {detail}"))


def platform_secret(overrides):
    r = subprocess.run(["node", "-r", "./tools/register.js", "tests/lib/edge-etcd-secret.ts", json.dumps(overrides)],
                       cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"edge-etcd-secret.ts failed: {r.stderr[-800:]}")
    return json.loads(r.stdout)


def main():
    with ApiServer(sys.argv[1], "etcd-settings-test") as server:
        check("kube-apiserver and etcd serve on 127.0.0.1", server.ready, "" if server.ready else server.log_tail())
        if not server.ready:
            return 1
        render = tempfile.mkdtemp(prefix="etcd-settings-render-")
        env = dict(os.environ, PI_KUBECTL=server.kubectl_bin, PI_KUBECONFIG=server.kubeconfig,
                   PI_RENDER_DIR=render, ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=os.path.join(ANSIBLE_PI, "ansible.cfg"))

        def converge():
            r = subprocess.run(["ansible-playbook", "-i", "tests/inventories/etcd-settings.yml", "tests/etcd-settings.yml"],
                               cwd=ANSIBLE_PI, env=env, capture_output=True, text=True)
            configs = {}
            if r.returncode == 0:
                for host in ("pi-1", "pi-2"):
                    with open(os.path.join(render, host, "config.yaml")) as f:
                        configs[host] = yaml.safe_load(f)
            return r, configs

        r, c = converge()
        out = " ".join((r.stdout + r.stderr).split())
        check("before the platform is deployed, the servers keep the inventory's schedule and object store",
              r.returncode == 0 and c["pi-1"]["etcd-snapshot-schedule-cron"] == "30 */4 * * *"
              and c["pi-1"]["etcd-s3-endpoint"] == "seaweedfs.lab.internal:8333", out[-1200:])
        check("... and the play says the inventory's settings apply", "settings from the inventory (no platform settings" in out, out[-600:])

        secret = platform_secret({"etcdSnapshotSchedule": "45 */3 * * *", "etcdSnapshotRetention": "12"})
        server.apply(secret)
        keys = secret["stringData"]
        r, c = converge()
        out = " ".join((r.stdout + r.stderr).split())
        ok = r.returncode == 0
        check("once deployed, every server snapshots on the stack's schedule and keeps the stack's count",
              ok and all(c[h]["etcd-snapshot-schedule-cron"] == "45 */3 * * *" and c[h]["etcd-snapshot-retention"] == 12
                         for h in ("pi-1", "pi-2")), out[-1200:])
        check("each server copies to the platform's NodePort on its own address, over plain HTTP",
              ok and c["pi-1"]["etcd-s3-endpoint"] == "10.0.0.11:30833" and c["pi-2"]["etcd-s3-endpoint"] == "10.0.0.12:30833"
              and c["pi-1"]["etcd-s3-insecure"] is True and "etcd-s3-endpoint-ca" not in c["pi-1"],
              json.dumps(c.get("pi-1"))[-600:])
        check("... into the snapshots' bucket with the keys the object store made for it alone",
              ok and c["pi-2"]["etcd-s3-bucket"] == "k3s-etcd-snapshots" and c["pi-2"]["etcd-s3-folder"] == "k3s-etcd"
              and c["pi-2"]["etcd-s3-access-key"] == keys["access-key-id"]
              and c["pi-2"]["etcd-s3-secret-key"] == keys["secret-access-key"], json.dumps(c.get("pi-2"))[-600:])
        check("the keys are not printed in the play's output", keys["secret-access-key"] not in r.stdout + r.stderr)

        server.kubectl("-n", "kube-system", "delete", "secret", "datavis-etcd-snapshots")
        server.apply(platform_secret({"etcdSnapshotsToObjectStore": "false"}))
        r, c = converge()
        out = " ".join((r.stdout + r.stderr).split())
        check("with the copy turned off in the stack, no server uploads and the schedule still applies",
              r.returncode == 0 and "etcd-s3" not in c["pi-1"] and c["pi-1"]["etcd-snapshot-schedule-cron"] == "0 */6 * * *",
              out[-1200:])
        return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
