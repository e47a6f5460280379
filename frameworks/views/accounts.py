"""Accounts: "Your account", and the admins' people pages (invitations and the sign-in log).
Signing in, passwords and MFA are django-allauth's views, with the app's templates."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frameworks import selectors
from frameworks.forms.accounts import InvitationAcceptForm, InvitationForm
from frameworks.models import AccountEvent, Invitation
from frameworks.services import accounts as account_services
from frameworks.views._helpers import TrackerRequest, accounts_required, add_service_errors

EVENTS_PER_PAGE = 50


@require_safe
def account_detail(request: TrackerRequest) -> HttpResponse:
    return render(
        request,
        "frameworks/account_detail.html",
        {"summary": selectors.account_summary(request.user)},
    )


@accounts_required
@require_safe
def invitation_list(request: TrackerRequest) -> HttpResponse:
    return render(
        request,
        "frameworks/invitation_list.html",
        {
            "invitations": selectors.invitation_list().filter(accepted_at=None)[:100],
            "people": selectors.people_list(),
        },
    )


@accounts_required
@require_http_methods(["GET", "POST"])
def invitation_create(request: TrackerRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = reverse("frameworks:invitation-accept", kwargs={"token": "TOKEN"})
        try:
            sent = account_services.user_invite(
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                roles=set(form.cleaned_data["roles"]),
                invited_by=request.user,
                accept_url=request.build_absolute_uri(accept).replace("TOKEN", "{token}"),
                ip_address=get_client_ip_address(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            invitation = sent.invitation
            messages.success(
                request,
                f"We have emailed an invitation to {invitation.email}. "
                f"The link works until {invitation.expires_at:%-d %B %Y}.",
            )
            return redirect("frameworks:invitation-list")
    return render(
        request,
        "frameworks/invitation_form.html",
        {"form": form, "invitation_days": settings.ACCOUNTS_INVITATION_DAYS},
    )


@accounts_required
@require_POST
def invitation_withdraw(request: TrackerRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    if account_services.invitation_withdraw(
        invitation=invitation, user=request.user, ip_address=get_client_ip_address(request)
    ):
        messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    else:
        messages.info(
            request,
            f"The invitation to {invitation.email} was already {invitation.state.lower()}; "
            "nothing changed.",
        )
    return redirect("frameworks:invitation-list")


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation: choose a password, then you are signed in."""
    invitation = selectors.invitation_for_token(token)
    if invitation is None or not invitation.is_usable:
        state = invitation.state if invitation else "Not valid"
        return render(request, "frameworks/invitation_unusable.html", {"state": state}, status=410)
    form = InvitationAcceptForm(request.POST or None, user=invitation.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                ip_address=get_client_ip_address(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your password is set. Sign in with it to start.")
            return redirect("account_login")
    return render(
        request, "frameworks/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@accounts_required
@require_safe
def accountevent_list(request: TrackerRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in AccountEvent.Kind.values:
        kind = ""
    page = Paginator(selectors.account_event_list(kind=kind), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "frameworks/accountevent_list.html",
        {"page": page, "kind": kind, "kinds": AccountEvent.Kind.choices},
    )
