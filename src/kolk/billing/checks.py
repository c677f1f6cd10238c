"""System checks of billing: the SEPA creditor settings are valid, and real outside DEBUG."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02

DEMO_CREDITOR_ID = "NL95ZZZ012345670000"
DEMO_CREDITOR_IBAN = "NL20INGB0001234567"


@register()
def sepa_creditor(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not at_02.is_valid(settings.KOLK_SEPA_CREDITOR_ID):
        messages.append(
            Error(
                "KOLK_SEPA_CREDITOR_ID is not a valid SEPA creditor identifier.",
                hint="Use the incassant-ID the bank gave DNK, like NL95ZZZ012345670000.",
                id="kolk.billing.E001",
            )
        )
    try:
        IBAN(settings.KOLK_SEPA_CREDITOR_IBAN)
    except (SchwiftyException, ValueError):
        messages.append(Error("KOLK_SEPA_CREDITOR_IBAN is not a valid IBAN.", id="kolk.billing.E002"))
    if not settings.DEBUG and (
        settings.KOLK_SEPA_CREDITOR_ID == DEMO_CREDITOR_ID or settings.KOLK_SEPA_CREDITOR_IBAN == DEMO_CREDITOR_IBAN
    ):
        messages.append(
            Warning(
                "The SEPA creditor id or IBAN has its demo value while DEBUG is off; banks refuse its files.",
                hint="Set KOLK_SEPA_CREDITOR_ID and KOLK_SEPA_CREDITOR_IBAN in the environment.",
                id="kolk.billing.W001",
            )
        )
    return messages
