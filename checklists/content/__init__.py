"""Checklist fixtures: reading the YAML format, validating it strictly, hashing its content,
comparing versions, and the conditions that say which projects a question applies to.

The format is documented in docs/checklist-format.md. Validation collects every problem it
finds instead of stopping at the first, so an author can fix a file in one pass; each problem
names the file, the line and the item (section, question, rule) it is about.

Nothing here touches the database: `parse_checklist` turns bytes into a plain, validated
document, and `services.checklist_version_import` stores it.
"""

from .conditions import CHANNELS, PROFILE_FIELDS, STAGES, evaluate_condition
from .diff import QUESTION_ATTRIBUTES, diff_documents
from .files import (
    bundled_fixture_paths,
    content_hash,
    decode_utf8,
    parse_checklist,
    read_checklist_file,
    read_limited,
)
from .format import (
    FORMAT,
    KNOWN_FLAGS,
    MAX_FILE_BYTES,
    MAX_TEXT_LENGTH,
    NA_POLICIES,
    SECTION_COUNT,
    ChecklistError,
    Problem,
)
from .validation import validate

__all__ = [
    "CHANNELS",
    "FORMAT",
    "KNOWN_FLAGS",
    "MAX_FILE_BYTES",
    "MAX_TEXT_LENGTH",
    "NA_POLICIES",
    "PROFILE_FIELDS",
    "QUESTION_ATTRIBUTES",
    "SECTION_COUNT",
    "STAGES",
    "ChecklistError",
    "Problem",
    "bundled_fixture_paths",
    "content_hash",
    "decode_utf8",
    "diff_documents",
    "evaluate_condition",
    "parse_checklist",
    "read_checklist_file",
    "read_limited",
    "validate",
]
