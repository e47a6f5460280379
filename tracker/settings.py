"""Settings for Action Tracker: one module, configured from environment variables only.

See `.env.example` for every variable. Defaults are safe for production (DEBUG off); `make run`
turns DEBUG on for local work.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="insecure-development-key-set-DJANGO_SECRET_KEY-in-production" if DEBUG else "",
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development).")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "axes",
    "django_filters",
    # Accounts (django-allauth): local sign-in, password reset and change, TOTP MFA with
    # recovery codes, and OpenID Connect single sign-on (Microsoft Entra ID and others).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "frameworks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The policy team, democratic services and admins who sign in with a password set up MFA
    # before they reach anything else (ACCOUNTS_MFA_REQUIRED_FOR).
    "frameworks.accounts.middleware.RequireMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Login throttling; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frameworks.context_processors.navigation",
                "frameworks.context_processors.accounts",
            ],
        },
    },
]

FORM_RENDERER = "frameworks.forms.GovukFormRenderer"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers never wait for a writer (a long import does not turn other people's pages
    # into "database is locked" errors); writers queue for up to `timeout` seconds, and
    # IMMEDIATE transactions take the write lock at the start, so they queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "frameworks:home"
LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files for production (run collectstatic); plain files in debug and
        # for benchmarks run straight from the working tree (DJANGO_STATIC_MANIFEST=0).
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: console in development; set EMAIL_URL (e.g. smtp+tls://user:pass@host:587) in production.
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL",
    default="consolemail://" if DEBUG else "smtp://localhost:25",
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="action-tracker@localhost")

# Security. Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=1.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): 5 failures for a username from one address locks it for
# 15 minutes; a successful sign-in resets the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_VERBOSE = False
# allauth passes the name typed as "username" or "email": either is the name axes counts.
AXES_USERNAME_CALLABLE = "frameworks.accounts.adapters.attempted_username"

# Accounts (django-allauth). Local accounts sign in with their username or email address; nobody
# signs themselves up: admins invite people (frameworks.services.accounts.user_invite) or the
# council's identity provider creates them at their first single sign-on.
COUNCIL_NAME = env.str("COUNCIL_NAME", default="")
ACCOUNT_ADAPTER = "frameworks.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "frameworks.accounts.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {
    "login": "frameworks.forms.accounts.LoginForm",
    "change_password": "frameworks.forms.accounts.ChangePasswordForm",
    "reset_password": "frameworks.forms.accounts.ResetPasswordForm",
    "reset_password_from_key": "frameworks.forms.accounts.ResetPasswordKeyForm",
    "reauthenticate": "frameworks.forms.accounts.ReauthenticateForm",
}
MFA_FORMS = {
    "authenticate": "frameworks.forms.accounts.AuthenticateForm",
    "reauthenticate": "frameworks.forms.accounts.ReauthenticateMfaForm",
    "activate_totp": "frameworks.forms.accounts.ActivateTOTPForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # admins and the identity provider vouch for addresses
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False  # signing out is a POST (a link cannot sign anyone out)
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True  # a reset request never says whether the address exists
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Action Tracker: "
ACCOUNT_SESSION_REMEMBER = False
# Lockout is django-axes' job (above); allauth's own limits stay for what axes does not cover.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Action Tracker"
MFA_RECOVERY_CODE_COUNT = 10
# Roles that must set up MFA when they sign in with a password ("policy", "democratic",
# "admin", "officer"); empty for none. Single sign-on leaves MFA to the identity provider.
ACCOUNTS_MFA_REQUIRED_FOR = [
    role
    for role in env.list("ACCOUNTS_MFA_REQUIRED_FOR", default=["policy", "democratic", "admin"])
    if role
]
if unknown_roles := set(ACCOUNTS_MFA_REQUIRED_FOR) - {"policy", "democratic", "admin", "officer"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"ACCOUNTS_MFA_REQUIRED_FOR: no role called {', '.join(sorted(unknown_roles))}; "
        "use policy, democratic, admin or officer."
    )
# How long an invitation's link works.
ACCOUNTS_INVITATION_DAYS = env.int("ACCOUNTS_INVITATION_DAYS", default=7)

# Single sign-on with OpenID Connect: set OIDC_ISSUER (or ENTRA_TENANT_ID), OIDC_CLIENT_ID and
# OIDC_CLIENT_SECRET. README, "Security", says how to register the app in Microsoft Entra ID.
ENTRA_TENANT_ID = env.str("ENTRA_TENANT_ID", default="")
OIDC_ISSUER = env.str(
    "OIDC_ISSUER",
    default=f"https://login.microsoftonline.com/{ENTRA_TENANT_ID}/v2.0" if ENTRA_TENANT_ID else "",
)
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
SSO_ENABLED = bool(OIDC_ISSUER and OIDC_CLIENT_ID)
# Claims holding the person's app roles or group ids, and which value grants which role.
OIDC_ROLE_CLAIMS = env.list("OIDC_ROLE_CLAIMS", default=["roles", "groups"])
OIDC_ROLE_MAP = env.dict(
    "OIDC_ROLE_MAP",
    default={
        "policy": "ActionTracker.PolicyTeam",
        "democratic": "ActionTracker.DemocraticServices",
        "admin": "ActionTracker.Admin",
    },
)
# Local sign-in (passwords) can be switched off once everyone signs in through the provider.
# Not allauth's SOCIALACCOUNT_ONLY, which cannot be used beside allauth.mfa: the account adapter
# refuses passwords, reset emails and invitations instead (frameworks/accounts/adapters.py).
LOCAL_SIGN_IN = env.bool("LOCAL_SIGN_IN", default=True) or not SSO_ENABLED
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # the sign-in page's button POSTs
# A person is matched to an existing user by a verified email address, never by name.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "council",
                # The sign-in button reads "Sign in with <name>".
                "name": env.str(
                    "OIDC_PROVIDER_NAME",
                    default=f"{COUNCIL_NAME} account" if COUNCIL_NAME else "your council account",
                ),
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {
                    "server_url": OIDC_ISSUER,
                    # Entra ID puts roles and groups in the ID token, not in userinfo.
                    "fetch_userinfo": env.bool("OIDC_FETCH_USERINFO", default=False),
                    # Domains whose addresses the provider vouches for, where it sends no
                    # email_verified claim (Entra ID: the council's own domains).
                    "verified_email": env.list("OIDC_VERIFIED_EMAIL_DOMAINS", default=[]) or False,
                },
            }
        ]
        if SSO_ENABLED
        else [],
    }
}

# Audit trail (django-simple-history): who changed what, with before and after values.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint logs every layout step at INFO; keep its warnings and errors only.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Background tasks (django-tasks with its database backend: no extra server; run
# `manage.py db_worker` beside the web server).
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Product settings
TRACKER_SERVICE_NAME = "Action Tracker"
TRACKER_AUTOSAVE_SECONDS = env.int("TRACKER_AUTOSAVE_SECONDS", default=3)
# Reminders: working days before the due date to send the first reminder, and after it.
TRACKER_REMINDER_DAYS_BEFORE = env.int("TRACKER_REMINDER_DAYS_BEFORE", default=5)
TRACKER_REMINDER_DAYS_AFTER = env.list("TRACKER_REMINDER_DAYS_AFTER", cast=int, default=[1, 5])
# A milestone with no update for this many days is flagged stale.
TRACKER_STALE_DAYS = env.int("TRACKER_STALE_DAYS", default=120)
# Links in emails point here.
TRACKER_BASE_URL = env.str("TRACKER_BASE_URL", default="http://127.0.0.1:8000")
# Board reports with more milestones than this are built by a background task.
TRACKER_INLINE_REPORT_MILESTONES = env.int("TRACKER_INLINE_REPORT_MILESTONES", default=100)

if SSO_ENABLED:
    # The sign-in and sign-out buttons post here, and the answer redirects to the provider: the
    # browser checks form-action against that redirect too.
    from urllib.parse import urlsplit

    _issuer = urlsplit(OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += [
        f"{_issuer.scheme}://{_issuer.netloc}",
        *env.list("OIDC_FORM_ACTION_ORIGINS", default=[]),
    ]
