"""``make bench``, cold imports as Lambda runs them: each function's handler module imported in a
fresh interpreter whose ``sys.path`` is laid out as Lambda's (the function's code, the layer,
then the runtime's boto3), with the bytecode the deployed layer ships.

The deployed layer is built for arm64, and its native modules (pydantic-core) do not import on
this machine, so the figures come from a copy built by the same recipe from the same pins for
this machine (``build/bench/layer``), and boto3 with its dependencies, compiled, stands in for
the runtime's copy (``build/bench/runtime``). Each figure is a ratio to a bare ``import boto3``
in the same layout, in CPU time (user + system) of the process rather than wall-clock time: the
ratio holds on a busy machine where milliseconds do not. Candidates run A/B alternating (one
process each per round), so a slow minute hurts all of them alike.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "build" / "bench"
HOST_LAYER = WORK / "layer"
HOST_RUNTIME = WORK / "runtime"
HOST_FUNCTIONS = WORK / "functions"
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")

# The targets of the cost-and-speed work, as ratios to `import boto3`.
HTTP_TARGET, PREMIUM_TARGET, EVENT_TARGET = 2.5, 3.0, 1.3
HTTP_FUNCTIONS = ("signup", "owner", "till", "purchases", "premium")
PREMIUM_WITH_STRIPE = "premium + stripe"


def target_of(function: str) -> float:
    if function.startswith("premium"):
        return PREMIUM_TARGET
    return HTTP_TARGET if function in HTTP_FUNCTIONS else EVENT_TARGET


def prepare() -> None:
    """The host copy of the layer and of the runtime's boto3, both compiled as the layer is."""
    sys.path.insert(0, str(REPO / "infra"))
    from memberclub_infra import layer_build

    host = f"{platform.machine()}-manylinux2014"
    layer_build.build_layer(HOST_LAYER, platform=host)
    from memberclub_infra.declaration import FUNCTIONS

    for spec in FUNCTIONS:
        if spec.bundled_groups:  # a function with a bundle of its own (premium: stripe)
            bundle = HOST_FUNCTIONS / spec.name
            if bundle.exists():
                shutil.rmtree(bundle)
            layer_build.build_function(spec.code_dir, spec.bundled_groups, bundle, platform=host)
    if HOST_RUNTIME.exists():
        shutil.rmtree(HOST_RUNTIME)
    uv = layer_build.find_uv()
    requirements = WORK / "runtime-requirements.txt"
    subprocess.run([uv, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--quiet",
                    "--format", "requirements-txt", "--output-file", str(requirements)],
                   cwd=REPO, check=True)
    wanted = [line for line in requirements.read_text().splitlines()
              if line.split("==")[0].strip().lower() in RUNTIME_PACKAGES]
    requirements.write_text("\n".join(wanted) + "\n")
    subprocess.run([uv, "pip", "install", "--quiet", "--python-version", layer_build.LAMBDA_PYTHON,
                    "--no-deps", "--target", str(HOST_RUNTIME), "-r", str(requirements)], cwd=REPO, check=True)
    layer_build.compile_bytecode(HOST_RUNTIME)


def functions() -> list[str]:
    names = sorted(path.parent.name for path in (REPO / "functions").glob("*/app.py"))
    return names + ([PREMIUM_WITH_STRIPE] if "premium" in names else [])


# What no function can go below, in the same layout: the libraries each kind needs, imported
# and used once. The event functions read records (msgspec); pydantic is there to show what
# they would cost with it (its first model imports pydantic's schema machinery).
FLOORS = {
    "floor: boto3 + msgspec + Logger, one record used": (
        "import boto3, msgspec; from aws_lambda_powertools import Logger\n"
        "class R(msgspec.Struct):\n    a: int\nmsgspec.convert({'a': 1}, R)"),
    "floor: boto3 + pydantic + Logger": "import boto3, pydantic; from aws_lambda_powertools import Logger",
    "floor: the same, one model used": ("import boto3, pydantic; from aws_lambda_powertools import Logger\n"
                                        "class M(pydantic.BaseModel):\n    a: int\nM(a=1)"),
    "floor: boto3 + fastapi + mangum": "import boto3, fastapi, mangum",
}


def statement(function: str | None) -> str:
    """The code a fresh interpreter runs: Lambda's ``sys.path``, then one import."""
    task = REPO
    if function:
        bundled = HOST_FUNCTIONS / function.split(" ")[0]
        task = bundled if bundled.exists() else REPO / "functions" / function.split(" ")[0]
    layout = f"import sys; sys.path[:0] = [{str(task)!r}, {str(HOST_LAYER / 'python')!r}, {str(HOST_RUNTIME)!r}]"
    if function is None:
        return layout
    if function == "boto3":
        return f"{layout}; import boto3"
    if function == PREMIUM_WITH_STRIPE:
        # The premium function imports stripe with its first Stripe call (the adapter).
        return f"{layout}; import app; import memberclub.premium.stripe_billing"
    return f"{layout}; import app"


