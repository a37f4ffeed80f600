"""The club's members and their consents as CSV, for a spreadsheet.

Safe against formula injection: a cell that a spreadsheet would read as a formula (it starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, as OWASP
advises, so a member who joins as ``=HYPERLINK(...)`` stays text. Written row by row, so a
large club never sits in memory as one list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from memberclub.members import Member

# Above this many members the CSV is written by an export job (a Lambda answer is 6 MB at most).
DIRECT_LIMIT = 10_000
COLUMNS = ("member_id", "card_code", "status", "email", "phone", "birthday", "locale", "source", "joined_at",
           "confirmed_at", "stamps", "points", "tier", "visits", "last_purchase_at",
           "consent_email", "consent_sms", "consent_profiling")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ClubMembers(Protocol):
    def club_members(self, club_id: str) -> Iterator[Member]:
        """Every member of the club, in the order they joined (an index, never a scan)."""
        ...


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def member_row(member: Member) -> list[str]:
    consents = member.consent_flags()
    values = (member.member_id, member.card_code, member.status, member.email, member.phone, member.birthday,
              member.locale, member.source, member.created_at, member.confirmed_at, member.stamps, member.points,
              member.tier, member.visits, member.last_purchase_at,
              consents["email"], consents["sms"], consents["profiling"])
    return [safe_cell(value) for value in values]


def csv_lines(members: Iterable[Member]) -> Iterator[str]:
    """The CSV, a header and a line per member (UTF-8 with a BOM, so spreadsheets read æøå)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for member in members:
        writer.writerow(member_row(member))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
