"""Admin for the privacy core: the register, the ledger and the audit log, all read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from kolk.privacy.models import AuditEntry, PrivacyChoice, Restriction
from kolk.privacy.statement import ARTICLE30_COLUMNS, article30_rows


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PrivacyChoice)
class PrivacyChoiceAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "subject", "kind", "purpose", "channel", "decision", "method"]
    list_filter = ["kind", "purpose", "channel", "decision", "method"]
    raw_id_fields = ["subject", "given_by"]


@admin.register(Restriction)
class RestrictionAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "subject", "restricted", "reason"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor", "action", "subject_ref"]
    list_filter = ["action"]
    search_fields = ["subject_ref", "action", "actor"]

    def get_urls(self) -> list[URLPattern]:
        register_view = self.admin_site.admin_view(self.register_view)
        return [path("register/", register_view, name="privacy_register"), *super().get_urls()]

    def register_view(self, request: HttpRequest) -> HttpResponse:
        """The processing register, read-only (it is edited as a file, under version control)."""
        rows = article30_rows(request.LANGUAGE_CODE)
        context = {
            **self.admin_site.each_context(request),
            "title": "Verwerkingsregister",
            "columns": ARTICLE30_COLUMNS,
            "cells": [[row[c] for c in ARTICLE30_COLUMNS] for row in rows],
        }
        return TemplateResponse(request, "admin/privacy/register.html", context)
