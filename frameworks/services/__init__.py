"""Writes with business rules. Keyword-only, typed, atomic; named `<entity>_<action>`.

The rules themselves are the domain's (`frameworks.domain`); a service applies them to rows.
May import: the domain, the models, the importers (imports read files through them),
`frameworks.rules` / `roles`, and the report and spreadsheet builders (`reports`, `exports`);
never selectors or views, which import services.
"""
