"""make deploy's preflight (memberclub_infra.deploy), with botocore's Stubber: no network.

Region, account, stack name, sender and CDK bootstrap are checked before anything is created;
each refusal says what to do, and the CLI says it in one line (exit 1), never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from memberclub_infra import cli, deploy
from memberclub_infra.deploy import Given, PreflightError, Region

REGION = "eu-north-1"
SENDER = "Bakeriet <klubb@bakeriet.no>"


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture
def ses() -> Iterator[tuple[Any, Stubber]]:
    sesv2 = client("sesv2")
    with Stubber(sesv2) as stubber:
        yield sesv2, stubber
        stubber.assert_no_pending_responses()


def identity(verified: bool, status: str = "SUCCESS", kind: str = "DOMAIN") -> dict[str, Any]:
    return {"IdentityType": kind, "VerifiedForSendingStatus": verified, "VerificationStatus": status,
            "FeedbackForwardingStatus": True}


def not_found(stubber: Stubber, name: str) -> None:
    stubber.add_client_error("get_email_identity", service_error_code="NotFoundException", http_status_code=404,
                             service_message=f"{name} does not exist", expected_params={"EmailIdentity": name})


# --- the region ----------------------------------------------------------------------------------


def test_aws_region_alone_is_enough() -> None:
    """boto3 ignores AWS_REGION; the CDK CLI reads it first: the preflight takes it first too."""
    assert deploy.resolve_region({"AWS_REGION": "eu-north-1"}, None) == Region("eu-north-1", "AWS_REGION")


def test_aws_default_region_alone_is_enough() -> None:
    assert deploy.resolve_region({"AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1") == Region(
        "eu-west-1", "AWS_DEFAULT_REGION")


def test_aws_region_wins_over_the_others() -> None:
    resolved = deploy.resolve_region({"AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "us-east-1"}, "us-east-1")
    assert resolved.name == "eu-north-1"


def test_the_profiles_region_comes_last() -> None:
    resolved = deploy.resolve_region({"AWS_PROFILE": "bakeri", "AWS_REGION": " "}, "eu-central-1")
    assert resolved == Region("eu-central-1", "the 'bakeri' profile's configuration")


def test_no_region_is_a_clear_refusal() -> None:
    with pytest.raises(PreflightError, match="no AWS region: set AWS_REGION"):
        deploy.resolve_region({}, None)


# --- stack name, sender, what make passes -----------------------------------------------------------


@pytest.mark.parametrize("name", ["m", "1club", "club 1", "club_1", ""])
def test_stack_names_the_functions_or_cloudformation_refuse_are_refused(name: str) -> None:
    with pytest.raises(PreflightError, match="stack_name"):
        deploy.check_stack_name(name)


def test_a_one_letter_stack_is_refused_for_its_secrets_path() -> None:
    with pytest.raises(PreflightError, match="/m"):
        deploy.check_stack_name("m")


@pytest.mark.parametrize("name", ["mc", "memberclub", "bakeri-2"])
def test_good_stack_names_pass(name: str) -> None:
    deploy.check_stack_name(name)


def test_context_arguments_are_read_as_the_shell_would() -> None:
    args = "-c mail_from='Bakeriet <klubb@bakeriet.no>' --context alarms=true --context=tracing=false -cx=1"
    assert deploy.context_arguments(args) == {"mail_from": SENDER, "alarms": "true", "tracing": "false", "x": "1"}
    assert deploy.context_arguments("") == {}
    with pytest.raises(PreflightError, match="key=value"):
        deploy.context_arguments("-c alarms")
    with pytest.raises(PreflightError, match="shell words"):
        deploy.context_arguments("-c mail_from='unclosed")


def test_the_sender_comes_from_mail_from_then_cdk_deploy_args_then_cdk_json() -> None:
    assert deploy.reconcile("memberclub", SENDER, "", {"mail_from": "a@b.no"}) == Given("memberclub", SENDER, "MAIL_FROM")
    assert deploy.reconcile("memberclub", "", f"-c 'mail_from={SENDER}'", {}) == Given(
        "memberclub", SENDER, "CDK_DEPLOY_ARGS")
    assert deploy.reconcile("memberclub", None, "", {"mail_from": "a@b.no"}) == Given("memberclub", "a@b.no", "cdk.json")
    assert deploy.reconcile("memberclub", "", "-c alarms=true", {}) == Given("memberclub", None, None)


def test_two_different_senders_or_stack_names_are_refused_not_guessed() -> None:
    with pytest.raises(PreflightError, match="disagree"):
        deploy.reconcile("memberclub", SENDER, "-c mail_from=other@bakeriet.no", {})
    with pytest.raises(PreflightError, match="STACK=bakeri"):
        deploy.reconcile("memberclub", SENDER, "-c stack_name=bakeri", {})
    assert deploy.reconcile("bakeri", SENDER, f"-c stack_name=bakeri -c 'mail_from={SENDER}'", {}).stack == "bakeri"


def test_no_sender_is_refused_with_how_to_give_one() -> None:
    with pytest.raises(PreflightError, match=r"no sender.*make deploy MAIL_FROM="):
        deploy.require_sender(Given("memberclub", None, None))


@pytest.mark.parametrize(("mail_from", "address"), [
    (SENDER, "klubb@bakeriet.no"), ("klubb@bakeriet.no", "klubb@bakeriet.no"),
    ('"Kari\'s Bakeri" <kari@bakeri.dk>', "kari@bakeri.dk"),
])
def test_the_bare_address_of_a_sender(mail_from: str, address: str) -> None:
    assert deploy.sender_address(mail_from) == address


@pytest.mark.parametrize("mail_from", ["Bakeriet", "Bakeriet <klubb>", "klubb@localhost", "@bakeriet.no"])
def test_a_sender_that_is_no_address_is_refused(mail_from: str) -> None:
    with pytest.raises(PreflightError, match="mail_from"):
        deploy.require_sender(Given("memberclub", mail_from, "MAIL_FROM"))


# --- SES ----------------------------------------------------------------------------------------------


def test_a_verified_address_is_accepted(ses: tuple[Any, Stubber]) -> None:
    sesv2, stubber = ses
    stubber.add_response("get_email_identity", identity(True, kind="EMAIL_ADDRESS"),
                         {"EmailIdentity": "klubb@bakeriet.no"})
    assert deploy.check_sender(sesv2, SENDER, REGION) == deploy.SenderCheck(
        "klubb@bakeriet.no", "klubb@bakeriet.no", "address")


def test_a_verified_domain_is_accepted(ses: tuple[Any, Stubber]) -> None:
    sesv2, stubber = ses
    not_found(stubber, "klubb@bakeriet.no")
    stubber.add_response("get_email_identity", identity(True), {"EmailIdentity": "bakeriet.no"})
    assert deploy.check_sender(sesv2, SENDER, REGION).identity == "bakeriet.no"


def test_an_unverified_sender_is_refused_with_what_to_do(ses: tuple[Any, Stubber]) -> None:
    sesv2, stubber = ses
    not_found(stubber, "klubb@bakeriet.no")
    not_found(stubber, "bakeriet.no")
    with pytest.raises(PreflightError) as refused:
        deploy.check_sender(sesv2, SENDER, REGION)
    message = str(refused.value)
    assert f"SES in {REGION} may not send as klubb@bakeriet.no" in message
    assert f"aws sesv2 create-email-identity --email-identity bakeriet.no --region {REGION}" in message
    assert "per region" in message


def test_a_pending_verification_is_named(ses: tuple[Any, Stubber]) -> None:
    sesv2, stubber = ses
    stubber.add_response("get_email_identity", identity(False, "PENDING", "EMAIL_ADDRESS"),
                         {"EmailIdentity": "klubb@bakeriet.no"})
    not_found(stubber, "bakeriet.no")
    with pytest.raises(PreflightError, match="klubb@bakeriet.no: pending"):
        deploy.check_sender(sesv2, SENDER, REGION)


def test_ses_refusing_the_question_says_which_permission(ses: tuple[Any, Stubber]) -> None:
    sesv2, stubber = ses
    stubber.add_client_error("get_email_identity", service_error_code="AccessDeniedException", http_status_code=403)
    with pytest.raises(PreflightError, match="ses:GetEmailIdentity"):
        deploy.check_sender(sesv2, SENDER, REGION)


def test_the_ses_sandbox_is_a_note_and_a_paused_account_a_refusal(ses: tuple[Any, Stubber]) -> None:
    sesv2, stubber = ses
    stubber.add_response("get_account", {"ProductionAccessEnabled": False, "SendingEnabled": True})
    assert deploy.ses_account(sesv2) == deploy.SesAccount(production=False, sending=True)
    stubber.add_response("get_account", {"ProductionAccessEnabled": True, "SendingEnabled": False})
    with pytest.raises(PreflightError, match="paused"):
        deploy.ses_account(sesv2)
    stubber.add_client_error("get_account", service_error_code="AccessDeniedException", http_status_code=403)
    assert deploy.ses_account(sesv2) == deploy.SesAccount(None, None)


# --- account and bootstrap -------------------------------------------------------------------------------


def test_the_account_and_refused_credentials() -> None:
    sts = client("sts")
    with Stubber(sts) as stubber:
        stubber.add_response("get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/kari",
                                                     "UserId": "AIDA"})
        assert deploy.account_of(sts) == "123456789012"
        stubber.add_client_error("get_caller_identity", service_error_code="ExpiredToken", http_status_code=403)
        with pytest.raises(PreflightError, match=r"refused the credentials \(ExpiredToken\)"):
            deploy.account_of(sts)


def test_the_cdk_bootstrap_stack() -> None:
    cloudformation = client("cloudformation")
    stack = {"StackName": "CDKToolkit", "CreationTime": "2026-01-01T00:00:00Z"}
    with Stubber(cloudformation) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [stack | {"StackStatus": "UPDATE_COMPLETE"}]},
                             {"StackName": "CDKToolkit"})
        assert deploy.bootstrapped(cloudformation, REGION) is True
        stubber.add_client_error("describe_stacks", service_error_code="ValidationError",
                                 service_message="Stack with id CDKToolkit does not exist")
        assert deploy.bootstrapped(cloudformation, REGION) is False
        stubber.add_response("describe_stacks", {"Stacks": [stack | {"StackStatus": "ROLLBACK_COMPLETE"}]})
        with pytest.raises(PreflightError, match="ROLLBACK_COMPLETE: delete it"):
            deploy.bootstrapped(cloudformation, REGION)
        stubber.add_client_error("describe_stacks", service_error_code="AccessDenied", http_status_code=403)
        with pytest.raises(PreflightError, match="cloudformation:DescribeStacks"):
            deploy.bootstrapped(cloudformation, REGION)


# --- all of it, and the CLI ------------------------------------------------------------------------------


class StubbedSession:
    """A boto3 session whose clients answer from stubs: a good account in eu-north-1."""

    def __init__(self, *, production: bool = True, bootstrapped: bool = True) -> None:
        self.clients = {name: client(name) for name in ("sts", "sesv2", "cloudformation", "dynamodb")}
        self.stubbers = {name: Stubber(c) for name, c in self.clients.items()}
        self.stubbers["sts"].add_response("get_caller_identity", {"Account": "123456789012"})
        self.stubbers["sesv2"].add_response("get_email_identity", identity(True, kind="EMAIL_ADDRESS"))
        self.stubbers["sesv2"].add_response("get_account", {"ProductionAccessEnabled": production,
                                                            "SendingEnabled": True})
        if bootstrapped:
            self.stubbers["cloudformation"].add_response("describe_stacks", {"Stacks": [{
                "StackName": "CDKToolkit", "CreationTime": "2026-01-01T00:00:00Z", "StackStatus": "CREATE_COMPLETE"}]})
        else:
            self.stubbers["cloudformation"].add_client_error(
                "describe_stacks", service_error_code="ValidationError",
                service_message="Stack with id CDKToolkit does not exist")
        # The stack itself: not deployed yet, so no clubs for the job time zones to leave behind.
        self.stubbers["cloudformation"].add_client_error(
            "describe_stacks", service_error_code="ValidationError", service_message="Stack with id X does not exist")
        for stubber in self.stubbers.values():
            stubber.activate()

    def client(self, name: str) -> Any:
        return self.clients[name]


def test_check_account_finds_everything_and_writes_it_for_the_later_steps() -> None:
    session = StubbedSession(production=False, bootstrapped=False)
    found = deploy.check_account(given=Given("bakeri", SENDER, "MAIL_FROM"), region=Region(REGION, "AWS_REGION"),
                                 sts=session.client("sts"), sesv2=session.client("sesv2"),
                                 cloudformation=session.client("cloudformation"))
    assert (found.account, found.stack, found.secrets_prefix, found.bootstrapped) == (
        "123456789012", "bakeri", "/bakeri", False)
    summary = found.summary()
    for text in (REGION, "from AWS_REGION", "123456789012", "bakeri", SENDER, "klubb@bakeriet.no", "missing"):
        assert text in summary
    assert "in the sandbox" in summary and "production access" in found.notes[0]
    assert found.environment().splitlines() == [
        f"export AWS_REGION={REGION}", f"export AWS_DEFAULT_REGION={REGION}", "MEMBERCLUB_ACCOUNT=123456789012",
        "MEMBERCLUB_MAIL_FROM='Bakeriet <klubb@bakeriet.no>'", "MEMBERCLUB_BOOTSTRAPPED=false"]


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An environment with no AWS region and no credentials anywhere (and no metadata service)."""
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                     "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_says_no_region_in_one_line(no_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--aws", "deploy", "check", f"--mail-from={SENDER}")
    assert code == 1 and out == ""
    assert err.startswith("memberclub: no AWS region") and err.count("\n") == 1 and "Traceback" not in err
    code, _, err = run_cli(capsys, "--aws", "secrets", "init")  # every --aws command
    assert code == 1 and err.startswith("memberclub: no AWS region")


