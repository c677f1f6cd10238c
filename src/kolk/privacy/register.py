"""The processing register: loaded once from its YAML file, validated, typed.

Everything about privacy in kolk reads this: the statement, the art. 30
register, consent texts, the purpose gate and retention. Nothing about privacy
is written twice.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language

from kolk.core.roles import Role

LANGUAGES = ("nl", "en")
CHANNELS = ("post", "email", "phone")
# Every role but the member's is staff: the register names the purposes each serves.
STAFF_ROLE_KEYS = frozenset(role.value for role in Role if role is not Role.MEMBER)
DURATION_RE = re.compile(r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?$")


@dataclass(frozen=True)
class Text:
    """A text in each of the register's languages."""

    nl: str
    en: str

    def get(self, lang: str | None = None) -> str:
        lang = (lang or get_language() or "nl")[:2]
        return self.en if lang == "en" else self.nl

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Duration:
    """An ISO-8601 calendar duration (years, months, weeks, days)."""

    iso: str
    years: int = 0
    months: int = 0
    days: int = 0

    def after(self, start: dt.date) -> dt.date:
        """The date this duration after `start` (29 Feb moves to 28 Feb)."""
        return _shift_months(start, self.months + 12 * self.years) + dt.timedelta(days=self.days)

    def before(self, end: dt.date) -> dt.date:
        """The latest start date whose period has run out by `end`."""
        return _shift_months(end, -(self.months + 12 * self.years)) - dt.timedelta(days=self.days)


def _shift_months(day: dt.date, months: int) -> dt.date:
    """Move a date by whole months, clamping to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


@dataclass(frozen=True)
class Category:
    key: str
    label: Text
    stated: bool = True


@dataclass(frozen=True)
class LegalBasis:
    key: str
    label: Text


@dataclass(frozen=True)
class Purpose:
    """A purpose of processing.

    `serves`: the statement rows a purpose that is no row's own (a partner's export)
    is there for; an objection to any of them keeps a person out of it.
    `from_age`: nobody younger goes into it (marketing analysis and profiling).
    `yes_no`: kolk reads its data and gives staff only a yes or no drawn from it (the
    Kijkwijzer age check answers "16 or older?" from a birth date), so the roles that
    serve it do not read its categories.
    """

    key: str
    label: Text
    system: bool = False
    serves: tuple[str, ...] = ()
    from_age: int | None = None
    yes_no: bool = False


@dataclass(frozen=True)
class Event:
    key: str
    label: Text


@dataclass(frozen=True)
class RetentionRule:
    key: str
    event: str
    duration: Duration
    stated: bool = True
    basis: str | None = None
    note: Text | None = None


@dataclass(frozen=True)
class Row:
    id: str
    section: str
    data: Text
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class Recipient:
    id: str
    name: str
    purposes: tuple[str, ...]
    basis: str
    customers: str
    categories: tuple[str, ...]
    aggregate_only: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: Text
    subjects: Text
    rows: tuple[Row, ...]
    retention: str | None
    subtitle: Text | None = None
    text: Text | None = None
    source: Text | None = None
    retention_reason: Text | None = None
    includes: str | None = None
    recipients: tuple[str, ...] = ()
    objection: bool = False
    channels: tuple[str, ...] = ()
    # Rules for part of the section's data, stated beside its own (e.g. unconfirmed sign-ups).
    retention_also: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    version: str
    text: Text

    def version_tag(self, lang: str) -> str:
        """The exact text version shown, as stored with each consent record."""
        import hashlib

        digest = hashlib.sha256(self.text.get(lang).encode()).hexdigest()[:12]
        return f"{self.purpose}@{self.version}/{lang}/{digest}"


@dataclass(frozen=True)
class Transfer:
    to: str
    country: str
    safeguard: Text
    item: str


@dataclass(frozen=True)
class StaffRole:
    """A role of DNK's staff and the purposes it serves (least privilege)."""

    key: str
    label: Text
    purposes: tuple[str, ...]


