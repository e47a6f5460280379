"""The domain layer: the tracker's rules, each stated once, in plain Python.

What lives here:

* `vocabulary` – the fixed vocabularies the database stores (RAG statuses, deadline kinds and
  precisions, post roles, import layouts): values and labels, once. `frameworks.models` builds
  its `TextChoices` from them.
* `status` – the pseudo-statuses a report or a list shows besides the RAG values (`NO_RETURN`,
  `NO_STATUS`), which statuses are done, and reading an officer's status words.
* `deadlines` – the `Deadline` value object (text, date, precision, kind): reading one from
  text, how it reads on a page, whether it has passed, which deadline is in force.
* `overdue` – "flagged overdue" and the other rules about being behind, each a Python function
  with its SQL twin beside it.
* `text` – officers' and spreadsheets' text made safe to store (`clean_text`, `one_line`).

What it may import: the standard library, and other modules of this package. Only `overdue`
imports Django, and only `django.db.models` query expressions for its SQL twins. Nothing here
imports the app (`frameworks.models`, services, importers, selectors, views): they import the
domain, never the other way. `vocabulary`, `status`, `deadlines` and `text` import no Django at
all, because `fixtures/build_demo.py` uses them (through `frameworks.importers.parsing`) with no
Django settings; tests/domain checks it.

Who may import it: every other layer (models, importers, services, selectors, reports, views).
This `__init__` imports nothing, so that loading one module never loads the others.
"""
