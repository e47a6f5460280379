"""Merging a post spelled two ways: nothing is lost, and the merge is in the audit trail."""

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import MilestonePost, Post, PostRole
from frameworks.rules import allowed
from frameworks.services.posts import post_merge
from tests.factories import MilestoneFactory, PostFactory, ReturnFactory, UserFactory

KEEP, SPELT_AGAIN = "Head of Democratic Services", "Head of Democratic Service"


@pytest.fixture
def two(db):
    survivor = PostFactory(title=KEEP, directorate="Governance")
    duplicate = PostFactory(title=SPELT_AGAIN, former_titles=["Democratic Services Manager"])
    amanda, marcus = UserFactory(username="amanda"), UserFactory(username="marcus")
    survivor.holders.add(amanda)
    duplicate.holders.add(marcus)
    only_dup = MilestoneFactory(lead=duplicate, title="Promote the Members Hub")
    only_keep = MilestoneFactory(lead=survivor, theme=only_dup.theme, title="Members' enquiries")
    both = MilestoneFactory(
        lead=duplicate, theme=only_dup.theme, title="Councillor Call for Action"
    )
    MilestonePost.objects.create(milestone=both, post=survivor, role=PostRole.SUPPORTING, order=1)
    return survivor, duplicate, amanda, marcus, only_dup, only_keep, both


def test_a_merge_moves_milestones_holders_and_title_and_records_it(two, policy_user):
    survivor, duplicate, amanda, marcus, only_dup, only_keep, both = two
    return_ = ReturnFactory(milestone=only_dup)

    kept = post_merge(
        survivor=survivor,
        duplicate=duplicate,
        user=policy_user,
        survivor_version=survivor.version,
        duplicate_version=duplicate.version,
    )

    assert not Post.objects.filter(title=SPELT_AGAIN).exists()
    assert set(kept.milestone_links.values_list("milestone__title", "role")) == {
        ("Promote the Members Hub", PostRole.LEAD),
        ("Members' enquiries", PostRole.LEAD),
        ("Councillor Call for Action", PostRole.LEAD),  # one link, lead as either was
    }
    assert set(kept.holders.values_list("username", flat=True)) == {"amanda", "marcus"}
    assert kept.former_titles == [SPELT_AGAIN, "Democratic Services Manager"]
    assert kept.directorate == "Governance"
    # Marcus still reaches the return he wrote for; Amanda now does too.
    assert allowed(marcus, "frameworks.edit_return", return_)
    assert allowed(amanda, "frameworks.edit_return", return_)
    # The audit trail says who merged what, on the post and on the moved links.
    record = kept.history.first()
    assert record.history_user == policy_user
    assert record.history_change_reason.startswith(f"Merged “{SPELT_AGAIN}” into “{KEEP}”")
    link_history = MilestonePost.history.filter(milestone_id=only_dup.pk)
    assert set(link_history.values_list("post_id", flat=True)) == {kept.pk}
    assert (
        duplicate.history.filter(history_type="-").get().history_change_reason.startswith("Merged")
    )


def test_a_merge_from_an_out_of_date_page_changes_nothing(two, policy_user):
    survivor, duplicate, *_ = two
    seen = duplicate.version
    duplicate.version += 1
    duplicate.save()
    with pytest.raises(ValidationError, match="was changed after you opened the page"):
        post_merge(
            survivor=survivor,
            duplicate=duplicate,
            user=policy_user,
            survivor_version=survivor.version,
            duplicate_version=seen,
        )
    assert Post.objects.filter(title=SPELT_AGAIN).exists()
    assert duplicate.milestone_links.count() == 2


def test_a_post_cannot_be_merged_into_itself(two, policy_user):
    survivor, *_ = two
    with pytest.raises(ValidationError, match="two different posts"):
        post_merge(
            survivor=survivor, duplicate=survivor, user=policy_user,
            survivor_version=None, duplicate_version=None,
        )  # fmt: skip
