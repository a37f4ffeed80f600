"""Helpers of the end-to-end tier: a client of the running local stack with the waits a test
needs, and readers for the links, tokens and errors it answers with."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

TOKEN = r"[A-Za-z0-9_-]+"
URL = re.compile(r"https?://[^\s<>\"']+")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def links(text: str | None) -> list[str]:
    """Every http(s) URL in a message's text or HTML, in order."""
    return [url.rstrip(".,;)") for url in URL.findall(text or "")]


def link_to(text: str | None, prefix: str) -> str:
    """The first link whose path starts with ``prefix`` (e.g. ``/confirm/``)."""
    found = [url for url in links(text) if urlsplit(url).path.startswith(prefix)]
    assert found, f"no {prefix} link in {text!r}"
    return found[0]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def token_of(url: str) -> str:
    """The token at the end of ``/confirm/<token>``, ``/card/<token>``, ``/unsubscribe/<token>``."""
    token = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    assert re.fullmatch(TOKEN, token), f"token {token!r} uses characters outside [A-Za-z0-9_-]"
    return token


def tampered(token: str) -> str:
    """The same token with one character of its signature changed."""
    position = len(token) - 5
    return token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]


def card_link_of_confirmation(response: httpx.Response) -> str:
    """The card path a confirmation answer leads to: a 303 to it, or a 200 page linking it."""
    if response.status_code == 303:
        location = response.headers["location"]
        assert urlsplit(location).path.startswith("/card/"), location
        return urlsplit(location).path
    assert response.status_code == 200, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    found = re.findall(rf'href="(?:https?://[^"/]+)?(/card/{TOKEN})"', response.text)
    assert found, f"the confirmation page links no card: {response.text[:2000]}"
    return found[0]


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """A JSON error of docs/api.md: ``{"error", "message", "fields"?}``."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert set(body) <= {"error", "message", "fields"}, body
    if code is not None:
        assert body["error"] == code, body
    return body


@dataclass
class Member:
    """A member who joined and confirmed, with what the messages gave them."""

    club: str
    contact: str
    confirm_url: str
    card_path: str
    welcome: dict[str, Any]

    @property
    def token(self) -> str:
        return token_of(self.card_path)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Stack:
    """A client of the running local stack with the waits a test needs."""

    def __init__(self, base_url: str, log: Path, token_key: str = ""):
        self.base_url = base_url
        self.log = log
        self.token_key = token_key
        self.http = httpx.Client(base_url=base_url, timeout=30.0, follow_redirects=False)
        self._phones: set[str] = set()
        # Joins come from addresses of their own (127.0.0.2–254, in turn): the club's limits per
        # source address would otherwise count the whole session as one very busy visitor.
        self._sources: dict[str, httpx.Client] = {}
        self._next_source = 0

    def close(self) -> None:
        self.http.close()
        for client in self._sources.values():
            client.close()

    def from_address(self, address: str) -> httpx.Client:
        """A client whose requests come from ``address`` (any 127.x.y.z reaches the stack)."""
        if address not in self._sources:
            self._sources[address] = httpx.Client(
                base_url=self.base_url, timeout=30.0, follow_redirects=False,
                transport=httpx.HTTPTransport(local_address=address))
        return self._sources[address]

    def fresh_address(self) -> str:
        self._next_source = self._next_source % 253 + 1
        return f"127.0.0.{self._next_source + 1}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # unique contacts and clubs: the stack is shared by the whole session
    @staticmethod
    def new_email(prefix: str = "e2e") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"

    def new_phone(self) -> str:
        """A Norwegian mobile number never used before in this session, national form (8 digits)."""
        while True:
            national = "9" + f"{uuid.uuid4().int % 10_000_000:07d}"
            if national not in self._phones:
                self._phones.add(national)
                return national

    def new_club(self, **fields: Any) -> dict[str, Any]:
        body = {"club_id": f"e2e-{uuid.uuid4().hex[:10]}", "name": "E2E Kafé"} | fields
        response = self.http.post("/_local/clubs", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    # the outbox
    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        response = self.http.get("/_local/outbox", params={"to": to} if to else None)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def messages(self, to: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.outbox(to) if kind is None or m["kind"] == kind]

    def wait_for_message(self, to: str, kind: str, timeout: float = 10.0, count: int = 1) -> dict[str, Any]:
        """The ``count``-th message of ``kind`` to ``to``, once it is in the outbox."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to, kind)
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {kind!r} message #{count} to {to} within {timeout} s; outbox for {to}: "
                    f"{[m['kind'] for m in self.outbox(to)]}; pending events: "
                    f"{[e for e in self.events() if e['state'] == 'pending']}"
                )
            time.sleep(0.05)

    # events
    def events(self) -> list[dict[str, Any]]:
        response = self.http.get("/_local/events")
        assert response.status_code == 200, response.text
        return response.json()["events"]

    def wait_for_events_idle(self, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait until no delivery is pending (retries included); returns the events."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            pending = [e for e in events if e["state"] == "pending"]
            if not pending:
                return events
            if time.monotonic() > deadline:
                raise AssertionError(f"events still pending after {timeout} s: {pending}")
            time.sleep(0.05)

    # the steps of joining
    def join(self, club: str = "demo", *, source_ip: str | None = None, **body: Any) -> httpx.Response:
        """Join by the API, from ``source_ip`` (by default an address no other join used lately)."""
        return self.from_address(source_ip or self.fresh_address()).post(f"/clubs/{club}/members", json=body)

    def confirmation_link(self, to: str, count: int = 1) -> str:
        return link_to(self.wait_for_message(to, "confirmation", count=count)["text"], "/confirm/")

    def new_member(self, club: str = "demo", *, email: str | None = None, phone: str | None = None,
                   consents: dict[str, bool] | None = None, **extra: Any) -> Member:
        """Join, confirm by the link in the outbox, and wait for the welcome message."""
        if phone is None:
            email = email or self.new_email()
        body: dict[str, Any] = {"consents": consents if consents is not None else {"email": True}} | extra
        if email:
            body["email"] = email
        if phone:
            body["phone"] = phone
        response = self.join(club, **body)
        assert response.status_code == 202, response.text
        contact = email or phone
        assert contact
        confirm_url = self.confirmation_link(contact)
        confirmed = self.http.get(path_of(confirm_url))
        card_path = card_link_of_confirmation(confirmed)
        welcome = self.wait_for_message(contact, "welcome")
        return Member(club, contact, confirm_url, card_path, welcome)

    def unsubscribe_path(self, member: Member, channel: str = "email") -> str:
        """The one-click unsubscribe link a marketing message to ``member`` carries, made as the
        messages function makes it (no marketing message goes out before the scheduled jobs)."""
        from memberclub.tokens import issue_token

        kind = "unsubscribe-email" if channel == "email" else "unsubscribe-sms"
        token = issue_token(self.token_key.encode(), kind, member.club, self.me(member)["member_id"])  # type: ignore[arg-type]
        return f"/unsubscribe/{token}"

    def me(self, member: Member) -> dict[str, Any]:
        response = self.http.get("/api/me", headers=member.auth)
        assert response.status_code == 200, response.text
        return response.json()

    # the local controls
    def set_clock(self, now: datetime | str | None) -> httpx.Response:
        value = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(now, datetime) else now
        return self.http.post("/_local/clock", json={"now": value})

    def set_fault(self, service: str, failing: bool) -> None:
        response = self.http.post("/_local/faults", json={"service": service, "failing": failing})
        assert response.status_code == 200, response.text
