"""Tickets people carry, as a PDF (WeasyPrint): a QR code per ticket (segno, drawn inline as SVG),
the show, the seat, the price and the Kijkwijzer rating. Two page sizes: A4 to print at home or at
the office, and 80 mm for the till's receipt printer (one ticket per strip)."""

from __future__ import annotations

import io
from typing import Any, Literal

import segno
from django.template.loader import render_to_string
from django.utils import translation

from kolk.boxoffice.models import Order, Show, Ticket
from kolk.privacy.register import get_register

Paper = Literal["a4", "receipt"]
PAPERS: tuple[Paper, ...] = ("a4", "receipt")


def qr_svg(code: str, *, scale: int) -> str:
    """A ticket's QR code as inline SVG for the PDF (the door scanner reads the code itself)."""
    out = io.BytesIO()
    segno.make(code, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """A ticket loads nothing from anywhere: everything it needs is inline."""
    raise ValueError(f"ticket PDFs load no resources ({url[:40]})")


def _shows(order: Order, tickets: list[Ticket]) -> dict[int, Show]:
    """Each ticket's show: the order's, or for a theaterabonnement its shows, read in one query."""
    shows = {order.show_id: order.show}
    others = {t.show_id for t in tickets} - set(shows)
    if others:
        shows.update(
            (s.pk, s) for s in Show.objects.select_related("hall__venue", "film", "production").filter(pk__in=others)
        )
    return shows


def tickets_html(order: Order, tickets: list[Ticket], *, paper: Paper = "a4", lang: str = "nl") -> str:
    shows = _shows(order, tickets)
    context = {
        "order": order,
        "show": order.show,
        "tickets": [
            (t, qr_svg(t.code, scale=6 if paper == "a4" else 4), shows[t.show_id], _rating(shows[t.show_id]))
            for t in tickets
        ],
        "paper": paper,
        "controller": get_register().controller,
        "lang": lang,
    }
    with translation.override(lang):
        return render_to_string("boxoffice/tickets_pdf.html", context)


def _rating(show: Show) -> str:
    return show.film.age_rating if show.film_id and show.film else ""


def tickets_pdf(order: Order, tickets: list[Ticket], *, paper: Paper = "a4", lang: str = "nl") -> bytes:
    """The tickets of a paid order as PDF bytes, on A4 or on an 80 mm receipt roll."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}")
    from weasyprint import HTML  # loaded when a PDF is made: the site runs without Pango

    pdf = HTML(string=tickets_html(order, tickets, paper=paper, lang=lang), url_fetcher=_refuse).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
