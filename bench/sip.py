"""The kiosk scenario's load generator: N kiosks, each a SIP2 session over its own TCP connection.

Like load.py it imports nothing of kolk or Django (it runs in a process of its
own), and it writes SIP2 by hand, as a kiosk's firmware would. Each kiosk signs
in (93), then loops: patron information with pass and PIN (63), checkout (11),
checkin (09) of the next of its own copies: first as fast as the server answers
(capacity), then paced at a kiosk's pace (p99 at that rate, counted from when
each loan was due, so a slow server cannot hide its queue). A unit is one loan (the three
messages). The first patron information of a session comes before the measured
loop and is timed apart: that is where the PIN is hashed (Argon2), all forty
kiosks at the same moment; after it the session knows the member.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from load import Recorder, summary

DATE = "20261205    101500"


def checksum(data: bytes) -> str:
    return f"{(-sum(data)) & 0xFFFF:04X}"


def message(code: str, fixed: str, fields: list[tuple[str, str]], seq: int) -> bytes:
    text = code + fixed + "".join(f"{k}{v}|" for k, v in fields) + f"AY{seq % 10}AZ"
    data = text.encode()
    return data + checksum(data).encode() + b"\r"


class Kiosk:
    """One SIP2 connection: send a message, read the answer's line, time it."""

    def __init__(self, port: int, recorder: Recorder) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buffer = b""
        self.seq = 0
        self.recorder = recorder

    def ask(
        self, name: str, code: str, fixed: str, fields: list[tuple[str, str]], started: float | None = None
    ) -> bytes:
        """Send one message and read its answer; its latency counts from `started` (default: now)."""
        self.seq += 1
        start = time.perf_counter() if started is None else started
        self.sock.sendall(message(code, fixed, fields, self.seq))
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r")
        self.recorder.latencies[name].append(time.perf_counter() - start)
        return line

    def close(self) -> None:
        self.sock.close()


def kiosk_loop(
    port: int,
    state: dict[str, Any],
    phases: list[dict[str, Any]],
    barrier: threading.Barrier,
    recs: list[Recorder],
    index: int,
) -> None:
    """Sign in, prove the member, then for each phase lend and take back the kiosk's copies until it ends.

    A phase with a `rate` (loans/s of all kiosks together) is paced: this kiosk starts a loan every
    len(kiosks)/rate seconds, and a loan that starts late counts its first message from when it was due.
    """
    kiosk = Kiosk(port, recs[0])
    try:
        answer = kiosk.ask("login", "93", "00", [("CN", state["name"]), ("CO", state["password"])])
        if not answer.startswith(b"941"):
            recs[0].error("login", answer.decode(errors="replace"))
            return
        patron = [("AO", "DNK"), ("AA", state["pass"]), ("AD", state["pin"])]
        # The member's first patron information: their PIN is hashed (Argon2). Timed apart, before the loop.
        info = kiosk.ask("patron-info-first", "63", "000" + DATE + "  Y       ", patron)
        if b"|CQY|" not in info:
            recs[0].error("patron-info-first", info.decode(errors="replace"))
        i = 0
        for phase, rec in zip(phases, recs[1:], strict=True):
            barrier.wait()
            phase["go"].wait()
            kiosk.recorder = rec
            interval = phase["kiosks"] / phase["rate"] if phase.get("rate") else 0.0
            due = phase["start"] + interval * index / phase["kiosks"]
            while time.perf_counter() < phase["end"]:
                started = None
                if interval:
                    wait = due - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                    started, due = due, due + interval
                    if started >= phase["end"]:
                        break
                barcode = state["barcodes"][i % len(state["barcodes"])]
                i += 1
                info = kiosk.ask("patron-info", "63", "000" + DATE + "  Y       ", patron, started=started)
                if b"|CQY|" not in info:
                    rec.error("patron-info", info.decode(errors="replace"))
                    continue
                out = kiosk.ask("checkout", "11", "NN" + DATE + " " * 18, [*patron, ("AB", barcode)])
                if not out.startswith(b"121"):
                    rec.error("checkout", out.decode(errors="replace"))
                    continue
                back = kiosk.ask("checkin", "09", "N" + DATE + DATE, [("AO", "DNK"), ("AB", barcode)])
                if not back.startswith(b"101"):
                    rec.error("checkin", back.decode(errors="replace"))
                    continue
                rec.units += 1
    except (OSError, threading.BrokenBarrierError) as exc:
        recs[0].error(type(exc).__name__, repr(exc))
    finally:
        kiosk.close()


def run_kiosks(spec: dict[str, Any]) -> dict[str, Any]:
    """Entry point for a separate process.

    spec = {"port", "kiosks": [{name, password, pass, pin, barcodes}], "phases": [{"name", "duration",
    "rate" (optional)}]}. Returns, per phase, load.summary's figures over that phase, and the time the
    first patron information (the PIN hashed) took.
    """
    kiosks = spec["kiosks"]
    n = len(kiosks)
    phases = [{**p, "kiosks": n, "start": 0.0, "end": 0.0, "go": threading.Event()} for p in spec["phases"]]
    recorders = [[Recorder() for _ in range(len(phases) + 1)] for _ in kiosks]
    barrier = threading.Barrier(n + 1)
    threads = [
        threading.Thread(
            target=kiosk_loop, args=(spec["port"], kiosks[i], phases, barrier, recorders[i], i), daemon=True
        )
        for i in range(n)
    ]
    for t in threads:
        t.start()
    results: dict[str, Any] = {}
    for number, phase in enumerate(phases, start=1):
        # Every kiosk is signed in (and done with the phase before) when the barrier opens.
        barrier.wait(timeout=600)
        phase["start"] = time.perf_counter() + 0.1
        phase["end"] = phase["start"] + phase["duration"]
        phase["go"].set()
        time.sleep(max(0.0, phase["end"] - time.perf_counter()))
        results[phase["name"]] = number
    for t in threads:
        t.join()
    first = sorted(v for recs in recorders for v in recs[0].latencies.get("patron-info-first", []))
    out: dict[str, Any] = {
        "kiosks": n,
        "pin_hashed_ms": {
            "count": len(first),
            "p50": round(1000 * first[len(first) // 2], 1) if first else 0.0,
            "max": round(1000 * first[-1], 1) if first else 0.0,
        },
        "signin_errors": sum(sum(recs[0].errors.values()) for recs in recorders),
    }
    for phase, number in ((p, results[p["name"]]) for p in phases):
        result = summary([recs[number] for recs in recorders], phase["duration"])
        if phase.get("rate"):
            result["rate_target"] = phase["rate"]
        out[phase["name"]] = result
    return out
