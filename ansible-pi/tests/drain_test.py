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
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ANSIBLE_PI = os.path.dirname(HERE)
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"  {'ok   ' if ok else 'FAIL '} {name}" + ("" if ok or not detail else f"\n        {detail}"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_etcd(k8s_bin):
    for root, _, files in os.walk(k8s_bin):
        if "etcd" in files:
            return os.path.join(root, "etcd")
    raise SystemExit(f"no etcd binary under {k8s_bin}")


def main():
    k8s_bin = sys.argv[1]
    kubectl_bin = os.path.join(k8s_bin, "kubectl")
    work = tempfile.mkdtemp(prefix="drain-test-")
    procs = []
    try:
        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        etcd = subprocess.Popen(
            [find_etcd(k8s_bin), "--name", "drain-test", "--data-dir", f"{work}/etcd",
             "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
             "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
             "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-cluster", f"drain-test=http://127.0.0.1:{peer_port}"],
            stdout=open(f"{work}/etcd.log", "w"), stderr=subprocess.STDOUT)
        procs.append(etcd)
        subprocess.run(["openssl", "genrsa", "-out", f"{work}/sa.key", "2048"], check=True, capture_output=True)
        subprocess.run(["openssl", "rsa", "-in", f"{work}/sa.key", "-pubout", "-out", f"{work}/sa.pub"],
                       check=True, capture_output=True)
        token = "drain-test-admin-token"
        with open(f"{work}/tokens.csv", "w") as f:
            f.write(f'{token},admin,admin,"system:masters"\n')
        api = subprocess.Popen(
            [os.path.join(k8s_bin, "kube-apiserver"), "--etcd-servers", f"http://127.0.0.1:{etcd_port}",
             "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(api_port),
             "--cert-dir", f"{work}/certs", "--token-auth-file", f"{work}/tokens.csv",
             "--authorization-mode", "RBAC", "--service-cluster-ip-range", "10.43.0.0/16",
             "--service-account-issuer", "https://kubernetes.default.svc",
             "--service-account-key-file", f"{work}/sa.pub",
             "--service-account-signing-key-file", f"{work}/sa.key",
             # No controller-manager creates the namespaces' default ServiceAccount.
             "--disable-admission-plugins", "ServiceAccount"],
            stdout=open(f"{work}/apiserver.log", "w"), stderr=subprocess.STDOUT)
        procs.append(api)
        kubeconfig = f"{work}/kubeconfig"
        with open(kubeconfig, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "t",
                       "clusters": [{"name": "t", "cluster": {"server": f"https://127.0.0.1:{api_port}",
                                                              "insecure-skip-tls-verify": True}}],
                       "users": [{"name": "t", "user": {"token": token}}],
                       "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}]}, f)

        def kubectl(*args, stdin=None):
            return subprocess.run([kubectl_bin, "--kubeconfig", kubeconfig, *args], input=stdin,
                                  capture_output=True, text=True)

        ready = False
        for _ in range(240):
            if api.poll() is not None:
                break
            r = kubectl("get", "--raw", "/readyz")
            if r.returncode == 0 and r.stdout.strip() == "ok":
                ready = True
                break
            time.sleep(0.5)
        check("kube-apiserver and etcd serve on 127.0.0.1", ready,
              open(f"{work}/apiserver.log").read()[-1500:] if not ready else "")
        if not ready:
            return 1

        def apply(obj):
            r = kubectl("apply", "-f", "-", stdin=json.dumps(obj))
            if r.returncode != 0:
                raise SystemExit(f"kubectl apply failed: {r.stderr}")
            return json.loads(kubectl("get", obj["kind"].lower(), obj["metadata"]["name"], "-n",
                                      obj["metadata"].get("namespace", "default"), "-o", "json").stdout)

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
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("DRAIN_TEST_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
