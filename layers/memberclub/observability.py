"""Logger, Tracer and Metrics, created once; one decorator gives every handler the same order.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` (set per function by the stack).
Metrics carry no per-club dimension: each dimension combination is a billable custom
metric, and the owner's bill is the product.

Tracing (X-Ray) is a switch (``cdk.json`` context ``tracing``): the X-Ray SDK adds about
half a ``boto3`` import to every cold start (``make bench``), and traces beyond the free
tier cost money. Only ``POWERTOOLS_TRACE_DISABLED=false`` (what the stack sets when the
switch is on) turns it on; otherwise the SDK is never imported and the decorator skips it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

logger = Logger()
metrics = Metrics(namespace="memberclub")
TRACING = os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() in ("false", "0")
if TRACING:
    from aws_lambda_powertools import Tracer

    tracer: Any = Tracer()

# Most requests publish no metric; Powertools would warn about that on every one of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")

HTTP_CORRELATION = correlation_paths.API_GATEWAY_HTTP
EVENTBRIDGE_CORRELATION = correlation_paths.EVENT_BRIDGE


def lambda_entry(correlation_id_path: str | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Logger (with correlation id, where the event has one), then Tracer, then Metrics:
    the order every handler uses."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        handler = metrics.log_metrics(handler)
        if TRACING:
            handler = tracer.capture_lambda_handler(handler)
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(handler)

    return wrap
