"""Django's database sessions, read with one plain statement.

Every signed-in request (desk, box office, portal, API) starts by reading its
session. Django's ORM builds that query anew on each request, which on a small
machine costs more CPU than the database spends answering it; the statement
here is the same query, written once. Writing, expiry and clearing stay
Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        """The session of this key if it has not expired, else None (and no key), as Django's."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=str(self.session_key), session_data=row[0])
