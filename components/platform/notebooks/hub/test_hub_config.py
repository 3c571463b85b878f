"""The hub's extra config (maintenance.py, activity_log.py) run against the JupyterHub, jupyter_events,
OAuthenticator and NativeAuthenticator versions the z2jh 4.4.0 hub image ships (pinned in
requirements-test.txt), with the chart's `z2jh.get_config` replaced by the values the platform passes.

Run: python -m pytest components/platform/notebooks/hub (the CI suite 45-notebook-hub.sh does).
"""

import asyncio
import json
import os
import sys
import types
from pathlib import Path

import pytest
from jupyter_events.logger import EventLogger
from traitlets.config import Config

HERE = Path(__file__).parent
VALUES_FILE = os.environ.get("HUB_VALUES_FILE")


def load_custom(overrides=None):
    """The chart values' `custom` section: from the plan (HUB_VALUES_FILE) or a default like it."""
    if VALUES_FILE:
        custom = json.loads(Path(VALUES_FILE).read_text())["custom"]
    else:
        custom = {
            "datavis": {
                "maintenance": {"enabled": False, "message": "read-only"},
                "activityLog": {"directory": "/tmp/activity", "retentionDays": 90},
            }
        }
    for path, value in (overrides or {}).items():
        node = custom
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return custom


def run_snippet(name, custom, prepare=None):
    """Executes one extraConfig file as the chart does (exec with `c` in scope); returns `c`.
    `prepare(c)` sets what z2jh's jupyterhub_config.py has set before extraConfig runs."""
    def get_config(key, default=None):
        node = {"custom": custom, "singleuser": {"storage": {"homeMountPath": "/home/jovyan"}}}
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    sys.modules["z2jh"] = types.SimpleNamespace(get_config=get_config)
    c = Config()
    if prepare:
        prepare(c)
    scope = {"c": c}
    exec(compile((HERE / name).read_text(), name, "exec"), scope)
    return c, scope


def z2jh_before_extra_config(c):
    """What z2jh 4.4.0's jupyterhub_config.py has configured when extraConfig runs (lines 255-365)."""
    c.KubeSpawner.volume_mounts = {
        "volume-{user_server}": {"mountPath": "/home/jovyan", "name": "volume-{user_server}", "subPath": None},
        "0-datavis-config": {"mountPath": "/etc/datavis", "name": "datavis-config", "readOnly": True},
    }
    c.JupyterHub.services = []
    c.JupyterHub.load_roles = []


def maintenance(enabled, message="read-only"):
    return load_custom({"datavis.maintenance.enabled": enabled, "datavis.maintenance.message": message})


def test_maintenance_mode_mounts_the_home_read_only_and_nothing_else_changes_mounts():
    c, _ = run_snippet("maintenance.py", maintenance(True), z2jh_before_extra_config)
    mounts = c.KubeSpawner.volume_mounts
    assert mounts["volume-{user_server}"]["readOnly"] is True
    assert mounts["0-datavis-config"] == {"mountPath": "/etc/datavis", "name": "datavis-config", "readOnly": True}
    assert c.KubeSpawner.environment["JUPYTER_RUNTIME_DIR"].startswith("/tmp/")


def test_maintenance_mode_runs_a_service_allowed_only_to_list_and_stop_servers():
    c, _ = run_snippet("maintenance.py", maintenance(True), z2jh_before_extra_config)
    [service] = c.JupyterHub.services
    assert service["name"] == "datavis-maintenance" and service["command"][1] == "-c"
    [role] = c.JupyterHub.load_roles
    assert role["services"] == ["datavis-maintenance"]
    assert sorted(role["scopes"]) == ["delete:servers", "list:users", "read:servers"]


def test_maintenance_mode_closes_local_sign_up():
    c, _ = run_snippet("maintenance.py", maintenance(True), z2jh_before_extra_config)
    assert c.NativeAuthenticator.enable_signup is False


def test_the_configured_maintenance_switch_is_honoured():
    custom = load_custom()
    c, _ = run_snippet("maintenance.py", custom, z2jh_before_extra_config)
    home = c.KubeSpawner.volume_mounts["volume-{user_server}"]
    assert home.get("readOnly", False) is bool(custom["datavis"]["maintenance"]["enabled"])


def test_outside_maintenance_servers_start_normally():
    c, _ = run_snippet("maintenance.py", maintenance(False), z2jh_before_extra_config)
    assert "readOnly" not in c.KubeSpawner.volume_mounts["volume-{user_server}"]
    assert c.JupyterHub.services == [] and "pre_spawn_hook" not in c.Spawner
    assert "NativeAuthenticator" not in c


