"""The demo's indicators: only figures seed 004 reports (the Tower Hamlets Improvement Plan's Q3
2019-20 progress report to the Transformation and Improvement Board, 9 December 2019), each
citing its line in `seeds/004_…txt`. Nothing is invented: the paper gives no targets, so none is
set (each indicator's status is "No target set", and its page says why); it numbers none of them
and defines none, so their number and definition are blank; a baseline is recorded only where
the paper gives the earlier figure, and without a date, since it gives none.

Each indicator's owner is the first owner the paper lists for the action that reports it (the
improvement plan's posts carry the owners' names as the export printed them).

Idempotent: an indicator already there (by name) and a value already given are left alone.
Called by the demo after the improvement plan is imported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from frameworks.models import (
    Direction,
    Framework,
    Frequency,
    Indicator,
    IndicatorValue,
    MilestonePost,
    PostRole,
    ReturnState,
    Round,
)
from frameworks.services.indicators import IndicatorInput, indicator_create

FRAMEWORK = "Tower Hamlets Improvement Plan"  # = services.demo.ACTIONS_FRAMEWORK
ROUND = "Q3 2019-20"  # = services.demo.ACTIONS_ROUND: "This report supplies Q3 progress updates"
# How the audit trail says where the figures come from.
REASON = "As reported to the Transformation and Improvement Board of 9 December 2019"


@dataclass(frozen=True)
class DemoIndicator:
    name: str
    unit: str
    direction: str
    action: str  # the improvement plan action whose update reports it (its owner owns it)
    value: Decimal  # at ROUND
    note: str  # the paper's words
    baseline: Decimal | None = None
    baseline_source: str = ""


INDICATORS = [
    # seed 004 line 601 (R5.14 "Increase the number of permanent staff", Q3 Update): "In
    # Children's Social Care we have reduced our vacancy gap further from 26% to 19.55%."
    # 26% is the figure before Q3 2019-20; the paper does not say when it was measured.
    DemoIndicator(
        name="Children's social care vacancy gap",
        unit="%",
        direction=Direction.LOWER,  # "reduced … further" is the progress reported
        action="R5.14",
        value=Decimal("19.55"),
        note=(
            "In Children's Social Care we have reduced our vacancy gap further from 26% to "
            "19.55%. We have converted 10 agency staff as well as recruiting 16 permanent social "
            "workers. We have recruited 35 NQSW and launched the SW Academy."
        ),
        baseline=Decimal("26"),
        baseline_source=(
            "R5.14 Q3 2019-20 update: “reduced our vacancy gap further from 26% to 19.55%”. "
            "The figure before Q3 2019-20; the paper gives no date."
        ),
    ),
    # seed 004 line 601 (R5.14, Q3 Update): "Turnover has decreased further to 10.58%." The
    # earlier figure is not given, so there is no baseline.
    DemoIndicator(
        name="Children's social care staff turnover",
        unit="%",
        direction=Direction.LOWER,  # "decreased further", with "Workforce stability has improved"
        action="R5.14",
        value=Decimal("10.58"),
        note=(
            "Turnover has decreased further to 10.58%. Workforce stability has improved (see "
            "turnover)."
        ),
    ),
    # seed 004 line 515 (R2.2 "Deliver the Communications Strategy 2018/19", Q3 Update): "We
    # now have 20,393 registered users on the Firmstep platform, an increase of 11 per cent from
    # the previous quarter." The previous quarter's number is not given (11% is not a figure to
    # work one back from), so there is no baseline.
    DemoIndicator(
        name="Registered users on the Firmstep platform",
        unit="users",
        direction=Direction.HIGHER,  # the increase is reported as progress
        action="R2.2",
        value=Decimal("20393"),
        note=(
            "We now have 20,393 registered users on the Firmstep platform, an increase of 11 per "
            "cent from the previous quarter."
        ),
    ),
]


def _owner(framework: Framework, code: str):
    link = (
        MilestonePost.objects.filter(
            milestone__framework=framework, milestone__code=code, role=PostRole.LEAD
        )
        .select_related("post")
        .order_by("order", "pk")
        .first()
    )
    return link.post if link else None


@transaction.atomic
def demo_indicators_load(*, framework: Framework | None = None) -> list[Indicator]:
    """Add seed 004's indicators and their Q3 2019-20 values to the improvement plan (by
    default the one the demo imports). Returns them; does nothing if the plan is not there."""
    framework = framework or Framework.objects.filter(name=FRAMEWORK).first()
    if framework is None:
        return []
    round = Round.objects.filter(framework=framework, label__iexact=ROUND).first()
    loaded = []
    for spec in INDICATORS:
        indicator = Indicator.objects.filter(framework=framework, name=spec.name).first()
        if indicator is None:
            indicator = indicator_create(
                framework=framework,
                user=None,
                data=IndicatorInput(
                    name=spec.name,
                    unit=spec.unit,
                    direction=spec.direction,
                    baseline_value=spec.baseline,
                    baseline_source=spec.baseline_source,
                    owner=_owner(framework, spec.action),
                    frequency=Frequency.QUARTERLY,
                ),
            )
        loaded.append(indicator)
        if round is None:
            continue
        value = IndicatorValue.objects.filter(indicator=indicator, round=round).first()
        if value is None:
            value = IndicatorValue(indicator=indicator, round=round)
        elif value.value is not None:
            continue  # given already: left as it is
        else:
            value.version += 1
        # As the demo's other approved updates: reviewed on the round's due date, at noon.
        stamp = dt.datetime.combine(round.due_date, dt.time(12), tzinfo=dt.UTC)
        value.value, value.note, value.state = spec.value, spec.note, ReturnState.APPROVED
        value.saved_at = value.submitted_at = value.reviewed_at = stamp
        value._history_user = None
        value._change_reason = REASON
        value.save()
    return loaded
