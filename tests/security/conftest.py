"""The access tests share one world per module (tests/security/world.py)."""

from tests.security.world import world

__all__ = ["world"]
