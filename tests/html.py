"""Read a page as a browser would, not as a string: parse the HTML and pick elements with CSS
selectors, so a test checks what a person sees (the text of the error summary, the buttons
offered, a field's value) and not how the markup happens to be spelled."""

from __future__ import annotations

import cssselect2
import tinyhtml5


def _root(page) -> cssselect2.ElementWrapper:
    html = page if isinstance(page, str) else page.content.decode()
    return cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(html))


def _text(element) -> str:
    return " ".join(" ".join(element.etree_element.itertext()).split())


def texts(page, selector: str) -> list[str]:
    """The text of each element matching `selector`, whitespace collapsed."""
    return [_text(element) for element in _root(page).query_all(selector)]


def text(page, selector: str) -> str:
    """The text of the one element matching `selector` ("" if there is none)."""
    found = texts(page, selector)
    assert len(found) <= 1, f"{len(found)} elements match {selector!r}"
    return found[0] if found else ""


def attrs(page, selector: str) -> list[dict[str, str]]:
    """The attributes of each element matching `selector`."""
    return [dict(element.etree_element.attrib) for element in _root(page).query_all(selector)]


def buttons(page) -> list[str]:
    """The labels of the buttons a person can press."""
    return texts(page, "button, input[type=submit]")


def error_summary(page) -> str:
    """What the GOV.UK error summary says ("" when there is none)."""
    return text(page, ".govuk-error-summary")
