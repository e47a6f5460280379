"""Accounts: the sign-in audit trail and invitations. The accounts themselves are Django's users,
with django-allauth's email addresses, MFA authenticators and single sign-on links."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

# The roles a person can hold besides their posts, by the names settings and invitations use.
ROLE_LABELS = {"policy": "Policy team", "democratic": "Democratic services", "admin": "Admin"}


class AccountEvent(models.Model):
    """One line of the accounts audit trail: who signed in or failed to, MFA changes, roles the
    identity provider granted or removed, invitations. Written by
    `frameworks.services.accounts.account_event_record`, never edited."""

    class Kind(models.TextChoices):
        SIGNED_IN = "SIGNED_IN", "Signed in"
        SIGN_IN_FAILED = "SIGN_IN_FAILED", "Sign-in failed"
        SIGNED_OUT = "SIGNED_OUT", "Signed out"
        MFA_ENABLED = "MFA_ENABLED", "Two-factor authentication set up"
        MFA_DISABLED = "MFA_DISABLED", "Two-factor authentication turned off"
        RECOVERY_CODES = "RECOVERY_CODES", "New recovery codes made"
        MFA_FAILED = "MFA_FAILED", "Wrong authentication code"
        PASSWORD_CHANGED = "PASSWORD_CHANGED", "Password changed"
        PASSWORD_RESET = "PASSWORD_RESET", "Password reset by email"
        ROLE_GRANTED = "ROLE_GRANTED", "Role granted by the identity provider"
        ROLE_REMOVED = "ROLE_REMOVED", "Role removed by the identity provider"
        INVITED = "INVITED", "Invited"
        INVITATION_ACCEPTED = "INVITATION_ACCEPTED", "Invitation accepted"
        INVITATION_WITHDRAWN = "INVITATION_WITHDRAWN", "Invitation withdrawn"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_events",
        help_text="Whose account; blank for a failed sign-in with an unknown name.",
    )
    username = models.CharField(
        max_length=254, blank=True, help_text="The name typed or the account's username."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it, when not the account's own holder (an admin inviting).",
    )
    method = models.CharField(
        max_length=40, blank=True, help_text="password, single sign-on, TOTP or recovery code."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username} at {self.at:%d %b %Y %H:%M}"


class Invitation(models.Model):
    """An email inviting someone to set their password. The link carries a random token; only
    its SHA-256 is stored. It works once, until `expires_at`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    roles = models.JSONField(default=list, blank=True, help_text="Roles given with the invite.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="invitation_expires_after_created",
                violation_error_message="An invitation must expire after it is made.",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(withdrawn_at__isnull=True),
                name="invitation_not_accepted_and_withdrawn",
                violation_error_message="An invitation cannot be both accepted and withdrawn.",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.email}"

    @staticmethod
    def digest(token: str) -> str:
        """What is stored of a link's token (`token_sha256`), and how a link finds its row."""
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "Accepted"
        if self.withdrawn_at:
            return "Withdrawn"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Waiting"

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS.get(role, role) for role in self.roles]

    @property
    def is_usable(self) -> bool:
        return self.state == "Waiting"
