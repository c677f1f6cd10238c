"""Production settings pass Django's deployment checks, and kolk's own, without a warning.

The settings are read from the environment when a process starts, so the check
runs in a `kolk` process of its own with production's environment: DEBUG off,
real secrets, a host name, SEPA details. With any demo value left, it fails.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

KOLK = str(Path(sys.executable).with_name("kolk"))


def production_env(**changes: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KOLK_", "DJANGO_"))}
    env.update(
        KOLK_DEBUG="false",
        KOLK_SECRET_KEY=secrets.token_urlsafe(50),
        KOLK_AUDIT_KEY=secrets.token_urlsafe(32),
        KOLK_FIELD_KEY=secrets.token_urlsafe(32),
        KOLK_ALLOWED_HOSTS="kolk.dnk.nl",
        KOLK_CSRF_TRUSTED_ORIGINS="https://kolk.dnk.nl",
        KOLK_SEPA_CREDITOR_ID="NL08ZZZ502057730000",
        KOLK_SEPA_CREDITOR_IBAN="NL91ABNA0417164300",
    )
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env.update(changes)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KOLK, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    done = check_deploy(production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_on_a_demo_value_left_behind():
    env = production_env()
    del env["KOLK_SEPA_CREDITOR_IBAN"]
    done = check_deploy(env)
    assert done.returncode != 0
    assert "kolk.billing.W001" in done.stderr
