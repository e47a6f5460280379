"""MFA required for some roles: someone in a role named in `ACCOUNTS_MFA_REQUIRED_FOR` who signed
in with a password and has no authenticator app set up is sent to set one up before anything
else. Single sign-on leaves MFA to the identity provider (Entra ID's conditional access)."""

from __future__ import annotations

import functools

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from frameworks.rules import is_democratic_services, is_policy_team

ENROLLED_SESSION_KEY = "mfa_enrolled"
ROLE_TESTS = {
    "policy": lambda user: bool(is_policy_team(user)),
    "democratic": lambda user: bool(is_democratic_services(user)),
    "admin": lambda user: user.is_staff or user.is_superuser,
    "officer": lambda user: True,
}
# What someone who must set up MFA may still open: the set-up itself, and signing out.
ALLOWED_URL_NAMES = (
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_logout",
    "account_reauthenticate",
)


def mfa_required(user) -> bool:
    return any(ROLE_TESTS[role](user) for role in settings.ACCOUNTS_MFA_REQUIRED_FOR)


class RequireMfaMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            messages.info(
                request,
                "Your role needs two-factor authentication. Set up an authenticator app to go on.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_set_up(self, request) -> bool:
        """Cheapest first: on every request of every signed-in person this reads the session
        only; the role, the allowed pages and the database are asked about only for someone
        who signed in with a password and gave no code."""
        user = request.user
        if not user.is_authenticated or request.session.get(ENROLLED_SESSION_KEY):
            return False
        methods = {r.get("method") for r in get_authentication_records(request, user)}
        # Signed in with a password and not asked for a code: no authenticator was set up then.
        if "password" not in methods or "mfa" in methods or not mfa_required(user):
            return False
        if request.path.startswith(settings.STATIC_URL) or request.path in _allowed_paths():
            return False
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            request.session[ENROLLED_SESSION_KEY] = True
            return False
        return True


@functools.cache
def _allowed_paths() -> frozenset[str]:
    """The pages in ALLOWED_URL_NAMES, reversed once per process."""
    return frozenset(reverse(name) for name in ALLOWED_URL_NAMES)
