"""Reads of the portal: a member's choices as rows to show, their activity, and catalogue availability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from kolk.library.models import OUT_OF_CIRCULATION, Copy
from kolk.library.selectors import fines_uninvoiced_cents
from kolk.privacy.ledger import choices_of
from kolk.privacy.register import get_register
from kolk.web.models import PortalEvent

# Objections a member makes in one click: the statement's own "you can object"
# sections (profiling, newsletter, offers) and marketing analysis. Objecting to
# other legitimate-interest uses (art. 21(1)) needs weighing: that goes via the desk.
MARKETING = ("marketing_analysis",)


@dataclass(frozen=True)
class ConsentRow:
    purpose: str
    label: str
    text: str
    given: bool


@dataclass(frozen=True)
class ObjectionRow:
    purpose: str
    label: str
    channel: str
    objects: bool

    @property
    def channel_label(self) -> str:
        labels = {"post": _("per post"), "email": _("per e-mail"), "phone": _("per telefoon")}
        return str(labels.get(self.channel, ""))


def one_click_objections() -> list[tuple[str, tuple[str, ...]]]:
    """(purpose, channels) a member may object to in the portal; channels empty = all at once."""
    return [(purpose, channels) for purpose, (channels, _title) in _objectable().items()]


def _objectable() -> dict[str, tuple[tuple[str, ...], Any]]:
    """purpose -> (channels, the title it is known by: its statement section's, else its own label)."""
    register = get_register()
    result: dict[str, tuple[tuple[str, ...], Any]] = {}
    for section in register.sections.values():
        if section.objection:
            for row in section.rows:
                for purpose in row.purposes:
                    result[purpose] = (section.channels, section.title)
    for purpose in MARKETING:
        result.setdefault(purpose, ((), register.purposes[purpose].label))
    allowed = set(register.objection_purposes())
    return {p: v for p, v in result.items() if p in allowed}


def portal_choices(person: Any, lang: str) -> dict[str, Any]:
    """The consents (with their exact text) and objections of one person, as rows."""
    register = get_register()
    state = choices_of(person)
    consents = [
        ConsentRow(
            purpose=p,
            label=register.purposes[p].label.get(lang),
            text=register.consent_texts[p].text.get(lang),
            given=bool(state["consents"].get(p)),
        )
        for p in register.consent_purposes()
    ]
    objections = []
    for purpose, (channels, title) in _objectable().items():
        label = title.get(lang)
        general = state["objections"].get((purpose, "")) is True
        for channel in channels or ("",):
            objects = general or state["objections"].get((purpose, channel)) is True
            objections.append(ObjectionRow(purpose=purpose, label=label, channel=channel, objects=objects))
    return {"consents": consents, "objections": objections, "restricted": state["restricted"]}


ACTIVITY_LIMIT = 50


def portal_activity(person: Any) -> list[PortalEvent]:
    """The member's latest portal actions: what we keep as evidence (A01/A02), shown to them."""
    return list(PortalEvent.objects.filter(person=person).order_by("-at", "-id")[:ACTIVITY_LIMIT])


def catalogue_availability(title_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per title: (copies on the shelf, copies in circulation), in one query; damaged, lost and withdrawn don't count."""
    rows = (
        Copy.objects.filter(title_id__in=title_ids)
        .exclude(status__in=OUT_OF_CIRCULATION)
        .values("title_id")
        .annotate(on_shelf=Count("pk", filter=Q(status=Copy.Status.AVAILABLE)), total=Count("pk"))
    )
    return {row["title_id"]: (row["on_shelf"], row["total"]) for row in rows}


def portal_today(person: Any, *, soon_days: int = 3) -> dict[str, Any]:
    """What matters to a member today (UX.md): open loans flagged overdue or due soon, reservations
    ready to collect (where and until when), what is owed, and the next tickets."""
    import datetime as dt

    from kolk.billing.selectors import open_amount_cents
    from kolk.boxoffice.models import Order
    from kolk.core.clock import now, today
    from kolk.library.models import Reservation
    from kolk.library.selectors import loans_open

    on = today()
    soon = on + dt.timedelta(days=soon_days)
    loans = [
        {"loan": loan, "overdue": loan.due_on < on, "soon": on <= loan.due_on <= soon}
        for loan in loans_open(person).order_by("due_on", "pk")
    ]
    ready = list(
        Reservation.objects.filter(person=person, status=Reservation.Status.READY)
        .select_related("title", "pickup_branch")
        .order_by("expires_on", "pk")
    )
    orders = list(
        Order.objects.filter(person=person, status=Order.Status.PAID, show__starts_at__gte=now())
        .select_related("show__hall__venue", "show__film", "show__production")
        .annotate(ticket_count=Count("tickets"))
        .order_by("show__starts_at", "pk")[:3]
    )
    return {
        "loans": loans,
        "overdue_count": sum(1 for row in loans if row["overdue"]),
        "ready": ready,
        "owed_cents": open_amount_cents(person) + fines_uninvoiced_cents(person),  # fines not yet on an invoice too
        "next_orders": orders,
    }


def title_availability(title: Any) -> list[dict[str, Any]]:
    """Per branch that has the title: copies on the shelf and copies in circulation (damaged, lost and withdrawn not)."""
    from kolk.library.models import Branch

    rows = (
        Copy.objects.filter(title=title)
        .exclude(status__in=OUT_OF_CIRCULATION)
        .values("branch_id")
        .annotate(on_shelf=Count("pk", filter=Q(status=Copy.Status.AVAILABLE)), total=Count("pk"))
    )
    counts = {row["branch_id"]: row for row in rows}
    branches = Branch.objects.filter(pk__in=counts).order_by("name")
    return [{"branch": b, "on_shelf": counts[b.pk]["on_shelf"], "total": counts[b.pk]["total"]} for b in branches]


def title_queue(title: Any, person: Any | None) -> dict[str, Any]:
    """How many wait for the title, and where this member stands in the queue (1 is next), if they wait.

    A reservation that a copy is already set aside for (still on a shelf, or on its way to
    the pickup branch) waits for no copy: it is not in the queue.
    """
    from kolk.library.models import Reservation

    waiting = Reservation.objects.filter(title=title, status=Reservation.Status.WAITING, copy__isnull=True)
    mine = (
        Reservation.objects.filter(title=title, person=person, status__in=["waiting", "ready"]).first()
        if person is not None
        else None
    )
    position = None
    if mine is not None and mine.status == Reservation.Status.WAITING and mine.copy_id is None:
        position = (
            waiting.filter(Q(placed_at__lt=mine.placed_at) | Q(placed_at=mine.placed_at, pk__lt=mine.pk)).count() + 1
        )
    return {"waiting": waiting.count(), "mine": mine, "position": position}
