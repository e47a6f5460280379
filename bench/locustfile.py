"""Locust: council officers signing in and writing their quarterly returns.

Run by `bench/load.py` (the load suite of `make bench`), which seeds the database, starts two
gunicorns behind nginx (TLS) and two task workers, and runs, headless:

    locust -f bench/locustfile.py --headless -u 200 -r 50 -t 300s --host https://127.0.0.1:PORT

with these environment variables:

    LOAD_ACCOUNTS      JSON file: {username: [ids of the returns that officer writes]}
    LOAD_PASSWORD      every officer's password
    LOAD_SECONDS       length of the measured phase (after every officer has signed in)
    LOAD_THINK         mean pause between an officer's steps, in seconds
    LOAD_MAX_REQUESTS  the measured phase also ends after this many requests
    LOAD_SIGN_IN_TIMEOUT  seconds the officers have to sign in before the phase starts anyway
    LOAD_LOG           where to write, at the end, what the server acknowledged for each return

Each simulated officer holds one post and writes its returns. The journey: sign in (GET and POST
the sign-in form, follow the redirects to "Your returns", fetch the page's CSS and JavaScript
from nginx once), then, over and over: open the task list, open a return, autosave it (half of
the visits, as the page's htmx does after a pause in typing), save it as a draft or submit it
(a quarter of the saves), and follow the redirect. Pauses between steps are uniform between a
half and one and a half times LOAD_THINK (the autosave interval by default).

Locust's statistics are reset when every officer has signed in: its figures (and its CSV) are
the measured phase. Sign-in is timed apart (PBKDF2 with Django's iterations is meant to be
slow), in LOAD_LOG. At the end of the phase no officer starts another step; once the writes in
flight are answered the run quits. Every write carries a token `[LT-o<officer>-u<return>-s<n>]`
in its text, so `bench/load.py` can check in the database that every acknowledged save is there
exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

ACCOUNTS: dict[str, list[int]] = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text())
USERNAMES = sorted(ACCOUNTS)
PASSWORD = os.environ["LOAD_PASSWORD"]
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
THINK = float(os.environ.get("LOAD_THINK", "3"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "100000"))
SIGN_IN_TIMEOUT = float(os.environ.get("LOAD_SIGN_IN_TIMEOUT", "240"))
LOG = Path(os.environ["LOAD_LOG"])

AUTOSAVE_SHARE = 0.5  # of visits that autosave once before the explicit save or submit
SUBMIT_SHARE = 0.25  # of explicit saves that are submissions
DRAIN_SECONDS = 30  # at most, for the writes in flight at the end of the phase
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INPUT_RE = re.compile(r"<input\b[^>]*>")
VALUE_RE = re.compile(r'\bvalue="(\d+)"')
ASSET_RE = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')
AUTOSAVED = "Draft saved automatically"
CONFLICT = ("Someone else saved this return", "someone else changed this return")
NARRATIVES = (
    "Members briefed on the programme; ward surgeries held as planned.",
    "Draft guidance circulated to group leaders for comment.",
    "Training sessions scheduled for the new municipal year.",
)


@dataclass
class ReturnLog:
    """What the server said about one return's writes, in the order they were sent."""

    acked_seq: int = 0  # the last write the server acknowledged
    acked_action: str = ""  # "save" or "submit"
    acked_writes: int = 0
    unknown: list[int] = field(default_factory=list)  # sent, never answered


class Run:
    """The run's shared state (one process: locust's users are greenlets)."""

    order = itertools.count()
    signed_in = 0
    sign_in_failed = 0
    everyone_in = Event()
    stopping = Event()
    active = 0  # officers in the middle of a step
    started_at = 0.0  # time.monotonic()
    ended_at = 0.0
    measured_from = 0.0  # time.time(), for the CPU samples
    measured_to = 0.0
    measured_requests = 0
    stopped_by = ""
    sign_in_samples: list[tuple[str, float, bool]] = []
    logs: dict[int, ReturnLog] = {}
    problems: list[str] = []
    conflicts = 0
    environment = None


def _csrf(text: str) -> str:
    match = CSRF_RE.search(text)
    return match.group(1) if match else ""


def _version(text: str) -> str:
    for tag in INPUT_RE.findall(text):
        if 'name="version"' in tag:
            match = VALUE_RE.search(tag)
            return match.group(1) if match else ""
    return ""


