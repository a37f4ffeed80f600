"""``make bench``, the owner's members CSV at a real club's size: memory while it streams."""

from __future__ import annotations

from typing import Any


def members_export_memory(members: int = 100_000) -> dict[str, float]:
    """The exports function's CSV of a 100,000-member club, written to a stand-in for S3 that
    keeps only sizes: the peak of Python memory while it streams (tracemalloc)."""
    import tracemalloc

    from memberclub.members import Member
    from memberclub.owner.members_csv import csv_lines
    from memberclub.storage.exports import ExportFiles

    class CountingS3:
        def __init__(self) -> None:
            self.parts: list[int] = []

        def create_multipart_upload(self, **_: Any) -> dict[str, str]:
            return {"UploadId": "u"}

        def upload_part(self, Body: bytes, **_: Any) -> dict[str, str]:  # noqa: N803 (boto3's names)
            self.parts.append(len(Body))
            return {"ETag": str(len(self.parts))}

        def complete_multipart_upload(self, **_: Any) -> None:
            pass

    def club_members() -> Any:
        for n in range(members):
            yield Member(club_id="big", member_id=f"m{n:08d}", status="active", email=f"member{n}@example.no",
                         phone=f"+479{n:07d}", card_code=f"CARD{n:06d}", created_at="2026-01-01T00:00:00Z",
                         consents={"email": True, "sms": n % 2 == 0, "profiling": n % 3 == 0}, stamps=n % 10,
                         points=n % 1000)

    s3 = CountingS3()
    tracemalloc.start()
    ExportFiles(s3, "bench").write("big", "bench", csv_lines(club_members()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"members": members, "megabytes": round(sum(s3.parts) / 1e6, 1), "parts": len(s3.parts),
            "peak_mb": round(peak / 1e6, 1)}
