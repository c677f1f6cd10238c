"""Who may do what: every page and every API operation against every role, in one table.

The table is complete by construction: the test walks Django's URL resolver and
the API's OpenAPI schema and fails for any page or operation without a row, so a
new endpoint must say who may use it. A row names the roles that are allowed, or
says DECLARED: then the allowed roles are read from the view's declaration
(kolk.privacy.permits.allow; for the API, the operation's `x-kolk-access` in the
OpenAPI document), which takes them from the register's `roles:`. So the matrix
is generated from the register, and it proves each view enforces what it declares.
Every staff page and every API operation must be DECLARED. Every other role must be
refused:

- deny, logged in: 403 or 404;
- deny, anonymous: a redirect to a login page (pages) or 401 (API; 403 where the
  operation is open but the act asked for is not, such as paying cash);
- allow: anything else but a server error (a 409 or 422 of the business rules is
  an answer, not a refusal).

Path parameters are real objects of the member `lid` (kolk.tests.security.world),
so a member's own records are reached; another member's records are in
test_member_reach.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from kolk.api.api import api
from kolk.privacy.permits import Permit, permit_of
from tests.security.world import ANON, ROLES, World, login

MEMBER, DESK, LIB, BOX, MKT, PRIV, ADMIN = (
    "member",
    "desk",
    "library_staff",
    "box_office",
    "marketing",
    "privacy_officer",
    "administrator",
)
ALL = frozenset(ROLES)
LOGGED_IN = ALL - {ANON}
NOBODY: frozenset[str] = frozenset()


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


DECLARED = None  # the roles come from the view's own declaration, and so from the register


@dataclass(frozen=True)
class Row:
    allow: frozenset[str] | None
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> key in World.ids (or a literal)
    post: bool = False  # the page takes POST only
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    form: dict[str, str] | None = None


# Pages, by URL name (unnamed patterns by route). Administrators pass every desk
# page's role check; the portal is for members only (an administrator has no Person).
PAGES: dict[str, Row] = {
    "set_language": Row(ALL, post=True),
    "web:home": Row(ALL),
    "web:privacy": Row(ALL),
    "web:cookies": Row(ALL),
    "web:contact": Row(ALL),
    "web:newsletter": Row(ALL),
    "web:join": Row(ALL),
    "web:catalogue": Row(ALL),
    "web:catalogue_title": Row(ALL, {"title_id": "title"}),
    "web:login": Row(ALL),
    "web:logout": Row(ALL, post=True),
    "web:password_reset": Row(ALL),
    "web:password_reset_done": Row(ALL),
    "web:password_reset_confirm": Row(ALL, {"uidb64": "=MQ", "token": "=abc-123"}),
    "web:password_reset_complete": Row(ALL),
    "comms:unsubscribe": Row(ALL, {"token": "unsubscribe_token"}),
    # A link that is not (or no longer) valid: a page that says so, for anyone.
    "comms:newsletter_confirm": Row(ALL, {"token": "=abc"}),
    "web:shop:programme": Row(ALL),
    "web:shop:show": Row(ALL, {"show_id": "show"}),
    "web:shop:series": Row(ALL, {"series_id": "series"}),
    "web:shop:order": Row(ALL, {"token": "held_token"}),
    # Issue 16: a paid order's tickets as a PDF and as a Wallet pass (a held order has none: 409 for all).
    "web:shop:tickets_pdf": Row(ALL, {"token": "held_token"}),
    "web:shop:ticket_wallet": Row(ALL, {"token": "held_token", "code": "=abc"}),
    "web:shop:release": Row(ALL, {"token": "order_token"}, post=True),
    "web:shop:basket_add": Row(ALL, {"token": "held_token", "show_id": "show"}, post=True, form={"quantity": "1"}),
    "web:shop:basket_remove": Row(ALL, {"token": "held_token", "show_id": "show"}, post=True),
    "web:shop:payment": Row(ALL, {"token": "held_token"}),
    "web:shop:payment_status": Row(ALL, {"token": "held_token"}),
    # Paying online asks Mollie (not here): cash is asked, which the page refuses in words but to the box office.
    "web:shop:pay": Row(ALL, {"token": "held_token"}, post=True, form={"method": "cash"}),
    "web:shop:waitlist_join": Row(ALL, {"show_id": "show"}),
    "web:shop:waitlist_offer": Row(ALL, {"token": "waitlist_offer"}),
    "web:shop:order_code": Row(ALL, {"token": "held_token"}, post=True, form={"code": "0000-0000-0000-0000"}),
    # The gift voucher bought online: the form (a POST without a value is a 422), a sale by its token.
    "web:shop:voucher": Row(ALL),
    "web:shop:voucher_sale": Row(ALL, {"token": "voucher_sale_token"}),
    "web:shop:voucher_sale_status": Row(ALL, {"token": "voucher_sale_token"}),
    "web:shop:voucher_sale_pdf": Row(ALL, {"token": "voucher_sale_token"}),
    # The member portal.
    "web:portal": Row(DECLARED),
    "web:portal_access": Row(DECLARED),
    "web:portal_details": Row(DECLARED),
    "web:portal_choices": Row(DECLARED),
    "web:portal_choice_change": Row(DECLARED, post=True),
    "web:portal_activity": Row(DECLARED),
    "web:portal_download": Row(DECLARED, {"person_id": "person"}),
    "web:portal_subscription": Row(DECLARED),
    "web:portal_loans": Row(DECLARED),
    "web:portal_loans_moved": Row(ALL),  # a permanent redirect to web:portal_loans, which then decides
    "web:portal_loan_renew": Row(DECLARED, {"loan_id": "loan"}, post=True),
    "web:portal_renew_all": Row(DECLARED, post=True),
    "web:portal_reading_history": Row(DECLARED),
    "web:portal_reading_switch": Row(DECLARED, post=True, form={"value": "1"}),
    "web:portal_reading_clear": Row(DECLARED, post=True),
    "web:portal_reservations": Row(DECLARED),
    "web:portal_reservation_place": Row(DECLARED, post=True, form={"title": "@title", "branch": "@branch_pk"}),
    "web:portal_reservation_cancel": Row(DECLARED, {"reservation_id": "reservation"}, post=True),
    "web:portal_tickets": Row(DECLARED),
    "web:portal_order": Row(DECLARED, {"order_id": "order"}),
    "web:portal_invoices": Row(DECLARED),
    "web:portal_invoice_pdf": Row(DECLARED, {"invoice_id": "invoice"}),
    "web:portal_invoice_pay": Row(DECLARED, {"invoice_id": "invoice"}, post=True),
    "web:portal_invoice_paying": Row(DECLARED, {"invoice_id": "invoice"}),
    "web:join_pay": Row(DECLARED),
    "web:portal_fines_pay": Row(DECLARED, post=True),
    "web:portal_messages": Row(DECLARED),
    "web:portal_rights": Row(DECLARED),
    # Staff: logging in, the second factor (anyone logged in; it sends on who needs none).
    "desk:login": Row(ALL),
    "desk:logout": Row(LOGGED_IN, post=True),  # anonymous: sent to the login page
    "desk:otp_verify": Row(LOGGED_IN),
    "desk:otp_enrol": Row(LOGGED_IN),
    "desk:home": Row(DECLARED),
    "desk:person_find": Row(DECLARED),
    "desk:person": Row(DECLARED, {"pk": "person"}),
    # The privacy office and rights requests.
    "desk:privacy_office": Row(DECLARED),
    "desk:privacy_request_new": Row(DECLARED, {"person_pk": "person"}),
    "desk:privacy_request": Row(DECLARED, {"pk": "request"}),
    "desk:privacy_access": Row(DECLARED, {"pk": "request", "fmt": "=json"}),
    # Contact cases; newsletters and offers.
    "desk:comms_cases": Row(DECLARED),
    "desk:comms_case": Row(DECLARED, {"pk": "case"}),
    "desk:comms_case_close": Row(DECLARED, {"pk": "case"}, post=True),
    "desk:comms_campaigns": Row(DECLARED),
    "desk:comms_campaign": Row(DECLARED, {"pk": "campaign"}),
    "desk:comms_campaign_send": Row(DECLARED, {"pk": "campaign"}, post=True),
    "desk:comms_offers": Row(DECLARED),
    "desk:comms_offers_letters": Row(DECLARED),
    "desk:comms_call_list": Row(DECLARED),
    "desk:comms_call_list_csv": Row(DECLARED),
    "desk:comms_said_no": Row(DECLARED, {"pk": "person"}, post=True),
    # The library desk.
    "desk:library_find": Row(DECLARED),
    "desk:library_register": Row(DECLARED),
    "desk:library_checkin": Row(DECLARED, post=True),
    "desk:library_member": Row(DECLARED, {"pk": "person"}),
    "desk:library_checkout": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_block": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_join_confirm": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_reserve": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_cancel": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_subscribe": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_invoice": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_unblock": Row(DECLARED, {"pk": "block"}, post=True),
    "desk:library_renew": Row(DECLARED, {"pk": "loan"}, post=True),
    "desk:library_reservation_cancel": Row(DECLARED, {"pk": "reservation"}, post=True),
    # The box office.
    "desk:boxoffice": Row(DECLARED),
    "desk:boxoffice_halls": Row(DECLARED),
    "desk:boxoffice_vouchers": Row(DECLARED),
    "desk:boxoffice_programme": Row(DECLARED),
    "desk:boxoffice_show": Row(DECLARED, {"show_id": "show"}),
    "desk:boxoffice_checkin": Row(DECLARED, {"show_id": "show"}),
    "desk:boxoffice_age": Row(DECLARED, {"show_id": "show"}, post=True, form={"pass": "12345"}),
    "desk:boxoffice_cancel": Row(DECLARED, {"token": "order_token"}, post=True),
    # Issue 16: the till's orders (found by a POSTed search), their page, mailing the tickets again.
    "desk:boxoffice_orders": Row(DECLARED, post=True, form={"q": "niemand"}),
    "desk:boxoffice_order": Row(DECLARED, {"order_id": "order"}),
    "desk:boxoffice_resend": Row(DECLARED, {"order_id": "order"}, post=True),
    "desk:boxoffice_tickets_pdf": Row(DECLARED, {"order_id": "order", "paper": "=a4"}),
    "desk:boxoffice_door_count": Row(DECLARED, {"show_id": "show"}),
    "desk:boxoffice_door_codes": Row(DECLARED, {"show_id": "show"}),
    "desk:boxoffice_door_sync": Row(DECLARED, {"show_id": "show"}, post=True),
    # The season at the box office: a show's presale, the theaterabonnementen (list, new, till, change).
    "desk:boxoffice_show_presale": Row(DECLARED, {"show_id": "show"}),
    "desk:boxoffice_series": Row(DECLARED),
    "desk:boxoffice_series_new": Row(DECLARED),
    "desk:boxoffice_series_till": Row(DECLARED, {"series_id": "series"}),
    "desk:boxoffice_series_edit": Row(DECLARED, {"series_id": "series"}),
    # API keys of machine clients (the administrator's); revoking a client that does not exist.
    "desk:apikeys": Row(DECLARED),
    "desk:apikey_revoke": Row(DECLARED, post=True, form={"client": "0"}),
    # Self-service: the kiosks' accounts (the administrator's) and a member's kiosk PIN (desk, portal).
    "desk:kiosks": Row(DECLARED),
    "desk:kiosk_rotate": Row(DECLARED, {"pk": "kiosk"}, post=True),
    "desk:kiosk_switch": Row(DECLARED, {"pk": "kiosk"}, post=True),
    "desk:library_member_pin": Row(DECLARED, {"pk": "person"}),
    "web:portal_kiosk_pin": Row(DECLARED),
    # The staff workplace (issue 15): the workstation; circulation's renew all.
    "desk:workstation": Row(DECLARED, post=True, form={"branch": "nergens"}),
    "web:portal_mandate": Row(DECLARED),
    "web:portal_mandate_revoke": Row(DECLARED, post=True),
    "desk:library_renew_all": Row(DECLARED, {"pk": "person"}, post=True),
    # Issue 15: the workstation chosen at sign-in, each staff member's own branch (administrators), the
    # loan slip mailed.
    "desk:workstation_pick": Row(DECLARED),
    "desk:staff_branches": Row(DECLARED),
    "desk:library_slip_mail": Row(DECLARED, {"pk": "person"}, post=True),
    # Issue 14 (a): the desk records an objection or a consent for a person (a form with no method
    # is refused as 422, so nothing is written); a parent's consent for their child (the child in the
    # form: "x" is a 400 for the member, after the guard).
    "desk:person_objection": Row(DECLARED, {"pk": "person"}, post=True, form={"purpose": "direct_marketing"}),
    "desk:person_consent": Row(DECLARED, {"pk": "person"}, post=True, form={"purpose": "notices_advice"}),
    "desk:person_notices": Row(DECLARED, {"pk": "person"}, post=True, form={"overdue": "email"}),
    "web:portal_children": Row(DECLARED),
    "web:portal_child_consent": Row(
        DECLARED, post=True, form={"child": "x", "purpose": "notices_advice", "value": "1"}
    ),
    # Money at the library desk (issue 15): pay (a bad amount is a refusal), the receipt (none yet), write off.
    "desk:library_pay": Row(DECLARED, {"pk": "person"}, post=True, form={"amount": "x", "method": "cash"}),
    "desk:library_receipt": Row(DECLARED, {"pk": "person"}),
    "desk:library_write_off": Row(DECLARED, {"pk": "person"}, post=True),
    "desk:library_mandate": Row(DECLARED, {"pk": "person"}, post=True),
    # The collection at the desk (issue 15, library staff): catalogue, MARC, a title, a copy's status and label.
    "desk:library_catalogue": Row(DECLARED),
    "desk:library_marc": Row(DECLARED),
    "desk:library_title": Row(DECLARED, {"pk": "title"}),
    "desk:library_copy_status": Row(DECLARED, {"pk": "copy"}, post=True, form={"status": "lost"}),
    "desk:library_label": Row(DECLARED, {"pk": "copy"}),
    # Issue 14 (b): the member's readable access package, on screen and as PDF (own data, no id).
    "web:portal_my_data": Row(DECLARED),
    "web:portal_my_data_pdf": Row(DECLARED),
    # Issue 14 (b): who read a record - the Privacy Officer's office page, the member's portal section.
    "desk:office_reads_find": Row(DECLARED),
    "desk:office_reads": Row(DECLARED, {"pk": "person"}),
    "web:portal_reads": Row(DECLARED),
    "web:portal_newsletter": Row(DECLARED),
    "desk:office_exports": Row(DECLARED),
    "desk:office_demand": Row(DECLARED),
    "desk:office_breaches": Row(DECLARED),
    "desk:office_breach": Row(DECLARED, {"pk": "breach"}),
    "desk:office_register": Row(DECLARED),
    "desk:library_pulls": Row(DECLARED),
    "desk:library_letters": Row(DECLARED),
    "desk:library_letters_printed": Row(DECLARED, post=True, form={"letter": "1"}),
}
# The admin is the administrator's alone: every page of it, whatever model it shows.
ADMIN_ROW = Row(roles(ADMIN))
# Its catch-all answers 404 even to the administrator: nobody reaches anything there.
ADMIN_CATCH_ALL = "admin/(?P<url>.*)$"
# What the admin refuses even to the administrator: the logs are read-only (no adding
# or deleting audit entries, ledger rows or login attempts), the task results are the
# worker's; autocomplete (no admin uses it) and view-on-site (no model has a public page).
ADMIN_NOBODY = {
    "admin:autocomplete",
    "admin:view_on_site",
    "admin:axes_accessattempt_add",
    "admin:axes_accessfailurelog_add",
    "admin:axes_accesslog_add",
    "admin:django_tasks_database_dbtaskresult_add",
    "admin:django_tasks_database_dbtaskresult_delete",
    "admin:privacy_auditentry_add",
    "admin:privacy_auditentry_delete",
    "admin:privacy_privacychoice_add",
    "admin:privacy_privacychoice_delete",
    "admin:privacy_restriction_add",
    "admin:privacy_restriction_delete",
}

# API operations, "METHOD /path" as in the OpenAPI schema.
# Operations open to anyone where the act the row asks for is narrower (cash at the till only).
NARROWED = {"POST /api/v1/boxoffice/orders/{token}/pay"}
BOX_ONLY = roles(BOX, ADMIN)  # paying cash: the operation is open, the act is the box office's
A = "/api/v1"
OPERATIONS: dict[str, Row] = {
    f"GET {A}/privacy/register": Row(DECLARED),
    f"GET {A}/privacy/article30": Row(DECLARED),
    f"POST {A}/privacy/requests": Row(DECLARED, body={"kind": "complaint", "text": "Geen antwoord gekregen."}),
    f"GET {A}/privacy/requests": Row(DECLARED),
    f"GET {A}/privacy/requests/open": Row(DECLARED),
    f"GET {A}/privacy/requests/{{request_id}}": Row(DECLARED, {"request_id": "request"}),
    f"GET {A}/billing/people/{{person_id}}/invoices": Row(DECLARED, {"person_id": "person"}),
    f"GET {A}/billing/invoices/{{invoice_id}}": Row(DECLARED, {"invoice_id": "invoice"}),
    f"GET {A}/billing/invoices/{{invoice_id}}/pdf": Row(DECLARED, {"invoice_id": "invoice"}),
    f"POST {A}/billing/payments/mollie/webhook": Row(DECLARED, form={"id": "tr_unknown"}),
    f"POST {A}/comms/contact": Row(DECLARED, body={"name": "Vera", "email": "vera@example.nl", "question": "Open?"}),
    f"POST {A}/comms/newsletter": Row(DECLARED, body={"email": "nieuws@example.nl"}),
    f"POST {A}/comms/newsletter/confirm/{{token}}": Row(DECLARED, {"token": "=abc"}),
    f"POST {A}/comms/unsubscribe/{{token}}": Row(DECLARED, {"token": "unsubscribe_token"}),
    f"GET {A}/comms/cases": Row(DECLARED),
    f"GET {A}/comms/cases/{{pk}}": Row(DECLARED, {"pk": "case"}),
    f"POST {A}/comms/cases/{{pk}}/answer": Row(DECLARED, {"pk": "case"}, body={"body": "Ja."}),
    f"POST {A}/comms/cases/{{pk}}/close": Row(DECLARED, {"pk": "case"}),
    f"POST {A}/library/members/search": Row(DECLARED, body={"q": "Assen"}),
    f"GET {A}/library/members/{{person_id}}": Row(DECLARED, {"person_id": "person"}),
    f"POST {A}/library/members/{{person_id}}/subscriptions": Row(
        DECLARED, {"person_id": "person"}, body={"type": "@subscription_type", "id_seen": True}
    ),
    f"POST {A}/library/subscriptions/{{subscription_id}}/cancel": Row(
        DECLARED, {"subscription_id": "subscription"}, body={"reason": "moved"}
    ),
    f"GET {A}/library/catalogue": Row(DECLARED, query={"q": "a"}),
    f"GET {A}/library/titles/{{title_id}}/copies": Row(DECLARED, {"title_id": "title"}),
    f"POST {A}/library/titles/{{title_id}}/copies": Row(
        DECLARED, {"title_id": "title"}, body={"barcode": "MATRIX-1", "branch": "@branch"}
    ),
    f"POST {A}/library/titles": Row(DECLARED, body={"title": "Nieuw boek"}),
    f"GET {A}/library/copies/{{barcode}}": Row(DECLARED, {"barcode": "copy_barcode"}),
    f"GET {A}/library/loans": Row(DECLARED, query={"person_id": "@person"}),
    f"POST {A}/library/loans/checkout": Row(DECLARED, body={"copy_barcode": "@copy_barcode", "person_id": "@person"}),
    f"POST {A}/library/loans/checkin": Row(DECLARED, body={"copy_barcode": "@copy_barcode"}),
    f"POST {A}/library/loans/{{loan_id}}/renew": Row(DECLARED, {"loan_id": "loan"}),
    f"GET {A}/library/reservations": Row(DECLARED, query={"person_id": "@person"}),
    f"POST {A}/library/reservations": Row(
        DECLARED, body={"title_id": "@title", "person_id": "@person", "pickup_branch": "@branch"}
    ),
    f"POST {A}/library/reservations/{{reservation_id}}/cancel": Row(DECLARED, {"reservation_id": "reservation"}),
    f"POST {A}/library/members/{{person_id}}/blocks": Row(DECLARED, {"person_id": "person"}, body={"reason": "manual"}),
    f"POST {A}/library/blocks/{{block_id}}/lift": Row(DECLARED, {"block_id": "block"}),
    f"GET {A}/boxoffice/programme": Row(DECLARED),
    f"GET {A}/boxoffice/shows/{{show_id}}": Row(DECLARED, {"show_id": "show"}),
    f"GET {A}/boxoffice/shows/{{show_id}}/seats": Row(DECLARED, {"show_id": "show"}),
    f"POST {A}/boxoffice/shows/{{show_id}}/hold": Row(DECLARED, {"show_id": "show"}, body={"quantity": 1}),
    f"GET {A}/boxoffice/orders/{{token}}": Row(DECLARED, {"token": "held_token"}),
    f"POST {A}/boxoffice/orders/{{token}}/checkout": Row(
        DECLARED, {"token": "held_token"}, body={"buyer_name": "Gea Gast", "buyer_email": "gast@example.nl"}
    ),
    # Anyone pays by iDEAL; cash is taken at the box office only.
    f"POST {A}/boxoffice/orders/{{token}}/pay": Row(BOX_ONLY, {"token": "held_token"}, body={"method": "cash"}),
    f"POST {A}/boxoffice/payments/mollie/webhook": Row(DECLARED, form={"id": "tr_unknown"}),
    f"POST {A}/boxoffice/shows/{{show_id}}/sale": Row(
        DECLARED, {"show_id": "show"}, body={"quantity": 1, "method": "cash"}
    ),
    f"POST {A}/boxoffice/checkin": Row(DECLARED, body={"code": "@ticket_code", "show_id": "@show"}),
    f"POST {A}/boxoffice/orders/{{token}}/cancel": Row(DECLARED, {"token": "order_token"}, body={"refund": False}),
    # The season: theaterabonnementen and their hold, a code on an order, a sold-out show's waiting list.
    f"GET {A}/boxoffice/series": Row(DECLARED),
    f"GET {A}/boxoffice/series/{{series_id}}": Row(DECLARED, {"series_id": "series"}),
    f"POST {A}/boxoffice/series/{{series_id}}/hold": Row(
        DECLARED, {"series_id": "series"}, body={"show_ids": [], "quantity": 1}
    ),
    f"POST {A}/boxoffice/orders/{{token}}/code": Row(DECLARED, {"token": "held_token"}, body={"code": "0000-0000"}),
    f"POST {A}/boxoffice/shows/{{show_id}}/waitlist": Row(
        DECLARED, {"show_id": "show"}, body={"name": "Wim Wachter", "email": "wim@example.nl"}
    ),
}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str, Any]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            found += _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            found.append((prefix + str(p.pattern), name, p))
    return found


def page_routes() -> list[tuple[str, str]]:
    """(route, key) of every page, the API excepted; the key is the URL name or, unnamed, the route."""
    return [
        (route, name or route) for route, name, _p in _walk(get_resolver().url_patterns) if not route.startswith("api/")
    ]


def api_operations() -> list[str]:
    schema = api.get_openapi_schema()
    return [f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops]


def page_row(route: str, key: str) -> Row:
    if key in ("admin:login", "admin:logout"):
        return Row(ALL, post=key == "admin:logout")
    if route.startswith("admin/"):
        return Row(NOBODY) if route == ADMIN_CATCH_ALL or key in ADMIN_NOBODY else ADMIN_ROW
    return PAGES[key]


def allowed_by(permit: Permit) -> frozenset[str]:
    """The roles a declaration lets in, read from the register."""
    if permit.public:
        return ALL
    found = {role.value for role in permit.staff_roles()}
    return frozenset(found | ({MEMBER} if permit.members else set()))


def page_allow(route: str, key: str, row: Row) -> frozenset[str]:
    if row.allow is not DECLARED:
        return row.allow
    pattern = {r: p for r, _n, p in _walk(get_resolver().url_patterns)}[route]
    permit = permit_of(pattern.callback)
    assert permit is not None, f"page {key} is DECLARED but its view declares nothing (kolk.privacy.permits.allow)"
    return allowed_by(permit)


def operation_allow(operation: str, row: Row) -> frozenset[str]:
    if row.allow is not DECLARED:
        return row.allow
    method, path = operation.split(" ", 1)
    access = api.get_openapi_schema()["paths"][path][method.lower()].get("x-kolk-access")
    assert access, f"{operation} is DECLARED but the OpenAPI document names no x-kolk-access"
    if access["public"]:
        return ALL
    return frozenset(set(access["roles"]) | ({MEMBER} if access["members"] else set()))


def test_every_staff_page_and_operation_is_declared():
    """A staff page or an API operation says who may use it with the one decorator, read from the register."""
    undeclared = [
        key
        for route, key in page_routes()
        if key.startswith("desk:")
        and key not in ("desk:login", "desk:logout", "desk:otp_verify", "desk:otp_enrol")
        and PAGES[key].allow is not DECLARED
    ]
    undeclared += [op for op in api_operations() if OPERATIONS[op].allow is not DECLARED and op not in NARROWED]
    assert not undeclared, f"these must be DECLARED, their roles read from the view: {undeclared}"


def test_every_page_and_operation_has_a_row():
    pages = page_routes()
    missing = [key for route, key in pages if not route.startswith("admin/") and key not in PAGES]
    missing += [op for op in api_operations() if op not in OPERATIONS]
    assert not missing, f"say who may use these (a row in tests/security/test_matrix.py): {missing}"
    stale = set(PAGES) - {key for _route, key in pages}
    stale |= set(OPERATIONS) - set(api_operations())
    assert not stale, f"rows for endpoints that no longer exist: {sorted(stale)}"


def _value(world: World, ref: str) -> str:
    if ref.startswith("="):
        return ref[1:]
    return str(world.ids[ref])


def _fill(world: World, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        found = world.ids[value[1:]]
        return found
    if isinstance(value, dict):
        return {k: _fill(world, v) for k, v in value.items()}
    return value


def _admin_model(url_name: str) -> Any:
    from django.contrib import admin

    for model in admin.site._registry:
        if url_name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def _admin_kwargs(pattern: Any) -> dict[str, str]:
    """Admin pages: the first object of the page's model, the app of the app index."""
    kwargs: dict[str, str] = {}
    names = pattern.pattern.regex.groupindex
    if "app_label" in names:
        kwargs["app_label"] = "people"
    model = _admin_model(pattern.name or "")
    obj = model._default_manager.order_by("pk").first() if model else None
    for name in ("object_id", "pk"):
        if name in names:
            kwargs[name] = str(obj.pk) if obj else "0"
    if "id" in names:  # the admin's password change of a user
        from kolk.people.models import User

        kwargs["id"] = str(User.objects.order_by("pk").first().pk)
    if "content_type_id" in names:
        kwargs["content_type_id"] = "1"
    return kwargs


