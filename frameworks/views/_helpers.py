from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form

from frameworks.roles import is_democratic_services, is_policy_team


def policy_team_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_policy_team(request.user):
            raise PermissionDenied("Only the policy team can do this.")
        return view(request, *args, **kwargs)

    return wrapped


def rounds_reader_required(view):
    """The policy team and democratic services may read rounds and their dashboards."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (is_policy_team(request.user) or is_democratic_services(request.user)):
            raise PermissionDenied("Only the policy team and democratic services can see rounds.")
        return view(request, *args, **kwargs)

    return wrapped


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, keyed to fields where the service says so."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
