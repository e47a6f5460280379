"""`manage.py import_legacy PATH --framework NAME …`: bring a legacy workbook or CSV in.

Exit 0 on success (or a clean dry run), 1 when problems in the file stopped it, 2 when the file
cannot be read at all. Nothing is written unless everything can be.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from frameworks.importers.layouts import LAYOUT_NAMES
from frameworks.importers.readers import ImportFileError, Limits
from frameworks.services.imports import legacy_import


class Command(BaseCommand):
    help = "Import a legacy spreadsheet (framework, tracker or actions layout) into a framework."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="A workbook (.xlsx, .xlsm, .xlsb, .xls, .ods), a .csv or a JSON export."
        )
        parser.add_argument("--framework", required=True, help="Framework name (created if new).")
        parser.add_argument("--layout", choices=["auto", *LAYOUT_NAMES, "json"], default="auto")
        parser.add_argument("--round", "--period", default="", help="Label of the current round.")
        parser.add_argument(
            "--previous-round",
            "--previous-period",
            default="",
            help="Label of the previous round (tracker layout).",
        )
        parser.add_argument("--sheet", default=None, help="Read this sheet only.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--max-mb", type=float, default=20, help="File size limit in MB.")
        parser.add_argument("--max-rows", type=int, default=50_000, help="Row limit per sheet.")

    def handle(self, *args, **options):
        path = Path(options["path"])
        as_json = options["json"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            return self._unreadable(f"Cannot open {path}: {exc.strerror}.", "unreadable", as_json)
        limits = Limits(
            max_bytes=int(options["max_mb"] * 1024 * 1024), max_rows=options["max_rows"]
        )
        try:
            report = legacy_import(
                data=data,
                file_name=path.name,
                framework_name=options["framework"],
                layout=options["layout"],
                round_label=options["round"],
                previous_round_label=options["previous_round"],
                sheet=options["sheet"],
                dry_run=options["dry_run"],
                limits=limits,
            )
        except ImportFileError as exc:
            return self._unreadable(exc.message, exc.code, as_json)
        if as_json:
            self.stdout.write(json.dumps(_json_report(report), ensure_ascii=False, indent=2))
        else:
            self._print(report)
        if report.errors:
            raise SystemExit(1)
        return None

    def _unreadable(self, message: str, code: str, as_json: bool) -> None:
        if as_json:
            problem = {"sheet": None, "row": None, "column": None, "message": message}
            self.stdout.write(json.dumps({"errors": [problem], "code": code}, ensure_ascii=False))
        else:
            self.stderr.write(self.style.ERROR(message))
        raise SystemExit(2)

    def _print(self, report) -> None:
        out = self.stdout
        mode = " (dry run: nothing written)" if report.dry_run else ""
        out.write(f"{report.file_name}: {report.layout or 'unknown'} layout{mode}")
        if report.sheet:
            out.write(f"Sheet “{report.sheet}”, header on row {report.header_row}.")
        for problem in report.errors:
            flag = f" ({FLAGS[problem.field]})" if problem.field in FLAGS else ""
            out.write(self.style.ERROR(f"Error: {_where(problem)}{problem.message}{flag}"))
        for problem in report.warnings:
            out.write(self.style.WARNING(f"Warning: {_where(problem)}{problem.message}"))
        if report.ok:
            for label, counts in (("Created", report.created), ("Updated", report.updated)):
                outcomes = (
                    f", {counts.outcomes} outcomes, {counts.outcome_links} outcome links"
                    if counts.outcomes or counts.outcome_links
                    else ""
                )
                out.write(
                    f"{label}: {counts.themes} themes, {counts.milestones} milestones, "
                    f"{counts.posts} posts, {counts.returns} returns{outcomes}."
                )
            if report.missing_milestones:
                out.write(f"In the tracker but not in this file: {len(report.missing_milestones)}")
            for change in report.changes:
                out.write(f"Change: {_item(change)}: {change['before'] or '–'} → {change['after']}")
            for conflict in report.conflicts:
                out.write(self.style.WARNING(f"Conflict: {_item(conflict)}: {conflict['message']}"))
            for kept in report.kept:
                out.write(f"Kept: {_item(kept)}: {kept['before']} (the file has {kept['after']}).")
        style = self.style.ERROR if report.errors else self.style.SUCCESS
        out.write(style(report.summary))


FLAGS = {
    "round": "--round",
    "previous_round": "--previous-round",
    "framework": "--framework",
    "sheet": "--sheet",
    "layout": "--layout",
}


def _item(entry: dict) -> str:
    where = " – ".join(p for p in (entry["code"], entry["milestone"][:60], entry["round"]) if p)
    return f"{where}, {entry['field']}" if where else entry["field"]


def _where(problem) -> str:
    parts = [
        f"sheet “{problem.sheet}”" if problem.sheet else "",
        f"row {problem.row}" if problem.row else "",
        f"column “{problem.column}”" if problem.column else "",
    ]
    text = ", ".join(p for p in parts if p)
    return f"{text}: " if text else ""


def _json_report(report) -> dict:
    data = report.as_dict()
    keys = [
        "layout",
        "sheet",
        "header_row",
        "created",
        "updated",
        "unchanged",
        "warnings",
        "errors",
    ]
    extra = [k for k in data if k not in keys]
    return {**{k: data[k] for k in keys}, **{k: data[k] for k in extra}}
