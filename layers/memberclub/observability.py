"""Logger, Tracer and Metrics, created once; one decorator gives every handler the same order.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` (set per function by the stack).
Metrics carry no per-club dimension: each dimension combination is a billable custom
metric, and the owner's bill is the product.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="memberclub")

# Most requests publish no metric; Powertools would warn about that on every one of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")

HTTP_CORRELATION = correlation_paths.API_GATEWAY_HTTP
EVENTBRIDGE_CORRELATION = correlation_paths.EVENT_BRIDGE


def lambda_entry(correlation_id_path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Logger (with correlation id), then Tracer, then Metrics: the order every handler uses."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        handler = metrics.log_metrics(handler)
        handler = tracer.capture_lambda_handler(handler)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(handler)

    return wrap
