"""The load generator of `make bench`: keep-alive HTTP clients in threads, recording latencies.

It imports nothing of kolk or Django, so that it runs lean in a process of its
own (`run_load` in a spawned process): on a small machine the client costs CPU
too, and it should not share an interpreter lock with the orchestrator.

Two ways to drive load:
- closed loop (`closed`): N clients, each doing one unit after another as fast
  as the server answers; gives throughput.
- open loop (`paced`): units start on a fixed schedule (R per second) whatever
  the server does; a unit's latency counts from when it was due, so a slow
  server cannot hide its queue (no coordinated omission). Gives p99 at a rate.

A unit is a small script of requests (a checkout and its check-in, a ticket
sale of three requests, one portal page, an order in a peer such as pretix);
`WORKLOADS` names them so that a spec (plain data) can cross the process boundary.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import queue
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# --- one client: a keep-alive connection with cookies ---


class HttpError(Exception):
    def __init__(self, status: int, body: bytes, what: str) -> None:
        super().__init__(f"{what}: HTTP {status} {body[:200]!r}")
        self.status = status
        self.body = body


@dataclass
class Recorder:
    """Latencies (seconds) per request name, and errors, of one thread."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    units: int = 0

    def error(self, what: str, detail: str) -> None:
        self.errors[what] += 1
        if len(self.samples) < 5:
            self.samples.append(detail[:300])


class Client:
    """One keep-alive HTTP/1.1 connection behind a TLS-terminating proxy (X-Forwarded-Proto: https)."""

    def __init__(
        self,
        base: str,
        cookies: dict[str, str] | None = None,
        recorder: Recorder | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = f"https://{self.host}:{self.port}"
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})  # sent with every request (an API token, say)
        self.recorder = recorder or Recorder()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(
        self,
        method: str,
        path: str,
        *,
        name: str,
        body: bytes | None = None,
        content_type: str = "",
        started: float | None = None,
    ) -> tuple[int, bytes]:
        """Send one request; record its latency from `started` (default: now) under `name`."""
        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "nl",
            **self.headers,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET":
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + "/"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if content_type:
            headers["Content-Type"] = content_type
        start = time.perf_counter() if started is None else started
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection between requests: reconnect once.
                self.conn.close()
                if attempt == 2:
                    raise
        self.recorder.latencies[name].append(time.perf_counter() - start)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data

    def get(self, path: str, *, name: str, started: float | None = None) -> tuple[int, bytes]:
        return self.request("GET", path, name=name, started=started)

    def post_json(self, path: str, payload: Any, *, name: str, started: float | None = None) -> tuple[int, bytes]:
        return self.request(
            "POST", path, name=name, body=json.dumps(payload).encode(), content_type="application/json", started=started
        )

    def post_form(self, path: str, fields: dict[str, str], *, name: str) -> tuple[int, bytes]:
        from urllib.parse import urlencode

        return self.request(
            "POST", path, name=name, body=urlencode(fields).encode(), content_type="application/x-www-form-urlencoded"
        )

    def expect(self, status: int, data: bytes, ok: tuple[int, ...], what: str) -> bytes:
        if status not in ok:
            raise HttpError(status, data, what)
        return data

    def close(self) -> None:
        self.conn.close()


def login(base: str, path: str, username: str, password: str) -> dict[str, str]:
    """Log in through a login form (CSRF token from the page) and return the session's cookies."""
    import re

    client = Client(base)
    status, page = client.get(path, name="login-page")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        raise HttpError(status, page, f"login page {path}")
    status, body = client.post_form(
        path,
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password},
        name="login",
    )
    if status != 302 or "sessionid" not in client.cookies:
        raise HttpError(status, body, f"login {username}")
    client.close()
    return client.cookies


# --- units of work ---

API = "/api/v1"


def unit_loan(client: Client, state: dict[str, Any], started: float | None = None) -> None:
    """A checkout and its check-in, as the desk does them (JSON API, staff session)."""
    barcode, person_id = state["pairs"][state["i"] % len(state["pairs"])]
    state["i"] += 1
    s, d = client.post_json(
        f"{API}/library/loans/checkout",
        {"copy_barcode": barcode, "person_id": person_id},
        name="checkout",
        started=started,
    )
    client.expect(s, d, (201,), f"checkout {barcode}")
    s, d = client.post_json(f"{API}/library/loans/checkin", {"copy_barcode": barcode}, name="checkin")
    client.expect(s, d, (200,), f"checkin {barcode}")


class SoldOut(Exception):
    pass


