"""The emails that chase returns."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from frameworks.models.rounds import Round


class Reminder(models.Model):
    """One email sent to chase returns (or the policy team's weekly digest). The unique key makes
    `send_reminders` idempotent: nobody gets the same reminder twice."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "BEFORE_DUE", "Before the due date"
        ON_DUE = "ON_DUE", "On the due date"
        AFTER_DUE = "AFTER_DUE", "After the due date"
        DIGEST = "DIGEST", "Weekly digest of late returns"
        CHASE = "CHASE", "Chased by the policy team"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(
        max_length=100, help_text="What makes this reminder unique, e.g. a date or a week."
    )
    subject = models.CharField(max_length=255)
    body = models.TextField()
    returns = models.PositiveIntegerField(default=0, help_text="Returns listed in the email.")
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who chased, for a chase sent from the round's page; blank when scheduled.",
    )

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"],
                name="reminder_sent_once",
                violation_error_message="This reminder has already been sent.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.key})"
