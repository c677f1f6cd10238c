"""Public, read-only endpoints of the processing register."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from kolk.privacy.permits import allow
from kolk.privacy.register import get_register
from kolk.privacy.statement import article30_rows

router = Router(tags=["privacy"])


class Row(Schema):
    id: str
    section: str
    categories: list[str]
    purposes: list[str]
    basis: str


class Recipient(Schema):
    id: str
    name: str
    purposes: list[str]
    basis: str
    categories: list[str]
    aggregate_only: bool


class RegisterOut(Schema):
    version: str
    controller: dict[str, str]
    rows: list[Row]
    recipients: list[Recipient]


@router.get("/register", response=RegisterOut, auth=None, summary="The processing register")
@allow(public=True)
def register_view(request: HttpRequest) -> RegisterOut:
    register = get_register()
    return RegisterOut(
        version=register.version.isoformat(),
        controller=register.controller,
        rows=[
            Row(id=r.id, section=r.section, categories=list(r.categories), purposes=list(r.purposes), basis=r.basis)
            for r in register.rows.values()
        ],
        recipients=[
            Recipient(
                id=r.id,
                name=r.name,
                purposes=list(r.purposes),
                basis=r.basis,
                categories=list(r.categories),
                aggregate_only=r.aggregate_only,
            )
            for r in register.recipients.values()
        ],
    )


@router.get("/article30", response=list[dict[str, str]], auth=None, summary="The GDPR art. 30 register")
@allow(public=True)
def article30_view(request: HttpRequest, lang: str = "nl") -> list[dict[str, str]]:
    return article30_rows("en" if lang == "en" else "nl")
