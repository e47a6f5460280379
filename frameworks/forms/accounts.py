"""The accounts forms: django-allauth's sign-in, password and MFA forms in GOV.UK words
(sentence-case labels, no placeholders, messages that say what to do), and the app's own
invitation forms.

May import the services and `frameworks.forms.base`. Imported by `frameworks.forms` and, by
dotted path, by the ACCOUNT_FORMS and MFA_FORMS settings.
"""

from __future__ import annotations

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.contrib.auth.password_validation import validate_password

from frameworks.models import ROLE_LABELS


def _govuk(form: forms.Form, labels: dict[str, tuple[str, str]]) -> None:
    """Relabel fields (`name: (label, required message)`), drop placeholders and allauth's
    inline help links (the page has its own)."""
    for name, (label, required) in labels.items():
        if name not in form.fields:
            continue
        field = form.fields[name]
        field.label = label
        field.help_text = ""
        field.error_messages["required"] = required
        field.widget.attrs.pop("placeholder", None)


class LoginForm(account_forms.LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(
            self,
            {
                "login": ("Username or email address", "Enter your username or email address"),
                "password": ("Password", "Enter your password"),
            },
        )
        self.fields["login"].widget.attrs.update(spellcheck="false", autocapitalize="none")


NEW_PASSWORD = {
    "password1": ("New password", "Enter a new password"),
    "password2": ("Confirm new password", "Enter the new password again"),
}
PASSWORD_RULES = "At least 12 characters, not a common password."


class ChangePasswordForm(account_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(self, {"oldpassword": ("Current password", "Enter your current password")})
        _govuk(self, NEW_PASSWORD)
        self.fields["password1"].help_text = PASSWORD_RULES


class ResetPasswordForm(account_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(self, {"email": ("Email address", "Enter your email address")})
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.gov.uk"
        )


class ResetPasswordKeyForm(account_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(self, NEW_PASSWORD)
        self.fields["password1"].help_text = PASSWORD_RULES


class ReauthenticateForm(account_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(self, {"password": ("Password", "Enter your password")})


CODE_HINT = "The 6-digit code from your authenticator app, or one of your recovery codes."


class AuthenticateForm(mfa_base_forms.AuthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(self, {"code": ("Authentication code", "Enter the code")})
        self.fields["code"].help_text = CODE_HINT
        self.fields["code"].widget.attrs.update(spellcheck="false", autocapitalize="none")


class ReauthenticateMfaForm(mfa_base_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(self, {"code": ("Authentication code", "Enter the code")})
        self.fields["code"].help_text = CODE_HINT


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _govuk(self, {"code": ("Code from the app", "Enter the 6-digit code from the app")})
        self.fields["code"].help_text = "For example, 123456. It changes every 30 seconds."
        self.fields["code"].widget.attrs.update(inputmode="numeric", autocomplete="one-time-code")
        self.fields["code"].widget.attrs["class"] = "govuk-input--width-10"


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="Their work email address. It becomes their username.",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter their first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter their last name"}
    )
    roles = forms.MultipleChoiceField(
        label="Roles",
        required=False,
        choices=list(ROLE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for an officer. An officer's posts are set in the admin.",
    )


class InvitationAcceptForm(forms.Form):
    password1 = forms.CharField(
        label="Create a password",
        help_text=PASSWORD_RULES,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a password"},
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the password again"},
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password1(self) -> str:
        password = self.cleaned_data["password1"]
        validate_password(password, self.user)
        return password

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The passwords do not match. Enter the same one twice.")
        return cleaned
