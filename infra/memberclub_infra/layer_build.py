"""The one recipe for the shared Lambda layer: python3.13 on arm64, built without Docker.

``make layer`` and the CDK app (local bundling in ``memberclub_infra.cdk.layer``) both call
``build_layer``, so the layer you test is the layer you deploy:

1. ``uv export`` the project's runtime dependencies from ``uv.lock`` (boto3 and what it
   brings — botocore, s3transfer, jmespath, python-dateutil, six, urllib3 — are left out: the
   Lambda runtime ships them, compiled);
2. ``uv pip install`` them as manylinux2014 aarch64 wheels for CPython 3.13 (binary only:
   pydantic-core is native code, so a source build would be for the wrong machine);
3. leave out what no function loads (``UNUSED_IN_WHEELS``) and copy the shared package
   ``layers/memberclub`` beside them, with its page and e-mail templates compiled to modules
   by the layer's own jinja2 (``memberclub.web.pages.compile_templates``): otherwise the first
   page of every cold start lexes, parses and compiles its templates;
4. compile every module to bytecode with a Python 3.13, ``--invalidation-mode
   unchecked-hash``. Lambda mounts the layer read-only at /opt, so Python cannot save the
   bytecode it compiles there: without ``.pyc`` files every cold start compiles every module
   again (about half of an HTTP function's start-up). Timestamp-checked ``.pyc`` files would
   not help: the CDK's asset zip does not keep the sources' modification times, so they would
   look stale and be compiled again. Unchecked-hash files are used as they are. Bytecode of one
   Python version is the same on every platform, so the build machine's 3.13 makes it.

The result is ``<target>/python/...``, the layout Lambda puts on ``sys.path``.
Standard library only: it runs before (and without) the project's virtual environment.

    python -m memberclub_infra.layer_build build/layer
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "layers" / "memberclub"
LAMBDA_PYTHON = "3.13"
LAMBDA_PLATFORM = "aarch64-manylinux2014"
# The Lambda runtime ships these (boto3 and its dependencies); bundling them would only pin
# (and grow) them, and shadow the runtime's own compiled copies.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
# Parts of the wheels that no function loads, removed from the layer. pydantic's copy of its
# old v1 API: nothing here uses it, but FastAPI imports it when it sees a route, only to ask
# whether a model is a v1 model (and answers "no" without importing when it is missing), which
# cost every HTTP function ~0.1× of an `import boto3` at each cold start (make bench).
UNUSED_IN_WHEELS = ("pydantic/v1",)
# Where Lambda puts a layer's python/ directory: the path tracebacks should show.
LAMBDA_SITE = "/opt/python"
LAMBDA_TASK = "/var/task"  # where a function's own code lands
# Files whose content decides what the layer holds (see ``source_fingerprint``).
RECIPE_INPUTS = ("uv.lock", "pyproject.toml")


class LayerBuildError(RuntimeError):
    pass


def find_uv() -> str:
    """uv: ``$UV``, else the one the Makefile bootstraps (build/tools/bin/uv), else on PATH."""
    candidates = [os.environ.get("UV"), str(ROOT / "build" / "tools" / "bin" / "uv"), shutil.which("uv")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(Path(candidate).resolve())
    raise LayerBuildError(
        "uv is needed to build the layer: run `make install-infra` (it bootstraps build/tools/bin/uv), "
        "set UV=/path/to/uv, or put uv on PATH."
    )


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    # No colour even when a caller forces it (the CDK CLI sets FORCE_COLOR for its apps).
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env |= {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1", "NO_COLOR": "1"}
    try:
        return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True, **kwargs)
    except subprocess.CalledProcessError as error:
        raise LayerBuildError(f"{' '.join(command[:3])} … failed:\n{error.stderr or error.stdout}") from None


def _package_files() -> list[Path]:
    return sorted(
        path for path in PACKAGE_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def source_fingerprint() -> str:
    """A hash of everything the layer is built from: the lock file, the shared package and
    this recipe (contents and relative names, not where the checkout lives). The CDK uses it
    as the asset hash, so an unchanged layer is neither rebuilt nor uploaded again."""
    inputs = [(name, ROOT / name) for name in RECIPE_INPUTS]
    inputs += [(f"memberclub/{path.relative_to(PACKAGE_DIR).as_posix()}", path) for path in _package_files()]
    inputs.append(("layer_build.py", Path(__file__)))
    digest = hashlib.sha256(f"{LAMBDA_PYTHON}/{LAMBDA_PLATFORM}".encode())
    for name, path in inputs:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def find_python313() -> str | None:
    """A CPython 3.13 to compile the bytecode with (its magic number must be Lambda's)."""
    if sys.version_info[:2] == (3, 13):
        return sys.executable
    # pyenv's installs first: its shim on PATH refuses to run a version that is not global.
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(str(p) for p in pyenv.glob(f"{LAMBDA_PYTHON}*/bin/python{LAMBDA_PYTHON}"))
    candidates += [shutil.which(f"python{LAMBDA_PYTHON}"), f"/usr/bin/python{LAMBDA_PYTHON}"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and subprocess.run(
                [candidate, "-c", "pass"], capture_output=True, check=False).returncode == 0:
            return candidate
    return None


def compile_bytecode(site: Path, prefix: str = LAMBDA_SITE) -> bool:
    """Compile every module under ``site`` for Lambda's Python (see step 4 above). Without a
    3.13 on this machine the layer still works, only with slower cold starts: say so."""
    python = find_python313()
    if python is None:
        print(f"warning: no python{LAMBDA_PYTHON} here, so the layer ships without bytecode "
              "(every cold start compiles it; install Python 3.13 to fix)", file=sys.stderr)
        return False
    # Some wheels carry files that do not compile (templates, other Pythons' code): those are
    # never imported, and compileall's exit code is not the layer's verdict.
    subprocess.run([python, "-m", "compileall", "-q", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                    "-s", str(site), "-p", prefix, str(site)], cwd=ROOT, check=False)
    return True


def build_layer(target_dir: str | os.PathLike[str], platform: str = LAMBDA_PLATFORM) -> Path:
    """Build the layer into ``<target_dir>/python`` (replacing what was there); returns it.
    ``platform`` another than Lambda's builds the same pins for this machine (the bench
    measures import time with it: the arm64 native modules do not import here)."""
    uv = find_uv()
    site = Path(target_dir).resolve() / "python"
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="memberclub-layer-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        _run([
            uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes",
            "--format", "requirements-txt", "--quiet", "--output-file", str(requirements),
            *[arg for package in RUNTIME_PROVIDED for arg in ("--no-emit-package", package)],
        ])
        _run([
            uv, "pip", "install", "--quiet",
            "--python-platform", platform, "--python-version", LAMBDA_PYTHON,
            "--only-binary", ":all:", "--no-deps", "--target", str(site), "-r", str(requirements),
        ])
    (site / ".lock").unlink(missing_ok=True)  # uv's stray lock file
    for unused in UNUSED_IN_WHEELS:
        shutil.rmtree(site / unused)
    shutil.copytree(PACKAGE_DIR, site / "memberclub", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    compile_templates(site)
    compile_bytecode(site)
    return site


def compile_templates(site: Path) -> None:
    """The templates as modules (step 3), made in a fresh interpreter that sees only the layer:
    the code jinja2 generates must be the code of the jinja2 the functions run. (-B: it leaves
    no bytecode of its own behind, which would stand in for the unchecked-hash files.)"""
    python = find_python313() or sys.executable
    _run([python, "-S", "-E", "-B", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); "
          "from memberclub.web.pages import COMPILED_TEMPLATES, compile_templates; "
          "compile_templates(COMPILED_TEMPLATES)"])


