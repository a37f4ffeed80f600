"""The premium page's sum: what premium would have given this member over the last twelve
months, against its price ("Verdi 600 kr – pris 199 kr/år"), with the calculation shown.

The value is the extra stamps premium earns (the stamp multiplier) on the member's own paid
visits of the last twelve months, turned into rewards at the club's ``reward_at`` and priced
at the club's ``reward_value``. A member who would not gain is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from memberclub import i18n, money
from memberclub.club import Club
from memberclub.members import Member


@dataclass(frozen=True)
class PremiumOffer:
    visits: int
    extra_stamps: int
    extra_rewards: float
    value_minor: int
    price_minor: int

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


def premium_offer(club: Club, member: Member, now: datetime) -> PremiumOffer:
    rules, stamps = club.settings.premium, club.settings.stamps
    visits = sum(member.visits_by_month.get(month, 0) for month in last_twelve_months(club, now))
    extra_stamps = visits * stamps.per_order * (rules.stamp_multiplier - 1)
    value = extra_stamps * money.to_minor(rules.reward_value) // stamps.reward_at
    return PremiumOffer(visits=visits, extra_stamps=extra_stamps, extra_rewards=extra_stamps / stamps.reward_at,
                        value_minor=value, price_minor=money.to_minor(rules.price))


def offer_lines(club: Club, offer: PremiumOffer, locale: str) -> dict[str, str]:
    """The page's words: the headline, the calculation and the verdict, in the club's language."""
    rules = club.settings.premium

    def kr(minor: int) -> str:
        return i18n.money(money.to_decimal_string(minor), club.currency, locale)

    interval = i18n.text(locale, f"premium.per_{rules.interval}")
    rewards = f"{offer.extra_rewards:.1f}"
    rewards = rewards.replace(".", ",") if locale in ("nb", "da") else rewards
    return {
        "headline": i18n.text(locale, "premium.headline", value=kr(offer.value_minor),
                              price=kr(offer.price_minor), per=interval),
        "calculation": i18n.text(locale, "premium.calculation", visits=offer.visits,
                                 per=club.settings.stamps.per_order * (rules.stamp_multiplier - 1),
                                 extra=offer.extra_stamps, rewards=rewards,
                                 reward_value=kr(money.to_minor(rules.reward_value)), value=kr(offer.value_minor)),
        "verdict": i18n.text(locale, "premium.worth_it" if offer.worth_it else "premium.not_worth_it"),
        "benefit": i18n.text(locale, "premium.benefit_stamps", multiplier=rules.stamp_multiplier),
    }
