"""`kolk library import-school FILE --school ID`, `kolk library import-marc FILE` and
`kolk library partners R01..R06 --start DATE --end DATE --out FILE` (the partner exports, logged as disclosures)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kolk.core.errors import KolkError
from kolk.library.models import School


class Command(BaseCommand):
    help = "Library imports: a school's pupils (CSV) and catalogue records (MARC21)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        school = sub.add_parser("import-school", help="import a school's pupils from its CSV")
        school.add_argument("file", type=Path)
        school.add_argument("--school", type=int, required=True, help="the school's id")
        marc = sub.add_parser("import-marc", help="import titles from a MARC21 file, ISO 2709 or MARC-XML (idempotent)")
        marc.add_argument("file", type=Path)
        marc.add_argument("--branch", default="", help="branch code for copies from 852/949 barcodes")
        partners = sub.add_parser("partners", help="run a partner export (R01-R06) into a file")
        partners.add_argument("recipient", choices=["R01", "R02", "R03", "R04", "R05", "R06"])
        partners.add_argument("--start", type=dt.date.fromisoformat, required=True, help="first day (YYYY-MM-DD)")
        partners.add_argument("--end", type=dt.date.fromisoformat, required=True, help="the day after the last")
        partners.add_argument("--branches", default="", help="R02: partner libraries' branch codes, comma-separated")
        partners.add_argument("--out", type=Path, required=True, help="the file to write (CSV; R03: JSON counts)")

    def handle(self, *args: Any, action: str, file: Path | None = None, **options: Any) -> None:
        if action == "partners":
            self.partners(**options)
            return
        assert file is not None
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        if action == "import-school":
            self.import_school(file, options["school"])
        elif action == "import-marc":
            self.import_marc(file, options["branch"])

    def import_school(self, file: Path, school_id: int) -> None:
        from kolk.library.services.schools import pupils_import

        try:
            school = School.objects.get(pk=school_id)
        except School.DoesNotExist as exc:
            raise CommandError(f"no school with id {school_id}") from exc
        result = pupils_import(school=school, text=file.read_text(encoding="utf-8-sig"), actor=None)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} bad rows: nothing imported")
        self.stdout.write(f"pupils created: {result.created}, updated: {result.updated}")

    def import_marc(self, file: Path, branch: str) -> None:
        from kolk.library.services.catalogue import marc_import

        with file.open("rb") as handle:
            try:
                result = marc_import(stream=handle, actor=None, branch_code=branch, progress=True)
            except KolkError as exc:
                raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"titles created: {result.created}, updated: {result.updated}, skipped: {result.skipped}")
        for error in result.errors:
            self.stderr.write(error)

    def partners(self, *, recipient: str, start: dt.date, end: dt.date, branches: str, out: Path, **_: Any) -> None:
        from kolk.library import partners

        if end <= start:
            raise CommandError("--end must be after --start")
        codes = [c.strip() for c in branches.split(",") if c.strip()]
        if recipient == "R02" and not codes:
            raise CommandError("R02 needs --branches")
        if recipient == "R03":
            disclosure = partners.kb_statistics_send(start=start, end=end, actor=None)
            out.write_text(json.dumps(disclosure.aggregate, ensure_ascii=False), encoding="utf-8")
            self.stdout.write(f"{recipient}: counts written to {out}")
            return
        if recipient == "R02":
            disclosure, rows = partners.interlibrary_loans_export(branch_codes=codes, start=start, end=end, actor=None)
        else:
            disclosure, rows = partners.PERIOD_EXPORTS[recipient](start=start, end=end, actor=None)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(partners.EXPORT_FIELDS[recipient]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()})
        self.stdout.write(f"{recipient}: {len(rows)} rows of {disclosure.person_count} people written to {out}")
