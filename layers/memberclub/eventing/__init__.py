"""Eventing: putting events on the bus (the EventBridge adapter and the outbox relay) and
retrying what failed (redelivery)."""
