"""Demo values never reach production: the web process, the deploy check and the seed refuse them.

The defaults of kolk are demo values (secrets, logins with a public password, second
factors whose secret is in the source). With DEBUG off the web process refuses to
start while any is in use, in the settings or in the database, and a new operator who
copies a demo database into production cannot sign in with a demo account: kolk does
not serve it at all. These run real `kolk` and gunicorn processes against scratch
databases (the fault tests' harness), with production's settings.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from kolk.core.checks import demo_data
from kolk.core.demo import DEMO_USERNAMES
from kolk.core.models import SeedRun
from kolk.core.otp import DEMO_TOTP_KEY_B32, DEMO_TOTP_KEYS_B32, hex_key
from kolk.library import demo as library_demo
from kolk.people.models import User
from tests.factories import UserFactory
from tests.faults.harness import Scratch, Template, free_port

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def production(**changes: str) -> dict[str, str]:
    """Production's settings as the guide sets them: DEBUG off, three random secrets of their own."""
    env = {
        "KOLK_DEBUG": "false",
        "KOLK_SECRET_KEY": secrets.token_urlsafe(50),
        "KOLK_AUDIT_KEY": secrets.token_urlsafe(32),
        "KOLK_FIELD_KEY": secrets.token_urlsafe(32),
        "KOLK_ALLOWED_HOSTS": "kolk.dnk.nl",
        "KOLK_CSRF_TRUSTED_ORIGINS": "https://kolk.dnk.nl",
        "KOLK_SEPA_CREDITOR_ID": "NL08ZZZ502057730000",
        "KOLK_SEPA_CREDITOR_IBAN": "NL91ABNA0417164300",
    }
    env.update(changes)
    return env


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    made = Template(tmp_path_factory.mktemp("demo-refused"))
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture(scope="module")
def demo_copy(template: Template) -> Scratch:
    """A database seeded with the demo (DEBUG on, as `make run` does), to be copied into production."""
    db = template.copy("demo")
    db.kolk("seed", "--demo")
    return db


def load_wsgi(db: Scratch, env: dict[str, str], module: str = "kolk.wsgi") -> subprocess.CompletedProcess[str]:
    code = f"import {module}\nprint('loaded')"
    if module == "kolk.asgi":  # as an ASGI server loads it: inside its running event loop
        code = "import asyncio\nasync def main():\n    import kolk.asgi\nasyncio.run(main())\nprint('loaded')"
    return subprocess.run(
        [sys.executable, "-c", code], env=db.env(**env), capture_output=True, text=True, check=False, timeout=120
    )


@contextlib.contextmanager
def gunicorn(db: Scratch, env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    proc = subprocess.Popen(
        [GUNICORN, "kolk.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        env=db.env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=30)


def answer(port: int, path: str = "/") -> requests.Response | None:
    """The response of the web process behind a TLS proxy, or None while nothing listens."""
    with contextlib.suppress(requests.ConnectionError):
        return requests.get(
            f"http://127.0.0.1:{port}{path}",
            headers={"Host": "kolk.dnk.nl", "X-Forwarded-Proto": "https"},
            timeout=30,
            allow_redirects=False,
        )
    return None


def wait_for_answer(proc: subprocess.Popen[str], port: int, seconds: float = 60) -> requests.Response | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        response = answer(port)
        if response is not None:
            return response
        time.sleep(0.2)
    return None


# --- the web process and its secrets ---


SHARED = secrets.token_urlsafe(40)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"KOLK_SECRET_KEY": None}, ["kolk.E001", "SECRET_KEY has its demo value"]),
        ({"KOLK_FIELD_KEY": None}, ["kolk.E001", "KOLK_FIELD_KEY has its demo value"]),
        ({"KOLK_AUDIT_KEY": "audit-key-2026"}, ["kolk.E002", "KOLK_AUDIT_KEY is too weak"]),
        ({"KOLK_FIELD_KEY": "#" * 64}, ["kolk.E002", "KOLK_FIELD_KEY is too weak"]),
        (
            {"KOLK_AUDIT_KEY": SHARED, "KOLK_FIELD_KEY": SHARED},
            ["kolk.E003", "KOLK_AUDIT_KEY and KOLK_FIELD_KEY are the same secret"],
        ),
    ],
    ids=["demo-secret-key", "demo-field-key", "short", "one-character", "equal"],
)
def test_the_web_process_refuses_a_demo_or_weak_secret(template, changes, named):
    db = template.copy("secrets")
    env = production()
    for name, value in changes.items():
        if value is None:
            del env[name]  # unset: the demo default
        else:
            env[name] = value
    done = load_wsgi(db, env)
    assert done.returncode != 0
    assert "loaded" not in done.stdout
    assert "kolk refuses to serve with DEBUG off" in done.stderr
    for text in named:
        assert text in done.stderr


def test_the_asgi_application_refuses_too_inside_its_event_loop(template):
    db = template.copy("asgi")
    env = production()
    del env["KOLK_AUDIT_KEY"]
    refused = load_wsgi(db, env, module="kolk.asgi")
    assert refused.returncode != 0
    assert "KOLK_AUDIT_KEY has its demo value" in refused.stderr
    served = load_wsgi(db, production(), module="kolk.asgi")
    assert served.returncode == 0, served.stderr
    assert "loaded" in served.stdout


