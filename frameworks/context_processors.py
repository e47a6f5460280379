from django.conf import settings
from django.urls import reverse

from frameworks.roles import is_democratic_services, is_policy_team


def navigation(request) -> dict:
    """Service name and the navigation items the signed-in user may use."""
    user = getattr(request, "user", None)
    items: list[dict] = []
    if user is not None and user.is_authenticated:
        path = request.path
        candidates = [("Your returns", reverse("frameworks:return-list"))]
        if is_policy_team(user) or is_democratic_services(user):
            candidates.append(("Rounds", reverse("frameworks:round-list")))
        candidates.append(("Frameworks", reverse("frameworks:framework-list")))
        if is_policy_team(user) or is_democratic_services(user):
            candidates.append(("Reports", reverse("frameworks:report-list")))
        if user.is_staff or is_policy_team(user):
            candidates.append(("Imports", reverse("frameworks:import-list")))
        if user.is_staff:
            candidates.append(("Admin", reverse("admin:index")))
        for label, url in candidates:
            items.append({"label": label, "url": url, "active": path.startswith(url)})
    return {"service_name": settings.TRACKER_SERVICE_NAME, "nav_items": items}
