"""The settings form page: the rules an owner changes most, as plain form fields.

Each field is named by its dotted path in ``ClubSettings`` (``stamps.reward_at``); a posted
form becomes the same partial settings object that ``PUT /owner/{club}/settings`` takes, so
one validation (``owner.settings``) serves both. Everything else is changed through the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memberclub.club_rules import ClubSettings
from memberclub.errors import Invalid


@dataclass(frozen=True)
class FormField:
    path: str
    kind: str  # "int", "amount" or "bool"
    label: str


FIELDS = (
    FormField("stamps.per_order", "int", "Stamps per paid order"),
    FormField("stamps.min_order_amount", "amount", "Smallest order that earns a stamp"),
    FormField("stamps.reward_at", "int", "Stamps for a reward"),
    FormField("stamps.reward.valid_days", "int", "Reward coupon valid (days)"),
    FormField("points.per_currency_unit", "int", "Points per whole krone"),
    FormField("welcome_coupon.value.percent", "int", "Welcome coupon (% off)"),
    FormField("welcome_coupon.valid_days", "int", "Welcome coupon valid (days)"),
    FormField("welcome_coupon.enabled", "bool", "Give a welcome coupon"),
    FormField("birthday_coupon.value.percent", "int", "Birthday coupon (% off)"),
    FormField("birthday_coupon.valid_days", "int", "Birthday coupon valid (days)"),
    FormField("birthday_coupon.enabled", "bool", "Give a birthday coupon"),
    FormField("expiry_reminder_days", "int", "Remind before a coupon expires (days)"),
    FormField("premium.price", "amount", "Premium price"),
    FormField("premium.trial_days", "int", "Premium trial (days)"),
    FormField("premium.stamp_multiplier", "int", "Premium: stamps per order multiplied by"),
    FormField("premium.points_multiplier", "int", "Premium: points per order multiplied by"),
    FormField("premium.welcome_coupon.value.amount", "amount", "Premium welcome coupon (amount off)"),
    FormField("premium.welcome_coupon.valid_days", "int", "Premium welcome coupon valid (days)"),
    FormField("premium.welcome_coupon.enabled", "bool", "Give a premium welcome coupon"),
    FormField("premium.yearly_gift.valid_days", "int", "Premium yearly gift valid (days)"),
    FormField("premium.yearly_gift.enabled", "bool", "Give premium members a gift each renewed year"),
    FormField("premium.automatic_tax", "bool", "Stripe Tax on premium (needs a tax registration in Stripe)"),
    FormField("messaging.sms_daily_cap", "int", "SMS a day at most"),
    FormField("messaging.sms_monthly_budget", "int", "SMS a month at most (a cost guard)"),
    FormField("economics.gross_margin_percent", "int", "Gross margin on sales (%), for the ROI"),
    FormField("economics.running_cost", "amount", "What the club costs a month to run, for the ROI"),
)


def current_value(settings: ClubSettings, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def form_rows(settings: ClubSettings, errors: dict[str, str] | None = None,
              posted: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The fields the club's settings have (a percent field only for a percent coupon)."""
    rows = []
    for field in FIELDS:
        value = current_value(settings, field.path)
        if value is None:
            continue
        shown = (posted or {}).get(field.path, value if field.kind != "bool" else "on" if value else "")
        rows.append({"path": field.path, "kind": field.kind, "label": field.label, "value": shown,
                     "error": (errors or {}).get(field.path)})
    return rows


def settings_from_form(settings: ClubSettings, form: dict[str, str]) -> dict[str, Any]:
    """The partial settings object a posted form says (only the fields it changes); 422
    naming a field that is no whole number."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in FIELDS:
        current = current_value(settings, field.path)
        if current is None:
            continue
        if field.kind == "bool":
            value: Any = form.get(field.path) == "on"
        elif field.path not in form:
            continue
        elif field.kind == "int":
            try:
                value = int(form[field.path].strip())
            except ValueError:
                errors[field.path] = "a whole number"
                continue
        else:
            value = form[field.path].strip()
        if value != current:
            target = changes
            *parents, last = field.path.split(".")
            for part in parents:
                target = target.setdefault(part, {})
            target[last] = value
    if errors:
        raise Invalid("Some settings are not valid.", fields=errors)
    return changes
