"""The ticket sale's requests in one process: statements per request and where the CPU goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kolk_profile .venv/bin/python bench/profile_tickets.py
    ... --sql                      # list each request's statements
    ... --profile named --top 40   # cProfile of the named sale's three requests (or: walkin)

Runs the box office's requests through Django's test client (the whole request path:
middleware, session, CSRF, the purpose gate, the services, the audit) on a test
database of its own (`test_<name>`, made for the run), as a box-office till with a
session sends them: a named sale (hold, checkout, pay in cash) and a walk-in sale
at the till (one request). Not part of `make test` or `make bench`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1/boxoffice"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--orders", type=int, default=300, help="orders of each kind timed (after a warm-up)")
    p.add_argument("--quantity", type=int, default=1, help="seats an order")
    p.add_argument("--sql", action="store_true", help="print each request's statements")
    p.add_argument("--profile", choices=["named", "walkin", ""], default="")
    p.add_argument("--top", type=int, default=35)
    p.add_argument("--sort", default="cumulative")
    args = p.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kolk.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args, connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace, connection: Any) -> None:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from tests.boxoffice import factories as f
    from tests.factories import UserFactory

    from kolk.core.roles import Role

    show = f.show(seat_map="60x80")
    walkin_show = f.show(seat_map="60x80")
    till = UserFactory(roles=[Role.BOX_OFFICE])
    client = Client(enforce_csrf_checks=True, HTTP_X_FORWARDED_PROTO="https")
    client.force_login(till)
    client.get("/balie/")  # sets the CSRF cookie, as the login page does for the bench's tills
    csrf = client.cookies["csrftoken"].value

    def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
        if response.status_code not in (200, 201):
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
        return response.json()  # type: ignore[no-any-return]

    def named() -> None:
        token = post(f"{API}/shows/{show.pk}/hold", {"quantity": args.quantity})["token"]
        post(f"{API}/orders/{token}/checkout", {"buyer_name": "Bench Koper", "buyer_email": "koper@example.nl"})
        assert post(f"{API}/orders/{token}/pay", {"method": "cash"})["status"] == "paid"

    def walkin() -> None:
        sold = post(f"{API}/shows/{walkin_show.pk}/sale", {"quantity": args.quantity, "method": "cash"})
        assert sold["status"] == "paid"

    for _ in range(5):  # compile, warm caches, the shows' first counts
        named()
        walkin()

    # Statements per request
    steps: list[tuple[str, Any]] = []

    def counted(name: str, fn: Any) -> Any:
        with CaptureQueriesContext(connection) as ctx:
            out = fn()
        steps.append((name, ctx.captured_queries))
        return out

    token = counted("hold", lambda: post(f"{API}/shows/{show.pk}/hold", {"quantity": args.quantity}))["token"]
    counted(
        "checkout",
        lambda: post(f"{API}/orders/{token}/checkout", {"buyer_name": "Bench Koper", "buyer_email": "k@example.nl"}),
    )
    counted("pay", lambda: post(f"{API}/orders/{token}/pay", {"method": "cash"}))
    counted(
        "walk-in sale",
        lambda: post(f"{API}/shows/{walkin_show.pk}/sale", {"quantity": args.quantity, "method": "cash"}),
    )
    for name, queries in steps:
        kinds = Counter(q["sql"].split(None, 1)[0].upper() for q in queries)
        print(f"{name}: {len(queries)} statements ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})")
        if args.sql:
            for q in queries:
                print("   ", q["sql"][:220])
    named_total = sum(len(q) for n, q in steps if n != "walk-in sale")
    print(f"named sale: {named_total} statements; walk-in sale: {len(steps[-1][1])}")

    # CPU per order (this process only: Django and the driver, not PostgreSQL)
    for label, fn in (("named", named), ("walkin", walkin)):
        start_cpu, start = time.process_time(), time.perf_counter()
        for _ in range(args.orders):
            fn()
        cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
        print(f"{label}: {1000 * cpu / args.orders:.2f} ms CPU an order ({1000 * wall / args.orders:.2f} ms wall)")

    if args.profile:
        fn = named if args.profile == "named" else walkin
        profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for the database
        profiler.enable()
        for _ in range(args.orders):
            fn()
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
