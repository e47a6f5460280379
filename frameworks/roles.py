"""Who may do what, for views and templates. The rules themselves are in `frameworks.rules`.

- officer: holds one or more posts; reads and edits the returns for those posts.
- policy team: creates, opens and closes rounds, reviews returns, sees every return.
- democratic services: reads rounds and frameworks, prepares and publishes board reports.
- admin: a superuser or staff member; keeps the structure in the Django admin and imports files.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from frameworks.models import MilestonePost, Return
from frameworks.rules import DEMOCRATIC_SERVICES, POLICY_TEAM, allowed

# The roles held through a group, by the keys settings, invitations and the provider's role
# map use ("admin" is staff or superuser instead).
GROUP_OF_ROLE = {"policy": POLICY_TEAM, "democratic": DEMOCRATIC_SERVICES}
ROLE_GROUPS = tuple(GROUP_OF_ROLE.values())

__all__ = [
    "DEMOCRATIC_SERVICES",
    "POLICY_TEAM",
    "GROUP_OF_ROLE",
    "ROLE_GROUPS",
    "can_edit_return",
    "ensure_role_groups",
    "holds_post_for",
    "is_democratic_services",
    "is_policy_team",
    "user_roles",
    "visible_returns",
]


def is_policy_team(user) -> bool:
    return allowed(user, "frameworks.manage_rounds")


def is_democratic_services(user) -> bool:
    from frameworks.rules import is_democratic_services as predicate

    return bool(predicate(user))


def holds_post_for(user, return_: Return) -> bool:
    from frameworks.rules import holds_post_for_return

    return bool(holds_post_for_return(user, return_))


def can_edit_return(user, return_: Return) -> bool:
    """Officers edit the returns of posts they hold; nobody edits approved or closed returns."""
    return allowed(user, "frameworks.edit_return", return_)


def visible_returns(user):
    """Returns this user may open: every return for the policy team, else their posts' returns
    (the rule is this queryset: `return_get_for_user` reads through it)."""
    qs = Return.objects.all()
    if is_policy_team(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(
        Exists(MilestonePost.objects.filter(milestone=OuterRef("milestone"), post__holders=user))
    )


def user_roles(user) -> set[str]:
    """The roles `user` holds now besides their posts: "policy", "democratic", "admin"."""
    groups = set(user.groups.values_list("name", flat=True))
    roles = {role for role, group in GROUP_OF_ROLE.items() if group in groups}
    if user.is_staff or user.is_superuser:
        roles.add("admin")
    return roles


def ensure_role_groups() -> None:
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
