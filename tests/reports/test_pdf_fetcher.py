"""WeasyPrint loads nothing for a board report but the app's own static files: no http(s), no
file outside static/ (neither by `..` nor by a symbolic link), no data: URI (the report uses
none). A refused URL is logged by WeasyPrint and left out; the report still renders."""

import http.server
import logging
import threading
from pathlib import Path

import pytest

from frameworks.reports import render
from frameworks.reports.data import build_snapshot
from frameworks.reports.render import (
    PRINT_CSS_PATH,
    STATIC_DIR,
    RefusedURL,
    html_document,
    render_pdf,
    url_fetcher,
)
from tests.reports import test_board_report as board_report

# The demo framework and its Q2 2020-21 board report, as the board report's own tests make them.
demo = board_report.demo
report = board_report.report

STATIC = STATIC_DIR.as_uri()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://fonts.example.org/font.woff2",
        "ftp://example.org/x.css",
        "data:text/css,body{color:red}",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "file://example.org" + STATIC_DIR.as_posix() + "/report/print.css",  # another host
        STATIC + "/report/../../tracker/settings.py",
        STATIC + "/%2e%2e/tracker/settings.py",
        STATIC + "/../static-elsewhere/x.css",
        STATIC + "/report",  # a directory
        STATIC + "/report/no-such-file.css",
        STATIC + "/report/print.css%00.png",
        "report/print.css",  # not absolute: WeasyPrint joins relative URLs first
    ],
)
def test_the_fetcher_refuses_everything_but_a_static_file(url):
    with pytest.raises(RefusedURL):
        url_fetcher().fetch(url)


def test_the_fetcher_serves_a_file_under_static():
    for url in (PRINT_CSS_PATH.as_uri(), STATIC + "/report/../report/print.css"):
        response = url_fetcher().fetch(url)
        try:
            assert response.read() == PRINT_CSS_PATH.read_bytes()
            assert response.content_type == "text/css"
            assert response.url == PRINT_CSS_PATH.resolve().as_uri()
        finally:
            response.close()


def test_a_symbolic_link_out_of_static_is_refused(tmp_path, monkeypatch):
    static = tmp_path / "static"
    (static / "report").mkdir(parents=True)
    (static / "report" / "ok.css").write_text("p { color: black }")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the report")
    (static / "report" / "link.css").symlink_to(secret)
    (static / "linked-dir").symlink_to(tmp_path)
    sibling = tmp_path / "static-elsewhere" / "x.css"  # shares the name's start, not the folder
    sibling.parent.mkdir()
    sibling.write_text("p { color: red }")
    monkeypatch.setattr(render, "STATIC_DIR", static)

    assert url_fetcher().fetch((static / "report" / "ok.css").as_uri()).read() == (
        b"p { color: black }"
    )
    for url in (
        (static / "report" / "link.css").as_uri(),
        (static / "linked-dir" / "secret.txt").as_uri(),
        static.as_uri() + "/../static-elsewhere/x.css",
        sibling.as_uri(),
    ):
        with pytest.raises(RefusedURL):
            url_fetcher().fetch(url)


@pytest.fixture
def server():
    """A web server on 127.0.0.1 that counts the requests reaching it."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def hostile_html(base: str) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><title>t</title>
<link rel="stylesheet" href="{base}/linked.css">
<style>@import url("{base}/imported.css");
@font-face {{ font-family: X; src: url("{base}/font.woff2"); }}
body {{ background: url("{base}/background.png"); font-family: X; }}
p {{ background: url("file:///etc/passwd"); }}</style></head>
<body><p>Text</p><img src="{base}/image.png" alt="x"><object data="{base}/object.svg"></object>
</body></html>"""


def test_rendering_through_the_report_helper_fetches_nothing_from_the_web(
    server, caplog, monkeypatch
):
    base, requests = server
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    from weasyprint import HTML

    HTML(string=hostile_html(base)).render()  # WeasyPrint's own fetcher: the test can see it
    assert requests, "the control render should have reached the test server"
    requests.clear()

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_document(hostile_html(base)).write_pdf()

    assert pdf.startswith(b"%PDF-")
    assert requests == []
    refused = [r.getMessage() for r in caplog.records if "RefusedURL" in r.getMessage()]
    assert any(base in message for message in refused), refused
    assert any("/etc/passwd" in message for message in refused), refused


def test_the_report_renders_and_loads_nothing(report, caplog, monkeypatch):
    """The report's CSS is inline and its charts inline SVG: the fetcher is never asked for
    anything, so refusing the rest leaves nothing out. Same snapshot, same bytes."""
    asked: list[str] = []
    fetcher_class = render._static_fetcher_class()

    class Spy(fetcher_class):
        def fetch(self, url, headers=None):
            asked.append(url)
            return super().fetch(url, headers)

    made: list[object] = []

    def spy_fetcher():
        made.append(Spy())
        return made[-1]

    monkeypatch.setattr(render, "url_fetcher", spy_fetcher)
    snapshot = build_snapshot(report=report)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        first = render_pdf(snapshot)
    assert first.content.startswith(b"%PDF-") and first.pages > 3
    assert len(made) == 1 and asked == []  # render_pdf used the static-only fetcher
    assert not [r for r in caplog.records if "RefusedURL" in r.getMessage()]
    assert render_pdf(snapshot).content == first.content


def test_the_static_directory_is_the_apps():
    assert Path(__file__).resolve().parents[2] / "static" == STATIC_DIR
    assert PRINT_CSS_PATH.is_relative_to(STATIC_DIR)
