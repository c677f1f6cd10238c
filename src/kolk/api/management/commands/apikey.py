"""`kolk apikey create NAME --scope desk --expires 2027-12-31`, `kolk apikey list`, `kolk apikey revoke NAME`.

API keys of machine clients from the command line, as on the administrator's
page (/balie/api-sleutels/). A new key is printed once and kept nowhere; what
the command does is in the audit log with kolk itself ("system") as actor.
"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kolk.core.errors import KolkError
from kolk.people.api_keys import (
    SCOPES,
    api_client_create,
    api_client_named,
    api_client_revoke,
    api_clients_list,
    client_last_day,
    client_scopes,
    client_status,
)
from kolk.privacy.audit import actor_ref


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--expires takes a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "API keys of machine clients: create one (printed once), list them, revoke one."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new client and its key, printed once")
        create.add_argument("name", help="lower-case letters, digits and hyphens, e.g. uitmarkt-assen")
        create.add_argument(
            "--scope",
            action="append",
            required=True,
            help=f"a role the client acts in, one of {', '.join(r.value for r in SCOPES)}; repeat or separate by commas",
        )
        create.add_argument("--expires", required=True, help="the last day the key works (YYYY-MM-DD)")
        create.add_argument("--organisation", default="", help="the partner organisation (never a person's name)")
        sub.add_parser("list", help="every client, its scopes and status")
        revoke = sub.add_parser("revoke", help="revoke a client's key for good")
        revoke.add_argument("name")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "create":
                self.create(options)
            elif action == "list":
                self.list()
            else:
                self.revoke(options["name"])
        except KolkError as exc:
            raise CommandError(str(exc.message)) from exc

    def create(self, options: dict[str, Any]) -> None:
        scopes = [s.strip() for value in options["scope"] for s in value.split(",") if s.strip()]
        issued = api_client_create(
            name=options["name"],
            organisation=options["organisation"],
            scopes=scopes,
            expires_on=_date(options["expires"]),
            actor=None,
        )
        client = issued.client
        self.stderr.write(
            f"client {client.name} ({', '.join(client_scopes(client))}), valid through {client_last_day(client)}, "
            f"audit log actor {actor_ref(client.user)}. The key is shown this once; it is not stored:"
        )
        self.stdout.write(issued.key)

    def list(self) -> None:
        rows = [("name", "organisation", "scopes", "status", "valid through", "last used", "key starts", "audit actor")]
        for client in api_clients_list():
            rows.append(
                (
                    client.name,
                    client.organisation or "-",
                    ",".join(client_scopes(client)),
                    client_status(client).value,
                    client_last_day(client).isoformat(),
                    timezone.localtime(client.last_used_at).strftime("%Y-%m-%d %H:%M") if client.last_used_at else "-",
                    f"kolk_{client.prefix}",
                    actor_ref(client.user),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def revoke(self, name: str) -> None:
        client = api_client_named(name)
        if client is None:
            raise CommandError(f"no API client named {name!r}")
        api_client_revoke(client=client, actor=None)
        self.stdout.write(f"revoked: {client.name}; its key no longer works")
