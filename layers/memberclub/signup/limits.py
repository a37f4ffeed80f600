"""The club's sign-up limits: how many sign-up messages one mailbox, one phone or one source
address may cause, so nobody can use the join form to flood a stranger's inbox or run up the
club's bill. Each message takes one use of each allowance; the member store counts them in
the same transaction as the join (``LimitReached`` when one is spent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from memberclub import contacts
from memberclub.club import Club
from memberclub.members import Member
from memberclub.signup.consents import Origin
from memberclub.signup.services import Allowance


def signup_allowances(club: Club, member: Member, origin: Origin, now: datetime, *,
                      to_new_contact: bool) -> list[Allowance] | None:
    """The uses of the club's sign-up limits a message to ``member`` takes; None when one
    of them is set to zero (nothing may be sent). A limit already spent shows when the
    uses are written (``LimitReached``).

    - per mailbox (a ``+tag`` stripped) or phone, per day: a stranger cannot flood one inbox;
    - per source address (IPv6 per /64), per hour, for confirmations to contacts who are no
      members yet: one machine cannot sign up the world. A shop's Wi-Fi is one address,
      so the default (30 an hour) leaves room for a busy counter;
    - per source address, per day, a share of the club's daily SMS cap: one machine cannot
      spend the SMS that real customers need.
    """
    limits = club.settings.messaging
    day = now.astimezone(club.zone).date().isoformat()
    day_ends = int((now + timedelta(days=2)).timestamp())
    mailbox = contacts.mailbox(member.email) if member.email else member.phone or ""
    wanted = [Allowance(f"contact-{contacts.contact_hash(mailbox)}", day, limits.signup_messages_per_contact_per_day,
                        day_ends)]
    address = contacts.source_address(origin.ip) if origin.ip else None
    if address and to_new_contact:
        hour = now.astimezone(UTC).strftime("%Y-%m-%dT%H")
        wanted.append(Allowance(f"source-{contacts.contact_hash(address)}", hour,
                                limits.confirmations_per_source_per_hour, int((now + timedelta(hours=2)).timestamp())))
    if address and member.channel == "sms":
        # At least one a day per address while both are set: a small cap must not stop every sign-up.
        percent = limits.sms_cap_percent_per_source
        share = max(1, limits.sms_daily_cap * percent // 100) if percent and limits.sms_daily_cap else 0
        wanted.append(Allowance(f"sms-source-{contacts.contact_hash(address)}", day, share, day_ends))
    if any(allowance.cap <= 0 for allowance in wanted):
        return None
    return wanted
