"""What the scheduled jobs find: coupons expiring, tiers reviewed, birthdays, onboarding steps, held messages."""

from memberclub.events import EventDetail


class CouponExpiring(EventDetail, kw_only=True):
    """A coupon's last days: the expiry job's reminder (``expiry_reminder_days`` before)."""

    DETAIL_TYPE = "CouponExpiring"
    member_id: str
    code: str
    kind: str
    expires_at: str


class CouponExpired(EventDetail, kw_only=True):
    DETAIL_TYPE = "CouponExpired"
    member_id: str
    code: str
    kind: str


class TierChanged(EventDetail, kw_only=True):
    """The expiry job's review: the member's spend (or visits) of the last twelve months no
    longer reaches their tier (promotions come with the order, in ``StampsAccrued``)."""

    DETAIL_TYPE = "TierChanged"
    member_id: str
    tier: str | None
    previous: str | None


class BirthdayGiftIssued(EventDetail, kw_only=True):
    """The birthday job gave a member this year's gift (one a year)."""

    DETAIL_TYPE = "BirthdayGiftIssued"
    member_id: str
    code: str
    year: int


class OnboardingStepDue(EventDetail, kw_only=True):
    """The onboarding sweep: a member who joined ``day`` days ago is due this step's message."""

    DETAIL_TYPE = "OnboardingStepDue"
    member_id: str
    step: str
    day: int


class HeldMessageDue(EventDetail, kw_only=True):
    """A marketing SMS held through the club's quiet hours may go now (the expiry job's
    morning run releases it; the messages function sends it, once)."""

    DETAIL_TYPE = "HeldMessageDue"
    member_id: str
    held_id: str
