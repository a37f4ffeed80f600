"""exports: writes a large club's members CSV to the exports bucket (an EventBridge target of
``MembersExportRequested``, which the owner function publishes when a club is too large to
answer directly).

A doorway: the envelope is parsed and handed to ``memberclub.owner.exports``. Any failure
raises, so the event is retried and in the end parked in the rule's dead-letter queue; a
second run writes the same file again.
"""

from __future__ import annotations

from typing import Any

from memberclub import wiring
from memberclub.errors import Invalid
from memberclub.events import EventEnvelope, MembersExportRequested, parse_detail
from memberclub.observability import EVENTBRIDGE_CORRELATION, lambda_entry
from memberclub.owner.exports import write_members_export

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.members, wiring.export_files, wiring.exports_book)


@lambda_entry(EVENTBRIDGE_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    envelope = EventEnvelope.parse(event)
    request = parse_detail(envelope.detail_type, envelope.detail)
    if not isinstance(request, MembersExportRequested):
        raise Invalid(f"The exports function does not handle {envelope.detail_type}.")
    write_members_export(wiring.members(), wiring.export_files(), wiring.exports_book(), request)
    return {"status": "written", "club_id": request.club_id, "export_id": request.export_id}
