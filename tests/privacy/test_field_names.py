"""A person reads their data under the fields' own Dutch names: never Django's English made from the code name.

The access package ('Wat we van je weten', its PDF, the desk's package) heads each
column with the field's verbose name. A field declared without one gets Django's
default, the code name with spaces ("ip address", "total cents"), so every personal
field of a kolk model, and every model holding personal data, names itself.
"""

from __future__ import annotations

import json

import pytest
from django.db import models
from django.test.utils import isolate_apps

from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from kolk.privacy.access import access_package, readable
from kolk.privacy.fieldmap import PrivacyMap, personal_models
from kolk.web.models import PortalEvent
from kolk.web.services import portal_event_record
from tests.boxoffice import factories as f
from tests.factories import PersonFactory


def _unnamed(model: type[models.Model], pmap: PrivacyMap) -> list[str]:
    """The model and the personal fields that have no name of their own (Django would make one in English)."""
    found = []
    if "verbose_name" not in model._meta.original_attrs:
        found.append(f"{model._meta.label} (class Meta: verbose_name)")
    for name in pmap.personal:
        field = model._meta.get_field(name)
        if getattr(field, "_verbose_name", None) is None:  # the name given to the field, not the made-up default
            found.append(f"{model._meta.label}.{name}")
    return found


def test_every_personal_field_of_a_kolk_model_has_a_name_of_its_own():
    unnamed = [
        missing
        for model, pmap in personal_models()
        if model.__module__.startswith("kolk.")  # axes and django-otp name theirs; their rows belong to no Person
        for missing in _unnamed(model, pmap)
    ]
    assert unnamed == [], "give these a Dutch verbose_name with _(): " + ", ".join(unnamed)


def test_the_check_sees_a_field_without_a_name():
    with isolate_apps("kolk.people"):

        class Locker(models.Model):
            holder = models.CharField(max_length=50)
            opened_at = models.DateTimeField(verbose_name="geopend op")

            privacy = PrivacyMap(subject=None, personal={"holder": "name", "opened_at": "name"})

            class Meta:
                app_label = "people"

        assert _unnamed(Locker, Locker.privacy) == ["people.Locker (class Meta: verbose_name)", "people.Locker.holder"]
        assert str(Locker._meta.get_field("holder").verbose_name) == "holder"  # what a member would have read


@pytest.mark.django_db
def test_a_ticket_buyer_reads_dutch_headings_and_euros(staff):
    person = PersonFactory(emails=["koper@example.nl"])
    order = seats_hold(show=f.show(), quantity=2, person=person, actor=None)
    order = order_checkout(order=order, buyer_name="Koper", buyer_email="koper@example.nl", actor=None)
    order_pay(order=order, method="card", actor=None)
    read = readable(access_package(subject=person, actor=staff, lang="nl"))
    tables = {t["title"]: t for kind in read["held"] for t in kind["tables"]}
    orders, tickets = tables["bestellingen"], tables["kaartjes"]
    assert {"besteld op", "betaald op", "totaalbedrag"} <= set(orders["headings"])
    assert orders["rows"][0][orders["headings"].index("totaalbedrag")] == "€ 25,00"  # 2 x € 12,50, not 2500
    assert "bedrag" in tickets["headings"]
    assert tickets["rows"][0][tickets["headings"].index("bedrag")] == "€ 12,50"
    headings = [h.lower() for t in tables.values() for h in t["headings"]]
    assert not [h for h in headings if "cent" in h]
    text = json.dumps(read, ensure_ascii=False)
    for english in ("created at", "paid at", "total cents", "amount cents", "payment ref", "checked in"):
        assert english not in text, english


@pytest.mark.django_db
def test_a_members_portal_actions_read_as_what_they_did(staff):
    """The portal's record of what a member did shows its label ('ingelogd'), never the code ('login')."""
    person = PersonFactory()
    for action in ("login", "download", "kiosk_pin_set"):
        portal_event_record(person=person, action=action, ip_address="192.0.2.7", actor=None)
    read = readable(access_package(subject=person, actor=staff, lang="nl"))
    events = [t for kind in read["held"] for t in kind["tables"] if "wat" in t["headings"]]
    assert events  # under each category the actions hold (login data, the IP address)
    done = {row[table["headings"].index("wat")] for table in events for row in table["rows"]}
    assert done == {"ingelogd", "gegevens gedownload", "pincode voor de zelfbediening ingesteld"}


@pytest.mark.django_db
def test_an_action_without_a_label_is_not_recorded():
    person = PersonFactory()
    with pytest.raises(ValueError, match="without a label"):
        portal_event_record(person=person, action="looked_around", ip_address=None, actor=None)
    assert not PortalEvent.objects.filter(person=person).exists()
