"""What every page needs to know about the centre (from the register)."""

from typing import Any

from django.http import HttpRequest

from kolk.privacy.register import get_register


def site(request: HttpRequest) -> dict[str, Any]:
    register = get_register()
    return {"centre": register.controller, "statement_version": register.version}
