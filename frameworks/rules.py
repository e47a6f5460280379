"""Object-level permissions (the `rules` package). Deny by default: every view checks one of
these, and a test walks every URL for every role.

Access follows the post, not the person: an officer's rights come from the posts they hold
today, so when a post changes hands, so do its returns.
"""

from __future__ import annotations

import rules

from frameworks.models import (
    EDITABLE_RETURN_STATES,
    Framework,
    IndicatorValue,
    Milestone,
    MilestonePost,
    Return,
)

POLICY_TEAM = "Policy team"
DEMOCRATIC_SERVICES = "Democratic services"

is_policy_team = rules.is_superuser | rules.is_group_member(POLICY_TEAM)
is_democratic_services = rules.is_superuser | rules.is_group_member(DEMOCRATIC_SERVICES)
is_admin = rules.is_superuser | rules.is_staff


@rules.predicate
def holds_post_for_return(user, return_: Return) -> bool:
    return (
        user.is_authenticated
        and MilestonePost.objects.filter(
            milestone_id=return_.milestone_id, post__holders=user
        ).exists()
    )


@rules.predicate
def return_is_editable(user, return_: Return) -> bool:
    return return_.is_editable


@rules.predicate
def submitted_return(user, return_: Return) -> bool:
    return (
        user.is_authenticated
        and return_.submitted_by_id is not None
        and return_.submitted_by_id == user.pk
    )


# Nobody reviews their own work: not the person who submitted the return, and not anyone who
# holds a post on the milestone (superusers included: they count as the policy team).
is_independent_reviewer = is_policy_team & ~submitted_return & ~holds_post_for_return


@rules.predicate
def holds_post_for_milestone(user, milestone: Milestone) -> bool:
    return (
        user.is_authenticated
        and MilestonePost.objects.filter(milestone=milestone, post__holders=user).exists()
    )


@rules.predicate
def framework_open_to_officers(user, framework: Framework) -> bool:
    return user.is_authenticated and framework.officers_read_all


@rules.predicate
def holds_post_in_framework(user, framework: Framework) -> bool:
    return (
        user.is_authenticated
        and MilestonePost.objects.filter(
            milestone__framework=framework, post__holders=user
        ).exists()
    )


@rules.predicate
def milestone_framework_open(user, milestone: Milestone) -> bool:
    return user.is_authenticated and milestone.framework.officers_read_all


@rules.predicate
def owns_indicator_value(user, value: IndicatorValue) -> bool:
    """Holds the indicator's owner post today (access follows the post)."""
    owner = value.indicator.owner
    return user.is_authenticated and owner is not None and owner.holders.filter(pk=user.pk).exists()


@rules.predicate
def indicator_value_is_editable(user, value: IndicatorValue) -> bool:
    return value.state in EDITABLE_RETURN_STATES and value.round.is_open


@rules.predicate
def submitted_indicator_value(user, value: IndicatorValue) -> bool:
    return (
        user.is_authenticated
        and value.submitted_by_id is not None
        and value.submitted_by_id == user.pk
    )


reads_everything = is_policy_team | is_democratic_services | is_admin

# Not "change_return": that is Django's own permission for the Return model, which the admin asks
# about without an object.
rules.add_perm("frameworks.edit_return", holds_post_for_return & return_is_editable)
rules.add_perm("frameworks.review_return", is_independent_reviewer)
rules.add_perm("frameworks.view_rounds", is_policy_team | is_democratic_services)
rules.add_perm("frameworks.manage_rounds", is_policy_team)
rules.add_perm("frameworks.prepare_reports", is_policy_team | is_democratic_services)
rules.add_perm("frameworks.import_files", is_policy_team | is_admin)
rules.add_perm("frameworks.manage_boards", is_policy_team | is_admin)
rules.add_perm("frameworks.manage_posts", is_policy_team | is_admin)
rules.add_perm("frameworks.manage_accounts", is_admin)
rules.add_perm("frameworks.manage_meetings", is_policy_team | is_democratic_services)
# Outcomes, indicators (their targets and tolerance) and maturity assessments: the plan's
# structure, kept by the policy team and administrators.
rules.add_perm("frameworks.manage_measures", is_policy_team | is_admin)
rules.add_perm(
    "frameworks.edit_indicator_value", owns_indicator_value & indicator_value_is_editable
)
rules.add_perm(
    "frameworks.review_indicator_value",
    is_policy_team & ~submitted_indicator_value & ~owns_indicator_value,
)
rules.add_perm(
    "frameworks.read_framework",
    reads_everything | framework_open_to_officers | holds_post_in_framework,
)
rules.add_perm("frameworks.read_all_milestones", reads_everything | framework_open_to_officers)
rules.add_perm(
    "frameworks.read_milestone",
    reads_everything | milestone_framework_open | holds_post_for_milestone,
)
rules.add_perm("frameworks.see_work_in_progress", is_policy_team | holds_post_for_milestone)


def allowed(user, perm: str, obj=None) -> bool:
    """Check a rule as written: unlike `user.has_perm`, a superuser gets only what the rule
    gives (an administrator keeps the structure; they do not write officers' returns)."""
    return rules.has_perm(perm, user, obj)


def review_refusal(user, return_: Return) -> str:
    """Why `user` may not approve or return `return_` (`frameworks.review_return`), in words for
    the review page and the service's error; "" when they may."""
    if allowed(user, "frameworks.review_return", return_):
        return ""
    if not is_policy_team(user):
        return "Only the policy team can review returns."
    if submitted_return(user, return_):
        return "You submitted this return, so another member of the policy team must review it."
    return (
        "You hold a post responsible for this milestone, so another member of the policy team "
        "must review this return."
    )


def indicator_review_refusal(user, value: IndicatorValue) -> str:
    """Why `user` may not approve or return an indicator's value; "" when they may."""
    if allowed(user, "frameworks.review_indicator_value", value):
        return ""
    if not is_policy_team(user):
        return "Only the policy team can review indicator values."
    if submitted_indicator_value(user, value):
        return "You submitted this value, so another member of the policy team must review it."
    return (
        "You hold the post that owns this indicator, so another member of the policy team must "
        "review this value."
    )
