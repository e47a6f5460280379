"""Who may do what. Roles are Django groups; officers are users who hold a post.

- officer: holds one or more posts; reads and edits the returns for those posts.
- policy team: creates, opens and closes rounds, reviews returns, sees every return.
- democratic services: reads frameworks and rounds to prepare board reports.
- admin: a superuser; keeps the structure in the Django admin.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Group
from django.db.models import Exists, OuterRef

from frameworks.models import MilestonePost, ProgressUpdate

POLICY_TEAM = "Policy team"
DEMOCRATIC_SERVICES = "Democratic services"
ROLE_GROUPS = (POLICY_TEAM, DEMOCRATIC_SERVICES)


def _group_names(user) -> frozenset[str]:
    """The user's group names, read once per request and cached on the user object."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_tracker_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._tracker_group_names = cached
    return cached


def is_policy_team(user) -> bool:
    return user.is_authenticated and (user.is_superuser or POLICY_TEAM in _group_names(user))


def is_democratic_services(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or DEMOCRATIC_SERVICES in _group_names(user)
    )


def holds_post_for(user, update: ProgressUpdate) -> bool:
    if not user.is_authenticated:
        return False
    return MilestonePost.objects.filter(
        milestone_id=update.milestone_id, post__holders=user
    ).exists()


def can_edit_update(user, update: ProgressUpdate) -> bool:
    """Officers edit the returns of posts they hold; nobody edits approved or closed returns."""
    return update.is_editable and holds_post_for(user, update)


def can_view_update(user, update: ProgressUpdate) -> bool:
    return is_policy_team(user) or holds_post_for(user, update)


def visible_updates(user):
    """Returns this user may open: every return for the policy team, else their posts' returns."""
    qs = ProgressUpdate.objects.all()
    if is_policy_team(user):
        return qs
    return qs.filter(
        Exists(MilestonePost.objects.filter(milestone=OuterRef("milestone"), post__holders=user))
    )


def ensure_role_groups() -> None:
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
