"""memberclub: the shared domain package every function imports (it ships as a Lambda layer).

Modules, from the bottom up:

- ``errors``, ``clock``, ``ids``, ``money``: small building blocks.
- ``settings``: each function's environment, parsed once.
- ``club``, ``contacts``, ``consent``, ``tokens``, ``coupons``, ``members``: the rules, as plain Python.
- ``storage``: the one DynamoDB table (keys, schema, reads and writes).
- ``events``, ``eventbus``: the event models and the EventBridge adapter.
- ``membership``: the signup use cases (join, confirm, consents, unsubscribe, export, erase).
- ``messaging``: templates, message rules and the e-mail/SMS senders.
- ``web``: what the FastAPI apps share (error mapping, body limit, page rendering).
- ``observability``: Logger, Tracer and Metrics, created once.
"""
