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
with GIT_STRATEGY none, the same checks.

In every job log, after the runner's masking, neither the branch's password
nor the token may appear. The example's `npm` steps are replaced by psql
commands (GITHUB_SUBSTITUTIONS, GITLAB_SUBSTITUTIONS; the runner refuses a
substitution the example no longer has a place for).

Usage: run_examples.py --spur build/spur [-v] [--keep]
Exit 0 when every check passed; 1 with "run_examples: FAIL: ..." otherwise.
"""

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.parse

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
"""
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


class Loop:
    def __init__(self, args):
        self.args = args
        self.server = SpurServer(args.spur, keep=args.keep)
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
        self.say(f"pool, CA and `spur serve --tls` at {s.url}")
        s.start()
        s.offer_download()
        with open(s.ca_file) as f:
            self.ca_pem = f.read()
        workdir = os.path.join(s.dir, "checkout")
        os.makedirs(workdir)
        config = os.path.join(s.dir, "spur.yaml")
        with open(config, "w") as f:
            f.write(REPO_CONFIG.format(workdir=workdir))
        secret = {"SPUR_WEBHOOK_SECRET": "runner-examples-webhook-secret-0123456789"}
        s.admin("repo", "add", "acme/shop", "--forge", "github", "--config", config, env=secret)
        s.admin("repo", "add", "acme/web", "--forge", "gitlab", "--config", config, env=secret)
        self.github_token = s.admin_json("token", "create", "--role", "developer", "--owner",
                                         "github-ci")["token"]
        self.gitlab_token = s.admin_json("token", "create", "--role", "developer", "--owner",
                                         "gitlab-ci")["token"]

    # -- GitHub Actions -------------------------------------------------------

    def github_runner(self, **overrides):
        s = self.server
        variables = {"SPUR_SERVER": s.url, "SPUR_CA": self.ca_pem, "SPUR_URL": s.download_url,
                     "SPUR_SHA256": s.download_sha256, **overrides}
        return GitHubRunner(workdir=s.dir, actions_dir=os.path.join(ROOT, "actions"),
                            path=RUNNER_PATH, secrets={"SPUR_TOKEN": self.github_token},
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
        check_no_leak(job.log, {"token": self.github_token})
        return job

    def github_up(self, runner, action, sha, result, rows):
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
        return out

    def github(self):
        s = self.server
        runner = self.github_runner()
        self.say("GitHub: pull_request opened (install from spur-url, create, migrate)")
        served = s.downloads_served()
        first = self.github_up(runner, "opened", "a" * 40, "created", 0)
        expect(s.downloads_served() > served, "the action did not download spur from spur-url")
        self.say("GitHub: synchronize with a new commit (reset, migrate again)")
        second = self.github_up(runner, "synchronize", "b" * 40, "reset", 0)
        self.say("GitHub: reopened at the same commit (kept)")
        self.github_up(runner, "reopened", "b" * 40, "kept", 1)
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

    # -- GitLab CI ------------------------------------------------------------

    def gitlab_runner(self):
        s = self.server

        def project_file(project, name, ref):
            expect(re.fullmatch(r"[^/\s]+/spur", project) is not None and ref,
                   f"include of {project}@{ref}: expected <group>/spur with a ref")
            return os.path.join(ROOT, name.lstrip("/"))

        variables = {
            "SPUR_SERVER": {"value": s.url},
            "SPUR_TOKEN": {"value": self.gitlab_token, "masked": True},
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

    def gitlab_pipeline(self, runner, config, sha, rows):
        predefined = self.predefined(5, sha)
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
        check_no_leak(job.log, {"branch password": password, "token": self.gitlab_token})
        expect(rows_before(job.log) == rows,
               f"GitLab job test saw {rows_before(job.log)} rows, expected {rows}", job.log)
        expect_rows(uri, self.server.ca_file, 1, "pr-5")
        return uri

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
        self.say("GitLab: merge-request pipeline (install from SPUR_URL, create, migrate)")
        first = self.gitlab_pipeline(runner, config, "d" * 40, 0)
        self.say("GitLab: pipeline for a new commit (reset)")
        second = self.gitlab_pipeline(runner, config, "e" * 40, 0)
        self.say("GitLab: stop the environment (drop-database)")
        job = runner.run_job(config, "drop-database", self.predefined(5, "e" * 40))
        expect(job.status == "success", "GitLab job drop-database failed", job.log)
        expect(job.variables.get("GIT_STRATEGY") == "none", "drop-database ran with a checkout")
        check_no_leak(job.log, {"token": self.gitlab_token,
                                "branch password": urllib.parse.urlsplit(second).password})
        expect("pr-5" not in s.branch_names(), f"pr-5 still exists: {s.branch_names()}")
        expect_refused(second, s.ca_file, "after drop-database")
        expect_refused(first, s.ca_file, "after drop-database (first password)")


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
    except (Failure, FixtureError, RunnerError, GitLabRunnerError, ExpressionError) as e:
        print(f"run_examples: FAIL: {e}", file=sys.stderr)
        if loop and not isinstance(e, Failure):
            print(f"--- spur serve log (last lines):\n{loop.server.log_tail()}", file=sys.stderr)
        return 1
    finally:
        if loop:
            loop.server.close()
    print(f"run_examples: PASS ({time.time() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
