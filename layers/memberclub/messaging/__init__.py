"""Messages to members: which event sends what (``rules``), what it says (``catalog``),
how it looks (``render``), how it travels (``transport``) and the once-only delivery
under consent and caps (``delivery``).

Adding a message is adding a template to ``catalog.TEMPLATES`` and a rule to
``rules.RULES`` (and its detail type to the messages function's event rule in the
declaration).
"""
