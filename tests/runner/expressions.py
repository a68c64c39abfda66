"""GitHub Actions expressions (`${{ ... }}`), small and strict.

Knows literals ('text', numbers, true, false, null), property paths
(`github.event.pull_request.number`, `inputs.if-exists`, `x['key']`), `!`,
`==`, `!=`, `&&`, `||`, parentheses, and the status functions success(),
failure(), always() and cancelled(). Comparison, truthiness and `||`/`&&`
follow GitHub's rules (strings compare case-insensitively; mismatched types
compare as numbers; `a || b` is the first truthy operand). Anything else (an
unknown context or function, `<`, filters) raises ExpressionError, so an
example cannot rely on something this runner only pretends to support.
"""

import math
import re


class ExpressionError(Exception):
    pass


class Contexts:
    """What expressions may read. `values` maps a context name (github, env,
    inputs, steps, secrets, vars) to a dict; `strict` names contexts whose
    missing keys are errors (a typo in an input or secret name), where GitHub
    would give null. `status` is the job's status for the status functions."""

    def __init__(self, values, strict=(), status="success"):
        self.values = values
        self.strict = set(strict)
        self.status = status


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!()\[\].,])"
    r"|(?P<id>[A-Za-z_][A-Za-z0-9_-]*)|(?P<bad>\S))"
)


def _tokens(text):
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        kind = m.lastgroup
        if kind == "bad":
            raise ExpressionError(f"unsupported character {m.group('bad')!r} in: {text}")
        out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, text, ctx):
        self.text, self.ctx = text, ctx
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, value=None):
        if self.i >= len(self.toks):
            return None
        tok = self.toks[self.i]
        return tok if value is None or tok[1] == value else None

    def take(self, value=None):
        tok = self.peek(value)
        if tok is None:
            raise ExpressionError(f"expected {value or 'more'} in: {self.text}")
        self.i += 1
        return tok

    def parse(self):
        value = self.or_expr()
        if self.i != len(self.toks):
            raise ExpressionError(f"unexpected {self.toks[self.i][1]!r} in: {self.text}")
        return value

    def or_expr(self):
        value = self.and_expr()
        while self.peek("||"):
            self.take()
            right = self.and_expr()
            value = value if truthy(value) else right
        return value

    def and_expr(self):
        value = self.not_expr()
        while self.peek("&&"):
            self.take()
            right = self.not_expr()
            value = right if truthy(value) else value
        return value

    def not_expr(self):
        if self.peek("!"):
            self.take()
            return not truthy(self.not_expr())
        left = self.primary()
        for op in ("==", "!="):
            if self.peek(op):
                self.take()
                same = equal(left, self.primary())
                return same if op == "==" else not same
        return left

    def primary(self):
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if text == "(":
            value = self.or_expr()
            self.take(")")
            return value
        if kind != "id":
            raise ExpressionError(f"unexpected {text!r} in: {self.text}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek("("):
            return self.call(text)
        return self.path(text)

    def call(self, name):
        self.take("(")
        self.take(")")
        status = self.ctx.status
        funcs = {
            "success": status == "success",
            "failure": status == "failure",
            "always": True,
            "cancelled": False,
        }
        if name not in funcs:
            raise ExpressionError(f"unknown function {name}() in: {self.text}")
        return funcs[name]

    def path(self, name):
        if name not in self.ctx.values:
            raise ExpressionError(f"unknown context {name!r} in: {self.text}")
        value, where = self.ctx.values[name], name
        # Strict contexts refuse an unknown name (input, secret, step id) but
        # not a missing property below it (a step output never written).
        strict = name in self.ctx.strict
        while self.peek(".") or self.peek("["):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                kind, key = self.take()
                if kind != "str":
                    raise ExpressionError(f"only 'string' indexes are supported in: {self.text}")
                key = key[1:-1]
                self.take("]")
            if key == "*":
                raise ExpressionError(f"object filters are not supported in: {self.text}")
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif strict and where == name:
                raise ExpressionError(f"{where}.{key} does not exist (in: {self.text})")
            else:
                value = None
            where += "." + key
        return value


def truthy(value):
    return value not in (None, False, "", 0, 0.0) and not (
        isinstance(value, float) and math.isnan(value))


def _number(value):
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def equal(a, b):
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if type(a) is type(b) and not isinstance(a, (dict, list)):
        return a == b
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return a is b
    x, y = _number(a), _number(b)
    return not (math.isnan(x) or math.isnan(y)) and x == y


def to_text(value):
    """A value as GitHub puts it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise ExpressionError(f"an object cannot be used as text: {value!r}")


def evaluate(text, ctx):
    """One expression, without ${{ }}."""
    return _Parser(text, ctx).parse()


def _segments(template):
    """Splits `template` into ('text', s) and ('expr', e) parts."""
    parts, pos = [], 0
    while True:
        start = template.find("${{", pos)
        if start < 0:
            parts.append(("text", template[pos:]))
            return parts
        parts.append(("text", template[pos:start]))
        i, quoted = start + 3, False
        while i < len(template):
            if template[i] == "'":
                quoted = not quoted
            elif not quoted and template.startswith("}}", i):
                break
            i += 1
        else:
            raise ExpressionError(f"unterminated ${{{{ in: {template}")
        parts.append(("expr", template[start + 3:i]))
        pos = i + 2


def substitute(value, ctx):
    """A YAML value with its ${{ }} evaluated: a value that is one expression
    keeps its type; expressions inside text become text."""
    if not isinstance(value, str):
        return value
    parts = [p for p in _segments(value) if p != ("text", "")]
    if len(parts) == 1 and parts[0][0] == "expr" and value.strip() == value:
        return evaluate(parts[0][1], ctx)
    return "".join(s if kind == "text" else to_text(evaluate(s, ctx)) for kind, s in parts)


def substitute_text(value, ctx):
    """substitute() for places that want text: `with:` values, env, run."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return to_text(value)
    return to_text(substitute(value, ctx))


def condition(value, ctx):
    """An `if:`: with or without ${{ }}; without a status function it means
    success() && (value), as in GitHub."""
    if value is None:
        return ctx.status == "success"
    if isinstance(value, bool):
        return value and ctx.status == "success"
    text = str(value).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if not re.search(r"\b(success|failure|always|cancelled)\s*\(", text):
        text = f"success() && ({text})"
    return truthy(evaluate(text, ctx))


def has_expression(text):
    return isinstance(text, str) and "${{" in text
