"""The owner function's doorways: one router per concern, composed by ``functions/owner/app.py``."""
