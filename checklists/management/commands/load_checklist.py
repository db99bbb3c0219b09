"""Validate checklist fixture files and publish them as checklist versions."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from checklists.content import ChecklistError, Problem, bundled_fixture_paths, read_checklist_file
from checklists.services import checklist_version_import


class Command(BaseCommand):
    help = (
        "Validate checklist files and load them as published versions. Every problem in every "
        "file is reported; if there is any, nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="checklist YAML files")
        parser.add_argument(
            "--bundled", action="store_true", help="load the versions bundled with westcheck"
        )

    def handle(self, *args, paths, bundled, **options):
        paths = [str(p) for p in bundled_fixture_paths()] if bundled else paths
        if not paths:
            raise CommandError("Name at least one checklist file, or use --bundled.")
        documents, problems, seen = [], [], {}
        for path in paths:
            try:
                document = read_checklist_file(path)
            except ChecklistError as exc:
                problems.extend(exc.problems)
                continue
            ident = (document["slug"], document["version"])
            if ident in seen:
                problems.append(
                    Problem(
                        path, None, "", f"{ident[0]} {ident[1]} is also defined in {seen[ident]}"
                    )
                )
            seen[ident] = path
            documents.append((path, document))
        try:
            with transaction.atomic():
                if problems:
                    raise ChecklistError(problems)
                results = [
                    (path, *checklist_version_import(document=document, source_file=path))
                    for path, document in documents
                ]
        except ChecklistError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            count = len(exc.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found; nothing was loaded."
            ) from None
        for path, version, created in results:
            questions = sum(len(s["questions"]) for s in version.document["sections"])
            if created:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Loaded {version.slug} {version.version} from {path}: "
                        f"{len(version.document['sections'])} sections, {questions} questions."
                    )
                )
            else:
                self.stdout.write(
                    f"{version.slug} {version.version} is already loaded with identical content; "
                    f"nothing to do."
                )