def environment() -> dict[str, str]:
    """A fresh interpreter's environment, as a function's in Lambda: none of this machine's,
    and the variables the stack sets for every function's start-up."""
    from memberclub_infra.declaration import START_UP_ENVIRONMENT  # after prepare()'s sys.path

    return {"PATH": "/usr/bin:/bin", "POWERTOOLS_SERVICE_NAME": "bench", "AWS_DEFAULT_REGION": "eu-north-1",
            "PYTHONDONTWRITEBYTECODE": "1"} | START_UP_ENVIRONMENT


# In Lambda a function also builds, at start-up, the AWS clients its requests use
# (``memberclub.wiring.start_up``): that phase runs with burst CPU, and the bill counts it.
START_UP = ": start-up in Lambda"


def lambda_environment(function: str) -> dict[str, str]:
    """A function's environment as Lambda gives it: its declared variables (for made-up
    resource names), a region, credentials and its name, which has ``wiring.start_up`` build
    its clients. No AWS endpoint answers (127.0.0.1:9): start-up calls none."""
    from memberclub_infra import declaration

    spec = {spec.name: spec for spec in declaration.FUNCTIONS}[function.split(" ")[0]]
    resources = declaration.Resources(table_name="memberclub-bench", public_url="https://club.example",
                                      mail_from="club@example.com", redelivery_targets="{}",
                                      redelivery_role_arn="arn:aws:iam::123456789012:role/bench")
    return environment() | declaration.environment(spec, resources) | {
        "AWS_LAMBDA_FUNCTION_NAME": spec.name, "AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """The CPU time a fresh process takes (-S -E: no site-packages and none of this machine's
    Python environment, as in Lambda)."""
    process = subprocess.Popen(command, env=env, cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return usage.ru_utime + usage.ru_stime


def instructions(code: str, env: dict[str, str]) -> int:
    """The instructions a fresh process executes (valgrind's callgrind): the same count, within
    about 0.1 %, however busy the machine is, where CPU time swings by 10–30 % on a shared VM."""
    answer = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                             sys.executable, "-S", "-E", "-c", code], env=env | {"PYTHONHASHSEED": "0"},
                            capture_output=True, text=True, cwd=REPO, check=True)
    found = re.search(r"Collected : (\d+)", answer.stderr)
    assert found, answer.stderr[-500:]
    return int(found.group(1))


def measure(rounds: int = 25) -> dict[str, dict[str, float]]:
    prepare()  # from the sources as they are now (a few seconds: uv caches the wheels)
    python = sys.executable
    env = environment()
    candidates: dict[str, tuple[str, dict[str, str]]] = {"bare": (statement(None), env),
                                                         "boto3": (statement("boto3"), env)}
    candidates |= {name: (statement(name), env) for name in functions()}
    candidates |= {f"{name}{START_UP}": (statement(name), lambda_environment(name))
                   for name in functions() if name != PREMIUM_WITH_STRIPE}
    candidates |= {name: (f"{statement(None)}\n{code}", env) for name, code in FLOORS.items()}
    timings: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, (code, variables) in candidates.items():
            timings[name].append(cpu_seconds([python, "-S", "-E", "-c", code], variables))
    bare = statistics.median(timings["bare"])
    boto = statistics.median(timings["boto3"]) - bare
    figures = {name: {"ratio": round((statistics.median(timings[name]) - bare) / boto, 2),
                      "target": target_of(name) if name in functions() else 0.0}
               for name in candidates if name not in ("bare", "boto3")}
    if shutil.which("valgrind"):  # the same ratios in instructions: repeatable from run to run
        counted = [name for name in candidates if not name.endswith(START_UP)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            counts = dict(zip(counted, pool.map(lambda name: instructions(*candidates[name]), counted), strict=True))
        for name in counted[2:]:
            figures[name]["instructions"] = round((counts[name] - counts["bare"]) / (counts["boto3"] - counts["bare"]), 2)
    else:
        print("(no valgrind here: the import ratios are in CPU time only; apt-get install valgrind)")
    return figures | {"_boto3_ms": {"ratio": round(boto * 1000, 1), "target": 0.0}}


def print_figures(figures: dict[str, dict[str, float]]) -> None:
    boto_ms = figures["_boto3_ms"]["ratio"]
    print(f"\nCold import as Lambda runs it (layer with bytecode; ÷ `import boto3` = {boto_ms} ms here): "
          "CPU time, median of rounds A/B; and in instructions (callgrind), which repeat from run to run but weigh "
          "boto3's file reads less, so read higher")
    for name, figure in figures.items():
        if name.endswith(START_UP) or name.startswith("_"):
            continue
        counted = f"   instructions {figure['instructions']:>5}×" if "instructions" in figure else ""
        if name in FLOORS:
            print(f"  {name:<36} {figure['ratio']:>5}×{'':23}{counted}")
        else:
            verdict = "ok  " if figure["ratio"] <= figure["target"] else "OVER"
            print(f"  {name:<36} {figure['ratio']:>5}×   target ≤ {figure['target']}×   {verdict}{counted}")
    print("Start-up in Lambda: the imports and the AWS clients each function builds before its first request "
          "(burst CPU; the bill counts this)")
    for name, figure in figures.items():
        if name.endswith(START_UP):
            print(f"  {name.removesuffix(START_UP):<36} {figure['ratio']:>5}×")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print_figures(measure())
