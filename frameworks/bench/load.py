"""Load: simulated officers saving and submitting returns against gunicorn and PostgreSQL.

`run()` creates a throwaway PostgreSQL database on 127.0.0.1:5432, migrates and seeds it (a plan
built from the council papers' vocabulary, two closed rounds and one open round, one post per
officer), serves it with gunicorn on a free loopback port, and lets `officers` threads sign in and
then, for `seconds`, open their returns, autosave, save and submit them through the real pages.
Afterwards it checks in the database, with plain SQL, that every acknowledged write is there
(no lost updates) and that each milestone has one return in the round (no duplicates). The server
and the database are removed at the end, whatever happens.

The server runs with the production settings (DEBUG off). The client talks plain HTTP to
gunicorn as a TLS-terminating proxy would: `X-Forwarded-Proto: https` with
`DJANGO_SECURE_PROXY_SSL_HEADER=1`, one connection per request, no keep-alive.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from frameworks.bench import percentile

BASE_DIR = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
GOALS = {"errors": 0, "lost_updates": 0, "p95_ms": 300}
REQUEST_TIMEOUT = 20.0  # seconds, per request
SIGN_IN_TIMEOUT = 60.0  # seconds, per sign-in request: 50 at once queue for PBKDF2 on 2 cores
LOGIN_TIMEOUT = 180.0  # seconds for every officer to sign in
AUTOSAVE_SHARE = 0.5  # of visits that autosave once before the explicit save or submit
SUBMIT_SHARE = 0.25  # of explicit saves that are submissions
TOKEN_RE = re.compile(r"LT-o(\d+)-u(\d+)-s(\d+)")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INPUT_RE = re.compile(r"<input\b[^>]*>")
VALUE_RE = re.compile(r'\bvalue="(\d+)"')
CONFLICT_PAGE = "Someone else saved this return"
CONFLICT_AUTOSAVE = "someone else changed this return"
AUTOSAVED = "Draft saved automatically"


# Database ------------------------------------------------------------------------------------
def _pg(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(
        host=HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=3, autocommit=True
    )


def _pg_reachable() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with _pg() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def _create_database(name: str) -> None:
    with _pg() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    with _pg() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(officers: int, password_hash: str) -> dict:
    """In a child process with DATABASE_URL set: the plan, the officers and the open round.

    Each officer holds one post; each post leads 7 milestones, of which about 5 are still open
    (the rest were approved as Completed in a closed round) and so get a return."""
    from django.contrib.auth import get_user_model

    from frameworks.bench.data import make_framework, quarter_labels, vocabulary
    from frameworks.importers.parsing import quarter_dates
    from frameworks.models import Post, ProgressUpdate
    from frameworks.services.periods import reporting_period_create, reporting_period_open

    titles = vocabulary()["posts"]
    names = [
        titles[n % len(titles)] + (f" ({n // len(titles) + 1})" if n >= len(titles) else "")
        for n in range(officers)
    ]
    posts = Post.objects.bulk_create([Post(title=name) for name in names])
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"load-officer-{n:03d}", password=password_hash)
            for n in range(officers)
        ]
    )
    Post.holders.through.objects.bulk_create(
        [
            Post.holders.through(post_id=post.pk, user_id=user.pk)
            for post, user in zip(posts, users, strict=True)
        ]
    )
    framework = make_framework(name="Load test plan", milestones=officers * 7, posts=posts)
    label = quarter_labels(3)[-1]
    start, end = quarter_dates(label)
    period = reporting_period_create(
        framework=framework, label=label, start_date=start, end_date=end, due_date=end
    )
    period = reporting_period_open(period=period, user=None, expected_version=None)
    returns: dict[str, list[int]] = {user.username: [] for user in users}
    rows = ProgressUpdate.objects.filter(period=period).values_list(
        "pk", "milestone__leads__post__holders__username"
    )
    for pk, username in rows.order_by("pk"):
        returns[username].append(pk)
    return {"period_id": period.pk, "returns": returns}


def _manage(args: list[str], env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def _prepare(env: dict, officers: int, password: str) -> dict:
    """Migrate and seed the new database, each in a child process pointed at it."""
    _manage(["migrate", "--no-input", "-v0"], env)
    code = (
        "import json, os, sys, django; django.setup()\n"
        "from django.contrib.auth.hashers import make_password\n"
        "from frameworks.bench.load import _seed\n"
        "seeded = _seed(int(sys.argv[1]), make_password(os.environ['LOAD_PASSWORD']))\n"
        "print('SEEDED ' + json.dumps(seeded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(officers)],
        cwd=BASE_DIR,
        env={**env, "LOAD_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=600,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("SEEDED ")), None)
    if result.returncode or line is None:
        raise RuntimeError(f"seeding failed:\n{result.stderr[-3000:]}")
    return json.loads(line.removeprefix("SEEDED "))


# Static files --------------------------------------------------------------------------------
def bench_wsgi():
    """gunicorn entry used only when the settings cannot be told where STATIC_ROOT is: the
    project's own WSGI application with STATIC_ROOT moved to this run's temporary directory, so
    the load run never writes the repository's `staticfiles/`."""
    from django.conf import settings

    settings.STATIC_ROOT = os.environ["LOAD_STATIC_ROOT"]
    from tracker.wsgi import application

    return application


