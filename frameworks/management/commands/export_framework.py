"""`manage.py export_framework --framework NAME --format json|xlsx|csv [--output PATH]`.

json: the whole plan. xlsx: the tracker sheet, then a sheet per table of the plan's measures
(outcomes, indicators, their targets and values, the maturity scale, standards and
assessments). csv: the same tables as CSV files in a .zip (tracker.csv first). Each imports back
with `import_legacy`."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from frameworks import exports, selectors
from frameworks.models import Framework


class Command(BaseCommand):
    help = (
        "Export a framework as JSON, or in the tracker layout (with its outcomes, indicators and "
        "maturity assessments) as .xlsx or as a .zip of CSV files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--framework", required=True, help="Framework name or slug.")
        parser.add_argument("--format", choices=["json", "xlsx", "csv"], default="json")
        parser.add_argument(
            "--output", default="", help="File to write (default: standard output)."
        )
        parser.add_argument(
            "--round",
            "--period",
            default="",
            help="Round shown as current in xlsx/csv (default: latest).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["framework"]
        framework = (
            Framework.objects.filter(name__iexact=name).first()
            or Framework.objects.filter(slug=name).first()
        )
        if framework is None:
            raise CommandError(f"There is no framework called “{name}”.")
        data = selectors.framework_export_data(framework=framework)
        fmt = options["format"]
        if fmt == "json":
            payload: bytes = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
        else:
            try:
                round, previous = selectors.export_rounds(
                    framework=framework, round=options["round"]
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if fmt == "xlsx":
                payload = exports.tracker_xlsx(data, round=round, previous=previous)
            else:  # a .zip: tracker.csv and a CSV file per table of the plan's measures
                payload = exports.csv_export(data, round=round, previous=previous)
        if options["output"]:
            Path(options["output"]).write_bytes(payload)
            self.stderr.write(f"Wrote {options['output']} ({len(payload):,} bytes).")
        elif fmt == "xlsx":
            raise CommandError("An .xlsx export needs --output FILE.")
        elif fmt == "csv":
            raise CommandError("A CSV export is a .zip of CSV files: it needs --output FILE.zip.")
        else:
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