class Officer(FastHttpUser):
    """One officer, their post's returns, and the journey above."""

    insecure = True  # nginx's certificate is self-signed, made for this run
    concurrency = 1  # one connection, kept alive, as a browser tab mostly uses
    network_timeout = 60.0
    connection_timeout = 60.0

    wait_time = constant(0)  # the pauses are in the journey, where the run can end them

    def on_start(self) -> None:
        self.n = next(Run.order)
        if self.n >= len(USERNAMES):
            raise StopUser  # more users than officers: the extra ones do nothing
        self.username = USERNAMES[self.n]
        self.returns = list(ACCOUNTS[self.username])
        self.rng = random.Random(self.n)  # the same choices every run
        self.rng.shuffle(self.returns)
        self.visits = itertools.cycle(self.returns)
        self.seq = 0
        self.origin = self.host.rstrip("/")
        for pk in self.returns:
            Run.logs.setdefault(pk, ReturnLog())
        try:
            ok = self._sign_in()
        except Exception as exc:  # a client bug must not hang the start of the run
            Run.problems.append(f"sign in {self.username}: {exc!r}")
            ok = False
        if ok:
            Run.signed_in += 1
        else:
            Run.sign_in_failed += 1
        expected = min(self.environment.parsed_options.num_users, len(USERNAMES))
        if Run.signed_in + Run.sign_in_failed >= expected:
            _begin_measuring(self.environment)
        if not ok:
            raise StopUser
        Run.everyone_in.wait()
        # People do not start in step: each begins somewhere in their first pause.
        self._pause()

    # Requests ------------------------------------------------------------------------------
    def _get(self, path: str, name: str, expect: int = 200):
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}, expected {expect}")
                return None
            response.success()
            return response

    def _post(self, path: str, name: str, data: dict, headers: dict | None = None):
        send = {"Origin": self.origin, "Referer": self.origin + path}
        send.update(headers or {})
        return self.client.post(
            path, name=name, data=data, headers=send, allow_redirects=False, catch_response=True
        )

    def _sign_in(self) -> bool:
        page = self._get("/accounts/login/", "sign in: form")
        if page is None:
            return False
        for asset in dict.fromkeys(ASSET_RE.findall(page.text)):  # a browser's first visit
            self._get(asset, "sign in: static file (nginx)")
        data = {
            "csrfmiddlewaretoken": _csrf(page.text),
            "username": self.username,
            "password": PASSWORD,
            "next": "",
        }
        with self._post("/accounts/login/", "sign in: password", data) as answer:
            if answer.status_code != 302:
                answer.failure(f"HTTP {answer.status_code} signing in")
                return False
            answer.success()
            location = urlsplit(answer.headers.get("Location", "/")).path or "/"
        for _ in range(3):  # "/" then "Your returns", as a browser follows them
            with self.client.get(
                location, name="sign in: redirect", allow_redirects=False, catch_response=True
            ) as page:
                if page.status_code == 302:
                    page.success()
                    location = urlsplit(page.headers.get("Location", "")).path
                    continue
                if page.status_code != 200:
                    page.failure(f"HTTP {page.status_code} after signing in")
                    return False
                page.success()
                return True
        return False

    # The journey ---------------------------------------------------------------------------
    def _pause(self) -> None:
        """Read and type; stop here once the measured phase is over."""
        remaining = Run.ended_at - time.monotonic() if Run.ended_at else SECONDS
        Run.stopping.wait(min(self.rng.uniform(0.5, 1.5) * THINK, max(remaining, 0.0)))
        if Run.stopping.is_set():
            raise StopUser

    def _token(self, pk: int) -> tuple[int, str]:
        self.seq += 1
        return self.seq, f"LT-o{self.n:03d}-u{pk}-s{self.seq:06d}"

    def _fields(self, token: str, *, submitting: bool) -> dict:
        return {
            "narrative": f"{self.rng.choice(NARRATIVES)}\n\n[{token}]",
            "rag": "ONGOING" if submitting else self.rng.choice(["IN_PROGRESS", "ONGOING", ""]),
            "new_deadline": self.rng.choice(["", "", "March 2031"]),
            "percent_complete": str(self.rng.randint(0, 100)),
        }

    def _write(self, pk: int, name: str, path: str, data: dict, headers=None):
        """Send one write; returns the response when the server acknowledged it."""
        seq, token = self._token(pk)
        data.update(self._fields(token, submitting=name == "submit"))
        log = Run.logs[pk]
        log.unknown.append(seq)  # until the server answers
        with self._post(path, name, data, headers) as answer:
            status, text = answer.status_code, answer.text or ""
            if status == 0:
                return None  # no answer: locust records the failure, the write stays unknown
            log.unknown.remove(seq)
            if any(words in text for words in CONFLICT):
                Run.conflicts += 1
                answer.failure("refused as a conflict, though nobody else edits this return")
                return None
            acknowledged = (
                status == 200 and AUTOSAVED in text
                if name == "autosave"
                else status == 302
                and urlsplit(answer.headers.get("Location", "")).path
                == ("/returns/" if name == "submit" else path)
            )
            if not acknowledged:
                answer.failure(f"HTTP {status}: not saved")
                return None
            answer.success()
            log.acked_seq, log.acked_writes = seq, log.acked_writes + 1
            log.acked_action = "submit" if name == "submit" else "save"
            return answer

    def visit(self) -> None:
        if not self.returns:
            return  # nothing to write this round: the officer only pauses
        pk = next(self.visits)
        path = f"/returns/{pk}/"
        if self._get("/returns/", "task list") is None:
            return
        self._pause()
        page = self._get(path, "open a return")
        if page is None:
            return
        csrf, version = _csrf(page.text), _version(page.text)
        if not csrf or not version:
            Run.problems.append(f"{path}: no form on the page")
            return
        self._pause()
        if f'hx-post="/returns/{pk}/autosave/"' in page.text and self.rng.random() < AUTOSAVE_SHARE:
            headers = {
                "HX-Request": "true",
                "HX-Trigger": f"update-{pk}",
                "HX-Target": "autosave-status",
                "HX-Current-URL": self.origin + path,
            }
            data = {"csrfmiddlewaretoken": csrf, "version": version}
            answer = self._write(pk, "autosave", f"{path}autosave/", data, headers)
            if answer is None:
                return
            version = _version(answer.text)
            if not version:
                Run.problems.append(f"{path}: autosaved but sent no new version")
                return
            self._pause()
        submitting = self.rng.random() < SUBMIT_SHARE
        name = "submit" if submitting else "save draft"
        action = "submit" if submitting else "save"
        data = {"csrfmiddlewaretoken": csrf, "version": version, "action": action}
        if self._write(pk, name, path, data) is None:
            return
        # The browser follows the redirect: the task list after submitting, else the return.
        self._get(
            "/returns/" if submitting else path, "task list" if submitting else "open a return"
        )

    @task
    def step(self) -> None:
        if Run.stopping.is_set():
            raise StopUser
        Run.active += 1
        try:
            self.visit()
        finally:
            Run.active -= 1
        self._pause()


