"""Submissions: what an assessment was when it was submitted, frozen for good.

Submitting locks an assessment; its Submission keeps the answers, the integrity hash and the
scores of that moment, so that lists, comparisons and sharing never re-score and nothing later
(a profile edit, a deleted user, another checklist version) can change what was submitted.
The row is never changed: `save()` refuses an update and database triggers (migration 0013)
refuse UPDATE on SQLite and PostgreSQL, except the one Django makes when the submitter's
account is deleted (submitted_by set to NULL; submitted_by_name keeps the name). Deleting is
allowed, because deleting a project takes its assessments and their submissions with it.
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .checklists import ChecklistVersion
from .people import User
from .projects import Assessment, Project


class SubmissionChanged(Exception):
    """Something tried to change a submission that is already stored."""


class Submission(models.Model):
    class Milestone(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        MIDLINE = "midline", _("Midline")
        ENDLINE = "endline", _("Endline")
        UPDATE = "update", _("Update")

    # An assessment is submitted once; a follow-up is a new assessment with its own submission.
    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="submission"
    )
    # Denormalised from the assessment: submissions are numbered and listed per project.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="submissions", db_index=True
    )
    number = models.PositiveIntegerField(
        _("number"), help_text=_("1, 2, 3… in the order the project's assessments were submitted.")
    )
    milestone = models.CharField(_("milestone"), max_length=16, choices=Milestone, blank=True)
    checklist = models.ForeignKey(
        ChecklistVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checklist version"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # Kept when the person's account is deleted, as the audit trail keeps its actors' names.
    submitted_by_name = models.CharField(_("submitted by (name)"), max_length=300, blank=True)
    integrity_hash = models.CharField(
        _("integrity hash"),
        max_length=64,
        help_text=_("The hash the report prints for these answers (selectors.integrity_hash)."),
    )
    answers = models.JSONField(
        _("answers"),
        help_text=_("The answers as submitted, in the checklist's order (submissions.py)."),
    )
    summary = models.JSONField(
        _("summary"),
        help_text=_("Verdict, scores, gate states and gaps as submitted (submissions.py)."),
    )
    # Copied from the summary, so that lists can filter and sort without reading JSON.
    verdict = models.CharField(_("verdict"), max_length=32, db_index=True)
    score = models.FloatField(_("overall score (%)"), null=True, db_index=True)
    # The summary's gate states as text (submissions.gates_text), for lists of many rows.
    # Nullable so that the column is added in place (migration 0019), its triggers kept.
    gates = models.CharField(_("gate states"), max_length=200, null=True, blank=True)  # noqa: DJ001
    # The evidence files as submitted (submissions.frozen_files): what each was, never its
    # content. Null for submissions made before files existed, which had none; nullable, like
    # gates, so that the column is added in place (migration 0027).
    evidence = models.JSONField(_("evidence files"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="unique_submission_number")
        ]
        indexes = [
            # Anyone may check a report by its hash or a prefix of it (selectors/verification.py).
            models.Index(fields=["integrity_hash"], name="submission_integrity_hash_idx")
        ]

    def __str__(self) -> str:
        return gettext("Submission %(number)d") % {"number": self.number}

    def save(self, *args, **kwargs):
        # The triggers refuse an UPDATE too; this says so before reaching the database.
        if not self._state.adding:
            raise SubmissionChanged("submissions are never changed")
        super().save(*args, **kwargs)

    def get_milestone_display(self) -> str:
        # One label translated, not every choice (see Project.get_sector_display).
        return str(dict(self.Milestone.choices).get(self.milestone, self.milestone))
