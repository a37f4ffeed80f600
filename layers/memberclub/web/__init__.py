"""What the HTTP apps share. ``pages`` needs only Jinja2 (the messages function renders
e-mail with it); ``app`` is the FastAPI part, imported only by HTTP functions."""
