"""Racing buyers for the PostgreSQL tests: jobs run from many threads at once, each with its own connection."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable

from django.db import connection

from kolk.core.errors import KolkError

THREADS = 16


def in_parallel(jobs: list[Callable[[], str]], *, threads: int = THREADS) -> Counter[str]:
    """Run the jobs from `threads` threads, each with its own connection, released together; count the answers
    (a refusal counts as its code). The threads take the next job as they finish one, so no thread waits for
    a batch that never fills."""
    go, queue, answers = threading.Event(), deque(enumerate(jobs)), [""] * len(jobs)

    def work() -> None:
        go.wait(timeout=30)
        try:
            while True:
                try:
                    n, job = queue.popleft()
                except IndexError:
                    return
                try:
                    answers[n] = job()
                except KolkError as exc:
                    answers[n] = exc.code or "refused"
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _i in range(min(threads, len(jobs)))]
    for worker in workers:
        worker.start()
    go.set()
    for worker in workers:
        worker.join()
    return Counter(answers)
