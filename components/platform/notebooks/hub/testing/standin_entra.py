"""A stand-in for Microsoft Entra ID's OAuth endpoints on 127.0.0.1, the ones OAuthenticator 17.4.0's
AzureAdOAuthenticator calls (oauthenticator/azuread.py: `authorize_url` and `token_url` derived from
`graph_url` and `tenant_id`; `token_to_user` reads the user from the ID token's claims):

  GET  /<tenant>/oauth2/authorize  -> 302 back with ?code= (the person's Entra session)
  POST /<tenant>/oauth2/token      -> {"access_token", "token_type", "id_token"}

The ID token carries what an app registration with a groups claim gives: `preferred_username`, `name`,
`oid`, `tid`, `aud` and `groups` (the object ids of the person's security groups). It is signed with a key
only this stand-in knows: AzureAdOAuthenticator does not check the signature (azuread.py `token_to_user`,
`verify_signature: False`), having just received the token from the token endpoint over TLS.

`people` maps a user name to its group object ids; the test sets `signed_in`.
"""

import secrets
import time
from urllib.parse import urlencode

import jwt
from standin_http import JsonHandler, LoopbackServer


class StandinEntra(LoopbackServer):
    def __init__(self, tenant_id, client_id, client_secret, people):
        self.tenant_id, self.client_id, self.client_secret, self.people = tenant_id, client_id, client_secret, people
        self.signed_in = None
        self.codes = {}
        self.calls = []
        self._key = secrets.token_hex(32)
        idp = self

        class Handler(JsonHandler):
            def do_GET(self):
                url, q = self.seen(idp.calls)
                if url.path != f"/{idp.tenant_id}/oauth2/authorize":
                    return self.reply(404, {"error": "not_found"})
                if q.get("client_id") != idp.client_id or not idp.signed_in:
                    return self.reply(400, {"error": "invalid_client or nobody signed in"})
                code = secrets.token_hex(8)
                idp.codes[code] = idp.signed_in
                target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
                return self.reply(302, headers={"Location": target})

            def do_POST(self):
                url, _ = self.seen(idp.calls)
                form = self.form()
                if url.path != f"/{idp.tenant_id}/oauth2/token":
                    return self.reply(404, {"error": "not_found"})
                if self.client_credentials(form) != (idp.client_id, idp.client_secret):
                    return self.reply(401, {"error": "invalid_client"})
                user = idp.codes.pop(form.get("code", ""), None)
                if user is None:
                    return self.reply(400, {"error": "invalid_grant", "error_description": "bad code"})
                return self.reply(
                    200,
                    {"access_token": secrets.token_hex(16), "token_type": "Bearer", "id_token": idp.id_token(user)},
                )

        self.serve(Handler)

    def id_token(self, user):
        now = int(time.time())
        claims = {
            "aud": self.client_id,
            "iss": f"{self.url}/{self.tenant_id}/v2.0",
            "tid": self.tenant_id,
            "oid": f"00000000-0000-4000-8000-{abs(hash(user)) % 10**12:012d}",
            "preferred_username": user,
            "name": user.title(),
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "groups": list(self.people.get(user, [])),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")
