"""Classes mapped by GitHub team on a real JupyterHub (the z2jh 4.4.0 hub image's versions): the hub is
configured by `npm run plan -- --stack dev --json` for a site whose tenants list `groups` (GitHub teams,
`org:team-slug`), people sign in over HTTP against a stand-in for GitHub on 127.0.0.1
(testing/standin_github.py, which answers GET /user/teams as GitHub does), and servers are started by the
stand-in for KubeSpawner (testing/standin_spawner.py, which honours the spawner's `namespace`).

A student whose only link to a class is a team lands in that class's namespace; a student whose teams
match no class is refused with a message naming whom to ask. The only settings this machine changes are
the ones that name the outside world: GitHub's URL and the hub's own callback URL.

Run: python -m pytest components/platform/notebooks/hub/test_hub_tenancy_groups.py (CI:
45-notebook-platform.sh). Needs node, unshare/setpriv (util-linux) and root, as CI has.
"""

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testing"))
from harness import Browser, Hub, hub_values, plan, plan_config_maps, wait_until  # noqa: E402
from standin_github import StandinGitHub  # noqa: E402

ADMIN = "platform-admin"  # Pulumi.dev.yaml's `admins`
CLASSES = [
    {"name": "physics-101", "groups": ["datavis-lab:physics-101"]},
    {"name": "stats-101", "members": ["linus"], "groups": ["datavis-lab:stats-101"]},
]
CLIENT_SECRET = "stand-in-client-secret"
# More teams than one page of GitHub's answer (github.py asks per_page=100): the class's team is on page 2.
CLUBS = [f"datavis-lab:chess-club-{n:03d}" for n in range(120)]
PEOPLE = {
    "ada": ["datavis-lab", "datavis-lab:physics-101"],  # in physics-101 only through its team
    "grace": ["datavis-lab", *CLUBS, "datavis-lab:stats-101"],  # stats-101's team, after 120 others
    "linus": ["datavis-lab"],  # a listed member of stats-101, in no team
    "eve": ["datavis-lab", "datavis-lab:chess-club-000"],  # signs in, but her team is no class
    ADMIN: [],
}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pods need root (unshare, setpriv)")


@pytest.fixture(scope="module")
def site():
    doc = plan("dev", authAllowedOrganizations='["datavis-lab"]', tenants=json.dumps(CLASSES))
    values = hub_values(doc)
    cfg = values["hub"]["config"]
    assert cfg["JupyterHub"]["authenticator_class"] == "github"
    idp = StandinGitHub(cfg["GitHubOAuthenticator"]["client_id"], CLIENT_SECRET, PEOPLE).start()
    hub = Hub(
        values,
        plan_config_maps(doc),
        config_overrides={
            "GitHubOAuthenticator": {"github_url": idp.url, "oauth_callback_url": "{hub_url}/hub/oauth_callback"}
        },
        env={"OAUTH_CLIENT_SECRET": CLIENT_SECRET},  # hub.extraEnv: from the Secret hub-oauth
    ).start()
    hub.idp = idp
    yield hub
    hub.stop()
    idp.stop()


def sign_in_with_github(site, login):
    site.idp.signed_in = login
    b = Browser(site)
    b.get("/hub/oauth_login")
    assert b.signed_in_as() == login, site.tail(40)
    return b


@pytest.fixture(scope="module")
def admin(site):
    return sign_in_with_github(site, ADMIN)


REFUSED = "is not in any class or team"


def start(site, admin, login):
    """Signs in and starts a server. ("ready", namespace) where it landed, or ("refused", the page's text).

    The hub answers the spawn form with the refusal when the pre_spawn_hook fails at once, or with the
    pending page when it fails a moment later; then the pending page shows why (JupyterHub 5.5
    handlers/pages.py SpawnPendingHandler: a failed spawn renders its message)."""
    b = sign_in_with_github(site, login)
    r = b.start_server("small")

    def outcome():
        server = admin.api("GET", f"/users/{login}").json()["servers"].get("")
        if server and server.get("ready"):
            return ("ready", server["state"]["started_with"]["namespace"])
        if not server:  # not running nor pending: the spawn failed
            text = r.text if REFUSED in r.text else b.get(f"/hub/spawn-pending/{login}").text
            return ("refused", text)
        return None

    return wait_until(outcome, what=f"{login}'s server ready or refused")


def landed_in(site, admin, login):
    state, where = start(site, admin, login)
    assert state == "ready", (login, where[-1500:], site.tail(30))
    return where


def test_a_student_whose_only_link_to_a_class_is_a_github_team_lands_in_its_namespace(site, admin):
    assert landed_in(site, admin, "ada") == "tenant-physics-101", site.tail(40)


def test_the_students_github_teams_are_their_hub_groups_named_org_colon_team(site, admin):
    sign_in_with_github(site, "ada")
    assert admin.api("GET", "/users/ada").json()["groups"] == ["datavis-lab:physics-101"]
    assert ("GET", "/api/v3/user/teams") in site.idp.calls


def test_a_class_team_on_the_second_page_of_githubs_answer_still_counts(site, admin):
    assert landed_in(site, admin, "grace") == "tenant-stats-101", site.tail(40)


def test_a_listed_member_in_no_team_still_lands_in_their_class(site, admin):
    assert landed_in(site, admin, "linus") == "tenant-stats-101", site.tail(40)


def test_a_student_whose_teams_match_no_class_is_refused_with_whom_to_ask(site, admin):
    state, text = start(site, admin, "eve")
    assert state == "refused"
    assert "eve is not in any class or team" in text, (text[-2000:], site.tail())
    assert ADMIN in text
