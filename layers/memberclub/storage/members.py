"""Members: the profile, the contact and card indexes, joins waiting for their link, consent
history, coupons, stats."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

from memberclub import contacts
from memberclub.consent import ConsentProof, JoinConsents
from memberclub.coupons import Coupon
from memberclub.members import Member
from memberclub.orders.facts import Customer
from memberclub.storage import keys
from memberclub.storage.counters import Allowance, LimitReached
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


def join_item(member: Member, join: JoinConsents, expire_at: int) -> Item:
    """A join's consent choices, kept until its link is followed (or it expires)."""
    return (keys.join_request(member.club_id, member.member_id, join.join_id)
            | {"type": "join", "expire_at": expire_at} | join.model_dump(mode="json", exclude_none=True))


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


def member_lookup_keys(club_id: str, customer: Customer) -> list[dict[str, str]]:
    """The index items that can name the customer's member, in the order they count: the
    card code, then each e-mail, then each phone (at most 100 keys: one BatchGetItem)."""
    wanted = [keys.card_index(club_id, customer.card_code)] if customer.card_code else []
    wanted += [keys.contact_index(club_id, EMAIL, contacts.contact_hash(email)) for email in customer.emails]
    wanted += [keys.contact_index(club_id, PHONE, contacts.contact_hash(phone)) for phone in customer.phones]
    unique = list({(k["PK"], k["SK"]): k for k in wanted}.values())
    return unique[:90]


def first_member(found: Sequence[Item], wanted: Sequence[dict[str, str]]) -> str | None:
    """The member of the first key in ``wanted`` that was found."""
    by_key = {(item["PK"], item["SK"]): item for item in found}
    for key in wanted:
        item = by_key.get((key["PK"], key["SK"]))
        if item and item.get("member_id"):
            return item["member_id"]
    return None


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
        """The member an order or the till names (``Customer``'s order): one BatchGetItem."""
        wanted = member_lookup_keys(club_id, customer)
        if not wanted:
            return None
        return first_member(self.table.batch_get(wanted), wanted)

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

    def create_pending(self, member: Member, contacts: dict[str, str], join: JoinConsents, join_expire_at: int,
                       stats_month: str, allowances: Sequence[Allowance] = ()) -> None:
        """Create a pending member with its contact and card indexes, the join's consent
        choices (waiting for its link), the month's sign-up count and one use of each
        allowance, all or nothing. ``contacts`` maps EMAIL/PHONE to the hash.

        Raises ContactTaken when a contact is someone's already, LimitReached when an
        allowance is spent, ConditionFailed when the (random) card code or member id collided.
        """
        channels = list(contacts)
        actions = [
            put(keys.contact_index(member.club_id, channel, contact_hash) | {"member_id": member.member_id},
                "attribute_not_exists(PK)", return_item_on_failure=True)
            for channel, contact_hash in contacts.items()
        ]
        actions += [allowance.action(member.club_id) for allowance in allowances]
        actions += [
            put(member_item(member), "attribute_not_exists(PK)"),
            put(keys.card_index(member.club_id, member.card_code) | {"member_id": member.member_id},
                "attribute_not_exists(PK)"),
            put(join_item(member, join, join_expire_at)),
            stats_add(member.club_id, stats_month, {"signups": 1, f"signups_source_{member.source or 'web'}": 1}),
        ]
        try:
            self.table.transact(actions)
        except ConditionFailed as failure:
            taken = [i for i in failure.failed if i < len(channels)]
            if taken:
                owner = failure.items[taken[0]] if taken[0] < len(failure.items) else None
                raise ContactTaken(channels[taken[0]], owner.get("member_id") if owner else None) from None
            spent = [i - len(channels) for i in failure.failed if 0 <= i - len(channels) < len(allowances)]
            if spent:
                raise LimitReached(allowances[spent[0]].name) from None
            raise

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
            *(allowance.action(member.club_id) for allowance in allowances),
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
                member = Member.model_validate(item)
            else:
                join = JoinConsents.model_validate(item)
        return member, join

    def release_message_slot(self, member: Member, field: str, claimed_at: str) -> None:
        """Undo a claim whose message could not be handed on, so a retry is not refused."""
        with contextlib.suppress(ConditionFailed):  # another join claimed it since: keep theirs
            self.table.update(keys.member(member.club_id, member.member_id), "REMOVE #sent",
                              condition="#sent = :claimed", names={"#sent": field}, values={":claimed": claimed_at})

    # --- confirming -------------------------------------------------------------------

    def activate(self, member: Member, confirmed_at: str, birthday_keys: dict[str, str],
                 welcome: Coupon | None, welcome_expiry_day: str, stats_month: str,
                 join: JoinConsents | None) -> None:
        """Pending → active with the welcome coupon, the month's count and the consents of
        the join whose link was followed (with their proof), exactly once (the status
        condition): raises ConditionFailed if the member is no longer pending."""
        proofs = join.proofs(confirmed_at) if join else []
        consents = {proof.purpose: proof.granted for proof in proofs} or {p: False for p in ("email", "sms", "profiling")}
        expression, names, values = set_expression(
            {"status": "active", "confirmed_at": confirmed_at, "welcome_published": False, "consents": consents}
            | ({"locale": join.locale} if join else {}) | birthday_keys
        )
        actions = [
            update(keys.member(member.club_id, member.member_id), expression, condition="#st = :pending",
                   names=names | {"#st": "status"}, values=values | {":pending": "pending"}),
            stats_add(member.club_id, stats_month, {"confirmed": 1}),
            *(put(entry) for entry in consent_entries(member, proofs)),
        ]
        if join is not None:
            actions.append(delete(keys.join_request(member.club_id, member.member_id, join.join_id)))
        if welcome is not None:
            actions.append(put(coupon_item(welcome, welcome_expiry_day), "attribute_not_exists(PK)"))
        self.table.transact(actions)

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
        return member.model_copy(update={"consents": consents})

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
            keys.key(item["PK"], item["SK"])
            for item in self.table.query(keys.member_pk(member.club_id, member.member_id), sk_prefix=keys.JOIN_PREFIX)
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
