"""A throwaway kube-apiserver (and etcd) on 127.0.0.1 for the playbooks that talk to a cluster.

K8S_BIN is the folder tools/cluster/build.sh fills (kube-apiserver, kubectl, etcd*/etcd). Authentication is
one static admin token; no controller-manager runs, so no default ServiceAccount is made and the
ServiceAccount admission plugin is off. Everything stops, and the folder goes, when the `with` block ends
(APISERVER_TEST_KEEP=1 keeps the folder for a look at the logs).
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_etcd(k8s_bin):
    for root, _, files in os.walk(k8s_bin):
        if "etcd" in files:
            return os.path.join(root, "etcd")
    raise SystemExit(f"no etcd binary under {k8s_bin}")


class ApiServer:
    def __init__(self, k8s_bin, name="ansible-test"):
        self.k8s_bin = k8s_bin
        self.name = name
        self.kubectl_bin = os.path.join(k8s_bin, "kubectl")
        self.work = tempfile.mkdtemp(prefix=f"{name}-")
        self.kubeconfig = f"{self.work}/kubeconfig"
        self.procs = []
        self.ready = False

    def __enter__(self):
        work = self.work
        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        self.procs.append(subprocess.Popen(
            [find_etcd(self.k8s_bin), "--name", self.name, "--data-dir", f"{work}/etcd",
             "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
             "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
             "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
             "--initial-cluster", f"{self.name}=http://127.0.0.1:{peer_port}"],
            stdout=open(f"{work}/etcd.log", "w"), stderr=subprocess.STDOUT))
        subprocess.run(["openssl", "genrsa", "-out", f"{work}/sa.key", "2048"], check=True, capture_output=True)
        subprocess.run(["openssl", "rsa", "-in", f"{work}/sa.key", "-pubout", "-out", f"{work}/sa.pub"],
                       check=True, capture_output=True)
        token = f"{self.name}-admin-token"
        with open(f"{work}/tokens.csv", "w") as f:
            f.write(f'{token},admin,admin,"system:masters"\n')
        api = subprocess.Popen(
            [os.path.join(self.k8s_bin, "kube-apiserver"), "--etcd-servers", f"http://127.0.0.1:{etcd_port}",
             "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(api_port),
             "--cert-dir", f"{work}/certs", "--token-auth-file", f"{work}/tokens.csv",
             "--authorization-mode", "RBAC", "--service-cluster-ip-range", "10.43.0.0/16",
             "--service-account-issuer", "https://kubernetes.default.svc",
             "--service-account-key-file", f"{work}/sa.pub",
             "--service-account-signing-key-file", f"{work}/sa.key",
             # No controller-manager creates the namespaces' default ServiceAccount.
             "--disable-admission-plugins", "ServiceAccount"],
            stdout=open(f"{work}/apiserver.log", "w"), stderr=subprocess.STDOUT)
        self.procs.append(api)
        with open(self.kubeconfig, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "t",
                       "clusters": [{"name": "t", "cluster": {"server": f"https://127.0.0.1:{api_port}",
                                                              "insecure-skip-tls-verify": True}}],
                       "users": [{"name": "t", "user": {"token": token}}],
                       "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}]}, f)
        for _ in range(240):
            if api.poll() is not None:
                break
            r = self.kubectl("get", "--raw", "/readyz")
            if r.returncode == 0 and r.stdout.strip() == "ok":
                self.ready = True
                break
            time.sleep(0.5)
        return self

    def log_tail(self, n=1500):
        return open(f"{self.work}/apiserver.log").read()[-n:]

    def kubectl(self, *args, stdin=None):
        return subprocess.run([self.kubectl_bin, "--kubeconfig", self.kubeconfig, *args], input=stdin,
                              capture_output=True, text=True)

    def apply(self, obj):
        r = self.kubectl("apply", "-f", "-", stdin=json.dumps(obj))
        if r.returncode != 0:
            raise SystemExit(f"kubectl apply failed: {r.stderr}")
        return json.loads(self.kubectl("get", obj["kind"].lower(), obj["metadata"]["name"], "-n",
                                       obj["metadata"].get("namespace", "default"), "-o", "json").stdout)

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("APISERVER_TEST_KEEP") != "1" and os.environ.get("DRAIN_TEST_KEEP") != "1":
            shutil.rmtree(self.work, ignore_errors=True)
