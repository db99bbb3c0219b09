"""What a checklist file may hold, and how its problems are reported."""

from __future__ import annotations

import re
from dataclasses import dataclass

FORMAT = 1
MAX_FILE_BYTES = 1_000_000
MAX_TEXT_LENGTH = 2_000
SECTION_COUNT = 9  # the WEST Operations Checklist has nine sections
KNOWN_FLAGS = ("remedy", "consent", "privacy")
NA_POLICIES = ("not_allowed", "allowed_with_justification")

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


class ChecklistError(Exception):
    """One or more problems with checklist content; str() lists them all, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LinedMapping(dict):
    """A dict that remembers the line of each of its keys."""

    line: int = 0
    lines: dict
