"""Subscriptions, blocks and the member profile: start, renew, cancel, end, block, unblock.

The fee follows the holder's age on the day the period starts (L04); it is
recomputed at every renewal. The desk records that an ID was seen (who, when),
never the document or its number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.library.models import Block, MemberProfile, Subscription, SubscriptionType, TargetGroup
from kolk.library.models.members import EndReason, Period
from kolk.people.models import FamilyRelation, Person
from kolk.people.services import family_relation_add
from kolk.privacy.audit import audit_log

GUARDIAN_UNDER = 16  # a child under 16 is registered with a parent or guardian


def _staff(actor: Actor) -> Any:
    return actor if getattr(actor, "is_staff", False) else None


def add_period(start: dt.date, period: str) -> dt.date:
    """The next renewal date: one month or one year on, clamped to the month's end."""
    months = 1 if period == Period.MONTHLY else 12
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def target_group_for(age: int | None, *, pupil: bool = False) -> str:
    """Doelgroep (L17) from age and school."""
    if pupil:
        return TargetGroup.PUPIL
    if age is None:
        return TargetGroup.UNKNOWN
    if age < 12:
        return TargetGroup.CHILD
    if age < 18:
        return TargetGroup.TEEN
    if age <= 25:
        return TargetGroup.YOUNG_ADULT
    if age < 65:
        return TargetGroup.ADULT
    return TargetGroup.SENIOR


def profile_refresh(
    *, person: Person, on: dt.date | None = None, activity: bool = False, pupil: bool | None = None
) -> None:
    """Keep target group (L17) and, when `activity`, the date of last activity (L10) current."""
    on = on or today()
    if pupil is None:
        from kolk.library.models import Enrolment

        pupil = (
            Enrolment.objects.filter(person=person)
            .filter(Q(service__ends_on__isnull=True) | Q(service__ends_on__gte=on))
            .exists()
        )
    group = target_group_for(person.privacy_age(on), pupil=pupil)
    defaults: dict[str, Any] = {"target_group": group}
    if activity:
        defaults["last_activity_on"] = on
    MemberProfile.objects.update_or_create(person=person, defaults=defaults)


def activity_touch(*, person_id: int, on: dt.date) -> None:
    """Record activity (L10) in one statement: an upsert on the profile.

    The row is written only when the date moves on: a member's second loan of the day
    (or the check-in of the first) leaves the indexed date, and the table, as they are.
    """
    table = MemberProfile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (person_id, target_group, last_activity_on) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (person_id) DO UPDATE SET last_activity_on = excluded.last_activity_on "
            f"WHERE {table}.last_activity_on IS NULL OR {table}.last_activity_on < excluded.last_activity_on",
            [person_id, TargetGroup.UNKNOWN, on],
        )


def _check_guardian(person: Person, guardian: Person | None, on: dt.date, actor: Actor) -> None:
    age = person.privacy_age(on)
    if age is None or age >= GUARDIAN_UNDER:
        return
    if guardian is not None:
        family_relation_add(person=person, relative=guardian, kind=FamilyRelation.Kind.GUARDIAN, actor=actor)
    elif not person.privacy_guardian_ids():
        raise ValidationError(
            {
                "guardian": [
                    _("Een kind jonger dan %(age)d wordt ingeschreven met een ouder of voogd.")
                    % {"age": GUARDIAN_UNDER}
                ]
            }
        )


