"""Programme and sales of the cinema and theatre: venues, halls and seats, films and
productions, shows with their prices, orders with tickets, and per-show counts.

A seated show has one ShowSeat per seat of its hall: the row that buyers contend
for, so a hold locks exactly the seats it wants. A free-seating show keeps a
counter on its own row (`free_taken`), locked by a hold.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kolk.core.money import euros
from kolk.privacy.fieldmap import PrivacyMap


class Venue(models.Model):
    name = models.CharField(_("naam"), max_length=120, unique=True)
    street = models.CharField(_("straat en huisnummer"), max_length=120, blank=True)
    town = models.CharField(_("plaats"), max_length=80, blank=True)

    privacy = PrivacyMap(subject=None, not_personal=["name", "street", "town"])

    class Meta:
        verbose_name = _("locatie")
        verbose_name_plural = _("locaties")

    def __str__(self) -> str:
        return self.name


class Hall(models.Model):
    class Seating(models.TextChoices):
        SEATED = "seated", _("genummerde stoelen")
        FREE = "free", _("vrije zitplaatsen")

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="halls", verbose_name=_("locatie"))
    name = models.CharField(_("naam"), max_length=80)
    seating = models.CharField(_("plaatsing"), max_length=6, choices=Seating.choices, default=Seating.SEATED)
    capacity = models.PositiveIntegerField(_("capaciteit"), default=0, help_text=_("bij vrije zitplaatsen"))

    privacy = PrivacyMap(subject=None, not_personal=["venue", "name", "seating", "capacity"])

    class Meta:
        verbose_name = _("zaal")
        verbose_name_plural = _("zalen")
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="hall_unique_per_venue")]

    def __str__(self) -> str:
        return f"{self.venue.name} · {self.name}"

    @property
    def is_seated(self) -> bool:
        return self.seating == self.Seating.SEATED


class Seat(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("gewoon")
        WHEELCHAIR = "wheelchair", _("rolstoelplaats")
        COMPANION = "companion", _("begeleidersplaats")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="seats")
    row = models.PositiveSmallIntegerField(_("rij"))
    number = models.PositiveSmallIntegerField(_("stoel"))
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    held_back = models.BooleanField(_("achtergehouden"), default=False)
    # Lower is better: best-available hands out seats in this order.
    rank = models.PositiveIntegerField(default=0)

    privacy = PrivacyMap(subject=None, not_personal=["hall", "row", "number", "kind", "held_back", "rank"])

    class Meta:
        verbose_name = _("stoel")
        verbose_name_plural = _("stoelen")
        ordering = ["row", "number"]
        constraints = [models.UniqueConstraint(fields=["hall", "row", "number"], name="seat_unique_in_hall")]

    def __str__(self) -> str:
        return f"rij {self.row} stoel {self.number}"


class Film(models.Model):
    title = models.CharField(_("titel"), max_length=200)
    minutes = models.PositiveSmallIntegerField(_("duur (minuten)"), default=90)
    age_rating = models.CharField(_("Kijkwijzer"), max_length=4, blank=True, help_text=_("AL, 6, 9, 12, 14, 16, 18"))
    description = models.TextField(_("omschrijving"), blank=True)

    privacy = PrivacyMap(subject=None, not_personal=["title", "minutes", "age_rating", "description"])

    class Meta:
        verbose_name = _("film")
        verbose_name_plural = _("films")

    def __str__(self) -> str:
        return self.title


class Production(models.Model):
    """A theatre production: a play, concert or show by a company."""

    title = models.CharField(_("titel"), max_length=200)
    company = models.CharField(_("gezelschap"), max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(_("duur (minuten)"), default=120)
    description = models.TextField(_("omschrijving"), blank=True)

    privacy = PrivacyMap(subject=None, not_personal=["title", "company", "minutes", "description"])

    class Meta:
        verbose_name = _("voorstelling")
        verbose_name_plural = _("voorstellingen")

    def __str__(self) -> str:
        return self.title


class Show(models.Model):
    """One screening or performance in a hall at a time."""

    class Kind(models.TextChoices):
        FILM = "film", _("film")
        THEATRE = "theatre", _("theater")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="shows", verbose_name=_("zaal"))
    kind = models.CharField(_("soort"), max_length=8, choices=Kind.choices)
    film = models.ForeignKey(Film, null=True, blank=True, on_delete=models.PROTECT, related_name="shows")
    production = models.ForeignKey(Production, null=True, blank=True, on_delete=models.PROTECT, related_name="shows")
    starts_at = models.DateTimeField(_("aanvang"), db_index=True)
    on_sale = models.BooleanField(_("in de verkoop"), default=False)
    # Free seating: how many places there are and how many are held or sold.
    capacity = models.PositiveIntegerField(_("capaciteit"), default=0)
    free_taken = models.PositiveIntegerField(default=0)
    # Free seating: of `free_taken`, the places freed while people wait, kept for the waiting list's offers.
    waitlist_kept = models.PositiveIntegerField(default=0)
    # Presale: members with a current library pass buy from `members_from`, everyone from `public_from`.
    members_from = models.DateTimeField(_("voorverkoop leden vanaf"), null=True, blank=True)
    public_from = models.DateTimeField(_("vrije verkoop vanaf"), null=True, blank=True)

    privacy = PrivacyMap(
        subject=None,
        not_personal=[
            "hall",
            "kind",
            "film",
            "production",
            "starts_at",
            "on_sale",
            "capacity",
            "free_taken",
            "waitlist_kept",
            "members_from",
            "public_from",
        ],
    )

    class Meta:
        verbose_name = _("voorstelling")
        verbose_name_plural = _("voorstellingen")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="film", film__isnull=False, production__isnull=True))
                | (models.Q(kind="theatre", production__isnull=False, film__isnull=True)),
                name="show_is_film_or_theatre",
            ),
            models.CheckConstraint(condition=models.Q(free_taken__lte=models.F("capacity")), name="show_not_oversold"),
            models.CheckConstraint(
                condition=models.Q(waitlist_kept__lte=models.F("free_taken")), name="show_kept_within_taken"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def title(self) -> str:
        work = self.film if self.kind == self.Kind.FILM else self.production
        return work.title if work else ""


class Series(models.Model):
    """A theaterabonnement: choose at least `min_shows` shows of the series, at `discount_percent` off."""

    name = models.CharField(_("naam"), max_length=200)
    season = models.CharField(_("seizoen"), max_length=20, help_text=_("bijvoorbeeld 2026-2027"))
    shows = models.ManyToManyField(Show, related_name="series", verbose_name=_("voorstellingen"))
    min_shows = models.PositiveSmallIntegerField(_("minimaal aantal voorstellingen"), default=4)
    discount_percent = models.PositiveSmallIntegerField(_("korting (%)"), default=10)
    # Presale of the whole series, as a show's (members first, then everyone).
    members_from = models.DateTimeField(_("voorverkoop leden vanaf"), null=True, blank=True)
    public_from = models.DateTimeField(_("vrije verkoop vanaf"), null=True, blank=True)

    privacy = PrivacyMap(
        subject=None,
        not_personal=["name", "season", "shows", "min_shows", "discount_percent", "members_from", "public_from"],
    )

    class Meta:
        verbose_name = _("theaterabonnement")
        verbose_name_plural = _("theaterabonnementen")
        constraints = [
            models.CheckConstraint(condition=Q(discount_percent__lte=100), name="series_discount"),
            models.CheckConstraint(condition=Q(min_shows__gte=1), name="series_min_shows"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.season}"


class PriceKind(models.TextChoices):
    REGULAR = "regular", _("normaal")
    YOUTH = "youth", _("jeugd")
    SENIOR = "senior", _("65+")
    MEMBER = "member", _("lid")
    CJP = "cjp", _("CJP")
    STADSPAS = "stadspas", _("Stadspas")


# The reduced prices a buyer must show proof for (a pass, an ID); the till records that staff saw it.
PROOF_KINDS = frozenset({PriceKind.YOUTH, PriceKind.SENIOR, PriceKind.MEMBER, PriceKind.CJP, PriceKind.STADSPAS})


class PriceCategory(models.Model):
    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="prices")
    kind = models.CharField(_("tarief"), max_length=8, choices=PriceKind.choices)
    amount_cents = models.PositiveIntegerField(_("prijs (centen, incl. btw)"))
    vat_percent = models.PositiveSmallIntegerField(_("btw (%)"), default=9)

    privacy = PrivacyMap(subject=None, not_personal=["show", "kind", "amount_cents", "vat_percent"])

    class Meta:
        verbose_name = _("prijscategorie")
        verbose_name_plural = _("prijscategorieën")
        constraints = [models.UniqueConstraint(fields=["show", "kind"], name="price_unique_per_show")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.euros}"

    @property
    def euros(self) -> str:
        """The amount as Dutch money: € 12,50."""
        return euros(self.amount_cents)


class Order(models.Model):
    """A buyer's hold on seats, then their order. Guests have no person."""

    class Status(models.TextChoices):
        HELD = "held", _("vastgehouden")
        PENDING_PAYMENT = "pending_payment", _("wacht op betaling")
        PAID = "paid", _("betaald")
        CANCELLED = "cancelled", _("geannuleerd")
        EXPIRED = "expired", _("verlopen")

    ACTIVE = (Status.HELD, Status.PENDING_PAYMENT, Status.PAID)

    class Method(models.TextChoices):
        NONE = "", _("nog niet gekozen")
        CASH = "cash", _("contant aan de kassa")
        CARD = "card", _("pin aan de kassa")
        INVOICE = "invoice", _("op factuur")
        IDEAL = "ideal", _("iDEAL")
        VOUCHER = "voucher", _("cadeaubon")

    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="orders", verbose_name=_("voorstelling"))
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_orders",
        verbose_name=_("koper"),
    )
    # The secret a guest's browser or API client holds to reach this order. (Unique by a
    # constraint in Meta, not unique=True: on PostgreSQL that would add a second, pattern
    # index that no exact lookup uses and every sale and anonymisation writes.)
    token = models.CharField(max_length=32)
    buyer_name = models.CharField(_("naam"), max_length=200, blank=True)
    buyer_email = models.EmailField(_("e-mailadres"), blank=True)
    buyer_phone = models.CharField(_("telefoonnummer"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.HELD)
    method = models.CharField(_("betaalwijze"), max_length=8, choices=Method.choices, blank=True, default="")
    total_cents = models.PositiveIntegerField(_("totaalbedrag"), default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("besteld op"))
    paid_at = models.DateTimeField(_("betaald op"), null=True, blank=True)
    # The provider's reference: a Mollie payment id or a billing invoice number.
    payment_ref = models.CharField(_("referentie betaling"), max_length=64, blank=True)  # indexed where set (Meta)
    anonymised = models.BooleanField(default=False)
    # A theaterabonnement: one order with tickets for each chosen show of the series.
    series = models.ForeignKey(
        "Series",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("theaterabonnement"),
    )

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "tickets",
            "buyer_name": "name",
            "buyer_email": "email",
            "buyer_phone": "phone",
            "show": "tickets",
            "created_at": "tickets",
            "paid_at": "tickets",
            "total_cents": "tickets",
            "payment_ref": "bank",
            "series": "tickets",
        },
        not_personal=["token", "status", "method", "expires_at", "anonymised"],
    )

    class Meta:
        verbose_name = _("bestelling")
        verbose_name_plural = _("bestellingen")
        indexes = [
            models.Index(fields=["status", "expires_at"], name="order_due_idx"),
            models.Index(fields=["paid_at"], name="order_paid_idx"),
            # Retention: the orders still to anonymise by their date (rule `tickets`), and each
            # buyer's purchases by date (the `ticket_purchased` event), read from the index alone.
            models.Index(fields=["created_at"], condition=Q(anonymised=False), name="order_to_anonymise"),
            models.Index(
                fields=["person", "paid_at"],
                condition=Q(person__isnull=False, paid_at__isnull=False),
                name="order_purchases",
            ),
            # The webhook finds an order by its Mollie id; walk-in sales have none.
            models.Index(fields=["payment_ref"], condition=~Q(payment_ref=""), name="order_payment_ref"),
        ]
        constraints = [models.UniqueConstraint(fields=["token"], name="order_token_unique")]

    def __str__(self) -> str:
        return f"bestelling {self.pk}"

    @property
    def euros(self) -> str:
        return euros(self.total_cents)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class ShowSeat(models.Model):
    """A seat of one show: the row a hold locks. `order` is whoever holds or bought it."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("vrij")
        HELD = "held", _("vastgehouden")
        SOLD = "sold", _("verkocht")
        BLOCKED = "blocked", _("niet in de verkoop")
        # Freed while people wait: only the waiting list's offers take it, the shop and the till do not.
        KEPT = "waitlist", _("voor de wachtlijst")

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="show_seats")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="show_seats", verbose_name=_("bestelling")
    )

    privacy = PrivacyMap(
        subject="order__person", personal={"order": "tickets"}, not_personal=["show", "seat", "rank", "status"]
    )

    class Meta:
        verbose_name = _("stoel bij een voorstelling")
        verbose_name_plural = _("stoelen bij een voorstelling")
        constraints = [models.UniqueConstraint(fields=["show", "seat"], name="showseat_unique")]
        indexes = [
            models.Index(fields=["show", "status", "rank"], name="showseat_best_idx"),
            # The few seats kept for waiting lists, found without reading every show's seats.
            models.Index(fields=["show"], condition=Q(status="waitlist"), name="showseat_kept_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.show_id}:{self.seat_id} {self.status}"


class Ticket(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("bestelling"))
    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("voorstelling"))
    seat = models.ForeignKey(
        Seat, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("stoel")
    )
    price = models.ForeignKey(PriceCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("tarief"))
    amount_cents = models.PositiveIntegerField(_("bedrag"))
    code = models.CharField(max_length=24)  # unique by a constraint in Meta, as the order's token
    checked_in_at = models.DateTimeField(_("binnengekomen op"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("binnengelaten door"),
    )
    # A reduced price (65+, jeugd, lid, CJP, Stadspas): that staff saw the proof, who and when; never
    # the document, its number or the birth date on it (like the ID check of a privacy request, D07).
    proof_seen_at = models.DateTimeField(_("bewijs voor korting gezien op"), null=True, blank=True)
    proof_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    privacy = PrivacyMap(
        subject="order__person",
        personal={
            "order": "tickets",
            "show": "tickets",
            "seat": "tickets",
            "price": "tickets",
            "amount_cents": "tickets",
            "checked_in_at": "tickets",
            "checked_in_by": "log_data",
            "proof_seen_at": "tickets",
        },
        not_personal=["code", "proof_seen_by"],
    )

    class Meta:
        verbose_name = _("kaartje")
        verbose_name_plural = _("kaartjes")
        constraints = [models.UniqueConstraint(fields=["code"], name="ticket_code_unique")]

    def __str__(self) -> str:
        return f"kaart {self.pk}"


class Payment(models.Model):
    """One attempt to pay an order through a provider."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PAID = "paid", _("betaald")
        FAILED = "failed", _("mislukt")
        REFUND_DUE = "refund_due", _("terug te betalen")
        REFUNDED = "refunded", _("terugbetaald")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments", verbose_name=_("bestelling"))
    method = models.CharField(max_length=8, choices=Order.Method.choices)
    amount_cents = models.PositiveIntegerField(_("bedrag"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    provider_ref = models.CharField(_("referentie betaling"), max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("aangemaakt op"))

    privacy = PrivacyMap(
        subject="order__person",
        personal={"order": "tickets", "amount_cents": "bank", "provider_ref": "bank", "created_at": "bank"},
        not_personal=["method", "status"],
    )

    class Meta:
        verbose_name = _("betaling")
        verbose_name_plural = _("betalingen")

    def __str__(self) -> str:
        return f"betaling {self.pk}"


class ShowStats(models.Model):
    """Tickets sold per show and price: counts that outlive the buyers' data."""

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="stats")
    kind = models.CharField(max_length=8, choices=PriceKind.choices)
    sold = models.IntegerField(default=0)
    revenue_cents = models.BigIntegerField(default=0)

    privacy = PrivacyMap(subject=None, not_personal=["show", "kind", "sold", "revenue_cents"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["show", "kind"], name="showstats_unique")]

    def __str__(self) -> str:
        return f"{self.show_id} {self.kind}: {self.sold}"


class WaitlistEntry(models.Model):
    """A buyer waiting for seats of a sold-out show; offered freed seats in the order they joined."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("wacht")
        OFFERED = "offered", _("aangeboden")
        BOUGHT = "bought", _("gekocht")
        EXPIRED = "expired", _("aanbod verlopen")
        LEFT = "left", _("van de lijst gegaan")

    OPEN = (Status.WAITING, Status.OFFERED)

    show = models.ForeignKey(Show, on_delete=models.CASCADE, related_name="waitlist", verbose_name=_("voorstelling"))
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("persoon")
    )
    name = models.CharField(_("naam"), max_length=200)
    email = models.EmailField(_("e-mailadres"))
    quantity = models.PositiveSmallIntegerField(_("aantal kaartjes"), default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    joined_at = models.DateTimeField(_("op de wachtlijst sinds"))
    offered_at = models.DateTimeField(null=True, blank=True)
    # The hold made for the offer: the buyer checks it out like any other order.
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The library's yes at joining, asked only in the show's members' presale (T06): a current pass. In the
    # presale, freed seats are offered to members only; everyone else waits for the public sale.
    member = models.BooleanField(_("lid van de bibliotheek"), default=False)

    privacy = PrivacyMap(
        subject="person",
        personal={
            "person": "tickets",
            "name": "name",
            "email": "email",
            "show": "tickets",
            "joined_at": "tickets",
            "member": "status_block",
        },
        not_personal=["quantity", "status", "offered_at", "order"],
    )

    class Meta:
        verbose_name = _("wachtlijst")
        verbose_name_plural = _("wachtlijsten")
        indexes = [models.Index(fields=["show", "status", "id"], name="waitlist_queue_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["show", "email"], condition=Q(status__in=["waiting", "offered"]), name="waitlist_once"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="waitlist_quantity"),
        ]

    def __str__(self) -> str:
        return f"wachtlijst {self.pk}"


class GiftVoucher(models.Model):
    """A cadeaubon: a code worth a value in cents, spent down on orders until its expiry."""

    class Channel(models.TextChoices):
        TILL = "till", _("kassa")
        ONLINE = "online", _("online")

    code = models.CharField(max_length=20)  # unique by a constraint in Meta
    value_cents = models.PositiveIntegerField(_("waarde (centen)"))
    balance_cents = models.PositiveIntegerField(_("saldo (centen)"))
    expires_at = models.DateTimeField(_("geldig tot"))
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.TILL)
    method = models.CharField(max_length=8, choices=Order.Method.choices, blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    buyer_name = models.CharField(_("naam koper"), max_length=200, blank=True)
    buyer_email = models.EmailField(_("e-mailadres koper"), blank=True)
    anonymised = models.BooleanField(default=False)

    privacy = PrivacyMap(
        subject=None,
        personal={"buyer_name": "name", "buyer_email": "email"},
        not_personal=[
            "code",
            "value_cents",
            "balance_cents",
            "expires_at",
            "channel",
            "method",
            "created_at",
            "created_by",
            "anonymised",
        ],
    )

    class Meta:
        verbose_name = _("cadeaubon")
        verbose_name_plural = _("cadeaubonnen")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="voucher_code_unique"),
            models.CheckConstraint(condition=Q(balance_cents__lte=models.F("value_cents")), name="voucher_balance"),
        ]

    def __str__(self) -> str:
        return f"cadeaubon {self.pk}"


class VoucherSale(models.Model):
    """A gift voucher bought online: the buyer's order and its iDEAL payment; the voucher exists once it is paid.

    Reached by its secret token (as a guest's order is). Unpaid, it goes a week after it was
    started (rule `voucher_unpaid`); paid, its buyer and recipient go with the voucher's buyer
    (rule `voucher_buyers`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("wacht op betaling")
        PAID = "paid", _("betaald")
        FAILED = "failed", _("niet betaald")

    token = models.CharField(max_length=32)  # unique by a constraint in Meta
    value_cents = models.PositiveIntegerField(_("waarde (centen)"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    provider_ref = models.CharField(
        _("referentie betaling"), max_length=64, blank=True, db_index=True
    )  # Mollie's payment id
    voucher = models.OneToOneField(
        GiftVoucher, null=True, blank=True, on_delete=models.CASCADE, related_name="sale", verbose_name=_("cadeaubon")
    )
    buyer_name = models.CharField(_("naam koper"), max_length=200)
    buyer_email = models.EmailField(_("e-mailadres koper"))
    recipient_name = models.CharField(_("naam ontvanger"), max_length=100, blank=True)
    message = models.CharField(_("boodschap"), max_length=300, blank=True)
    language = models.CharField(max_length=8, default="nl")
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    anonymised = models.BooleanField(default=False)

    privacy = PrivacyMap(
        subject=None,
        personal={
            "buyer_name": "name",
            "buyer_email": "email",
            "recipient_name": "name",
            "message": "correspondence",
            "provider_ref": "bank",
        },
        not_personal=[
            "token",
            "value_cents",
            "status",
            "voucher",
            "language",
            "created_at",
            "paid_at",
            "anonymised",
        ],
    )

    class Meta:
        verbose_name = _("online verkochte cadeaubon")
        verbose_name_plural = _("online verkochte cadeaubonnen")
        constraints = [models.UniqueConstraint(fields=["token"], name="voucher_sale_token_unique")]
        indexes = [models.Index(fields=["created_at"], name="voucher_sale_created")]

    def __str__(self) -> str:
        return f"cadeaubonverkoop {self.pk}"


class DiscountCode(models.Model):
    """A kortingscode: a percentage or an amount off an order, within its dates and number of uses."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("percentage")
        AMOUNT = "amount", _("bedrag")

    code = models.CharField(max_length=20)  # unique by a constraint in Meta
    kind = models.CharField(max_length=7, choices=Kind.choices)
    # A percentage (1-100) or an amount in cents.
    value = models.PositiveIntegerField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    privacy = PrivacyMap(
        subject=None,
        not_personal=["code", "kind", "value", "valid_from", "valid_until", "max_uses", "uses", "created_at"],
    )

    class Meta:
        verbose_name = _("kortingscode")
        verbose_name_plural = _("kortingscodes")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="discount_code_unique"),
            models.CheckConstraint(condition=Q(uses__lte=models.F("max_uses")), name="discount_max_uses"),
        ]

    def __str__(self) -> str:
        return f"kortingscode {self.pk}"


class OrderReduction(models.Model):
    """What a cadeaubon paid of an order, or what a kortingscode took off it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reductions", verbose_name=_("bestelling"))
    voucher = models.ForeignKey(GiftVoucher, null=True, blank=True, on_delete=models.CASCADE, related_name="uses")
    discount = models.ForeignKey(DiscountCode, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    amount_cents = models.PositiveIntegerField(_("bedrag"))
    created_at = models.DateTimeField()

    privacy = PrivacyMap(
        subject="order__person",
        personal={"order": "tickets", "amount_cents": "tickets"},
        not_personal=["voucher", "discount", "created_at"],
    )

    class Meta:
        verbose_name = _("korting op een bestelling")
        verbose_name_plural = _("kortingen op bestellingen")
        constraints = [
            models.CheckConstraint(
                condition=Q(voucher__isnull=False, discount__isnull=True)
                | Q(voucher__isnull=True, discount__isnull=False),
                name="reduction_voucher_or_discount",
            ),
            models.UniqueConstraint(fields=["order", "discount"], name="reduction_one_discount"),
        ]

    def __str__(self) -> str:
        return f"korting {self.pk}"
