"""The demo's Community Engagement Framework 2018-2021 (seed 002): its five pledges, 25
commitments and 11 outcomes, brought in through the importer from the pledges workbook that
`fixtures/build_legacy.py` builds from the paper
(`fixtures/legacy/pledges-community-engagement.xlsx`).

The paper names no lead and no deadline for a commitment, so the milestones have none: they are
added in the app, or by importing a tracker. Idempotent: importing the same workbook again
changes nothing. Called by the demo (`frameworks.services.demo`).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from frameworks.models import Framework
from frameworks.services.imports import legacy_import

PLEDGES_FILE = Path(settings.BASE_DIR) / "fixtures" / "legacy" / "pledges-community-engagement.xlsx"
PLEDGES_FRAMEWORK = "Tower Hamlets Community Engagement Framework 2018-2021"
# The paper's own words (002, Introduction).
PLEDGES_DESCRIPTION = (
    "The Community Engagement Framework 2018-2021 has been developed to allow and encourage "
    "local communities to play a greater and more active role in the things that matter most to "
    "them, and help decide the priorities for the borough, particularly as we enter this "
    "challenging period. Its aim is to improve the way in which we involve communities and open "
    "up more opportunities for residents and stakeholders to be heard."
)


@transaction.atomic
def demo_pledges_load(*, user=None) -> Framework:
    """Import the pledges workbook into the Community Engagement Framework (made the first
    time), and give the framework the paper's description if it has none."""
    report = legacy_import(
        data=PLEDGES_FILE.read_bytes(),
        file_name=PLEDGES_FILE.name,
        framework_name=PLEDGES_FRAMEWORK,
        layout="pledges",
        user=user,
    )
    if report.errors:
        problems = "; ".join(problem.message for problem in report.errors)
        raise RuntimeError(f"The demo Community Engagement Framework did not import: {problems}")
    framework = Framework.objects.select_for_update().get(name=PLEDGES_FRAMEWORK)
    if not framework.description:
        framework.description = PLEDGES_DESCRIPTION
        framework.version += 1
        framework._history_user = user
        framework._change_reason = "Demo data: the description from the paper (seed 002)"
        framework.save(update_fields=["description", "version", "updated_at"])
    return framework
