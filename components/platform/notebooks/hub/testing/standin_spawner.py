"""A KubeSpawner stand-in for tests: the pod the plan's values describe, run as a local process.

It reads the same configuration KubeSpawner gets from z2jh (profile_list, cpu/mem, environment, volumes,
volume_mounts, lifecycle_hooks, namespace, enable_user_namespaces) and starts a real `jupyterhub-singleuser`
on 127.0.0.1, so the hub, the proxy and the single-user server talk to each other exactly as in the cluster.
What a kubelet would do is emulated as closely as a single machine allows:

- the home volume (PVC `claim-<user>` in the server's namespace) is a directory that outlives the server;
  a mount with `readOnly: true` becomes a read-only bind mount (`unshare -m` + `mount -o remount,bind,ro`),
  so writes fail with EROFS as they would in the pod;
- a `configMap` volume is materialised from the ConfigMaps the plan registers (`items` key -> path);
- an `emptyDir` volume is a fresh folder per start, shared by the pod's init containers and its server;
- each init container runs to completion, in order, before anything else (its command with its own mounts
  and environment, as uid 1000); one that fails fails the start, as a pod stuck in Init:Error would;
- every `mountPath` in the environment and in the postStart command is rewritten to where the volume lives
  on this machine; the postStart hook runs before the server starts (a kubelet does not mark the
  container ready before postStart returns);
- the server runs as uid 1000 / gid 100, the single-user image's user, never as root;
- a pod's own empty /tmp: environment values under /tmp/ and TMPDIR point into a fresh folder per start.

The profile the user picked (KubeSpawner's form field `profile`) applies its `kubespawner_override` the
way KubeSpawner does (kubespawner/spawner.py `_load_profile`), and the resulting resources and namespace
are kept in the spawner's state, which admins read from the hub's REST API (`admin:server_state`).
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Any, Bool, Dict, List, Unicode, default

SERVER_UID = 1000  # the jovyan user of the Jupyter Docker Stacks images
SERVER_GID = 100


def _as_list(value):
    """KubeSpawner accepts volumes/volume_mounts as a list or as a dict of name -> entry (kubespawner 7)."""
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    return list(value or [])


class PlanSpawner(LocalProcessSpawner):
    profile_list = List(config=True)
    namespace = Unicode("default", config=True)
    enable_user_namespaces = Bool(False, config=True)
    user_namespace_template = Unicode("{hubnamespace}-{username}", config=True)
    volumes = Any([], config=True)
    volume_mounts = Any([], config=True)
    lifecycle_hooks = Dict(config=True)
    init_containers = List(config=True)
    service_account = Unicode("", config=True, allow_none=True)
    pvc_name_template = Unicode("claim-{username}{servername}", config=True)

    config_maps_file = Unicode(config=True, help="JSON {name: {key: content}} of the plan's ConfigMaps")
    local_root = Unicode(config=True, help="where this stand-in keeps volumes")
    singleuser_python = Unicode(sys.executable, config=True)

    # What the server was started with, kept in the hub's database (get_state).
    started_with = Dict()

    @default("options_form")
    def _options_form_default(self):
        if not self.profile_list:
            return ""
        radios = []
        for p in self.profile_list:
            checked = " checked" if p.get("default") else ""
            radios.append(
                f'<label><input type="radio" name="profile" value="{p["slug"]}"{checked}>'
                f' {p["display_name"]}: {p.get("description", "")}</label>'
            )
        return "\n".join(radios)

    def options_from_form(self, formdata):
        return {"profile": formdata.get("profile", [None])[0]}

    def _profile(self):
        wanted = (self.user_options or {}).get("profile")
        for p in self.profile_list:
            if p.get("slug") == wanted:
                return p
        for p in self.profile_list:
            if p.get("default"):
                return p
        return self.profile_list[0] if self.profile_list else {}

    def _subst(self, template):
        servername = f"-{self.name}" if self.name else ""
        return template.format(
            username=self.user.name,
            servername=servername,
            user_server=f"{self.user.name}{servername}",
            hubnamespace=self.namespace,
            pvc_name=self.pvc_name_template.format(username=self.user.name, servername=servername),
        )

    def server_namespace(self):
        if self.enable_user_namespaces:
            return self._subst(self.user_namespace_template)
        return self.namespace

    # -- what the kubelet does ----------------------------------------------------------------------
    def _config_maps(self):
        if not self.config_maps_file:
            return {}
        return json.loads(Path(self.config_maps_file).read_text())

    def _empty_dirs(self, namespace):
        """A fresh folder for every emptyDir volume of the pod (once per start)."""
        for v in _as_list(self.volumes):
            if "emptyDir" in v:
                local = Path(self.local_root) / "pods" / namespace / self.user.name / "emptydir" / self._subst(v["name"])
                if local.exists():
                    shutil.rmtree(local)
                local.mkdir(parents=True)
                os.chown(local, SERVER_UID, SERVER_GID)

    def _materialise(self, namespace, volume_mounts=None):
        """Local directory of each mount; returns [(mountPath, localPath, readOnly, kind)]."""
        root = Path(self.local_root)
        volumes = {self._subst(v["name"]): v for v in _as_list(self.volumes)}
        config_maps = self._config_maps()
        mounts = []
        for m in _as_list(self.volume_mounts if volume_mounts is None else volume_mounts):
            name = self._subst(m["name"])
            volume = volumes.get(name, {})
            if "persistentVolumeClaim" in volume:
                claim = self._subst(volume["persistentVolumeClaim"]["claimName"])
                local = root / "pvc" / namespace / claim
                if m.get("subPath"):
                    local = local / self._subst(m["subPath"])
                if not local.exists():
                    local.mkdir(parents=True)
                    os.chown(local, SERVER_UID, SERVER_GID)
                kind = "pvc"
            elif "configMap" in volume:
                cm_name = volume["configMap"]["name"]
                data = config_maps.get(cm_name)
                if data is None:
                    raise RuntimeError(f"configMap {cm_name} is not in the plan: the pod would not start")
                # Under a per-pod filesystem at its mount path, so that the folders above it exist too (a
                # PYTHONPATH entry /opt/datavis/lib above a mount at /opt/datavis/lib/datavis_data).
                local = root / "pods" / namespace / self.user.name / "fs" / m["mountPath"].lstrip("/")
                if local.exists():
                    shutil.rmtree(local)
                items = volume["configMap"].get("items") or [{"key": k, "path": k} for k in data]
                for item in items:
                    target = local / item["path"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(data[item["key"]])
                kind = "configMap"
            elif "emptyDir" in volume:
                local = root / "pods" / namespace / self.user.name / "emptydir" / name
                kind = "emptyDir"
            else:
                # Secrets and other kinds are not emulated; their mount points simply do not exist here.
                continue
            mounts.append((m["mountPath"], str(local), bool(m.get("readOnly")), kind))
        # Longest mount path first, so /home/jovyan/x wins over /home/jovyan when rewriting paths.
        return sorted(mounts, key=lambda t: -len(t[0]))

    def _rewrite(self, text, mounts):
        """Every mount path in `text` to its local folder, in one pass (a local folder may itself contain a
        mount path, e.g. /tmp), longest path first, and only where a whole path segment ends."""
        if not mounts:
            return text
        local = {m: loc for m, loc, _, _ in mounts}
        # Folders above a configMap mount (three segments or more, never /opt alone) are the pod's too.
        for m, loc, _, kind in mounts:
            if kind != "configMap":
                continue
            parent, folder = Path(m).parent, Path(loc).parent
            while len(parent.parts) >= 4 and str(parent) not in local:
                local[str(parent)] = str(folder)
                parent, folder = parent.parent, folder.parent
        pattern = "|".join(re.escape(m) for m in sorted(local, key=len, reverse=True))
        return re.sub(f"(?:{pattern})(?![\\w.-])", lambda hit: local[hit.group(0)], text)

    def _home(self, mounts):
        for mount_path, local, _, kind in mounts:
            if kind == "pvc":
                return mount_path, local
        raise RuntimeError("no home volume in volume_mounts")

    def get_env(self):
        env = super().get_env()
        for key, value in list(env.items()):
            if isinstance(value, dict) and "valueFrom" in value:
                ref = value["valueFrom"].get("secretKeyRef", {})
                env[key] = f"secret:{ref.get('name')}/{ref.get('key')}"
        return env

    def user_env(self, env):
        return env

    def make_preexec_fn(self, name):
        return None

    async def start(self):
        profile = self._profile()
        for trait, value in (profile.get("kubespawner_override") or {}).items():
            if trait == "environment":
                self.environment = {**self.environment, **value}
            else:
                setattr(self, trait, value)
        namespace = self.server_namespace()
        self._empty_dirs(namespace)
        self.init_logs = []
        for init in self.init_containers:
            self._run_init_container(init, namespace)
        mounts = self._materialise(namespace)
        home_mount, home = self._home(mounts)
        read_only_home = any(kind == "pvc" and ro for _, _, ro, kind in mounts)
        self.started_with = {
            "profile": profile.get("slug"),
            "namespace": namespace,
            "cpu_guarantee": self.cpu_guarantee,
            "cpu_limit": self.cpu_limit,
            "mem_guarantee": self.mem_guarantee,
            "mem_limit": self.mem_limit,
            "home": home,
            "home_read_only": read_only_home,
            "mounts": {m: local for m, local, _, _ in mounts},
            "init_containers": self.init_logs,
        }

        if self.port == 0:
            from jupyterhub.utils import random_port

            self.port = random_port()
        self.ip = "127.0.0.1"
        env = self.get_env()
        # A pod's /tmp is its own and empty at start: paths under /tmp in the environment get this pod's
        # (decided on the values as configured, before mount paths become this machine's folders).
        pod_tmp = Path(self.local_root) / "pods" / namespace / self.user.name / "tmp"
        if pod_tmp.exists():
            shutil.rmtree(pod_tmp)
        pod_tmp.mkdir(parents=True)
        os.chown(pod_tmp, SERVER_UID, SERVER_GID)
        env = {
            k: str(pod_tmp) + str(v)[4:] if str(v).startswith("/tmp/") else self._rewrite(str(v), mounts)
            for k, v in env.items()
        }
        env["TMPDIR"] = str(pod_tmp)
        env["HOME"] = home
        env["PATH"] = os.path.dirname(self.singleuser_python) + ":/usr/bin:/bin"

        as_user = ["setpriv", f"--reuid={SERVER_UID}", f"--regid={SERVER_GID}", "--clear-groups", "--"]
        post_start = (self.lifecycle_hooks.get("postStart") or {}).get("exec", {}).get("command")
        if post_start:
            cmd = [self._rewrite(a, mounts) for a in post_start]
            done = subprocess.run(as_user + cmd, env=env, cwd=home, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"postStart hook failed ({done.returncode}): {done.stderr}")

        server = [self.singleuser_python, "-m", "jupyterhub.singleuser", *self.get_args()]
        binds = ""
        if read_only_home:
            q = shlex.quote(home)
            binds = f"mount --bind {q} {q} && mount -o remount,bind,ro {q} && "
        script = binds + "cd " + shlex.quote(home) + " && exec " + " ".join(shlex.quote(a) for a in as_user + server)
        cmd = ["unshare", "-m", "sh", "-c", script]
        self.log.info("stand-in pod for %s in namespace %s: %s", self.user.name, namespace, script)
        self.proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        self.pid = self.proc.pid
        return ("127.0.0.1", self.port)

    def _run_init_container(self, init, namespace):
        """One init container: its command, its mounts and environment (a fresh /tmp unless mounted), uid 1000."""
        mounts = self._materialise(namespace, init.get("volumeMounts") or [])
        env = {e["name"]: self._rewrite(str(e.get("value", "")), mounts) for e in init.get("env") or []}
        env["PATH"] = os.path.dirname(self.singleuser_python) + ":/usr/bin:/bin"
        tmp = next((local for m, local, _, _ in mounts if m == "/tmp"), None)
        if tmp is None:
            tmp = Path(self.local_root) / "pods" / namespace / self.user.name / "init-tmp"
            tmp.mkdir(parents=True, exist_ok=True)
            os.chown(tmp, SERVER_UID, SERVER_GID)
        env["TMPDIR"] = str(tmp)
        env.setdefault("HOME", str(tmp))
        cmd = [self._rewrite(a, mounts) for a in (init.get("command") or []) + (init.get("args") or [])]
        as_user = ["setpriv", f"--reuid={SERVER_UID}", f"--regid={SERVER_GID}", "--clear-groups", "--"]
        done = subprocess.run(as_user + cmd, env=env, capture_output=True, text=True)
        self.init_logs.append({"name": init.get("name"), "exit": done.returncode, "log": (done.stdout + done.stderr)[-4000:]})
        if done.returncode != 0:
            raise RuntimeError(f"init container {init.get('name')} failed ({done.returncode}): {done.stderr[-2000:]}")

    def get_state(self):
        state = super().get_state()
        if self.started_with:
            state["started_with"] = self.started_with
        return state

    def load_state(self, state):
        super().load_state(state)
        self.started_with = state.get("started_with", {})

    def clear_state(self):
        super().clear_state()
        self.started_with = {}
