"""What people do on a Pi site's hub, done against a real JupyterHub (the versions of the z2jh 4.4.0 hub
image) configured by the values `npm run plan -- --stack edge --json` generates, with real single-user
servers started by a stand-in for KubeSpawner (testing/standin_spawner.py) and a browser-like client.

The walk-through of docs/notebooks-platform.md ("Day one on a Pi site") is exactly this file's order:
the admin signs up and signs in; a student signs up, is refused until the admin authorizes them, signs in,
starts a server of each profile, finds the example notebooks; Grafana signs them in through the hub.

Run: python -m pytest components/platform/notebooks/hub/test_hub_journeys.py (CI: .ci/suites/45-notebook-platform.sh).
Needs node (for the plan and configurable-http-proxy), unshare/setpriv (util-linux) and root, as CI has.
"""

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import jmespath
import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent / "testing"))
from harness import Browser, Hub, hub_values, plan, plan_config_maps, release, wait_until  # noqa: E402

ADMIN = "platform-admin"  # Pulumi.edge.yaml's `admins`
ADMIN_PASSWORD = "admin-passphrase-of-the-site-42"
STUDENT = "ada"
STUDENT_PASSWORD = "ada-long-enough-passphrase-7"
MAINTENANCE_MESSAGE = "Upgrading the database until 10:00 UTC"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pods need root (unshare, setpriv)")


def edge_values(**config):
    doc = plan("edge", **config)
    return hub_values(doc), plan_config_maps(doc), doc


@pytest.fixture(scope="module")
def site():
    """One edge hub for the module's journey (state carries over from test to test, as on a real site)."""
    values, maps, doc = edge_values()
    hub = Hub(values, maps).start()
    hub.plan = doc
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def admin(site):
    return Browser(site)


@pytest.fixture(scope="module")
def student(site):
    return Browser(site)


def alert(response):
    """The message a NativeAuthenticator/JupyterHub page shows (alert box or login error)."""
    found = re.findall(r'class="alert[^"]*"[^>]*>\s*(.*?)\s*</', response.text, re.S)
    return " ".join(found)


def server_state(admin_browser, username):
    """The admin's view of a user's default server (REST API with admin:server_state)."""
    r = admin_browser.api("GET", f"/users/{username}")
    assert r.status_code == 200, r.text
    return r.json()["servers"].get("", {})


# -- item 1: local sign-in ---------------------------------------------------------------------------------
def test_the_admin_signs_up_and_signs_in(site, admin):
    r = admin.sign_up(ADMIN, ADMIN_PASSWORD)
    assert r.status_code == 200
    r = admin.sign_in(ADMIN, ADMIN_PASSWORD)
    assert r.status_code == 200, site.tail()
    assert admin.signed_in_as() == ADMIN, site.tail()
    assert admin.api("GET", f"/users/{ADMIN}").json()["admin"] is True


def test_a_student_who_signed_up_is_refused_until_the_admin_authorizes_them(site, admin, student):
    r = student.sign_up(STUDENT, STUDENT_PASSWORD)
    assert r.status_code == 200
    student.sign_in(STUDENT, STUDENT_PASSWORD)
    assert student.signed_in_as() is None

    # The admin's authorization page lists the student; the admin clicks "authorize".
    page = admin.get("/hub/authorize")
    assert STUDENT in page.text
    r = admin.get(f"/hub/authorize/{STUDENT}")
    assert r.status_code == 200

    student.sign_in(STUDENT, STUDENT_PASSWORD)
    assert student.signed_in_as() == STUDENT, site.tail()


def test_a_name_nobody_authorized_cannot_sign_in(site):
    stranger = Browser(site)
    stranger.sign_up("mallory", "mallory-long-passphrase-9")
    stranger.sign_in("mallory", "mallory-long-passphrase-9")
    assert stranger.signed_in_as() is None


def test_a_weak_or_common_password_is_refused_at_sign_up(site):
    b = Browser(site)
    b.sign_up("shorty", "short")
    b.sign_up("commoner", "1qaz2wsx3edc")  # 12 characters, in NativeAuthenticator's common-password list
    admin_view = Browser(site)
    admin_view.sign_in(ADMIN, ADMIN_PASSWORD)
    listed = admin_view.get("/hub/authorize").text
    assert "<td>shorty</td>" not in listed and "<td>commoner</td>" not in listed
    assert f"<td>{STUDENT}</td>" in listed


