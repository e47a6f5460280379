"""The importer's fast writer: rows, ids and audit rows as the ORM would have written them."""

import datetime as dt

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from frameworks.models import RAG, DeadlineKind, Milestone, ProgressUpdate, UpdateState
from frameworks.services.bulk import instance_factory, rows_create_with_history
from tests.factories import FrameworkFactory, MilestoneFactory, PeriodFactory, ThemeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _milestones(theme, titles):
    return [
        Milestone(
            framework=theme.framework,
            theme=theme,
            title=title,
            order=n,
            deadline_text="Apr-20",
            deadline_date=dt.date(2020, 4, 30),
            deadline_precision="MONTH",
            deadline_kind=DeadlineKind.DATE,
            monitoring_groups=["Ward Councillor Support Group"],
        )
        for n, title in enumerate(titles, 1)
    ]


def test_rows_come_back_as_saved_with_history_under_the_import(policy_user):
    theme = ThemeFactory(name="Members' Support")
    titles = ["Promote the Members Hub internally", "Develop and promote the CCfA"]
    with transaction.atomic():
        created = rows_create_with_history(
            objects=_milestones(theme, titles),
            model=Milestone,
            user=policy_user,
            reason="Import of tracker.xlsx",
        )
    assert all(m.pk for m in created)
    stored = Milestone.objects.get(pk=created[1].pk)
    assert stored.title == "Develop and promote the CCfA"
    assert stored.deadline_date == dt.date(2020, 4, 30)
    assert stored.monitoring_groups == ["Ward Councillor Support Group"]
    assert stored.created_at is not None and stored.updated_at is not None
    record = stored.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        policy_user,
        "Import of tracker.xlsx",
    )
    assert record.title == stored.title and record.theme_id == theme.pk


def test_choices_are_stored_as_their_values_and_read_back(policy_user):
    milestone = MilestoneFactory()
    period = PeriodFactory(framework=milestone.framework)
    with transaction.atomic():
        (update,) = rows_create_with_history(
            objects=[
                ProgressUpdate(
                    milestone=milestone,
                    period=period,
                    narrative="Members Hub promoted at the Members' Bulletin.",
                    rag=RAG.IN_PROGRESS,
                    state=UpdateState.APPROVED,
                )
            ],
            model=ProgressUpdate,
            user=policy_user,
        )
    stored = ProgressUpdate.objects.get(pk=update.pk)
    assert stored.rag == "IN_PROGRESS" and stored.state == "APPROVED"


def test_ids_are_never_reused_and_the_orm_carries_on_after_them(policy_user):
    theme = ThemeFactory(framework=FrameworkFactory())
    deleted = MilestoneFactory(framework=theme.framework, theme=theme)
    deleted_id = deleted.pk
    deleted.delete()  # its history stays, under its id
    with transaction.atomic():
        created = rows_create_with_history(
            objects=_milestones(theme, ["Training Programme for Members on Civil Contingencies"]),
            model=Milestone,
            user=policy_user,
        )
    assert created[0].pk > deleted_id
    after = MilestoneFactory(framework=theme.framework, theme=theme)
    assert after.pk > created[0].pk


def test_the_fast_constructor_gives_what_the_model_gives_and_refuses_unknown_fields():
    theme = ThemeFactory(name="Members' Support")
    values = {
        "framework_id": theme.framework_id,
        "theme_id": theme.pk,
        "title": "Promote the Members Hub internally",
        "deadline_text": "Ongoing",
        "deadline_kind": DeadlineKind.ONGOING,
    }
    build = instance_factory(Milestone)
    fast, slow = build(dict(values)), Milestone(**values)
    assert model_to_dict(fast) == model_to_dict(slow)
    assert fast._state.adding and fast.pk is None
    # Defaults made by a callable are one per row, never shared between rows.
    build(dict(values)).monitoring_groups.append("Ward Councillor Support Group")
    assert build(dict(values)).monitoring_groups == []
    with pytest.raises(TypeError, match="has no field"):
        build({**values, "theme": theme})
