"""What the stand-in identity providers share: a JSON-answering request handler, and a server on
127.0.0.1 in a thread that the test starts and stops."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class JsonHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def seen(self, calls):
        """Records this request (method, path) in `calls`; its parsed URL and query parameters."""
        url = urlparse(self.path)
        calls.append((self.command, url.path))
        return url, {k: v[0] for k, v in parse_qs(url.query).items()}

    def form(self):
        """The request's url-encoded form body."""
        length = int(self.headers.get("Content-Length") or 0)
        return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

    def client_credentials(self, form):
        """OAuth clients (OAuthenticator) send their id and secret as HTTP Basic auth or in the form."""
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            cid, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            return cid, secret
        return form.get("client_id"), form.get("client_secret")


class LoopbackServer:
    """Serves `handler` on a free port of 127.0.0.1 (`url`) once started; `stop` closes it."""

    def serve(self, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