@dataclass(frozen=True)
class Register:
    """DNK's processing register, as read from its file."""

    path: str
    version: dt.date
    raw: dict[str, Any]
    controller: dict[str, str]
    categories: dict[str, Category]
    legal_bases: dict[str, LegalBasis]
    purposes: dict[str, Purpose]
    events: dict[str, Event]
    retention: dict[str, RetentionRule]
    sections: dict[str, Section]
    recipients: dict[str, Recipient]
    customers: dict[str, Text]
    consent_texts: dict[str, ConsentText]
    transfers: tuple[Transfer, ...]
    website: dict[str, tuple[Text, Text]]
    security: dict[str, Text]
    rights: dict[str, Text]
    texts: dict[str, Text] = field(default_factory=dict)
    roles: dict[str, StaffRole] = field(default_factory=dict)

    @property
    def rows(self) -> dict[str, Row]:
        return {row.id: row for section in self.sections.values() for row in section.rows}

    def ids(self) -> set[str]:
        """Every id the register carries (rows, recipients, website, security, rights)."""
        return set(self.rows) | set(self.recipients) | set(self.website) | set(self.security) | set(self.rights)

    def bases_for(self, category: str, purpose: str) -> set[str]:
        """The legal bases on which `category` may be processed for `purpose`."""
        bases = {row.basis for row in self.rows.values() if category in row.categories and purpose in row.purposes}
        bases |= {
            rec.basis for rec in self.recipients.values() if category in rec.categories and purpose in rec.purposes
        }
        return bases

    def bases_of_purpose(self, purpose: str) -> set[str]:
        """Every legal basis on which anything is processed for `purpose`."""
        bases = {row.basis for row in self.rows.values() if purpose in row.purposes}
        return bases | {rec.basis for rec in self.recipients.values() if purpose in rec.purposes}

    def categories_for(self, purpose: str) -> set[str]:
        """The categories a purpose may read; a system purpose may read all."""
        if self.purposes[purpose].system:
            return set(self.categories)
        cats = {c for row in self.rows.values() if purpose in row.purposes for c in row.categories}
        cats |= {c for r in self.recipients.values() if purpose in r.purposes for c in r.categories}
        return cats

    def roles_serving(self, purpose: str) -> frozenset[str]:
        """The staff roles that serve `purpose`."""
        return frozenset(key for key, role in self.roles.items() if purpose in role.purposes)

    def role_categories(self, role: str) -> set[str]:
        """The categories of personal data a staff role may read: those of its purposes (a yes-or-no
        purpose's only as its answer, so not those)."""
        staff = self.roles.get(role)
        if staff is None:
            return set()
        return {c for p in staff.purposes if not self.purposes[p].yes_no for c in self.categories_for(p)}

    def section_of(self, row_id: str) -> Section:
        return self.sections[self.rows[row_id].section]

    def served_rows(self, purpose: str) -> tuple[str, ...]:
        """The statement rows a purpose serves: the rows that name it, and those it declares it serves."""
        declared = set(self.purposes[purpose].serves)
        return tuple(rid for rid, row in self.rows.items() if purpose in row.purposes or rid in declared)

    def serving(self, row_id: str) -> tuple[str, ...]:
        """The purposes that serve a row without being its own (the partners' exports)."""
        return tuple(key for key, purpose in self.purposes.items() if row_id in purpose.serves)

    def honoured_objections(self, purpose: str) -> tuple[str, ...]:
        """The objections that keep a person out of processing for `purpose`.

        An objection to the purpose itself, and to any purpose of a row it serves:
        whoever objects to profiling (P01) or marketing analysis (T03) is not in
        the Mosaic file (segmentation, R07), whose purpose nobody objects to by name.
        """
        objectable = set(self.objection_purposes())
        rows = self.rows
        related = [purpose, *(p for rid in self.served_rows(purpose) for p in rows[rid].purposes)]
        return tuple(p for p in dict.fromkeys(related) if p in objectable)

    def min_age(self, purpose: str) -> int | None:
        """The age from which a person may be processed for `purpose`, from it and the rows it serves."""
        rows = self.rows
        related = {purpose, *(p for rid in self.served_rows(purpose) for p in rows[rid].purposes)}
        ages = [age for p in related if (age := self.purposes[p].from_age) is not None]
        return max(ages) if ages else None

    def objection_purposes(self) -> list[str]:
        """Purposes a person can object to (art. 21): processed on legitimate interest,
        in the statement's rows or by a recipient, and with no part on contract (an
        objection does not stop a block, L16, or the answer to one's own question).
        """
        contract = {p for row in self.rows.values() if row.basis == "contract" for p in row.purposes}
        return [
            key
            for key, purpose in self.purposes.items()
            if not purpose.system and key not in contract and "legitimate_interest" in self.bases_of_purpose(key)
        ]

    def consent_purposes(self) -> list[str]:
        return [
            key
            for key in self.purposes
            if any(row.basis == "consent" and key in row.purposes for row in self.rows.values())
        ]


