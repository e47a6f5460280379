"""Server time and query counts of the main pages on council-scale data.

Data: 20 frameworks x 250 milestones x 12 rounds (60,000 returns), 300 posts, 1,000 users,
made from the papers' vocabulary (`tests.builders`). Each page is requested many times in-process
(Django's test client, no network) and timed; p50/p95 come from that distribution.

Each scale has its own frameworks, posts and officers (the quick data set lives beside the full
one), so a data set is built once per database and re-used; one that does not match its scale
(say, left by an older generator) is deleted and built again. Before the timing the database is
maintained as PostgreSQL's autovacuum would keep it (`VACUUM ANALYZE`; `ANALYZE` on SQLite).

Query counts must not grow with the data: the same pages are also requested on a smaller
reference data set (the quick one for a full run, a tiny one for a quick run) and their query
counts compared (`queries_constant`).
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from bench import percentile
from bench.data import delete_frameworks
from frameworks.models import (
    Framework,
    Milestone,
    Post,
    Return,
    Round,
)
from frameworks.rules import POLICY_TEAM

FULL = {"frameworks": 20, "milestones": 250, "rounds": 12, "posts": 300, "users": 1000}
QUICK = {"frameworks": 3, "milestones": 100, "rounds": 4, "posts": 60, "users": 120}
TINY = {"frameworks": 1, "milestones": 30, "rounds": 2, "posts": 10, "users": 20}
# Names of each scale's frameworks, posts and officers (the full scale keeps the original names).
TAGS = {"full": ("Bench plan ", "", "bench"), "quick": ("Bench quick plan ", "quick ", "benchq"),
        "tiny": ("Bench tiny plan ", "tiny ", "bencht")}  # fmt: skip
PREFIX = TAGS["full"][0]
POLICY_USERNAME = "bench-policy"
GOAL_P95_MS = 60  # issue 15: every page p95 under 60 ms at 20 x 250 x 12, on both databases


def _tags(scale: dict) -> tuple[str, str, str]:
    """The framework prefix, post suffix and username prefix of a scale's data set."""
    for name, known in (("full", FULL), ("quick", QUICK), ("tiny", TINY)):
        if scale == known:
            return TAGS[name]
    key = "x".join(str(scale[k]) for k in ("frameworks", "milestones", "rounds", "posts", "users"))
    return f"Bench {key} plan ", f"{key} ", f"bench{key}-"


def _matches(scale: dict, prefix: str) -> bool:
    """Whether the data set already there is exactly this scale's."""
    frameworks = Framework.objects.filter(name__startswith=prefix)
    if frameworks.count() != scale["frameworks"]:
        return False
    milestones = Milestone.objects.filter(framework__name__startswith=prefix).count()
    rounds = Round.objects.filter(framework__name__startswith=prefix).count()
    open_rounds = Round.objects.filter(framework__name=f"{prefix}1", state="OPEN").count()
    return (
        milestones == scale["frameworks"] * scale["milestones"]
        and rounds == scale["frameworks"] * scale["rounds"] + 1
        and open_rounds == 1
    )


def _delete(prefix: str) -> None:
    """Delete a data set in a few statements: no per-object signals, so no history rows."""
    delete_frameworks(Framework.objects.filter(name__startswith=prefix))


