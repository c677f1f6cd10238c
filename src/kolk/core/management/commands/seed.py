"""`kolk seed --demo` (demo data and logins) and `kolk seed --scale province|N` (a province's data)."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.urls import reverse
from django.utils.module_loading import module_has_submodule

from kolk.core.clock import now, today
from kolk.core.demo import DemoContext
from kolk.core.models import ScaleRun, SeedRun
from kolk.core.scale import PROVINCE, ScaleContext, finish_database, phase_done, phase_keys, scale_modules


def demo_modules() -> list[Any]:
    modules = []
    for config in apps.get_app_configs():
        if config.name.startswith("kolk.") and module_has_submodule(config.module, "demo"):
            module = importlib.import_module(f"{config.name}.demo")
            if hasattr(module, "seed_demo"):
                modules.append(module)
    return modules


def scale_members(value: str) -> int:
    if value == "province":
        return PROVINCE
    try:
        members = int(value)
    except ValueError:
        raise CommandError(f"--scale takes 'province' or a number of members, not '{value}'") from None
    if members < 50:
        raise CommandError("--scale needs at least 50 members")
    return members


class Command(BaseCommand):
    help = (
        "Load demo data (Faker nl_NL) and print the demo logins, or fill an empty database with "
        "a province's worth of data (--scale province, or a number of members). Safe to run twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--demo", action="store_true", help="load the demo data set")
        parser.add_argument("--scale", help="'province' (150,000 members) or a number of members")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--force", action="store_true", help="add scale data beside data already there")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, demo: bool, scale: str | None, seed: int, **options: Any) -> None:
        if scale is not None:
            if demo:
                raise CommandError("seed either --demo or --scale, not both")
            self.seed_scale(scale_members(scale), seed, force=options["force"], progress=not options["no_progress"])
            return
        if not demo:
            raise CommandError("say what to seed: --demo or --scale province|N")
        if not settings.DEBUG:
            # The demo's logins have a password and second factor that are in the source.
            raise CommandError(
                "kolk seed --demo refuses to run with DEBUG off: its logins (superuser included) have a "
                "public password and second factor. The demo is for KOLK_DEBUG=true only; nothing was written."
            )
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
            self.stdout.write(self.style.SUCCESS(f"\nDemo logins ({settings.KOLK_SITE_URL}):"))
            width = max(len(u) for u, _p, _r in ctx.logins)
            for username, password, role in ctx.logins:
                self.stdout.write(f"  {username.ljust(width)}  {password}  ({role})")
            site = settings.KOLK_SITE_URL
            self.stdout.write(
                f"Members log in at {site}{reverse('web:login')}, staff at {site}{reverse('desk:login')}, "
                f"administrators also reach {site}{reverse('admin:index')}."
            )

    # Scale data

    def scale_plan(self, members: int, seed: int, *, force: bool, progress: bool) -> ScaleContext:
        """The plan of this database's scale data: made by the first run, kept for the next."""
        plan = ScaleRun.objects.filter(key="plan").first()
        if plan is not None:
            p = plan.params
            if (p["seed"], p["members"]) != (seed, members):
                raise CommandError(
                    f"this database holds scale data for --scale {p['members']} --seed {p['seed']}; "
                    "seed an empty database for other figures"
                )
        else:
            subjects = apps.get_model(settings.PRIVACY_SUBJECT_MODEL)._default_manager.count()
            if (subjects or SeedRun.objects.exists()) and not force:
                raise CommandError(
                    f"this database already holds data ({subjects} people"
                    f"{', demo data' if SeedRun.objects.exists() else ''}); `kolk seed --scale` fills an empty "
                    "database. Use a new database, or add --force to put the scale data beside it."
                )
            bases = {}
            for model in apps.get_models():
                pk = model._meta.pk
                if model._meta.app_label in {"contenttypes", "auth", "admin", "sessions"} or not isinstance(
                    pk, models.AutoField | models.BigAutoField
                ):
                    continue
                top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
                bases[model._meta.label_lower] = (top or 0) + 1
            params = {"seed": seed, "members": members, "today": today().isoformat(), "bases": bases}
            plan = ScaleRun.objects.create(key="plan", finished_at=now(), params=params)
        p = plan.params
        return ScaleContext(
            seed=p["seed"],
            members=p["members"],
            today=dt.date.fromisoformat(p["today"]),
            bases=p["bases"],
            progress=progress,
        )

    def seed_scale(self, members: int, seed: int, *, force: bool, progress: bool) -> None:
        ctx = self.scale_plan(members, seed, force=force, progress=progress)
        modules = scale_modules()
        for module in modules:
            if hasattr(module, "plan"):
                module.plan(ctx)
        done = set(ScaleRun.objects.values_list("key", flat=True))
        self.stdout.write(f"scale data: {ctx.members} members, seed {ctx.seed}, around {ctx.today:%Y-%m-%d}")
        for module in modules:
            for key, phase in phase_keys(ctx, module):
                if key in done:
                    continue
                started = time.monotonic()
                with transaction.atomic():
                    rows = phase(ctx)
                    phase_done(ctx, key, rows)
                    run = ScaleRun.objects.create(key=key, finished_at=now(), rows=rows)
                seconds = time.monotonic() - started  # with the commit: it checks what the phase wrote
                ScaleRun.objects.filter(pk=run.pk).update(seconds=seconds)
                rate = rows / seconds if seconds else 0
                self.stdout.write(f"  {key:<28} {rows:>11,} rows {seconds:8.1f} s {rate:>11,.0f} rows/s")
        if "finish" not in done:
            started = time.monotonic()
            finish_database()
            seconds = time.monotonic() - started
            ScaleRun.objects.create(key="finish", finished_at=now(), seconds=seconds)
            self.stdout.write(f"  {'finish (check keys, analyze)':<28} {'':>16} {seconds:8.1f} s")
        runs = ScaleRun.objects.exclude(key="plan")
        rows = sum(r.rows for r in runs)
        seconds = sum(r.seconds for r in runs)
        self.stdout.write(
            self.style.SUCCESS(
                f"scale data complete: {rows:,} rows in {seconds:.1f} s of phases ({ctx.members} members)"
            )
        )
