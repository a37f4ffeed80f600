"""The deploy preflight: what ``make deploy`` checks before it creates anything in AWS.

A first deploy fails in ways a person cannot see from the outside: the token key in one
region and the stack in another (every call then answers 503), a sender SES refuses (nobody
can join by e-mail), a stack name whose secrets path the functions refuse. So ``make
deploy`` runs ``memberclub --aws deploy check`` first, which resolves the region once,
finds the account, checks the stack name, the sender and the CDK bootstrap, says what it
found, and writes the region for every later step (secrets, bootstrap, ``cdk deploy``).

Pure functions over their inputs: each AWS check takes the boto3 client it calls, so the
unit tests give it a stubbed client and the integration tests the local stack's.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from memberclub.settings import InvalidSetting, Settings
from memberclub_infra.declaration import FUNCTIONS, function_name

# CloudFormation's own rule for stack names (letters, digits, '-', starting with a letter),
# kept to 64 characters so the names derived from it (bus, API, log groups) fit too.
STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
MAX_FUNCTION_NAME = 64  # Lambda's limit on a function's name
BOOTSTRAP_STACK = "CDKToolkit"
# The bootstrap stack is there but cannot be used or updated as it is.
BROKEN_STACK_STATES = {"CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE",
                       "DELETE_IN_PROGRESS", "DELETE_FAILED", "REVIEW_IN_PROGRESS"}
SES_SANDBOX = "https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html"


class PreflightError(Exception):
    """Deploying now would fail or leave a stack that cannot work: the message says what to do."""


# --- the stack name --------------------------------------------------------------------------


def stack_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a memberclub stack, or None.

    The one rule for stack names, used by this preflight and by the CDK app's context check:
    CloudFormation's pattern, and a secrets path ``/<name>`` that the functions' settings
    accept (``memberclub.settings.Settings.secrets_prefix``: ``/m`` is too short).
    """
    if not STACK_NAME.match(name):
        return f"stack_name {name!r}: letters, digits and '-', starting with a letter, at most 64 characters"
    longest = max(FUNCTIONS, key=lambda spec: len(spec.name))
    if len(function_name(name, longest)) > MAX_FUNCTION_NAME:
        return (f"stack_name {name!r}: functions are named <stack>-<function> (e.g. {function_name(name, longest)}) "
                f"and Lambda allows {MAX_FUNCTION_NAME} characters; at most "
                f"{MAX_FUNCTION_NAME - len(longest.name) - 1} characters")
    try:
        Settings(table_name="preflight", secrets_prefix=f"/{name}")
    except InvalidSetting:
        return (f"stack_name {name!r}: the stack's secrets live under /{name} and the functions refuse that "
                "path (it needs at least two characters); choose a longer name")
    return None


def check_stack_name(name: str) -> None:
    problem = stack_name_problem(name)
    if problem:
        raise PreflightError(problem)


# --- the region ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    name: str
    source: str  # where it came from, for the summary


def resolve_region(environ: Mapping[str, str], configured: str | None) -> Region:
    """The one region every deploy step uses: ``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then
    the profile's configured region (``configured``: boto3's ``Session().region_name`` gives
    the last two). boto3 alone ignores ``AWS_REGION`` while the CDK CLI reads it first, so
    without this the token key and the stack could land in different regions."""
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = (environ.get(variable) or "").strip()
        if value:
            return Region(value, variable)
    if configured:
        profile = environ.get("AWS_PROFILE") or "default"
        return Region(configured, f"the {profile!r} profile's configuration")
    raise PreflightError("no AWS region: set AWS_REGION (e.g. `export AWS_REGION=eu-north-1`), or configure "
                         "one for your profile with `aws configure`")


# --- the account --------------------------------------------------------------------------------


def account_of(sts: Any) -> str:
    """The account the credentials belong to (``sts:GetCallerIdentity`` needs no permission)."""
    try:
        return str(sts.get_caller_identity()["Account"])
    except ClientError as error:
        raise PreflightError(f"AWS refused the credentials ({_code(error)}): renew them (`aws sso login`, "
                             "`aws configure`) and run again") from None
    except BotoCoreError as error:
        raise PreflightError(f"cannot reach AWS with these credentials: {error}") from None


# --- what the deploy is given: cdk.json, CDK_DEPLOY_ARGS, MAIL_FROM --------------------------------


