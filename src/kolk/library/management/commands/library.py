"""`kolk library import-school FILE --school ID` and `kolk library import-marc FILE`."""

from __future__ import annotations

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

    def handle(self, *args: Any, action: str, file: Path, **options: Any) -> None:
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
