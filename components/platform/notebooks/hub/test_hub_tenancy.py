"""Students of two classes on a real JupyterHub (the z2jh 4.4.0 hub image's versions) configured by the
values `npm run plan -- --stack edge --json` generates for a site with two tenants, with servers started by
the stand-in for KubeSpawner (testing/standin_spawner.py, which honours the spawner's `namespace`): each
student's server lands in their class's namespace; a user in no class is
refused with a message naming whom to ask.

Run: python -m pytest components/platform/notebooks/hub/test_hub_tenancy.py (CI: 45-notebook-platform.sh).
Needs node, unshare/setpriv (util-linux) and root, as CI has.
"""

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testing"))
from harness import Browser, Hub, hub_values, plan, plan_config_maps, wait_until  # noqa: E402

ADMIN, ADMIN_PASSWORD = "platform-admin", "admin-passphrase-of-the-site-42"  # Pulumi.edge.yaml's `admins`
CLASSES = [
    {"name": "physics-101", "members": ["ada"], "owners": ["platform-admin"]},
    {"name": "stats-101", "members": ["linus"]},
]
PASSWORDS = {"ada": "ada-long-enough-passphrase-7", "linus": "linus-long-passphrase-5", "eve": "eve-long-passphrase-33"}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pods need root (unshare, setpriv)")


@pytest.fixture(scope="module")
def site():
    doc = plan("edge", tenants=json.dumps(CLASSES))
    hub = Hub(hub_values(doc), plan_config_maps(doc)).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def admin(site):
    return Browser(site).register(ADMIN, ADMIN_PASSWORD)


def signed_in(site, admin, name):
    b = Browser(site)
    b.sign_up(name, PASSWORDS[name])
    admin.get(f"/hub/authorize/{name}")
    b.sign_in(name, PASSWORDS[name])
    assert b.signed_in_as() == name, site.tail()
    return b


def started_with(admin, name):
    r = admin.api("GET", f"/users/{name}")
    assert r.status_code == 200, r.text
    return r.json()["servers"].get("", {}).get("state", {}).get("started_with", {})


def test_two_students_of_different_classes_land_in_their_classes_namespaces(site, admin):
    landed = {}
    for name in ("ada", "linus"):
        b = signed_in(site, admin, name)
        b.start_server("small")
        wait_until(lambda: admin.api("GET", f"/users/{name}").json()["servers"].get("", {}).get("ready"),
                   what=f"{name}'s server ready")
        landed[name] = started_with(admin, name)["namespace"]
    print("servers landed in:", landed)
    assert landed == {"ada": "tenant-physics-101", "linus": "tenant-stats-101"}


def test_a_user_in_no_class_is_refused_with_whom_to_ask(site, admin):
    eve = signed_in(site, admin, "eve")
    r = eve.start_server("small")

    # The hub answers the spawn form with the refusal when the pre_spawn_hook fails at once, or with the
    # pending page when it fails a moment later; then that page shows why once the spawn has ended
    # (JupyterHub 5.5 handlers/pages.py SpawnPendingHandler renders a failed spawn's message).
    def refusal():
        if "eve is not in any class or team" in r.text:
            return r.text
        if admin.api("GET", "/users/eve").json()["servers"].get(""):
            return None  # still pending
        return eve.get("/hub/spawn-pending/eve").text

    text = wait_until(refusal, what="eve's spawn refused")
    assert "eve is not in any class or team" in text, (r.status_code, text[-2000:], site.tail())
    assert ADMIN in text
    assert not admin.api("GET", "/users/eve").json()["servers"].get("", {}).get("ready")
