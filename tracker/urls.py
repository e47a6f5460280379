from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import include, path

admin.site.site_header = "Action Tracker administration"
admin.site.site_title = "Action Tracker admin"
# The admin signs people in through the app's own sign-in page, so MFA and lockout apply.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


@login_not_required
def not_offered(request, **kwargs):
    raise Http404("Action Tracker does not offer this page.")


# django-allauth pages the app does not offer: nobody signs themselves up (admins invite people),
# email addresses are set by admins and the identity provider, a password is set through an
# invitation or a reset email, and single sign-on links are not managed by hand.
NOT_OFFERED = ["signup/", "email/", "password/set/", "3rdparty/", "login/code/"]

urlpatterns = [
    *[path(f"accounts/{prefix}", not_offered) for prefix in NOT_OFFERED],
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("frameworks.urls")),
]