def _collectstatic(env: dict, static_root: str) -> str:
    """DEBUG off serves hashed names from the manifest, so collect the files as production
    does, into a temporary STATIC_ROOT. Returns the gunicorn application to serve."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STATIC_ROOT)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if probe.returncode:
        raise RuntimeError(f"settings do not load:\n{probe.stderr[-3000:]}")
    if Path(probe.stdout.strip()) == Path(static_root):
        _manage(["collectstatic", "--no-input", "-v0"], env)
        return "tracker.wsgi"
    code = (
        "import django; from frameworks.bench.load import bench_wsgi; bench_wsgi()\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"collectstatic failed:\n{result.stderr[-3000:]}")
    return "frameworks.bench.load:bench_wsgi()"


# Server --------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _start_gunicorn(app: str, env: dict, port: int, workers: int, threads: int, log: Path):
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread",
        "--timeout", "30",
        "--graceful-timeout", "5",
        "--log-level", "warning",
        "--error-logfile", "-",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{_tail(log)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
            status = conn.getresponse().status
            conn.close()
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return process
        raise RuntimeError(f"gunicorn answered {status} to the sign-in page:\n{_tail(log)}")
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{_tail(log)}")


def _stop(process) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group started for this server only
        process.wait(timeout=5)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# CPU accounting ------------------------------------------------------------------------------
def _proc_cpu(pid: int) -> float | None:
    """User and system CPU seconds of one process (Linux /proc), None when it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuSampler(threading.Thread):
    """Once a second, the CPU used by gunicorn (master and workers), by this database's
    PostgreSQL backends, by this process (the simulated officers) and by the whole machine, so
    a slow run on a busy machine says so. Linux only; elsewhere the figures are left out."""

    def __init__(self, server_pid: int, database: str) -> None:
        super().__init__(name="cpu-sampler", daemon=True)
        self.server_pid = server_pid
        self.database = database
        self.stop = threading.Event()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self.available = Path("/proc/stat").exists()
        self.machine = self.client = (0.0, 0.0)

    def _pids(self) -> dict[int, str]:
        pids = {self.server_pid: "gunicorn"}
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children")
            pids.update({int(pid): "gunicorn" for pid in children.read_text().split()})
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    title = (entry / "cmdline").read_bytes()
                    if title.startswith(b"postgres: ") and self.database.encode() in title:
                        pids[int(entry.name)] = "postgres"
        return pids

    def sample(self) -> None:
        for pid, kind in self._pids().items():
            used = _proc_cpu(pid)
            if used is not None:
                self.first.setdefault(pid, 0.0 if pid not in self.kind else used)
                self.kind.setdefault(pid, kind)
                self.last[pid] = used

    def begin(self) -> None:
        if not self.available:
            return
        for pid, kind in self._pids().items():  # what they used before the run does not count
            used = _proc_cpu(pid)
            if used is not None:
                self.first[pid], self.last[pid], self.kind[pid] = used, used, kind
        self.machine = (_machine_busy(), 0.0)
        self.client = (time.process_time(), 0.0)
        self.start()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.sample()

    def end(self) -> None:
        if not self.available or not self.is_alive():
            return
        self.stop.set()
        self.join()
        self.sample()
        self.machine = (self.machine[0], _machine_busy())
        self.client = (self.client[0], time.process_time())

    def figures(self, seconds: float, requests: int) -> dict:
        if not self.available or not seconds:
            return {}
        used = {"gunicorn": 0.0, "postgres": 0.0}
        for pid, kind in self.kind.items():
            used[kind] += self.last[pid] - self.first[pid]
        client = self.client[1] - self.client[0]
        machine = self.machine[1] - self.machine[0]
        cores = os.cpu_count() or 1
        return {
            "cores": cores,
            "machine_busy_share": round(machine / (seconds * cores), 2),
            "gunicorn_seconds": round(used["gunicorn"], 1),
            "postgres_seconds": round(used["postgres"], 1),
            "officers_seconds": round(client, 1),
            "other_processes_seconds": round(
                max(machine - used["gunicorn"] - used["postgres"] - client, 0.0), 1
            ),
            "gunicorn_ms_per_request": round(used["gunicorn"] * 1000 / requests, 1)
            if requests
            else 0.0,
            "postgres_ms_per_request": round(used["postgres"] * 1000 / requests, 1)
            if requests
            else 0.0,
        }


