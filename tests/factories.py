"""Factories with vocabulary from the council papers in the seeds (never lorem ipsum)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from frameworks.models import (
    RAG,
    Assessment,
    DatePrecision,
    DeadlineKind,
    Direction,
    Framework,
    Indicator,
    IndicatorValue,
    Judgement,
    MaturityLevel,
    MaturityStandard,
    Milestone,
    MilestonePost,
    Outcome,
    Post,
    PostRole,
    Recommendation,
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


# Outcomes ("So that …") from seed 002's pledge tables.
OUTCOMES = [
    "Services are better at delivering improved outcomes and customer satisfaction.",
    "Communities are recognised and valued as experts and put at the heart of deciding "
    "priorities and services.",
    "Information and insight from local communities (community intelligence) are clearly "
    "reflected in the decisions we make.",
    "Information is easily accessible to communities and open to scrutiny.",
]
# Indicators whose figures seed 004 reports (R5.14's Q3 update; R2.2's website figures).
INDICATORS = [
    ("Children's social care vacancy gap", "%", Direction.LOWER),
    ("Children's social care staff turnover", "%", Direction.LOWER),
    ("Registered users on the Firmstep platform", "users", Direction.HIGHER),
]


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    theme = factory.SubFactory(ThemeFactory)
    framework = factory.SelfAttribute("theme.framework")
    title = factory.Sequence(
        lambda n: OUTCOMES[n % len(OUTCOMES)] + (f" ({n})" if n >= len(OUTCOMES) else "")
    )
    order = factory.Sequence(int)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """An indicator named as seed 004 reports it; `IndicatorFactory(owner=post)` sets the owner
    (none by default)."""

    class Meta:
        model = Indicator

    framework = factory.SubFactory(FrameworkFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    name = factory.Sequence(
        lambda n: INDICATORS[n % len(INDICATORS)][0] + (f" ({n})" if n >= len(INDICATORS) else "")
    )
    unit = factory.Sequence(lambda n: INDICATORS[n % len(INDICATORS)][1])
    direction = factory.Sequence(lambda n: INDICATORS[n % len(INDICATORS)][2])
    order = factory.Sequence(int)


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    """A value for a round of the indicator's framework; by default 004's 19.55%, approved."""

    class Meta:
        model = IndicatorValue

    indicator = factory.SubFactory(IndicatorFactory)
    round = factory.SubFactory(
        RoundFactory, framework=factory.SelfAttribute("..indicator.framework")
    )
    value = Decimal("19.55")
    note = "In Children's Social Care we have reduced our vacancy gap further from 26% to 19.55%."
    state = ReturnState.APPROVED


# Maturity self-assessment: seed 003's scale, standards and Leadership's judgement.
MATURITY_SCALE = [
    ("Emerging", "not there yet, but you're able to identify areas for improvement"),
    ("Aspiring", "some good performance, but also some gaps"),
    ("Established", "good overall performance against the standard"),
]
STANDARDS = [
    ("Vision & Strategy", "There is a clearly stated vision for community engagement and a "
     "strategy, supported by clear objectives, to deliver it."),
    ("Participation", "There is a consistent approach to ensuring citizens can have a say in the "
     "decisions that affect them."),
    ("Resources", "There are adequate resources to deliver engagement processes effectively"),
    ("Workforce", "The workforce has the necessary skills, knowledge and capabilities to deliver "
     "high quality community engagement"),
    ("Partnerships", "There are partnerships in place at all levels that enable effective "
     "community engagement to take place."),
    ("Leadership", "Senior leaders and managers are champions for community engagement."),
    ("Learning and impact", "Community engagement has had an impact on policy and practice"),
]  # fmt: skip


class MaturityLevelFactory(factory.django.DjangoModelFactory):
    """A level of 003's scale, least mature first: Emerging (1), Aspiring (2), Established (3)."""

    class Meta:
        model = MaturityLevel

    framework = factory.SubFactory(FrameworkFactory)
    rank = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(
        lambda o: MATURITY_SCALE[(o.rank - 1) % 3][0] + (f" {o.rank}" if o.rank > 3 else "")
    )
    description = factory.LazyAttribute(lambda o: MATURITY_SCALE[(o.rank - 1) % 3][1])


class MaturityStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaturityStandard

    framework = factory.SubFactory(FrameworkFactory)
    name = factory.Sequence(
        lambda n: STANDARDS[n % len(STANDARDS)][0] + (f" ({n})" if n >= len(STANDARDS) else "")
    )
    description = factory.Sequence(lambda n: STANDARDS[n % len(STANDARDS)][1])
    order = factory.Sequence(int)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    framework = factory.SubFactory(FrameworkFactory)
    title = "Community engagement maturity assessment"
    assessed_on = factory.Sequence(lambda n: dt.date(2023, 9, 4) + dt.timedelta(days=n))


class JudgementFactory(factory.django.DjangoModelFactory):
    """A judgement at a level written outside the scale ("Embedded"), unless given a level."""

    class Meta:
        model = Judgement

    assessment = factory.SubFactory(AssessmentFactory)
    standard = factory.SubFactory(
        MaturityStandardFactory, framework=factory.SelfAttribute("..assessment.framework")
    )
    level_text = "Embedded"
    evidence = (
        "• The mayor has asked officers to improve consultation at the Mayors Advisory Board and "
        "to ensure the Council is engaging with all sections of the community."
    )
    improvements = (
        "• Explore how Council communications can be used to promote the importance of "
        "community engagement."
    )


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    judgement = factory.SubFactory(JudgementFactory)
    text = (
        "Explore how Council communications can be used to promote the importance of community "
        "engagement."
    )
    order = factory.Sequence(lambda n: n + 1)
