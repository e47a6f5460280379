"""Server time and query counts of the main pages on council-scale data.

Data: 20 frameworks x 250 milestones x 12 rounds (60,000 updates), 300 posts, 1,000 users,
made from the papers' vocabulary (`bench.data`). Each page is requested many times in-process
(Django's test client, no network) and timed; p50/p95 come from that distribution.
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from frameworks.models import Framework, Milestone, Post, ProgressUpdate, ReportingPeriod
from frameworks.rules import POLICY_TEAM

FULL = {"frameworks": 20, "milestones": 250, "rounds": 12, "posts": 300, "users": 1000}
QUICK = {"frameworks": 3, "milestones": 100, "rounds": 4, "posts": 60, "users": 120}
PREFIX = "Bench plan "


@transaction.atomic
def build(scale: dict) -> dict:
    """Create the data set once (re-used when it is already there)."""
    from frameworks.bench.data import make_framework, quarter_labels, vocabulary
    from frameworks.importers.parsing import quarter_dates
    from frameworks.services.periods import reporting_period_create, reporting_period_open

    User = get_user_model()
    existing = Framework.objects.filter(name__startswith=PREFIX).count()
    if existing >= scale["frameworks"]:
        return _handles()
    words = vocabulary()["posts"]
    posts = [
        Post.objects.get_or_create(title=f"{words[i % len(words)]} ({i // len(words) + 1})")[0]
        for i in range(scale["posts"])
    ]
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench{i}",
                first_name="Officer",
                last_name=str(i),
                email=f"bench{i}@example.org",
            )
            for i in range(scale["users"])
            if not User.objects.filter(username=f"bench{i}").exists()
        ]
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    for index, post in enumerate(posts):
        post.holders.add(*users[index * 3 % len(users) : index * 3 % len(users) + 3])
    policy, _ = User.objects.get_or_create(username="bench-policy")
    policy.groups.add(Group.objects.get_or_create(name=POLICY_TEAM)[0])
    for n in range(existing, scale["frameworks"]):
        framework = make_framework(
            name=f"{PREFIX}{n + 1}",
            milestones=scale["milestones"],
            rounds=scale["rounds"],
            posts=posts[n * 15 % len(posts) :] + posts[: n * 15 % len(posts)],
        )
        if n == 0:  # one open round, so officers have returns and the dashboard has work
            label = quarter_labels(scale["rounds"] + 1)[-1]
            start, end = quarter_dates(label)
            period = reporting_period_create(
                framework=framework, label=label, start_date=start, end_date=end, due_date=end
            )
            reporting_period_open(period=period, user=policy)
    return _handles()


def _handles() -> dict:
    framework = Framework.objects.get(name=f"{PREFIX}1")
    period = ReportingPeriod.objects.get(framework=framework, state="OPEN")
    update = ProgressUpdate.objects.filter(period=period).select_related("milestone").first()
    officer = update.milestone.posts.first().holders.first()
    return {
        "framework": framework,
        "period": period,
        "update": update,
        "milestone": update.milestone,
        "officer": officer,
        "policy": get_user_model().objects.get(username="bench-policy"),
    }


def _time(client: Client, url: str, repeats: int) -> dict:
    client.get(url)  # warm
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "url": url,
        "queries": len(queries),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
        "requests": repeats,
        "goal_p95_ms": 100,
    }


def run(*, quick: bool = False, repeats: int | None = None) -> dict:
    scale = QUICK if quick else FULL
    started = time.perf_counter()
    handles = build(scale)
    built = time.perf_counter() - started
    repeats = repeats or (10 if quick else 40)
    officer, policy = Client(), Client()
    officer.force_login(handles["officer"])
    policy.force_login(handles["policy"])
    framework, period, update = handles["framework"], handles["period"], handles["update"]
    pages = {
        "officer task list": (officer, reverse("frameworks:update-list")),
        "update page": (officer, reverse("frameworks:update-edit", args=[update.pk])),
        "returns dashboard": (policy, reverse("frameworks:period-detail", args=[period.pk])),
        "framework overview": (policy, framework.get_absolute_url()),
        "milestone history": (
            policy,
            reverse("frameworks:milestone-history", args=[handles["milestone"].pk]),
        ),
    }
    try:
        url = reverse("frameworks:milestone-list", args=[framework.slug])
        pages["milestone list with filters"] = (
            policy,
            f"{url}?rag=IN_PROGRESS&q=Members&sort=deadline",
        )
    except Exception:  # the list page is not wired yet
        pass
    results = {name: _time(client, url, repeats) for name, (client, url) in pages.items()}
    return {
        "scale": {
            **scale,
            "updates": ProgressUpdate.objects.filter(
                milestone__framework__name__startswith=PREFIX
            ).count(),  # fmt: skip
            "milestones_total": Milestone.objects.filter(
                framework__name__startswith=PREFIX
            ).count(),
        },
        "build_seconds": round(built, 1),
        "pages": results,
    }
