"""Scale communications: newsletter subscriptions (members and bare addresses), fourteen
months of newsletters in the outbox (only to those who did not object), and two
years of contact cases with their answers.

Outbox messages older than a year and cases closed more than a year ago are due
under their rules on each single day, as in a centre that has run for years.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kolk.comms.models import Campaign, CaseMessage, ContactCase, NewsletterSubscription, OutboxMessage
from kolk.core.scale import ScaleContext, months_back
from kolk.people.scale import people_plan

ORDER = 40
NEWSLETTERS = 14
QUESTIONS = [
    "Kan ik mijn abonnement omzetten naar een gezinsabonnement?",
    "Ik heb een boek ingeleverd maar het staat nog op mijn pas.",
    "Zijn er nog kaarten voor de voorstelling van vrijdag?",
    "Hoe verleng ik mijn boeken via de website?",
    "Mijn pas is kwijt, wat moet ik doen?",
    "Kan ik een rolstoelplaats reserveren in de grote zaal?",
    "Graag wil ik mijn adres wijzigen.",
    "Waarom krijg ik een boete terwijl ik op tijd was?",
]
ANSWER = "Dank voor je vraag. We hebben het voor je geregeld; laat het ons weten als er nog iets is."


def plan(ctx: ScaleContext) -> None:
    """Who is on the newsletter list: subscribed when, ended when (or still on it)."""
    rnd = ctx.rng("comms.plan")
    people = people_plan(ctx)
    objections = ctx.shared.get("privacy.objections", {})
    subscribed: list[tuple[int, dt.date, dt.date | None]] = []
    for i, s in enumerate(people.people):
        if not s.email or s.left_on is not None or rnd.random() >= 0.45:
            continue
        if any(p == "newsletter" and c in ("", "email") for p, c in objections.get(i, [])):
            continue
        start = max(s.since, ctx.today - dt.timedelta(days=12 * 365))
        ended = None
        if rnd.random() < 0.08:
            ended = start + dt.timedelta(days=rnd.randint(30, max(31, (ctx.today - start).days - 1)))
            ended = min(ended, ctx.today - dt.timedelta(days=1))
        subscribed.append((i, start, ended))
    ctx.shared["comms.newsletter"] = subscribed


def seed_newsletter(ctx: ScaleContext) -> int:
    rnd = ctx.rng("comms.newsletter")
    people = people_plan(ctx)
    subscribed = ctx.shared["comms.newsletter"]
    first = ctx.first_id(NewsletterSubscription)

    def rows() -> Any:
        pk = first
        for i, start, ended in subscribed:
            at = ctx.at(start, 40000 + i % 20000)
            yield (
                pk,
                people.pk(i),
                "",
                "member_registration",
                True,
                at,
                at,
                "nl",
                ctx.at(ended, 50000) if ended else None,
            )
            pk += 1
        for n in range(ctx.count(8000, 3)):
            start = ctx.today - dt.timedelta(days=rnd.randint(1, 9 * 365))
            ended = None
            if rnd.random() < 0.25:
                ended = min(start + dt.timedelta(days=rnd.randint(30, 2000)), ctx.today - dt.timedelta(days=1))
            yield (
                pk,
                None,
                f"lezer{ctx.seed % 1000}.{n}@example.nl",
                "site_signup",
                False,
                ctx.at(start, 30000 + n % 30000),
                # Confirmed by their link an hour after signing up (double opt-in).
                ctx.at(start, 33600 + n % 30000),
                "nl",
                ctx.at(ended, 60000) if ended else None,
            )
            pk += 1

    count = ctx.copy_rows(
        NewsletterSubscription,
        ["id", "person", "email", "source", "offered_opt_out", "subscribed_at", "confirmed_at", "language", "ended_at"],
        rows(),
    )
    # The newsletters of the last months, each sent to who was on the list that day.
    first_campaign, first_message = ctx.first_id(Campaign), ctx.first_id(OutboxMessage)
    months = [m.replace(day=5) for m in months_back(ctx.today - dt.timedelta(days=5), NEWSLETTERS)]
    count += ctx.copy_rows(
        Campaign,
        ["id", "purpose", "subject", "body", "status", "created_at", "sent_at", "recipients"],
        (
            (
                first_campaign + k,
                "newsletter",
                f"Nieuwsbrief {m:%m-%Y}",
                "Het programma van deze maand.",
                "sent",
                ctx.at(m, 30000),
                ctx.at(m, 36000),
                sum(1 for _i, s, e in subscribed if s <= m and (e is None or e > m)),
            )
            for k, m in enumerate(months)
        ),
    )

    def messages() -> Any:
        pk = first_message
        for k, m in enumerate(months):
            queued = ctx.at(m, 36000)
            for i, start, ended in subscribed:
                if start > m or (ended is not None and ended <= m):
                    continue
                s = people.people[i]
                sent = queued + dt.timedelta(seconds=rnd.randint(1, 7200))
                yield (
                    pk,
                    people.pk(i),
                    s.email,
                    "marketing",
                    "newsletter",
                    "comms/newsletter",
                    "nl",
                    f"Nieuwsbrief {m:%m-%Y}",
                    f"Beste {s.given},\n\nHet programma van deze maand.\n",
                    "",
                    f"/afmelden/scale-{pk}",
                    "sent",
                    1,
                    queued,
                    None,
                    queued,
                    sent,
                    "",
                    f"campaign:{first_campaign + k}:{people.pk(i)}",
                    f"<scale.{pk}@dnk.example>",
                )
                pk += 1

    ctx.drop_indexes(OutboxMessage)
    count += ctx.copy_rows(
        OutboxMessage,
        [
            "id",
            "person",
            "to_address",
            "kind",
            "purpose",
            "template",
            "language",
            "subject",
            "text_body",
            "html_body",
            "unsubscribe_url",
            "status",
            "attempts",
            "queued_at",
            "next_attempt_at",
            "claimed_at",
            "sent_at",
            "error",
            "idempotency_key",
            "message_id",
        ],
        messages(),
    )
    return count


def seed_contact(ctx: ScaleContext) -> int:
    rnd = ctx.rng("comms.contact")
    people = people_plan(ctx)
    members = [i for i, s in enumerate(people.people) if s.left_on is None and s.email]
    first, first_message = ctx.first_id(ContactCase), ctx.first_id(CaseMessage)
    cases: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    limit = ctx.at(ctx.today)
    for n in range(ctx.count(7500, 5)):
        opened = ctx.at(ctx.today - dt.timedelta(days=rnd.randint(0, 730)), rnd.randint(7 * 3600, 23 * 3600))
        if members and rnd.random() < 0.7:
            i = rnd.choice(members)
            s = people.people[i]
            person, email, name = people.pk(i), s.email, f"{s.given} {s.surname}"
            number = f"{people.pk(i)}" if rnd.random() < 0.3 else ""
        else:
            person, email, name, number = None, f"vraag{n}@example.nl", "Bezoeker", ""
        age = (ctx.at(ctx.today) - opened).days
        status = "closed" if age > 14 or rnd.random() < 0.6 else rnd.choice(["open", "answered"])
        answered = closed = None
        if status != "open":
            answered = min(opened + dt.timedelta(hours=rnd.randint(1, 72)), limit)
            answers.append((first_message + len(answers), first + n, "out", ANSWER, answered))
        if status == "closed" and answered is not None:
            closed = min(answered + dt.timedelta(hours=rnd.randint(1, 240)), limit)
        cases.append(
            (first + n, person, email, name, number, rnd.choice(QUESTIONS), "nl", status, opened, answered, closed)
        )
    count = ctx.copy_rows(
        ContactCase,
        [
            "id",
            "person",
            "email",
            "name",
            "number_given",
            "question",
            "language",
            "status",
            "opened_at",
            "answered_at",
            "closed_at",
        ],
        cases,
    )
    count += ctx.copy_rows(CaseMessage, ["id", "case", "direction", "body", "created_at"], answers)
    return count


PHASES = [("newsletter", seed_newsletter), ("contact", seed_contact)]
