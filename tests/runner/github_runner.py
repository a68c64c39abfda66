"""Plays a GitHub Actions runner for one `pull_request` event: which jobs run
(`on:` types, job `if:`), and for each step what the runner does:

- expressions evaluated by expressions.py (strict: an unknown context,
  function, input, secret or variable fails the run);
- `run:` as a script file under `bash -e {0}` (no shell given) or
  `bash --noprofile --norc -eo pipefail {0}` (`shell: bash`), with a fresh
  $GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_PATH and $GITHUB_STEP_SUMMARY per step,
  read back afterwards (step outputs, env and PATH for later steps);
- `uses:` of spur's own composite actions (`<owner>/spur/actions/NAME@REF`
  maps to actions/NAME/action.yml here): inputs from `with:` and defaults,
  each composite step run as above with $GITHUB_ACTION_PATH, outputs mapped
  from its steps; `actions/checkout` is skipped (there is no repository);
- the log as GitHub shows it: `Run ...` headers with the step's script, `with:`
  and `env:` values, the output lines, workflow commands (`::add-mask::` hides
  the value from every later line, `::error::` ...), secrets masked from the
  start.

Also refuses a composite action whose `run:` text holds `${{` (inputs must
reach the shell through `env:`, or they are script injection).
"""

import json
import os
import re
import subprocess
import tempfile
import uuid

import yaml

from expressions import Contexts, ExpressionError, condition, has_expression, substitute_text
from joblog import JobLog


class RunnerError(Exception):
    """The workflow or action uses something a runner would refuse, or this
    runner does not support."""


WORKFLOW_KEYS = {"name", "on", "env", "jobs", "permissions", "concurrency"}
JOB_KEYS = {"name", "if", "runs-on", "steps", "env", "permissions", "timeout-minutes"}
STEP_KEYS = {"id", "name", "if", "uses", "with", "run", "shell", "env", "working-directory",
             "timeout-minutes"}
COMPOSITE_STEP_KEYS = {"id", "name", "if", "run", "shell", "env", "working-directory"}
STEP_TIMEOUT_S = 180


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def parse_file_command(path, what):
    """NAME=value and NAME<<DELIMITER ... DELIMITER lines, as the runner reads
    $GITHUB_OUTPUT and $GITHUB_ENV."""
    with open(path) as f:
        lines = f.read().split("\n")
    values, i = {}, 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line == "":
            continue
        heredoc = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_-]*)<<(\S+)", line)
        plain = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_-]*)=(.*)", line)
        if heredoc:
            name, delimiter, body = heredoc.group(1), heredoc.group(2), []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise RunnerError(f"{what}: no closing {delimiter} for {name}")
            i += 1
            values[name] = "\n".join(body)
        elif plain:
            values[plain.group(1)] = plain.group(2)
        else:
            raise RunnerError(f"{what}: a line the runner cannot read: {line!r}")
    return values


class Job:
    """One job's runner state: its directories, log, env and PATH additions."""

    def __init__(self, root, job_id, log):
        self.id = job_id
        self.log = log
        self.temp = os.path.join(root, "temp")
        self.workspace = os.path.join(root, "workspace")
        self.home = os.path.join(root, "home")
        for d in (self.temp, self.workspace, self.home):
            os.makedirs(d)
        self.github_env = {}   # from $GITHUB_ENV
        self.path_added = []   # from $GITHUB_PATH, newest first
        self.status = "success"


class Result:
    def __init__(self, status, steps, log):
        self.status = status  # success, failure or skipped
        self.steps = steps    # step id -> {"outcome", "outputs"}
        self.log = log

    def outputs(self, step_id):
        return self.steps[step_id]["outputs"]


