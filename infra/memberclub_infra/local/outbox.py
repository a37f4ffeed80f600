"""The local outbox: every e-mail and SMS the functions send, kept instead of delivered."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from memberclub import clock


class Outbox:
    def __init__(self) -> None:
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add_email(self, to: str, subject: str, text: str, html: str, headers: dict[str, str], kind: str) -> str:
        return self._add({"channel": "email", "to": to.strip().lower(), "subject": subject, "text": text,
                          "html": html, "headers": headers, "kind": kind})

    def add_sms(self, to: str, text: str, kind: str) -> str:
        return self._add({"channel": "sms", "to": to, "subject": None, "text": text, "html": None,
                          "headers": None, "kind": kind})

    def _add(self, message: dict[str, Any]) -> str:
        message_id = uuid.uuid4().hex
        with self._lock:
            self._messages.append({"id": message_id, **message, "sent_at": clock.iso(clock.now())})
        return message_id

    def messages(self, to: str | set[str] | None = None) -> list[dict[str, Any]]:
        wanted = {to} if isinstance(to, str) else to
        with self._lock:
            return [dict(m) for m in self._messages if wanted is None or m["to"] in wanted]
