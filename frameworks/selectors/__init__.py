"""Reads: what each page, report and export shows, as data (HackSoft's selectors).

Selectors query the models and return model instances, querysets and small dataclasses. They
do not build HTML, reverse URLs or raise Http404 (a selector for one object returns None when
the user may not see it; the view answers 404); presentation lives in templates, template tags
and `frameworks.views.presenters`. Views, reports, exports and commands import from here;
selectors import models, rules, roles and filters, never views.

- `base`: the querysets and rules the others share
- `returns`: an officer's returns, one return, rounds and the returns dashboard
- `plans`: frameworks, their overview, milestones and the milestone search
- `exports`: the plan as plain data
- `history`: the audit trail in words
- `accounts`: invitations, the sign-in audit trail and a person's own account
- `maturity`: a framework's maturity scale, standards, assessments and the maturity table
"""

from frameworks.selectors.accounts import (
    AccountSummary,
    account_event_list,
    account_summary,
    invitation_for_token,
    invitation_list,
    people_list,
)
from frameworks.selectors.base import (
    approved_return_rows,
    milestone_is_overdue,
)
from frameworks.selectors.exports import export_rounds, framework_export_data
from frameworks.selectors.history import HistoryEvent, milestone_timeline
from frameworks.selectors.indicator_values import (
    ValuePage,
    indicator_value_get_for_user,
    next_submitted_value,
    officer_indicator_values,
    round_indicator_values,
)
from frameworks.selectors.indicators import (
    IndicatorPoint,
    IndicatorRow,
    default_round,
    indicator_get_for_user,
    indicator_row,
    indicator_rows,
)
from frameworks.selectors.maturity import (
    AssessmentDetail,
    JudgementEntry,
    MaturityOverview,
    MaturityRow,
    MaturityTable,
    assessment_detail,
    assessment_list,
    judgement_get,
    maturity_table,
)
from frameworks.selectors.outcomes import (
    OutcomeProgress,
    ThemeOutcomes,
    framework_measures,
    outcome_progress,
)
from frameworks.selectors.plans import (
    FrameworkOverview,
    MilestoneHistory,
    ThemeMilestones,
    framework_list,
    framework_overview,
    milestone_history,
    milestone_search,
    milestones_with_status,
)
from frameworks.selectors.posts import lookalike_posts, post_list
from frameworks.selectors.returns import (
    PostReturns,
    ReturnsGroup,
    RoundDashboard,
    officer_returns,
    return_as_read,
    return_get_for_user,
    round_dashboard,
    rounds_by_framework,
    submitted_neighbours,
)

__all__ = [
    "OutcomeProgress",
    "ThemeOutcomes",
    "outcome_progress",
    "framework_measures",
    "ValuePage",
    "indicator_value_get_for_user",
    "next_submitted_value",
    "officer_indicator_values",
    "round_indicator_values",
    "IndicatorPoint",
    "IndicatorRow",
    "default_round",
    "indicator_get_for_user",
    "indicator_row",
    "indicator_rows",
    "AccountSummary",
    "account_event_list",
    "account_summary",
    "invitation_for_token",
    "invitation_list",
    "people_list",
    "FrameworkOverview",
    "HistoryEvent",
    "MilestoneHistory",
    "RoundDashboard",
    "PostReturns",
    "ReturnsGroup",
    "ThemeMilestones",
    "approved_return_rows",
    "export_rounds",
    "framework_export_data",
    "framework_list",
    "framework_overview",
    "milestone_history",
    "milestone_is_overdue",
    "milestone_search",
    "milestone_timeline",
    "milestones_with_status",
    "officer_returns",
    "round_dashboard",
    "lookalike_posts",
    "post_list",
    "submitted_neighbours",
    "rounds_by_framework",
    "return_as_read",
    "return_get_for_user",
    "AssessmentDetail",
    "JudgementEntry",
    "MaturityOverview",
    "MaturityRow",
    "MaturityTable",
    "assessment_detail",
    "assessment_list",
    "judgement_get",
    "maturity_table",
]
