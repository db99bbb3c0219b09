"""Evidence files as the people who may see them find them."""

from __future__ import annotations

from collections import defaultdict

from ..access import Can
from ..models import Assessment, EvidenceFile


def visible_evidence(assessment: Assessment, question_pks=None) -> dict[int, list[EvidenceFile]]:
    """The assessment's files the user may see (assessment.caps), by question pk, oldest first
    (1 query): restricted ones only for those who may see such files."""
    files = EvidenceFile.objects.filter(assessment=assessment).select_related("uploaded_by")
    if question_pks is not None:
        files = files.filter(question_id__in=list(question_pks))
    if Can.VIEW_RESTRICTED_EVIDENCE not in assessment.caps:
        files = files.filter(personal_data=EvidenceFile.PersonalData.NO)
    found: dict[int, list[EvidenceFile]] = defaultdict(list)
    for evidence in files:
        found[evidence.question_id].append(evidence)
    return found
