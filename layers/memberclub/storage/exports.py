"""Exports of a club's members: the latest export's record (the table) and its file (the
exports bucket, S3).

The file is written as an S3 multipart upload of ``PART_BYTES`` parts, so a 100,000-member
club's CSV never sits in memory whole; a small one is one PutObject.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from memberclub.events import MembersExportRequested
from memberclub.owner.exports import ExportRecord
from memberclub.storage import keys
from memberclub.storage.outbox import outbox_puts
from memberclub.storage.table import ConditionFailed, Table, put

PART_BYTES = 8 * 1024 * 1024  # S3 wants at least 5 MiB for every part but the last


class ExportStore:
    def __init__(self, table: Table):
        self.table = table

    def latest_export(self, club_id: str) -> ExportRecord | None:
        item = self.table.get(keys.members_export(club_id), consistent=True)
        if item is None:
            return None
        return ExportRecord(item["export_id"], item["requested_at"], item.get("ready_at"))

    def request_export(self, club_id: str, record: ExportRecord, event: MembersExportRequested,
                       now: datetime) -> None:
        self.table.transact([
            put(keys.members_export(club_id) | {"export_id": record.export_id, "requested_at": record.requested_at}),
            *outbox_puts(club_id, f"export#{record.export_id}", [event], now),
        ])

    def mark_ready(self, club_id: str, export_id: str, at: str) -> None:
        """Ready, unless a newer export was asked for meanwhile (that one stays waiting)."""
        with contextlib.suppress(ConditionFailed):
            self.table.update(keys.members_export(club_id), "SET ready_at = :at", condition="export_id = :id",
                              values={":at": at, ":id": export_id})


def export_key(club_id: str, export_id: str) -> str:
    return f"members/{club_id}/{export_id}.csv"


class ExportFiles:
    def __init__(self, s3: Any, bucket: str):
        self.s3 = s3
        self.bucket = bucket

    def write(self, club_id: str, export_id: str, chunks: Iterable[str]) -> None:
        key = export_key(club_id, export_id)
        buffer = io.BytesIO()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            for chunk in chunks:
                buffer.write(chunk.encode())
                if buffer.tell() >= PART_BYTES:
                    if upload_id is None:
                        upload_id = self.s3.create_multipart_upload(
                            Bucket=self.bucket, Key=key, ContentType="text/csv; charset=utf-8")["UploadId"]
                    parts.append(self._part(key, upload_id, len(parts) + 1, buffer.getvalue()))
                    buffer = io.BytesIO()
            if upload_id is None:
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=buffer.getvalue(),
                                   ContentType="text/csv; charset=utf-8")
                return
            if buffer.tell():
                parts.append(self._part(key, upload_id, len(parts) + 1, buffer.getvalue()))
            self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                              MultipartUpload={"Parts": parts})
        except Exception:
            if upload_id is not None:  # no half-written parts left to pay for
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    def _part(self, key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        answer = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)
        return {"ETag": answer["ETag"], "PartNumber": number}

    def link(self, club_id: str, export_id: str, seconds: int) -> str:
        return self.s3.generate_presigned_url("get_object", ExpiresIn=seconds, Params={
            "Bucket": self.bucket, "Key": export_key(club_id, export_id),
            "ResponseContentDisposition": f'attachment; filename="{club_id}-members.csv"',
            "ResponseContentType": "text/csv; charset=utf-8"})
