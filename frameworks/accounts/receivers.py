"""The audit trail's listeners for what django-allauth announces only as signals: MFA set up,
turned off or failed, recovery codes made, passwords changed or reset. Each calls
`account_event_record`; nothing else happens here. Connected in `FrameworksConfig.ready()`."""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from axes.helpers import get_client_ip_address

from frameworks.models import AccountEvent
from frameworks.services.accounts import account_event_record

KINDS = {
    Authenticator.Type.TOTP: "TOTP",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
}


def _ip(request) -> str | None:
    return get_client_ip_address(request) if request is not None else None


def _authenticator_changed(kind: AccountEvent.Kind):
    def receiver(sender, request, user, authenticator, **kwargs) -> None:
        account_event_record(
            kind=kind,
            user=user,
            method=KINDS.get(authenticator.type, authenticator.type),
            ip_address=_ip(request),
        )

    return receiver


authenticator_added = _authenticator_changed(AccountEvent.Kind.MFA_ENABLED)
authenticator_removed = _authenticator_changed(AccountEvent.Kind.MFA_DISABLED)


def authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    account_event_record(kind=AccountEvent.Kind.RECOVERY_CODES, user=user, ip_address=_ip(request))


def mfa_failed(sender, request, user, authenticator=None, **kwargs) -> None:
    account_event_record(
        kind=AccountEvent.Kind.MFA_FAILED,
        user=user,
        method=KINDS.get(authenticator.type, "") if authenticator is not None else "",
        ip_address=_ip(request),
    )


def password_changed(sender, request, user, **kwargs) -> None:
    account_event_record(
        kind=AccountEvent.Kind.PASSWORD_CHANGED, user=user, ip_address=_ip(request)
    )


def password_reset(sender, request, user, **kwargs) -> None:
    account_event_record(kind=AccountEvent.Kind.PASSWORD_RESET, user=user, ip_address=_ip(request))


def connect() -> None:
    uid = "frameworks.accounts.receivers."
    mfa_signals.authenticator_added.connect(authenticator_added, dispatch_uid=uid + "added")
    mfa_signals.authenticator_removed.connect(authenticator_removed, dispatch_uid=uid + "removed")
    mfa_signals.authenticator_reset.connect(authenticator_reset, dispatch_uid=uid + "reset")
    mfa_signals.authentication_failed.connect(mfa_failed, dispatch_uid=uid + "mfa_failed")
    account_signals.password_changed.connect(password_changed, dispatch_uid=uid + "changed")
    account_signals.password_reset.connect(password_reset, dispatch_uid=uid + "reset_pw")
