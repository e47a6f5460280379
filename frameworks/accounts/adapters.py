"""django-allauth's adapters, where the app joins its sign-in flow: no self sign-up, the audit
trail, roles from the identity provider's claims at every single sign-on, and signing out of
the provider too (RP-initiated logout) when the person signed in through it."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.app_settings import REAUTHENTICATION_TIMEOUT
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from frameworks.models import AccountEvent
from frameworks.services.accounts import account_event_record, user_roles_apply_claims

SSO_SESSION_KEY = "sso_provider"
PASSWORDS_OFF = "Passwords are switched off here. Sign in with your council account."
METHODS = {"password": "password", "socialaccount": "single sign-on", "mfa": "MFA"}


def attempted_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The name django-axes counts failures against: what the person typed, as a username or an
    email address (allauth passes it under either key)."""
    credentials = credentials or {}
    typed = credentials.get("username") or credentials.get("email") or request.POST.get("login")
    return typed.strip().lower() if typed else None


def provider_claims(sociallogin) -> dict:
    """The claims of a single sign-on: the ID token's, with userinfo's over them when fetched."""
    data = sociallogin.account.extra_data or {}
    if "id_token" in data or "userinfo" in data:
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return data


def _how(request: HttpRequest, user) -> str:
    records = get_authentication_records(request, user)
    names = []
    for record in records:
        name = METHODS.get(record.get("method"), record.get("method", ""))
        if record.get("method") == "mfa":
            name = "recovery code" if record.get("type") == "recovery_codes" else "TOTP code"
        if name not in names:
            names.append(name)
    return " + ".join(names)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Nobody signs themselves up: admins invite people; the provider vouches for the rest."""
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        if not settings.LOCAL_SIGN_IN:
            raise forms.ValidationError(PASSWORDS_OFF)
        super().pre_authenticate(request, **credentials)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        if settings.LOCAL_SIGN_IN:  # else nobody signs in with a password to reset
            super().send_password_reset_mail(user, email, context)

    def pre_login(self, request: HttpRequest, user, **kwargs):
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        ip = get_client_ip_address(request)
        if not user.is_active:
            account_event_record(
                kind=AccountEvent.Kind.SIGN_IN_FAILED,
                user=user,
                method="single sign-on" if sociallogin else "password",
                ip_address=ip,
                detail="The account is switched off in Action Tracker.",
            )
        elif sociallogin is not None:
            user_roles_apply_claims(user=user, claims=provider_claims(sociallogin), ip_address=ip)
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request: HttpRequest, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if sociallogin is not None:
            request.session[SSO_SESSION_KEY] = sociallogin.account.provider
        account_event_record(
            kind=AccountEvent.Kind.SIGNED_IN,
            user=user,
            method=_how(request, user) or ("single sign-on" if sociallogin else "password"),
            ip_address=get_client_ip_address(request),
        )
        return response

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        """allauth's "Successfully signed in as …" and "You have signed out" banners say what the
        page already shows; the app keeps the messages that tell people something new, once."""
        if message_template in {
            "account/messages/logged_in.txt",
            "account/messages/logged_out.txt",
        }:
            return
        # Setting up an app makes its first recovery codes too: one banner says both.
        if message_template == "mfa/messages/totp_activated.txt":
            request.mfa_set_up_now = True
        elif message_template == "mfa/messages/recovery_codes_generated.txt" and getattr(
            request, "mfa_set_up_now", False
        ):
            return
        super().add_message(request, level, message_template, *args, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Someone who signed in within the last few minutes has just proved who they are: they
        set up MFA (as their role must, straight after signing in) without typing their password
        again. Later changes ask for it, as allauth does."""
        request = context.request
        if request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            if records and time.time() - records[-1].get("at", 0) < REAUTHENTICATION_TIMEOUT:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        account_event_record(
            kind=AccountEvent.Kind.SIGN_IN_FAILED,
            username=attempted_username(request, credentials) or "",
            method="password",
            ip_address=get_client_ip_address(request),
            detail="Wrong username, email address or password.",
        )

    def logout(self, request: HttpRequest) -> None:
        if request.user.is_authenticated:
            account_event_record(
                kind=AccountEvent.Kind.SIGNED_OUT,
                user=request.user,
                ip_address=get_client_ip_address(request),
            )
        super().logout(request)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        """Asked before the session ends: someone who signed in through the provider goes on to
        sign out there too (RP-initiated logout), then comes back to the sign-in page."""
        provider = request.session.get(SSO_SESSION_KEY)
        return (provider and provider_logout_url(request, provider)) or (
            super().get_logout_redirect_url(request)
        )


def provider_logout_url(request: HttpRequest, provider_id: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), coming back to the sign-in
    page; None when the provider does not publish one or cannot be reached (the app's own
    session has ended either way)."""
    from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter

    try:
        endpoint = OpenIDConnectOAuth2Adapter(request, provider_id).openid_config.get(
            "end_session_endpoint"
        )
    except Exception:  # noqa: BLE001 - any failure to reach the provider: sign out locally
        messages.info(request, "You are signed out of Action Tracker.")
        return None
    if not endpoint:
        return None
    back = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    query = {"client_id": settings.OIDC_CLIENT_ID, "post_logout_redirect_uri": back}
    return f"{endpoint}?{urlencode(query)}"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        """Someone the council's provider signs in is created at their first sign-in, with no
        posts and only the roles the provider's claims grant."""
        return True

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        detail = (request.GET.get("error_description") or request.GET.get("error") or "")[:200]
        account_event_record(
            kind=AccountEvent.Kind.SIGN_IN_FAILED,
            method="single sign-on",
            ip_address=get_client_ip_address(request),
            detail=detail or f"The provider's answer was refused ({error or 'unknown'}).",
        )
        super().on_authentication_error(request, provider, error, exception, extra_context)
