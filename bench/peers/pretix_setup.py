"""Run by pretix's own Python (var/peers/pretix/venv): what the bench's ticket race needs in pretix.

    PRETIX_CONFIG_FILE=var/peers/pretix/pretix.cfg var/peers/pretix/venv/bin/python bench/peers/pretix_setup.py --size 4800

Through pretix's Django ORM, as `python -m pretix shell` would: an organizer
(once), a team with all event permissions and its API token (once), and for each
run a new event with one item (a regular ticket at EUR 9.50, as kolk's show) and
one quota of `--size`. Prints what the load generator needs as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from decimal import Decimal


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, required=True, help="the quota's size (kolk's show's capacity)")
    parser.add_argument("--label", default="bench")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pretix.settings")
    import django

    django.setup()
    from django.utils.timezone import now
    from django_scopes import scopes_disabled
    from pretix.base.models import Event, Item, Organizer, Quota, Team

    with scopes_disabled():
        organizer = Organizer.objects.filter(slug="kolk-bench").first()
        if organizer is None:
            organizer = Organizer.objects.create(name="kolk bench", slug="kolk-bench")
        team = Team.objects.filter(organizer=organizer, name="bench").first()
        if team is None:
            team = Team.objects.create(
                organizer=organizer,
                name="bench",
                all_events=True,
                all_event_permissions=True,
                all_organizer_permissions=True,
            )
        token = team.tokens.filter(active=True, name="bench").first() or team.tokens.create(name="bench")
        stamp = now().strftime("%Y%m%d%H%M%S%f")
        event = Event.objects.create(
            organizer=organizer,
            name=f"{args.label} {stamp}",
            slug=f"b{stamp}",
            date_from=now() + dt.timedelta(days=30),
            currency="EUR",
            live=True,
        )
        event.settings.set("locales", ["en"])
        event.settings.set("payment_boxoffice__enabled", True)
        item = Item.objects.create(event=event, name="Regular", default_price=Decimal("9.50"), admission=True)
        quota = Quota.objects.create(event=event, name="Show", size=args.size)
        quota.items.add(item)
    json.dump(
        {
            "organizer": organizer.slug,
            "event": event.slug,
            "event_id": event.pk,
            "item": item.pk,
            "quota": quota.pk,
            "size": args.size,
            "token": token.token,
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
