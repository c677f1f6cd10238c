"""Data for the fault scenarios, made inside a `kolk` subprocess (see harness.Scratch.python)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kolk.library.models import Subscription, SubscriptionType
from kolk.library.services.members import subscription_end, subscription_start
from kolk.people.services import person_create

LONG_AGO = dt.date(2015, 6, 1)


def subscription_type() -> SubscriptionType:
    kind, _created = SubscriptionType.objects.get_or_create(
        code="faults",
        defaults={
            "name": "Fouten",
            "period": "yearly",
            "fee_young_adult_cents": 0,
            "fee_adult_cents": 0,
            "max_loans": 20,
            "reservation_fee_cents": 0,
        },
    )
    return kind


def people(count: int, *, ended: bool, start: int = 0, email: bool = True, subscribed: bool = True) -> list[int]:
    """`count` members with a free subscription; `ended`: it ended long ago, so retention erases them."""
    kind = subscription_type()
    pks = []
    for n in range(start, start + count):
        person = person_create(
            given_name=f"Voornaam{n}",
            surname=f"Achternaam{n}",
            street="Weiersstraat",
            house_number=n + 1,
            postcode="9401 ET",
            town="Assen",
            date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=n % 7000),
            emails=[f"lid{n}@example.nl"] if email else [],
            phones=["0612345678"],
            actor=None,
        )
        pks.append(person.pk)
        if not subscribed:
            continue
        subscription = subscription_start(
            person=person, type=kind, actor=None, id_seen=True, started_on=LONG_AGO - dt.timedelta(days=400)
        )
        if ended:
            subscription_end(subscription=subscription, actor=None, on=LONG_AGO)
    return pks


def summary() -> dict[str, Any]:
    from kolk.people.models import Person
    from kolk.privacy.models import ErasureLog

    return {
        "people": sorted(Person.objects.values_list("pk", flat=True)),
        "erased": sorted(ErasureLog.objects.filter(erased_at__isnull=False).values_list("subject_pk", flat=True)),
        "queued": ErasureLog.objects.filter(erased_at__isnull=True).count(),
        "ended": Subscription.objects.filter(status=Subscription.Status.ENDED).count(),
    }


def debtors(count: int) -> int:
    """`count` people with a bank account, a signed mandate and two open invoices each."""
    from schwifty import IBAN

    from kolk.billing.models import Invoice
    from kolk.billing.services import InvoiceLineIn, bank_account_set, invoice_create, mandate_sign
    from kolk.people.models import Person

    for pk in people(count, ended=False, start=10_000):
        person = Person.objects.get(pk=pk)
        iban = IBAN.generate("NL", bank_code="INGB", account_code=f"{pk:010d}")
        bank_account_set(person=person, iban=iban.compact, holder_name=person.full_name, actor=None)
        mandate_sign(person=person, actor=None)
        for description, cents in (("Abonnement", 4950), ("Te laat", 75)):
            invoice_create(
                person=person,
                lines=[InvoiceLineIn(description=description, unit_amount_cents=cents, vat_percent=9)],
                source=Invoice.Source.SUBSCRIPTION,
                actor=None,
            )
    return Invoice.objects.count()


def collections() -> dict[str, Any]:
    from kolk.billing.models import Collection, CollectionItem, Invoice, Mandate

    return {
        "collections": Collection.objects.count(),
        "not_exported": Collection.objects.filter(exported_at__isnull=True).count(),
        "items": CollectionItem.objects.count(),
        "invoices_in_two": CollectionItem.objects.values("invoice").distinct().count()
        != CollectionItem.objects.count(),
        "open_outside": Invoice.objects.filter(status=Invoice.Status.OPEN, collection_item__isnull=True).count(),
        "sequences": sorted(Mandate.objects.values_list("sequence", flat=True).distinct()),
    }


def newsletter(count: int) -> int:
    """`count` addresses on the newsletter list and one campaign queued for all of them."""
    from kolk.comms.models import OutboxMessage
    from kolk.comms.newsletter import campaign_create, campaign_send, newsletter_subscribe
    from kolk.core.roles import Role
    from kolk.people.services import user_create

    staff = user_create(username="marketing", password="x-Faults-2026", roles=[Role.MARKETING], actor=None)
    for n in range(count):
        # Recorded by staff (on paper at the desk): on the list at once, no confirmation mail.
        newsletter_subscribe(email=f"lezer{n}@example.nl", source="desk", actor=staff)
    campaign = campaign_create(subject="Nieuw seizoen", body="Tot ziens in de Kolk!", actor=staff)
    campaign_send(campaign=campaign, actor=staff)
    return OutboxMessage.objects.count()


def outbox() -> dict[str, Any]:
    from django.db.models import Count

    from kolk.comms.models import OutboxMessage

    return {
        "status": dict(OutboxMessage.objects.values_list("status").annotate(n=Count("pk"))),
        "in_doubt": sorted(
            OutboxMessage.objects.filter(error__startswith="in doubt").values_list("to_address", flat=True)
        ),
    }


def copies_of(person_pk: int, surname: str, show: Any) -> None:
    """The copies of a person that erasure must reach besides the person row: an order with
    their name on it (anonymised), a household of their own and an admin log line (hooks)."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from kolk.boxoffice.models import Order
    from kolk.people.models import Person
    from kolk.people.services import household_create, user_create
    from tests.boxoffice.factories import checked_out

    person = Person.objects.get(pk=person_pk)
    household_create(name=f"Familie {surname}", members=[person], actor=None)
    order = checked_out(show)
    Order.objects.filter(pk=order.pk).update(person=person, buyer_name=f"Piet {surname}")
    staff = user_create(username=f"beheer{person_pk}", password="x-Faults-2026", roles=[], actor=None)
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr=f"Piet {surname}",
        action_flag=CHANGE,
    )


