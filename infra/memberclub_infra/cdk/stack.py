"""The memberclub stack: thin, it composes one construct per capability."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from memberclub_infra.cdk.api import Api
from memberclub_infra.cdk.config import DeploymentConfig
from memberclub_infra.cdk.data import Data
from memberclub_infra.cdk.events import Events
from memberclub_infra.cdk.functions import Functions, title
from memberclub_infra.cdk.jobs import Jobs
from memberclub_infra.cdk.layer import SharedLayer
from memberclub_infra.cdk.mail import MailFeedback
from memberclub_infra.cdk.monitoring import Monitoring
from memberclub_infra.cdk.redelivery import Redelivery
from memberclub_infra.cdk.streams import Streams
from memberclub_infra.declaration import FUNCTIONS, FunctionSpec, mail_configuration_set_name


class MemberclubStack(Stack):
    def __init__(self, scope: Construct, config: DeploymentConfig,
                 specs: tuple[FunctionSpec, ...] = FUNCTIONS, **kwargs: Any) -> None:
        # Environment-agnostic (no account, no region, no lookups): synth needs no AWS at all.
        super().__init__(scope, config.stack_name, stack_name=config.stack_name,
                         description="memberclub: a membership club for small businesses", **kwargs)
        self.config = config
        self.specs = specs
        self.data = Data(self, "Data")
        self.layer = SharedLayer(self, "SharedLayer")
        self.events = Events(self, "Events", bus_name=config.bus_name)
        self.mail = MailFeedback(self, "Mail", configuration_set_name=mail_configuration_set_name(config.stack_name))
        self.api = Api(self, "Api", config=config)
        self.functions = Functions(
            self,
            "Functions",
            specs=specs,
            config=config,
            layer=self.layer.layer,
            table=self.data.table,
            bus=self.events.bus,
            public_url_for=lambda spec: self.public_url_for(spec),
            exports=self.data.exports,
        )
        self.api.serve(specs, self.functions.by_name)
        self.redelivery = Redelivery(self, "Redelivery", specs=specs, functions=self.functions.by_name,
                                     stack_name=config.stack_name)
        self.events.route(specs, self.functions.by_name, self.redelivery.dead_letter_queues)
        self.jobs = Jobs(self, "Jobs", specs=specs, functions=self.functions.by_name,
                         dead_letter_queues=self.redelivery.dead_letter_queues,
                         job_time_zones=config.job_time_zones)
        self.streams = Streams(self, "Streams", specs=specs, functions=self.functions.by_name,
                               table=self.data.table)
        self.dead_letter_queues = self.redelivery.dead_letter_queues | self.streams.dead_letter_queues
        self.monitoring = (
            Monitoring(self, "Monitoring", dead_letter_queues=self.dead_letter_queues, config=config)
            if config.alarms else None
        )

        CfnOutput(self, "ApiUrl", value=self.api.endpoint,
                  description="The HTTP API's own URL: join pages, member card, webhooks, owner pages")
        if config.public_url:
            CfnOutput(self, "PublicUrl", value=config.public_url,
                      description="The custom domain in front of ApiUrl: the base of links in messages")
        CfnOutput(self, "TableName", value=self.data.table.table_name)
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name)
        CfnOutput(self, "SecretsPrefix", value=config.secrets_prefix,
                  description="SSM SecureString parameters live under this path (put by `make deploy`)")
        CfnOutput(self, "JobTimeZones", value=",".join(config.job_time_zones),
                  description="The club jobs run daily in these zones; a club's zone must keep one's clock")
        for name, function in self.functions.by_name.items():
            CfnOutput(self, f"FunctionName{title(name)}", value=function.function_name)
        for name, queue in self.dead_letter_queues.items():
            CfnOutput(self, f"DeadLetterQueue{title(name)}", value=queue.queue_url,
                      description=f"What {name} could not do, after every retry (memberclub dlq show)")

    def public_url_for(self, spec: FunctionSpec) -> str | None:
        """The base of links in messages. A custom domain if one is given; otherwise functions
        that serve no HTTP route get the API's own URL. HTTP functions derive their links from
        the request's host, so a link follows the address the member used."""
        if self.config.public_url:
            return self.config.public_url
        return None if spec.routes else self.api.endpoint
