"""Secrets from SSM Parameter Store (SecureString with the AWS-managed key: no fixed cost).

Reads go through Powertools Parameters, cached for five minutes in a warm Lambda. Locally
the same calls reach the local stack's SSM, so secrets take the same path as in AWS.
Not Secrets Manager: at 0.40 USD per secret a month it would cost a small club more than
all its traffic.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from memberclub.clients import client
from memberclub.errors import Unavailable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

CACHE_SECONDS = 300
WEBHOOK_KINDS = ("shopify", "woocommerce", "orders")


@functools.cache
def ssm() -> SSMProvider:
    """Powertools' SSM provider (its cache), one per process. Built in Lambda's start-up phase
    (``memberclub.wiring.start_up``) by the functions that read a secret: the client costs a
    first request more CPU than the read itself. The others (stamps, relay, jobs...) never
    import Powertools Parameters (~0.03× of an ``import boto3``).

    Its client is the process's (``memberclub.clients``), with the same timeouts and retries: on
    its own the provider builds a boto3 session of its own, whose first client reads the SDK's
    endpoint data and lists its services all over again (0.3× of an ``import boto3`` at each
    cold start)."""
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    return SSMProvider(boto3_client=client("ssm"))


def forget() -> None:
    """As a new Lambda instance: no client, nothing cached (tests, the bench)."""
    ssm.cache_clear()


def read_secret(name: str, *, fresh: bool = False) -> str:
    """The secret, from the five-minute cache; ``fresh`` reads SSM again (and refreshes the cache)."""
    provider = ssm()
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        return provider.get(name, decrypt=True, max_age=CACHE_SECONDS, force_fetch=fresh)
    except GetParameterError as error:
        raise Unavailable("A secret this service needs is not available.") from error


def token_key(parameter_name: str) -> bytes:
    return read_secret(parameter_name).encode()


def write_secret(ssm_client: Any, name: str, value: str, *, overwrite: bool = True) -> None:
    """Put a SecureString (CloudFormation cannot create one: the CLI and deploy step do)."""
    ssm_client.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=overwrite)
