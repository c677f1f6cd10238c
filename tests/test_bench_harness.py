"""The benchmark harness imports, parses its arguments and writes its table; nothing is timed here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


run = _module("run")
load = _module("load")


def test_arguments_and_their_defaults(monkeypatch):
    monkeypatch.delenv("SOAK", raising=False)
    monkeypatch.setenv("SOAK_SECONDS", "120")
    args = run.parse_args(["--workers", "3", "--only", "loans,access"])
    assert (args.workers, args.loan_clients, args.buyers, args.loan_rate) == (3, 16, 32, 50.0)
    assert (args.soak, args.soak_seconds, args.only) == (False, 120.0, "loans,access")
    assert run.parse_args(["--soak"]).soak


def test_the_bench_wants_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    with pytest.raises(SystemExit, match="PostgreSQL"):
        run.database_url()
    monkeypatch.delenv("DATABASE_URL")
    assert run.database_url() == run.DEFAULT_DB


def test_load_summary_and_dealing():
    rec = load.Recorder()
    rec.latencies["checkout"].extend([0.010] * 98 + [0.040, 0.200])
    rec.units = 50
    rec.error("http-409", "HTTP 409")
    out = load.summary([rec], elapsed=2.0)
    assert (out["units_per_s"], out["requests"], out["errors"]) == (25.0, 100, 1)
    assert out["latency_ms"]["checkout"]["p50"] == 10.0
    assert out["latency_ms"]["checkout"]["p99"] == 40.0
    assert load.chunk(list(range(5)), 2) == [[0, 2, 4], [1, 3]]
    assert set(load.WORKLOADS) == {"loan", "sale", "walkin", "access", "portal", "peer-order"}


def test_verdicts_and_the_markdown_table():
    timing = {"units_per_s": 320.0, "requests_per_s": 640.0, "errors": 0, "units": 10, "rate_target": 50.0}
    result = {
        "date": "2026-11-25T05:00:00+00:00",
        "machine": {"cores": 2, "ram_gb": 4.0, "cpu": "test", "loadavg_at_start": [0.1, 0.1, 0.1]},
        "versions": {"python": "3.11", "django": "5.2", "postgresql": "15", "gunicorn": "23"},
        "scale": {"people.Person": 10, "library.Loan": 100},
        "args": {"loan_clients": 16, "buyers": 32, "workers": 5},
        "baseline": {"simple_update_tps": 1000.0, "select_only_tps": 10000.0},
        "loans": {
            "closed": {**timing, "latency_ms": {"all": {"p99": 20.0}}},
            "paced": {**timing, "latency_ms": {"all": {"p99": 60.0}, "checkout": {"p99": 60.0}}},
        },
        "audit": {"ok": True, "output": "audit chain intact"},
        "worker_drain_s": {"loans": 0.5, "tickets": 12.0},
    }
    result["rows"] = run.verdicts(result)
    result["ratios"] = run.ratios(result)
    assert [row["met"] for row in result["rows"]] == [True, False, True]
    table = run.markdown(result)
    assert "| checkout + check-in over HTTP, 16 clients | ≥ 300 loans/s |" in table
    assert "**no**" in table
    assert "simple-update 1000.0 tps" in table
    assert "queue is left to empty (ticket mails, notices): after loans 0.5 s, after tickets 12 s." in table


def test_the_kiosk_scenario_writes_sip2_and_its_verdicts():
    sys.path.insert(0, str(BENCH))
    sip = _module("sip")
    from kolk.kiosk.codec import Message, parse

    parsed = parse(sip.message("63", "000" + sip.DATE + "  Y       ", [("AA", "1234"), ("AD", "2580")], 3))
    assert isinstance(parsed, Message)
    assert (parsed.code, parsed.sequence, parsed.get("AA")) == ("63", 3, "1234")
    args = run.parse_args([])
    assert (args.kiosks, args.kiosk_seconds) == (40, 30.0)
    phase = {"units_per_s": 80.0, "requests_per_s": 240.0, "errors": 0}
    kiosks = {
        "closed": {**phase, "latency_ms": {"checkout": {"p99": 400.0}}},
        "paced": {**phase, "rate_target": 10.0, "latency_ms": {"checkout": {"p99": 40.0}, "checkin": {"p99": 30.0}}},
        "pin_hashed_ms": {"count": 40, "p50": 300.0, "max": 900.0},
        "sip2_rss_mb": {"first_tenth_max": 60.0, "last_tenth_max": 61.0, "max": 61.0},
        "stopped_cleanly": True,
    }
    rows = run.verdicts({"kiosks": {"result": kiosks, "kiosks": 40}})
    assert [row["met"] for row in rows] == [None, True, None, True]
    assert "80.0 loans/s (240.0 messages/s, 0 errors)" in rows[0]["measured"]
    assert "paced at 10 loans/s" in rows[1]["scenario"]
    assert args.kiosk_rate == 10.0


def test_pretix_beside_kolk_gets_its_columns_the_ratio_and_its_own_check():
    def sale(rate: float, cpu_total: float, worker: float | None) -> dict:
        cpu = {"cpu_ms_per_order_total": cpu_total, "cpu_ms_per_order": {"web": cpu_total, "worker": worker}}
        return {"units_per_s": rate, "requests_per_s": rate * 3, "errors": 0, "cpu": cpu}

    check = {"seats_sold": 700, "capacity": 4800, "paid_tickets": 700, "distinct_seats_of_paid_tickets": 700}
    result = {
        "args": {"buyers": 32, "duration": 30, "peers": "pretix"},
        "tickets": {"closed": sale(20.0, 60.0, 20.0), "check": {**check, "exact": True}, "tickets_per_order": "1"},
        "pretix": {
            "closed": sale(5.0, 200.0, None),
            "check": {"paid_tickets": 250, "paid_orders": 250, "quota": 4800, "tickets_not_paid": 0, "exact": True},
        },
    }
    rows = run.verdicts(result)
    assert rows[0]["ratio"] == "orders/s 4.00; CPU per order 0.30; without the worker 0.20"
    assert rows[0]["pretix"].startswith("5.0 orders/s (0 errors)")
    assert "within its quota: yes" in rows[1]["pretix"]
    # Asked for and not measured: said plainly, and a miss.
    failed = run.verdicts({**result, "pretix": None, "failed": {"pretix": "no wheel for\n  psycopg"}})
    assert failed[-1]["measured"] == "not measured: no wheel for psycopg"
    assert failed[-1]["met"] is False
