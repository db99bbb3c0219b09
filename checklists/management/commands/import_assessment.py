"""Start a draft assessment from a file written by export_assessment."""

import json

from django.core.management.base import BaseCommand, CommandError

from checklists.data_exchange import AssessmentFileError, import_assessment, read_assessment_file
from checklists.models import Membership, Project, User
from checklists.selectors import assessment_state, integrity_hash

EDITING_ROLES = (Membership.Role.OWNER, Membership.Role.EDITOR)


class Command(BaseCommand):
    help = (
        "Import an exported assessment (JSON) into a project as a new draft. Every problem in the "
        "file is reported; if there is any, nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a JSON file written by export_assessment")
        parser.add_argument(
            "--project", type=int, required=True, help="id of the project to import into"
        )
        parser.add_argument(
            "--user",
            help="e-mail address of the person recorded as starting the assessment and giving "
            "its answers (default: the first owner of the project's organisation)",
        )

    def handle(self, *args, path, project, user, **options):
        target = Project.objects.select_related("organisation").filter(pk=project).first()
        if target is None:
            raise CommandError(f"Project {project} does not exist.")
        person = self._user(target, user)
        try:
            raw = read_assessment_file(path)
            assessment = import_assessment(raw, name=path, project=target, user=person)
        except AssessmentFileError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            count = len(exc.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found; nothing was imported."
            ) from None
        state = assessment_state(assessment)
        answered = sum(q.answer is not None for q in state.questions)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path} into {target} as draft assessment {assessment.pk} "
                f'"{assessment.title}": {answered} answers, started by {person.email}.'
            )
        )
        exported = json.loads(raw.decode("utf-8-sig"))["assessment"].get("integrity_hash")
        digest = integrity_hash(state)
        if exported is None:
            self.stdout.write(f"Integrity hash {digest} (the file gives none to compare).")
        elif digest == exported:
            self.stdout.write(f"Integrity hash {digest} matches the file.")
        else:
            self.stdout.write(
                f"Integrity hash {digest} differs from the file's {exported}: the answers were "
                f"changed after export, or the original kept answers that are not exported."
            )

    def _user(self, project: Project, email: str | None) -> User:
        organisation = project.organisation
        if email is None:
            owner = (
                Membership.objects.filter(organisation=organisation, role=Membership.Role.OWNER)
                .select_related("user")
                .order_by("created_at", "pk")
                .first()
            )
            if owner is None:
                raise CommandError(
                    f"{organisation} has no owner to record as starting the assessment; "
                    f"name someone with --user EMAIL."
                )
            return owner.user
        person = User.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"No user has the e-mail address {email}.")
        if not Membership.objects.filter(
            organisation=organisation, user=person, role__in=EDITING_ROLES
        ).exists():
            raise CommandError(
                f"{email} is not an owner or editor of {organisation}, which owns project "
                f"{project.pk}."
            )
        return person
