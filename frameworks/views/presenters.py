"""Presenters: what a page's table shows of each row, built once per page from what the
selectors read (the selectors return data; this is presentation).

The helpers below stand in for `{% url %}`, `|truncatechars` and the status tags on the pages
with hundreds of rows (a plan's 250 milestones, a round's returns): measured, `reverse()` was a
fifth of the time of a 250-row table and the tags were built per row, so each is computed once
and reused (see `make bench`, the pages suite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import pgettext

from frameworks.models import RAG, Milestone, PostRole, Return
from frameworks.selectors import FrameworkOverview, RoundDashboard
from frameworks.templatetags.tracker import overdue_tag, rag_tag, state_tag


def row_urls(name: str):
    """`reverse(name, kwargs={"pk": pk})` for the many rows of one page: one reverse, then each
    row's pk put in its place (reverse() was a fifth of the time of a 250-row table)."""
    marker = 2_147_483_647
    head, tail = reverse(name, kwargs={"pk": marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def shortener(length: int) -> Callable[[str], str]:
    """Django's `truncatechars:length` for the many rows of one page, without its walk through
    each character where it is not needed (text that fits, or plain ASCII with no combining
    characters to skip) and with the translated ellipsis looked up once, not per row."""
    ellipsis = pgettext("String to return when truncating text", "%(truncated_text)s…")
    keep = calculate_truncate_chars_length(length, ellipsis)

    def shorten(text: str) -> str:
        if len(text) <= length:
            return text
        if text.isascii():
            return add_truncation_text(text[:keep], ellipsis)
        return Truncator(text).chars(length, truncate=ellipsis)

    return shorten


def lead_cells(links) -> dict[int, SafeString]:
    """Each milestone's leads as the table cell shows them, from (milestone id, post title, role)
    rows in lead order: escaped titles, " (supporting)" after supporting posts, one per line."""
    cells: dict[int, list[str]] = {}
    for milestone_id, title, role in links:
        text = conditional_escape(title)
        cells.setdefault(milestone_id, []).append(
            f"{text} (supporting)" if role == PostRole.SUPPORTING else text
        )
    return {pk: mark_safe("<br>".join(texts)) for pk, texts in cells.items()}


def lead_only_cells(links) -> dict[int, SafeString]:
    """The returns table's Lead cell for each milestone, from (milestone id, post title, role)
    rows in lead order: the lead posts' escaped titles, each followed by a line break unless it
    is the milestone's last post (supporting posts are not shown)."""
    rows: dict[int, list[tuple[str, str]]] = {}
    for milestone_id, title, role in links:
        rows.setdefault(milestone_id, []).append((title, role))
    cells: dict[int, SafeString] = {}
    for milestone_id, posts in rows.items():
        last = len(posts) - 1
        cells[milestone_id] = mark_safe(
            "".join(
                f"{conditional_escape(title)}{'<br>' if i != last else ''}"
                for i, (title, role) in enumerate(posts)
                if role == PostRole.LEAD
            )
        )
    return cells


def status_cell(
    cache: dict[tuple[str | None, bool], SafeString], rag: str | None, is_overdue: bool
) -> SafeString:
    """`{% rag_tag rag %}`, followed by `{% overdue_tag %}` when flagged overdue and not marked
    Overdue: built once per combination, not per row."""
    key = (rag, is_overdue)
    if key not in cache:
        html = rag_tag(rag)
        if is_overdue and rag != RAG.OVERDUE:
            html = mark_safe(f"{html} {overdue_tag()}")
        cache[key] = html
    return cache[key]


@dataclass(frozen=True)
class ReturnRow:
    """One row of a round's returns table."""

    return_: Return
    is_overdue: bool
    review_url: str
    short_title: str
    lead_cell: SafeString | str
    rag_cell: SafeString
    state_cell: SafeString


def dashboard_rows(dashboard: RoundDashboard) -> list[ReturnRow]:
    leads = lead_only_cells(dashboard.lead_links)
    review_url = row_urls("frameworks:return-review")
    short_title = shortener(120)
    rags: dict = {}
    states: dict = {}
    rows = []
    for return_ in dashboard.returns:
        key = (return_.rag, return_.rag_text)
        if key not in rags:
            rags[key] = rag_tag(*key)
        if return_.state not in states:
            states[return_.state] = state_tag(return_.state)
        rows.append(
            ReturnRow(
                return_=return_,
                is_overdue=return_.pk in dashboard.overdue,
                review_url=review_url(return_.pk),
                short_title=short_title(return_.milestone.title),
                lead_cell=leads.get(return_.milestone_id, ""),
                rag_cell=rags[key],
                state_cell=states[return_.state],
            )
        )
    return rows


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone as a plan's overview shows it: in the table and in the lists above it."""

    milestone: Milestone
    is_overdue: bool
    url: str
    short_title: str  # in the table
    shorter_title: str  # in the lists above it
    lead_cell: SafeString | str
    status_cell: SafeString
    deadline_shown: str
    revised_shown: str

    @property
    def current_deadline(self) -> str:
        """The revised deadline if set, else the original."""
        return self.revised_shown or self.deadline_shown


def overview_rows(overview: FrameworkOverview) -> dict[int, MilestoneRow]:
    """Each milestone's row, by milestone id, in plan order."""
    leads = lead_cells(overview.lead_links)
    url = row_urls("frameworks:milestone-detail")
    short_title, shorter_title = shortener(140), shortener(110)
    overdue = overview.overdue_ids
    statuses: dict[tuple[str | None, bool], SafeString] = {}
    rows = {}
    for group in overview.themes:
        for milestone in group.milestones:
            is_overdue = milestone.pk in overdue
            rows[milestone.pk] = MilestoneRow(
                milestone=milestone,
                is_overdue=is_overdue,
                url=url(milestone.pk),
                short_title=short_title(milestone.title),
                shorter_title=shorter_title(milestone.title),
                lead_cell=leads.get(milestone.pk, ""),
                status_cell=status_cell(statuses, milestone.latest_rag, is_overdue),
                deadline_shown=milestone.deadline_display,
                revised_shown=milestone.revised_deadline_display,
            )
    return rows
