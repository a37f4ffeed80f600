"""Members: the profile, the contact and card indexes, consent history, coupons, stats."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

from memberclub import contacts
from memberclub.consent import ConsentProof
from memberclub.coupons import Coupon
from memberclub.members import Member
from memberclub.orders import Customer
from memberclub.storage import keys
from memberclub.storage.table import (
    ConditionFailed,
    Item,
    Table,
    delete,
    put,
    set_expression,
    update,
)

# Contact index channel names in keys.
EMAIL, PHONE = "EMAIL", "PHONE"


class ContactTaken(Exception):
    """The e-mail or phone belongs to a member already (``channel`` says which)."""

    def __init__(self, channel: str, member_id: str | None):
        super().__init__(channel)
        self.channel = channel
        self.member_id = member_id


def member_item(member: Member) -> Item:
    item = keys.member(member.club_id, member.member_id) | member.model_dump(mode="json", exclude_none=True)
    return item


def coupon_item(coupon: Coupon, expiry_day: str) -> Item:
    return (
        keys.coupon(coupon.club_id, coupon.code)
        | coupon.model_dump(mode="json", exclude_none=True)
        | {
            "member_pk": keys.member_pk(coupon.club_id, coupon.member_id),
            "member_sk": keys.coupon_member_sk(coupon.issued_at, coupon.code),
        }
        | (keys.expiry_index_keys(expiry_day, "coupon", coupon.club_id, coupon.code) if coupon.status == "issued" else {})
    )


def consent_entries(member: Member, proofs: Sequence[ConsentProof]) -> list[Item]:
    written = time.time_ns()
    return [
        keys.consent_entry(member.club_id, member.member_id, proof.at, written, seq)
        | {"type": "consent"} | proof.model_dump(mode="json", exclude_none=True)
        for seq, proof in enumerate(proofs)
    ]


def stats_add(club_id: str, month: str, counters: dict[str, int]) -> dict[str, Any]:
    """An ADD of monthly counters, as a transaction action."""
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    values = {f":c{i}": amount for i, amount in enumerate(counters.values())}
    expression = "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters)))
    return update(keys.stats(club_id, month), expression, names=names, values=values)


class MemberStore:
    def __init__(self, table: Table):
        self.table = table

    # --- reads ----------------------------------------------------------------------

    def get(self, club_id: str, member_id: str, *, consistent: bool = False) -> Member | None:
        item = self.table.get(keys.member(club_id, member_id), consistent=consistent)
        return Member.model_validate(item) if item else None

    def member_id_by_contact(self, club_id: str, channel: str, contact_hash: str) -> str | None:
        item = self.table.get(keys.contact_index(club_id, channel, contact_hash))
        return item["member_id"] if item else None

    def member_id_for(self, club_id: str, customer: Customer) -> str | None:
        """The member an order names, by card code, then e-mail, then phone: one BatchGetItem."""
        wanted = {}
        if customer.card_code:
            wanted["CARD"] = keys.card_index(club_id, customer.card_code)
        if customer.email:
            wanted[EMAIL] = keys.contact_index(club_id, EMAIL, contacts.contact_hash(customer.email))
        if customer.phone:
            wanted[PHONE] = keys.contact_index(club_id, PHONE, contacts.contact_hash(customer.phone))
        if not wanted:
            return None
        found = {item["PK"]: item["member_id"] for item in self.table.batch_get(list(wanted.values()))}
        return next((found[key["PK"]] for key in wanted.values() if key["PK"] in found), None)

    def coupons(self, member: Member) -> list[Coupon]:
        items = self.table.query(keys.member_pk(member.club_id, member.member_id), index="member",
                                 pk_name="member_pk", sk_name="member_sk", sk_prefix="COUPON#", forward=False)
        return [Coupon.model_validate(item) for item in items]

    def owned_items(self, member: Member) -> list[Item]:
        """Everything the member index lists for the member (coupons, orders…), for export."""
        return self.table.query(keys.member_pk(member.club_id, member.member_id), index="member",
                                pk_name="member_pk", sk_name="member_sk")

    def consent_history(self, member: Member) -> list[Item]:
        return self.table.query(keys.member_pk(member.club_id, member.member_id), sk_prefix=keys.CONSENT_PREFIX)

    def ledger(self, member: Member) -> list[Item]:
        return self.table.query(keys.member_pk(member.club_id, member.member_id), sk_prefix=keys.LEDGER_PREFIX)

    # --- joining ----------------------------------------------------------------------

    def create_pending(self, member: Member, contacts: dict[str, str], proofs: Sequence[ConsentProof],
                       stats_month: str) -> None:
        """Create a pending member with its contact and card indexes, consent proof and the
        month's sign-up count, all or nothing. ``contacts`` maps EMAIL/PHONE to the hash.

        Raises ContactTaken when a contact is someone's already, ConditionFailed when the
        (random) card code or member id collided.
        """
        channels = list(contacts)
        actions = [
            put(keys.contact_index(member.club_id, channel, contact_hash) | {"member_id": member.member_id},
                "attribute_not_exists(PK)", return_item_on_failure=True)
            for channel, contact_hash in contacts.items()
        ]
        actions += [
            put(member_item(member), "attribute_not_exists(PK)"),
            put(keys.card_index(member.club_id, member.card_code) | {"member_id": member.member_id},
                "attribute_not_exists(PK)"),
            *(put(entry) for entry in consent_entries(member, proofs)),
            stats_add(member.club_id, stats_month, {"signups": 1, f"signups_source_{member.source or 'web'}": 1}),
        ]
        try:
            self.table.transact(actions)
        except ConditionFailed as failure:
            taken = [i for i in failure.failed if i < len(channels)]
            if taken:
                owner = failure.items[taken[0]] if taken[0] < len(failure.items) else None
                raise ContactTaken(channels[taken[0]], owner.get("member_id") if owner else None) from None
            raise

    def claim_message_slot(self, member: Member, field: str, now: str, not_after: str) -> bool:
        """Mark that a sign-up message goes out now, unless one went after ``not_after``
        (the per-contact cooldown). Conditional, so two racing joins send one message."""
        try:
            self.table.update(
                keys.member(member.club_id, member.member_id),
                "SET #sent = :now",
                condition="#status = :status AND (attribute_not_exists(#sent) OR #sent <= :cutoff)",
                names={"#sent": field, "#status": "status"},
                values={":now": now, ":cutoff": not_after, ":status": member.status},
            )
            return True
        except ConditionFailed:
            return False

    def release_message_slot(self, member: Member, field: str, claimed_at: str) -> None:
        """Undo a claim whose message could not be handed on, so a retry is not refused."""
        with contextlib.suppress(ConditionFailed):  # another join claimed it since: keep theirs
            self.table.update(keys.member(member.club_id, member.member_id), "REMOVE #sent",
                              condition="#sent = :claimed", names={"#sent": field}, values={":claimed": claimed_at})

    def replace_pending_consents(self, member: Member, proofs: Sequence[ConsentProof],
                                 locale: str, source: str | None) -> None:
        """A pending member who joins again confirms the choices made last."""
        consents = {proof.purpose: proof.model_dump(mode="json", exclude_none=True) for proof in proofs}
        expression, names, values = set_expression({"consents": consents, "locale": locale})
        self.table.transact([
            update(keys.member(member.club_id, member.member_id), expression,
                   condition="#st = :pending", names=names | {"#st": "status"}, values=values | {":pending": "pending"}),
            *(put(entry) for entry in consent_entries(member, proofs)),
        ])

    # --- confirming -------------------------------------------------------------------

    def activate(self, member: Member, confirmed_at: str, birthday_keys: dict[str, str],
                 welcome: Coupon | None, welcome_expiry_day: str, stats_month: str) -> None:
        """Pending → active with the welcome coupon and the month's count, exactly once
        (the status condition): raises ConditionFailed if the member is no longer pending."""
        expression, names, values = set_expression(
            {"status": "active", "confirmed_at": confirmed_at, "welcome_published": False} | birthday_keys
        )
        actions = [
            update(keys.member(member.club_id, member.member_id), expression, condition="#st = :pending",
                   names=names | {"#st": "status"}, values=values | {":pending": "pending"}),
            stats_add(member.club_id, stats_month, {"confirmed": 1}),
        ]
        if welcome is not None:
            actions.append(put(coupon_item(welcome, welcome_expiry_day), "attribute_not_exists(PK)"))
        self.table.transact(actions)

    def mark_welcome_published(self, member: Member) -> None:
        self.table.update(keys.member(member.club_id, member.member_id), "SET welcome_published = :yes",
                          values={":yes": True})

    # --- consents ---------------------------------------------------------------------

    def record_consents(self, member: Member, proofs: Sequence[ConsentProof]) -> Member | None:
        """Set the member's current consents and append the proof, all or nothing."""
        if not proofs:
            return member
        names = {"#consents": "consents", "#st": "status"}
        values: dict[str, Any] = {":active": "active"}
        sets = []
        for i, proof in enumerate(proofs):
            names[f"#p{i}"] = proof.purpose
            values[f":p{i}"] = proof.model_dump(mode="json", exclude_none=True)
            sets.append(f"#consents.#p{i} = :p{i}")
        try:
            self.table.transact([
                update(keys.member(member.club_id, member.member_id), "SET " + ", ".join(sets),
                       condition="#st = :active", names=names, values=values),
                *(put(entry) for entry in consent_entries(member, proofs)),
            ])
        except ConditionFailed:
            return None
        return self.get(member.club_id, member.member_id, consistent=True)

    # --- erasure ----------------------------------------------------------------------

    def erase(self, member: Member, contacts: dict[str, str], erased_at: str, stats_month: str) -> None:
        """Remove the member's contact data and everything that points at it; keep an
        anonymous tombstone (and redeemed coupons and, later, orders) for the books.

        History goes first, in batches; the last transaction revokes the member, so a
        failure half-way leaves a member who can simply ask again.
        """
        removable = [
            keys.key(item["PK"], item["SK"]) for item in self.consent_history(member)
        ] + [
            keys.coupon(member.club_id, item["code"])
            for item in self.owned_items(member)
            if item.get("member_sk", "").startswith("COUPON#") and item.get("status") == "issued"
        ]
        for start in range(0, len(removable), 25):
            self.table.transact([delete(k) for k in removable[start : start + 25]])
        expression, names, values = set_expression({
            "status": "erased", "erased_at": erased_at, "email": None, "phone": None, "birthday": None,
            "consents": None, "card_code": None, "source": None, "birthday_pk": None, "birthday_sk": None,
            "token_version": member.token_version + 1,
        })
        actions = [
            update(keys.member(member.club_id, member.member_id), expression, condition="#st <> :erased",
                   names=names | {"#st": "status"}, values=values | {":erased": "erased"}),
            *(delete(keys.contact_index(member.club_id, channel, contact_hash))
              for channel, contact_hash in contacts.items()),
            stats_add(member.club_id, stats_month, {"erased": 1}),
        ]
        if member.card_code:
            actions.append(delete(keys.card_index(member.club_id, member.card_code)))
        self.table.transact(actions)
