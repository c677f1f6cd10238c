"""System checks of the project itself: no demo secret outside DEBUG."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def demo_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """With DEBUG off, kolk refuses to run while a secret has its demo value."""
    if settings.DEBUG:
        return []
    from kolk import settings as defaults

    errors = []
    for name, demo in (
        ("SECRET_KEY", defaults.DEMO_SECRET_KEY),
        ("KOLK_AUDIT_KEY", defaults.DEMO_AUDIT_KEY),
        ("KOLK_FIELD_KEY", defaults.DEMO_FIELD_KEY),
    ):
        if getattr(settings, name) == demo:
            env = "KOLK_SECRET_KEY" if name == "SECRET_KEY" else name
            errors.append(
                Error(
                    f"{name} has its demo value while DEBUG is off.",
                    hint=f"Set {env} in the environment to a long random secret.",
                    id="kolk.E001",
                )
            )
    return errors
