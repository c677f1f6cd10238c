"""Every staff page under /balie/ in a real browser at desk size: axe-core finds nothing serious
or critical (UX.md: WCAG 2.1 AA on every page).

The pages are the security matrix's own (tests/security/test_matrix.py): every named route under
/balie/ that takes a GET, its path parameters filled from the matrix's world (an object of every
kind), so a new staff page is swept without being listed here. An administrator (who passes every
desk page's role check) signs in once; the pages are visited one after the other in one browser.
"""

from __future__ import annotations

import dataclasses
import os
import time

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.browser import axe_findings
from tests.desk.test_library_browser import feedback, scan
from tests.security.test_matrix import PAGES, page_routes, page_url
from tests.security.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# GET pages that are not pages a person reads in the browser: files and machine answers.
NOT_A_PAGE = {
    "desk:boxoffice_tickets_pdf": "a PDF",
    "desk:comms_call_list_csv": "a CSV file",
    "desk:comms_offers_letters": "a CSV file for the mail merge",
    "desk:boxoffice_door_codes": "JSON for the door scanner",
    "desk:boxoffice_door_count": "a fragment htmx puts into the door page",
}
# Another value of a path parameter than the matrix's, so that the page (not a download) is shown.
AS_A_PAGE = {"desk:privacy_access": {"fmt": "=html"}}
# Pages seen once more with another object, for what only it shows: a blocked person without a subscription.
ONCE_MORE = [("desk:library_member", {"pk": "staff_person"}), ("desk:person", {"pk": "staff_person"})]


def staff_pages(world) -> list[tuple[str, str]]:
    """(key, url) of every GET page under /balie/, its parameters the world's objects."""
    found = []
    for route, key in page_routes():
        if not key.startswith("desk:") or key in NOT_A_PAGE or key == "desk:logout":
            continue
        row = PAGES[key]
        if row.post:
            continue
        if key in AS_A_PAGE:
            row = dataclasses.replace(row, params={**row.params, **AS_A_PAGE[key]})
        found.append((key, page_url(world, route, key, row)))
    for key, params in ONCE_MORE:
        found.append((key, reverse(key, kwargs={name: world.ids[ref] for name, ref in params.items()})))
    return found


def test_every_staff_page_passes_axe(live_server, page):
    world = build_world()
    page.set_viewport_size({"width": 1280, "height": 800})
    # Signed in once: the administrator's session, second factor done, as the staff login leaves it.
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": world.sessions["administrator"], "url": live_server.url}]
    )
    # The desk's workstation chosen in the bar, so the pages of a branch (klaarleggen, brieven) show their lists.
    page.goto(live_server.url + reverse("desk:home"))
    with page.expect_navigation():
        page.select_option("#desk-branch", world.ids["branch"])  # the menu sends the choice at once
    assert page.locator("#desk-branch").input_value() == world.ids["branch"]
    pages = staff_pages(world)
    assert len(pages) > 40, pages  # the sweep reaches the staff workplace, not a handful of pages
    started = time.monotonic()
    problems: list[str] = []
    for key, url in pages:
        try:
            response = page.goto(live_server.url + url)
        except PlaywrightError as exc:  # a download: a file, not a page (NOT_A_PAGE says which)
            problems.append(f"{key} {url}: not a page ({exc.message.splitlines()[0]}); list it in NOT_A_PAGE")
            continue
        status = response.status if response else 0
        if status >= 400:
            problems.append(f"{key} {url}: answered {status}")
            continue
        if "/inloggen" in page.url and "/inloggen" not in url:
            problems.append(f"{key} {url}: sent to the login page {page.url}")
            continue
        problems += [f"{key} {url}: {finding}" for finding in axe_findings(page)]
        if shots := os.environ.get("KOLK_SCREENSHOTS"):  # a folder to look at every staff page
            page.screenshot(path=f"{shots}/{key.replace(':', '-')}.png", full_page=True)
    # The circulation pages with feedback beside the scan field: a copy lent, then taken in (htmx, keyboard).
    member = live_server.url + reverse("desk:library_member", kwargs={"pk": world.ids["person"]})
    page.goto(member)
    scan(page, world.ids["copy_barcode"])
    assert page.locator("#feedback li.ok").count() == 1, feedback(page)
    problems += [f"desk:library_member {member} after a scan: {finding}" for finding in axe_findings(page)]
    if shots := os.environ.get("KOLK_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/desk-library_member-scanned.png", full_page=True)
    checkin = live_server.url + reverse("desk:library_checkin")
    page.goto(checkin)
    scan(page, world.ids["copy_barcode"])
    assert page.locator("#feedback li").count() > 0, feedback(page)
    problems += [f"desk:library_checkin {checkin} after a scan: {finding}" for finding in axe_findings(page)]
    seconds = time.monotonic() - started
    print(f"{len(pages)} staff pages swept in {seconds:.1f} s")
    assert problems == [], "\n".join(problems)
