"""Classes mapped by identity-provider group on a real JupyterHub (the z2jh 4.4.0 hub image's versions): the
hub is configured by `npm run plan -- --stack dev --json` for a site whose tenants list `groups`, people
sign in over HTTP against a stand-in provider on 127.0.0.1, and servers are started by the stand-in for
KubeSpawner (testing/standin_spawner.py, which honours the spawner's `namespace`):
- GitHub teams (`org:team-slug`): testing/standin_github.py answers GET /user/teams as GitHub does;
- Microsoft Entra ID groups (object ids): testing/standin_entra.py puts them in the ID token's `groups`.

A student whose only link to a class is a group lands in that class's namespace; a student whose groups
match no class is refused with a message naming whom to ask. The only settings this machine changes are
the ones that name the outside world: the provider's URL and the hub's own callback URL.

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
from standin_entra import StandinEntra  # noqa: E402
from standin_github import hub_signing_in_with  # noqa: E402

ADMIN = "platform-admin"  # Pulumi.dev.yaml's `admins`
CLASSES = [
    {"name": "physics-101", "groups": ["datavis-lab:physics-101"]},
    {"name": "stats-101", "members": ["linus"], "groups": ["datavis-lab:stats-101"]},
]
CLIENT_SECRET = "stand-in-client-secret"
# More teams than one page of GitHub's answer (github.py asks per_page=100): the class's team is on page 2.
CLUBS = [f"datavis-lab:chess-club-{n:03d}" for n in range(120)]
PEOPLE = {  # copied per site: a test may add a person to a team
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
    with hub_signing_in_with(hub_values(doc), dict(PEOPLE), plan_config_maps(doc), CLIENT_SECRET) as hub:
        yield hub


def sign_in(site, login):
    """The person signs in with the site's identity provider (their browser has a session there)."""
    site.idp.signed_in = login
    b = Browser(site)
    b.get("/hub/oauth_login")
    assert b.signed_in_as() == login, site.tail(40)
    return b


@pytest.fixture(scope="module")
def admin(site):
    return sign_in(site, ADMIN)


REFUSED = "is not in any class or team"


def start(site, admin, login):
    """Signs in and starts a server. ("ready", namespace) where it landed, or ("refused", the page's text).

    The hub answers the spawn form with the refusal when the pre_spawn_hook fails at once, or with the
    pending page when it fails a moment later; then the pending page shows why (JupyterHub 5.5
    handlers/pages.py SpawnPendingHandler: a failed spawn renders its message)."""
    b = sign_in(site, login)
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
    sign_in(site, "ada")
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



def test_a_student_added_to_a_class_team_lands_there_at_her_next_sign_in(site, admin):
    site.idp.people["eve"] = [*PEOPLE["eve"], "datavis-lab:physics-101"]
    assert landed_in(site, admin, "eve") == "tenant-physics-101", site.tail(40)


# -- Microsoft Entra ID: groups arrive as the ID token's `groups` claim, object ids by default -------------
ENTRA_TENANT = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
PHYSICS_GROUP = "5d0c6a47-8a8e-4d5b-9f0e-3c1b2a4d6e7f"  # object id of the security group "Physics 101"
CHESS_GROUP = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
ENTRA_CLASSES = [{"name": "physics-101", "groups": [PHYSICS_GROUP.upper()]}]  # ids match without case
ENTRA_PEOPLE = {
    "ada@example.edu": [CHESS_GROUP, PHYSICS_GROUP],  # in physics-101 only through her group
    "eve@example.edu": [CHESS_GROUP],  # in the directory, but her group is no class
    ADMIN: [],
}


@pytest.fixture(scope="module")
def entra_site():
    doc = plan(
        "dev",
        authProvider="entra",
        authEntraTenantId=ENTRA_TENANT,
        authAllowedOrganizations="[]",
        tenants=json.dumps(ENTRA_CLASSES),
    )
    values = hub_values(doc)
    cfg = values["hub"]["config"]
    assert cfg["JupyterHub"]["authenticator_class"] == "azuread"
    idp = StandinEntra(ENTRA_TENANT, cfg["AzureAdOAuthenticator"]["client_id"], CLIENT_SECRET, ENTRA_PEOPLE).start()
    hub = Hub(
        values,
        plan_config_maps(doc),
        config_overrides={
            "AzureAdOAuthenticator": {"graph_url": idp.url, "oauth_callback_url": "{hub_url}/hub/oauth_callback"}
        },
        env={"OAUTH_CLIENT_SECRET": CLIENT_SECRET},
    ).start()
    hub.idp = idp
    yield hub
    hub.stop()
    idp.stop()


@pytest.fixture(scope="module")
def entra_admin(entra_site):
    return sign_in(entra_site, ADMIN)


def test_entra_a_student_whose_only_link_to_a_class_is_a_group_lands_in_its_namespace(entra_site, entra_admin):
    assert landed_in(entra_site, entra_admin, "ada@example.edu") == "tenant-physics-101", entra_site.tail(40)
    groups = entra_admin.api("GET", "/users/ada@example.edu").json()["groups"]
    assert sorted(groups) == sorted([CHESS_GROUP, PHYSICS_GROUP])


def test_entra_a_student_whose_groups_match_no_class_is_refused_with_whom_to_ask(entra_site, entra_admin):
    state, text = start(entra_site, entra_admin, "eve@example.edu")
    assert state == "refused"
    assert "eve@example.edu is not in any class or team" in text, (text[-2000:], entra_site.tail())
    assert ADMIN in text
