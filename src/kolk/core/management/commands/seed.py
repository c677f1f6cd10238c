"""`kolk seed --demo`: load the demo data of every app and print the demo logins."""

from __future__ import annotations

import importlib
from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from kolk.core.clock import now
from kolk.core.demo import DemoContext
from kolk.core.models import SeedRun


def demo_modules() -> list[Any]:
    modules = []
    for config in apps.get_app_configs():
        if config.name.startswith("kolk.") and module_has_submodule(config.module, "demo"):
            module = importlib.import_module(f"{config.name}.demo")
            if hasattr(module, "seed_demo"):
                modules.append(module)
    return modules


class Command(BaseCommand):
    help = "Load demo data (Faker nl_NL) and print the demo logins. Safe to run twice."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--demo", action="store_true", help="load the demo data set")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args: Any, demo: bool, seed: int, **options: Any) -> None:
        if not demo:
            raise CommandError("say what to seed: --demo")
        ctx = DemoContext(seed=seed)
        for module in demo_modules():
            key = module.__name__
            done = SeedRun.objects.filter(key=key).exists()
            ctx.reseed(key)
            with transaction.atomic():
                if not done:
                    self.stdout.write(f"loading demo data: {key}")
                # Modules also announce their logins when already loaded.
                module.seed_demo(ctx, load=not done)
                if not done:
                    SeedRun.objects.create(key=key, finished_at=now())
        if ctx.logins:
            self.stdout.write(self.style.SUCCESS("\nDemo logins (http://127.0.0.1:8000):"))
            width = max(len(u) for u, _p, _r in ctx.logins)
            for username, password, role in ctx.logins:
                self.stdout.write(f"  {username.ljust(width)}  {password}  ({role})")
