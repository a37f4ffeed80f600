"""Signup: joining (double opt-in), the member's card and own API, consents, unsubscribe,
export and erasure.

- ``join``: the join request and its checks, ``join_club``; ``limits``: the sign-up limits.
- ``confirm``: ``confirm_membership`` (pending → active, the welcome coupon).
- ``card``: who a card token names, the card and ``GET /api/me``.
- ``consents``: changing consents, one-click unsubscribe.
- ``gdpr``: the export and erasure (and what erasure removes).
- ``services``: ``SignupServices`` and the seams' Protocols; what they and storage share.
- ``views``: the pages' contexts; ``http``: the FastAPI routers of the signup function.
"""
