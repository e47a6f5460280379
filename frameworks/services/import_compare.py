"""The comparing half of an import (`Comparison`, a part of `imports._Import`): each theme,
milestone and return in the file against what the framework holds, recording every difference
in the report and, on the in-memory rows, what the writing half (`import_write`) will store.

What a file may not change (a field it does not carry, a newer value, a return people worked
on) is decided here. May import: the models, the importers, `frameworks.exports` and the other
`frameworks.services.import_*` modules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from frameworks.exports import status_text
from frameworks.importers import extract as ex
from frameworks.models import (
    Milestone,
    Outcome,
    Post,
    Return,
    ReturnState,
    Round,
    RoundState,
    Theme,
)
from frameworks.services.import_fields import (
    DEADLINES,
    FIELD_LABELS,
    NEWER,
    OPEN_ROUND,
    comparable_deadline,
    deadline_shown,
    deadline_to_store,
    flat,
    leads_text,
    norm,
    return_differences,
    short,
    stored_deadline,
    worked_on,
)
from frameworks.services.import_state import ImportState

PREVIEW_ROWS = 10
LISTED = 200  # names listed in new_milestones / missing_milestones


class Comparison(ImportState):
    """Compare the plan with what `_Import.load` read; needs the attributes (`ImportState`) it
    sets."""

    def compare(self) -> None:
        report = self.report
        self.new_themes = []
        self.changed_themes = []
        self.theme_for = {}
        for theme_spec in self.plan.themes:
            self.theme_for[theme_spec.name] = self.match_theme(theme_spec)
        self.match_outcomes()
        self.new_posts = {}
        self.new_milestones = []
        self.changed_milestones = {}
        self.new_links = []
        self.replace_links = []
        self.new_returns = []
        self.changed_returns = {}
        starts = [p.start_date for p in self.rounds.values()]
        self.file_round = max(starts, default=None)
        by_code = {m.code: m for m in self.milestones if m.code}
        by_title: dict[tuple[int, str], list[Milestone]] = defaultdict(list)
        for m in sorted(self.milestones, key=lambda m: (m.order, m.pk)):
            by_title[(m.theme_id, norm(m.title))].append(m)
        order: defaultdict[int, int] = defaultdict(int)  # the last order in each theme
        for m in self.milestones:
            order[m.theme_id] = max(order[m.theme_id], m.order)
        seen: set[int] = set()
        for spec in self.plan.milestones:
            theme = self.theme_for[spec.theme]
            milestone = by_code.get(spec.code) if spec.code else None
            if milestone is not None and milestone.pk in seen:
                self.fail(f"Code {spec.code} appears twice in the file.", spec.row, "Code")
                continue
            if milestone is None and theme.pk:
                candidates = by_title.get((theme.pk, norm(spec.title)), [])
                milestone = next((m for m in candidates if m.pk not in seen), None)
            if milestone is None:
                key = theme.pk or id(theme)
                order[key] += 1
                milestone = self.create_milestone(spec, theme, order[key])
            else:
                seen.add(milestone.pk)
                self.compare_milestone(spec, milestone, theme)
            self.compare_outcomes(spec, milestone)
            self.compare_returns(spec, milestone)
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(self.preview_row(spec, milestone))
        report.missing_milestones = [short(m.title) for m in self.milestones if m.pk not in seen][
            :LISTED
        ]
        # Only the new posts that a written lead needs are made.
        self.new_posts = {id(p): p for _, leads in self.new_links for p, _ in leads if not p.pk}
        report.created.posts = len(self.new_posts)
        report.unchanged.posts = len(
            {t.casefold() for m in self.plan.milestones for t, _ in m.leads}
        ) - len(self.new_posts)

    def match_theme(self, spec: ex.ThemeSpec) -> Theme:
        coded = self.theme_by_code.get(spec.code) if spec.code else None
        theme = coded or self.theme_by_name.get(norm(spec.name))
        if theme is None:
            theme = Theme(name=spec.name, code=spec.code)
            self.new_themes.append(theme)
            self.theme_by_name[norm(spec.name)] = theme
            if spec.code:
                self.theme_by_code[spec.code] = theme
            self.report.created.themes += 1
        elif (coded is not None and theme.name != spec.name) or (spec.code and not theme.code):
            before = theme.name
            theme.name, theme.code = spec.name, theme.code or spec.code
            if theme not in self.changed_themes:
                self.changed_themes.append(theme)
                self.report.updated.themes += 1
                self.change(None, "", ex.THEME, before, theme.name, theme.version)
        else:
            self.report.unchanged.themes += 1
        return theme

    def match_outcomes(self) -> None:
        """Each outcome in the file: the theme's outcome of that title, or a new one after the
        theme's last."""
        self.new_outcomes = []
        self.outcome_for = {}
        self.new_outcome_links = []
        self.linking = set()
        for spec in self.plan.outcomes:
            theme = self.theme_for[spec.theme]
            theme_key = theme.pk or id(theme)
            key = (theme_key, norm(spec.title))
            outcome = self.outcome_by_key.get(key)
            if outcome is None:
                self.outcome_order[theme_key] += 1
                outcome = Outcome(
                    theme=theme, title=spec.title, order=self.outcome_order[theme_key]
                )
                self.outcome_by_key[key] = outcome
                self.new_outcomes.append(outcome)
                self.report.created.outcomes += 1
                if len(self.report.new_outcomes) < LISTED:
                    self.report.new_outcomes.append(short(spec.title))
            elif outcome.pk and (spec.theme, norm(spec.title)) not in self.outcome_for:
                self.report.unchanged.outcomes += 1
            self.outcome_for[(spec.theme, norm(spec.title))] = outcome

    def compare_outcomes(self, spec: ex.MilestoneSpec, milestone: Milestone) -> None:
        """The outcomes the file says this milestone serves: a link to each it does not serve
        yet. A link the file does not give is kept (a blank never clears)."""
        served = self.served.get(milestone.pk, set()) if milestone.pk else set()
        for title in spec.outcomes:
            outcome = self.outcome_for[(spec.theme, norm(title))]
            if outcome.pk in served:
                self.report.unchanged.outcome_links += 1
                continue
            if (id(milestone), id(outcome)) in self.linking:
                continue  # the same outcome given twice for the milestone
            self.linking.add((id(milestone), id(outcome)))
            self.new_outcome_links.append((milestone, outcome))
            self.report.created.outcome_links += 1
            if milestone.pk:
                before = "; ".join(
                    o.title for o in self.outcome_by_key.values() if o.pk and o.pk in served
                )
                self.change(milestone, "", ex.OUTCOMES, before, outcome.title, milestone.version)

    def post(self, title: str) -> Post:
        key = title.casefold()
        post = self.post_by_key.get(key)
        if post is None:
            post = self.post_by_key[key] = Post(title=title)
        return post

    def file_values(self, spec: ex.MilestoneSpec, theme: Theme) -> dict[str, Any]:
        """The milestone fields this file carries, as the file gives them (blank = not given)."""
        latest_new = next(
            (
                u.new_deadline
                for u in reversed(spec.returns)
                if u.new_deadline and ex.NEW_DEADLINE in u.carries
            ),
            None,
        )
        values = {
            ex.THEME: theme,
            ex.CODE: spec.code[:40],
            ex.TITLE: spec.title,
            ex.ACTIVITY: spec.existing_activity,
            ex.LEADS: [(self.post(t), r) for t, r in spec.leads],
            ex.DEADLINE: spec.deadline if spec.deadline.text or spec.deadline.date else None,
            ex.REVISED: spec.revised_deadline or latest_new,
            ex.GROUPS: spec.monitoring_groups,
            ex.RISK: spec.risk,
            ex.SOURCE: spec.source_reference[:255],
        }
        carried = self.plan.carries | ({ex.REVISED} if latest_new else set())
        return {k: v for k, v in values.items() if k in carried and v}

    def create_milestone(self, spec: ex.MilestoneSpec, theme: Theme, order: int) -> Milestone:
        values = self.file_values(spec, theme)
        # A model takes a property as a keyword too (`deadline` sets its columns); django-stubs
        # knows only the fields.
        milestone = Milestone(  # type: ignore[misc]
            framework=self.framework,
            theme=theme,
            code=values.get(ex.CODE, ""),
            title=spec.title,
            existing_activity=values.get(ex.ACTIVITY, ""),
            order=order,
            source_reference=values.get(ex.SOURCE)
            or f"{self.file_name}, sheet {self.plan.sheet}, row {spec.row}"[:255],
            monitoring_groups=values.get(ex.GROUPS, []),
            risk=values.get(ex.RISK, ""),
            deadline=deadline_to_store(ex.DEADLINE, values.get(ex.DEADLINE)),
            revised_deadline=deadline_to_store(ex.REVISED, values.get(ex.REVISED)),
        )
        self.new_milestones.append(milestone)
        if values.get(ex.LEADS):
            self.new_links.append((milestone, values[ex.LEADS]))
        self.report.created.milestones += 1
        if len(self.report.new_milestones) < LISTED:
            self.report.new_milestones.append(short(spec.title))
        return milestone

    def stored(self, milestone: Milestone, name: str) -> Any:
        if name == ex.THEME:
            return milestone.theme_id
        if name == ex.LEADS:
            links = sorted(self.links[milestone.pk], key=lambda k: k.role != "LEAD")
            return [(link.post_id, link.role) for link in links]
        if name in DEADLINES:
            return stored_deadline(milestone, name)
        if name == ex.GROUPS:
            return milestone.monitoring_groups
        return flat(getattr(milestone, name))

    def comparable(self, name: str, value: Any) -> Any:
        if name == ex.THEME:
            return value.pk
        if name == ex.LEADS:
            ordered = sorted(value, key=lambda pair: pair[1] != "LEAD")
            return [(post.pk, role) for post, role in ordered]
        if name in DEADLINES:
            return comparable_deadline(value)
        if name == ex.GROUPS:
            return value
        return flat(value)

    def shown(self, milestone: Milestone, name: str, value: Any = None) -> str:
        """A field's value as a person reads it: stored (value None) or from the file."""
        if value is None:
            if name == ex.THEME:
                return next((t.name for t in self.themes if t.pk == milestone.theme_id), "")
            if name == ex.LEADS:
                return leads_text([(k.post.title, k.role) for k in self.links[milestone.pk]])
            if name in DEADLINES:
                return deadline_shown(milestone, name)
            value = getattr(milestone, name)
        elif name == ex.THEME:
            return value.name
        elif name == ex.LEADS:
            return leads_text([(p.title, r) for p, r in value])
        elif name in DEADLINES:
            return value.text
        return "; ".join(value) if isinstance(value, list) else str(value)

    def compare_milestone(self, spec: ex.MilestoneSpec, milestone: Milestone, theme: Theme):
        changed: set[str] = set()
        newer = (
            self.file_round is not None
            and self.latest_approved.get(milestone.pk, dt.date.min) > self.file_round
        )
        for name, value in self.file_values(spec, theme).items():
            if self.comparable(name, value) == self.stored(milestone, name):
                continue
            before, after = self.shown(milestone, name), self.shown(milestone, name, value)
            if newer:
                self.report.kept.append(
                    self.item(milestone, "", name, before=before, after=after, message=NEWER)
                )
                continue
            changed.add(name)
            self.change(milestone, "", name, before, after, milestone.version)
            if name == ex.LEADS:
                self.replace_links.append(milestone.pk)
                self.new_links.append((milestone, value))
                self.report.lead_changes.append(f"{spec.title[:80]}: {before or 'none'} → {after}")
            elif name == ex.THEME:
                milestone.theme = value
            elif name in DEADLINES:
                setattr(milestone, name, deadline_to_store(name, value))
            else:
                setattr(milestone, name, value)
        if changed:
            self.changed_milestones[milestone.pk] = changed
            self.report.updated.milestones += 1
        else:
            self.report.unchanged.milestones += 1

    def compare_returns(self, spec: ex.MilestoneSpec, milestone: Milestone) -> None:
        for return_spec in spec.returns:
            round = self.rounds.get(return_spec.round)
            if round is None:
                continue
            return_ = self.returns.get((milestone.pk, round.pk)) if milestone.pk else None
            is_open = round.state == RoundState.OPEN
            if return_ is None and not is_open:
                self.create_return(return_spec, milestone, round)
                continue
            changes = return_differences(return_spec, return_)
            if not changes:
                self.report.unchanged.returns += 1
                continue
            # (No update here only in an open round: that one is the file's to create.)
            owner = OPEN_ROUND if is_open or return_ is None else worked_on(return_)
            if owner or return_ is None:
                fields = ", ".join(FIELD_LABELS[name].lower() for name, *_ in changes)
                self.report.conflicts.append(
                    self.item(
                        milestone,
                        round.label,
                        None,
                        message=f"Not changed: {owner}. The file differs in {fields}.",
                    )
                )
                continue
            for name, new, before, after in changes:
                self.change(milestone, round.label, name, before, after, return_.version)
                if name == ex.STATUS:
                    return_.rag, return_.rag_text = new[0], new[1][:500]
                elif name == ex.NEW_DEADLINE:
                    return_.new_deadline = deadline_to_store(name, new)
                else:
                    setattr(return_, name, new)
            return_.state = (
                ReturnState.APPROVED
            )  # (a return nobody started: the file's is the record)
            self.changed_returns[return_.pk] = (return_, {name for name, *_ in changes})
            self.report.updated.returns += 1

    def create_return(self, spec: ex.ReturnSpec, milestone: Milestone, round: Round):
        stamp = min(dt.datetime.combine(round.due_date, dt.time(12), tzinfo=dt.UTC), self.now)
        carried = spec.carries
        # `new_deadline` is a property that sets its columns (django-stubs knows only fields).
        return_ = Return(  # type: ignore[misc]
            milestone=milestone,
            round=round,
            narrative=spec.narrative if ex.NARRATIVE in carried else "",
            rag=spec.rag,
            rag_text=spec.rag_text[:500],
            percent_complete=spec.percent_complete if ex.PERCENT in carried else None,
            state=ReturnState.APPROVED,
            submitted_at=stamp,
            reviewed_at=stamp,
            new_deadline=deadline_to_store(
                ex.NEW_DEADLINE, spec.new_deadline if ex.NEW_DEADLINE in carried else None
            ),
        )
        timeline = self.timeline[milestone.pk or id(milestone)]
        earlier = [(start, u) for start, u in timeline if start < round.start_date]
        if earlier:
            previous = max(earlier, key=lambda pair: pair[0])[1]
            if isinstance(previous, int):
                return_.previous_id = previous
            else:
                return_.previous = previous
        self.relink = self.relink or len(earlier) < len(timeline)  # a later one exists
        timeline.append((round.start_date, return_))
        self.new_returns.append(return_)
        self.report.created.returns += 1
        if milestone.pk:
            summary = status_text(return_.rag, return_.rag_text)
            after = f"{summary}: {return_.narrative}" if summary else return_.narrative
            self.change(milestone, round.label, None, "", after[:300], None)

    def item(self, milestone, round_label, name, **extra) -> dict[str, Any]:
        is_theme = milestone is None
        return {
            "milestone": "" if is_theme else short(milestone.title),
            "code": "" if is_theme else milestone.code,
            "round": round_label,
            "field": FIELD_LABELS.get(name, "New update"),
            **extra,
        }

    def change(self, milestone, round_label, name, before, after, version) -> None:
        self.report.changes.append(
            self.item(milestone, round_label, name, before=before, after=after, version=version)
        )

    def preview_row(self, spec: ex.MilestoneSpec, milestone: Milestone) -> dict[str, Any]:
        return {
            "row": spec.row,
            "theme": spec.theme,
            "code": spec.code,
            "title": spec.title,
            "leads": [f"{t} ({r.lower()})" for t, r in spec.leads],
            "deadline": milestone.deadline_display,
            "outcomes": [short(title) for title in spec.outcomes],
            "returns": [
                {
                    "round": self.report.rounds.get(u.round, u.round),
                    "rag": u.rag,
                    "rag_text": u.rag_text,
                    "narrative": u.narrative[:300],
                    "percent_complete": u.percent_complete,
                }
                for u in spec.returns
            ],
        }