def test_gunicorn_stops_on_a_demo_secret_and_serves_with_real_ones(template):
    db = template.copy("gunicorn")
    env = production()
    del env["KOLK_SECRET_KEY"]
    with gunicorn(db, env) as (proc, port):
        assert wait_for_answer(proc, port) is None
        assert proc.wait(timeout=60) != 0  # "Worker failed to boot": the whole server stops
        output = proc.stdout.read() if proc.stdout else ""
    assert "SECRET_KEY has its demo value" in output
    with gunicorn(db, production()) as (proc, port):
        response = wait_for_answer(proc, port)
        assert response is not None, "gunicorn did not serve with real secrets"
        assert response.status_code == 200


def test_the_web_process_refuses_when_it_cannot_check_the_database(template, tmp_path):
    db = template.copy("unreachable")
    done = load_wsgi(db, {**production(), "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'kolk.sqlite3'}"})
    assert done.returncode != 0
    assert "could not read the database to check it for demo data" in done.stderr


# --- a copied demo database ---


def test_a_copied_demo_database_cannot_be_served_nor_pass_the_deploy_check(template, demo_copy):
    db = template.copy("copied", source=demo_copy)
    env = production()
    # As the guide says after `kolk migrate`: the deployment check, with the database.
    check = db.kolk("check", "--deploy", "--database", "default", check=False, **env)
    assert check.returncode != 0
    assert "kolk.E004" in check.stderr
    logins = check.stderr.split("Demo logins with the demo password, which is in kolk's source: ", 1)[1]
    assert set(logins.split(".", 1)[0].split(", ")) == set(DEMO_USERNAMES)
    assert "kolk.E005" in check.stderr
    assert "of: beheer, privacy." in check.stderr  # both strong logins' second factors
    assert "kolk.E006" in check.stderr
    # `kolk migrate` (run on every upgrade) stops on it too.
    assert db.kolk("migrate", "--no-input", check=False, **env).returncode != 0
    # The web process does not start, so no demo account can sign in: not the member, not the superuser.
    with gunicorn(db, env) as (proc, port):
        assert wait_for_answer(proc, port, seconds=30) is None
        assert proc.wait(timeout=60) != 0
        output = proc.stdout.read() if proc.stdout else ""
    assert "kolk.E004" in output
    assert "kolk.E005" in output
    # Nor does a worker start on it, which would mail the demo's members and collect their debits.
    worker = db.kolk("worker", "--batch", check=False, **env)
    assert worker.returncode != 0
    assert "kolk.E004" in worker.stderr


def test_the_demo_refuses_to_seed_a_production_database(template):
    db = template.copy("seed-prod")
    done = db.kolk("seed", "--demo", check=False, **production())
    assert done.returncode != 0
    assert "refuses to run with DEBUG off" in done.stderr
    assert db.sql("SELECT count(*) FROM people_user") == 0
    assert db.sql("SELECT count(*) FROM core_seedrun") == 0
    assert db.sql("SELECT count(*) FROM otp_totp_totpdevice") == 0


# --- the check itself, in this process ---


@pytest.mark.django_db
def test_the_check_names_each_demo_login_device_and_data_until_each_is_gone(settings, monkeypatch):
    monkeypatch.setattr(library_demo, "TITLES", 60)
    settings.DEBUG = True
    call_command("seed", "--demo", stdout=io.StringIO())
    assert demo_data(databases=["default"]) == []  # the demo's own place
    settings.DEBUG = False
    assert demo_data() == []  # without a database (plain `kolk check`) it has nothing to read
    found = {e.id: e.msg for e in demo_data(databases=["default"])}
    assert set(found) == {"kolk.E004", "kolk.E005", "kolk.E006"}
    assert all(name in found["kolk.E004"] for name in DEMO_USERNAMES)
    assert "kolk.people.demo" in found["kolk.E006"]

    for user in User.objects.filter(username__in=DEMO_USERNAMES):
        user.set_password(secrets.token_urlsafe(16))
        user.save()
    assert {e.id for e in demo_data(databases=["default"])} == {"kolk.E005", "kolk.E006"}
    TOTPDevice.objects.filter(user__username__in=["privacy", "beheer"]).delete()
    assert {e.id for e in demo_data(databases=["default"])} == {"kolk.E006"}
    SeedRun.objects.all().delete()
    assert demo_data(databases=["default"]) == []


@pytest.mark.django_db
def test_a_device_with_the_older_shared_demo_key_is_found_whoever_it_belongs_to(settings):
    """Demo databases made before privacy and beheer had keys of their own shared this one."""
    user = UserFactory(username="henk")
    TOTPDevice.objects.create(user=user, name="old demo", key=hex_key(DEMO_TOTP_KEY_B32).upper(), confirmed=True)
    settings.DEBUG = False
    [error] = demo_data(databases=["default"])
    assert error.id == "kolk.E005"
    assert "henk" in error.msg


def test_the_strong_demo_logins_have_second_factors_of_their_own():
    keys = [DEMO_TOTP_KEY_B32, *DEMO_TOTP_KEYS_B32.values()]
    assert len(set(keys)) == len(keys)
    assert set(DEMO_TOTP_KEYS_B32) == {"privacy", "beheer"}
