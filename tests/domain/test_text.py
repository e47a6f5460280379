"""The domain's text rule: `clean_text` (cells and form text made safe to store)."""

from __future__ import annotations

import pytest

from frameworks.domain.text import clean_text, one_line


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<b>Locality Based Data</b>", "Locality Based Data"),
        ("on September 5 <sup>th</sup> 2019.", "on September 5th 2019."),
        ("Fish &amp; chips &lt;3 &#8211; &nbsp;ok", "Fish & chips <3 – ok"),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("One<br>Two<br/>Three", "One\n\nTwo\n\nThree"),
        ("One\nTwo\r\n\r\nThree", "One\n\nTwo\n\nThree"),
        ("  lots   of\t space  ", "lots of space"),
        ("Intro<ul>\n  <li>a</li>\n  <li> b </li>\n</ul>End", "Intro\n\n• a\n• b\n\nEnd"),
        (
            'OWL ( <a href="http://www.owl.co.uk">www.owl.co.uk</a> ) and',
            "OWL ( http://www.owl.co.uk ) and",
        ),
        (
            '<a href="https://example.org/a?x=1&amp;y=2">https://example.org/a?x=1&amp;y=2</a>',
            "https://example.org/a?x=1&y=2",
        ),
        (
            'see <a href="https://example.org/p">this page</a>.',
            "see this page (https://example.org/p).",
        ),
        ('<a href="javascript:alert(1)">click</a> me', "click me"),
        ('<a href=" JaVa\tScRiPt:alert(1)">click</a>', "click"),
        ('<a href="/relative/path">local</a>', "local"),
        ('<a href="data:text/html,hi">data</a>', "data"),
        ('<a href="mailto:info@example.org">info@example.org</a>', "info@example.org"),
        ('<a href="mailto:info@example.org">Email us</a>', "Email us (info@example.org)"),
        ('<a href="https://example.org"></a>', "https://example.org"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ("a\x00b\x07c", "abc"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_clean_text(value, expected) -> None:
    assert clean_text(value) == expected


def test_clean_text_unclosed_anchor_still_written() -> None:
    assert clean_text('<a href="https://example.org/x">https://example.org/x') == (
        "https://example.org/x"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("  a \n\n b\t c ", "a b c"), ("<p>One</p><p>Two</p>", "One Two"), (None, "")],
)
def test_one_line_is_clean_text_on_one_line(value, expected) -> None:
    assert one_line(value) == expected
