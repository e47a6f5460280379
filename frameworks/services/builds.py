"""PDFs built in the background (a large board report, an agenda pack): starting one unless one
is already on its way, and running one, recording its progress and its end for the person
waiting. The work itself is the caller's.

May import models. Imported by the reports and meetings services.
"""

from __future__ import annotations

from collections.abc import Callable

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
