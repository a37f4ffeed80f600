"""The premium page's sum: what premium would have given this member over the last twelve
months, against its price ("Verdi 600 kr – pris 199 kr/år"), with the calculation shown.

The value is the extra stamps premium earns (the stamp multiplier) on the member's own paid
visits of the last twelve months, turned into rewards at the club's ``reward_at`` and priced
at the club's ``reward_value``, plus the premium welcome coupon when the club gives one (a
percentage off is worth that share of the member's own average basket). The yearly gift
comes with each renewal, so it is shown as a benefit but not counted in the first year. A
member who would not gain is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from memberclub import i18n, money
from memberclub.club import Club
from memberclub.club_rules import CouponRule
from memberclub.members import Member


@dataclass(frozen=True)
class PremiumOffer:
    visits: int
    extra_stamps: int
    extra_rewards: float
    stamps_value_minor: int
    welcome_value_minor: int  # the premium welcome coupon's worth to this member (0: none)
    price_minor: int

    @property
    def value_minor(self) -> int:
        return self.stamps_value_minor + self.welcome_value_minor

    @property
    def worth_it(self) -> bool:
        return self.value_minor >= self.price_minor


def last_twelve_months(club: Club, now: datetime) -> list[str]:
    local = now.astimezone(club.zone)
    year, month = local.year, local.month
    months = []
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def coupon_worth(club: Club, rule: CouponRule, average_basket_minor: int) -> int:
    """What a coupon is worth to the member: its amount, a free item at the club's reward
    value, a percentage of the member's own average basket."""
    if not rule.enabled:
        return 0
    value = rule.value
    if value.type == "amount" and value.amount is not None:
        return money.to_minor(value.amount)
    if value.type == "percent" and value.percent is not None:
        return average_basket_minor * value.percent // 100
    return money.to_minor(club.settings.premium.reward_value)


def premium_offer(club: Club, member: Member, now: datetime) -> PremiumOffer:
    rules, stamps = club.settings.premium, club.settings.stamps
    months = last_twelve_months(club, now)
    visits = sum(member.visits_by_month.get(month, 0) for month in months)
    spend = sum(member.spend_by_month.get(month, 0) for month in months)
    extra_stamps = visits * stamps.per_order * (rules.stamp_multiplier - 1)
    stamps_value = extra_stamps * money.to_minor(rules.reward_value) // stamps.reward_at
    welcome = coupon_worth(club, rules.welcome_coupon, spend // visits if visits else 0)
    return PremiumOffer(visits=visits, extra_stamps=extra_stamps, extra_rewards=extra_stamps / stamps.reward_at,
                        stamps_value_minor=stamps_value, welcome_value_minor=welcome,
                        price_minor=money.to_minor(rules.price))


def offer_lines(club: Club, offer: PremiumOffer, locale: str) -> dict[str, object]:
    """The page's words: the headline, the benefits, the calculation and the verdict, in the
    member's language."""
    rules = club.settings.premium

    def kr(minor: int) -> str:
        return i18n.money(money.to_decimal_string(minor), club.currency, locale)

    def described(rule: CouponRule) -> str:
        return i18n.describe_offer(rule.value.to_data(), locale, club.currency)

    interval = i18n.text(locale, f"premium.per_{rules.interval}")
    rewards = f"{offer.extra_rewards:.1f}"
    rewards = rewards.replace(".", ",") if locale in ("nb", "da") else rewards
    calculation = i18n.text(locale, "premium.calculation", visits=offer.visits,
                            per=club.settings.stamps.per_order * (rules.stamp_multiplier - 1),
                            extra=offer.extra_stamps, rewards=rewards,
                            reward_value=kr(money.to_minor(rules.reward_value)), value=kr(offer.stamps_value_minor))
    benefits = [i18n.text(locale, "premium.benefit_stamps", multiplier=rules.stamp_multiplier)]
    if rules.points_multiplier > 1:
        benefits.append(i18n.text(locale, "premium.benefit_points", multiplier=rules.points_multiplier))
    if rules.welcome_coupon.enabled:
        benefits.append(i18n.text(locale, "premium.benefit_welcome", offer=described(rules.welcome_coupon)))
        calculation += " " + i18n.text(locale, "premium.calculation_welcome", worth=kr(offer.welcome_value_minor),
                                       value=kr(offer.value_minor))
    if rules.yearly_gift.enabled:
        benefits.append(i18n.text(locale, "premium.benefit_yearly_gift", offer=described(rules.yearly_gift)))
    return {
        "headline": i18n.text(locale, "premium.headline", value=kr(offer.value_minor),
                              price=kr(offer.price_minor), per=interval),
        "calculation": calculation,
        "verdict": i18n.text(locale, "premium.worth_it" if offer.worth_it else "premium.not_worth_it"),
        "benefits": benefits,
    }
