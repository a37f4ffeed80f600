"""The members' CSV of a club too large to answer directly (over ``DIRECT_LIMIT`` members: a
Lambda answer holds 6 MB, and the HTTP API waits 30 s).

The owner's request asks for an export once (a record and a ``MembersExportRequested`` event
in one transaction); the exports function writes the CSV to the exports bucket, streaming, and
marks the record ready. While it works, the request answers 202 (try again shortly); once the
file is there, 303 to a link that works for ``LINK_SECONDS``. A file is handed out again for
``FRESH_FOR``; after that, or when a job has not finished within ``PATIENCE``, a new one is
asked for. The bucket deletes files after a day.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from memberclub import clock
from memberclub.club import Club
from memberclub.events import MembersExportRequested
from memberclub.owner.members_csv import ClubMembers, csv_lines

LINK_SECONDS = 300
FRESH_FOR = timedelta(hours=1)
PATIENCE = timedelta(minutes=15)
RETRY_AFTER_SECONDS = 20


@dataclass(frozen=True)
class ExportRecord:
    export_id: str
    requested_at: str
    ready_at: str | None = None


class ExportBook(Protocol):
    """The club's latest export (``storage.exports.ExportStore``)."""

    def latest_export(self, club_id: str) -> ExportRecord | None: ...

    def request_export(self, club_id: str, record: ExportRecord, event: MembersExportRequested,
                       now: datetime) -> None:
        """The record and its event (the outbox), in one write."""
        ...

    def mark_ready(self, club_id: str, export_id: str, at: str) -> None: ...


class ExportFiles(Protocol):
    """Where export files are written and handed out (``storage.exports.ExportFiles``)."""

    def write(self, club_id: str, export_id: str, chunks: Iterable[str]) -> None: ...

    def link(self, club_id: str, export_id: str, seconds: int) -> str: ...


@dataclass(frozen=True)
class ExportState:
    link: str | None  # the file's short-lived link once it is written
    retry_after: int = RETRY_AFTER_SECONDS


def large_members_export(book: ExportBook, files: ExportFiles, club: Club, now: datetime) -> ExportState:
    """The link to a fresh export of the club's members, or: one is being written."""
    record = book.latest_export(club.club_id)
    if record is not None and record.ready_at and now - clock.parse_iso(record.ready_at) < FRESH_FOR:
        return ExportState(files.link(club.club_id, record.export_id, LINK_SECONDS))
    if record is not None and not record.ready_at and now - clock.parse_iso(record.requested_at) < PATIENCE:
        return ExportState(None)
    export_id = uuid.uuid4().hex
    at = clock.iso(now)
    event = MembersExportRequested(club_id=club.club_id, idempotency_key=f"export#{export_id}", occurred_at=at,
                                   export_id=export_id)
    book.request_export(club.club_id, ExportRecord(export_id, at), event, now)
    return ExportState(None)


def write_members_export(members: ClubMembers, files: ExportFiles, book: ExportBook,
                         request: MembersExportRequested) -> None:
    """The exports function's work: the CSV, streamed to its file, then the record is ready.
    Running it twice writes the same file again (harmless)."""
    files.write(request.club_id, request.export_id, csv_lines(members.club_members(request.club_id)))
    book.mark_ready(request.club_id, request.export_id, clock.iso(clock.now()))
