"""The site's counts against abuse: kolk.core.throttle, where the API counts too."""

from __future__ import annotations

from kolk.core.throttle import Take, throttle_key, throttle_take

__all__ = ["Take", "throttle_key", "throttle_take"]
