"""How messages travel: SES v2 for e-mail, AWS End User Messaging SMS for text messages.

The only module that calls those services. Locally the same calls reach the local stack,
which keeps each message in its outbox (``GET /_local/outbox``) instead of sending it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from memberclub.messaging.render import Rendered


class DeliveryFailed(Exception):
    """The provider refused or could not be reached: the event is retried (then dead-lettered)."""


class Transport:
    """``sms_client`` is a function that gives the SMS client: most clubs send e-mail only, and
    building the client (its service model read and parsed) would cost every cold start of the
    messages function about a tenth of an ``import boto3`` for nothing; the first text builds it."""

    def __init__(self, ses_client: Any, sms_client: Callable[[], Any], *, mail_from: str, sms_sender_id: str | None,
                 mail_configuration_set: str | None = None):
        self.ses = ses_client
        self.sms_client = sms_client
        self.mail_from = mail_from
        self.sms_sender_id = sms_sender_id
        self.mail_configuration_set = mail_configuration_set

    def send(self, message: Rendered, *, club_id: str, member_id: str) -> str:
        """Send and return the provider's message id."""
        try:
            if message.channel == "email":
                return self._send_email(message, club_id, member_id)
            return self._send_sms(message)
        except (BotoCoreError, ClientError) as error:
            raise DeliveryFailed(f"{message.channel} to the provider failed: {error}") from error

    def _send_email(self, message: Rendered, club_id: str, member_id: str) -> str:
        # The configuration set publishes bounces and complaints with these tags, which name
        # the member they concern (messaging.feedback).
        configuration = {"ConfigurationSetName": self.mail_configuration_set} if self.mail_configuration_set else {}
        answer = self.ses.send_email(
            **configuration,
            FromEmailAddress=self.mail_from,
            Destination={"ToAddresses": [message.to]},
            Content={
                "Simple": {
                    "Subject": {"Data": message.subject or "", "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": message.text, "Charset": "UTF-8"},
                        "Html": {"Data": message.html or "", "Charset": "UTF-8"},
                    },
                    "Headers": [{"Name": name, "Value": value} for name, value in message.headers.items()],
                }
            },
            EmailTags=[{"Name": "kind", "Value": message.kind}, {"Name": "club", "Value": club_id},
                       {"Name": "member", "Value": member_id}],
        )
        return answer["MessageId"]

    def _send_sms(self, message: Rendered) -> str:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": message.to,
            "MessageBody": message.text,
            "MessageType": "TRANSACTIONAL",
            "Context": {"kind": message.kind},
        }
        if self.sms_sender_id:
            request["OriginationIdentity"] = self.sms_sender_id
        return self.sms_client().send_text_message(**request)["MessageId"]
