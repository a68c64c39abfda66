"""A fake GitHub and GitLab REST API on loopback, for the PR comment that
`spur serve` posts and edits itself (docs/api.md, "The PR comment"): just the
routes spur calls, answered the way the forges do, every request recorded
with the times it arrived and was answered (tests/runner, bench/pr_loop).

GitHub, at http://127.0.0.1:PORT:
  GET   /user                                  {"login": "spur-bot", "id": 7}
  GET   /repos/O/R/issues/N/comments           ?per_page=&page=; items carry user.login
  POST  /repos/O/R/issues/N/comments           {"body"} -> 201 the comment
  PATCH /repos/O/R/issues/comments/ID          {"body"} -> the comment
  with `Authorization: Bearer TOKEN`.
GitLab, at http://127.0.0.1:PORT/api/v4:
  GET   /user                                  {"id": 7, "username": "spur-bot"}
  GET   /projects/ENC/merge_requests/N/notes   ?per_page=&page=; items carry author.id
  POST  /projects/ENC/merge_requests/N/notes   {"body"} -> 201 the note
  PUT   /projects/ENC/merge_requests/N/notes/ID {"body"} -> the note
  with `PRIVATE-TOKEN: TOKEN`; ENC is the URL-encoded project path (acme%2Fweb).

A request without the token gets 401, an unknown route 404, a body that is
not {"body": text} 422: all recorded, so the test can require that none
happened. Comments by others (seed()) are kept like spur's and may carry
spur's marker: only spur's own may be edited.
"""

import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT_LOGIN = "spur-bot"
BOT_ID = 7
GITLAB_PREFIX = "/api/v4"

