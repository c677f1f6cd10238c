"""The frame for demo data: each app's `demo.py` defines `seed_demo(ctx)`.

`kolk seed --demo` calls them in INSTALLED_APPS order, each in one transaction,
and remembers which have run, so running it twice changes nothing and a crash
halfway is finished by the next run. It refuses to run with DEBUG off, and the
system check `kolk.core.checks.demo_data` refuses a database that holds demo data,
a demo login or a demo second factor outside DEBUG.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

DEMO_PASSWORD = "kolk-demo-2026"  # noqa: S105 - printed on purpose: demo logins only
# Every login the demo makes, all with DEMO_PASSWORD: the check looks for exactly these.
DEMO_USERNAMES = ("balie", "bieb", "kassa", "marketing", "privacy", "beheer", "lid")


@dataclass
class DemoContext:
    """What a demo module gets: a seeded Faker (nl_NL), a random source, and the logins list."""

    seed: int = 2026
    faker: Faker = field(init=False)
    random: random.Random = field(init=False)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.faker = Faker("nl_NL")
        self.faker.seed_instance(self.seed)
        self.random = random.Random(self.seed)

    def reseed(self, key: str) -> None:
        """Give a module random values of its own, so that it loads the same data whether or
        not the modules before it ran in this process (a run killed halfway is resumed)."""
        self.faker.seed_instance(f"{self.seed}:{key}")
        self.random = random.Random(f"{self.seed}:{key}")

    def login(self, username: str, role: str, password: str = DEMO_PASSWORD) -> None:
        """Announce a demo login; `kolk seed --demo` prints them all."""
        if username not in DEMO_USERNAMES:
            # The check finds demo logins by these names: one outside them would pass it unseen.
            raise ValueError(f"demo login {username!r} is not in DEMO_USERNAMES")
        self.logins.append((username, password, role))
