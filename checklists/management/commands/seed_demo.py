"""Create the demonstration accounts and data; running it again changes nothing new."""

from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from checklists import services
from checklists.models import (
    Assessment,
    ChecklistVersion,
    Cohort,
    Comment,
    Membership,
    Organisation,
    Project,
    ReviewRound,
    Share,
    Submission,
    User,
)
from checklists.selectors.reviews import commentable_keys
from checklists.selectors.sharing import shared_page
from checklists.services import comments, reviews, sharing
from checklists.services.evidence import evidence_upload

DEMO_PASSWORD = "westcheck-demo"
DEMO_ACCOUNTS = [
    # (e-mail, name, staff)
    ("demo@westcheck.example", "Dana Demo", False),
    ("tariq@westcheck.example", "Tariq Rahman", False),
    ("mei@westcheck.example", "Mei Lin", False),
    ("rafael@westcheck.example", "Rafael Okoro", False),
    ("fatima@westcheck.example", "Fatima Haddad", False),
    ("lan@westcheck.example", "Lan Nguyen", False),
    ("admin@westcheck.example", "Ada Admin", True),
]

# Invitation links in the demo's (queued) e-mails point at the local server.
SITE = "http://127.0.0.1:8000/"

EVIDENCE = "Written procedure agreed with partners; copy kept in the project folder."


def _ratings(checklist: ChecklistVersion, default: str, overrides: dict[str, str]) -> dict:
    return {q.key: overrides.get(q.key, default) for q in checklist.questions.all()}


# Evidence written for answers that are not yet in place: the report's gap cards show it.
NOTES = {
    "3.1": "Draft emergency protocol shared with the Dhaka Workers' Rights Centre; "
    "named contacts and time limits still to be agreed.",
}

# The baseline's action plan: who closes each gap, and by when.
ACTIONS = {
    "3.1": ("Dana Demo with the Dhaka Workers' Rights Centre", (2027, 1, 15), "in_progress"),
    "3.6": ("Dhaka Workers' Rights Centre", (2027, 2, 1), "open"),
    "6.8": ("VoiceLink Technologies (security lead)", (2027, 3, 31), "open"),
}


GRIEVANCE_PROCEDURE = """Northwind Apparel: how a worker's grievance is handled

1. A worker calls the hotline or sends an SMS, in Bangla, at any hour.
2. The Dhaka Workers' Rights Centre's caseworker on the rota answers within one working day.
3. The worker chooses whether the factory may be told; nothing is shared without their consent.
4. Emergencies (a threat to life or safety) go to the emergency contact list at once.
5. Every case is closed with the worker, who is asked whether it was resolved.
"""
CONSENT_SCRIPT = """Consent script read at the start of every call

"This line is run by the Dhaka Workers' Rights Centre for the workers of Northwind's suppliers.
What you say is kept private. We will not tell your factory who you are unless you agree.
You can stop at any time. Do you want to go on?"
"""
CALL_LOG = """week,calls,sms,cases opened,cases closed
2026-03-02,41,63,5,2
2026-03-09,38,71,4,6
2026-03-16,45,58,7,3
2026-03-23,40,66,3,5
"""


def _answer_all(assessment: Assessment, user: User, ratings: dict[str, str | None]) -> None:
    questions = {q.key: q for q in assessment.checklist.questions.all()}
    profile = assessment.project.profile
    changes = []
    for key, rating in ratings.items():
        question = questions[key]
        if rating is None or not _applies(question, profile):
            continue
        changes.append(
            services.AnswerChange(
                question=question,
                rating=rating,
                na_justification="No such case in this project."
                if rating == "not_applicable"
                else "",
                evidence_note=EVIDENCE
                if rating == "in_place_with_evidence"
                else NOTES.get(key, ""),
            )
        )
    services.answers_record(assessment=assessment, user=user, changes=changes)


def _applies(question, profile) -> bool:
    from checklists.content import evaluate_condition

    return evaluate_condition(question.applies_if, profile)


