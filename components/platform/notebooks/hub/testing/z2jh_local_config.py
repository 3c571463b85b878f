# jupyterhub_config.py for a hub run on 127.0.0.1 by the tests, fed with the chart values the plan
# generates (merged onto the z2jh 4.4.0 chart defaults, as Helm does).
#
# It applies those values the way z2jh 4.4.0's own jupyterhub/files/hub/jupyterhub_config.py does, for
# every key the platform sets (line numbers are of that file at tag 4.4.0):
#   hub.db.{type, url}                -> c.JupyterHub.db_url                      (lines 63-69)
#   hub.templateVars                  -> c.JupyterHub.template_vars               (lines 81-95)
#   singleuser.{profileList, cpu, memory, extraEnv, lifecycleHooks, initContainers, serviceAccountName,
#              defaultUrl, startTimeout}          -> c.KubeSpawner.*                           (lines 145-181, 446)
#   singleuser.storage (dynamic)      -> home volume + mount, then extraVolumes/extraVolumeMounts
#                                                                                  (lines 255-362)
#   POD_NAMESPACE                     -> c.KubeSpawner.namespace                   (line 134)
#   hub.services                      -> c.JupyterHub.services, api_token from the chart's Secret
#                                                                                  (lines 422-432)
#   hub.loadRoles                     -> c.JupyterHub.load_roles                   (lines 434-439)
#   hub.config                        -> c[section].update(cfg) per section        (lines 499-526)
#   hub.extraConfig                   -> exec() of each entry, sorted by key        (lines 539-542)
# and then hands everything configured for KubeSpawner to the stand-in spawner (standin_spawner.py).
# What is not done here: the idle culler service (cull.*: needs jupyterhub-idle-culler, tested upstream),
# the proxy's own pod (configurable-http-proxy runs as the hub's subprocess instead), Kubernetes objects.
import json
import os
import sys

from jupyterhub.utils import url_path_join  # noqa: F401  (in scope for extraConfig, as in z2jh's file)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# testing/z2jh.py: the chart's helper module, reading the values file instead of the mounted Secret.
from z2jh import get_config, get_secret_value, set_config_if_not_none  # noqa: E402

runtime = json.loads(open(os.environ["DATAVIS_HUB_RUNTIME"]).read())

