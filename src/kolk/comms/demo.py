"""Demo data of comms: newsletter subscribers, one sent newsletter, contact cases in each state."""

from __future__ import annotations

from django.core.mail import get_connection

from kolk.comms.confirmation import confirm_token_make, newsletter_confirm
from kolk.comms.contact import case_answer, case_close, case_open
from kolk.comms.newsletter import campaign_create, campaign_send, newsletter_subscribe
from kolk.comms.outbox import outbox_flush
from kolk.core.demo import DemoContext
from kolk.people.models import Person, User

NEWSLETTER = """Het nieuwe seizoen van De Nieuwe Kolk begint!

In de bibliotheek: elke woensdag voorlezen voor kinderen van 4 tot 8 jaar.
In de bioscoop: de beste films van het jaar, ook op zondagochtend.
In het theater: cabaret, dans en muziek uit Drenthe en ver daarbuiten.

Tot ziens in de Kolk!"""

QUESTIONS = [
    (
        "Mijn pas is kwijt. Kan ik een nieuwe krijgen?",
        "Ja, aan de balie voor 2,50 euro. Neem een legitimatie mee.",
        True,
    ),
    ("Zijn jullie op Koningsdag open?", "Op Koningsdag is de bibliotheek dicht; de bioscoop draait wel.", False),
    ("Kan ik een zaal huren voor een verjaardag?", "", False),
]


def seed_demo(ctx: DemoContext, *, load: bool) -> None:
    if not load:
        return
    ids = ctx.shared.get("people") or list(Person.objects.order_by("pk").values_list("pk", flat=True))
    people = list(Person.objects.filter(pk__in=ids, emails__is_primary=True).order_by("pk"))
    for i, person in enumerate(people):
        if i % 3 != 2:  # a third opted out when the offer was made at registration
            newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=None)
    for address in ("lezer@example.nl", "filmliefhebber@example.nl"):
        # Signed up on the site, then confirmed by the link in the mail (double opt-in).
        pending = newsletter_subscribe(email=address, source="site_signup", actor=None)
        newsletter_confirm(token=confirm_token_make(pending), actor=None)
    staff = User.objects.filter(username="marketing").first()
    campaign = campaign_create(subject="Nieuw seizoen in De Nieuwe Kolk", body=NEWSLETTER, actor=staff)
    campaign_send(campaign=campaign, actor=staff)
    # Demo addresses are example.nl: "deliver" into memory so that nothing leaves the machine.
    outbox_flush(connection=get_connection("django.core.mail.backends.locmem.EmailBackend"))
    campaign_create(subject="Kerstvoorstelling: kaarten in de voorverkoop", body="Concept.", actor=staff)
    desk = User.objects.filter(username="balie").first()
    for i, (question, answer, close) in enumerate(QUESTIONS):
        asker: Person | None = people[i] if i < len(people) and i != 2 else None
        case = case_open(
            email=asker.emails.get(is_primary=True).address if asker else f"bezoeker{i}@example.nl",
            name=asker.full_name if asker else ctx.faker.name(),
            number=(asker.pass_number or "") if asker else "",
            question=question,
            actor=None,
        )
        if answer:
            case_answer(case=case, body=answer, actor=desk)
            outbox_flush(connection=get_connection("django.core.mail.backends.locmem.EmailBackend"))
        if close:
            case_close(case=case, actor=desk)
