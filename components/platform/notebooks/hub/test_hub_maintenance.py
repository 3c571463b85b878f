"""Read-only maintenance on a real hub: a site runs normally, the operator switches
`maintenanceMode` on (`pulumi up`: the hub restarts with the new values, user servers keep running), and
people see what the requirements ask for ("users can view their data without performing any operations").

Same machinery as test_hub_journeys.py: the values of `npm run plan -- --stack edge --json`, with and
without `--config maintenanceMode=true --config maintenanceMessage=...`.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testing"))
from harness import Browser, Hub, hub_values, plan, plan_config_maps, wait_until  # noqa: E402

ADMIN, ADMIN_PASSWORD = "platform-admin", "admin-passphrase-of-the-site-42"
STUDENT, STUDENT_PASSWORD = "grace", "grace-long-enough-passphrase-3"
MESSAGE = "Upgrading the database until 10:00 UTC"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pods need root (unshare, setpriv)")


def running(admin, user):
    return admin.api("GET", f"/users/{user}").json()["servers"].get("", {})


@pytest.fixture(scope="module")
def site():
    """A site used normally: the student has a running server with a notebook they saved."""
    normal = plan("edge")
    hub = Hub(hub_values(normal), plan_config_maps(normal)).start()
    try:
        before_maintenance(hub)
    except BaseException:
        hub.stop()  # a failed setup must not leave the hub and its servers running
        raise
    yield hub
    hub.stop()


def before_maintenance(hub):
    admin, student = Browser(hub), Browser(hub)
    admin.sign_up(ADMIN, ADMIN_PASSWORD)
    admin.sign_in(ADMIN, ADMIN_PASSWORD)
    student.sign_up(STUDENT, STUDENT_PASSWORD)
    admin.get(f"/hub/authorize/{STUDENT}")
    student.sign_in(STUDENT, STUDENT_PASSWORD)
    student.start_server("small")
    wait_until(lambda: running(admin, STUDENT).get("ready"), what="server ready")
    saved = student.server_api(STUDENT, "PUT", "/contents/mine.txt", json={"type": "file", "format": "text", "content": "before"})
    assert saved.status_code in (200, 201), saved.text
    hub.before = {"pid": running(admin, STUDENT)["state"]["pid"]}

    maintenance = plan("edge", maintenanceMode="true", maintenanceMessage=MESSAGE)
    hub.upgrade(hub_values(maintenance))
    # Sessions survive the restart (the cookie secret is on the hub's volume).
    hub.admin, hub.student = admin, student


def test_servers_running_before_maintenance_are_stopped(site):
    wait_until(lambda: not running(site.admin, STUDENT), timeout=300, what="the earlier server stopped")
    pid = site.before["pid"]
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), what="its process gone")


def test_every_hub_page_shows_why(site):
    home = site.student.get("/hub/home")
    assert home.status_code == 200 and MESSAGE in home.text
    assert MESSAGE in Browser(site).get("/hub/login").text


def test_a_server_started_in_maintenance_shows_the_users_files(site):
    wait_until(lambda: not running(site.admin, STUDENT), timeout=300, what="the earlier server stopped")
    r = site.student.start_server("small")
    assert r.status_code == 200, site.tail()
    wait_until(lambda: running(site.admin, STUDENT).get("ready"), what="maintenance server ready")
    assert running(site.admin, STUDENT)["state"]["started_with"]["home_read_only"] is True
    mine = site.student.server_api(STUDENT, "GET", "/contents/mine.txt")
    assert mine.status_code == 200 and mine.json()["content"] == "before"
    listing = site.student.server_api(STUDENT, "GET", "/contents/examples")
    assert listing.status_code == 200


def test_in_maintenance_the_home_is_read_only(site):
    wait_until(lambda: running(site.admin, STUDENT).get("ready"), what="maintenance server ready")
    changed = site.student.server_api(
        STUDENT, "PUT", "/contents/mine.txt", json={"type": "file", "format": "text", "content": "after"}
    )
    assert changed.status_code >= 400
    created = site.student.server_api(STUDENT, "PUT", "/contents/new.txt", json={"type": "file", "format": "text", "content": "x"})
    assert created.status_code >= 400
    deleted = site.student.server_api(STUDENT, "DELETE", "/contents/mine.txt")
    assert deleted.status_code >= 400
    assert site.student.server_api(STUDENT, "GET", "/contents/mine.txt").json()["content"] == "before"


def test_nobody_can_sign_up_in_maintenance(site):
    newcomer = Browser(site)
    newcomer.sign_up("newcomer", "newcomer-long-passphrase-1")
    assert "<td>newcomer</td>" not in site.admin.get("/hub/authorize").text


def test_existing_accounts_still_sign_in(site):
    b = Browser(site)
    b.sign_in(STUDENT, STUDENT_PASSWORD)
    assert b.signed_in_as() == STUDENT


def test_the_activity_log_records_the_stop_and_the_read_only_start(site):
    wait_until(lambda: running(site.admin, STUDENT).get("ready"), what="maintenance server ready")
    servers = [(e["action"], e["username"]) for e in site.activity() if e.get("__schema__", "").endswith("server-action")]
    assert servers.count(("start", STUDENT)) >= 2 and ("stop", STUDENT) in servers
