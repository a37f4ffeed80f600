"""make deploy's preflight against the local stack: the real boto3 calls (STS, SES v2
GetEmailIdentity, CloudFormation) reach the local AWS endpoint, as they would reach AWS.

The local endpoint answers GetEmailIdentity from the identities it keeps verified: the local
mail domain, the sender the local stack gives its functions, and what a test adds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest

from memberclub_infra import cli, deploy
from memberclub_infra.local.stack import LocalStack

pytestmark = pytest.mark.integration

SENDER = "Bakeriet <klubb@bakeriet.no>"


@pytest.fixture
def env(stack: LocalStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """The local stack's AWS environment, with no AWS configuration file of this machine's."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return monkeypatch


@pytest.fixture
def verified(stack: LocalStack) -> Iterator[set[str]]:
    """The local endpoint's verified SES identities; what a test adds is taken away after it."""
    before = set(stack.aws.verified_identities)
    yield stack.aws.verified_identities
    stack.aws.verified_identities.intersection_update(before)


def check(capsys: pytest.CaptureFixture[str], *args: str, stack_name: str = "memberclub") -> tuple[int, Any, str]:
    code = cli.main(["--aws", "--stack", stack_name, "deploy", "check", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


# --- region --------------------------------------------------------------------------------------


def test_aws_region_only(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stack: LocalStack) -> None:
    env.delenv("AWS_DEFAULT_REGION")
    env.setenv("AWS_REGION", "eu-west-1")
    code, found, err = check(capsys, f"--mail-from={stack.mail_from}")
    assert code == 0, err
    assert (found["region"], found["region_from"]) == ("eu-west-1", "AWS_REGION")


def test_aws_default_region_only(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                 stack: LocalStack) -> None:
    env.delenv("AWS_REGION")
    env.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    code, found, err = check(capsys, f"--mail-from={stack.mail_from}")
    assert code == 0, err
    assert (found["region"], found["region_from"]) == ("eu-central-1", "AWS_DEFAULT_REGION")


def test_no_region_is_a_clear_error(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                    stack: LocalStack) -> None:
    env.delenv("AWS_REGION")
    env.delenv("AWS_DEFAULT_REGION")
    code, _, err = check(capsys, f"--mail-from={stack.mail_from}")
    assert code == 1 and err.startswith("memberclub: no AWS region: set AWS_REGION") and "Traceback" not in err
    # The token key step says the same: it no longer crashes with NoRegionError.
    assert cli.main(["--aws", "secrets", "init"]) == 1
    assert capsys.readouterr().err.startswith("memberclub: no AWS region")


def test_the_token_key_goes_to_the_region_aws_region_names(env: pytest.MonkeyPatch) -> None:
    """With only AWS_REGION set, `secrets init` uses it (boto3 alone would refuse: NoRegionError)."""
    env.delenv("AWS_DEFAULT_REGION")
    env.setenv("AWS_REGION", "eu-north-1")
    target = cli.AwsTarget("region-check")
    assert target.region.name == "eu-north-1"
    assert target.boto3.client("ssm").meta.region_name == "eu-north-1"
    assert target.init_secrets() == {"token_key": "/region-check/token-key", "created": True}


# --- sender ----------------------------------------------------------------------------------------


def test_no_sender_is_refused(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys)
    assert code == 1 and "no sender" in err and "MAIL_FROM=" in err


def test_an_unverified_sender_is_refused_with_what_to_do(env: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys, f"--mail-from={SENDER}")
    assert code == 1
    assert "SES in eu-north-1 may not send as klubb@bakeriet.no" in err
    assert "aws sesv2 create-email-identity --email-identity bakeriet.no --region eu-north-1" in err


def test_a_verified_domain_is_accepted(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                       verified: set[str]) -> None:
    verified.add("bakeriet.no")
    code, found, err = check(capsys, f"--mail-from={SENDER}")
    assert code == 0, err
    assert found["sender_verified_as"] == "bakeriet.no" and found["mail_from"] == SENDER
    assert "verified as the domain bakeriet.no" in err


def test_a_verified_address_is_accepted_and_its_domain_not_needed(
        env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], verified: set[str]) -> None:
    verified.add("klubb@bakeriet.no")
    code, found, _ = check(capsys, f"--cdk-args=-c alarms=true -c 'mail_from={SENDER}'")
    assert code == 0 and found["sender_verified_as"] == "klubb@bakeriet.no"
    assert found["mail_from_from"] == "CDK_DEPLOY_ARGS"


def test_the_local_stacks_own_sender_counts_as_verified(env: pytest.MonkeyPatch, stack: LocalStack) -> None:
    sesv2 = boto3.client("sesv2")
    assert deploy.check_sender(sesv2, stack.mail_from, "eu-north-1").identity_type in ("address", "domain")
    env.setenv("MEMBERCLUB_MAIL_FROM", "Butikken <post@butikken.example>")
    assert deploy.check_sender(sesv2, "post@butikken.example", "eu-north-1").identity == "post@butikken.example"


def test_an_ses_outage_is_refused_not_crashed(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                             stack: LocalStack) -> None:
    stack.aws.failing.add("sesv2")
    try:
        code, _, err = check(capsys, f"--mail-from={stack.mail_from}")
    finally:
        stack.aws.failing.discard("sesv2")
    assert code == 1 and err.startswith("memberclub: cannot ask SES") and "Traceback" not in err


# --- stack name and bootstrap -------------------------------------------------------------------------


def test_stack_name_m_is_refused(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                 stack: LocalStack) -> None:
    code, _, err = check(capsys, f"--mail-from={stack.mail_from}", stack_name="m")
    assert code == 1 and "stack_name 'm'" in err and "/m" in err


def test_a_good_stack_name_is_accepted_and_named(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                 stack: LocalStack, tmp_path: Path) -> None:
    env_file = tmp_path / "deploy.env"
    code, found, err = check(capsys, f"--mail-from={stack.mail_from}", "--env-file", str(env_file),
                             stack_name="bakeri-2")
    assert code == 0, err
    assert (found["stack"], found["secrets_prefix"], found["account"]) == ("bakeri-2", "/bakeri-2", "123456789012")
    lines = env_file.read_text().splitlines()
    assert "export AWS_REGION=eu-north-1" in lines and "export AWS_DEFAULT_REGION=eu-north-1" in lines
    assert "MEMBERCLUB_ACCOUNT=123456789012" in lines


def test_the_bootstrap_is_run_only_when_the_cdk_toolkit_stack_is_missing(
        env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stack: LocalStack) -> None:
    cloudformation = boto3.client("cloudformation")
    code, found, _ = check(capsys, f"--mail-from={stack.mail_from}")
    assert code == 0 and found["bootstrapped"] is False
    cloudformation.create_stack(StackName="CDKToolkit", TemplateBody=json.dumps({"Resources": {
        "Marker": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "21",
                                                                  "Name": "/cdk-bootstrap/hnb659fds/version"}}}}))
    try:
        code, found, err = check(capsys, f"--mail-from={stack.mail_from}")
        assert code == 0 and found["bootstrapped"] is True and "CDK bootstrap  present" in err
    finally:
        cloudformation.delete_stack(StackName="CDKToolkit")