def page_url(world: World, route: str, key: str, row: Row) -> str:
    from django.urls import reverse

    if route == ADMIN_CATCH_ALL:
        return "/admin/geen-pagina/"
    pattern = {r: p for r, _n, p in _walk(get_resolver().url_patterns)}[route]
    if route.startswith("admin/"):
        kwargs = _admin_kwargs(pattern)
        if not pattern.name:  # the admin's old-style object url: a redirect to the change page
            return "/" + re.sub(r"<path:object_id>", kwargs.get("object_id", "0"), route)
        return reverse(f"admin:{pattern.name}", kwargs=kwargs)
    return reverse(key, kwargs={name: _value(world, ref) for name, ref in row.params.items()})


LOGIN_PAGES = ("/balie/inloggen/", "/mijn/inloggen", "/admin/login/")


def refused(role: str, response: Any, *, api: bool) -> bool:
    if role != ANON:
        return response.status_code in (403, 404)
    if api:
        return response.status_code in (401, 403)
    location = response.get("Location", "") if response.status_code == 302 else ""
    return location.startswith(LOGIN_PAGES) or "/inloggen" in location.split("?")[0]


def verdict(role: str, allowed: bool, response: Any, *, api: bool) -> str:
    """'' when the response fits the row, else what is wrong."""
    where = f"{response.status_code} {response.get('Location', '')}".strip()
    if response.status_code >= 500:
        return f"{role}: server error {where}"
    if allowed and refused(role, response, api=api):
        return f"{role}: refused ({where}) but the row allows it"
    if not allowed and not refused(role, response, api=api):
        return f"{role}: not refused ({where}) but the row does not allow it"
    return ""


