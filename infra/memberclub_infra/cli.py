"""``memberclub``: the command-line tool for owners and operators.

It talks to the local stack (``make run``) by default, and to a deployed stack with
``--aws`` (credentials and region from the usual AWS environment; ``--stack`` names the
stack, default ``memberclub``).

    memberclub club create --id bakeri --name "Bakeriet"   # prints the owner key and webhook secrets once
    memberclub club show bakeri
    memberclub club set-secret bakeri shopify <the shop's signing secret>
    memberclub invoke messages events/messages/member-joined.json
    memberclub jobs run birthday --date 2026-05-17
    memberclub --aws secrets init                            # the deploy step: the token key in SSM
    memberclub premium setup --club bakeri                   # the club's Stripe Price (--aws: and the webhook)
    memberclub --aws deploy check --mail-from='Club <klubb@example.no>'   # make deploy's preflight
    memberclub dlq show                                      # what every retry failed on
    memberclub dlq redrive [--function messages]             # hand it back, through the same path
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from memberclub.errors import DomainError
from memberclub.i18n import LOCALES


class CommandFailed(Exception):
    pass


# --- the local stack ------------------------------------------------------------------------


class LocalTarget:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = json.loads(error.read() or b"{}")
            raise CommandFailed(f"{error.code}: {detail.get('message', detail)}"
                                + (f" {detail['fields']}" if detail.get("fields") else "")) from None
        except urllib.error.URLError as error:
            raise CommandFailed(f"The local stack does not answer at {self.url} ({error.reason}). "
                                "Start it with `make run`, or use --aws for a deployed stack.") from None

    def create_club(self, body: dict[str, Any]) -> Any:
        return self.call("POST", "/_local/clubs", body)

    def show_club(self, club_id: str) -> Any:
        return self.call("GET", f"/_local/clubs/{club_id}")

    def set_secret(self, club_id: str, kind: str, value: str) -> Any:
        return self.call("PUT", f"/_local/clubs/{club_id}/secrets/{kind}", {"value": value})

    def invoke(self, function: str, event: Any) -> Any:
        return self.call("POST", f"/_local/invoke/{function}", event)["result"]

    def run_job(self, job: str, date: str | None) -> Any:
        return self.call("POST", f"/_local/jobs/{job}", {"date": date} if date else {})

    def init_secrets(self) -> Any:
        raise CommandFailed("The local stack makes its own secrets at every start: use --aws.")

    def premium_setup(self, club_id: str) -> Any:
        return self.call("POST", f"/_local/clubs/{club_id}/premium/setup", {})

    def dead_letters(self, function: str | None) -> Any:
        """The local bus's dead letters (``GET /_local/events``), by function."""
        dead = [e for e in self.call("GET", "/_local/events")["events"] if e["state"] == "dead_lettered"
                and function in (None, e["target"])]
        return [{"function": e["target"], "id": e["id"], "what": e["detail_type"], "attempts": e["attempts"],
                 "why": e.get("last_error")} for e in dead]

    def redrive(self, function: str | None) -> Any:
        if function is not None:
            raise CommandFailed("the local stack redrives every dead letter at once: leave out --function")
        return self.call("POST", "/_local/events/redrive")


# --- a deployed stack -------------------------------------------------------------------------


