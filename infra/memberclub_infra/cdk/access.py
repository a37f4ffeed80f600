"""Least privilege: each function's role gets what its ``Access`` declaration names, no more."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from memberclub.settings import Settings
from memberclub_infra.declaration import Access
from memberclub_infra.deploy import sender_address

# What the functions send as when no mail_from is given (the Settings default): SES refuses it,
# and `make deploy` refuses to deploy without a real sender, but a synthesised template is
# still granted exactly the sender its functions would use.
DEFAULT_MAIL_FROM = Settings.mail_from  # the dataclass field's default


def parameter_arn(scope: Stack, name: str) -> str:
    """The ARN of an SSM parameter (``name`` starts with '/'), in this account and region."""
    return scope.format_arn(service="ssm", resource="parameter", resource_name=name.lstrip("/"),
                            arn_format=ArnFormat.SLASH_RESOURCE_NAME)


def sender_identities(mail_from: str | None) -> tuple[str, list[str]]:
    """The bare From address and the SES identities that may stand for it: the address itself
    and its domain (SES accepts a From address when either is verified)."""
    address = sender_address(mail_from or DEFAULT_MAIL_FROM)
    return address, [address, address.rpartition("@")[2]]


def sms_origination_resources(sms_sender_id: str | None) -> list[str]:
    """What ``sms-voice:SendTextMessage`` is granted on: ARNs, or resource parts after
    ``arn:<partition>:sms-voice:<region>:<account>:``.

    The Service Authorization Reference lists three resource types for SendTextMessage, none
    required: PhoneNumber (``phone-number/<id>``), SenderId (``sender-id/<id>/<country>``)
    and Pool (``pool/<id>``). With ``sms_sender_id`` the grant is that one identity (a sender
    ID in every country, a phone number or pool by its id, or an ARN as given); without one
    End User Messaging picks from the account's identities, so the grant is on the three
    types in this account and region."""
    identity = (sms_sender_id or "").strip()
    if not identity:
        return ["phone-number/*", "sender-id/*", "pool/*"]
    if identity.startswith("arn:"):
        return [identity]
    if identity.startswith("phone-"):
        return [f"phone-number/{identity}"]
    if identity.startswith("pool-"):
        return [f"pool/{identity}"]
    if identity.startswith("+"):  # an E.164 number: its phone-number id is not known here
        return ["phone-number/*"]
    return [f"sender-id/{identity}/*"]


def grant_access(function: lambda_.Function, access: Access, *, table: dynamodb.ITable, bus: events.IEventBus,
                 secrets_prefix: str, mail_from: str | None = None, sms_sender_id: str | None = None,
                 mail_configuration_set: str | None = None,
                 exports: s3.IBucket | None = None) -> None:
    stack = Stack.of(function)
    if exports is not None and access.exports != "none":
        # The owner's links are signed with its role, so it may read the files; the exports
        # function writes them (a multipart upload it aborts on failure).
        actions = ["s3:GetObject"] if access.exports == "read" else ["s3:PutObject", "s3:AbortMultipartUpload"]
        function.add_to_role_policy(iam.PolicyStatement(actions=actions,
                                                        resources=[exports.arn_for_objects("members/*")]))
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
    if access.read_stripe_secrets:
        # The two by name (Settings.stripe_*_parameter): no wildcard needed.
        statements += [("ssm:GetParameter", parameter_arn(stack, f"{secrets_prefix}/stripe/{name}"))
                       for name in ("secret-key", "webhook-secret")]
    if access.write_club_secrets:
        statements.append(("ssm:PutParameter", parameter_arn(stack, f"{secrets_prefix}/clubs/*")))
    for action, resource in statements:
        function.add_to_role_policy(iam.PolicyStatement(actions=[action], resources=[resource]))

    if access.send_email:
        # SES v2 SendEmail needs the identity the From address is verified as (the address or
        # its domain); ses:FromAddress holds the function to that one address, so a verified
        # domain does not let it send as anyone@ that domain. Mail goes out under the
        # configuration set (bounces and complaints come back: cdk/mail.py), which SendEmail
        # must be allowed on too.
        address, identities = sender_identities(mail_from)
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["ses:SendEmail"],
            resources=[stack.format_arn(service="ses", resource="identity", resource_name=identity)
                       for identity in identities]
            + ([stack.format_arn(service="ses", resource="configuration-set", resource_name=mail_configuration_set)]
               if mail_configuration_set else []),
            conditions={"StringEquals": {"ses:FromAddress": address}},
        ))
    if access.send_sms:
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            resources=[resource if resource.startswith("arn:") else
                       stack.format_arn(service="sms-voice", resource=resource.split("/", 1)[0],
                                        resource_name=resource.split("/", 1)[1],
                                        arn_format=ArnFormat.SLASH_RESOURCE_NAME)
                       for resource in sms_origination_resources(sms_sender_id)],
        ))
