"""`make bench` / `make soak`: kolk as in production, measured against the machine's own baseline.

    kolk seed --scale province      # or --scale N (kolk refuses to serve demo data, here as in production)
    make bench                      # DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/kolk_bench
    make soak SOAK_SECONDS=600      # the mixed-traffic soak (issue 8), after a short capacity run
    make bench PEERS=pretix         # pretix sells the same one-ticket orders in the same run (bench/peer_pretix.py)

Starts several gunicorn web processes (DEBUG off, production settings from the
environment, behind a pretend TLS proxy: the client sends X-Forwarded-Proto)
and `kolk worker`, prepares what the scenarios need on top of the seeded data
(desk and box-office logins, a bench show, a member's portal login), runs the
scenarios, stops everything, checks the audit chain, and writes
bench/results/bench-<date>.json and .md (and latest.*). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kolk_bench"
PASSWORD = "bench-" + "wachtwoord-2026"

# The settings refuse demo secrets with DEBUG off; the bench brings its own unless
# the environment has real ones. Field encryption keeps the demo secret as a previous
# key, so bank details seeded in demo mode still read (the documented rotation path).
BENCH_ENV = {
    "KOLK_DEBUG": "false",
    "KOLK_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
    "KOLK_AUDIT_KEY": "bench-audit-pseudonym-key-not-for-production",
    "KOLK_FIELD_KEY": "bench-field-key-not-for-production",
    "KOLK_FIELD_KEY_PREVIOUS": "demo-only-field-encryption-key",
    "KOLK_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "KOLK_LOG_LEVEL": "ERROR",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 2
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn web processes (default 2 x cores + 1)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per closed-loop throughput run")
    p.add_argument("--loan-clients", type=int, default=16)
    p.add_argument("--loan-rate", type=float, default=50.0, help="loans/s of the open-loop p99 run")
    p.add_argument("--kiosks", type=int, default=40, help="SIP2 kiosks of the kiosk scenario (kolk sip2)")
    p.add_argument("--kiosk-seconds", type=float, default=30.0, help="seconds of each phase of the kiosk scenario")
    p.add_argument(
        "--kiosk-rate", type=float, default=10.0, help="loans/s of all kiosks in the paced phase (40: one each 4 s)"
    )
    p.add_argument("--paced-seconds", type=float, default=30.0)
    p.add_argument("--buyers", type=int, default=32)
    p.add_argument(
        "--seat-map",
        default="60x80",
        help="the ticket race's hall (rows x seats); the default, kolk's largest hall (4,800 seats), is large "
        "enough that --duration, not selling out, ends the sale at today's rates",
    )
    p.add_argument(
        "--one-ticket",
        action="store_true",
        help="one ticket per order in the ticket sale (else 1-4 seats); always so with --peers",
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help="seconds of unmeasured sales before each ticket run, and at least 3 orders per buyer (0: none)",
    )
    p.add_argument(
        "--peers",
        default=os.environ.get("PEERS", ""),
        help="comma-separated systems that sell the same one-ticket orders in the same run: pretix",
    )
    p.add_argument("--access-requests", type=int, default=200)
    p.add_argument("--gate-repeat", type=int, default=3)
    p.add_argument(
        "--only", default="", help="comma-separated: baseline,loans,kiosks,tickets,access,retention,marketing"
    )
    p.add_argument("--soak", action="store_true", default=os.environ.get("SOAK", "") not in ("", "0"))
    p.add_argument("--soak-seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "600")))
    p.add_argument("--soak-load", type=float, default=0.5, help="share of the measured capacity in the soak")
    p.add_argument(
        "--soak-retention-every",
        type=float,
        default=60.0,
        help="seconds between the soak's retention runs, each the next day's (0: none)",
    )
    p.add_argument(
        "--retention-ahead",
        type=int,
        default=0,
        help="run the backlog retention run this many days after today (a database whose backlog is gone)",
    )
    p.add_argument("--retention-child", metavar="DATE", help=argparse.SUPPRESS)
    p.add_argument("--out", default=str(RESULTS))
    return p.parse_args(argv)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        raise SystemExit(f"make bench needs PostgreSQL; DATABASE_URL is {url.split('://')[0]}://...")
    return url


def configure_env() -> None:
    os.environ["DATABASE_URL"] = database_url()
    # As docs/production.md sets it for kolk's role (the bench runs as postgres): grouping
    # a province's loans in memory rather than on disk.
    os.environ.setdefault("PGOPTIONS", "-c work_mem=64MB")
    for key, value in BENCH_ENV.items():
        if key in ("KOLK_DEBUG", "KOLK_EMAIL_BACKEND", "KOLK_LOG_LEVEL"):
            os.environ[key] = value
        else:
            os.environ.setdefault(key, value)
    os.environ.setdefault("KOLK_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("KOLK_ERASURE_LOG", str(Path(os.environ["KOLK_VAR_DIR"]) / "erasure-log.jsonl"))
    Path(os.environ["KOLK_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "kolk.settings"


# --- processes ---


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants, the reaped ones included (their time is the parent's cutime)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        fields = _stat(current)
        if fields is not None:
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        todo.extend(children(current))
    return total / os.sysconf("SC_CLK_TCK")


def backends_cpu(database: str) -> dict[tuple[int, str], float]:
    """CPU seconds of each PostgreSQL backend connected to `database`, by (pid, start time)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if not cmd.startswith("postgres:") or f" {database} " not in cmd:
            continue
        fields = _stat(int(entry.name))
        if fields is not None:
            out[(int(entry.name), fields[19])] = (int(fields[11]) + int(fields[12])) / tick
    return out


class CpuMeter:
    """CPU used between start() and stop() by process trees (web processes, the worker) and by the
    PostgreSQL backends of one database, read from /proc: what an order costs the machine, not the
    wall time (on a shared machine the wall time counts what others ran too).

    Backends are sampled every half second, so one that ends during the run counts up to its last sample.
    """

    def __init__(self, trees: dict[str, int | None], database: str) -> None:
        self.trees = {k: v for k, v in trees.items() if v}
        self.database = database
        self._stop = threading.Event()

    def start(self) -> None:
        self.before = {name: tree_cpu(pid) for name, pid in self.trees.items()}
        self.backends_before = backends_cpu(self.database)
        self.seen = dict(self.backends_before)
        self.started = time.perf_counter()
        self.loadavg = [round(x, 2) for x in os.getloadavg()]
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.seen.update(backends_cpu(self.database))

    def stop(self, units: int) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        self.seen.update(backends_cpu(self.database))
        used = {name: tree_cpu(pid) - self.before[name] for name, pid in self.trees.items()}
        used["postgresql"] = sum(cpu - self.backends_before.get(key, 0.0) for key, cpu in self.seen.items())
        return {
            "seconds": round(time.perf_counter() - self.started, 1),
            "loadavg_at_start": self.loadavg,
            "cpu_s": {k: round(v, 2) for k, v in used.items()},
            "cpu_ms_per_order": {k: round(1000 * v / units, 1) if units else None for k, v in used.items()},
            "cpu_ms_per_order_total": round(1000 * sum(used.values()) / units, 1) if units else None,
        }