@transaction.atomic
def subscription_start(
    *,
    person: Person,
    type: SubscriptionType,
    actor: Actor,
    id_seen: bool,
    guardian: Person | None = None,
    started_on: dt.date | None = None,
    auto_renew: bool = True,
    online: bool = False,
) -> Subscription:
    """Start a subscription after the desk has seen the person's ID (recorded: who and when).

    `online`: joined on the site, the ID is seen on the first visit (kolk.library.services.joining).
    """
    on = started_on or today()
    if not type.active:
        raise ValidationError({"type": [_("Deze abonnementsvorm wordt niet meer aangeboden.")]})
    if not id_seen and not type.is_school and not online:
        raise ValidationError({"id_seen": [_("Bekijk eerst een identiteitsbewijs.")]})
    if type.is_family and person.household_id is None:
        raise ValidationError({"type": [_("Een gezinsabonnement hoort bij een huishouden.")]})
    if Subscription.objects.filter(person=person).exclude(status=Subscription.Status.ENDED).exists():
        raise KolkError(_("Deze persoon heeft al een lopend abonnement."), code="already_subscribed")
    if not type.is_school:  # the school supplies its pupils; no guardian at the desk
        _check_guardian(person, guardian, on, actor)
    subscription = Subscription.objects.create(
        person=person,
        household_id=person.household_id if type.is_family else None,
        type=type,
        fee_cents=type.fee_for_age(person.privacy_age(on)),
        started_on=on,
        renews_on=add_period(on, type.period),
        auto_renew=auto_renew,
        id_seen_by=_staff(actor) if id_seen else None,
        id_seen_at=now() if id_seen else None,
    )
    profile_refresh(person=person, on=on, activity=True)
    _fee_record(subscription, on)
    audit_log(
        actor=actor,
        action="subscription.started",
        subject=person,
        details={"subscription": subscription.pk, "type": type.code, "fee_cents": subscription.fee_cents},
    )
    return subscription


def _fee_record(subscription: Subscription, on: dt.date) -> None:
    from kolk.library.services.fees import fee_add

    if subscription.fee_cents:
        fee_add(
            person_id=subscription.person_id,
            kind="subscription",
            amount_cents=subscription.fee_cents,
            on=on,
            subscription=subscription,
        )


@transaction.atomic
def subscription_renew(*, subscription: Subscription, actor: Actor, on: dt.date | None = None) -> Subscription:
    """Renew for one period; the fee is recomputed from the holder's age on the renewal date."""
    subscription = Subscription.objects.select_for_update().select_related("type", "person").get(pk=subscription.pk)
    if subscription.status != Subscription.Status.ACTIVE:
        raise KolkError(_("Alleen een actief abonnement kan worden verlengd."), code="not_active")
    start = subscription.renews_on
    subscription.fee_cents = subscription.type.fee_for_age(subscription.person.privacy_age(start))
    subscription.renews_on = add_period(start, subscription.type.period)
    subscription.save(update_fields=["fee_cents", "renews_on"])
    profile_refresh(person=subscription.person, on=on or today())
    _fee_record(subscription, start)
    audit_log(
        actor=actor,
        action="subscription.renewed",
        subject=subscription.person,
        details={"subscription": subscription.pk, "fee_cents": subscription.fee_cents},
    )
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, reason: str, actor: Actor, note: str = "") -> Subscription:
    """Cancel (L09): it runs to the end of the paid period, then ends; the reason is kept."""
    if reason not in EndReason.values:
        raise ValidationError({"reason": [_("Kies een reden uit de lijst.")]})
    if subscription.status != Subscription.Status.ACTIVE:
        raise KolkError(_("Dit abonnement is al opgezegd of beëindigd."), code="not_active")
    subscription.status = Subscription.Status.CANCELLED
    subscription.auto_renew = False
    subscription.cancelled_on = today()
    subscription.end_reason = reason
    subscription.end_note = note.strip()[:200]
    subscription.save(update_fields=["status", "auto_renew", "cancelled_on", "end_reason", "end_note"])
    audit_log(
        actor=actor,
        action="subscription.cancelled",
        subject=subscription.person,
        details={"subscription": subscription.pk, "reason": reason},
    )
    return subscription


@transaction.atomic
def subscription_end(
    *, subscription: Subscription, actor: Actor, on: dt.date | None = None, reason: str = ""
) -> Subscription:
    """End now (or on `on`): the retention event `subscription_ended` starts here."""
    if subscription.status == Subscription.Status.ENDED:
        return subscription
    if reason and reason not in EndReason.values:
        raise ValidationError({"reason": [_("Kies een reden uit de lijst.")]})
    subscription.status = Subscription.Status.ENDED
    subscription.auto_renew = False
    subscription.ended_on = on or today()
    subscription.end_reason = reason or subscription.end_reason or EndReason.OTHER
    subscription.save(update_fields=["status", "auto_renew", "ended_on", "end_reason"])
    audit_log(
        actor=actor,
        action="subscription.ended",
        subject=subscription.person,
        details={"subscription": subscription.pk, "reason": subscription.end_reason},
    )
    return subscription


