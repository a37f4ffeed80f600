"""A club's rules: the settings object and its parts.

``ClubSettings`` is the object that ``club create``, ``POST /_local/clubs`` and
``PUT /owner/{club}/settings`` take (partially: ``merge_settings``). Its defaults are the
demo club's and every new club's (docs/api.md, "Demo club defaults"). Money in settings is
a decimal string in the club's currency, as everywhere outside storage.
"""

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from memberclub import money


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _amount(value: str) -> str:
    try:
        minor = money.to_minor(value)
    except ValueError as error:
        raise ValueError("an amount like \"249.00\"") from error
    if minor < 0:
        raise ValueError("must not be negative")
    return money.to_decimal_string(minor)


# A non-negative decimal string such as "249.00", normalised to two decimals.
Amount = Annotated[str, AfterValidator(_amount)]


class CouponValue(_Strict):
    """What a coupon gives: ``percent`` off, an ``amount`` off, or a ``free_item``."""

    type: Literal["percent", "amount", "free_item"]
    percent: int | None = Field(None, ge=1, le=100)
    amount: Amount | None = None
    item: str | None = Field(None, min_length=1, max_length=60)

    @model_validator(mode="after")
    def _has_its_figure(self) -> Self:
        # A free item without a name gets the club's words for "1 free item" (Club fills it in).
        needed = {"percent": self.percent, "amount": self.amount, "free_item": ""}[self.type]
        if needed is None:
            raise ValueError(f"a {self.type} coupon needs its {self.type}")
        return self


def distinct_ids(entries: list[Any], what: str) -> list[Any]:
    """A list of settings entries named by ``id`` (tiers, rewards): each id once."""
    if len({entry.id for entry in entries}) != len(entries):
        raise ValueError(f"{what} ids must differ")
    return entries


class CouponRule(_Strict):
    value: CouponValue
    valid_days: int = Field(ge=1, le=3650)
    enabled: bool = True


class StampRules(_Strict):
    per_order: int = Field(1, ge=0, le=100)
    min_order_amount: Amount = "0.00"
    reward_at: int = Field(10, ge=1, le=1000)
    # The item's name is the club's own words: left out, it is "1 free item" in the club's language.
    reward: CouponRule = CouponRule(value=CouponValue(type="free_item"), valid_days=90)



class CatalogueReward(_Strict):
    """A reward members buy with points (``POST /api/me/exchanges``): ``points`` for a coupon
    of ``value``, valid ``valid_days``; ``name`` is the owner's words (left out: the offer)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,30}$")
    points: int = Field(ge=1, le=1_000_000)
    value: CouponValue
    valid_days: int = Field(60, ge=1, le=3650)
    name: str | None = Field(None, min_length=1, max_length=60)


class PointsRules(_Strict):
    per_currency_unit: int = Field(1, ge=0, le=1000, description="points per whole krone of the points basis")
    # Points lost after this many months without a purchase or redemption; None (the default):
    # never. In Denmark earned points are a claim that lasts three years: shorter is unwise there.
    expire_after_months: int | None = Field(None, ge=3, le=36)
    # What points buy: 500 points (500 kr spent at 1 point a krone) for 50 kr off by default.
    catalogue: list[CatalogueReward] = Field(
        default=[CatalogueReward(id="discount-50", points=500, value=CouponValue(type="amount", amount="50.00"))],
        max_length=20)

    _distinct_rewards = field_validator("catalogue")(lambda cls, catalogue: distinct_ids(catalogue, "reward"))


class Tier(_Strict):
    """A level reached by spend (or visits) over the last twelve months."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,30}$")
    name: str = Field(min_length=1, max_length=40)
    min_spend: Amount = "0.00"  # with basis spend_12m
    min_visits: int = Field(0, ge=0, le=10_000)  # with basis visits_12m


class TierRules(_Strict):
    basis: Literal["spend_12m", "visits_12m"] = "spend_12m"
    # Lowest first: a member holds the highest level whose threshold they reach.
    levels: list[Tier] = [
        Tier(id="silver", name="Silver", min_spend="2000.00"),
        Tier(id="gold", name="Gold", min_spend="5000.00"),
    ]

    _distinct_levels = field_validator("levels")(lambda cls, levels: distinct_ids(levels, "tier"))


