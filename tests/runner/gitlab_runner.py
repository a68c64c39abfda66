"""Plays GitLab CI for a merge-request pipeline: composes the configuration
(`include: project/file`, `extends:` deep-merged, `!reference` tags), decides
which jobs a pipeline gets (`rules: if:` on variables), and runs a job as a
GitLab runner's bash shell does:

- variables: predefined CI_* ones, the YAML's global and job `variables:`
  (expanded with `$NAME`/`${NAME}`), and the project's CI/CD variables, which
  win; a File variable holds the path of a file with its value; a Masked
  variable's value is replaced by [MASKED] in the log;
- before_script and script in one `set -eo pipefail` shell, each command
  echoed as `$ command` first (a multi-line one by its first line);
  after_script in a shell of its own;
- GIT_STRATEGY none: no repository set up (the project directory is empty).

Strict: an include, key, rule or `if:` form it does not know fails the run.
"""

import os
import re
import shlex
import subprocess
import tempfile

import yaml

from joblog import JobLog

RESERVED = {"stages", "variables", "include", "default", "workflow", "image", "services",
            "cache", "before_script", "after_script"}
JOB_KEYS = {"stage", "script", "before_script", "after_script", "variables", "rules",
            "environment", "extends", "image", "services", "needs", "dependencies", "when",
            "allow_failure", "tags", "interruptible", "timeout", "resource_group", "retry",
            "cache", "artifacts"}
RULE_KEYS = {"if", "when", "allow_failure"}
JOB_TIMEOUT_S = 180


class RunnerError(Exception):
    pass


class Reference:
    def __init__(self, path):
        self.path = path


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!reference",
                        lambda loader, node: Reference(loader.construct_sequence(node)))


def _read(path):
    with open(path) as f:
        return yaml.load(f, Loader=_Loader) or {}