def context_arguments(cdk_args: str) -> dict[str, str]:
    """The ``-c key=value`` / ``--context key=value`` pairs in ``CDK_DEPLOY_ARGS`` (shell words)."""
    try:
        words = shlex.split(cdk_args or "")
    except ValueError as error:
        raise PreflightError(f"CDK_DEPLOY_ARGS is not valid shell words: {error}") from None
    pairs: list[str] = []
    for index, word in enumerate(words):
        if word in ("-c", "--context") and index + 1 < len(words):
            pairs.append(words[index + 1])
        elif word.startswith("--context="):
            pairs.append(word.removeprefix("--context="))
        elif word.startswith("-c") and len(word) > 2 and "=" in word:
            pairs.append(word[2:])
    context: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals:
            raise PreflightError(f"CDK_DEPLOY_ARGS: context {pair!r} needs the form key=value")
        context[key] = value
    return context


def cdk_json_context(path: Path) -> dict[str, Any]:
    """The context defaults in ``cdk.json`` (none without the file: nothing to take from it)."""
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text()).get("context", {}))
    except (OSError, ValueError) as error:
        raise PreflightError(f"cannot read {path}: {error}") from None


@dataclass(frozen=True)
class Given:
    """What this deploy was asked for, after the three sources are reconciled."""

    stack: str
    mail_from: str | None
    mail_from_source: str | None


def reconcile(stack: str, mail_from: str | None, cdk_args: str, cdk_json: Mapping[str, Any]) -> Given:
    """The stack and sender this deploy is for. ``make deploy STACK=… MAIL_FROM=…`` wins over
    ``cdk.json``; a ``-c`` in ``CDK_DEPLOY_ARGS`` that contradicts them is refused rather than
    guessed at."""
    given = context_arguments(cdk_args)
    if given.get("stack_name") and given["stack_name"] != stack:
        raise PreflightError(f"CDK_DEPLOY_ARGS names stack_name={given['stack_name']!r} but the stack is "
                             f"{stack!r}: name the stack with `make deploy STACK={given['stack_name']}` instead")
    wanted = (mail_from or "").strip() or None
    in_args = (given.get("mail_from") or "").strip() or None
    if wanted and in_args and wanted != in_args:
        raise PreflightError(f"MAIL_FROM={wanted!r} and -c mail_from={in_args!r} in CDK_DEPLOY_ARGS disagree: "
                             "give the sender once")
    in_json = str(cdk_json.get("mail_from") or "").strip() or None
    for value, source in ((wanted, "MAIL_FROM"), (in_args, "CDK_DEPLOY_ARGS"), (in_json, "cdk.json")):
        if value:
            return Given(stack, value, source)
    return Given(stack, None, None)


# --- the sender -----------------------------------------------------------------------------------


def sender_address(mail_from: str) -> str:
    """The bare address of a sender: ``"Bakeriet <klubb@bakeriet.no>"`` → ``klubb@bakeriet.no``.

    It is what SES verifies and what IAM's ``ses:FromAddress`` condition compares (the name
    is ``ses:FromDisplayName``)."""
    name, address = parseaddr(mail_from)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or " " in address or address.count("@") != 1:
        raise PreflightError(f"mail_from {mail_from!r}: an e-mail address, optionally with a name, such as "
                             "'Bakeriet <klubb@bakeriet.no>'")
    return address


def require_sender(given: Given) -> str:
    if not given.mail_from:
        raise PreflightError(
            "no sender: members confirm by e-mail, and SES refuses the placeholder no-reply@memberclub.local. "
            "Give the address you verified in SES: make deploy MAIL_FROM='Bakeriet <klubb@bakeriet.no>'")
    sender_address(given.mail_from)
    return given.mail_from


@dataclass(frozen=True)
class SenderCheck:
    address: str
    identity: str  # the verified SES identity that covers the address: the address or its domain
    identity_type: str  # "address" or "domain"


def check_sender(sesv2: Any, mail_from: str, region: str) -> SenderCheck:
    """The sender is verified for sending in SES in ``region``, as itself or through its domain."""
    address = sender_address(mail_from)
    domain = address.rpartition("@")[2]
    seen: list[str] = []
    for identity, kind in ((address, "address"), (domain, "domain")):
        try:
            answer = sesv2.get_email_identity(EmailIdentity=identity)
        except ClientError as error:
            if _code(error) == "NotFoundException":
                seen.append(f"{identity}: not in SES")
                continue
            raise PreflightError(f"cannot ask SES in {region} about {identity} ({_code(error)}): the deploying "
                                 "credentials need ses:GetEmailIdentity") from None
        except BotoCoreError as error:
            raise PreflightError(f"cannot reach SES in {region}: {error}") from None
        if answer.get("VerifiedForSendingStatus"):
            return SenderCheck(address, identity, kind)
        seen.append(f"{identity}: {str(answer.get('VerificationStatus') or 'not verified').lower()}")
    raise PreflightError(
        f"SES in {region} may not send as {address} ({'; '.join(seen)}). Verify the address or, better, the "
        f"domain {domain} in SES in {region} — the SES console's 'Identities', or "
        f"`aws sesv2 create-email-identity --email-identity {domain} --region {region}` and the DKIM records it "
        f"gives you in DNS (for the address alone, the link SES mails to it) — then run make deploy again. "
        "Identities are per region: one verified elsewhere does not count here.")


