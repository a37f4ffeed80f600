"""The local AWS endpoint that every boto3 client of the functions talks to (``AWS_ENDPOINT_URL``).

- DynamoDB and SSM: moto in server mode, the real wire protocol, every request inside
  ``LocalDynamoDB.request()`` (``dynamodb.py``): one lock serialises them, because moto's
  check-then-write is not atomic under concurrent requests and conditional writes must hold
  in a race; transactions keep an undo log instead of copying the table; committed changes
  are handed to stream listeners.
- EventBridge ``PutEvents``: handed to the local bus, which delivers to the declared targets.
- SES v2 ``SendEmail`` and End User Messaging ``SendTextMessage``: kept in the outbox. Mail
  to SES's simulator addresses under a configuration set (``bounce@simulator.amazonses.com``,
  ``complaint@…``) bounces or complains: SES's event goes on the bus, as in AWS.
- SES v2 ``GetEmailIdentity``: answers from ``verified_identities`` (the local mail domain
  ``memberclub.local`` and whatever a test adds), and the sender the local stack gives its
  functions (``MEMBERCLUB_MAIL_FROM``) counts as verified too, so the deploy preflight's SES
  check runs against the local stack as against SES.

Faults can be switched on per service (``POST /_local/faults``) to show what happens when a
dependency fails: the caller gets 503, events are retried and then dead-lettered. DynamoDB
has a second fault, ``transaction_conflict``: transactions that write an item another
transaction wrote a moment before are cancelled with ``TransactionConflict``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote

from moto import backends as moto_backends
from moto.server import DomainDispatcherApplication, create_backend_app

from memberclub import clock
from memberclub_infra.local.dynamodb import LocalDynamoDB
from memberclub_infra.local.outbox import Outbox

# moto's dispatcher lists its own package directory (a listdir and a stat per service, some
# 150) on every request to find the service; the list never changes while the stack runs.
moto_backends.list_of_moto_modules = functools.cache(  # type: ignore[assignment]
    lambda listed=moto_backends.list_of_moto_modules: tuple(listed()))

StartResponse = Callable[..., Any]
FAULTY_SERVICES = ("eventbridge", "sesv2", "sms", "dynamodb", "stripe")
# Faults other than "the service fails", by service and mode, and their names in ``failing``.
TRANSACTION_CONFLICT = "dynamodb:transaction_conflict"
FAULT_MODES = {("dynamodb", "transaction_conflict"): TRANSACTION_CONFLICT}
SES_IDENTITIES = "/v2/email/identities/"


class LocalAws:
    def __init__(self, put_events: Callable[[list[dict[str, Any]]], list[str]], outbox: Outbox,
                 dynamodb: LocalDynamoDB):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.dynamodb = dynamodb
        self.put_events = put_events
        self.outbox = outbox
        self.failing: set[str] = set()
        # SES identities verified for sending (addresses and domains), as GetEmailIdentity tells.
        self.verified_identities: set[str] = {"memberclub.local"}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        path = environ.get("PATH_INFO", "")
        if target.startswith("AWSEvents."):
            return self._json_service("eventbridge", target, environ, start_response, self._eventbridge)
        if target.startswith("PinpointSMSVoiceV2."):
            return self._json_service("sms", target, environ, start_response, self._sms)
        if path.startswith(SES_IDENTITIES) and environ.get("REQUEST_METHOD") == "GET":
            return self._get_email_identity(unquote(path.removeprefix(SES_IDENTITIES)), start_response)
        if path.startswith("/v2/email/"):
            return self._json_service("sesv2", path, environ, start_response, self._ses)
        if "dynamodb" in self.failing and target.startswith("DynamoDB_"):
            return _answer(start_response, 500, {"__type": "InternalServerError", "message": "local fault"})
        # SSM's requests too: one moto, one lock.
        with self.dynamodb.request(transaction_conflicts=TRANSACTION_CONFLICT in self.failing):
            return list(self.moto(environ, start_response))

    def _json_service(self, service: str, operation: str, environ: dict[str, Any], start_response: StartResponse,
                      handle: Callable[[str, dict[str, Any]], dict[str, Any]]) -> Iterable[bytes]:
        if service in self.failing:
            return _answer(start_response, 503, {"__type": "ServiceUnavailableException", "message": "local fault"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        try:
            return _answer(start_response, 200, handle(operation, body))
        except KeyError as missing:
            return _answer(start_response, 400, {"__type": "ValidationException", "message": f"missing {missing}"})

    def _get_email_identity(self, identity: str, start_response: StartResponse) -> Iterable[bytes]:
        """SES v2 GetEmailIdentity: 200 for a verified identity, 404 NotFoundException otherwise."""
        if "sesv2" in self.failing:
            return _answer(start_response, 503, {"__type": "ServiceUnavailableException", "message": "local fault"})
        own_sender = parseaddr(os.environ.get("MEMBERCLUB_MAIL_FROM", ""))[1]
        verified = {name.lower() for name in self.verified_identities | ({own_sender} if own_sender else set())}
        if identity.lower() not in verified:
            return _answer(start_response, 404, {"__type": "NotFoundException", "message": f"{identity} does not exist"})
        return _answer(start_response, 200, {
            "IdentityType": "EMAIL_ADDRESS" if "@" in identity else "DOMAIN",
            "FeedbackForwardingStatus": True,
            "VerifiedForSendingStatus": True,
            "VerificationStatus": "SUCCESS",
            "DkimAttributes": {"SigningEnabled": "@" not in identity, "Status": "SUCCESS"},
        })

    def _eventbridge(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        if target != "AWSEvents.PutEvents":
            raise KeyError(target)
        event_ids = self.put_events(body["Entries"])
        return {"FailedEntryCount": 0, "Entries": [{"EventId": event_id} for event_id in event_ids]}

    def _sms(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        if target != "PinpointSMSVoiceV2.SendTextMessage":
            raise KeyError(target)
        kind = (body.get("Context") or {}).get("kind", "")
        return {"MessageId": self.outbox.add_sms(body["DestinationPhoneNumber"], body["MessageBody"], kind)}

    def _ses(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.rstrip("/") != "/v2/email/outbound-emails":
            raise KeyError(path)
        simple = body["Content"]["Simple"]
        tags = {tag["Name"]: tag["Value"] for tag in body.get("EmailTags", [])}
        headers = {header["Name"]: header["Value"] for header in simple.get("Headers", [])}
        message_id = ""
        for to in body["Destination"]["ToAddresses"]:
            message_id = self.outbox.add_email(
                to, simple["Subject"]["Data"], simple["Body"].get("Text", {}).get("Data", ""),
                simple["Body"].get("Html", {}).get("Data", ""), headers, tags.get("kind", ""),
            )
            simulated = SES_SIMULATOR.match(to)
            if simulated and body.get("ConfigurationSetName"):
                # SES's mailbox simulator: the address bounces or complains, and the
                # configuration set's event destination puts that on the (default) bus.
                self.put_events([ses_feedback_event(simulated.group(1), to, message_id, self.mail_from(), tags)])
        return {"MessageId": message_id or uuid.uuid4().hex}

    @staticmethod
    def mail_from() -> str:
        return parseaddr(os.environ.get("MEMBERCLUB_MAIL_FROM", ""))[1] or "no-reply@memberclub.local"


# SES's mailbox simulator addresses (a +label is allowed): bounce@… bounces, complaint@… complains.
SES_SIMULATOR = re.compile(r"^(bounce|complaint)(?:\+[^@]*)?@simulator\.amazonses\.com$", re.IGNORECASE)


def ses_feedback_event(kind: str, to: str, message_id: str, source: str, tags: dict[str, str]) -> dict[str, Any]:
    """A PutEvents entry as SES's event destination sends it: the event publishing record (in
    the shape of SES's own example records) as the detail."""
    now = clock.iso(clock.now())
    mail = {"timestamp": now, "source": source, "sendingAccountId": "000000000000", "messageId": message_id,
            "destination": [to], "headersTruncated": False,
            "tags": {name: [value] for name, value in tags.items()}
            | {"ses:configuration-set": ["memberclub-local-mail"], "ses:from-domain": [source.rsplit("@", 1)[-1]]}}
    if kind.lower() == "bounce":
        detail = {"eventType": "Bounce", "mail": mail, "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General", "timestamp": now, "feedbackId": uuid.uuid4().hex,
            "reportingMTA": "dns; email.example.com",
            "bouncedRecipients": [{"emailAddress": to, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}
        detail_type = "Email Bounced"
    else:
        detail = {"eventType": "Complaint", "mail": mail, "complaint": {
            "complainedRecipients": [{"emailAddress": to}], "timestamp": now, "feedbackId": uuid.uuid4().hex,
            "userAgent": "Mozilla/5.0", "complaintFeedbackType": "abuse", "arrivalDate": now}}
        detail_type = "Email Complaint Received"
    return {"Source": "aws.ses", "DetailType": detail_type, "Detail": json.dumps(detail), "Resources": []}


def _answer(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    raw = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error",
              503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/x-amz-json-1.1"),
                                          ("Content-Length", str(len(raw))), ("x-amzn-RequestId", uuid.uuid4().hex)])
    return [raw]
