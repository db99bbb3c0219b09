"""Reading checklist files: YAML read safely, with line numbers, within size limits."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

from .format import MAX_FILE_BYTES, ChecklistError, LinedMapping, Problem
from .validation import validate

# --- Reading YAML safely ------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases (no "billion laughs") and with duplicate keys refused."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in checklist files", event.start_mark
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    mapping = LinedMapping()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    yield mapping
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise yaml.constructor.ConstructorError(
                None, None, "merge keys (<<) are not allowed", key_node.start_mark
            )
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"keys must be text, not {key!r}", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)

# YAML 1.1 reads yes/no/on/off as booleans (so `na: no` would silently become false); here only
# true and false are booleans, as in YAML 1.2, and anything else stays text for the checks.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def decode_utf8(raw: bytes, name: str) -> str | Problem:
    """The file's text, or the problem (with its line) that makes it not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Problem(
            name, line, "", f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        )


def _read_yaml(raw: bytes, name: str, size: int | None = None) -> Any:
    """Parse YAML bytes; `size` is the whole file's size when only its start was read."""
    if len(raw) > MAX_FILE_BYTES:
        size = max(size or 0, len(raw))
        message = f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
        raise ChecklistError([Problem(name, None, "", message)])
    text = decode_utf8(raw, name)
    if isinstance(text, Problem):
        raise ChecklistError([text])
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in message:
            message = "unknown tag; only plain YAML values are allowed"
        raise ChecklistError(
            [Problem(name, mark.line + 1 if mark else None, "", f"YAML: {message}")]
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ChecklistError(
            [
                Problem(
                    name, line, "", f"YAML: control character #x{exc.character:04x} is not allowed"
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ChecklistError([Problem(name, None, "", f"YAML: {exc}")]) from None
    except RecursionError:
        raise ChecklistError(
            [Problem(name, None, "", "YAML: lists or mappings are nested too deeply")]
        ) from None


# --- Entry points -----------------------------------------------------------------------


def parse_checklist(raw: bytes, name: str) -> dict:
    """Read and validate a checklist file's bytes; raise ChecklistError listing every problem."""
    return validate(_read_yaml(raw, name), name)


def read_limited(path: Path, limit: int) -> tuple[bytes, int]:
    """A file's first `limit` + 1 bytes (enough to know it is too large) and its whole size.

    Never reads more, so a huge file costs no memory. Raises OSError.
    """
    with path.open("rb") as f:
        return f.read(limit + 1), os.fstat(f.fileno()).st_size


def read_checklist_file(path: Path | str) -> dict:
    path = Path(path)
    try:
        raw, size = read_limited(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise ChecklistError(
            [Problem(str(path), None, "", f"cannot read: {exc.strerror}")]
        ) from None
    return validate(_read_yaml(raw, str(path), size=size), str(path))


def content_hash(document: dict) -> str:
    """SHA-256 of the document's canonical JSON: comments and layout do not count as content."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def bundled_fixture_paths() -> list[Path]:
    return sorted((Path(__file__).parent.parent / "fixtures").glob("*.yaml"))
