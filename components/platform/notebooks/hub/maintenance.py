# Read-only maintenance mode for the hub (loaded by the z2jh chart as hub.extraConfig).
#
# Settings come from the chart's `custom.datavis.maintenance` values, written by the platform layer:
#   enabled: bool   refuse to start new servers (running ones keep serving their files until culled)
#   message: str    why; shown on every page (hub.templateVars.announcement) and in the refusal
# Dashboards and stored data are untouched: only spawning and sign-up are stopped.
from tornado import web
from z2jh import get_config

_maintenance = get_config("custom.datavis.maintenance", {}) or {}

if _maintenance.get("enabled"):
    _message = _maintenance.get("message") or "The platform is in read-only maintenance."

    def _refuse_spawn_in_maintenance(spawner):
        """pre_spawn_hook: no new notebook server while the platform is read-only."""
        spawner.log.info("maintenance mode: refused to start a server for %s", spawner.user.name)
        raise web.HTTPError(503, _message)

    c.Spawner.pre_spawn_hook = _refuse_spawn_in_maintenance  # noqa: F821 (c is the hub's config)
    # Local sign-in: no new accounts while read-only.
    c.NativeAuthenticator.enable_signup = False  # noqa: F821
