import pytest

from tests.factories import (
    DemocraticServicesUserFactory,
    MilestoneFactory,
    PolicyUserFactory,
    PostFactory,
    ReturnFactory,
    RoundFactory,
    UserFactory,
)


@pytest.fixture
def post(db):
    return PostFactory(title="Divisional Director SPP")


@pytest.fixture
def officer(post):
    user = UserFactory(username="sam")
    post.holders.add(user)
    return user


@pytest.fixture
def other_officer(db):
    user = UserFactory(username="ruth")
    PostFactory(title="Head of Democratic Services").holders.add(user)
    return user


@pytest.fixture
def policy_user(db):
    return PolicyUserFactory(username="priya")


@pytest.fixture
def democratic_user(db):
    return DemocraticServicesUserFactory(username="tom")


@pytest.fixture
def milestone(post):
    return MilestoneFactory(lead=post, title="Develop and promote the Councillor Call for Action")


@pytest.fixture
def round(milestone):
    return RoundFactory(framework=milestone.framework, label="Q3 2020-21")


@pytest.fixture
def return_(milestone, round):
    return ReturnFactory(milestone=milestone, round=round)
