"""Money as people read it: euros in Dutch notation. Cents exist only inside the code.

    euros(4950)    -> "€ 49,50"
    euros(125000)  -> "€ 1.250,00"
    euros(-500)    -> "-€ 5,00"

Every page, mail, PDF, kiosk screen and message formats amounts here (UX.md,
"Money, dates and words"); the template filter `euros` (kolk.core.templatetags.money)
calls this.
"""

from __future__ import annotations

NBSP = "\u00a0"  # keeps "€" and the amount on one line


def euros(cents: int, *, nbsp: bool = False) -> str:
    """An amount in cents as `€ 1.250,00` (a no-break space after the sign with `nbsp`)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    grouped = f"{whole:,}".replace(",", ".")
    return f"{sign}€{NBSP if nbsp else ' '}{grouped},{part:02d}"
