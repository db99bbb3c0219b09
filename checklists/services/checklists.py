"""Publishing checklist versions."""

from __future__ import annotations

from django.db import transaction

from ..content import ChecklistError, Problem, content_hash
from ..models import ChecklistVersion, Question, Section


@transaction.atomic
def checklist_version_import(
    *, document: dict, source_file: str = ""
) -> tuple[ChecklistVersion, bool]:
    """Store a validated checklist document as a published version.

    Return (version, created). Loading the same content again changes nothing. A published
    version is immutable: different content under an existing version identifier is refused.
    """
    digest = content_hash(document)
    existing = ChecklistVersion.objects.filter(
        slug=document["slug"], version=document["version"]
    ).first()
    if existing is not None:
        if existing.content_hash == digest:
            return existing, False
        raise ChecklistError(
            [
                Problem(
                    source_file or document["slug"],
                    None,
                    f"version {document['version']}",
                    f"{document['slug']} {document['version']} is already published with "
                    f"different content (hash {existing.content_hash[:12]}, this file "
                    f"{digest[:12]}). Published versions never change: give your changes a "
                    f"new version identifier and load that.",
                )
            ]
        )
    version = ChecklistVersion(
        slug=document["slug"],
        version=document["version"],
        title=document["title"],
        subtitle=document.get("subtitle", ""),
        language=document["language"],
        document=document,
        content_hash=digest,
        source_file=source_file[-255:],
    )
    version.full_clean()
    version.save()
    position = 0
    questions = []
    for section_position, section_data in enumerate(document["sections"], start=1):
        section = Section.objects.create(
            checklist=version,
            key=section_data["key"],
            position=section_position,
            title=section_data["title"],
            intro=section_data.get("intro", ""),
        )
        for q in section_data["questions"]:
            position += 1
            questions.append(
                Question(
                    checklist=version,
                    section=section,
                    key=q["key"],
                    position=position,
                    text=q["text"],
                    principles=q["principles"],
                    enablers=q["enablers"],
                    flags=q["flags"],
                    critical=q["critical"],
                    na=q["na"],
                    evidence=q["evidence"],
                    guidance=q["guidance"],
                    applies_if=q.get("applies_if"),
                )
            )
    Question.objects.bulk_create(questions)
    return version, True
