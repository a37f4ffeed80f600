"""Signup: joining (double opt-in), the member's card and own API, consents, unsubscribe,
export and erasure."""
