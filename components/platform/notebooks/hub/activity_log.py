# Activity log: who started or stopped a server, who signed in, and what admins changed.
# (Loaded by the z2jh chart as hub.extraConfig.)
#
# JupyterHub's event log (jupyter_events) already records server starts and stops (schema
# https://schema.jupyter.org/jupyterhub/events/server-action). This adds one schema of our own for sign-ins
# and for admin actions (every successful change made through the hub's REST API by an admin user: what
# the admin page does), and routes all events to:
#   - a file on the hub's persistent volume, rotated at midnight UTC, keeping `retentionDays` days;
#   - the hub's stdout, for whatever log collector the cluster runs.
# Settings come from the chart's `custom.datavis.activityLog` values: {directory, retentionDays}.
import logging
import logging.handlers
import os
import re
import sys

from jupyterhub.log import log_request
from z2jh import get_config

ACTIVITY_SCHEMA_ID = "https://datavis.io/schemas/jupyterhub/activity"
ACTIVITY_SCHEMA = {
    "$id": ACTIVITY_SCHEMA_ID,
    "version": "1",
    "title": "Platform activity",
    "description": "Sign-ins and admin actions on the hub.",
    "type": "object",
    "required": ["action", "username"],
    "properties": {
        "action": {"enum": ["login", "admin-action"]},
        "username": {"type": "string", "description": "who signed in, or the admin who acted"},
        "method": {"type": "string"},
        "path": {"type": "string", "description": "API path acted on (admin actions)"},
        "status": {"type": "integer"},
        "authenticator": {"type": "string"},
    },
}
_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# NativeAuthenticator's admin pages that change an account with a plain link (GET, then a redirect):
# authorize/unauthorize and discard a sign-up (nativeauthenticator 1.3.0 `get_handlers`), and the admin's
# password reset form (POST).
_NATIVE_ADMIN_PATHS = re.compile(r"/hub/(authorize|discard|change-password)/[^/]+$")

_settings = get_config("custom.datavis.activityLog", {}) or {}
_directory = _settings.get("directory", "/srv/jupyterhub/activity")
_retention_days = int(_settings.get("retentionDays", 90))


def activity_handlers(directory, retention_days):
    """The event log's destinations: a daily-rotated file keeping `retention_days` days, and stdout."""
    os.makedirs(directory, exist_ok=True)
    to_file = logging.handlers.TimedRotatingFileHandler(
        os.path.join(directory, "events.log"),
        when="midnight",
        utc=True,
        backupCount=retention_days,
        encoding="utf-8",
    )
    return [to_file, logging.StreamHandler(sys.stdout)]


def emit_activity(eventlog, data):
    """Records one activity event, registering our schema with this hub's event logger on first use."""
    if eventlog is None:
        return None
    if ACTIVITY_SCHEMA_ID not in eventlog.schemas:
        eventlog.register_event_schema(ACTIVITY_SCHEMA)
    return eventlog.emit(schema_id=ACTIVITY_SCHEMA_ID, data=data)


def record_login(authenticator, handler, authentication):
    """post_auth_hook: a sign-in that the authenticator accepted."""
    if authentication:
        emit_activity(
            handler.settings.get("eventlog"),
            {
                "action": "login",
                "username": str(authentication.get("name", "")),
                "authenticator": type(authenticator).__name__,
            },
        )
    return authentication


def _acting_admin(handler):
    """Name of the admin user behind a request, or None (services and tokens of non-admins are not)."""
    try:
        user = handler.current_user
    except Exception:
        return None
    if user is None or not getattr(user, "admin", False) or not hasattr(user, "name"):
        return None
    return user.name


def log_request_with_admin_actions(handler):
    """The hub's request log, plus an `admin-action` event for each successful change made by an admin."""
    log_request(handler)
    request = handler.request
    status = handler.get_status()
    api_change = request.method in _MUTATING and "/hub/api/" in request.path
    native_change = bool(_NATIVE_ADMIN_PATHS.search(request.path)) and request.method in {"GET", "POST"}
    if (api_change or native_change) and status < 400:
        admin = _acting_admin(handler)
        if admin:
            emit_activity(
                handler.settings.get("eventlog"),
                {
                    "action": "admin-action",
                    "username": admin,
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                },
            )


c.EventLogger.handlers = activity_handlers(_directory, _retention_days)  # noqa: F821
c.Authenticator.post_auth_hook = record_login  # noqa: F821
c.JupyterHub.tornado_settings = {  # noqa: F821
    **c.JupyterHub.get("tornado_settings", {}),  # noqa: F821
    "log_function": log_request_with_admin_actions,
}
