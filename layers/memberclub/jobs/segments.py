"""The monthly key-customer figures (``loyalty.segments``): the first expiry run of each
month in the club's zone reads the club's members through the ``club_members`` index (keys
only, then the profiles 100 at a time: memory holds a page and two numbers a member, never
the profiles) and stores one snapshot item the dashboard reads. Later runs that month find
the snapshot and read nothing more; a missed first day is made up on the next two days."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from memberclub.club import Club
from memberclub.jobs.services import JobServices
from memberclub.loyalty.segments import member_point, segment_snapshot

# The month's first run does it; the next two days' runs make up for a missed one. After that
# the month waits for the next (the dashboard says when the figures are from).
CATCH_UP_DAYS = 3


def segment_members(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    month = day.strftime("%Y-%m")
    store = services.store
    if day.day > CATCH_UP_DAYS or store.segments_month(club.club_id) == month:
        return Counter()
    points = [point for member in store.club_members(club.club_id)
              if (point := member_point(club, member, scheduled)) is not None]
    store.save_segments(club.club_id, segment_snapshot(club, points, month, scheduled))
    return Counter({"segmented": len(points)}) if points else Counter()
