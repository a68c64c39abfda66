"""A CI job's log as the forge shows it: every line written through the masks
registered so far (a mask applies from the moment it is registered on, never
to lines already written, as on GitHub and GitLab)."""

import sys


class JobLog:
    def __init__(self, name, replacement, echo=False):
        self.name = name
        self.replacement = replacement  # "***" on GitHub, "[MASKED]" on GitLab
        self.echo = echo
        self.masks = set()
        self.lines = []

    def add_mask(self, value):
        # GitHub masks each line of a multi-line value too.
        for part in [value] + value.splitlines():
            part = part.strip()
            if part:
                self.masks.add(part)

    def write(self, text):
        for line in str(text).split("\n"):
            for secret in sorted(self.masks, key=len, reverse=True):
                line = line.replace(secret, self.replacement)
            self.lines.append(line)
            if self.echo:
                print(f"  [{self.name}] {line}", file=sys.stderr)

    def text(self):
        return "\n".join(self.lines)

    def tail(self, count=60):
        return "\n".join(self.lines[-count:])
