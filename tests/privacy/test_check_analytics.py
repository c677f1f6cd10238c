"""W04: with Google Analytics on, `kolk privacy check` asks for the confirmation that GA4 derives no location."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kolk.privacy.compliance import check_analytics, run_checks


@pytest.mark.django_db
def test_analytics_without_the_location_confirmation_fails_the_check(settings):
    settings.KOLK_GA_MEASUREMENT_ID = "G-TEST123"
    settings.KOLK_GA_LOCATION_OFF = False
    [finding] = list(check_analytics(None))  # type: ignore[arg-type]
    assert "KOLK_GA_LOCATION_OFF" in finding.message
    assert "W04" in finding.message
    assert any(f.check == "analytics" for f in run_checks())
    with pytest.raises(CommandError):
        call_command("privacy", "check", stdout=io.StringIO())

    settings.KOLK_GA_LOCATION_OFF = True
    assert list(check_analytics(None)) == []  # type: ignore[arg-type]
    settings.KOLK_GA_MEASUREMENT_ID = ""
    settings.KOLK_GA_LOCATION_OFF = False
    assert list(check_analytics(None)) == []  # type: ignore[arg-type]
