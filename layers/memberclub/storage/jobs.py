"""What the scheduled jobs read and write: the club registry, the birthday and expiry
indexes (read by day, never by scanning members; the entries' shapes are ``storage.agenda``),
and the gift, reminder, expiry, onboarding, clean-up and lapse transactions, each with its
events (the outbox) and monthly counters, under a condition that makes it happen once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from memberclub import contacts
from memberclub.clock import iso
from memberclub.club import Club
from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.jobs.services import OnboardingAgenda
from memberclub.loyalty.change import LedgerEntry
from memberclub.members import Member
from memberclub.storage import keys
from memberclub.storage.agenda import (
    activity_entry,
    onboarding_agenda_item,
    pending_entry,
    tier_review_item,
)
from memberclub.storage.clubs import ClubStore
from memberclub.storage.held import release_action
from memberclub.storage.items import coupon_item
from memberclub.storage.members import MemberStore
from memberclub.storage.orders import ledger_item
from memberclub.storage.outbox import outbox_puts
from memberclub.storage.stats import stats_add, stats_adds
from memberclub.storage.table import (
    ConditionFailed,
    Table,
    delete,
    put,
    set_expression,
    update,
)


class JobStore:
    def __init__(self, table: Table, clubs: ClubStore):
        self.table = table
        self.clubs = clubs

    def club_ids(self) -> list[str]:
        return [item["club_id"] for item in self.table.iter_query(keys.CLUB_REGISTRY_PK, sk_prefix="CLUB#")]

    def club(self, club_id: str) -> Club | None:
        return self.clubs.get(club_id)

    def members(self, club_id: str, member_ids: Sequence[str]) -> list[Member]:
        wanted = [keys.member(club_id, member_id) for member_id in dict.fromkeys(member_ids)]
        return [Member.parse(item) for item in self.table.batch_get(wanted)]

    def birthday_member_ids(self, club_id: str, month_day: str) -> list[str]:
        prefix = keys.member_pk(club_id, "")
        return [item["birthday_sk"][len(prefix):] for item in self.table.iter_query(
            f"BDAY#{month_day}", sk_prefix=prefix, index="birthday", pk_name="birthday_pk", sk_name="birthday_sk")]

    def give_birthday_gift(self, member: Member, coupon: Coupon, year: int, month: str,
                           events: Sequence[EventDetail], now: datetime) -> bool:
        try:
            self.table.transact([
                put(keys.birthday_gift(member.club_id, member.member_id, year)
                    | {"type": "birthday_gift", "code": coupon.code, "given_at": iso(now)}, "attribute_not_exists(PK)"),
                put(coupon_item(coupon, coupon.expires_at[:10]), "attribute_not_exists(PK)"),
                stats_add(member.club_id, month, {"birthday_gifts": 1, "coupons_issued": 1, "coupons_issued_birthday": 1},
                          cause=f"{member.member_id}#{year}"),
                *outbox_puts(member.club_id, f"birthday#{member.member_id}#{year}", events, now),
            ])
        except ConditionFailed:
            return False
        return True

    def _expiry_entries(self, index_day: str, kind: str, club_id: str) -> list[str]:
        prefix = f"{kind}#{club_id}#"
        return [item["expiry_sk"][len(prefix):] for item in self.table.iter_query(
            f"EXP#{index_day}", sk_prefix=prefix, index="expiry", pk_name="expiry_pk", sk_name="expiry_sk")]

    def coupons_by_code(self, club_id: str, codes: Sequence[str]) -> list[Coupon]:
        wanted = [keys.coupon(club_id, code) for code in dict.fromkeys(codes)]
        return [Coupon.parse(item) for item in self.table.batch_get(wanted)]

    def coupons_expiring(self, club_id: str, index_day: str) -> list[Coupon]:
        return [c for c in self.coupons_by_code(club_id, self._expiry_entries(index_day, "coupon", club_id))
                if c.status == "issued"]

    def remind_coupon(self, coupon: Coupon, events: Sequence[EventDetail], now: datetime) -> bool:
        try:
            self.table.transact([
                update(keys.coupon(coupon.club_id, coupon.code), "SET reminded_at = :now",
                       condition="#st = :issued AND attribute_not_exists(reminded_at)",
                       names={"#st": "status"}, values={":now": iso(now), ":issued": "issued"}),
                *outbox_puts(coupon.club_id, f"expiring#{coupon.code}", events, now),
            ])
        except ConditionFailed:
            return False
        return True

    def expire_coupon(self, coupon: Coupon, month: str, events: Sequence[EventDetail], now: datetime) -> bool:
        try:
            self.table.transact([
                update(keys.coupon(coupon.club_id, coupon.code),
                       "SET #st = :expired REMOVE expiry_pk, expiry_sk",
                       condition="#st = :issued AND expires_at <= :now",
                       names={"#st": "status"}, values={":expired": "expired", ":issued": "issued", ":now": iso(now)}),
                stats_add(coupon.club_id, month, {"coupons_expired": 1, f"coupons_expired_{coupon.kind}": 1},
                          cause=coupon.code),
                *outbox_puts(coupon.club_id, f"expired#{coupon.code}", events, now),
            ])
        except ConditionFailed:
            return False
        return True

    def pending_due(self, club_id: str, day: str) -> list[Member]:
        return self.members(club_id, self._expiry_entries(day, "pending", club_id))

    def postpone_pending(self, member: Member, not_before: str) -> None:
        """A new join sent a new link meanwhile: list the member under its window's end (a
        day from ``not_before`` on)."""
        expression, names, values = set_expression(pending_entry(member, not_before))
        with contextlib.suppress(ConditionFailed):
            self.table.update(keys.member(member.club_id, member.member_id), expression,
                              condition="#st = :pending", names=names | {"#st": "status"},
                              values=values | {":pending": "pending"})

    def remove_pending(self, member: Member) -> bool:
        """Remove a contact who never confirmed: the profile, its contact and card indexes and
        its waiting joins, all or nothing; False if it was confirmed or joined again meanwhile."""
        pk = keys.member_pk(member.club_id, member.member_id)
        joins = [keys.key(item["PK"], item["SK"]) for item in self.table.query(pk, sk_prefix=keys.JOIN_PREFIX)]
        actions = [delete(keys.member(member.club_id, member.member_id),
                          "#st = :pending AND #sent = :sent",
                          names={"#st": "status", "#sent": "confirmation_sent_at"},
                          values={":pending": "pending", ":sent": member.confirmation_sent_at or ""})]
        actions += [delete(keys.contact_index(member.club_id, channel, contacts.contact_hash(contact)),
                           "#m = :member", names={"#m": "member_id"}, values={":member": member.member_id})
                    for channel, contact in (("EMAIL", member.email), ("PHONE", member.phone)) if contact]
        if member.card_code:
            actions.append(delete(keys.card_index(member.club_id, member.card_code)))
        actions += [delete(key) for key in joins[:20]]
        try:
            self.table.transact(actions)
        except ConditionFailed:
            return False
        return True

    def last_active_in(self, club_id: str, month: str) -> list[Member]:
        """The club's members listed under the (UTC) ``month`` of their last activity, not yet lapsed."""
        return [m for m in self.members(club_id, self._expiry_entries(month, "active", club_id))
                if m.status == "active" and not m.inactive_since]

    def relist_active(self, member: Member, listed: str) -> bool:
        entry = activity_entry(member)
        try:
            self.table.update(keys.member(member.club_id, member.member_id),
                              "SET expiry_pk = :new, expiry_sk = :sk", condition="expiry_pk = :listed",
                              values={":new": entry["expiry_pk"], ":sk": entry["expiry_sk"], ":listed": f"EXP#{listed}"})
        except ConditionFailed:
            return False
        return True

    def mark_inactive(self, member: Member, listed: str, month: str, now: datetime,
                      points_expire: str | None = None) -> bool:
        """Mark the member lapsed and count it, once: False if a purchase moved it meanwhile.
        ``points_expire``: the month their points go, when the club lets points expire: the
        member is listed under it (a purchase before lists them as active again)."""
        entry = {"expiry_pk": f"EXP#{listed}"}
        listing = keys.expiry_index_keys(points_expire, "points", member.club_id, member.member_id) \
            if points_expire else None
        expression = ("SET inactive_since = :now, expiry_pk = :epk, expiry_sk = :esk" if listing
                      else "SET inactive_since = :now REMOVE expiry_pk, expiry_sk")
        values = {":now": iso(now), ":entry": entry["expiry_pk"], ":active": "active"}
        if listing:
            values |= {":epk": listing["expiry_pk"], ":esk": listing["expiry_sk"]}
        try:
            self.table.transact([
                update(keys.member(member.club_id, member.member_id), expression,
                       condition="expiry_pk = :entry AND #st = :active AND attribute_not_exists(inactive_since)",
                       names={"#st": "status"}, values=values),
                stats_add(member.club_id, month, {"lapsed": 1}, cause=f"lapsed#{member.member_id}"),
            ])
        except ConditionFailed:
            return False
        return True

    def points_expiring(self, club_id: str, month: str) -> list[Member]:
        return self.members(club_id, self._expiry_entries(month, "points", club_id))

    def expire_points(self, member: Member, listed: str, month: str, now: datetime) -> bool:
        """The lapsed member's points gone (rev bumped), with a ledger line and the month's
        ``points_expired``, once: False if a purchase or a redemption moved them meanwhile."""
        at = iso(now)
        entry = LedgerEntry("expired", f"points-expired#{listed}", 0, -member.points, member.stamps, 0)
        rev_condition = "(attribute_not_exists(#rev) OR #rev = :read)" if member.rev <= 0 else "#rev = :read"
        try:
            self.table.transact([
                update(keys.member(member.club_id, member.member_id),
                       "SET points = :zero, #rev = :rev REMOVE expiry_pk, expiry_sk",
                       condition=f"expiry_pk = :listed AND #st = :active AND {rev_condition}",
                       names={"#st": "status", "#rev": "rev"},
                       values={":zero": 0, ":rev": member.rev + 1, ":read": member.rev, ":active": "active",
                               ":listed": f"EXP#{listed}"}),
                put(ledger_item(member.replace(points=0), at, 0, entry)),
                # To the month and the lifetime total: the points outstanding are read from it.
                *stats_adds(member.club_id, {month: {"points_expired": member.points}},
                            cause=f"points-expired#{member.member_id}#{listed}"),
            ])
        except ConditionFailed:
            return False
        return True

    def club_members(self, club_id: str) -> Iterator[Member]:
        return MemberStore(self.table).club_members(club_id)

    def segments_month(self, club_id: str) -> str | None:
        item = self.table.get(keys.segments(club_id))
        return item.get("month") if item else None

    def save_segments(self, club_id: str, snapshot: dict[str, Any]) -> None:
        self.table.put(keys.segments(club_id) | {"type": "segments"} | snapshot)

    def premium_ends_due(self, club_id: str, day: str) -> list[Member]:
        return self.members(club_id, self._expiry_entries(day, "premium", club_id))

    def end_premium(self, member: Member, month: str, events: Sequence[EventDetail], now: datetime) -> bool:
        sub, until = member.premium_subscription_id, member.premium_until
        try:
            self.table.transact([
                *outbox_puts(member.club_id, f"premium-ended#{sub}", events, now, marker=True),
                *stats_adds(member.club_id, {month: {"premium_ended": 1}}, cause=f"premium-ended#{sub}"),
                update(keys.member(member.club_id, member.member_id), "SET premium_ended_counted = :counted",
                       condition="premium_until = :until AND premium_subscription_id = :sub",
                       values={":counted": f"{sub}#{until}", ":until": until, ":sub": sub}),
                delete(keys.premium_end(member.club_id, member.member_id)),
            ])
        except ConditionFailed as failure:
            if 0 in failure.failed:  # Stripe's deletion counted it: the listing is done with
                self.table.delete(keys.premium_end(member.club_id, member.member_id))
            return False
        return True

    def tier_reviews_due(self, club_id: str, month: str) -> list[Member]:
        return self.members(club_id, self._expiry_entries(month, "tier", club_id))

    def review_tier(self, member: Member, tier: str | None, next_review: str | None, listed: str, month: str,
                    events: Sequence[EventDetail], now: datetime) -> bool:
        """The member's tier set to ``tier`` (when it falls: rev bumped, on the condition that
        no order moved them since they were read) and the review moved on to ``next_review``
        (None: removed), on the condition that it is still listed under ``listed``."""
        review = keys.tier_review(member.club_id, member.member_id)
        listed_still = {"condition": "#m = :listed", "names": {"#m": "month"}, "values": {":listed": listed}}
        actions = [put(tier_review_item(member.club_id, member.member_id, next_review), **listed_still)
                   if next_review else delete(review, **listed_still)]
        if tier != member.tier:
            rev_condition = "(attribute_not_exists(#rev) OR #rev = :read)" if member.rev <= 1 else "#rev = :read"
            actions += [
                update(keys.member(member.club_id, member.member_id), "SET tier = :tier, #rev = :rev",
                       condition=f"#st = :active AND {rev_condition}", names={"#st": "status", "#rev": "rev"},
                       values={":tier": tier, ":rev": member.rev + 1, ":read": member.rev, ":active": "active"}),
                stats_add(member.club_id, month, {"tier_demotions": 1}, cause=f"tier#{member.member_id}#{listed}"),
                *outbox_puts(member.club_id, f"tier#{member.member_id}#{listed}", events, now),
            ]
        try:
            self.table.transact(actions)
        except ConditionFailed:
            return False
        return True

    def held_messages_due(self, club_id: str, day: str) -> list[tuple[str, str]]:
        wanted = [keys.held_message(club_id, ident) for ident in self._expiry_entries(day, "held", club_id)]
        return [(item["PK"].rsplit("#", 1)[1], item["member_id"]) for item in self.table.batch_get(wanted)
                if item.get("expiry_pk") == f"EXP#{day}"]

    def release_held_message(self, club_id: str, held_id: str, events: Sequence[EventDetail], now: datetime) -> bool:
        try:
            self.table.transact([release_action(club_id, held_id, now),
                                 *outbox_puts(club_id, f"released#{held_id}", events, now)])
        except ConditionFailed:
            return False
        return True

    def onboarding_due(self, club_id: str, day: str) -> list[OnboardingAgenda]:
        wanted = [keys.onboarding_agenda(club_id, member_id)
                  for member_id in self._expiry_entries(day, "onboarding", club_id)]
        found = [OnboardingAgenda.parse(item) for item in self.table.batch_get(wanted)]
        # The index is eventually consistent: an item moved on a moment ago may still be listed.
        return [agenda for agenda in found
                if (date.fromisoformat(agenda.first_day) + timedelta(days=agenda.step_day)).isoformat() == day]

    def advance_onboarding(self, agenda: OnboardingAgenda, next_day: str | None, next_step_day: int | None,
                           events: Sequence[EventDetail], now: datetime) -> bool:
        key = keys.onboarding_agenda(agenda.club_id, agenda.member_id)
        condition = "step_day = :step"
        values = {":step": agenda.step_day}
        if next_day is None or next_step_day is None:
            action = delete(key, condition, values=values)
        else:
            moved = agenda.replace(step_day=next_step_day)
            action = put(onboarding_agenda_item(moved, next_day), condition, values=values)
        actions = [action]
        if events:
            actions += outbox_puts(agenda.club_id, f"onboarding#{agenda.member_id}#{agenda.step_day}", events, now)
        try:
            self.table.transact(actions)
        except ConditionFailed:
            return False
        return True
