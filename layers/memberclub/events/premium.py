"""The premium membership's life, as Stripe reports it."""

from memberclub.events import EventDetail


class PremiumActivated(EventDetail, kw_only=True):
    DETAIL_TYPE = "PremiumActivated"
    member_id: str
    until: str
    trial: bool = False
    coupon_code: str | None = None  # the club's premium welcome coupon, when it gives one


class PremiumRenewed(EventDetail, kw_only=True):
    DETAIL_TYPE = "PremiumRenewed"
    member_id: str
    until: str
    coupon_code: str | None = None  # the club's yearly premium gift, when this renewal starts a year


class PremiumPaymentFailed(EventDetail, kw_only=True):
    """A renewal's payment failed or needs the member's action; premium lasts to ``until``
    (the last paid period and the club's grace days) while Stripe retries."""

    DETAIL_TYPE = "PremiumPaymentFailed"
    member_id: str
    until: str
    action_required: bool = False


class PremiumTrialEnding(EventDetail, kw_only=True):
    DETAIL_TYPE = "PremiumTrialEnding"
    member_id: str
    trial_end: str


class PremiumCancelled(EventDetail, kw_only=True):
    """Premium ends at ``until`` (cancelled at the period's end) or ended (deleted)."""

    DETAIL_TYPE = "PremiumCancelled"
    member_id: str
    until: str | None = None
    at_period_end: bool = False
