"""The demo's maturity self-assessment, from seed 003 (Transformation Advisory Board pack, 11
December 2023): the Community Engagement Evaluation report's scale, its 8 quality standards and
their judgements, on the Community Engagement Framework of seed 002.

The judgements come through the importer, from `fixtures/legacy/maturity-community-engagement-
2023.xlsx` (built from 003 by `fixtures/build_maturity.py`), exactly as an administrator would
import them: Leadership's "Embedded", which the paper's scale does not define, stays unmapped for
someone to add to the scale or map. That is the point of the demo.

Idempotent: a framework that already has the assessment is left alone. Called by the demo.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from frameworks.models import Assessment, Framework
from frameworks.services.maturity import maturity_import_apply, maturity_level_add

# Seed 002's title (its first line): another part of the demo imports its pledges.
FRAMEWORK = "Tower Hamlets Community Engagement Framework 2018-2021"
FIXTURE = (
    Path(settings.BASE_DIR) / "fixtures" / "legacy" / "maturity-community-engagement-2023.xlsx"
)
TITLE = "Community engagement maturity assessment"
# 003 line 399: the evaluation report is dated "04/09/2023" (it went to the board as an appendix
# to item 4, Community Engagement Strategy, of 11 December 2023: lines 57 and 65-66).
ASSESSED_ON = dt.date(2023, 9, 4)
SOURCE = (
    "Community Engagement Evaluation report (04/09/2023), appendix to item 4, Community "
    "Engagement Strategy, Transformation Advisory Board, 11 December 2023"
)
# 003 lines 518-522: "we scored each standard using the following scale", most mature first;
# ranked here least mature first (1), as the scale's order says.
SCALE = (
    ("Emerging", "not there yet, but you're able to identify areas for improvement", 1),
    ("Aspiring", "some good performance, but also some gaps", 2),
    ("Established", "good overall performance against the standard", 3),
)


def _framework(user) -> Framework:
    framework = Framework.objects.filter(name=FRAMEWORK).first()
    if framework is None:
        framework = Framework(name=FRAMEWORK, slug=slugify(FRAMEWORK)[:200])
        framework._history_user = user
        framework._change_reason = "Demo: the framework of the maturity assessment"
        framework.full_clean()
        framework.save()
    return framework


def demo_maturity_load(*, user=None) -> Assessment:
    """The scale, the standards and the assessment of 4 September 2023 on the Community
    Engagement Framework (made by name if the demo has not made it yet)."""
    framework = _framework(user)
    existing = Assessment.objects.filter(framework=framework, assessed_on=ASSESSED_ON).first()
    if existing is not None:
        return existing
    names = {name.casefold() for name in framework.maturity_levels.values_list("name", flat=True)}
    ranks = set(framework.maturity_levels.values_list("rank", flat=True))
    for name, description, rank in SCALE:
        if name.casefold() not in names:
            maturity_level_add(
                framework=framework,
                name=name,
                description=description,
                rank=None if rank in ranks else rank,
                user=user,
            )
    return maturity_import_apply(
        framework=framework,
        data=FIXTURE.read_bytes(),
        file_name=FIXTURE.name,
        title=TITLE,
        assessed_on=ASSESSED_ON,
        source=SOURCE,
        user=user,
        fingerprint=None,
    )