class Command(BaseCommand):
    help = "Create demonstration accounts and data (idempotent). Never run it in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (a staging copy, never production).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            # The accounts' password is printed in the README, and one of them is an administrator.
            raise CommandError(
                "seed_demo creates accounts whose password is published, an administrator among "
                "them: it runs only with DEBUG=true. Use --force for a staging copy."
            )
        users = {}
        for email, name, staff in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"name": name, "is_staff": staff, "is_superuser": staff}
            )
            # The printed password must always work, even after someone changed it.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            users[email] = user
            verb = "created" if created else "exists"
            self.stdout.write(f"Demo account {verb}: {email} / {DEMO_PASSWORD}")
        checklist = ChecklistVersion.objects.order_by("-version").first()
        if checklist is None:
            self.stdout.write("No checklist is loaded: run migrate first.")
            return
        dana, tariq = users["demo@westcheck.example"], users["tariq@westcheck.example"]
        created = self._brand(checklist, dana) + self._provider(checklist, dana, tariq)
        created += self._team(
            dana, users["mei@westcheck.example"], users["rafael@westcheck.example"]
        )
        created += self._evidence(dana)
        created += self._funder(users["fatima@westcheck.example"])
        created += self._shares(dana, tariq, users["fatima@westcheck.example"])
        created += self._cohort(
            checklist, users["fatima@westcheck.example"], users["lan@westcheck.example"]
        )
        self.stdout.write(
            f"Demo organisations, projects and assessments: {created} created"
            if created
            else "Demo organisations, projects and assessments exist."
        )

    def _organisation(self, name: str, kind: str, members: dict[User, str]) -> Organisation:
        """Through the services, so that the demo's activity pages tell how it was set up."""
        organisation = Organisation.objects.filter(name=name).first()
        owner, *others = members
        if organisation is None:
            organisation = services.organisation_create(name=name, kind=kind, owner=owner)
        for user in others:
            if not Membership.objects.filter(organisation=organisation, user=user).exists():
                self._join(organisation, user, members[user], invited_by=owner)
        return organisation

    def _join(self, organisation, user, role, *, invited_by, project=None) -> None:
        """Invite and accept at once, as the person would from the e-mail's link."""
        invitation = services.invitation_create(
            organisation=organisation,
            project=project,
            email=user.email,
            role=role,
            invited_by=invited_by,
            site=SITE,
        )
        services.invitation_accept(token=invitation.token, user=user)

    def _team(self, dana, mei, rafael) -> int:
        """Northwind's editor, a local NGO partner working on the hotline project alone, and an
        invitation still waiting for an answer."""
        brand = Organisation.objects.get(name="Northwind Apparel")
        project = brand.projects.get(name="Worker hotline for Dhaka garment suppliers")
        created = 0
        if not Membership.objects.filter(organisation=brand, user=mei).exists():
            self._join(brand, mei, Membership.Role.EDITOR, invited_by=dana)
            created += 1
        if not project.grants.filter(user=rafael).exists():
            self._join(brand, rafael, Membership.Role.EDITOR, invited_by=dana, project=project)
            created += 1
        if not brand.invitations.filter(email="amina@northwind.example").exists():
            services.invitation_create(
                organisation=brand,
                email="amina@northwind.example",
                role=Membership.Role.VIEWER,
                invited_by=dana,
                site=SITE,
            )
            created += 1
        return created

    def _evidence(self, dana) -> int:
        """Files on the follow-up's answers: a procedure and a script anyone on the team may
        read, and a call log that may hold personal data, for owners and editors alone."""
        follow_up = Assessment.objects.get(
            project__name="Worker hotline for Dhaka garment suppliers",
            title="Follow-up during the pilot",
        )
        if follow_up.evidence_files.exists():
            return 0
        today = timezone.localdate()
        files = [
            ("3.2", "Grievance procedure.txt", GRIEVANCE_PROCEDURE, "no", 365),
            ("7.1", "Consent script for callers.txt", CONSENT_SCRIPT, "no", 365),
            ("9.1", "Call log, March (anonymised).csv", CALL_LOG, "not_sure", 60),
        ]
        for key, name, text, personal_data, days in files:
            evidence_upload(
                assessment=follow_up,
                question_key=key,
                upload=ContentFile(text.encode(), name=name),
                personal_data=personal_data,
                retention_until=today + timedelta(days=days),
                user=dana,
            )
        return len(files)

    def _funder(self, fatima) -> int:
        if Organisation.objects.filter(name="Open Voices Fund").exists():
            return 0
        services.organisation_create(
            name="Open Voices Fund", kind=Organisation.Kind.FUNDER, owner=fatima
        )
        return 1

    def _shares(self, dana, tariq, fatima) -> int:
        """Northwind shares its baseline with the fund, three sections of it, for review;
        VoiceLink's offer of its self-assessment waits for Fatima's answer."""
        fund = Organisation.objects.get(name="Open Voices Fund")
        created = 0
        offers = [
            (
                dana,
                "Worker hotline for Dhaka garment suppliers",
                {"detail": "sections", "sections": ["3", "6", "7"], "role": "reviewer"},
                True,
            ),
            (tariq, "SMS pulse survey for electronics workers", {"detail": "summary"}, False),
        ]
        for owner, project_name, terms, accept in offers:
            submission = Submission.objects.filter(project__name=project_name).first()
            if submission is None or Share.objects.filter(project=submission.project_id).exists():
                continue
            share = sharing.share_offer(
                submission=submission,
                email=fatima.email,
                sections=terms.get("sections", []),
                role=terms.get("role", "viewer"),
                detail=terms["detail"],
                follows_later=True,
                expires_at=timezone.now() + Share.DEFAULT_TERM,
                message="For the Open Voices Fund grant review.",
                user=owner,
                site=SITE,
            )
            if accept:
                share = sharing.share_accept(share=share, organisation=fund, user=fatima, site=SITE)
                self._review(share, fatima)
                self._comments(share, fatima, dana)
            created += 1
        return created

    def _cohort(self, checklist, fatima, lan) -> int:
        """The fund's cohort, which a grantee joined with its baseline; its endline followed,
        so that the portfolio shows the progress from one to the other."""
        fund = Organisation.objects.get(name="Open Voices Fund")
        if Cohort.objects.filter(funder=fund).exists():
            return 0
        cohort = sharing.cohort_create(
            funder=fund,
            name="Worker Voice Fund 2027",
            description="Grants for worker-voice pilots in garment and electronics supply chains.",
            detail="sections",
            sections=["3", "6", "7"],
            role="reviewer",
            term_days=365,
            user=fatima,
        )
        # Asked of every grantee: Mekong's project page shows it as a to-do.
        sharing.cohort_milestone_request(
            cohort=cohort,
            milestone="midline",
            due_date=timezone.localdate() + timedelta(days=90),
            user=fatima,
        )
        grantee = self._organisation(
            "Mekong Workers' Line", Organisation.Kind.NGO, {lan: Membership.Role.OWNER}
        )
        project = self._project(
            grantee,
            lan,
            "Helpline for garment workers in Ho Chi Minh City",
            description="A free helpline run with a workers' centre for eight factories.",
            countries="Viet Nam",
            sector=Project.Sector.APPAREL,
            stage=Project.Stage.PILOT,
            channels=["hotline", "sms"],
            migrant_workers=True,
            minorities_present=False,
            women_share=75,
            technology_provider="",
            local_partners="Workers' centre",
            unions="",
        )
        before = _ratings(
            checklist, "in_place", {"3.1": "planned", "7.2": "planned", "6.8": "not_started"}
        )
        self._assessment(
            project, checklist, lan, "Baseline", before, submit=True, milestone="baseline"
        )
        baseline = Submission.objects.get(project=project, number=1)
        sharing.cohort_join(
            cohort=cohort,
            submission=baseline,
            detail="sections",
            sections=["3", "7"],
            follows_later=True,
            user=lan,
            site=SITE,
        )
        after = _ratings(checklist, "in_place", {"6.8": "planned", "9.4": "planned"})
        self._assessment(
            project, checklist, lan, "Endline", after, submit=True, milestone="endline"
        )
        return 1

    def _review(self, share, fatima) -> None:
        """The fund asks for changes on the remedy gaps; Dana reads them on the baseline's
        Reviews page."""
        round_ = ReviewRound.objects.get(share=share)
        reviews.review_save_marks(
            round_=round_,
            changes=[
                reviews.MarkChange(
                    "3.1", "needs_change", "Who answers an emergency call at night? Name them."
                ),
                reviews.MarkChange(
                    "3.6", "needs_clarification", "Which services are on the referral list?"
                ),
                reviews.MarkChange("3.2", "ok"),
                reviews.MarkChange("7.1", "ok"),
            ],
            reviewable={"3.1", "3.6", "3.2", "7.1"},
            user=fatima,
        )
        reviews.review_decide(
            round_=round_,
            decision=ReviewRound.Status.CHANGES_REQUESTED,
            note="Please close the emergency gap before the pilot's second month.",
            user=fatima,
            site=SITE,
        )

    def _comments(self, share, fatima, dana) -> None:
        """A conversation on two questions: one still open, one resolved."""
        page = shared_page(share.submission, share.project, share.detail, share.sections)
        shown = commentable_keys(page)

        def say(key, body, user, side):
            comments.comment_add(
                share=share,
                question_key=key,
                body=body,
                commentable=shown,
                side=side,
                user=user,
                site=SITE,
            )

        say(
            "7.2",
            "How is consent recorded when a worker calls rather than writes?",
            fatima,
            Comment.Side.RECIPIENT,
        )
        say(
            "7.2",
            "The operator reads the consent script at the start of each call and notes the "
            "answer in the case file; we are adding it to the SMS flow too.",
            dana,
            Comment.Side.OWNER,
        )
        say("6.1", "Who can read the case files?", fatima, Comment.Side.RECIPIENT)
        say(
            "6.1",
            "Two caseworkers at the rights centre; the brand sees monthly totals only.",
            dana,
            Comment.Side.OWNER,
        )
        comments.thread_resolve(
            thread=share.threads.get(question_key="6.1"),
            share=share,
            side=Comment.Side.RECIPIENT,
            user=fatima,
        )

    def _project(self, organisation, user, name, **fields) -> Project:
        project = Project.objects.filter(organisation=organisation, name=name).first()
        return project or services.project_create(
            organisation=organisation, created_by=user, name=name, **fields
        )

    def _assessment(
        self, project, checklist, user, title, ratings, submit=False, milestone="", actions=None
    ):
        if project.assessments.filter(title=title).exists():
            return 0
        assessment = services.assessment_start(
            project=project, checklist=checklist, title=title, started_by=user
        )
        _answer_all(assessment, user, ratings)
        if submit:
            services.assessment_submit(assessment=assessment, user=user, milestone=milestone)
        questions = {q.key: q for q in checklist.questions.all()}
        for key, (owner, due, status) in (actions or {}).items():
            services.action_update(
                assessment=assessment,
                question=questions[key],
                owner=owner,
                due_date=date(*due),
                status=status,
                user=user,
            )
        return 1

    def _brand(self, checklist, dana) -> int:
        brand = self._organisation(
            "Northwind Apparel", Organisation.Kind.BRAND, {dana: Membership.Role.OWNER}
        )
        project = self._project(
            brand,
            dana,
            "Worker hotline for Dhaka garment suppliers",
            description="A free hotline and SMS line for workers in twelve supplier factories.",
            countries="Bangladesh",
            sector=Project.Sector.APPAREL,
            stage=Project.Stage.PILOT,
            channels=["hotline", "sms"],
            migrant_workers=False,
            minorities_present=True,
            women_share=70,
            technology_provider="VoiceLink Technologies",
            local_partners="Dhaka Workers' Rights Centre",
            unions="",
        )
        # Strong on paper, but nobody has decided how emergencies are handled: a remedy gap.
        baseline = _ratings(
            checklist,
            "in_place_with_evidence",
            {
                "3.1": "planned",
                "3.6": "planned",
                "6.8": "planned",
                "8.3": "in_place",
                "9.4": "in_place",
            },
        )
        follow_up = {key: (rating if key[0] in "123" else None) for key, rating in baseline.items()}
        follow_up["3.1"] = "in_place"
        return self._assessment(
            project,
            checklist,
            dana,
            "Baseline before the pilot",
            baseline,
            submit=True,
            milestone=Submission.Milestone.BASELINE,
            actions=ACTIONS,
        ) + self._assessment(project, checklist, dana, "Follow-up during the pilot", follow_up)

    def _provider(self, checklist, dana, tariq) -> int:
        provider = self._organisation(
            "VoiceLink Technologies",
            Organisation.Kind.TECHNOLOGY_PROVIDER,
            {tariq: Membership.Role.OWNER, dana: Membership.Role.VIEWER},
        )
        project = self._project(
            provider,
            tariq,
            "SMS pulse survey for electronics workers",
            description="Monthly anonymous SMS surveys for migrant workers in three factories.",
            countries="Malaysia",
            sector=Project.Sector.ELECTRONICS,
            stage=Project.Stage.PLANNING,
            channels=["sms", "smartphone_app", "social_media"],
            migrant_workers=True,
            minorities_present=True,
            women_share=45,
            technology_provider="VoiceLink Technologies (ourselves)",
            local_partners="Migrant Workers Support Network",
            unions="",
        )
        # Every gated question in place; results are not yet linked to action (9.1): conditions.
        ratings = _ratings(
            checklist, "in_place", {"9.1": "planned", "9.4": "planned", "5.3": "planned"}
        )
        return self._assessment(
            project,
            checklist,
            tariq,
            "Self-assessment before launch",
            ratings,
            submit=True,
            milestone=Submission.Milestone.BASELINE,
        )
