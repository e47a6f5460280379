"""The writing half of an import (`Writer`, a part of `imports._Import`): what the comparison
found, stored in bulk with its audit rows, every changed row a version on.

May import: the models, the importers, `frameworks.services.import_fields` and
`frameworks.services.import_state`. Runs only inside `imports.legacy_import`'s transaction.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from frameworks.models import (
    Framework,
    Milestone,
    MilestoneOutcome,
    MilestonePost,
    Outcome,
    Post,
    Return,
    Theme,
)
from frameworks.services.import_fields import columns_of
from frameworks.services.import_state import BATCH, ImportState


class Writer(ImportState):
    """Write what `Comparison` found; needs the attributes (`ImportState`) that `_Import` and
    `Comparison` set."""

    def write(self) -> None:
        history = self.history
        framework = self.framework
        if framework.pk is None:
            framework.slug = _free_slug(framework.name)
            framework.description = self.plan.about.get("description", "")
            framework.owner = self.plan.about.get("owner", "")[:200]
            self._audited(framework)
        for round in self.rounds.values():
            if round.pk is None:
                round.framework = framework
                self._audited(round)
        start = (max((t.order for t in self.themes), default=0)) + 1
        for number, theme in enumerate(self.new_themes):
            theme.framework, theme.order = framework, start + number
        bulk_create_with_history(self.new_themes, Theme, batch_size=BATCH, **history)
        self._bump(self.changed_themes, Theme, {"name", "code"})
        bulk_create_with_history(list(self.new_posts.values()), Post, batch_size=BATCH, **history)
        bulk_create_with_history(self.new_milestones, Milestone, batch_size=BATCH, **history)
        changed = [m for m in self.milestones if m.pk in self.changed_milestones]
        columns = columns_of(set().union(*self.changed_milestones.values()))
        self._bump(changed, Milestone, columns | {"updated_at"})
        if self.replace_links:
            MilestonePost.objects.filter(milestone_id__in=self.replace_links).delete()
        links = []
        for milestone, leads in self.new_links:
            done: set[int] = set()
            for order, (post, role) in enumerate(leads):
                if post.pk not in done:
                    done.add(post.pk)
                    links.append(
                        MilestonePost(milestone=milestone, post=post, role=role, order=order)
                    )
        bulk_create_with_history(links, MilestonePost, batch_size=BATCH, **history)
        self.write_outcomes()
        by_round = defaultdict(list)  # earlier rounds first: later updates point at them
        for return_ in self.new_returns:
            by_round[return_.round.start_date].append(return_)
        for round_start in sorted(by_round):
            bulk_create_with_history(by_round[round_start], Return, batch_size=BATCH, **history)
        returns = [u for u, _ in self.changed_returns.values()]
        columns = columns_of(set().union(*(names for _, names in self.changed_returns.values())))
        self._bump(returns, Return, columns | {"state", "updated_at"})
        if self.relink:  # an update was added before a later one, which now points at it
            self.link_previous()

    def write_outcomes(self) -> None:
        """The new outcomes, then the new links from milestones to the outcomes they serve."""
        for outcome in self.new_outcomes:
            outcome.framework = self.framework
        bulk_create_with_history(self.new_outcomes, Outcome, batch_size=BATCH, **self.history)
        links = [
            MilestoneOutcome(milestone=milestone, outcome=outcome)
            for milestone, outcome in self.new_outcome_links
        ]
        bulk_create_with_history(links, MilestoneOutcome, batch_size=BATCH, **self.history)

    def link_previous(self) -> None:
        """Each update points at the same milestone's update in the round before."""
        rows = (
            Return.objects.filter(milestone__framework=self.framework)
            .order_by("milestone_id", "round__start_date")
            .values_list("pk", "milestone_id", "previous_id")
        )
        wanted: dict[int, int | None] = {}
        last: tuple[int, int] | None = None
        for pk, milestone_id, previous_id in rows:
            expected = last[0] if last and last[1] == milestone_id else None
            if previous_id != expected:
                wanted[pk] = expected
            last = (pk, milestone_id)
        changes = list(Return.objects.filter(pk__in=wanted))
        for return_ in changes:
            return_.previous_id = wanted[return_.pk]
        bulk_update_with_history(changes, Return, ["previous"], batch_size=BATCH, **self.history)


def _free_slug(name: str) -> str:
    base = slugify(name)[:180] or "framework"
    taken = set(Framework.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