def cpu_add(cpu: dict[str, Any], name: str, seconds: float, units: int) -> None:
    """Add CPU seconds used after a CpuMeter stopped (the worker's queue emptied after the sale)."""
    cpu["cpu_s"][name] = round(cpu["cpu_s"].get(name, 0.0) + seconds, 2)
    if units:
        cpu["cpu_ms_per_order"][name] = round(1000 * cpu["cpu_s"][name] / units, 1)
        cpu["cpu_ms_per_order_total"] = round(1000 * sum(cpu["cpu_s"].values()) / units, 1)


class Servers:
    """gunicorn (N web processes) and `kolk worker`, with the web processes' memory sampled."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.logs = Path(os.environ["KOLK_VAR_DIR"])
        self.samples: list[tuple[float, list[float]]] = []
        self._stop = threading.Event()

    def start(self) -> None:
        self.web = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "kolk.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.workers}",
                "--worker-class=sync",
                "--timeout=120",
                "--backlog=2048",
            ],
            stdout=open(self.logs / "gunicorn.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        self.worker = subprocess.Popen(
            [str(BIN / "kolk"), "worker"],
            stdout=open(self.logs / "worker.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.web.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {self.logs / 'gunicorn.log'}")
            try:
                import urllib.request

                health = urllib.request.Request(  # noqa: S310 - our own http:// URL
                    self.base + "/api/v1/privacy/register", headers={"X-Forwarded-Proto": "https"}
                )
                with urllib.request.urlopen(health, timeout=5) as r:  # noqa: S310
                    if r.status == 200 and len(children(self.web.pid)) >= self.workers:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("kolk did not come up within 60 s")
        threading.Thread(target=self._sample, daemon=True).start()

    def web_pids(self) -> list[int]:
        return children(self.web.pid)

    def _sample(self) -> None:
        while not self._stop.wait(2.0):
            self.samples.append((time.time(), [rss_mb(p) for p in self.web_pids()]))

    def rss_now(self) -> list[float]:
        return [round(rss_mb(p), 1) for p in self.web_pids()]

    def stop(self) -> None:
        self._stop.set()
        procs = [p for p in (getattr(self, "web", None), getattr(self, "worker", None)) if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def in_process(fn: Callable[[dict[str, Any]], dict[str, Any]], spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load generator in a spawned process of its own (no Django, no shared GIL)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, (spec,))


def load(spec: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import load as loadgen

    return in_process(loadgen.run_load, spec)


# --- the machine ---


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError):
        mem_kb = 0
    loadavg = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in loadavg],
    }


def versions() -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
    import gunicorn

    return {"python": platform.python_version(), "django": django.get_version(), "postgresql": pg,
            "gunicorn": gunicorn.__version__}  # fmt: skip


def scale() -> dict[str, Any]:
    from django.apps import apps

    counts = {}
    for label in (
        "people.Person",
        "library.Title",
        "library.Copy",
        "library.Loan",
        "boxoffice.Ticket",
        "boxoffice.Order",
        "privacy.PrivacyChoice",
        "privacy.AuditEntry",
    ):
        counts[label] = apps.get_model(label).objects.count()
    return counts


def pgbench(seconds: int = 15) -> dict[str, Any]:
    """The machine's own baseline: pgbench simple-update (-N) and select-only (-S) on a scratch database."""
    from urllib.parse import urlsplit

    if shutil.which("pgbench") is None:
        return {"error": "pgbench not found"}
    url = urlsplit(database_url())
    conn = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    db = "kolk_bench_pgbench"
    subprocess.run(["dropdb", *conn, "--if-exists", db], env=env, check=True, capture_output=True)
    subprocess.run(["createdb", *conn, db], env=env, check=True, capture_output=True)
    try:
        subprocess.run(["pgbench", *conn, "-i", "-q", "-s", "10", db], env=env, check=True, capture_output=True)
        out = {"scale": 10, "clients": 16, "seconds": seconds}
        for flag, name in (("-N", "simple_update_tps"), ("-S", "select_only_tps")):
            run = subprocess.run(
                ["pgbench", *conn, flag, "-c", "16", "-j", "2", "-T", str(seconds), db],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            match = re.search(r"tps = ([\d.]+) \(without initial", run.stdout)
            out[name] = round(float(match.group(1)), 1) if match else None
        return out
    finally:
        subprocess.run(["dropdb", *conn, "--if-exists", db], env=env, capture_output=True)


# --- set-up on top of the seeded data ---


def staff_user(username: str, role: Any) -> str:
    from django.contrib.auth.models import Group

    from kolk.people.models import User

    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": False})
    if created or not user.check_password(PASSWORD):
        user.set_password(PASSWORD)
        user.save()
    user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
    return username


def loan_pairs(n: int) -> list[tuple[str, int]]:
    """(barcode, member) pairs that can be lent at once: free copies without waiting reservations,
    members with a running subscription, no block and room under their loan limit."""
    from django.db.models import Count, Q

    from kolk.library.models import Block, Copy, Loan, Reservation, Subscription

    waiting = Reservation.objects.filter(status=Reservation.Status.WAITING).values("title_id")
    barcodes = list(
        Copy.objects.filter(status=Copy.Status.AVAILABLE)
        .exclude(title_id__in=waiting)
        .order_by("id")
        .values_list("barcode", flat=True)[:n]
    )
    blocked = Block.objects.filter(lifted_at__isnull=True).values("person_id")
    subs = (
        Subscription.objects.filter(status=Subscription.Status.ACTIVE, person__isnull=False, type__max_loans__gte=5)
        .exclude(person_id__in=blocked)
        .order_by("person_id")
        .values_list("person_id", flat=True)[: 4 * n]
    )
    open_loans = dict(
        Loan.objects.filter(person_id__in=list(subs), returned_at__isnull=True)
        .values("person_id")
        .annotate(n=Count("id", filter=Q(returned_at__isnull=True)))
        .values_list("person_id", "n")
    )
    people = [p for p in dict.fromkeys(subs) if open_loans.get(p, 0) <= 2][:n]
    if not barcodes or not people:
        raise SystemExit("no free copies or lending members in the database: seed it first")
    return [(barcodes[i], people[i % len(people)]) for i in range(len(barcodes))]


def bench_show(seat_map: str, label: str) -> int:
    from kolk.boxoffice.models import Hall, Venue
    from kolk.boxoffice.services.programme import film_create, hall_create, show_create
    from kolk.core.clock import now

    venue = Venue.objects.filter(name="Bench").first()
    if venue is None:
        venue = Venue.objects.create(name="Bench", town="Assen")
    hall = Hall.objects.filter(venue=venue, name=f"Zaal {seat_map}").first()
    if hall is None:
        hall = hall_create(venue=venue, name=f"Zaal {seat_map}", seat_map=seat_map, actor=None)
    film = film_create(title=f"Bench {label}", actor=None)
    show = show_create(
        hall=hall, starts_at=now() + dt.timedelta(days=30), prices={"regular": 950}, film=film, actor=None
    )
    return show.pk


def longest_history_member() -> tuple[int, int, str]:
    """The adult member with the most loans, with a portal login and the portal's consent."""
    from django.contrib.auth.models import Group
    from django.db.models import Count

    from kolk.core.clock import today
    from kolk.core.roles import Role
    from kolk.library.models import Loan
    from kolk.people.models import Person, User
    from kolk.privacy.ledger import consent_record, has_consent
    from kolk.web.portal import PORTAL_CONSENT

    born_by = today().replace(year=today().year - 16) if not (today().month == 2 and today().day == 29) else None
    born_by = born_by or dt.date(today().year - 16, 2, 28)
    top = (
        Loan.objects.filter(person__isnull=False, person__date_of_birth__lte=born_by)
        .values("person_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("person_id", "n")[:20]
    )
    for pk, n in top:
        person = Person.objects.get(pk=pk)
        age = person.privacy_age(today())
        if age is None or age < 16:
            continue
        user = User.objects.filter(person=person).first()
        if user is None:
            user = User.objects.create(username=f"bench-lid-{pk}", person=person)
        user.username = user.username or f"bench-lid-{pk}"
        user.is_active = True
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=Role.MEMBER.value)[0])
        if not has_consent(person, PORTAL_CONSENT):
            consent_record(subject=person, purpose=PORTAL_CONSENT, given=True, method="web", actor=user)
        return pk, n, user.username
    raise SystemExit("no adult member with loans in the database")