class AwsTarget:
    def __init__(self, stack: str):
        self.stack = stack
        # A boto3 session in the one region every step uses (AWS_REGION first, which boto3
        # alone ignores); ``self.boto3.client(...)`` as with the boto3 module.
        self.region, self.boto3 = aws_session()
        self._outputs: dict[str, str] | None = None

    @property
    def outputs(self) -> dict[str, str]:
        if self._outputs is None:
            try:
                described = self.boto3.client("cloudformation").describe_stacks(StackName=self.stack)
            except Exception as error:
                raise CommandFailed(f"Cannot read the stack {self.stack!r}: {error}") from None
            self._outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0].get("Outputs", [])}
        return self._outputs

    def settings(self) -> Any:
        from memberclub.settings import Settings

        return Settings(table_name=self.outputs["TableName"], secrets_prefix=self.outputs["SecretsPrefix"])

    def job_time_zones(self) -> tuple[str, ...] | None:
        """The zones the stack's club jobs run in (None: a stack from before they were an output)."""
        zones = self.outputs.get("JobTimeZones")
        return tuple(zones.split(",")) if zones else None

    def club_store(self) -> Any:
        from memberclub.storage.clubs import ClubStore
        from memberclub.storage.table import Table

        return ClubStore(Table(self.boto3.client("dynamodb"), self.outputs["TableName"]))

    def create_club(self, body: dict[str, Any]) -> Any:
        from memberclub_infra import clubs

        _, club = clubs.parse_create_request(body, self.job_time_zones())
        return clubs.create_club(self.club_store(), self.boto3.client("ssm"), self.settings(), club).as_json()

    def show_club(self, club_id: str) -> Any:
        club = self.club_store().get(club_id)
        if club is None:
            raise CommandFailed(f"There is no club {club_id!r}.")
        return club.to_data()

    def set_secret(self, club_id: str, kind: str, value: str) -> Any:
        from memberclub_infra import clubs

        self.show_club(club_id)
        clubs.set_webhook_secret(self.boto3.client("ssm"), self.settings(), club_id, kind, value)
        return {"club_id": club_id, "kind": kind, "updated": True}

    def invoke(self, function: str, event: Any) -> Any:
        from memberclub_infra.declaration import title

        name = self.outputs.get(f"FunctionName{title(function)}")
        if not name:
            raise CommandFailed(f"The stack has no function {function!r}.")
        answer = self.boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
        result = json.loads(answer["Payload"].read() or b"null")
        if answer.get("FunctionError"):
            raise CommandFailed(f"{function} failed: {result}")
        return result

    def run_job(self, job: str, date: str | None) -> Any:
        """Run the job as the scheduler would on ``date`` (today by default): its cron time in
        its zone, not a fixed hour."""
        from datetime import date as calendar_date

        from memberclub_infra.declaration import job_payloads, jobs

        spec = jobs().get(job)
        if spec is None:
            raise CommandFailed(f"There is no job {job!r} (yet).")
        try:
            day = calendar_date.fromisoformat(date) if date else calendar_date.today()
        except ValueError:
            raise CommandFailed(f"--date {date!r}: YYYY-MM-DD") from None
        # The runs the schedules make on that date, one in each job time zone; each serves the
        # clubs that keep its clock. (A stack without the JobTimeZones output: every hour.)
        zones = self.job_time_zones()
        counts: dict[str, Any] = {"job": job, "date": day.isoformat()}
        for payload in job_payloads(job, day, set(zones) if zones else None):
            for name, value in (self.invoke(spec.name, payload) or {}).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    counts[name] = counts.get(name, 0) + value
        return counts

    def dead_letter_queues(self) -> Any:
        from memberclub_infra.dead_letters import AwsDeadLetters
        from memberclub_infra.declaration import title

        def deployed_name(function: str) -> str:
            name = self.outputs.get(f"FunctionName{title(function)}")
            if not name:
                raise CommandFailed(f"The stack has no function {function!r}.")
            return name

        return AwsDeadLetters(self.outputs, self.stack, self.boto3.client("sqs"), self.boto3.client("lambda"),
                              self.boto3.client("dynamodbstreams"), function_name=deployed_name)

    def dead_letters(self, function: str | None) -> Any:
        try:
            return self.dead_letter_queues().show(function)
        except ValueError as error:
            raise CommandFailed(str(error)) from None

    def redrive(self, function: str | None) -> Any:
        try:
            return self.dead_letter_queues().redrive(function)
        except ValueError as error:
            raise CommandFailed(str(error)) from None

    def premium_setup(self, club_id: str) -> Any:
        """The club's premium Product and yearly Price in Stripe (by lookup key: a repeat makes
        nothing new), and the deployment's webhook endpoint in the SDK's pinned API version,
        whose signing secret goes to SSM. ``STRIPE_SECRET_KEY`` puts the key in SSM first."""
        from memberclub.parameters import write_secret
        from memberclub.premium.price import set_up_premium_price
        from memberclub.premium.stripe_billing import StripeBilling
        from memberclub.premium.webhook import HANDLED

        ssm, settings = self.boto3.client("ssm"), self.settings()
        if os.environ.get("STRIPE_SECRET_KEY"):
            write_secret(ssm, settings.stripe_secret_key_parameter, os.environ["STRIPE_SECRET_KEY"])
        try:
            key = ssm.get_parameter(Name=settings.stripe_secret_key_parameter, WithDecryption=True)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound:
            raise CommandFailed("No Stripe key yet: run it once as STRIPE_SECRET_KEY=sk_… memberclub --aws premium "
                                "setup --club …") from None
        club = self.club_store().get(club_id)
        if club is None:
            raise CommandFailed(f"There is no club {club_id!r}.")
        billing = StripeBilling(lambda: key, lambda: "", api_base=os.environ.get("STRIPE_API_BASE"))
        setup = set_up_premium_price(billing, self.club_store(), club)
        url = self.outputs["ApiUrl"].rstrip("/") + "/webhooks/stripe"
        endpoint = billing.webhook_endpoint_for(url)
        if endpoint is None:
            endpoint = billing.create_webhook_endpoint(url, list(HANDLED))
            write_secret(ssm, settings.stripe_webhook_secret_parameter, endpoint["secret"])
        return {"club_id": club_id, "price_id": setup.price_id, "lookup_key": setup.lookup_key,
                "price_created": setup.created, "webhook_endpoint": endpoint["id"], "webhook_url": url}

    def init_secrets(self) -> Any:
        """Put the deployment-wide token key in SSM (SecureString) unless it is there already."""
        import secrets as random_secrets

        from memberclub.parameters import write_secret

        ssm = self.boto3.client("ssm")
        name = f"/{self.stack}/token-key"
        try:
            ssm.get_parameter(Name=name)
            return {"token_key": name, "created": False}
        except ssm.exceptions.ParameterNotFound:
            write_secret(ssm, name, random_secrets.token_urlsafe(32), overwrite=False)
            return {"token_key": name, "created": True}