@dataclass(frozen=True)
class SesAccount:
    production: bool | None  # None: could not tell
    sending: bool | None


def ses_account(sesv2: Any) -> SesAccount:
    """Whether SES in this region is out of the sandbox (the sandbox mails only verified
    addresses, 200 a day) and sending at all. A note, not a refusal: the sandbox is fine for
    a first test; a paused account is refused."""
    try:
        answer = sesv2.get_account()
    except (ClientError, BotoCoreError):
        return SesAccount(None, None)
    account = SesAccount(answer.get("ProductionAccessEnabled"), answer.get("SendingEnabled"))
    if account.sending is False:
        raise PreflightError("SES has paused sending for this account in this region (see the SES console's "
                             "account dashboard): members would get no mail")
    return account


# --- the CDK bootstrap --------------------------------------------------------------------------


def bootstrapped(cloudformation: Any, region: str) -> bool:
    """Whether the CDK's bootstrap stack (``CDKToolkit``) is in ``region``, ready to use."""
    try:
        (stack,) = cloudformation.describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise PreflightError(f"cannot read the CloudFormation stacks in {region} ({_code(error)}): the deploying "
                             "credentials need cloudformation:DescribeStacks") from None
    except BotoCoreError as error:
        raise PreflightError(f"cannot reach CloudFormation in {region}: {error}") from None
    status = stack.get("StackStatus", "")
    if status in BROKEN_STACK_STATES:
        raise PreflightError(f"the CDK bootstrap stack {BOOTSTRAP_STACK} in {region} is {status}: delete it "
                             f"(`aws cloudformation delete-stack --stack-name {BOOTSTRAP_STACK} --region {region}`) "
                             "and run make deploy again, which bootstraps anew")
    return True


# --- the clubs already there and the job time zones -------------------------------------------------


DEFAULT_JOB_TIME_ZONES = ("Europe/Oslo",)


def parse_job_time_zones(value: Any) -> tuple[str, ...]:
    """``job_time_zones``: IANA names, comma-separated (or a list), each keeping a clock none
    before it keeps (a second zone on Oslo's clock would run every job twice for the same
    clubs). The CDK app's context and the preflight parse it here alike."""
    from zoneinfo import available_timezones

    from memberclub.jobs.calendar import zone_served

    names = [name.strip() for name in (value if isinstance(value, list | tuple) else str(value).split(","))]
    known, zones = available_timezones(), []
    for name in names:
        if name not in known:
            raise PreflightError(f"job_time_zones: unknown time zone {name!r} (an IANA name such as Europe/Oslo)")
        if zones and zone_served(name, tuple(zones), date.today()):
            raise PreflightError(f"job_time_zones: {name} keeps the clock of {', '.join(zones)}, whose schedules "
                                 "serve its clubs already: leave it out")
        zones.append(name)
    if not zones:
        raise PreflightError("job_time_zones: at least one time zone")
    return tuple(zones)


def job_time_zones(cdk_args: str, cdk_json: Mapping[str, Any]) -> tuple[str, ...]:
    """The job time zones this deploy schedules: ``-c job_time_zones`` over cdk.json over the default."""
    value = context_arguments(cdk_args).get("job_time_zones") or cdk_json.get("job_time_zones")
    return parse_job_time_zones(value) if value else DEFAULT_JOB_TIME_ZONES


