from django.conf import settings
from django.urls import reverse

from frameworks.roles import is_democratic_services, is_policy_team

RETURNS, ROUNDS, FRAMEWORKS, REPORTS, MEETINGS, IMPORTS, POSTS, PEOPLE, ADMIN = (
    "Your returns",
    "Rounds",
    "Frameworks",
    "Reports",
    "Meetings",
    "Imports",
    "Posts",
    "People",
    "Admin",
)
# The navigation item a page belongs to, by the first word of its URL name.
SECTION_OF = {
    "return": RETURNS,
    "round": ROUNDS,
    "framework": FRAMEWORKS,
    "milestone": FRAMEWORKS,
    "report": REPORTS,
    "board": REPORTS,
    "import": IMPORTS,
    "post": POSTS,
    "meeting": MEETINGS,
    "agendaitem": MEETINGS,
    "pack": MEETINGS,
    "minutes": MEETINGS,
    "meetingaction": MEETINGS,
    "invitation": PEOPLE,
    "accountevent": PEOPLE,
}


def _section(request, user) -> str:
    """Where this page sits in the navigation. Reviewing a return is the policy team's round
    work, and so is reading one of a round's returns when they hold no post for it."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "admin":
        return ADMIN
    name = match.url_name or ""
    if name.startswith("board-member"):
        return MEETINGS
    if name == "round-create" or name == "return-review":
        return ROUNDS
    if name == "return-edit" and is_policy_team(user):
        return_ = match.kwargs.get("pk")
        if return_ is not None and not user.posts.filter(milestones__returns=return_).exists():
            return ROUNDS
    return SECTION_OF.get(name.split("-")[0], "")


def navigation(request) -> dict:
    """Service name and the navigation items the signed-in user may use, the page's own marked."""
    user = getattr(request, "user", None)
    items: list[dict] = []
    if user is not None and user.is_authenticated:
        candidates = [(RETURNS, reverse("frameworks:return-list"))]
        if is_policy_team(user) or is_democratic_services(user):
            candidates.append((ROUNDS, reverse("frameworks:round-list")))
        candidates.append((FRAMEWORKS, reverse("frameworks:framework-list")))
        if is_policy_team(user) or is_democratic_services(user):
            candidates.append((REPORTS, reverse("frameworks:report-list")))
            candidates.append((MEETINGS, reverse("frameworks:meeting-list")))
        if user.is_staff or is_policy_team(user):
            candidates.append((IMPORTS, reverse("frameworks:import-list")))
            candidates.append((POSTS, reverse("frameworks:post-list")))
        if user.is_staff:
            candidates.append((PEOPLE, reverse("frameworks:invitation-list")))
            candidates.append((ADMIN, reverse("admin:index")))
        section = _section(request, user)
        for label, url in candidates:
            items.append({"label": label, "url": url, "active": label == section})
    return {"service_name": settings.TRACKER_SERVICE_NAME, "nav_items": items}


def accounts(request) -> dict:
    """Which ways of signing in this deployment offers (the sign-in and reset pages ask)."""
    return {"SSO_ENABLED": settings.SSO_ENABLED, "LOCAL_SIGN_IN": settings.LOCAL_SIGN_IN}
