"""Background tasks (django-tasks), run by `manage.py db_worker`.

`import_preview_task` and `import_apply_task` preview and import a large uploaded file (over
`import_batches.BACKGROUND_BYTES`), so no web request parses it; the batch's `progress` says
what stage they are at, and whatever stops them leaves the batch FAILED, never in between.

`send_reminders_task` sends the day's reminders, then puts
itself back on the queue for 07:00 on the next working day, so one enqueue starts a daily
schedule run by `manage.py db_worker`:

    .venv/bin/python manage.py shell -c \\
        "from frameworks.tasks import send_reminders_task; send_reminders_task.enqueue()"

Enqueueing it again is harmless: the reminders are sent once whatever happens, and a run that
finds its next run already queued does not queue another.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import TaskResultStatus, task

from frameworks.models import ImportBatch
from frameworks.services.import_batches import import_batch_run_apply, import_batch_run_preview
from frameworks.services.reminders import add_working_days, reminders_send

logger = logging.getLogger(__name__)

RUN_AT = dt.time(7, 0)  # local time (Europe/London), as the cron line


def next_run_at(now: dt.datetime) -> dt.datetime:
    """07:00 local time on the next working day after `now`."""
    day = add_working_days(timezone.localdate(now), 1)
    return dt.datetime.combine(day, RUN_AT, tzinfo=timezone.get_current_timezone())


def _next_run_queued() -> bool:
    """With the database backend: is a run already waiting? (Other backends: we cannot tell.)"""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(send_reminders_task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=send_reminders_task.module_path, status=TaskResultStatus.READY
    ).exists()


def schedule_next_run(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """Queue the next daily run, unless the backend cannot defer tasks (the immediate backend
    would run it at once, for ever) or it is already queued. Returns when it will run."""
    backend = send_reminders_task.get_backend()
    if not backend.supports_defer:
        logger.info("Task backend %s cannot defer tasks; not rescheduling", backend.alias)
        return None
    run_after = next_run_at(now or timezone.now())
    if _next_run_queued():
        return None
    send_reminders_task.using(run_after=run_after).enqueue()
    return run_after


@task()
def send_reminders_task() -> dict[str, int]:
    """Send today's reminders and digest, then queue tomorrow's run (even if this one failed)."""
    try:
        run = reminders_send(today=timezone.localdate())
    finally:
        schedule_next_run()
    return {
        "reminders": len(run.reminders),
        "digests": len(run.digests),
        "failed": len(run.failed),
    }


class ImportTaskFailed(Exception):
    """The batch was marked FAILED (its message says why): the task result fails too."""


def _finished(batch: ImportBatch | None) -> str:
    if batch is None:
        raise ImportTaskFailed("The import was deleted while it ran.")
    if batch.state == ImportBatch.State.FAILED:
        raise ImportTaskFailed(batch.progress)
    return batch.state


@task()
def import_preview_task(batch_id: int) -> str:
    """Preview (a dry run) a large uploaded file; returns the batch's state."""
    return _finished(import_batch_run_preview(batch_id=batch_id))


@task()
def import_apply_task(batch_id: int, user_id: int | None = None) -> str:
    """Import a previewed large file as `user_id`; returns the batch's state."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return _finished(import_batch_run_apply(batch_id=batch_id, user=user))