# Client --------------------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    location: str
    text: str


class Browser:
    """One officer's browser: cookies (kept whatever their Secure flag, as the TLS proxy would
    see them), a new connection per request, every request timed."""

    def __init__(self, port: int, record) -> None:
        self.port = port
        self.origin = f"https://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.record = record

    def request(
        self, kind: str, method: str, path: str, data=None, headers=None, timeout=REQUEST_TIMEOUT
    ) -> Response:
        send = {
            "X-Forwarded-Proto": "https",
            "Connection": "close",
            "User-Agent": "action-tracker-load/1",
        }
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
            send["Origin"] = self.origin
            send["Referer"] = self.origin + path
        send.update(headers or {})
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=send)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            self.record(kind, None, (time.perf_counter() - started) * 1000, repr(exc))
            raise
        finally:
            conn.close()
        self.record(kind, response.status, (time.perf_counter() - started) * 1000, None)
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(response.status, response.getheader("Location") or "", text)


def _csrf(text: str) -> str:
    match = CSRF_RE.search(text)
    return match.group(1) if match else ""


def _version(text: str) -> int | None:
    for tag in INPUT_RE.findall(text):
        if 'name="version"' in tag:
            match = VALUE_RE.search(tag)
            return int(match.group(1)) if match else None
    return None


@dataclass
class ReturnLog:
    """What the server said about each write to one return, in the order they were sent."""

    acked_seq: int = 0
    acked_action: str = ""
    acked_writes: int = 0
    unknown: set[int] = field(default_factory=set)  # writes that failed in flight


class UnexpectedResponse(Exception):
    pass


