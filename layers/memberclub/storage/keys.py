"""Every key of the table in one place. Keys start with the club, so one deployment can
host one club or many (``CLUB#<club>…``); club ids cannot contain ``#``."""

from __future__ import annotations


def key(pk: str, sk: str) -> dict[str, str]:
    return {"PK": pk, "SK": sk}


def club(club_id: str) -> dict[str, str]:
    return key(f"CLUB#{club_id}", "CLUB")


# The club registry: one small item per club under one partition, so the scheduled jobs
# can list the deployment's clubs (a handful) without a scan.
CLUB_REGISTRY_PK = "CLUBS"


def club_registry(club_id: str) -> dict[str, str]:
    return key(CLUB_REGISTRY_PK, f"CLUB#{club_id}")


def owner_key_index(key_hash: str) -> dict[str, str]:
    """Owner key hash → club, so a key of another club gets 403 and an unknown one 401."""
    return key(f"OWNERKEY#{key_hash}", "CLUB")


def member_pk(club_id: str, member_id: str) -> str:
    return f"CLUB#{club_id}#M#{member_id}"


def member(club_id: str, member_id: str) -> dict[str, str]:
    return key(member_pk(club_id, member_id), "PROFILE")


def consent_entry(club_id: str, member_id: str, at: str, written_ns: int, seq: int) -> dict[str, str]:
    """History sorts by the consent's time, then by when it was written (two changes in
    one second keep their order), then by its place in one write."""
    return key(member_pk(club_id, member_id), f"CONSENT#{at}#{written_ns:020d}#{seq:02d}")


CONSENT_PREFIX = "CONSENT#"
JOIN_PREFIX = "JOIN#"


def join_request(club_id: str, member_id: str, join_id: str) -> dict[str, str]:
    """A join's consent choices, until the link sent for it is followed."""
    return key(member_pk(club_id, member_id), f"{JOIN_PREFIX}{join_id}")
LEDGER_PREFIX = "LEDGER#"


def ledger_entry(club_id: str, member_id: str, at: str, written_ns: int, seq: int) -> dict[str, str]:
    """Append-only stamp/points movements, in the order they happened."""
    return key(member_pk(club_id, member_id), f"{LEDGER_PREFIX}{at}#{written_ns:020d}#{seq:02d}")


def ledger_time(sort_key: str) -> str:
    """When a ledger line happened, read back from its sort key (the line keeps no copy)."""
    return sort_key[len(LEDGER_PREFIX):].split("#", 1)[0]


def order(club_id: str, source: str, order_id: str) -> dict[str, str]:
    """One record per order and source: the exactly-once marker of its accrual."""
    return key(f"CLUB#{club_id}#ORDER#{source}#{order_id}", "ORDER")


# What an order record's key names, and so the record does not store again.
ORDER_KEY_NAMES = ("club_id", "source", "order_id")


def order_names(partition_key: str) -> dict[str, str]:
    """The club, source and order id an order record's key names (the record keeps no copy).
    A club id or source has no ``#``; an order id may (the generic format takes any text)."""
    _, club_id, _, source, order_id = partition_key.split("#", 4)
    return dict(zip(ORDER_KEY_NAMES, (club_id, source, order_id), strict=True))


def contact_index(club_id: str, channel: str, contact_hash: str) -> dict[str, str]:
    """One member per e-mail / phone: ``channel`` is ``EMAIL`` or ``PHONE``."""
    return key(f"CLUB#{club_id}#{channel}#{contact_hash}", "ID")


def card_index(club_id: str, card_code: str) -> dict[str, str]:
    return key(f"CLUB#{club_id}#CARD#{card_code}", "ID")


def coupon(club_id: str, code: str) -> dict[str, str]:
    return key(f"CLUB#{club_id}#COUPON#{code}", "COUPON")


def coupon_member_sk(issued_at: str, code: str) -> str:
    return f"COUPON#{issued_at}#{code}"


