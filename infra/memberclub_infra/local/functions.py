"""The functions of the declaration, loaded from ``functions/<name>/app.py`` and invoked
in this process with a Lambda-like context, as Lambda would."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memberclub_infra.declaration import FUNCTIONS, FunctionSpec, function_name

LOCAL_STACK_NAME = "memberclub"

REPO = Path(__file__).resolve().parents[3]


@dataclass
class LocalContext:
    """What a handler may read off Lambda's context object."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-north-1:000000000000:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000), 0)


class Functions:
    """Handlers by function name, imported on first use (a cold start, once per run)."""

    def __init__(self, specs: tuple[FunctionSpec, ...] = FUNCTIONS, root: Path = REPO):
        self.specs = {spec.name: spec for spec in specs}
        self.root = root
        self._handlers: dict[str, Callable[[dict[str, Any], Any], Any]] = {}
        self._lock = threading.Lock()

    def handler(self, name: str) -> Callable[[dict[str, Any], Any], Any]:
        with self._lock:
            if name not in self._handlers:
                spec = self.specs[name]
                module_name, _, attribute = spec.handler.rpartition(".")
                path = self.root / spec.code_dir / f"{module_name}.py"
                module_spec = importlib.util.spec_from_file_location(f"memberclub_function_{name}", path)
                assert module_spec and module_spec.loader, path
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
                self._handlers[name] = getattr(module, attribute)
            return self._handlers[name]

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        spec = self.specs[name]
        context = LocalContext(function_name(LOCAL_STACK_NAME, spec), spec.memory_mb, spec.timeout_seconds)
        handler = self.handler(name)
        # Lambda calls a handler on its main thread, where Mangum finds an event loop; here
        # each request has a thread of its own, so it gets a loop of its own, closed after.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            return handler(event, context)
        finally:
            asyncio.set_event_loop(None)
            loop.close()
