"""The shared layer: built for the declared runtime and architecture, without Docker."""

from __future__ import annotations

import json
import marshal
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from memberclub_infra import declaration, layer_build
from memberclub_infra.cdk import build_app
from tests.infra.synth import DEFAULT_CONTEXT

pytestmark = pytest.mark.infra

EM_AARCH64 = 0xB7
PYTHON_313_MAGIC = (3571).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = 0b01


def test_the_recipe_targets_the_declared_runtime_and_architecture() -> None:
    assert f"python{layer_build.LAMBDA_PYTHON}" == declaration.RUNTIME
    assert declaration.ARCHITECTURE == "arm64" and layer_build.LAMBDA_PLATFORM.startswith("aarch64-")


def test_the_fingerprint_follows_the_package_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layer's asset hash: the same for the same content wherever it lives, new when it changes."""
    before = layer_build.source_fingerprint()
    copy = tmp_path / "memberclub"
    shutil.copytree(layer_build.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    monkeypatch.setattr(layer_build, "PACKAGE_DIR", copy)
    assert layer_build.source_fingerprint() == before
    (copy / "__init__.py").write_text((copy / "__init__.py").read_text() + "\n# changed\n")
    assert layer_build.source_fingerprint() != before


@pytest.mark.slow
def test_build_layer_makes_an_arm64_python313_layer(tmp_path: Path) -> None:
    site = layer_build.build_layer(tmp_path)
    assert site == tmp_path / "python"

    native = site / "pydantic_core" / "_pydantic_core.cpython-313-aarch64-linux-gnu.so"
    header = native.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and header[4] == 2, "a 64-bit ELF file"
    (machine,) = struct.unpack("<H", header[18:20])
    assert machine == EM_AARCH64, f"e_machine {machine:#x}: not ARM aarch64"

    assert (site / "memberclub" / "__init__.py").is_file()
    assert not (site / ".lock").exists()
    for runtime_provided in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"):
        assert not (site / runtime_provided).exists(), f"{runtime_provided} ships with the Lambda runtime"
        assert not (site / f"{runtime_provided}.py").exists()
    for distribution in layer_build.RUNTIME_PROVIDED:
        assert not list(site.glob(f"{distribution.replace('-', '_')}-*.dist-info"))
    for unused in layer_build.UNUSED_IN_WHEELS:
        assert not (site / unused).exists(), f"{unused} is loaded by no function"
    assert_compiled_for_lambda(site)
    # The templates as modules, compiled too: the first page of a cold start compiles nothing.
    compiled = site / "memberclub" / "templates_compiled"
    templates = list((site / "memberclub" / "templates").glob("*.html"))
    assert len(list(compiled.glob("tmpl_*.py"))) == len(templates) >= 10
    assert len(list((compiled / "__pycache__").glob("tmpl_*.cpython-313.pyc"))) == len(templates)


# What each function may load at its cold start, beyond boto3 and the shared package: FastAPI
# only in the HTTP apps that serve pages or many routes, stripe only in premium's Stripe calls,
# and no function loads jinja2 or segno before it renders a page or draws a QR code.
HTTP_APPS = {"signup", "owner", "premium"}


@pytest.mark.slow
def test_every_function_starts_from_the_layer_as_lambda_lays_it_out() -> None:
    """Each handler module imported in a fresh interpreter whose path is Lambda's (the
    function's code, the layer built by the same recipe for this machine, the runtime's boto3;
    no site-packages): it imports, and loads only what its kind needs."""
    from bench import imports

    imports.prepare()
    for function in imports.functions():
        code = imports.statement(function) + ("; m = sys.modules.get('fastapi.openapi.models')"
                                              "; print(sum(c.__pydantic_complete__ for c in (m.Schema, m.Operation, m.OpenAPI))"
                                              " if m else 0, ' '.join(sorted(sys.modules)))")
        answer = subprocess.run([sys.executable, "-S", "-E", "-c", code], capture_output=True, text=True,
                                env=imports.environment(), check=False)
        assert answer.returncode == 0, f"{function}: {answer.stderr[-2000:]}"
        openapi_models_built, *modules = answer.stdout.split()
        loaded = {name.split(".")[0] for name in modules} | set(modules)
        # FastAPI's OpenAPI models, which no app of ours serves, are left unbuilt (memberclub.web.framework).
        assert openapi_models_built == "0", f"{function} builds FastAPI's OpenAPI models at its start"
        assert "pydantic.v1" not in loaded, function
        assert not loaded & {"jinja2", "segno"}, f"{function} loads {loaded & {'jinja2', 'segno'}} at its start"
        assert ("fastapi" in loaded) == (function.split(" ")[0] in HTTP_APPS), function
        assert ("stripe" in loaded) == (function == imports.PREMIUM_WITH_STRIPE), function
        # Only the HTTP apps read request bodies with pydantic (FastAPI needs it); the event
        # functions read clubs, members and events as records (msgspec), and the relay, which
        # starts after every order's quiet spell, forwards the outbox's events as they are.
        assert ("pydantic" in loaded) == (function.split(" ")[0] in HTTP_APPS), f"{function} and pydantic"
        if function == "relay":
            assert "msgspec" not in loaded, "the relay reads no record"


@pytest.mark.slow
def test_in_lambda_every_function_builds_its_clients_at_start_up() -> None:
    """Imported as Lambda imports it (its environment as the stack declares it, a region, no
    endpoint reachable): each function has built its AWS clients before its first request,
    without calling AWS."""
    from bench import imports

    imports.prepare()
    report = ("; from memberclub import parameters, wiring; "
              "print(wiring.client.cache_info().currsize, parameters.ssm.cache_info().currsize)")
    for function in imports.functions():
        if function == imports.PREMIUM_WITH_STRIPE:
            continue
        env = imports.lambda_environment(function)
        answer = subprocess.run([sys.executable, "-S", "-E", "-c", imports.statement(function) + report],
                                capture_output=True, text=True, env=env, check=False)
        assert answer.returncode == 0, f"{function}: {answer.stderr[-2000:]}"
        clients, ssm = answer.stdout.split()
        # (A call to AWS would have failed, and start-up would have left everything to the first request.)
        assert int(clients) >= 1, f"{function} built no client at start-up"
        assert int(ssm) == (function in {"signup", "owner", "premium", "purchases", "messages"}), function


@pytest.mark.slow
def test_a_function_bundle_has_its_own_dependencies_compiled(tmp_path: Path) -> None:
    """The premium function's bundle: its handler and stripe (in no other function), arm64
    wheels, bytecode as in the layer with tracebacks naming /var/task."""
    (premium,) = [spec for spec in declaration.FUNCTIONS if spec.bundled_groups]
    bundle = layer_build.build_function(premium.code_dir, premium.bundled_groups, tmp_path / "premium")
    assert (bundle / "app.py").is_file() and (bundle / "stripe" / "__init__.py").is_file()
    assert_compiled_for_lambda(bundle, prefix=layer_build.LAMBDA_TASK, module="app")


def assert_compiled_for_lambda(site: Path, prefix: str = layer_build.LAMBDA_SITE,
                               module: str = "memberclub/club") -> None:
    """Every module has bytecode for Python 3.13 that Python uses without checking the source's
    time (PEP 552 flags 0b01: hash-based, unchecked), with tracebacks naming where Lambda puts
    the code (``module`` is one to check)."""
    assert layer_build.find_python313(), "the build machine has a Python 3.13 (CI and make do)"
    sources = [p for p in site.rglob("*.py") if p.parent.name != "__pycache__"]
    missing = []
    for source in sources:
        cached = list((source.parent / "__pycache__").glob(f"{source.stem}.cpython-313.pyc"))
        if not cached:
            missing.append(source)
            continue
        header = cached[0].read_bytes()[:16]
        assert header[:4] == PYTHON_313_MAGIC, cached[0]
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH, cached[0]
    # A wheel may carry a file that is no Python module (e.g. a template with a .py name).
    assert len(missing) <= len(sources) // 100, missing[:10]
    folder, _, name = module.rpartition("/")
    code = marshal.loads((site / folder / "__pycache__" / f"{name}.cpython-313.pyc").read_bytes()[16:])
    assert code.co_filename == f"{prefix}/{module}.py"


@pytest.mark.slow
def test_the_cdk_app_bundles_the_layer_locally(tmp_path: Path) -> None:
    """``make synth``'s path: the CDK calls the local bundler (no Docker) and stages its output."""
    app, stack = build_app(context=DEFAULT_CONTEXT, outdir=str(tmp_path), nag=False)
    app.synth()
    template = json.loads((tmp_path / f"{stack.artifact_id}.template.json").read_text())
    (layer,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::LayerVersion"]
    asset = tmp_path / f"asset.{layer['Properties']['Content']['S3Key'].removesuffix('.zip')}"
    assert (asset / "python" / "memberclub" / "__init__.py").is_file()
    assert (asset / "python" / "pydantic_core" / "_pydantic_core.cpython-313-aarch64-linux-gnu.so").is_file()
