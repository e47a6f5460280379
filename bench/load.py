"""Load: officers (Locust, `bench/locustfile.py`) against two gunicorns behind nginx.

`run()` builds the production shape on this machine and measures it:

- a throwaway PostgreSQL database on 127.0.0.1:5432, migrated and seeded (a plan made from the
  council papers' vocabulary, two closed rounds and an open one; one post and one account per
  officer, each post leading 7 consecutive milestones, about 6 of them still open and so with a
  return);
- the static files collected as production does (hashed and compressed) into var/bench-load/;
- two gunicorn instances (`tracker.wsgi`, gthread) on loopback ports, with the production
  settings (DEBUG off) behind a TLS-terminating proxy (`DJANGO_SECURE_PROXY_SSL_HEADER=1`);
- Debian's nginx in front of them, from a config written to var/bench-load/nginx.conf: TLS with
  a certificate made for the run, an upstream of the two gunicorns (keep-alive), /static/ served
  from the collected files;
- two task workers (`manage.py db_worker`, django-tasks' database backend), as in production;
- Locust, headless, bounded in users, time and requests (see the locustfile for the journey).

Afterwards the database is checked with plain SQL against what the server acknowledged: every
officer's last acknowledged save is stored, exactly once, in its own return; versions and
states agree with the writes acknowledged; one return per milestone in the round. CPU used by
each part (gunicorns, nginx, workers, PostgreSQL, Locust) is sampled from /proc once a second.
Everything started is stopped and the database dropped at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
WORKDIR = BASE_DIR / "var" / "bench-load"
HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
GOALS = {"officers": 200, "errors": 0, "lost_saves": 0, "duplicated_saves": 0, "p95_ms": 200}
# Bounds of a run: users, the measured phase (after every officer has signed in) and requests.
FULL = {"officers": 200, "spawn_rate": 50, "seconds": 60, "max_requests": 60_000}
QUICK = {"officers": 20, "spawn_rate": 20, "seconds": 10, "max_requests": 5_000}
GUNICORNS = 2  # instances behind nginx
WORKERS, THREADS = 2, 4  # per gunicorn instance
TASK_WORKERS = 2
SIGN_IN_TIMEOUT = 240  # seconds for every officer to sign in (PBKDF2 queues on 2 cores)
TOKEN_RE = re.compile(r"\[LT-o\d+-u(\d+)-s(\d+)\]")


# PostgreSQL ------------------------------------------------------------------------------------
def pg(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(
        host=HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=3, autocommit=True
    )


def pg_reachable() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with pg() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def _drop_database(name: str) -> None:
    with pg() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Data --------------------------------------------------------------------------------------------
def seed(officers: int, password_hash: str) -> dict:
    """In a child process with DATABASE_URL set: the plan, the officers and the open round."""
    from django.contrib.auth import get_user_model

    from frameworks.importers.parsing import quarter_dates
    from frameworks.models import MilestonePost, Post, Return
    from frameworks.services.rounds import round_create, round_open
    from tests.builders import make_framework, quarter_labels, vocabulary

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
    # make_framework deals milestone i to post i mod n: with n a multiple of 8 (its status
    # cycle) every milestone of some posts would be Completed, leaving their officers no return.
    # Each post leads 7 consecutive milestones instead (about 6 still open).
    links = list(
        MilestonePost.objects.filter(milestone__framework=framework).order_by("milestone_id")
    )
    for index, link in enumerate(links):
        link.post_id = posts[index // 7].pk
    MilestonePost.objects.bulk_update(links, ["post"], batch_size=1000)
    label = quarter_labels(3)[-1]
    start, end = quarter_dates(label)
    round = round_create(
        framework=framework, label=label, start_date=start, end_date=end, due_date=end
    )
    round = round_open(round=round, user=None, expected_version=None)
    returns: dict[str, list[int]] = {user.username: [] for user in users}
    rows = Return.objects.filter(round=round).values_list(
        "pk", "milestone__leads__post__holders__username"
    )
    for pk, username in rows.order_by("pk"):
        returns[username].append(pk)
    return {"round_id": round.pk, "returns": returns}


def _manage(args: list[str], env: dict, timeout: int = 600) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def _prepare(env: dict, officers: int, password: str) -> dict:
    """Migrate and seed the new database, each in a child process pointed at it."""
    _manage(["migrate", "--no-input", "-v0"], env)
    code = (
        "import json, os, sys, django; django.setup()\n"
        "from django.contrib.auth.hashers import make_password\n"
        "from bench.load import seed\n"
        "seeded = seed(int(sys.argv[1]), make_password(os.environ['LOAD_PASSWORD']))\n"
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


# Processes ---------------------------------------------------------------------------------------
def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Processes:
    """The processes this run started, each in its own session, stopped in reverse order."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, command: list[str], env: dict, log: Path) -> subprocess.Popen:
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process, log))
        return process

    def check(self) -> None:
        for name, process, log in self.started:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{_tail(log)}")

    def pids(self, prefix: str) -> list[int]:
        return [p.pid for name, p, _ in self.started if name.startswith(prefix)]

    def stop(self) -> None:
        while self.started:
            name, process, _ = self.started.pop()
            if process.poll() is not None:
                continue
            # nginx stops gracefully on SIGQUIT; gunicorn and db_worker on SIGTERM.
            process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)  # the group started for it only
                process.wait(timeout=5)