def each_role(client: Any, world: World, request: Callable[[], Any], allow: frozenset[str], *, api: bool) -> list[str]:
    """Call as every role, each in a savepoint rolled back after it; what does not fit the row."""
    from django.core.cache import cache

    wrong = []
    for role in ROLES:
        cache.clear()  # the public forms' rate limit counts per address, across the roles
        client.cookies.clear()
        login(client, world, role)
        with transaction.atomic():
            response = request()
            transaction.set_rollback(True)
        if problem := verdict(role, role in allow, response, api=api):
            wrong.append(problem)
    return wrong


PAGE_CASES = page_routes()


@pytest.mark.parametrize(("route", "key"), PAGE_CASES, ids=[k for _r, k in PAGE_CASES])
def test_page(client, db, world, route, key):
    row = page_row(route, key)
    url = page_url(world, route, key, row)
    form = _fill(world, row.form or {})
    allow = page_allow(route, key, row)
    wrong = each_role(client, world, lambda: client.post(url, form) if row.post else client.get(url), allow, api=False)
    assert not wrong, f"page {key} ({url}): " + "; ".join(wrong)


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_operation(client, db, world, operation):
    row = OPERATIONS[operation]
    method, path = operation.split(" ", 1)
    url = re.sub(r"\{(\w+)\}", lambda m: _value(world, row.params[m[1]]), path)
    query = {k: _fill(world, v) for k, v in row.query.items()}

    def call() -> Any:
        if method == "GET":
            return client.get(url, query)
        if row.form is not None:
            return client.post(url, row.form)
        return client.post(url, json.dumps(_fill(world, row.body or {})), content_type="application/json")

    wrong = each_role(client, world, call, operation_allow(operation, row), api=True)
    assert not wrong, f"{operation}: " + "; ".join(wrong)