# --- scenarios ---


def p99(result: dict[str, Any], name: str = "all") -> float:
    return float(result["latency_ms"].get(name, {}).get("p99", 0.0))


def scenario_loans(servers: Servers, args: argparse.Namespace) -> dict[str, Any]:
    from kolk.core.roles import Role

    sys.path.insert(0, str(HERE))
    import load as loadgen

    clients = args.loan_clients
    paced_threads = 32
    pairs = loan_pairs(8 * max(clients, paced_threads))
    desks = [staff_user(f"bench-balie-{i}", Role.DESK) for i in range(max(clients, paced_threads))]
    cookies = [loadgen.login(servers.base, "/balie/inloggen/", u, PASSWORD) for u in desks]
    hands = loadgen.chunk(pairs, clients)
    closed = load(
        {
            "mode": "closed",
            "base": servers.base,
            "workload": "loan",
            "duration": args.duration,
            "states": [{"cookies": cookies[i], "pairs": hands[i], "i": 0} for i in range(clients)],
        }
    )
    hands = loadgen.chunk(pairs, paced_threads)
    paced = load(
        {
            "mode": "paced",
            "base": servers.base,
            "workload": "loan",
            "rate": args.loan_rate,
            "duration": args.paced_seconds,
            "warmup": 3.0,
            "states": [{"cookies": cookies[i], "pairs": hands[i], "i": 0} for i in range(paced_threads)],
        }
    )
    return {"closed": closed, "paced": paced, "copies": len(pairs), "cookies": cookies, "pairs": pairs}


KIOSK_PIN = "2580"


def kiosk_logins(n: int) -> list[dict[str, Any]]:
    """n kiosk accounts (made, or given a new password) at the first branch, each with a member of its own
    (a pass, a PIN, a running subscription) and copies of its own to lend."""
    from django.db.models import Count, Q

    from kolk.library.kiosks import kiosk_named
    from kolk.library.models import Block, Branch, Loan, Subscription
    from kolk.library.services.kiosks import kiosk_create, kiosk_enable, kiosk_rotate, pin_set
    from kolk.people.models import Person

    branch = Branch.objects.order_by("pk").first()
    if branch is None:
        raise SystemExit("no branch in the database: seed it first")
    blocked = Block.objects.filter(lifted_at__isnull=True).values("person_id")
    busy = (
        Loan.objects.filter(returned_at__isnull=True)
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gt=2)
        .values("person_id")
    )
    members = list(
        Person.objects.filter(
            pass_number__isnull=False,
            pk__in=Subscription.objects.filter(Q(status=Subscription.Status.ACTIVE), type__max_loans__gte=5).values(
                "person_id"
            ),
        )
        .exclude(pk__in=blocked)
        .exclude(pk__in=busy)
        .order_by("pk")[:n]
    )
    if len(members) < n:
        raise SystemExit(f"only {len(members)} members can borrow at a kiosk; the scenario needs {n}")
    barcodes = [barcode for barcode, _person in loan_pairs(8 * n)]
    hands = [barcodes[i::n] for i in range(n)]
    logins = []
    for i, person in enumerate(members):
        kiosk = kiosk_named(f"bench-zuil-{i}")
        if kiosk is None:
            kiosk, password = kiosk_create(name=f"bench-zuil-{i}", branch=branch, actor=None)
        else:
            password = kiosk_rotate(kiosk=kiosk, actor=None)
            kiosk_enable(kiosk=kiosk, actor=None)
        pin_set(person=person, pin=KIOSK_PIN, actor=None)
        logins.append(
            {
                "name": kiosk.name,
                "password": password,
                "pass": person.pass_number,
                "pin": KIOSK_PIN,
                "barcodes": hands[i],
            }
        )
    return logins