def subscriptions_due(on: dt.date) -> QuerySet[Subscription]:
    return Subscription.objects.exclude(status=Subscription.Status.ENDED).filter(renews_on__lte=on)


def subscriptions_roll(*, on: dt.date, actor: Actor) -> dict[str, int]:
    """Daily: renew what renews automatically, end what was cancelled or does not renew."""
    renewed = ended = 0
    for subscription in subscriptions_due(on).iterator(chunk_size=500):
        if subscription.status == Subscription.Status.ACTIVE and subscription.auto_renew:
            subscription_renew(subscription=subscription, actor=actor, on=on)
            renewed += 1
        else:
            subscription_end(subscription=subscription, actor=actor, on=subscription.renews_on)
            ended += 1
    return {"renewed": renewed, "ended": ended}


@transaction.atomic
def block_set(*, person: Person, reason: str, actor: Actor, note: str = "") -> Block:
    """Block a member (L16): checkouts and reservations stop and say why."""
    if reason not in Block.Reason.values:
        raise ValidationError({"reason": [_("Onbekende reden voor een blokkering.")]})
    existing = Block.objects.filter(person=person, reason=reason, lifted_at__isnull=True).first()
    if existing is not None:
        return existing
    block = Block.objects.create(
        person=person, reason=reason, note=note.strip()[:200], created_at=now(), created_by=_staff(actor)
    )
    audit_log(actor=actor, action="block.set", subject=person, details={"block": block.pk, "reason": reason})
    return block


@transaction.atomic
def block_lift(*, block: Block, actor: Actor) -> Block:
    if block.lifted_at is not None:
        return block
    block.lifted_at = now()
    block.lifted_by = _staff(actor)
    block.save(update_fields=["lifted_at", "lifted_by"])
    audit_log(
        actor=actor, action="block.lifted", subject=block.person, details={"block": block.pk, "reason": block.reason}
    )
    return block


def block_message(reasons: list[str]) -> str:
    """Why a member may not borrow or reserve, in words the desk can say out loud."""
    words = {
        Block.Reason.MANUAL: _("geblokkeerd door een medewerker"),
        Block.Reason.OVERDUE: _("materialen te lang te laat"),
        Block.Reason.UNPAID: _("openstaande betaling"),
        Block.Reason.CONFIRM: _("online lid geworden: bevestig aan de balie bij je eerste bezoek"),
    }
    return _("Geblokkeerd: %(why)s.") % {"why": ", ".join(str(words[Block.Reason(r)]) for r in sorted(reasons))}


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def target_groups_refresh(*, on: dt.date) -> int:
    """Daily, set-based: move profiles into the target group their age and school give today (L17)."""
    from kolk.library.models import Enrolment

    enrolled = Enrolment.objects.filter(Q(service__ends_on__isnull=True) | Q(service__ends_on__gte=on))
    pupil_ids = MemberProfile.objects.filter(person_id__in=enrolled.values("person_id")).values("pk")
    changed = (
        MemberProfile.objects.filter(pk__in=pupil_ids)
        .exclude(target_group=TargetGroup.PUPIL)
        .update(target_group=TargetGroup.PUPIL)
    )
    others = MemberProfile.objects.exclude(pk__in=pupil_ids)
    changed += (
        others.filter(person__date_of_birth__isnull=True)
        .exclude(target_group=TargetGroup.UNKNOWN)
        .update(target_group=TargetGroup.UNKNOWN)
    )
    # Born after the date: younger than that age. Bands as in target_group_for.
    bands = [(12, TargetGroup.CHILD), (18, TargetGroup.TEEN), (26, TargetGroup.YOUNG_ADULT), (65, TargetGroup.ADULT)]
    lower: dt.date | None = None
    for age, group in bands:
        born_after = _years_before(on, age)
        band = others.filter(person__date_of_birth__gt=born_after)
        if lower is not None:
            band = band.filter(person__date_of_birth__lte=lower)
        changed += band.exclude(target_group=group).update(target_group=group)
        lower = born_after
    assert lower is not None
    changed += (
        others.filter(person__date_of_birth__lte=lower)
        .exclude(target_group=TargetGroup.SENIOR)
        .update(target_group=TargetGroup.SENIOR)
    )
    return changed
