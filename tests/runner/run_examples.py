#!/usr/bin/env python3
"""The pull-request loop of examples/github-actions.yml and
examples/gitlab-ci.yml, played the way GitHub Actions and GitLab CI run them
(github_runner.py, gitlab_runner.py), against a real `spur serve --tls` on
loopback (spur_fixture.py).

GitHub (repository acme/shop, PR 7): opened -> the test job installs spur
from spur-url (checksum verified), creates pr-7 with the repository's
migration, its Test step writes a row through db_url, and the harness reads it
back with sslmode=verify-full and the pool's CA; a new commit resets the branch
(the row is gone, the migration ran again); a re-run of that commit keeps it;
closed -> the cleanup job deletes pr-7 and its password is refused. A wrong
spur-sha256 stops the job before a branch exists. GitLab (project acme/web,
MR 5): the template's jobs through include/extends/!reference, the stop job
with GIT_STRATEGY none, the same checks. Both run with one CI token scoped to
acme/shop and acme/web (`spur token create --repo`).

The PR comment: the repositories are registered with `forge:` settings that
point spur serve at a fake GitHub/GitLab on loopback (fake_forge.py), with
the forge token in the daemon's environment only. After the first push the
PR has exactly one comment by spur's forge user, starting with spur's marker
and showing the migration's result and its CREATE TABLE under "Changes
against `main`"; every later push edits that same comment (PATCH / PUT),
never another user's comment that carries the same marker.

Webhooks (acme/hooks, PR 11 by OctoCat): signed pull_request events to
/hooks/github, each waited for in GET /deliveries on the Unix socket. A wrong
signature gets 401; opened creates pr-11 for octocat, migrated and
commented; synchronize resets it and edits the comment; the opened body
resent under a new delivery id is already_applied. Then the token scoped to
acme/hooks runs `ci up` on octocat's branch (kept), while the acme/shop+web
token and an unscoped token of the same owner get exit 7; closed (merged)
deletes pr-11 and every password it had is refused.

In every job log, after the runner's masking, neither the branch's password,
the token nor the forge token may appear; the forge token is also in no log
of spur serve, audit record or delivery result. The example's `npm` steps are replaced by psql
commands (GITHUB_SUBSTITUTIONS, GITLAB_SUBSTITUTIONS; the runner refuses a
substitution the example no longer has a place for).

Usage: run_examples.py --spur build/spur [-v] [--keep]
Exit 0 when every check passed; 1 with "run_examples: FAIL: ..." otherwise.
"""

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

# PyYAML comes from Debian's python3-yaml (scripts/install-deps.sh); a python3
# found first on PATH (pyenv, a venv) may lack it: use the system's then.
try:
    import yaml  # noqa: F401
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

from expressions import ExpressionError  # noqa: E402
from fake_forge import FakeForge  # noqa: E402
from github_runner import GitHubRunner, RunnerError  # noqa: E402
from gitlab_runner import GitLabRunner, RunnerError as GitLabRunnerError  # noqa: E402
from spur_fixture import FixtureError, SpurServer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A runner's PATH without spur on it, so the actions' spur-url install runs.
RUNNER_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
REPO_CONFIG = """source: main
ttl: 1d
migrate: "psql -v ON_ERROR_STOP=1 -q -c 'CREATE TABLE migrated (id int PRIMARY KEY)' \\"$DATABASE_URL\\""
workdir: {workdir}
forge: {forge}
forge_url: {forge_url}
forge_token_env: SPUR_FORGE_TOKEN
"""
WEBHOOK_SECRET = "runner-examples-webhook-secret-0123456789"
HOOKS_REPO, HOOKS_PR, HOOKS_AUTHOR = "acme/hooks", 11, "OctoCat"
COUNT_ROWS = "SELECT count(*) FROM migrated"
INSERT_ROW = "INSERT INTO migrated VALUES (1) ON CONFLICT DO NOTHING"

