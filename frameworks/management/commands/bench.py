"""`manage.py bench`: run the benchmarks and write bench/results.json (see `make bench`).

Without `--database-url` this orchestrates: the page and import suites run once on SQLite
(var/bench.sqlite3) and once on PostgreSQL (database `tracker_bench` on 127.0.0.1:5432) when it
answers, each in a child process with its DATABASE_URL; the report suite (WeasyPrint, the same
whatever the database) runs in the SQLite child; the load run makes its own PostgreSQL database.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from frameworks.bench import imports, load, pages, reports

SUITES = ("pages", "import", "report", "load")
PER_DATABASE = ("pages", "import")
PG_DATABASE = "tracker_bench"


def _postgres_url() -> str | None:
    """The bench database on the local PostgreSQL server (created if missing), or None."""
    if not load._pg_reachable():
        return None
    with load._pg() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return f"postgres://{load.PG_USER}@{load.HOST}:{load.PG_PORT}/{PG_DATABASE}"


class Command(BaseCommand):
    help = "Run the benchmarks; print a table and write the figures as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true", help="Smaller data, under a minute.")
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "bench" / "results.json")
        )
        parser.add_argument(
            "--only", default="", help="Comma-separated suites: " + ", ".join(SUITES)
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="Run the chosen suites here, on the database of this process, and write "
            "their figures to --output (used by the orchestrating run).",
        )

    def handle(self, *args, **options):
        chosen = [s for s in options["only"].split(",") if s] or list(SUITES)
        unknown = sorted(set(chosen) - set(SUITES))
        if unknown:
            raise CommandError(
                f"Unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}."
            )
        if options["database_url"]:
            self._one_database(chosen, options)
            return
        quick = options["quick"]
        started = time.perf_counter()
        results: dict = {
            "when": timezone.now().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "quick": quick,
            "databases": {},
        }
        targets = [("sqlite", f"sqlite:///{Path(settings.BASE_DIR) / 'var' / 'bench.sqlite3'}")]
        if set(chosen) & set(PER_DATABASE):
            postgres = _postgres_url()
            if postgres:
                targets.append(("postgresql", postgres))
            else:
                results["postgresql_skipped"] = "PostgreSQL is not reachable on 127.0.0.1:5432"
        for index, (name, url) in enumerate(targets):
            here = [s for s in chosen if s in PER_DATABASE or (s == "report" and index == 0)]
            if here:
                results["databases"][name] = self._child(name, url, here, quick)
        if "load" in chosen:
            self.stderr.write("load: officers saving returns via gunicorn and PostgreSQL …")
            results["load"] = load.run(quick=quick)
        results["seconds"] = round(time.perf_counter() - started, 1)
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n")
        self._table(results)
        self.stdout.write(f"Wrote {output} in {results['seconds']} s.")

    def _child(self, name: str, url: str, suites: list[str], quick: bool) -> dict:
        """The suites in a child process whose settings point at `url`."""
        env = {**os.environ, "DATABASE_URL": url}
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        self.stderr.write(f"{name}: migrating the bench database …")
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
        with tempfile.TemporaryDirectory() as workdir:
            output = Path(workdir) / "results.json"
            command = [*manage, "bench", "--database-url", url, "--only", ",".join(suites)]
            command += ["--output", str(output)] + (["--quick"] if quick else [])
            subprocess.run(command, env=env, check=True)
            return json.loads(output.read_text())

    def _one_database(self, chosen: list[str], options) -> None:
        quick = options["quick"]
        suites: dict = {}
        with tempfile.TemporaryDirectory() as workdir:
            if "pages" in chosen:
                self.stderr.write(f"{connection.vendor} pages: council-scale data, timing pages …")
                suites["pages"] = pages.run(quick=quick)
            if "import" in chosen:
                scale = imports.QUICK if quick else imports.FULL
                self.stderr.write(
                    f"{connection.vendor} import: preview of {scale['preview_rows']:,} rows, "
                    f"{scale['background_rows']:,} rows in the background, "
                    f"django-import-export on {scale['baseline_rows']:,} rows …"
                )
                suites["import"] = imports.run(workdir=Path(workdir), quick=quick)
            if "report" in chosen:
                # Each size's ratio is a median of several pack/floor pairs, quick or not.
                sizes = (200,) if quick else (300, 1000)
                self.stderr.write(f"report: board packs of {sizes} milestones …")
                suites["report"] = reports.run(sizes=sizes, runs=2 if quick else 3)
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(suites, indent=2) + "\n")

    def _table(self, results: dict) -> None:
        out = self.stdout
        out.write(f"Benchmarks ({'quick' if results['quick'] else 'full'}), {results['when']}")
        for database, suites in results["databases"].items():
            page_suite = suites.get("pages")
            if page_suite:
                scale = page_suite["scale"]
                out.write(
                    f"  pages on {database}: {scale['milestones_total']:,} milestones, "
                    f"{scale['updates']:,} updates (p50 / p95 ms, queries; goal p95 < 100 ms)"
                )
                for name, r in page_suite["pages"].items():
                    out.write(
                        f"          {name:<30} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}  "
                        f"{r['queries']:>3} queries"
                    )
                if "queries_constant" in page_suite:
                    same = "the same" if page_suite["queries_constant"] else "NOT the same"
                    out.write(f"          query counts {same} on a smaller data set")
            if "import" in suites:
                self._import_table(database, suites["import"])
            for r in suites.get("report", {}).values():
                out.write(
                    f"  report  {r['milestones']:>5,} milestones  {r['seconds']:>6.2f} s  "
                    f"{r['pages']:>4} pages  {r['pages_per_second']:>5.1f} pages/s  "
                    f"peak {r['peak_mb']:>6.1f} MB  floor {r['floor_seconds']:.2f} s "
                    f"({r['floor_pages']} pages)  ratio {r['ratio_to_floor']:.2f} "
                    f"(goal ≤ {r['goal_ratio']})"
                )
        if "postgresql_skipped" in results:
            out.write(f"  postgresql: skipped ({results['postgresql_skipped']})")
        if "load" in results:
            r = results["load"]
            out.write(
                f"  load    skipped: {r['skipped']}"
                if "skipped" in r
                else f"  load    {r['officers']:,} officers (think {r['think_seconds']:g} s)  "
                f"{r['requests']:,} requests "
                f"{r['requests_per_second']:.1f}/s  errors {r['errors']}  "
                f"lost {r['lost_updates']}  duplicated {r['duplicated_updates']}  "
                f"p50 {r['p50_ms']:.0f} ms  p95 {r['p95_ms']:.0f} ms "
                f"(goal < {r['goals']['p95_ms']})"
            )

    def _import_table(self, database: str, suite: dict) -> None:
        out = self.stdout

        def met(ok: bool) -> str:
            return "met" if ok else "NOT MET"

        p = suite["preview"]
        out.write(
            f"  import on {database}: preview of {p['rows']:,} rows, p50 / p95 ms of "
            f"{p['runs']} runs (goal p95 < {p['goal_p95_ms']:,} ms): {met(p['met'])}"
        )
        labels = {
            "next_round": "next round (milestones there)",
            "first_import": "first import (empty framework)",
        }
        for case, r in p["cases"].items():
            label = labels.get(case, case)
            out.write(f"          {label:<32} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}")
        b = suite["background"]
        local, worker = b["in_process"], b["worker"]
        out.write(
            f"          {b['rows']:,} rows applied (goal < {b['goal_seconds']} s, "
            f"measured {b['measured_in'].replace('_', '-')}): {met(b['met'])}"
        )
        if "median_seconds" in worker:
            out.write(
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
            out.write(f"              the batch's row as polled: {seen}")
        else:
            reason = worker.get("skipped") or worker.get("failed", {}).get("error", "")[-200:]
            out.write(f"            db_worker        not measured: {reason}")
        out.write(
            f"            in-process       {local['median_seconds']:>6.1f} s "
            f"{local['rows_per_second']:>6,} rows/s (median of {len(local['seconds'])})"
        )
        stages = "; ".join(f"{s['at']:.1f} s {s['stage']}" for s in local["stages"])
        out.write(f"              progress: {stages}")
        v = suite["import_export"]
        ours, theirs = v["ours"], v["theirs"]
        out.write(
            f"          beside {theirs['library']} on {v['rows']:,} rows: ours "
            f"{ours['rows_per_second']:,} rows/s, theirs {theirs['rows_per_second']:,} rows/s: "
            f"{v['ratio']:.1f}x (goal ≥ {v['goal_ratio']}x): {met(v['met'])}"
        )
        for who, r in (("ours", ours), ("theirs", theirs)):
            w = r["written"]
            out.write(
                f"            {who:<7} wrote {w['milestones']:,} milestones, {w['leads']:,} leads, "
                f"{w['updates']:,} updates, {w['history']:,} history rows"
            )