def _take_seats(
    client: Client, state: dict[str, Any], action: str, extra: dict[str, Any], started: float | None
) -> dict[str, Any]:
    """POST the show's `action` (hold, or the till's sale) for 1-4 seats (or `quantity`); the order it answers.

    Moves to single seats when a group no longer fits, and to the next show when told to.
    """
    shows: list[int] = state["shows"]
    quantity = state.get("quantity") or state["rng"].randint(1, state.get("max_quantity", 4))
    while True:
        show = shows[state.setdefault("show", 0) % len(shows)]
        s, d = client.post_json(
            f"{API}/boxoffice/shows/{show}/{action}", {"quantity": quantity, **extra}, name=action, started=started
        )
        if s == 409 and b"sold_out" in d:
            if quantity > 1:
                quantity = 1  # a few single seats may be left
                continue
            if state.get("next_show_when_sold_out") and state["show"] + 1 < len(shows):
                state["show"] += 1
                continue
            raise SoldOut()
        order: dict[str, Any] = json.loads(client.expect(s, d, (201,), f"{action} {show}"))
        return order


def unit_sale(client: Client, state: dict[str, Any], started: float | None = None) -> None:
    """A named ticket sale: hold the best seats, name the buyer, take cash (three requests)."""
    order = _take_seats(client, state, "hold", {}, started)
    token = order["token"]
    s, d = client.post_json(
        f"{API}/boxoffice/orders/{token}/checkout",
        {"buyer_name": "Bench Koper", "buyer_email": "koper@example.nl"},
        name="order-checkout",
    )
    client.expect(s, d, (200,), "order checkout")
    s, d = client.post_json(f"{API}/boxoffice/orders/{token}/pay", {"method": "cash"}, name="pay")
    paid = json.loads(client.expect(s, d, (200,), "pay"))
    if paid["status"] != "paid":
        raise HttpError(s, d, "pay: not paid")
    state["seats"] = state.get("seats", 0) + len(order["tickets"])


def unit_walkin(client: Client, state: dict[str, Any], started: float | None = None) -> None:
    """A walk-in sale at the till: the best seats held and paid in cash in one request, no buyer data."""
    order = _take_seats(client, state, "sale", {"method": "cash"}, started)
    if order["status"] != "paid":
        raise HttpError(201, json.dumps(order).encode(), "sale: not paid")
    state["seats"] = state.get("seats", 0) + len(order["tickets"])


def unit_peer_order(client: Client, state: dict[str, Any], started: float | None = None) -> None:
    """A paid order in a peer system through its own API (pretix: POST .../orders/ with status paid).

    `state` carries the path, the JSON body and the token header; a refusal for want of
    quota (HTTP 400 naming the quota) is the peer's sold out.
    """
    s, d = client.post_json(state["path"], state["body"], name="peer-order", started=started)
    if s == 400 and state.get("sold_out_marker", "quota").encode() in d:
        raise SoldOut()
    order = json.loads(client.expect(s, d, (201,), "peer order"))
    if order.get("status") != state.get("paid_status", "p"):
        raise HttpError(s, d, "peer order: not paid")
    state["seats"] = state.get("seats", 0) + len(order.get("positions", []))


def unit_access(client: Client, state: dict[str, Any], started: float | None = None) -> None:
    """The member downloads their access package (JSON)."""
    s, d = client.get(state["path"], name="access-package", started=started)
    client.expect(s, d, (200,), "access package")
    if not d.startswith(b"{"):
        raise HttpError(s, d, "access package is not JSON")


def unit_portal(client: Client, state: dict[str, Any], started: float | None = None) -> None:
    """One page of the member portal, in turn."""
    path = state["pages"][state["i"] % len(state["pages"])]
    state["i"] += 1
    s, d = client.get(path, name="portal-page", started=started)
    client.expect(s, d, (200,), f"portal {path}")


WORKLOADS: dict[str, Callable[[Client, dict[str, Any], float | None], None]] = {
    "loan": unit_loan,
    "sale": unit_sale,
    "walkin": unit_walkin,
    "access": unit_access,
    "portal": unit_portal,
    "peer-order": unit_peer_order,
}


# --- driving ---


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def summary(recorders: list[Recorder], elapsed: float) -> dict[str, Any]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    units = 0
    for rec in recorders:
        units += rec.units
        for name, values in rec.latencies.items():
            latencies[name].extend(values)
        for name, count in rec.errors.items():
            errors[name] += count
        samples.extend(rec.samples)
    every = [v for values in latencies.values() for v in values]
    return {
        "units": units,
        "elapsed_s": round(elapsed, 3),
        "units_per_s": round(units / elapsed, 1) if elapsed else 0.0,
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1) if elapsed else 0.0,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "error_samples": samples[:5],
        "latency_ms": {
            name: {
                "count": len(values),
                "p50": round(1000 * _percentile(values, 50), 1),
                "p90": round(1000 * _percentile(values, 90), 1),
                "p99": round(1000 * _percentile(values, 99), 1),
                "max": round(1000 * max(values), 1),
            }
            for name, values in sorted({**latencies, "all": every}.items())
            if values
        },
    }