# The examples' npm steps, replaced by what this test can run: count the rows
# of the migrated table (0 on a fresh or reset branch), then add one.
GITHUB_SUBSTITUTIONS = {
    "Test": f"""rows=$(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt -c '{COUNT_ROWS}')
echo "rows before: $rows"
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -c '{INSERT_ROW}'
""",
    "Post the comment": 'grep -qF "pr-$PR" "$BODY" && echo "comment for PR $PR: $(wc -c <"$BODY") bytes"',
}
GITLAB_SUBSTITUTIONS = {
    "test": {
        # PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE come from the template's eval.
        "npm ci": f"""rows=$(psql "sslmode=verify-full sslrootcert=$SPUR_CACERT" -v ON_ERROR_STOP=1 -qAt -c '{COUNT_ROWS}')""",
        "npm test": f"""echo "rows before: $rows"; psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -c '{INSERT_ROW}'""",
    }
}


class Failure(Exception):
    pass


def expect(condition, message, log=None):
    if not condition:
        if log is not None:
            message += f"\n--- last lines of {log.name}:\n{log.tail()}"
        raise Failure(message)


def check_no_leak(log, secrets):
    """No secret in the job's log as the forge would show it."""
    for what, value in secrets.items():
        expect(bool(value), f"{log.name}: no {what} to look for")
        for line in log.lines:
            if value in line:
                raise Failure(f"{log.name}: the {what} is in the job log, unmasked: "
                              f"{line.replace(value, '<' + what + '>')}")


def verify_full(url, ca_file, sql):
    """psql on the branch with sslmode=verify-full against the pool's CA:
    (exit code, output)."""
    base = url.split("?")[0]
    dsn = f"{base}?sslmode=verify-full&sslrootcert={urllib.parse.quote(ca_file)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql, dsn],
                          capture_output=True, text=True, env=env, timeout=30)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def expect_rows(url, ca_file, count, what):
    code, out = verify_full(url, ca_file, COUNT_ROWS)
    expect(code == 0 and out == str(count),
           f"{what}: with sslmode=verify-full, {COUNT_ROWS} gave {out!r} (exit {code}), "
           f"expected {count}")


def expect_refused(url, ca_file, what):
    code, out = verify_full(url, ca_file, "SELECT 1")
    expect(code != 0, f"{what}: the deleted branch's password still connects: {out!r}")


def rows_before(log):
    found = re.findall(r"^rows before: (\d+)$", log.text(), re.M)
    return int(found[-1]) if found else None


def insert_row(url, ca_file, what):
    code, out = verify_full(url, ca_file, INSERT_ROW)
    expect(code == 0, f"{what}: {INSERT_ROW} failed (exit {code}): {out}")


def marker(repo, number):
    return f"<!-- spur:{repo}#{number} -->"


def expect_comment_body(body, pr, what, hidden):
    """spur's PR comment: its marker first, the migration's result and the
    schema statement the migration made, and no secret."""
    _forge, repo, number = pr
    where = f"{what}: spur's comment on {repo}#{number}"
    expect(body.startswith(marker(repo, number) + "\n"),
           f"{where} does not start with {marker(repo, number)}: {body[:80]!r}")
    expect(re.search(r"^#### Migration\n\n✅ `psql .*CREATE TABLE migrated.*` succeeded in ",
                     body, re.M) is not None,
           f"{where} does not show the migration as succeeded:\n{body}")
    expect("#### Changes against `main`" in body,
           f"{where} has no \"Changes against `main`\" section:\n{body}")
    expect(re.search(r"^CREATE TABLE (public\.)?migrated \(", body, re.M) is not None,
           f"{where} does not show the migration's CREATE TABLE in its schema script:\n{body}")
    for name, value in hidden.items():
        expect(value not in body, f"{where} holds the {name}")


def hook_payload(action, sha, updated_at):
    """A GitHub `pull_request` event of HOOKS_REPO's PR HOOKS_PR, as GitHub
    sends it (the fields spur reads, and a few it does not)."""
    closed = action == "closed"
    return {
        "action": action,
        "number": HOOKS_PR,
        "pull_request": {
            "number": HOOKS_PR, "state": "closed" if closed else "open", "merged": closed,
            "title": "Add the migrated table", "user": {"login": HOOKS_AUTHOR},
            "html_url": f"https://github.com/{HOOKS_REPO}/pull/{HOOKS_PR}",
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(updated_at)),
            "head": {"sha": sha, "ref": "feature"}, "base": {"ref": "main"},
        },
        "repository": {"full_name": HOOKS_REPO},
        "sender": {"login": HOOKS_AUTHOR},
    }


