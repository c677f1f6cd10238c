"""iDEAL through Mollie: the one client the shop (kolk.boxoffice) and the portal's invoices use.

Billing sits below the box office (DESIGN.md layers), so the client lives here
and both reach it. Tests replay recorded answers through `http_session`
(tests/boxoffice/mollie_replay.py): no network.
"""

from __future__ import annotations

import re

import requests
from django.conf import settings
from mollie.api.client import Client

# Without network the buyer waits at most the connect timeout, once: no retries on top of it (the
# client's default retried three times, six seconds with the button seemingly dead).
MOLLIE_TIMEOUT = (2, 10)  # seconds to connect, to read

# A Mollie payment id: "tr_" and letters and digits (tr_7UhSN1zuXS), as long as our columns hold.
MOLLIE_ID = re.compile(r"tr_[A-Za-z0-9]{1,61}")


def http_session() -> requests.Session | None:
    """The HTTP session for Mollie; None lets the client make its own. Tests replay recorded responses here."""
    return None


def mollie_client(*, session: requests.Session | None = None) -> Client:
    """A Mollie client with kolk's API key and timeouts, over `session` (or `http_session()`) when given."""
    client = Client(timeout=MOLLIE_TIMEOUT, retry=0)
    client.set_api_key(settings.KOLK_MOLLIE_API_KEY)
    session = session if session is not None else http_session()
    if session is not None:
        client._client = session  # the client's own seam for its requests.Session
    return client


def mollie_amount(cents: int) -> dict[str, str]:
    """An amount the way Mollie writes it: {"currency": "EUR", "value": "25.00"}."""
    return {"currency": "EUR", "value": f"{cents // 100}.{cents % 100:02d}"}
