"""The shape of the shared package, checked from its source (docs/architecture.md draws it).

Rooms depend downwards only: the kernel (top-level modules) on nothing of ours, the
capabilities (signup, orders, loyalty, owner, and premium and jobs when they come) on the
kernel and the few rooms named below, the adapters (storage, eventing, messaging) on the
domain they store or carry, and the composition root (``wiring``) on everything. The domain
never imports boto3, botocore, storage or an adapter: it speaks in models and Protocols.
"""

from __future__ import annotations

import ast
import functools
import pathlib
from collections import defaultdict

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "memberclub"

# Modules that stand above the rooms: they build or reach AWS adapters.
COMPOSITION = {"memberclub.wiring", "memberclub.parameters", "memberclub.clients"}
DOMAIN_ROOMS = {"kernel", "signup", "orders", "loyalty", "owner", "premium", "jobs"}
ADAPTER_ROOMS = {"storage", "eventing", "messaging"}
# Which rooms each room may import from, besides itself (the kernel is open to all).
ALLOWED = {
    "kernel": set(),
    "web": {"kernel"},
    "orders": {"kernel"},
    "signup": {"kernel", "orders", "web"},  # orders: the Order model in a member's export
    "loyalty": {"kernel", "orders"},
    # loyalty: the till's use cases behind the owner key, and the active spell (loyalty.activity)
    # the figures read; web: the owner's pages and the poster's QR code.
    # signup: the owner erases a member on request with the member's own erasure (signup.gdpr).
    # jobs: a new time zone must be one the jobs' schedules serve (jobs.calendar).
    "owner": {"kernel", "loyalty", "web", "signup", "jobs"},
    "premium": {"kernel", "web"},
    "jobs": {"kernel", "loyalty", "premium"},
    "messaging": {"kernel", "storage", "web"},
    "storage": {"kernel", "signup", "orders", "loyalty", "owner", "premium", "jobs"},
    "eventing": {"kernel", "storage"},
}
# The HTTP doorways of a capability reach its services through the composition root.
DOORWAYS = ("memberclub.signup.http.", "memberclub.premium.http.", "memberclub.owner.http.")
FORBIDDEN_IN_DOMAIN = ("boto3", "botocore", "memberclub.storage", "memberclub.eventing",
                       "memberclub.messaging.transport", "memberclub.wiring", "memberclub.parameters",
                       "memberclub.clients")
HANDLER_LINES = 80
DOMAIN_MODULE_LINES = 250
# Declarations, not logic: the text catalogue and the event models (one small class each).
DATA_MODULES = {"memberclub.i18n", "memberclub.events", "memberclub.events.members", "memberclub.events.orders",
                "memberclub.events.jobs", "memberclub.events.premium", "memberclub.events.owner"}


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, pathlib.Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def room_of(module: str) -> str:
    if module in COMPOSITION:
        return "composition"
    if module == "memberclub.events" or module.startswith("memberclub.events."):
        return "kernel"  # the event models: a package only so that each part loads on its own
    parts = module.split(".")
    is_package = modules()[module].name == "__init__.py"
    return parts[1] if len(parts) > 2 or (is_package and len(parts) == 2) else "kernel"


def imported_names(path: pathlib.Path, *, top_level_only: bool = False) -> set[str]:
    """Every module an import statement names (``from a import b`` names ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif top_level_only and isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    names.add(inner.module)
                    names.update(f"{inner.module}.{alias.name}" for alias in inner.names)
    return names


def our_imports(module: str, *, top_level_only: bool = False) -> set[str]:
    known = modules()
    return {name for name in imported_names(known[module], top_level_only=top_level_only)
            if name in known and name != module}


def test_rooms_import_only_downwards():
    upward = []
    for module in modules():
        room = room_of(module)
        if room == "composition":
            continue
        for target in our_imports(module):
            target_room = room_of(target)
            if target_room == "composition" and module.startswith(DOORWAYS):
                continue
            if target_room != room and target_room not in ALLOWED[room]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports against the rooms' order:\n" + "\n".join(sorted(upward))


def test_no_import_cycles():
    graph = {module: our_imports(module, top_level_only=True) for module in modules()}
    # A package imports its own modules to re-export them; that edge is no cycle.
    graph = {m: {t for t in targets if not t.startswith(m + ".")} for m, targets in graph.items()}
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target):] + [target] if target in trail else [module, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


def test_the_domain_speaks_in_models_not_in_aws():
    leaks = []
    for module in modules():
        if room_of(module) not in DOMAIN_ROOMS or module.startswith(DOORWAYS):
            continue
        for name in imported_names(modules()[module]):
            if name.startswith(FORBIDDEN_IN_DOMAIN):
                leaks.append(f"{module} imports {name}")
    assert not leaks, "\n".join(sorted(leaks))


def test_no_module_reaches_a_storage_modules_private_helpers():
    reaching = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("memberclub.storage")
                    and room_of(module) != "storage"):
                reaching += [f"{module}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert not reaching, "\n".join(reaching)


@pytest.mark.parametrize("handler", sorted((ROOT / "functions").glob("*/app.py")), ids=lambda p: p.parent.name)
def test_handler_files_are_doorways(handler: pathlib.Path):
    lines = len(handler.read_text().splitlines())
    assert lines <= HANDLER_LINES, f"{handler.relative_to(ROOT)} has {lines} lines; move logic into the package"


def test_domain_modules_stay_small():
    too_long = {}
    for module, path in modules().items():
        if room_of(module) in DOMAIN_ROOMS and module not in DATA_MODULES:
            lines = len(path.read_text().splitlines())
            if lines > DOMAIN_MODULE_LINES:
                too_long[module] = lines
    assert not too_long, f"split by use case: {too_long}"


def test_the_map_names_every_room():
    """docs/architecture.md has one line per room; a new room gets its line there."""
    rooms = {room_of(module) for module in modules()} - {"kernel", "composition"}
    text = (ROOT / "docs" / "architecture.md").read_text()
    missing = sorted(room for room in rooms if f"`memberclub/{room}/`" not in text)
    assert not missing, f"docs/architecture.md does not map: {missing}"


def test_rooms_are_known():
    """A new top-level room must be placed in the order above before anything may import it."""
    rooms = defaultdict(list)
    for module in modules():
        rooms[room_of(module)].append(module)
    unknown = set(rooms) - set(ALLOWED) - {"composition"}
    assert not unknown, f"place these rooms in ALLOWED: {sorted(unknown)}"
