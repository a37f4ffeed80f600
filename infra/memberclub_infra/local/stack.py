"""The local stack: starts the local AWS endpoint and the gateway, creates the table from the
same schema as the CDK stack, puts the token key in (local) SSM, seeds the demo club."""

from __future__ import annotations

import json
import os
import secrets as random_secrets
import socket
import threading
from collections import Counter
from datetime import date
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from memberclub import parameters, wiring
from memberclub.settings import ENVIRONMENT, UNPUBLISHED_EVENTS, settings
from memberclub.storage.schema import TABLE, TableSchema
from memberclub_infra import clubs as club_admin
from memberclub_infra.declaration import (
    FUNCTIONS,
    Resources,
    asynchronous_targets,
    environment,
    function_name,
    job_payloads,
    jobs,
    routes,
)
from memberclub_infra.local.aws import LocalAws
from memberclub_infra.local.bus import DEFAULT_TIME_SCALE, LocalBus
from memberclub_infra.local.dynamodb import LocalDynamoDB
from memberclub_infra.local.functions import LOCAL_STACK_NAME, Functions
from memberclub_infra.local.gateway import Gateway, api_gateway_event, compile_routes
from memberclub_infra.local.outbox import Outbox
from memberclub_infra.local.stripe import LocalStripe

REGION = "eu-north-1"
TABLE_NAME = "memberclub-local"
SECRETS_PREFIX = "/memberclub/local"
EXPORTS_BUCKET = "memberclub-local-exports"
LOCAL_MAIL_CONFIGURATION_SET = "memberclub-local-mail"
DEMO_CLUB = {"club_id": "demo", "name": "Demo Bakeri"}


