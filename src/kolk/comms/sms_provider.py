"""Who carries a text message: the provider interface and CM.com behind it.

A provider takes one message (number, text, our reference) and answers with
`Accepted` (the provider has it) or raises `SmsRefused` (never worth a retry:
the number is no mobile number, the text is refused) or `SmsUnavailable` (try
again later: the provider is away, answers 5xx or 429, or refuses our account
until someone fixes the token or the balance). `sms_provider()` reads the
settings; it is None while no provider is configured, and then kolk neither
offers SMS nor queues one.

CM.com (Breda) is the provider Dutch libraries and theatres commonly use; its
Business Messaging API is one JSON POST. Tests replay recorded answers through
`http_session` (tests/comms/cm_replay.py): no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests
from django.conf import settings

CM_URL = "https://gw.messaging.cm.com/v1.0/message"
CM_TIMEOUT = (3, 15)  # seconds to connect, to read


class SmsError(Exception):
    """The provider did not take the message."""


class SmsRefused(SmsError):
    """Permanent: the same message will be refused again (a bad number)."""


class SmsUnavailable(SmsError):
    """Temporary: the provider may take the message later."""


@dataclass(frozen=True)
class Accepted:
    provider: str
    parts: int = 1


class SmsProvider(Protocol):
    name: str

    def send(self, *, to: str, text: str, reference: str) -> Accepted: ...


def http_session() -> requests.Session:
    """The HTTP session for the provider; tests replay recorded answers here."""
    return requests.Session()


class CmProvider:
    """CM.com's Business Messaging API (JSON, product token), SMS only."""

    name = "cm"

    def __init__(self, *, product_token: str, sender: str, session: requests.Session | None = None) -> None:
        self.product_token = product_token
        self.sender = sender[:11]  # an alphanumeric sender has at most 11 characters
        self.session = session

    @staticmethod
    def _number(e164: str) -> str:
        # CM writes numbers with the 00 prefix: +31612345678 -> 0031612345678.
        return "00" + e164.lstrip("+")

    def send(self, *, to: str, text: str, reference: str) -> Accepted:
        body: dict[str, Any] = {
            "messages": {
                "authentication": {"producttoken": self.product_token},
                "msg": [
                    {
                        "allowedChannels": ["SMS"],
                        "from": self.sender,
                        "to": [{"number": self._number(to)}],
                        "body": {"type": "auto", "content": text},
                        "reference": reference,
                        # Long notices go as one message of several parts, never cut.
                        "minimumNumberOfMessageParts": 1,
                        "maximumNumberOfMessageParts": 8,
                    }
                ],
            }
        }
        session = self.session or http_session()
        try:
            response = session.post(CM_URL, json=body, timeout=CM_TIMEOUT)
        except requests.RequestException as exc:
            raise SmsUnavailable(f"CM.com not reached: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise SmsUnavailable(f"CM.com answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise SmsUnavailable(f"CM.com answered {response.status_code} without JSON") from exc
        messages = answer.get("messages") or []
        mine = next((m for m in messages if m.get("reference") == reference), messages[0] if messages else {})
        if response.status_code < 300 and mine.get("status") == "Accepted":
            return Accepted(provider=self.name, parts=int(mine.get("parts") or 1))
        if mine.get("status") == "Rejected":
            # The message itself is wrong (the number, the text): sending it again changes nothing.
            raise SmsRefused(f"CM.com rejected it: {mine.get('messageDetails') or answer.get('details')}")
        # No verdict on the message: the request as a whole failed (token, balance, CM's own trouble).
        raise SmsUnavailable(f"CM.com answered {response.status_code}: {answer.get('details', '')}"[:300])


def sms_provider() -> SmsProvider | None:
    """The configured provider, or None: then kolk sends no text messages and offers none."""
    if settings.KOLK_SMS_PROVIDER == "cm" and settings.KOLK_SMS_CM_PRODUCT_TOKEN:
        return CmProvider(product_token=settings.KOLK_SMS_CM_PRODUCT_TOKEN, sender=settings.KOLK_SMS_SENDER)
    return None


def sms_available() -> bool:
    return sms_provider() is not None
