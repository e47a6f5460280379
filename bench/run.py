"""Run the benchmarks; print a table and write bench/results.json (`make bench`).

    python -m bench [--quick] [--only pages,import,report,pack,load] [--output PATH]

Settings come from the environment (the Makefile's BENCH_ENV: production-like, DEBUG off). This
orchestrates: the page and import suites run once on SQLite (var/bench.sqlite3) and once on
PostgreSQL (database `tracker_bench` on 127.0.0.1:5432, created if missing) when it answers,
each in a child process (`python -m bench --database-url URL`) whose DATABASE_URL is that
database; the report suite (WeasyPrint, the same whatever the database) runs in the SQLite
child; the load run (`load.py`) makes its own PostgreSQL database and servers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
SUITES = ("pages", "import", "report", "pack", "load")
PER_DATABASE = ("pages", "import")
PG_DATABASE = "tracker_bench"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Smaller data, about a minute.")
    parser.add_argument("--output", default=str(BASE_DIR / "bench" / "results.json"))
    parser.add_argument("--only", default="", help="Comma-separated suites: " + ", ".join(SUITES))
    parser.add_argument("--officers", type=int, help="Load run: simulated officers (Locust users).")
    parser.add_argument("--seconds", type=int, help="Load run: seconds measured after sign-in.")
    parser.add_argument("--think", type=float, help="Load run: mean pause between steps (s).")
    parser.add_argument(
        "--database-url",
        default="",
        help="Run the chosen suites here, on the database of this process (DATABASE_URL), and "
        "write their figures to --output (used by the orchestrating run).",
    )
    options = parser.parse_args(argv)
    options.suites = [s for s in options.only.split(",") if s] or list(SUITES)
    unknown = sorted(set(options.suites) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    return options


def main(argv: list[str] | None = None) -> None:
    options = _arguments(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    if options.database_url:
        os.environ["DATABASE_URL"] = options.database_url
    import django

    django.setup()
    if options.database_url:
        _one_database(options)
    else:
        _orchestrate(options)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _postgres_url() -> str | None:
    """The bench database on the local PostgreSQL server (created if missing), or None."""
    from bench import load

    if not load.pg_reachable():
        return None
    with load.pg() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return f"postgres://{load.PG_USER}@{load.HOST}:{load.PG_PORT}/{PG_DATABASE}"


def _orchestrate(options: argparse.Namespace) -> None:
    from django.utils import timezone

    from bench import load

    chosen, quick = options.suites, options.quick
    started = time.perf_counter()
    results: dict = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "quick": quick,
        "databases": {},
    }
    targets = [("sqlite", f"sqlite:///{BASE_DIR / 'var' / 'bench.sqlite3'}")]
    if set(chosen) & set(PER_DATABASE):
        postgres = _postgres_url()
        if postgres:
            targets.append(("postgresql", postgres))
        else:
            results["postgresql_skipped"] = "PostgreSQL is not reachable on 127.0.0.1:5432"
    for index, (name, url) in enumerate(targets):
        here = [s for s in chosen if s in PER_DATABASE or (s in ("report", "pack") and index == 0)]
        if here:
            results["databases"][name] = _child(name, url, here, quick)
    if "load" in chosen:
        scale = load.QUICK if quick else load.FULL
        officers = options.officers or scale["officers"]
        _log(
            f"load: {officers} officers (Locust) via nginx, {load.GUNICORNS} gunicorns "
            f"and {load.TASK_WORKERS} task workers on PostgreSQL …"
        )
        overrides = {k: getattr(options, k) for k in ("officers", "seconds") if getattr(options, k)}
        results["load"] = load.run(quick=quick, think=options.think, **overrides)
    results["seconds"] = round(time.perf_counter() - started, 1)
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    _table(results)
    print(f"Wrote {output} in {results['seconds']} s.")


def _child(name: str, url: str, suites: list[str], quick: bool) -> dict:
    """The suites in a child process whose settings point at `url`."""
    env = {**os.environ, "DATABASE_URL": url}
    _log(f"{name}: migrating the bench database …")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    with tempfile.TemporaryDirectory() as workdir:
        output = Path(workdir) / "results.json"
        command = [sys.executable, "-m", "bench", "--database-url", url]
        command += ["--only", ",".join(suites), "--output", str(output)]
        command += ["--quick"] if quick else []
        subprocess.run(command, cwd=BASE_DIR, env=env, check=True)
        return json.loads(output.read_text())


def _one_database(options: argparse.Namespace) -> None:
    from django.db import connection

    from bench import imports, packs, pages, reports

    chosen, quick = options.suites, options.quick
    suites: dict = {}
    with tempfile.TemporaryDirectory() as workdir:
        if "pages" in chosen:
            _log(f"{connection.vendor} pages: council-scale data, timing pages …")
            suites["pages"] = pages.run(quick=quick)
        if "import" in chosen:
            scale = imports.QUICK if quick else imports.FULL
            _log(
                f"{connection.vendor} import: preview of {scale['preview_rows']:,} rows, "
                f"{scale['background_rows']:,} rows in the background, "
                f"django-import-export on {scale['baseline_rows']:,} rows …"
            )
            suites["import"] = imports.run(workdir=Path(workdir), quick=quick)
        if "report" in chosen:
            # Each size's ratio is a median of several pack/floor pairs, quick or not.
            sizes = (200,) if quick else (300, 1000)
            _log(f"report: board packs of {sizes} milestones …")
            suites["report"] = reports.run(sizes=sizes, runs=2 if quick else 3)
        if "pack" in chosen:
            _log("pack: an agenda pack of two reports and two uploaded papers …")
            suites["pack"] = packs.run(quick=quick)
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(suites, indent=2) + "\n")


# The table -------------------------------------------------------------------------------------
def _met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def _table(results: dict) -> None:
    out = print
    out(f"Benchmarks ({'quick' if results['quick'] else 'full'}), {results['when']}")
    for database, suites in results["databases"].items():
        page_suite = suites.get("pages")
        if page_suite:
            scale = page_suite["scale"]
            out(
                f"  pages on {database}: {scale['milestones_total']:,} milestones, "
                f"{scale['returns']:,} returns (p50 / p95 ms, queries; goal p95 < "
                f"{pages_goal(page_suite)} ms)"
            )
            for name, r in page_suite["pages"].items():
                out(
                    f"          {name:<30} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}  "
                    f"{r['queries']:>3} queries"
                )
            if "queries_constant" in page_suite:
                same = "the same" if page_suite["queries_constant"] else "NOT the same"
                out(f"          query counts {same} on a smaller data set")
        if "import" in suites:
            _import_table(database, suites["import"])
        for r in suites.get("report", {}).values():
            out(
                f"  report  {r['milestones']:>5,} milestones  {r['seconds']:>6.2f} s  "
                f"{r['pages']:>4} pages  {r['pages_per_second']:>5.1f} pages/s  "
                f"peak {r['peak_mb']:>6.1f} MB  floor {r['floor_seconds']:.2f} s "
                f"({r['floor_pages']} pages)  ratio {r['ratio_to_floor']:.2f} "
                f"(goal ≤ {r['goal_ratio']})"
            )
        pack = suites.get("pack")
        if pack:
            met = _met(pack["ratio_to_floor"] <= pack["goal_ratio"])
            out(
                f"  agenda pack  {pack['pages']} pages  {pack['seconds']:.2f} s  floor "
                f"{pack['floor_seconds']:.2f} s (reports alone + plain merge, "
                f"{pack['floor_pages']} pages)  ratio {pack['ratio_to_floor']:.2f} "
                f"(goal ≤ {pack['goal_ratio']}, {met})"
            )
    if "postgresql_skipped" in results:
        out(f"  postgresql: skipped ({results['postgresql_skipped']})")
    if "load" in results:
        _load_table(results["load"])


def pages_goal(suite: dict) -> int:
    return next(iter(suite["pages"].values()))["goal_p95_ms"]


def _load_table(r: dict) -> None:
    out = print
    if "skipped" in r:
        out(f"  load    skipped: {r['skipped']}")
        return
    goals, met = r["goals"], r["met"]
    officers_goal = "quick run" if r["officers"] < goals["officers"] else _met(met["officers"])
    out(
        f"  load    {r['signed_in']:,} of {r['officers']:,} officers signed in "
        f"(goal {goals['officers']}: {officers_goal}), think {r['think_seconds']:g} s, "
        f"{r['seconds']:g} s measured (ended by {r['stopped_by'] or '?'}): "
        f"{r['requests']:,} requests, {r['requests_per_second']:.1f}/s"
    )
    out(
        f"          errors {r['errors']} ({_met(met['errors'])}), saves acknowledged "
        f"{r['writes_acknowledged']:,}: lost {r['lost_saves']} ({_met(met['lost_saves'])}), "
        f"duplicated {r['duplicated_saves']} ({_met(met['duplicated_saves'])}), "
        f"versions wrong {r['version_mismatches']}, states wrong {r['state_mismatches']}"
    )
    out(
        f"          p50 {r['p50_ms']:.0f} ms  p95 {r['p95_ms']:.0f} ms  p99 {r['p99_ms']:.0f} ms "
        f"(goal p95 < {goals['p95_ms']} ms: {_met(met['p95_ms'])})"
    )
    for name, e in r["endpoints"].items():
        out(
            f"            {name:<22} {e['requests']:>6,} req  {e['failures']:>3} failed  "
            f"p50 {e['p50_ms']:>5.0f}  p95 {e['p95_ms']:>5.0f}  max {e['max_ms']:>6.0f} ms"
        )
    s = r["sign_in"]
    out(
        f"          sign-in (apart): {s['count']} passwords checked in {s['seconds']} s, "
        f"p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms"
    )
    cpu = r.get("cpu") or {}
    if cpu:
        used = ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu["cpu_seconds"].items()))
        out(
            f"          CPU over {cpu['seconds']:g} s on {cpu['cores']} cores: machine "
            f"{cpu['machine_busy_share']:.0%} busy; CPU seconds: {used}, "
            f"other {cpu['other_processes_seconds']:.1f} (machine "
            f"{r['machine_busy_before_run']:.0%} busy before the run)"
        )
    for example in r.get("error_examples", [])[:5]:
        out(f"          ! {example}")


def _import_table(database: str, suite: dict) -> None:
    out = print
    p = suite["preview"]
    out(
        f"  import on {database}: preview of {p['rows']:,} rows, p50 / p95 ms of "
        f"{p['runs']} runs (goal p95 < {p['goal_p95_ms']:,} ms): {_met(p['met'])}"
    )
    labels = {
        "next_round": "next round (milestones there)",
        "first_import": "first import (empty framework)",
    }
    for case, r in p["cases"].items():
        label = labels.get(case, case)
        out(f"          {label:<32} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}")
    b = suite["background"]
    local, worker = b["in_process"], b["worker"]
    out(
        f"          {b['rows']:,} rows applied (goal < {b['goal_seconds']} s, "
        f"measured {b['measured_in'].replace('_', '-')}): {_met(b['met'])}"
    )
    if "median_seconds" in worker:
        out(
            f"            db_worker        {worker['median_seconds']:>6.1f} s "
            f"{worker['rows_per_second']:>6,} rows/s to applied (median of "
            f"{len(worker['seconds_to_applied'])}); task ran "
            f"{statistics.median(worker['task_run_seconds']):.1f} s"
        )
        hidden = {"at", "framework_id", "layout", "applied_at", "applied_by_id"}
        seen = "; ".join(
            f"{step['at']:.1f} s "
            + ", ".join(f"{k} {v}" for k, v in step.items() if k not in hidden)
            for step in worker["progress"]
        )
        out(f"              the batch's row as polled: {seen}")
    else:
        reason = worker.get("skipped") or worker.get("failed", {}).get("error", "")[-200:]
        out(f"            db_worker        not measured: {reason}")
    out(
        f"            in-process       {local['median_seconds']:>6.1f} s "
        f"{local['rows_per_second']:>6,} rows/s (median of {len(local['seconds'])})"
    )
    stages = "; ".join(f"{s['at']:.1f} s {s['stage']}" for s in local["stages"])
    out(f"              progress: {stages}")
    v = suite["import_export"]
    ours, theirs = v["ours"], v["theirs"]
    out(
        f"          beside {theirs['library']} on {v['rows']:,} rows: ours "
        f"{ours['rows_per_second']:,} rows/s, theirs {theirs['rows_per_second']:,} rows/s: "
        f"{v['ratio']:.1f}x (goal ≥ {v['goal_ratio']}x): {_met(v['met'])}"
    )
    for who, r in (("ours", ours), ("theirs", theirs)):
        w = r["written"]
        out(
            f"            {who:<7} wrote {w['milestones']:,} milestones, {w['leads']:,} leads, "
            f"{w['returns']:,} returns, {w['history']:,} history rows"
        )
