"""A stand-in for GitHub's OAuth and REST endpoints on 127.0.0.1, the ones OAuthenticator 17.4.0's
GitHubOAuthenticator calls (oauthenticator/github.py: `authorize_url`, `token_url`, `userdata_url` derived
from `github_url`, and the membership checks of `_check_membership_allowed_organizations`):

  GET  /login/oauth/authorize                         -> 302 back with ?code= (the person's GitHub session)
  POST /login/oauth/access_token                      -> {"access_token", "token_type", "scope"}
  GET  /api/v3/user                                   -> the signed-in person
  GET  /api/v3/orgs/<org>/members/<login>             -> 204 member, 404 not
  GET  /api/v3/orgs/<org>/teams/<team>/members/<login>-> 204 member, 404 not
  GET  /api/v3/user/teams?per_page=100                -> the signed-in person's teams (needs read:org),
                                                          team objects as GitHub's REST API lists them
                                                          ("List teams for the authenticated user": slug,
                                                          name, organization.login, ...), in pages of
                                                          `per_page` linked by a `Link: <...>; rel="next"`

`people` maps a login to its organizations and teams ({"ada": ["datavis-lab", "physics:students"]}); the
test sets `signed_in` to the person whose browser is at GitHub. Tokens are checked on every API call.
"""

import secrets
from contextlib import contextmanager
from urllib.parse import urlencode

from harness import Hub
from standin_http import JsonHandler, LoopbackServer


class StandinGitHub(LoopbackServer):
    def __init__(self, client_id, client_secret, people):
        self.client_id, self.client_secret, self.people = client_id, client_secret, people
        self.signed_in = None
        self.codes, self.tokens, self.scopes = {}, {}, {}
        self.calls = []
        idp = self

        class Handler(JsonHandler):
            def do_GET(self):
                url, q = self.seen(idp.calls)
                if url.path == "/login/oauth/authorize":
                    if q.get("client_id") != idp.client_id or not idp.signed_in:
                        return self.reply(400, {"error": "bad client or nobody signed in"})
                    code = secrets.token_hex(8)
                    # The scopes the person grants are the ones the authorize request asked for.
                    idp.codes[code] = (idp.signed_in, (q.get("scope") or "").split())
                    target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
                    return self.reply(302, headers={"Location": target})
                token = (self.headers.get("Authorization") or "").split(" ")[-1]
                login = idp.tokens.get(token)
                if login is None:
                    return self.reply(401, {"message": "Bad credentials"})
                parts = url.path.strip("/").split("/")
                if url.path == "/api/v3/user":
                    return self.reply(200, {"login": login, "id": abs(hash(login)) % 10**6, "name": login.title(), "email": None})
                if url.path == "/api/v3/user/teams":
                    if "read:org" not in idp.granted_scopes(token):
                        return self.reply(403, {"message": "Resource not accessible by integration"})
                    return self.teams_page(login, int(q.get("page", "1")), int(q.get("per_page", "30")))
                if parts[:3] == ["api", "v3", "orgs"] and len(parts) == 6 and parts[4] == "members":
                    org, member = parts[3], parts[5]
                    return self.reply(204 if org in idp.memberships(member) else 404)
                if parts[:3] == ["api", "v3", "orgs"] and len(parts) == 8 and parts[4] == "teams":
                    org, team, member = parts[3], parts[5], parts[7]
                    return self.reply(204 if f"{org}:{team}" in idp.memberships(member) else 404)
                return self.reply(404, {"message": "Not Found"})

            def teams_page(self, login, page, per_page):
                teams = [t for t in idp.memberships(login) if ":" in t]
                teams = sorted(teams)[(page - 1) * per_page : page * per_page + 1]
                more = len(teams) > per_page
                body = [idp.team_object(t) for t in teams[:per_page]]
                link = {}
                if more:
                    nxt = f"{idp.url}/api/v3/user/teams?" + urlencode({"per_page": per_page, "page": page + 1})
                    link = {"Link": f'<{nxt}>; rel="next"'}
                return self.reply(200, body, headers=link)

            def do_POST(self):
                url, _ = self.seen(idp.calls)
                form = self.form()
                if url.path != "/login/oauth/access_token":
                    return self.reply(404, {"message": "Not Found"})
                if self.client_credentials(form) != (idp.client_id, idp.client_secret):
                    return self.reply(401, {"error": "incorrect_client_credentials"})
                login, scopes = idp.codes.pop(form.get("code", ""), (None, []))
                if login is None:
                    return self.reply(400, {"error": "bad_verification_code"})
                token = secrets.token_hex(16)
                idp.tokens[token] = login
                idp.scopes[token] = scopes
                # GitHub answers the granted scopes comma-separated.
                return self.reply(200, {"access_token": token, "token_type": "bearer", "scope": ",".join(scopes)})

        self.serve(Handler)

    def memberships(self, login):
        return set(self.people.get(login, []))

    def granted_scopes(self, token):
        return self.scopes.get(token, [])

    def team_object(self, org_team):
        """One team as GitHub lists it: the slug is the team's URL name, `name` its display name."""
        org, slug = org_team.split(":", 1)
        return {
            "id": abs(hash(org_team)) % 10**6,
            "slug": slug,
            "name": slug.replace("-", " ").title(),
            "html_url": f"{self.url}/orgs/{org}/teams/{slug}",
            "privacy": "closed",
            "permission": "pull",
            "organization": {"login": org, "id": abs(hash(org)) % 10**6},
        }


@contextmanager
def hub_signing_in_with(values, people, config_maps=None, client_secret="stand-in-client-secret"):
    """A hub configured from `values` (GitHub sign-in) that signs people in through a stand-in GitHub knowing
    `people` (login -> organizations and org:team names); `hub.idp` is the stand-in. Both stop at the end."""
    cfg = values["hub"]["config"]
    assert cfg["JupyterHub"]["authenticator_class"] == "github"
    idp = StandinGitHub(cfg["GitHubOAuthenticator"]["client_id"], client_secret, people).start()
    hub = Hub(
        values,
        config_maps,
        config_overrides={
            "GitHubOAuthenticator": {"github_url": idp.url, "oauth_callback_url": "{hub_url}/hub/oauth_callback"}
        },
        env={"OAUTH_CLIENT_SECRET": client_secret},  # hub.extraEnv: from the Secret hub-oauth
    ).start()
    hub.idp = idp
    try:
        yield hub
    finally:
        hub.stop()
        idp.stop()
