"""Mail feedback: the SES configuration set the messages function sends under, whose event
destination puts hard bounces and spam complaints on the account's default event bus (where
SES may publish; a rule there hands them to the messages function: cdk/events.py). The set
also keeps SES from sending to an address it has seen bounce or complain. None of it costs
anything: configuration sets, the destination and AWS events on the default bus are free.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ses as ses
from constructs import Construct

FEEDBACK_EVENTS = ["BOUNCE", "COMPLAINT"]


class MailFeedback(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, configuration_set_name: str) -> None:
        super().__init__(scope, construct_id)
        self.configuration_set = ses.CfnConfigurationSet(
            self, "ConfigurationSet", name=configuration_set_name,
            suppression_options=ses.CfnConfigurationSet.SuppressionOptionsProperty(
                suppressed_reasons=FEEDBACK_EVENTS),
        )
        default_bus = Stack.of(self).format_arn(service="events", resource="event-bus", resource_name="default")
        destination = ses.CfnConfigurationSetEventDestination(
            self, "ToDefaultBus", configuration_set_name=configuration_set_name,
            event_destination=ses.CfnConfigurationSetEventDestination.EventDestinationProperty(
                name="bounces-and-complaints", enabled=True, matching_event_types=FEEDBACK_EVENTS,
                event_bridge_destination=ses.CfnConfigurationSetEventDestination.EventBridgeDestinationProperty(
                    event_bus_arn=default_bus)),
        )
        destination.add_dependency(self.configuration_set)