def _maintain() -> None:
    """The database as PostgreSQL's autovacuum keeps it: fresh planner statistics and, on
    PostgreSQL, no dead rows (the import suite's dry runs roll back 160,000 inserted rows each,
    which stay in the tables as dead rows until a vacuum, a minute or so later in production)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


@transaction.atomic
def _build(scale: dict, tags: tuple[str, str, str]) -> None:
    from frameworks.importers.parsing import quarter_dates
    from frameworks.services.rounds import round_create, round_open
    from tests.builders import make_framework, quarter_labels, vocabulary

    prefix, post_tag, user_tag = tags
    User = get_user_model()
    words = vocabulary()["posts"]
    titles = [f"{words[i % len(words)]} ({post_tag}{i // len(words) + 1})"
              for i in range(scale["posts"])]  # fmt: skip
    Post.objects.bulk_create([Post(title=t) for t in titles], ignore_conflicts=True)
    by_title = Post.objects.in_bulk(titles, field_name="title")
    posts = [by_title[t] for t in titles]
    names = [f"{user_tag}{i}" for i in range(scale["users"])]
    User.objects.bulk_create(
        [
            User(username=name, first_name="Officer", last_name=str(i),
                 email=f"{name}@example.org")
            for i, name in enumerate(names)
        ],
        ignore_conflicts=True,
        batch_size=500,
    )  # fmt: skip
    users = list(User.objects.filter(username__in=names).order_by("pk"))
    Holding = Post.holders.through
    Holding.objects.filter(post__in=posts).delete()
    Holding.objects.bulk_create(
        [
            Holding(post_id=post.pk, user_id=user.pk)
            for index, post in enumerate(posts)
            for user in users[index * 3 % len(users) : index * 3 % len(users) + 3]
        ],
        batch_size=1000,
    )
    policy, _ = User.objects.get_or_create(username=POLICY_USERNAME)
    policy.groups.add(Group.objects.get_or_create(name=POLICY_TEAM)[0])
    for n in range(scale["frameworks"]):
        framework = make_framework(
            name=f"{prefix}{n + 1}",
            milestones=scale["milestones"],
            rounds=scale["rounds"],
            posts=posts[n * 15 % len(posts) :] + posts[: n * 15 % len(posts)],
        )
        if n == 0:  # one open round, so officers have returns and the dashboard has work
            label = quarter_labels(scale["rounds"] + 1)[-1]
            start, end = quarter_dates(label)
            round = round_create(
                framework=framework, label=label, start_date=start, end_date=end, due_date=end
            )
            round_open(round=round, user=policy, expected_version=None)


def build(scale: dict) -> dict:
    """Create the data set once (re-used when it is already there); returns what to request."""
    tags = _tags(scale)
    if not _matches(scale, tags[0]):
        with transaction.atomic():
            _delete(tags[0])
        _build(scale, tags)
    return _handles(tags[0])


def _handles(prefix: str = PREFIX) -> dict:
    framework = Framework.objects.get(name=f"{prefix}1")
    round = Round.objects.get(framework=framework, state="OPEN")
    return_ = (
        Return.objects.filter(round=round)
        .select_related("milestone")
        .order_by("milestone__theme__order", "milestone__order", "milestone__pk")
        .first()
    )
    officer = return_.milestone.posts.order_by("pk").first().holders.order_by("pk").first()
    return {
        "framework": framework,
        "round": round,
        "return": return_,
        "milestone": return_.milestone,
        "officer": officer,
        "policy": get_user_model().objects.get(username=POLICY_USERNAME),
    }


def _pages(handles: dict) -> dict[str, tuple[Client, str]]:
    officer, policy = Client(), Client()
    officer.force_login(handles["officer"])
    policy.force_login(handles["policy"])
    framework, round, return_ = handles["framework"], handles["round"], handles["return"]
    milestones = reverse("frameworks:milestone-list", args=[framework.slug])
    return {
        "officer task list": (officer, reverse("frameworks:return-list")),
        "return page": (officer, reverse("frameworks:return-edit", args=[return_.pk])),
        "returns dashboard": (policy, reverse("frameworks:round-detail", args=[round.pk])),
        "framework overview": (policy, framework.get_absolute_url()),
        "milestone history": (
            policy,
            reverse("frameworks:milestone-history", args=[handles["milestone"].pk]),
        ),
        "milestone list with filters": (
            policy,
            f"{milestones}?rag=IN_PROGRESS&q=Members&sort=deadline",
        ),
    }


def _queries(client: Client, url: str) -> int:
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(queries)


def _time(client: Client, url: str, repeats: int) -> dict:
    client.get(url)  # warm
    queries = _queries(client, url)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    p95 = percentile(samples, 95)
    return {
        "url": url,
        "queries": queries,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": p95,
        "max_ms": round(max(samples), 1),
        "requests": repeats,
        "goal_p95_ms": GOAL_P95_MS,
        "meets_goal": p95 < GOAL_P95_MS,
    }


def _scale_figures(scale: dict) -> dict:
    prefix = _tags(scale)[0]
    return {
        **scale,
        "returns": Return.objects.filter(milestone__framework__name__startswith=prefix).count(),
        "milestones_total": Milestone.objects.filter(framework__name__startswith=prefix).count(),
    }


def run(*, quick: bool = False, repeats: int | None = None) -> dict:
    scale, reference = (QUICK, TINY) if quick else (FULL, QUICK)
    started = time.perf_counter()
    handles = build(scale)
    _maintain()
    built = time.perf_counter() - started
    repeats = repeats or (20 if quick else 60)
    results = {name: _time(client, url, repeats) for name, (client, url) in _pages(handles).items()}
    timed = time.perf_counter() - started - built
    # The same pages on a smaller data set: the query counts must be the same.
    for name, (client, url) in _pages(build(reference)).items():
        client.get(url)  # warm, as above
        results[name]["queries_reference"] = _queries(client, url)
    return {
        "scale": _scale_figures(scale),
        "reference_scale": _scale_figures(reference),
        "build_seconds": round(built, 1),
        "timing_seconds": round(timed, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "pages": results,
        "queries_constant": all(r["queries"] == r["queries_reference"] for r in results.values()),
        "meets_goal": all(r["meets_goal"] for r in results.values()),
    }
