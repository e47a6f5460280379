"""Accounts: the people page (invitations), the sign-in audit trail and a person's own account."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.db.models import QuerySet

from frameworks.models import ROLE_LABELS, AccountEvent, Invitation, Post
from frameworks.roles import user_roles


def people_list():
    """Everyone with an account, for the People page: their groups, whether they have an
    authenticator app or sign in through the council's provider, and when they last signed in.
    Three queries whatever the number of people."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Exists, OuterRef, Prefetch

    return (
        get_user_model()
        .objects.annotate(
            has_totp=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
            single_sign_on=Exists(SocialAccount.objects.filter(user=OuterRef("pk"))),
        )
        .prefetch_related(Prefetch("groups", queryset=Group.objects.only("name")), "posts")
        .order_by("last_name", "first_name", "username")
    )


def invitation_list() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("user", "invited_by").order_by("-created_at")


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state; None for a token never sent."""
    return (
        Invitation.objects.select_related("user")
        .filter(token_sha256=Invitation.digest(token))
        .first()
    )


def account_event_list(*, kind: str = "") -> QuerySet[AccountEvent]:
    events = AccountEvent.objects.select_related("user", "actor")
    return events.filter(kind=kind) if kind else events


@dataclass(frozen=True)
class AccountSummary:
    roles: list[str]
    posts: list[Post]
    has_password: bool
    has_totp: bool
    single_sign_on: bool
    recent: list[AccountEvent]


def account_summary(user) -> AccountSummary:
    """What "Your account" shows: roles, posts, how they sign in, their last sign-in events."""
    held = user_roles(user)
    return AccountSummary(
        roles=[label for role, label in ROLE_LABELS.items() if role in held],
        posts=list(user.posts.order_by("title")),
        has_password=user.has_usable_password(),
        has_totp=Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        single_sign_on=SocialAccount.objects.filter(user=user).exists(),
        recent=list(AccountEvent.objects.filter(user=user)[:5]),
    )