def backup_scenario() -> dict[str, list[int]]:
    """People to erase on request, people retention will erase, and people who stay; all with copies."""
    from kolk.boxoffice.models import Show
    from kolk.core.clock import now
    from kolk.people.models import Person
    from tests.boxoffice.factories import show as make_show

    show = make_show(capacity=200)
    groups = {
        "request": people(4, ended=False, start=20_000, subscribed=False),
        "retention": people(6, ended=True, start=20_100),
        "stay": people(4, ended=False, start=20_200),
    }
    for name, pks in groups.items():
        for pk in pks:
            surname = f"{name.capitalize()}{pk}x"
            Person.objects.filter(pk=pk).update(surname=surname)
            copies_of(pk, surname, show)
    # The show is long past, so its tickets keep nobody.
    Show.objects.filter(pk=show.pk).update(starts_at=now() - dt.timedelta(days=400))
    return groups


def erase_on_request(pks: list[int]) -> int:
    from kolk.core.roles import Role
    from kolk.people.models import Person
    from kolk.people.services import user_create
    from kolk.privacy.rights import erasure_execute, request_receive

    officer = user_create(username="privacy", password="x-Faults-2026", roles=[Role.PRIVACY_OFFICER], actor=None)
    for person in Person.objects.filter(pk__in=pks):
        request = request_receive(
            subject=person, kind="erasure", channel="desk", identity_method="passport", actor=officer
        )
        erasure_execute(request=request, actor=officer)
    return len(pks)


def traces(surnames: list[str], pks: list[int]) -> dict[str, int]:
    """What is left of these people anywhere erasure reaches."""
    from django.contrib.admin.models import LogEntry
    from django.db.models import Q

    from kolk.boxoffice.models import Order
    from kolk.people.models import Household, Person
    from kolk.privacy.models import ErasureLog

    named = Q(pk__in=[])
    for surname in surnames:
        named |= Q(buyer_name__contains=surname)
    in_repr = Q(pk__in=[])
    for surname in surnames:
        in_repr |= Q(object_repr__contains=surname)
    in_household = Q(pk__in=[])
    for surname in surnames:
        in_household |= Q(name__contains=surname)
    return {
        "people": Person.objects.filter(pk__in=pks).count(),
        "orders_named": Order.objects.filter(named).count(),
        "orders_linked": Order.objects.filter(person_id__in=pks).count(),
        "households": Household.objects.filter(in_household).count(),
        "admin_log": LogEntry.objects.filter(in_repr).count(),
        "erasure_log_table": ErasureLog.objects.filter(subject_pk__in=pks, erased_at__isnull=False).count(),
    }


def lending(members: int, copies: int) -> dict[str, Any]:
    """Members who may borrow, available copies, and a library staff session (its key is returned)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from kolk.core.roles import Role
    from kolk.library.models import Branch, Copy, LoanRule, MediaType, Title
    from kolk.people.services import user_create

    pks = people(members, ended=False, start=40_000)
    branch = Branch.objects.create(code="assen", name="DNK Assen")
    LoanRule.objects.create(media_type=MediaType.BOOK, loan_days=21, renewals=2, max_loans=20)
    title = Title.objects.create(title="Het Bittere Kruid", authors="Marga Minco")
    Copy.objects.bulk_create(Copy(title=title, barcode=f"4{n:09d}", branch=branch) for n in range(copies))
    staff = user_create(username="bieb", password="x-Faults-2026", roles=[Role.LIBRARY_STAFF], actor=None)
    session = SessionStore()
    session[SESSION_KEY] = str(staff.pk)
    session[BACKEND_SESSION_KEY] = "kolk.web.auth.UsernameOrPassBackend"
    session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    session.create()
    return {
        "members": pks,
        "barcodes": sorted(Copy.objects.values_list("barcode", flat=True)),
        "session": session.session_key,
    }


def lending_state() -> dict[str, Any]:
    """Whether every checkout is whole: copy status, open loans, monthly counts."""
    from django.db.models import Count, Sum

    from kolk.library.models import Copy, Loan, LoanCount

    open_loans = dict(
        Loan.objects.filter(returned_at__isnull=True).values_list("copy__barcode").annotate(n=Count("pk"))
    )
    on_loan = set(Copy.objects.filter(status=Copy.Status.ON_LOAN).values_list("barcode", flat=True))
    per_person = dict(Loan.objects.values_list("person_id").annotate(n=Count("pk")))
    counted = dict(LoanCount.objects.values_list("person_id").annotate(n=Sum("count")))
    return {
        "loans": Loan.objects.count(),
        "copies_with_two_open_loans": sorted(b for b, n in open_loans.items() if n != 1),
        "on_loan_without_loan": sorted(on_loan - set(open_loans)),
        "loan_without_on_loan": sorted(set(open_loans) - on_loan),
        "counts_differ": sorted(p for p in set(per_person) | set(counted) if per_person.get(p) != counted.get(p)),
        "open_barcodes": sorted(open_loans),
    }
