"""The domain's place: it imports nothing from the app, its plain-Python modules (and the
importers' `parsing`, which the fixtures' scripts run without settings) import no Django, and
the models' vocabularies are built from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from frameworks.domain import vocabulary

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAIN = [
    "frameworks.domain.vocabulary",
    "frameworks.domain.text",
    "frameworks.domain.status",
    "frameworks.domain.deadlines",
    "frameworks.importers.parsing",
]


def _loaded_after_import(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `module`, without Django settings."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import importlib; "
        "importlib.import_module(sys.argv[2]); print('\\n'.join(sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO_ROOT), module],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("module", PLAIN)
def test_plain_modules_import_no_django(module) -> None:
    loaded = _loaded_after_import(module)
    assert not {name for name in loaded if name == "django" or name.startswith("django.")}


def test_the_domain_imports_nothing_from_the_app() -> None:
    loaded = _loaded_after_import("frameworks.domain.overdue")  # the one module with Django
    app = {name for name in loaded if name.startswith("frameworks.")}
    assert app and all(name.startswith("frameworks.domain") for name in app), sorted(app)


@pytest.mark.parametrize(
    "name", ["RAG", "DeadlineKind", "DatePrecision", "PostRole", "ImportLayout"]
)
def test_models_choices_are_built_from_the_domain(name) -> None:
    from frameworks import models

    domain = getattr(vocabulary, name)
    assert getattr(models, name).choices == [(member.value, member.label) for member in domain]


def test_each_import_layout_label_names_its_first_headings() -> None:
    from frameworks.importers.layouts import LAYOUT_NAMES, LAYOUTS

    assert tuple(vocabulary.ImportLayout) == LAYOUT_NAMES
    for layout in vocabulary.ImportLayout:
        named = layout.label.split("(", 1)[1].rstrip(")").split(" | ")
        headings = [column.label for column in LAYOUTS[layout]]
        if named[-1] == "…":
            named = named[:-1]
        else:
            assert len(named) == len(headings), layout
        assert headings[: len(named)] == named, layout
