"""messages: sends the e-mail and SMS that club events call for (an EventBridge target).

A doorway: the EventBridge envelope is parsed into a record (``memberclub.records``), the delivery rules in
``memberclub.messaging`` decide and send. SES's bounces and complaints come in too
(``messaging.feedback``): they stop e-mail to an address. Any failure raises, so EventBridge retries the
event and, in the end, parks it in the rule's dead-letter queue: nothing is dropped.
"""

from __future__ import annotations

from typing import Any

from memberclub import parameters, wiring
from memberclub.events import EventEnvelope
from memberclub.messaging.delivery import deliver_event
from memberclub.messaging.feedback import SES_SOURCE, record_mail_feedback
from memberclub.observability import EVENTBRIDGE_CORRELATION, lambda_entry

# Built in Lambda's start-up phase, with burst CPU, rather than by the first request (wiring.start_up).
wiring.start_up(wiring.message_deliveries, wiring.clubs, parameters.ssm)


@lambda_entry(EVENTBRIDGE_CORRELATION)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    envelope = EventEnvelope.parse(event)
    if envelope.source == SES_SOURCE:  # SES's bounces and complaints, from the default bus
        return {"feedback": record_mail_feedback(wiring.clubs(), wiring.mail_feedback(), envelope.detail)}
    deliveries = wiring.message_deliveries()
    deliveries.config.register_lambda_context(context)
    return {"outcomes": deliver_event(deliveries, envelope.detail_type, envelope.detail)}
