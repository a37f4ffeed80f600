"""The premium function's doorways: the member's API, the premium page, Stripe's webhook."""
