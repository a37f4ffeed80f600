"""Least privilege: each function's role gets what its ``Access`` declaration names, no more."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from memberclub_infra.declaration import Access


def parameter_arn(scope: Stack, name: str) -> str:
    """The ARN of an SSM parameter (``name`` starts with '/'), in this account and region."""
    return scope.format_arn(service="ssm", resource="parameter", resource_name=name.lstrip("/"),
                            arn_format=ArnFormat.SLASH_RESOURCE_NAME)


def grant_access(function: lambda_.Function, access: Access, *, table: dynamodb.ITable, bus: events.IEventBus,
                 secrets_prefix: str) -> None:
    stack = Stack.of(function)
    if access.table == "read":
        table.grant_read_data(function)
    elif access.table == "read_write":
        table.grant_read_write_data(function)

    if access.publish_events:
        bus.grant_put_events_to(function)

    # Secrets are SSM SecureString parameters under the AWS-managed key (its key policy lets
    # SSM decrypt for callers in this account): the stack names them, a deploy step puts them.
    statements: list[tuple[str, str]] = []
    if access.read_token_key:
        statements.append(("ssm:GetParameter", parameter_arn(stack, f"{secrets_prefix}/token-key")))
    if access.read_club_secrets:
        statements.append(("ssm:GetParameter", parameter_arn(stack, f"{secrets_prefix}/clubs/*")))
    if access.write_club_secrets:
        statements.append(("ssm:PutParameter", parameter_arn(stack, f"{secrets_prefix}/clubs/*")))
    if access.send_email:
        # SES v2 SendEmail, from any identity verified in this account and region.
        statements.append(("ses:SendEmail", stack.format_arn(service="ses", resource="identity", resource_name="*")))
    if access.send_sms:
        # AWS End User Messaging SMS: phone numbers, sender ids and pools of this account and region.
        statements.append(("sms-voice:SendTextMessage", stack.format_arn(service="sms-voice", resource="*")))
    for action, resource in statements:
        function.add_to_role_policy(iam.PolicyStatement(actions=[action], resources=[resource]))