def scenario_kiosks(args: argparse.Namespace) -> dict[str, Any]:
    """N kiosks on `kolk sip2` (its own process, as in production), each lending and taking back in a loop."""
    from django.db import connection

    sys.path.insert(0, str(HERE))
    import sip as sipgen

    logins = kiosk_logins(args.kiosks)
    connection.close()
    port = free_port()
    logs = Path(os.environ["KOLK_VAR_DIR"])
    proc = subprocess.Popen(
        [str(BIN / "kolk"), "sip2", "--port", str(port), "--max-connections", str(args.kiosks + 10)],
        stdout=open(logs / "sip2.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    samples: list[float] = []
    stop = threading.Event()
    try:
        deadline = time.time() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"kolk sip2 stopped; see {logs / 'sip2.log'}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("kolk sip2 did not come up within 60 s") from None
                time.sleep(0.2)

        def sample() -> None:
            while not stop.wait(1.0):
                samples.append(rss_mb(proc.pid))

        threading.Thread(target=sample, daemon=True).start()
        phases = [
            {"name": "closed", "duration": args.kiosk_seconds},
            {"name": "paced", "duration": args.kiosk_seconds, "rate": args.kiosk_rate},
        ]
        result = in_process(sipgen.run_kiosks, {"port": port, "phases": phases, "kiosks": logins})
    finally:
        stop.set()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    tenth = max(1, len(samples) // 10)
    result["sip2_rss_mb"] = {
        "samples": len(samples),
        "first_tenth_max": round(max(samples[:tenth]), 1) if samples else 0.0,
        "last_tenth_max": round(max(samples[-tenth:]), 1) if samples else 0.0,
        "max": round(max(samples), 1) if samples else 0.0,
    }
    result["stopped_cleanly"] = proc.returncode == 0
    return {"result": result, "kiosks": args.kiosks}


def peers(args: argparse.Namespace) -> set[str]:
    return {name.strip() for name in args.peers.split(",") if name.strip()}


def one_ticket(args: argparse.Namespace) -> bool:
    """One ticket per order: asked for, or for a comparison with a peer (the same work on both sides)."""
    return bool(args.one_ticket or peers(args))


def scenario_tickets(servers: Servers, args: argparse.Namespace) -> dict[str, Any]:
    """The named sale (hold, checkout, pay: three requests) on one show, then the till's walk-in sale on another."""
    from kolk.core.roles import Role

    sys.path.insert(0, str(HERE))
    import load as loadgen

    tills = [staff_user(f"bench-kassa-{i}", Role.BOX_OFFICE) for i in range(args.buyers)]
    cookies = [loadgen.login(servers.base, "/balie/inloggen/", u, PASSWORD) for u in tills]
    named = sell(servers, args, cookies, "sale", "kaartverkoop")
    walkin = sell(servers, args, cookies, "walkin", "kassaverkoop")
    return {**named, "walkin": walkin, "cookies": cookies}


def sell(
    servers: Servers, args: argparse.Namespace, cookies: list[dict[str, str]], workload: str, label: str
) -> dict[str, Any]:
    """Every till sells `workload` units of a new show for --duration or until it is sold out, whichever
    comes first (after --warmup seconds not measured); then count what was sold, and what an order cost
    in CPU: the web processes, the worker (the sale's ticket mails, until its queue is empty) and
    PostgreSQL's backends of kolk's database."""
    from django.db import connection

    from kolk.boxoffice.models import Order, Show, ShowSeat, Ticket

    show_id = bench_show(args.seat_map, label)
    capacity = Show.objects.get(pk=show_id).capacity
    connection.close()

    def states() -> list[dict[str, Any]]:
        return [{"cookies": c, "shows": [show_id], **({"quantity": 1} if one_ticket(args) else {})} for c in cookies]

    spec = {"mode": "closed", "base": servers.base, "workload": workload}
    warm = (
        load({**spec, "duration": args.warmup, "min_units": 3, "states": states()}) if args.warmup > 0 else {"seats": 0}
    )
    worker_drain()
    meter = CpuMeter({"web": servers.web.pid, "worker": servers.worker.pid}, connection.settings_dict["NAME"])
    meter.start()
    result = load({**spec, "duration": args.duration, "states": states()})
    result["cpu"] = meter.stop(result["units"])
    # The sale's ticket mails are part of what it cost: the worker's CPU counts until its queue is
    # empty. PostgreSQL's stops with the sale: the periodic jobs run meanwhile and would count too.
    worker_before = tree_cpu(servers.worker.pid)
    result["worker_drain_s"] = worker_drain()
    cpu_add(result["cpu"], "worker", tree_cpu(servers.worker.pid) - worker_before, result["units"])
    sold = ShowSeat.objects.filter(show_id=show_id, status=ShowSeat.Status.SOLD).count()
    paid = Ticket.objects.filter(show_id=show_id, order__status=Order.Status.PAID)
    paid_tickets = paid.count()
    distinct_seats = paid.values("seat_id").distinct().count()
    left = ShowSeat.objects.filter(show_id=show_id).exclude(status=ShowSeat.Status.SOLD).count()
    bought = warm["seats"] + result["seats"]
    check = {
        "show": show_id,
        "capacity": capacity,
        "seats_sold": sold,
        "paid_tickets": paid_tickets,
        "distinct_seats_of_paid_tickets": distinct_seats,
        "seats_not_sold": left,
        "seats_the_clients_bought": bought,
        "of_which_in_the_warmup": warm["seats"],
        "sold_out": left == 0,
        # No seat sold twice, none more than the show holds, every seat the clients were sold paid
        # and counted; and when the show sold out, every seat of it.
        "exact": sold == paid_tickets == distinct_seats == bought
        and sold <= capacity
        and (left > 0 or sold == capacity),
    }
    return {"closed": result, "check": check, "tickets_per_order": "1" if one_ticket(args) else "1-4"}


def scenario_pretix(args: argparse.Namespace, peer: dict[str, Any], size: int) -> dict[str, Any]:
    """pretix sells one-ticket orders, paid, through its REST API, as kolk's tills do: same buyers, same
    closed loop, same duration, a quota of the size of kolk's show; then pretix's database is counted."""
    import peer_pretix

    cfg = Path(peer["config"])
    event = peer_pretix.event_create(cfg, size, "kolk bench")
    server = peer_pretix.Server(cfg, peer["port"], args.workers, event["token"])
    try:
        server.start()

        def states() -> list[dict[str, Any]]:
            return [peer_pretix.order_state(server.base, event) for _ in range(args.buyers)]

        spec = {"mode": "closed", "base": server.base, "workload": "peer-order"}
        warm = (
            load({**spec, "duration": args.warmup, "min_units": 3, "states": states()})
            if args.warmup > 0
            else {"seats": 0}
        )
        assert server.proc is not None
        meter = CpuMeter({"web": server.proc.pid}, peer_pretix.DATABASE)
        meter.start()
        result = load({**spec, "duration": args.duration, "states": states()})
        result["cpu"] = meter.stop(result["units"])
    finally:
        server.stop()
    check = peer_pretix.sold(database_url(), event)
    bought = warm["seats"] + result["seats"]
    check["tickets_the_clients_bought"] = bought
    check["of_which_in_the_warmup"] = warm["seats"]
    check["sold_out"] = bool(result.get("sold_out"))
    check["exact"] = (
        check["paid_tickets"] == bought
        and check["paid_tickets"] <= check["quota"]
        and check["tickets_not_paid"] == 0
        and (not check["sold_out"] or check["paid_tickets"] == check["quota"])
    )
    return {
        "closed": result,
        "check": check,
        "event": {k: v for k, v in event.items() if k != "token"},
        "versions": peer["versions"],
        "migrate_s": peer["migrate_s"],
    }


def scenario_access(servers: Servers, args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import load as loadgen

    pk, loans, username = longest_history_member()
    cookies = loadgen.login(servers.base, "/mijn/inloggen", username, PASSWORD)
    per_second = 5.0
    result = load(
        {
            "mode": "paced",
            "base": servers.base,
            "workload": "access",
            "rate": per_second,
            "duration": args.access_requests / per_second,
            "warmup": 2.0,
            "states": [{"cookies": cookies, "path": f"/mijn/download/{pk}.json"} for _ in range(4)],
        }
    )
    return {"member": pk, "member_loans": loans, "result": result, "cookies": cookies}


def retention_child(date: str) -> None:
    """In a process of its own (so its memory can be watched): one retention run, timed, as JSON."""
    import django

    django.setup()
    from django.db import connection

    from kolk.privacy.retention import retention_run

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    start, cpu, db_cpu = time.perf_counter(), time.process_time(), cpu_seconds(backend)
    report = retention_run(actor=None, on=dt.date.fromisoformat(date))
    elapsed = time.perf_counter() - start
    rows = {f"{r.name}:{r.rule}:{r.action}": r.done for r in report.rules if r.done}
    # CPU beside wall time: on a shared machine the wall time also counts what others ran.
    used = {"kolk": round(time.process_time() - cpu, 3), "postgresql": round(cpu_seconds(backend) - db_cpu, 3)}
    print(json.dumps({"on": date, "rows": report.total, "seconds": round(elapsed, 3), "cpu_seconds": used,
                      "by_rule": rows}))  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process on this machine (the database's backend, say), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def retention_once(date: dt.date) -> dict[str, Any]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--retention-child", date.isoformat()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    samples: list[float] = []
    while proc.poll() is None:
        samples.append(rss_mb(proc.pid))
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode != 0:
        return {"on": date.isoformat(), "error": err[-2000:]}
    result = json.loads(out.strip().splitlines()[-1])
    samples = [s for s in samples if s > 0]
    result["rows_per_s"] = round(result["rows"] / result["seconds"], 1) if result["seconds"] else 0.0
    result["rss_mb"] = {
        "samples": len(samples),
        "first_quarter_max": round(max(samples[: max(1, len(samples) // 4)]), 1) if samples else 0.0,
        "max": round(max(samples), 1) if samples else 0.0,
    }
    return result


def scenario_retention(ahead: int = 0) -> dict[str, Any]:
    from kolk.core.clock import today

    on = today() + dt.timedelta(days=ahead)
    backlog = retention_once(on)  # what the seed left past its date (and `ahead` days' expiries)
    one_day = retention_once(on + dt.timedelta(days=1))  # the next day's expiries
    nothing = retention_once(on + dt.timedelta(days=1))  # and again: nothing due
    return {"backlog": backlog, "one_day": one_day, "nothing_due": nothing, "ahead_days": ahead}


def cpu_note(run: dict[str, Any]) -> str:
    cpu = run.get("cpu_seconds")
    return f" (CPU: kolk {cpu['kolk']} s, PostgreSQL {cpu['postgresql']} s)" if cpu else ""


def scenario_marketing(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from gate import loan_history_overhead

    return loan_history_overhead(repeat=args.gate_repeat)


def scenario_soak(servers: Servers, args: argparse.Namespace, capacity: dict[str, float]) -> dict[str, Any]:
    """Mixed traffic at a share of the measured capacity, with the retention job running now and then."""
    from kolk.core.clock import today
    from kolk.core.roles import Role

    sys.path.insert(0, str(HERE))
    import load as loadgen

    share = args.soak_load
    loan_rate = max(1.0, share * 0.5 * capacity["loans_per_s"])
    sale_rate = max(0.5, share * 0.3 * capacity["orders_per_s"])
    page_rate = max(1.0, share * 0.2 * capacity["pages_per_s"])
    rows, per_row = (int(n) for n in args.seat_map.lower().split("x"))
    seats_per_show = rows * per_row
    shows = [
        bench_show(args.seat_map, f"soak {i}")
        for i in range(int(sale_rate * args.soak_seconds * 2.5 / seats_per_show) + 2)
    ]
    pairs = loan_pairs(8 * 16)
    desks = [staff_user(f"bench-balie-{i}", Role.DESK) for i in range(16)]
    desk_cookies = [loadgen.login(servers.base, "/balie/inloggen/", u, PASSWORD) for u in desks]
    tills = [staff_user(f"bench-kassa-{i}", Role.BOX_OFFICE) for i in range(8)]
    till_cookies = [loadgen.login(servers.base, "/balie/inloggen/", u, PASSWORD) for u in tills]
    pk, _loans, username = longest_history_member()
    member = loadgen.login(servers.base, "/mijn/inloggen", username, PASSWORD)
    pages = ["/mijn/", "/mijn/uitleningen", "/mijn/kaartjes", "/mijn/toestemmingen", "/mijn/reserveringen",
             "/mijn/gegevens", "/mijn/abonnement", "/mijn/activiteit"]  # fmt: skip
    hands = loadgen.chunk(pairs, 16)
    streams = [
        {
            "name": "loans",
            "workload": "loan",
            "rate": loan_rate,
            "states": [{"cookies": desk_cookies[i], "pairs": hands[i], "i": 0} for i in range(16)],
        },
        {
            "name": "sales",
            "workload": "sale",
            "rate": sale_rate,
            "states": [{"cookies": c, "shows": shows, "next_show_when_sold_out": True} for c in till_cookies],
        },
        {
            "name": "portal",
            "workload": "portal",
            "rate": page_rate,
            "states": [{"cookies": member, "pages": pages, "i": i} for i in range(4)],
        },
    ]
    retention_runs: list[dict[str, Any]] = []
    stop = threading.Event()

    def retention_loop() -> None:
        day = today() + dt.timedelta(days=2)
        while args.soak_retention_every > 0 and not stop.wait(args.soak_retention_every):
            retention_runs.append(retention_once(day))
            day += dt.timedelta(days=1)

    before = len(servers.samples)
    job = threading.Thread(target=retention_loop, daemon=True)
    job.start()
    result = load({"mode": "mixed", "base": servers.base, "streams": streams, "duration": args.soak_seconds})
    stop.set()
    job.join(timeout=600)
    samples = servers.samples[before:]
    per_sample = [max(s[1]) if s[1] else 0.0 for s in samples]
    tenth = max(1, len(per_sample) // 10)
    return {
        "seconds": args.soak_seconds,
        "share_of_capacity": share,
        "rates": {"loans_per_s": loan_rate, "orders_per_s": sale_rate, "pages_per_s": page_rate},
        "streams": result,
        "retention_runs": retention_runs,
        "web_rss_mb": {
            "samples": len(per_sample),
            "first_tenth_max": round(max(per_sample[:tenth]), 1) if per_sample else 0.0,
            "last_tenth_max": round(max(per_sample[-tenth:]), 1) if per_sample else 0.0,
            "max": round(max(per_sample), 1) if per_sample else 0.0,
        },
        "member": pk,
    }


def portal_capacity(servers: Servers, cookies: dict[str, str], pk: int) -> dict[str, Any]:
    pages = ["/mijn/", "/mijn/uitleningen", "/mijn/kaartjes", "/mijn/toestemmingen"]
    return load(
        {
            "mode": "closed",
            "base": servers.base,
            "workload": "portal",
            "duration": 10.0,
            "states": [{"cookies": cookies, "pages": pages, "i": i} for i in range(8)],
        }
    )


# --- verdicts and the report ---


def audit_verify() -> dict[str, Any]:
    run = subprocess.run([str(BIN / "kolk"), "audit", "verify"], capture_output=True, text=True, cwd=ROOT)
    return {"ok": run.returncode == 0, "output": (run.stdout + run.stderr).strip()[-500:]}


def verdicts(r: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(scenario: str, goal: str, measured: str, met: bool | None, **peer: str) -> None:
        rows.append({"scenario": scenario, "goal": goal, "measured": measured, "met": met, **peer})

    if "loans" in r:
        c, p = r["loans"]["closed"], r["loans"]["paced"]
        row(
            f"checkout + check-in over HTTP, {r['args']['loan_clients']} clients",
            "≥ 300 loans/s",
            f"{c['units_per_s']} loans/s ({c['requests_per_s']} req/s, {c['errors']} errors)",
            c["units_per_s"] >= 300 and c["errors"] == 0,
        )
        row(
            f"checkout + check-in, open loop at {p['rate_target']:g} loans/s",
            "p99 ≤ 50 ms",
            f"p99 {p99(p)} ms (checkout {p99(p, 'checkout')}, check-in {p99(p, 'checkin')}; "
            f"{p['units_per_s']} loans/s done, {p['errors']} errors)",
            p99(p) <= 50 and p["errors"] == 0,
        )
    if "kiosks" in r:
        k = r["kiosks"]["result"]
        closed, paced, mem = k["closed"], k["paced"], k["sip2_rss_mb"]
        n = r["kiosks"]["kiosks"]
        row(
            f"kiosks over SIP2 (kolk sip2), {n} kiosks as fast as answered: patron information, checkout, check-in",
            "loans/s (capacity)",
            f"{closed['units_per_s']} loans/s ({closed['requests_per_s']} messages/s, {closed['errors']} errors); "
            f"p99 checkout {p99(closed, 'checkout')} ms",
            None,
        )
        row(
            f"kiosks over SIP2, {n} kiosks paced at {paced.get('rate_target', 0):g} loans/s",
            "checkout p99 ≤ 50 ms",
            f"p99 checkout {p99(paced, 'checkout')} ms, check-in {p99(paced, 'checkin')} ms, patron information "
            f"{p99(paced, 'patron-info')} ms; {paced['units_per_s']} loans/s done, {paced['errors']} errors",
            p99(paced, "checkout") <= 50 and paced["errors"] == 0 and closed["errors"] == 0,
        )
        row(
            f"kiosks: the PIN hashed (Argon2) at the first patron information, {n} members at once",
            "n/a",
            f"p50 {k['pin_hashed_ms']['p50']} ms, max {k['pin_hashed_ms']['max']} ms",
            None,
        )
        row(
            "memory: kolk sip2 flat over the kiosk run",
            "no growth",
            f"first tenth {mem['first_tenth_max']} MB, last tenth {mem['last_tenth_max']} MB; "
            f"stopped on SIGTERM: {'yes' if k.get('stopped_cleanly') else 'no'}",
            mem["last_tenth_max"] - mem["first_tenth_max"] < 15 and bool(k.get("stopped_cleanly")),
        )
    if "tickets" in r:
        sales = [("ticket sale over HTTP (hold, checkout, pay)", r["tickets"])]
        if "walkin" in r["tickets"]:
            sales.append(("walk-in sale at the till over HTTP (one request)", r["tickets"]["walkin"]))
        px = r.get("pretix")
        compared = "pretix" in peers_of(r)
        for label, sale in sales:
            t, chk = sale["closed"], sale["check"]
            per_order = "one ticket an order" if sale.get("tickets_per_order") == "1" else "1-4 seats an order"
            peer: dict[str, str] = {}
            if px:
                pt = px["closed"]
                peer = {
                    "pretix": f"{pt['units_per_s']} orders/s ({pt['errors']} errors); {cpu_text(pt)}",
                    "ratio": ratio_text(t, pt),
                }
            elif compared:
                peer = {"pretix": "not measured", "ratio": ""}
            row(
                f"{label}, {r['args']['buyers']} buyers, one show, {per_order}, "
                f"{t.get('duration_s', r['args']['duration']):g} s or until sold out",
                "≥ 150 orders/s",
                f"{t['units_per_s']} orders/s ({t['requests_per_s']} req/s, {t['errors']} errors)"
                + (f"; {cpu_text(t)}" if "cpu" in t else ""),
                t["units_per_s"] >= 150 and t["errors"] == 0,
                **peer,
            )
            if px:
                pc = px["check"]
                peer = {
                    "pretix": f"{pc['paid_tickets']} paid tickets in {pc['paid_orders']} orders, quota "
                    f"{pc['quota']}, {pc['tickets_not_paid']} not paid; within its quota: "
                    + ("yes" if pc["exact"] else "**no**"),
                    "ratio": "",
                }
            elif compared:
                peer = {"pretix": "", "ratio": ""}
            row(
                f"{label.split(' over ')[0]}: seats sold",
                "no seat sold twice, none past the show's capacity; all of it when sold out",
                f"{chk['seats_sold']} sold of {chk['capacity']}"
                + (" (sold out)" if chk.get("sold_out") else "")
                + f"; {chk['paid_tickets']} paid tickets on {chk['distinct_seats_of_paid_tickets']} seats",
                bool(chk["exact"]),
                **peer,
            )
    if "access" in r:
        a = r["access"]
        row(
            f"access package (JSON), member with {a['member_loans']} loans",
            "p99 ≤ 150 ms",
            f"p99 {p99(a['result'])} ms (p50 {a['result']['latency_ms']['all']['p50']} ms, "
            f"{a['result']['errors']} errors)",
            p99(a["result"]) <= 150 and a["result"]["errors"] == 0,
        )
    if "retention" in r:
        ret = r["retention"]
        for key, label in (
            ("backlog", f"retention run, the backlog (+{ret.get('ahead_days', 0)} days)"),
            ("one_day", "retention run, one day"),
        ):
            run = ret[key]
            if "error" in run:
                row(label, "≥ 100,000 rows/s", "error", False)
                continue
            row(
                label,
                "≥ 100,000 rows/s",
                f"{run['rows']} rows in {run['seconds']} s = {run['rows_per_s']:,.0f} rows/s" + cpu_note(run),
                run["rows_per_s"] >= 100_000 if run["rows"] >= 1000 else None,  # too few rows to time
            )
        nothing = ret["nothing_due"]
        row(
            "retention run, nothing due",
            "< 2 s",
            f"{nothing.get('seconds')} s" + cpu_note(nothing),
            nothing.get("seconds", 99) < 2,
        )
        big, small = ret["backlog"].get("rss_mb", {}), ret["nothing_due"].get("rss_mb", {})
        row(
            "memory: retention run flat",
            "RSS does not grow with the rows",
            f"max {big.get('max')} MB over {ret['backlog'].get('rows')} rows vs {small.get('max')} MB with none due",
            (big.get("max", 0) - small.get("max", 0)) < 30,
        )
    if "marketing" in r:
        m = r["marketing"]
        row(
            f"marketing selection of loan history, {m['loans']:,} loans",
            "< 5 s",
            f"{m['gated_s']} s: {m['members_selected']:,} members with their loan counts",
            m["gated_s"] < 5,
        )
        row(
            "purpose gate vs the same raw query",
            "overhead ≤ 10 %",
            f"{m['overhead_vs_same_filter_pct']} % (raw {m['raw_same_filter_s']} s)",
            m["overhead_vs_same_filter_pct"] <= 10,
        )
    if "web_rss_mb" in r:
        mem = r["web_rss_mb"]
        row(
            "memory: web process after the load",
            "< 150 MB RSS",
            f"max {mem['max_after_load']} MB ({len(mem['after_load'])} processes)",
            mem["max_after_load"] < 150,
        )
    if "soak" in r:
        s = r["soak"]
        errors = sum(v["errors"] for v in s["streams"].values())
        worst = {k: p99(v) for k, v in s["streams"].items()}
        mem = s["web_rss_mb"]
        row(
            f"soak {s['seconds']:g} s at {s['share_of_capacity']:.0%} of capacity, "
            f"{len(s['retention_runs'])} retention runs",
            "no errors",
            f"{errors} errors; {sum(v['units'] for v in s['streams'].values())} units",
            errors == 0 and all("error" not in x for x in s["retention_runs"]),
        )
        row(
            "soak: p99",
            "loans ≤ 50 ms, portal pages ≤ 150 ms",
            ", ".join(f"{k} {v} ms" for k, v in worst.items()),
            worst.get("loans", 0) <= 50 and worst.get("portal", 0) <= 150,
        )
        row(
            "soak: web memory flat",
            "no growth, < 150 MB",
            f"first tenth {mem['first_tenth_max']} MB, last tenth {mem['last_tenth_max']} MB",
            mem["last_tenth_max"] - mem["first_tenth_max"] < 15 and mem["max"] < 150,
        )
    for name, error in r.get("failed", {}).items():
        if name == "pretix":
            # Said plainly, and a miss: PEERS=pretix asked for a comparison this run could not make.
            row(
                "pretix beside kolk (PEERS=pretix)",
                "measured in the same run",
                "not measured: " + " ".join(error.split())[:400],
                False,
            )
        else:
            row(f"{name} (failed)", "runs", error[:120], False)
    if "pretix" in peers_of(r) and "pretix" not in r and "pretix" not in r.get("failed", {}):
        row("pretix beside kolk (PEERS=pretix)", "measured in the same run", "not measured: kolk's sale failed", False)
    if "audit" in r:
        row("audit chain after the bench", "kolk audit verify passes", r["audit"]["output"][:80], r["audit"]["ok"])
    return rows


def peers_of(r: dict[str, Any]) -> set[str]:
    return {name.strip() for name in str(r.get("args", {}).get("peers", "")).split(",") if name.strip()}


def cpu_text(result: dict[str, Any]) -> str:
    """CPU per order, by process group (web, worker, PostgreSQL)."""
    per = result["cpu"]["cpu_ms_per_order"]
    names = {"web": "web", "worker": "worker", "postgresql": "PostgreSQL"}
    parts = [f"{names[k]} {v:g}" for k, v in per.items() if v is not None]
    return f"CPU per order {result['cpu']['cpu_ms_per_order_total']:g} ms (" + ", ".join(parts) + ")"


def ratio_text(kolk: dict[str, Any], peer: dict[str, Any]) -> str:
    """kolk's figure over the peer's: orders/s (above 1: kolk sells faster), CPU per order (above 1: kolk costs more)."""
    out = []
    if peer["units_per_s"]:
        out.append(f"orders/s {kolk['units_per_s'] / peer['units_per_s']:.2f}")
    k, p = kolk.get("cpu", {}).get("cpu_ms_per_order_total"), peer.get("cpu", {}).get("cpu_ms_per_order_total")
    if k and p:
        out.append(f"CPU per order {k / p:.2f}")
        kw = k - (kolk["cpu"]["cpu_ms_per_order"].get("worker") or 0)
        out.append(f"without the worker {kw / p:.2f}")
    return "; ".join(out)


def markdown(r: dict[str, Any]) -> str:
    m, v, b = r["machine"], r["versions"], r.get("baseline", {})
    scale_line = ", ".join(f"{k.split('.')[1]} {n:,}" for k, n in r["scale"].items())
    lines = [
        f"### Benchmark {r['date']}",
        "",
        f"- Machine: {m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu']} (load average at start "
        f"{', '.join(str(x) for x in m['loadavg_at_start'])})",
        f"- Versions: Python {v['python']}, Django {v['django']}, PostgreSQL {v['postgresql']}, "
        f"gunicorn {v['gunicorn']} ({r['args']['workers']} sync web processes) and `kolk worker`"
        + (
            f"; peer: pretix {v['pretix']['pretix']} (Django {v['pretix']['django']}, its own environment and "
            f"database, {r['args']['workers']} sync web processes, tasks run eagerly: no worker)"
            if "pretix" in v
            else ""
        ),
        f"- Scale: {scale_line}",
        f"- Baseline (pgbench, scale 10, 16 clients): simple-update {b.get('simple_update_tps')} tps, "
        f"select-only {b.get('select_only_tps')} tps"
        if b
        else "- Baseline (pgbench): not run (`--only`)",
        "",
    ]
    with_peer = any("pretix" in row for row in r["rows"])
    if with_peer:
        lines += [
            "| scenario | goal | measured (kolk) | met | pretix | kolk ÷ pretix |",
            "|---|---|---|---|---|---|",
        ]
    else:
        lines += ["| scenario | goal | measured | met |", "|---|---|---|---|"]
    for row in r["rows"]:
        met = "yes" if row["met"] else ("n/a" if row["met"] is None else "**no**")
        line = f"| {row['scenario']} | {row['goal']} | {row['measured']} | {met} |"
        if with_peer:
            line += f" {row.get('pretix', '')} | {row.get('ratio', '')} |"
        lines.append(line)
    ratios = r.get("ratios")
    if ratios:
        lines += ["", "Ratios to the baseline: " + ", ".join(f"{k} {v}" for k, v in ratios.items())]
    if r.get("notes"):
        lines += ["", *[f"- {n}" for n in r["notes"]]]
    loads = [
        (name, sale["closed"]["cpu"]["loadavg_at_start"])
        for name, sale in (
            ("kolk's named sale", r.get("tickets")),
            ("kolk's walk-in sale", (r.get("tickets") or {}).get("walkin")),
            ("pretix", r.get("pretix")),
        )
        if sale and "cpu" in sale["closed"]
    ]
    if loads:
        lines.append(
            "- Load average at the start of each measured sale: "
            + "; ".join(f"{name} {', '.join(str(x) for x in avg)}" for name, avg in loads)
            + "."
        )
    if r.get("worker_drain_s"):
        waits = ", ".join(f"after {k} {v:g} s" for k, v in r["worker_drain_s"].items())
        lines.append(f"- Before each scenario the worker's queue is left to empty (ticket mails, notices): {waits}.")
    return "\n".join(lines) + "\n"


def ratios(r: dict[str, Any]) -> dict[str, Any]:
    b = r.get("baseline", {})
    upd, sel = b.get("simple_update_tps"), b.get("select_only_tps")
    out = {}
    if upd and "loans" in r:
        out["loans/s per 1000 pgbench update tps"] = round(1000 * r["loans"]["closed"]["units_per_s"] / upd, 1)
    if upd and "tickets" in r:
        out["orders/s per 1000 pgbench update tps"] = round(1000 * r["tickets"]["closed"]["units_per_s"] / upd, 1)
    if sel and "access" in r:
        p = p99(r["access"]["result"])
        out["access p99 in pgbench select-only transactions"] = round(p / 1000 * sel)
    return out


def strip(result: dict[str, Any]) -> dict[str, Any]:
    """Leave the logins out of what is written."""
    return {k: v for k, v in result.items() if k not in ("cookies", "pairs")}


def worker_drain(timeout: float = 300.0) -> float:
    """Wait until the worker's queue is empty (nothing ready, nothing running); the seconds it took."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if not (DBTaskResult.objects.ready().exists() or DBTaskResult.objects.running().exists()):
            break
        time.sleep(0.5)
    connection.close()
    return round(time.perf_counter() - start, 1)


def worker_quiet(r: dict[str, Any], after: str, timeout: float = 300.0) -> None:
    """Let the worker finish what a scenario left it (ticket mails, notices) before the next is measured.

    Otherwise one scenario's queue is worked off during the next and counted there. How
    long it took is recorded: it is the worker's own figure for that backlog.
    """
    r.setdefault("worker_drain_s", {})[after] = worker_drain(timeout)


def guarded(r: dict[str, Any], name: str, scenario: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """Run a scenario; a failure is recorded (and shown in the table) and the others still run."""
    import traceback

    try:
        result = scenario()
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - one scenario's failure must not lose the others
        r.setdefault("failed", {})[name] = "".join(traceback.format_exception_only(exc)).strip()
        print(f"scenario {name} failed: {exc}", flush=True)
        return None
    r[name] = strip(result)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_env()
    if args.retention_child:
        retention_child(args.retention_child)
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from kolk.core.clock import now

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise SystemExit("the bench database has migrations not yet applied: run `kolk migrate` first")

    only = {s.strip() for s in args.only.split(",") if s.strip()}

    def wanted(name: str) -> bool:
        return not only or name in only

    if peers(args) - {"pretix"}:
        raise SystemExit(f"unknown peer(s) {', '.join(sorted(peers(args) - {'pretix'}))}: PEERS knows pretix")
    if peers(args) and not wanted("tickets"):
        raise SystemExit("PEERS=pretix compares the ticket sale: keep tickets in --only")

    started = now()
    r: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "scale": scale(),
        "args": vars(args),
        "notes": [
            "A loan is a checkout and its check-in (two requests). Ticket sales go through the box office "
            "over the JSON API: a named sale (hold, checkout with the buyer's name and email, cash payment: "
            "three requests) and a walk-in sale at the till (seats held and paid in one request, no buyer "
            "data). The Mollie path needs the network, and kolk has no fake payment provider outside the tests.",
            "The load generator runs in a process of its own on the same machine and takes CPU from kolk.",
            "The bench runs ANALYZE first (planner statistics after the seed's bulk load), and lets the "
            "periodic jobs catch up (`kolk worker --batch`) before the web scenarios, as overnight.",
        ],
    }
    if "pretix" in peers(args):
        r["notes"].append(
            "pretix beside kolk (PEERS=pretix): the same machine, PostgreSQL server (pretix in a database of its "
            "own), load generator, closed loop, buyers and duration, and as many sync gunicorn web processes. Each "
            "order is one ticket, paid: in kolk the named sale and the till's walk-in sale over its JSON API, in "
            "pretix one POST to its REST API's orders endpoint with status paid and the box office's payment "
            "provider, without mail. pretix sells one item from one quota of the show's size; kolk picks the best "
            "free seat of a seat map. pretix runs its tasks eagerly in its web processes (no celery, no redis, as "
            "its configuration allows), so it has no worker column; kolk's worker draws and sends the named sale's "
            "ticket mail (QR codes), its CPU counted until its queue is empty. CPU is read from /proc: the web "
            "processes' and the worker's process trees, and the PostgreSQL backends of each one's own database "
            "while the sale runs (kolk's periodic jobs run while the worker's queue empties, so the worker's "
            "queries for the mails are not in the PostgreSQL column)."
        )
    # Planner statistics, as autovacuum would have them some time after a bulk load.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    print(f"kolk bench on {r['scale']}", flush=True)
    if wanted("baseline"):
        print("baseline: pgbench", flush=True)
        r["baseline"] = pgbench()
    if wanted("retention"):
        # Before the worker starts: its daily retention job would take the backlog first.
        print("scenario: retention", flush=True)
        guarded(r, "retention", lambda: scenario_retention(args.retention_ahead))
    # The periodic jobs catch up first, as they would have overnight on a live system: the
    # library's daily roll (fines, blocks) must not land in the middle of the measurements.
    print("periodic jobs: catching up (kolk worker --batch)", flush=True)
    subprocess.run([str(BIN / "kolk"), "worker", "--batch"], check=True, stdout=subprocess.DEVNULL)
    peer: dict[str, Any] | None = None
    if "pretix" in peers(args):
        sys.path.insert(0, str(HERE))
        import peer_pretix

        print("peer: pretix (its environment once, its database, its migrations)", flush=True)
        try:
            peer = peer_pretix.prepare(database_url(), free_port())
            r["versions"]["pretix"] = peer["versions"]
        except peer_pretix.PeerUnavailable as exc:
            r.setdefault("failed", {})["pretix"] = str(exc)
            print(f"peer pretix is not measured: {exc}", flush=True)
    servers = Servers(args.workers)
    capacity = {"loans_per_s": 50.0, "orders_per_s": 20.0, "pages_per_s": 50.0}
    try:
        servers.start()
        worker_quiet(r, "start-up")
        if wanted("loans"):
            print("scenario: checkout + check-in", flush=True)
            loans = guarded(r, "loans", lambda: scenario_loans(servers, args))
            if loans:
                capacity["loans_per_s"] = loans["closed"]["units_per_s"]
            worker_quiet(r, "loans")
        if wanted("kiosks"):
            print(f"scenario: {args.kiosks} kiosks over SIP2", flush=True)
            guarded(r, "kiosks", lambda: scenario_kiosks(args))
            worker_quiet(r, "kiosks")
        if wanted("tickets"):
            print("scenario: ticket sale", flush=True)
            tickets = guarded(r, "tickets", lambda: scenario_tickets(servers, args))
            if tickets:
                capacity["orders_per_s"] = tickets["closed"]["units_per_s"]
            worker_quiet(r, "tickets")
            if peer is not None and tickets:
                print("peer: pretix sells the same one-ticket orders", flush=True)
                size = tickets["check"]["capacity"]
                guarded(r, "pretix", lambda: scenario_pretix(args, peer, size))
        if wanted("access"):
            print("scenario: access package", flush=True)
            access = guarded(r, "access", lambda: scenario_access(servers, args))
            if access and args.soak:
                pages = portal_capacity(servers, access["cookies"], access["member"])
                r["portal_capacity"] = pages
                capacity["pages_per_s"] = pages["units_per_s"]
            worker_quiet(r, "access")
        after = servers.rss_now()
        r["web_rss_mb"] = {
            "after_load": after,
            "max_after_load": max(after) if after else 0.0,
            "max_during": round(max((max(s[1]) for s in servers.samples if s[1]), default=0.0), 1),
        }
        if args.soak:
            print(f"soak: {args.soak_seconds:g} s at {args.soak_load:.0%} of {capacity}", flush=True)
            guarded(r, "soak", lambda: scenario_soak(servers, args, capacity))
    finally:
        servers.stop()
    if wanted("marketing"):
        print("scenario: marketing selection and purpose gate", flush=True)
        guarded(r, "marketing", lambda: scenario_marketing(args))
    r["audit"] = audit_verify()
    r["rows"] = verdicts(r)
    r["ratios"] = ratios(r)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "soak" if args.soak else "bench"
    text = markdown(r)
    for name in (f"{stem}-{started:%Y%m%d-%H%M}", f"{stem}-latest"):
        (out / f"{name}.json").write_text(json.dumps(r, indent=2, default=str) + "\n")
        (out / f"{name}.md").write_text(text)
    print(text)
    return 0 if all(row["met"] is not False for row in r["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
