"""A club's rules: the settings object and its parts.

``ClubSettings`` is the object that ``club create``, ``POST /_local/clubs`` and
``PUT /owner/{club}/settings`` take (partially: ``merge_settings``). Its defaults are the
demo club's and every new club's (docs/api.md, "Demo club defaults"). Money in settings is
a decimal string in the club's currency, as everywhere outside storage.
"""

from typing import Annotated, Any, Literal

from memberclub import money
from memberclub.records import Amount, Meta, Record, field


class _Strict(Record, kw_only=True, forbid_unknown_fields=True):
    pass


def two_decimals(amount: str) -> str:
    """An ``Amount`` as it is kept: "249" → "249.00"."""
    return money.to_decimal_string(money.to_minor(amount))


class CouponValue(_Strict, kw_only=True):
    """What a coupon gives: ``percent`` off, an ``amount`` off, or a ``free_item``."""

    type: Literal["percent", "amount", "free_item"]
    percent: Annotated[int, Meta(ge=1, le=100)] | None = None
    amount: Amount | None = None
    item: Annotated[str, Meta(min_length=1, max_length=60)] | None = None

    def __post_init__(self) -> None:
        # A free item without a name gets the club's words for "1 free item" (Club fills it in).
        needed = {"percent": self.percent, "amount": self.amount, "free_item": ""}[self.type]
        if needed is None:
            raise ValueError(f"a {self.type} coupon needs its {self.type}")
        if self.amount is not None:
            self.amount = two_decimals(self.amount)


def distinct_ids(entries: list[Any], what: str) -> None:
    """A list of settings entries named by ``id`` (tiers, rewards): each id once."""
    if len({entry.id for entry in entries}) != len(entries):
        raise ValueError(f"{what} ids must differ")


class CouponRule(_Strict, kw_only=True):
    value: CouponValue
    valid_days: Annotated[int, Meta(ge=1, le=3650)]
    enabled: bool = True


def _coupon_rule(valid_days: int, enabled: bool = True, **value: Any) -> Any:
    """A default ``CouponRule``, made afresh for each settings object (records are mutable)."""
    return field(default_factory=lambda: CouponRule(value=CouponValue(**value), valid_days=valid_days,
                                                    enabled=enabled))


class StampRules(_Strict, kw_only=True):
    per_order: Annotated[int, Meta(ge=0, le=100)] = 1
    min_order_amount: Amount = "0.00"
    reward_at: Annotated[int, Meta(ge=1, le=1000)] = 10
    # The item's name is the club's own words: left out, it is "1 free item" in the club's language.
    reward: CouponRule = _coupon_rule(90, type="free_item")

    def __post_init__(self) -> None:
        self.min_order_amount = two_decimals(self.min_order_amount)


class CatalogueReward(_Strict, kw_only=True):
    """A reward members buy with points (``POST /api/me/exchanges``): ``points`` for a coupon
    of ``value``, valid ``valid_days``; ``name`` is the owner's words (left out: the offer)."""

    id: Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,30}$")]
    points: Annotated[int, Meta(ge=1, le=1_000_000)]
    value: CouponValue
    valid_days: Annotated[int, Meta(ge=1, le=3650)] = 60
    name: Annotated[str, Meta(min_length=1, max_length=60)] | None = None


class PointsRules(_Strict, kw_only=True):
    # Points per whole krone of the points basis.
    per_currency_unit: Annotated[int, Meta(ge=0, le=1000)] = 1
    # Points lost after this many months without a purchase or redemption; None (the default):
    # never. In Denmark earned points are a claim that lasts three years: shorter is unwise there.
    expire_after_months: Annotated[int, Meta(ge=3, le=36)] | None = None
    # What points buy: 500 points (500 kr spent at 1 point a krone) for 50 kr off by default.
    catalogue: Annotated[list[CatalogueReward], Meta(max_length=20)] = field(default_factory=lambda: [
        CatalogueReward(id="discount-50", points=500, value=CouponValue(type="amount", amount="50.00"))])

    def __post_init__(self) -> None:
        distinct_ids(self.catalogue, "reward")


class Tier(_Strict, kw_only=True):
    """A level reached by spend (or visits) over the last twelve months."""

    id: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_-]{0,30}$")]
    name: Annotated[str, Meta(min_length=1, max_length=40)]
    min_spend: Amount = "0.00"  # with basis spend_12m
    min_visits: Annotated[int, Meta(ge=0, le=10_000)] = 0  # with basis visits_12m

    def __post_init__(self) -> None:
        self.min_spend = two_decimals(self.min_spend)


class TierRules(_Strict, kw_only=True):
    basis: Literal["spend_12m", "visits_12m"] = "spend_12m"
    # Lowest first: a member holds the highest level whose threshold they reach.
    levels: list[Tier] = field(default_factory=lambda: [
        Tier(id="silver", name="Silver", min_spend="2000.00"),
        Tier(id="gold", name="Gold", min_spend="5000.00"),
    ])

    def __post_init__(self) -> None:
        distinct_ids(self.levels, "tier")