def unserved_clubs(cloudformation: Any, dynamodb: Any, stack: str, zones: tuple[str, ...],
                   today: date) -> list[tuple[str, str]]:
    """The clubs of the stack as deployed (none before its first deploy) whose zone none of
    ``zones`` serves: after this deploy their birthday, expiry and onboarding jobs would
    stop running (``memberclub.jobs.calendar``). (club id, zone) pairs."""
    from memberclub.jobs.calendar import zone_served
    from memberclub.storage.clubs import ClubStore
    from memberclub.storage.jobs import JobStore
    from memberclub.storage.table import Table

    try:
        (deployed,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return []
        raise PreflightError(f"cannot read the stack {stack} ({_code(error)}): the deploying credentials need "
                             "cloudformation:DescribeStacks") from None
    table_name = {o["OutputKey"]: o["OutputValue"] for o in deployed.get("Outputs", [])}.get("TableName")
    if not table_name:
        return []
    table = Table(dynamodb, table_name)
    store = JobStore(table, ClubStore(table))
    try:
        clubs = [club for club in map(store.club, store.club_ids()) if club is not None]
    except ClientError as error:
        raise PreflightError(f"cannot read the clubs in {table_name} ({_code(error)}): the deploying credentials "
                             "need dynamodb:Query and dynamodb:GetItem on the stack's table") from None
    return [(club.club_id, club.timezone) for club in clubs if not zone_served(club.timezone, zones, today)]


def check_club_zones(unserved: list[tuple[str, str]], zones: tuple[str, ...]) -> None:
    if unserved:
        named = ", ".join(f"{club_id} ({zone})" for club_id, zone in unserved)
        wanted = ",".join(dict.fromkeys([*zones, *(zone for _, zone in unserved)]))
        raise PreflightError(f"the club(s) {named} keep a clock that no job time zone of this deploy "
                             f"({', '.join(zones)}) keeps: their birthday, expiry and onboarding jobs would stop. "
                             f"Deploy with -c job_time_zones={wanted} (in CDK_DEPLOY_ARGS or cdk.json)")


# --- all of it --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preflight:
    region: Region
    account: str
    stack: str
    mail_from: str
    mail_from_source: str
    sender: SenderCheck
    ses: SesAccount
    bootstrapped: bool
    notes: list[str] = field(default_factory=list)

    @property
    def secrets_prefix(self) -> str:
        return f"/{self.stack}"

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.region.name, "region_from": self.region.source, "account": self.account,
            "stack": self.stack, "secrets_prefix": self.secrets_prefix, "mail_from": self.mail_from,
            "mail_from_from": self.mail_from_source, "sender_verified_as": self.sender.identity,
            "ses_production_access": self.ses.production, "bootstrapped": self.bootstrapped, "notes": self.notes,
        }

    def summary(self) -> str:
        sandbox = {True: "out of the sandbox", False: "in the sandbox (see below)",
                   None: "could not tell whether it is in the sandbox"}[self.ses.production]
        lines = [
            "memberclub deploy check",
            f"  region         {self.region.name} (from {self.region.source}); every step below uses it",
            f"  account        {self.account}",
            f"  stack          {self.stack} (secrets under {self.secrets_prefix}/ in SSM)",
            f"  sender         {self.mail_from} (from {self.mail_from_source})",
            f"  SES            verified as the {self.sender.identity_type} {self.sender.identity}; {sandbox}",
            f"  CDK bootstrap  {'present' if self.bootstrapped else 'missing: make deploy bootstraps now'}"
            f" ({BOOTSTRAP_STACK} in {self.region.name})",
        ]
        return "\n".join(lines + [f"  note: {note}" for note in self.notes])

    def environment(self) -> str:
        """Shell lines for the later steps of ``make deploy`` (``source`` them)."""
        values = {"AWS_REGION": self.region.name, "AWS_DEFAULT_REGION": self.region.name}
        lines = [f"export {key}={shlex.quote(value)}" for key, value in values.items()]
        lines += [f"MEMBERCLUB_ACCOUNT={shlex.quote(self.account)}",
                  f"MEMBERCLUB_MAIL_FROM={shlex.quote(self.mail_from)}",
                  f"MEMBERCLUB_BOOTSTRAPPED={'true' if self.bootstrapped else 'false'}"]
        return "\n".join(lines) + "\n"


def check_account(*, given: Given, region: Region, sts: Any, sesv2: Any, cloudformation: Any,
                  dynamodb: Any = None, zones: tuple[str, ...] | None = None) -> Preflight:
    """Every check that asks AWS, in the order a person would fix them. With ``dynamodb`` and
    ``zones``, also that the stack's clubs keep a clock one of the job time zones keeps."""
    mail_from = require_sender(given)
    account = account_of(sts)
    sender = check_sender(sesv2, mail_from, region.name)
    ses = ses_account(sesv2)
    notes = []
    if ses.production is False:
        notes.append(f"SES in {region.name} is in the sandbox: it mails only verified addresses (200 a day), so "
                     f"members cannot confirm yet. Request production access for {region.name} ({SES_SANDBOX}); "
                     "docs/operations.md, 'E-mail and SMS in AWS'.")
    is_bootstrapped = bootstrapped(cloudformation, region.name)
    if dynamodb is not None and zones:
        check_club_zones(unserved_clubs(cloudformation, dynamodb, given.stack, zones, date.today()), zones)
    return Preflight(region=region, account=account, stack=given.stack, mail_from=mail_from,
                     mail_from_source=given.mail_from_source or "", sender=sender, ses=ses,
                     bootstrapped=is_bootstrapped, notes=notes)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "error"))