def deep_merge(base, over):
    """GitLab's merge for include and extends: hashes merge key by key,
    anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return over


def flatten(items):
    out = []
    for item in items or []:
        out.extend(flatten(item) if isinstance(item, list) else [item])
    return out


def expand(text, variables):
    """$NAME and ${NAME} from `variables` (unset: empty); $$ is a dollar."""
    def one(m):
        if m.group(0) == "$$":
            return "$"
        return variables.get(m.group(1) or m.group(2), "")
    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", one, text)


class Result:
    def __init__(self, status, log, variables):
        self.status = status  # success or failure
        self.log = log
        self.variables = variables


class GitLabRunner:
    def __init__(self, *, workdir, project_file, path, variables, substitutions=None,
                 echo=False):
        self.workdir = workdir
        self.project_file = project_file  # (project, file, ref) -> local path
        self.path = path
        self.variables = variables        # name -> {"value", "masked", "file"}
        self.substitutions = substitutions or {}  # job -> {script line: replacement}
        self.echo = echo
        self.job_counter = 100

    # -- configuration -----------------------------------------------------

    def load(self, path):
        main = _read(path)
        includes = main.pop("include", [])
        includes = includes if isinstance(includes, list) else [includes]
        config = {}
        for inc in includes:
            if not isinstance(inc, dict) or "project" not in inc or set(inc) - {"project", "file", "ref"}:
                raise RunnerError(f"include: only project:, file: and ref: are supported: {inc}")
            for name in inc["file"] if isinstance(inc["file"], list) else [inc["file"]]:
                included = _read(self.project_file(inc["project"], name, inc.get("ref")))
                if "include" in included:
                    raise RunnerError(f"{name}: nested include is not supported")
                config = deep_merge(config, included)
        config = deep_merge(config, main)
        jobs = {k: self._extended(config, k, 0) for k, v in config.items()
                if k not in RESERVED and isinstance(v, dict)}
        config.update(jobs)
        config = self._resolve(config, config, 0)
        for name in jobs:
            unknown = set(config[name]) - JOB_KEYS
            if unknown:
                raise RunnerError(f"job {name}: keys this runner does not support: {sorted(unknown)}")
        for job, lines in self.substitutions.items():
            script = flatten(config.get(job, {}).get("script"))
            stale = [line for line in lines if line not in script]
            if stale:
                raise RunnerError(f"the test substitutes lines job {job} does not have: {stale}")
        return config

    def _extended(self, config, name, depth):
        if depth > 10:
            raise RunnerError(f"extends: deeper than 11 levels at {name}")
        if name not in config or not isinstance(config[name], dict):
            raise RunnerError(f"extends: no job or template named {name}")
        job = config[name]
        parents = job.get("extends", [])
        parents = parents if isinstance(parents, list) else [parents]
        out = {}
        for parent in parents:
            out = deep_merge(out, self._extended(config, parent, depth + 1))
        return deep_merge(out, {k: v for k, v in job.items() if k != "extends"})

    def _resolve(self, value, config, depth):
        if depth > 10:
            raise RunnerError("!reference: nested deeper than 10 levels")
        if isinstance(value, Reference):
            target = config
            for key in value.path:
                if not isinstance(target, dict) or key not in target:
                    raise RunnerError(f"!reference {value.path}: not found")
                target = target[key]
            return self._resolve(target, config, depth + 1)
        if isinstance(value, dict):
            return {k: self._resolve(v, config, depth) for k, v in value.items()}
        if isinstance(value, list):
            out = []
            for item in value:
                resolved = self._resolve(item, config, depth)
                out.extend(resolved if isinstance(item, Reference) and isinstance(resolved, list)
                           else [resolved])
            return out
        return value

    # -- pipeline ----------------------------------------------------------

    def job_variables(self, config, job, predefined):
        project = {k: v["value"] for k, v in self.variables.items()}
        values = {**predefined, **project}
        for level in (config.get("variables") or {}, job.get("variables") or {}):
            for k, v in level.items():
                v = v.get("value", "") if isinstance(v, dict) else v
                v = "true" if v is True else "false" if v is False else str(v)
                if k not in project:
                    values[k] = expand(v, values)
        return values

    def when(self, job, variables):
        """How the pipeline gets the job: on_success, manual or never."""
        rules = job.get("rules")
        if rules is None:
            return job.get("when", "on_success")
        for rule in rules:
            unknown = set(rule) - RULE_KEYS
            if unknown:
                raise RunnerError(f"rules: keys this runner does not support: {sorted(unknown)}")
            if "if" not in rule or _RuleIf(rule["if"], variables).value():
                return rule.get("when", job.get("when", "on_success"))
        return "never"

    def run_job(self, config, name, predefined):
        job = config[name]
        self.job_counter += 1
        root = tempfile.mkdtemp(prefix=f"gl-{name}-", dir=self.workdir)
        tmp, project_dir = os.path.join(root, "tmp"), os.path.join(root, "project")
        os.makedirs(tmp)
        os.makedirs(project_dir)
        log = JobLog(f"gitlab/{name}", "[MASKED]", self.echo)
        values = self.job_variables(config, job, {
            **predefined, "CI_JOB_NAME": name, "CI_JOB_ID": str(self.job_counter),
            "CI_JOB_STAGE": str(job.get("stage", "test")), "CI_PROJECT_DIR": project_dir})
        for k, v in self.variables.items():
            if v.get("masked"):
                if len(v["value"]) < 8:
                    raise RunnerError(f"GitLab masks only values of 8 characters or more: {k}")
                log.add_mask(v["value"])
            if v.get("file"):
                path = os.path.join(tmp, k)
                with open(path, "w") as f:
                    f.write(v["value"])
                values[k] = path
        env_spec = job.get("environment") or {}
        if env_spec.get("name"):
            values["CI_ENVIRONMENT_NAME"] = expand(env_spec["name"], values)
        env = {**values, "PATH": self.path, "HOME": os.path.join(root, "home"), "TMPDIR": tmp,
               "LANG": "C.UTF-8"}
        log.write(f"Running job {name} (stage {values['CI_JOB_STAGE']})")
        if values.get("GIT_STRATEGY") == "none":
            log.write("Skipping Git repository setup")
        else:
            log.write(f"Fetching changes ... (the test has no repository; {project_dir} stays empty)")
        script = flatten(job.get("before_script", config.get("before_script"))) + \
            self._script(name, flatten(job.get("script")), log)
        if not script:
            raise RunnerError(f"job {name} has no script")
        ok = self._run_shell(script, env, project_dir, log)
        if job.get("after_script"):
            self._run_shell(flatten(job["after_script"]), env, project_dir, log)
        log.write("Job succeeded" if ok else "ERROR: Job failed")
        return Result("success" if ok else "failure", log, values)

    def _script(self, name, lines, log):
        replace = self.substitutions.get(name, {})
        out = []
        for line in lines:
            if line in replace:
                log.write(f"(test substitution for {line!r})")
                out.extend(flatten([replace[line]]))
            else:
                out.append(line)
        return out

    def _run_shell(self, commands, env, cwd, log):
        lines = ["set -eo pipefail", "set +o noclobber"]
        for command in commands:
            if not isinstance(command, str):
                raise RunnerError(f"a script entry is not text: {command!r}")
            shown = command.strip().split("\n")
            echo = "$ " + shown[0] + (" # collapsed multi-line command" if len(shown) > 1 else "")
            lines.append("printf '%s\\n' " + shlex.quote(echo))
            lines.append(command)
        script = os.path.join(env["TMPDIR"], f"script-{os.getpid()}-{len(log.lines)}.sh")
        with open(script, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.makedirs(env["HOME"], exist_ok=True)
        try:
            proc = subprocess.run(["bash", "--noprofile", "--norc", script], cwd=cwd, env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=JOB_TIMEOUT_S)
        except subprocess.TimeoutExpired as e:
            log.write((e.stdout or b"").decode(errors="replace"))
            log.write(f"ERROR: the job ran longer than {JOB_TIMEOUT_S} s")
            return False
        text = proc.stdout.decode(errors="replace")
        if text:
            log.write(text[:-1] if text.endswith("\n") else text)
        if proc.returncode != 0:
            log.write(f"ERROR: exit code {proc.returncode}")
        return proc.returncode == 0


class _RuleIf:
    """`rules: if:` expressions: $VAR, "text", 'text', null, ==, !=, &&, ||,
    parentheses. Regex matches (=~, !~) are refused."""

    _TOKEN = re.compile(r"\s*(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\"[^\"]*\"|'[^']*'|null|==|!=|&&|\|\||[()]|\S+)")

    def __init__(self, text, variables):
        self.text, self.variables = text, variables
        self.toks = [t for t in self._TOKEN.findall(text) if t]
        self.i = 0

    def value(self):
        v = self._or()
        if self.i != len(self.toks):
            raise RunnerError(f"rules: cannot read {self.text!r}")
        return bool(v)

    def _take(self):
        if self.i >= len(self.toks):
            raise RunnerError(f"rules: {self.text!r} ends early")
        self.i += 1
        return self.toks[self.i - 1]

    def _peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _or(self):
        v = self._and()
        while self._peek() == "||":
            self._take()
            v = self._and() or v
        return v

    def _and(self):
        v = self._cmp()
        while self._peek() == "&&":
            self._take()
            right = self._cmp()
            v = v and right
        return v

    def _cmp(self):
        left = self._atom()
        if isinstance(left, bool):  # a parenthesized expression
            return left
        if self._peek() in ("==", "!="):
            op = self._take()
            right = self._atom()
            same = left == right
            return same if op == "==" else not same
        return left not in (None, "")

    def _atom(self):
        t = self._take()
        if t == "(":
            v = self._or()
            if self._take() != ")":
                raise RunnerError(f"rules: unbalanced parentheses in {self.text!r}")
            return v
        if t.startswith("$"):
            return self.variables.get(t.strip("${}"))
        if t[0] in "\"'":
            return t[1:-1]
        if t == "null":
            return None
        raise RunnerError(f"rules: {t!r} is not supported (in {self.text!r})")
