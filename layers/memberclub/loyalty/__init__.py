"""Loyalty: what an order earns (stamps, points, tiers, rewards, refunds), planned as plain
functions and applied exactly once; the till; redemption."""