def aws_session() -> tuple[Any, Any]:
    """(the resolved region, a boto3 session in it), or CommandFailed saying what is missing:
    no region, no credentials or an unknown profile give one line, never a traceback."""
    import boto3
    from botocore.exceptions import BotoCoreError

    from memberclub_infra import deploy

    try:
        region = deploy.resolve_region(os.environ, boto3.session.Session().region_name)
        session = boto3.session.Session(region_name=region.name)
        credentials = session.get_credentials()
    except deploy.PreflightError as error:
        raise CommandFailed(str(error)) from None
    except BotoCoreError as error:
        raise CommandFailed(f"the AWS configuration cannot be read: {error}") from None
    if credentials is None:
        raise CommandFailed("no AWS credentials: run `aws configure` (or `aws sso login`), or set AWS_PROFILE, "
                            "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    return region, session


# --- make deploy's preflight ------------------------------------------------------------------


def deploy_check(args: argparse.Namespace) -> Any:
    """``memberclub --aws deploy check``: what ``make deploy`` runs before it creates anything.

    Prints what it found on stderr, writes the region and sender for the later steps to
    ``--env-file``, and answers the same as JSON; refuses (exit 1) with what to do."""
    from memberclub_infra import deploy

    if not args.aws:
        raise CommandFailed("deploy check is about an AWS account: run it with --aws (make deploy does)")
    try:
        deploy.check_stack_name(args.stack)
        cdk_json = deploy.cdk_json_context(args.cdk_json)
        given = deploy.reconcile(args.stack, args.mail_from, args.cdk_args, cdk_json)
        deploy.require_sender(given)
        zones = deploy.job_time_zones(args.cdk_args, cdk_json)
    except deploy.PreflightError as error:
        raise CommandFailed(str(error)) from None
    region, session = aws_session()
    try:
        found = deploy.check_account(given=given, region=region, sts=session.client("sts"),
                                     sesv2=session.client("sesv2"), cloudformation=session.client("cloudformation"),
                                     dynamodb=session.client("dynamodb"), zones=zones)
    except deploy.PreflightError as error:
        raise CommandFailed(str(error)) from None
    print(found.summary(), file=sys.stderr)
    if args.env_file:
        args.env_file.parent.mkdir(parents=True, exist_ok=True)
        args.env_file.write_text(found.environment())
    return found.as_json()


def add_deploy_commands(commands: Any) -> None:
    deploy = commands.add_parser("deploy", help="deployment checks").add_subparsers(dest="action", required=True)
    check = deploy.add_parser("check", help="make deploy's preflight: region, account, stack name, SES sender, "
                                            "CDK bootstrap")
    check.add_argument("--mail-from", default="",
                       help="the sender (make deploy's MAIL_FROM), e.g. 'Bakeriet <klubb@bakeriet.no>'")
    check.add_argument("--cdk-args", default="", help="make deploy's CDK_DEPLOY_ARGS, for its -c values")
    check.add_argument("--cdk-json", type=Path, default=Path(__file__).resolve().parents[2] / "cdk.json",
                       help="the CDK app's cdk.json (its context defaults)")
    check.add_argument("--env-file", type=Path, help="write the region and sender for the later steps here")


# --- the commands -------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="memberclub", description=__doc__.split("\n\n")[0] if __doc__ else None)
    root.add_argument("--aws", action="store_true", help="talk to the deployed stack instead of the local one")
    root.add_argument("--stack", default=os.environ.get("MEMBERCLUB_STACK", "memberclub"), help="stack name (--aws)")
    root.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('MEMBERCLUB_PORT', '8000')}",
                      help="the local stack's address")
    commands = root.add_subparsers(dest="command", required=True)

    cost = commands.add_parser("cost", help="the owner's monthly bill for clubs of 100, 1,000 and 10,000 members, "
                                            "computed from make bench's figures and dated list prices")
    cost.add_argument("--results", type=Path, default=None, help="bench results (default bench/results/latest.json)")
    cost.add_argument("--markdown", action="store_true", help="print the tables of docs/costs.md")
    cost.add_argument("--write-docs", action="store_true", help="rewrite the computed part of docs/costs.md")

    club = commands.add_parser("club", help="create and inspect clubs").add_subparsers(dest="action", required=True)
    create = club.add_parser("create", help="create a club; prints its owner key and webhook secrets once")
    create.add_argument("--id", required=True, dest="club_id", help="lower-case letters, digits and -")
    create.add_argument("--name", required=True)
    create.add_argument("--currency", default="NOK")
    create.add_argument("--locale", default="nb", choices=LOCALES)
    create.add_argument("--timezone", default="Europe/Oslo")
    create.add_argument("--settings", help="club rules: a JSON object or a path to a JSON file (partial)")
    show = club.add_parser("show", help="show a club and its rules")
    show.add_argument("club_id")
    secret = club.add_parser("set-secret", help="replace a webhook secret (e.g. the Shopify shop's signing secret)")
    secret.add_argument("club_id")
    secret.add_argument("kind", choices=("shopify", "woocommerce", "orders"))
    secret.add_argument("value")

    invoke = commands.add_parser("invoke", help="invoke a function with an event file (see events/)")
    invoke.add_argument("function")
    invoke.add_argument("event_file", type=Path)

    jobs = commands.add_parser("jobs", help="scheduled jobs").add_subparsers(dest="action", required=True)
    run = jobs.add_parser("run", help="run a job as the scheduler would on a date")
    run.add_argument("job")
    run.add_argument("--date", help="YYYY-MM-DD (default today)")

    secrets = commands.add_parser("secrets", help="deployment secrets").add_subparsers(dest="action", required=True)
    secrets.add_parser("init", help="put the token key in SSM Parameter Store (run by make deploy)")

    add_deploy_commands(commands)

    premium = commands.add_parser("premium", help="the premium membership (Stripe)").add_subparsers(
        dest="action", required=True)
    setup = premium.add_parser("setup", help="the club's Stripe Product and yearly Price (and, with --aws, the "
                                             "webhook endpoint); idempotent")
    setup.add_argument("--club", required=True, dest="club_id")

    dlq = commands.add_parser("dlq", help="dead letters: what every retry failed on").add_subparsers(
        dest="action", required=True)
    show_dead = dlq.add_parser("show", help="each function's dead letters (they stay where they are)")
    show_dead.add_argument("--function", help="only this function's (e.g. messages, stamps, relay)")
    redrive = dlq.add_parser("redrive", help="hand the dead letters back to their functions, through the same "
                                             "idempotent path (a repeat changes nothing)")
    redrive.add_argument("--function", help="only this function's")
    return root


