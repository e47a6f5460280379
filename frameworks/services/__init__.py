"""Writes with business rules. Keyword-only, typed, atomic; named `<entity>_<action>`.

The rules themselves are the domain's (`frameworks.domain`); a service applies them to rows.
May import: the domain, the models, the importers (imports read files through them),
`frameworks.rules` / `roles`, and the report and spreadsheet builders (`reports`, `exports`);
never selectors or views, which import services.
"""

# Said when the version a person saw is no longer the row's: by the services that check it, and
# by the forms that find it out first.
OUT_OF_DATE = (
    "This page is out of date, so nothing was changed. Reload the page, read it, then try again."
)


def locked(model, obj, expected_version: int | None):
    """`obj`'s row, locked for this transaction, refused (`OUT_OF_DATE`) when its version is no
    longer the one the person saw. For the simple edits of one row (meetings, maturity); the
    returns and rounds keep their own, which lock related rows in a set order first."""
    from django.core.exceptions import ValidationError

    current = model.objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(OUT_OF_DATE)
    return current


def save_audited(obj, user, reason: str, **fields) -> None:
    """Set `fields`, bump an existing row's version, check it (`full_clean`) and save it with
    the audit trail's who and why."""
    for name, value in fields.items():
        setattr(obj, name, value)
    if obj.pk and hasattr(obj, "version"):
        obj.version += 1
    obj._history_user = user
    obj._change_reason = reason
    obj.full_clean()
    obj.save()
