"""Officers' and spreadsheets' text made safe to store: `clean_text` and `one_line`.

Every piece of text the tracker reads from a cell or a form (a deadline, a status word, a
narrative) goes through these before a rule reads it. Plain Python, no Django.

May import: the standard library only. Imported by the rest of the domain and the importers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urlsplit

__all__ = ["REPEATED_CELLS", "clean_text", "one_line"]

# Short cells repeat down a sheet (a plan has a few dozen leads, deadline words and status words),
# and reading them is a pure function of the cell: each distinct value is read once per process.
REPEATED_CELLS: Final = 4096

# Private-use characters mark breaks while the HTML is walked; real input never keeps them
# because `_sanitise` removes the private-use block first.
_PARA: Final = "\ue000"
_LINE: Final = "\ue001"
_BLOCK_TAGS: Final = frozenset(
    {
        "p", "div", "ul", "ol", "table", "tr", "blockquote", "section", "article", "header",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "dl",
    }
)  # fmt: skip
_LINE_TAGS: Final = frozenset({"li", "dt", "dd"})
_SKIP_TAGS: Final = frozenset({"script", "style", "template", "head", "title"})
_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ue000-\uf8ff]")
_NEEDS_PARSING: Final = re.compile(r"[<&\n\r•\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ue000-\uf8ff]")
_LINK_SCHEMES: Final = frozenset({"http", "https", "mailto"})
_C0_AND_SPACE: Final = "".join(map(chr, range(0x21)))


def _sanitise(text: str) -> str:
    """Drop control and private-use characters and normalise line endings."""
    return _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _safe_href(raw: str | None) -> str | None:
    """The href if it is an absolute http(s) or mailto link, else None (the link is dropped)."""
    if not raw:
        return None
    # As browsers do (WHATWG URL parsing): strip leading/trailing controls and spaces, drop tabs
    # and newlines anywhere ("java\tscript:" is javascript:), and encode inner spaces.
    href = re.sub(r"[\t\n\r]", "", raw.strip(_C0_AND_SPACE))
    href = re.sub(r"[\x00-\x1f\x7f]", "", href).replace(" ", "%20")
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _LINK_SCHEMES:
        return None
    if scheme in {"http", "https"} and not parts.netloc:
        return None
    if scheme == "mailto" and not parts.path:
        return None
    return href


def _comparable_url(value: str) -> str:
    value = value.strip().casefold()
    value = re.sub(r"^(?:https?://|mailto:)", "", value)
    value = re.sub(r"^www\.", "", value)
    return value.rstrip("/")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._list_depth = 0
        self._anchors: list[tuple[str | None, int]] = []

    # Helpers ------------------------------------------------------------------------------
    def _glue(self) -> None:
        """Remove whitespace before a superscript so "5 <sup>th</sup>" reads "5th"."""
        for index in range(len(self.parts) - 1, -1, -1):
            part = self.parts[index]
            if part in (_PARA, _LINE):
                return
            stripped = part.rstrip()
            self.parts[index] = stripped
            if stripped:
                return

    def _close_anchor(self) -> None:
        href, start = self._anchors.pop()
        if href is None:
            return
        inner = [part for part in self.parts[start:] if part not in (_PARA, _LINE)]
        anchor_text = " ".join("".join(inner).split())
        shown = href[len("mailto:") :] if href.lower().startswith("mailto:") else href
        if not anchor_text or _comparable_url(anchor_text) == _comparable_url(href):
            self.parts[start:] = [shown]
        else:
            self.parts.append(f" ({shown})")

    # HTMLParser hooks -----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "br" or tag in _BLOCK_TAGS:
            self.parts.append(_PARA)
            if tag in {"ul", "ol", "dl"}:
                self._list_depth += 1
        elif tag in _LINE_TAGS:
            self.parts.extend([_LINE, "• " if tag == "li" else ""])
        elif tag in {"sup", "sub"}:
            self._glue()
        elif tag == "a":
            self._anchors.append((_safe_href(dict(attrs).get("href")), len(self.parts)))
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(_PARA)
            if tag in {"ul", "ol", "dl"}:
                self._list_depth = max(0, self._list_depth - 1)
        elif tag in _LINE_TAGS:
            self.parts.append(_LINE)
        elif tag == "a" and self._anchors:
            self._close_anchor()
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if "\n" in data and not data.strip() and self._list_depth:
            # Source formatting between list items, not a paragraph break.
            self.parts.append(" ")
            return
        pieces = re.split(r"\n+", data)
        for index, piece in enumerate(pieces):
            if index:
                self.parts.append(_PARA)
            self.parts.append(piece)

    def close(self) -> None:
        super().close()
        while self._anchors:
            self._close_anchor()


def clean_text(value: object) -> str:
    """Turn a cell that may contain HTML into plain text that is safe to store.

    * every tag is removed and entities are unescaped (`&amp;` → `&`); `<script>`/`<style>`
      content is dropped, as are control and private-use characters;
    * `<p>`, `<br>`, block tags and newlines already in the text become paragraph breaks
      (a blank line, "\\n\\n"); `<li>` items become lines starting "• ";
    * other runs of whitespace collapse to one space;
    * superscripts attach to the word before: "5 <sup>th</sup>" → "5th";
    * an http(s) or mailto anchor is kept as a link: written as its URL when the anchor text is
      the URL (ignoring the scheme and "www."), else as "text (URL)"; any other href
      (`javascript:`, relative, `data:` …) is dropped and only the anchor text kept.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # Word's Symbol-font bullets survive some PDF/Word exports as private-use characters.
    if not _NEEDS_PARSING.search(text):
        # The common case (plain text on one line): no markup, entities, breaks or bullets.
        return " ".join(text.split())
    text = _sanitise(text.replace("\uf0b7", "•").replace("\uf0a7", "•"))
    if not text.strip():
        return ""
    if "<" not in text and not _ENTITY.search(text):
        # No markup and no entities (most multi-line cells): the parser would only turn line
        # breaks into paragraph breaks, so do just that.
        return _paragraphs(_PARA.join(re.split(r"\n+", text)))
    # Escaped angle brackets (&lt;new action&gt;) are text the author meant to show: park them
    # so that only real markup is stripped, then give them back as plain characters.
    text = _ESCAPED_LT.sub(_LT_MARK, _ESCAPED_GT.sub(_GT_MARK, text))
    # Stripping can assemble new markup from the pieces ("<<b>script>" → "<script>"), so strip
    # until nothing changes (three passes are plenty for real cells; the cap bounds the work).
    for _ in range(3):
        stripped = _strip_markup(text)
        if stripped == text or not _MARKUP_LEFT.search(stripped):
            text = stripped
            break
        text = stripped
    else:
        text = _MARKUP_LEFT.sub("", text)
    return _paragraphs(text).replace(_LT_MARK, "<").replace(_GT_MARK, ">")