def run(args: argparse.Namespace) -> Any:
    if args.command == "deploy":
        return deploy_check(args)
    if args.command == "cost":
        return show_cost(args)
    target: LocalTarget | AwsTarget = AwsTarget(args.stack) if args.aws else LocalTarget(args.url)
    if args.command == "club" and args.action == "create":
        body = {"club_id": args.club_id, "name": args.name, "currency": args.currency, "locale": args.locale,
                "timezone": args.timezone, "settings": _settings(args.settings)}
        created = target.create_club(body)
        print("Keep these safe: they are shown only now. The owner key opens the owner's pages; paste each "
              "webhook secret into the shop that signs with it.", file=sys.stderr)
        return created
    if args.command == "club" and args.action == "show":
        return target.show_club(args.club_id)
    if args.command == "club" and args.action == "set-secret":
        return target.set_secret(args.club_id, args.kind, args.value)
    if args.command == "invoke":
        try:
            event = json.loads(args.event_file.read_text())
        except (OSError, ValueError) as error:
            raise CommandFailed(f"Cannot read {args.event_file}: {error}") from None
        return target.invoke(args.function, event)
    if args.command == "jobs":
        return target.run_job(args.job, args.date)
    if args.command == "secrets":
        return target.init_secrets()
    if args.command == "premium":
        return target.premium_setup(args.club_id)
    if args.command == "dlq" and args.action == "show":
        return target.dead_letters(args.function)
    if args.command == "dlq" and args.action == "redrive":
        return target.redrive(args.function)
    raise CommandFailed(f"unknown command {args.command}")


def show_cost(args: argparse.Namespace) -> None:
    from memberclub_infra import costs

    measured = costs.load(args.results or costs.RESULTS)
    if args.write_docs:
        costs.write_docs(measured)
        print(f"{costs.DOCS.relative_to(costs.ROOT)} updated", file=sys.stderr)
    elif args.markdown:
        print(costs.markdown(measured))
    else:
        costs.print_bill(measured)


def _settings(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    text = Path(value).read_text() if not value.lstrip().startswith("{") else value
    try:
        settings = json.loads(text)
    except ValueError as error:
        raise CommandFailed(f"--settings is not valid JSON: {error}") from None
    if not isinstance(settings, dict):
        raise CommandFailed("--settings must be a JSON object")
    return settings


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result = run(args)
    except (CommandFailed, DomainError) as error:
        print(f"memberclub: {error}", file=sys.stderr)
        return 1
    if result is not None:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