# --- the clubs already deployed and the job time zones -----------------------------------------------


def test_a_deploy_whose_job_time_zones_would_leave_a_club_without_its_jobs_is_refused(
        env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stack: LocalStack) -> None:
    """A stack from before the daily schedules served every zone hourly: redeployed with the
    default (Europe/Oslo), a club in Tokyo would get no birthday gift again. The preflight
    reads the deployed stack's clubs and names the -c that keeps them served."""
    from memberclub import wiring
    from memberclub.storage import keys
    from memberclub.storage.table import to_wire
    from memberclub_infra.local.stack import TABLE_NAME

    stack.create_club({"club_id": "tokyo-sushi", "name": "Tokyo Sushi", "timezone": "Asia/Tokyo"})
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName="deployed", TemplateBody=json.dumps({
        "Resources": {"Marker": {"Type": "AWS::SSM::Parameter",
                                 "Properties": {"Type": "String", "Value": "1", "Name": "/deployed/marker"}}},
        "Outputs": {"TableName": {"Value": TABLE_NAME}}}))
    try:
        code, _, err = check(capsys, f"--mail-from={stack.mail_from}", stack_name="deployed")
        assert code == 1
        assert "tokyo-sushi (Asia/Tokyo)" in err and "-c job_time_zones=Europe/Oslo,Asia/Tokyo" in err
        assert "demo" not in err.split("keep a clock")[0]  # Oslo's clubs are served
        code, found, _ = check(capsys, f"--mail-from={stack.mail_from}", "--cdk-args",
                               "-c job_time_zones=Europe/Oslo,Asia/Tokyo", stack_name="deployed")
        assert code == 0 and found["stack"] == "deployed"
        # Before the stack's first deploy there are no clubs to leave behind.
        assert deploy.unserved_clubs(cloudformation, wiring.client("dynamodb"), "never-deployed", ("Europe/Oslo",),
                                     date(2026, 12, 3)) == []
    finally:
        cloudformation.delete_stack(StackName="deployed")
        client = wiring.client("dynamodb")
        for key in (keys.club("tokyo-sushi"), keys.club_registry("tokyo-sushi")):
            client.delete_item(TableName=TABLE_NAME, Key=to_wire(key))


def test_the_job_time_zones_of_a_deploy_come_from_its_arguments_then_cdk_json() -> None:
    assert deploy.job_time_zones("", {}) == ("Europe/Oslo",)
    assert deploy.job_time_zones("", {"job_time_zones": "Europe/Helsinki"}) == ("Europe/Helsinki",)
    assert deploy.job_time_zones("-c job_time_zones=Europe/Oslo,Asia/Tokyo", {"job_time_zones": "Europe/Helsinki"}) \
        == ("Europe/Oslo", "Asia/Tokyo")
    with pytest.raises(deploy.PreflightError, match="unknown time zone 'Mars/Olympus'"):
        deploy.job_time_zones("-c job_time_zones=Mars/Olympus", {})
