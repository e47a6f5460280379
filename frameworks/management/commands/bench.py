"""`manage.py bench`: run the benchmarks and write bench/results.json (see `make bench`)."""

import json
import platform
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from frameworks.bench import imports, load, pages, reports

SUITES = {"pages": pages, "import": imports, "report": reports, "load": load}


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

    def handle(self, *args, **options):
        quick = options["quick"]
        chosen = [s for s in options["only"].split(",") if s] or list(SUITES)
        results: dict = {
            "when": timezone.now().isoformat(timespec="seconds"),
            "database": connection.vendor,
            "python": platform.python_version(),
            "quick": quick,
            "suites": {},
        }
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as workdir:
            if "pages" in chosen:
                self.stderr.write("pages: building council-scale data and timing the pages …")
                results["suites"]["pages"] = pages.run(quick=quick)
            if "import" in chosen:
                rows = 2_000 if quick else 20_000
                self.stderr.write(f"import: {rows:,}-row tracker workbook …")
                results["suites"]["import"] = imports.run(workdir=Path(workdir), rows=rows)
            if "report" in chosen:
                sizes = (60, 200) if quick else (300, 1000)
                self.stderr.write(f"report: board packs of {sizes} milestones …")
                results["suites"]["report"] = reports.run(sizes=sizes, runs=1 if quick else 3)
            if "load" in chosen:
                self.stderr.write("load: officers saving returns via gunicorn and PostgreSQL …")
                results["suites"]["load"] = load.run(quick=quick)
        results["seconds"] = round(time.perf_counter() - started, 1)
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n")
        self._table(results)
        self.stdout.write(f"Wrote {output} in {results['seconds']} s.")

    def _table(self, results: dict) -> None:
        out = self.stdout
        out.write(
            f"Benchmarks on {results['database']} ({'quick' if results['quick'] else 'full'})"
        )
        page_suite = results["suites"].get("pages")
        if page_suite:
            scale = page_suite["scale"]
            out.write(
                f"  pages   {scale['milestones_total']:,} milestones, {scale['updates']:,} updates "
                "(p50 / p95 ms, queries; goal p95 < 100 ms)"
            )
            for name, r in page_suite["pages"].items():
                out.write(
                    f"          {name:<30} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}  "
                    f"{r['queries']:>3} queries"
                )
        if "import" in results["suites"]:
            r = results["suites"]["import"]
            out.write(
                f"  import  {r['rows']:>7,} rows  "
                f"raw openpyxl {r['raw_rows_per_second']:>8,} rows/s  "
                f"import {r['import_rows_per_second']:>8,} rows/s  "
                f"ratio {r['import_vs_raw']:.2f} (goal ≥ {r['goal_import_vs_raw']})"
            )
        for r in results["suites"].get("report", {}).values():
            out.write(
                f"  report  {r['milestones']:>7,} milestones  {r['seconds']:>6.2f} s  "
                f"{r['pages']:>4} pages  {r['pages_per_second']:>5.1f} pages/s  "
                f"peak {r['peak_mb']:>6.1f} MB  floor {r['floor_seconds']:.2f} s "
                f"({r['floor_pages']} pages)  ratio {r['ratio_to_floor']:.2f} "
                f"(goal ≤ {r['goal_ratio']})"
            )
        if "load" in results["suites"]:
            r = results["suites"]["load"]
            out.write(
                f"  load    skipped: {r['skipped']}"
                if "skipped" in r
                else f"  load    {r['officers']:>7,} officers (think {r['think_seconds']:g} s)  "
                f"{r['requests']:>6,} requests "
                f"{r['requests_per_second']:>5.1f}/s  errors {r['errors']}  "
                f"lost {r['lost_updates']}  duplicated {r['duplicated_updates']}  "
                f"p50 {r['p50_ms']:.0f} ms  p95 {r['p95_ms']:.0f} ms "
                f"(goal < {r['goals']['p95_ms']})"
            )
