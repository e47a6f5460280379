"""PDFs built in the background (a large board report, an agenda pack): starting one unless one
is already on its way, and running one, recording its progress and its end for the person
waiting. The work itself is the caller's. And what publishing both shares: comparing a snapshot
with the published one, and reading a published PDF back against its checksum.

May import models. Imported by the reports and meetings services.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from frameworks.models.reports import BackgroundBuild

ACTIVE = [BackgroundBuild.State.QUEUED, BackgroundBuild.State.RUNNING]


def build_start(*, owner: models.Model, builds, create: Callable[[], BackgroundBuild], enqueue):
    """Inside the caller's transaction: lock `owner` (the report or meeting), then the build
    already queued or running for it, else a new one (`create`), queued when the transaction
    commits. A second click builds nothing more. Returns (build, created)."""
    from django.db import transaction

    type(owner)._default_manager.select_for_update().filter(pk=owner.pk).order_by().first()
    running = builds.filter(state__in=ACTIVE).defer("pdf").first()
    if running is not None:
        return running, False
    build = create()
    transaction.on_commit(lambda: enqueue(build_id=build.pk))
    return build, True


def build_run(
    *,
    model: type[BackgroundBuild],
    build_id: int,
    failure: str,
    work: Callable[[Callable[[int, str], None]], tuple[bytes, int, dict]],
) -> None:
    """Run `work(progress)`, which returns (pdf, pages, other fields to save); `progress(percent,
    message)` shows how far it is. A failure is recorded for the person waiting (`failure`
    begins the message) and raised, so the task fails too."""
    rows = model._default_manager.filter(pk=build_id)
    rows.update(state=BackgroundBuild.State.RUNNING, progress=5, message="Starting")

    def progress(percent: int, message: str) -> None:
        rows.update(progress=percent, message=message)

    try:
        content, pages, extra = work(progress)
    except Exception as exc:
        rows.update(
            state=BackgroundBuild.State.FAILED,
            message=f"{failure}: {exc}"[:255],
            finished_at=timezone.now(),
        )
        raise
    rows.update(
        state=BackgroundBuild.State.DONE,
        progress=100,
        message=f"{pages} pages",
        pdf=content,
        finished_at=timezone.now(),
        **extra,
    )


def without_build_times(snapshot: dict) -> Any:
    """A snapshot as stored (JSON), without the moment it, or any report inside it, was built:
    what publishing compares to tell whether anything changed."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "generated_at"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(json.dumps(snapshot)))


def stored_pdf(*, pdf, sha256: str, refusal: str) -> bytes:
    """A published PDF as stored, checked against its SHA-256 (`refusal` if it does not match)."""
    content = bytes(pdf)
    if hashlib.sha256(content).hexdigest() != sha256:
        raise ValidationError(refusal)
    return content
