"""Factories with vocabulary from the council papers in the seeds (never lorem ipsum)."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from frameworks.models import (
    RAG,
    DatePrecision,
    DeadlineKind,
    Framework,
    Milestone,
    MilestonePost,
    Post,
    PostRole,
    Return,
    ReturnState,
    Round,
    RoundState,
    Theme,
)
from frameworks.roles import DEMOCRATIC_SERVICES, POLICY_TEAM

THEMES = [
    "Place Shaping",
    "Members' Support",
    "Schools, children's services",
    "Youth Service",
    "Mayor's Office",
    "Locality Based Data",
    "Housing",
    "Community Safety",
    "Planning",
    "Licensing",
    "Partnership Working",
    "Overview and Scrutiny",
    "Building Social Housing",
]
MILESTONES = [
    "Promote the Members Hub internally",
    "Develop and promote the Councillor Call for Action (CCfA)",
    "Use the consultation hub to feed into the Overview and Scrutiny work programme",
    "Training Programme for Members on Civil Contingencies",
    "Councillors to visit Holiday Childcare Scheme",
    "Add weekly list of planning applications, by ward, to the Members Hub",
    "Provide social media training sessions for all Councillors",
    "Review the outcome of the neighbourhood management pilot in North West of the borough",
]
POSTS = [
    "Divisional Director SPP",
    "Divisional Director Communications and Marketing",
    "Divisional Director Community Safety",
    "Head of Democratic Services",
    "Divisional Director, Planning and Building Control",
    "Head of Mayor's Office",
]
NARRATIVES = [
    "A survey was held in March 2020 and promoted for two weeks in the Members Bulletin. "
    "Next step: further engagement with Democratic Services.",
    "A draft Councillor Call for Action has been completed and will be programmed for sign off "
    "by CLT in October.",
    "The Mayor was involved in Exercise Safer Cities on 3 March 2020. No member training could "
    "be delivered due to COVID.",
]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"officer{n}")
    first_name = factory.Iterator(["Sam", "Priya", "Tom", "Alex", "Ruth", "Imran"])
    last_name = factory.Iterator(["Ahmed", "Shah", "Clarke", "Morgan", "Begum", "Okafor"])
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class PolicyUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"policy{n}")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        obj.groups.add(Group.objects.get_or_create(name=POLICY_TEAM)[0])


class DemocraticServicesUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"democratic{n}")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        obj.groups.add(Group.objects.get_or_create(name=DEMOCRATIC_SERVICES)[0])


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    name = factory.Sequence(lambda n: "Ward Councillor Support Framework" + (f" {n}" if n else ""))
    slug = factory.Sequence(lambda n: f"ward-councillor-support-framework-{n}")
    owner = "Strategy, Policy and Performance"
    start_date = dt.date(2019, 7, 1)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    framework = factory.SubFactory(FrameworkFactory)
    name = factory.Sequence(
        lambda n: THEMES[n % len(THEMES)] + (f" {n}" if n >= len(THEMES) else "")
    )
    order = factory.Sequence(int)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        django_get_or_create = ["title"]

    title = factory.Sequence(
        lambda n: POSTS[n % len(POSTS)] + (f" ({n})" if n >= len(POSTS) else "")
    )


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone
        skip_postgeneration_save = True

    theme = factory.SubFactory(ThemeFactory)
    framework = factory.SelfAttribute("theme.framework")
    title = factory.Iterator(MILESTONES)
    order = factory.Sequence(int)
    deadline_text = "Apr-20"
    deadline_date = dt.date(2020, 4, 30)
    deadline_precision = DatePrecision.MONTH
    deadline_kind = DeadlineKind.DATE

    @factory.post_generation
    def lead(obj, create, extracted, **kwargs):
        """`MilestoneFactory(lead=post)` links a lead post; by default a new post."""
        if not create:
            return
        post = extracted or PostFactory()
        MilestonePost.objects.create(milestone=obj, post=post, role=PostRole.LEAD)


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    framework = factory.SubFactory(FrameworkFactory)
    label = factory.Sequence(lambda n: f"Q{n % 4 + 1} {2019 + n // 4}-{20 + n // 4}")
    start_date = dt.date(2020, 10, 1)
    end_date = dt.date(2020, 12, 31)
    due_date = dt.date(2021, 1, 15)
    state = RoundState.OPEN


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Return

    milestone = factory.SubFactory(MilestoneFactory)
    round = factory.SubFactory(
        RoundFactory, framework=factory.SelfAttribute("..milestone.framework")
    )
    narrative = ""
    rag = ""
    state = ReturnState.NOT_STARTED


class ApprovedReturnFactory(ReturnFactory):
    narrative = factory.Iterator(NARRATIVES)
    rag = RAG.IN_PROGRESS
    state = ReturnState.APPROVED


BOARD = "Transformation and Improvement Board"

# The statutory and cover text of seed 004's report to that board (9 December 2019), as its
# officers wrote it: what a test report needs before it can be published.
SEED_004_TEXT = {
    "wards_affected": "All wards",
    "key_decision_reason": "Not a key decision",
    "recommendations": "Review and comment on the progress of the Tower Hamlets Improvement Plan",
    "equalities_comments": (
        "This report is in full compliance of the public sector equality duty (Equality Act 2010)."
    ),
    "finance_comments": (
        "There are no financial implications arising from the recommendations within this report."
    ),
    "legal_comments": (
        "The nature of the report is an update and therefore there are no further legal issues "
        "arising from the report."
    ),
}


def board_meeting(name: str = BOARD, *, date, time=None, venue: str = ""):
    """A meeting of the named board, made through the services as the app makes it."""
    from frameworks.services import boards

    board = boards.board_get_or_create(name=name, user=None)
    return boards.meeting_get_or_create(board=board, date=date, time=time, venue=venue)
