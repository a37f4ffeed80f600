"""Premium: the paid membership on top of the free club, billed yearly through Stripe.

- ``state``: what a Stripe subscription means for the member (premium until when), pure.
- ``webhook``: Stripe's events → the member's premium state and the events that tell them.
- ``checkout``: the Checkout Session a member buys with, and the customer portal.
- ``offer``: the premium page's value against price.
- ``stripe_billing``: the only code that imports stripe (the adapter ``services.Billing`` names).
"""