def test_five_wrong_passwords_lock_an_account_even_for_the_right_one(site, admin):
    admin.get(f"/hub/authorize/mallory")  # authorized, so only the lock-out can keep them out
    b = Browser(site)
    for _ in range(5):
        b.sign_in("mallory", "not-the-password-at-all")
        assert b.signed_in_as() is None
    b.sign_in("mallory", "mallory-long-passphrase-9")
    assert b.signed_in_as() is None
    # A different account is not affected.
    other = Browser(site)
    other.sign_in(STUDENT, STUDENT_PASSWORD)
    assert other.signed_in_as() == STUDENT


# -- profiles, examples (item 8), namespaces (issue 14) -----------------------------------------------------
def profiles(site):
    return {p["slug"]: p for p in site.values["singleuser"]["profileList"]}


@pytest.mark.parametrize("slug", ["small", "large", "spark"])
def test_a_student_starts_a_server_of_each_profile_with_its_resources(site, admin, student, slug):
    r = student.start_server(slug)
    assert r.status_code == 200, site.tail()
    wait_until(lambda: server_state(admin, STUDENT).get("ready"), what=f"{slug} server ready")
    # The browser waits on the hub's progress page until the server is up.
    assert urlparse(r.url).path in (f"/hub/spawn-pending/{STUDENT}", f"/user/{STUDENT}/lab"), r.url
    started = server_state(admin, STUDENT)["state"]["started_with"]
    want = profiles(site)[slug]["kubespawner_override"]
    assert started["profile"] == slug
    assert started["cpu_guarantee"] == want["cpu_guarantee"] and started["cpu_limit"] == want["cpu_limit"]
    from jupyterhub.traitlets import ByteSpecification

    to_bytes = lambda v: ByteSpecification().validate(None, v)  # noqa: E731 (JupyterHub's own parsing)
    assert started["mem_guarantee"] == to_bytes(want["mem_guarantee"])
    assert started["mem_limit"] == to_bytes(want["mem_limit"])
    # The student reaches their own server's API through the proxy (OAuth with the hub).
    status = student.server_api(STUDENT, "GET", "/status")
    assert status.status_code == 200, status.text
    r = student.api("DELETE", f"/users/{STUDENT}/server")
    assert r.status_code in (202, 204), r.text
    wait_until(lambda: not server_state(admin, STUDENT), what="server stopped")


def test_two_students_servers_land_in_the_namespace_the_spawner_gives(site, admin, student):
    """Where two students' servers land on a site whose config maps nobody to a tenant (Pulumi.edge.yaml):
    the namespace the spawner's configuration gives (KubeSpawner's `namespace`, or `user_namespace_template`
    when `enable_user_namespaces` is set): `jupyterhub` for both. With tenants that list members, each lands
    in their tenant's namespace: test_hub_tenancy.py."""
    other = Browser(site)
    other.sign_up("linus", "linus-long-passphrase-5")
    admin.get("/hub/authorize/linus")
    other.sign_in("linus", "linus-long-passphrase-5")
    landed = {}
    for name, browser in ((STUDENT, student), ("linus", other)):
        browser.start_server("small")
        wait_until(lambda: server_state(admin, name).get("ready"), what=f"{name}'s server ready")
        landed[name] = server_state(admin, name)["state"]["started_with"]["namespace"]
    print("servers landed in:", landed)
    kube = site.values["hub"]["config"].get("KubeSpawner", {})
    for name, namespace in landed.items():
        if kube.get("enable_user_namespaces"):
            assert namespace == kube["user_namespace_template"].format(username=name, hubnamespace="jupyterhub")
        else:
            assert namespace == "jupyterhub"
    other.api("DELETE", "/users/linus/server")


def test_a_new_users_first_server_has_the_examples_and_the_library(site, admin, student):
    # (The server of the previous test is running.)
    listing = student.server_api(STUDENT, "GET", "/contents/examples")
    assert listing.status_code == 200, listing.text
    names = {f["name"] for f in listing.json()["content"]}
    repo_notebooks = {p.name for p in (Path(__file__).resolve().parents[4] / "notebooks").glob("*.ipynb")}
    assert repo_notebooks and repo_notebooks <= names
    nb = student.server_api(STUDENT, "GET", "/contents/examples/upload-dataset.ipynb")
    assert nb.status_code == 200 and nb.json()["type"] == "notebook"
    # The library is importable by the server's Python (PYTHONPATH), wherever the notebook is.
    started = server_state(admin, STUDENT)["state"]["started_with"]
    lib = Path(started["mounts"]["/opt/datavis/lib/datavis_data"])
    assert (lib / "upload.py").exists() and (lib / "__init__.py").exists()
    env_pythonpath = site.values["singleuser"]["extraEnv"]["PYTHONPATH"]
    assert env_pythonpath.split(":")[0] == "/opt/datavis/lib"


