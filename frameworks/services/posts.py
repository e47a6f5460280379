"""Posts: merging a post spelled two ways ("Head of Democratic Service" and "... Services") into
one, keeping everything either held.

May import models. Imported by the post views and the admin.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from frameworks.models import MilestonePost, Post, PostRole


def _merged_titles(survivor: Post, duplicate: Post) -> list[str]:
    """The survivor's former titles: the duplicate's title and its former ones first (the most
    recent spelling people used), then the survivor's own, each once."""
    seen: set[str] = {survivor.title.casefold()}
    titles = []
    for title in (duplicate.title, *duplicate.former_titles, *survivor.former_titles):
        if title.casefold() not in seen:
            seen.add(title.casefold())
            titles.append(title)
    return titles


@transaction.atomic
def post_merge(
    *,
    survivor: Post,
    duplicate: Post,
    user,
    survivor_version: int | None,
    duplicate_version: int | None,
) -> Post:
    """Merge `duplicate` into `survivor`: its milestones (as lead or supporting), its holders, its
    title (kept as a former title, so files that spell it that way still find the post) and the
    history of its milestone links move to the survivor; then the duplicate is deleted. Both
    posts are locked and checked against the versions the person saw. Recorded in both posts'
    history with the reason."""
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": "Choose two different posts."})
    locked = {
        p.pk: p for p in Post.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])
    }
    if len(locked) != 2:
        raise ValidationError("One of the posts has been deleted since you opened the page.")
    keep, drop = locked[survivor.pk], locked[duplicate.pk]
    for post, seen, field in (
        (keep, survivor_version, "survivor"),
        (drop, duplicate_version, "duplicate"),
    ):
        if seen is not None and post.version != seen:
            raise ValidationError(
                {
                    field: f"“{post.title}” was changed after you opened the page. Check both "
                    "posts, then merge again."
                }
            )
    reason = f"Merged “{drop.title}” into “{keep.title}”"

    links = {
        link.milestone_id: link
        for link in MilestonePost.objects.select_for_update(of=("self",)).filter(post=keep)
    }
    moved = 0
    for link in (
        MilestonePost.objects.select_for_update(of=("self",)).filter(post=drop).order_by("pk")
    ):
        link._history_user = user
        link._change_reason = reason
        existing = links.get(link.milestone_id)
        if existing is None:
            link.post = keep
            link.save(update_fields=["post"])
            moved += 1
            continue
        # Both posts lead this milestone: one link stays, as lead if either was the lead.
        if link.role == PostRole.LEAD and existing.role != PostRole.LEAD:
            existing.role = PostRole.LEAD
            existing._history_user, existing._change_reason = user, reason
            existing.save(update_fields=["role"])
        link.delete()
    # The milestone links' past, as recorded, now names the post that carries on.
    MilestonePost.history.filter(post_id=drop.pk).update(post_id=keep.pk)

    holders = list(drop.holders.all())
    keep.holders.add(*holders)
    keep.former_titles = _merged_titles(keep, drop)
    keep.directorate = keep.directorate or drop.directorate
    keep.version += 1
    keep._history_user, keep._change_reason = (
        user,
        f"{reason}: {moved} milestones, {len(holders)} holders",
    )
    keep.save()
    drop._history_user, drop._change_reason = user, reason
    drop.delete()
    return keep
