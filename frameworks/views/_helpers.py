from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from frameworks.forms import ReviewForm
from frameworks.rules import allowed

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_htmx.middleware import HtmxDetails


class TrackerRequest(HttpRequest):
    """A request as the views get it, for annotations: `user` is signed in (LoginRequiredMiddleware
    turns everyone else away from every view not marked @login_not_required) and `htmx` is set
    by django-htmx's middleware."""

    user: User
    htmx: HtmxDetails


def require_perm(perm: str, message: str):
    """The signed-in user needs `perm` (a rule in frameworks.rules), else 403 with `message`.

    Signing in itself is enforced for every view by LoginRequiredMiddleware.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(request.user, perm):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


policy_team_required = require_perm("frameworks.manage_rounds", "Only the policy team can do this.")
rounds_reader_required = require_perm(
    "frameworks.view_rounds", "Only the policy team and democratic services can see rounds."
)
reports_required = require_perm(
    "frameworks.prepare_reports", "Only democratic services and the policy team prepare reports."
)
boards_required = require_perm(
    "frameworks.manage_boards",
    "Only the policy team and administrators keep the list of boards.",
)
meetings_required = require_perm(
    "frameworks.manage_meetings",
    "Only democratic services and the policy team run board meetings.",
)
accounts_required = require_perm(
    "frameworks.manage_accounts", "Only administrators invite people and read the sign-in log."
)
importer_required = require_perm(
    "frameworks.import_files", "Only administrators and the policy team can import files."
)


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, keyed to fields where the service says so."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes | str, content_type: str, name: str) -> HttpResponse:
    """A file to save (PDF, spreadsheet, CSV, JSON): never kept by a shared cache or by the
    browser's, since it holds what only signed-in people may read."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


posts_required = require_perm(
    "frameworks.manage_posts", "Only the policy team and administrators keep the list of posts."
)


def decide_again(request: TrackerRequest, current, message: str) -> ReviewForm:
    """The review form after the return (or indicator value) changed under the reviewer: their
    comment kept, their decision cleared (it was made on other text), the version now the one
    on the page."""
    data = request.POST.copy()
    data.pop("decision", None)
    data["version"] = str(current.version)
    form = ReviewForm(data)
    form.is_valid()
    form.errors.pop("decision", None)  # asked again, not an error of theirs
    form.add_error(None, message)
    return form
