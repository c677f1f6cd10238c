"""Joining online ("Lid worden"), as Dutch libraries do: a digital membership, confirmed at the desk.

On the site a person chooses a subscription (the fee follows their age, L04),
gives their details, answers the consent questions and makes a login. `member_join`
writes it all in one transaction: the person with a pass number, the subscription
(no ID seen yet), a block on lending until the desk has seen an ID on the first
visit (Block.Reason.CONFIRM), the consents with their texts (method "web"), the
login, and the first invoice, which the new member pays by iDEAL. The desk's
`member_join_confirm` records who saw the ID and lifts the block.

Someone kolk may already know (the same email, or name and birth date) is not
told so: the site says the desk will help (`JoinRefused`), as it would for anyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from kolk.billing.models import Invoice, Payment
from kolk.billing.services import invoice_cancel
from kolk.comms.newsletter import newsletter_subscribe
from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from kolk.library.models import Block, Fee, Subscription, SubscriptionType
from kolk.library.services.invoicing import fees_invoice
from kolk.library.services.members import GUARDIAN_UNDER, block_lift, block_set, subscription_start
from kolk.library.services.registration import NewPerson, possible_duplicates
from kolk.people.models import Person, User
from kolk.people.services import person_create, user_create
from kolk.privacy.audit import audit_log
from kolk.privacy.ledger import consent_record, objection_record
from kolk.privacy.register import get_register

PORTAL_CONSENT = "website_access"


class JoinRefused(KolkError):
    """Not online: the desk helps (someone kolk may know already, or a login that exists)."""

    status = 409


def _refused() -> JoinRefused:
    return JoinRefused(
        _(
            "We kunnen je niet online inschrijven. Kom langs bij de balie, dan helpen we je verder; "
            "ben je al lid geweest, dan kun je daar je abonnement weer laten beginnen."
        ),
        code="join_desk",
    )


def join_types() -> list[SubscriptionType]:
    """The subscriptions one person can take out online: not a family's (a household) nor a school's."""
    return list(SubscriptionType.objects.filter(active=True, is_school=False, is_family=False).order_by("name"))


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def join_birth_date_check(date_of_birth: dt.date) -> dt.date:
    """A birth date someone can join online with: in the past, and 16 or older (younger: with a parent, at the desk)."""
    on = today()
    if date_of_birth > on or age_on(date_of_birth, on) > 120:
        raise ValidationError({"date_of_birth": [_("Vul je echte geboortedatum in.")]}, code="birth_date")
    if age_on(date_of_birth, on) < GUARDIAN_UNDER:
        raise ValidationError(
            {
                "date_of_birth": [
                    _("Ben je jonger dan %(age)d? Word samen met je ouder of voogd lid aan de balie.")
                    % {"age": GUARDIAN_UNDER}
                ]
            },
            code="too_young",
        )
    return date_of_birth


def join_fees(date_of_birth: dt.date) -> list[tuple[SubscriptionType, int]]:
    """Each online subscription with the fee for this birth date's age today (L04, fee_determination)."""
    age = age_on(date_of_birth, today())
    return [(kind, kind.fee_for_age(age)) for kind in join_types()]


@dataclass
class JoinDetails:
    given_name: str
    surname_prefix: str
    surname: str
    date_of_birth: dt.date
    email: str
    phone: str
    street: str
    house_number: int
    house_number_suffix: str
    postcode: str
    town: str


@dataclass
class Joined:
    person: Person
    user: User
    invoice: Invoice | None


def join_duplicate_check(details: JoinDetails, *, actor: Actor = None) -> None:
    """Refuse (without saying why) when kolk may know this person already or the email is someone's login.

    Whom kolk knows gets a mail at the address kolk has (at most one a day): if it
    was them, the portal or the desk helps; the site itself says only "the desk".
    """
    new = NewPerson(details.given_name, details.date_of_birth, details.email)
    known = possible_duplicates(surname=details.surname, people=[new])
    if known:
        transaction.on_commit(lambda: _tell_known([p.pk for p in known], actor), robust=True)
        raise _refused()
    if User.objects.filter(username__iexact=details.email.strip()).exists():
        raise _refused()


def _tell_known(person_ids: list[int], actor: Actor) -> None:
    """Mail each known person at their own address (lending: their membership), once a day at most."""
    from kolk.comms.models import MessageKind
    from kolk.comms.outbox import message_queue

    for person in Person.objects.filter(pk__in=person_ids, emails__isnull=False).distinct():
        with transaction.atomic():
            message_queue(
                template="library_join_known",
                context={},
                purpose="lending",
                kind=MessageKind.SERVICE,
                actor=actor,
                idempotency_key=f"library:join_known:{person.pk}:{today().isoformat()}",
                to_person=person,
            )


