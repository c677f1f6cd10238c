"""The secrets a buyer holds, made and recognised in one place: an order's token and a ticket's code.

Both are random bytes written as URL-safe base64, so each has one shape. A value
of another shape (a NUL byte, a space, the wrong length) is no token or code of
ours: lookups answer "not found" without asking the database, which on
PostgreSQL refuses some of those values outright.
"""

from __future__ import annotations

import re
import secrets

# 18 bytes are 24 characters of base64, 12 bytes 16, with no padding.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")
_CODE = re.compile(r"[A-Za-z0-9_-]{16}")


def order_token() -> str:
    """A new order's token, the guest's only key to the order: 144 random bits."""
    return secrets.token_urlsafe(18)


def ticket_code() -> str:
    """A new ticket's code for its QR: 96 random bits."""
    return secrets.token_urlsafe(12)


def is_order_token(value: str) -> bool:
    return _TOKEN.fullmatch(value) is not None


def is_ticket_code(value: str) -> bool:
    return _CODE.fullmatch(value) is not None


def code_display(code: str) -> str:
    """A gift voucher's or discount code as people read it: ABCD-EFGH-JKMN-PQRS."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
