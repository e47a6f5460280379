"""Accounts: the sign-in audit trail, roles from the identity provider, and invitations.

django-allauth signs people in, resets and changes passwords and keeps MFA authenticators; its
adapters (`frameworks.accounts.adapters`) call these services for what the app adds: a line in
the audit trail for each sign-in, failure and change, the roles a provider's claims grant, and
the invitation that lets a new local user set their password.

May import models and rules. Imported by the accounts adapters, receivers and views.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from frameworks.models import ROLE_LABELS, AccountEvent, Invitation
from frameworks.roles import GROUP_OF_ROLE, user_roles

User = get_user_model()


def account_event_record(
    *,
    kind: AccountEvent.Kind,
    user=None,
    username: str = "",
    actor=None,
    method: str = "",
    ip_address: str | None = None,
    detail: str = "",
) -> AccountEvent:
    """Add one line to the accounts audit trail."""
    return AccountEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:254],
        actor=actor,
        method=method[:40],
        ip_address=ip_address or None,
        detail=detail[:255],
    )


def roles_from_claims(claims: dict) -> set[str]:
    """The roles a provider's claims grant, by `OIDC_ROLE_MAP` over the values of the claims in
    `OIDC_ROLE_CLAIMS` (app roles or group ids). A role's value may list several, split by ";".
    Anything the map does not name grants nothing."""
    values: set[str] = set()
    for claim in settings.OIDC_ROLE_CLAIMS:
        found = claims.get(claim) or []
        values.update(str(v) for v in ([found] if isinstance(found, str) else found))
    return {
        role
        for role, wanted in settings.OIDC_ROLE_MAP.items()
        if role in ROLE_LABELS and values & {w.strip() for w in wanted.split(";") if w.strip()}
    }


def _set_roles(user, roles: set[str]) -> None:
    for role, group_name in GROUP_OF_ROLE.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        if role in roles:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    admin = "admin" in roles
    if user.is_staff != admin or user.is_superuser != admin:
        user.is_staff = user.is_superuser = admin
        user.save(update_fields=["is_staff", "is_superuser"])


@dataclass(frozen=True)
class RoleChange:
    granted: frozenset[str]
    removed: frozenset[str]


@transaction.atomic
def user_roles_apply_claims(*, user, claims: dict, ip_address: str | None = None) -> RoleChange:
    """Make `user`'s roles exactly those the provider's claims grant, at every single sign-on:
    someone taken out of a group at the provider loses the role at their next sign-in. Posts are
    the app's own and are left alone. The user is locked and re-read; each role granted or
    removed is a line in the audit trail."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    wanted = roles_from_claims(claims)
    held = user_roles(locked)
    change = RoleChange(granted=frozenset(wanted - held), removed=frozenset(held - wanted))
    if change.granted or change.removed:
        _set_roles(locked, wanted)
        user.is_staff, user.is_superuser = locked.is_staff, locked.is_superuser
        for kind, roles in (
            (AccountEvent.Kind.ROLE_GRANTED, change.granted),
            (AccountEvent.Kind.ROLE_REMOVED, change.removed),
        ):
            for role in sorted(roles):
                account_event_record(
                    kind=kind,
                    user=locked,
                    method="single sign-on",
                    ip_address=ip_address,
                    detail=ROLE_LABELS[role],
                )
    return change


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str


@transaction.atomic
def user_invite(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: set[str],
    invited_by,
    accept_url: str,
    ip_address: str | None = None,
) -> SentInvitation:
    """Invite someone by email: a user with no password yet (their email address is their
    username), the roles chosen, and an email with a link to set their password that works once,
    for `ACCOUNTS_INVITATION_DAYS`. Inviting the same address again, before they accept,
    withdraws the earlier link. `accept_url` turns the token into the link's absolute address.

    Refused, with the field's message, for an address that already belongs to someone who can
    sign in."""
    if not settings.LOCAL_SIGN_IN:
        raise ValidationError(
            "Passwords are switched off, so there is nothing to invite people to: they sign in "
            "with their council account, and their account is made then."
        )
    email = email.strip()
    unknown = roles - ROLE_LABELS.keys()
    if unknown:
        raise ValidationError({"roles": f"There is no role called {', '.join(sorted(unknown))}."})
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None and (
        user.has_usable_password() or SocialAccount.objects.filter(user=user).exists()
    ):
        raise ValidationError(
            {"email": f"{email} already has an account. They can reset their password."}
        )
    if user is None:
        if User.objects.filter(username__iexact=email).exists():
            raise ValidationError({"email": f"The username {email} is taken."})
        user = User(username=email.lower(), email=email)
        user.set_unusable_password()
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.save()
    _set_roles(user, roles)
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=email, defaults={"email": email, "primary": True}
    )
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at=None, withdrawn_at=None).update(
        withdrawn_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        email=email,
        token_sha256=Invitation.digest(token),
        invited_by=invited_by,
        roles=sorted(roles),
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.ACCOUNTS_INVITATION_DAYS),
    )
    link = accept_url.format(token=token)
    role_labels = [ROLE_LABELS[r] for r in sorted(roles)]
    context = {"invitation": invitation, "link": link, "roles": role_labels}
    # Sent when the transaction commits, so nobody gets a link to an invitation rolled back.
    transaction.on_commit(
        lambda: send_mail(
            "Action Tracker: you are invited to sign in",
            render_to_string("emails/invitation.txt", context),
            None,
            [email],
        )
    )
    account_event_record(
        kind=AccountEvent.Kind.INVITED,
        user=user,
        actor=invited_by,
        ip_address=ip_address,
        detail=", ".join(role_labels) or "Officer",
    )
    return SentInvitation(invitation=invitation, link=link)


@transaction.atomic
def invitation_accept(*, token: str, password: str, ip_address: str | None = None):
    """Set the invited person's password and verify their email address (the link proves they
    hold it). The invitation is locked and re-checked: a link works once, until it expires."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user")
        .filter(token_sha256=Invitation.digest(token))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        state = invitation.state.lower() if invitation else "not valid"
        raise ValidationError(f"This invitation is {state}. Ask an admin to invite you again.")
    if not settings.LOCAL_SIGN_IN:
        raise ValidationError("Passwords are switched off here. Sign in with your council account.")
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(
        verified=True, primary=True
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    account_event_record(
        kind=AccountEvent.Kind.INVITATION_ACCEPTED,
        user=user,
        method="invitation",
        ip_address=ip_address,
    )
    return user


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, user, ip_address: str | None = None) -> bool:
    """Stop an invitation's link working. False (nothing changed) if it was already accepted,
    withdrawn or expired: the page said otherwise when the person opened it."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_usable:
        return False
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at"])
    account_event_record(
        kind=AccountEvent.Kind.INVITATION_WITHDRAWN,
        user=locked.user,
        actor=user,
        ip_address=ip_address,
        detail=locked.email,
    )
    return True