def stripe_event(event_id: str) -> dict[str, str]:
    """A Stripe event handled: one Stripe account per deployment, so not under a club."""
    return key(f"STRIPE#EVENT#{event_id}", "EVENT")


def outbox(club_id: str, ref: str) -> dict[str, str]:
    """Events waiting for the relay (``storage.outbox``); ``ref`` names their cause."""
    return key(f"CLUB#{club_id}#OUTBOX#{ref}", "OUTBOX")


def stats_pk(club_id: str, month: str) -> str:
    return f"CLUB#{club_id}#STATS#{month}"


def stats(club_id: str, month: str, shard: int) -> dict[str, str]:
    """One shard of a month's counters (``month`` is ``yyyy-mm`` in the club's time zone):
    the month's figures are the sum of its shards (``storage.stats``)."""
    return key(stats_pk(club_id, month), f"SHARD#{shard:02d}")


def settings_audit_pk(club_id: str) -> str:
    return f"CLUB#{club_id}#SETTINGS"


def settings_audit(club_id: str, at: str, written_ns: int) -> dict[str, str]:
    """One change of the club's settings, kept for the owner to read back (newest last)."""
    return key(settings_audit_pk(club_id), f"CHANGE#{at}#{written_ns:020d}")


def members_export(club_id: str) -> dict[str, str]:
    """The club's latest members export: which file, asked for when, ready when."""
    return key(f"CLUB#{club_id}#EXPORT", "MEMBERS")


def daily_counter(club_id: str, name: str, day: str) -> dict[str, str]:
    return key(f"CLUB#{club_id}#COUNTER#{name}#{day}", "COUNT")


def birthday_index_keys(club_id: str, member_id: str, month_day: str) -> dict[str, str]:
    return {"birthday_pk": f"BDAY#{month_day}", "birthday_sk": member_pk(club_id, member_id)}


CLUB_MEMBERS_INDEX = "club_members"


def club_members_index_keys(club_id: str, created_at: str, member_id: str) -> dict[str, str]:
    """The club's members, in the order they joined (the owner's CSV): on the profile until erasure."""
    return {"club_pk": club_members_pk(club_id), "club_sk": f"{created_at}#{member_id}"}


def club_members_pk(club_id: str) -> str:
    return f"CLUB#{club_id}#MEMBERS"


def expiry_index_keys(day: str, kind: str, club_id: str, ref: str) -> dict[str, str]:
    return {"expiry_pk": f"EXP#{day}", "expiry_sk": f"{kind}#{club_id}#{ref}"}


def premium_end(club_id: str, member_id: str) -> dict[str, str]:
    """The member's premium end, listed in the expiry index by the day premium runs out."""
    return key(member_pk(club_id, member_id), "PREMIUM_END")


def segments(club_id: str) -> dict[str, str]:
    """The club's key-customer snapshot of the month (the expiry job writes it)."""
    return key(f"CLUB#{club_id}", "SEGMENTS")


def tier_review(club_id: str, member_id: str) -> dict[str, str]:
    """The member's entry for the tier review (listed in the expiry index by its month)."""
    return key(member_pk(club_id, member_id), "TIER_REVIEW")


def birthday_gift(club_id: str, member_id: str, year: int) -> dict[str, str]:
    """The marker of a member's birthday gift of ``year``: one gift a year."""
    return key(member_pk(club_id, member_id), f"GIFT#birthday#{year}")


def onboarding_agenda(club_id: str, member_id: str) -> dict[str, str]:
    """A member's next onboarding step (``storage.jobs``)."""
    return key(member_pk(club_id, member_id), "ONBOARDING")


def held_message(club_id: str, held_id: str) -> dict[str, str]:
    """A marketing SMS held through the quiet hours (``storage.held``)."""
    return key(f"CLUB#{club_id}#HELD#{held_id}", "HELD")