class Officer(threading.Thread):
    def __init__(self, n, username, password, returns, port, narratives, state, think):
        super().__init__(name=f"officer-{n}", daemon=True)
        self.n = n
        self.username = username
        self.password = password
        self.returns = returns
        self.narratives = narratives
        self.run_state = state
        self.think_mean = think
        self.rng = random.Random(n)  # the same choices every run
        self.samples: list[tuple[str, int | None, float, bool]] = []
        self.errors: list[str] = []
        self.conflicts = 0
        self.logs = {pk: ReturnLog() for pk in returns}
        self.logged_in = False
        self.ready = threading.Event()
        self.browser = Browser(port, self._record)
        self.seq = 0

    # Bookkeeping -------------------------------------------------------------------------
    def _record(self, kind, status, ms, problem) -> None:
        timed = self.run_state.go.is_set()
        self.samples.append((kind, status, ms, timed))
        if problem:
            self.errors.append(f"{kind}: {problem}")

    def _fail(self, kind: str, response: Response, why: str) -> None:
        snippet = " ".join(response.text[:200].split())
        self.errors.append(f"{kind}: HTTP {response.status} {why} {snippet}".strip())

    def _think(self) -> bool:
        """Pause like someone reading and typing; False once the run is over."""
        pause = self.rng.uniform(0.5, 1.5) * self.think_mean
        remaining = self.run_state.deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.run_state.stop.wait(min(pause, remaining))
        return self._going()

    def _going(self) -> bool:
        return not self.run_state.stop.is_set() and time.monotonic() < self.run_state.deadline

    # The officer ---------------------------------------------------------------------------
    def run(self) -> None:
        visits = self.returns[:]
        self.rng.shuffle(visits)
        try:
            self._login()
            if self.logged_in and visits:  # then open a return, as people do (warms workers)
                page = self.browser.request("warm-up", "GET", f"/returns/{visits[-1]}/")
                if page.status != 200:
                    self._fail("warm-up", page, "opening a return")
        except (OSError, http.client.HTTPException):
            pass  # recorded by Browser.request as an error
        except Exception as exc:  # a client bug: reported as an error, the run goes on
            self.errors.append(f"login: {exc!r}")
        finally:
            self.ready.set()
        if not self.logged_in:
            return
        self.run_state.go.wait()
        # People do not start in step: each begins somewhere in their first pause.
        self.run_state.stop.wait(self.rng.uniform(0, self.think_mean))
        index = 0
        while self._going() and visits:
            pk = visits[index % len(visits)]
            index += 1
            try:
                self._visit(pk)
            except (OSError, http.client.HTTPException):
                pass  # recorded by Browser.request as an error
            except UnexpectedResponse:
                pass  # recorded by _fail
            except Exception as exc:  # a client bug must not hang the run
                self.errors.append(f"client: {exc!r}")

    def _login(self) -> None:
        page = self.browser.request("login", "GET", "/accounts/login/", timeout=SIGN_IN_TIMEOUT)
        if page.status != 200:
            self._fail("login", page, "on the sign-in page")
            return
        data = {
            "csrfmiddlewaretoken": _csrf(page.text),
            "username": self.username,
            "password": self.password,
            "next": "",
        }
        answer = self.browser.request(
            "login", "POST", "/accounts/login/", data, timeout=SIGN_IN_TIMEOUT
        )
        if answer.status != 302 or "sessionid" not in self.browser.cookies:
            self._fail("login", answer, "signing in")
            return
        location = urlsplit(answer.location).path or "/"
        for _ in range(3):  # "/" then "Your returns", as a browser follows them
            page = self.browser.request("login", "GET", location, timeout=SIGN_IN_TIMEOUT)
            if page.status != 302:
                break
            location = urlsplit(page.location).path
        if page.status != 200:
            self._fail("login", page, "after signing in")
            return
        self.logged_in = True

    def _token(self, pk: int) -> tuple[int, str]:
        self.seq += 1
        return self.seq, f"LT-o{self.n:03d}-u{pk}-s{self.seq:06d}"

    def _fields(self, token: str, *, submitting: bool) -> dict:
        narrative = self.rng.choice(self.narratives)
        fields = {
            "narrative": f"{narrative}\n\n[{token}]",
            "rag": "ONGOING" if submitting else self.rng.choice(["IN_PROGRESS", "ONGOING", ""]),
            "new_deadline": self.rng.choice(["", "", "March 2031"]),
            "percent_complete": str(self.rng.randint(0, 100)),
        }
        return fields

    def _visit(self, pk: int) -> None:
        path = f"/returns/{pk}/"
        page = self.browser.request("open", "GET", path)
        if page.status != 200:
            self._fail("open", page, path)
            raise UnexpectedResponse
        csrf, version = _csrf(page.text), _version(page.text)
        if not csrf or version is None:
            self._fail("open", page, "no form on the page")
            raise UnexpectedResponse
        autosave = f'hx-post="/returns/{pk}/autosave/"' in page.text
        log = self.logs[pk]
        if not self._think():
            return
        if autosave and self.rng.random() < AUTOSAVE_SHARE:
            seq, token = self._token(pk)
            data = {"csrfmiddlewaretoken": csrf, "version": version}
            data.update(self._fields(token, submitting=False))
            headers = {
                "HX-Request": "true",
                "HX-Trigger": f"update-{pk}",
                "HX-Target": "autosave-status",
                "HX-Current-URL": self.browser.origin + path,
            }
            log.unknown.add(seq)  # until the server says saved or refused
            answer = self.browser.request("autosave", "POST", f"{path}autosave/", data, headers)
            if answer.status == 200 and AUTOSAVED in answer.text:
                log.unknown.discard(seq)
                log.acked_seq, log.acked_action = seq, "save"
                log.acked_writes += 1
                version = _version(answer.text)
                if version is None:
                    self._fail("autosave", answer, "saved but sent no new version")
                    raise UnexpectedResponse
            elif answer.status == 200 and CONFLICT_AUTOSAVE in answer.text:
                log.unknown.discard(seq)
                self.conflicts += 1
                return
            else:
                self._fail("autosave", answer, "not saved")
                raise UnexpectedResponse
            if not self._think():
                return
        submitting = self.rng.random() < SUBMIT_SHARE
        kind = "submit" if submitting else "save"
        seq, token = self._token(pk)
        data = {"csrfmiddlewaretoken": csrf, "version": version, "action": kind}
        data.update(self._fields(token, submitting=submitting))
        log.unknown.add(seq)
        answer = self.browser.request(kind, "POST", path, data)
        expected = "/returns/" if submitting else path
        if answer.status == 302 and urlsplit(answer.location).path == expected:
            log.unknown.discard(seq)
            log.acked_seq, log.acked_action = seq, kind
            log.acked_writes += 1
        elif answer.status == 200 and CONFLICT_PAGE in answer.text:
            log.unknown.discard(seq)
            self.conflicts += 1
            return
        else:
            self._fail(kind, answer, f"to {path}")
            raise UnexpectedResponse
        after = self.browser.request(f"after {kind}", "GET", expected)
        if after.status != 200:
            self._fail(f"after {kind}", after, expected)
            raise UnexpectedResponse
        self._think()


