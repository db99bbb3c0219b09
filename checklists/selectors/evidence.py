"""Evidence files as the people who may see them find them."""

from __future__ import annotations

from collections import defaultdict

from ..access import Can
from ..models import Assessment, EvidenceFile


def visible_evidence(assessment: Assessment, question_pks=None) -> dict[int, list[EvidenceFile]]:
    """The assessment's files the user may see (assessment.caps), by question pk, oldest first
    (1 query): restricted ones only for those who may see such files."""
    files = EvidenceFile.objects.live().filter(assessment=assessment).select_related("uploaded_by")
    if question_pks is not None:
        files = files.filter(question_id__in=list(question_pks))
    if Can.VIEW_RESTRICTED_EVIDENCE not in assessment.caps:
        files = files.filter(personal_data=EvidenceFile.PersonalData.NO)
    found: dict[int, list[EvidenceFile]] = defaultdict(list)
    for evidence in files:
        found[evidence.question_id].append(evidence)
    return found


def trashed_evidence(assessment: Assessment, question_pk: int) -> list[EvidenceFile]:
    """The question's files in the trash (or past their deletion date, on their way there), for
    those who may keep them (1 query, or none)."""
    if Can.KEEP_EVIDENCE not in assessment.caps:
        return []
    return list(
        EvidenceFile.objects.in_trash()
        .filter(assessment=assessment, question_id=question_pk)
        .order_by("retention_until", "pk")
    )
