"""``memberclub dlq show`` / ``dlq redrive`` against the running local stack: an event whose
target fails every declared attempt is dead-lettered, and a redrive recovers it once."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from memberclub_infra.declaration import MESSAGES
from tests.e2e.support import Stack

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def memberclub(stack: Stack, *args: str) -> Any:
    done = subprocess.run([str(REPO / ".venv" / "bin" / "memberclub"), "--url", stack.base_url, *args],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_dead_letter_is_shown_and_redriven_once(stack: Stack, faults: Callable[..., None]) -> None:
    email = stack.new_email()
    faults("sesv2", True)
    assert stack.join(email=email).status_code == 202
    stack.wait_for_events_idle(timeout=60)
    dead = [d for d in memberclub(stack, "dlq", "show", "--function", "messages") if d["what"] == "MemberJoined"]
    assert dead, "the confirmation's event waits in the messages function's dead letters"
    assert all(d["attempts"] == len(MESSAGES.async_failures.attempt_offsets()) for d in dead)
    assert "local fault" in dead[-1]["why"], "why it failed"
    assert stack.outbox(email) == []

    faults("sesv2", False)
    assert memberclub(stack, "dlq", "redrive")["redriven"] >= 1
    stack.wait_for_message(email, "confirmation")
    stack.wait_for_events_idle()
    assert len(stack.messages(email, "confirmation")) == 1, "recovered exactly once"
    assert memberclub(stack, "dlq", "show") == []
    assert memberclub(stack, "dlq", "redrive") == {"redriven": 0}