class RegisterError(ImproperlyConfigured):
    """The register file is not valid; `problems` says where."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class _Reader:
    """Reads the raw YAML into typed parts, collecting every problem it finds."""

    def __init__(self, path: str, raw: dict[str, Any]) -> None:
        self.path = path
        self.raw = raw
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, value: Any, where: str) -> Text:
        if not isinstance(value, dict) or not all(
            isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
        ):
            self.problem(where, "needs a text in nl and en")
            return Text(nl="", en="")
        # In braces an unquoted comma ends the text: "{nl: Adres, postcode en woonplaats}" is "Adres".
        for cut in (k for k, v in value.items() if v is None):
            self.problem(where, f"the text stops before '{cut}': quote a text that holds a comma")
        return Text(nl=" ".join(value["nl"].split()), en=" ".join(value["en"].split()))

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key)
        if not isinstance(value, dict):
            self.problem(key, "missing or not a mapping")
            return {}
        return value

    def keys(self, values: Any, known: dict[str, Any], kind: str, where: str) -> tuple[str, ...]:
        if not isinstance(values, list) or not values:
            self.problem(where, f"needs a list of {kind}")
            return ()
        for value in values:
            if value not in known:
                self.problem(where, f"unknown {kind} '{value}'")
        return tuple(str(v) for v in values)

    def key(self, value: Any, known: dict[str, Any], kind: str, where: str) -> str:
        if value not in known:
            self.problem(where, f"unknown {kind} '{value}'")
        return str(value)

    def duration(self, value: Any, where: str) -> Duration:
        match = DURATION_RE.match(str(value)) if value else None
        if not match or not any(match.groups()):
            self.problem(where, f"'{value}' is not an ISO-8601 duration such as P5Y or P3M")
            return Duration(iso="P0D")
        parts = {k: int(v or 0) for k, v in match.groupdict().items()}
        return Duration(
            iso=str(value),
            years=parts["years"],
            months=parts["months"],
            days=parts["days"] + 7 * parts["weeks"],
        )

    def purpose(self, key: str, value: dict[str, Any]) -> Purpose:
        where = f"purposes.{key}"
        serves = value.get("serves", [])
        if not isinstance(serves, list) or not all(isinstance(rid, str) for rid in serves):
            self.problem(where, "serves needs a list of row ids")
            serves = []
        from_age = value.get("from_age")
        if from_age is not None and (
            not isinstance(from_age, int) or isinstance(from_age, bool) or not 0 < from_age < 100
        ):
            self.problem(where, f"from_age '{from_age}' is not an age in whole years")
            from_age = None
        yes_no = value.get("yes_no", False)
        if not isinstance(yes_no, bool):
            self.problem(where, f"yes_no '{yes_no}' is not true or false")
            yes_no = False
        return Purpose(
            key,
            self.text(value, where),
            bool(value.get("system", False)),
            serves=tuple(serves),
            from_age=from_age,
            yes_no=yes_no,
        )

    def read(self) -> Register:
        statement = self.mapping("statement")
        version = statement.get("version")
        if not isinstance(version, dt.date):
            self.problem("statement.version", "needs a date (YYYY-MM-DD)")
            version = dt.date(1970, 1, 1)
        texts = {
            "intro": self.text(statement.get("intro"), "statement.intro"),
            "questions": self.text(statement.get("questions"), "statement.questions"),
            "legal_demand": self.text(self.raw.get("legal_demand"), "legal_demand"),
        }
        officer = self.mapping("privacy_officer")
        texts["privacy_officer"] = self.text(officer.get("text"), "privacy_officer.text")
        texts["privacy_officer_role"] = self.text(officer.get("role"), "privacy_officer.role")
        controller = {str(k): str(v) for k, v in self.mapping("controller").items()}
        for needed in ("name", "street", "postcode", "town", "phone", "email"):
            if needed not in controller:
                self.problem("controller", f"needs '{needed}'")
        controller["officer_email"] = str(officer.get("email", controller.get("email", "")))
        authority = self.mapping("supervisory_authority")
        controller["authority_name"] = str(authority.get("name", ""))
        controller["authority_url"] = str(authority.get("url", ""))

        categories = {
            key: Category(key, self.text(v, f"categories.{key}"), bool(v.get("stated", True)))
            for key, v in self.mapping("categories").items()
        }
        bases = {
            key: LegalBasis(key, self.text(v, f"legal_bases.{key}")) for key, v in self.mapping("legal_bases").items()
        }
        purposes = {key: self.purpose(key, v) for key, v in self.mapping("purposes").items()}
        events = {key: Event(key, self.text(v, f"events.{key}")) for key, v in self.mapping("events").items()}
        retention = {}
        for key, v in self.mapping("retention").items():
            where = f"retention.{key}"
            retention[key] = RetentionRule(
                key=key,
                event=self.key(v.get("event"), events, "event", where),
                duration=self.duration(v.get("duration"), where),
                stated=bool(v.get("stated", True)),
                basis=self.key(v["basis"], bases, "legal basis", where) if "basis" in v else None,
                note=self.text(v["note"], f"{where}.note") if "note" in v else None,
            )
        customers = {key: self.text(v, f"customers.{key}") for key, v in self.mapping("customers").items()}
        recipients = {}
        for rid, v in self.mapping("recipients").items():
            where = f"recipients.{rid}"
            recipients[rid] = Recipient(
                id=rid,
                name=str(v.get("name", "")),
                purposes=self.keys(v.get("purposes"), purposes, "purpose", where),
                basis=self.key(v.get("basis"), bases, "legal basis", where),
                customers=self.key(v.get("customers"), customers, "customer group", where),
                categories=self.keys(v.get("categories"), categories, "category", where),
                aggregate_only=bool(v.get("aggregate_only", False)),
            )
        sections = self.read_sections(categories, purposes, bases, retention, recipients)
        consent_texts = {}
        for key, v in self.mapping("consent_texts").items():
            self.key(key, purposes, "purpose", f"consent_texts.{key}")
            consent_texts[key] = ConsentText(
                purpose=key, version=str(v.get("version", "")), text=self.text(v, f"consent_texts.{key}")
            )
        transfers = tuple(
            Transfer(
                to=str(t.get("to")),
                country=str(t.get("country")),
                safeguard=self.text(t.get("safeguard"), f"transfers[{i}]"),
                item=str(t.get("item")),
            )
            for i, t in enumerate(self.raw.get("transfers") or [])
        )
        website = {
            key: (self.text(v.get("title"), f"website.{key}.title"), self.text(v.get("text"), f"website.{key}.text"))
            for key, v in self.mapping("website").items()
        }
        security = {key: self.text(v, f"security.{key}") for key, v in self.mapping("security").items()}
        rights = {key: self.text(v, f"rights.{key}") for key, v in self.mapping("rights").items()}
        roles = self.read_roles(purposes)
        register = Register(
            path=self.path,
            version=version,
            raw=self.raw,
            controller=controller,
            categories=categories,
            legal_bases=bases,
            purposes=purposes,
            events=events,
            retention=retention,
            sections=sections,
            recipients=recipients,
            customers=customers,
            consent_texts=consent_texts,
            transfers=transfers,
            website=website,
            security=security,
            rights=rights,
            texts=texts,
            roles=roles,
        )
        self.check_consistency(register)
        return register

    def read_roles(self, purposes: dict[str, Purpose]) -> dict[str, StaffRole]:
        """The staff roles; each names kolk's role (kolk.core.roles) and its purposes, or `all`."""
        roles = {}
        for key, v in self.mapping("roles").items():
            where = f"roles.{key}"
            if key not in STAFF_ROLE_KEYS:
                self.problem(where, f"unknown role (one of {', '.join(sorted(STAFF_ROLE_KEYS))})")
            raw = v.get("purposes") if isinstance(v, dict) else None
            served = tuple(purposes) if raw == "all" else self.keys(raw, purposes, "purpose", where)
            roles[key] = StaffRole(key=key, label=self.text((v or {}).get("label"), f"{where}.label"), purposes=served)
        for key in sorted(STAFF_ROLE_KEYS - set(roles)):
            self.problem("roles", f"staff role '{key}' has no entry: name the purposes it serves")
        return roles

    def read_sections(
        self,
        categories: dict[str, Category],
        purposes: dict[str, Purpose],
        bases: dict[str, LegalBasis],
        retention: dict[str, RetentionRule],
        recipients: dict[str, Recipient],
    ) -> dict[str, Section]:
        sections: dict[str, Section] = {}
        seen: set[str] = set()
        raw_sections = self.mapping("sections")
        for key, v in raw_sections.items():
            where = f"sections.{key}"
            rows = []
            for rid, r in (v.get("rows") or {}).items():
                rwhere = f"{where}.rows.{rid}"
                if rid in seen:
                    self.problem(rwhere, "row id used twice")
                seen.add(rid)
                row_purposes = self.keys(r.get("purposes"), purposes, "purpose", rwhere)
                for p in row_purposes:
                    if p in purposes and purposes[p].system:
                        self.problem(rwhere, f"purpose '{p}' is a system purpose")
                rows.append(
                    Row(
                        id=rid,
                        section=key,
                        data=self.text(r.get("data"), f"{rwhere}.data"),
                        categories=self.keys(r.get("categories"), categories, "category", rwhere),
                        purposes=row_purposes,
                        basis=self.key(r.get("basis"), bases, "legal basis", rwhere),
                    )
                )
            if not rows:
                self.problem(where, "has no rows")
            channels = tuple(v.get("channels") or ())
            for channel in channels:
                if channel not in CHANNELS:
                    self.problem(where, f"unknown channel '{channel}' (post, email or phone)")
            sections[key] = Section(
                key=key,
                title=self.text(v.get("title"), f"{where}.title"),
                subjects=self.text(v.get("subjects"), f"{where}.subjects"),
                rows=tuple(rows),
                retention=self.key(v.get("retention"), retention, "retention rule", where),
                subtitle=self.text(v["subtitle"], f"{where}.subtitle") if "subtitle" in v else None,
                text=self.text(v["text"], f"{where}.text") if "text" in v else None,
                source=self.text(v["source"], f"{where}.source") if "source" in v else None,
                retention_reason=(
                    self.text(v["retention_reason"], f"{where}.retention_reason") if "retention_reason" in v else None
                ),
                includes=self.key(v["includes"], raw_sections, "section", where) if "includes" in v else None,
                recipients=self.keys(v["recipients"], recipients, "recipient", where) if "recipients" in v else (),
                objection=bool(v.get("objection", False)),
                channels=channels,
                retention_also=(
                    self.keys(v["retention_also"], retention, "retention rule", f"{where}.retention_also")
                    if "retention_also" in v
                    else ()
                ),
            )
        return sections

    def check_consistency(self, register: Register) -> None:
        for key in register.consent_texts:
            if key not in register.consent_purposes():
                self.problem(f"consent_texts.{key}", "is not a purpose processed on consent")
        for key in register.consent_purposes():
            if key not in register.consent_texts:
                self.problem(f"purposes.{key}", "is processed on consent but has no consent text")
        rows = register.rows
        for key, purpose in register.purposes.items():
            used = any(key in r.purposes for r in rows.values()) or any(
                key in r.purposes for r in register.recipients.values()
            )
            if not used and not purpose.system:
                self.problem(f"purposes.{key}", "is not used by any row or recipient")
            for rid in purpose.serves:
                if rid not in rows:
                    self.problem(f"purposes.{key}.serves", f"unknown row '{rid}'")
            if purpose.system and (purpose.serves or purpose.from_age or purpose.yes_no):
                self.problem(f"purposes.{key}", "a system purpose serves no row, has no age and is not yes-or-no")
            # Every processing serves rows of the statement: a partner's purpose says which.
            if not purpose.system and not any(key in r.purposes for r in rows.values()) and not purpose.serves:
                self.problem(f"purposes.{key}", "is no row's purpose: say which rows it serves (serves: [...])")


# libyaml's safe loader reads the register ten times faster than PyYAML's own, and every
# kolk process (web, worker, each command) reads it at start-up.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_register(path: str | Path) -> Register:
    """Read and validate a register file; raise RegisterError naming each problem."""
    path = str(path)
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=_SafeLoader)  # noqa: S506 - a safe loader, libyaml's when there
    except OSError as exc:
        raise RegisterError(path, [f"cannot be read ({exc.strerror})"]) from exc
    except yaml.YAMLError as exc:
        raise RegisterError(path, [f"is not valid YAML ({exc})"]) from exc
    if not isinstance(raw, dict):
        raise RegisterError(path, ["is not a mapping"])
    reader = _Reader(path, raw)
    register = reader.read()
    if reader.problems:
        raise RegisterError(path, reader.problems)
    return register


@cache
def _load(path: str) -> Register:
    return read_register(path)


def get_register() -> Register:
    """The register named by settings.PRIVACY_REGISTER_FILE, loaded once."""
    return _load(str(settings.PRIVACY_REGISTER_FILE))