class GitHubRunner:
    def __init__(self, *, workdir, actions_dir, path, secrets, variables, substitutions=None,
                 echo=False, ignore_add_mask=False):
        self.workdir = workdir
        self.actions_dir = actions_dir
        self.path = path                     # the runner's PATH before $GITHUB_PATH
        self.secrets = dict(secrets)
        self.variables = dict(variables)
        self.substitutions = dict(substitutions or {})  # step name -> run text (the test's)
        self.echo = echo
        self.ignore_add_mask = ignore_add_mask  # self-check only: a real runner never does
        self.github_token = "ghs_" + uuid.uuid4().hex

    # -- workflow ----------------------------------------------------------

    def run_event(self, workflow_path, repo, action, number, head_sha):
        """Runs the jobs of `workflow_path` that a pull_request event with
        `action` triggers. Returns {job id: Result}."""
        wf = load_yaml(workflow_path)
        on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
        self._check_keys(wf, WORKFLOW_KEYS | {True}, "the workflow")
        if not isinstance(on, dict) or "pull_request" not in on:
            raise RunnerError("the workflow does not run on pull_request")
        types = (on["pull_request"] or {}).get("types", ["opened", "synchronize", "reopened"])
        if action not in types:
            raise RunnerError(f"the workflow does not run on pull_request {action}")
        self._check_substitutions(wf)
        payload = {
            "action": action,
            "number": number,
            "pull_request": {"number": number, "head": {"sha": head_sha},
                             "merged": action == "closed", "state": "closed" if action == "closed" else "open"},
            "repository": {"full_name": repo},
        }
        results = {}
        for job_id, job in wf["jobs"].items():
            results[job_id] = self._run_job(wf, job_id, job, repo, payload, head_sha)
        return results

    def _check_substitutions(self, wf):
        names = {s.get("name") for j in wf["jobs"].values() for s in j.get("steps", [])}
        stale = [n for n in self.substitutions if n not in names]
        if stale:
            raise RunnerError(f"the test substitutes steps the workflow does not have: {stale}")

    def _github(self, repo, payload, head_sha, job, job_id):
        return {
            "event_name": "pull_request",
            "event": payload,
            "repository": repo,
            "repository_owner": repo.split("/")[0],
            "sha": head_sha,
            "ref": f"refs/pull/{payload['number']}/merge",
            "head_ref": "feature",
            "base_ref": "main",
            "actor": "octocat",
            "token": self.github_token,
            "workspace": job.workspace if job else "",
            "job": job_id,
            "run_id": "1",
            "run_attempt": "1",
            "server_url": "https://github.com",
        }

    def _run_job(self, wf, job_id, spec, repo, payload, head_sha):
        self._check_keys(spec, JOB_KEYS, f"job {job_id}")
        github = self._github(repo, payload, head_sha, None, job_id)
        ctx = Contexts({"github": github, "vars": self.variables}, strict={"vars"})
        if not condition(spec.get("if"), ctx):
            return Result("skipped", {}, None)
        root = tempfile.mkdtemp(prefix=f"gh-{job_id}-", dir=self.workdir)
        log = JobLog(f"github/{job_id}", "***", self.echo)
        job = Job(root, job_id, log)
        github = self._github(repo, payload, head_sha, job, job_id)
        for secret in list(self.secrets.values()) + [self.github_token]:
            log.add_mask(secret)
        event_path = os.path.join(job.temp, "event.json")
        with open(event_path, "w") as f:
            json.dump(payload, f)
        base = {
            "HOME": job.home, "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true",
            "RUNNER_OS": "Linux", "RUNNER_TEMP": job.temp, "GITHUB_WORKSPACE": job.workspace,
            "GITHUB_REPOSITORY": repo, "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": event_path, "GITHUB_SHA": head_sha, "GITHUB_JOB": job_id,
            "GITHUB_REF": github["ref"], "GITHUB_ACTOR": "octocat",
        }
        env = {}
        for level in (wf.get("env") or {}, spec.get("env") or {}):
            ctx = self._contexts(github, env, {}, job)
            env.update({k: substitute_text(v, ctx) for k, v in level.items()})
        steps_ctx = {s["id"]: {"outputs": {}, "outcome": None, "conclusion": None}
                     for s in spec["steps"] if "id" in s}
        log.write(f"##[job] {job_id}")
        for step in spec["steps"]:
            self._check_keys(step, STEP_KEYS, f"a step of job {job_id}")
            ctx = self._contexts(github, {**env, **job.github_env}, steps_ctx, job)
            name = step.get("name") or step.get("uses") or step.get("run", "").split("\n")[0]
            if not condition(step.get("if"), ctx):
                log.write(f"##[step skipped] {name}")
                continue
            step_env = {**env, **job.github_env}
            step_env.update({k: substitute_text(v, ctx) for k, v in (step.get("env") or {}).items()})
            if "uses" in step:
                ok, outputs = self._run_uses(step, ctx, github, base, step_env, job)
            else:
                ok, outputs = self._run_workflow_step(step, name, ctx, base, step_env, job)
            if "id" in step:
                outcome = "success" if ok else "failure"
                steps_ctx[step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": outcome}
            if not ok:
                job.status = "failure"
        log.write(f"##[job {job.status}] {job_id}")
        return Result(job.status, steps_ctx, log)

    def _contexts(self, github, env, steps, job, inputs=None):
        values = {"github": github, "env": env, "vars": self.variables,
                  "secrets": self.secrets, "steps": steps}
        strict = {"vars", "secrets", "steps"}
        if inputs is not None:
            values["inputs"] = inputs
            strict.add("inputs")
        return Contexts(values, strict=strict, status=job.status)

    @staticmethod
    def _check_keys(spec, allowed, where):
        unknown = [k for k in spec if k not in allowed]
        if unknown:
            raise RunnerError(f"{where}: keys this runner does not support: {unknown}")

    # -- steps -------------------------------------------------------------

    def _run_workflow_step(self, step, name, ctx, base, env, job):
        run = step["run"]
        if name in self.substitutions:
            run = self.substitutions[name]
            job.log.write(f"##[test] step {name!r}: run replaced by the test's substitution")
        script = substitute_text(run, ctx)
        shell = step.get("shell")
        cwd = os.path.join(job.workspace, step.get("working-directory", ""))
        return self._run_shell(script, shell, base, env, cwd, job)

    def _run_uses(self, step, ctx, github, base, env, job):
        uses = step["uses"]
        job.log.write(f"Run {uses}")
        given = {k: substitute_text(v, ctx) for k, v in (step.get("with") or {}).items()}
        if given:
            job.log.write("  with:")
            for k, v in given.items():
                job.log.write(f"    {k}: " + v.replace("\n", "\n      "))
        if re.fullmatch(r"actions/checkout@\S+", uses):
            job.log.write("(skipped by the test: there is no repository to check out)")
            return True, {}
        m = re.fullmatch(r"[^/\s]+/spur/actions/([a-z0-9-]+)@\S+", uses)
        if not m:
            raise RunnerError(f"uses: {uses}: this runner knows only spur's actions and checkout")
        action_dir = os.path.join(self.actions_dir, m.group(1))
        return self._run_composite(action_dir, given, github, base, env, job)

    def _run_composite(self, action_dir, given, github, base, env, job):
        action = load_yaml(os.path.join(action_dir, "action.yml"))
        runs = action.get("runs") or {}
        if runs.get("using") != "composite":
            raise RunnerError(f"{action_dir}: only composite actions are supported")
        spec = action.get("inputs") or {}
        unknown = [k for k in given if k not in spec]
        if unknown:
            raise RunnerError(f"{action_dir}: unexpected inputs {unknown}")
        defaults_ctx = Contexts({"github": github})
        inputs = {}
        for name, d in spec.items():
            d = d or {}
            if name in given:
                inputs[name] = given[name]
            elif "default" in d:
                inputs[name] = substitute_text(d["default"], defaults_ctx)
            elif d.get("required"):
                raise RunnerError(f"{action_dir}: required input {name} not given")
            else:
                inputs[name] = ""
        steps_ctx = {s["id"]: {"outputs": {}, "outcome": None, "conclusion": None}
                     for s in runs["steps"] if "id" in s}
        action_env = {**base, "GITHUB_ACTION_PATH": action_dir}
        ok = True
        status_before = job.status
        for step in runs["steps"]:
            self._check_keys(step, COMPOSITE_STEP_KEYS, f"{action_dir}: a step")
            if "run" not in step or "shell" not in step:
                raise RunnerError(f"{action_dir}: composite steps need run: and shell:")
            if has_expression(step["run"]):
                raise RunnerError(f"{action_dir}: run: holds ${{{{ }}}}; pass inputs through env: "
                                  "(text pasted into a script is script injection)")
            ctx = self._contexts({**github, "action_path": action_dir}, env, steps_ctx, job, inputs)
            if not condition(step.get("if"), ctx):
                continue
            step_env = dict(env)
            step_env.update({k: substitute_text(v, ctx) for k, v in (step.get("env") or {}).items()})
            cwd = os.path.join(job.workspace, step.get("working-directory", ""))
            step_ok, outputs = self._run_shell(step["run"], step["shell"], action_env, step_env,
                                               cwd, job)
            if "id" in step:
                outcome = "success" if step_ok else "failure"
                steps_ctx[step["id"]] = {"outputs": outputs, "outcome": outcome,
                                         "conclusion": outcome}
            if not step_ok:
                ok = False
                job.status = "failure"
        job.status = status_before
        out_ctx = self._contexts(github, env, steps_ctx, job, inputs)
        outputs = {name: substitute_text((d or {}).get("value", ""), out_ctx)
                   for name, d in (action.get("outputs") or {}).items()}
        return ok, outputs

    def _run_shell(self, script, shell, base, env, cwd, job):
        log = job.log
        first = script.strip().split("\n")[0]
        log.write(f"Run {first}")
        for line in script.rstrip("\n").split("\n"):
            log.write(f"  {line}")
        if shell is None:
            argv, shown = ["bash", "-e"], "bash -e {0}"
        elif shell == "bash":
            argv, shown = ["bash", "--noprofile", "--norc", "-eo", "pipefail"], \
                "/usr/bin/bash --noprofile --norc -e -o pipefail {0}"
        elif shell == "sh":
            argv, shown = ["sh", "-e"], "sh -e {0}"
        else:
            raise RunnerError(f"shell {shell!r} is not supported by this runner")
        log.write(f"  shell: {shown}")
        if env:
            log.write("  env:")
            for k, v in env.items():
                log.write(f"    {k}: " + v.replace("\n", "\n      "))
        files = os.path.join(job.temp, "_runner_file_commands", uuid.uuid4().hex)
        os.makedirs(files)
        paths = {k: os.path.join(files, k.lower()) for k in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY",
                  "GITHUB_STATE")}
        for p in paths.values():
            open(p, "w").close()
        script_path = os.path.join(job.temp, uuid.uuid4().hex + ".sh")
        with open(script_path, "w") as f:
            f.write(script)
        full_env = {**base, **env, **paths}
        full_env["PATH"] = ":".join(job.path_added + [self.path])
        os.makedirs(cwd, exist_ok=True)
        try:
            proc = subprocess.run(argv + [script_path], cwd=cwd, env=full_env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=STEP_TIMEOUT_S)
        except subprocess.TimeoutExpired as e:
            self._emit((e.stdout or b"").decode(errors="replace"), log)
            log.write(f"##[error] the step ran longer than {STEP_TIMEOUT_S} s")
            return False, {}
        self._emit(proc.stdout.decode(errors="replace"), log)
        outputs = parse_file_command(paths["GITHUB_OUTPUT"], "$GITHUB_OUTPUT")
        job.github_env.update(parse_file_command(paths["GITHUB_ENV"], "$GITHUB_ENV"))
        with open(paths["GITHUB_PATH"]) as f:
            added = [line.strip() for line in f if line.strip()]
        job.path_added = list(reversed(added)) + job.path_added
        if proc.returncode != 0:
            log.write(f"##[error]Process completed with exit code {proc.returncode}.")
            return False, outputs
        return True, outputs

    def _emit(self, text, log):
        """The step's output lines into the log, workflow commands applied."""
        if not text:
            return
        for line in text[:-1].split("\n") if text.endswith("\n") else text.split("\n"):
            m = re.match(r"^::([A-Za-z-]+)(?: [^:]*)?::(.*)$", line)
            if not m:
                log.write(line)
                continue
            command = m.group(1)
            data = m.group(2).replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
            if command == "add-mask":
                if not self.ignore_add_mask:
                    log.add_mask(data)
            elif command in ("error", "warning", "notice"):
                log.write(f"{command.capitalize()}: {data}")
            elif command == "debug":
                pass
            elif command in ("set-output", "save-state", "set-env", "add-path"):
                raise RunnerError(f"::{command}:: is disabled on GitHub; use the $GITHUB_* files")
            else:
                log.write(line)


__all__ = ["GitHubRunner", "RunnerError", "ExpressionError", "Result"]
