"""Every cdk-nag (AwsSolutions) acknowledgement of the stack, each with its reason.

This is the only module that acknowledges anything. cdk-nag 3 wants one acknowledgement
per finding (``AwsSolutions-IAM5[Resource::…]``, not the bare rule), so each one below is
as narrow as the finding and sits on the construct it is about. A finding that is not
listed here fails ``make synth`` and ``tests/infra/test_nag.py``.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from memberclub_infra.cdk.access import sms_origination_resources
from memberclub_infra.cdk.stack import MemberclubStack

ACCOUNT_REGION = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>"


def _ack(scope: IConstruct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions::AwsSolutions-{finding}", reason=reason))


def _arn(scope: IConstruct) -> str:
    """How cdk-nag writes ``Fn::GetAtt [<logical id>, Arn]`` in a finding."""
    stack = Stack.of(scope)
    return f"<{stack.resolve(stack.get_logical_id(scope.node.default_child))}.Arn>"


def acknowledge(stack: MemberclubStack) -> None:
    acknowledge_redelivery(stack)
    _ack(stack.api.http_api, "APIG4",
         "Authorisation is done in the functions, per route, where the club is known: signed member "
         "tokens (in the card, confirmation and unsubscribe links, and as the Bearer token of /api/me), "
         "the club's owner key (Bearer, stored hashed) on the till routes, and HMAC signatures over the "
         "raw body on the webhooks (Shopify, WooCommerce, generic). The join page and join API are public "
         "on purpose (throttled lower, with per-contact and per-address limits in the function). An API "
         "Gateway authorizer cannot check an HMAC over the raw body or a token a link carries.")

    _ack(stack.data.exports, "S1",
         "The exports bucket holds nothing for long (S3 deletes every file after a day) and is read only "
         "through five-minute presigned links the owner function signs for the club's owner; server access "
         "logs would be a second bucket that costs money while nobody uses the club. Who asked for an export "
         "is in the owner function's log.")

    for name, queue in stack.dead_letter_queues.items():
        _ack(queue, "SQS3",
             f"This queue is the dead-letter queue of {name}: it needs no dead-letter queue of its own.")

    for spec in stack.specs:
        function = stack.functions.by_name[spec.name]
        _ack(function, "L1",
             "python3.13 on purpose: the layer's native wheels (pydantic-core) are built for cp313 and "
             "every test runs on 3.13. python3.14 comes when the declaration's RUNTIME and the layer move together.")
        if stack.config.tracing:
            _ack(function, "IAM5[Resource::*]",
                 "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has no resource-level "
                 "permissions: AWS documents Resource '*' for these actions.")
        if spec.access.table != "none":
            _ack(function, f"IAM5[Resource::{_arn(stack.data.table)}/index/*]",
                 "The table's own global secondary indexes (birthday, expiry, member), granted by "
                 "grant_read(_write)_data: queries on them are access patterns of this function.")
        if spec.access.exports != "none":
            _ack(function, f"IAM5[Resource::{_arn(stack.data.exports)}/members/*]",
                 "Members exports are files named by club and export id (members/<club>/<export id>.csv), "
                 "made at run time: the grant covers the exports bucket's members/ prefix only.")
        if spec.access.read_club_secrets or spec.access.write_club_secrets:
            _ack(function, f"IAM5[Resource::{ACCOUNT_REGION.format(service='ssm')}:parameter"
                           f"{stack.config.secrets_prefix}/clubs/*]",
                 "Each club's webhook secrets are SSM parameters under <prefix>/clubs/<club>/: clubs are "
                 "created at run time, so their names are not known when the stack is deployed.")
        if spec.stream_sources:
            _ack(function, "IAM5[Resource::*]",
                 "dynamodb:ListStreams, which Lambda's event source mapping needs to read the table's "
                 "stream, has no resource-level permissions; the stream's own actions (DescribeStream, "
                 "GetRecords, GetShardIterator) are granted on this table's stream only.")
        if spec.access.send_sms:
            for resource in sms_origination_resources(stack.config.sms_sender_id):
                if "*" in resource and not resource.startswith("arn:"):
                    _ack(function, f"IAM5[Resource::{ACCOUNT_REGION.format(service='sms-voice')}:{resource}]",
                         "sms-voice:SendTextMessage on an origination identity of this account and region: "
                         "the named sender ID in every country it is registered in, or, without sms_sender_id, "
                         "the phone numbers, sender IDs and pools End User Messaging may pick from (the three "
                         "resource types the Service Authorization Reference lists for SendTextMessage).")

    for spec in stack.specs:
        for job in spec.schedules:
            target = stack.functions.by_name[spec.name]
            _ack(stack.jobs, f"IAM5[Resource::{_arn(target)}:*]",
                 f"EventBridge Scheduler's role may invoke {spec.name} and its versions and aliases "
                 f"(the {job.job} job's target): the CDK's LambdaInvoke target grants function ARN and ARN:*.")


def acknowledge_redelivery(stack: MemberclubStack) -> None:
    """What redelivering failed invocations needs (memberclub_infra.cdk.redelivery)."""
    redelivery = stack.functions.by_name.get("redelivery")
    if redelivery is None or not stack.redelivery.dead_letter_queues:
        return
    for spec in stack.specs:
        if not spec.invoked_asynchronously:
            continue
        _ack(stack.functions.by_name[spec.name], f"IAM5[Resource::{_arn(redelivery)}:*]",
             f"Lambda's on-failure destination of {spec.name} is the redelivery function: the CDK grants "
             "lambda:InvokeFunction on it and its versions (ARN and ARN:*), nothing else.")
        _ack(stack.redelivery.scheduler_role, f"IAM5[Resource::{_arn(stack.functions.by_name[spec.name])}:*]",
             f"The redelivery schedules' role may invoke {spec.name} and its versions (the CDK's grant_invoke "
             "gives ARN and ARN:*): the failed function is the only target.")
    _ack(redelivery, f"IAM5[Resource::{ACCOUNT_REGION.format(service='scheduler')}:schedule/default/redeliver-*]",
         "The redelivery function creates one-time schedules named redeliver-<hash> (each deletes itself "
         "after running): their names are made at run time, one per failed invocation.")