@dataclass
class RunState:
    go: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    deadline: float = float("inf")


# Verification --------------------------------------------------------------------------------
def _verify(database: str, period_id: int, officers: list[Officer], expected_rows: int) -> dict:
    """Compare what the server acknowledged with what PostgreSQL holds, in plain SQL."""
    with _pg(database) as conn:
        rows = conn.execute(
            "SELECT id, narrative, version, state FROM frameworks_progressupdate "
            "WHERE period_id = %s",
            [period_id],
        ).fetchall()
        duplicated = conn.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n "
            "FROM frameworks_progressupdate GROUP BY milestone_id, period_id) AS per_return"
        ).fetchone()[0]
    stored = {pk: (narrative, version, state) for pk, narrative, version, state in rows}
    lost = version_mismatches = state_mismatches = unacknowledged_applied = 0
    examples: list[str] = []
    for officer in officers:
        for pk, log in officer.logs.items():
            narrative, version, state = stored.get(pk, ("", None, None))
            tokens = [int(m.group(3)) for m in TOKEN_RE.finditer(narrative)]
            found = tokens[-1] if tokens else 0
            if log.acked_seq and found != log.acked_seq:
                if found > log.acked_seq and found in log.unknown:
                    pass  # a later write whose answer was lost in flight: it did land
                elif found < log.acked_seq:
                    lost += 1
                    if len(examples) < 5:
                        examples.append(f"return {pk}: acknowledged s{log.acked_seq}, has s{found}")
                else:
                    unacknowledged_applied += 1
            elif not log.acked_seq and found and found not in log.unknown:
                unacknowledged_applied += 1
            if version is not None:
                applied = version - 1  # every write adds one to the version, which starts at 1
                if not log.acked_writes <= applied <= log.acked_writes + len(log.unknown):
                    version_mismatches += 1
            if log.acked_seq and not log.unknown:
                expected_state = "SUBMITTED" if log.acked_action == "submit" else "DRAFT"
                if state != expected_state:
                    state_mismatches += 1
    return {
        "returns": len(stored),
        "missing_returns": max(expected_rows - len(stored), 0),
        "lost_updates": lost,
        "duplicated_updates": int(duplicated),
        "version_mismatches": version_mismatches,
        "state_mismatches": state_mismatches,
        "unacknowledged_writes_applied": unacknowledged_applied,
        "lost_examples": examples,
    }


# Figures -------------------------------------------------------------------------------------
def _latency(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": round(max(values), 1) if values else 0.0,
    }