@transaction.atomic
def member_join(
    *,
    details: JoinDetails,
    type: SubscriptionType,
    password: str,
    newsletter: bool,
    reading_advice: bool,
    actor: Actor = None,
    lang: str = "nl",
) -> Joined:
    """Make the member who joined online: them, their login and first invoice (None when the fee is nil).

    All or nothing. The consents are the person's own (method "web"), the versions
    of the texts shown (in `lang`) recorded by the ledger; the login is the email address.
    """
    join_birth_date_check(details.date_of_birth)
    if type not in join_types():
        raise ValidationError({"type": [_("Kies een abonnement uit de lijst.")]}, code="type")
    join_duplicate_check(details)
    person = person_create(
        given_name=details.given_name,
        surname_prefix=details.surname_prefix,
        surname=details.surname,
        date_of_birth=details.date_of_birth,
        street=details.street,
        house_number=details.house_number,
        house_number_suffix=details.house_number_suffix,
        postcode=details.postcode,
        town=details.town,
        emails=[details.email],
        phones=[details.phone] if details.phone else [],
        with_pass=True,
        actor=actor,
    )
    subscription_start(person=person, type=type, id_seen=False, online=True, actor=actor)
    block_set(person=person, reason=Block.Reason.CONFIRM, actor=actor)
    user = user_create(
        username=details.email.strip().lower(),
        password=password,
        roles=[Role.MEMBER],
        person=person,
        email=details.email.strip(),
        actor=actor,
    )
    consent_record(subject=person, purpose=PORTAL_CONSENT, given=True, method="web", actor=actor, lang=lang)
    if reading_advice:
        consent_record(subject=person, purpose="notices_advice", given=True, method="web", actor=actor, lang=lang)
    if newsletter:
        newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=actor)
    else:
        objection_record(subject=person, purpose="newsletter", objects=True, method="web", actor=actor)
    invoices = fees_invoice(person=person, actor=actor)
    audit_log(actor=actor, action="member.joined_online", subject=person, details={"type": type.code})
    return Joined(person=person, user=user, invoice=invoices[0] if invoices else None)


def join_confirmation_pending(person: Person) -> Block | None:
    """The standing block of someone who joined online and whose ID the desk has not seen yet."""
    return Block.objects.filter(person=person, reason=Block.Reason.CONFIRM, lifted_at__isnull=True).first()


@transaction.atomic
def member_join_confirm(*, person: Person, actor: Actor) -> Subscription:
    """At the desk, first visit: the ID was seen (who and when, never the document); lending may start."""
    block = join_confirmation_pending(person)
    if block is None:
        raise KolkError(_("Dit lid hoeft niet meer bevestigd te worden."), code="not_pending")
    subscription = (
        Subscription.objects.select_for_update()
        .filter(person=person)
        .exclude(status=Subscription.Status.ENDED)
        .order_by("-started_on", "-pk")
        .first()
    )
    if subscription is None:
        raise KolkError(_("Dit lid heeft geen lopend abonnement."), code="no_subscription")
    if not getattr(actor, "is_staff", False):
        raise KolkError(_("Alleen een medewerker bevestigt een inschrijving."), code="staff_only")
    subscription.id_seen_by = actor  # type: ignore[assignment]
    subscription.id_seen_at = now()
    subscription.save(update_fields=["id_seen_by", "id_seen_at"])
    block_lift(block=block, actor=actor)
    audit_log(actor=actor, action="member.join_confirmed", subject=person, details={"subscription": subscription.pk})
    return subscription


def joins_unpaid() -> QuerySet[Block]:
    """The standing confirm blocks of people who joined online and have paid nothing (by iDEAL or otherwise)."""
    paid = Payment.objects.filter(invoice__person_id=OuterRef("person_id"))
    return Block.objects.filter(reason=Block.Reason.CONFIRM, lifted_at__isnull=True).exclude(Exists(paid))


def joins_unpaid_expire(*, on: dt.date, actor: Actor) -> int:
    """Daily: a sign-up that paid nothing within rule `join_pending` is given up.

    Its open invoices are cancelled and its fees waived, so that no debt holds the
    person; the retention run then erases them, keeping only the cancelled invoice
    for the fiscal duty. Each person in their own transaction; returns how many.
    """
    cutoff = get_register().retention["join_pending"].duration.before(on)
    ids = list(joins_unpaid().filter(created_at__date__lte=cutoff).values_list("person_id", flat=True).distinct())
    for person_id in ids:
        with transaction.atomic():
            for invoice in Invoice.objects.filter(person_id=person_id, status=Invoice.Status.OPEN):
                invoice_cancel(invoice=invoice, actor=actor)
            Fee.objects.filter(person_id=person_id, status__in=[Fee.Status.OPEN, Fee.Status.INVOICED]).update(
                status=Fee.Status.WAIVED
            )
            audit_log(actor=actor, action="member.join_expired", subject=Person.objects.get(pk=person_id), details={})
    return len(ids)