# -- the local process around it (what the hub pod and the proxy pod provide in the cluster) --------------
c.JupyterHub.ip = "127.0.0.1"  # noqa: F821  (`c` is the config object traitlets puts in scope)
c.JupyterHub.port = runtime["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = runtime["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{runtime['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [runtime["chp"]]
c.ConfigurableHTTPProxy.should_start = True
# z2jh lines 63-69: the hub's database. SQLite lives in the hub pod's volume (here the state directory).
# Any other type takes hub.db.url, whose server this machine supplies (runtime "db_url": a local PostgreSQL,
# test_hub_database.py), libpq reading PGPASSWORD/PGSSLMODE from the hub's environment as in the pod; tests
# about something else give none and keep the hub's state in SQLite here (the URL names the cluster's host).
if get_config("hub.db.type") == "sqlite-pvc" or not runtime.get("db_url"):
    c.JupyterHub.db_url = f"sqlite:///{runtime['state_dir']}/jupyterhub.sqlite"
else:
    c.JupyterHub.db_url = runtime["db_url"]
c.JupyterHub.cookie_secret_file = os.path.join(runtime["state_dir"], "cookie_secret")
c.JupyterHub.pid_file = os.path.join(runtime["state_dir"], "hub.pid")

# z2jh lines 50-59: user servers outlive a hub restart; no wait before the progress page.
c.JupyterHub.cleanup_servers = False
c.JupyterHub.last_activity_interval = 60
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}

# -- z2jh's mapping, lines 81-95 ------------------------------------------------------------------------
for trait, cfg_key in (
    ("base_url", None),
    ("allow_named_servers", None),
    ("template_paths", None),
    ("template_vars", None),
):
    if cfg_key is None:
        cfg_key = "".join(p if i == 0 else p.capitalize() for i, p in enumerate(trait.split("_")))
    set_config_if_not_none(c.JupyterHub, trait, "hub." + cfg_key)

# line 134: servers run in the hub's namespace unless configuration says otherwise.
c.KubeSpawner.namespace = runtime.get("pod_namespace", "jupyterhub")

# lines 145-181
for trait, cfg_key in (
    ("start_timeout", "startTimeout"),
    ("service_account", "serviceAccountName"),
    ("lifecycle_hooks", "lifecycleHooks"),
    ("init_containers", "initContainers"),
    ("mem_limit", "memory.limit"),
    ("mem_guarantee", "memory.guarantee"),
    ("cpu_limit", "cpu.limit"),
    ("cpu_guarantee", "cpu.guarantee"),
    ("environment", "extraEnv"),
    ("profile_list", "profileList"),
):
    set_config_if_not_none(c.KubeSpawner, trait, "singleuser." + cfg_key)

# lines 255-362: the home volume (dynamic storage), then the extra volumes and mounts.
volumes, volume_mounts = {}, {}
if get_config("singleuser.storage.type") == "dynamic":
    pvc_name_template = get_config("singleuser.storage.dynamic.pvcNameTemplate")
    if pvc_name_template:
        c.KubeSpawner.pvc_name_template = pvc_name_template
    volume_name_template = get_config("singleuser.storage.dynamic.volumeNameTemplate")
    volumes = {
        volume_name_template: {
            "name": volume_name_template,
            "persistentVolumeClaim": {"claimName": "{pvc_name}"},
        }
    }
    volume_mounts = {
        volume_name_template: {
            "mountPath": get_config("singleuser.storage.homeMountPath"),
            "name": volume_name_template,
            "subPath": get_config("singleuser.storage.dynamic.subPath"),
        }
    }
extra_volumes = get_config("singleuser.storage.extraVolumes", default={})
if isinstance(extra_volumes, dict):
    volumes.update(extra_volumes)
else:
    for idx, volume in enumerate(extra_volumes):
        volumes[f"{idx}-{volume['name']}"] = volume
extra_volume_mounts = get_config("singleuser.storage.extraVolumeMounts", default={})
if isinstance(extra_volume_mounts, dict):
    volume_mounts.update(extra_volume_mounts)
else:
    for idx, volume_mount in enumerate(extra_volume_mounts):
        volume_mounts[f"{idx}-{volume_mount['name']}"] = volume_mount
c.KubeSpawner.volumes = volumes
c.KubeSpawner.volume_mounts = volume_mounts

# lines 364, 422-439: services (api_token from the chart's Secret) and roles.
c.JupyterHub.services = []
c.JupyterHub.load_roles = []
for key, service in get_config("hub.services", {}).items():
    service.setdefault("name", key)
    service.pop("apiToken", None)
    service["api_token"] = get_secret_value(f"hub.services.{key}.apiToken")
    c.JupyterHub.services.append(service)
for key, role in get_config("hub.loadRoles", {}).items():
    role.setdefault("name", key)
    c.JupyterHub.load_roles.append(role)

set_config_if_not_none(c.Spawner, "default_url", "singleuser.defaultUrl")

# lines 499-526: hub.config pass-through.
for section, cfg in get_config("hub.config", {}).items():
    if section == "JupyterHub":
        cfg.pop("proxy_auth_token", None)
        cfg.pop("cookie_secret", None)
        cfg.pop("services", None)
    if not section[:1].isupper():
        sys.exit(f"FATAL: Invalid hub.config section name: {section}.")
    c[section].update(cfg)

# What this machine supplies instead of the outside world (e.g. a stand-in identity provider's URLs).
_hub_url = f"http://127.0.0.1:{runtime['port']}"
for section, cfg in runtime.get("config_overrides", {}).items():
    c[section].update({k: v.replace("{hub_url}", _hub_url) if isinstance(v, str) else v for k, v in cfg.items()})

# lines 539-542: hub.extraConfig, sorted by key, exec'd in this file's scope.
for key, config_py in sorted(get_config("hub.extraConfig", {}).items()):
    print(f"Loading extra config: {key}")
    exec(config_py)

# -- the stand-in spawner gets everything KubeSpawner was given --------------------------------------------
from standin_spawner import PlanSpawner  # noqa: E402

c.JupyterHub.spawner_class = PlanSpawner
for trait, value in c.KubeSpawner.items():
    if trait in PlanSpawner.class_trait_names():
        c.PlanSpawner[trait] = value
c.PlanSpawner.config_maps_file = runtime["config_maps_file"]
c.PlanSpawner.local_root = runtime["state_dir"]
c.PlanSpawner.singleuser_python = runtime["singleuser_python"]
c.PlanSpawner.http_timeout = 300
c.PlanSpawner.start_timeout = 300
