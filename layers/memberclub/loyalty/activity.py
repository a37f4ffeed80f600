"""A member's activity as the owner's figures count it (docs/kpis.md), planned purely.

A member is *active* while their last purchase or redemption is at most N days old, N being
the club's ``activity.inactive_after_days`` (90 by default; the expiry job's lapsed marking
uses the same). Each stretch of activity is a *spell*: it starts with a purchase or
redemption after none for N days and ends N days after the last one. The counters say, per month, how
many spells started (``active_started``) and how many end (``active_ended``, counted in the
month the spell runs out, which may lie ahead: a later purchase moves it on). So the active
members of a month and the churned are sums of counters, read without touching a member.

Buyers of a month are counted once each (``buyers``), and those of them who had bought
before (``repeat_buyers``), from the visits the member's profile keeps per month.
"""

from __future__ import annotations

from datetime import timedelta

from memberclub.clock import parse_iso
from memberclub.club import Club
from memberclub.members import Member


def active_days(club: Club) -> int:
    return club.settings.activity.inactive_after_days

MonthlyCounters = dict[str, dict[str, int]]


def activity_moves(club: Club, previous: str | None, at: str) -> MonthlyCounters:
    """The counters a purchase or redemption at ``at`` moves, for a member last active at
    ``previous`` (None: never). An event older than the last one moves nothing (the spell
    already reaches past it)."""
    moment = parse_iso(at)
    spell = timedelta(days=active_days(club))
    if previous is not None:
        last = parse_iso(previous)
        if moment <= last:
            return {}
        if moment - last <= spell:
            old_end, new_end = club.month_of(last + spell), club.month_of(moment + spell)
            if old_end == new_end:
                return {}
            return {old_end: {"active_ended": -1}, new_end: {"active_ended": 1}}
    return added({club.month_of(moment): {"active_started": 1}}, {club.month_of(moment + spell): {"active_ended": 1}})


def buyer_counters(member: Member, month: str) -> dict[str, int]:
    """For a member's purchase in ``month``, read before it counts: whether they are a new
    buyer of the month and whether they became a repeat buyer of it (one who had bought
    before; counted once a month). Uses the visits the profile keeps: ``visits`` ever and
    ``visits_by_month`` for the last twelve months."""
    ever, this_month = member.visits, member.visits_by_month.get(month, 0)
    counters = {"buyers": 1} if this_month == 0 else {}
    # Already a repeat buyer this month if two purchases of it stand, or one after an earlier.
    already_repeat = this_month >= 2 or (this_month == 1 and ever - this_month >= 1)
    if ever >= 1 and not already_repeat:
        counters["repeat_buyers"] = 1
    return counters


def added(*parts: MonthlyCounters) -> MonthlyCounters:
    """Counters of several months added up, month by month."""
    merged: MonthlyCounters = {}
    for part in parts:
        for month, counters in part.items():
            into = merged.setdefault(month, {})
            for name, amount in counters.items():
                into[name] = into.get(name, 0) + amount
    return merged

