"""Scheduled jobs: birthday gifts, coupon reminders and expiry, the onboarding steps.

Each job works from the scheduled time EventBridge Scheduler hands it (``calendar``), serves
every club whose local morning hour has come at that time, and issues nothing twice for a
club and date (the data's conditions decide, so a retried or late run does the same thing).
"""
