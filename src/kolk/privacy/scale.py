"""Scale ledger: consents, objections and restrictions as the services would have recorded them.

About one in fifteen people objects to some marketing purpose (the newsletter,
offers on a channel, marketing analysis, profiling); some withdraw an objection
or a consent later (a newer record, as the services write it); a guardian gives
the consent of a child under 16; a handful of people have their processing
restricted. The current state is read as the selectors read it: the newest
record per person, purpose (and channel) wins.

The people come from the plan in `ctx.shared["people"]` (the privacy core does
not know the people app): a list of persons with `born`, `since`, `email` and an
id per index, and pairs of (child, guardian) indexes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kolk.core.scale import ScaleContext, on_phase_done
from kolk.privacy.audit import audit_log
from kolk.privacy.models import PrivacyChoice, Restriction
from kolk.privacy.register import CHANNELS, get_register
from kolk.privacy.subjects import CONSENT_AGE

ORDER = 15
OBJECTORS = 0.065
MARKETING = ["newsletter", "offers", "marketing_analysis", "direct_marketing", "segmentation"]
METHODS = ["web", "web", "web", "desk", "desk", "email", "phone", "paper", "link"]


def plan(ctx: ScaleContext) -> None:
    """Who objects to what: later phases (the newsletter, offers) leave them out."""
    rnd = ctx.rng("privacy.plan")
    people = ctx.shared["people"]
    purposes = [p for p in MARKETING if p in get_register().objection_purposes()]
    objections: dict[int, list[tuple[str, str]]] = {}
    for i in range(len(people.people)):
        if rnd.random() < OBJECTORS:
            chosen = rnd.sample(purposes, rnd.choice([1, 1, 1, 2, 3]))
            objections[i] = [(p, rnd.choice(CHANNELS) if p == "offers" and rnd.random() < 0.5 else "") for p in chosen]
    ctx.shared["privacy.objections"] = objections


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def seed_ledger(ctx: ScaleContext) -> int:
    rnd = ctx.rng("privacy.ledger")
    people = ctx.shared["people"]
    objections: dict[int, list[tuple[str, str]]] = ctx.shared["privacy.objections"]
    register = get_register()
    consents: list[str] = [p for p in ("notices_advice", "website_access") if p in register.consent_purposes()]
    versions = {p: register.consent_texts[p].version_tag("nl") for p in consents}
    guardians: dict[int, int] = {}
    for child, guardian in people.guardians:
        guardians.setdefault(child, guardian)
    first = ctx.first_id(PrivacyChoice)
    span = (ctx.today - dt.timedelta(days=1)).toordinal()

    def when(since: dt.date) -> dt.datetime:
        day = dt.date.fromordinal(rnd.randint(min(since.toordinal(), span), span))
        return ctx.at(day, rnd.randint(8 * 3600, 21 * 3600))

    def choices() -> Any:
        pk = first
        for i, s in enumerate(people.people):
            subject = people.first_id + i
            minor = _age(s.born, ctx.today) < CONSENT_AGE
            for purpose in consents:
                if rnd.random() >= (0.3 if purpose == "notices_advice" else 0.2):
                    continue
                given_by = None
                if minor:
                    if i not in guardians:
                        continue
                    given_by = people.first_id + guardians[i]
                at = when(s.since)
                yield (
                    pk,
                    subject,
                    "consent",
                    purpose,
                    "",
                    True,
                    versions[purpose],
                    rnd.choice(METHODS[:-1]),
                    given_by,
                    at,
                )
                pk += 1
                if rnd.random() < 0.05:  # withdrawn later
                    later = at + dt.timedelta(days=rnd.randint(1, 400))
                    if later.date() < ctx.today:
                        yield pk, subject, "consent", purpose, "", False, "", rnd.choice(METHODS), None, later
                        pk += 1
            for objected, channel in objections.get(i, []):
                at = when(s.since)
                purpose = objected
                if rnd.random() < 0.04:  # an objection made and withdrawn before the standing one
                    yield pk, subject, "objection", purpose, channel, True, "", rnd.choice(METHODS), None, at
                    yield (
                        pk + 1,
                        subject,
                        "objection",
                        purpose,
                        channel,
                        False,
                        "",
                        "web",
                        None,
                        at + dt.timedelta(days=1),
                    )
                    pk += 2
                    at += dt.timedelta(days=2)
                    if at.date() >= ctx.today:
                        continue
                yield pk, subject, "objection", purpose, channel, True, "", rnd.choice(METHODS), None, at
                pk += 1

    rows = ctx.copy_rows(
        PrivacyChoice,
        [
            "id",
            "subject",
            "kind",
            "purpose",
            "channel",
            "decision",
            "text_version",
            "method",
            "given_by",
            "recorded_at",
        ],
        choices(),
    )
    first_restriction = ctx.first_id(Restriction)
    restricted = []
    for i in range(len(people.people)):
        if rnd.random() < 0.0005:
            at = when(people.people[i].since)
            restricted.append((people.first_id + i, True, "Juistheid van gegevens betwist (art. 18 lid 1a)", at))
            if rnd.random() < 0.3 and (at + dt.timedelta(days=14)).date() < ctx.today:
                restricted.append(
                    (people.first_id + i, False, "Gegevens gecontroleerd en gecorrigeerd", at + dt.timedelta(days=14))
                )
    rows += ctx.copy_rows(
        Restriction,
        ["id", "subject", "restricted", "reason", "recorded_at"],
        ((first_restriction + n, *r) for n, r in enumerate(restricted)),
    )
    return rows


@on_phase_done
def audit_phase(ctx: ScaleContext, key: str, rows: int) -> None:
    """One audit entry per phase of scale data (not one per row)."""
    audit_log(
        actor=None,
        action="seed.scale",
        details={"phase": key, "rows": rows, "members": ctx.members, "seed": ctx.seed},
    )


PHASES = [("ledger", seed_ledger)]