def make_eventlog(tmp_path, retention=3):
    c, scope = run_snippet(
        "activity_log.py",
        load_custom({"datavis.activityLog.directory": str(tmp_path), "datavis.activityLog.retentionDays": retention}),
    )
    eventlog = EventLogger(config=c)
    # What JupyterHub.init_eventlog does: its own schemas first.
    import jupyterhub

    for schema in (Path(jupyterhub.__file__).parent / "event-schemas").glob("**/*.yaml"):
        eventlog.register_event_schema(schema)
    return c, scope, eventlog


def read_events(tmp_path):
    for h in logging_handlers():
        h.flush()
    lines = (tmp_path / "events.log").read_text().splitlines()
    return [json.loads(line) for line in lines]


def logging_handlers():
    import logging

    return [h for name in logging.root.manager.loggerDict for h in getattr(logging.getLogger(name), "handlers", [])]


def test_activity_log_keeps_the_configured_number_of_days(tmp_path):
    c, _, _ = make_eventlog(tmp_path, retention=14)
    file_handler = c.EventLogger.handlers[0]
    assert file_handler.when == "MIDNIGHT" and file_handler.utc and file_handler.backupCount == 14
    assert Path(file_handler.baseFilename) == tmp_path / "events.log"


def test_server_start_and_stop_are_recorded(tmp_path):
    _, _, eventlog = make_eventlog(tmp_path)
    for action in ("start", "stop"):
        eventlog.emit(
            schema_id="https://schema.jupyter.org/jupyterhub/events/server-action",
            data={"action": action, "username": "alice", "servername": ""},
        )
    events = read_events(tmp_path)
    assert [(e["action"], e["username"]) for e in events] == [("start", "alice"), ("stop", "alice")]


def test_sign_in_is_recorded(tmp_path):
    c, _, eventlog = make_eventlog(tmp_path)
    handler = types.SimpleNamespace(settings={"eventlog": eventlog})
    authenticator = types.SimpleNamespace()
    result = c.Authenticator.post_auth_hook(authenticator, handler, {"name": "bob"})
    assert result == {"name": "bob"}
    [event] = read_events(tmp_path)
    assert event["action"] == "login" and event["username"] == "bob"
    assert event["__schema__"] == "https://datavis.io/schemas/jupyterhub/activity"


class FakeRequest:
    def __init__(self, method, path):
        self.method, self.path, self.uri = method, path, path
        self.headers = {}
        self.remote_ip = "10.0.0.1"

    def request_time(self):
        return 0.01


class FakeApiHandler:
    def __init__(self, eventlog, user, method, path, status):
        self.settings = {"eventlog": eventlog}
        self.current_user = user
        self.request = FakeRequest(method, path)
        self._status = status

    def get_status(self):
        return self._status


def test_admin_changes_through_the_api_are_recorded(tmp_path):
    c, _, eventlog = make_eventlog(tmp_path)
    log_function = c.JupyterHub.tornado_settings["log_function"]
    admin = types.SimpleNamespace(name="root-admin", admin=True, kind="user")
    student = types.SimpleNamespace(name="student", admin=False, kind="user")
    log_function(FakeApiHandler(eventlog, admin, "DELETE", "/hub/api/users/bob/server", 204))
    log_function(FakeApiHandler(eventlog, admin, "GET", "/hub/api/users", 200))
    log_function(FakeApiHandler(eventlog, student, "POST", "/hub/api/users/student/server", 201))
    log_function(FakeApiHandler(eventlog, admin, "POST", "/hub/api/users/x", 403))
    events = read_events(tmp_path)
    assert [(e["username"], e["method"], e["path"]) for e in events] == [
        ("root-admin", "DELETE", "/hub/api/users/bob/server")
    ]


def test_oauth_and_local_authenticators_named_by_the_platform_exist_with_their_options():
    from traitlets.utils.importstring import import_item  # noqa: F401
    from importlib.metadata import entry_points

    names = {ep.name: ep for ep in entry_points(group="jupyterhub.authenticators")}
    expected = {"github": "allowed_organizations", "google": "hosted_domain", "azuread": "tenant_id", "native": "open_signup"}
    for name, option in expected.items():
        cls = names[name].load()
        assert option in cls.class_trait_names(), f"{cls.__name__} has no {option}"


def test_the_stand_in_spawner_reads_only_settings_kubespawner_has():
    """The hub tests' stand-in (testing/standin_spawner.py) honours KubeSpawner's own settings, by name."""
    from kubespawner import KubeSpawner

    sys.path.insert(0, str(HERE / "testing"))
    from standin_spawner import PlanSpawner

    own = {"config_maps_file", "local_root", "singleuser_python"}
    read = set(PlanSpawner.class_own_traits(config=True)) - own
    assert read and read <= set(KubeSpawner.class_trait_names(config=True))
