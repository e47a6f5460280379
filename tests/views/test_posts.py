"""The posts page and the merge journey: choose, check what moves, merge."""

from django.urls import reverse

from frameworks.models import Post
from tests.factories import MilestoneFactory, PostFactory
from tests.html import attrs, error_summary, texts


def test_policy_merges_two_spellings_after_seeing_what_moves(client, policy_user):
    keep = PostFactory(title="Head of Democratic Services")
    again = PostFactory(title="Head of Democratic Service")
    MilestoneFactory(lead=again, title="Promote the Members Hub")
    client.force_login(policy_user)
    url = reverse("frameworks:post-merge")

    check = client.get(url, {"survivor": keep.pk, "duplicate": again.pk})
    assert "Post merged into it, then removed" in texts(check, ".govuk-summary-list__key")
    assert Post.objects.filter(pk=again.pk).exists(), "looking changes nothing"

    done = client.post(
        url,
        {
            "survivor": keep.pk,
            "duplicate": again.pk,
            "survivor_version": keep.version,
            "duplicate_version": again.version,
        },
        follow=True,
    )
    assert "“Head of Democratic Service” is merged into “Head of Democratic Services”." in texts(
        done, ".govuk-notification-banner__heading"
    )
    assert "Also written as Head of Democratic Service" in " ".join(texts(done, "th"))
    assert not Post.objects.filter(pk=again.pk).exists()


def test_choosing_the_same_post_twice_is_a_form_error(client, policy_user):
    post = PostFactory(title="Divisional Director SPP")
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:post-merge"), {"survivor": post.pk, "duplicate": post.pk})
    assert "Choose a different post from the one you keep." in error_summary(page)


def test_the_posts_page_points_out_posts_spelled_two_ways(client, policy_user):
    kept = {}
    for title, milestones in (
        ("Head of Democratic Services", 2),
        ("Head of Democratic Service", 1),
        ("Amanda Harcus", 2),
        ("Amanda Marcus", 1),
        ("Divisional Director SPP", 1),
        ("Divisional Director CSC", 1),
    ):
        kept[title] = PostFactory(title=title)
        for n in range(milestones):
            MilestoneFactory(lead=kept[title], title=f"{title} {n}")
    client.force_login(policy_user)
    page = client.get(reverse("frameworks:post-list"))
    # A letter apart, the one leading more milestones offered as the one to keep; CSC and SPP
    # are two posts.
    assert texts(page, ".govuk-inset-text li") == [
        "“Amanda Marcus” (1 milestone) and “Amanda Harcus” (2): check a merge of “Amanda Marcus” "
        "into “Amanda Harcus”",
        "“Head of Democratic Service” (1 milestone) and “Head of Democratic Services” (2): check "
        "a merge of “Head of Democratic Service” into “Head of Democratic Services”",
    ]
    link = attrs(page, ".govuk-inset-text a")[1]["href"]
    check = client.get(link)
    assert "Head of Democratic Services" in texts(check, ".govuk-summary-list__value")[0]
