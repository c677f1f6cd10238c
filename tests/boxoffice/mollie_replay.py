"""Replay recorded Mollie API responses through a requests transport adapter: no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

RECORDED = Path(__file__).parent / "recorded"


class MollieReplay(BaseAdapter):
    """Answers (method, path) with a recorded JSON file; remembers every request it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.requests: list[requests.PreparedRequest] = []

    def answer(self, method: str, path: str, recording: str, *, status: int = 200, **changes: Any) -> None:
        body = json.loads((RECORDED / recording).read_text())
        body.update(changes)
        self.routes[(method, path)] = (status, body)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        path = requests.utils.urlparse(request.url).path
        status, body = self.routes.get((request.method or "", path), (404, {"status": 404, "title": "Not Found"}))
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/hal+json"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://", self)
        return session