def _begin_measuring(environment) -> None:
    """Every officer has signed in (or failed to): reset the statistics and start the clock."""
    if Run.everyone_in.is_set():
        return
    environment.stats.reset_all()
    Run.started_at = time.monotonic()
    Run.measured_from = time.time()
    Run.ended_at = Run.started_at + SECONDS
    Run.everyone_in.set()
    gevent.spawn(_end_after, environment, SECONDS)


def _end_after(environment, seconds: float) -> None:
    Run.stopping.wait(seconds)
    _stop(environment, "time")


def _stop(environment, reason: str) -> None:
    """No officer starts another step; once the writes in flight are answered, quit."""
    if Run.stopping.is_set():
        return
    Run.stopped_by = reason
    Run.ended_at = time.monotonic()
    Run.measured_to = time.time()
    Run.stopping.set()

    def drain() -> None:
        deadline = time.monotonic() + DRAIN_SECONDS
        while Run.active and time.monotonic() < deadline:
            gevent.sleep(0.1)
        gevent.sleep(1.5)  # locust's CSV writer writes once a second
        environment.runner.quit()

    gevent.spawn(drain)


@events.test_start.add_listener
def _sign_in_deadline(environment, **_kwargs) -> None:
    def wait() -> None:
        if not Run.everyone_in.wait(SIGN_IN_TIMEOUT):
            Run.problems.append(f"not everyone had signed in after {SIGN_IN_TIMEOUT:g} s")
            _begin_measuring(environment)

    gevent.spawn(wait)


@events.request.add_listener
def _count(name, response_time, exception, **_kwargs) -> None:
    if not Run.everyone_in.is_set():
        Run.sign_in_samples.append((name, response_time, exception is None))
        return
    Run.measured_requests += 1
    if Run.measured_requests >= MAX_REQUESTS and not Run.stopping.is_set():
        _stop(Run.environment, "requests")


@events.init.add_listener
def _keep_environment(environment, **_kwargs) -> None:
    Run.environment = environment


@events.quitting.add_listener
def _write_log(environment, **_kwargs) -> None:
    end = Run.ended_at or time.monotonic()
    LOG.write_text(
        json.dumps(
            {
                "measured_seconds": round(end - Run.started_at, 2) if Run.started_at else 0.0,
                "measured_from": Run.measured_from,
                "measured_to": Run.measured_to or time.time(),
                "measured_requests": Run.measured_requests,
                "stopped_by": Run.stopped_by,
                "signed_in": Run.signed_in,
                "sign_in_failed": Run.sign_in_failed,
                "sign_in_samples": Run.sign_in_samples,
                "conflicts": Run.conflicts,
                "problems": Run.problems,
                "still_active": Run.active,
                "returns": {str(pk): asdict(log) for pk, log in Run.logs.items()},
            }
        )
    )
