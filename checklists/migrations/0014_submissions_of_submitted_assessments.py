"""A Submission for every assessment submitted before submissions existed.

Numbered per project in the order they were submitted, without a milestone. The snapshot comes
from the same pure functions as the submitting service's (checklists/submissions.py, scoring.py,
the checklist's conditions), fed with the historical rows: the answers, the version's document
and questions, and the profile frozen at submission.
"""

from django.db import migrations

SUBMITTED = "submitted"


def create_submissions(apps, schema_editor=None):
    """Create the missing submissions (tests call it too, with the same historical models)."""
    from checklists import submissions
    from checklists.content import evaluate_condition
    from checklists.models import Project as CurrentProject
    from checklists.scoring import NOT_APPLICABLE, QuestionInput, score_assessment

    Assessment = apps.get_model("checklists", "Assessment")
    Answer = apps.get_model("checklists", "Answer")
    Question = apps.get_model("checklists", "Question")
    Submission = apps.get_model("checklists", "Submission")

    pending = (
        Assessment.objects.filter(status=SUBMITTED, submission__isnull=True)
        .select_related("project", "checklist", "submitted_by")
        .order_by("project_id", "submitted_at", "pk")
    )
    numbers: dict[int, int] = {}
    contents: dict[int, list] = {}
    for assessment in pending:
        project_id = assessment.project_id
        if project_id not in numbers:
            last = (
                Submission.objects.filter(project_id=project_id)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            numbers[project_id] = last or 0
        numbers[project_id] += 1
        checklist = assessment.checklist
        if checklist.pk not in contents:
            # In the catalog's order: sections by position, then their questions by position.
            contents[checklist.pk] = list(
                Question.objects.filter(checklist=checklist.pk)
                .select_related("section")
                .order_by("section__position", "position")
            )
        questions = contents[checklist.pk]
        profile = assessment.profile_snapshot
        if profile is None:  # as Assessment.profile reads it
            profile = CurrentProject.profile.fget(assessment.project)
        answers = {a.question_id: a for a in Answer.objects.filter(assessment=assessment.pk)}
        ratings = {}
        for q in questions:
            answer = answers.get(q.pk)
            if not evaluate_condition(q.applies_if, profile):
                ratings[q.key] = NOT_APPLICABLE
            else:
                ratings[q.key] = (answer.rating if answer else "") or None
        rules = checklist.document["scoring"]
        result = score_assessment(
            rules,
            [
                QuestionInput(
                    key=q.key,
                    section=q.section.key,
                    principles=tuple(q.principles),
                    flags=tuple(q.flags),
                    critical=q.critical,
                )
                for q in questions
            ],
            ratings,
        )
        frozen = submissions.snapshot(
            rules,
            result,
            checklist.content_hash,
            submissions.frozen_answers((q.key, answers.get(q.pk)) for q in questions),
        )
        Submission.objects.create(
            assessment_id=assessment.pk,
            project_id=project_id,
            number=numbers[project_id],
            milestone="",
            checklist_id=checklist.pk,
            submitted_at=assessment.submitted_at or assessment.updated_at,
            submitted_by_id=assessment.submitted_by_id,
            submitted_by_name=submissions.person_name(assessment.submitted_by),
            integrity_hash=frozen.integrity_hash,
            answers=frozen.answers,
            summary=frozen.summary,
            verdict=frozen.verdict,
            score=frozen.score,
        )


class Migration(migrations.Migration):
    dependencies = [("checklists", "0013_submission_immutable")]

    operations = [migrations.RunPython(create_submissions, migrations.RunPython.noop)]
