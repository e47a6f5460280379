"""An uploaded legacy file and what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from frameworks.models.plans import Framework


class ImportBatch(models.Model):
    """One uploaded legacy file: stored, previewed (a dry run), then applied in one transaction.

    UPLOADED → PREVIEWING → PREVIEWED (or REFUSED: problems to correct) → APPLYING → APPLIED.
    A large file is previewed and applied by the background worker, which writes the stage it
    is at into `progress`; anything that stops it leaves the batch FAILED, never in between.
    The state changes are in `frameworks.services.import_batches`.
    """

    class State(models.TextChoices):
        UPLOADED = "UPLOADED", "Uploaded"
        PREVIEWING = "PREVIEWING", "Checking"
        PREVIEWED = "PREVIEWED", "Ready to import"
        REFUSED = "REFUSED", "Problems to fix"
        APPLYING = "APPLYING", "Importing"
        APPLIED = "APPLIED", "Imported"
        FAILED = "FAILED", "Failed"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content = models.BinaryField(
        blank=True, help_text="The uploaded bytes, kept until the import is applied."
    )
    framework_name = models.CharField(max_length=200)
    framework = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports"
    )
    layout = models.CharField(max_length=12, blank=True)
    requested_layout = models.CharField(max_length=12, default="auto")
    sheet_name = models.CharField(max_length=100, blank=True)
    round_label = models.CharField(max_length=60, blank=True)
    previous_round_label = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PREVIEWED)
    report = models.JSONField(default=dict, blank=True)
    comparison = models.TextField(
        blank=True, help_text="What the preview compared: the import must find it again."
    )
    progress = models.CharField(
        max_length=255, blank=True, help_text="The stage a background preview or import is at."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:import-detail", kwargs={"pk": self.pk})