class PremiumRules(_Strict):
    enabled: bool = True
    price: Amount = "199.00"
    interval: Literal["year", "month"] = "year"
    trial_days: int = Field(0, ge=0, le=365)
    stamp_multiplier: int = Field(2, ge=1, le=10)
    points_multiplier: int = Field(1, ge=1, le=10)
    stripe_price_id: str | None = None
    # Days premium lasts past a failed renewal's period start while Stripe retries the payment.
    grace_days: int = Field(7, ge=0, le=60)
    # What one reward coupon is worth to a member, for the premium page's "value against price".
    reward_value: Amount = "50.00"
    # Benefits given as coupons of kind "premium" (off by default: the owner chooses them):
    # one when a subscription starts, and one with each renewal that starts a new premium year.
    welcome_coupon: CouponRule = CouponRule(value=CouponValue(type="amount", amount="50.00"), valid_days=30,
                                            enabled=False)
    yearly_gift: CouponRule = CouponRule(value=CouponValue(type="free_item"), valid_days=60, enabled=False)
    # Stripe Tax on the subscription: needs the club's tax registration in Stripe first.
    automatic_tax: bool = False



class MessagingRules(_Strict):
    sms_daily_cap: int = Field(100, ge=0, le=100_000, description="SMS a day for the whole club")
    # A cost guard: SMS cost money (about 0.05–0.08 USD each to Norway and Denmark), e-mail
    # next to nothing. Past it, SMS wait for next month (the outcome is "over_budget").
    sms_monthly_budget: int = Field(1000, ge=0, le=1_000_000, description="SMS a month for the whole club")
    confirmation_cooldown_seconds: int = Field(300, ge=0, le=86_400, description="per contact")
    quiet_hours: tuple[int, int] = (21, 8)
    # Marketing (onboarding after its first days, reminders, birthday, campaigns) to one member
    # a month, per channel: the club's rhythm, not a flood (messaging.delivery.frequency_cap).
    marketing_emails_per_month: int = Field(2, ge=0, le=31, description="marketing e-mails to one member a month")
    marketing_sms_per_month: int = Field(1, ge=0, le=31, description="marketing SMS to one member a month")
    # Limits that keep strangers from running up the bill or flooding someone's inbox
    # (signup.limits.signup_allowances). Past one, the join still answers 202 and sends nothing.
    confirmations_per_source_per_hour: int = Field(
        30, ge=0, le=100_000, description="confirmations to new contacts from one address (IPv6: its /64)")
    signup_messages_per_contact_per_day: int = Field(
        3, ge=0, le=100, description="sign-up messages to one mailbox (a +tag stripped) or phone")
    sms_cap_percent_per_source: int = Field(
        20, ge=0, le=100, description="the share of the daily SMS cap one address may use for sign-ups, in %")


class ActivityRules(_Strict):
    """Active: a purchase or redemption in the last N days, for the owner's figures (spells,
    churn) and the expiry job's lapsed marking alike; at most a year (the figures read ahead)."""

    inactive_after_days: int = Field(90, ge=7, le=365, description="days without a purchase before a member lapses")


TextByLanguage = dict[Literal["nb", "da", "en"], Annotated[str, Field(min_length=1, max_length=300)]]


class ClubTexts(_Strict):
    """The club's own words, per language (the member's, else the club's, else none): a line
    under the join page's heading and on the poster, and a line in the welcome message."""

    join_intro: TextByLanguage = {}
    welcome: TextByLanguage = {}

    def of(self, field: str, locale: str, club_locale: str) -> str | None:
        texts: dict[str, str] = getattr(self, field)
        return texts.get(locale) or texts.get(club_locale)


class EconomicsRules(_Strict):
    """What the owner knows of the shop's money, for the club's ROI on the dashboard."""

    gross_margin_percent: int = Field(60, ge=0, le=100, description="gross margin on sales, in %")
    running_cost: Amount = Field("0.00", description="what the club costs a month to run (AWS, SMS, time)")


class ClubSettings(_Strict):
    stamps: StampRules = StampRules()
    points: PointsRules = PointsRules()
    tiers: TierRules = TierRules()
    welcome_coupon: CouponRule = CouponRule(value=CouponValue(type="percent", percent=10), valid_days=10)
    birthday_coupon: CouponRule = CouponRule(value=CouponValue(type="percent", percent=15), valid_days=30)
    expiry_reminder_days: int = Field(2, ge=0, le=60)
    premium: PremiumRules = PremiumRules()
    messaging: MessagingRules = MessagingRules()
    activity: ActivityRules = ActivityRules()
    economics: EconomicsRules = EconomicsRules()
    texts: ClubTexts = ClubTexts()


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

    return ClubSettings.model_validate(merge(current.model_dump(mode="json"), changes))