def _run_unit(fn: Callable[..., None], client: Client, state: dict[str, Any], started: float | None) -> bool:
    """Run one unit; False when the workload is exhausted (sold out)."""
    try:
        fn(client, state, started)
    except SoldOut:
        return False
    except HttpError as exc:
        client.recorder.error(f"http-{exc.status}", str(exc))
        return True
    except (OSError, http.client.HTTPException) as exc:
        client.recorder.error(type(exc).__name__, repr(exc))
        client.conn.close()
        return True
    client.recorder.units += 1
    return True


def closed(
    base: str, workload: str, states: list[dict[str, Any]], duration: float, min_units: int = 0
) -> dict[str, Any]:
    """Each state is one client, looping until `duration` passes or its workload is exhausted.

    With `min_units` each client goes on past `duration` until it has done that many units
    (tried at most twice as many): a warm-up that reaches every web process, however slow
    its first requests are.
    """
    fn = WORKLOADS[workload]
    clients = [Client(base, s.get("cookies"), Recorder(), s.get("headers")) for s in states]
    for i, state in enumerate(states):
        state.setdefault("i", i)
        state["rng"] = random.Random(i)
    stop_at = time.perf_counter() + duration
    barrier = threading.Barrier(len(clients) + 1)
    ends: list[float] = []

    def loop(client: Client, state: dict[str, Any]) -> None:
        barrier.wait()
        tries = 0
        while time.perf_counter() < stop_at or (client.recorder.units < min_units and tries < 2 * min_units):
            tries += 1
            if not _run_unit(fn, client, state, None):
                state["sold_out"] = True
                break
        ends.append(time.perf_counter())
        client.close()

    threads = [threading.Thread(target=loop, args=(c, s), daemon=True) for c, s in zip(clients, states, strict=True)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    result = summary([c.recorder for c in clients], max(ends) - start)
    result["seats"] = sum(s.get("seats", 0) for s in states)
    result["sold_out"] = any(s.get("sold_out") for s in states)
    result["duration_s"] = duration
    return result


def paced(
    base: str, workload: str, states: list[dict[str, Any]], rate: float, duration: float, warmup: float = 2.0
) -> dict[str, Any]:
    """Start `rate` units per second for `duration` (after `warmup`), on len(states) client threads.

    A unit's first request counts from when the unit was due. Units that could
    not start on time because every thread was busy still count from their due time.
    """
    fn = WORKLOADS[workload]
    due: queue.Queue[float | None] = queue.Queue()
    clients = [Client(base, s.get("cookies"), Recorder(), s.get("headers")) for s in states]
    warm = Recorder()  # what happens during the warm-up is not counted
    for i, state in enumerate(states):
        state.setdefault("i", i)
        state["rng"] = random.Random(i)
    measured = [c.recorder for c in clients]
    interval = 1.0 / rate
    begin = time.perf_counter() + 0.05
    start = begin + warmup

    def loop(index: int) -> None:
        client = clients[index]
        while True:
            at = due.get()
            if at is None:
                break
            client.recorder = measured[index] if at >= start else warm
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            _run_unit(fn, client, states[index], at)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(len(states))]
    for t in threads:
        t.start()
    total = int((warmup + duration) * rate)
    for n in range(total):
        at = begin + n * interval
        wait = at - time.perf_counter() - 0.005
        if wait > 0:
            time.sleep(wait)
        due.put(at)
    for _ in threads:
        due.put(None)
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    result = summary(measured, duration)
    result["rate_target"] = rate
    return result


def mixed(base: str, streams: list[dict[str, Any]], duration: float) -> dict[str, Any]:
    """Several paced streams at once (the soak): {"workload", "states", "rate"} each."""
    results: dict[str, Any] = {}

    def one(stream: dict[str, Any]) -> None:
        results[stream["name"]] = paced(base, stream["workload"], stream["states"], stream["rate"], duration, 0.0)

    threads = [threading.Thread(target=one, args=(s,), daemon=True) for s in streams]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """Entry point for a separate process: spec = {"mode": closed|paced|mixed, ...}."""
    mode = spec["mode"]
    if mode == "closed":
        return closed(spec["base"], spec["workload"], spec["states"], spec["duration"], spec.get("min_units", 0))
    if mode == "paced":
        return paced(spec["base"], spec["workload"], spec["states"], spec["rate"], spec["duration"], spec["warmup"])
    if mode == "mixed":
        return mixed(spec["base"], spec["streams"], spec["duration"])
    raise ValueError(f"unknown mode {mode}")


def chunk(items: list[Any], n: int) -> list[list[Any]]:
    """Deal `items` round-robin to `n` hands."""
    hands: list[list[Any]] = [[] for _ in range(n)]
    for item, hand in zip(items, itertools.cycle(range(n)), strict=False):
        hands[hand].append(item)
    return hands
