"""`kolk otp code <username>` and `kolk otp url <username>`: the demo's second factor without a phone.

Only with DEBUG on: in production a code comes from the user's own app, never from the server.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kolk.core.otp import b32_key, confirmed_device, current_code


class Command(BaseCommand):
    help = "Demo only (DEBUG on): print a user's current TOTP code, or the otpauth URL to scan."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("what", choices=["code", "url", "secret"])
        parser.add_argument("username")

    def handle(self, *args: Any, what: str, username: str, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("kolk otp is for the demo only and refuses to run with DEBUG off")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        device = confirmed_device(user)
        if device is None:
            raise CommandError(f"{username} has no confirmed TOTP device")
        if what == "code":
            self.stdout.write(current_code(device))
        elif what == "url":
            self.stdout.write(str(device.config_url))
        else:
            self.stdout.write(b32_key(device))
