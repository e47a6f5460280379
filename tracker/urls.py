from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import include, path, re_path

admin.site.site_header = "Action Tracker administration"
admin.site.site_title = "Action Tracker admin"
# The admin signs people in through the app's own sign-in page, so MFA and lockout apply.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


@login_not_required
def not_offered(request, **kwargs):
    raise Http404("Action Tracker does not offer this page.")


# django-allauth pages the app does not offer, and every page under them: nobody signs themselves
# up (admins invite people), email addresses are set by admins and the identity provider (so
# there is nothing to confirm), a password is set through an invitation or a reset email, and
# nobody signs in or confirms it is them with an emailed code.
NOT_OFFERED = ["signup/", "email/", "confirm-email/", "password/set/", "login/code/",
               "reauthenticate/code/"]  # fmt: skip

urlpatterns = [
    *[re_path(rf"^accounts/{prefix}", not_offered) for prefix in NOT_OFFERED],
    # Single sign-on links are not managed by hand (the pages under it are offered).
    path("accounts/3rdparty/", not_offered),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("frameworks.urls")),
]
