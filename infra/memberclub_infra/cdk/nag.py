"""Every cdk-nag (AwsSolutions) acknowledgement of the stack, each with its reason.

This is the only module that acknowledges anything. cdk-nag 3 wants one acknowledgement
per finding (``AwsSolutions-IAM5[Resource::…]``, not the bare rule), so each one below is
as narrow as the finding and sits on the construct it is about. A finding that is not
listed here fails ``make synth`` and ``tests/infra/test_nag.py``.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from memberclub_infra.cdk.stack import MemberclubStack

BASIC_EXECUTION_ROLE = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
ACCOUNT_REGION = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>"


def _ack(scope: IConstruct, finding: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions::AwsSolutions-{finding}", reason=reason))


def _arn(scope: IConstruct) -> str:
    """How cdk-nag writes ``Fn::GetAtt [<logical id>, Arn]`` in a finding."""
    stack = Stack.of(scope)
    return f"<{stack.resolve(stack.get_logical_id(scope.node.default_child))}.Arn>"


def acknowledge(stack: MemberclubStack) -> None:
    _ack(stack.api.http_api, "APIG4",
         "Authorisation is done in the functions, per route, where the club is known: member card "
         "tokens (Bearer), hashed owner keys and session cookies, webhook HMAC signatures (Shopify, "
         "WooCommerce, generic) and Stripe-Signature. Join, confirm and unsubscribe pages are public on "
         "purpose. An API Gateway authorizer cannot check an HMAC over the raw body.")

    for name, queue in (stack.events.dead_letter_queues | stack.jobs.dead_letter_queues
                        | stack.streams.dead_letter_queues).items():
        _ack(queue, "SQS3",
             f"This queue is the dead-letter queue of {name}: it needs no dead-letter queue of its own.")

    for spec in stack.specs:
        function = stack.functions.by_name[spec.name]
        _ack(function, "L1",
             "python3.13 on purpose: the layer's native wheels (pydantic-core) are built for cp313 and "
             "every test runs on 3.13. python3.14 comes when the declaration's RUNTIME and the layer move together.")
        _ack(function, f"IAM4[Policy::{BASIC_EXECUTION_ROLE}]",
             "AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs "
             "(logs:CreateLogGroup/CreateLogStream/PutLogEvents); AWS maintains it.")
        if stack.config.tracing:
            _ack(function, "IAM5[Resource::*]",
                 "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has no resource-level "
                 "permissions: AWS documents Resource '*' for these actions.")
        if spec.access.table != "none":
            _ack(function, f"IAM5[Resource::{_arn(stack.data.table)}/index/*]",
                 "The table's own global secondary indexes (birthday, expiry, member), granted by "
                 "grant_read(_write)_data: queries on them are access patterns of this function.")
        if spec.access.read_club_secrets or spec.access.write_club_secrets:
            _ack(function, f"IAM5[Resource::{ACCOUNT_REGION.format(service='ssm')}:parameter"
                           f"{stack.config.secrets_prefix}/clubs/*]",
                 "Each club's webhook secrets are SSM parameters under <prefix>/clubs/<club>/: clubs are "
                 "created at run time, so their names are not known when the stack is deployed.")
        if spec.access.send_email:
            _ack(function, f"IAM5[Resource::{ACCOUNT_REGION.format(service='ses')}:identity/*]",
                 "ses:SendEmail from the SES identities verified in this account and region: which one "
                 "(mail_from) is deployment configuration, and SES refuses unverified senders anyway.")
        if spec.stream_sources:
            _ack(function, "IAM5[Resource::*]",
                 "dynamodb:ListStreams, which Lambda's event source mapping needs to read the table's "
                 "stream, has no resource-level permissions; the stream's own actions (DescribeStream, "
                 "GetRecords, GetShardIterator) are granted on this table's stream only.")
        if spec.access.send_sms:
            _ack(function, f"IAM5[Resource::{ACCOUNT_REGION.format(service='sms-voice')}:*]",
                 "sms-voice:SendTextMessage with the origination identities (phone numbers, sender ids, "
                 "pools) of this account and region: End User Messaging picks one unless sms_sender_id names it.")

    for spec in stack.specs:
        for job in spec.schedules:
            target = stack.functions.by_name[spec.name]
            _ack(stack.jobs, f"IAM5[Resource::{_arn(target)}:*]",
                 f"EventBridge Scheduler's role may invoke {spec.name} and its versions and aliases "
                 f"(the {job.job} job's target): the CDK's LambdaInvoke target grants function ARN and ARN:*.")
