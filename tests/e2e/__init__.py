"""End-to-end tests: the local stack over HTTP and in headless Chromium (a package, so its
modules have names of their own beside the other tiers')."""