def create_table(dynamodb: Any, name: str, schema: TableSchema = TABLE) -> None:
    """The table as the CDK stack defines it: on demand, the same keys, indexes, TTL and stream."""
    attributes = {schema.partition_key, schema.sort_key}
    indexes = []
    for index in schema.indexes:
        attributes |= {index.partition_key, index.sort_key}
        indexes.append({
            "IndexName": index.name,
            "KeySchema": [{"AttributeName": index.partition_key, "KeyType": "HASH"},
                          {"AttributeName": index.sort_key, "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": index.projection},
        })
    stream = {}
    if schema.stream_view_type:
        stream["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": schema.stream_view_type}
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        KeySchema=[{"AttributeName": schema.partition_key, "KeyType": "HASH"},
                   {"AttributeName": schema.sort_key, "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=indexes,
        **stream,
    )
    dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": schema.ttl_attribute})


class QuietRequestHandler(WSGIRequestHandler):
    """The local AWS endpoint answers hundreds of SDK calls: not worth a console line each."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStack:
    def __init__(self, port: int = 8000, public_url: str | None = None, mail_from: str | None = None,
                 token_key: str | None = None, time_scale: float = DEFAULT_TIME_SCALE, all_events: bool = True):
        self.port = port
        # Every event is published here, so GET /_local/events shows what each change causes;
        # a deployment publishes only what its rules consume unless told (``-c all_events``).
        # ``make bench`` runs the stack as deployed.
        self.all_events = all_events
        # New at every start unless given (the end-to-end tests give one, to make the links a
        # message would carry before any message carries them).
        self.token_key = token_key or random_secrets.token_urlsafe(32)
        self.base_url = (public_url or f"http://127.0.0.1:{port}").rstrip("/")
        self.mail_from = mail_from or "Demo Bakeri <klubb@memberclub.local>"
        self.outbox = Outbox()
        self.functions = Functions()
        self.bus = LocalBus(self.functions.invoke, time_scale=time_scale)
        # The local DynamoDB: its stream listeners (add_stream_listener) get each committed change.
        self.dynamodb = LocalDynamoDB()
        # The table's stream, as Lambda's event source mapping reads it: to the declared targets.
        self.dynamodb.add_stream_listener(self.bus.put_stream_record)
        self.aws = LocalAws(self.bus.put_events, self.outbox, self.dynamodb)
        self._servers: list[BaseWSGIServer] = []
        self.demo: club_admin.CreatedClub | None = None
        # The local Stripe, when no STRIPE_SECRET_KEY says to use Stripe's test mode.
        self.stripe: LocalStripe | None = None

    # --- start and stop -----------------------------------------------------------------

    def start(self, *, seed: bool = True, deliver_events: bool = True) -> None:
        """Start everything; ``deliver_events=False`` keeps published events queued (tests
        deliver them by hand), and the gateway is served only by ``serve_*``."""
        aws_server = make_server("127.0.0.1", free_port(), self.aws, threaded=True,
                                 request_handler=QuietRequestHandler)
        self._serve(aws_server, "local-aws")
        self.aws_url = f"http://127.0.0.1:{aws_server.server_port}"
        os.environ.pop(UNPUBLISHED_EVENTS, None)  # a stack started before in this process may have set it
        os.environ.update(self.environment())
        wiring.reset()
        create_table(wiring.client("dynamodb"), TABLE_NAME)
        wiring.client("s3").create_bucket(Bucket=EXPORTS_BUCKET,
                                          CreateBucketConfiguration={"LocationConstraint": REGION})
        self._create_dead_letter_queues()
        parameters.write_secret(wiring.client("ssm"), settings().token_key_parameter, self.token_key)
        self._set_up_stripe()
        if deliver_events:
            self.bus.start()
        if seed:
            self.demo = self.create_club(DEMO_CLUB)
        self.gateway_server = make_server("127.0.0.1", self.port, Gateway(self), threaded=True)

    def _create_dead_letter_queues(self) -> None:
        """The redelivery function's dead-letter queues, in the local SQS (moto), and the
        environment that tells it where each function's failures go — as the CDK stack does.
        (The local bus itself keeps its dead letters in ``/_local/events``.)"""
        sqs = wiring.client("sqs")
        targets = {}
        for spec in asynchronous_targets():
            url = sqs.create_queue(QueueName=f"memberclub-{spec.name}-dead-letters")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            targets[function_name(LOCAL_STACK_NAME, spec)] = {
                "dead_letter_queue_url": url, "dead_letter_queue_arn": arn,
                "delays_seconds": list(spec.async_failures.later_delays_seconds)}
        self.dead_letter_queue_urls = {name: target["dead_letter_queue_url"] for name, target in targets.items()}
        os.environ[ENVIRONMENT["redelivery_targets"]] = json.dumps(targets)
        os.environ[ENVIRONMENT["redelivery_role_arn"]] = "arn:aws:iam::000000000000:role/memberclub-local-scheduler"
        wiring.reset()

    def _set_up_stripe(self) -> None:
        """Stripe's keys into the local SSM (the path they take in AWS). With
        ``STRIPE_SECRET_KEY`` (a test key) the SDK talks to Stripe's test mode, or to
        ``STRIPE_API_BASE``; without one, to the local Stripe, which signs its events with a
        secret of its own and hands them to ``POST /webhooks/stripe``."""
        secret_key = os.environ.get("STRIPE_SECRET_KEY")
        webhook_secret = os.environ.get("STRIPE_WEBHOOK_SECRET") or "whsec_" + random_secrets.token_hex(24)
        if not secret_key:
            secret_key = "sk_test_local"
            self.stripe = LocalStripe(webhook_secret, self.base_url, deliver=self.deliver_stripe_event,
                                      failing=lambda: "stripe" in self.aws.failing)
            stripe_server = make_server("127.0.0.1", free_port(), self.stripe, threaded=True,
                                        request_handler=QuietRequestHandler)
            self._serve(stripe_server, "local-stripe")
            os.environ[ENVIRONMENT["stripe_api_base"]] = f"http://127.0.0.1:{stripe_server.server_port}"
            wiring.reset()
        ssm = wiring.client("ssm")
        parameters.write_secret(ssm, settings().stripe_secret_key_parameter, secret_key)
        parameters.write_secret(ssm, settings().stripe_webhook_secret_parameter, webhook_secret)

    def deliver_stripe_event(self, payload: bytes, signature: str) -> int:
        """A signed Stripe event to ``POST /webhooks/stripe``, as Stripe delivers it; its status."""
        route = next(c for c in compile_routes(routes()) if c.route.key == "POST /webhooks/stripe")
        request = Request(EnvironBuilder(path="/webhooks/stripe", method="POST", data=payload, headers={
            "Stripe-Signature": signature, "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}).get_environ())
        answer = self.functions.invoke("premium", api_gateway_event(request, route, {}))
        return int(answer.get("statusCode", 500))

    def serve_forever(self) -> None:
        self.gateway_server.serve_forever()


    def stop(self) -> None:
        self.bus.stop()
        for server in [*self._servers, getattr(self, "gateway_server", None)]:
            if server is not None:
                server.shutdown() if server in self._servers else server.server_close()

    def _serve(self, server: BaseWSGIServer, name: str) -> None:
        self._servers.append(server)
        threading.Thread(target=server.serve_forever, name=name, daemon=True).start()

    def environment(self) -> dict[str, str]:
        resources = Resources(table_name=TABLE_NAME, secrets_prefix=SECRETS_PREFIX, public_url=self.base_url,
                              mail_from=self.mail_from, exports_bucket=EXPORTS_BUCKET, all_events=self.all_events)
        env = environment(FUNCTIONS[0], resources)
        env.update({
            # Every local function shares one environment (the first function's), so the
            # exports bucket, which only some functions are given in AWS, is named here.
            ENVIRONMENT["exports_bucket"]: EXPORTS_BUCKET,
            # The local SES takes the configuration set's name and sends SES's simulator
            # addresses' bounces and complaints to the bus, as the real one does.
            ENVIRONMENT["mail_configuration_set"]: LOCAL_MAIL_CONFIGURATION_SET,
            "POWERTOOLS_SERVICE_NAME": "memberclub-local",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("MEMBERCLUB_LOG_LEVEL", "WARNING"),
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        })
        return env

    # --- what the local routes and the CLI do ------------------------------------------------

    @property
    def clubs(self) -> Any:
        return wiring.clubs()

    def create_club(self, body: Any) -> club_admin.CreatedClub:
        _, club = club_admin.parse_create_request(body)
        return club_admin.create_club(wiring.clubs(), wiring.client("ssm"), settings(), club)

    def set_secret(self, club_id: str, kind: str, value: Any) -> None:
        club_admin.set_webhook_secret(wiring.client("ssm"), settings(), club_id, kind,
                                      value if isinstance(value, str) else "")

    def premium_setup(self, club_id: str) -> dict[str, Any]:
        """``memberclub premium setup``: the club's Price in the Stripe the stack uses."""
        from memberclub.errors import NotFound
        from memberclub.premium.price import set_up_premium_price

        club = wiring.clubs().fresh(club_id)
        if club is None:
            raise NotFound(f"There is no club {club_id!r}.", code="unknown_club")
        setup = set_up_premium_price(wiring.premium_services().billing, wiring.clubs(), club)
        return {"club_id": club_id, "price_id": setup.price_id, "lookup_key": setup.lookup_key,
                "price_created": setup.created}

    def run_job(self, job: str, day: date) -> dict[str, Any]:
        """Invoke the job as EventBridge Scheduler would on ``day``: the runs at which
        a club's local hour for the job falls on ``day`` in its own zone; the counts summed."""
        store = wiring.job_services().store
        zones = {club.timezone for club in map(store.club, store.club_ids()) if club}
        counts: Counter[str] = Counter()
        for payload in job_payloads(job, day, zones):
            result = self.functions.invoke(jobs()[job].name, payload)
            counts.update({k: v for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)})
        return {"job": job, "date": day.isoformat()} | dict(counts)

    def describe(self) -> str:
        lines = [f"memberclub local stack on {self.base_url}", ""]
        if self.demo:
            lines += [
                f"  Join page        {self.base_url}/join/demo?source=qr",
                f"  Owner key        {self.demo.owner_key}   (demo club; new at every start)",
            ]
            if any(r.key == "GET /owner/{club}" for s in FUNCTIONS for r in s.routes):
                lines.append(f"  Owner dashboard  {self.base_url}/owner/demo")
            lines += [f"  Webhook secrets  {', '.join(f'{k}={v}' for k, v in self.demo.webhook_secrets.items())}"]
        lines += [
            f"  Outbox           {self.base_url}/_local/outbox.html",
            f"  Events           {self.base_url}/_local/events",
            "  Stripe           " + ("a local stand-in (checkout and portal pages under /_local/stripe/; "
                                     "STRIPE_SECRET_KEY=sk_test_… uses Stripe's test mode)" if self.stripe
                                     else "Stripe itself (STRIPE_SECRET_KEY)"),
            "",
            "State lives in memory and starts empty at every start. Ctrl-C stops.",
        ]
        return "\n".join(lines)
