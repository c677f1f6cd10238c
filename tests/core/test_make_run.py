"""The newcomer's path: `make run` serves on the chosen port, runs the worker beside the site,
prints every mail in the terminal, and Ctrl-C stops all of it.

These start real processes (make, `kolk dev`, runserver, the worker) on a SQLite
database of their own, as a new user's fresh clone has.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import encoders
from email.mime.base import MIMEBase
from pathlib import Path

import pytest
import requests
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command

from kolk.core.devmail import EmailBackend
from tests.faults.harness import Scratch, Template, free_port

PROJECT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 20


class Output:
    """A process's output, read as it comes so that its pipe never fills."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.text = ""
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        for line in proc.stdout or ():
            self.text += line

    def wait_for(self, text: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while text not in self.text and time.monotonic() < deadline:
            time.sleep(0.2)
        return text in self.text


def newcomer_env(var: Path) -> dict[str, str]:
    """A fresh clone's environment: no database URL (SQLite in var/), no SMTP server, no settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOLK_", "DJANGO_")) and k != "DATABASE_URL"}
    env["KOLK_VAR_DIR"] = str(var)
    return env


def serving(port: int) -> bool:
    with contextlib.suppress(requests.ConnectionError):
        return requests.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200
    return False


def wait_until_serving(proc: subprocess.Popen[str], port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if serving(port):
            return True
        time.sleep(0.5)
    return False


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, whatever process group it runs in."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()  # a zombie has stopped
    return False


def queue_mail(env: dict[str, str]) -> None:
    """Queue a mail with a PDF, as kolk does for tickets; the worker is the one to send it."""
    code = f"""
import django
django.setup()
from kolk.comms.models import MessageKind
from kolk.comms.outbox import message_queue
message_queue(
    template="message", context={{"subject": "Uw kaarten voor Hamlet", "body": "Tot vanavond!"}},
    to_address="lezer@example.nl", purpose="communication", kind=MessageKind.SERVICE, actor=None,
    idempotency_key="newcomer", attachments=[("kaarten.pdf", {PDF!r}, "application/pdf")],
)
"""
    subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "kolk.settings"},
        check=True,
        capture_output=True,
        timeout=120,
        cwd=PROJECT,
    )


@contextlib.contextmanager
def started(args: list[str], env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    """A process in a session of its own, as in a terminal; whatever it leaves running is ended after."""
    proc = subprocess.Popen(
        args, env=env, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    output = Output(proc)
    try:
        yield proc, output
    finally:
        for pid in [*descendants(proc.pid), proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_make_run_serves_on_the_chosen_port_with_the_worker_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = newcomer_env(tmp_path / "var")
    with started(["make", "run", f"PORT={port}"], env) as (make, output):
        assert wait_until_serving(make, port, 300), output.text[-3000:]
        assert f"Demo logins (http://127.0.0.1:{port})" in output.text
        assert "kolk-demo-2026" in output.text
        assert f"http://127.0.0.1:{port}/mijn/inloggen" in output.text  # where members log in

        queue_mail(env)  # the worker runs beside the site and sends it: into the terminal
        assert output.wait_for("[attachment: kaarten.pdf", 60), output.text[-3000:]
        mail = output.text.split("Mail from", 1)[1]
        assert "To: lezer@example.nl" in mail
        assert "Subject: Uw kaarten voor Hamlet" in mail
        assert "Tot vanavond!" in mail
        assert f"[attachment: kaarten.pdf, application/pdf, {len(PDF)} bytes]" in mail
        assert "JVBERi" not in output.text  # the PDF is named, not printed as base64
        assert "state=SUCCESSFUL" not in output.text  # the worker's routine stays out of the way

        below = descendants(make.pid)
        assert len(below) >= 4  # the shell's `kolk dev`, the worker, runserver and its reloading child
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C: the terminal signals its foreground group
        make.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in below if alive(pid)], "Ctrl-C left processes running"
        assert not serving(port)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    template = Template(tmp_path_factory.mktemp("kolk-dev"))
    try:
        yield template.copy("dev")
    finally:
        template.drop()


def test_when_the_worker_stops_kolk_dev_stops_the_site_too(migrated):
    port = free_port()
    env = migrated.env(KOLK_DEBUG="true")
    with started([str(Path(sys.executable).with_name("kolk")), "dev", "--port", str(port)], env) as (dev, output):
        assert wait_until_serving(dev, port, 120), output.text[-3000:]
        [worker] = [pid for pid in descendants(dev.pid) if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        below = descendants(dev.pid)
        os.kill(worker, signal.SIGKILL)
        assert dev.wait(timeout=60) != 0
        assert output.wait_for("kolk worker stopped", 10)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in below if alive(pid)]
        assert not serving(port)


def test_kolk_dev_is_for_development_only(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development"):
        call_command("dev", "--port", "1")


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "kolk.core.devmail.EmailBackend"),  # make run: into the terminal
        ({"KOLK_EMAIL_HOST": "smtp.example.nl"}, "django.core.mail.backends.smtp.EmailBackend"),
        ({"KOLK_DEBUG": "false"}, "django.core.mail.backends.smtp.EmailBackend"),  # production
        (
            {"KOLK_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
            "django.core.mail.backends.locmem.EmailBackend",
        ),
    ],
)
def test_mail_goes_to_the_terminal_in_development_without_an_smtp_server(tmp_path, env, backend):
    code = "import json, kolk.settings as s; print(json.dumps(s.EMAIL_BACKEND))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**newcomer_env(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout) == backend


def test_the_terminal_shows_a_mail_as_people_read_it():
    message = EmailMultiAlternatives(
        subject="Herinnering: boek te laat",
        body="Beste Sanne,\n\nDe Aanslag had gisteren terug gemoeten.\n",
        from_email="DNK <contact@dnk.nl>",
        to=["sanne@example.nl"],
        cc=["ouder@example.nl"],
    )
    message.attach_alternative("<p>Beste Sanne</p>", "text/html")
    message.attach("bon.pdf", PDF, "application/pdf")
    part = MIMEBase("image", "png")
    part.set_payload(b"\x89PNG....")
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename="qr.png")
    message.attach(part)
    out = io.StringIO()
    assert EmailBackend(stream=out).send_messages([message]) == 1
    text = out.getvalue()
    assert "Mail from DNK <contact@dnk.nl>" in text
    assert "To: sanne@example.nl, ouder@example.nl" in text
    assert "Subject: Herinnering: boek te laat" in text
    assert "De Aanslag had gisteren terug gemoeten." in text
    assert "[also as text/html]" in text
    assert f"[attachment: bon.pdf, application/pdf, {len(PDF)} bytes]" in text
    assert "[attachment: qr.png, image/png, 8 bytes]" in text
    assert "JVBERi" not in text