GITHUB_ROUTES = [
    ("GET", re.compile(r"/user"), "user"),
    ("GET", re.compile(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments"), "list"),
    ("POST", re.compile(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments"), "create"),
    ("PATCH", re.compile(r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)"), "edit"),
]
GITLAB_ROUTES = [
    ("GET", re.compile(r"/user"), "user"),
    ("GET", re.compile(r"/projects/([^/]+)/merge_requests/(\d+)/notes"), "list"),
    ("POST", re.compile(r"/projects/([^/]+)/merge_requests/(\d+)/notes"), "create"),
    ("PUT", re.compile(r"/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)"), "edit"),
]


class Request:
    """One request as the fake forge saw and answered it."""

    def __init__(self, forge, method, path, status, pr=None, comment_id=None, arrived=0.0,
                 answered=0.0):
        self.forge, self.method, self.path, self.status = forge, method, path, status
        self.pr = pr                  # (forge, repo, number) the request was about
        self.comment_id = comment_id  # the comment written (POST) or edited (PATCH/PUT)
        self.arrived = arrived        # time.time() when its headers were read
        self.answered = answered      # time.time() when its answer was ready to send

    def __repr__(self):
        return f"{self.method} {self.path} -> {self.status}"


class FakeForge:
    def __init__(self, token):
        self.token = token
        self.lock = threading.Lock()
        self.requests = []
        self.comments = {}  # (forge, repo, number) -> [{"id", "author", "body", "edits"}]
        self.next_id = 1001
        forge = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                forge._handle(self)

            do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

            def log_message(self, *_args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.github_url = f"http://127.0.0.1:{self.port}"
        self.gitlab_url = f"http://127.0.0.1:{self.port}{GITLAB_PREFIX}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-forge",
                                       daemon=True)
        self.thread.start()

    def close(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    # -- what the test asks -------------------------------------------------

    def seed(self, forge, repo, number, author, body):
        """A comment by someone else (author: a GitHub login or a GitLab
        user id); its id."""
        with self.lock:
            return self._add((forge, repo, number), author, body)["id"]

    def comments_on(self, forge, repo, number):
        with self.lock:
            return [dict(c) for c in self.comments.get((forge, repo, number), [])]

    def mark(self):
        """A position in the request record, for requests_since()."""
        with self.lock:
            return len(self.requests)

    def requests_since(self, mark=0):
        with self.lock:
            return list(self.requests[mark:])

    def writes_since(self, mark, forge, repo, number):
        """The comment writes about one PR since `mark`: [(method, id)]."""
        return [(r.method, r.comment_id) for r in self.requests_since(mark)
                if r.pr == (forge, repo, number) and r.method in ("POST", "PATCH", "PUT")]

    def failed_requests(self):
        """Requests the forge refused or did not know (status >= 400)."""
        return [r for r in self.requests_since() if r.status >= 400]

    @staticmethod
    def bot_author(forge):
        return BOT_LOGIN if forge == "github" else BOT_ID

    # -- serving ------------------------------------------------------------

    def _handle(self, h):
        arrived = time.time()
        url = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        if url.path.startswith(GITLAB_PREFIX + "/"):
            forge, path, routes = "gitlab", url.path[len(GITLAB_PREFIX):], GITLAB_ROUTES
            authorized = h.headers.get("PRIVATE-TOKEN") == self.token
        else:
            forge, path, routes = "github", url.path, GITHUB_ROUTES
            authorized = h.headers.get("Authorization") == f"Bearer {self.token}"
        query = urllib.parse.parse_qs(url.query)
        with self.lock:
            status, reply, pr, comment_id = self._answer(forge, h.command, path, query, raw,
                                                         routes, authorized)
            self.requests.append(Request(forge, h.command, h.path, status, pr, comment_id,
                                         arrived, time.time()))
        data = json.dumps(reply).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _answer(self, forge, method, path, query, raw, routes, authorized):
        """(status, reply, pr, comment id) for one request; under the lock."""
        if not authorized:
            return 401, {"message": "Bad credentials"}, None, None
        for route_method, pattern, kind in routes:
            m = pattern.fullmatch(path)
            if not m or route_method != method:
                continue
            if kind == "user":
                me = {"login": BOT_LOGIN, "id": BOT_ID} if forge == "github" else \
                    {"id": BOT_ID, "username": BOT_LOGIN}
                return 200, me, None, None
            pr = self._pr(forge, kind, m)
            if kind == "list":
                return 200, self._page(forge, pr, query), pr, None
            body = self._body(raw)
            if body is None:
                return 422, {"message": "body must be a JSON object with a text \"body\""}, pr, None
            if kind == "create":
                c = self._add(pr, self.bot_author(forge), body)
                return 201, self._view(forge, c), pr, c["id"]
            return self._edit(forge, pr, int(m.groups()[-1]), body)
        return 404, {"message": "Not Found"}, None, None

    @staticmethod
    def _pr(forge, kind, m):
        """(forge, repo, number); GitHub's edit path names no PR (number None)."""
        if forge == "github":
            return ("github", f"{m.group(1)}/{m.group(2)}",
                    None if kind == "edit" else int(m.group(3)))
        # The project path arrives encoded, as one segment (acme%2Fweb).
        return ("gitlab", urllib.parse.unquote(m.group(1)), int(m.group(2)))

    @staticmethod
    def _body(raw):
        try:
            j = json.loads(raw)
        except ValueError:
            return None
        return j["body"] if isinstance(j, dict) and isinstance(j.get("body"), str) else None

    def _add(self, pr, author, body):
        c = {"id": self.next_id, "author": author, "body": body, "edits": 0}
        self.next_id += 1
        self.comments.setdefault(pr, []).append(c)
        return c

    def _page(self, forge, pr, query):
        per_page = int(query.get("per_page", ["30" if forge == "github" else "20"])[0])
        page = int(query.get("page", ["1"])[0])
        items = self.comments.get(pr, [])
        return [self._view(forge, c) for c in items[(page - 1) * per_page:page * per_page]]

    def _edit(self, forge, pr, comment_id, body):
        if forge == "github":
            # GitHub's edit path names the repository, not the PR.
            found = [(key, c) for key, cs in self.comments.items() for c in cs
                     if key[0] == "github" and key[1] == pr[1] and c["id"] == comment_id]
        else:
            found = [(pr, c) for c in self.comments.get(pr, []) if c["id"] == comment_id]
        if not found:
            return 404, {"message": "Not Found"}, pr, comment_id
        key, c = found[0]
        c["body"] = body
        c["edits"] += 1
        return 200, self._view(forge, c), key, comment_id

    @staticmethod
    def _view(forge, c):
        if forge == "github":
            return {"id": c["id"], "body": c["body"], "user": {"login": c["author"], "type": "User"}}
        return {"id": c["id"], "body": c["body"], "system": False,
                "author": {"id": c["author"], "username": f"user{c['author']}"}}