def _wait_for(url: str, processes: Processes, *, headers: dict | None = None) -> None:
    """Until `url` answers 200 (any certificate: nginx's is made for the run)."""
    context = ssl._create_unverified_context()
    deadline = time.monotonic() + 60
    last = ""
    while time.monotonic() < deadline:
        processes.check()
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=5, context=context) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within 60 s ({last})")


def _start_gunicorn(processes: Processes, n: int, env: dict, port: int) -> None:
    command = [
        sys.executable, "-m", "gunicorn", "tracker.wsgi",
        "--bind", f"{HOST}:{port}",
        "--workers", str(WORKERS),
        "--threads", str(THREADS),
        "--worker-class", "gthread",
        "--timeout", "30",
        "--graceful-timeout", "5",
        # Longer than nginx keeps an idle upstream connection (60 s): with gunicorn's default
        # (2 s) it closes one as nginx sends a request on it, and nginx answers 502.
        "--keep-alive", "75",
        "--log-level", "warning",
        "--error-logfile", "-",
    ]  # fmt: skip
    processes.start(f"gunicorn-{n}", command, env, WORKDIR / f"gunicorn-{n}.log")


def _certificate() -> tuple[Path, Path]:
    cert, key = WORKDIR / "cert.pem", WORKDIR / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def nginx_config(port: int, upstreams: list[int], static_root: Path) -> str:
    """nginx in front of the gunicorns, as in production: TLS, static files, keep-alive."""
    cert, key = _certificate()
    temp = WORKDIR / "nginx-temp"
    temp.mkdir(exist_ok=True)
    servers = "\n".join(f"        server {HOST}:{p};" for p in upstreams)
    temps = "\n".join(
        f"    {kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Written by bench/load.py for one load run; not a production config.
worker_processes 1;
pid {WORKDIR / "nginx.pid"};
error_log {WORKDIR / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_timeout 65;
    keepalive_requests 100000;
{temps}
    upstream tracker {{
{servers}
        keepalive 32;
    }}
    server {{
        listen {HOST}:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 25m;
        location /static/ {{
            alias {static_root}/;
            gzip_static on;
            expires max;
        }}
        location / {{
            proxy_pass http://tracker;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


# CPU ---------------------------------------------------------------------------------------------
def _proc_cpu(pid: int) -> float | None:
    """User and system CPU seconds of one process (Linux /proc), None when it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def machine_busy_share(seconds: float = 3.0) -> float:
    """How busy the machine's cores are, over `seconds`, before the run (others' work too)."""
    if not Path("/proc/stat").exists():
        return 0.0
    before = _machine_busy()
    time.sleep(seconds)
    return round((_machine_busy() - before) / (seconds * (os.cpu_count() or 1)), 2)


def _machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


class CpuSampler(threading.Thread):
    """Once a second: the CPU seconds used so far by each part of the run (a process and its
    children), by this database's PostgreSQL backends, and by the whole machine. Linux only."""

    def __init__(self, groups: dict[str, list[int]], database: str) -> None:
        super().__init__(name="cpu-sampler", daemon=True)
        self.groups = groups
        self.database = database.encode()
        self.stopping = threading.Event()
        self.seen: dict[int, tuple[str, float]] = {}  # pid: (group, last CPU seconds)
        self.samples: list[tuple[float, dict[str, float], float]] = []
        self.available = Path("/proc/stat").exists()

    def _pids(self) -> dict[int, str]:
        pids: dict[int, str] = {}
        for group, roots in self.groups.items():
            for root in roots:
                pids[root] = group
                for child in _children(root):
                    pids[child] = group
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    title = (entry / "cmdline").read_bytes()
                    if title.startswith(b"postgres: ") and self.database in title:
                        pids[int(entry.name)] = "postgres"
        return pids

    def sample(self) -> None:
        for pid, group in self._pids().items():
            used = _proc_cpu(pid)
            if used is not None:
                self.seen[pid] = (group, used)
        totals: dict[str, float] = {}
        for group, used in self.seen.values():  # a process that has gone keeps its last figure
            totals[group] = totals.get(group, 0.0) + used
        self.samples.append((time.time(), totals, _machine_busy()))

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.sample()

    def begin(self) -> None:
        if self.available:
            self.sample()
            self.start()

    def end(self) -> None:
        if self.available and self.is_alive():
            self.stopping.set()
            self.join()
            self.sample()

    def between(self, start: float, end: float, requests: int, per: str = "request") -> dict:
        """CPU used from `start` to `end` (wall-clock seconds), from the samples nearest."""
        if len(self.samples) < 2 or end <= start:
            return {}
        first = max((s for s in self.samples if s[0] <= start), default=self.samples[0])
        last = min((s for s in self.samples if s[0] >= end), default=self.samples[-1])
        seconds = last[0] - first[0]
        if seconds <= 0:
            return {}
        cores = os.cpu_count() or 1
        used = {g: round(last[1].get(g, 0.0) - first[1].get(g, 0.0), 1) for g in last[1]}
        machine = last[2] - first[2]
        figures = {
            "cores": cores,
            "seconds": round(seconds, 1),
            "machine_busy_share": round(machine / (seconds * cores), 2),
            "cpu_seconds": used,
            "other_processes_seconds": round(max(machine - sum(used.values()), 0.0), 1),
            "sampled_from_to": [round(first[0] - start, 1), round(last[0] - end, 1)],
        }
        if requests:
            figures[f"ms_per_{per}"] = {
                g: round(v * 1000 / requests, 1) for g, v in used.items() if v
            }
        return figures


# Locust ------------------------------------------------------------------------------------------
def _locust(env: dict, url: str, scale: dict, think: float, accounts: Path, log: Path) -> dict:
    """Run the locustfile headless; its CSV statistics and the officers' log."""
    prefix = WORKDIR / "locust"
    hard_limit = SIGN_IN_TIMEOUT + scale["seconds"] + 60
    command = [
        sys.executable, "-m", "locust",
        "-f", str(BASE_DIR / "bench" / "locustfile.py"),
        "--headless", "--only-summary",
        "-u", str(scale["officers"]),
        "-r", str(scale["spawn_rate"]),
        "-t", f"{hard_limit}s",
        "--stop-timeout", "35",
        "--host", url,
        "--csv", str(prefix),
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    locust_env = {
        **env,
        "LOAD_ACCOUNTS": str(accounts),
        "LOAD_PASSWORD": env["LOAD_PASSWORD"],
        "LOAD_SECONDS": str(scale["seconds"]),
        "LOAD_THINK": str(think),
        "LOAD_MAX_REQUESTS": str(scale["max_requests"]),
        "LOAD_SIGN_IN_TIMEOUT": str(SIGN_IN_TIMEOUT),
        "LOAD_LOG": str(log),
    }
    with (WORKDIR / "locust.log").open("wb") as out:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=locust_env, stdout=out, stderr=subprocess.STDOUT
        )
    return {"process": process, "csv": prefix}


def _stats(prefix: Path) -> dict:
    """Locust's statistics of the measured phase, from its `_stats.csv`."""

    def number(value: str) -> float:
        try:
            return float(value)
        except ValueError:
            return 0.0

    endpoints, total = {}, {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            figures = {
                "requests": int(number(row["Request Count"])),
                "failures": int(number(row["Failure Count"])),
                "requests_per_second": round(number(row["Requests/s"]), 1),
                "p50_ms": number(row["50%"]),
                "p95_ms": number(row["95%"]),
                "p99_ms": number(row["99%"]),
                "max_ms": round(number(row["Max Response Time"]), 1),
                "mean_ms": round(number(row["Average Response Time"]), 1),
            }
            if row["Name"] == "Aggregated":
                total = figures
            elif figures["requests"]:  # sign-in's rows are empty: reset when all had signed in
                endpoints[row["Name"]] = figures
    failures = []
    with contextlib.suppress(OSError), open(f"{prefix}_failures.csv", newline="") as handle:
        failures = [
            f"{row['Name']}: {row['Error']} ({row['Occurrences']}x)"
            for row in csv.DictReader(handle)
        ]
    # Exceptions raised in the locustfile's tasks (a client bug): errors too.
    exceptions, exception_count = [], 0
    with contextlib.suppress(OSError), open(f"{prefix}_exceptions.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            exception_count += int(number(row["Count"]))
            last = row["Traceback"].strip().splitlines()[-1:] or [""]
            exceptions.append(f"exception {row['Message']!r} ({row['Count']}x) at {last[0]}")
    return {
        "total": total,
        "endpoints": endpoints,
        "failures": failures + exceptions,
        "exceptions": exception_count,
    }


# Verification ------------------------------------------------------------------------------------
def _verify(database: str, round_id: int, returns: dict[str, dict], expected: int) -> dict:
    """What the server acknowledged against what PostgreSQL holds, in plain SQL."""
    with pg(database) as conn:
        rows = conn.execute(
            "SELECT id, narrative, version, state FROM frameworks_return WHERE round_id = %s",
            [round_id],
        ).fetchall()
        duplicated_rows = conn.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n "
            "FROM frameworks_return GROUP BY milestone_id, round_id) AS per_return"
        ).fetchone()[0]
    stored = {pk: (narrative, version, state) for pk, narrative, version, state in rows}
    # Where each write's token is stored: (return, seq) -> how many rows hold it.
    copies: dict[tuple[int, int], int] = {}
    for narrative, _, _ in stored.values():
        for match in TOKEN_RE.finditer(narrative):
            key = (int(match.group(1)), int(match.group(2)))
            copies[key] = copies.get(key, 0) + 1
    lost = duplicated = versions = states = unacknowledged = 0
    examples: list[str] = []
    for key, log in returns.items():
        pk = int(key)
        narrative, version, state = stored.get(pk, ("", None, None))
        tokens = [int(m.group(2)) for m in TOKEN_RE.finditer(narrative)]
        found = tokens[-1] if tokens else 0
        unknown = set(log["unknown"])
        acked = log["acked_seq"]
        if acked:
            if copies.get((pk, acked), 0) > 1:
                duplicated += 1
            if found != acked and not (found > acked and found in unknown):
                if found < acked:
                    lost += 1
                    if len(examples) < 5:
                        examples.append(f"return {pk}: acknowledged s{acked}, holds s{found}")
                else:
                    unacknowledged += 1
        elif found and found not in unknown:
            unacknowledged += 1
        if version is not None:
            applied = version - 1  # every write adds one to the version, which starts at 1
            if not log["acked_writes"] <= applied <= log["acked_writes"] + len(unknown):
                versions += 1
        expected_state = "SUBMITTED" if log["acked_action"] == "submit" else "DRAFT"
        if acked and not unknown and state != expected_state:
            states += 1
    return {
        "returns": len(stored),
        "returns_written": sum(1 for log in returns.values() if log["acked_seq"]),
        "missing_returns": max(expected - len(stored), 0),
        "lost_saves": lost,
        "duplicated_saves": duplicated + int(duplicated_rows),
        "version_mismatches": versions,
        "state_mismatches": states,
        "unacknowledged_writes_applied": unacknowledged,
        "writes_unanswered": sum(len(log["unknown"]) for log in returns.values()),
        "lost_examples": examples,
    }


def _latency(values: list[float]) -> dict:
    from bench import percentile

    return {
        "count": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": round(max(values), 1) if values else 0.0,
    }


# The run -----------------------------------------------------------------------------------------
def run(*, quick: bool = False, think: float | None = None, **overrides) -> dict:
    """Run the load test; see the module docstring. `think` is the mean pause between an
    officer's steps: by default the autosave delay (TRACKER_AUTOSAVE_SECONDS, 3 s), since the
    page saves that long after the last keystroke. `overrides` change the scale's bounds."""
    scale = {**(QUICK if quick else FULL), **overrides}
    if think is None:
        from django.conf import settings

        think = float(settings.TRACKER_AUTOSAVE_SECONDS)
    if not pg_reachable():
        return {"skipped": f"PostgreSQL is not reachable on {HOST}:{PG_PORT}"}
    nginx = nginx_binary()
    if nginx is None:
        return {"skipped": "nginx is not installed (make bench installs Debian's nginx as root)"}
    if shutil.which("locust", path=str(Path(sys.executable).parent)) is None:
        return {"skipped": "locust is not installed (pip install -e '.[dev,bench]')"}

    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    static_root = WORKDIR / "static"
    database = f"action_tracker_load_{os.getpid()}"
    password = secrets.token_urlsafe(18)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DATABASE_URL": f"postgres://{PG_USER}@{HOST}:{PG_PORT}/{database}",
        "DJANGO_SECRET_KEY": "bench",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
        "DJANGO_STATIC_MANIFEST": "1",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_LOG_LEVEL": "WARNING",
        "LOAD_PASSWORD": password,
        "PYTHONUNBUFFERED": "1",
    }
    processes = Processes()
    sampler: CpuSampler | None = None
    locust_process = None
    try:
        with pg() as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        setup_started = time.perf_counter()
        seeded = _prepare(env, scale["officers"], password)
        _manage(["collectstatic", "--no-input", "-v0"], env)
        upstreams = [_free_port() for _ in range(GUNICORNS)]
        for n, port in enumerate(upstreams, 1):
            _start_gunicorn(processes, n, env, port)
        for port in upstreams:
            _wait_for(
                f"http://{HOST}:{port}/accounts/login/",
                processes,
                headers={"X-Forwarded-Proto": "https"},
            )
        port = _free_port()
        config = WORKDIR / "nginx.conf"
        config.write_text(nginx_config(port, upstreams, static_root))
        processes.start(
            "nginx",
            [nginx, "-e", str(WORKDIR / "nginx-error.log"), "-p", str(WORKDIR), "-c", str(config),
             "-g", "daemon off;"],
            env,
            WORKDIR / "nginx.log",
        )  # fmt: skip
        url = f"https://{HOST}:{port}"
        _wait_for(f"{url}/accounts/login/", processes)
        for n in range(1, TASK_WORKERS + 1):
            processes.start(
                f"db_worker-{n}",
                [sys.executable, "manage.py", "db_worker", "--queue-name", "default"],
                env,
                WORKDIR / f"db_worker-{n}.log",
            )
        setup_seconds = time.perf_counter() - setup_started
        busy_before = machine_busy_share()  # servers idle: what else the machine is doing
        accounts = WORKDIR / "accounts.json"
        accounts.write_text(json.dumps(seeded["returns"]))
        officers_log = WORKDIR / "officers.json"
        started = _locust(env, url, scale, think, accounts, officers_log)
        locust_process = started["process"]
        sampler = CpuSampler(
            {
                **{f"gunicorn {n}": processes.pids(f"gunicorn-{n}") for n in (1, 2)},
                "nginx": processes.pids("nginx"),
                "db_workers": processes.pids("db_worker"),
                "locust": [locust_process.pid],
            },
            database,
        )
        sampler.begin()
        run_started = time.time()
        timeout = SIGN_IN_TIMEOUT + scale["seconds"] + 120
        try:
            locust_process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            locust_process.kill()
            locust_process.wait()
            raise RuntimeError(f"locust did not finish in {timeout} s") from None
        sampler.end()
        processes.check()  # every server still up at the end
        logs = [log for _, _, log in processes.started]
        processes.stop()
        server_logs = "".join(_tail(log, 500) for log in logs)
        if not officers_log.exists():
            raise RuntimeError(f"locust wrote no log:\n{_tail(WORKDIR / 'locust.log')}")
        officers = json.loads(officers_log.read_text())
        stats = _stats(started["csv"])
        checks = _verify(
            database,
            seeded["round_id"],
            officers["returns"],
            sum(len(pks) for pks in seeded["returns"].values()),
        )
    finally:
        if sampler is not None:
            sampler.stopping.set()
        if locust_process is not None and locust_process.poll() is None:
            locust_process.kill()
            locust_process.wait()
        processes.stop()
        with contextlib.suppress(Exception):
            _drop_database(database)

    total = stats["total"]
    measured = officers["measured_seconds"]
    start, end = officers["measured_from"], officers["measured_to"]
    sign_in = [ms for name, ms, _ in officers["sign_in_samples"] if name == "sign in: password"]
    errors = (
        total.get("failures", 0)
        + stats["exceptions"]
        + officers["sign_in_failed"]
        + len(officers["problems"])
        + checks["missing_returns"]
    )
    result = {
        "officers": scale["officers"],
        "signed_in": officers["signed_in"],
        "spawn_rate": scale["spawn_rate"],
        "think_seconds": think,
        "seconds": measured,
        "stopped_by": officers["stopped_by"],
        "bounds": {k: scale[k] for k in ("officers", "seconds", "max_requests")},
        "requests": total.get("requests", 0),
        "requests_per_second": round(total.get("requests", 0) / measured, 1) if measured else 0,
        "failures": total.get("failures", 0),
        "client_exceptions": stats["exceptions"],
        "errors": errors,
        "writes_acknowledged": sum(r["acked_writes"] for r in officers["returns"].values()),
        "conflicts": officers["conflicts"],
        **{k: v for k, v in checks.items() if k != "lost_examples"},
        "p50_ms": total.get("p50_ms", 0.0),
        "p95_ms": total.get("p95_ms", 0.0),
        "p99_ms": total.get("p99_ms", 0.0),
        "max_ms": total.get("max_ms", 0.0),
        "endpoints": stats["endpoints"],
        "sign_in": {
            **_latency(sign_in),
            "seconds": round(start - run_started, 1) if start else None,
            "cpu": sampler.between(run_started, start, len(sign_in), "sign_in") if start else {},
        },
        "cpu": sampler.between(start, end, total.get("requests", 0)) if start else {},
        "error_examples": (stats["failures"] + officers["problems"] + checks["lost_examples"])[:10],
        "server_tracebacks_logged": server_logs.count("Traceback"),
        "setup_seconds": round(setup_seconds, 1),
        "machine_busy_before_run": busy_before,
        "stack": {
            "nginx": subprocess.run(
                [nginx, "-v"], capture_output=True, text=True, check=False
            ).stderr.strip(),
            "gunicorns": GUNICORNS,
            "gunicorn": {"workers": WORKERS, "threads": THREADS, "worker_class": "gthread"},
            "task_workers": TASK_WORKERS,
            "locust": "FastHttpUser, one process, one keep-alive TLS connection per officer",
        },
        "percentiles_from": "locust's _stats.csv (its histogram rounds times over 100 ms to "
        "10 ms and over 1 s to 100 ms)",
        "files": str(WORKDIR.relative_to(BASE_DIR)),
        "goals": dict(GOALS),
    }
    result["met"] = {
        "officers": result["signed_in"] >= GOALS["officers"],
        "errors": errors == GOALS["errors"],
        "lost_saves": checks["lost_saves"] == 0,
        "duplicated_saves": checks["duplicated_saves"] == 0,
        "p95_ms": result["p95_ms"] < GOALS["p95_ms"],
    }
    return result
