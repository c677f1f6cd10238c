"""System checks: the register is valid and every model field is declared."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, register
from django.db import models

from kolk.privacy.fieldmap import map_for, undeclared
from kolk.privacy.register import RegisterError, get_register
from kolk.privacy.subjects import PrivacySubject, subject_model


@register()
def register_is_valid(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        get_register()
    except RegisterError as exc:
        return [
            Error(f"The processing register {exc.path} is not valid: {problem}", id="kolk.privacy.E001")
            for problem in exc.problems
        ]
    return []


def field_map_errors(models_to_check: Iterable[type[models.Model]]) -> list[Error]:
    """Errors for every undeclared field and every unknown category."""
    errors = []
    try:
        known = set(get_register().categories)
    except RegisterError:
        known = None
    for model in models_to_check:
        for problem in undeclared(model):
            errors.append(
                Error(
                    problem,
                    hint="Declare it in the model's PrivacyMap or with privacy.fieldmap.declare().",
                    obj=model,
                    id="kolk.privacy.E002",
                )
            )
        pmap = map_for(model)
        if pmap is None or known is None:
            continue
        for name, category in pmap.personal.items():
            if category not in known:
                errors.append(
                    Error(
                        f"{model._meta.label}.{name} declares unknown category '{category}'",
                        obj=model,
                        id="kolk.privacy.E003",
                    )
                )
        if pmap.subject not in (None, "self"):
            try:
                model._default_manager.none().filter(**{pmap.subject_lookup("pk"): 0})
            except Exception as exc:  # noqa: BLE001 - any lookup error is a declaration error
                errors.append(
                    Error(
                        f"{model._meta.label} subject path '{pmap.subject}' is wrong: {exc}",
                        obj=model,
                        id="kolk.privacy.E004",
                    )
                )
    return errors


@register()
def field_map_is_complete(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if app_configs is None:
        models_to_check = list(apps.get_models())
    else:
        models_to_check = [m for config in app_configs for m in config.get_models()]
    return field_map_errors(models_to_check)


@register()
def subject_model_is_fit(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        model = subject_model()
    except (LookupError, ValueError):
        return [
            Error(
                f"PRIVACY_SUBJECT_MODEL '{settings.PRIVACY_SUBJECT_MODEL}' is not an installed model",
                id="kolk.privacy.E005",
            )
        ]
    missing = [name for name in ("privacy_age", "privacy_guardian_ids") if not callable(getattr(model, name, None))]
    if missing:
        return [
            Error(
                f"{model._meta.label} does not implement {PrivacySubject.__name__}: missing {', '.join(missing)}",
                id="kolk.privacy.E006",
            )
        ]
    pmap = map_for(model)
    if pmap is None or pmap.subject != "self":
        return [Error(f"{model._meta.label} must declare PrivacyMap(subject='self')", id="kolk.privacy.E007")]
    return []