def run(
    *,
    seconds: int = 60,
    officers: int = 50,
    quick: bool = False,
    workers: int = 3,
    threads: int = 4,
    think: float | None = None,
) -> dict:
    """Run the load test; see the module docstring.

    `think` is the mean pause in seconds between an officer's steps (uniform between half and
    one and a half times it). By default it is the autosave delay, TRACKER_AUTOSAVE_SECONDS
    (3 s): the page autosaves that long after the last keystroke, so an officer at work sends
    at most about one request per interval. Pass `think=1` for a stress run (on 2 cores that
    offers more than the server can serve, so latency is then mostly queueing)."""
    if quick:
        seconds, officers = 10, 10
    if think is None:
        from django.conf import settings

        think = float(settings.TRACKER_AUTOSAVE_SECONDS)
    if not _pg_reachable():
        return {"skipped": f"PostgreSQL is not reachable on {HOST}:{PG_PORT}"}
    from frameworks.bench.data import vocabulary

    narratives = vocabulary()["narratives"]
    database = f"action_tracker_load_{os.getpid()}"
    password = secrets.token_urlsafe(18)
    server = None
    officer_threads: list[Officer] = []
    state = RunState()
    sampler: CpuSampler | None = None
    with tempfile.TemporaryDirectory(prefix="action-tracker-load-") as workdir:
        static_root = str(Path(workdir) / "static")
        log = Path(workdir) / "gunicorn.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DATABASE_URL": f"postgres://{PG_USER}@{HOST}:{PG_PORT}/{database}",
            "DJANGO_SECRET_KEY": "bench",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
            "DJANGO_STATIC_ROOT": static_root,
            "LOAD_STATIC_ROOT": static_root,
            "PYTHONUNBUFFERED": "1",
        }
        try:
            _create_database(database)
            setup_started = time.perf_counter()
            seeded = _prepare(env, officers, password)
            app = _collectstatic(env, static_root)
            port = _free_port()
            server = _start_gunicorn(app, env, port, workers, threads, log)
            setup_seconds = time.perf_counter() - setup_started
            returns = seeded["returns"]
            for n, username in enumerate(sorted(returns)):
                officer_threads.append(
                    Officer(
                        n, username, password, returns[username], port, narratives, state, think
                    )
                )
            login_started = time.monotonic()
            for officer in officer_threads:
                officer.start()
            for officer in officer_threads:
                officer.ready.wait(max(0.0, LOGIN_TIMEOUT - (time.monotonic() - login_started)))
            login_seconds = time.monotonic() - login_started
            sampler = CpuSampler(server.pid, database)
            sampler.begin()
            started = time.monotonic()
            state.deadline = started + seconds
            state.go.set()
            for officer in officer_threads:
                officer.join(timeout=max(0.0, state.deadline - time.monotonic()) + 60)
            elapsed = time.monotonic() - started
            sampler.end()
            state.stop.set()
            hung = sum(officer.is_alive() for officer in officer_threads)
            _stop(server)
            server_log = _tail(log, 200)
            server = None
            checks = _verify(
                database,
                seeded["period_id"],
                officer_threads,
                sum(len(pks) for pks in returns.values()),
            )
        finally:
            state.stop.set()
            state.go.set()
            if sampler is not None:
                sampler.stop.set()
            _stop(server)
            with contextlib.suppress(Exception):
                _drop_database(database)

    timed = [s for o in officer_threads for s in o.samples if s[3]]
    logins = [s for o in officer_threads for s in o.samples if not s[3] and s[0] == "login"]
    latencies = [ms for _, _, ms, _ in timed]
    error_lines = [e for o in officer_threads for e in o.errors]
    by_kind: dict[str, list[float]] = {}
    for kind, _, ms, _ in timed:
        by_kind.setdefault(kind, []).append(ms)
    statuses: dict[str, int] = {}
    for _, status, _, _ in timed + logins:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    errors = len(error_lines) + hung + checks["missing_returns"]
    return {
        "seconds": round(elapsed, 1),
        "officers": len(officer_threads),
        "returns": checks["returns"],
        "think_seconds": think,
        "requests": len(timed),
        "requests_per_second": round(len(timed) / elapsed, 1) if elapsed else 0.0,
        "writes_acknowledged": sum(
            log.acked_writes for o in officer_threads for log in o.logs.values()
        ),
        "errors": errors,
        "conflicts": sum(o.conflicts for o in officer_threads),
        "lost_updates": checks["lost_updates"],
        "duplicated_updates": checks["duplicated_updates"],
        "version_mismatches": checks["version_mismatches"],
        "state_mismatches": checks["state_mismatches"],
        "unacknowledged_writes_applied": checks["unacknowledged_writes_applied"],
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
        "by_kind": {kind: _latency(values) for kind, values in sorted(by_kind.items())},
        "login": {**_latency([ms for _, _, ms, _ in logins]), "seconds": round(login_seconds, 1)},
        "statuses": statuses,
        "error_examples": error_lines[:5] + checks["lost_examples"],
        "server_errors_logged": server_log.count("Traceback"),
        "cpu": sampler.figures(elapsed, len(timed)),
        "setup_seconds": round(setup_seconds, 1),
        "gunicorn": {"workers": workers, "threads": threads, "worker_class": "gthread"},
        "goals": dict(GOALS),
    }
