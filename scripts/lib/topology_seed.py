"""Seed a topology's throwaway database through the app's services; print what was made as JSON.

Run by scripts/lib/topology.py as `python scripts/lib/topology_seed.py` with the topology's
environment (its DATABASE_URL and settings), after `manage.py migrate`. It reads a JSON spec
on standard input:

    {"password": "...", "accounts": 3, "assessments": 4}

and creates one organisation whose first account is its owner and the others editors, one
project whose profile makes every question apply, and the assessments, all drafts without
answers. It prints one line, `SEEDED <json>`, with the accounts' addresses, the assessments'
primary keys and every section's question keys.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMAIL_DOMAIN = "topology.example"


def seed(spec: dict) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from checklists import services
    from checklists.catalog import catalog
    from checklists.content import evaluate_condition
    from checklists.models import ChecklistVersion, Membership, Organisation, Project, User

    checklist = ChecklistVersion.objects.order_by("-version").first()
    if checklist is None:
        raise SystemExit("No checklist version was loaded by migrate.")
    # Hashing a password takes a good fraction of a second: hash it once for every account.
    password = make_password(spec["password"])
    with transaction.atomic():
        users = [
            User.objects.create_user(
                email=f"person{n}@{EMAIL_DOMAIN}", name=f"Person {n}", password=None
            )
            for n in range(spec["accounts"])
        ]
        User.objects.filter(pk__in=[u.pk for u in users]).update(password=password)
        organisation = services.organisation_create(
            name="Topology Test Organisation", kind=Organisation.Kind.BRAND, owner=users[0]
        )
        for user in users[1:]:
            Membership.objects.create(
                organisation=organisation, user=user, role=Membership.Role.EDITOR
            )
        project = services.project_create(
            organisation=organisation,
            created_by=users[0],
            name="Worker hotline, topology test",
            description="Seeded for tests across several server processes.",
            countries="Bangladesh, Viet Nam",
            sector=Project.Sector.APPAREL,
            stage=Project.Stage.PLANNING,
            # With social media, migrant workers and minorities every question applies.
            channels=["hotline", "sms", "social_media"],
            migrant_workers=True,
            minorities_present=True,
            women_share=60,
            technology_provider="VoiceLink Technologies",
            local_partners="Workers' Rights Centre",
            unions="",
        )
        assessments = [
            services.assessment_start(
                project=project,
                checklist=checklist,
                title=f"Topology assessment {n}",
                started_by=users[0],
            )
            for n in range(spec["assessments"])
        ]
    profile = project.profile
    sections = {
        section.key: [q.key for q in section.questions if evaluate_condition(q.applies_if, profile)]
        for section in catalog(checklist).sections
    }
    return {
        "accounts": [user.email for user in users],
        "project": project.pk,
        "assessments": [assessment.pk for assessment in assessments],
        "sections": sections,
        "ratings": [rating["key"] for rating in checklist.scoring["scale"]],
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    spec = json.load(sys.stdin)
    print("SEEDED " + json.dumps(seed(spec)))


if __name__ == "__main__":
    main()
