#!/usr/bin/env python3
"""The upgrade role's drain against a real kube-apiserver (and etcd) on 127.0.0.1.

Starts etcd and kube-apiserver from K8S_BIN (tools/cluster/build.sh builds them into the cache), creates
the Node objects of tests/inventories/drain.yml and the pods a Pi site has on them: JupyterHub notebook
servers as KubeSpawner creates them (no owner, component=singleuser-server, hub.jupyter.org/username and
servername annotations), a ReplicaSet pod, a DaemonSet pod, and on pi-3 a bare pod that is no notebook.
Then runs the role's drain step (tests/drain.yml) the way upgrade.yml does and checks what a user and the
operator see. No kubelet runs: the test pods have terminationGracePeriodSeconds 0, so the API server removes
them at once where a kubelet would confirm a graceful stop.

Prints "ok    NAME" / "FAIL  NAME" per check; exit 0 when all pass.
usage: drain_test.py K8S_BIN
"""
import json
import os
import subprocess
import sys

from apiserver import ApiServer

HERE = os.path.dirname(os.path.abspath(__file__))
ANSIBLE_PI = os.path.dirname(HERE)
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"  {'ok   ' if ok else 'FAIL '} {name}" + ("" if ok or not detail else f"\n        {detail}"))


def main():
    k8s_bin = sys.argv[1]
    with ApiServer(k8s_bin, "drain-test") as server:
        kubectl, apply, kubeconfig, kubectl_bin = server.kubectl, server.apply, server.kubeconfig, server.kubectl_bin
        check("kube-apiserver and etcd serve on 127.0.0.1", server.ready,
              server.log_tail() if not server.ready else "")
        if not server.ready:
            return 1

        for node in ("pi-1", "pi-2", "pi-3"):
            apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node}}})
        apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "jhub"}})
        rs = apply({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": "hub-5d8f", "namespace": "jhub"},
                    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "hub"}},
                             "template": {"metadata": {"labels": {"app": "hub"}},
                                          "spec": {"containers": [{"name": "hub", "image": "hub:1"}]}}}})
        ds = apply({"apiVersion": "apps/v1", "kind": "DaemonSet",
                    "metadata": {"name": "svclb-traefik", "namespace": "kube-system"},
                    "spec": {"selector": {"matchLabels": {"app": "svclb"}},
                             "template": {"metadata": {"labels": {"app": "svclb"}},
                                          "spec": {"containers": [{"name": "lb", "image": "klipper-lb:1"}]}}}})

        def pod(name, ns, node, labels=None, annotations=None, owner=None):
            meta = {"name": name, "namespace": ns, "labels": labels or {}, "annotations": annotations or {}}
            if owner:
                meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner["kind"], "name": owner["metadata"]["name"],
                                            "uid": owner["metadata"]["uid"], "controller": True}]
            apply({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                   "spec": {"nodeName": node, "terminationGracePeriodSeconds": 0,
                            "containers": [{"name": "c", "image": "img:1"}]}})

        def notebook(name, node, user, server=""):
            pod(name, "jhub", node,
                labels={"app": "jupyterhub", "component": "singleuser-server", "hub.jupyter.org/username": user},
                annotations={"hub.jupyter.org/username": user, "hub.jupyter.org/servername": server})

        notebook("jupyter-alice", "pi-2", "alice")
        notebook("jupyter-bob--spark", "pi-2", "bob", "spark")
        notebook("jupyter-carol", "pi-1", "carol")
        pod("hub-5d8f-x7k2p", "jhub", "pi-2", labels={"app": "hub"}, owner=rs)
        pod("svclb-traefik-pi2", "kube-system", "pi-2", labels={"app": "svclb"}, owner=ds)
        notebook("jupyter-dave", "pi-3", "dave")
        pod("debug-shell", "default", "pi-3")

        def pods_on(node):
            r = kubectl("get", "pods", "-A", "--field-selector", f"spec.nodeName={node}", "-o", "json")
            return sorted(f'{p["metadata"]["namespace"]}/{p["metadata"]["name"]}' for p in json.loads(r.stdout)["items"])

        # What the upgrade role did before: kubectl drain alone refuses a node with a notebook server.
        plain = kubectl("drain", "pi-3", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=20s")
        check("plain kubectl drain (the old upgrade step) refuses a node running a notebook server",
              plain.returncode != 0 and "jhub/jupyter-dave" in plain.stderr, plain.stderr[-400:])
        kubectl("uncordon", "pi-3")

        env = dict(os.environ, PI_KUBECTL=kubectl_bin, PI_KUBECONFIG=kubeconfig, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_CONFIG=os.path.join(ANSIBLE_PI, "ansible.cfg"))

        def drain(limit):
            return subprocess.run(["ansible-playbook", "-i", "tests/inventories/drain.yml", "tests/drain.yml",
                                   "--limit", limit], cwd=ANSIBLE_PI, env=env, capture_output=True, text=True)

        r = drain("pi-2")
        out = r.stdout + r.stderr
        check("the upgrade's drain of a node with notebook servers succeeds", r.returncode == 0, out[-1500:])
        check("it says whose notebook servers it stopped (user, user/named server)",
              "pi-2: stopping 2 notebook server(s) for the upgrade: alice, bob/spark" in " ".join(out.split()),
              out[-800:])
        left = pods_on("pi-2")
        check("the notebook servers and the ReplicaSet's pod are gone from the node, the DaemonSet's stays",
              left == ["kube-system/svclb-traefik-pi2"], str(left))
        node2 = json.loads(kubectl("get", "node", "pi-2", "-o", "json").stdout)
        check("the drained node is cordoned", node2["spec"].get("unschedulable") is True)
        check("notebook servers on other nodes are untouched", pods_on("pi-1") == ["jhub/jupyter-carol"],
              str(pods_on("pi-1")))

        r = drain("pi-3")
        out = r.stdout + r.stderr
        check("a pod that is no notebook and has no owner still stops the drain, named in the error",
              r.returncode != 0 and "default/debug-shell" in out, out[-800:])
        check("... and is not deleted", "default/debug-shell" in pods_on("pi-3"), str(pods_on("pi-3")))
        return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
