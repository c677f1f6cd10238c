"""kolk's session store answers as Django's database store does, with one statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from kolk.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_loads_with_one_statement(django_assert_num_queries):
    store = SessionStore()
    store["_auth_user_id"] = "7"
    store.save()
    again = SessionStore(store.session_key)
    with django_assert_num_queries(1):
        assert again["_auth_user_id"] == "7"
    assert dict(db.SessionStore(store.session_key).items()) == dict(again.items())


@pytest.mark.parametrize("store_class", [SessionStore, db.SessionStore])
def test_an_expired_or_unknown_session_is_empty_and_loses_its_key(store_class):
    store = SessionStore()
    store["role"] = "desk"
    store.save()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = store_class(store.session_key)
    assert dict(expired.items()) == {}
    assert expired.session_key is None
    unknown = store_class("x" * 32)
    assert dict(unknown.items()) == {}
    assert unknown.session_key is None