def hook_headers(body, secret, delivery):
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/run-examples",
            "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": f"sha256={signature}"}


def env_lines(text):
    """KEY=VALUE lines (`spur ci up --output env`) as a dict."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


class Loop:
    def __init__(self, args):
        self.args = args
        self.server = SpurServer(args.spur, keep=args.keep)
        self.forge_token = "ghp_" + secrets.token_hex(18)
        self.forge = FakeForge(self.forge_token)
        self.foreign = {}  # PR -> (id, body) of someone else's comment carrying spur's marker
        self.step = 0
        self.started = time.time()

    def say(self, text):
        self.step += 1
        print(f"run_examples: [{self.step}, {time.time() - self.started:.0f} s] {text}",
              file=sys.stderr, flush=True)

    def setup(self):
        for tool in ("bash", "psql", "sha256sum"):
            expect(any(os.access(os.path.join(d, tool), os.X_OK) for d in RUNNER_PATH.split(":")),
                   f"{tool} is needed on {RUNNER_PATH}")
        expect(not any(os.path.exists(os.path.join(d, "spur")) for d in RUNNER_PATH.split(":")),
               f"spur is installed on the runner's PATH ({RUNNER_PATH}); the test must install it")
        s = self.server
        self.say(f"pool, CA and `spur serve --tls` at {s.url} (forge token in its environment), "
                 f"fake GitHub/GitLab at {self.forge.github_url}")
        s.start(serve_env={"SPUR_FORGE_TOKEN": self.forge_token})
        s.offer_download()
        with open(s.ca_file) as f:
            self.ca_pem = f.read()
        workdir = os.path.join(s.dir, "checkout")
        os.makedirs(workdir)
        self.add_repo("acme/shop", "github", self.forge.github_url, workdir)
        self.add_repo("acme/web", "gitlab", self.forge.gitlab_url, workdir)
        self.add_repo(HOOKS_REPO, "github", self.forge.github_url, workdir)
        # The CI's token, scoped to its repositories (docs/ci.md, "Tokens").
        self.ci_token = s.admin_json("token", "create", "--role", "developer", "--owner", "ci",
                                     "--repo", "acme/shop", "--repo", "acme/web")["token"]
        self.hooks_token = s.admin_json("token", "create", "--role", "developer", "--owner",
                                        "hooks-ci", "--repo", HOOKS_REPO)["token"]
        # Same owner as the CI's token, no scope: acts for its own branches only.
        self.unscoped_token = s.admin_json("token", "create", "--role", "developer", "--owner",
                                           "ci")["token"]

    def add_repo(self, name, forge, forge_url, workdir):
        s = self.server
        config = os.path.join(s.dir, f"spur-{name.replace('/', '-')}.yaml")
        with open(config, "w") as f:
            f.write(REPO_CONFIG.format(workdir=workdir, forge=forge, forge_url=forge_url))
        s.admin("repo", "add", name, "--forge", forge, "--config", config,
                env={"SPUR_WEBHOOK_SECRET": WEBHOOK_SECRET})

    # -- the PR comment at the fake forge -------------------------------------

    def seed_foreign_comment(self, pr):
        """Someone else's comment that starts with spur's marker: spur must
        never take it for its own."""
        forge, repo, number = pr
        body = f"{marker(repo, number)}\nnot spur's: a copied marker must not make it spur's"
        other = "mallory" if forge == "github" else 99
        self.foreign[pr] = (self.forge.seed(forge, repo, number, other, body), body)

    def expect_foreign_untouched(self, pr, what):
        foreign_id, body = self.foreign[pr]
        edits = [r for r in self.forge.requests_since() if r.comment_id == foreign_id]
        now = [c for c in self.forge.comments_on(*pr) if c["id"] == foreign_id]
        expect(not edits and now and now[0]["body"] == body and now[0]["edits"] == 0,
               f"{what}: the other user's comment {foreign_id} on {pr[1]}#{pr[2]} (it carries "
               f"spur's marker) was written to: {edits}")

    def expect_pr_comment(self, pr, mark, comment_id, what, hidden):
        """After one push: one comment of spur's on the PR, made by one POST
        (comment_id None) or one edit of comment_id since `mark`; its id."""
        forge, repo, number = pr
        failed = self.forge.failed_requests()
        expect(not failed, f"{what}: the fake {forge} refused or did not know requests: {failed}")
        writes = self.forge.writes_since(mark, forge, repo, number)
        if comment_id is None:
            expect(len(writes) == 1 and writes[0][0] == "POST",
                   f"{what}: spur's writes to the comments of {repo}#{number} were {writes}; "
                   "expected one POST")
        else:
            edit = "PATCH" if forge == "github" else "PUT"
            expect(writes == [(edit, comment_id)],
                   f"{what}: spur did not edit its comment {comment_id} on {repo}#{number} in "
                   f"place: its writes were {writes}, expected [({edit!r}, {comment_id})]")
        mine = [c for c in self.forge.comments_on(*pr) if c["author"] == FakeForge.bot_author(forge)]
        expect(len(mine) == 1,
               f"{what}: {repo}#{number} has {len(mine)} comments by spur's forge user, expected 1")
        expect_comment_body(mine[0]["body"], pr, what, {**hidden, "forge token": self.forge_token})
        self.expect_foreign_untouched(pr, what)
        return mine[0]["id"]

    # -- GitHub Actions -------------------------------------------------------

    def github_runner(self, **overrides):
        s = self.server
        variables = {"SPUR_SERVER": s.url, "SPUR_CA": self.ca_pem, "SPUR_URL": s.download_url,
                     "SPUR_SHA256": s.download_sha256, **overrides}
        return GitHubRunner(workdir=s.dir, actions_dir=os.path.join(ROOT, "actions"),
                            path=RUNNER_PATH, secrets={"SPUR_TOKEN": self.ci_token},
                            variables=variables, substitutions=GITHUB_SUBSTITUTIONS,
                            echo=self.args.verbose, ignore_add_mask=self.args.ignore_add_mask)

    def github_event(self, runner, action, pr, sha, expect_job, status="success"):
        workflow = os.path.join(ROOT, "examples", "github-actions.yml")
        jobs = runner.run_event(workflow, "acme/shop", action, pr, sha)
        for name, result in jobs.items():
            if name != expect_job:
                expect(result.status == "skipped",
                       f"pull_request {action}: job {name} ran ({result.status}); expected only "
                       f"{expect_job}")
        job = jobs[expect_job]
        expect(job.status == status,
               f"pull_request {action}: job {expect_job} ended {job.status}, expected {status}",
               job.log)
        check_no_leak(job.log, {"token": self.ci_token, "forge token": self.forge_token})
        return job

    def github_up(self, runner, action, sha, result, rows, comment_id):
        """One push's test job; its db outputs and the id of spur's comment
        (posted when comment_id is None, else that comment edited)."""
        pr = ("github", "acme/shop", 7)
        mark = self.forge.mark()
        job = self.github_event(runner, action, 7, sha, "test")
        out = job.outputs("db")
        expect(out.get("branch") == "pr-7" and out.get("result") == result,
               f"pull_request {action}: branch/result outputs {out.get('branch')}/"
               f"{out.get('result')}, expected pr-7/{result}", job.log)
        for name in ("db_url", "db_host", "db_port", "db_user", "db_password", "db_name"):
            expect(out.get(name), f"pull_request {action}: output {name} is empty", job.log)
        expect(out.get("migration_exit_code") == "0",
               f"pull_request {action}: migration_exit_code {out.get('migration_exit_code')!r}",
               job.log)
        check_no_leak(job.log, {"branch password": out["db_password"]})
        expect(re.search(r"^\s+DATABASE_URL: \S+:\*\*\*@", job.log.text(), re.M),
               "the Test step's env shows no masked DATABASE_URL (nothing was masked?)", job.log)
        expect(rows_before(job.log) == rows,
               f"pull_request {action}: the Test step saw {rows_before(job.log)} rows, "
               f"expected {rows}", job.log)
        expect(job.steps["comment"]["outcome"] == "success", "the Comment step failed", job.log)
        expect(os.path.isfile(job.outputs("comment").get("path", "")),
               "the Comment step wrote no file", job.log)
        expect_rows(out["db_url"], self.server.ca_file, 1, f"pr-7 after {action}")
        comment_id = self.expect_pr_comment(pr, mark, comment_id, f"pull_request {action}",
                                            {"branch password": out["db_password"]})
        return out, comment_id

    def github(self):
        s = self.server
        runner = self.github_runner()
        self.seed_foreign_comment(("github", "acme/shop", 7))
        self.say("GitHub: pull_request opened (install from spur-url, create, migrate, comment)")
        served = s.downloads_served()
        first, comment = self.github_up(runner, "opened", "a" * 40, "created", 0, None)
        expect(s.downloads_served() > served, "the action did not download spur from spur-url")
        self.say("GitHub: synchronize with a new commit (reset, migrate again, comment edited)")
        second, _ = self.github_up(runner, "synchronize", "b" * 40, "reset", 0, comment)
        self.say("GitHub: reopened at the same commit (kept, comment edited)")
        self.github_up(runner, "reopened", "b" * 40, "kept", 1, comment)
        self.say("GitHub: closed (cleanup job deletes the branch)")
        job = self.github_event(runner, "closed", 7, "b" * 40, "cleanup")
        check_no_leak(job.log, {"branch password": second["db_password"]})
        expect("SPUR_DELETED=true" in job.log.text(), "ci down did not say it deleted", job.log)
        expect("pr-7" not in s.branch_names(), f"pr-7 still exists: {s.branch_names()}")
        expect_refused(second["db_url"], s.ca_file, "after closed")
        expect_refused(first["db_url"], s.ca_file, "after closed (first password)")
        self.say("GitHub: a wrong spur-sha256 stops the job before any branch exists")
        bad = self.github_runner(SPUR_SHA256="0" * 64)
        job = self.github_event(bad, "opened", 8, "c" * 40, "test", status="failure")
        expect("does not match spur-sha256" in job.log.text(),
               "the checksum failure does not say so", job.log)
        expect("pr-8" not in s.branch_names(), "pr-8 was created despite the bad checksum")
        expect(not self.forge.comments_on("github", "acme/shop", 8),
               "PR 8 got a comment though no branch was made")

    # -- GitLab CI ------------------------------------------------------------

    def gitlab_runner(self):
        s = self.server

        def project_file(project, name, ref):
            expect(re.fullmatch(r"[^/\s]+/spur", project) is not None and ref,
                   f"include of {project}@{ref}: expected <group>/spur with a ref")
            return os.path.join(ROOT, name.lstrip("/"))

        variables = {
            "SPUR_SERVER": {"value": s.url},
            "SPUR_TOKEN": {"value": self.ci_token, "masked": True},
            "SPUR_CACERT": {"value": self.ca_pem, "file": True},
            "SPUR_URL": {"value": s.download_url},
            "SPUR_SHA256": {"value": s.download_sha256},
        }
        return GitLabRunner(workdir=s.dir, project_file=project_file, path=RUNNER_PATH,
                            variables=variables, substitutions=GITLAB_SUBSTITUTIONS,
                            echo=self.args.verbose)

    @staticmethod
    def predefined(mr, sha):
        return {"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
                "CI_MERGE_REQUEST_IID": str(mr), "CI_PROJECT_PATH": "acme/web",
                "CI_COMMIT_SHA": sha, "CI_SERVER_URL": "https://gitlab.example.com"}

    def gitlab_pipeline(self, runner, config, sha, rows, comment_id):
        """One push's pipeline; the branch's URI and the id of spur's note
        (posted when comment_id is None, else that note edited)."""
        predefined = self.predefined(5, sha)
        mark = self.forge.mark()
        plan = {}
        for name, job in config.items():
            if isinstance(job, dict) and not name.startswith(".") and name not in (
                    "variables", "default", "workflow"):
                plan[name] = runner.when(job, runner.job_variables(config, job, predefined))
        expect(plan == {"test": "on_success", "drop-database": "manual"},
               f"the merge-request pipeline has {plan}, expected test automatic and "
               "drop-database manual")
        job = runner.run_job(config, "test", predefined)
        expect(job.status == "success", "GitLab job test failed", job.log)
        uri = self.server.admin("uri", "pr-5").strip()
        password = urllib.parse.urlsplit(uri).password
        check_no_leak(job.log, {"branch password": password, "token": self.ci_token,
                                "forge token": self.forge_token})
        expect(rows_before(job.log) == rows,
               f"GitLab job test saw {rows_before(job.log)} rows, expected {rows}", job.log)
        expect_rows(uri, self.server.ca_file, 1, "pr-5")
        comment_id = self.expect_pr_comment(("gitlab", "acme/web", 5), mark, comment_id,
                                            f"GitLab pipeline at {sha[:7]}",
                                            {"branch password": password})
        return uri, comment_id

    def gitlab(self):
        s = self.server
        runner = self.gitlab_runner()
        config = runner.load(os.path.join(ROOT, "examples", "gitlab-ci.yml"))
        test, drop = config["test"], config["drop-database"]
        expect((test.get("environment") or {}).get("on_stop") == "drop-database",
               "job test's environment does not name drop-database as on_stop")
        expect(drop.get("environment", {}).get("action") == "stop" and
               drop["environment"].get("name") == test["environment"].get("name"),
               "drop-database does not stop job test's environment")
        expect((drop.get("variables") or {}).get("GIT_STRATEGY") == "none",
               "drop-database does not set GIT_STRATEGY: none")
        for name, job in config.items():
            reports = ((job.get("artifacts") or {}).get("reports") or {}) if isinstance(job, dict) else {}
            expect("dotenv" not in reports, f"job {name} stores a dotenv artifact")
        self.seed_foreign_comment(("gitlab", "acme/web", 5))
        self.say("GitLab: merge-request pipeline (install from SPUR_URL, create, migrate, note)")
        first, note = self.gitlab_pipeline(runner, config, "d" * 40, 0, None)
        self.say("GitLab: pipeline for a new commit (reset, note edited)")
        second, _ = self.gitlab_pipeline(runner, config, "e" * 40, 0, note)
        self.say("GitLab: stop the environment (drop-database)")
        job = runner.run_job(config, "drop-database", self.predefined(5, "e" * 40))
        expect(job.status == "success", "GitLab job drop-database failed", job.log)
        expect(job.variables.get("GIT_STRATEGY") == "none", "drop-database ran with a checkout")
        check_no_leak(job.log, {"token": self.ci_token, "forge token": self.forge_token,
                                "branch password": urllib.parse.urlsplit(second).password})
        expect("pr-5" not in s.branch_names(), f"pr-5 still exists: {s.branch_names()}")
        expect_refused(second, s.ca_file, "after drop-database")
        expect_refused(first, s.ca_file, "after drop-database (first password)")

    # -- GitHub webhooks instead of CI steps -----------------------------------

    def send_hook(self, body, delivery=None, secret=WEBHOOK_SECRET):
        """POSTs a pull_request event to /hooks/github: (status, reply)."""
        return self.server.post("/hooks/github", body,
                                hook_headers(body, secret, delivery or str(uuid.uuid4())))

    def wait_delivery(self, delivery, what, timeout_s=60):
        """The result of a delivery once the daemon has applied it (GET
        /deliveries on the Unix socket)."""
        deadline = time.time() + timeout_s
        while True:
            status, listed = self.server.local_api("GET", "/deliveries?limit=20")
            expect(status == 200, f"{what}: GET /deliveries answered {status}: {listed}")
            found = [d for d in listed if d.get("delivery_id") == delivery]
            state = found[0].get("state") if found else None
            if state == "done":
                return found[0]["result"]
            expect(state in (None, "pending"),
                   f"{what}: delivery {delivery} ended {state}: {found[0].get('result')}")
            expect(time.time() < deadline, f"{what}: delivery {delivery} not applied after "
                   f"{timeout_s} s (state {state})")
            time.sleep(0.1)

    def deliver(self, action, sha, updated_at):
        """A signed pull_request event, accepted (202) and applied; its result."""
        what = f"webhook {action}"
        delivery = str(uuid.uuid4())
        status, reply = self.send_hook(json.dumps(hook_payload(action, sha, updated_at)).encode(),
                                       delivery)
        expect(status == 202 and reply.get("accepted") is True and
               reply.get("delivery_id") == delivery,
               f"{what}: /hooks/github answered {status} {reply}; expected 202 accepted")
        return self.wait_delivery(delivery, what)

    def expect_hook_up(self, result, action, outcome, comment_id):
        """A done open/sync delivery: the branch's connection; the comment id."""
        what = f"webhook {action}"
        expect(result.get("branch") == f"pr-{HOOKS_PR}" and result.get("result") == outcome,
               f"{what}: branch/result {result.get('branch')}/{result.get('result')}, expected "
               f"pr-{HOOKS_PR}/{outcome}")
        expect((result.get("migration") or {}).get("exit_code") == 0,
               f"{what}: the migration did not pass: {result.get('migration')}")
        expect(result.get("comment_posted") is True and
               (comment_id is None or result.get("comment_id") == comment_id),
               f"{what}: comment_posted {result.get('comment_posted')}, comment_id "
               f"{result.get('comment_id')} (expected {comment_id or 'a new one'}), error "
               f"{result.get('comment_error')!r}")
        owner = self.server.admin_json("branch", "show", f"pr-{HOOKS_PR}").get("owner")
        expect(owner == HOOKS_AUTHOR.lower(),
               f"{what}: pr-{HOOKS_PR} belongs to {owner!r}, expected the PR's author "
               f"{HOOKS_AUTHOR.lower()!r}")
        return result["connection"]["uri"]

    def expect_ci_up_refused(self, token, why, message):
        proc = self.server.client(token, "ci", "up", "--pr", str(HOOKS_PR), "--repo", HOOKS_REPO,
                                  "--sha", "f" * 40)
        expect(proc.returncode == 7 and message in proc.stderr,
               f"ci up on the webhook's pr-{HOOKS_PR} with {why}: exit {proc.returncode}, "
               f"stderr {proc.stderr.strip()!r}; expected exit 7 saying {message!r}")

    def ci_up_on_hook_branch(self, sha):
        """`spur ci up --migrate` (as the examples run it) with the
        repository's scoped CI token on the branch the webhook made for the
        PR's author: kept, the migration not run again (same commit); its URI."""
        proc = self.server.client(self.hooks_token, "--json", "ci", "up", "--pr", str(HOOKS_PR),
                                  "--repo", HOOKS_REPO, "--sha", sha, "--migrate")
        expect(proc.returncode == 0,
               f"ci up --pr {HOOKS_PR} --repo {HOOKS_REPO} with the token scoped to {HOOKS_REPO} "
               f"on the webhook's branch (owner {HOOKS_AUTHOR.lower()}): exit {proc.returncode}: "
               f"{proc.stderr.strip()}")
        reply = json.loads(proc.stdout)
        expect(reply.get("result") == "kept" and reply.get("comment_posted") is True and
               "skipped" in (reply.get("migration") or {}),
               f"ci up on the webhook's branch: result {reply.get('result')!r}, comment_posted "
               f"{reply.get('comment_posted')}, migration {reply.get('migration')}; expected kept, "
               "posted and the migration skipped")
        return reply["connection"]["uri"]

    def hooks(self):
        s, pr = self.server, ("github", HOOKS_REPO, HOOKS_PR)
        head1, head2, now = "1" * 40, "2" * 40, int(time.time())
        self.seed_foreign_comment(pr)
        opened = json.dumps(hook_payload("opened", head1, now)).encode()
        self.say("webhook: a pull_request with a wrong signature is refused")
        status, reply = self.send_hook(opened, secret="not-the-" + WEBHOOK_SECRET)
        expect(status == 401, f"a wrongly signed webhook was answered {status} {reply}")
        self.say(f"webhook: pull_request opened ({HOOKS_REPO} PR {HOOKS_PR}: branch, migrate, "
                 "comment)")
        mark = self.forge.mark()
        first = self.expect_hook_up(self.deliver("opened", head1, now), "opened", "created", None)
        comment = self.expect_pr_comment(pr, mark, None, "webhook opened", {})
        expect_rows(first, s.ca_file, 0, f"pr-{HOOKS_PR} after opened")
        insert_row(first, s.ca_file, f"pr-{HOOKS_PR} after opened")
        self.say("webhook: synchronize with a new head (reset, migrate again, comment edited)")
        mark = self.forge.mark()
        second = self.expect_hook_up(self.deliver("synchronize", head2, now + 60), "synchronize",
                                     "reset", comment)
        self.expect_pr_comment(pr, mark, comment, "webhook synchronize", {})
        expect_rows(second, s.ca_file, 0, f"pr-{HOOKS_PR} after synchronize")
        insert_row(second, s.ca_file, f"pr-{HOOKS_PR} after synchronize")
        status, reply = self.send_hook(opened)
        expect(status == 200 and reply.get("already_applied") is True,
               f"the opened event resent under a new delivery id was answered {status} {reply}; "
               "expected 200 already_applied")
        self.say(f"webhook: the CI token scoped to {HOOKS_REPO} runs ci up on the author's branch")
        mark = self.forge.mark()
        self.expect_ci_up_refused(self.ci_token, "the token scoped to acme/shop and acme/web",
                                  "this token acts for the pull requests of acme/shop, acme/web")
        self.expect_ci_up_refused(self.unscoped_token, "an unscoped developer token",
                                  f'belongs to "{HOOKS_AUTHOR.lower()}"')
        third = self.ci_up_on_hook_branch(head2)
        expect_rows(third, s.ca_file, 1, f"pr-{HOOKS_PR} after ci up (kept)")
        self.expect_pr_comment(pr, mark, comment, "ci up on the webhook's branch", {})
        self.say("webhook: pull_request closed, merged (branch gone, passwords refused)")
        result = self.deliver("closed", head2, now + 120)
        expect(result.get("deleted") == [f"pr-{HOOKS_PR}"],
               f"webhook closed: deleted {result.get('deleted')}, expected [pr-{HOOKS_PR}]")
        expect(f"pr-{HOOKS_PR}" not in s.branch_names(),
               f"pr-{HOOKS_PR} still exists: {s.branch_names()}")
        for uri, when in ((first, "opened"), (second, "synchronize"), (third, "ci up")):
            expect_refused(uri, s.ca_file, f"after closed (the password from {when})")
        self.expect_foreign_untouched(pr, "webhook closed")

    def forge_token_kept(self):
        """The forge token stays in the daemon: in no log of it, audit
        record or delivery result (job logs are checked job by job)."""
        s = self.server
        with open(s.serve_log, errors="replace") as f:
            expect(self.forge_token not in f.read(), "the forge token is in spur serve's log")
        expect(self.forge_token not in s.admin("--json", "audit"),
               "the forge token is in the audit log")
        _status, listed = s.local_api("GET", "/deliveries?limit=100")
        expect(self.forge_token not in json.dumps(listed), "the forge token is in /deliveries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spur", required=True, help="the spur binary to test")
    parser.add_argument("-v", "--verbose", action="store_true", help="print job logs live")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--ignore-add-mask", action="store_true",
                        help="self-check: the GitHub runner ignores ::add-mask:: (no real runner "
                             "does), so the password reaches the log and the run must fail")
    args = parser.parse_args()
    started = time.time()
    loop = None
    try:
        loop = Loop(args)
        loop.setup()
        loop.github()
        loop.gitlab()
        loop.hooks()
        loop.forge_token_kept()
    except (Failure, FixtureError, RunnerError, GitLabRunnerError, ExpressionError) as e:
        print(f"run_examples: FAIL: {e}", file=sys.stderr)
        if loop and not isinstance(e, Failure):
            print(f"--- spur serve log (last lines):\n{loop.server.log_tail()}", file=sys.stderr)
        return 1
    finally:
        if loop:
            loop.server.close()
            loop.forge.close()
    print(f"run_examples: PASS ({time.time() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
