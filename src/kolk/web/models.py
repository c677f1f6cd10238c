"""What the website keeps: cookie choices (W01), portal events (A01-A03), password resets on their way."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kolk.privacy.fieldmap import PrivacyMap


class CookieChoice(models.Model):
    """One visitor's answer to the cookie notice, as evidence of consent (W01).

    The visitor is a random id from a first-party, strictly necessary cookie: it
    is tied to no Person and no IP address. It is still an online identifier, so
    the record is declared personal (a consent record) rather than not personal.
    """

    visitor_id = models.CharField(_("bezoekersnummer"), max_length=32, db_index=True)
    notice_version = models.PositiveIntegerField()
    analytics = models.BooleanField(_("statistieken"))
    social = models.BooleanField(_("sociale media"))
    chosen_at = models.DateTimeField(_("gekozen op"))

    privacy = PrivacyMap(
        subject=None,
        personal={
            "visitor_id": "privacy_choices",
            "analytics": "privacy_choices",
            "social": "privacy_choices",
            "chosen_at": "privacy_choices",
        },
        not_personal=["notice_version"],
    )

    class Meta:
        verbose_name = _("cookiekeuze")
        verbose_name_plural = _("cookiekeuzes")
        # Retention (rule `cookies`) finds the choices a year old by this date.
        indexes = [models.Index(fields=["chosen_at"], name="cookie_chosen")]

    def __str__(self) -> str:
        return f"v{self.notice_version} analytics={self.analytics} social={self.social}"


# What a member did in the portal, in their words: the choices of PortalEvent.action, so the
# activity page, the access package and the admin all read the same label.
ACTION_LABELS = {
    "login": _("ingelogd"),
    "logout": _("uitgelogd"),
    "password_reset_requested": _("nieuw wachtwoord aangevraagd"),
    "password_reset": _("nieuw wachtwoord ingesteld"),
    "details_changed": _("gegevens gewijzigd"),
    "consent_given": _("toestemming gegeven"),
    "consent_withdrawn": _("toestemming ingetrokken"),
    "objection_made": _("bezwaar gemaakt"),
    "objection_withdrawn": _("bezwaar ingetrokken"),
    "download": _("gegevens gedownload"),
    "denied": _("geweigerd: gegevens van een ander"),
    "loan_renewed": _("uitlening verlengd"),
    "reservation_placed": _("reservering geplaatst"),
    "reservation_cancelled": _("reservering geannuleerd"),
    "invoice_downloaded": _("factuur gedownload"),
    "reading_history_cleared": _("leesgeschiedenis gewist"),
    "payment_started": _("betaling gestart"),
    "mandate_signed": _("machtiging gegeven"),
    "mandate_revoked": _("machtiging ingetrokken"),
    "rights_request": _("privacyverzoek gedaan"),
    "child_consent_given": _("toestemming voor je kind gegeven"),
    "child_consent_withdrawn": _("toestemming voor je kind ingetrokken"),
    "kiosk_pin_set": _("pincode voor de zelfbediening ingesteld"),
}


class PortalEvent(models.Model):
    """What a member did in the portal, and when (A01/A02 evidence), with the IP address (A03).

    The IP address is kept for error analysis only, under the portal's retention
    rule (five years after the subscription ends).
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="portal_events", verbose_name=_("lid")
    )
    action = models.CharField(_("wat"), max_length=40, choices=list(ACTION_LABELS.items()))
    at = models.DateTimeField(_("wanneer"), db_index=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)

    privacy = PrivacyMap(
        subject="person",
        personal={"person": "login_data", "action": "login_data", "at": "login_data", "ip_address": "ip_address"},
    )

    class Meta:
        verbose_name = _("portaalactie")
        verbose_name_plural = _("portaalacties")
        indexes = [models.Index(fields=["person", "at"])]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        return str(self.get_action_display())


class PasswordResetRequest(models.Model):
    """A new password asked for on the site, until the worker has mailed it (A01, X01).

    The request itself looks nothing up, so that a known and an unknown address
    cost the same; the worker finds the accounts, mails them and deletes the row.
    One the worker never reached goes a day later (retention rule `throttle`).
    """

    address = models.EmailField(_("e-mailadres"), max_length=254)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    language = models.CharField(max_length=8)
    requested_at = models.DateTimeField(_("aangevraagd op"))

    privacy = PrivacyMap(
        subject=None,
        personal={"address": "email", "ip_address": "ip_address", "requested_at": "login_data"},
        not_personal=["language"],
    )

    class Meta:
        verbose_name = _("wachtwoordaanvraag")
        verbose_name_plural = _("wachtwoordaanvragen")
        indexes = [models.Index(fields=["requested_at"], name="reset_requested_at")]

    def __str__(self) -> str:
        return f"reset @ {self.requested_at:%Y-%m-%d %H:%M}"
