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
