"""The shop's basket (winkelmand): seats of several shows in one held order, checked out and paid once.

Role: anyone. The basket is the newest held order the buyer's session holds (a
guest's orders are in their session by token); a theaterabonnement stays an
order of its own. The show page adds to it, the order page lists it show by show.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order
from kolk.boxoffice.services.basket import basket_add, basket_remove
from kolk.boxoffice.services.presale import in_presale
from kolk.core.errors import KolkError
from kolk.core.money import euros
from kolk.web.shop_views import HoldForm, _member, _order, _show, member_pass_current


@require_POST
def basket_add_view(request: HttpRequest, token: str, show_id: int) -> HttpResponse:
    """Seats of one more show (or other seats of one already in it) into the basket."""
    order = _order(token)
    if token not in request.session.get("orders", []):  # the buyer's own basket only
        raise KolkError(_("Deze winkelmand is niet van jou."), code="not_yours")
    show = _show(show_id)
    rows = selectors.seat_map(show) if show.hall.is_seated else []
    form = HoldForm(request.POST, seat_ids=[s.seat_id for _row, seats in rows for s in seats])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("web:shop:show", show_id=show.pk)
    member = _member(request)
    try:
        order = basket_add(
            order=order,
            show=show,
            seat_ids=form.cleaned_data["seat"] or (),
            quantity=form.cleaned_data["quantity"] or 0,
            # A members' presale: only then the library is asked, yes or no, whether the pass is current.
            member=bool(in_presale(show) and member is not None and member_pass_current(member)),
            actor=request.user,
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect("web:shop:show", show_id=show.pk)
    except KolkError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:shop:show", show_id=show.pk)
    messages.success(
        request,
        _("%(title)s staat in je winkelmand. Totaal: %(total)s.")
        % {"title": show.title, "total": euros(order.total_cents)},
    )
    return redirect("web:shop:order", token=order.token)


@require_POST
def basket_remove_view(request: HttpRequest, token: str, show_id: int) -> HttpResponse:
    """One show out of the basket: its seats go back on sale at once."""
    order = _order(token)
    show = _show(show_id)
    try:
        order = basket_remove(order=order, show=show, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:shop:order", token=order.token)
    if order.status == Order.Status.CANCELLED:
        if not show.hall.is_seated:  # free seating: places, not seats (and an order of its own, not a basket)
            messages.success(request, _("Je bestelling is geannuleerd; de plaatsen zijn weer vrij."))
        else:
            messages.success(request, _("Je winkelmand is leeg; de stoelen zijn weer vrij."))
        return redirect("web:shop:programme")
    messages.success(request, _("%(title)s is uit je winkelmand; de stoelen zijn weer vrij.") % {"title": show.title})
    return redirect("web:shop:order", token=order.token)
