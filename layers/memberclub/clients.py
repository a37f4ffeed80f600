"""The process's AWS clients: all from boto3's one default session, all with the same timeouts.

One session matters at a cold start: a session's first client reads the SDK's endpoint data and
lists its services (about 0.4× of an ``import boto3``), and a second session would pay that
again. ``wiring`` builds the adapters on these clients, ``parameters`` reads secrets with one.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

# Fail fast: a webhook sender (Shopify) waits 5 s at most, a person not much longer.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=4)


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)
