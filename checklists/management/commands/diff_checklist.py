"""Show what changed between two checklist versions (files or loaded versions)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.content import ChecklistError, diff_documents, read_checklist_file
from checklists.models import ChecklistVersion


def _load(ref: str) -> tuple[str, dict]:
    """A file path, or a loaded version as SLUG@VERSION or just VERSION."""
    if Path(ref).is_file():
        try:
            document = read_checklist_file(ref)
        except ChecklistError as exc:
            raise CommandError(f"{ref} is not a valid checklist:\n{exc}") from None
        return f"{ref} ({document['slug']} {document['version']})", document
    slug, _, version = ref.rpartition("@")
    versions = ChecklistVersion.objects.filter(version=version)
    if slug:
        versions = versions.filter(slug=slug)
    found = list(versions[:2])
    if len(found) != 1:
        problem = (
            "matches several checklists; use SLUG@VERSION"
            if found
            else "is neither a file nor a loaded version"
        )
        raise CommandError(f"{ref!r} {problem}.")
    return f"{found[0].slug} {found[0].version}", found[0].document


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


class Command(BaseCommand):
    help = "Print added, removed and reworded questions and changed rules between two versions."

    def add_arguments(self, parser):
        parser.add_argument("old", help="file path, SLUG@VERSION or VERSION")
        parser.add_argument("new", help="file path, SLUG@VERSION or VERSION")

    def handle(self, *args, old, new, **options):
        old_name, old_doc = _load(old)
        new_name, new_doc = _load(new)
        diff = diff_documents(old_doc, new_doc)
        out = self.stdout.write
        out(f"--- {old_name}\n+++ {new_name}")
        if not any(diff.values()):
            out("No differences.")
            return
        for key, old_title, new_title in diff["sections"]:
            out(f"Section {key}: {_show(old_title)} -> {_show(new_title)}")
        for q in diff["added"]:
            out(f"Added {q['key']}: {q['text']}")
        for q in diff["removed"]:
            out(f"Removed {q['key']}: {q['text']}")
        for key, old_text, new_text in diff["reworded"]:
            out(f"Reworded {key}:\n  - {old_text}\n  + {new_text}")
        for key, attribute, before, after in diff["retagged"]:
            out(f"Changed {key} {attribute}: {_show(before)} -> {_show(after)}")
        for path, before, after in diff["rules"]:
            out(f"Rule {path}: {_show(before)} -> {_show(after)}")
        counts = {name: len(items) for name, items in diff.items()}
        out(
            "{added} added, {removed} removed, {reworded} reworded, {retagged} re-tagged, "
            "{sections} section titles and {rules} rules changed.".format(**counts)
        )
