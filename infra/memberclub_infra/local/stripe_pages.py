"""The local stand-ins for Stripe's hosted pages (never deployed): the checkout page, whose
one form completes the purchase (the local Stripe sends the signed events to
``POST /webhooks/stripe``, as Stripe would) and sends the buyer back to the success page,
and the customer portal page, whose form cancels at the period's end."""

from __future__ import annotations

import html
from typing import Any

from werkzeug.wrappers import Request, Response

from memberclub_infra.local.stripe import LocalStripe

STYLE = ("body{font:16px/1.4 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
         ".label{background:#fff3cd;border:1px solid #e0c46c;border-radius:8px;padding:.5rem .75rem}"
         "button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:0;background:#635bff;color:#fff}")


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" '
                    f'content="width=device-width"><title>{html.escape(title)}</title><style>{STYLE}</style></head>'
                    f'<body><p class="label"><b>Local Stripe stand-in</b> — no money moves; the local stack '
                    f'runs without STRIPE_SECRET_KEY.</p><h1>{html.escape(title)}</h1>{body}</body></html>',
                    status=status, content_type="text/html; charset=utf-8")


def _amount(session: dict[str, Any]) -> str:
    line = session["_params"]["line_items"][0]
    data = line.get("price_data") or {}
    minor = int(data.get("unit_amount") or 0)
    interval = (data.get("recurring") or {}).get("interval", "year")
    if not data:
        return f"price {html.escape(str(line.get('price')))}"
    return f"{minor // 100}.{minor % 100:02d} {html.escape(str(data.get('currency', '')).upper())} / {interval}"


def checkout(stripe: LocalStripe, request: Request, session_id: str) -> Response:
    session = stripe.objects.get(session_id)
    if session is None or session.get("object") != "checkout.session":
        return _page("No such checkout", "<p>This checkout session does not exist.</p>", 404)
    if request.method == "POST":
        stripe.complete_checkout(session_id)
        return Response(status=303, headers={"Location": session["success_url"]})
    if session["status"] == "complete":
        return _page("Paid", f'<p>This checkout is complete. <a href="{html.escape(session["success_url"])}">Back</a></p>')
    email = html.escape(session.get("customer_email") or "")
    return _page("Checkout", f'<p>Subscription: <b data-amount>{_amount(session)}</b></p>'
                 f'<p>E-mail: {email}</p><form method="post"><button type="submit" data-pay>Subscribe (test)</button>'
                 f'</form><p><a href="{html.escape(session["cancel_url"])}">Cancel</a></p>')


def portal(stripe: LocalStripe, request: Request, portal_id: str) -> Response:
    found = stripe.objects.get(portal_id)
    if found is None or found.get("object") != "billing_portal.session":
        return _page("No such portal session", "<p>This portal session does not exist.</p>", 404)
    subscriptions = [o for o in stripe.objects.values() if o.get("object") == "subscription"
                     and o.get("customer") == found["customer"] and o.get("status") not in ("canceled",)]
    if request.method == "POST":
        for sub in subscriptions:
            stripe.cancel_at_period_end(sub["id"])
        return Response(status=303, headers={"Location": found["return_url"]})
    rows = "".join(f"<li>{html.escape(s['id'])}: {html.escape(s['status'])}"
                   f"{' (ends at period end)' if s.get('cancel_at_period_end') else ''}</li>" for s in subscriptions)
    return _page("Customer portal", f"<ul>{rows}</ul><form method=\"post\"><button type=\"submit\" data-cancel>"
                 f"Cancel at period end</button></form>"
                 f'<p><a href="{html.escape(found["return_url"])}">Back</a></p>')
