"""Members, as everyone reads them: the profile, the member a contact or card code names
(the contact and card indexes), the member's coupons, and everything for an export.

What joining, confirming, consents and erasure write is ``storage.signup``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from memberclub import contacts
from memberclub.consent import ConsentProof
from memberclub.coupons import Coupon
from memberclub.members import Member
from memberclub.signup.services import MemberRecords
from memberclub.storage import keys
from memberclub.storage.table import Item, Table

if TYPE_CHECKING:
    from memberclub.orders.facts import Customer, OrderRecord

# Contact index channel names in keys.
EMAIL, PHONE = "EMAIL", "PHONE"
# The ledger lines an order writes for its member (its accrual, a till stamp, a refund), each
# naming the order as ``source:order_id``.
ORDER_LEDGER_KINDS = ("purchase", "till", "refund")


def _public(item: Item) -> dict[str, Any]:
    """An item without its keys and index attributes: what the member may see of it."""
    return {k: v for k, v in item.items() if k not in ("PK", "SK") and not k.endswith(("_pk", "_sk"))}


def ledger_line(item: Item) -> dict[str, Any]:
    """A ledger line as the member and the owner see it: its time from the sort key (lines
    written before 2026-12 also carry it, and a ``type``)."""
    return {"at": keys.ledger_time(item["SK"])} | {k: v for k, v in _public(item).items() if k != "type"}


def order_record(item: Item) -> OrderRecord:
    """An order record as read: its names from the key (records written before 2026-12 also
    carry copies of them, which agree)."""
    from memberclub.orders.facts import (
        OrderRecord,  # orders' and the export's: signup starts without it
    )

    return OrderRecord.parse(item | keys.order_names(item["PK"]))


def order_keys_in_ledger(club_id: str, ledger: Sequence[Item]) -> list[dict[str, str]]:
    """The keys of the orders a member's ledger lines name (each once)."""
    causes = dict.fromkeys(item["cause"] for item in ledger
                           if item.get("kind") in ORDER_LEDGER_KINDS and ":" in item.get("cause", ""))
    return [keys.order(club_id, *cause.split(":", 1)) for cause in causes]


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

    def club_members(self, club_id: str) -> Iterator[Member]:
        """Every member of the club (pending and active; the erased leave the index), in the
        order they joined: the keys-only ``club_members`` index, then the profiles 100 at a
        time (BatchGetItem), so memory holds one page, never the club."""
        page: list[dict[str, str]] = []
        for item in self.table.iter_query(keys.club_members_pk(club_id), index=keys.CLUB_MEMBERS_INDEX,
                                          pk_name="club_pk", sk_name="club_sk"):
            page.append(keys.key(item["PK"], item["SK"]))
            if len(page) == 100:
                yield from self._profiles(page)
                page = []
        if page:
            yield from self._profiles(page)

    def _profiles(self, wanted: list[dict[str, str]]) -> Iterator[Member]:
        order = {item["PK"]: i for i, item in enumerate(wanted)}
        found = sorted(self.table.batch_get(wanted), key=lambda item: order[item["PK"]])
        for item in found:
            if item.get("status") != "erased":
                yield Member.parse(item)

    def get(self, club_id: str, member_id: str, *, consistent: bool = False) -> Member | None:
        item = self.table.get(keys.member(club_id, member_id), consistent=consistent)
        return Member.parse(item) if item else None

    def member_id_for(self, club_id: str, customer: Customer) -> str | None:
        """The member an order or the till names (``Customer``'s order): one BatchGetItem."""
        wanted = member_lookup_keys(club_id, customer)
        if not wanted:
            return None
        return first_member(self.table.batch_get(wanted), wanted)

    def coupons(self, member: Member) -> list[Coupon]:
        items = self.table.query(keys.member_pk(member.club_id, member.member_id), index="member",
                                 pk_name="member_pk", sk_name="member_sk", sk_prefix="COUPON#", forward=False)
        return [Coupon.parse(item) for item in items]

    def records(self, member: Member) -> MemberRecords:
        """Everything held about the member besides the profile, for the export: the coupons
        (the member index), the consent history, the ledger and the orders its lines name."""
        ledger = self._history(member, keys.LEDGER_PREFIX)
        return MemberRecords(
            coupons=list(reversed(self.coupons(member))),
            orders=self._orders(member, ledger),
            consent_history=[ConsentProof.parse(i) for i in self._history(member, keys.CONSENT_PREFIX)],
            ledger=[ledger_line(i) for i in ledger],
        )

    def _orders(self, member: Member, ledger: Sequence[Item]) -> list[OrderRecord]:
        """The member's order records, oldest first, found through their ledger lines: an
        order record is in no index of the member's, which would cost every order a write
        and a stored copy of itself."""
        wanted = order_keys_in_ledger(member.club_id, ledger)
        orders = [order_record(item) for item in self.table.batch_get(wanted)
                  if item.get("member_id") == member.member_id]
        return sorted(orders, key=lambda order: (order.paid_at or order.created_at, order.source, order.order_id))

    def _history(self, member: Member, prefix: str) -> list[Item]:
        return self.table.query(keys.member_pk(member.club_id, member.member_id), sk_prefix=prefix)

    # --- joining ----------------------------------------------------------------------
