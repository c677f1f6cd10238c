"""`kolk privacy statement|register`: the statement and the art. 30 register."""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import translation

from kolk.privacy.compliance import BROKEN, run_checks
from kolk.privacy.register import get_register
from kolk.privacy.statement import ARTICLE30_COLUMNS, article30_rows, render_statement


class Command(BaseCommand):
    help = "The privacy statement and the GDPR art. 30 register, generated from the processing register."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        statement = sub.add_parser("statement", help="print the public privacy statement")
        statement.add_argument("--lang", choices=["nl", "en"], default="nl")
        statement.add_argument("--format", choices=["html", "md"], default="html", dest="fmt")
        register = sub.add_parser("register", help="print the art. 30 register of processing activities")
        register.add_argument("--lang", choices=["nl", "en"], default="nl")
        register.add_argument("--format", choices=["csv", "json", "html"], default="csv", dest="fmt")
        sub.add_parser("check", help="hold the live database against every promise; non-zero when one is broken")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        lang, fmt = options.get("lang", "nl"), options.get("fmt", "")
        if action == "check":
            self.check_promises()
        elif action == "statement":
            self.stdout.write(render_statement(lang, fmt), ending="")
        elif action == "register":
            self.write_register(lang, fmt)
        else:  # pragma: no cover - argparse refuses other actions
            raise CommandError(f"unknown action {action}")

    def check_promises(self) -> None:
        findings = run_checks()
        for finding in findings:
            style = self.style.ERROR if finding.level == BROKEN else self.style.WARNING
            self.stdout.write(style(f"{finding.level.upper():<7} {finding.check:<14} {finding.message}"))
        broken = sum(1 for f in findings if f.level == BROKEN)
        if broken:
            raise CommandError(f"{broken} promises of the privacy statement are broken")
        self.stdout.write(self.style.SUCCESS("every promise of the privacy statement is kept"))

    def write_register(self, lang: str, fmt: str) -> None:
        rows = article30_rows(lang)
        if fmt == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=ARTICLE30_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        elif fmt == "json":
            register = get_register()
            document = {
                "controller": register.controller,
                "version": register.version.isoformat(),
                "activities": rows,
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            with translation.override(lang):
                self.stdout.write(
                    render_to_string(
                        "privacy/article30.html",
                        {
                            "cells": [[row[c] for c in ARTICLE30_COLUMNS] for row in rows],
                            "columns": ARTICLE30_COLUMNS,
                            "lang": lang,
                            "controller": get_register().controller,
                        },
                    ),
                    ending="",
                )
