"""Peers run by the tests on loopback: a `http.server` in a thread, answering what each test
says (a well-behaved Maillage feed, or something hostile), and recording every request."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class FakePeer:
    """A server on 127.0.0.1; `routes` maps a path to a handler, `requests` lists what came."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakePeer:
        peer = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                peer.requests.append((self.command, self.path, dict(self.headers), body))
                handler = peer.routes.get(urlsplit(self.path).path)
                if handler is None:
                    send_json(self, {"detail": "not found"}, status=404)
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    handler(self)

            do_GET = _handle  # noqa: N815 - the name http.server calls
            do_POST = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def send_json(handler: BaseHTTPRequestHandler, data: Any, *, status: int = 200, headers=None):
    body = json.dumps(data).encode() if not isinstance(data, bytes) else data
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def identity_route(instance_uuid: uuid_module.UUID | str, name: str = "Pair") -> Handler:
    def route(handler):
        send_json(handler, {"uuid": str(instance_uuid), "name": name, "software": "maillage"})

    return route


def record(**overrides) -> dict[str, Any]:
    """A peer's place record, as `expand=place` gives it."""
    data = {
        "uuid": str(uuid_module.uuid4()),
        "name": "Tiers-lieu de la pair",
        "kinds": ["coworking"],
        "status": "open",
        "description": "",
        "address": "",
        "postal_code": "",
        "city": "Pau",
        "insee_code": "",
        "latitude": 43.30,
        "longitude": -0.37,
        "opening_hours": "",
        "website": "",
        "email": "",
        "phone": "",
        "siret": "",
        "legal_form": "",
        "services": [],
        "equipment": [],
        "wheelchair": "",
        "acceslibre_url": "",
        "surface_m2": None,
        "capacity": None,
        "updated_at": datetime.now(UTC).isoformat(),
    }
    data.update(overrides)
    return data


def change(place: dict | None, *, kind: str = "created", uuid: str | None = None) -> dict:
    return {
        "uuid": uuid or place["uuid"],
        "change": kind,
        "at": datetime.now(UTC).isoformat(),
        "source": "",
        "source_id": "",
        "id": None,
        "slug": None,
        "url": None,
        "place": place,
    }


class Feed:
    """A changes feed served in pages of `page_size`, with cursors and ETags like Maillage's."""

    def __init__(self, page_size: int = 1000, *, resume_cursors: bool = True) -> None:
        self.entries: list[dict] = []
        self.page_size = page_size
        # Maillage's feed gives a resume cursor; a peer without one is read differently.
        self.resume_cursors = resume_cursors

    def route(self, handler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        start = int(query.get("cursor", ["0"])[0] or 0)
        limit = min(int(query.get("limit", ["100"])[0]), self.page_size)
        page = self.entries[start : start + limit]
        more = start + limit < len(self.entries)
        etag = f'"{start}-{limit}-{len(self.entries)}"'
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = {"items": page, "next_cursor": str(start + limit) if more else None}
        if self.resume_cursors and page:
            body["resume_cursor"] = str(start + len(page))
        send_json(handler, body, headers={"ETag": etag})


def drip(handler, *, body: bytes = b'{"items": []}', delay_s: float = 0.2, headers_too=False):
    """Answer one byte at a time, `delay_s` apart (the headers too with `headers_too`)."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body) * 1000}\r\n\r\n".encode()
    )
    if not headers_too:
        handler.wfile.write(head)
        head = b""
    for byte in head + body * 1000:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(delay_s)
