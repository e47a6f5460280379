"""Reads for the posts the policy team keeps: the list, and pairs that look like one post spelled
two ways (the candidates for a merge)."""

from __future__ import annotations

from difflib import SequenceMatcher

from django.db.models import Count, QuerySet

from frameworks.models import Post

# Titles a typo apart are worth a look: "Head of Democratic Service" and "... Services" (one
# letter), "Amanda Harcus" and "Amanda Marcus" (one); "Divisional Director CSC" and "... SPP"
# (three) are two posts.
TYPO = 2


def post_list() -> QuerySet[Post]:
    """Every post with its holders and how many milestones it leads or supports, by title."""
    return (
        Post.objects.annotate(milestone_count=Count("milestone_links", distinct=True))
        .prefetch_related("holders")
        .order_by("title")
    )


def lookalike_posts(posts: list[Post]) -> list[tuple[Post, Post]]:
    """Pairs of posts whose titles (ignoring case and spacing) differ by a letter or two, closest
    first, each as (the one to keep, the one to merge into it). Titles whose lengths differ by
    more than that are not compared, which keeps a council's few hundred posts quick."""
    keyed = [(post, " ".join(post.title.casefold().split())) for post in posts]
    pairs = []
    for index, (first, a) in enumerate(keyed):
        for second, b in keyed[index + 1 :]:
            if abs(len(a) - len(b)) > TYPO or min(len(a), len(b)) < 8:
                continue
            differ = sum(
                max(i2 - i1, j2 - j1)
                for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes()
                if op != "equal"
            )
            if differ <= TYPO:
                # The post with more milestones is offered as the one to keep.
                keep, merge = sorted(
                    (first, second), key=lambda p: -getattr(p, "milestone_count", 0)
                )
                pairs.append((differ, keep, merge))
    pairs.sort(key=lambda pair: pair[0])
    return [(keep, merge) for _, keep, merge in pairs]
