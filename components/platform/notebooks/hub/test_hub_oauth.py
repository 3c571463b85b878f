"""OAuth sign-in on a real hub: GitHub (the dev stack's provider) against a stand-in for GitHub on 127.0.0.1
(testing/standin_github.py), with the hub configured by `npm run plan -- --stack dev --json` and
`authAllowedOrganizations` set to an organization and an organization's team. The only settings this
machine changes are the ones that name the outside world: GitHub's URL and the hub's own callback URL.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "testing"))
from harness import Browser, hub_values, plan  # noqa: E402
from standin_github import hub_signing_in_with  # noqa: E402

ORGS = '["datavis-lab","physics:students"]'
CLIENT_SECRET = "stand-in-client-secret"
PEOPLE = {
    "ada": ["datavis-lab"],  # member of the allowed organization
    "grace": ["physics:students", "physics"],  # in the allowed team
    "linus": ["physics"],  # in the organization of the team, not in the team
    "eve": ["elsewhere"],  # in no allowed organization
    "platform-admin": [],  # the stack's admin, in no organization
}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pods need root (unshare, setpriv)")


@pytest.fixture(scope="module")
def github_hub():
    with hub_signing_in_with(hub_values(plan("dev", authAllowedOrganizations=ORGS)), PEOPLE, None, CLIENT_SECRET) as hub:
        yield hub


def sign_in_with_github(hub, login):
    hub.idp.signed_in = login
    b = Browser(hub)
    r = b.get("/hub/oauth_login")
    return b, r


@pytest.mark.parametrize("login", ["ada", "grace"])
def test_members_of_an_allowed_organization_or_team_sign_in(github_hub, login):
    b, r = sign_in_with_github(github_hub, login)
    assert b.signed_in_as() == login, github_hub.tail(30)
    assert b.api("GET", "/user").json()["admin"] is False


@pytest.mark.parametrize("login", ["linus", "eve"])
def test_people_outside_the_allowed_organizations_and_teams_are_refused(github_hub, login):
    b, r = sign_in_with_github(github_hub, login)
    assert r.status_code == 403
    assert b.signed_in_as() is None


def test_the_admin_signs_in_without_being_in_an_organization(github_hub):
    b, _ = sign_in_with_github(github_hub, "platform-admin")
    assert b.signed_in_as() == "platform-admin"
    assert b.api("GET", "/user").json()["admin"] is True


def test_membership_was_asked_of_the_identity_provider(github_hub):
    asked = {path for method, path in github_hub.idp.calls}
    assert "/api/v3/orgs/datavis-lab/members/ada" in asked
    assert "/api/v3/orgs/physics/teams/students/members/grace" in asked


def test_github_sign_ins_are_in_the_activity_log(github_hub):
    logins = [e["username"] for e in github_hub.activity() if e.get("action") == "login"]
    assert "ada" in logins and "grace" in logins and "eve" not in logins and "linus" not in logins
