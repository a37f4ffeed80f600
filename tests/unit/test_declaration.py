"""The declaration, the code and the local runner agree."""

import importlib.util
from pathlib import Path

from memberclub.events import DETAIL_TYPES
from memberclub.messaging.rules import RULES
from memberclub.settings import ENVIRONMENT
from memberclub_infra.declaration import (
    EVENT_SOURCE,
    FUNCTIONS,
    Resources,
    environment,
    function,
    routes,
)

REPO = Path(__file__).resolve().parents[2]


def load_app(name: str):
    spec = importlib.util.spec_from_file_location(f"unit_{name}", REPO / "functions" / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_function_has_its_handler_file():
    for spec in FUNCTIONS:
        module, _, attribute = spec.handler.rpartition(".")
        assert (REPO / spec.code_dir / f"{module}.py").is_file(), spec.name


def test_the_signup_app_serves_exactly_the_declared_routes():
    app = load_app("signup").app
    served = {f"{method} {route.path.replace('{club_id}', '{club}')}"
              for route in app.routes for method in getattr(route, "methods", ()) if method != "HEAD"}
    declared = {key for key, spec in routes().items() if spec.name == "signup"}
    assert served == declared


def test_the_messages_function_listens_to_every_event_that_has_a_message_rule():
    ours = {t for rule in function("messages").event_rules if rule.source == EVENT_SOURCE for t in rule.detail_types}
    assert ours == set(RULES)
    assert ours <= set(DETAIL_TYPES)
    # And SES's bounces and complaints, from the account's default bus.
    (feedback,) = [rule for rule in function("messages").event_rules if rule.source != EVENT_SOURCE]
    assert (feedback.source, feedback.on_default_bus) == ("aws.ses", True)
    assert feedback.detail_types == ("Email Bounced", "Email Complaint Received")


def test_every_function_gets_the_settings_environment():
    env = environment(function("signup"), Resources(table_name="t", public_url="https://club.example"))
    assert env[ENVIRONMENT["table_name"]] == "t" and env[ENVIRONMENT["public_url"]] == "https://club.example"
    assert env["POWERTOOLS_SERVICE_NAME"] == "signup"


def test_a_jobs_runs_for_a_date_are_the_hourly_runs_at_its_hour_in_each_clubs_zone():
    """The CLI's `jobs run --aws` once sent 06:00Z whatever the job's schedule said: now a
    date is replayed as the hourly runs that serve it, each club at its own local hour."""
    from datetime import date

    from memberclub_infra import declaration

    summer = declaration.job_payloads("birthday", date(2026, 7, 1), {"Europe/Oslo"})
    assert summer == [{"job": "birthday", "scheduled_time": "2026-07-01T06:15:00Z"}]  # 08:15, UTC+2
    winter = declaration.job_payloads("birthday", date(2026, 12, 1), {"Europe/Oslo", "America/New_York"})
    assert [p["scheduled_time"] for p in winter] == ["2026-12-01T07:15:00Z", "2026-12-01T13:15:00Z"]
    # Without the zones (an AWS account's clubs are not known to the CLI): every hour of the day anywhere.
    assert len(declaration.job_payloads("expiry", date(2026, 12, 1))) == 48

def test_the_jobs_are_scheduled_daily_at_their_local_hour_in_the_deployments_zones():
    from memberclub.jobs.calendar import daily_cron
    from memberclub_infra import declaration

    schedules = declaration.function("jobs").schedules
    assert {s.job: s.cron for s in schedules} == {job: daily_cron(job) for job in ("birthday", "expiry", "onboarding")}
    assert all(s.timezone is None for s in schedules)  # each of -c job_time_zones


def test_the_cli_names_functions_as_the_stack_outputs_them():
    """`invoke till-stamps` looked for FunctionNameTill-stamps (capitalize) where the CDK writes
    FunctionNameTillStamps (title)."""
    from memberclub_infra.cli import AwsTarget
    from memberclub_infra.declaration import title

    target = AwsTarget.__new__(AwsTarget)
    target._outputs = {f"FunctionName{title('till-stamps')}": "memberclub-till-stamps"}
    invoked: list[str] = []

    class FakeLambda:
        def invoke(self, FunctionName: str, Payload: bytes):  # noqa: N803
            invoked.append(FunctionName)
            import io

            return {"Payload": io.BytesIO(b"{}")}

    class FakeSession:
        def client(self, name: str):
            return FakeLambda()

    target.boto3 = FakeSession()
    target.stack = "memberclub"
    assert target.invoke("till-stamps", {}) == {}
    assert invoked == ["memberclub-till-stamps"]


def test_the_cli_in_aws_follows_the_stacks_job_time_zones():
    """`jobs run --aws` replays the one run a day the Oslo schedule makes (not 48 hourly runs),
    and `club create --aws` refuses a zone no schedule serves before it writes anything."""
    import io
    import json

    import pytest

    from memberclub.errors import Invalid
    from memberclub_infra.cli import AwsTarget

    target = AwsTarget.__new__(AwsTarget)
    target._outputs = {"FunctionNameJobs": "memberclub-jobs", "JobTimeZones": "Europe/Oslo"}
    payloads: list[dict] = []

    class FakeLambda:
        def invoke(self, FunctionName: str, Payload: bytes):  # noqa: N803
            payloads.append(json.loads(Payload))
            return {"Payload": io.BytesIO(b'{"issued": 2}')}

    class FakeSession:
        def client(self, name: str):
            assert name == "lambda", "nothing but the invocation"
            return FakeLambda()

    target.boto3, target.stack = FakeSession(), "memberclub"
    assert target.run_job("birthday", "2027-07-01") == {"job": "birthday", "date": "2027-07-01", "issued": 2}
    assert payloads == [{"job": "birthday", "scheduled_time": "2027-07-01T06:15:00Z"}]
    with pytest.raises(Invalid) as refused:
        target.create_club({"club_id": "tokyo", "name": "Tokyo", "timezone": "Asia/Tokyo"})
    assert "job_time_zones=Europe/Oslo,Asia/Tokyo" in refused.value.fields["timezone"]
    assert len(payloads) == 1  # nothing invoked for the refused club


def test_the_premium_app_serves_exactly_the_declared_routes():
    app = load_app("premium").app
    served = {f"{method} {route.path}"
              for route in app.routes for method in getattr(route, "methods", ()) if method != "HEAD"}
    declared = {key for key, spec in routes().items() if spec.name == "premium"}
    assert served == declared
