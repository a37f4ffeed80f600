"""The signup use cases with in-memory fakes for their seams (``signup.services``): the join
race, the cooldown, the limits, a failing bus, the confirmation's exactly-once and the
erasure policy, without AWS (the integration tier runs the real member store)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from memberclub import clock, tokens
from memberclub.club import Club
from memberclub.club_rules import ClubSettings, MessagingRules
from memberclub.consent import ConsentProof, JoinConsents
from memberclub.coupons import Coupon
from memberclub.errors import Unavailable
from memberclub.events import EventDetail, MemberConfirmed, MemberJoined, MemberJoinRepeated
from memberclub.members import Member
from memberclub.signup.confirm import confirm_membership
from memberclub.signup.consents import Origin
from memberclub.signup.gdpr import ERASED_FIELDS, erase_member, export_member
from memberclub.signup.join import join_club, parse_join_request
from memberclub.signup.services import (
    Allowance,
    ContactTaken,
    Erasure,
    IdTaken,
    LimitReached,
    MemberRecords,
    SignupServices,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
KEY = b"k" * 32
ORIGIN = Origin(method="join_api", ip="203.0.113.7", user_agent="test")


class FakeClubs:
    def __init__(self, club: Club):
        self.club = club

    def get(self, club_id: str) -> Club | None:
        return self.club if club_id == self.club.club_id else None


class FakeMembers:
    """The member store's promises in memory: one member per contact, the cooldown and the
    allowances all or nothing, pending → active once."""

    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self.contacts: dict[tuple[str, str], str] = {}
        self.joins: dict[str, JoinConsents] = {}
        self.used: dict[tuple[str, str], int] = {}
        self.coupon_list: list[Coupon] = []
        self.released: list[str] = []
        self.erasures: list[Erasure] = []
        self.taken_ids: set[str] = set()

    def get(self, club_id: str, member_id: str, *, consistent: bool = False) -> Member | None:
        return self.members.get(member_id)

    def get_with_join(self, club_id: str, member_id: str, join_id: str | None):
        return self.members.get(member_id), self.joins.get(join_id or "")

    def coupons(self, member: Member) -> list[Coupon]:
        return [c for c in reversed(self.coupon_list) if c.member_id == member.member_id]

    def records(self, member: Member) -> MemberRecords:
        return MemberRecords(coupons=list(reversed(self.coupons(member))), orders=[], consent_history=[], ledger=[])

    def _take(self, allowances: Sequence[Allowance]) -> None:
        if any(self.used.get((a.name, a.window), 0) >= a.cap for a in allowances):
            raise LimitReached(next(a.name for a in allowances if self.used.get((a.name, a.window), 0) >= a.cap))
        for a in allowances:
            self.used[(a.name, a.window)] = self.used.get((a.name, a.window), 0) + 1

    def create_pending(self, member: Member, join: JoinConsents, join_expire_at: int, stats_month: str,
                       allowances: Sequence[Allowance] = ()) -> None:
        for channel, contact in (("email", member.email), ("phone", member.phone)):
            if contact and (channel, contact) in self.contacts:
                raise ContactTaken(channel, self.contacts[(channel, contact)])  # type: ignore[arg-type]
        if member.member_id in self.taken_ids:
            raise IdTaken()
        self._take(allowances)
        self.members[member.member_id] = member
        self.contacts |= {(ch, c): member.member_id for ch, c in (("email", member.email), ("phone", member.phone)) if c}
        self.joins[join.join_id] = join

    def claim_message_slot(self, member: Member, field: str, now: str, not_after: str,
                           join: JoinConsents | None = None, join_expire_at: int = 0,
                           allowances: Sequence[Allowance] = ()) -> bool:
        sent = getattr(self.members[member.member_id], field)
        if sent and sent > not_after:
            return False
        self._take(allowances)
        self.members[member.member_id] = self.members[member.member_id].replace(**{field: now})
        if join is not None:
            self.joins[join.join_id] = join
        return True

    def release_message_slot(self, member: Member, field: str, claimed_at: str) -> None:
        self.released.append(field)
        self.members[member.member_id] = self.members[member.member_id].replace(**{field: None})

    def activate(self, member: Member, confirmed_at: str, welcome: Coupon | None, stats_month: str,
                 join: JoinConsents | None, first_day: str | None = None) -> bool:
        if self.members[member.member_id].status != "pending":
            return False
        self.members[member.member_id] = member.replace(status="active", confirmed_at=confirmed_at)
        self.coupon_list += [welcome] if welcome else []
        return True

    def mark_welcome_published(self, member: Member) -> None:
        self.members[member.member_id] = self.members[member.member_id].replace(welcome_published=True)

    def record_consents(self, member: Member, proofs: Sequence[ConsentProof]) -> Member | None:
        return member

    def erase(self, member: Member, erasure: Erasure) -> None:
        self.erasures.append(erasure)


class FakeBus:
    def __init__(self) -> None:
        self.events: list[EventDetail] = []
        self.failing = False

    def publish(self, events: Sequence[EventDetail]) -> None:
        if self.failing:
            raise Unavailable("the bus is down")
        self.events += events


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    clock.set_now(NOW)
    yield
    clock.set_now(None)


def services_for(**messaging: int) -> tuple[SignupServices, FakeMembers, FakeBus]:
    club = Club(club_id="demo", name="Demo Bakeri", settings=ClubSettings(messaging=MessagingRules(**messaging)))
    members, bus = FakeMembers(), FakeBus()
    return SignupServices(clubs=FakeClubs(club), members=members, bus=bus, token_key=lambda: KEY), members, bus


def join(services: SignupServices, **body: object) -> None:
    club = services.clubs.get("demo")
    assert club is not None
    join_club(services, club, parse_join_request({"email": "kari@example.no"} | body), ORIGIN)


def test_two_joins_of_one_contact_make_one_member_and_one_message():
    services, members, bus = services_for()
    join(services)
    join(services)  # create_pending: ContactTaken; the cooldown holds the second message back
    assert len(members.members) == 1
    assert [type(event) for event in bus.events] == [MemberJoined]


def test_a_join_after_the_cooldown_sends_the_link_again_and_its_consents_wait():
    services, members, bus = services_for(confirmation_cooldown_seconds=0)
    join(services)
    clock.set_now(NOW + timedelta(seconds=1))
    join(services, consents={"email": True})
    assert [type(event) for event in bus.events] == [MemberJoined, MemberJoinRepeated]
    first, second = members.joins.values()
    assert not first.choices["email"] and second.choices["email"], "each join's choices wait for its own link"
    assert next(iter(members.members.values())).consents == {}


def test_a_refused_cooldown_claim_publishes_nothing():
    services, members, bus = services_for()
    join(services)
    bus.events.clear()
    join(services, phone="+4791234567")
    assert bus.events == [] and len(members.members) == 1


def test_a_spent_limit_sends_nothing():
    services, members, bus = services_for(signup_messages_per_contact_per_day=1, confirmation_cooldown_seconds=0)
    join(services)
    clock.set_now(NOW + timedelta(minutes=10))
    join(services)  # the mailbox's one message a day is spent: LimitReached
    assert [type(event) for event in bus.events] == [MemberJoined]


def test_a_limit_set_to_zero_writes_and_sends_nothing():
    services, members, bus = services_for(confirmations_per_source_per_hour=0)
    join(services)
    assert members.members == {} and bus.events == []


def test_a_phone_that_is_someone_elses_joins_with_the_e_mail_alone():
    services, members, bus = services_for()
    join(services, email="ola@example.no", phone="+4791234567")
    join(services, email="kari@example.no", phone="+4791234567")
    assert len(members.members) == 2 and [type(event) for event in bus.events] == [MemberJoined, MemberJoined]
    assert next(m for m in members.members.values() if m.email == "kari@example.no").phone is None


def test_a_colliding_id_is_drawn_again(monkeypatch: pytest.MonkeyPatch):
    services, members, bus = services_for()
    drawn = iter(["taken", "fresh"])
    monkeypatch.setattr("memberclub.ids.new_member_id", lambda: next(drawn))
    members.taken_ids.add("taken")
    join(services)
    assert list(members.members) == ["fresh"]


def test_a_bus_failure_releases_the_message_slot_and_answers_503():
    services, members, bus = services_for()
    bus.failing = True
    with pytest.raises(Unavailable):
        join(services)
    assert members.released == ["confirmation_sent_at"]
    [member] = members.members.values()
    assert member.confirmation_sent_at is None, "a retry is not held back by the cooldown"


def test_a_confirmation_activates_once_with_one_welcome_coupon():
    services, members, bus = services_for()
    join(services, consents={"email": True})
    [member] = members.members.values()
    link = tokens.confirmation_token(KEY, member, NOW, next(iter(members.joins)))
    first = confirm_membership(services, link)
    again = confirm_membership(services, link)
    assert first.member.status == again.member.status == "active"
    assert first.member.consents["email"] is True
    assert [type(event).__name__ for event in bus.events].count("MemberConfirmed") == 1
    assert len(members.coupon_list) == 1
    confirmed = next(e for e in bus.events if isinstance(e, MemberConfirmed))
    assert confirmed.welcome_coupon == members.coupon_list[0].code


def test_erasure_removes_open_coupons_and_keeps_redeemed_ones():
    services, members, bus = services_for()
    join(services)
    [member] = members.members.values()
    confirm_membership(services, tokens.confirmation_token(KEY, member, NOW, None))
    member = members.members[member.member_id]
    welcome = members.coupon_list[0]
    members.coupon_list.append(welcome.replace(code="USED", status="redeemed"))
    club = services.clubs.get("demo")
    assert club is not None
    export = export_member(services, club, member)
    assert [c["code"] for c in export["coupons"]] == [welcome.code, "USED"]
    erase_member(services, club, member)
    [erasure] = members.erasures
    assert erasure.coupons == (welcome.code,)
    assert erasure.profile_fields == ERASED_FIELDS and {"email", "phone", "birthday"} <= set(ERASED_FIELDS)
    assert erasure.consent_history and erasure.waiting_joins and erasure.contact_index and erasure.card_index
    assert bus.events[-1].DETAIL_TYPE == "MemberErased"