class PremiumRules(_Strict, kw_only=True):
    enabled: bool = True
    price: Amount = "199.00"
    interval: Literal["year", "month"] = "year"
    trial_days: Annotated[int, Meta(ge=0, le=365)] = 0
    stamp_multiplier: Annotated[int, Meta(ge=1, le=10)] = 2
    points_multiplier: Annotated[int, Meta(ge=1, le=10)] = 1
    stripe_price_id: str | None = None
    # Days premium lasts past a failed renewal's period start while Stripe retries the payment.
    grace_days: Annotated[int, Meta(ge=0, le=60)] = 7
    # What one reward coupon is worth to a member, for the premium page's "value against price".
    reward_value: Amount = "50.00"
    # Benefits given as coupons of kind "premium" (off by default: the owner chooses them):
    # one when a subscription starts, and one with each renewal that starts a new premium year.
    welcome_coupon: CouponRule = _coupon_rule(30, enabled=False, type="amount", amount="50.00")
    yearly_gift: CouponRule = _coupon_rule(60, enabled=False, type="free_item")
    # Stripe Tax on the subscription: needs the club's tax registration in Stripe first.
    automatic_tax: bool = False

    def __post_init__(self) -> None:
        self.price = two_decimals(self.price)
        self.reward_value = two_decimals(self.reward_value)


class MessagingRules(_Strict, kw_only=True):
    # SMS a day for the whole club.
    sms_daily_cap: Annotated[int, Meta(ge=0, le=100_000)] = 100
    # A cost guard: SMS cost money (about 0.05–0.08 USD each to Norway and Denmark), e-mail
    # next to nothing. Past it, SMS wait for next month (the outcome is "over_budget").
    sms_monthly_budget: Annotated[int, Meta(ge=0, le=1_000_000)] = 1000
    confirmation_cooldown_seconds: Annotated[int, Meta(ge=0, le=86_400)] = 300  # per contact
    quiet_hours: tuple[int, int] = (21, 8)
    # Marketing (onboarding after its first days, reminders, birthday, campaigns) to one member
    # a month, per channel: the club's rhythm, not a flood (messaging.delivery.frequency_cap).
    marketing_emails_per_month: Annotated[int, Meta(ge=0, le=31)] = 2
    marketing_sms_per_month: Annotated[int, Meta(ge=0, le=31)] = 1
    # Limits that keep strangers from running up the bill or flooding someone's inbox
    # (signup.limits.signup_allowances). Past one, the join still answers 202 and sends nothing:
    # confirmations to new contacts from one address (IPv6: its /64) an hour, sign-up messages
    # to one mailbox (a +tag stripped) or phone a day, and the share (%) of the daily SMS cap
    # that one address may use for sign-ups.
    confirmations_per_source_per_hour: Annotated[int, Meta(ge=0, le=100_000)] = 30
    signup_messages_per_contact_per_day: Annotated[int, Meta(ge=0, le=100)] = 3
    sms_cap_percent_per_source: Annotated[int, Meta(ge=0, le=100)] = 20


class ActivityRules(_Strict, kw_only=True):
    """Active: a purchase or redemption in the last N days, for the owner's figures (spells,
    churn) and the expiry job's lapsed marking alike; at most a year (the figures read ahead)."""

    inactive_after_days: Annotated[int, Meta(ge=7, le=365)] = 90


TextByLanguage = dict[Literal["nb", "da", "en"], Annotated[str, Meta(min_length=1, max_length=300)]]


class ClubTexts(_Strict, kw_only=True):
    """The club's own words, per language (the member's, else the club's, else none): a line
    under the join page's heading and on the poster, and a line in the welcome message."""

    join_intro: TextByLanguage = {}
    welcome: TextByLanguage = {}

    def of(self, field: str, locale: str, club_locale: str) -> str | None:
        texts: dict[str, str] = getattr(self, field)
        return texts.get(locale) or texts.get(club_locale)


class EconomicsRules(_Strict, kw_only=True):
    """What the owner knows of the shop's money, for the club's ROI on the dashboard: the
    gross margin on sales (%) and what the club costs a month to run (AWS, SMS, time)."""

    gross_margin_percent: Annotated[int, Meta(ge=0, le=100)] = 60
    running_cost: Amount = "0.00"

    def __post_init__(self) -> None:
        self.running_cost = two_decimals(self.running_cost)


class ClubSettings(_Strict, kw_only=True):
    stamps: StampRules = field(default_factory=StampRules)
    points: PointsRules = field(default_factory=PointsRules)
    tiers: TierRules = field(default_factory=TierRules)
    welcome_coupon: CouponRule = _coupon_rule(10, type="percent", percent=10)
    birthday_coupon: CouponRule = _coupon_rule(30, type="percent", percent=15)
    expiry_reminder_days: Annotated[int, Meta(ge=0, le=60)] = 2
    premium: PremiumRules = field(default_factory=PremiumRules)
    messaging: MessagingRules = field(default_factory=MessagingRules)
    activity: ActivityRules = field(default_factory=ActivityRules)
    economics: EconomicsRules = field(default_factory=EconomicsRules)
    texts: ClubTexts = field(default_factory=ClubTexts)


def merge_settings(current: ClubSettings, changes: dict[str, Any]) -> ClubSettings:
    """Apply a partial settings object: nested objects merge, lists and values replace."""

    def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        merged = dict(base)
        for key, value in patch.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = value
        return merged

    return ClubSettings.parse(merge(current.to_data(), changes))
