"""Benchmarks that count what is stable on a shared machine (``make bench``)."""
