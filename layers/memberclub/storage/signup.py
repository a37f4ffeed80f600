"""The signup side of the members' items: pending members and their joins, activation with
the consents of the followed link, consent history, the sign-up limits' counters, erasure.

The use cases speak in models (``memberclub.signup.services``: the store's refusals and the
values it takes); the keys, the indexes' attributes and the item shapes stay here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from memberclub import contacts
from memberclub.clock import iso
from memberclub.consent import ConsentProof, JoinConsents
from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.loyalty.change import LedgerEntry
from memberclub.members import Member, counted_source
from memberclub.signup.services import Allowance, ContactTaken, Erasure, IdTaken, LimitReached
from memberclub.storage import keys
from memberclub.storage.agenda import first_onboarding_step, pending_entry
from memberclub.storage.counters import allowance_use
from memberclub.storage.items import coupon_item, member_item
from memberclub.storage.members import EMAIL, PHONE, MemberStore, order_keys_in_ledger
from memberclub.storage.orders import ledger_item
from memberclub.storage.outbox import outbox_puts
from memberclub.storage.stats import stats_adds
from memberclub.storage.table import ConditionFailed, Item, delete, put, set_expression, update

_CHANNEL_NAMES = {EMAIL: "email", PHONE: "phone"}

def join_item(member: Member, join: JoinConsents, expire_at: int) -> Item:
    """A join's consent choices, kept until its link is followed (or it expires)."""
    return (keys.join_request(member.club_id, member.member_id, join.join_id)
            | {"type": "join", "expire_at": expire_at} | join.to_data(drop_none=True))

def _contact_hashes(member: Member) -> dict[str, str]:
    """The member's contact index entries: EMAIL/PHONE → the contact's hash."""
    hashes = {}
    if member.email:
        hashes[EMAIL] = contacts.contact_hash(member.email)
    if member.phone:
        hashes[PHONE] = contacts.contact_hash(member.phone)
    return hashes


def _birthday_index(member: Member) -> dict[str, str]:
    """The birthday index's attributes of an active member with a birthday."""
    if not member.birthday:
        return {}
    return keys.birthday_index_keys(member.club_id, member.member_id, contacts.birthday_month_day(member.birthday))


def _allowance_use(club_id: str, allowance: Allowance) -> dict[str, Any]:
    """One counted use of a sign-up allowance, as a transaction action."""
    return allowance_use(club_id, allowance.name, allowance.window, allowance.cap, allowance.expire_at)


def consent_entries(member: Member, proofs: Sequence[ConsentProof]) -> list[Item]:
    written = time.time_ns()
    return [
        keys.consent_entry(member.club_id, member.member_id, proof.at, written, seq)
        | {"type": "consent"} | proof.to_data(drop_none=True)
        for seq, proof in enumerate(proofs)
    ]


