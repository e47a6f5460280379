"""`manage.py load_demo`: the Ward Councillor Support Framework demo, built from the seeds."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from frameworks.models import Framework, Indicator
from frameworks.services.demo import DEMO_FILE, demo_data_load

DEMO_PASSWORD = "demo-tracker-2020"


class Command(BaseCommand):
    help = "Load the demo framework, its rounds and updates, and the demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEMO_FILE), help="Demo data JSON file.")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="Password for demo users.")

    def handle(self, *args, **options):
        result = demo_data_load(path=Path(options["file"]), password=options["password"])
        framework = result.framework
        verb = "Loaded" if result.created else "Already loaded"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {framework.name} – {framework.themes.count()} themes, "
                f"{framework.milestones.count()} milestones, {framework.rounds.count()} rounds."
            )
        )
        if result.improvement_plan:
            plan = result.improvement_plan
            self.stdout.write(
                f"Imported from fixtures/legacy: {plan.name} – {plan.themes.count()} "
                f"recommendations, {plan.milestones.count()} actions."
            )
        for engagement in Framework.objects.filter(outcomes__isnull=False).distinct():
            assessed = engagement.assessments.count()
            self.stdout.write(
                f"From the pledges: {engagement.name} – {engagement.themes.count()} pledges, "
                f"{engagement.milestones.count()} commitments, {engagement.outcomes.count()} "
                f"outcomes; maturity assessments: {assessed}."
            )
        indicators = Indicator.objects.count()
        if indicators:
            self.stdout.write(f"Indicators from figures the papers report: {indicators}.")
        self.stdout.write(f"Demo logins (password for all: {options['password']}):")
        for login in result.logins:
            posts = f", holds {', '.join(login.posts)}" if login.posts else ""
            self.stdout.write(f"  {login.username:<12} {login.role}{posts}")
        if settings.ACCOUNTS_MFA_REQUIRED_FOR:
            roles = ", ".join(settings.ACCOUNTS_MFA_REQUIRED_FOR)
            self.stdout.write(
                f"Roles that must set up an authenticator app at first sign-in: {roles}."
            )
