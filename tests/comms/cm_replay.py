"""Replay recorded CM.com Business Messaging answers through a requests transport adapter: no network.

Each answer is used once, in order (the last one stays), so a test can script
"503, then accepted". A recorded answer's REFERENCE is replaced by the
reference of the request it answers, as CM.com echoes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import requests
from requests.adapters import BaseAdapter

RECORDED = Path(__file__).parent / "recorded"


class CmReplay(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[int, str]] = []
        self.requests: list[requests.PreparedRequest] = []

    def answer(self, recording: str, *, status: int = 200) -> CmReplay:
        self.answers.append((status, (RECORDED / recording).read_text()))
        return self

    def bodies(self) -> list[dict]:
        return [json.loads(r.body or b"{}") for r in self.requests]

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.requests.append(request)
        assert request.url == "https://gw.messaging.cm.com/v1.0/message", request.url
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        sent = json.loads(request.body or b"{}")
        reference = sent["messages"]["msg"][0]["reference"]
        response = requests.Response()
        response.status_code = status
        response._content = body.replace("REFERENCE", reference).encode()
        is_json = body.lstrip().startswith("{")
        response.headers["Content-Type"] = "application/json" if is_json else "text/html"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://", self)
        return session