_ENTITY: Final = re.compile(r"&[#a-zA-Z]")
_LT_MARK: Final = "\ue0f1"
_GT_MARK: Final = "\ue0f2"
_ESCAPED_LT: Final = re.compile(r"&(?:lt|#0*60|#x0*3c);", re.IGNORECASE)
_ESCAPED_GT: Final = re.compile(r"&(?:gt|#0*62|#x0*3e);", re.IGNORECASE)
_MARKUP_LEFT: Final = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>?")


def _strip_markup(text: str) -> str:
    """One pass of the HTML parser; an unterminated tag at the end is dropped, as browsers do."""
    text = re.sub(r"<[a-zA-Z/!?][^<>]*$", "", text)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _paragraphs(joined: str) -> str:
    out: list[str] = []
    pending: str | None = None
    for token in re.split(f"([{_PARA}{_LINE}])", joined):
        if token == _PARA:
            pending = _PARA
        elif token == _LINE:
            pending = pending or _LINE
        else:
            segment = " ".join(token.split())
            if not segment or segment == "•":
                continue
            if out:
                out.append("\n\n" if pending == _PARA else "\n" if pending == _LINE else " ")
            out.append(segment)
            pending = None
    return "".join(out)


def one_line(value: object) -> str:
    """`clean_text`, then every run of whitespace (line breaks too) as one space."""
    return " ".join(clean_text(value).split())