class SignupStore(MemberStore):
    """The member store with what joining, confirming, consents and erasure write."""

    def create_pending(self, member: Member, join: JoinConsents, join_expire_at: int, stats_month: str,
                       allowances: Sequence[Allowance] = ()) -> None:
        """Create a pending member with its contact and card indexes, the join's consent
        choices (waiting for its link), the month's sign-up count and one use of each
        allowance, all or nothing.

        Raises ContactTaken when a contact is someone's already, LimitReached when an
        allowance is spent, IdTaken when the (random) card code or member id collided.
        """
        hashes = _contact_hashes(member)
        channels = list(hashes)
        actions = [
            put(keys.contact_index(member.club_id, channel, contact_hash) | {"member_id": member.member_id},
                "attribute_not_exists(PK)", return_item_on_failure=True)
            for channel, contact_hash in hashes.items()
        ]
        actions += [_allowance_use(member.club_id, allowance) for allowance in allowances]
        actions += [
            # Listed under the day its confirmation window ends: the jobs remove it if unconfirmed.
            put(member_item(member) | pending_entry(member), "attribute_not_exists(PK)"),
            put(keys.card_index(member.club_id, member.card_code) | {"member_id": member.member_id},
                "attribute_not_exists(PK)"),
            put(join_item(member, join, join_expire_at)),
            *stats_adds(member.club_id, {stats_month: {"signups": 1, f"signups_source_{counted_source(member.source)}": 1}},
                        cause=member.member_id),
        ]
        try:
            self.table.transact(actions)
        except ConditionFailed as failure:
            taken = [i for i in failure.failed if i < len(channels)]
            if taken:
                owner = failure.items[taken[0]] if taken[0] < len(failure.items) else None
                raise ContactTaken(_CHANNEL_NAMES[channels[taken[0]]],  # type: ignore[arg-type]
                                   owner.get("member_id") if owner else None) from None
            spent = [i - len(channels) for i in failure.failed if 0 <= i - len(channels) < len(allowances)]
            if spent:
                raise LimitReached(allowances[spent[0]].name) from None
            raise IdTaken() from None

    def claim_message_slot(self, member: Member, field: str, now: str, not_after: str,
                           join: JoinConsents | None = None, join_expire_at: int = 0,
                           allowances: Sequence[Allowance] = ()) -> bool:
        """Mark that a sign-up message goes out now, unless one went after ``not_after``
        (the per-contact cooldown): False then, and nothing is written. With it, in the same
        transaction, the join whose link the message carries and one use of each allowance
        (LimitReached when one is spent). Conditional, so two racing joins send one message."""
        actions = [
            update(keys.member(member.club_id, member.member_id), "SET #sent = :now",
                   condition="#status = :status AND (attribute_not_exists(#sent) OR #sent <= :cutoff)",
                   names={"#sent": field, "#status": "status"},
                   values={":now": now, ":cutoff": not_after, ":status": member.status}),
            *(_allowance_use(member.club_id, allowance) for allowance in allowances),
        ]
        if join is not None:
            actions.append(put(join_item(member, join, join_expire_at)))
        try:
            self.table.transact(actions)
        except ConditionFailed as failure:
            if 0 in failure.failed:
                return False
            spent = [i - 1 for i in failure.failed if 0 <= i - 1 < len(allowances)]
            if spent:
                raise LimitReached(allowances[spent[0]].name) from None
            raise
        return True

    def get_with_join(self, club_id: str, member_id: str, join_id: str | None) -> tuple[Member | None,
                                                                                        JoinConsents | None]:
        """The member and the join a confirmation link names: one consistent BatchGetItem."""
        wanted = [keys.member(club_id, member_id)]
        if join_id:
            wanted.append(keys.join_request(club_id, member_id, join_id))
        member, join = None, None
        for item in self.table.batch_get(wanted, consistent=True):
            if item["SK"] == "PROFILE":
                member = Member.parse(item)
            else:
                join = JoinConsents.parse(item)
        return member, join

    def release_message_slot(self, member: Member, field: str, claimed_at: str) -> None:
        """Undo a claim whose message could not be handed on, so a retry is not refused."""
        with contextlib.suppress(ConditionFailed):  # another join claimed it since: keep theirs
            self.table.update(keys.member(member.club_id, member.member_id), "REMOVE #sent",
                              condition="#sent = :claimed", names={"#sent": field}, values={":claimed": claimed_at})

    # --- confirming -------------------------------------------------------------------

    def activate(self, member: Member, confirmed_at: str, welcome: Coupon | None, stats_month: str,
                 join: JoinConsents | None, first_day: str | None = None) -> bool:
        """Pending → active with the welcome coupon, the month's count, the birthday index and
        the consents of the join whose link was followed (with their proof), exactly once
        (the status condition): False, and nothing written, if the member is no longer pending.
        ``first_day`` (the club's local date) starts the onboarding agenda (``storage.jobs``)."""
        proofs = join.proofs(confirmed_at) if join else []
        consents = {proof.purpose: proof.granted for proof in proofs} or {p: False for p in ("email", "sms", "profiling")}
        expression, names, values = set_expression(
            {"status": "active", "confirmed_at": confirmed_at, "welcome_published": False, "consents": consents,
             "expiry_pk": None, "expiry_sk": None}  # off the pending clean-up's list
            | ({"locale": join.locale} if join else {}) | _birthday_index(member)
        )
        actions = [
            update(keys.member(member.club_id, member.member_id), expression, condition="#st = :pending",
                   names=names | {"#st": "status"}, values=values | {":pending": "pending"}),
            *stats_adds(member.club_id, {stats_month: {
                "confirmed": 1, f"confirmed_source_{counted_source(member.source)}": 1,
                **({"coupons_issued": 1, "coupons_issued_welcome": 1} if welcome is not None else {}),
            }}, cause=member.member_id),
            *(put(entry) for entry in consent_entries(member, proofs)),
        ]
        if join is not None:
            actions.append(delete(keys.join_request(member.club_id, member.member_id, join.join_id)))
        if welcome is not None:
            actions.append(put(coupon_item(welcome, welcome.expires_at[:10]), "attribute_not_exists(PK)"))
        if first_day is not None:
            actions.append(put(first_onboarding_step(member, first_day, welcome)))
        try:
            self.table.transact(actions)
        except ConditionFailed:
            return False
        return True

    def mark_welcome_published(self, member: Member) -> None:
        self.table.update(keys.member(member.club_id, member.member_id), "SET welcome_published = :yes",
                          values={":yes": True})

    # --- consents ---------------------------------------------------------------------

    def record_consents(self, member: Member, proofs: Sequence[ConsentProof]) -> Member | None:
        """Set the member's consents in force and append the proof, all or nothing; None if
        the member is no longer active."""
        if not proofs:
            return member
        # One path per purpose, so two changes at once to different purposes both stand.
        names = {"#consents": "consents", "#st": "status"}
        values: dict[str, Any] = {":active": "active"}
        for i, proof in enumerate(proofs):
            names[f"#p{i}"], values[f":p{i}"] = proof.purpose, proof.granted
        expression = "SET " + ", ".join(f"#consents.#p{i} = :p{i}" for i in range(len(proofs)))
        consents = member.consent_flags() | {proof.purpose: proof.granted for proof in proofs}
        try:
            self.table.transact([
                update(keys.member(member.club_id, member.member_id), expression,
                       condition="#st = :active", names=names, values=values),
                *(put(entry) for entry in consent_entries(member, proofs)),
            ])
        except ConditionFailed:
            return None
        return member.replace(consents=consents)

    # --- erasure ----------------------------------------------------------------------

    def _expire_bookkeeping(self, member: Member, until: str) -> None:
        """The erased member's ledger entries and order records expire at ``until`` (TTL):
        one write each, an erasure being rare; written again harmlessly when it is retried."""
        expire_at = int(datetime.fromisoformat(until.replace("Z", "+00:00")).timestamp())
        ledger = self._history(member, keys.LEDGER_PREFIX)
        kept = [keys.key(item["PK"], item["SK"]) for item in ledger]
        kept += order_keys_in_ledger(member.club_id, ledger)
        for key in kept:
            with contextlib.suppress(ConditionFailed):  # gone meanwhile: nothing to keep
                self.table.run(update(key, "SET #expire = :expire", condition="attribute_exists(PK)",
                                      names={"#expire": "expire_at"}, values={":expire": expire_at}))

    def erase(self, member: Member, erasure: Erasure) -> None:
        """Carry out an erasure as ``erasure`` says (the decision is ``signup.gdpr``'s): remove
        what it names and leave the member an erased tombstone whose links stop working.

        History goes first, in batches; the last transaction revokes the member, so a
        failure half-way leaves a member who can simply ask again.
        """
        history = [keys.CONSENT_PREFIX] if erasure.consent_history else []
        history += [keys.JOIN_PREFIX] if erasure.waiting_joins else []
        removable = [keys.key(item["PK"], item["SK"]) for prefix in history for item in self._history(member, prefix)]
        removable += [keys.coupon(member.club_id, code) for code in erasure.coupons]
        for start in range(0, len(removable), 25):
            self.table.transact([delete(k) for k in removable[start : start + 25]])
        if erasure.bookkeeping_until:
            self._expire_bookkeeping(member, erasure.bookkeeping_until)
        cleared = dict.fromkeys(erasure.profile_fields)
        if "birthday" in cleared:
            cleared |= dict.fromkeys(("birthday_pk", "birthday_sk"))  # the birthday index goes with it
        cleared |= dict.fromkeys(("club_pk", "club_sk"))  # and the owner's list of members
        expression, names, values = set_expression(
            {"status": "erased", "erased_at": erasure.erased_at, "erased_by": erasure.erased_by} | cleared
            | {"token_version": member.token_version + 1}
        )
        actions = [
            update(keys.member(member.club_id, member.member_id), expression, condition="#st <> :erased",
                   names=names | {"#st": "status"}, values=values | {":erased": "erased"}),
            *(delete(keys.contact_index(member.club_id, channel, contact_hash))
              for channel, contact_hash in (_contact_hashes(member).items() if erasure.contact_index else ())),
            *stats_adds(member.club_id, {erasure.stats_month: {"erased": 1}}, cause=member.member_id),
        ]
        if erasure.card_index and member.card_code:
            actions.append(delete(keys.card_index(member.club_id, member.card_code)))
        self.table.transact(actions)

    # --- points for a reward ------------------------------------------------------------

    def exchange_points(self, after: Member, points: int, coupon: Coupon, stats_month: str,
                        events: Sequence[EventDetail], now: datetime) -> bool:
        read = after.rev - 1
        at = iso(now)
        entry = LedgerEntry("exchange", f"exchange#{coupon.code}", 0, -points, after.stamps, after.points,
                            coupon=coupon.code)
        try:
            self.table.transact([
                update(keys.member(after.club_id, after.member_id), "SET points = :points, #rev = :rev",
                       # A profile no order has moved yet may have no rev at all.
                       condition="#st = :active AND " + ("(attribute_not_exists(#rev) OR #rev = :read)"
                                                         if read == 0 else "#rev = :read"),
                       names={"#st": "status", "#rev": "rev"},
                       values={":points": after.points, ":rev": after.rev, ":read": read, ":active": "active"}),
                put(coupon_item(coupon, coupon.expires_at[:10]), "attribute_not_exists(PK)"),
                put(ledger_item(after, at, 0, entry)),
                *stats_adds(after.club_id, {stats_month: {"points_spent": points, "coupons_issued": 1,
                                                          "coupons_issued_reward": 1}}, cause=coupon.code),
                *outbox_puts(after.club_id, f"exchange#{coupon.code}", events, now),
            ])
        except ConditionFailed:
            return False
        return True
