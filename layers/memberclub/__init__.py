"""memberclub: the shared domain package every function imports (it ships as a Lambda layer).

The rooms, from the bottom up (docs/architecture.md draws them, and
tests/unit/test_architecture.py keeps the order):

- the kernel, this folder's modules: ``errors``, ``clock``, ``ids``, ``money``, ``settings``,
  ``club``, ``club_rules``, ``members``, ``coupons``, ``consent``, ``contacts``, ``tokens``, ``events``, ``i18n``.
- ``web``: what the HTTP functions share (error mapping, body limit, pages, the plain handler).
- ``signup``, ``orders``, ``loyalty``, ``owner``: the capabilities, each its use cases over
  typed services (Protocols), no AWS.
- ``messaging``, ``storage``, ``eventing``: the adapters to SES/SMS, DynamoDB and EventBridge.
- ``wiring``, ``parameters``: the composition root, which builds the adapters once per container.
"""
