"""`kolk kiosk create NAME --branch CODE | rotate NAME | list | disable NAME | enable NAME`: kiosk accounts."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kolk.core.errors import KolkError
from kolk.library.kiosks import kiosk_named, kiosks_all
from kolk.library.models import Branch, Kiosk
from kolk.library.services.kiosks import kiosk_create, kiosk_disable, kiosk_enable, kiosk_rotate


class Command(BaseCommand):
    help = "Self-service kiosks' SIP2 accounts: create, rotate the password, list, disable, enable."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new kiosk at a branch; prints its password once")
        create.add_argument("name")
        create.add_argument("--branch", required=True, help="the branch's code")
        rotate = sub.add_parser("rotate", help="a new password (printed once); the old one stops working")
        rotate.add_argument("name")
        sub.add_parser("list", help="every kiosk, its branch and state")
        disable = sub.add_parser("disable", help="switch a kiosk off: it can no longer sign in")
        disable.add_argument("name")
        enable = sub.add_parser("enable", help="switch a kiosk on again")
        enable.add_argument("name")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            self.list()
            return
        if action == "create":
            branch = Branch.objects.filter(code=options["branch"]).first()
            if branch is None:
                codes = ", ".join(Branch.objects.order_by("code").values_list("code", flat=True)) or "none"
                raise CommandError(f"no branch with code '{options['branch']}' (branches: {codes})")
            try:
                kiosk, secret = kiosk_create(name=options["name"], branch=branch, actor=None)
            except KolkError as exc:
                raise CommandError(str(exc.message)) from exc
            self.stdout.write(f"kiosk {kiosk.name} at {branch.code}: SIP2 login CN={kiosk.name}")
            self.stdout.write(f"password (shown once): {secret}")
            return
        kiosk = self.kiosk(options["name"])
        if action == "rotate":
            secret = kiosk_rotate(kiosk=kiosk, actor=None)
            self.stdout.write(f"kiosk {kiosk.name}: new password (shown once): {secret}")
        elif action == "disable":
            kiosk_disable(kiosk=kiosk, actor=None)
            self.stdout.write(f"kiosk {kiosk.name} disabled")
        elif action == "enable":
            kiosk_enable(kiosk=kiosk, actor=None)
            self.stdout.write(f"kiosk {kiosk.name} enabled")

    def kiosk(self, name: str) -> Kiosk:
        kiosk = kiosk_named(name)
        if kiosk is None:
            raise CommandError(f"no kiosk named '{name}'")
        return kiosk

    def list(self) -> None:
        rows = list(kiosks_all())
        if not rows:
            self.stdout.write("no kiosks yet: kolk kiosk create NAME --branch CODE")
        for kiosk in rows:
            state = "disabled" if kiosk.disabled_at else "enabled"
            self.stdout.write(
                f"{kiosk.name}\t{kiosk.branch.code}\t{state}\tpassword set {kiosk.secret_set_at:%Y-%m-%d %H:%M}"
            )