def function_fingerprint(code_dir: str, groups: tuple[str, ...]) -> str:
    """A hash of what a function's own bundle is built from: its code, the lock file and the
    dependency groups it bundles (``FunctionSpec.bundled_groups``)."""
    source = ROOT / code_dir
    digest = hashlib.sha256(f"{LAMBDA_PYTHON}/{LAMBDA_PLATFORM}/{','.join(groups)}".encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in (*RECIPE_INPUTS, "layer_build.py"):
        digest.update((ROOT / name if name != "layer_build.py" else Path(__file__)).read_bytes())
    return digest.hexdigest()


def build_function(code_dir: str, groups: tuple[str, ...], target_dir: str | os.PathLike[str],
                   platform: str = LAMBDA_PLATFORM) -> Path:
    """A function's own bundle: its handler and the dependency groups only it needs (stripe
    for premium: 17 MB that no other function should load), as arm64 wheels for 3.13, with
    bytecode as the layer has (step 4 above; Lambda puts a function's code at /var/task)."""
    uv, target = find_uv(), Path(target_dir).resolve()
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / code_dir, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    with tempfile.TemporaryDirectory(prefix="memberclub-function-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        _run([uv, "export", "--frozen", "--no-emit-project", "--no-hashes", "--format", "requirements-txt",
              "--quiet", "--no-default-groups", *[arg for group in groups for arg in ("--only-group", group)],
              "--output-file", str(requirements)])
        _run([uv, "pip", "install", "--quiet", "--python-platform", platform, "--python-version", LAMBDA_PYTHON,
              "--only-binary", ":all:", "--target", str(target), "-r", str(requirements)])
    (target / ".lock").unlink(missing_ok=True)
    compile_bytecode(target, prefix=LAMBDA_TASK)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m memberclub_infra.layer_build <target dir>", file=sys.stderr)
        return 2
    try:
        site = build_layer(args[0])
    except LayerBuildError as error:
        print(f"layer build failed: {error}", file=sys.stderr)
        return 1
    print(f"layer built in {site.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