def test_the_examples_default_inputs_are_not_paths_of_a_checkout(site):
    maps = plan_config_maps(site.plan)
    for key, content in maps["datavis-examples"].items():
        if key.endswith(".ipynb"):
            nb = json.loads(content)
            params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
            assert params, key
            assert "node_modules" not in "".join(params[0]["source"]), key


def test_a_users_edits_of_an_example_survive_a_restart(site, admin, student):
    path = "/contents/examples/etl.ipynb"
    nb = student.server_api(STUDENT, "GET", path).json()
    nb["content"]["cells"][0]["source"] = "# my notes"
    r = student.server_api(STUDENT, "PUT", path, json={"type": "notebook", "content": nb["content"]})
    assert r.status_code == 200, r.text
    student.api("DELETE", f"/users/{STUDENT}/server")
    wait_until(lambda: not server_state(admin, STUDENT), what="server stopped")
    student.start_server("small")
    wait_until(lambda: server_state(admin, STUDENT).get("ready"), what="server ready")
    again = student.server_api(STUDENT, "GET", path).json()
    assert again["content"]["cells"][0]["source"] == "# my notes"


# -- item 9: Grafana signs in through the hub --------------------------------------------------------------
def grafana_sign_in(site, browser):
    """What Grafana's generic OAuth does with the settings the plan gives it, against this hub."""
    grafana = release(site.plan, "grafana")["values"]["grafana.ini"]["auth.generic_oauth"]
    service = site.values["hub"]["services"]["grafana"]
    secret = site.secrets["hub.services.grafana.apiToken"]
    on_site = lambda url: re.sub(r"^https?://[^/]+", site.url, url)  # noqa: E731 (the hub's host here)
    assert grafana["client_id"] == service["oauth_client_id"]
    # 1. The browser is sent to the hub's authorize URL and comes back to Grafana's callback with a code.
    r = browser.s.get(
        on_site(grafana["auth_url"]),
        params={"client_id": grafana["client_id"], "response_type": "code", "state": "s1",
                "redirect_uri": service["oauth_redirect_uri"]},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 302, r.text
    location = r.headers["Location"]
    if not location.startswith(service["oauth_redirect_uri"]):
        return None, location
    code = parse_qs(urlparse(location).query)["code"][0]
    # 2. Grafana (server side) exchanges the code and reads the user.
    token = requests.post(
        on_site(grafana["token_url"]),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": service["oauth_redirect_uri"],
              "client_id": grafana["client_id"], "client_secret": secret},
        timeout=60,
    )
    assert token.status_code == 200, token.text
    user = requests.get(
        on_site(grafana["api_url"]),
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=60,
    )
    assert user.status_code == 200, user.text
    info = user.json()
    role = jmespath.search(grafana["role_attribute_path"], info)
    return {
        "login": jmespath.search(grafana["login_attribute_path"], info),
        "email": jmespath.search(grafana["email_attribute_path"], info),
        "role": role,
    }, location


def test_grafana_signs_in_a_hub_user_as_viewer_and_an_admin_as_admin(site, admin, student):
    as_student, _ = grafana_sign_in(site, student)
    assert as_student == {"login": STUDENT, "email": f"{STUDENT}@hub.datavis.internal", "role": "Viewer"}
    as_admin, _ = grafana_sign_in(site, admin)
    assert as_admin["login"] == ADMIN and as_admin["role"] == "Admin"


def test_grafana_sends_someone_not_signed_in_to_the_hubs_sign_in_page(site):
    result, location = grafana_sign_in(site, Browser(site))
    assert result is None and "/hub/login" in location


# -- activity log --------------------------------------------------------------------------------------------
def test_the_activity_log_recorded_each_step(site):
    events = site.activity()
    logins = {e["username"] for e in events if e.get("action") == "login"}
    assert {ADMIN, STUDENT} <= logins
    assert "mallory" not in logins  # refused and locked out: never signed in
    servers = [(e["action"], e["username"]) for e in events if e.get("__schema__", "").endswith("server-action")]
    assert ("start", STUDENT) in servers and ("stop", STUDENT) in servers
    admin_actions = [e for e in events if e.get("action") == "admin-action"]
    assert any(e["username"] == ADMIN and e["path"].endswith(f"/authorize/{STUDENT}") for e in admin_actions)
