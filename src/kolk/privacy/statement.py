"""The public privacy statement and the art. 30 register, generated from the register.

`statement_context` is what the templates render (web page, HTML and Markdown
exports); `article30_rows` is one row per processing line of the register.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kolk.privacy.register import Duration, Register, RetentionRule, Row, Section, Text, get_register


def duration_text(duration: Duration) -> str:
    parts = []
    if duration.years:
        parts.append(ngettext("%(n)d jaar", "%(n)d jaar", duration.years) % {"n": duration.years})
    if duration.months:
        parts.append(ngettext("%(n)d maand", "%(n)d maanden", duration.months) % {"n": duration.months})
    if duration.days:
        parts.append(ngettext("%(n)d dag", "%(n)d dagen", duration.days) % {"n": duration.days})
    return _(" en ").join(parts)


def retention_text(register: Register, rule: RetentionRule, lang: str) -> str:
    """'5 jaar nadat jouw abonnement is opgezegd' from a typed rule."""
    return f"{duration_text(rule.duration)} {register.events[rule.event].label.get(lang)}"


def section_retention_text(register: Register, section: Section, lang: str) -> str:
    """The section's retention, with the rules for part of its data: '5 jaar na ..., of tot 14 dagen na ...'."""
    keys = ([section.retention] if section.retention else []) + list(section.retention_also)
    return _(", of tot ").join(retention_text(register, register.retention[key], lang) for key in keys)


def _lang(lang: str | None) -> str:
    return (lang or translation.get_language() or "nl")[:2]


def statement_context(lang: str | None = None, register: Register | None = None) -> dict[str, Any]:
    """Everything the statement shows, in one language, in the statement's order."""
    register = register or get_register()
    lang = _lang(lang)

    def t(text: Text | None) -> str:
        return text.get(lang) if text is not None else ""

    with translation.override(lang):
        sections = []
        for section in register.sections.values():
            sections.append(
                {
                    "key": section.key,
                    "title": t(section.title),
                    "subtitle": t(section.subtitle),
                    "text": t(section.text),
                    "source": t(section.source),
                    "includes": t(register.sections[section.includes].title) if section.includes else "",
                    "retention": section_retention_text(register, section, lang),
                    "retention_reason": t(section.retention_reason),
                    "objection": section.objection,
                    "channels": [channel_label(c) for c in section.channels],
                    "rows": [
                        {
                            "id": row.id,
                            "data": t(row.data),
                            "purpose": ", ".join(t(register.purposes[p].label) for p in row.purposes),
                            "basis": t(register.legal_bases[row.basis].label),
                        }
                        for row in section.rows
                    ],
                }
            )
        recipient_groups = []
        for key, label in register.customers.items():
            recipient_groups.append(
                {
                    "label": t(label),
                    "recipients": [
                        {
                            "id": r.id,
                            "name": r.name,
                            "purpose": ", ".join(t(register.purposes[p].label) for p in r.purposes),
                            "basis": t(register.legal_bases[r.basis].label),
                        }
                        for r in register.recipients.values()
                        if r.customers == key
                    ],
                }
            )
        return {
            "lang": lang,
            "version": register.version,
            "controller": register.controller,
            "intro": t(register.texts["intro"]),
            "questions": t(register.texts["questions"]),
            "sections": sections,
            "recipient_groups": recipient_groups,
            "legal_demand": t(register.texts["legal_demand"]),
            "website": [{"id": k, "title": t(title), "text": t(text)} for k, (title, text) in register.website.items()],
            "security": [{"id": k, "text": t(v)} for k, v in register.security.items() if k in ("X01", "X02", "X03")],
            "privacy_officer": t(register.texts["privacy_officer"]),
            "changes": t(register.security.get("X05")),
            "rights": [{"id": k, "text": t(v)} for k, v in register.rights.items() if k not in ("D07", "D08")],
            "identity": t(register.rights.get("D07")),
            "complaints": t(register.rights.get("D08")),
        }


def channel_label(channel: str) -> str:
    return {"post": _("post"), "email": _("e-mail"), "phone": _("telefoon")}[channel]


def render_statement(lang: str = "nl", fmt: str = "html") -> str:
    """The statement as a standalone HTML document or as Markdown."""
    context = statement_context(lang)
    with translation.override(lang):
        if fmt == "md":
            return render_to_string("privacy/statement.md", context)
        return render_to_string("privacy/statement_document.html", context)


ARTICLE30_COLUMNS = (
    "id",
    "activity",
    "controller",
    "privacy_officer",
    "purposes",
    "legal_basis",
    "data_subjects",
    "data_categories",
    "recipients",
    "served_by",
    "staff_access",
    "transfers",
    "erasure",
    "security",
)


def _subjects(register: Register, row: Row, subjects: str) -> str:
    """The row's data subjects, with the age from which its purposes take anyone."""
    ages = [age for p in row.purposes if (age := register.min_age(p)) is not None]
    if not ages:
        return subjects
    return subjects + " " + _("(%(age)d jaar en ouder)") % {"age": max(ages)}


def article30_rows(lang: str = "nl", register: Register | None = None) -> list[dict[str, str]]:
    """The GDPR art. 30(1) register: one row per processing line of the register."""
    register = register or get_register()

    def t(text: Text | None) -> str:
        return text.get(lang) if text is not None else ""

    controller = register.controller
    controller_text = f"{controller['name']}, {controller['street']}, {controller['postcode']} {controller['town']}, {controller['email']}"
    security = "; ".join(t(register.security[k]).rstrip(".") for k in ("X01", "X02", "X03") if k in register.security)
    transfers = "; ".join(f"{tr.to} ({tr.country}): {t(tr.safeguard)}" for tr in register.transfers)
    rows = []
    with translation.override(lang):
        for section in register.sections.values():
            recipients = [register.recipients[r] for r in section.recipients]
            if section.includes:
                recipients += [register.recipients[r] for r in register.sections[section.includes].recipients]
            for row in section.rows:
                rows.append(
                    {
                        "id": row.id,
                        "activity": t(section.title),
                        "controller": controller_text,
                        "privacy_officer": f"{t(register.texts['privacy_officer_role'])} <{controller['officer_email']}>",
                        "purposes": ", ".join(t(register.purposes[p].label) for p in row.purposes),
                        "legal_basis": t(register.legal_bases[row.basis].label),
                        "data_subjects": _subjects(register, row, t(section.subjects)),
                        "data_categories": ", ".join(t(register.categories[c].label) for c in row.categories),
                        "recipients": "; ".join(f"{r.id} {r.name}" for r in recipients),
                        # The exports that serve this row: an objection to it keeps a person out of them.
                        "served_by": "; ".join(
                            f"{t(register.purposes[p].label)}: "
                            + ", ".join(f"{r.id} {r.name}" for r in register.recipients.values() if p in r.purposes)
                            for p in register.serving(row.id)
                        ),
                        # Who inside DNK reaches these categories: the roles serving the row's purposes.
                        "staff_access": ", ".join(
                            t(role.label) for role in register.roles.values() if set(role.purposes) & set(row.purposes)
                        ),
                        "transfers": transfers if section.key != "school" else "",
                        "erasure": section_retention_text(register, section, lang),
                        "security": security,
                    }
                )
    return rows