def test_the_cli_says_no_credentials_in_one_line(no_aws: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    no_aws.setenv("AWS_REGION", REGION)  # boto3 alone would not see it: the CLI does
    code, _, err = run_cli(capsys, "--aws", "deploy", "check", f"--mail-from={SENDER}")
    assert code == 1 and err.startswith("memberclub: no AWS credentials") and err.count("\n") == 1
    code, _, err = run_cli(capsys, "--aws", "club", "show", "bakeri")
    assert code == 1 and err.startswith("memberclub: no AWS credentials")


def test_an_unknown_profile_is_one_line_too(no_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    no_aws.setenv("AWS_PROFILE", "nobody")
    code, _, err = run_cli(capsys, "--aws", "secrets", "init")
    assert code == 1 and err.startswith("memberclub: the AWS configuration cannot be read") and err.count("\n") == 1


def test_the_cli_refuses_before_asking_aws(no_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Stack name and sender are checked first: no region is needed to be told about them."""
    code, _, err = run_cli(capsys, "--aws", "--stack", "m", "deploy", "check", f"--mail-from={SENDER}")
    assert code == 1 and "stack_name 'm'" in err
    code, _, err = run_cli(capsys, "--aws", "deploy", "check")
    assert code == 1 and "no sender" in err
    code, _, err = run_cli(capsys, "deploy", "check", f"--mail-from={SENDER}")
    assert code == 1 and "--aws" in err


def test_the_cli_prints_what_it_found_and_writes_the_env_file(
        no_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    session = StubbedSession()
    no_aws.setattr(cli, "aws_session", lambda: (Region(REGION, "AWS_DEFAULT_REGION"), session))
    env_file = tmp_path / "build" / "deploy.env"
    code, out, err = run_cli(capsys, "--aws", "--stack", "bakeri", "deploy", "check",
                             f"--cdk-args=-c alarms=true -c 'mail_from={SENDER}'", "--env-file", str(env_file))
    assert code == 0
    assert json.loads(out) | {"notes": []} == {
        "region": REGION, "region_from": "AWS_DEFAULT_REGION", "account": "123456789012", "stack": "bakeri",
        "secrets_prefix": "/bakeri", "mail_from": SENDER, "mail_from_from": "CDK_DEPLOY_ARGS",
        "sender_verified_as": "klubb@bakeriet.no", "ses_production_access": True, "bootstrapped": True, "notes": []}
    assert "memberclub deploy check" in err and "present" in err
    assert "export AWS_REGION=eu-north-1" in env_file.read_text()


def test_cdk_json_context(tmp_path: Path) -> None:
    assert deploy.cdk_json_context(tmp_path / "missing.json") == {}
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {"mail_from": SENDER}}))
    assert deploy.cdk_json_context(tmp_path / "cdk.json") == {"mail_from": SENDER}
    (tmp_path / "cdk.json").write_text("{")
    with pytest.raises(PreflightError, match="cannot read"):
        deploy.cdk_json_context(tmp_path / "cdk.json")
    assert "mail_from" not in deploy.cdk_json_context(Path(cli.__file__).resolve().parents[2] / "cdk.json")


def test_a_stack_name_too_long_for_its_functions_names_is_refused():
    from memberclub_infra.deploy import stack_name_problem

    assert stack_name_problem("a" * 53) is None
    problem = stack_name_problem("a" * 54)
    assert problem and "64 characters" in problem
