"""Loyalty: what an order earns and how it moves the card, exactly once.

- ``rules``: the plain rules (earnings, ``rewards_due`` — 10 stamps = 1 free —, take-back, tiers).
- ``plan``: the pure planners (``plan_purchase``, ``plan_refund``, ``move_card``) → an ``OrderChange``.
- ``change``: that change, its ``LedgerEntry`` lines, the ``Accrual`` answer and the conflicts.
- ``accrue``: ``accrue_purchase`` / ``reverse_refund``: a plan applied once, re-planned on a conflict.
- ``till``: ``stamp_at_till``; ``redeem``: ``redeem_coupon``.
- ``services``: ``LoyaltyServices`` and the Protocols of its seams.
"""
